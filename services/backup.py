"""Backups of the embedded SQLite database, and their restore.

A backup is made with SQLite's online backup API, so the app keeps serving (and writing)
while it runs and the copy is one consistent moment. Each backup is stamped with this app's
application id; restore refuses any file without the stamp, a damaged file, or one from a
newer version of the app. Before it overwrites the live database, restore keeps the current
one beside the backups, so a wrong restore can itself be undone. Afterwards the ledger
invariants are checked again (services/integrity.py).

PostgreSQL is backed up with pg_dump / pg_restore (README, Operations).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
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
PAGES_PER_STEP = 1024   # the live database stays writable between steps of the copy


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
            source.backup(copy, pages=PAGES_PER_STEP)
            copy.execute("PRAGMA journal_mode=DELETE")   # one self-contained file
            copy.execute(f"PRAGMA application_id={APPLICATION_ID}")
            copy.commit()
        info = inspect_backup(partial)
        partial.rename(destination)   # a crash never leaves a half-written backup behind
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


def restore_backup(url: str, source: Path, *, keep_current: Path | None) -> BackupInfo:
    """Overwrite the live database with `source`, after keeping the current one at
    `keep_current` (when there is one). The caller migrates and checks afterwards."""
    info = inspect_backup(source)
    live = sqlite_path(url)
    if live.exists() and live.resolve() == source.resolve():
        raise DomainError("backup.same_file", path=str(source))
    if keep_current is not None and live.is_file():
        make_backup(url, keep_current)
    live.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes into the live file through SQLite's own locking, so a running
    # app sees the restored data at its next query instead of a file swapped under it.
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup, \
            closing(sqlite3.connect(live)) as target:
        backup.backup(target, pages=PAGES_PER_STEP)
    return info
