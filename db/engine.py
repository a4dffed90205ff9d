"""Where the SQL store lives and how we connect to it.

Embedded default: a SQLite file under `data/` (WAL, foreign keys, busy timeout).
Production: PostgreSQL through psycopg 3 when `UNION_DATABASE_URL` is set (services/config.py
reads every setting); each process keeps a small pool, sized by the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from services import config

PROJECT_ROOT = config.PROJECT_ROOT
DATA_DIR = config.data_dir()
SQLITE_BUSY_TIMEOUT_MS = 5000


def database_url() -> str:
    return normalise_url(config.database_url())


def normalise_url(url: str) -> str:
    # Plain postgresql:// URLs would pick psycopg2; we ship psycopg 3.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_embedded(url: str | None = None) -> bool:
    return (url or database_url()).startswith("sqlite")


def _no_row_values(record: logging.LogRecord) -> bool:
    """SQLAlchemy logs result rows at DEBUG; they may hold feedback text, so never log them."""
    return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


logging.getLogger("sqlalchemy.engine.Engine").addFilter(_no_row_values)


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    # hide_parameters: SQL logs and error messages never carry values such as feedback text.
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_pre_ping=True,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    # Each app process holds at most size + overflow connections: the README sizes them
    # against PostgreSQL's max_connections for N processes.
    pool = config.pool()
    return create_engine(
        url, pool_pre_ping=True, pool_size=pool.size, max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout, pool_recycle=1800, hide_parameters=True,
        connect_args={"connect_timeout": 5, "application_name": "union-desk"},
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows (expired feedback cases) are overwritten with zeros, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin_before_savepoint(conn: Connection, _name: str) -> None:
    """pysqlite opens a transaction only at the first INSERT/UPDATE/DELETE. A SAVEPOINT sent
    before that opens one itself, and its RELEASE then commits at once, outside the unit of
    work (a donation import's row survived a crash later in the same import): open it first."""
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
