"""The demo district: counts, determinism, idempotent reload, and its refusal to overwrite."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from db.feedback import FEEDBACK_STATUSES, FeedbackCase, FeedbackMessage, MotionLead
from db.models import (
    Account,
    AccountRole,
    CongressTerm,
    DelegateMembership,
    Department,
    School,
    Staff,
)
from seeds import __main__ as seeds_main
from seeds.demo import DEMO_PASSWORD, DEMO_RECEIPTS, load_demo, wipe
from services import receipts
from services.auth import verify_login
from services.feedback import open_by_receipt, writer_view

TODAY = dt.date(2026, 11, 25)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_counts(demo):
    assert count(demo, School) == 12
    assert count(demo, Department) == 72
    assert count(demo, Staff) == 480
    assert demo.scalar(select(func.count()).select_from(Staff)
                       .where(Staff.retired.is_(True))) == 48
    assert count(demo, CongressTerm) == 12
    assert count(demo, DelegateMembership) == 120
    assert sorted(demo.scalars(select(Account.username))) == [
        "auditor", "chair", "delegate", "delegate2", "delegate3", "dept", "district"]


def test_demo_accounts_and_roles(demo):
    roles = dict(demo.execute(select(Account.username, AccountRole.role)
                              .join(AccountRole)).all())
    assert roles == {"district": "district_admin", "chair": "school_chair",
                     "dept": "department_head", "delegate": "delegate",
                     "delegate2": "delegate", "delegate3": "delegate", "auditor": "auditor"}
    for username in roles:
        assert verify_login(demo, username, DEMO_PASSWORD) is not None
    # The three demo delegates really are delegates of the chair's school.
    first_school = demo.scalar(select(School.id).where(School.code == "MH01"))
    delegate_staff = set(demo.scalars(
        select(Account.staff_id).where(Account.username.like("delegate%"))))
    members = set(demo.scalars(select(DelegateMembership.staff_id).join(CongressTerm)
                               .where(CongressTerm.school_id == first_school)))
    assert delegate_staff <= members


def test_demo_is_deterministic(demo):
    names = list(demo.scalars(select(Staff.name).order_by(Staff.staff_no)))
    feedback = demo.execute(select(FeedbackCase.id, FeedbackCase.status, FeedbackCase.body)
                            .order_by(FeedbackCase.id)).all()
    wipe(demo)
    load_demo(demo)
    assert list(demo.scalars(select(Staff.name).order_by(Staff.staff_no))) == names
    assert len(set(names)) > 300  # realistic variety, few repeats
    assert demo.execute(select(FeedbackCase.id, FeedbackCase.status, FeedbackCase.body)
                        .order_by(FeedbackCase.id)).all() == feedback


def test_demo_feedback_covers_every_status_at_both_levels(demo):
    held = set(demo.execute(select(FeedbackCase.at_district, FeedbackCase.status)).all())
    assert held == {(at_district, status) for at_district in (False, True)
                    for status in FEEDBACK_STATUSES}
    per_recipient = dict(demo.execute(select(FeedbackCase.school_id, func.count())
                                      .group_by(FeedbackCase.school_id)).all())
    assert 20 <= per_recipient.pop(None) <= 30
    assert len(per_recipient) == 12 and all(12 <= n <= 21 for n in per_recipient.values())
    forwarded_up = select(func.count()).select_from(FeedbackCase).where(
        FeedbackCase.school_id.is_not(None), FeedbackCase.district_involved.is_(True))
    assert demo.scalar(forwarded_up.where(FeedbackCase.at_district.is_(True),
                                          FeedbackCase.status == "forwarded")) >= 1
    assert demo.scalar(forwarded_up.where(FeedbackCase.at_district.is_(False))) >= 1  # back
    # Cases sent to the district union are at the district; nothing is there uninvolved.
    assert demo.scalar(select(func.count()).select_from(FeedbackCase).where(
        (FeedbackCase.school_id.is_(None) & FeedbackCase.at_district.is_(False))
        | (FeedbackCase.at_district.is_(True) & FeedbackCase.district_involved.is_(False)))) == 0
    assert demo.scalar(select(func.min(FeedbackCase.sent_on))) < dt.date(2025, 6, 1)
    assert demo.scalar(select(func.max(FeedbackCase.sent_on))) == dt.date(2026, 11, 24)


def test_demo_feedback_dates_and_authors(demo):
    cases = demo.execute(select(FeedbackCase.status, FeedbackCase.sent_on,
                                FeedbackCase.closed_on, FeedbackCase.receipt_used_on)).all()
    for status, sent_on, closed_on, used_on in cases:
        assert (status == "closed") == (closed_on is not None)
        assert sent_on <= (closed_on or sent_on) <= TODAY and sent_on <= used_on <= TODAY
    # Retention has some cases to delete, but most closed cases are within 180 days.
    cutoff = TODAY - dt.timedelta(days=180)
    closed = [closed_on for status, _, closed_on, _ in cases if status == "closed"]
    due = [day for day in closed if day < cutoff]
    assert 0 < len(due) < len(closed) / 2
    messages = demo.execute(select(FeedbackMessage.kind, FeedbackMessage.level,
                                   FeedbackMessage.author_account_id, FeedbackMessage.written_on,
                                   FeedbackCase.sent_on, FeedbackCase.at_district)
                            .join(FeedbackCase)).all()
    accounts = dict(demo.execute(select(Account.id, Account.username)).all())
    assert {kind for kind, *_ in messages} == {"writer", "public", "internal"}
    for kind, level, author, written_on, sent_on, _ in messages:
        assert sent_on <= written_on <= TODAY
        if kind == "writer":
            assert author is None and level is None
        else:
            assert accounts[author] == ("district" if level == "district" else "chair")
    assert {(level, at_district) for kind, level, *_, at_district in messages
            if kind == "public"} >= {("school", False), ("district", True)}


def test_demo_receipts_open_their_cases(demo):
    assert len(DEMO_RECEIPTS) == 2
    for code, (school_code, status) in DEMO_RECEIPTS.items():
        writer = open_by_receipt(demo, receipts.display(code), today=TODAY)
        assert writer is not None, code
        case = demo.get(FeedbackCase, writer.case_id)
        assert case.status == status
        assert case.school_id == (None if school_code is None else demo.scalar(
            select(School.id).where(School.code == school_code)))
        kinds = set(demo.scalars(select(FeedbackMessage.kind)
                                 .where(FeedbackMessage.case_id == case.id)))
        view = writer_view(demo, writer)
        if status == "replied":  # a public reply the writer reads, a note they never see
            assert kinds == {"public", "internal"}
            assert [entry.kind for entry in view.entries] == ["public"]
        else:
            assert kinds == set() and view.entries == []
    assert open_by_receipt(demo, "1125202611250003", today=TODAY) is None
    # Every other case has a bucket but no usable receipt.
    assert demo.scalar(select(func.count()).select_from(FeedbackCase).where(
        FeedbackCase.receipt_hash != receipts.UNUSABLE_HASH)) == 2


def test_demo_motion_leads(demo):
    delegate, chair = (demo.scalar(select(Account).where(Account.username == name))
                       for name in ("delegate", "chair"))
    leads = demo.execute(select(MotionLead.status, MotionLead.delegate_staff_id,
                                MotionLead.offered_by, MotionLead.decided_on,
                                MotionLead.case_id)).all()
    assert sorted(status for status, *_ in leads) == ["adopted", "offered"]
    for status, staff_id, offered_by, decided_on, case_id in leads:
        assert (staff_id, offered_by) == (delegate.staff_id, chair.id)
        assert (decided_on is None) == (status == "offered")
        assert demo.get(FeedbackCase, case_id).school_id == demo.scalar(
            select(School.id).where(School.code == "MH01"))


def test_cli_reloads_demo_and_refuses_foreign_data(session_factory, engine, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert seeds_main.main([]) == 0
    assert seeds_main.main([]) == 0  # idempotent: reload gives the same counts
    with session_factory() as s:
        assert count(s, Staff) == 480 and count(s, Account) == 7
        s.execute(School.__table__.update().values(name="x"))
        from db.models import District
        s.execute(District.__table__.update().values(code="REAL"))
        s.commit()
    assert seeds_main.main([]) == 2  # a real district is never wiped
    with session_factory() as s:
        assert count(s, Staff) == 480
