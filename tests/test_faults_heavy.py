"""Faults, heavy: PostgreSQL goes away under a running `streamlit run app.py` and comes back.

Only on PostgreSQL (UNION_TEST_DATABASE_URL), only with UNION_HEAVY_TESTS=1, and with Debian's
Chromium: the cluster of this machine is stopped for a few seconds (every other user of it sees
the outage too), always started again in a finally block.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.drive import (
    CHROMIUM,
    CHROMIUM_ARGS,
    goto,
    log_in,
    logout_button,
    main_area,
    missing_browser_reason,
    new_context,
    new_demo_database,
    reload,
    running_servers,
)
from services.i18n import bilingual, t
from tests.conftest import backend

pytestmark = [
    pytest.mark.heavy,
    pytest.mark.skipif(backend() != "postgresql", reason="stops the PostgreSQL server"),
    pytest.mark.skipif(missing_browser_reason() is not None,
                       reason=missing_browser_reason() or ""),
]

MAX_OUTAGE_S = 20


def cluster(action: str) -> None:
    """pg_ctlcluster on the machine's one cluster (its version is the folder's name)."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, timeout=60, capture_output=True)


def wait_until_ready(timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1"], capture_output=True).returncode == 0:
            return
        time.sleep(0.3)
    raise AssertionError(f"PostgreSQL not ready {timeout_s:.0f} s after its start")


def is_up() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1"], capture_output=True).returncode == 0


@pytest.fixture
def tab(databases, tmp_path_factory) -> Iterator:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    db_url = new_demo_database(databases)
    with running_servers(db_url, [tmp_path_factory.mktemp("streamlit")]) as (server,), \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        context = new_context(browser)
        page = context.new_page()
        page.server_url = server.url
        yield page
        context.close()
        browser.close()


def test_postgresql_stopped_and_started_again_the_same_server_recovers(tab):
    page = tab
    goto(page, page.server_url)
    log_in(page, "district")
    heading = main_area(page).locator("h1").first.inner_text()
    assert heading, "the home page did not show"
    message = bilingual("db.unavailable")
    assert message not in main_area(page).inner_text()

    assert is_up()
    outage_started = time.monotonic()
    try:
        cluster("stop")
        reload(page)
        shown = main_area(page).inner_text()
    finally:
        cluster("start")
        wait_until_ready()
        outage = time.monotonic() - outage_started
    assert outage < MAX_OUTAGE_S, f"PostgreSQL was down {outage:.1f} s"

    # The short message in both languages, and nothing of the driver's own text.
    assert t("db.unavailable", "zh") in shown and t("db.unavailable", "en") in shown
    assert "OperationalError" not in shown and "psycopg" not in shown
    assert heading not in shown

    reload(page)   # the same server process, the same browser session
    assert main_area(page).locator("h1").first.inner_text() == heading
    assert t("db.unavailable", "en") not in main_area(page).inner_text()
    assert logout_button(page).is_visible()   # still logged in: no new login was needed
