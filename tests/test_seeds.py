"""The demo district: counts, determinism, idempotent reload, and its refusal to overwrite."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.competitions import (
    AwardTier,
    Competition,
    CompetitionEvent,
    Entrant,
    Honour,
    HonourKind,
    Judge,
    JudgeScore,
    ScoreSheet,
    Segment,
    StandingRow,
    SubjectGroup,
)
from db.feedback import FEEDBACK_STATUSES, FeedbackCase, FeedbackMessage, MotionLead
from db.fund import (
    APPLICATION_STATES,
    FundAccount,
    FundCategory,
    FundEntry,
    FundVoucherCounter,
    ReliefApplication,
    ReliefEvent,
)
from db.models import (
    Account,
    AccountRole,
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
from seeds.demo import (
    DEMO_PASSWORD,
    DEMO_RECEIPTS,
    FUND_FIRST_DAY,
    FUND_LAST_DAY,
    load_demo,
    wipe,
)
from seeds.motions_demo import MOTIONS_LAST_DAY
from services import fund, receipts, relief
from services import motions as motions_service
from services.auth import verify_login
from services.clock import local_today
from services.errors import DomainError
from services.feedback import open_by_receipt, writer_view
from services.scoring import (
    BoundaryNote,
    EntrantScores,
    Result,
    SegmentRule,
    TierRule,
    award,
    check_segments,
    rank,
)
from tests.conftest import actor_of

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
    scores = select(Competition.name, Staff.staff_no, Judge.name, Segment.name,
                    JudgeScore.score).select_from(JudgeScore).join(Entrant).join(
        Staff, Staff.id == Entrant.staff_id).join(Judge).join(Segment).join(
        Competition, Competition.id == Entrant.competition_id).order_by(JudgeScore.id)
    competitions = demo.execute(scores).all()
    wipe(demo)
    load_demo(demo)
    assert demo.execute(scores).all() == competitions
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


# --- Competitions and honours ---------------------------------------------------------------

def ranked_groups(session: Session, competition_id: int
                  ) -> dict[str, tuple[list[Result], list[BoundaryNote]]]:
    """Each subject group's ranking and award notes from the newest sheet, by services.scoring."""
    segments = [SegmentRule(s.id, s.name, s.max_score, s.weight, s.position)
                for s in session.scalars(select(Segment).where(
                    Segment.competition_id == competition_id).order_by(Segment.position))]
    tiers = [TierRule(t.rank, t.name, t.quota_percent, t.fixed_count, t.min_score)
             for t in session.scalars(select(AwardTier).where(
                 AwardTier.competition_id == competition_id))]
    rounding = session.get(Competition, competition_id).rounding
    sheet = session.scalar(select(func.max(ScoreSheet.id))
                           .where(ScoreSheet.competition_id == competition_id))
    scores: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for entrant_id, segment_id, score in session.execute(
            select(JudgeScore.entrant_id, JudgeScore.segment_id, JudgeScore.score)
            .where(JudgeScore.sheet_id == sheet)):
        scores[entrant_id][segment_id].append(score)
    groups: dict[str, list[EntrantScores]] = defaultdict(list)
    for entrant_id, group in session.execute(
            select(Entrant.id, SubjectGroup.name).join(SubjectGroup)
            .where(Entrant.competition_id == competition_id, Entrant.competed.is_(True))
            .order_by(Entrant.id)):
        groups[group].append(EntrantScores(entrant_id, scores[entrant_id]))
    ranked = {}
    for group, entrants in groups.items():
        results, _ties = rank(entrants, segments)
        ranked[group] = (results, award(results, tiers, rounding))
    return ranked


def check_competitions(session: Session) -> None:
    """What every seeded competition must hold, demo or scale."""
    competitions = session.scalars(select(Competition)).all()
    assert competitions
    for competition in competitions:
        check_segments([SegmentRule(s.id, s.name, s.max_score, s.weight)  # weights sum to 100
                        for s in session.scalars(select(Segment).where(
                            Segment.competition_id == competition.id))])
    both = select(func.count()).select_from(Judge).join(Entrant, (
        Entrant.competition_id == Judge.competition_id) & (Entrant.staff_id == Judge.staff_id))
    assert session.scalar(both) == 0
    assert session.scalar(select(func.count()).select_from(Entrant).join(Competition).where(
        Competition.organiser_school_id.is_not(None),
        Entrant.school_id != Competition.organiser_school_id)) == 0
    assert session.scalar(select(func.count()).select_from(Entrant).join(
        Staff, Staff.id == Entrant.staff_id).where(
            (Entrant.school_id != Staff.school_id) | Staff.retired.is_(True))) == 0
    assert session.scalar(select(func.count()).select_from(Entrant).join(SubjectGroup).where(
        SubjectGroup.competition_id != Entrant.competition_id)) == 0
    # One sheet each (a draft may have none yet): every competing entrant scored by every judge
    # in every segment, within the segment's maximum; a confirmed sheet confirmed by someone
    # who did not enter it.
    counts = {name: dict(session.execute(select(model.competition_id, func.count())
                                         .where(*where).group_by(model.competition_id)).all())
              for name, model, where in (
                  ("entrants", Entrant, (Entrant.competed.is_(True),)),
                  ("judges", Judge, ()), ("segments", Segment, ()), ("sheets", ScoreSheet, ()))}
    scores = dict(session.execute(select(ScoreSheet.competition_id, func.count())
                                  .join(JudgeScore).group_by(ScoreSheet.competition_id)).all())
    for competition in competitions:
        cid = competition.id
        if cid not in counts["sheets"]:
            assert competition.state == "draft" and cid not in scores
            continue
        assert counts["sheets"][cid] == 1
        assert scores[cid] == (counts["entrants"][cid] * counts["judges"][cid]
                               * counts["segments"][cid])
    assert session.scalar(select(func.count()).select_from(JudgeScore).join(Segment).where(
        JudgeScore.score > Segment.max_score)) == 0
    for state, entered_by, confirmed_by in session.execute(
            select(Competition.state, ScoreSheet.entered_by, ScoreSheet.confirmed_by)
            .join(ScoreSheet)):
        assert (confirmed_by is None) == (state == "draft")
        assert confirmed_by != entered_by
    # Published and closed results are frozen as standings, just as services.scoring has them.
    standings = defaultdict(dict)
    for cid, entrant_id, *row in session.execute(
            select(StandingRow.competition_id, StandingRow.entrant_id, StandingRow.rank,
                   StandingRow.final, StandingRow.award_rank, StandingRow.promoted)):
        standings[cid][entrant_id] = tuple(row)
    for competition in competitions:
        if competition.state in ("draft", "confirmed"):
            assert competition.id not in standings
            continue
        assert standings[competition.id] == {
            r.entrant_id: (r.rank, r.final, r.award, r.promoted)
            for results, _ in ranked_groups(session, competition.id).values() for r in results}
    # The history ends in the competition's state, one event per step, in order.
    history = defaultdict(list)
    for cid, at, before, after in session.execute(
            select(CompetitionEvent.competition_id, CompetitionEvent.at,
                   CompetitionEvent.from_state, CompetitionEvent.to_state)
            .order_by(CompetitionEvent.id)):
        history[cid].append((at, before, after))
    states = (None, "draft", "confirmed", "published", "closed")
    for competition in competitions:
        events = history[competition.id]
        assert [(b, a) for _, b, a in events] == list(pairwise(states))[
            :states.index(competition.state)]
        assert [at for at, *_ in events] == sorted(at for at, *_ in events)
        assert events[-1][0].date() <= TODAY


def test_demo_competitions(demo):
    check_competitions(demo)
    rows = demo.execute(select(Competition.name, Competition.year, Competition.level,
                               Competition.state, School.code)
                        .outerjoin(School, School.id == Competition.organiser_school_id)
                        .order_by(Competition.id)).all()
    assert {state for *_, state, _ in rows} == {"draft", "confirmed", "published", "closed"}
    assert [(year, level, state, code) for _, year, level, state, code in rows] == [
        (2025, "district", "closed", None), (2026, "district", "draft", None),
        (2025, "school", "closed", "MH01"), (2026, "school", "published", "MH01"),
        (2026, "school", "confirmed", "MH01"), (2026, "school", "draft", "MH01")]
    district = demo.scalar(select(Account.id).where(Account.username == "district"))
    for competition in demo.scalars(select(Competition)):
        judges = demo.execute(select(Judge.staff_id, Judge.organisation, Judge.chief)
                              .where(Judge.competition_id == competition.id)).all()
        entrants = demo.scalars(select(Entrant.school_id)
                                .where(Entrant.competition_id == competition.id)).all()
        assert sum(chief for *_, chief in judges) == 1
        if competition.organiser_school_id is None:
            assert competition.created_by == district
            assert 5 <= len(judges) <= 7 and 20 <= len(entrants) <= 40
            assert len(set(entrants)) >= 5
            staff_judges = [j for j in judges if j.staff_id is not None]
            assert 0 < len(staff_judges) < len(judges)  # district staff and outside experts
        else:
            assert 3 <= len(judges) <= 5
            assert all(staff_id is not None for staff_id, *_ in judges)
    # Published and closed results have awards for someone.
    closed = demo.scalar(select(Competition.id).where(Competition.state == "closed"))
    assert any(r.award for results, _ in ranked_groups(demo, closed).values() for r in results)


def test_demo_boundary_tie_is_promoted(demo):
    competition = demo.scalar(select(Competition).where(
        Competition.year == 2025, Competition.organiser_school_id.is_(None)))
    assert competition.state == "closed"
    promoted = [(group, note) for group, (_, notes) in ranked_groups(demo, competition.id).items()
                for note in notes if note.promoted]
    assert [(group, note.name, note.cutoff, note.places, note.given, note.promoted)
            for group, note in promoted] == [("语文", "二等奖", 4, 2, 3, 1)]
    results, notes = ranked_groups(demo, competition.id)["语文"]
    fourth, fifth = results[3], results[4]
    assert fourth.rank == fifth.rank == 4 and fourth.final == fifth.final
    assert fourth.award == fifth.award == 2 and fifth.promoted
    assert results[5].rank == 6 and notes[2].given == notes[2].places - 1  # 三等奖 shrinks
    frozen = demo.execute(select(StandingRow.award_name, StandingRow.promoted).where(
        StandingRow.entrant_id.in_((fourth.entrant_id, fifth.entrant_id)))
        .order_by(StandingRow.promoted)).all()
    assert frozen == [("二等奖", False), ("二等奖", True)]
    # One no-show in 数学: not scored, not counted in the quota base.
    assert demo.scalar(select(func.count()).select_from(Entrant).where(
        Entrant.competition_id == competition.id, Entrant.competed.is_(False))) == 1


def test_demo_honours(demo):
    assert set(demo.scalars(select(HonourKind.name))) >= {
        "工人先锋号", "师德标兵", "五一劳动奖章", "劳动模范", "优秀教代会代表", "优秀班主任"}
    honours = demo.execute(select(Honour.staff_id, Honour.school_id, Honour.level, Honour.year,
                                  Honour.issuer, Honour.recorded_by)).all()
    assert 15 <= len(honours) <= 20
    assert sum(school_id is not None for _, school_id, *_ in honours) == 2
    assert {level for _, _, level, *_ in honours} >= {"school", "district", "city", "province"}
    assert min(year for *_, year, _, _ in honours) == 2019
    assert max(year for *_, year, _, _ in honours) == 2026
    district = demo.scalar(select(Account.id).where(Account.username == "district"))
    assert {recorded_by for *_, recorded_by in honours} == {district}
    delegate = demo.scalar(select(Account.staff_id).where(Account.username == "delegate"))
    assert sum(staff_id == delegate for staff_id, *_ in honours) >= 1


# --- The relief fund ------------------------------------------------------------------------

# The demo's ledger, written out: income and expenses net of reversals, in fen.
DEMO_FUND_INCOME_FEN = 170_995_636      # ¥1,709,956.36
DEMO_FUND_EXPENSE_FEN = 86_790_000      # ¥867,900.00
DEMO_FUND_BALANCE_FEN = 84_205_636      # ¥842,056.36


def check_fund(session: Session) -> dict[int, int]:
    """What every seeded ledger must hold, demo or scale; returns each account's balance.

    Balances day by day (so at every month end too) never below zero, and equal to income
    minus expenses as services.fund sums them; vouchers per year 1, 2, 3 … in date order with
    the counter at the last; reversals once, of an original, negated; each paid application
    with exactly one payment that was not reversed, the others with none; the categories'
    caps per person and year; nobody approving what they filed; the history of each step."""
    entries = session.execute(select(
        FundEntry.id, FundEntry.voucher_no, FundEntry.account_id, FundEntry.kind,
        FundEntry.category_id, FundEntry.entry_date, FundEntry.period, FundEntry.amount_fen,
        FundEntry.staff_id, FundEntry.application_id, FundEntry.reverses_id, FundEntry.memo,
        FundEntry.counterparty)).all()
    assert entries
    changes: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for e in entries:
        changes[e.account_id][e.entry_date] += e.amount_fen if e.kind == "income" \
            else -e.amount_fen
    balances = {}
    for account, by_day in changes.items():
        running = 0
        for day in sorted(by_day):
            running += by_day[day]
            assert running >= 0, (account, day, running)
        balances[account] = running
        assert fund.balance_fen(session, account) == running
    income = sum(e.amount_fen for e in entries if e.kind == "income")
    expense = sum(e.amount_fen for e in entries if e.kind == "expense")
    assert fund.balance_fen(session) == income - expense == sum(balances.values())

    counters = dict(session.execute(select(FundVoucherCounter.year,
                                           FundVoucherCounter.last)).all())
    numbered: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for e in entries:
        prefix, year, number = e.voucher_no.split("-")
        assert prefix == "记" and len(number) == 6 and int(year) == e.entry_date.year
        assert e.period == e.entry_date.year * 100 + e.entry_date.month
        numbered[int(year)].append((int(number), e.entry_date))
    assert set(counters) == set(numbered)
    for year, vouchers in numbered.items():
        vouchers.sort()
        assert [n for n, _ in vouchers] == list(range(1, len(vouchers) + 1)), year
        assert [d for _, d in vouchers] == sorted(d for _, d in vouchers), year
        assert counters[year] == len(vouchers)

    by_id = {e.id: e for e in entries}
    reversed_ids = [e.reverses_id for e in entries if e.reverses_id is not None]
    assert len(reversed_ids) == len(set(reversed_ids))  # at most once each
    for e in entries:
        if e.reverses_id is None:
            assert e.amount_fen > 0
            continue
        original = by_id[e.reverses_id]
        assert original.reverses_id is None
        assert (e.account_id, e.kind, e.category_id, e.staff_id, e.application_id,
                e.counterparty) == (original.account_id, original.kind, original.category_id,
                                    original.staff_id, original.application_id,
                                    original.counterparty)
        assert e.amount_fen == -original.amount_fen and e.entry_date >= original.entry_date

    apps = session.scalars(select(ReliefApplication)).all()
    account_of = dict(session.execute(select(FundAccount.school_id, FundAccount.id)).all())
    school_of = dict(session.execute(select(Staff.id, Staff.school_id)).all())
    payments: dict[int | None, list] = defaultdict(list)
    reversed_payments: dict[int | None, int] = defaultdict(int)
    for e in entries:
        if e.kind == "expense" and e.reverses_id is None:
            if e.id in set(reversed_ids):
                reversed_payments[e.application_id] += 1
            else:
                payments[e.application_id].append(e)
    assert None not in payments  # every payment pays an application
    caps = {cid: (cap, count) for cid, cap, count in session.execute(
        select(FundCategory.id, FundCategory.yearly_limit_fen, FundCategory.yearly_limit_count)
        .where(FundCategory.kind == "expense"))}
    used: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for app in apps:
        assert school_of[app.staff_id] == app.school_id
        paid = payments.get(app.id, [])
        if app.state == "paid":
            assert len(paid) == 1, app.number
            entry = paid[0]
            assert (entry.amount_fen, entry.staff_id, entry.category_id, entry.memo,
                    entry.entry_date) == (app.amount_fen, app.staff_id, app.category_id,
                                          app.number, app.paid_on)
            assert entry.account_id in (account_of[None], account_of[app.school_id])
        else:
            assert paid == [] and app.paid_on is None, app.number
        assert app.filed_by not in (app.school_approved_by, app.district_approved_by)
        assert app.school_approved_by is None or app.school_approved_by != \
            app.district_approved_by
        assert (app.decision_note != "") >= (app.state in ("returned", "rejected"))
        if app.state in relief.COUNTED_STATES:
            used[app.staff_id, app.category_id, app.year][0] += app.amount_fen
            used[app.staff_id, app.category_id, app.year][1] += 1
    for (_staff, category, _year), (fen, n) in used.items():
        cap, count = caps[category]
        assert fen <= cap and n <= count

    history: dict[int, list] = defaultdict(list)
    for row in session.execute(select(ReliefEvent.application_id, ReliefEvent.action,
                                      ReliefEvent.from_state, ReliefEvent.to_state,
                                      ReliefEvent.account_id, ReliefEvent.at)
                               .order_by(ReliefEvent.at, ReliefEvent.id)):
        history[row.application_id].append(row)
    for app in apps:
        steps = history[app.id]
        assert (steps[0].action, steps[0].from_state, steps[0].to_state,
                steps[0].account_id) == ("filed", None, "draft", app.filed_by)
        assert all(b.from_state == a.to_state for a, b in pairwise(steps)), app.number
        assert steps[-1].to_state == app.state
        actions = [s.action for s in steps]
        assert actions.count("paid") == len(payments.get(app.id, [])) + reversed_payments[app.id]
        assert actions.count("payment_reversed") == reversed_payments[app.id]
        if app.school_approved_by is not None:
            assert [s.account_id for s in steps if s.action == "school_approved"][-1] == \
                app.school_approved_by
    return balances


def test_demo_fund_ledger(demo):
    balances = check_fund(demo)
    income, expense = (demo.scalar(select(func.sum(FundEntry.amount_fen))
                                   .where(FundEntry.kind == kind))
                       for kind in ("income", "expense"))
    assert (income, expense) == (DEMO_FUND_INCOME_FEN, DEMO_FUND_EXPENSE_FEN)
    assert income - expense == DEMO_FUND_BALANCE_FEN == sum(balances.values())
    assert fund.balance_fen(demo) == DEMO_FUND_BALANCE_FEN
    assert count(demo, FundEntry) == 467 and count(demo, ReliefApplication) == 276
    # Three years, the district fund and every school's sub-account.
    days = demo.execute(select(func.min(FundEntry.entry_date),
                               func.max(FundEntry.entry_date))).one()
    assert FUND_FIRST_DAY <= days[0] < dt.date(2024, 2, 1)
    assert dt.date(2026, 11, 1) <= days[1] <= FUND_LAST_DAY
    assert len(balances) == 13 and all(balance > 0 for balance in balances.values())
    sources = set(demo.scalars(select(FundCategory.name).join(FundEntry)
                               .where(FundEntry.kind == "income")))
    assert sources == {name for name, _ in fund.DEFAULT_SOURCES}
    # Staff donations go to the schools' sub-accounts, some amounts with jiao and fen.
    school_accounts = select(FundAccount.id).where(FundAccount.school_id.is_not(None))
    donations = demo.execute(select(FundEntry.account_id, FundEntry.amount_fen)
                             .join(FundCategory).where(FundCategory.name == "教职工个人捐款",
                                                       FundEntry.reverses_id.is_(None))).all()
    assert {a for a, _ in donations} == set(demo.scalars(school_accounts))
    assert any(fen % 100 for _, fen in donations)
    # Payments from the schools' sub-accounts and from the district fund.
    payers = set(demo.scalars(select(FundEntry.account_id).where(FundEntry.kind == "expense")))
    assert fund.account_id_for(demo, None) in payers and len(payers) > 6


def test_demo_fund_reversals(demo):
    rows = demo.execute(select(FundEntry.kind, FundEntry.amount_fen, FundEntry.memo,
                               FundEntry.application_id, FundEntry.voucher_no)
                        .where(FundEntry.reverses_id.is_not(None))
                        .order_by(FundEntry.entry_date)).all()
    assert [(kind, fen, memo) for kind, fen, memo, *_ in rows] == [
        ("income", -1_865_000, "金额录入错误（应为1,865.00元），冲正"),
        ("income", -3_930_000, "重复录入同一笔财政补助，冲正"),
        ("expense", -300_000, "付款账户选错（应从学校子账户支付），冲正后重新支付")]
    # The payment from the wrong account went back to district_approved and was paid again
    # from the school's sub-account.
    app = demo.get(ReliefApplication, rows[2].application_id)
    paid = demo.execute(select(FundEntry.account_id, FundEntry.reverses_id)
                        .where(FundEntry.application_id == app.id).order_by(FundEntry.id)).all()
    assert app.state == "paid" and len(paid) == 3
    assert paid[0].account_id == fund.account_id_for(demo, None)
    assert paid[2].account_id == fund.account_id_for(demo, app.school_id)
    assert [s.action for s in demo.scalars(select(ReliefEvent).where(
        ReliefEvent.application_id == app.id).order_by(ReliefEvent.at))][-3:] == [
        "paid", "payment_reversed", "paid"]
    # A reversal of a reversal, or a second one, is refused by the service.
    district = actor_of(demo, "district")
    reversal = demo.scalar(select(FundEntry.id).where(FundEntry.reverses_id.is_not(None)))
    with pytest.raises(DomainError):
        fund.reverse_entry(demo, district, reversal, reason="x")
    original = demo.scalar(select(FundEntry.reverses_id).where(FundEntry.id == reversal))
    with pytest.raises(DomainError):
        fund.reverse_entry(demo, district, original, reason="x")


def test_demo_relief_states_and_the_chair_school(demo):
    states = dict(demo.execute(select(ReliefApplication.state, func.count())
                               .group_by(ReliefApplication.state)).all())
    assert states == {"paid": 255, "cancelled": 10, "rejected": 5, "draft": 1, "submitted": 2,
                      "school_approved": 1, "district_approved": 1, "returned": 1}
    assert set(states) == set(APPLICATION_STATES)
    ids = dict(demo.execute(select(Account.username, Account.id)).all())
    mh01 = demo.scalar(select(School.id).where(School.code == "MH01"))
    open_ones = {(a.state, a.filed_by): a for a in demo.scalars(select(ReliefApplication).where(
        ReliefApplication.school_id == mh01, ReliefApplication.state.in_(relief.OPEN_STATES)))}
    chair, district = actor_of(demo, "chair"), actor_of(demo, "district")
    waiting = open_ones["submitted", ids["delegate"]]       # for `chair`
    own = open_ones["submitted", ids["chair"]]               # `chair` cannot approve it
    at_school = next(a for (state, _), a in open_ones.items() if state == "school_approved")
    at_district = next(a for (state, _), a in open_ones.items() if state == "district_approved")
    assert "approve_school" in relief.available_actions(chair, waiting)
    assert "approve_school" not in relief.available_actions(chair, own)
    assert at_school.school_approved_by == ids["chair"] != at_school.filed_by
    assert "approve_district" in relief.available_actions(district, at_school)
    assert (at_district.school_approved_by, at_district.district_approved_by) == (
        ids["chair"], ids["district"])
    assert "pay" in relief.available_actions(district, at_district)
    assert open_ones["draft", ids["delegate"]].submitted_at is None
    returned = open_ones["returned", ids["delegate"]]
    assert returned.decision_note and returned.school_approved_by is None
    assert relief.waiting_counts(demo, chair) == {"school": 1, "district": 0}  # not its own
    assert relief.waiting_counts(demo, district) == {"school": 0, "district": 2}
    # Rejections and returns say why; one reason looks like HTML and stays plain text.
    assert demo.scalar(select(func.count()).select_from(ReliefApplication).where(
        ReliefApplication.state.in_(("rejected", "returned")),
        ReliefApplication.decision_note == "")) == 0
    assert own.reason.endswith("<b>x</b>")
    assert len(relief.attachments(demo, chair, waiting.id)) == 2


def test_demo_fund_goes_on_from_where_the_seed_left_it(demo):
    """New postings continue the voucher numbers; the application waiting for payment can be
    paid from MH01's sub-account; the bank checks read as the reconciliation page shows."""
    district = actor_of(demo, "district")
    today = local_today()
    last = demo.scalar(select(FundVoucherCounter.last).where(
        FundVoucherCounter.year == today.year)) or 0
    mh01 = demo.scalar(select(School.id).where(School.code == "MH01"))
    approved = demo.scalar(select(ReliefApplication.id).where(
        ReliefApplication.state == "district_approved", ReliefApplication.school_id == mh01))
    posted = relief.pay(demo, district, approved, account_id=fund.account_id_for(demo, mh01))
    assert posted.voucher_no == f"记-{today.year}-{last + 1:06d}"
    assert demo.get(ReliefApplication, approved).state == "paid"
    checks = fund.bank_checks(demo, district)
    assert [(row.checked_on, row.difference_fen) for row in checks.itertuples()] == [
        (dt.date(2026, 11, 20), -3_500), (dt.date(2026, 8, 31), 0)]
    for row in checks.itertuples():
        assert row.ledger_fen == fund.balance_fen(demo, through=row.checked_on)
    assert fund.last_agreed_check(demo, district).checked_on == dt.date(2026, 8, 31)
    since = fund.entries_since_agreed(demo, district)
    assert len(since) > 0 and since["entry_date"].min() > dt.date(2026, 8, 31)


# --- Congress motions -----------------------------------------------------------------------

NUMBER = re.compile(r"^(\d{4})([A-Za-z0-9]+)TA(\d{3})$")


def check_motions(session: Session, *, last_day: dt.date = MOTIONS_LAST_DAY) -> None:
    """What any seeded set of motions must hold: each history chains from the draft to the
    motion's state through steps the service allows, in time order; numbers are the year's
    and the school's, unique and without gaps; everything that reached the committee had at
    least two signed co-signers; proposers and co-signers are delegates of the term; the
    fields of each state are there (deadline, reply, rating, progress, lead motion)."""
    motions = {m.id: m for m in session.scalars(select(Motion))}
    assert motions
    meetings = {m.id: m for m in session.scalars(select(CongressMeeting))}
    codes = dict(session.execute(select(School.id, School.code)).all())
    school_of_department = dict(session.execute(select(Department.id, Department.school_id)).all())
    delegates = defaultdict(set)
    for term_id, staff_id in session.execute(select(DelegateMembership.term_id,
                                                    DelegateMembership.staff_id)):
        delegates[term_id].add(staff_id)
    events = defaultdict(list)
    for e in session.scalars(select(MotionEvent).order_by(MotionEvent.at, MotionEvent.id)):
        events[e.motion_id].append(e)
    cosigners = defaultdict(list)
    for c in session.scalars(select(MotionCosigner)):
        cosigners[c.motion_id].append(c)
    assignments = defaultdict(list)
    for a in session.scalars(select(MotionAssignment)):
        assignments[a.motion_id].append(a)
    replies = defaultdict(list)
    for r in session.scalars(select(MotionReply).order_by(MotionReply.id)):
        replies[r.motion_id].append(r)
    ratings = defaultdict(list)
    for r in session.scalars(select(MotionRating).order_by(MotionRating.round)):
        ratings[r.motion_id].append(r)
    milestones = defaultdict(list)
    for m in session.scalars(select(MotionMilestone).order_by(MotionMilestone.id)):
        milestones[m.motion_id].append(m)
    numbers: dict[int, list[int]] = defaultdict(list)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())  # UTC, a day's slack
    for motion in motions.values():
        meeting = meetings[motion.meeting_id]
        assert motion.school_id == meeting.school_id
        history = events[motion.id]
        assert (history[0].action, history[0].from_state, history[0].to_state) == (
            "draft", None, "draft"), motion.id
        for before, after in pairwise(history):
            assert after.from_state == before.to_state, (motion.id, after.action)
        for e in history[1:]:
            starts, to, _who = motions_service.TRANSITIONS[e.action]
            assert e.from_state in starts and e.to_state == to, (motion.id, e.action)
        assert history[-1].to_state == motion.state, motion.id
        assert all(e.at <= end and e.actor_name for e in history)
        second = dt.timedelta(seconds=1)  # the service stamps the row and its event apart
        assert abs(motion.created_at - history[0].at) < second
        assert abs(motion.updated_at - history[-1].at) < second
        reached = {e.to_state for e in history}
        term = meeting.term_id
        assert motion.proposer_staff_id in delegates[term]
        asked = cosigners[motion.id]
        assert {c.staff_id for c in asked} <= delegates[term] - {motion.proposer_staff_id}
        signed = [c for c in asked if c.status == "signed"]
        assert all(c.signed_at is not None and c.requested_at <= c.signed_at for c in signed)
        if motion.submitted_on is not None:
            assert "submitted" in reached and len(signed) >= 2, motion.id
        if motion.number is not None:
            year, code, n = NUMBER.match(motion.number).groups()
            assert (int(year), code) == (meeting.year, codes[motion.school_id])
            assert motion.registered_on is not None and "registered" in reached
            numbers[meeting.id].append(int(n))
        else:
            assert "registered" not in reached and motion.registered_on is None
        if "merged" in reached:  # merged, perhaps closed since
            lead = motions[motion.merged_into_id]
            assert lead.meeting_id == motion.meeting_id and lead.number is not None
            assert next(e.note for e in history if e.action == "merge") == lead.number
        else:
            assert motion.merged_into_id is None
        if motion.state in ("rejected", "deferred"):
            assert motion.decision_note
        active = [a for a in assignments[motion.id] if a.active]
        if "assigned" in reached:
            lead = [a for a in active if a.role == "lead"]
            assert len(lead) == 1 and lead[0].department_id == motion.lead_department_id
            assert school_of_department[motion.lead_department_id] == motion.school_id
            assert motion.deadline == lead[0].deadline >= motion.assigned_on
            assert all(school_of_department[a.department_id] == motion.school_id
                       for a in assignments[motion.id])
        else:
            assert not assignments[motion.id] and motion.lead_department_id is None
        waiting = [r for r in replies[motion.id] if r.status == "pending"]
        assert len(waiting) == (motion.state == "replied")
        if "replied" in reached:
            assert motion.replied_on == replies[motion.id][0].written_on
            assert motion.extent == replies[motion.id][-1].extent
        rounds = ratings[motion.id]
        assert [r.round for r in rounds] == list(range(1, len(rounds) + 1))
        assert len(rounds) <= motion.reopen_count + 1 and motion.reopen_count <= 2
        if rounds:
            assert motion.rating == rounds[-1].rating
            assert all(r.staff_id == motion.proposer_staff_id for r in rounds)
        else:
            assert motion.rating is None
        steps = milestones[motion.id]
        assert [m.progress for m in steps] == sorted(m.progress for m in steps)
        if steps:
            assert motion.progress == (100 if "done" in reached else steps[-1].progress)
        assert (motion.done_on is not None) == ("done" in reached)
    for meeting_id, taken in numbers.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)), meeting_id
        assert meetings[meeting_id].next_number == len(taken) + 1
    assert len({m.number for m in motions.values() if m.number}) == sum(map(len,
                                                                          numbers.values()))


def test_demo_motions_history_and_numbers(demo):
    check_motions(demo)
    rows = select(Motion.number, Motion.title, Motion.state, Motion.deadline,
                  Motion.updated_at).order_by(Motion.id)
    seeded = demo.execute(rows).all()
    wipe(demo)
    load_demo(demo)
    assert demo.execute(rows).all() == seeded  # deterministic


def test_demo_motions_at_the_first_school(demo):
    mh01 = demo.scalar(select(School.id).where(School.code == "MH01"))
    meetings = {m.year: m for m in demo.scalars(select(CongressMeeting).where(
        CongressMeeting.school_id == mh01))}
    assert sorted(meetings) == [2025, 2026]
    past, current = meetings[2025], meetings[2026]
    assert (past.number, past.accepting, current.number, current.accepting) == (
        2, False, 3, True)
    states = {year: [s for s, in demo.execute(select(Motion.state).where(
        Motion.meeting_id == m.id))] for year, m in meetings.items()}
    assert set(states[2026]) == set(MOTION_STATES)  # every state at the current meeting
    assert set(states[2025]) == {"done", "deferred", "closed", "rejected", "merged",
                                 "suggestion"}
    assert 44 <= len(states[2025]) + len(states[2026]) <= 55
    per_school = dict(demo.execute(select(Motion.school_id, func.count())
                                   .group_by(Motion.school_id)).all())
    assert all(10 <= n <= 15 for school, n in per_school.items() if school != mh01)
    # Some were rated 不满意 and reopened once; some of the open ones are overdue.
    reopened = demo.scalar(select(func.count()).where(Motion.meeting_id == past.id,
                                                      Motion.reopen_count == 1))
    assert reopened >= 2
    overdue = demo.scalars(select(Motion).where(Motion.meeting_id == current.id,
                                                Motion.state.in_(("assigned", "handling")),
                                                Motion.deadline < TODAY)).all()
    assert len(overdue) >= 2
    assert {m.state for m in overdue} == {"assigned", "handling"}
    not_yet = demo.scalar(select(func.count()).where(
        Motion.meeting_id == current.id, Motion.state.in_(("assigned", "handling")),
        Motion.deadline >= TODAY))
    assert not_yet >= 3
    # Ratings mostly 满意 / 基本满意.
    ratings = [r for r, in demo.execute(select(MotionRating.rating))]
    assert ratings.count("unsatisfied") < len(ratings) / 4
    # Topics that come back: this year's motions that read like last year's, for the
    # similar-motion search (same title or same reason, the rest worded differently).
    earlier = demo.execute(select(Motion.title, Motion.reason).where(
        Motion.meeting_id == past.id)).all()
    titles, reasons = {t for t, _ in earlier}, {r for _, r in earlier}
    again = [(t, r) for t, r in demo.execute(select(Motion.title, Motion.reason).where(
        Motion.meeting_id == current.id)) if t in titles or r in reasons]
    assert len(again) >= 5


def test_demo_motions_give_each_demo_account_work(demo):
    ids = dict(demo.execute(select(Account.username, Account.staff_id)).all())
    mh01 = demo.scalar(select(School.id).where(School.code == "MH01"))
    current = demo.scalar(select(CongressMeeting.id).where(
        CongressMeeting.school_id == mh01, CongressMeeting.accepting.is_(True)))
    academic = demo.scalar(select(Department.id).where(Department.school_id == mh01,
                                                       Department.name == "教务处"))
    mine = dict(demo.execute(select(Motion.state, func.count()).where(
        Motion.proposer_staff_id == ids["delegate"]).group_by(Motion.state)).all())
    assert {"draft", "cosigning", "awaiting_rating"} <= set(mine)
    for name in ("delegate2", "delegate3"):
        asked = demo.scalar(select(func.count()).select_from(MotionCosigner).join(Motion)
                            .where(MotionCosigner.staff_id == ids[name],
                                   MotionCosigner.status == "requested",
                                   Motion.state == "cosigning"))
        assert asked >= 1, name
    at_academic = {s for s, in demo.execute(select(Motion.state).where(
        Motion.lead_department_id == academic, Motion.meeting_id == current))}
    assert {"assigned", "handling", "replied", "rated", "implementing"} <= at_academic
    chair, dept = actor_of(demo, "chair"), actor_of(demo, "dept")
    submitted = demo.scalar(select(Motion).where(Motion.meeting_id == current,
                                                 Motion.state == "submitted"))
    assert "register" in motions_service.available_actions(demo, chair, submitted)
    todo = demo.scalar(select(Motion).where(Motion.lead_department_id == academic,
                                            Motion.state == "assigned",
                                            Motion.meeting_id == current))
    assert "accept" in motions_service.available_actions(demo, dept, todo)
    # The 2025 votes: passing ones, one failing by exactly half, one without a quorum.
    past = demo.scalar(select(CongressMeeting).where(CongressMeeting.school_id == mh01,
                                                     CongressMeeting.year == 2025))
    results = [motions_service.vote_result(past, entitled=v.entitled, present=v.present,
                                           yes=v.yes)
               for v in demo.scalars(select(CongressVote).where(
                   CongressVote.meeting_id == past.id))]
    assert sum(r.passed for r in results) >= 2
    assert any(r.quorum and not r.passed for r in results)
    assert any(not r.quorum for r in results)


def test_demo_motion_journey_goes_on_from_the_seed(demo):
    """The browser journey's path through the services, on the demo as it is seeded."""
    m = motions_service
    delegate, chair, dept = (actor_of(demo, n) for n in ("delegate", "chair", "dept"))
    d2, d3 = actor_of(demo, "delegate2"), actor_of(demo, "delegate3")
    mh01 = demo.scalar(select(School.id).where(School.code == "MH01"))
    meeting_id = m.open_meeting_for(demo, delegate, school_id=mh01)
    meeting = demo.get(CongressMeeting, meeting_id)
    assert (meeting.year, meeting.accepting) == (2026, True)
    motion_id = m.draft_motion(demo, delegate, meeting_id=meeting_id,
                               title="关于增设教师阅览室的提案", reason="教师缺少安静的阅读场所。",
                               suggestion="利用空余教室设立教师阅览室。")
    m.ask_cosigners(demo, delegate, motion_id=motion_id, staff_ids=[d2.staff_id, d3.staff_id])
    m.cosign(demo, d2, motion_id=motion_id)
    m.cosign(demo, d3, motion_id=motion_id)
    m.submit(demo, delegate, motion_id=motion_id)
    number = m.register(demo, chair, motion_id=motion_id)
    assert number == f"2026MH01TA{meeting.next_number - 1:03d}"
    academic = demo.scalar(select(Department.id).where(Department.school_id == mh01,
                                                       Department.name == "教务处"))
    m.assign(demo, chair, motion_id=motion_id, lead_department_id=academic)
    m.accept(demo, dept, motion_id=motion_id)
    m.reply(demo, dept, motion_id=motion_id, body="已设立。", extent="solved")
    m.accept_reply(demo, chair, motion_id=motion_id)
    m.rate(demo, delegate, motion_id=motion_id, rating="satisfied")
    m.implement(demo, chair, motion_id=motion_id)
    m.mark_done(demo, chair, motion_id=motion_id)
    assert demo.get(Motion, motion_id).state == "done"
    demo.flush()
    check_motions(demo, last_day=local_today())
