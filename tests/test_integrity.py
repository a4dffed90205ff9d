"""The database check (services/integrity.py) and `python -m db`: the demo passes every check,
and each check finds exactly the damage a test does to a database with raw SQL, no more.

Damage that a constraint would refuse is done in a database of its own, made without that
constraint (or with foreign keys off on that connection), so the shared test database stays
as the migrations built it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from db.engine import make_engine, make_sessionmaker
from db.migrate import alembic_config, upgrade_to_head
from db.models import Base
from seeds.demo import load_demo
from services.fund import balance_fen
from services.i18n import LANGUAGES, catalogue
from services.integrity import CHECK_NAMES, IntegrityReport, check_database
from tests.conftest import ROOT, DatabaseFactory

SCALE_DB = Path(os.environ.get("UNION_INTEGRITY_SCALE_DB", ROOT / "data" / "bench-scale-1.db"))
SECRET = "s3cret-Pa55word"
UNREACHABLE_PG = f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1/x"


def problems(report: IntegrityReport) -> dict[str, int]:
    """{check: rows found} over the checks that report a problem."""
    found: dict[str, int] = {}
    for finding in report.problems:
        found[finding.check] = found.get(finding.check, 0) + finding.count
    return found


# --- raw SQL helpers -------------------------------------------------------------------------

def scalar(conn: Connection | Session, sql: str, **params: object) -> int:
    value = conn.execute(text(sql), params).scalar()
    assert value is not None, sql
    return int(value)


def richest_account(conn: Connection | Session) -> tuple[int, dt.date, dt.date]:
    """The account with the highest balance, with its first and last entry dates."""
    row = conn.execute(text(
        "SELECT account_id, MIN(entry_date), MAX(entry_date) FROM fund_entries "
        "GROUP BY account_id "
        "ORDER BY SUM(CASE WHEN kind = 'income' THEN amount_fen ELSE -amount_fen END) DESC, "
        "account_id LIMIT 1")).one()
    return int(row[0]), _day(row[1]), _day(row[2])


def _day(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def post(conn: Connection | Session, *, account_id: int, kind: str, amount_fen: float,
         day: dt.date, voucher: str, reverses_id: int | None = None) -> int:
    """One ledger row written by hand, past every rule of services/fund.py."""
    category = scalar(conn, "SELECT MIN(id) FROM fund_categories WHERE kind = :kind", kind=kind)
    account = scalar(conn, "SELECT MIN(id) FROM accounts")
    return scalar(conn, (
        "INSERT INTO fund_entries (voucher_no, account_id, kind, category_id, entry_date, "
        "period, amount_fen, counterparty, memo, reverses_id, created_by, created_at) "
        "VALUES (:voucher, :account_id, :kind, :category, :day, :period, :amount, '', '', "
        ":reverses_id, :account, :now) RETURNING id"),
        voucher=voucher, account_id=account_id, kind=kind, category=category, day=day,
        period=day.year * 100 + day.month, amount=amount_fen, reverses_id=reverses_id,
        account=account, now=dt.datetime(2026, 1, 1))


def post_late(conn: Connection | Session, kind: str, amount_fen: float, voucher: str,
              reverses_id: int | None = None) -> int:
    """An entry on the last day of the richest account, where no balance can dip."""
    account, _first, last = richest_account(conn)
    return post(conn, account_id=account, kind=kind, amount_fen=amount_fen, day=last,
                voucher=voucher, reverses_id=reverses_id)


def drop_constraint(engine: Engine, table: str, name: str) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            return
        # SQLite cannot drop a constraint: Alembic rebuilds the table without it.
        kind = "unique" if name.startswith("uq_") else "check"
        with Operations(MigrationContext.configure(conn)).batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_=kind)


@contextmanager
def foreign_keys_off(engine: Engine) -> Iterator[Connection]:
    """One connection that writes past foreign keys, committed at the end."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF" if sqlite
                             else "SET session_replication_role = replica")
        yield conn
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON" if sqlite
                             else "SET session_replication_role = DEFAULT")


@pytest.fixture
def spare(databases: DatabaseFactory) -> Iterator[Callable[..., Engine]]:
    """A database of its own with the demo, optionally made without some constraints."""
    engines: list[Engine] = []

    def make(*without: tuple[str, str], demo: bool = True) -> Engine:
        engine = make_engine(databases.new_url())
        engines.append(engine)
        upgrade_to_head(engine)
        for table, name in without:
            drop_constraint(engine, table, name)
        if demo:
            with make_sessionmaker(engine)() as session:
                load_demo(session)
                session.commit()
        return engine

    yield make
    for engine in engines:
        engine.dispose()


# --- the demo is sound -----------------------------------------------------------------------

def test_the_demo_passes_every_check(demo, engine):
    report = check_database(engine)
    assert report.ok
    assert [f.check for f in report.findings] == list(CHECK_NAMES)
    assert [(f.status, f.count, f.examples) for f in report.findings] == [("ok", 0, ())] * 14
    assert report.findings[0].params == {"current": "0005", "head": "0005"}
    foreign_keys = sum(len(t.foreign_key_constraints) for t in Base.metadata.sorted_tables)
    assert foreign_keys == 90
    assert report.of("orphan_rows")[0].params == {"count": 0, "fks": 90}
    assert set(report.seconds) == set(CHECK_NAMES)


def test_every_finding_has_a_message_in_both_languages():
    keys = {"integrity.skipped", "integrity.check_failed"}
    keys |= {f"integrity.{name}.{status}" for name in CHECK_NAMES for status in ("ok", "problem")}
    for lang in LANGUAGES:
        assert sorted(k for k in keys if k not in catalogue(lang)) == [], lang


# --- the ledger -------------------------------------------------------------------------------

def test_a_balance_below_zero_on_one_day_is_found_though_the_final_balance_is_positive(
        demo, engine):
    account, first_day, _last = richest_account(demo)
    # The day before the account's first income: the balance is -¥1.00 at the end of it.
    post(demo, account_id=account, kind="expense", amount_fen=100,
         day=first_day - dt.timedelta(days=1), voucher="T-1")
    demo.commit()
    assert balance_fen(demo, account) > 0
    report = check_database(engine)
    assert problems(report) == {"ledger_balance_never_negative": 1}
    assert report.of("ledger_balance_never_negative")[0].examples == (account,)


def test_the_balance_is_counted_at_the_end_of_each_day_as_the_app_does(demo, engine):
    account, first_day, _last = richest_account(demo)
    day = first_day - dt.timedelta(days=1)
    # Paid out before the money came in, on the same day: the day ends at +¥0.50.
    post(demo, account_id=account, kind="expense", amount_fen=100, day=day, voucher="T-1")
    post(demo, account_id=account, kind="income", amount_fen=150, day=day, voucher="T-2")
    demo.commit()
    assert check_database(engine).ok


def test_reversals_of_another_amount_or_kind_are_found(demo, engine):
    paid = post_late(demo, "expense", 10_000, "T-1")
    wrong_amount = post_late(demo, "expense", -9_999, "T-2", reverses_id=paid)
    other = post_late(demo, "expense", 10_000, "T-3")
    wrong_kind = post_late(demo, "income", -10_000, "T-4", reverses_id=other)
    demo.commit()
    report = check_database(engine)
    assert problems(report) == {"ledger_reversals_match": 2}
    assert report.of("ledger_reversals_match")[0].examples == (wrong_amount, wrong_kind)


def test_an_entry_reversed_twice_is_found(spare):
    engine = spare(("fund_entries", "uq_fund_entries_reverses_id"))
    with engine.begin() as conn:
        paid = post_late(conn, "expense", 10_000, "T-1")
        post_late(conn, "expense", -10_000, "T-2", reverses_id=paid)
        post_late(conn, "expense", -10_000, "T-3", reverses_id=paid)
    report = check_database(engine)
    assert problems(report) == {"ledger_reversed_once": 1}
    assert report.of("ledger_reversed_once")[0].examples == (paid,)


def test_amounts_that_are_not_positive_whole_fen_are_found(spare):
    engine = spare(("fund_entries", "ck_fund_entries_signed_amount"))
    with engine.begin() as conn:
        zero = post_late(conn, "income", 0, "T-1")
        expected = {"ledger_amounts": 1}
        if conn.dialect.name == "sqlite":  # only SQLite keeps 12.5 in a BIGINT column
            post_late(conn, "income", 12.5, "T-2")
            expected = {"ledger_amounts": 2}
    report = check_database(engine)
    assert problems(report) == expected
    assert report.of("ledger_amounts")[0].examples[0] == zero


def test_a_voucher_number_used_twice_is_found(spare):
    engine = spare(("fund_entries", "uq_fund_entries_voucher_no"))
    with engine.begin() as conn:
        first_id, voucher = conn.execute(text(
            "SELECT id, voucher_no FROM fund_entries ORDER BY id LIMIT 1")).one()
        post_late(conn, "income", 100, voucher)
    report = check_database(engine)
    assert problems(report) == {"ledger_vouchers_unique": 1}
    assert report.of("ledger_vouchers_unique")[0].examples == (first_id,)


def test_a_voucher_counter_behind_the_vouchers_used_is_found(demo, engine):
    year = scalar(demo, "SELECT MAX(year) FROM fund_voucher_counters")
    demo.execute(text("UPDATE fund_voucher_counters SET last = last - 1 WHERE year = :y"),
                 {"y": year})
    demo.commit()
    report = check_database(engine)
    assert problems(report) == {"ledger_voucher_counters": 1}
    assert report.of("ledger_voucher_counters")[0].examples == (year,)


# --- relief -----------------------------------------------------------------------------------

def test_paid_applications_without_their_entry_or_of_another_amount_are_found(demo, engine):
    payments = demo.execute(text(
        "SELECT e.id, e.application_id FROM fund_entries e WHERE e.application_id IS NOT NULL "
        "AND e.reverses_id IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM fund_entries r WHERE r.reverses_id = e.id) ORDER BY e.id LIMIT 2")).all()
    (entry, lost), (_entry, changed) = payments
    demo.execute(text("DELETE FROM fund_entries WHERE id = :id"), {"id": entry})
    demo.execute(text("UPDATE relief_applications SET amount_fen = amount_fen + 1 "
                      "WHERE id = :id"), {"id": changed})
    demo.commit()
    report = check_database(engine)
    assert problems(report) == {"relief_payments_match": 2}
    assert report.of("relief_payments_match")[0].examples == tuple(sorted((lost, changed)))


def test_an_application_approved_twice_by_one_person_is_found(demo, engine):
    application = scalar(demo, "SELECT MIN(id) FROM relief_applications WHERE state = 'paid'")
    demo.execute(text("UPDATE relief_applications SET district_approved_by = "
                      "school_approved_by WHERE id = :id"), {"id": application})
    demo.commit()
    report = check_database(engine)
    assert problems(report) == {"relief_approvers_distinct": 1}
    assert report.of("relief_approvers_distinct")[0].examples == (application,)


# --- motions ----------------------------------------------------------------------------------

def test_motions_whose_state_disagrees_with_their_history_are_found(demo, engine):
    handling = scalar(demo, "SELECT MIN(id) FROM motions WHERE state = 'handling'")
    draft = scalar(demo, "SELECT MIN(id) FROM motions WHERE state = 'draft'")
    demo.execute(text("UPDATE motions SET state = 'replied' WHERE id = :id"), {"id": handling})
    demo.execute(text("DELETE FROM motion_events WHERE motion_id = :id"), {"id": draft})
    demo.commit()
    report = check_database(engine)
    assert problems(report) == {"motion_state_matches_history": 2}
    assert report.of("motion_state_matches_history")[0].examples == tuple(
        sorted((handling, draft)))


def test_a_motion_in_a_state_outside_the_lifecycle_is_found(spare):
    engine = spare(("motions", "ck_motions_known_state"))
    with engine.begin() as conn:
        motion = scalar(conn, "SELECT MIN(id) FROM motions")
        conn.execute(text("UPDATE motions SET state = 'lost' WHERE id = :id"), {"id": motion})
    report = check_database(engine)
    # Its latest step does not lead to 'lost' either.
    assert problems(report) == {"motion_states_known": 1, "motion_state_matches_history": 1}
    assert report.of("motion_states_known")[0].examples == (motion,)


# --- competitions -----------------------------------------------------------------------------

def test_a_sheet_confirmed_by_who_entered_it_and_a_score_above_the_maximum_are_found(
        demo, engine):
    sheet = scalar(demo, "SELECT MIN(id) FROM competition_sheets WHERE confirmed_by IS NOT NULL")
    score = scalar(demo, "SELECT MIN(id) FROM competition_scores")
    demo.execute(text("UPDATE competition_sheets SET confirmed_by = entered_by WHERE id = :id"),
                 {"id": sheet})
    demo.execute(text("UPDATE competition_scores SET score = 1000 WHERE id = :id"), {"id": score})
    demo.commit()
    report = check_database(engine)
    assert problems(report) == {"competition_sheets_confirmed_by_other": 1,
                                "competition_scores_in_range": 1}
    assert report.of("competition_sheets_confirmed_by_other")[0].examples == (sheet,)
    assert report.of("competition_scores_in_range")[0].examples == (score,)


# --- orphans and migrations -------------------------------------------------------------------

def test_rows_whose_foreign_key_points_nowhere_are_found_per_key(spare):
    engine = spare()
    with foreign_keys_off(engine) as conn:
        staff = [int(i) for i in conn.execute(text(
            "SELECT id FROM staff WHERE department_id IS NOT NULL ORDER BY id LIMIT 2")).scalars()]
        conn.execute(text("UPDATE staff SET department_id = 999999 WHERE id IN (:a, :b)"),
                     {"a": staff[0], "b": staff[1]})
        entry = scalar(conn, "SELECT MIN(id) FROM fund_entries")
        conn.execute(text("UPDATE fund_entries SET staff_id = 999998 WHERE id = :id"),
                     {"id": entry})
    report = check_database(engine)
    assert problems(report) == {"orphan_rows": 3}
    assert sorted((f.params["column"], f.params["parent"], f.count, f.examples)
                  for f in report.of("orphan_rows")) == [
        ("fund_entries.staff_id", "staff.id", 1, (entry,)),
        ("staff.department_id", "departments.id", 2, tuple(staff)),
    ]


def test_a_database_one_migration_behind_fails_the_migrations_check(spare):
    engine = spare(demo=False)
    command.downgrade(alembic_config(engine), "-1")
    report = check_database(engine)
    assert report.findings[0].check == "migrations_at_head"
    assert (report.findings[0].status, report.findings[0].params) == (
        "problem", {"current": "0004", "head": "0005"})
    # The rest may read tables that do not exist yet: skipped, not run.
    assert {f.status for f in report.findings[1:]} == {"skipped"}
    assert problems(report) == {"migrations_at_head": 1}


# --- python -m db -----------------------------------------------------------------------------

def run_db(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "db", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={**os.environ, "UNION_DATABASE_URL": url, **env})


def test_cli_check_passes_the_demo_and_fails_a_damaged_database(demo_db_url, spare):
    good = run_db(demo_db_url, "check", "--json")
    assert good.returncode == 0, good.stderr
    document = json.loads(good.stdout)
    assert document["ok"] is True
    assert [f["check"] for f in document["findings"]] == list(CHECK_NAMES)

    engine = spare()
    with engine.begin() as conn:
        conn.execute(text("UPDATE fund_voucher_counters SET last = 0"))
        years = scalar(conn, "SELECT COUNT(*) FROM fund_voucher_counters")
    url = engine.url.render_as_string(hide_password=False)
    damaged = run_db(url, "check", "--json", "--lang", "en")
    assert damaged.returncode == 1, damaged.stderr
    found = {f["check"]: f for f in json.loads(damaged.stdout)["findings"]}
    assert (found["ledger_voucher_counters"]["status"],
            found["ledger_voucher_counters"]["count"]) == ("problem", years)
    assert found["ledger_voucher_counters"]["message"] == (
        "Years whose voucher counter is behind the highest voucher number used "
        f"(new postings of that year would fail): {years}")
    assert [f for f, v in found.items() if v["status"] != "ok"] == ["ledger_voucher_counters"]

    text_out = run_db(url, "check", UNION_LANGUAGE="en")
    assert text_out.returncode == 1
    lines = text_out.stdout.splitlines()
    assert len(lines) == 15
    assert lines[6].split()[:3] == ["PROBLEM", "ledger_voucher_counters", str(years)]
    assert lines[-1].startswith("1 of 14 checks found problems")
    assert run_db(url, "check", "--lang", "zh").stdout.splitlines()[-1].startswith(
        "14 项检查中有 1 项发现问题")


def test_cli_health_and_migrate(databases):
    url = databases.new_url()
    migrated = run_db(url, "migrate", "--json")
    assert migrated.returncode == 0, migrated.stderr
    assert json.loads(migrated.stdout) | {"database": ""} == {
        "ok": True, "before": "-", "after": "0005", "database": ""}
    again = run_db(url, "migrate", "--lang", "en")
    assert (again.returncode, again.stdout) == (0, "Already at head 0005: nothing to do\n")

    health = run_db(url, "health", "--json")
    assert health.returncode == 0, health.stderr
    document = json.loads(health.stdout)
    assert (document["ok"], document["revision"], document["head"], document["at_head"]) == (
        True, "0005", "0005", True)
    assert 0 <= document["latency_ms"] < 5000
    plain = run_db(url, "health", "--lang", "en")
    assert plain.returncode == 0
    assert plain.stdout.startswith("Database reachable: SELECT 1 in ")
    assert plain.stdout.rstrip().endswith("revision 0005, head 0005")


@pytest.mark.parametrize("args", [("check",), ("check", "--json"), ("health",),
                                  ("health", "--json")])
def test_cli_unreachable_postgres_exits_2_without_the_password(args):
    done = run_db(UNREACHABLE_PG, *args, "--lang", "en")
    assert done.returncode == 2
    assert SECRET not in done.stdout + done.stderr
    assert "postgres:***@127.0.0.1:1/x" in done.stdout + done.stderr
    if "--json" in args:
        assert json.loads(done.stdout)["reachable"] is False
    else:
        assert done.stderr.startswith("Cannot reach the database ")
        assert len(done.stderr.strip().splitlines()) == 1


def test_cli_missing_sqlite_file_exits_2_and_creates_nothing(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    path = folder / "missing" / "union.db"
    for command_name in ("check", "health"):
        done = run_db(f"sqlite:///{path}", command_name, "--lang", "en")
        assert done.returncode == 2
        assert done.stderr.strip() == (
            f"Cannot reach the database sqlite:///{path}: No database file at {path}")
    assert list(folder.iterdir()) == []


# --- the district at scale --------------------------------------------------------------------

@pytest.mark.skipif(not SCALE_DB.is_file(), reason=f"no scale database at {SCALE_DB}")
def test_check_time_on_the_scale_database():
    """`python -m seeds --scale 1` builds one (~50 s); point UNION_INTEGRITY_SCALE_DB at it."""
    engine = make_engine(f"sqlite:///{SCALE_DB}")
    started = time.perf_counter()
    report = check_database(engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    print(f"\ncheck_database on {SCALE_DB.name}: {seconds:.2f} s; " + ", ".join(
        f"{name} {spent:.2f}" for name, spent in report.seconds.items()))
    assert report.ok
    assert seconds < 30
