"""Alembic's head on an empty database matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from db.engine import make_engine
from db.migrate import upgrade_to_head
from db.models import Base


def test_upgrade_head_matches_models(databases):
    engine = make_engine(databases.new_url())
    upgrade_to_head(engine)
    upgrade_to_head(engine)  # running again at start is a no-op
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        # The newest migration file is the head: 0005 added congress motions.
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0005"
    assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    assert (tmp_path / "data" / "x.db").exists()
    engine.dispose()


def test_postgres_urls_use_psycopg3(monkeypatch):
    from db.engine import database_url

    monkeypatch.setenv("UNION_DATABASE_URL", "postgresql://u@h:5432/d")
    assert database_url() == "postgresql+psycopg://u@h:5432/d"
    monkeypatch.setenv("UNION_DATABASE_URL", "")
    assert database_url().startswith("sqlite:///") and database_url().endswith("union_desk.db")


def test_servers_starting_together_migrate_once(databases):
    """Three app processes start at once on an empty database: one migrates, the others wait
    for its lock and find nothing to do; all three end at head."""
    import subprocess
    import sys
    from pathlib import Path

    url = databases.new_url()
    script = ("import sys; from db.engine import make_engine; from db.migrate import "
              "upgrade_to_head; e = make_engine(sys.argv[1]); upgrade_to_head(e); e.dispose()")
    root = Path(__file__).resolve().parent.parent
    starts = [subprocess.Popen([sys.executable, "-c", script, url], cwd=root,
                               stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in starts]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0, 0], results
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() \
            == ["0005"]
    engine.dispose()


def test_pool_is_sized_by_the_settings(monkeypatch):
    monkeypatch.setenv("UNION_DB_POOL_SIZE", "3")
    monkeypatch.setenv("UNION_DB_MAX_OVERFLOW", "2")
    monkeypatch.setenv("UNION_DB_POOL_TIMEOUT", "4")
    engine = make_engine("postgresql+psycopg://u@127.0.0.1:1/never_connected")
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (3, 2, 4.0)
    engine.dispose()
