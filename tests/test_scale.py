"""The scale generator and the page benchmark, at a tiny scale so neither can rot."""

from __future__ import annotations

import json
import os

from sqlalchemy import func, select, text

from bench.__main__ import main as bench_main
from bench.pages import roles_for, target_ms
from db.competitions import (
    Competition,
    CompetitionEvent,
    Entrant,
    Honour,
    HonourKind,
    Judge,
    JudgeScore,
    ScoreSheet,
    Segment,
)
from db.engine import make_engine, make_sessionmaker
from db.feedback import FEEDBACK_STATUSES, FeedbackCase, FeedbackMessage
from db.fund import (
    APPLICATION_STATES,
    BankCheck,
    FundAccount,
    FundEntry,
    FundVoucherCounter,
    ReliefApplication,
)
from db.migrate import upgrade_to_head
from db.models import (
    Account,
    AccountRole,
    AuditEntry,
    CongressTerm,
    DelegateMembership,
    Department,
    School,
    Staff,
)
from db.motions import (
    MOTION_STATES,
    CongressMeeting,
    CongressVote,
    Motion,
    MotionAssignment,
    MotionCosigner,
    MotionEvent,
    MotionMilestone,
    MotionRating,
    MotionReply,
)
from seeds import __main__ as seeds_main
from seeds.scale import Profile, load_scale
from services import fund, relief
from services import motions as motions_service
from services.access import PAGES_BY_KEY
from services.auth import verify_login
from services.clock import local_today
from tests.conftest import actor_of
from tests.test_seeds import check_competitions, check_fund, check_motions, ranked_groups


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_scale_counts_are_exact(session):
    load_scale(session, 0.02)  # 6 schools of 50 staff
    session.commit()
    assert count(session, School) == 6
    assert count(session, Department) == 36
    assert count(session, Staff) == 300
    assert count(session, CongressTerm) == 18
    assert count(session, DelegateMembership) == 18 * 12
    assert count(session, Account) == 7 + 2 * 5
    assert count(session, AccountRole) == 17
    assert count(session, AuditEntry) == 6000
    assert count(session, FeedbackCase) == 3000
    assert verify_login(session, "chair", "union-demo") is not None


def test_scale_feedback(session):
    load_scale(session, 0.01, Profile(audit_entries=100))
    session.commit()
    cases, messages = count(session, FeedbackCase), count(session, FeedbackMessage)
    assert cases == 1500  # N × 150,000
    assert cases <= messages <= 3 * cases
    orphans = select(func.count()).select_from(FeedbackMessage).where(
        FeedbackMessage.case_id.not_in(select(FeedbackCase.id)))
    assert session.scalar(orphans) == 0
    assert session.scalar(select(func.count()).select_from(FeedbackMessage).where(
        (FeedbackMessage.kind == "writer") != FeedbackMessage.author_account_id.is_(None))) == 0
    rows = session.execute(select(FeedbackCase.school_id, FeedbackCase.at_district,
                                  FeedbackCase.district_involved, FeedbackCase.status,
                                  FeedbackCase.sent_on, FeedbackCase.closed_on,
                                  FeedbackCase.receipt_hash)).all()
    assert {(at_district, status) for _, at_district, _, status, *_ in rows} == {
        (at_district, status) for at_district in (False, True) for status in FEEDBACK_STATUSES}
    to_district = sum(school_id is None for school_id, *_ in rows)
    forwarded = sum(school_id is not None and involved for school_id, _, involved, *_ in rows)
    assert 0.15 < to_district / cases < 0.25
    assert 0.10 < forwarded / (cases - to_district) < 0.20
    for _, _, _, status, sent_on, closed_on, receipt_hash in rows:
        assert (status == "closed") == (closed_on is not None)
        assert closed_on is None or sent_on <= closed_on
        assert receipt_hash == "none"
    old = [status for _, _, _, status, sent_on, *_ in rows if sent_on.year < 2025]
    assert old.count("closed") > 0.8 * len(old)


def test_scale_is_deterministic_and_consistent(databases):
    names, feedback, scores = [], [], []
    for _ in range(2):
        engine = make_engine(databases.new_url())
        upgrade_to_head(engine)
        with make_sessionmaker(engine)() as s:
            load_scale(s, 0.01, Profile(audit_entries=1000))
            s.commit()
            names.append(list(s.scalars(select(Staff.name).order_by(Staff.staff_no))))
            feedback.append(s.execute(select(FeedbackCase.id, FeedbackCase.body)
                                      .order_by(FeedbackCase.id)).all())
            scores.append(s.execute(select(JudgeScore.entrant_id, JudgeScore.judge_id,
                                           JudgeScore.segment_id, JudgeScore.score)
                                    .order_by(JudgeScore.id)).all())
            if engine.dialect.name == "sqlite":
                assert s.execute(text("PRAGMA foreign_key_check")).all() == []
            # Every account's scope points into the district it belongs to.
            orphans = s.scalar(select(func.count()).select_from(AccountRole).where(
                AccountRole.school_id.is_not(None),
                AccountRole.school_id.not_in(select(School.id))))
            assert orphans == 0
        engine.dispose()
    assert names[0] == names[1] and len(names[0]) == 150
    assert feedback[0] == feedback[1] and len(feedback[0]) == 1500
    assert scores[0] == scores[1] and len(scores[0]) > 1000


def test_scale_competitions(session):
    p = Profile(audit_entries=100, feedback_cases=500)
    load_scale(session, 0.02, p)  # 6 schools over ten years
    session.commit()
    competitions = session.execute(select(Competition.id, Competition.level, Competition.year,
                                          Competition.state)).all()
    district = [c for c in competitions if c.level == "district"]
    assert len(district) == 10  # at least one a year
    assert len(competitions) - len(district) == round(0.3 * 6 * 10)
    assert {c.year for c in competitions} <= set(range(2017, 2027))
    old = [c.state for c in competitions if c.year < 2026]
    assert old.count("closed") > 0.8 * len(old) and "draft" not in old
    check_competitions(session)  # weights, judges ≠ entrants, organiser's staff, one sheet …
    # About the profile's sizes: 3–7 judges a school panel, up to 9 a district one.
    judges = dict(session.execute(select(Judge.competition_id, func.count())
                                  .group_by(Judge.competition_id)).all())
    for cid, level, *_ in competitions:
        assert (3 if level == "school" else 5) <= judges[cid] <= (7 if level == "school" else 9)
    scores, entrants = count(session, JudgeScore), count(session, Entrant)
    assert 15 * len(competitions) <= entrants <= 40 * len(competitions)
    assert 5 * 3 * entrants * 0.9 <= scores <= 9 * 4 * entrants
    assert count(session, ScoreSheet) == len(competitions)
    assert count(session, CompetitionEvent) >= 3 * len(competitions)
    assert session.scalar(select(func.count()).select_from(Segment)) >= 3 * len(competitions)
    # Every competition ranks and awards through services.scoring.
    for cid, *_ in competitions:
        assert any(r.award for results, _ in ranked_groups(session, cid).values()
                   for r in results)
    assert count(session, HonourKind) == 6
    assert count(session, Honour) == 400  # N × 20,000
    holders = session.execute(select(Honour.staff_id, Honour.school_id)).all()
    assert all((staff_id is None) != (school_id is None) for staff_id, school_id in holders)
    assert 0 < sum(staff_id is None for staff_id, _ in holders) < 60
    if session.get_bind().dialect.name == "sqlite":
        assert session.execute(text("PRAGMA foreign_key_check")).all() == []


def test_cli_scale_refuses_a_database_with_data(engine, session_factory, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert seeds_main.main(["--scale", "0.01"]) == 0
    assert seeds_main.main(["--scale", "0.01"]) == 2
    assert seeds_main.main(["--scale", "0"]) == 2
    with session_factory() as s:
        assert count(s, Staff) == 150


def test_targets():
    assert target_ms(PAGES_BY_KEY["feedback_submit"], "visitor", 1) == 50
    assert target_ms(PAGES_BY_KEY["audit_log"], "auditor", 1) == 150
    assert target_ms(PAGES_BY_KEY["audit_log"], "auditor", 10) == 500
    assert target_ms(PAGES_BY_KEY["staff"], "school_chair", 10) == 150
    assert roles_for(PAGES_BY_KEY["audit_log"]) == ["district_admin", "auditor"]
    assert roles_for(PAGES_BY_KEY["login"]) == ["visitor"]
    assert len(roles_for(PAGES_BY_KEY["home"])) == 5


def test_benchmark_runs_on_a_tiny_database(databases, tmp_path, monkeypatch):
    url = databases.new_url()
    engine = make_engine(url)
    upgrade_to_head(engine)
    with make_sessionmaker(engine)() as s:
        load_scale(s, 0.01, Profile(audit_entries=500))
        s.commit()
    engine.dispose()
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "benchmark-test-key-0123456789abcdef")
    # The benchmark sets these for its own process; in this one, they are put back afterwards
    # (feedback tests that follow count on the default retention and the cheap test scrypt).
    monkeypatch.setenv("UNION_FEEDBACK_RETENTION_DAYS", "36500")
    monkeypatch.setenv("UNION_RECEIPT_SCRYPT_N", os.environ.get("UNION_RECEIPT_SCRYPT_N", ""))
    out = tmp_path / "bench.json"
    assert bench_main(["--json", str(out), "--runs", "2", "--no-browser"]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {"page", "role", "scale", "median_ms", "p95_ms", "target_ms", "missed"} <= set(rows[0])
    pages = {(r["page"], r["role"]) for r in rows}
    assert ("(first render)", "district_admin") in pages
    assert ("audit_log", "auditor") in pages and ("feedback_submit", "visitor") in pages
    assert {("motion_board", "district_admin"), ("motion_board", "school_chair"),
            ("motion_review", "school_chair"), ("motion_department", "department_head"),
            ("motions_mine", "delegate"), ("motion (one motion)", "school_chair"),
            ("motion (one motion)", "department_head"),
            ("motion (one motion)", "delegate")} <= pages
    assert all(r["scale"] == 0.01 for r in rows)


def test_scale_fund(databases):
    """The relief fund at a tiny scale (one school), built twice: the same ledger both times,
    and all that check_fund asks of a seeded ledger; postings through the services go on from
    it (new ids and vouchers after the seeded ones, on PostgreSQL too)."""
    p = Profile(audit_entries=100, feedback_cases=100, fund_duplicate_share=0.01,
                fund_bounced_share=0.05)
    ledgers = []
    for _ in range(2):
        engine = make_engine(databases.new_url())
        upgrade_to_head(engine)
        with make_sessionmaker(engine)() as s:
            load_scale(s, 0.002, p)
            s.commit()
            check_fund(s)
            ledgers.append(s.execute(select(FundEntry.voucher_no, FundEntry.entry_date,
                                            FundEntry.kind, FundEntry.amount_fen,
                                            FundEntry.counterparty, FundEntry.memo)
                                     .order_by(FundEntry.voucher_no)).all())
            assert count(s, School) == 1 and count(s, FundAccount) == 2
            entries, reversals = count(s, FundEntry), s.scalar(
                select(func.count()).where(FundEntry.reverses_id.is_not(None)))
            assert 500 < entries < 3_000 and reversals >= 2
            assert s.scalar(select(func.count()).where(          # a payment reversed
                FundEntry.reverses_id.is_not(None), FundEntry.kind == "expense")) >= 1
            states = set(s.scalars(select(ReliefApplication.state).distinct()))
            assert states == set(APPLICATION_STATES)
            assert s.scalar(select(func.min(FundEntry.entry_date))).year == 2017
            checks = s.execute(select(BankCheck.checked_on, BankCheck.bank_balance_fen
                                      - BankCheck.ledger_balance_fen)
                               .order_by(BankCheck.checked_on)).all()
            assert [difference for _, difference in checks] == [0, -3_500]
            # The services carry on: the next voucher, the next ids, a payment.
            district = actor_of(s, "district")
            year = local_today().year
            last = s.scalar(select(FundVoucherCounter.last).where(
                FundVoucherCounter.year == year)) or 0
            approved = s.scalar(select(ReliefApplication.id).where(
                ReliefApplication.state == "district_approved"))
            posted = relief.pay(s, district, approved, account_id=fund.account_id_for(s, None))
            assert posted.voucher_no == f"记-{year}-{last + 1:06d}"
            s.commit()
            if engine.dialect.name == "sqlite":
                assert s.execute(text("PRAGMA foreign_key_check")).all() == []
        engine.dispose()
    assert ledgers[0] == ledgers[1]


def test_scale_motions(session):
    """Two meetings a school of 70 to 90 motions each, every state at the open meetings, the
    histories and numbers as check_motions asks; the services go on from the seeded rows."""
    load_scale(session, 0.01, Profile(audit_entries=100, feedback_cases=100, honours=10))
    session.commit()
    schools = count(session, School)
    assert count(session, CongressMeeting) == 2 * schools
    motions = count(session, Motion)
    assert 2 * 70 * schools <= motions <= 2 * 90 * schools
    assert 8 * motions <= count(session, MotionEvent) <= 16 * motions
    assert count(session, MotionCosigner) >= 2 * motions
    assert count(session, MotionAssignment) >= motions // 2
    assert 0 < count(session, MotionRating) <= count(session, MotionReply) < motions
    assert count(session, MotionMilestone) > 0
    assert count(session, CongressVote) == 2 * schools
    check_motions(session)
    by_meeting = session.execute(select(CongressMeeting.accepting, Motion.state).join(
        Motion, Motion.meeting_id == CongressMeeting.id).distinct()).all()
    assert {s for accepting, s in by_meeting if accepting} == set(MOTION_STATES)
    assert {s for accepting, s in by_meeting if not accepting} == {
        "done", "deferred", "closed", "rejected", "merged", "suggestion"}
    # The first school's demo delegates are delegates of its term and propose motions.
    delegate = actor_of(session, "delegate")
    school_id = next(iter(delegate.school_ids()))
    meeting_id = motions_service.open_meeting_for(session, delegate, school_id=school_id)
    assert meeting_id is not None
    assert session.scalar(select(func.count()).select_from(Motion).where(
        Motion.proposer_staff_id == delegate.staff_id)) > 0
    # A new draft and a registration carry on after the seeded ids and numbers.
    new_id = motions_service.draft_motion(session, delegate, meeting_id=meeting_id,
                                          title="关于增设教师阅览室的提案", reason="理由",
                                          suggestion="建议")
    assert new_id == session.scalar(select(func.max(Motion.id)))
    submitted = session.scalar(select(Motion).where(Motion.meeting_id == meeting_id,
                                                    Motion.state == "submitted").limit(1))
    assert submitted is not None
    expected = session.get(CongressMeeting, meeting_id).next_number
    number = motions_service.register(session, actor_of(session, "chair"),
                                      motion_id=submitted.id)
    assert number.endswith(f"TA{expected:03d}")
    session.rollback()
