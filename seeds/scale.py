"""District-scale data: `python -m seeds --scale N` fills an empty database with N times a
large district after ten years (N=1: 300 schools, 15,000 staff, 150,000 feedback cases).
Deterministic and written in bulk through SQLAlchemy Core, not row by row through the ORM.

Each domain adds its own records by appending a step to `STEPS`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session
from tqdm import tqdm

from db.feedback import FeedbackCase, FeedbackMessage
from db.models import (
    Account,
    AccountRole,
    AuditEntry,
    CongressTerm,
    DelegateMembership,
    Department,
    District,
    School,
    Staff,
)
from seeds.demo import (
    DEMO_DISTRICT_CODE,
    DEMO_PASSWORD,
    FEEDBACK_BODIES,
    FEEDBACK_LAST_DAY,
    SUBJECTS,
    TITLES,
    chinese_name,
    feedback_story,
    pick_category,
    pick_school_route,
    pick_status,
)
from services.auth import hash_password
from services.org import DEFAULT_DEPARTMENTS
from services.receipts import UNUSABLE_HASH

SEED = 20260901
CHUNK = 10_000
SQLITE_CACHE_KIB = 128 * 1024
FIRST_YEAR = 2017  # ten years of records up to 2026


@dataclass(frozen=True)
class Profile:
    """How many of each thing N=1 means: a large district after ten years. Feedback: about
    forty cases a year for each school's union, a fifth of all cases sent to the district's."""

    schools: int = 300
    staff_per_school: int = 50
    retired_share: float = 0.12
    delegates_per_term: int = 12
    terms_per_school: int = 3
    audit_entries: int = 300_000
    feedback_cases: int = 150_000
    feedback_district_share: float = 0.2    # sent to the district union, not a school's
    feedback_forwarded_share: float = 0.15  # of the schools' cases, forwarded to the district


@dataclass
class ScaleContext:
    session: Session
    scale: float
    rng: random.Random
    profile: Profile
    school_ids: list[int] = field(default_factory=list)
    department_ids: dict[int, list[int]] = field(default_factory=dict)
    staff_ids: dict[int, list[int]] = field(default_factory=dict)
    account_ids: list[int] = field(default_factory=list)
    usernames: dict[int, str] = field(default_factory=dict)

    def count(self, per_unit: float) -> int:
        return max(1, round(per_unit * self.scale))


def chunks(rows: Iterable[dict[str, object]], size: int = CHUNK) -> Iterator[list[dict]]:
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_insert(ctx: ScaleContext, table: Table, rows: Iterable[dict[str, object]],
                total: int, label: str) -> None:
    with tqdm(total=total, desc=label, unit="rows", leave=True, mininterval=0.5) as bar:
        for batch in chunks(rows):
            ctx.session.execute(insert(table), batch)
            bar.update(len(batch))


def organisation(ctx: ScaleContext) -> None:
    session, rng, p = ctx.session, ctx.rng, ctx.profile
    district = District(code=DEMO_DISTRICT_CODE, name="明湖区教育工会")
    session.add(district)
    session.flush()
    n_schools = ctx.count(p.schools)
    bulk_insert(ctx, School.__table__, (
        {"district_id": district.id, "code": f"S{i:04d}", "name": _school_name(i),
         "kind": "school", "active": True} for i in range(1, n_schools + 1)
    ), n_schools, "schools")
    ctx.school_ids = list(session.scalars(select(School.id).order_by(School.id)))
    bulk_insert(ctx, Department.__table__, (
        {"school_id": sid, "name": name} for sid in ctx.school_ids for name in DEFAULT_DEPARTMENTS
    ), n_schools * len(DEFAULT_DEPARTMENTS), "departments")
    for sid, did in session.execute(select(Department.school_id, Department.id)
                                    .order_by(Department.id)):
        ctx.department_ids.setdefault(sid, []).append(did)

    def staff_rows() -> Iterator[dict[str, object]]:
        for sid in ctx.school_ids:
            for n in range(1, p.staff_per_school + 1):
                gender = "F" if rng.random() < 0.68 else "M"
                retired = rng.random() < p.retired_share
                year = rng.randint(1950, 1963) if retired else rng.randint(1968, 2002)
                yield {"school_id": sid, "department_id": rng.choice(ctx.department_ids[sid]),
                       "staff_no": f"S{sid:04d}-{n:04d}", "name": chinese_name(rng, gender),
                       "gender": gender, "birth_date": dt.date(year, rng.randint(1, 12),
                                                               rng.randint(1, 28)),
                       "subject": rng.choice(SUBJECTS), "title": rng.choice(TITLES),
                       "retired": retired}

    bulk_insert(ctx, Staff.__table__, staff_rows(), len(ctx.school_ids) * p.staff_per_school,
                "staff")
    for sid, staff_id in session.execute(select(Staff.school_id, Staff.id)
                                         .where(Staff.retired.is_(False)).order_by(Staff.id)):
        ctx.staff_ids.setdefault(sid, []).append(staff_id)


def congress(ctx: ScaleContext) -> None:
    session, rng, p = ctx.session, ctx.rng, ctx.profile
    bulk_insert(ctx, CongressTerm.__table__, (
        {"school_id": sid, "number": 4 + t, "start_year": FIRST_YEAR + 4 * t - 1,
         "end_year": FIRST_YEAR + 4 * t + 2}
        for sid in ctx.school_ids for t in range(p.terms_per_school)
    ), len(ctx.school_ids) * p.terms_per_school, "congress terms")
    terms = session.execute(select(CongressTerm.id, CongressTerm.school_id)
                            .order_by(CongressTerm.id)).all()

    def rows() -> Iterator[dict[str, object]]:
        for term_id, sid in terms:
            pool = ctx.staff_ids.get(sid, [])
            for staff_id in rng.sample(pool, min(p.delegates_per_term, len(pool))):
                yield {"term_id": term_id, "staff_id": staff_id, "delegation": "教师代表团"}

    bulk_insert(ctx, DelegateMembership.__table__, rows(),
                len(terms) * p.delegates_per_term, "delegates")


def accounts(ctx: ScaleContext) -> None:
    """The demo accounts on the first school, plus a chair and a department head per school.

    All share one password hash (the demo password): hashing thousands is not the point here.
    """
    session = ctx.session
    password_hash = hash_password(DEMO_PASSWORD)
    first = ctx.school_ids[0]
    first_staff = ctx.staff_ids[first]
    academic = ctx.department_ids[first][DEFAULT_DEPARTMENTS.index("教务处")]
    named = [
        ("district", "区工会管理员", None, [("district_admin", None, None)]),
        ("chair", "学校工会主席", first_staff[0], [("school_chair", first, None)]),
        ("dept", "教务处主任", first_staff[1], [("department_head", first, academic)]),
        ("delegate", "代表甲", first_staff[2], [("delegate", first, None)]),
        ("delegate2", "代表乙", first_staff[3], [("delegate", first, None)]),
        ("delegate3", "代表丙", first_staff[4], [("delegate", first, None)]),
        ("auditor", "经审委员", None, [("auditor", None, None)]),
    ]
    for sid in ctx.school_ids[1:]:
        staff = ctx.staff_ids[sid]
        named.append((f"chair{sid}", f"工会主席{sid}", staff[0], [("school_chair", sid, None)]))
        named.append((f"dept{sid}", f"教务主任{sid}", staff[1],
                      [("department_head", sid, ctx.department_ids[sid][1])]))
    bulk_insert(ctx, Account.__table__, (
        {"username": u, "display_name": d, "staff_id": s, "password_hash": password_hash,
         "enabled": True, "failed_logins": 0, "created_at": dt.datetime(FIRST_YEAR, 9, 1)}
        for u, d, s, _ in named
    ), len(named), "accounts")
    ids = dict(session.execute(select(Account.username, Account.id)).all())
    bulk_insert(ctx, AccountRole.__table__, (
        {"account_id": ids[u], "role": r, "school_id": s, "department_id": dpt}
        for u, _, _, grants in named for r, s, dpt in grants
    ), sum(len(g) for *_, g in named), "roles")
    ctx.account_ids = list(ids.values())
    ctx.usernames = {v: k for k, v in ids.items()}


def audit_history(ctx: ScaleContext) -> None:
    rng, n = ctx.rng, ctx.count(ctx.profile.audit_entries)
    start = dt.datetime(FIRST_YEAR, 9, 1)
    span = int((dt.datetime(2026, 11, 24) - start).total_seconds())
    actions = ("login.succeeded", "login.succeeded", "login.succeeded", "logout",
               "login.failed", "account.password_changed")
    offsets = sorted(rng.randrange(span) for _ in range(n))

    def rows() -> Iterator[dict[str, object]]:
        for offset in offsets:
            account_id = rng.choice(ctx.account_ids)
            action = rng.choice(actions)
            yield {"at": start + dt.timedelta(seconds=offset),
                   "account_id": None if action == "login.failed" else account_id,
                   "actor_name": None if action == "login.failed" else ctx.usernames[account_id],
                   "action": action, "object_type": "account",
                   "object_id": str(account_id), "school_id": None}

    bulk_insert(ctx, AuditEntry.__table__, rows(), n, "audit log")


def feedback(ctx: ScaleContext) -> None:
    """Ten years of anonymous feedback, older cases mostly closed, and their conversations.

    Two passes over one seeded generator, cases and then messages, so neither is held in
    memory. No receipt works: scrypt for each case would take hours.
    """
    n = ctx.count(ctx.profile.feedback_cases)
    seed = ctx.rng.getrandbits(64)
    messages = 0

    def cases() -> Iterator[dict[str, object]]:
        nonlocal messages
        for case, conversation in _feedback_rows(ctx, seed, n):
            messages += len(conversation)
            yield case

    bulk_insert(ctx, FeedbackCase.__table__, cases(), n, "feedback cases")
    bulk_insert(ctx, FeedbackMessage.__table__, (
        message for _case, conversation in _feedback_rows(ctx, seed, n)
        for message in conversation
    ), messages, "feedback messages")


_ID_PRIME = 2**53 - 111  # the largest prime below 2**53


def _scattered_ids(rng: random.Random) -> Callable[[int], int]:
    """Distinct ids in 1..2**53 that look random: i ↦ (a·i + b) mod p is one-to-one below
    the prime p, so millions of them need no set to rule out a collision."""
    a, b = rng.randrange(1, _ID_PRIME), rng.randrange(_ID_PRIME)
    return lambda i: (a * i + b) % _ID_PRIME + 1


def _feedback_rows(ctx: ScaleContext, seed: int, n: int
                   ) -> Iterator[tuple[dict[str, object], list[dict[str, object]]]]:
    """Each case's row and its messages' rows; the same seed gives the same rows."""
    rng, p = random.Random(seed), ctx.profile
    case_id, message_id = _scattered_ids(rng), _scattered_ids(rng)
    ids = {name: account_id for account_id, name in ctx.usernames.items()}
    district_author = ids["district"]
    chairs = {sid: ids["chair" if sid == ctx.school_ids[0] else f"chair{sid}"]
              for sid in ctx.school_ids}
    first_day = dt.date(FIRST_YEAR, 9, 1)
    span = (FEEDBACK_LAST_DAY - first_day).days
    days = [FEEDBACK_LAST_DAY - dt.timedelta(days=age) for age in range(span + 1)]
    schools, m = ctx.school_ids, 0
    for i in range(n):
        age = rng.randrange(span + 1)
        if rng.random() < p.feedback_district_share:
            school_id, route = None, "district"
        else:
            school_id = schools[rng.randrange(len(schools))]
            route = pick_school_route(rng, p.feedback_forwarded_share)
        category = pick_category(rng)
        story = feedback_story(rng, category, route, pick_status(rng, age), days[age],
                               FEEDBACK_LAST_DAY)
        cid = case_id(i)
        school_author = district_author if school_id is None else chairs[school_id]
        conversation = []
        for seq, (kind, level, body, day) in enumerate(story.entries, start=1):
            author = (None if kind == "writer" else district_author if level == "district"
                      else school_author)
            conversation.append({"id": message_id(m), "case_id": cid, "seq": seq,
                                 "kind": kind, "level": level, "author_account_id": author,
                                 "body": body, "written_on": day})
            m += 1
        bodies = FEEDBACK_BODIES[category]
        yield ({"id": cid, "school_id": school_id, "at_district": story.at_district,
                "district_involved": story.district_involved, "category": category,
                "status": story.status, "body": bodies[rng.randrange(len(bodies))],
                "sent_on": days[age], "closed_on": story.closed_on,
                "receipt_bucket": f"{rng.getrandbits(32):08x}", "receipt_hash": UNUSABLE_HASH,
                "receipt_used_on": story.receipt_used_on}, conversation)


STEPS: list[Callable[[ScaleContext], None]] = [organisation, congress, accounts, feedback,
                                               audit_history]


def load_scale(session: Session, scale: float, profile: Profile | None = None) -> ScaleContext:
    if scale <= 0:
        raise ValueError("scale must be positive")
    ctx = ScaleContext(session, scale, random.Random(SEED), profile or Profile())
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:  # random keys and hashes touch index pages all over: keep more of them at hand
        cache = session.execute(text("PRAGMA cache_size")).scalar()
        session.execute(text(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}"))
    try:
        for step in STEPS:
            step(ctx)
            session.flush()
    finally:
        if sqlite:
            session.execute(text(f"PRAGMA cache_size={int(cache)}"))
    return ctx


_PLACES = "东南西北中新华光明阳湖滨江桂花育才实验城关金山银河青松翠竹红旗长安和平朝阳"
_KINDS = ("小学", "中学", "初级中学", "高级中学", "幼儿园", "九年一贯制学校")


def _school_name(i: int) -> str:
    a, b = _PLACES[i % len(_PLACES)], _PLACES[(i * 7) % len(_PLACES)]
    return f"明湖区{a}{b}第{(i % 9) + 1}{_KINDS[i % len(_KINDS)]}"
