"""Shared fixtures: a real database per test session (SQLite, or PostgreSQL when
UNION_TEST_DATABASE_URL is set), emptied after each test; demo data from the seed module."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# Before any project import: cheap password hashes and a private data folder for tests.
os.environ["UNION_ENV"] = "test"  # not production: cheap hashes are allowed
os.environ["UNION_BCRYPT_ROUNDS"] = "4"
os.environ["UNION_SECRETS_FILE"] = os.devnull  # never a developer's own secrets.toml
os.environ.setdefault("UNION_RECEIPT_SCRYPT_N", "1024")  # receipts: same code path, cheaper
os.environ.setdefault("UNION_DATA_DIR", tempfile.mkdtemp(prefix="union-test-data-"))

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, make_sessionmaker, normalise_url
from db.migrate import upgrade_to_head
from seeds.demo import load_demo, wipe
from services.actor import Actor
from services.auth import load_actor

PG_URL = os.environ.get("UNION_TEST_DATABASE_URL", "").strip()
HEAVY = os.environ.get("UNION_HEAVY_TESTS", "").strip() == "1"
ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Heavy tests (a stopped database server, fifty sessions, big files) run in .ci/run's own
    step, with UNION_HEAVY_TESTS=1; the everyday `make test` skips them and says so."""
    if HEAVY:
        return
    skip = pytest.mark.skip(reason="heavy: run with UNION_HEAVY_TESTS=1 (.ci/run does)")
    for item in items:
        if item.get_closest_marker("heavy") is not None:
            item.add_marker(skip)


def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


class DatabaseFactory:
    """Makes empty databases of the backend under test and drops them at the end."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def new_url(self) -> str:
        if not PG_URL:
            return f"sqlite:///{self.tmp_dir / f'union-{uuid.uuid4().hex[:8]}.db'}"
        name = f"union_test_{uuid.uuid4().hex[:10]}"
        with self._admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(normalise_url(PG_URL)).set(database=name).render_as_string(
            hide_password=False)

    def _admin(self) -> Engine:
        return create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = self._admin()
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def engine(databases: DatabaseFactory) -> Iterator[Engine]:
    eng = make_engine(databases.new_url())
    upgrade_to_head(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    factory = make_sessionmaker(engine)
    yield factory
    with factory() as cleanup:  # every test starts from an empty database
        wipe(cleanup)
        cleanup.commit()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s
        s.rollback()


@pytest.fixture
def demo(session: Session) -> Session:
    """The demo district, committed, in the test database."""
    load_demo(session)
    session.commit()
    return session


def actor_of(session: Session, username: str) -> Actor:
    actor = load_actor(session, username)
    assert actor is not None, username
    return actor


@pytest.fixture(scope="session")
def demo_db_url(databases: DatabaseFactory) -> str:
    """A separate database with the demo loaded once, for app-level tests that only read."""
    return load_demo_into(databases.new_url())


def load_demo_into(url: str) -> str:
    eng = make_engine(url)
    upgrade_to_head(eng)
    with make_sessionmaker(eng)() as s:
        load_demo(s)
        s.commit()
    eng.dispose()
    return url
