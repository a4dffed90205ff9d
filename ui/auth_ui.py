"""Login with streamlit-authenticator, backed by the accounts table.

The library keeps the session and the signed re-login cookie; our service decides whether a
password is right, counts failures, locks accounts and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from services import auth, config
from services.access import PAGES_BY_KEY, can_open
from services.actor import Actor
from services.config import COOKIE_EXPIRY_DAYS, COOKIE_NAME
from services.errors import DomainError
from ui.runtime import ACTOR_KEY, AFTER_LOGIN_KEY, db, tr

AUTHENTICATOR_KEY = "_authenticator"
SET_COOKIE_PENDING = "_set_cookie_pending"
DELETE_COOKIE_PENDING = "_delete_cookie_pending"
SIGNED_IN_AT = "_signed_in_at"   # naive UTC: a password change after it ends this session
RUN_KEY = "_run"                  # this session's script runs, counted by restore_actor
AUTHENTICATOR_RUN_KEY = "_authenticator_run"   # the run that made the authenticator


def cookie_key_or_stop() -> str:
    try:
        return config.cookie_key()
    except DomainError as error:
        st.error(error.bilingual())
        st.stop()
        raise


class ActiveAccounts(Mapping[str, dict[str, Any]]):
    """The library's "usernames" dict, looked up in the database only when it asks.

    Visitors who never log in cost no query, and a district with thousands of accounts is
    not loaded on every rerun. No password hashes here: our own check reads the database.
    """

    def __init__(self) -> None:
        self._users: dict[str, dict[str, Any]] = {}

    def __getitem__(self, username: str) -> dict[str, Any]:
        if username not in self._users:
            with db() as session:
                if not auth.may_log_in(session, username):
                    raise KeyError(username)
            self._users[username] = {"name": username, "email": None}
        return self._users[username]

    def __contains__(self, username: object) -> bool:
        try:
            self[str(username)]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        with db() as session:
            return iter(auth.active_usernames(session))

    def __len__(self) -> int:
        with db() as session:
            return len(auth.active_usernames(session))


def _check_credentials(username: str, password: str) -> bool:
    with db() as session:
        actor = auth.verify_login(session, username, password)
    return actor is not None


def authenticator() -> stauth.Authenticate:
    """This session's authenticator, made on first need and kept.

    Making one renders the library's cookie component, which reruns the page once when it
    loads; visitors who never log in, logged-in reruns and sessions resumed from the cookie
    therefore never make one: only the login form and setting or deleting the cookie do.
    """
    existing = st.session_state.get(AUTHENTICATOR_KEY)
    if isinstance(existing, stauth.Authenticate):
        return existing
    made = stauth.Authenticate(
        {"usernames": {}}, cookie_name=COOKIE_NAME, cookie_key=cookie_key_or_stop(),
        cookie_expiry_days=COOKIE_EXPIRY_DAYS, auto_hash=False, login_sleep_time=0,
    )
    # Two hooks into the pinned streamlit-authenticator 0.4.2: accounts come from the
    # database on demand, and our service checks passwords, counts failures and locks.
    model = made.authentication_controller.authentication_model
    model.credentials["usernames"] = ActiveAccounts()
    model.check_credentials = _check_credentials
    st.session_state[AUTHENTICATOR_KEY] = made
    st.session_state[AUTHENTICATOR_RUN_KEY] = st.session_state.get(RUN_KEY)
    return made


def _has_login_cookie() -> bool:
    return COOKIE_NAME in st.context.cookies


def _cookie_username() -> str | None:
    """The account the login cookie signs in, if the cookie is ours, unexpired, and not
    withdrawn since it was made.

    Checked here rather than by the library: the library lets a forged cookie's errors (another
    algorithm, a missing field) through as exceptions, and a stateless cookie would otherwise
    outlive a logout or a password reset.
    """
    try:
        claims = jwt.decode(st.context.cookies.get(COOKIE_NAME) or "", cookie_key_or_stop(),
                            algorithms=["HS256"])
        username, expires = claims["username"], claims["exp_date"]
        if (not isinstance(username, str) or isinstance(expires, bool)
                or not isinstance(expires, int | float) or not expires > time.time()):
            return None
        issued = cookie_issued_at(expires)
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    with db() as session:
        return username if auth.login_cookie_valid(session, username, issued) else None


def cookie_issued_at(expires: float) -> dt.datetime:
    """When a login cookie was made (naive UTC), from its exp_date. The library sets exp_date
    from the server's naive local time plus the expiry days; undone the same way, a
    daylight-saving change in between does not shift it by an hour."""
    issued = dt.datetime.fromtimestamp(expires) - dt.timedelta(days=COOKIE_EXPIRY_DAYS)
    return issued.astimezone(dt.UTC).replace(tzinfo=None)


def restore_actor() -> Actor | None:
    """The logged-in actor for this run, from the session or the signed cookie."""
    st.session_state[RUN_KEY] = st.session_state.get(RUN_KEY, 0) + 1
    if (not st.session_state.get("authentication_status")
            and not st.session_state.get("logout") and _has_login_cookie()):
        username = _cookie_username()
        if username is None:  # forged, expired, withdrawn, or the account may no longer log in
            _forget_session()
            st.session_state[DELETE_COOKIE_PENDING] = True
        else:
            _resume_session(username)
    actor = None
    username = st.session_state.get("username")
    if st.session_state.get("authentication_status") and username:
        signed_in_at = st.session_state.setdefault(SIGNED_IN_AT, _utcnow())
        with db() as session:
            actor = auth.load_actor(session, username, signed_in_at=signed_in_at)
        if actor is None:  # disabled, locked or its password changed elsewhere since the login
            _forget_session()
            st.session_state[DELETE_COOKIE_PENDING] = True
    st.session_state[ACTOR_KEY] = actor
    return actor


def apply_cookie_changes() -> None:
    """Set or delete the login cookie in the browser, if a login or logout asked for it.

    Called by the page guard once no page switch can follow: a run cut short by a switch
    never delivers the cookie component to the browser.

    When the authenticator was made in this very run (a session resumed from the cookie has
    none until it logs out or changes its password), its cookie component reruns the page as
    it loads, and that rerun can take the set or delete away before the browser did it; so
    the change is sent again in the next run, whatever starts it.
    """
    if not (st.session_state.get(SET_COOKIE_PENDING)
            or st.session_state.get(DELETE_COOKIE_PENDING)):
        return
    cookies = authenticator().cookie_controller
    this_run = st.session_state.get(RUN_KEY)
    again = this_run is not None and st.session_state.get(AUTHENTICATOR_RUN_KEY) == this_run
    take = st.session_state.get if again else st.session_state.pop
    if take(SET_COOKIE_PENDING, False) and st.session_state.get(ACTOR_KEY):
        cookies.set_cookie()
    if take(DELETE_COOKIE_PENDING, False):
        cookies.delete_cookie()


def renew_login() -> None:
    """After this session changed its own password: it stays signed in, and its browser gets
    a cookie newer than the change (the old one is refused from now on)."""
    st.session_state[SIGNED_IN_AT] = _utcnow()
    st.session_state[SET_COOKIE_PENDING] = True
    apply_cookie_changes()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _resume_session(username: str) -> None:
    """Signed in again from the cookie, as the library's own cookie login would sign in.

    Done without the library: it would render its cookie component for nothing (the cookie
    was read above, from the request), and the component reruns the page once it loads, so
    on a busy server whatever was typed in the first second after opening a page was lost.
    """
    st.session_state.update({"authentication_status": True, "username": username,
                             "name": username, "email": None, "roles": None})


def _forget_session() -> None:
    st.session_state.pop(SIGNED_IN_AT, None)
    st.session_state["logout"] = True
    for key in ("name", "username", "authentication_status", "email", "roles"):
        st.session_state[key] = None
    st.session_state[ACTOR_KEY] = None


def login_form() -> None:
    """The login form; on success the next run sets the cookie and rebuilds the navigation."""
    authenticator().login(
        location="main", key="login_form",
        fields={"Form name": tr("login.title"), "Username": tr("login.username"),
                "Password": tr("login.password"), "Login": tr("login.submit")},
    )
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error(tr("auth.login_failed"))
    elif status:
        # The page asked for (or home) sets the cookie once it is shown.
        st.session_state[SET_COOKIE_PENDING] = True
        st.switch_page(PAGES_BY_KEY[_page_after_login()].file)


def _page_after_login() -> str:
    wanted = st.session_state.pop(AFTER_LOGIN_KEY, None)
    username = st.session_state.get("username") or ""
    with db() as session:
        actor = auth.load_actor(session, username)
    return wanted if wanted in PAGES_BY_KEY and can_open(actor, wanted) else "home"


def _logout() -> None:
    actor = st.session_state.get(ACTOR_KEY)
    if isinstance(actor, Actor):
        with db() as session:
            auth.record_logout(session, actor)
    _forget_session()
    st.session_state[DELETE_COOKIE_PENDING] = True


def logout_button() -> None:
    st.sidebar.button(tr("logout"), key="logout_button", on_click=_logout,
                      width="stretch")
