"""Load: fifty sessions at once against one real server over a scale database (bench/load.py).

The heavy cases start `streamlit run app.py` on loopback over a fresh database of the backend
under test (`seeds --scale 0.1`), and speak Streamlit's websocket protocol as the browser
would. They assert no exception box, no error message, no unfinished run, no traceback in the
server's log, and no lost write; the page-time ceiling is generous so a busy CI box passes.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from bench import load
from bench.drive import StreamlitServer

REPORT = Path(os.environ.get("UNION_LOAD_REPORT", load.ROOT / "load-report.json"))


@pytest.fixture(scope="module")
def scale_url(databases) -> str:
    url = databases.new_url()
    seconds = load.build_scale_database(url, 0.1)
    assert seconds < 120, f"seeding scale 0.1 took {seconds:.0f} s"
    return url


@pytest.mark.heavy
def test_fifty_sessions_for_a_minute(scale_url, tmp_path):
    started = time.monotonic()
    report = load.run_load(scale_url, sessions=50, seconds=60, work_dir=tmp_path)
    load.print_table(report)
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    assert report["errors"] == []
    assert report["server_errors"] == []
    # Every role logged in (30 members); teachers sent messages and all of them are stored.
    assert report["logins"] == 30
    assert report["writes_believed"] >= 20
    assert report["writes_found"] == report["writes_believed"]
    assert report["lost_writes"] == 0
    pages = {row["page"] for row in report["pages"]}
    assert {"login", "login (submit)", "feedback", "feedback (send)", "motion_list",
            "motion_review", "motion_department", "motions_mine", "motion", "fund", "relief",
            "competitions", "audit"} <= pages
    assert report["page_loads"] >= 150
    assert report["p95_ms"] < load.P95_CEILING_MS
    assert time.monotonic() - started < 180


@pytest.mark.heavy
def test_simultaneous_first_visits_to_a_fresh_server(scale_url, tmp_path):
    """Before ui/warm.py, 12 of 12 first visits at the same moment to a fresh server failed
    with 'cannot import name … from partially initialized module' or KeyError: 'db'."""
    server = StreamlitServer(db_url=scale_url, work_dir=tmp_path)
    server.start()
    try:
        server.wait_ready()
        paths = ["", "feedback", "feedback_reply", "login", "competitions", "fund"] * 4

        async def visit(path: str) -> load.Run:
            tab = load.Tab(server.url)
            await tab.connect()
            try:
                return await tab.run(page=path)
            finally:
                await tab.close()

        async def all_at_once() -> list[load.Run]:
            return await asyncio.gather(*(visit(path) for path in paths))

        runs = asyncio.run(all_at_once())
    finally:
        server.stop()
    assert [r.exceptions for r in runs] == [[]] * 24
    assert all(r.finished for r in runs)
    assert load.server_errors(server.log_path.read_text(encoding="utf-8")) == []


def test_server_errors_are_found_in_the_log():
    log = ("2026-12-05T23:18:53 info    database.ready backend=sqlite\n"
           "2026-12-05 23:17:17.030 Uncaught app execution\n"
           "Traceback (most recent call last):\n"
           '  File "/srv/union-desk/pages/login.py", line 5, in <module>\n'
           '{"ts": "2026-12-05T23:18:54Z", "level": "error", "event": "page.failed"}\n'
           "2026-12-05T23:18:55 error   page.failed page=fund\n"
           "2026-12-05T23:18:56 warning feedback.refused\n")
    assert load.server_errors(log) == [
        "Traceback (most recent call last):",
        '{"ts": "2026-12-05T23:18:54Z", "level": "error", "event": "page.failed"}',
        "2026-12-05T23:18:55 error   page.failed page=fund",
    ]
    assert load.server_errors("2026-12-05T23:18:53 info    database.ready\n") == []


def test_report_percentiles_and_lost_writes():
    tally = load.Tally()
    for ms in range(1, 101):  # 1 … 100 ms on one page
        tally.samples.setdefault("fund", []).append(float(ms))
    tally.samples["relief"] = [500.0]
    tally.sent = 7
    report = load._report(tally, sessions=2, seconds=1, wall=1.0, new_rows=6,
                          server_errors=[], backend="sqlite")
    assert report["pages"][0] == {"page": "fund", "loads": 100, "p50_ms": 50, "p95_ms": 95,
                                  "max_ms": 100}
    assert report["page_loads"] == 101 and report["p95_ms"] == 96
    assert report["lost_writes"] == 1 and report["writes_found"] == 6
