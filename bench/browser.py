"""Browser-side figures, when Debian's Chromium is present: three journeys timed from the
click to the page being idle, and the server's resident memory per session."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

JOURNEY_TARGET_MS = 1500  # a click answered within 1.5 s in the browser
QUIET_MS = 200  # idle this long counts as done; not counted in the figure
MEMORY_TARGET_MB = 30
SESSIONS = 20
REPEATS = 3


def browser_rows(*, scale: float, db_url: str) -> list[dict]:
    from bench.drive import missing_browser_reason

    reason = missing_browser_reason()
    if reason:
        print(f"browser figures skipped: {reason}", file=sys.stderr)
        return []
    return [*_journeys(scale, db_url), _memory(scale, db_url)]


@contextmanager
def _server_and_browser(db_url: str) -> Iterator[tuple[Any, Any]]:
    from playwright.sync_api import sync_playwright

    from bench.drive import launch, running_servers

    with tempfile.TemporaryDirectory() as work, \
            running_servers(db_url, [Path(work)]) as (server,), sync_playwright() as pw:
        browser = launch(pw)
        try:
            yield server, browser
        finally:
            browser.close()


def _journeys(scale: float, db_url: str) -> list[dict]:
    from bench.__main__ import summarise
    from bench.drive import goto, login_form, new_context, sidebar, wait_idle
    from seeds.demo import DEMO_PASSWORD
    from services.i18n import t

    samples: dict[str, list[float]] = {"journey: log in → home": [],
                                       "journey: open staff register": [],
                                       "journey: open audit log": []}
    with _server_and_browser(db_url) as (server, browser):
        for _ in range(REPEATS):
            context = new_context(browser)
            page = context.new_page()
            goto(page, server.url)
            user, secret, submit = login_form(page)
            user.fill("district")
            secret.fill(DEMO_PASSWORD)
            started = time.perf_counter()
            submit.click()
            wait_idle(page, quiet_ms=QUIET_MS)
            samples["journey: log in → home"].append(_ms(started) - QUIET_MS)
            for key, title in (("journey: open staff register", "page.staff"),
                               ("journey: open audit log", "page.audit_log")):
                started = time.perf_counter()
                sidebar(page).get_by_role("link", name=t(title)).click()
                wait_idle(page, quiet_ms=QUIET_MS)
                samples[key].append(_ms(started) - QUIET_MS)
            context.close()
    rows = []
    for page_name, values in samples.items():
        median, p95 = summarise(values)
        rows.append({"page": page_name, "role": "district_admin", "scale": scale,
                     "median_ms": median, "p95_ms": p95, "target_ms": JOURNEY_TARGET_MS,
                     "missed": median > JOURNEY_TARGET_MS})
    return rows


def _memory(scale: float, db_url: str) -> dict:
    from bench.drive import goto, log_in, new_context

    with _server_and_browser(db_url) as (server, browser):
        contexts = []

        def session() -> None:
            context = new_context(browser)
            page = context.new_page()
            goto(page, server.url)
            log_in(page, "district")
            goto(page, f"{server.url}/audit")
            contexts.append(context)  # kept open: the session stays alive on the server

        session()  # the first session pays for imports and caches
        before = _rss_mb(server.process.pid)
        for _ in range(SESSIONS):
            session()
        after = _rss_mb(server.process.pid)
    per_session = round((after - before) / SESSIONS, 2)
    print(f"server memory: {before:.0f} MB after one session, {after:.0f} MB after "
          f"{SESSIONS} more: {per_session} MB per session", file=sys.stderr)
    return {"page": "(memory per session)", "role": "district_admin", "scale": scale,
            "median_ms": None, "p95_ms": None, "target_ms": None,
            "added_mb_per_session": per_session, "target_mb": MEMORY_TARGET_MB,
            "missed": per_session > MEMORY_TARGET_MB}


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")
