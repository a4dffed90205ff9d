"""Faults: a crash in the middle of a change, a locked SQLite file, a read-only SQLite file.

Crashes are injected between the steps of one unit of work (db.engine.transaction, the way
ui.runtime.db runs every page's service call): a step is run, what it wrote is flushed to the
database, then the "process dies" (Crash). Afterwards the whole database must be exactly what
it was before (every row of every table), and the same change made again without the fault
must come out as if the crash never happened (no gap in voucher or motion numbers).

The locked and read-only cases are about SQLite (skipped on PostgreSQL; the heavy file stops
PostgreSQL itself). Tests run as root, which chmod 444 does not stop, so a read-only database
is made with SQLite's own `PRAGMA query_only` on every connection the app's pool hands out:
writes then fail with the same "attempt to write a readonly database" a read-only file gives.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool

import db.competitions
import db.feedback
import db.fund
import db.motions
from bench.harness import app_on_page, routed
from db import engine as db_engine
from db.competitions import JudgeScore, ScoreSheet
from db.engine import make_engine, make_sessionmaker, transaction
from db.feedback import FeedbackCase, FeedbackMessage
from db.fund import FundEntry, FundImport, FundVoucherCounter, ReliefApplication, ReliefEvent
from db.migrate import upgrade_to_head
from db.models import AuditEntry, Base, School
from db.motions import Motion, MotionEvent, MotionMilestone
from seeds.demo import load_demo
from services import (
    audit,
    competitions,
    feedback,
    fund,
    fund_import,
    motion_files,
    relief,
)
from services import competition_files as files
from services.access import PAGES_BY_KEY
from services.clock import local_today
from services.i18n import bilingual, t
from services.integrity import check_database
from tests.conftest import actor_of, backend, load_demo_into
from tests.fund_factory import build_town
from tests.motion_factory import build_congress
from tests.test_competitions import district_input
from tests.test_fund import income, make_world
from tests.test_fund_import import GOOD_ROWS, xlsx
from tests.test_motions import ACTIONS, in_state

assert db.competitions and db.feedback and db.fund and db.motions  # every table in metadata

sqlite_only = pytest.mark.skipif(backend() != "sqlite", reason="a SQLite file's own faults")


# --- injecting a crash ----------------------------------------------------------------------

class Crash(RuntimeError):
    """The injected fault: the process dies between two steps of one unit of work."""


def crash_after(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, *,
                only: Callable[..., bool] = lambda *a, **k: True,
                probe: Callable[[Session], object] | None = None,
                run_it: bool = True) -> list[object]:
    """Run `owner.name` (or, with run_it=False, do not), flush what the transaction wrote so
    far, note `probe` (what the half-done transaction holds at that moment), then raise
    Crash. Returns the list the probes are noted in."""
    real = getattr(owner, name)
    seen: list[object] = []

    def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs) if run_it or not only(*args, **kwargs) else None
        if only(*args, **kwargs):
            session = args[0]
            session.flush()
            seen.append(probe(session) if probe else True)
            raise Crash(name)
        return result

    monkeypatch.setattr(owner, name, wrapped)
    return seen


def crash_in_audit(monkeypatch: pytest.MonkeyPatch, action: str, *,
                   probe: Callable[[Session], object] | None = None) -> list[object]:
    """Die instead of writing the audit entry of `action`: every other row of the change is
    already flushed."""
    def is_it(_session, _actor, what, *_a, **_k) -> bool:  # type: ignore[no-untyped-def]
        return what == action
    return crash_after(monkeypatch, audit, "record", only=is_it, probe=probe, run_it=False)


def fingerprint(factory: sessionmaker[Session]) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    with factory() as s:
        return {table.name: sorted(repr(tuple(row)) for row in s.execute(select(table)))
                for table in Base.metadata.sorted_tables}


def count(s: Session, model: type, *where) -> int:  # type: ignore[no-untyped-def]
    return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def assert_ledger_sound(factory: sessionmaker[Session]) -> None:
    report = check_database(factory.kw["bind"])
    assert report.ok, [(f.check, f.count, f.examples) for f in report.problems]


# --- relief: pay, and file-and-submit -------------------------------------------------------

@pytest.fixture
def approved(session_factory) -> tuple:
    """make_world with ¥10,000.00 in the district fund and a ¥600.00 application approved at
    both levels, committed."""
    with transaction(session_factory) as s:
        w = make_world(s)
        income(s, w, "10,000.00")
        app_id = relief.file_application(s, w["delegate"], relief.ApplicationInput(
            w.school_a, w.staff_a[4], w.expense, "600", "本人患重病住院，家庭经济困难"))
        relief.approve_at_school(s, w["chair"], app_id)
        relief.approve_at_district(s, w["district"], app_id)
    return w, app_id


def _paid_rows(s: Session) -> tuple[int, str]:
    return count(s, FundEntry), s.scalar(select(ReliefApplication.state))


PAY_CRASHES = {
    # The ledger entry is written, the application not yet moved to paid.
    "after the ledger entry": lambda mp: crash_after(mp, fund, "post_entry", probe=_paid_rows),
    # Entry, state, history row written; its audit entry not.
    "in the audit entry": lambda mp: crash_in_audit(mp, "relief.paid", probe=_paid_rows),
    # Everything written, its audit entry too; the commit never reached.
    "before the commit": lambda mp: crash_after(
        mp, relief, "_move", only=lambda *a, **k: a[3] == "paid", probe=_paid_rows),
}


@pytest.mark.parametrize("where", list(PAY_CRASHES))
def test_a_crash_while_paying_relief_leaves_nothing_of_the_payment(
        session_factory, approved, monkeypatch, where):
    w, app_id = approved
    with session_factory() as s:
        assert fund.balance_fen(s, w.district_account) == 1_000_000
        assert count(s, FundEntry) == 1 and count(s, ReliefEvent) == 4
        audits = count(s, AuditEntry)
    before = fingerprint(session_factory)
    seen = PAY_CRASHES[where](monkeypatch)

    with pytest.raises(Crash), transaction(session_factory) as s:
        relief.pay(s, w["district"], app_id, account_id=w.district_account,
                   idempotency_key="pay-once")

    # The half-done payment was really in the database when the process died …
    assert seen[0] == (2, "district_approved" if where == "after the ledger entry" else "paid")
    # … and none of it is there now.
    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert fund.balance_fen(s, w.district_account) == 1_000_000
        assert count(s, FundEntry) == 1
        assert count(s, ReliefEvent) == 4
        assert count(s, AuditEntry) == audits
        assert s.scalar(select(ReliefApplication.state)) == "district_approved"
        assert s.scalar(select(FundVoucherCounter.last).where(
            FundVoucherCounter.year == local_today().year)) in (None, 0)
    assert_ledger_sound(session_factory)

    monkeypatch.undo()   # the clerk presses "pay" again: it is paid once, with no number gap
    with transaction(session_factory) as s:
        posted = relief.pay(s, w["district"], app_id, account_id=w.district_account,
                            idempotency_key="pay-once")
    assert posted.new and posted.voucher_no == f"记-{local_today().year}-000001"
    with session_factory() as s:
        assert fund.balance_fen(s, w.district_account) == 1_000_000 - 60_000 == 940_000
        assert count(s, FundEntry) == 2
        assert count(s, ReliefEvent) == 5
        assert count(s, AuditEntry) == audits + 2      # fund.posted_expense, relief.paid
        assert s.scalar(select(ReliefApplication.state)) == "paid"
    assert_ledger_sound(session_factory)


def test_a_crash_while_reversing_a_relief_payment_keeps_it_paid(session_factory, approved,
                                                                 monkeypatch):
    w, app_id = approved
    with transaction(session_factory) as s:
        posted = relief.pay(s, w["district"], app_id, account_id=w.district_account)
    before = fingerprint(session_factory)
    seen = crash_in_audit(monkeypatch, "fund.reversed", probe=lambda s: (
        fund.balance_fen(s, w.district_account), s.scalar(select(ReliefApplication.state))))

    with pytest.raises(Crash), transaction(session_factory) as s:
        fund.reverse_entry(s, w["district"], posted.id, reason="收款账号有误")

    assert seen == [(1_000_000, "district_approved")]   # money back, application reopened
    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert fund.balance_fen(s, w.district_account) == 940_000
        assert s.scalar(select(ReliefApplication.state)) == "paid"
        assert count(s, FundEntry) == 2 and count(s, ReliefEvent) == 5
    assert_ledger_sound(session_factory)


def test_a_crash_between_filing_and_submitting_leaves_no_application(session_factory,
                                                                     monkeypatch):
    with transaction(session_factory) as s:
        w = make_world(s)
    before = fingerprint(session_factory)
    seen = crash_in_audit(monkeypatch, "relief.submitted",
                          probe=lambda s: (count(s, ReliefApplication), count(s, ReliefEvent)))

    with pytest.raises(Crash), transaction(session_factory) as s:
        relief.file_application(s, w["delegate"], relief.ApplicationInput(
            w.school_a, w.staff_a[4], w.expense, "600", "家庭经济困难"), submit=True)

    assert seen == [(1, 2)]          # filed and submitted, both history rows written
    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert count(s, ReliefApplication) == 0 and count(s, ReliefEvent) == 0


# --- fund: importing a donation list ---------------------------------------------------------

def _import_rows(s: Session) -> tuple[int, int]:
    return count(s, FundImport), count(s, FundEntry)


def _progress_crash(at: float) -> Callable[[float], None]:
    def progress(done: float) -> None:
        if done == at:
            raise Crash(f"progress {at}")
    return progress


IMPORT_CRASHES = {
    # The import's own row is written (its digest), no entry yet: the page's progress bar
    # dies at its halfway report.
    "after the import row": (lambda mp: [], _progress_crash(0.5)),
    "after the entries": (lambda mp: crash_after(mp, fund, "post_incomes", probe=_import_rows),
                          None),
    "in the audit entry": (lambda mp: crash_in_audit(mp, "fund.imported", probe=_import_rows),
                           None),
    "at the last progress report": (lambda mp: [], _progress_crash(1.0)),
}


@pytest.mark.parametrize("where", list(IMPORT_CRASHES))
def test_a_crash_while_importing_donations_posts_none_and_the_file_can_be_sent_again(
        session_factory, monkeypatch, where):
    with transaction(session_factory) as s:
        town = build_town(s)
    data = xlsx(GOOD_ROWS)
    before = fingerprint(session_factory)
    inject, progress = IMPORT_CRASHES[where]
    seen = inject(monkeypatch)

    with pytest.raises(Crash), transaction(session_factory) as s:
        fund_import.import_donations(s, town.district, filename="捐款.xlsx", data=data,
                                     progress=progress)

    if seen:
        assert seen == [(1, 4)]      # the import row and its four entries were written
    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert count(s, FundImport) == 0 and count(s, FundEntry) == 0
        assert fund.balance_fen(s) == 0
    assert_ledger_sound(session_factory)

    monkeypatch.undo()   # the same file again: not refused as "already imported"
    with transaction(session_factory) as s:
        outcome = fund_import.import_donations(s, town.district, filename="捐款.xlsx",
                                               data=data)
    assert (outcome.rows, outcome.total_fen, outcome.problems) == (4, 128_948, [])
    with session_factory() as s:
        assert count(s, FundImport) == 1 and count(s, FundEntry) == 4
        assert fund.balance_fen(s) == 20_000 + 100_050 + 8_888 + 10 == 128_948
        assert sorted(s.scalars(select(FundEntry.voucher_no))) == [
            "记-2026-000001", "记-2026-000002", "记-2026-000003", "记-2026-000004"]
    assert_ledger_sound(session_factory)


# --- competitions: importing a score sheet ---------------------------------------------------

def filled_sheet(view: competitions.CompetitionView) -> bytes:
    """The app's own template with every score typed in: 15 in segments out of 20, else 80."""
    book = load_workbook(io.BytesIO(files.score_template(view)))
    sheet = book.worksheets[0]
    maxima = {s.name: s.max_score for s in view.segments}
    for row in sheet.iter_rows(min_row=2):
        row[5].value = 15 if maxima[row[4].value] == Decimal(20) else 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_rows(s: Session) -> tuple[int, int]:
    return count(s, ScoreSheet), count(s, JudgeScore)


@pytest.mark.parametrize("where", ["after the scores", "in the audit entry"])
def test_a_crash_while_importing_a_score_sheet_keeps_no_version(session_factory, monkeypatch,
                                                                where):
    with transaction(session_factory) as s:
        load_demo(s)
    with transaction(session_factory) as s:
        admin = actor_of(s, "district")
        cid = competitions.create_competition(s, admin, district_input(s))
        view = competitions.competition(s, admin, cid)
    rows = files.read_score_sheet(filled_sheet(view), view)
    assert len(rows) == 5 * 5 * 2    # five entrants, five judges, two segments
    with session_factory() as s:
        sheets, scores = _sheet_rows(s)
    before = fingerprint(session_factory)
    seen = (crash_after(monkeypatch, competitions, "_new_sheet", probe=_sheet_rows)
            if where == "after the scores" else
            crash_in_audit(monkeypatch, "competition.scores_entered", probe=_sheet_rows))

    with pytest.raises(Crash), transaction(session_factory) as s:
        competitions.replace_sheet(s, admin, cid, rows)

    assert seen == [(sheets + 1, scores + 50)]
    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert count(s, ScoreSheet, ScoreSheet.competition_id == cid) == 0
        assert competitions.competition(s, admin, cid).sheet_version is None

    monkeypatch.undo()
    with transaction(session_factory) as s:
        assert competitions.replace_sheet(s, admin, cid, rows) == 1   # version 1, not 2
    with session_factory() as s:
        assert count(s, ScoreSheet, ScoreSheet.competition_id == cid) == 1
        assert _sheet_rows(s) == (sheets + 1, scores + 50)


# --- motions: moving between states ----------------------------------------------------------

# action → the state it starts from, and the state it leads to.
MOVES = {"submit": ("cosigning", "submitted"), "register": ("submitted", "registered"),
         "assign": ("registered", "assigned"), "reply": ("handling", "replied"),
         "accept_reply": ("replied", "awaiting_rating")}


@pytest.mark.parametrize("action", list(MOVES))
def test_a_crash_while_moving_a_motion_leaves_it_where_it_was(session_factory, monkeypatch,
                                                              action):
    start, end = MOVES[action]
    with transaction(session_factory) as s:
        c = build_congress(s)
        motion_id = in_state(s, c, start)
    with session_factory() as s:
        events = count(s, MotionEvent)
    before = fingerprint(session_factory)
    seen = crash_in_audit(monkeypatch, f"motion.{action}", probe=lambda s: (
        s.scalar(select(Motion.state).where(Motion.id == motion_id)), count(s, MotionEvent)))
    who, call = ACTIONS[action]

    with pytest.raises(Crash), transaction(session_factory) as s:
        call(s, c, getattr(c, who), motion_id)

    assert seen == [(end, events + 1)]
    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert s.scalar(select(Motion.state).where(Motion.id == motion_id)) == start
        assert count(s, MotionEvent) == events

    monkeypatch.undo()
    with transaction(session_factory) as s:
        call(s, c, getattr(c, who), motion_id)
    with session_factory() as s:
        motion = s.get(Motion, motion_id)
        assert motion.state == end and count(s, MotionEvent) == events + 1
        if action == "register":   # the first number of the year: the crash took none
            assert motion.number == "2026SCH1TA001"


# --- feedback: sending, and the union's reply ------------------------------------------------

def test_a_crash_after_sending_feedback_keeps_no_case_and_the_receipt_opens_nothing(
        session_factory):
    with transaction(session_factory) as s:
        make_world(s)
    before = fingerprint(session_factory)
    code = None
    with pytest.raises(Crash), transaction(session_factory) as s:
        code = feedback.submit_feedback(s, school_id=None, category="other",
                                        body="食堂的饭菜太咸了", today=dt.date(2030, 3, 2))
        assert count(s, FeedbackCase) == 1
        raise Crash("the page died before its transaction committed")

    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert count(s, FeedbackCase) == 0
        assert feedback.open_by_receipt(s, code, today=dt.date(2030, 3, 2)) is None


def test_a_crash_while_replying_to_feedback_keeps_neither_the_reply_nor_the_status(
        session_factory, monkeypatch):
    with transaction(session_factory) as s:
        w = make_world(s)
        feedback.submit_feedback(s, school_id=None, category="other", body="希望增加体检项目",
                                 today=dt.date(2030, 3, 2))
    with session_factory() as s:
        case_id = s.scalar(select(FeedbackCase.id))
    before = fingerprint(session_factory)
    seen = crash_in_audit(monkeypatch, "feedback.replied", probe=lambda s: (
        count(s, FeedbackMessage), s.scalar(select(FeedbackCase.status))))

    with pytest.raises(Crash), transaction(session_factory) as s:
        feedback.reply(s, w["district"], case_id, "已转交区教育局", internal=False)

    assert seen == [(1, "replied")]
    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert count(s, FeedbackMessage) == 0
        assert s.scalar(select(FeedbackCase.status)) == "new"


# --- motions: importing a progress sheet ---------------------------------------------------

def progress_sheet(motion_id: int, progress: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "编号", "案由", "当前进度", "新进度", "说明", "日期"])
    sheet.append([motion_id, None, None, None, progress, "已完成招标", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_crash_after_a_progress_import_keeps_none_of_its_rows(session_factory):
    """The import runs its rows in a savepoint; on SQLite a savepoint opened before any write
    used to commit at its release, so this crash left the progress recorded."""
    with transaction(session_factory) as s:
        c = build_congress(s)
        motion_id = in_state(s, c, "implementing")
    before = fingerprint(session_factory)

    with pytest.raises(Crash), transaction(session_factory) as s:
        done = motion_files.import_progress(s, c.chair, meeting_id=c.meeting_a,
                                            data=progress_sheet(motion_id, 40))
        assert done.count == 1 and s.get(Motion, motion_id).progress == 40
        raise Crash("the page died before its transaction committed")

    assert fingerprint(session_factory) == before
    with session_factory() as s:
        assert s.get(Motion, motion_id).progress == 0
        assert count(s, MotionMilestone) == 0


# --- a locked SQLite database ---------------------------------------------------------------

def sqlite_path(url: str) -> str:
    return url.split("///", 1)[1]


@contextmanager
def write_lock(url: str, *, release_after: float | None = None) -> Iterator[None]:
    """Another process's writer: BEGIN IMMEDIATE held on its own connection until the block
    ends, or until `release_after` seconds have passed."""
    other = sqlite3.connect(sqlite_path(url), timeout=10, isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    timer = None
    if release_after is not None:
        timer = threading.Timer(release_after, lambda: other.execute("ROLLBACK"))
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.join()
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def short_busy_timeout(monkeypatch) -> int:
    """Engines made from now on wait 300 ms for a lock instead of 5 s."""
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 300)
    return 300


def fresh_factory(databases) -> tuple[str, sessionmaker[Session]]:
    url = databases.new_url()
    engine = make_engine(url)
    upgrade_to_head(engine)
    return url, make_sessionmaker(engine)


@sqlite_only
def test_a_write_waits_for_a_lock_released_within_the_busy_timeout(databases):
    url, factory = fresh_factory(databases)   # the app's own 5000 ms
    assert db_engine.SQLITE_BUSY_TIMEOUT_MS == 5000
    with write_lock(url, release_after=0.5), transaction(factory) as s:
        started = time.monotonic()
        feedback.submit_feedback(s, school_id=None, category="other", body="希望增加体检项目")
        waited = time.monotonic() - started       # its INSERT waited for the lock
    assert 0.4 <= waited < 5
    with factory() as s:
        assert count(s, FeedbackCase) == 1
    factory.kw["bind"].dispose()


@sqlite_only
def test_a_lock_held_past_the_busy_timeout_fails_the_write_and_writes_nothing(
        databases, short_busy_timeout):
    url, factory = fresh_factory(databases)
    with transaction(factory) as s:
        w = make_world(s)
        income(s, w, "10,000.00")
    before = fingerprint(factory)
    started = time.monotonic()
    with write_lock(url), pytest.raises(OperationalError, match="database is locked"), \
            transaction(factory) as s:
        fund.post_entry(s, w["district"], account_id=w.district_account, kind="expense",
                        category_id=w.expense, amount="600", entry_date=local_today())
    assert time.monotonic() - started >= 0.3       # it waited the whole busy timeout
    assert fingerprint(factory) == before
    with factory() as s:
        assert fund.balance_fen(s, w.district_account) == 1_000_000
    factory.kw["bind"].dispose()


@pytest.fixture
def app_url(databases, monkeypatch) -> Iterator[str]:
    """A demo database of its own for the app under AppTest, ¥200,000.00 in the district
    fund, no feedback past retention (the app's background purge would write meanwhile)."""
    from services.retention import purge_expired
    from ui.anonymous import limits

    url = load_demo_into(databases.new_url())
    factory = make_sessionmaker(make_engine(url))
    purge_expired(factory)
    with transaction(factory) as s:
        district = actor_of(s, "district")
        fund.post_entry(s, district, account_id=fund.account_id_for(s, None), kind="income",
                        category_id=fund.categories(s, "income")[0].id, amount="200,000.00",
                        entry_date=local_today(), counterparty="区教育局")
    factory.kw["bind"].dispose()
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    limits.clear()
    with routed():
        yield url
    limits.clear()


def feedback_cases(url: str) -> int:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        found = count(s, FeedbackCase)
    engine.dispose()
    return found


def send_feedback(at, text: str):  # type: ignore[no-untyped-def]
    at.selectbox[0].set_value(0)               # the district union
    at.selectbox[1].set_value("other")
    at.text_area[0].input(text)
    at.button[0].click()
    return at.run()


def errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.value for e in at.error]


@sqlite_only
def test_the_feedback_page_waits_out_a_short_lock_and_sends(app_url):
    at = app_on_page(None, PAGES_BY_KEY["feedback_submit"].file)   # the app's own 5000 ms
    cases = feedback_cases(app_url)
    with write_lock(app_url, release_after=0.5):
        started = time.monotonic()
        send_feedback(at, "希望学校增加午休时间")
        assert time.monotonic() - started >= 0.4   # the page's write waited for the lock
    assert not at.exception and not at.error, errors(at)
    assert len(at.code) == 1
    assert feedback_cases(app_url) == cases + 1


@sqlite_only
def test_the_feedback_page_reports_a_locked_database_in_both_languages_then_sends(
        app_url, short_busy_timeout):
    at = app_on_page(None, PAGES_BY_KEY["feedback_submit"].file)
    assert not at.exception and not at.error
    cases = feedback_cases(app_url)

    with write_lock(app_url):
        send_feedback(at, "希望学校增加午休时间")
    assert not at.exception, at.exception
    assert errors(at) == [bilingual("db.busy")]
    assert t("db.busy", "zh") in errors(at)[0] and t("db.busy", "en") in errors(at)[0]
    assert not at.code                           # no receipt for a message that was not kept
    assert feedback_cases(app_url) == cases

    send_feedback(at, "希望学校增加午休时间")     # the same session, once the lock is gone
    assert not at.exception and not at.error, errors(at)
    assert len(at.code) == 1
    assert feedback_cases(app_url) == cases + 1


# --- a read-only SQLite database ------------------------------------------------------------

class ReadOnly:
    """Makes one SQLite file read-only for the app and writable again, without touching the
    app's engine: every connection a pool hands out for that file gets PRAGMA query_only
    set to the current choice (root ignores chmod 444, SQLite's own switch it does not)."""

    def __init__(self, url: str) -> None:
        self.path = sqlite_path(url)
        self.on = False
        self.checkouts = 0

    def checkout(self, dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        files_open = [row[2] for row in dbapi_connection.execute("PRAGMA database_list")]
        if self.path in files_open:
            self.checkouts += 1
            dbapi_connection.execute(f"PRAGMA query_only={'ON' if self.on else 'OFF'}")


@pytest.fixture
def read_only(app_url) -> Iterator[ReadOnly]:
    switch = ReadOnly(app_url)
    event.listen(Pool, "checkout", switch.checkout)
    yield switch
    event.remove(Pool, "checkout", switch.checkout)


def app_factory(url: str) -> tuple[Engine, sessionmaker[Session]]:
    engine = make_engine(url)
    return engine, make_sessionmaker(engine)


def approved_in_app(url: str) -> int:
    """An application of ¥800.00 a delegate filed, approved by the chair and the district."""
    from tests.test_app_relief import category_id, colleague

    engine, factory = app_factory(url)
    with transaction(factory) as s:
        school = s.scalar(select(School.id).where(School.code == "MH01"))
        app_id = relief.file_application(s, actor_of(s, "delegate"), relief.ApplicationInput(
            school, colleague(s, "delegate"), category_id(s), "800", "家中突遭火灾"))
        relief.approve_at_school(s, actor_of(s, "chair"), app_id)
        relief.approve_at_district(s, actor_of(s, "district"), app_id)
    engine.dispose()
    return app_id


def click(at, label_key: str):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == t(label_key)).click()
    return at.run()


@sqlite_only
def test_paying_on_a_read_only_database_says_so_and_pays_once_it_is_writable(
        app_url, read_only):
    app_id = approved_in_app(app_url)
    at = app_on_page("district", PAGES_BY_KEY["relief_case"].file, relief_id=app_id)
    assert not at.exception and not at.error, errors(at)
    engine, factory = app_factory(app_url)
    with factory() as s:
        district_account = fund.account_id_for(s, None)
        balance = fund.balance_fen(s, district_account)
    at.selectbox(key="relief_pay_account").set_value(district_account)
    before = fingerprint(factory)

    read_only.on = True
    click(at, "relief.case.pay")
    assert not at.exception, at.exception
    assert errors(at) == [bilingual("db.unavailable")]
    assert t("db.unavailable", "zh") in errors(at)[0]
    assert t("db.unavailable", "en") in errors(at)[0]
    assert read_only.checkouts > 0                  # the app's own connections were switched
    assert fingerprint(factory) == before

    read_only.on = False                            # the same session, no restart
    click(at, "relief.case.pay")
    assert not at.exception and not at.error, errors(at)
    assert [m.value for m in at.success] == [t("relief.case.done.paid")]
    with factory() as s:
        assert s.get(ReliefApplication, app_id).state == "paid"
        assert fund.balance_fen(s, district_account) == balance - 80_000
        assert count(s, FundEntry, FundEntry.application_id == app_id) == 1
    engine.dispose()
    assert_ledger_sound(factory)


@sqlite_only
def test_sending_feedback_to_a_read_only_database_keeps_nothing_then_recovers(
        app_url, read_only):
    at = app_on_page(None, PAGES_BY_KEY["feedback_submit"].file)
    cases = feedback_cases(app_url)

    read_only.on = True
    send_feedback(at, "操场的灯坏了很久")
    assert not at.exception, at.exception
    assert errors(at) == [bilingual("db.unavailable")]
    assert not at.code
    assert feedback_cases(app_url) == cases

    read_only.on = False
    send_feedback(at, "操场的灯坏了很久")
    assert not at.exception and not at.error, errors(at)
    assert len(at.code) == 1
    assert feedback_cases(app_url) == cases + 1
