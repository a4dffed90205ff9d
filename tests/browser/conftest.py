"""Browser tests: a real `streamlit run app.py` server against a fresh demo database, driven by
Debian's Chromium through Playwright. Never downloads a browser: when /usr/bin/chromium or the
playwright package is missing, every test in this folder is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bench.drive import (
    CALL_FAILED,
    CHROMIUM,
    CHROMIUM_ARGS,
    StreamlitServer,
    capture_on_failure,
    missing_browser_reason,
    new_context,
    new_demo_database,
    running_servers,
)

if TYPE_CHECKING:
    from tests.conftest import DatabaseFactory

MISSING_BROWSER = missing_browser_reason()
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test of this folder, with the reason, when the browser cannot run."""
    if MISSING_BROWSER is None:
        return
    skip = pytest.mark.skip(reason=MISSING_BROWSER)
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def demo_server(databases: DatabaseFactory,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """`streamlit run app.py` on a fresh demo database, shared by the tests of one module."""
    if MISSING_BROWSER:
        pytest.skip(MISSING_BROWSER)
    db_url = new_demo_database(databases)
    with running_servers(db_url, [tmp_path_factory.mktemp("streamlit")]) as (server,):
        yield server


@pytest.fixture(scope="module")
def server_url(demo_server: StreamlitServer) -> str:
    return demo_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless. Playwright never downloads a browser here."""
    if MISSING_BROWSER:
        pytest.skip(MISSING_BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A tab in a fresh profile; on failure its screenshot and HTML land in the test's tmp dir."""
    tab = context.new_page()
    yield tab
    capture_on_failure(request, tab, tmp_path)
    if not tab.is_closed():
        tab.close()
