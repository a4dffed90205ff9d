"""Log in, stay logged in across a reload, log out and stay logged out — for every demo
account, in a real browser against `streamlit run app.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.drive import (
    StreamlitServer,
    auth_cookie,
    capture_on_failure,
    goto,
    log_in,
    login_form,
    logout_button,
    main_area,
    nav_titles,
    new_context,
    reload,
    sidebar,
    wait_for_cookie,
    wait_idle,
)
from db.engine import make_engine, make_sessionmaker
from services.access import pages_for
from services.actor import Actor
from services.auth import load_actor
from services.i18n import t

pytestmark = pytest.mark.browser

DEMO_ACCOUNTS = ("district", "chair", "dept", "delegate", "delegate2", "delegate3", "auditor")


@pytest.fixture(scope="module")
def actors(demo_server: StreamlitServer) -> Iterator[dict[str, Actor]]:
    """The demo accounts as the app sees them, read from the server's database."""
    engine = make_engine(demo_server.db_url)
    try:
        with make_sessionmaker(engine)() as session:
            found = {name: load_actor(session, name) for name in DEMO_ACCOUNTS}
    finally:
        engine.dispose()
    missing = [name for name, actor in found.items() if actor is None]
    assert not missing, f"demo accounts missing from the database: {missing}"
    yield {name: actor for name, actor in found.items() if actor is not None}


@pytest.fixture(scope="module")
def shared_tab(browser: Any) -> Iterator[Any]:
    """One tab for the module: each journey ends logged out on a freshly reloaded login page,
    which is exactly where the next one starts, so it need not load the app again."""
    profile = new_context(browser)
    yield profile.new_page()
    profile.close()


@pytest.fixture
def page(shared_tab: Any, server_url: str, request: pytest.FixtureRequest,
         tmp_path: Path) -> Iterator[Any]:
    """The shared tab, on the login page, logged out, without cookies."""
    on_fresh_login_page = (
        shared_tab.url.rstrip("/") == server_url
        and auth_cookie(shared_tab.context) is None
        and logout_button(shared_tab).count() == 0
        and login_form(shared_tab, "zh")[0].count() == 1  # and in Chinese
        and shared_tab.get_by_role("dialog").count() == 0  # e.g. Streamlit's "Page not found"
    )
    if not on_fresh_login_page:
        shared_tab.context.clear_cookies()
        goto(shared_tab, f"{server_url}/")
    yield shared_tab
    capture_on_failure(request, shared_tab, tmp_path)


@pytest.fixture
def context(page: Any) -> Any:
    return page.context


def expected_titles(actor: Actor | None, lang: str = "zh") -> list[str]:
    return sorted(t(spec.title_key, lang) for spec in pages_for(actor))


def signed_in_caption(actor: Actor, lang: str = "zh") -> str:
    roles = "、".join(t(f"role.{role}", lang) for role in sorted(actor.roles))
    return t("sidebar.signed_in_as", lang, name=actor.display_name, roles=roles)


def assert_logged_out(page: Any, lang: str = "zh") -> None:
    user, secret, submit = login_form(page, lang)
    # The logout's rerun may still be drawing: wait for the form rather than sample it once.
    for element in (user, secret, submit):
        element.wait_for(state="visible", timeout=10_000)
    logout_button(page, lang).wait_for(state="detached", timeout=10_000)
    assert sorted(nav_titles(page)) == expected_titles(None, lang)


def assert_logged_in(page: Any, actor: Actor) -> None:
    logout_button(page).wait_for(state="visible", timeout=5_000)
    caption = sidebar(page).get_by_text(signed_in_caption(actor), exact=True)
    assert caption.is_visible(), signed_in_caption(actor)
    assert sorted(nav_titles(page)) == expected_titles(actor)
    assert login_form(page)[0].count() == 0


@pytest.mark.parametrize("username", DEMO_ACCOUNTS)
def test_login_reload_logout_reload(username: str, server_url: str, actors: dict[str, Actor],
                                    context: Any, page: Any) -> None:
    actor = actors[username]
    assert_logged_out(page)
    assert auth_cookie(context) is None

    log_in(page, username)
    # The home page greets the account, and the navigation is exactly what access allows.
    heading = main_area(page).get_by_role("heading", name=t("home.welcome",
                                                           name=actor.display_name))
    heading.wait_for(state="visible")
    assert_logged_in(page, actor)

    # The run after the login sets the signed cookie through the cookie-manager component.
    assert wait_for_cookie(context, present=True), "the login cookie was never set"
    reload(page)
    assert_logged_in(page, actor)

    logout_button(page).click()
    wait_idle(page)
    assert_logged_out(page)
    # ... and the next run deletes the cookie, so a reload stays logged out.
    assert wait_for_cookie(context, present=False), "the login cookie survived the logout"
    reload(page)
    assert_logged_out(page)


def test_wrong_password_is_refused(server_url: str, context: Any, page: Any) -> None:
    log_in(page, "auditor", "not-the-password", expect_success=False)
    failure = main_area(page).get_by_text(t("auth.login_failed"), exact=True)
    failure.wait_for(state="visible")
    assert_logged_out(page)
    assert auth_cookie(context) is None
    # The protected pages stay out of reach: their URLs show the login form, not content.
    goto(page, f"{server_url}/audit")
    assert_logged_out(page)
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    assert main_area(page).get_by_text(t("audit.title"), exact=True).count() == 0


def test_switch_to_english(actors: dict[str, Actor], server_url: str, page: Any) -> None:
    goto(page, server_url)  # a new session: no page remembered from an earlier test
    assert_logged_out(page, "zh")
    sidebar(page).get_by_role("radio", name=t("language.en"), exact=True).click()
    wait_idle(page)
    main_area(page).get_by_role("heading", name=t("login.heading", "en")).wait_for()
    assert_logged_out(page, "en")

    # The English form logs in, and the logged-in chrome is English too.
    actor = actors["district"]
    log_in(page, "district", lang="en")
    heading = main_area(page).get_by_role("heading", name=t("home.welcome", "en",
                                                           name=actor.display_name))
    heading.wait_for(state="visible")
    wait_idle(page)  # on a busy box the sidebar may still be the login page's
    assert sorted(nav_titles(page)) == expected_titles(actor, "en")
    logout_button(page, "en").wait_for(state="visible")
    sidebar(page).get_by_text(signed_in_caption(actor, "en"), exact=True).wait_for()
    main_area(page).get_by_text(t("home.count.schools", "en"), exact=True).wait_for()

    # Back to Chinese.
    sidebar(page).get_by_role("radio", name=t("language.zh"), exact=True).click()
    wait_idle(page)
    assert sorted(nav_titles(page)) == expected_titles(actor, "zh")
    logout_button(page, "zh").wait_for(state="visible")
