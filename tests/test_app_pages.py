"""Every page under every role, through Streamlit's AppTest: allowed pages render without an
exception; forbidden pages are refused by the page itself, even when run without app.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bench.harness import app_as as routed_app_as
from bench.harness import routed
from db.engine import make_engine, make_sessionmaker
from db.models import Account
from services.access import ANYONE, PAGES, can_open
from services.auth import load_actor
from services.i18n import t
from ui.runtime import ROUTED_KEY

ROOT = Path(__file__).resolve().parent.parent
USERS = [None, "district", "chair", "dept", "delegate", "auditor"]
TIMEOUT = 60


@pytest.fixture(autouse=True)
def app_already_routed():
    with routed():
        yield


@pytest.fixture
def app_env(demo_db_url, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    return demo_db_url


@pytest.fixture
def fresh_demo(databases, monkeypatch) -> str:
    """A database of its own with the demo, for tests that change it."""
    from tests.conftest import load_demo_into

    url = load_demo_into(databases.new_url())
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    return url


def actor(url: str, username: str | None):
    if username is None:
        return None
    with make_sessionmaker(make_engine(url))() as s:
        return load_actor(s, username)


def app_as(username: str | None) -> AppTest:
    return routed_app_as(username, timeout=TIMEOUT)


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.markdown, *at.caption, *at.warning, *at.error,
                               *at.info, *at.success)]
    parts += [str(m.label) for m in at.metric]
    return "\n".join(str(p) for p in parts)


CASES = [(u, p.key) for u in USERS for p in PAGES]


@pytest.mark.parametrize(("username", "page"), CASES,
                         ids=[f"{u or 'visitor'}-{p}" for u, p in CASES])
def test_page_under_role(app_env, username, page):
    spec = next(p for p in PAGES if p.key == page)
    who = actor(app_env, username)
    if can_open(who, page):
        at = app_as(username)
        at.run()
        at.switch_page(spec.file)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert t("access.denied") not in texts(at)
        assert t("access.login_required") not in texts(at)
        assert [w.value for w in at.error] == []
    else:
        # The page's own guard refuses, even if navigation were bypassed: run the page file
        # with the actor this role has, as app.py would leave it in the session.
        at = AppTest.from_file(str(ROOT / spec.file), default_timeout=TIMEOUT)
        at.session_state["actor"] = who
        at.session_state[ROUTED_KEY] = True
        at.run()
        assert not at.exception
        expected = "access.login_required" if who is None else "access.denied"
        assert [w.value for w in at.warning] == [t(expected)]
        assert len(at.title) == 0 and len(at.dataframe) == 0 and len(at.text_input) == 0
        # Through app.py, by URL: the page is registered but not in this role's sidebar, and
        # its guard refuses. A visitor is sent to the login form, and someone logged in who
        # opens the login page is sent home.
        at = app_as(username)
        at.run()
        at.switch_page(spec.file)
        at.run()
        assert not at.exception
        if spec.key == "login":
            assert at.title[0].value.startswith(t("home.welcome", name=""))
        elif who is None:
            assert at.title[0].value == t("login.heading")
            assert at.session_state["_after_login"] == spec.key
        else:
            assert [w.value for w in at.warning] == [t(expected)]
            assert len(at.title) == 0 and len(at.dataframe) == 0


@pytest.mark.parametrize("spec", PAGES, ids=[p.key for p in PAGES])
def test_page_run_without_app_shows_nothing_protected(app_env, spec):
    """A fresh server runs a pages/ file alone for a direct URL: only open pages render."""
    at = AppTest.from_file(str(ROOT / spec.file), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    if ANYONE in spec.allowed:
        assert [w.value for w in at.warning] == []
    else:
        assert [w.value for w in at.warning] == [t("access.open_from_start")]
        assert len(at.dataframe) == 0 and len(at.text_input) == 0 and len(at.title) == 0


def test_visitor_lands_on_login_and_sees_only_visitor_pages(app_env):
    at = app_as(None)
    at.run()
    assert not at.exception
    assert at.title[0].value == t("login.heading")
    assert [i.label for i in at.text_input] == [t("login.username"), t("login.password")]


def login(at: AppTest, username: str, password: str) -> None:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == t("login.submit")).click()
    at.run()


def test_login_form_logs_in_and_counts_failures(fresh_demo):
    url = fresh_demo
    at = app_as(None)
    at.run()
    login(at, "chair", "wrong-password")
    assert [e.value for e in at.error] == [t("auth.login_failed")]
    with make_sessionmaker(make_engine(url))() as s:
        assert s.scalar(select(Account.failed_logins).where(Account.username == "chair")) == 1
    login(at, "chair", "union-demo")
    assert at.session_state["authentication_status"] is True
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith(t("home.welcome", name=""))
    with make_sessionmaker(make_engine(url))() as s:
        assert s.scalar(select(Account.failed_logins).where(Account.username == "chair")) == 0


@pytest.mark.usefixtures("fresh_demo")
def test_login_returns_to_the_page_asked_for():
    at = app_as(None)
    at.run()
    at.switch_page("pages/audit_log.py")
    at.run()
    assert at.title[0].value == t("login.heading")
    at.switch_page("pages/login.py")  # where the browser's address now points
    at.run()
    login(at, "auditor", "union-demo")
    assert at.title[0].value == t("audit.title")


def test_english_switch(app_env):
    at = app_as("chair")
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("Hello, ")


def test_disabled_account_is_logged_out_on_next_click(fresh_demo):
    url = fresh_demo
    at = app_as("delegate")
    at.run()
    assert at.title[0].value.startswith(t("home.welcome", name=""))
    with make_sessionmaker(make_engine(url))() as s:
        s.execute(Account.__table__.update().where(Account.username == "delegate")
                  .values(enabled=False))
        s.commit()
    at.run()
    assert at.session_state["authentication_status"] is None
    assert at.title[0].value == t("login.heading")


def test_production_without_signing_key_refuses(app_env, monkeypatch):
    monkeypatch.delenv("UNION_COOKIE_KEY")
    monkeypatch.setenv("UNION_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    at = app_as(None)
    at.run()
    # The settings are checked before anything else: both languages, saying what to set.
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"{t('config.refused', 'zh')}\n\n{t('config.refused', 'en')}",
        f"{t('config.no_cookie_key', 'zh')}\n\n{t('config.no_cookie_key', 'en')}"]
    assert not at.text_input  # no login form


def test_unreachable_database_is_reported(app_env, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    at = app_as(None)
    at.run()
    # An unreachable database is reported in both languages, without a traceback.
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"{t('db.unavailable', 'zh')}\n\n{t('db.unavailable', 'en')}"]


def test_demo_data_in_production_refuses(app_env, monkeypatch):
    monkeypatch.setenv("UNION_ENV", "production")
    monkeypatch.setenv("UNION_DEMO_DATA", "1")
    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "12")
    at = app_as(None)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error][1:] == [
        f"{t('config.demo_in_production', 'zh')}\n\n{t('config.demo_in_production', 'en')}"]
