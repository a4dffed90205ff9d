"""Authentication under attack and after changes: the cookie signing key, logout, expired and
forged cookies, accounts disabled / locked / demoted while logged in, lockout across restarts,
bcrypt hashes and passwords kept out of every log.

Already covered elsewhere and not repeated here: production refuses no key / a short key / the
example's key (tests/test_config.py::test_production_refuses_what_is_unsafe), one random key per
data folder with mode 600 (test_config.py::test_embedded_demo_makes_a_random_key_once), a
disabled account logged out on its next run after a direct SQL update
(test_app_pages.py::test_disabled_account_is_logged_out_on_next_click).
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import logging
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import bcrypt
import jwt
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bench.harness import app_as, routed
from db.engine import make_engine, make_sessionmaker
from db.models import Account, AuditEntry, utcnow
from seeds.demo import DEMO_PASSWORD
from services import accounts, auth, config
from services.actor import Grant
from services.errors import DomainError
from services.i18n import t
from services.logs import LOGGER_NAME, configure_logging
from tests.conftest import actor_of, load_demo_into

ROOT = Path(__file__).resolve().parent.parent
KEY = "auth-hardening-test-signing-key-0123456789"
COOKIE = "union_desk_auth"  # services.config.COOKIE_NAME, spelled out
WEEK = 7 * 24 * 3600
TIMEOUT = 60


# --- helpers ----------------------------------------------------------------------------------

@pytest.fixture
def app_db(databases, monkeypatch) -> str:
    """A demo database of its own, and the app pointed at it with a known signing key."""
    url = load_demo_into(databases.new_url())
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", KEY)
    return url


@pytest.fixture
def read_db(demo_db_url, monkeypatch) -> str:
    """The shared demo database, for tests whose sessions write nothing."""
    monkeypatch.setenv("UNION_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("UNION_COOKIE_KEY", KEY)
    return demo_db_url


@pytest.fixture
def routed_app() -> Iterator[None]:
    with routed():
        yield


@contextmanager
def opened(url: str):
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


@contextmanager
def browser_cookies(cookies: dict[str, str]) -> Iterator[None]:
    """The cookies the browser sent with its first request, as st.context.cookies reads them."""
    from streamlit.runtime import context as st_context

    client = SimpleNamespace(cookies=dict(cookies), headers=[], remote_ip="127.0.0.1")
    with mock.patch.object(st_context, "_get_client_context", lambda: client):
        yield


def token(username: str, *, key: str = KEY, exp_date: float | None = None,
          algorithm: str = "HS256", **claims: object) -> str:
    """A login cookie as streamlit-authenticator 0.4.2 writes it: JWT {username, exp_date}."""
    payload = {"username": username,
               "exp_date": time.time() + WEEK if exp_date is None else exp_date} | claims
    return jwt.encode(payload, key, algorithm=algorithm)


def visit(cookie: str | None, page: str | None = None) -> AppTest:
    """A new browser session that sends this login cookie, optionally moved on to a page."""
    at = app_as(None, timeout=TIMEOUT)
    with browser_cookies({COOKIE: cookie} if cookie else {}):
        at.run()
        if page:
            at.switch_page(page)
            at.run()
    return at


@contextmanager
def signed_in(username: str) -> Iterator[AppTest]:
    """A new browser session, with no cookie yet, that has just logged in through the form;
    the block goes on in that browser (its cookies stay as they were)."""
    at = app_as(None, timeout=TIMEOUT)
    with browser_cookies({}):
        at.run()
        login(at, username, DEMO_PASSWORD)
        yield at


def on_login_page(at: AppTest) -> bool:
    return bool(at.title) and at.title[0].value == t("login.heading")


def greeted(at: AppTest) -> bool:
    return bool(at.title) and at.title[0].value.startswith(t("home.welcome", name=""))


def login(at: AppTest, username: str, password: str) -> None:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == t("login.submit")).click()
    at.run()


def audit_actions(url: str, username: str) -> list[str]:
    with opened(url) as s:
        account_id = s.scalar(select(Account.id).where(Account.username == username))
        return list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "account", AuditEntry.object_id == str(account_id))
            .order_by(AuditEntry.id)))


# --- 1. the signing key is never a default --------------------------------------------------

def _python_sources() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in ("ui", "pages", "services", "db", "seeds", "bench"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def test_no_code_path_signs_cookies_with_a_literal_or_default_key():
    makers = []
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in ("Authenticate", "CookieController", "CookieModel"):
                makers.append((path.relative_to(ROOT).as_posix(), node))
            if name in ("encode", "decode") and getattr(node.func, "value", None) is not None \
                    and getattr(node.func.value, "id", None) == "jwt":
                key = node.args[1] if len(node.args) > 1 else None
                assert not isinstance(key, ast.Constant), f"{path}: jwt with a literal key"
    # Exactly one place builds the authenticator, and it passes the configured key by name:
    # leaving cookie_key out would sign with the library's default 'some_key'.
    assert [where for where, _ in makers] == ["ui/auth_ui.py"]
    (_, call), = makers
    keywords = {k.arg: k.value for k in call.keywords}
    assert "cookie_key" in keywords and len(call.args) <= 1
    value = keywords["cookie_key"]
    assert isinstance(value, ast.Call) and getattr(value.func, "id", "") == "cookie_key_or_stop"
    assert "some_key" not in (ROOT / "ui" / "auth_ui.py").read_text(encoding="utf-8")


def test_generated_key_is_random_per_install_and_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        first = config._generated_key(tmp_path / "one")
        second = config._generated_key(tmp_path / "two")
    finally:
        os.umask(old)
    assert first != second and len(first) >= 64 and len(second) >= 64
    for folder in ("one", "two"):
        assert stat.S_IMODE((tmp_path / folder / "cookie_key").stat().st_mode) == 0o600
    # Kept: the same install reads back the same key.
    assert config._generated_key(tmp_path / "one") == first


@pytest.mark.parametrize("content", ["", "\n", "short-key"])
def test_empty_or_truncated_key_file_is_never_used_as_a_key(tmp_path, content):
    """A key file cut short (a crash while writing, a full disk, a hand edit) must not sign
    cookies with an empty or guessable key."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "cookie_key").write_text(content, encoding="utf-8")
    with pytest.raises(DomainError) as raised:
        config._generated_key(folder)
    assert raised.value.key == "config.bad_cookie_key_file"
    assert str(folder / "cookie_key") in raised.value.message("en")


def test_concurrent_first_starts_agree_on_one_complete_key(tmp_path):
    """Two app processes starting together on one data folder: both read the same whole key."""
    folder = tmp_path / "data"
    script = ("import sys; from pathlib import Path; from services import config; "
              "print(config._generated_key(Path(sys.argv[1])))")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", script, str(folder)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1
    (key,) = keys
    assert len(key) >= 64 and key == (folder / "cookie_key").read_text(encoding="utf-8")


@pytest.mark.usefixtures("routed_app")
@pytest.mark.parametrize("key", ["short", config.EXAMPLE_COOKIE_KEY, " " * 3 + "x" * 20])
def test_production_app_refuses_to_start_on_a_weak_key(read_db, monkeypatch, key):
    monkeypatch.setenv("UNION_ENV", "production")
    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "12")
    monkeypatch.setenv("UNION_COOKIE_KEY", key)
    at = visit(None)
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"{t('config.refused', 'zh')}\n\n{t('config.refused', 'en')}",
        f"{t('config.weak_cookie_key', 'zh', n=32)}\n\n"
        f"{t('config.weak_cookie_key', 'en', n=32)}"]
    assert not at.text_input


@pytest.mark.usefixtures("routed_app")
def test_the_authenticator_signs_with_the_configured_key(app_db):
    at = visit(None)
    login(at, "chair", DEMO_PASSWORD)
    at.run()
    made = at.session_state["_authenticator"]
    assert made.cookie_controller.cookie_model.cookie_key == KEY
    assert made.secret_key == KEY


@pytest.mark.usefixtures("routed_app")
def test_development_signs_with_the_generated_key_of_its_data_folder(monkeypatch, tmp_path):
    # The embedded install, whatever the backend under test: SQLite in its own data folder.
    monkeypatch.setenv("UNION_DATABASE_URL",
                       load_demo_into(f"sqlite:///{tmp_path / 'install' / 'union_desk.db'}"))
    monkeypatch.delenv("UNION_COOKIE_KEY", raising=False)
    monkeypatch.setenv("UNION_ENV", "development")
    monkeypatch.setenv("UNION_DEMO_DATA", "0")
    monkeypatch.setenv("UNION_DATA_DIR", str(tmp_path / "install"))
    at = visit(None)
    login(at, "chair", DEMO_PASSWORD)
    at.run()
    stored = (tmp_path / "install" / "cookie_key").read_text(encoding="utf-8")
    assert at.session_state["_authenticator"].cookie_controller.cookie_model.cookie_key == stored
    # A cookie signed by that key logs in; one signed by another install's key does not.
    assert greeted(visit(token("chair", key=stored)))
    assert on_login_page(visit(token("chair", key=config._generated_key(tmp_path / "other"))))


# --- 2. cookies: valid, expired, forged, malformed -----------------------------------------

@pytest.mark.usefixtures("routed_app")
def test_valid_cookie_logs_in_a_new_session(read_db):
    at = visit(token("chair"))
    assert not at.exception
    assert greeted(at)
    assert at.session_state["actor"].username == "chair"
    # Resumed from the request's cookie alone: the library's cookie component is not rendered,
    # so no second run follows the first (it used to wipe what was typed meanwhile).
    assert "_authenticator" not in at.session_state
    assert at.session_state["authentication_status"] is True


BAD_COOKIES = {
    "expired": lambda: token("chair", exp_date=time.time() - 60),
    "expired-long-ago": lambda: token("chair", exp_date=time.time() - 30 * 24 * 3600),
    "wrong-key": lambda: token("chair", key="someone-elses-key-0123456789abcdefghij"),
    "library-default-key": lambda: token("chair", key="some_key"),
    "one-character-key": lambda: token("chair", key="k"),
    "standard-exp-in-the-past": lambda: token("chair", exp=int(time.time()) - 60),
    "other-algorithm": lambda: token("chair", algorithm="HS512"),
    "alg-none": lambda: jwt.encode({"username": "chair", "exp_date": time.time() + WEEK},
                                   None, algorithm="none"),
    "no-expiry": lambda: jwt.encode({"username": "chair"}, KEY, algorithm="HS256"),
    "expiry-as-text": lambda: token("chair", exp_date="tomorrow"),
    "expiry-infinite": lambda: token("chair", exp_date=float("inf")),
    "expiry-beyond-the-calendar": lambda: token("chair", exp_date=1e300),
    "no-username": lambda: jwt.encode({"exp_date": time.time() + WEEK}, KEY, algorithm="HS256"),
    "username-not-text": lambda: token(["chair"]),  # type: ignore[arg-type]
    "unknown-account": lambda: token("nobody"),
    "garbage": lambda: "not-a-jwt",
    "tampered-payload": lambda: _tampered(),
}


def _tampered() -> str:
    """A real cookie for delegate with the payload swapped for district's, old signature."""
    header, _payload, signature = token("delegate").split(".")
    _h, payload, _s = token("district").split(".")
    return f"{header}.{payload}.{signature}"


@pytest.mark.usefixtures("routed_app")
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("kind", list(BAD_COOKIES))
def test_bad_cookie_shows_the_login_page(read_db, kind):
    at = visit(BAD_COOKIES[kind]())
    assert not at.exception, [e.message for e in at.exception]
    assert on_login_page(at)
    assert at.session_state["actor"] is None
    assert not at.session_state["authentication_status"]
    # ... also when the protected page is asked for by URL.
    at = visit(BAD_COOKIES[kind](), "pages/staff.py")
    assert not at.exception
    assert on_login_page(at) and len(at.dataframe) == 0


# --- 3. logout ends the session, and the cookie it was given ---------------------------------

@pytest.mark.usefixtures("routed_app")
def test_logout_ends_the_session_and_its_cookie(app_db):
    with signed_in("chair") as at:
        at.run()  # the page after the login sets the cookie
    assert greeted(at)
    model = at.session_state["_authenticator"].cookie_controller.cookie_model
    old_cookie = jwt.encode({"username": "chair", "exp_date": model.exp_date}, KEY,
                            algorithm="HS256")
    # The cookie works in another tab before the logout.
    assert greeted(visit(old_cookie))

    # Log out. The browser still sends the cookie it had when this session opened.
    with browser_cookies({COOKIE: old_cookie}):
        at.sidebar.button(key="logout_button").click()
        at.run()
        assert on_login_page(at) and at.session_state["actor"] is None
        for page in ("pages/home.py", "pages/staff.py", "pages/account.py"):
            at.switch_page(page)
            at.run()
            assert not at.exception
            assert on_login_page(at) and len(at.dataframe) == 0
    assert audit_actions(app_db, "chair")[-1] == "logout"

    # The old cookie, replayed by a new session (another tab, a copied cookie), is refused.
    replay = visit(old_cookie, "pages/staff.py")
    assert not replay.exception
    assert on_login_page(replay) and len(replay.dataframe) == 0
    assert replay.session_state["actor"] is None

    # Logging in again gives a new cookie that works.
    time.sleep(0.01)
    assert greeted(visit(token("chair")))


@pytest.mark.usefixtures("routed_app")
def test_password_reset_ends_cookies_issued_before_it(app_db):
    cookie = token("delegate")
    assert greeted(visit(cookie))
    time.sleep(0.01)
    with opened(app_db) as s:
        target = s.scalar(select(Account.id).where(Account.username == "delegate"))
        accounts.reset_password(s, actor_of(s, "district"), account_id=target,
                                new_password="fresh-pass-9")
    assert on_login_page(visit(cookie))


def test_login_cookie_validity_follows_logout_and_password_changes(demo):
    chair = actor_of(demo, "chair")
    before = utcnow() - dt.timedelta(seconds=1)
    assert auth.login_cookie_valid(demo, "chair", before)
    assert auth.login_cookie_valid(demo, " Chair ", before)
    assert not auth.login_cookie_valid(demo, "nobody", before)
    # Another account's logout changes nothing for this one.
    auth.record_logout(demo, actor_of(demo, "delegate"))
    demo.commit()
    assert auth.login_cookie_valid(demo, "chair", before)
    auth.record_logout(demo, chair)
    demo.commit()
    after_logout = utcnow() + dt.timedelta(microseconds=1)
    assert not auth.login_cookie_valid(demo, "chair", before)
    assert auth.login_cookie_valid(demo, "chair", after_logout)  # the next login's cookie
    auth.change_password(demo, chair, current=DEMO_PASSWORD, new="other-pass-44",
                         repeat="other-pass-44")
    demo.commit()
    assert not auth.login_cookie_valid(demo, "chair", after_logout)
    assert auth.login_cookie_valid(demo, "chair", utcnow() + dt.timedelta(microseconds=1))
    target = chair.account_id
    accounts.set_enabled(demo, actor_of(demo, "district"), account_id=target, enabled=False)
    demo.commit()
    assert not auth.login_cookie_valid(demo, "chair", utcnow() + dt.timedelta(seconds=1))


@pytest.mark.usefixtures("routed_app")
@pytest.mark.parametrize("state", ["locked", "disabled", "unknown", "wrong"])
def test_refused_logins_all_read_alike(app_db, state):
    """The form never tells a locked or disabled account from a wrong password."""
    with opened(app_db) as s:
        if state == "locked":
            _lock(s)
        elif state == "disabled":
            _disable(s)
    at = app_as(None, timeout=TIMEOUT)
    with browser_cookies({}):
        at.run()
        login(at, "nobody" if state == "unknown" else "chair",
              "wrong-password" if state == "wrong" else DEMO_PASSWORD)
    assert not at.exception
    assert [e.value for e in at.error] == [t("auth.login_failed")]
    assert at.session_state["actor"] is None and on_login_page(at)


# --- 4. disabled, locked or demoted while logged in: refused at the next click ----------------

def _disable(s) -> None:
    target = s.scalar(select(Account.id).where(Account.username == "chair"))
    accounts.set_enabled(s, actor_of(s, "district"), account_id=target, enabled=False)


def _lock(s) -> None:
    for _ in range(5):
        auth.verify_login(s, "chair", "wrong-password")
        s.commit()


def _reset(s) -> None:
    """An administrator resets the password: an open tab of whoever knew the old one ends."""
    target = s.scalar(select(Account.id).where(Account.username == "chair"))
    accounts.reset_password(s, actor_of(s, "district"), account_id=target,
                            new_password="fresh-pass-9")


@pytest.mark.usefixtures("routed_app")
@pytest.mark.parametrize(("change", "audited"), [(_disable, "account.disabled"),
                                                 (_lock, "login.failed"),
                                                 (_reset, "account.password_reset")])
def test_disabled_or_locked_account_is_logged_out_at_the_next_click(app_db, change, audited):
    with signed_in("chair") as at:
        at.switch_page("pages/staff.py")
        at.run()
        assert not at.exception and len(at.dataframe) > 0
        with opened(app_db) as s:
            change(s)
        at.run()  # the next click: the same page again
    assert not at.exception
    assert on_login_page(at)
    assert len(at.dataframe) == 0
    assert at.session_state["actor"] is None and not at.session_state["authentication_status"]
    assert audit_actions(app_db, "chair")[-1] == audited


@pytest.mark.usefixtures("routed_app")
def test_cookie_of_a_disabled_account_does_not_log_in(app_db):
    cookie = token("chair")
    with opened(app_db) as s:
        _disable(s)
    at = visit(cookie, "pages/staff.py")
    assert not at.exception and on_login_page(at) and len(at.dataframe) == 0


@pytest.mark.usefixtures("routed_app")
def test_removed_role_is_denied_at_the_next_click(app_db):
    with signed_in("chair") as at:
        at.switch_page("pages/staff.py")
        at.run()
        assert len(at.dataframe) > 0
        with opened(app_db) as s:
            chair = actor_of(s, "chair")
            accounts.set_grants(s, actor_of(s, "district"), account_id=chair.account_id,
                                grants=[Grant("delegate", min(chair.school_ids()))])
        at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("access.denied")]
    assert len(at.dataframe) == 0
    assert at.session_state["actor"].roles == {"delegate"}
    assert audit_actions(app_db, "chair")[-1] == "account.roles_changed"


# --- 5. lockout holds across restarts: the counter lives in the database --------------------

_LOGIN_SCRIPT = """
import sys
from db.engine import make_engine, make_sessionmaker
from services import auth
engine = make_engine(sys.argv[1])
with make_sessionmaker(engine)() as s:
    for password in sys.argv[2:]:
        print(auth.verify_login(s, "delegate", password) is not None)
        s.commit()
engine.dispose()
"""


def _run_logins(url: str, *passwords: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), UNION_MAX_FAILED_LOGINS="3")
    done = subprocess.run([sys.executable, "-c", _LOGIN_SCRIPT, url, *passwords], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.split()


def test_lockout_holds_across_restarts(databases, monkeypatch, caplog):
    monkeypatch.setenv("UNION_MAX_FAILED_LOGINS", "3")
    url = load_demo_into(databases.new_url())
    # First process: two wrong passwords, then it stops.
    assert _run_logins(url, "wrong-1", "wrong-2") == ["False", "False"]
    # A new engine in this process sees the count, and the third wrong password locks.
    app_logger = logging.getLogger(LOGGER_NAME)
    app_logger.addHandler(caplog.handler)
    try:
        with opened(url) as s, caplog.at_level(logging.INFO, logger=LOGGER_NAME):
            assert s.scalar(
                select(Account.failed_logins).where(Account.username == "delegate")) == 2
            assert auth.verify_login(s, "delegate", "wrong-3") is None
    finally:
        app_logger.removeHandler(caplog.handler)
    (locked_event,) = [r for r in caplog.records if r.getMessage() == "account.locked"]
    assert locked_event.fields["failed_logins"] == 3
    # Another new process: the right password no longer opens the account.
    assert _run_logins(url, DEMO_PASSWORD) == ["False"]
    with opened(url) as s:
        locked = s.scalar(select(Account).where(Account.username == "delegate"))
        assert locked.failed_logins == 3 and locked.locked_at is not None
        assert auth.load_actor(s, "delegate") is None
        entries = list(s.scalars(select(AuditEntry).where(
            AuditEntry.object_id == str(locked.id)).order_by(AuditEntry.id)))
    assert [(e.action, e.after, e.note) for e in entries] == [
        ("login.failed", {"failed_logins": 1, "locked": False}, None),
        ("login.failed", {"failed_logins": 2, "locked": False}, None),
        ("login.failed", {"failed_logins": 3, "locked": True}, None),
        ("login.refused", None, "locked"),
    ]


def test_a_success_in_one_process_resets_the_count_for_all(databases, monkeypatch):
    monkeypatch.setenv("UNION_MAX_FAILED_LOGINS", "3")
    url = load_demo_into(databases.new_url())
    assert _run_logins(url, "wrong-1", "wrong-2", DEMO_PASSWORD) == ["False", "False", "True"]
    with opened(url) as s:
        for _ in range(2):
            assert auth.verify_login(s, "delegate", "wrong-again") is None
            s.commit()
        assert s.scalar(select(Account.locked_at).where(Account.username == "delegate")) is None


# --- 6. bcrypt hashes, and no password in any log --------------------------------------------

def _hash_of(s, username: str) -> str:
    return s.scalar(select(Account.password_hash).where(Account.username == username))


def test_passwords_are_bcrypt_hashed_with_the_configured_cost(demo, monkeypatch):
    admin = actor_of(demo, "district")
    assert _hash_of(demo, "chair").startswith("$2b$04$")  # conftest: UNION_BCRYPT_ROUNDS=4
    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "5")
    new_id = accounts.create_account(demo, admin, username="hashcheck", display_name="哈希",
                                     password="created-pass-1", grants=[Grant("auditor")])
    demo.commit()
    stored = _hash_of(demo, "hashcheck")
    assert stored.startswith("$2b$05$") and len(stored) == 60
    assert bcrypt.checkpw(b"created-pass-1", stored.encode())
    assert not bcrypt.checkpw(b"created-pass-2", stored.encode())

    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "6")
    accounts.reset_password(demo, admin, account_id=new_id, new_password="reset-pass-22")
    demo.commit()
    stored = _hash_of(demo, "hashcheck")
    assert stored.startswith("$2b$06$") and bcrypt.checkpw(b"reset-pass-22", stored.encode())

    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "4")
    auth.change_password(demo, actor_of(demo, "hashcheck"), current="reset-pass-22",
                         new="changed-pass-333", repeat="changed-pass-333")
    demo.commit()
    stored = _hash_of(demo, "hashcheck")
    assert stored.startswith("$2b$04$") and bcrypt.checkpw(b"changed-pass-333", stored.encode())
    # Two accounts with one password get different hashes (a salt each).
    accounts.create_account(demo, admin, username="hashcheck2", display_name="哈希二",
                            password="changed-pass-333", grants=[Grant("auditor")])
    assert _hash_of(demo, "hashcheck2") != stored


SECRETS = ("created-pass-1", "Wrong-Typo-Pass-77", "reset-pass-22", "changed-pass-333",
           "mistyped-current-9")


@contextmanager
def every_log(caplog) -> Iterator[io.StringIO]:
    """All logging at DEBUG: the root logger (SQLAlchemy echo included), Streamlit's and the
    app's own JSON lines."""
    json_out = io.StringIO()
    app_logger = logging.getLogger(LOGGER_NAME)
    st_logger = logging.getLogger("streamlit")
    saved = (list(app_logger.handlers), app_logger.level, app_logger.propagate)
    os.environ["UNION_LOG_FORMAT"], os.environ["UNION_LOG_LEVEL"] = "json", "debug"
    try:
        configure_logging(json_out)
        app_logger.addHandler(caplog.handler)
        st_logger.addHandler(caplog.handler)
        with caplog.at_level(logging.DEBUG), \
                caplog.at_level(logging.DEBUG, logger="sqlalchemy.engine"), \
                caplog.at_level(logging.DEBUG, logger="sqlalchemy.pool"):
            yield json_out
    finally:
        st_logger.removeHandler(caplog.handler)
        app_logger.handlers[:] = saved[0]
        app_logger.setLevel(saved[1])
        app_logger.propagate = saved[2]
        del os.environ["UNION_LOG_FORMAT"], os.environ["UNION_LOG_LEVEL"]


def _logged_text(caplog, json_out: io.StringIO, captured: str) -> str:
    parts = [caplog.text, json_out.getvalue(), captured]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.__dict__))
    return "\n".join(parts)


def test_passwords_never_reach_a_log_or_the_audit(databases, monkeypatch, caplog, capfd):
    url = load_demo_into(databases.new_url())
    with every_log(caplog) as json_out:
        engine = make_engine(url)  # made after the levels are set: echo is on
        try:
            with make_sessionmaker(engine)() as s:
                admin = actor_of(s, "district")
                new_id = accounts.create_account(s, admin, username="logcheck",
                                                 display_name="日志", password=SECRETS[0],
                                                 grants=[Grant("auditor")])
                s.commit()
                assert auth.verify_login(s, "logcheck", SECRETS[1]) is None
                s.commit()
                assert auth.verify_login(s, "logcheck", SECRETS[0]) is not None
                s.commit()
                accounts.reset_password(s, admin, account_id=new_id, new_password=SECRETS[2])
                s.commit()
                me = actor_of(s, "logcheck")
                with pytest.raises(DomainError):
                    auth.change_password(s, me, current=SECRETS[4], new=SECRETS[3],
                                         repeat=SECRETS[3])
                s.rollback()
                auth.change_password(s, me, current=SECRETS[2], new=SECRETS[3],
                                     repeat=SECRETS[3])
                s.commit()
                assert auth.verify_login(s, "logcheck", SECRETS[3]) is not None
                s.commit()
                stored_hash = _hash_of(s, "logcheck")
                audit_rows = [repr((e.action, e.before, e.after, e.note, e.object_id))
                              for e in s.scalars(select(AuditEntry))]
        finally:
            engine.dispose()
    out, err = capfd.readouterr()
    logged = _logged_text(caplog, json_out, out + err)
    # The capture worked: SQL echo, the app's JSON events and the audit are all there.
    assert "UPDATE accounts" in logged and "SQL parameters hidden" in logged
    events = [json.loads(line)["event"] for line in json_out.getvalue().splitlines()]
    assert events.count("login.succeeded") == 2 and "login.refused" in events
    assert len(audit_rows) == 6
    for secret in SECRETS:
        assert secret not in logged, secret
        assert all(secret not in row for row in audit_rows), secret
    assert stored_hash not in logged and all(stored_hash not in r for r in audit_rows)
    assert stored_hash[7:29] not in logged  # not even the salt


@pytest.mark.usefixtures("routed_app")
def test_login_form_passwords_never_reach_a_log(app_db, caplog, capfd):
    with every_log(caplog) as json_out:
        at = app_as(None, timeout=TIMEOUT)
        with browser_cookies({}):
            at.run()
            login(at, "auditor", SECRETS[1])
            assert [e.value for e in at.error] == [t("auth.login_failed")]
            login(at, "auditor", DEMO_PASSWORD)
            at.run()
            assert greeted(at)
    out, err = capfd.readouterr()
    logged = _logged_text(caplog, json_out, out + err)
    # The capture worked (the app may have set its own JSON handler up again on stderr).
    assert logged.count('"event": "login.succeeded"') >= 1
    assert SECRETS[1] not in logged and DEMO_PASSWORD not in logged
    with opened(app_db) as s:
        rows = [repr((e.before, e.after, e.note)) for e in s.scalars(select(AuditEntry))]
    assert rows and all(SECRETS[1] not in r and DEMO_PASSWORD not in r for r in rows)


@pytest.mark.usefixtures("routed_app")
def test_changing_my_own_password_keeps_me_signed_in_with_a_new_cookie(app_db):
    with signed_in("chair") as at:
        at.run()
        model = at.session_state["_authenticator"].cookie_controller.cookie_model
        old_cookie = jwt.encode({"username": "chair", "exp_date": model.exp_date}, KEY,
                                algorithm="HS256")
        time.sleep(0.01)
        at.switch_page("pages/account.py")
        at.run()
        for field, value in zip(at.text_input, [DEMO_PASSWORD, "new-pass-2026", "new-pass-2026"],
                                strict=True):
            field.input(value)
        next(b for b in at.button if b.label == t("account.save_password")).click()
        at.run()
        assert not at.exception and [e.value for e in at.error] == []
        assert [s.value for s in at.success] == [t("account.password_changed")]
        at.switch_page("pages/staff.py")
        at.run()   # the next click: still signed in
    assert not at.exception and at.session_state["actor"].username == "chair"
    assert len(at.dataframe) > 0
    new_cookie = jwt.encode({"username": "chair", "exp_date": model.exp_date}, KEY,
                            algorithm="HS256")
    assert new_cookie != old_cookie
    assert greeted(visit(new_cookie))          # a reload with the renewed cookie
    assert on_login_page(visit(old_cookie))    # the cookie from before the change: refused


def test_cookie_issue_time_survives_a_daylight_saving_change(monkeypatch):
    """The library writes exp_date as naive local time + 7 days; in New York the clocks go
    forward on 2027-03-14, inside that week."""
    from ui.auth_ui import cookie_issued_at

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        made = dt.datetime(2027, 3, 10, 12, 0)   # local, EST (UTC-5)
        expires = (made + dt.timedelta(days=7)).timestamp()
        assert cookie_issued_at(expires) == dt.datetime(2027, 3, 10, 17, 0)
    finally:
        monkeypatch.undo()
        time.tzset()
