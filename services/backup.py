"""Backups of the embedded SQLite database, and their restore.

A backup is made with SQLite's online backup API in one step: under WAL the copy reads one
snapshot while the app keeps serving (and writing), so it is one consistent moment, and no
write can restart it. Each backup is stamped with this app's application id; restore refuses
any file without the stamp, a damaged file, or one from a newer version of the app. Before it
overwrites the live database, restore keeps a raw copy of the current file beside the backups,
never inspected (a broken live file is why one restores), so a wrong restore can itself be
undone; if even that copy fails, restore says so and goes on. A write lock held by another
program is waited for at most BUSY_SECONDS. Afterwards the ledger invariants are checked again
(services/integrity.py).

PostgreSQL is backed up with pg_dump / pg_restore (README, Operations).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from db.migrate import MIGRATIONS_DIR
from services.errors import DomainError

# "UNDK" in PRAGMA application_id marks a file made by `python -m db backup`.
APPLICATION_ID = 0x554E444B
SQLITE_HEADER = b"SQLite format 3\x00"
ALL_PAGES = -1   # one step: copied in steps, each write by the app would restart the copy
BUSY_SECONDS = 10.0   # how long a restore waits for another program's write lock
# Python retries SQLITE_BUSY / SQLITE_LOCKED forever unless the progress callback raises.
BUSY_CODES = {getattr(sqlite3, "SQLITE_BUSY", 5), getattr(sqlite3, "SQLITE_LOCKED", 6)}


class _StillBusy(Exception):
    """Raised from the progress callback to abort a copy that keeps finding a lock."""


def _give_up_when_busy(seconds: float) -> Callable[[int, int, int], None]:
    """A progress callback for Connection.backup that aborts once the copy has met a lock
    for `seconds`."""
    deadline = time.monotonic() + seconds

    def progress(status: int, _remaining: int, _total: int) -> None:
        if status in BUSY_CODES and time.monotonic() >= deadline:
            raise _StillBusy
    return progress


def _seconds(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    revision: str
    tables: int
    made_at: str   # local time the file was written, 2026-11-25 14:03


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; anything else is refused (PostgreSQL has pg_dump)."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DomainError("backup.not_sqlite") from error
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise DomainError("backup.not_sqlite")
    return Path(parsed.database)


def default_backup_path(live: Path, now: dt.datetime, label: str = "") -> Path:
    """backups/ beside the database, named after it and the time: union-20261125-140312.db"""
    return live.parent / "backups" / f"{live.stem}{label}-{now:%Y%m%d-%H%M%S}.db"


def make_backup(url: str, destination: Path) -> BackupInfo:
    """Copy the live database into `destination` (a new file) and stamp it."""
    live = sqlite_path(url)
    if not live.is_file():
        raise DomainError("backup.no_database", path=str(live))
    if destination.exists():
        raise DomainError("backup.exists", path=str(destination))
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy, pages=ALL_PAGES, progress=_give_up_when_busy(BUSY_SECONDS))
            copy.execute("PRAGMA journal_mode=DELETE")   # one self-contained file
            copy.execute(f"PRAGMA application_id={APPLICATION_ID}")
            copy.commit()
        info = inspect_backup(partial)
        partial.rename(destination)   # a crash never leaves a half-written backup behind
    except _StillBusy:
        partial.unlink(missing_ok=True)
        raise DomainError("backup.busy_backup", seconds=_seconds(BUSY_SECONDS)) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupInfo(destination, destination.stat().st_size, info.revision, info.tables,
                      info.made_at)


def inspect_backup(path: Path) -> BackupInfo:
    """What a backup file holds; refuses a file that is not a sound backup of this app."""
    if not path.is_file():
        raise DomainError("backup.no_file", path=str(path))
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DomainError("backup.not_a_backup", path=str(path))
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            (app_id,) = conn.execute("PRAGMA application_id").fetchone()
            if app_id != APPLICATION_ID:
                raise DomainError("backup.not_a_backup", path=str(path))
            (verdict,) = conn.execute("PRAGMA integrity_check(1)").fetchone()
            if verdict != "ok":
                raise DomainError("backup.damaged", path=str(path), detail=verdict)
            names = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in names:
                raise DomainError("backup.not_a_backup", path=str(path))
            tables = len(names)
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as error:
        raise DomainError("backup.damaged", path=str(path), detail=str(error)) from error
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    if len(rows) != 1:
        raise DomainError("backup.not_a_backup", path=str(path))
    revision = rows[0][0]
    if revision not in known:
        raise DomainError("backup.newer_version", path=str(path), revision=revision)
    made_at = dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return BackupInfo(path, path.stat().st_size, revision, tables, made_at)


@dataclass(frozen=True)
class Restored:
    path: Path
    revision: str
    kept: Path | None            # where the replaced file was copied, if there was one
    kept_warning: str | None     # why it could not be copied; the restore went on anyway


def keep_raw_copy(live: Path, destination: Path) -> None:
    """Copy the file about to be replaced to `destination`, whatever state it is in: through
    SQLite when it can read it (one consistent file, stamped so it can be restored), else the
    bytes of the file and its -wal / -shm as they are. Raises OSError if neither works."""
    if destination.exists():
        raise FileExistsError(f"{destination} already exists")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    if _has_sqlite_header(live):
        try:
            with closing(sqlite3.connect(f"file:{live}?mode=ro", uri=True)) as source, \
                    closing(sqlite3.connect(partial)) as copy:
                source.backup(copy, pages=ALL_PAGES,
                              progress=_give_up_when_busy(BUSY_SECONDS))
                copy.execute("PRAGMA journal_mode=DELETE")
                copy.execute(f"PRAGMA application_id={APPLICATION_ID}")
                copy.commit()
            partial.rename(destination)
            return
        except _StillBusy:
            partial.unlink(missing_ok=True)
            raise
        except sqlite3.Error:   # unreadable to SQLite: copy the bytes below
            partial.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{live}{suffix}").is_file():
            shutil.copy2(f"{live}{suffix}", f"{destination}{suffix}")


def restore_backup(url: str, source: Path, *, keep_current: Path | None) -> Restored:
    """Overwrite the live database with `source`, after keeping a raw copy of the current file
    at `keep_current` (when there is one; a failure to keep it is reported, not a refusal).
    The caller migrates and checks afterwards."""
    info = inspect_backup(source)
    live = sqlite_path(url)
    if live.exists() and live.resolve() == source.resolve():
        raise DomainError("backup.same_file", path=str(source))
    kept, warning = None, None
    if keep_current is not None and live.is_file():
        try:
            keep_raw_copy(live, keep_current)
            kept = keep_current
        except _StillBusy:
            raise DomainError("backup.busy", seconds=_seconds(BUSY_SECONDS)) from None
        except OSError as error:
            warning = str(error)
    live.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write_into(live, source)
    except _StillBusy:   # the copy was aborted inside SQLite's transaction: nothing written
        if kept is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{kept}{suffix}").unlink(missing_ok=True)
        raise DomainError("backup.busy", seconds=_seconds(BUSY_SECONDS)) from None
    return Restored(info.path, info.revision, kept, warning)


def _write_into(live: Path, source: Path) -> None:
    if live.is_file() and live.stat().st_size > 0 and not _has_sqlite_header(live):
        # Not a database at all, so no app can be using it: replace the file, and drop a
        # -wal / -shm that would otherwise be replayed onto the restored data.
        fresh = live.with_name(live.name + ".restoring")
        fresh.unlink(missing_ok=True)
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup, \
                closing(sqlite3.connect(fresh)) as target:
            backup.backup(target, pages=ALL_PAGES)
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        fresh.replace(live)
        return
    # The backup API writes into the live file through SQLite's own locking, so a running
    # app sees the restored data at its next query instead of a file swapped under it. A
    # short busy timeout: the deadline in the progress callback decides when to give up.
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup, \
            closing(sqlite3.connect(live, timeout=0.1)) as target:
        backup.backup(target, pages=ALL_PAGES, progress=_give_up_when_busy(BUSY_SECONDS))


def _has_sqlite_header(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
