"""数据库检查: does a Union Desk database still keep its own rules?

For a cron job and for ops (`python -m db check`): migrations at head, the fund ledger's
invariants (DOMAIN.md §3), rows whose foreign key points nowhere, motion states against their
history, and the cheap rules of relief approval and competition scoring. Every check is one
or a few aggregate queries, so it runs on a district's ten years without reading whole tables
into Python. A finding holds ids and counts only: never names, amounts of people, or text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import aliased

from db import (
    Base,
    FundEntry,
    FundVoucherCounter,
    JudgeScore,
    Motion,
    MotionEvent,
    ReliefApplication,
    ScoreSheet,
    Segment,
)
from db.migrate import MIGRATIONS_DIR
from db.motions import MOTION_STATES

EXAMPLES = 5          # example ids per finding: enough to start looking, never a data dump
VOUCHER_PREFIX = "记-"  # 记-2026-000123: the year at characters 3–6, the number after the dash

OK, PROBLEM, SKIPPED = "ok", "problem", "skipped"


@dataclass(frozen=True)
class Finding:
    """The outcome of one check: a count of offending rows and a few of their ids.

    `key` and `params` make the human message from the catalogue (`services.i18n.t`);
    `table` says which table the example ids belong to.
    """

    check: str
    status: str
    count: int = 0
    examples: tuple[int, ...] = ()
    table: str = ""
    key: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == OK

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "count": self.count,
                "table": self.table, "examples": list(self.examples), "key": self.key,
                "params": self.params}


@dataclass(frozen=True)
class IntegrityReport:
    findings: list[Finding]
    seconds: dict[str, float]   # check name → time it took

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status == PROBLEM]

    def of(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "findings": [f.as_dict() for f in self.findings]}


# --- migrations -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Revisions:
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)

    @staticmethod
    def shown(revisions: tuple[str, ...]) -> str:
        return ", ".join(revisions) if revisions else "-"


def head_revisions() -> tuple[str, ...]:
    return tuple(sorted(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()))


def revisions(conn: Connection) -> Revisions:
    current = MigrationContext.configure(conn).get_current_heads()
    return Revisions(tuple(sorted(current)), head_revisions())


def _migrations(conn: Connection) -> Iterator[Finding]:
    found = revisions(conn)
    yield Finding("migrations_at_head", OK if found.at_head else PROBLEM,
                  0 if found.at_head else 1, table="alembic_version",
                  key=f"integrity.migrations_at_head.{OK if found.at_head else PROBLEM}",
                  params={"current": Revisions.shown(found.current),
                          "head": Revisions.shown(found.heads)})


# --- the shape every row check shares ---------------------------------------------------------

def _offenders(conn: Connection, ids: Select[Any]) -> tuple[int, tuple[int, ...]]:
    """How many ids the query yields, and the first few: one query, the count by a window."""
    sub = ids.subquery()
    column = next(iter(sub.c))
    rows = conn.execute(select(column, func.count().over()).order_by(column)
                        .limit(EXAMPLES)).all()
    return (int(rows[0][1]) if rows else 0), tuple(int(r[0]) for r in rows)


def _counted(check: str, table: str, count: int, examples: tuple[int, ...],
             **params: Any) -> Finding:
    status = PROBLEM if count else OK
    return Finding(check, status, count, examples, table, f"integrity.{check}.{status}",
                   {"count": count, **params})


Check = Callable[[Connection], Iterator[Finding]]


def _rows(check: str, table: str, ids: Callable[[], Select[Any]]) -> Check:
    """A check that counts the ids one query yields."""
    def run(conn: Connection) -> Iterator[Finding]:
        yield _counted(check, table, *_offenders(conn, ids()))
    return run


# --- the fund ledger (DOMAIN.md §3, invariants 1–3) -------------------------------------------

def _bad_amounts() -> Select[Any]:
    amount = FundEntry.amount_fen
    return select(FundEntry.id).where(or_(
        amount.is_(None),
        and_(FundEntry.reverses_id.is_(None), amount <= 0),
        and_(FundEntry.reverses_id.is_not(None), amount >= 0),
        amount != cast(amount, BigInteger),   # SQLite would keep 12.5 in a BIGINT column
    ))


def _negative_balances() -> Select[Any]:
    """Accounts whose end-of-day balance went below zero on some day: the same running
    balance by entry date that services.fund.lowest_balance_from guards when posting."""
    signed = case((FundEntry.kind == "income", FundEntry.amount_fen), else_=-FundEntry.amount_fen)
    daily = (select(FundEntry.account_id, FundEntry.entry_date, func.sum(signed).label("change"))
             .group_by(FundEntry.account_id, FundEntry.entry_date).subquery())
    running = select(daily.c.account_id, func.sum(daily.c.change).over(
        partition_by=daily.c.account_id, order_by=daily.c.entry_date).label("balance")).subquery()
    return (select(running.c.account_id).group_by(running.c.account_id)
            .having(func.min(running.c.balance) < 0))


def _mismatched_reversals() -> Select[Any]:
    original = aliased(FundEntry)
    return (select(FundEntry.id).outerjoin(original, original.id == FundEntry.reverses_id)
            .where(FundEntry.reverses_id.is_not(None), or_(
                original.id.is_(None),
                original.account_id != FundEntry.account_id,
                original.kind != FundEntry.kind,
                original.amount_fen != -FundEntry.amount_fen,
                original.reverses_id.is_not(None))))


def _reversed_twice() -> Select[Any]:
    return (select(FundEntry.reverses_id).where(FundEntry.reverses_id.is_not(None))
            .group_by(FundEntry.reverses_id).having(func.count() > 1))


def _duplicate_vouchers() -> Select[Any]:
    """One id (the first entry) per voucher number that more than one entry carries."""
    return (select(func.min(FundEntry.id)).group_by(FundEntry.voucher_no)
            .having(func.count() > 1))


def _voucher_counters(conn: Connection) -> Iterator[Finding]:
    """Each year's counter is at or past the highest number used, else the next posting of
    that year collides with an existing voucher and fails. Numbers are zero-padded, so the
    highest voucher text is the highest number; it is parsed here, not cast in SQL."""
    year = func.substr(FundEntry.voucher_no, 3, 4)
    highest = conn.execute(select(year, func.max(FundEntry.voucher_no))
                           .where(FundEntry.voucher_no.like(f"{VOUCHER_PREFIX}____-%"))
                           .group_by(year)).all()
    counters = dict(conn.execute(select(FundVoucherCounter.year, FundVoucherCounter.last)).all())
    behind = []
    for year_text, voucher in highest:
        try:
            number, used = int(year_text), int(voucher.rsplit("-", 1)[1])
        except ValueError:
            continue   # not a voucher the app numbered
        if (counters.get(number) or 0) < used:
            behind.append(number)
    yield _counted("ledger_voucher_counters", "fund_voucher_counters", len(behind),
                   tuple(sorted(behind)[:EXAMPLES]))


# --- relief applications (invariants 3 and 4) -------------------------------------------------

def _relief_payments() -> Select[Any]:
    """Paid ⇔ exactly one standing (not reversed) payment entry of the application's amount."""
    reversal = aliased(FundEntry)
    standing = (select(FundEntry.application_id, func.count().label("entries"),
                       func.sum(FundEntry.amount_fen).label("total"))
                .where(FundEntry.application_id.is_not(None), FundEntry.kind == "expense",
                       FundEntry.reverses_id.is_(None),
                       ~exists().where(reversal.reverses_id == FundEntry.id))
                .group_by(FundEntry.application_id).subquery())
    app = ReliefApplication
    return (select(app.id).outerjoin(standing, standing.c.application_id == app.id)
            .where(or_(
                and_(app.state == "paid", or_(standing.c.entries.is_(None),
                                              standing.c.entries != 1,
                                              standing.c.total != app.amount_fen)),
                and_(app.state != "paid", standing.c.entries.is_not(None)))))


def _same_approver() -> Select[Any]:
    app = ReliefApplication
    return select(app.id).where(or_(app.school_approved_by == app.filed_by,
                                    app.district_approved_by == app.filed_by,
                                    app.district_approved_by == app.school_approved_by))


# --- motions ----------------------------------------------------------------------------------

def _unknown_motion_states() -> Select[Any]:
    return select(Motion.id).where(or_(Motion.state.is_(None),
                                       Motion.state.not_in(MOTION_STATES)))


def _motion_state_off_history() -> Select[Any]:
    """The motion's state is the to-state of its latest step, in the order the history page
    shows them (time, then id); a motion without any step is off too."""
    latest = (select(MotionEvent.to_state).where(MotionEvent.motion_id == Motion.id)
              .order_by(MotionEvent.at.desc(), MotionEvent.id.desc()).limit(1)
              .correlate(Motion).scalar_subquery())
    pairs = select(Motion.id, Motion.state, latest.label("latest")).subquery()
    return select(pairs.c.id).where(or_(pairs.c.latest.is_(None),
                                        pairs.c.latest != pairs.c.state))


# --- competitions -----------------------------------------------------------------------------

def _self_confirmed_sheets() -> Select[Any]:
    return select(ScoreSheet.id).where(ScoreSheet.confirmed_by == ScoreSheet.entered_by)


def _scores_out_of_range() -> Select[Any]:
    return (select(JudgeScore.id).join(Segment, Segment.id == JudgeScore.segment_id)
            .where(or_(JudgeScore.score < 0, JudgeScore.score > Segment.max_score)))


# --- rows whose foreign key points nowhere ----------------------------------------------------

@dataclass(frozen=True)
class Reference:
    query: Select[Any]     # the child's ids whose non-null key has no parent row
    column: str            # "fund_entries.staff_id"
    parent: str            # "staff.id"
    table: str


def foreign_keys() -> list[Reference]:
    """Every foreign key of the models, in table order (db/__init__ imports them all)."""
    found = []
    for table in Base.metadata.sorted_tables:
        child_id = next(iter(table.primary_key.columns))
        for constraint in sorted(table.foreign_key_constraints,
                                 key=lambda c: tuple(c.column_keys)):
            parent = constraint.referred_table.alias("parent")  # also for self-references
            pairs = [(e.parent, parent.c[e.column.name]) for e in constraint.elements]
            query = (select(child_id).select_from(table.outerjoin(
                        parent, and_(*[child == up for child, up in pairs])))
                     .where(*[child.is_not(None) for child, _ in pairs],
                            pairs[0][1].is_(None)))
            found.append(Reference(
                query, ", ".join(f"{table.name}.{c.name}" for c, _ in pairs),
                ", ".join(f"{constraint.referred_table.name}.{u.name}" for _, u in pairs),
                table.name))
    return found


def _orphans(conn: Connection) -> Iterator[Finding]:
    """All keys counted in one UNION ALL query; examples only for the keys that have any."""
    references = foreign_keys()
    counts = union_all(*[
        select(literal(n).label("n"), func.count().label("orphans"))
        .select_from(ref.query.subquery())
        for n, ref in enumerate(references)]).subquery()
    offending = conn.execute(select(counts.c.n, counts.c.orphans)
                             .where(counts.c.orphans > 0).order_by(counts.c.n)).all()
    for n, count in offending:
        ref = references[n]
        ids = tuple(int(i) for i in conn.scalars(
            ref.query.order_by(next(iter(ref.query.selected_columns))).limit(EXAMPLES)))
        yield _counted("orphan_rows", ref.table, int(count), ids, column=ref.column,
                       parent=ref.parent)
    if not offending:
        yield _counted("orphan_rows", "", 0, (), fks=len(references))


# --- running them -----------------------------------------------------------------------------

CHECKS: tuple[tuple[str, Check], ...] = (
    ("migrations_at_head", _migrations),
    *((name, _rows(name, table, ids)) for name, table, ids in (
        ("ledger_amounts", "fund_entries", _bad_amounts),
        ("ledger_balance_never_negative", "fund_accounts", _negative_balances),
        ("ledger_reversals_match", "fund_entries", _mismatched_reversals),
        ("ledger_reversed_once", "fund_entries", _reversed_twice),
        ("ledger_vouchers_unique", "fund_entries", _duplicate_vouchers),
    )),
    ("ledger_voucher_counters", _voucher_counters),
    *((name, _rows(name, table, ids)) for name, table, ids in (
        ("relief_payments_match", "relief_applications", _relief_payments),
        ("relief_approvers_distinct", "relief_applications", _same_approver),
        ("motion_states_known", "motions", _unknown_motion_states),
        ("motion_state_matches_history", "motions", _motion_state_off_history),
        ("competition_sheets_confirmed_by_other", "competition_sheets",
         _self_confirmed_sheets),
        ("competition_scores_in_range", "competition_scores", _scores_out_of_range),
    )),
    ("orphan_rows", _orphans),
)
CHECK_NAMES = tuple(name for name, _ in CHECKS)


def check_database(engine: Engine) -> IntegrityReport:
    """Run every check; when the schema is not at head the others are skipped (their tables
    may not exist yet). A check that fails to run is a problem, and the rest still run."""
    findings: list[Finding] = []
    seconds: dict[str, float] = {}
    with _reading(engine) as conn:
        for name, run in CHECKS:
            if findings and not findings[0].ok:   # findings[0]: migrations_at_head
                findings.append(Finding(name, SKIPPED, key="integrity.skipped"))
                continue
            started = time.perf_counter()
            try:
                findings.extend(run(conn))
            except SQLAlchemyError as error:
                conn.rollback()   # PostgreSQL refuses further statements in a failed one
                findings.append(Finding(name, PROBLEM, key="integrity.check_failed",
                                        params={"error": type(error).__name__}))
            seconds[name] = time.perf_counter() - started
    return IntegrityReport(findings, seconds)


def _reading(engine: Engine) -> Connection:
    conn = engine.connect()
    if conn.dialect.name == "postgresql":  # one snapshot for all checks, and no writes
        conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                      postgresql_readonly=True)
    return conn


# --- health -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Health:
    latency_ms: float
    revisions: Revisions

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, "latency_ms": round(self.latency_ms, 2),
                "revision": Revisions.shown(self.revisions.current),
                "head": Revisions.shown(self.revisions.heads),
                "at_head": self.revisions.at_head}


def database_health(engine: Engine) -> Health:
    """Connect, time SELECT 1, and read the migration revision."""
    with engine.connect() as conn:
        started = time.perf_counter()
        conn.execute(text("SELECT 1"))
        latency = (time.perf_counter() - started) * 1000
        return Health(latency, revisions(conn))


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL that does not exist: checking it must not create it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.is_file() else path
