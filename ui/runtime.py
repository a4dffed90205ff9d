"""Per-process resources and per-session state that every page uses."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import database_url, make_engine, make_sessionmaker, ping, transaction
from db.migrate import upgrade_to_head
from services import config
from services.actor import Actor
from services.clock import local_today
from services.errors import DomainError
from services.i18n import LANGUAGES, bilingual, t
from services.i18n import label as catalogue_label
from services.logs import configure_logging, log_event
from services.text import markdown_literal

LANG_KEY = "lang"
LANG_WIDGET_KEY = "lang_choice"  # the switch; LANG_KEY keeps the choice across page switches
ACTOR_KEY = "actor"
ROUTED_KEY = "_routed_by_app"
AFTER_LOGIN_KEY = "_after_login"


def _dispose(factory: sessionmaker[Session]) -> None:
    """Close the pooled connections of an engine the cache lets go of."""
    bind = factory.kw.get("bind")
    if bind is not None:
        bind.dispose()


# A process serves one database; a few entries cover tests that switch between them. Engines
# the cache drops close their connections, so PostgreSQL's connection limit is never reached.
@st.cache_resource(show_spinner=False, max_entries=4, on_release=_dispose)
def _session_factory(url: str) -> sessionmaker[Session]:
    """Engine for this process: migrate on start; load the demo into an empty database when
    the settings ask for it (the embedded default; never in production)."""
    engine = make_engine(url)
    upgrade_to_head(engine)
    factory = make_sessionmaker(engine)
    if config.demo_data():
        from seeds.demo import database_is_empty, load_demo

        with transaction(factory) as session:
            if database_is_empty(session):
                load_demo(session)
                log_event("demo.loaded")
    log_event("database.ready", backend=engine.dialect.name)
    return factory


def session_factory() -> sessionmaker[Session]:
    return _session_factory(database_url())


@st.cache_resource(show_spinner=False, max_entries=2)
def _retention_started(url: str, day: str) -> threading.Thread:
    """Once per process and local day, in the background so no visitor waits for it: delete
    what is past its retention period."""
    from services.retention import purge_expired

    def run() -> None:
        try:
            purge_expired(_session_factory(url))
        except Exception:  # a failed run is retried the next day; the app goes on
            log_event("retention.failed", level=logging.ERROR, exc_info=True)

    thread = threading.Thread(target=run, name=f"retention-{day}", daemon=True)
    thread.start()
    return thread


def daily_upkeep() -> None:
    _retention_started(database_url(), local_today().isoformat())


@st.cache_resource(show_spinner=False)
def _logging_configured() -> bool:
    configure_logging()
    return True


def settings_or_stop() -> None:
    """Refuse to start on an invalid or unsafe setting, saying in both languages what to set."""
    _logging_configured()
    problems = config.startup_problems()
    if not problems:
        return
    log_event("config.refused", level=logging.ERROR, settings=[p.key for p in problems])
    st.error(bilingual("config.refused"))
    for problem in problems:
        st.error(problem.bilingual())
    st.stop()


def session_factory_or_stop() -> sessionmaker[Session]:
    """The session factory, or a short bilingual message if the database cannot be reached."""
    try:
        factory = session_factory()
        ping(factory.kw["bind"])
        return factory
    except DBAPIError as error:
        database_unavailable(error)
        raise AssertionError("unreachable") from error  # st.stop() raised already


def database_unavailable(error: BaseException | None = None) -> None:
    """Both languages, never the driver's text. A SQLite database another writer still held
    after the busy timeout (SQLite's own retries) is busy, not gone: "try again"."""
    busy = isinstance(error, OperationalError) and "database is locked" in str(error.orig)
    log_event("database.unavailable", level=logging.ERROR,
              error=type(error).__name__ if error else None, busy=busy)
    st.error(bilingual("db.busy" if busy else "db.unavailable"))
    st.stop()


@contextmanager
def db() -> Iterator[Session]:
    """One transaction for one service call."""
    with transaction(session_factory()) as session:
        yield session


def lang() -> str:
    value = st.session_state.get(LANG_KEY)
    return value if value in LANGUAGES else config.default_language()


def remember_language() -> None:
    choice = st.session_state.get(LANG_WIDGET_KEY)
    if choice in LANGUAGES:
        st.session_state[LANG_KEY] = choice
    else:  # clicking the chosen option again would clear the control: keep it selected
        st.session_state[LANG_WIDGET_KEY] = lang()


def tr(key: str, **params: Any) -> str:
    return t(key, lang(), **params)


def tr_text(key: str, **params: Any) -> str:
    """tr for a Markdown element (a title, a caption, a message): the values, such as names
    and titles people typed, are escaped so they show as typed."""
    return tr(key, **{name: markdown_literal(value) if isinstance(value, str) else value
                      for name, value in params.items()})


def label(key: str, fallback: str) -> str:
    return catalogue_label(key, fallback, lang())


def current_actor() -> Actor | None:
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def show_error(error: DomainError) -> None:
    """The error in the reader's language; what a person typed, quoted in it, stays text."""
    quoted = {name: value if name.endswith("_key") or not isinstance(value, str)
              else markdown_literal(value) for name, value in error.params.items()}
    st.error(DomainError(error.key, **quoted).message(lang()))
