"""Backup and restore of the embedded SQLite database (`python -m db backup | restore`).

These always run on SQLite files of their own, whatever backend the suite runs on: the
commands exist only for the embedded database (PostgreSQL has pg_dump, in the README).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from db.__main__ import main
from db.engine import make_engine, make_sessionmaker, transaction
from db.models import Account
from services import backup as backup_module
from services.backup import APPLICATION_ID, inspect_backup, make_backup, restore_backup
from services.errors import DomainError
from tests.conftest import ROOT, load_demo_into


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A demo database in a file, set as the configured database."""
    url = load_demo_into(f"sqlite:///{tmp_path / 'union.db'}")
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    return url


NEW_ACCOUNT = ("INSERT INTO accounts (username, display_name, password_hash, enabled, "
               "failed_logins, created_at) VALUES (:u, :u, 'x', 1, 0, '2026-11-25')")


def count(url: str, table: str) -> int:
    with closing(sqlite3.connect(url.split("///", 1)[1])) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def add_account(url: str, username: str) -> None:
    with closing(sqlite3.connect(url.split("///", 1)[1])) as conn:
        conn.execute(NEW_ACCOUNT.replace(":u", "?"), (username, username))
        conn.commit()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_backup_is_stamped_complete_and_checked(live, tmp_path, capsys):
    code, out = run(capsys, "backup", "--to", str(tmp_path / "b.db"))
    assert code == 0 and out["ok"] is True
    assert out["revision"] == "0005"
    with closing(sqlite3.connect(tmp_path / "b.db")) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID == 0x554E444B
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    for table in ("accounts", "fund_entries", "motions", "feedback_cases"):
        assert count(f"sqlite:///{tmp_path / 'b.db'}", table) == count(live, table)
    assert not list(tmp_path.glob("*.partial"))


def test_default_backup_goes_beside_the_database_named_by_time(live, tmp_path, capsys):
    code, out = run(capsys, "backup")
    assert code == 0
    made = Path(out["file"])
    assert made.parent == tmp_path / "backups"
    assert made.name.startswith("union-") and made.suffix == ".db"
    assert len(made.stem) == len("union-20261125-140312")


def test_backup_never_overwrites_and_needs_a_database(live, tmp_path, capsys, monkeypatch):
    (tmp_path / "b.db").write_bytes(b"keep me")
    code, out = run(capsys, "backup", "--to", str(tmp_path / "b.db"))
    assert (code, out["ok"]) == (2, False)
    assert "already exists" in main_message(capsys, "backup", "--to", str(tmp_path / "b.db"))
    assert (tmp_path / "b.db").read_bytes() == b"keep me"
    monkeypatch.setenv("UNION_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    assert main(["backup", "--lang", "en"]) == 2
    assert "There is no database file" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def main_message(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main([*argv, "--lang", "en"]) == 2
    return capsys.readouterr().err


def test_postgresql_is_sent_to_pg_dump(monkeypatch, capsys):
    monkeypatch.setenv("UNION_DATABASE_URL", "postgresql://u@127.0.0.1:5432/union")
    assert "pg_dump" in main_message(capsys, "backup")
    assert "pg_restore" in main_message(capsys, "restore", "x.db")


def pad(url: str, megabytes: int) -> None:
    """Make the database bigger than one old copy step (1024 pages of 4 KiB)."""
    with closing(sqlite3.connect(url.split("///", 1)[1])) as conn:
        conn.execute("CREATE TABLE padding (body BLOB)")
        conn.execute("INSERT INTO padding VALUES (zeroblob(?))", (megabytes * 1024 * 1024,))
        conn.commit()


def test_backup_while_the_app_writes_is_one_consistent_moment(live, tmp_path):
    """A writer keeps committing until the backup returns (at most 8 s); the backup still
    finishes, and the copy holds some prefix of its work, whole rows only, and passes every
    invariant check. Copied in steps, each commit would restart the copy."""
    pad(live, 6)
    engine = make_engine(live)
    factory = make_sessionmaker(engine)
    stop = threading.Event()
    started = threading.Event()
    written: list[int] = []
    gave_up: list[bool] = []

    def write() -> None:
        n, deadline = 0, time.monotonic() + 8
        while not stop.is_set() and time.monotonic() < deadline:
            with transaction(factory) as s:
                s.execute(text(NEW_ACCOUNT), {"u": f"writer{n}"})
            n += 1
            started.set()
        written.append(n)
        gave_up.append(not stop.is_set())

    before = count(live, "accounts")
    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert started.wait(10)
        info = make_backup(live, tmp_path / "during.db")
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert gave_up == [False]   # the backup returned while the writer was still writing
    copied = count(f"sqlite:///{info.path}", "accounts")
    assert before + 1 <= copied <= before + written[0]
    with closing(sqlite3.connect(info.path)) as conn:   # the copied writers are 0..k-1
        names = {r[0] for r in conn.execute(
            "SELECT username FROM accounts WHERE username LIKE 'writer%'")}
    assert names == {f"writer{i}" for i in range(copied - before)}
    assert inspect_backup(info.path).revision == "0005"
    checked = make_engine(f"sqlite:///{info.path}")
    try:
        from services.integrity import check_database
        assert check_database(checked).ok
    finally:
        checked.dispose()


def test_restore_brings_back_the_backup_and_keeps_what_it_replaced(live, tmp_path, capsys):
    make_backup(live, tmp_path / "b.db")
    accounts = count(live, "accounts")
    add_account(live, "after_backup")
    assert count(live, "accounts") == accounts + 1
    code, out = run(capsys, "restore", str(tmp_path / "b.db"))
    assert code == 0 and out["ok"] is True
    assert count(live, "accounts") == accounts
    kept = Path(out["kept_previous"])
    assert kept.parent == tmp_path / "backups" and "before-restore" in kept.name
    assert count(f"sqlite:///{kept}", "accounts") == accounts + 1   # the undo is there
    checks = {f["check"]: f["status"] for f in out["findings"]}
    assert len(checks) == 14 and set(checks.values()) == {"ok"}


def test_a_running_app_sees_the_restored_data_without_a_restart(live, tmp_path):
    engine = make_engine(live)   # the app's pooled connection stays open across the restore
    try:
        with engine.connect() as conn:
            before = conn.execute(select(func.count()).select_from(Account)).scalar_one()
        make_backup(live, tmp_path / "b.db")
        add_account(live, "after_backup")
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Account)).scalar_one() == \
                before + 1
        restore_backup(live, tmp_path / "b.db", keep_current=None)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Account)).scalar_one() == before
    finally:
        engine.dispose()


def test_restore_onto_a_new_machine_creates_the_database(tmp_path, monkeypatch, capsys,
                                                          live):
    make_backup(live, tmp_path / "b.db")
    target = tmp_path / "fresh" / "union.db"
    monkeypatch.setenv("UNION_DATABASE_URL", f"sqlite:///{target}")
    code, out = run(capsys, "restore", str(tmp_path / "b.db"))
    assert code == 0 and out["kept_previous"] is None
    assert count(f"sqlite:///{target}", "accounts") == count(live, "accounts")


def other_sqlite(path: Path, *, stamp: bool, alembic: str | None) -> Path:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        if stamp:
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        if alembic is not None:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
            conn.execute("INSERT INTO alembic_version VALUES (?)", (alembic,))
        conn.commit()
    return path


@pytest.mark.parametrize(("make", "words"), [
    (lambda d: d / "missing.db", "There is no file"),
    (lambda d: _write(d / "text.db", b"not a database at all\n"), "is not a backup"),
    (lambda d: _write(d / "empty.db", b""), "is not a backup"),
    (lambda d: _write(d / "sheet.xlsx", b"PK\x03\x04" + b"\0" * 200), "is not a backup"),
    (lambda d: other_sqlite(d / "other.db", stamp=False, alembic="0005"), "is not a backup"),
    (lambda d: other_sqlite(d / "stamped.db", stamp=True, alembic=None), "is not a backup"),
    (lambda d: other_sqlite(d / "newer.db", stamp=True, alembic="0099_future"), "newer version"),
], ids=["missing", "text", "empty", "zip", "unstamped", "no-schema", "newer"])
def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(live, tmp_path, capsys,
                                                                  make, words):
    before = {table: count(live, table) for table in ("accounts", "fund_entries", "motions")}
    source = make(tmp_path)
    assert words in main_message(capsys, "restore", str(source))
    assert {table: count(live, table) for table in before} == before
    assert not (tmp_path / "backups").exists()   # refused before keeping anything


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_restore_refuses_a_damaged_backup(live, tmp_path, capsys):
    info = make_backup(live, tmp_path / "b.db")
    data = bytearray(info.path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 8192] = b"\xff" * 8192   # pages in the middle
    info.path.write_bytes(bytes(data))
    message = main_message(capsys, "restore", str(info.path))
    assert "damaged" in message or "is not a backup" in message
    assert count(live, "accounts") == 7


def test_restore_refuses_the_live_database_itself(live, capsys):
    with closing(sqlite3.connect(live.split("///", 1)[1])) as conn:
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.commit()
    assert "is the live database itself" in main_message(
        capsys, "restore", live.split("///", 1)[1])


def test_restore_reports_a_broken_ledger_in_the_backup(live, tmp_path, capsys):
    """A backup taken from a database someone edited by hand restores, and the check that
    follows names the problem (exit 1) instead of letting the app start on it silently."""
    with closing(sqlite3.connect(live.split("///", 1)[1])) as conn:
        conn.execute("PRAGMA ignore_check_constraints=ON")   # what the app itself never does
        conn.execute("UPDATE fund_entries SET amount_fen = amount_fen + 1 WHERE id = "
                     "(SELECT min(id) FROM fund_entries WHERE reverses_id IS NOT NULL)")
        conn.commit()
    make_backup(live, tmp_path / "b.db")
    code, out = run(capsys, "restore", str(tmp_path / "b.db"))
    assert code == 1 and out["ok"] is False
    problems = {f["check"] for f in out["findings"] if f["status"] == "problem"}
    assert problems == {"ledger_reversals_match"}   # the reversal no longer matches


def test_restore_is_refused_before_touching_the_live_file(live, tmp_path):
    with pytest.raises(DomainError) as refused:
        restore_backup(live, tmp_path / "nothing.db", keep_current=tmp_path / "kept.db")
    assert refused.value.key == "backup.no_file"
    assert not (tmp_path / "kept.db").exists()


def test_readme_gives_both_recipes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for words in ("python -m db backup", "python -m db restore", "pg_dump -Fc",
                  "pg_restore -d", "python -m db check"):
        assert words in readme, words


# --- restore over a live file that is itself broken, locked or unwritable ---------------------

def live_file(url: str) -> Path:
    return Path(url.split("///", 1)[1])


def _damage_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 8192] = b"\xff" * 8192
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [
    _damage_middle,
    lambda path: path.write_bytes(b""),
    lambda path: path.write_bytes(b"this was overwritten by an editor\n" * 300),
], ids=["damaged-pages", "zero-bytes", "not-sqlite"])
def test_restore_repairs_a_broken_live_database_and_keeps_it_as_it_was(live, tmp_path, capsys,
                                                                        damage):
    """Restore exists for this case: the file being replaced is never inspected like a
    backup, only copied aside."""
    make_backup(live, tmp_path / "b.db")
    damage(live_file(live))
    broken = live_file(live).read_bytes()
    code, out = run(capsys, "restore", str(tmp_path / "b.db"))
    assert (code, out["ok"]) == (0, True)
    assert count(live, "accounts") == 7
    with closing(sqlite3.connect(live_file(live))) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = Path(out["kept_previous"])
    assert kept.parent == tmp_path / "backups" and "before-restore" in kept.name
    assert kept.stat().st_size == len(broken)
    assert out["kept_warning"] is None
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_a_damaged_live_database_is_kept_byte_for_byte_with_its_wal(live, tmp_path):
    """When SQLite cannot read the old file at all, it and its -wal are copied as they are."""
    make_backup(live, tmp_path / "b.db")
    garbage = b"\x00garbage that is no database" * 500
    live_file(live).write_bytes(garbage)
    Path(f"{live_file(live)}-wal").write_bytes(b"wal bytes")
    done = restore_backup(live, tmp_path / "b.db", keep_current=tmp_path / "kept.db")
    assert done.kept == tmp_path / "kept.db" and done.kept_warning is None
    assert (tmp_path / "kept.db").read_bytes() == garbage
    assert Path(f"{tmp_path / 'kept.db'}-wal").read_bytes() == b"wal bytes"
    assert count(live, "accounts") == 7


def test_restore_goes_on_when_the_old_file_cannot_be_kept(live, tmp_path, capsys):
    make_backup(live, tmp_path / "b.db")
    add_account(live, "after_backup")
    (tmp_path / "backups").write_bytes(b"a file where the folder would go")
    assert main(["restore", str(tmp_path / "b.db"), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "could not be kept" in printed and "Restored from" in printed
    assert count(live, "accounts") == 7   # restored all the same
    assert run(capsys, "restore", str(tmp_path / "b.db"))[1]["kept_previous"] is None


def test_the_cli_says_where_the_old_file_was_kept(live, tmp_path, capsys):
    make_backup(live, tmp_path / "b.db")
    assert main(["restore", str(tmp_path / "b.db"), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    kept = next((tmp_path / "backups").glob("union-before-restore-*.db"))
    assert f"is kept at {kept}" in printed


def test_restore_gives_up_on_a_write_lock_and_changes_nothing(live, tmp_path, monkeypatch):
    """Another connection holds BEGIN IMMEDIATE: restore waits a bounded time, then says the
    database is busy, instead of retrying forever."""
    monkeypatch.setattr(backup_module, "BUSY_SECONDS", 0.5, raising=False)
    make_backup(live, tmp_path / "b.db")
    add_account(live, "after_backup")
    holder = sqlite3.connect(live_file(live), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    outcome: list[BaseException | None] = []

    def restore() -> None:
        try:
            restore_backup(live, tmp_path / "b.db", keep_current=tmp_path / "kept.db")
            outcome.append(None)
        except BaseException as error:   # handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=restore)
    started = time.monotonic()
    worker.start()
    worker.join(timeout=8)
    finished_while_locked = not worker.is_alive()
    holder.rollback()
    holder.close()
    worker.join()
    assert finished_while_locked, "restore kept waiting for the lock"
    assert time.monotonic() - started < 8
    refused = outcome[0]
    assert isinstance(refused, DomainError) and refused.key == "backup.busy"
    assert "0.5" in refused.message("en")
    assert "数据库正被其他程序写入" in refused.message("zh")
    assert count(live, "accounts") == 8   # not half restored: the account added after stays
    assert not (tmp_path / "kept.db").exists()


def test_a_sqlite_error_is_a_short_message_not_a_traceback(tmp_path, monkeypatch, capsys, live):
    make_backup(live, tmp_path / "b.db")
    (tmp_path / "folder.db").mkdir()   # the configured database is a directory
    monkeypatch.setenv("UNION_DATABASE_URL", f"sqlite:///{tmp_path / 'folder.db'}")
    assert main(["restore", str(tmp_path / "b.db"), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "unable to open database file" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, out = run(capsys, "restore", str(tmp_path / "b.db"))
    assert code == 2 and out["ok"] is False and "unable to open" in out["error"]


def test_a_write_between_copy_steps_cannot_restart_the_backup(live, tmp_path, monkeypatch):
    """The app commits after every step the copy reports; copied in steps, each commit would
    send the copy back to the start. One step takes the whole snapshot."""
    pad(live, 6)   # 1,500+ pages: more than one of the old 1,024-page steps
    steps: list[int] = []

    def commit_after_each_step(_seconds: float):
        def progress(_status: int, remaining: int, _total: int) -> None:
            steps.append(remaining)
            assert len(steps) < 20, "the copy keeps restarting"
            add_account(live, f"between{len(steps)}")
        return progress

    monkeypatch.setattr(backup_module, "_give_up_when_busy", commit_after_each_step,
                        raising=False)
    info = make_backup(live, tmp_path / "b.db")
    assert steps == [0]
    assert count(f"sqlite:///{info.path}", "accounts") == 7   # the moment before the write
    assert count(live, "accounts") == 8
