"""Warm reruns of every page under every role that may open it, through AppTest."""

from __future__ import annotations

import time

from bench.harness import ROLE_USERS, app_as, app_on_page, routed
from services.access import ANYONE, LOGGED_IN, PAGES, PAGES_BY_KEY, VISITOR_ONLY, PageSpec

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
        rows += motion_rows(scale=scale, runs=runs)
        rows += action_rows(scale=scale, runs=runs)
    return rows


def motion_rows(*, scale: float, runs: int) -> list[dict]:
    """The motion page with a motion open (the loop above opens it with none chosen): for
    each reader, the motion with the longest history they may open: one of the chair's
    school, one led by the head's department, one of the delegate's own."""
    from sqlalchemy import func, select

    from db.engine import make_engine, make_sessionmaker
    from db.motions import Motion, MotionEvent
    from services.auth import load_actor

    spec = PAGES_BY_KEY["motion"]
    picks: list[tuple[str, str, int]] = []
    engine = make_engine()
    with make_sessionmaker(engine)() as session:
        for role in ("school_chair", "department_head", "delegate"):
            username = ROLE_USERS[role]
            actor = load_actor(session, username) if username else None
            if actor is None:
                continue
            scope = {"school_chair": Motion.school_id.in_(actor.school_ids()),
                     "department_head": Motion.lead_department_id.in_(actor.department_ids()),
                     "delegate": Motion.proposer_staff_id == actor.staff_id}[role]
            longest = session.scalar(
                select(MotionEvent.motion_id).join(Motion, Motion.id == MotionEvent.motion_id)
                .where(scope).group_by(MotionEvent.motion_id)
                .order_by(func.count().desc(), MotionEvent.motion_id).limit(1))
            if longest is not None:
                picks.append((role, username, longest))
    engine.dispose()
    rows = []
    for role, username, motion_id in picks:
        at = app_on_page(username, spec.file, motion_id=motion_id)
        if at.exception:
            raise RuntimeError(f"motion {motion_id} as {role}: {at.exception[0].message}")
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            at.run()
            samples.append((time.perf_counter() - t0) * 1000)
        rows.append(_row("motion (one motion)", role, scale, samples,
                         target_ms(spec, role, scale)))
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
            _row("(open by receipt)", "visitor", scale, check, 300),
            *competition_rows(factory, scale=scale, runs=runs),
            *fund_rows(factory, scale=scale)]


def fund_rows(factory, *, scale: float) -> list[dict]:  # type: ignore[no-untyped-def]
    """Paying one approved application: the account lock, the balance check, the ledger
    entry and the state change, each payment rolled back so the next one finds it approved."""
    from sqlalchemy import select

    from db.fund import ReliefApplication
    from services import fund, relief
    from services.auth import load_actor
    from services.errors import DomainError

    with factory() as session:
        approved = list(session.scalars(
            select(ReliefApplication.id).where(ReliefApplication.state == "district_approved")
            .order_by(ReliefApplication.id).limit(5)))
        district = fund.account_id_for(session, None)
        session.rollback()
    samples = []
    for application_id in approved:
        with factory() as session:
            admin = load_actor(session, "district")
            assert admin is not None
            t0 = time.perf_counter()
            try:
                relief.pay(session, admin, application_id, account_id=district)
            except DomainError:  # a short balance is a refusal, not a timing
                session.rollback()
                continue
            samples.append((time.perf_counter() - t0) * 1000)
            session.rollback()  # the benchmark leaves the database as it found it
    return [_row("(pay one relief application)", "district_admin", scale, samples, 100)] \
        if samples else []


def competition_rows(factory, *, scale: float, runs: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """The largest competition's results, a teacher's record, and importing a 5,000-row
    score sheet (parsed, validated and written as a new version, then rolled back)."""
    from sqlalchemy import func, select

    from db.competitions import Entrant, JudgeScore, ScoreSheet, StandingRow
    from services import competition_files, competitions
    from services.auth import load_actor

    rows: list[dict] = []
    with factory() as session:
        admin = load_actor(session, "district")
        biggest = session.scalar(
            select(ScoreSheet.competition_id).join(JudgeScore, JudgeScore.sheet_id
                                                   == ScoreSheet.id)
            .group_by(ScoreSheet.competition_id).order_by(func.count().desc()).limit(1))
        busiest = session.scalar(
            select(Entrant.staff_id).join(StandingRow, StandingRow.entrant_id == Entrant.id)
            .group_by(Entrant.staff_id).order_by(func.count().desc()).limit(1))
        if admin is None or biggest is None or busiest is None:
            return rows
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            competitions.results(session, admin, biggest)
            samples.append((time.perf_counter() - t0) * 1000)
        rows.append(_row("(results of the largest competition)", "district_admin", scale,
                         samples, 150))
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            competitions.teacher_record(session, admin, busiest)
            samples.append((time.perf_counter() - t0) * 1000)
        rows.append(_row("(a teacher's record)", "district_admin", scale, samples, 150))
        # A district competition of our own with 5,000 score rows: 200 × 5 judges × 5 segments.
        view = _import_target(session, admin)
        if view is not None:
            sheet = competition_files.score_template(view)
            filled = _filled(sheet)
            t0 = time.perf_counter()
            parsed = competition_files.read_score_sheet(filled, view)
            competitions.replace_sheet(session, admin, view.id, parsed)
            rows.append(_row(f"(import {len(parsed):,} score rows)", "district_admin", scale,
                             [(time.perf_counter() - t0) * 1000], 5000))
        session.rollback()  # the benchmark leaves the database as it found it
    return rows


def _import_target(session, admin):  # type: ignore[no-untyped-def]
    """A new district competition with 200 entrants, 5 judges and 5 segments."""
    from decimal import Decimal

    from sqlalchemy import select

    from db.models import Staff
    from services import competitions as c

    staff = list(session.scalars(select(Staff.id).where(Staff.retired.is_(False))
                                 .order_by(Staff.id).limit(200)))
    if len(staff) < 200:
        return None
    new_id = c.create_competition(session, admin, c.CompetitionInput(
        name="benchmark import", level="district", kind="benchmark", year=2026,
        organiser_school_id=None, held_on=None,
        segments=[c.SegmentInput(f"segment {n}", Decimal(100), Decimal(20)) for n in range(5)],
        tiers=[c.TierInput("first", Decimal(15)), c.TierInput("second", Decimal(25))],
        judges=[c.JudgeInput(f"judge {n}", "bench") for n in range(5)],
        entrants=[c.EntrantInput(sid, "all") for sid in staff]))
    return c.competition(session, admin, new_id)


def _filled(template: bytes) -> bytes:
    """The template with every score filled in, as a person would."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for n, row in enumerate(sheet.iter_rows(min_row=2), start=1):
        if row[0].value is not None:
            row[5].value = 60 + (n * 7) % 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(page: str, role: str, scale: float, samples: list[float], target: int) -> dict:
    from bench.__main__ import summarise

    median, p95 = summarise(samples)
    return {"page": page, "role": role, "scale": scale, "median_ms": median, "p95_ms": p95,
            "target_ms": target, "missed": median > target}
