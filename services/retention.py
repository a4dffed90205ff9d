"""Deleting what is kept only for a while: closed feedback cases after their period.

    python -m services.retention        # once, e.g. from cron; the app also checks daily

On SQLite the deleted pages are overwritten (secure_delete) and the write-ahead log is
checkpointed and truncated, so the text does not linger in either file.
"""

from __future__ import annotations

import datetime as dt
import sys

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_to_head
from services.config import feedback_retention_days
from services.feedback import purge_closed_cases
from services.logs import log_event

BATCH = 1000  # cases per transaction, so other writers never wait long for the lock


def purge_expired(factory: sessionmaker[Session], today: dt.date | None = None) -> int:
    """Run every retention rule, in short transactions; returns how many cases were deleted.
    Stopping halfway loses nothing: each batch is whole, and the next run goes on."""
    deleted = 0
    while True:
        with transaction(factory) as session:
            batch = purge_closed_cases(session, today=today, days=feedback_retention_days(),
                                       limit=BATCH)
        deleted += batch
        if batch < BATCH:
            break
    engine = factory.kw["bind"]
    if deleted and engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    log_event("retention.done", deleted=deleted, days=feedback_retention_days())
    return deleted


def main() -> int:
    engine = make_engine()
    upgrade_to_head(engine)
    deleted = purge_expired(make_sessionmaker(engine))
    print(f"deleted {deleted} closed feedback case(s) older than "
          f"{feedback_retention_days()} days", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
