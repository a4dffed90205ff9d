"""Login cookies in a real browser: a cookie copied before a logout does not log in again;
expired and forged cookies show the login form, not an error; an account disabled while
logged in is sent to the login form at its next click."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from sqlalchemy import select

from bench.drive import (
    COOKIE_NAME,
    StreamlitServer,
    auth_cookie,
    goto,
    log_in,
    login_form,
    logout_button,
    main_area,
    new_context,
    reload,
    sidebar,
    wait_for_cookie,
    wait_idle,
)
from db.engine import make_engine, make_sessionmaker
from db.models import Account
from seeds.demo import DEMO_PASSWORD
from services import accounts
from services.i18n import t
from tests.conftest import actor_of

pytestmark = pytest.mark.browser

WEEK = 7 * 24 * 3600


# Counts the app's script runs in a page: each time its state turns to 'running'.
COUNT_RUNS_JS = """
window.__unionRuns = 0;
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.getAttribute('data-test-script-state') === 'running'
        && change.oldValue !== 'running') { window.__unionRuns += 1; }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""


def shows_login_form(page: Any) -> bool:
    user, secret, submit = login_form(page)
    for element in (user, secret, submit):
        element.wait_for(state="visible", timeout=10_000)
    return (logout_button(page).count() == 0
            and page.locator("[data-testid='stException']").count() == 0
            and page.locator("[data-testid='stDataFrame']").count() == 0)


def with_cookie(context: Any, url: str, value: str) -> None:
    context.add_cookies([{"name": COOKIE_NAME, "value": value, "url": url}])


def login_cookie(page: Any, context: Any, server_url: str,
                 username: str = "chair") -> dict[str, Any]:
    """Log in through the form; the login cookie the browser was given."""
    goto(page, server_url)
    log_in(page, username)
    logout_button(page).wait_for(state="visible")
    assert wait_for_cookie(context, present=True), "the login cookie was never set"
    copied = auth_cookie(context)
    assert copied is not None
    return copied


def test_cookie_copied_before_logout_no_longer_logs_in(browser: Any, server_url: str,
                                                       context: Any, page: Any) -> None:
    copied = login_cookie(page, context, server_url)

    # Before the logout the copied cookie logs in another browser.
    other = new_context(browser)
    try:
        with_cookie(other, server_url, copied["value"])
        tab = other.new_page()
        goto(tab, f"{server_url}/staff")
        logout_button(tab).wait_for(state="visible")
    finally:
        other.close()

    logout_button(page).click()
    wait_idle(page)
    assert shows_login_form(page)
    assert wait_for_cookie(context, present=False), "the login cookie survived the logout"

    # After it, the same cookie replayed in a fresh browser shows the login form, and the
    # app asks that browser to drop it.
    replay = new_context(browser)
    try:
        with_cookie(replay, server_url, copied["value"])
        tab = replay.new_page()
        goto(tab, f"{server_url}/staff")
        assert shows_login_form(tab)
        assert main_area(tab).get_by_text(t("staff.title"), exact=True).count() == 0
        assert wait_for_cookie(replay, present=False), "the refused cookie was kept"
    finally:
        replay.close()


def test_session_resumed_from_the_cookie_keeps_early_typing_and_logs_out(
        browser: Any, server_url: str, context: Any, page: Any) -> None:
    copied = login_cookie(page, context, server_url)

    other = new_context(browser)
    try:
        with_cookie(other, server_url, copied["value"])
        other.add_init_script(COUNT_RUNS_JS)
        tab = other.new_page()
        goto(tab, f"{server_url}/competitions")
        # A name typed at once is still there a moment later: the page ran once. (The
        # library's cookie component, when it was rendered, reran the page as it loaded.)
        name = main_area(tab).get_by_label(t("comp.col.name"), exact=True)
        name.fill("2026年粉笔字比赛")
        tab.wait_for_timeout(2_000)
        wait_idle(tab)
        assert tab.evaluate("() => window.__unionRuns") == 1
        assert name.input_value() == "2026年粉笔字比赛"
        # Logging out of a resumed session still takes the cookie away.
        logout_button(tab).click()
        wait_idle(tab)
        assert shows_login_form(tab)
        assert wait_for_cookie(other, present=False), "the cookie survived the logout"
    finally:
        other.close()


@pytest.mark.parametrize("kind", ["expired", "wrong-key", "alg-none"])
def test_expired_or_forged_cookie_shows_the_login_form(kind: str, demo_server: StreamlitServer,
                                                       context: Any, page: Any) -> None:
    payload = {"username": "district", "exp_date": time.time() + WEEK}
    if kind == "expired":
        payload["exp_date"] = time.time() - 60
        value = jwt.encode(payload, demo_server.cookie_key, algorithm="HS256")
    elif kind == "wrong-key":
        value = jwt.encode(payload, "x" * 64, algorithm="HS256")
    else:
        value = jwt.encode(payload, None, algorithm="none")
    with_cookie(context, demo_server.url, value)
    goto(page, f"{demo_server.url}/accounts")
    assert shows_login_form(page)
    assert sidebar(page).get_by_text(t("page.accounts_admin"), exact=True).count() == 0


def test_account_disabled_while_logged_in_is_sent_to_login(demo_server: StreamlitServer,
                                                           page: Any) -> None:
    goto(page, demo_server.url)
    log_in(page, "delegate3")
    logout_button(page).wait_for(state="visible")
    engine = make_engine(demo_server.db_url)
    try:
        with make_sessionmaker(engine)() as s:
            target = s.scalar(select(Account.id).where(Account.username == "delegate3"))
            accounts.set_enabled(s, actor_of(s, "district"), account_id=target, enabled=False)
            s.commit()
    finally:
        engine.dispose()
    # The next click, here a sidebar link, finds the account disabled.
    sidebar(page).locator("[data-testid='stPageLink-NavLink']",
                          has_text=t("page.competitions")).first.click()
    wait_idle(page)
    assert shows_login_form(page)


def test_resumed_session_changing_its_password_gets_a_new_cookie(
        browser: Any, server_url: str, context: Any, page: Any) -> None:
    copied = login_cookie(page, context, server_url, "auditor")
    resumed, replay = new_context(browser), new_context(browser)
    try:
        with_cookie(resumed, server_url, copied["value"])
        tab = resumed.new_page()
        goto(tab, f"{server_url}/my_account")
        main = main_area(tab)
        for key, value in (("account.current_password", DEMO_PASSWORD),
                           ("account.new_password", "auditor-2026-12"),
                           ("account.repeat_password", "auditor-2026-12")):
            main.get_by_label(t(key), exact=True).fill(value)
        main.get_by_role("button", name=t("account.save_password"), exact=True).click()
        main.get_by_text(t("account.password_changed"), exact=True).wait_for()
        # The tab that changed it gets a cookie made after the change (the session had no
        # cookie component: it is set once the component has loaded) ...
        deadline = time.monotonic() + 10
        while (auth_cookie(resumed) or copied)["value"] == copied["value"]:
            assert time.monotonic() < deadline, "no new cookie after the password change"
            time.sleep(0.1)
        reload(tab)
        logout_button(tab).wait_for(state="visible")
        # ... and the cookie from before the change no longer logs in.
        with_cookie(replay, server_url, copied["value"])
        other = replay.new_page()
        goto(other, f"{server_url}/staff")
        assert shows_login_form(other)
    finally:
        resumed.close()
        replay.close()
