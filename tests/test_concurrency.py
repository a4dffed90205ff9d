"""Concurrency: many requests at once on one row, each in its own thread and session from one
engine, started together by a barrier, as several app servers or browser tabs would send them.

Every race is run on the backend under test (a SQLite file in WAL mode, or PostgreSQL with
UNION_TEST_DATABASE_URL) and checked afterwards: no overdraft, nothing paid twice, no
duplicate or lost row, no state the state machine forbids, history and audit log with exactly
one entry per change that succeeded, the losers told why in a readable DomainError (never a raw
database error), and services.integrity.check_database clean.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal as D
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.competitions import Competition, CompetitionEvent, Entrant, Judge, ScoreSheet, Segment
from db.engine import make_engine, make_sessionmaker
from db.feedback import FeedbackCase, FeedbackMessage
from db.fund import FundEntry, ReliefApplication, ReliefEvent
from db.models import Account, AccountRole, AuditEntry
from db.motions import Motion, MotionCosigner, MotionEvent
from services import (
    accounts,
    competitions,
    config,
    feedback,
    fund,
    integrity,
    motions,
    relief,
)
from services.actor import Actor, Grant
from services.clock import local_today
from services.competitions import (
    CompetitionInput,
    EntrantInput,
    JudgeInput,
    ScoreRow,
    SegmentInput,
    TierInput,
)
from services.errors import DomainError
from services.i18n import LANGUAGES, catalogue
from tests.conftest import actor_of
from tests.motion_factory import Congress, build_congress
from tests.test_fund import World, income, make_world

WORKERS = 12          # threads per race
ROUNDS = 5            # racy scenarios run this many times, each on fresh rows
DAY = dt.date(2025, 6, 2)


# --- the race -------------------------------------------------------------------------------------

@dataclass
class Outcome:
    value: object = None
    error: DomainError | None = None
    raw: BaseException | None = None      # anything else: always a failure

    @property
    def ok(self) -> bool:
        return self.error is None and self.raw is None


@pytest.fixture
def workers(engine, monkeypatch) -> Iterator[sessionmaker[Session]]:
    """Sessions of an engine of their own over the test database, whose pool holds a
    connection for every worker (the app's default pool of 5 + 5 would make them queue)."""
    monkeypatch.setattr(config, "pool", lambda: config.Pool(WORKERS + 2, 2, 30.0))
    own = make_engine(engine.url.render_as_string(hide_password=False))
    yield make_sessionmaker(own)
    own.dispose()


def race(factory: sessionmaker[Session], calls: Sequence[Callable[[Session], object]]
         ) -> list[Outcome]:
    """Each call in its own thread and session, released together; each commits on success
    and rolls back on any error, as db.engine.transaction does for a page."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[Session], object]) -> Outcome:
        with factory() as own:
            barrier.wait(timeout=30)
            try:
                value = call(own)
                own.commit()
                return Outcome(value=value)
            except DomainError as error:
                own.rollback()
                return Outcome(error=error)
            except Exception as error:  # reported by no_raw_errors
                own.rollback()
                return Outcome(raw=error)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def no_raw_errors(outcomes: list[Outcome]) -> None:
    raw = [f"{type(o.raw).__name__}: {str(o.raw)[:200]}" for o in outcomes if o.raw]
    assert not raw, raw


def losers(outcomes: list[Outcome]) -> Counter[str]:
    """The error keys of the requests that lost, each with a message a person can read."""
    no_raw_errors(outcomes)
    keys: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.error is None:
            continue
        error = outcome.error
        for lang in LANGUAGES:
            assert error.key in catalogue(lang), (lang, error.key)
            text = error.message(lang)
            assert text and text != error.key and "{" not in text, text
            assert "Error" not in text and "SQL" not in text, text
        keys[error.key] += 1
    return keys


def wins(outcomes: list[Outcome]) -> int:
    return sum(o.ok for o in outcomes)


def audit_count(session: Session, *actions: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action.in_(actions))) or 0


def assert_database_clean(engine) -> None:
    report = integrity.check_database(engine)
    assert report.ok, [f.as_dict() for f in report.problems]


def count(session: Session, model: type, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)
                          .execution_options(populate_existing=True)) or 0


# --- relief: paying from one small balance --------------------------------------------------------

def approved(session: Session, w: World, amount: str, staff_index: int) -> int:
    data = relief.ApplicationInput(school_id=w.school_a, staff_id=w.staff_a[staff_index],
                                   category_id=w.expense, amount=amount, reason="住院治疗")
    app_id = relief.file_application(session, w["delegate"], data)
    relief.approve_at_school(session, w["chair"], app_id)
    relief.approve_at_district(session, w["district"], app_id)
    return app_id


def test_paying_relief_from_one_small_balance_never_overdraws_or_pays_twice(
        session, workers, engine):
    w = make_world(session)
    income(session, w, "1,000.00")                      # the district fund: ¥1,000.00
    session.commit()
    admin = w["district"]
    paid_total = 0
    for round_no in range(ROUNDS):
        # Six approved applications of ¥300.00 (¥1,800.00 in all) against ¥1,000.00; every
        # application is paid by two district admins at once: twelve payers.
        apps = [approved(session, w, "300", 4 + n % 4) for n in range(6)]
        session.commit()
        audits = audit_count(session, "fund.posted_expense", "relief.paid")
        outcomes = race(workers, [
            lambda s, a=a, who=who: relief.pay(s, who, a, account_id=w.district_account)
            for a in apps for who in (admin, w["both"])])

        assert wins(outcomes) == 3                      # 3 × ¥300.00 fit; a fourth does not
        assert set(losers(outcomes)) <= {"fund.error.insufficient", "relief.error.wrong_state",
                                          "relief.error.changed_meanwhile"}
        assert losers(outcomes)["fund.error.insufficient"] >= 1
        paid_total += 3
        assert fund.balance_fen(session, w.district_account) == 10_000   # ¥100.00 left
        assert count(session, ReliefApplication, ReliefApplication.state == "paid") \
            == paid_total
        per_app = Counter(session.scalars(select(FundEntry.application_id).where(
            FundEntry.application_id.in_(apps))).all())
        assert sorted(per_app.values()) == [1, 1, 1], per_app         # each paid once at most
        paid_now = set(session.scalars(select(ReliefApplication.id).where(
            ReliefApplication.id.in_(apps), ReliefApplication.state == "paid")))
        assert paid_now == set(per_app)
        assert count(session, ReliefEvent, ReliefEvent.application_id.in_(apps),
                     ReliefEvent.action == "paid") == 3
        # one ledger audit entry and one relief audit entry per payment
        assert audit_count(session, "fund.posted_expense", "relief.paid") == audits + 6
        if round_no < ROUNDS - 1:
            income(session, w, "900.00")                # back to ¥1,000.00 for the next round
            session.commit()
    assert count(session, FundEntry, FundEntry.kind == "expense") == 3 * ROUNDS == 15
    assert_database_clean(engine)


RELIEF_DECISIONS = {"approve_at_district": "district_approved", "reject": "rejected",
                    "return_application": "returned"}


def test_deciding_one_relief_application_at_once_lets_exactly_one_win(session, workers, engine):
    w = make_world(session)
    session.commit()
    admins = (w["district"], w["both"])
    actions = [a for a in RELIEF_DECISIONS for _ in range(WORKERS // len(RELIEF_DECISIONS))]
    calls_of = {
        "approve_at_district": lambda s, who, a: relief.approve_at_district(s, who, a),
        "reject": lambda s, who, a: relief.reject(s, who, a, "不符合救助条件"),
        "return_application": lambda s, who, a: relief.return_application(s, who, a,
                                                                         "请补充诊断证明"),
    }
    for _round in range(ROUNDS):
        data = relief.ApplicationInput(school_id=w.school_a, staff_id=w.staff_a[6],
                                       category_id=w.expense, amount="800", reason="住院治疗")
        app_id = relief.file_application(session, w["delegate"], data)
        relief.approve_at_school(session, w["chair"], app_id)
        session.commit()
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
        outcomes = race(workers, [
            lambda s, action=action, n=n, a=app_id: calls_of[action](s, admins[n % 2], a)
            for n, action in enumerate(actions)])

        won = [a for a, o in zip(actions, outcomes, strict=True) if o.ok]
        assert set(losers(outcomes)) <= {"relief.error.wrong_state",
                                         "relief.error.changed_meanwhile", "error.forbidden"}
        # One decision on the school-approved application; the only legal second step is the
        # district rejecting what it has just approved (it may, until it is paid).
        assert won in (["approve_at_district"], ["reject"], ["return_application"]) \
            or sorted(won) == ["approve_at_district", "reject"], won
        steps = session.execute(select(ReliefEvent.from_state, ReliefEvent.to_state)
                                .where(ReliefEvent.application_id == app_id)
                                .order_by(ReliefEvent.id)).all()
        expected = [(None, "draft"), ("draft", "submitted"), ("submitted", "school_approved")]
        previous = "school_approved"
        for action in sorted(won):          # approve_at_district sorts before reject
            expected.append((previous, RELIEF_DECISIONS[action]))
            previous = RELIEF_DECISIONS[action]
        assert [tuple(step) for step in steps] == expected
        assert session.scalar(select(ReliefApplication.state)
                              .where(ReliefApplication.id == app_id)
                              .execution_options(populate_existing=True)) == previous
        assert session.scalar(select(func.count()).select_from(AuditEntry)) \
            == audits + len(won)
    assert count(session, FundEntry, FundEntry.kind == "expense") == 0
    assert_database_clean(engine)


# --- motions: co-signing, asking, moving ----------------------------------------------------------

TITLE = "关于改善教师午餐条件的提案"


def new_motion(session: Session, c: Congress, *, title: str = TITLE) -> int:
    return motions.draft_motion(session, c.d1, meeting_id=c.meeting_a, title=title,
                                reason="食堂午餐品种单一。", suggestion="增加菜品种类。",
                                category="welfare")


def asked(session: Session, c: Congress, motion_id: int) -> None:
    """Asked 李二, 王三, 赵四 (d2 … d4) and 钱五 (who has no account) to co-sign."""
    motions.ask_cosigners(session, c.d1, motion_id=motion_id, staff_ids=[
        c.staff[name] for name in ("李二", "王三", "赵四", "钱五")])


def submitted(session: Session, c: Congress, *, title: str = TITLE) -> int:
    motion_id = new_motion(session, c, title=title)
    asked(session, c, motion_id)
    motions.cosign(session, c.d2, motion_id=motion_id)
    motions.cosign(session, c.d3, motion_id=motion_id)
    motions.submit(session, c.d1, motion_id=motion_id)
    return motion_id


def history_is_a_chain(session: Session, motion_id: int) -> list[tuple[str, str | None, str]]:
    """The motion's events, oldest first: each starts where the one before ended, and the
    last ends in the motion's state."""
    events = session.execute(select(MotionEvent.action, MotionEvent.from_state,
                                    MotionEvent.to_state)
                             .where(MotionEvent.motion_id == motion_id)
                             .order_by(MotionEvent.id)).all()
    for before, after in pairwise(events):
        assert after.from_state == before.to_state, events
    state = session.scalar(select(Motion.state).where(Motion.id == motion_id)
                           .execution_options(populate_existing=True))
    assert events[-1].to_state == state, (events, state)
    return [tuple(e) for e in events]


def test_delegates_cosigning_one_motion_at_once_each_count_once(session, workers, engine):
    c = build_congress(session)
    for _round in range(ROUNDS):
        motion_id = new_motion(session, c)
        asked(session, c, motion_id)
        session.commit()
        # Three asked delegates, each clicking 四 times at once (two tabs, a double click…).
        outcomes = race(workers, [
            lambda s, who=who, m=motion_id: motions.cosign(s, who, motion_id=m)
            for who in (c.d2, c.d3, c.d4) for _times in range(4)])

        assert wins(outcomes) == 3
        assert set(losers(outcomes)) <= {"motion.error.already_cosigned",
                                         "motion.error.changed_meanwhile"}
        rows = session.execute(select(MotionCosigner.staff_id, MotionCosigner.status)
                               .where(MotionCosigner.motion_id == motion_id)
                               .execution_options(populate_existing=True)).all()
        assert sorted(status for _staff, status in rows) == [
            "requested", "signed", "signed", "signed"]       # 钱五 still asked; no duplicate
        assert len({staff for staff, _status in rows}) == 4
        assert motions.signed_count(session, motion_id) == 3
        events = history_is_a_chain(session, motion_id)
        assert [e[0] for e in events] == ["draft", "ask_cosigners", "cosign", "cosign",
                                          "cosign"]
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "motion.cosign",
            AuditEntry.object_id == str(motion_id))) == 3
    assert_database_clean(engine)


def test_asking_the_same_cosigners_at_once_makes_no_duplicate_rows(session, workers, engine):
    c = build_congress(session)
    wanted = [c.staff["李二"], c.staff["王三"]]
    for _round in range(ROUNDS):
        motion_id = new_motion(session, c)
        session.commit()
        outcomes = race(workers, [
            lambda s, m=motion_id: motions.ask_cosigners(s, c.d1, motion_id=m,
                                                        staff_ids=wanted)
            for _ in range(WORKERS)])

        assert set(losers(outcomes)) <= {"motion.error.changed_meanwhile"}
        won = wins(outcomes)
        assert won >= 1
        staff = session.scalars(select(MotionCosigner.staff_id)
                                .where(MotionCosigner.motion_id == motion_id)).all()
        assert sorted(staff) == sorted(wanted)               # two rows, never four
        events = history_is_a_chain(session, motion_id)
        assert [e[0] for e in events] == ["draft"] + ["ask_cosigners"] * won
        assert events[1][1:] == ("draft", "cosigning")
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "motion.ask_cosigners",
            AuditEntry.object_id == str(motion_id))) == won
    assert_database_clean(engine)


# What each committee or proposer decision on a submitted motion leads to.
DECISIONS: dict[str, str] = {"register": "registered", "reject": "rejected",
                             "to_suggestion": "suggestion", "return_for_revision": "draft",
                             "withdraw": "withdrawn"}


def decision(c: Congress, action: str, motion_id: int) -> Callable[[Session], object]:
    calls: dict[str, Callable[[Session], object]] = {
        "register": lambda s: motions.register(s, c.chair, motion_id=motion_id),
        "reject": lambda s: motions.reject(s, c.chair, motion_id=motion_id,
                                           reason="不属于教代会职权范围"),
        "to_suggestion": lambda s: motions.to_suggestion(s, c.chair, motion_id=motion_id),
        "return_for_revision": lambda s: motions.return_for_revision(
            s, c.chair, motion_id=motion_id, note="请补充理由"),
        "withdraw": lambda s: motions.withdraw(s, c.d1, motion_id=motion_id),
    }
    return calls[action]


def test_deciding_one_motion_from_several_requests_at_once_lets_exactly_one_win(
        session, workers, engine):
    c = build_congress(session)
    actions = ["register"] * 3 + ["reject"] * 3 + ["to_suggestion"] * 2 \
        + ["return_for_revision"] * 2 + ["withdraw"] * 2
    assert len(actions) == WORKERS
    finals = []
    for round_no in range(ROUNDS):
        motion_id = submitted(session, c, title=f"{TITLE}（{round_no + 1}）")
        session.commit()
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
        outcomes = race(workers, [decision(c, a, motion_id) for a in actions])

        won = [a for a, o in zip(actions, outcomes, strict=True) if o.ok]
        keys = losers(outcomes)
        assert set(keys) <= {"motion.error.changed_meanwhile", "motion.error.wrong_state",
                             "motion.error.not_found"}
        # Exactly one decision on the submitted motion. Only one second step is legal: the
        # proposer withdrawing the draft the committee has just returned for revision.
        assert len(won) == 1 or sorted(won) == ["return_for_revision", "withdraw"], won
        assert sum(keys.values()) == WORKERS - len(won)
        motion = session.get(Motion, motion_id, populate_existing=True)
        events = history_is_a_chain(session, motion_id)
        assert events[:5] == [("draft", None, "draft"), ("ask_cosigners", "draft", "cosigning"),
                              ("cosign", "cosigning", "cosigning"),
                              ("cosign", "cosigning", "cosigning"),
                              ("submit", "cosigning", "submitted")]
        steps = events[5:]
        assert sorted(action for action, _from, _to in steps) == sorted(won)
        for action, start, end in steps:                   # each step one the table allows
            assert start in motions.TRANSITIONS[action][0] and end == DECISIONS[action]
        assert steps[0][1] == "submitted"
        assert motion.state == DECISIONS[steps[-1][0]]
        assert (motion.number is not None) == ("register" in won)
        assert session.scalar(select(func.count()).select_from(AuditEntry)) \
            == audits + len(won)
        finals.append(motion.state)
    assert len(finals) == ROUNDS
    assert_database_clean(engine)


def replied(session: Session, c: Congress, round_no: int) -> int:
    """Registered, assigned to 教务处, accepted and answered by its head."""
    motion_id = submitted(session, c, title=f"{TITLE}（答复 {round_no}）")
    motions.register(session, c.chair, motion_id=motion_id)
    motions.assign(session, c.chair, motion_id=motion_id,
                   lead_department_id=c.departments["教务处"])
    motions.accept(session, c.dept, motion_id=motion_id)
    motions.reply(session, c.dept, motion_id=motion_id, body="已增加两个菜品窗口。",
                  extent="solved")
    return motion_id


def test_accepting_and_sending_back_one_reply_at_once_decides_it_once(
        session, workers, engine):
    c = build_congress(session)
    actions = ["accept_reply", "send_back"] * (WORKERS // 2)
    for round_no in range(ROUNDS):
        motion_id = replied(session, c, round_no)
        session.commit()
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
        outcomes = race(workers, [
            (lambda s, m=motion_id: motions.accept_reply(s, c.chair, motion_id=m))
            if action == "accept_reply" else
            (lambda s, m=motion_id: motions.send_back(s, c.chair, motion_id=m,
                                                      note="请写明时间表"))
            for action in actions])

        assert wins(outcomes) == 1
        assert set(losers(outcomes)) <= {"motion.error.changed_meanwhile",
                                         "motion.error.wrong_state", "motion.error.no_reply"}
        winner = next(a for a, o in zip(actions, outcomes, strict=True) if o.ok)
        to = {"accept_reply": "awaiting_rating", "send_back": "handling"}[winner]
        events = history_is_a_chain(session, motion_id)
        assert events[-1] == (winner, "replied", to)
        assert [e[0] for e in events].count(winner) == 1
        statuses = session.scalars(select(motions.MotionReply.status).where(
            motions.MotionReply.motion_id == motion_id)
            .execution_options(populate_existing=True)).all()
        assert statuses == [{"accept_reply": "accepted", "send_back": "sent_back"}[winner]]
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1
    assert_database_clean(engine)


def test_registering_many_motions_at_once_gives_distinct_numbers(session, workers, engine):
    c = build_congress(session)
    ids = [submitted(session, c, title=f"{TITLE}（{n}）") for n in range(1, 9)]
    session.commit()
    outcomes = race(workers, [
        lambda s, m=m: motions.register(s, c.chair, motion_id=m) for m in ids]
        + [lambda s, m=m: motions.register(s, c.chair, motion_id=m) for m in ids[:4]])

    assert wins(outcomes) == 8
    assert set(losers(outcomes)) <= {"motion.error.changed_meanwhile",
                                     "motion.error.wrong_state"}
    numbers = session.scalars(select(Motion.number).where(Motion.id.in_(ids))
                              .execution_options(populate_existing=True)).all()
    year = session.scalar(select(motions.CongressMeeting.year)
                          .where(motions.CongressMeeting.id == c.meeting_a))
    assert sorted(numbers) == [f"{year}SCH1TA{n:03d}" for n in range(1, 9)]
    assert audit_count(session, "motion.register") == 8
    assert count(session, MotionEvent, MotionEvent.action == "register") == 8
    assert_database_clean(engine)


# --- competitions: confirming one score sheet -----------------------------------------------------

def more_admins(session: Session, n: int) -> list[Actor]:
    """District admins besides the one who enters the scores."""
    for k in range(1, n + 1):
        account = Account(username=f"admin{k}", display_name=f"区工会干事{k}",
                          password_hash="not-used-here", enabled=True, failed_logins=0)
        account.roles = [AccountRole(role="district_admin")]
        session.add(account)
    session.flush()
    return [actor_of(session, f"admin{k}") for k in range(1, n + 1)]


def scored_competition(session: Session, w: World, round_no: int) -> int:
    """A district competition of two of school A's staff, three judges, one segment; the
    whole sheet entered by the district admin "district"."""
    cid = competitions.create_competition(session, w["district"], CompetitionInput(
        name=f"青年教师基本功大赛{round_no}", level="district", kind="基本功大赛", year=2031,
        organiser_school_id=None, held_on=None,
        segments=[SegmentInput("课堂教学", D(100), D(100))],
        tiers=[TierInput("一等奖", fixed_count=1)],
        judges=[JudgeInput(f"评委{n}", "市教研室") for n in "甲乙丙"],
        entrants=[EntrantInput(w.staff_a[4], "语文"), EntrantInput(w.staff_a[5], "语文")]))
    judges = session.scalars(select(Judge.id).where(Judge.competition_id == cid)).all()
    segment = session.scalar(select(Segment.id).where(Segment.competition_id == cid))
    entrants = session.scalars(select(Entrant.id).where(Entrant.competition_id == cid)).all()
    competitions.replace_sheet(session, w["district"], cid, [
        ScoreRow(e, j, segment, D(90 - k)) for k, e in enumerate(entrants) for j in judges])
    return cid


def test_confirming_one_score_sheet_at_once_confirms_it_once(session, workers, engine):
    w = make_world(session)
    confirmers = [*more_admins(session, 5), w["both"]]          # six managers, none entered it
    session.commit()
    for round_no in range(ROUNDS):
        cid = scored_competition(session, w, round_no)
        session.commit()
        outcomes = race(workers, [
            lambda s, who=who, cid=cid: competitions.confirm_sheet(s, who, cid)
            for who in confirmers for _twice in range(2)])

        assert wins(outcomes) == 1
        assert set(losers(outcomes)) == {"competition.error.confirm_needs_draft"}
        assert session.scalar(select(Competition.state).where(Competition.id == cid)
                              .execution_options(populate_existing=True)) == "confirmed"
        sheet = session.scalar(select(ScoreSheet).where(ScoreSheet.competition_id == cid)
                               .execution_options(populate_existing=True))
        winner = next(who for who, o in zip([p for p in confirmers for _ in range(2)],
                                            outcomes, strict=True) if o.ok)
        assert sheet.version == 1 and sheet.confirmed_by == winner.account_id
        assert session.execute(select(CompetitionEvent.from_state, CompetitionEvent.to_state)
                               .where(CompetitionEvent.competition_id == cid)
                               .order_by(CompetitionEvent.id)).all()[-1:] == [
            ("draft", "confirmed")]
        assert count(session, CompetitionEvent, CompetitionEvent.competition_id == cid,
                     CompetitionEvent.to_state == "confirmed") == 1
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "competition.confirmed",
            AuditEntry.object_id == str(cid))) == 1
    assert audit_count(session, "competition.confirmed") == ROUNDS
    assert_database_clean(engine)


def test_scores_changed_while_the_sheet_is_confirmed_leave_no_stale_confirmation(
        session, workers, engine):
    """One admin confirms while another enters a changed score: whichever goes first, a
    confirmed competition's newest sheet is the confirmed one, and nobody confirmed their own."""
    w = make_world(session)
    confirmers = more_admins(session, WORKERS // 2)
    session.commit()
    orders = Counter()
    for round_no in range(ROUNDS):
        cid = scored_competition(session, w, round_no)
        judge = session.scalar(select(Judge.id).where(Judge.competition_id == cid)
                               .order_by(Judge.id).limit(1))
        segment = session.scalar(select(Segment.id).where(Segment.competition_id == cid))
        entrant = session.scalar(select(Entrant.id).where(Entrant.competition_id == cid)
                                 .order_by(Entrant.id).limit(1))
        session.commit()
        calls = []
        for who in confirmers:
            calls.append(lambda s, who=who, cid=cid: competitions.confirm_sheet(s, who, cid))
            calls.append(lambda s, cid=cid, j=judge, seg=segment, e=entrant:
                         competitions.enter_scores(s, w["district"], cid, judge_id=j,
                                                   segment_id=seg, scores={e: D("95")}))
        outcomes = race(workers, calls)

        assert set(losers(outcomes)) <= {"competition.error.confirm_needs_draft",
                                         "competition.error.confirm_own_sheet"}
        entered = sum(o.ok for o in outcomes[1::2])
        assert entered == WORKERS // 2                      # every score change is kept
        state = session.scalar(select(Competition.state).where(Competition.id == cid)
                               .execution_options(populate_existing=True))
        sheets = session.execute(select(ScoreSheet.version, ScoreSheet.entered_by,
                                        ScoreSheet.confirmed_by)
                                 .where(ScoreSheet.competition_id == cid)
                                 .order_by(ScoreSheet.version)
                                 .execution_options(populate_existing=True)).all()
        assert [s.version for s in sheets] == list(range(1, WORKERS // 2 + 2))   # 1 … 7
        newest = sheets[-1]
        if state == "confirmed":
            assert newest.confirmed_by not in (None, newest.entered_by)
        else:
            assert state == "draft"
        confirmed_events = count(session, CompetitionEvent,
                                 CompetitionEvent.competition_id == cid,
                                 CompetitionEvent.to_state == "confirmed")
        assert confirmed_events == sum(o.ok for o in outcomes[0::2])
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "competition.confirmed",
            AuditEntry.object_id == str(cid))) == confirmed_events
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "competition.scores_entered",
            AuditEntry.object_id == str(cid))) == 1 + WORKERS // 2
        orders[state] += 1
    assert sum(orders.values()) == ROUNDS
    assert_database_clean(engine)


# --- feedback: many messages at once --------------------------------------------------------------

def test_many_feedback_messages_at_once_are_all_kept(session, workers, engine):
    w = make_world(session)
    session.commit()
    day = dt.date(2030, 3, 2)
    sent: list[str] = []
    codes: list[str] = []
    for round_no in range(2):
        texts = [f"并发意见 {round_no}-{n}" for n in range(WORKERS)]
        outcomes = race(workers, [
            lambda s, text=text, n=n: feedback.submit_feedback(
                s, school_id=None if n % 3 == 0 else w.school_a, category="logistics",
                body=text, today=day)
            for n, text in enumerate(texts)])
        no_raw_errors(outcomes)
        assert wins(outcomes) == WORKERS
        sent += texts
        codes += [str(o.value) for o in outcomes]

    assert len(set(codes)) == 2 * WORKERS == 24            # distinct receipts
    bodies = session.scalars(select(FeedbackCase.body)).all()
    assert sorted(bodies) == sorted(sent)                  # 24 stored, none lost, none twice
    assert count(session, FeedbackCase, FeedbackCase.school_id.is_(None)) == 8
    opened = {}
    for code, text in zip(codes, sent, strict=True):       # each receipt opens its own case
        found = feedback.open_by_receipt(session, code, today=day)
        assert found is not None
        opened[found.case_id] = text
    assert len(opened) == 24
    stored = dict(session.execute(select(FeedbackCase.id, FeedbackCase.body)).all())
    assert all(stored[case_id] == text for case_id, text in opened.items())
    # anonymous: sending writes no audit entry that could point at a writer
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.object_type == "feedback_case")) == 0
    assert_database_clean(engine)


def test_the_writer_and_the_union_writing_to_one_case_at_once_lose_no_message(
        session, workers, engine):
    w = make_world(session)
    session.commit()
    day = dt.date(2030, 3, 2)
    code = feedback.submit_feedback(session, school_id=w.school_a, category="logistics",
                                    body="食堂的饭菜太咸了", today=day)
    session.commit()
    writer = feedback.open_by_receipt(session, code, today=day)
    assert writer is not None
    session.commit()
    chair = w["chair"]
    calls: list[Callable[[Session], object]] = []
    for n in range(WORKERS // 2):
        calls.append(lambda s, n=n: feedback.writer_answer(s, writer, f"补充说明 {n}",
                                                           today=day))
        calls.append(lambda s, n=n: feedback.reply(s, chair, writer.case_id, f"学校答复 {n}",
                                                   internal=n % 2 == 1, today=day))
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    outcomes = race(workers, calls)

    no_raw_errors(outcomes)
    assert wins(outcomes) == WORKERS                        # nothing refused, nothing lost
    entries = session.execute(select(FeedbackMessage.kind, FeedbackMessage.body)
                              .where(FeedbackMessage.case_id == writer.case_id)).all()
    assert sorted(body for _kind, body in entries) == sorted(
        [f"补充说明 {n}" for n in range(6)] + [f"学校答复 {n}" for n in range(6)])
    assert Counter(kind for kind, _body in entries) == {"writer": 6, "public": 3,
                                                        "internal": 3}
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 6
    assert_database_clean(engine)


# --- double submits of one form -------------------------------------------------------------------

def test_one_relief_form_sent_many_times_at_once_files_one_application(
        session, workers, engine):
    w = make_world(session)
    session.commit()
    form = relief.ApplicationInput(school_id=w.school_a, staff_id=w.staff_a[4],
                                   category_id=w.expense, amount="500", reason="住院治疗")
    for round_no in range(ROUNDS):
        key = f"relief-form-{round_no}"
        outcomes = race(workers, [
            lambda s, key=key: relief.file_application(s, w["delegate"], form,
                                                       idempotency_key=key)
            for _ in range(WORKERS)])

        # Each request either gets the one application's id (its twin committed first) or
        # already_filed (its twin not committed yet); never a raw error, never a second row.
        refused = losers(outcomes)
        assert set(refused) <= {"relief.error.already_filed"}
        filed = session.scalars(select(ReliefApplication.id).where(
            ReliefApplication.idempotency_key == key)).all()
        assert len(filed) == 1                              # one application, not twelve
        assert wins(outcomes) >= 1
        assert wins(outcomes) + refused["relief.error.already_filed"] == WORKERS
        assert [o.value for o in outcomes if o.ok] == [filed[0]] * wins(outcomes)
        # Sent once more afterwards, the form gets the same id back and files nothing.
        with workers() as again:
            assert relief.file_application(again, w["delegate"], form,
                                           idempotency_key=key) == filed[0]
            again.commit()
        assert count(session, ReliefEvent, ReliefEvent.application_id == filed[0]) == 2
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.in_(("relief.filed", "relief.submitted")),
            AuditEntry.school_id == w.school_a,
            AuditEntry.object_id.like(f"%-{filed[0]:05d}"))) == 2
    assert count(session, ReliefApplication) == ROUNDS
    assert_database_clean(engine)


def test_different_relief_forms_sent_at_once_are_all_filed_with_distinct_numbers(
        session, workers, engine):
    w = make_world(session)
    session.commit()
    forms = [relief.ApplicationInput(school_id=w.school_a, staff_id=w.staff_a[n % 5],
                                     category_id=w.expense, amount=str(100 + n),
                                     reason=f"困难 {n}") for n in range(WORKERS)]
    outcomes = race(workers, [
        lambda s, n=n: relief.file_application(s, w["delegate"], forms[n],
                                               idempotency_key=f"form-{n}")
        for n in range(WORKERS)])

    no_raw_errors(outcomes)
    assert wins(outcomes) == WORKERS                        # different forms: none refused
    rows = session.execute(select(ReliefApplication.id, ReliefApplication.number,
                                  ReliefApplication.amount_fen)).all()
    assert sorted(o.value for o in outcomes) == sorted(row.id for row in rows)
    assert sorted(row.amount_fen for row in rows) == [10_000 + 100 * n for n in range(WORKERS)]
    numbers = [row.number for row in rows]
    assert len(set(numbers)) == WORKERS
    assert all(n.startswith(f"{local_today().year}-TS01-") for n in numbers), numbers
    assert audit_count(session, "relief.filed") == WORKERS
    assert_database_clean(engine)


def test_one_account_created_many_times_at_once_exists_once(session, workers, engine):
    w = make_world(session)
    session.commit()
    outcomes = race(workers, [
        lambda s: accounts.create_account(s, w["district"], username="newchair",
                                          display_name="新主席", password="a-long-password-1",
                                          grants=[Grant("school_chair", w.school_b)])
        for _ in range(WORKERS)])

    assert wins(outcomes) == 1
    assert losers(outcomes) == {"accounts.username_taken": WORKERS - 1}
    assert count(session, Account, Account.username == "newchair") == 1
    assert audit_count(session, "account.created") == 1
    assert_database_clean(engine)
