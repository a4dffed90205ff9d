"""Time every page's warm server-side rerun under the roles that use it.

    python -m bench --json bench.json                # over UNION_DATABASE_URL
    python -m bench --json bench.json --scale 1      # builds data/bench-scale-1.db first

Rows: page, role, scale, median_ms, p95_ms, target_ms, missed. Targets: 150 ms for every page,
50 ms for the anonymous feedback pages (submit, reply), 500 ms for district-wide pages at N >= 10,
and 300 ms for sending a message or opening it by receipt (one scrypt run each).
With Chromium present it also times three journeys in the browser and the server's memory
per session.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--json", required=True, type=Path, help="file for the JSON rows")
    parser.add_argument("--scale", type=float, default=None,
                        help="build (or reuse) a SQLite database with `seeds --scale N`")
    parser.add_argument("--runs", type=int, default=15, help="timed reruns per page")
    parser.add_argument("--no-browser", action="store_true",
                        help="skip the browser journeys and the memory figure")
    args = parser.parse_args(argv)

    os.environ.setdefault("UNION_COOKIE_KEY", "benchmark-only-signing-key-0123456789abcdef")
    # Time the pages over all ten years of feedback the profile holds: the app's daily
    # retention check would otherwise start deleting the closed cases under the benchmark.
    os.environ.setdefault("UNION_FEEDBACK_RETENTION_DAYS", "36500")
    if args.scale is not None:
        os.environ["UNION_DATABASE_URL"] = _scale_database(args.scale)
    from bench.pages import page_rows

    scale = args.scale if args.scale is not None else _scale_of_database()
    rows = page_rows(scale=scale, runs=args.runs)
    if not args.no_browser:
        from bench.browser import browser_rows

        rows += browser_rows(scale=scale, db_url=os.environ.get("UNION_DATABASE_URL", ""))
    _print_table(rows)
    args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    missed = sum(1 for r in rows if r["missed"])
    print(f"\n{len(rows)} rows, {missed} missed · {platform.machine()} · "
          f"{os.cpu_count()} cores · Python {platform.python_version()}")
    return 0


def _scale_database(scale: float) -> str:
    from db.engine import DATA_DIR, make_engine, make_sessionmaker, transaction
    from db.migrate import upgrade_to_head
    from seeds.demo import database_is_empty
    from seeds.scale import load_scale

    path = DATA_DIR / f"bench-scale-{scale:g}.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    with transaction(make_sessionmaker(engine)) as session:
        if database_is_empty(session):
            started = time.perf_counter()
            load_scale(session, scale)
            print(f"built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    engine.dispose()
    return url


def _scale_of_database() -> float:
    from sqlalchemy import func, select

    from db.engine import make_engine, make_sessionmaker
    from db.models import Staff

    with make_sessionmaker(make_engine())() as session:
        staff = session.scalar(select(func.count()).select_from(Staff)) or 0
    return round(staff / 15_000, 3)


def _print_table(rows: list[dict]) -> None:
    print(f"{'page':<32}{'role':<17}{'scale':>6}{'median':>9}{'p95':>9}{'target':>8}  missed")
    for r in rows:
        if r["median_ms"] is None:  # the memory row
            median, p95 = f"{r['added_mb_per_session']}MB", ""
            target = f"{r['target_mb']}MB"
        else:
            median, p95, target = f"{r['median_ms']:.1f}", f"{r['p95_ms']:.1f}", r["target_ms"]
        print(f"{r['page']:<32}{r['role']:<17}{r['scale']:>6g}{median:>9}{p95:>9}"
              f"{target:>8}  {'MISSED' if r['missed'] else ''}")


def summarise(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered), 1), round(p95, 1)


if __name__ == "__main__":
    sys.exit(main())
