"""Warm reruns of every page under every role that may open it, through AppTest."""

from __future__ import annotations

import time

from bench.harness import ROLE_USERS, app_as, routed
from services.access import ANYONE, LOGGED_IN, PAGES, VISITOR_ONLY, PageSpec

DISTRICT_WIDE = ("district_admin", "auditor")


def roles_for(spec: PageSpec) -> list[str]:
    if ANYONE in spec.allowed or VISITOR_ONLY in spec.allowed:
        return ["visitor"]
    if LOGGED_IN in spec.allowed:
        return [r for r in ROLE_USERS if r != "visitor"]
    return [r for r in spec.allowed if r in ROLE_USERS]


ANONYMOUS_PAGES = ("feedback_submit", "feedback_reply")


def target_ms(spec: PageSpec, role: str, scale: float) -> int:
    if spec.key in ANONYMOUS_PAGES:
        return 50
    if scale >= 10 and role in DISTRICT_WIDE:
        return 500
    return 150


def page_rows(*, scale: float, runs: int) -> list[dict]:

    rows: list[dict] = []
    with routed():
        started = time.perf_counter()
        first = app_as("district")
        first.run()
        first_ms = (time.perf_counter() - started) * 1000
        rows.append(_row("(first render)", "district_admin", scale, [first_ms], 3000))
        for spec in PAGES:
            for role in roles_for(spec):
                at = app_as(ROLE_USERS[role])
                at.run()
                at.switch_page(spec.file)
                at.run()
                if at.exception:
                    raise RuntimeError(f"{spec.key} as {role}: {at.exception[0].message}")
                samples = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    at.run()
                    samples.append((time.perf_counter() - t0) * 1000)
                rows.append(_row(spec.key, role, scale, samples, target_ms(spec, role, scale)))
        rows += action_rows(scale=scale, runs=runs)
    return rows


def action_rows(*, scale: float, runs: int) -> list[dict]:
    """Heavy actions: sending a message (one scrypt hash) and opening it by receipt (one
    scrypt check), at the production cost of scrypt."""
    import os

    from db.engine import make_engine, make_sessionmaker
    from services import feedback

    os.environ.pop("UNION_RECEIPT_SCRYPT_N", None)
    factory = make_sessionmaker(make_engine())
    send, check = [], []
    with factory() as session:
        for _ in range(max(3, runs // 3)):
            t0 = time.perf_counter()
            code = feedback.submit_feedback(session, school_id=None, category="other",
                                            body="benchmark message")
            session.flush()
            send.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            assert feedback.open_by_receipt(session, code) is not None
            check.append((time.perf_counter() - t0) * 1000)
        session.rollback()  # the benchmark leaves the database as it found it
    return [_row("(send feedback)", "visitor", scale, send, 300),
            _row("(open by receipt)", "visitor", scale, check, 300)]


def _row(page: str, role: str, scale: float, samples: list[float], target: int) -> dict:
    from bench.__main__ import summarise

    median, p95 = summarise(samples)
    return {"page": page, "role": role, "scale": scale, "median_ms": median, "p95_ms": p95,
            "target_ms": target, "missed": median > target}
