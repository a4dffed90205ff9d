"""District-scale data: `python -m seeds --scale N` fills an empty database with N times a
large district after ten years (N=1: 300 schools, 15,000 staff, 150,000 feedback cases, about
1,000 competitions with a million judges' scores, 20,000 honours, a relief fund of about
500,000 ledger entries and 36,000 relief applications, and 48,000 congress motions with
about 580,000 steps of history).
Deterministic and written in bulk through SQLAlchemy Core, not row by row through the ORM.

Each domain adds its own records by appending a step to `STEPS`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, count

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from db.competitions import (
    AwardTier,
    Competition,
    CompetitionEvent,
    Entrant,
    Honour,
    HonourKind,
    Judge,
    JudgeScore,
    ScoreSheet,
    Segment,
    StandingRow,
    SubjectGroup,
)
from db.feedback import FeedbackCase, FeedbackMessage
from db.fund import (
    BankCheck,
    FundAccount,
    FundCategory,
    FundEntry,
    FundVoucherCounter,
    ReliefApplication,
    ReliefEvent,
)
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
from db.motions import (
    CongressMeeting,
    CongressVote,
    Motion,
    MotionAssignment,
    MotionCosigner,
    MotionEvent,
    MotionMilestone,
    MotionRating,
    MotionReply,
)
from seeds.demo import (
    COMPETITION_KINDS,
    COUNT_TIERS,
    DEMO_DISTRICT_CODE,
    DEMO_PASSWORD,
    DOUBLE_NINTH,
    FEEDBACK_BODIES,
    FEEDBACK_LAST_DAY,
    HONOUR_ISSUERS,
    HONOUR_KINDS,
    JUDGE_ORGANISATIONS,
    PRIVATE_AMOUNTS_FEN,
    PRIVATE_DONORS,
    QUOTA_TIERS,
    RELIEF_CANCEL_NOTES,
    RELIEF_CASES,
    RELIEF_REJECT_REASONS,
    RELIEF_RETURN_NOTES,
    SPONSORS,
    SPRING_FESTIVAL,
    SUBJECT_GROUPS,
    SUBJECTS,
    TENTHS,
    TITLES,
    UTC_OFFSET,
    LedgerWriter,
    PlannedRelief,
    SegmentSpec,
    TierSpec,
    chinese_name,
    feedback_story,
    first_free_id,
    id_number,
    local_at,
    panel_tenths,
    pick_category,
    pick_school_route,
    pick_status,
    relief_events,
    relief_row,
    relief_steps,
    standing_rows,
    sync_id_sequences,
)
from seeds.motions_demo import (
    CURRENT_MIX,
    MEETINGS,
    MOTIONS_LAST_DAY,
    PAST_MIX,
    REPLY_DAYS,
    TOPICS,
    VOTE_SUBJECTS,
    Cast,
    CosignerPool,
    MeetingFacts,
    Person,
    Plan,
    child_rows,
    meeting_lives,
    number_motions,
    pick_plan,
)
from services.auth import hash_password
from services.fund import DEFAULT_CATEGORIES, ensure_accounts, ensure_lists
from services.org import DEFAULT_DEPARTMENTS
from services.receipts import UNUSABLE_HASH
from services.scoring import EntrantScores, SegmentRule

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
    # Competitions: one school in three holds one a year, the district union a dozen; each
    # competing entrant is scored by every judge in every segment, in one sheet.
    competitions_per_school_year: float = 0.3
    district_competitions_per_year: int = 12
    school_competition_entrants: tuple[int, int] = (12, 30)
    school_competition_judges: tuple[int, int] = (5, 7)
    district_competition_entrants: tuple[int, int] = (120, 360)
    district_competition_judges: tuple[int, int] = (5, 9)
    competition_no_show_share: float = 0.02
    honours: int = 20_000
    honours_school_share: float = 0.05
    # The relief fund: staff give a day's pay each September (慈善一日捐) and some give every
    # month from their pay; each school files about a dozen relief applications a year.
    fund_one_day_share: float = 0.9
    fund_monthly_donor_share: float = 0.23
    fund_applications_per_school_year: tuple[int, int] = (8, 16)
    fund_duplicate_share: float = 0.0005    # incomes posted twice, reversed at once
    fund_bounced_share: float = 0.003       # payments returned by the bank, paid again
    # Congress motions: the latest term's last two meetings of each school, 2025 (closed to
    # new motions, all far along) and 2026 (open, motions at every stage).
    motions_per_meeting: tuple[int, int] = (70, 90)
    votes_per_past_meeting: int = 2


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

    first = ctx.school_ids[0]

    def rows() -> Iterator[dict[str, object]]:
        for term_id, sid in terms:
            pool = ctx.staff_ids.get(sid, [])
            picked = rng.sample(pool, min(p.delegates_per_term, len(pool)))
            if sid == first:  # the demo delegate accounts (staff 2–4, see `accounts`) sit too
                named = pool[2:5]
                picked = named + [s for s in picked if s not in named][:len(picked) - 3]
            for staff_id in picked:
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


# --- 技能竞赛 and honours ----------------------------------------------------------------------

SCHOOL_COMPETITION_KINDS = ("说课", "板书", "演讲", "微课", "课堂教学竞赛", "基本功大赛")
DISTRICT_COMPETITION_KINDS = ("基本功大赛", "课堂教学竞赛", "技能大赛", "说课", "微课", "演讲")
COMPETITION_LAST_DAY = FEEDBACK_LAST_DAY  # the scale's "today" is the day after
# Which levels each honour is given at (drawn evenly), and how often teachers get each kind.
HONOUR_LEVELS = {
    "工人先锋号": ("district", "district", "city", "province"),
    "师德标兵": ("school", "district", "district", "city"),
    "优秀班主任": ("school", "school", "district", "city"),
    "优秀教代会代表": ("school", "district"),
    "五一劳动奖章": ("city", "city", "province", "national"),
    "劳动模范": ("city", "province", "province", "national"),
}
_TEACHER_HONOURS = ("优秀班主任",) * 7 + ("师德标兵",) * 6 + ("优秀教代会代表",) * 5 + (
    "五一劳动奖章", "五一劳动奖章", "劳动模范")


@dataclass
class _Planned:
    """One competition before it has ids."""

    row: dict[str, object]
    groups: list[str]
    segments: tuple[SegmentSpec, ...]
    tiers: tuple[TierSpec, ...]
    judges: list[tuple[int | None, str, str]]     # staff id, name, organisation; chief first
    leniencies: list[float]
    entrants: list[tuple[int, int, int, bool]]    # staff id, school id, group index, competed
    sheet: dict[str, object]
    steps: list[tuple[str | None, str, int, dt.datetime]]  # from, to, account, at

    @property
    def scores(self) -> int:
        return sum(c for *_, c in self.entrants) * len(self.judges) * len(self.segments)


def competitions(ctx: ScaleContext) -> None:
    """Ten years of school and district competitions, each with one score sheet. They are
    planned first (ids come back in insertion order, the tables being empty); the scores are
    drawn while they are written."""
    plans = _plan_competitions(ctx)
    ids = _insert_back(ctx, Competition.__table__, [plan.row for plan in plans],
                       "competitions")
    group_ids = iter(_insert_back(ctx, SubjectGroup.__table__, [
        {"competition_id": cid, "name": name}
        for cid, plan in zip(ids, plans, strict=True) for name in plan.groups
    ], "competition groups"))
    groups = [[next(group_ids) for _ in plan.groups] for plan in plans]
    segment_ids = iter(_insert_back(ctx, Segment.__table__, [
        {"competition_id": cid, "name": name, "max_score": maximum, "weight": weight,
         "position": n}
        for cid, plan in zip(ids, plans, strict=True)
        for n, (name, maximum, weight) in enumerate(plan.segments, start=1)
    ], "competition segments"))
    segments = [[next(segment_ids) for _ in plan.segments] for plan in plans]
    judge_ids = iter(_insert_back(ctx, Judge.__table__, [
        {"competition_id": cid, "staff_id": staff_id, "name": name, "organisation": org,
         "chief": n == 0}
        for cid, plan in zip(ids, plans, strict=True)
        for n, (staff_id, name, org) in enumerate(plan.judges)
    ], "competition judges"))
    judges = [[next(judge_ids) for _ in plan.judges] for plan in plans]
    entrant_ids = iter(_insert_back(ctx, Entrant.__table__, [
        {"competition_id": cid, "staff_id": staff_id, "school_id": school_id,
         "group_id": group_ids_[group], "competed": competed}
        for cid, plan, group_ids_ in zip(ids, plans, groups, strict=True)
        for staff_id, school_id, group, competed in plan.entrants
    ], "competition entrants"))
    entrants = [[next(entrant_ids) for _ in plan.entrants] for plan in plans]
    bulk_insert(ctx, AwardTier.__table__, (
        {"competition_id": cid, "rank": n, "name": name, "quota_percent": quota,
         "fixed_count": count}
        for cid, plan in zip(ids, plans, strict=True)
        for n, (name, quota, count) in enumerate(plan.tiers, start=1)
    ), sum(len(plan.tiers) for plan in plans), "award tiers")
    sheets = _insert_back(ctx, ScoreSheet.__table__, [
        {**plan.sheet, "competition_id": cid} for cid, plan in zip(ids, plans, strict=True)
    ], "score sheets")
    score_rng = random.Random(ctx.rng.getrandbits(64))
    standings: list[dict[str, object]] = []

    def scores() -> Iterator[dict[str, object]]:
        """Every judge's scores; the results of published and closed competitions are frozen
        into `standings` on the way, as publishing does."""
        for n, (cid, plan) in enumerate(zip(ids, plans, strict=True)):
            leniencies = tuple(plan.leniencies)
            frozen = plan.row["state"] in ("published", "closed")
            contest: list[list[EntrantScores]] = [[] for _ in plan.groups]
            for entrant_id, (_, _, group, competed) in zip(entrants[n], plan.entrants,
                                                           strict=True):
                if not competed:
                    continue
                ability = score_rng.uniform(0.70, 0.94)
                by_segment = {}
                for segment_id, (_, maximum, _) in zip(segments[n], plan.segments,
                                                       strict=True):
                    panel = [TENTHS[value] for value in panel_tenths(
                        score_rng, maximum, ability + score_rng.gauss(0, 0.03), leniencies)]
                    by_segment[segment_id] = panel
                    for judge_id, score in zip(judges[n], panel, strict=True):
                        yield {"sheet_id": sheets[n], "entrant_id": entrant_id,
                               "judge_id": judge_id, "segment_id": segment_id,
                               "score": score}
                if frozen:
                    contest[group].append(EntrantScores(entrant_id, by_segment))
            if frozen:
                rules = [SegmentRule(sid, name, TENTHS[maximum * 10], TENTHS[weight * 10], k)
                         for k, (sid, (name, maximum, weight)) in enumerate(
                             zip(segments[n], plan.segments, strict=True), start=1)]
                standings.extend(standing_rows(cid, rules, plan.tiers, contest))

    bulk_insert(ctx, JudgeScore.__table__, scores(), sum(plan.scores for plan in plans),
                "judges' scores")
    bulk_insert(ctx, StandingRow.__table__, standings, len(standings), "standings")
    bulk_insert(ctx, CompetitionEvent.__table__, (
        {"competition_id": cid, "at": at, "account_id": account, "from_state": before,
         "to_state": after, "sheet_version": None if before is None else 1, "reason": None}
        for cid, plan in zip(ids, plans, strict=True) for before, after, account, at in plan.steps
    ), sum(len(plan.steps) for plan in plans), "competition events")


def _insert_back(ctx: ScaleContext, table: Table, rows: list[dict[str, object]], label: str
                 ) -> list[int]:
    """Insert into an empty table and return the new ids in the order of the rows."""
    bulk_insert(ctx, table, rows, len(rows), label)
    ids = list(ctx.session.scalars(select(table.c.id).order_by(table.c.id)))
    assert len(ids) == len(rows), f"{table.name} was not empty"
    return ids


def _plan_competitions(ctx: ScaleContext) -> list[_Planned]:
    rng, p = ctx.rng, ctx.profile
    staff = {sid: (school_id, name, subject) for sid, school_id, name, subject in
             ctx.session.execute(select(Staff.id, Staff.school_id, Staff.name, Staff.subject)
                                 .where(Staff.retired.is_(False)).order_by(Staff.id))}
    all_staff = list(staff)
    by_subject: dict[str, list[int]] = {}
    for sid, (_, _, subject) in staff.items():
        by_subject.setdefault(subject, []).append(sid)
    school_names = dict(ctx.session.execute(select(School.id, School.name)).all())
    ids = {name: account_id for account_id, name in ctx.usernames.items()}
    district = ids["district"]
    chairs = {sid: ids["chair" if sid == ctx.school_ids[0] else f"chair{sid}"]
              for sid in ctx.school_ids}
    years = list(range(FIRST_YEAR, COMPETITION_LAST_DAY.year + 1))
    first_day, last_day = dt.date(FIRST_YEAR, 9, 1), COMPETITION_LAST_DAY - dt.timedelta(days=5)
    slots: list[tuple[int, int | None]] = [
        (year, None) for year in years for _ in range(ctx.count(p.district_competitions_per_year))]
    slots += [(rng.choice(years), rng.choice(ctx.school_ids))
              for _ in range(round(p.competitions_per_school_year * len(ctx.school_ids)
                                   * len(years)))]
    plans = []
    for year, school in slots:
        start = max(first_day, dt.date(year, 3, 1))
        end = min(last_day, dt.date(year, 12, 20))
        held_on = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
        if school is None:
            kind = rng.choice(DISTRICT_COMPETITION_KINDS)
            subjects = rng.sample(SUBJECTS, rng.randint(3, 6))
            per_group = rng.randint(*p.district_competition_entrants) // len(subjects)
            entrants = [(sid, staff[sid][0], g)
                        for g, subject in enumerate(subjects)
                        for sid in rng.sample(by_subject[subject],
                                              min(per_group, len(by_subject[subject]) // 2))]
            groups = subjects
            name = f"{year}年明湖区{'·'.join(subjects)}{COMPETITION_KINDS[kind][0]}"
            n_judges = rng.randint(*p.district_competition_judges)
            # Experts from outside (the chief first), then district staff who do not compete.
            taken = {sid for sid, *_ in entrants}
            names: set[tuple[str, str]] = set()
            judges: list[tuple[int | None, str, str]] = []
            while len(judges) < n_judges:
                if len(judges) < n_judges - n_judges // 2:
                    sid = None
                    person = (chinese_name(rng, rng.choice("FM")),
                              JUDGE_ORGANISATIONS[len(judges) % len(JUDGE_ORGANISATIONS)])
                else:
                    sid = rng.choice(all_staff)
                    person = (staff[sid][1], school_names[staff[sid][0]])
                if person not in names and (sid is None or sid not in taken):
                    taken.add(sid)
                    names.add(person)
                    judges.append((sid, *person))
            creator = manager = confirmer = district
            entered_by = chairs[rng.choice(ctx.school_ids)]  # seconded as its secretary
            level, tiers = "district", QUOTA_TIERS
        else:
            kind = rng.choice(SCHOOL_COMPETITION_KINDS)
            pool = ctx.staff_ids[school]
            n_judges = rng.randint(*p.school_competition_judges)
            n = min(rng.randint(*p.school_competition_entrants), len(pool) - n_judges)
            if n < 2:
                continue
            chosen = rng.sample(pool, n + n_judges)
            groups = []
            entrants = []
            for sid in chosen[:n]:
                group = SUBJECT_GROUPS[staff[sid][2]]
                if group not in groups:
                    groups.append(group)
                entrants.append((sid, school, groups.index(group)))
            first_of = {staff[sid][1]: sid for sid in reversed(chosen[n:])}  # one of a name
            judges = [(sid, staff[sid][1], school_names[school]) for sid in chosen[n:]
                      if first_of[staff[sid][1]] == sid]
            name = f"{year}年{school_names[school]}{COMPETITION_KINDS[kind][0]}"
            creator = manager = entered_by = chairs[school]
            confirmer = district
            level, tiers = "school", QUOTA_TIERS if n >= 20 else COUNT_TIERS

        def at(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)))

        day = held_on - dt.timedelta(days=rng.randint(20, 60))
        entered = held_on + dt.timedelta(days=rng.randint(0, 3))
        confirmed = entered + dt.timedelta(days=rng.randint(1, 5))
        published = confirmed + dt.timedelta(days=rng.randint(1, 4))
        closed = published + dt.timedelta(days=rng.randint(7, 21))
        steps = [(before, after, account, at(when)) for before, after, account, when in (
            (None, "draft", creator, day), ("draft", "confirmed", confirmer, confirmed),
            ("confirmed", "published", manager, published),
            ("published", "closed", manager, closed)) if when <= COMPETITION_LAST_DAY]
        if len(steps) == 4 and rng.random() < 0.03:  # results left up, never closed
            steps.pop()
        state = steps[-1][1]
        plans.append(_Planned(
            row={"name": name, "level": level, "kind": kind, "year": year,
                 "organiser_school_id": school, "held_on": held_on, "state": state,
                 "rounding": "half_up", "created_by": creator, "created_at": steps[0][3]},
            groups=groups, segments=COMPETITION_KINDS[kind][1], tiers=tiers, judges=judges,
            leniencies=[rng.uniform(-0.03, 0.03) for _ in judges],
            entrants=[(sid, sch, g, rng.random() >= p.competition_no_show_share)
                      for sid, sch, g in entrants],
            sheet={"version": 1, "source": "seed", "entered_by": entered_by,
                   "entered_at": at(entered),
                   "confirmed_by": None if state == "draft" else confirmer,
                   "confirmed_at": None if state == "draft" else steps[1][3], "note": None},
            steps=steps))
    plans.sort(key=lambda plan: plan.row["held_on"])
    return plans


def honours(ctx: ScaleContext) -> None:
    """The honour kinds and ten years of honours, mostly to teachers, some to schools."""
    session, rng, p = ctx.session, ctx.rng, ctx.profile
    bulk_insert(ctx, HonourKind.__table__, ({"name": name, "active": True}
                                            for name in HONOUR_KINDS), len(HONOUR_KINDS),
                "honour kinds")
    kinds = dict(session.execute(select(HonourKind.name, HonourKind.id)).all())
    school_names = dict(session.execute(select(School.id, School.name)).all())
    district = next(i for i, name in ctx.usernames.items() if name == "district")
    staff = [(sid, school) for school in ctx.school_ids for sid in ctx.staff_ids[school]]
    n = ctx.count(p.honours)

    def rows() -> Iterator[dict[str, object]]:
        for _ in range(n):
            if rng.random() < p.honours_school_share:
                kind, staff_id, school = "工人先锋号", None, rng.choice(ctx.school_ids)
            else:
                kind = rng.choice(_TEACHER_HONOURS)
                staff_id, school = rng.choice(staff)
            level = rng.choice(HONOUR_LEVELS[kind])
            yield {"kind_id": kinds[kind], "staff_id": staff_id,
                   "school_id": school if staff_id is None else None, "level": level,
                   "year": rng.randint(FIRST_YEAR, COMPETITION_LAST_DAY.year),
                   "issuer": (school_names[school] if level == "school"
                              else rng.choice(HONOUR_ISSUERS[level])),
                   "recorded_by": district}

    bulk_insert(ctx, Honour.__table__, rows(), n, "honours")


# --- 特困教职工救助基金 ---------------------------------------------------------------------------

LEDGER_FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
LEDGER_LAST_DAY = FEEDBACK_LAST_DAY
# Relief categories: how often each is applied for, and the amounts (fen) it is given in.
_RELIEF_MIX = (("节日送温暖慰问", 0.35), ("退休教职工慰问", 0.15), ("金秋助学", 0.15),
               ("生活困难补助", 0.19), ("大病救助", 0.11), ("灾害救助", 0.05))
_RELIEF_AMOUNTS = {
    "节日送温暖慰问": tuple(n * 100 for n in (500, 600, 800, 1000)),
    "退休教职工慰问": tuple(n * 100 for n in (500, 800, 1000)),
    "金秋助学": tuple(n * 100 for n in (1000, 1500, 2000, 3000)),
    "生活困难补助": tuple(n * 100 for n in (2000, 3000, 4000, 5000)),
    "大病救助": tuple(n * 100_000 for n in range(5, 21)),
    "灾害救助": tuple(n * 100_000 for n in range(3, 11)),
}
_BOUNCED = "收款人银行账号有误，款项被退回，冲正后重新支付"
_OPEN_STATES = ("draft", "submitted", "school_approved", "district_approved", "returned",
                "rejected", "cancelled")


def fund(ctx: ScaleContext) -> None:
    """Ten years of the relief fund: the district's grants, union funds and gifts; staff
    donations to their schools' sub-accounts (a day's pay each September, and monthly from
    the pay of some); relief applications, the paid ones paid from the school's sub-account
    when it holds enough, else from the district fund, which the finance bureau tops up in a
    month it would not cover (追加拨款); a few entries posted twice and reversed at once, and
    payments the bank returned, reversed and paid again; two bank checks.

    Month by month in date order through seeds.demo.LedgerWriter, so no account is below
    zero at the end of any day and vouchers run without gaps. Each school's applications are
    filed by its department head (the first school's by the demo delegates) on a colleague's
    behalf, reviewed by its chair, approved and paid by `district`."""
    session, p = ctx.session, ctx.profile
    rng = random.Random(ctx.rng.getrandbits(64))
    ensure_lists(session)
    ensure_accounts(session)
    categories = {(kind, name): cid for cid, kind, name in session.execute(
        select(FundCategory.id, FundCategory.kind, FundCategory.name))}
    account_of = {school: aid for aid, school in session.execute(
        select(FundAccount.id, FundAccount.school_id))}
    district_account = account_of.pop(None)
    codes = dict(session.execute(select(School.id, School.code)).all())
    ids = {name: account_id for account_id, name in ctx.usernames.items()}
    district, first = ids["district"], ctx.school_ids[0]
    chairs = {sid: ids["chair" if sid == first else f"chair{sid}"] for sid in ctx.school_ids}
    filers = {sid: [ids["delegate"], ids["delegate2"], ids["delegate3"]] if sid == first
              else [ids[f"dept{sid}"]] for sid in ctx.school_ids}
    officers = set(session.scalars(select(Account.staff_id).where(Account.staff_id.is_not(None))))
    people = {row.id: row for row in session.execute(
        select(Staff.id, Staff.school_id, Staff.name, Staff.gender, Staff.birth_date,
               Staff.retired).order_by(Staff.id))}
    active: dict[int, list[int]] = {sid: [] for sid in ctx.school_ids}
    retired: dict[int, list[int]] = {sid: [] for sid in ctx.school_ids}
    for row in people.values():
        if row.id not in officers:
            (retired if row.retired else active)[row.school_id].append(row.id)

    reliefs = _plan_relief(ctx, rng, active=active, retired=retired, people=people,
                           chairs=chairs, filers=filers, district=district)
    for n, relief in enumerate(reliefs, start=first_free_id(session, ReliefApplication)):
        relief.app_id = n
        relief.number = f"{relief.steps[0][4].year}-{codes[relief.school_id]}-{n:05d}"
    bulk_insert(ctx, ReliefApplication.__table__, (relief_row(
        r.app_id, r.number, school_id=r.school_id, staff_id=r.staff_id,
        category_id=categories["expense", r.category], amount_fen=r.amount_fen,
        reason=r.reason, medical=r.medical, id_number=r.id_number, steps=r.steps)
        for r in reliefs), len(reliefs), "relief applications")

    ledger = LedgerWriter(first_free_id(session, FundEntry), district)
    checks: dict[dt.date, int] = {}
    n_staff = sum(len(pool) for pool in active.values())
    estimate = round(n_staff * 10 * (p.fund_one_day_share + 12 * p.fund_monthly_donor_share)
                     + len(reliefs))
    bulk_insert(ctx, FundEntry.__table__, _ledger_rows(
        ctx, rng, ledger, reliefs, categories=categories, account_of=account_of,
        district_account=district_account, active=active, people=people, checks=checks),
        estimate, "fund entries")
    session.execute(insert(FundVoucherCounter.__table__), ledger.counters())

    def events() -> Iterator[dict[str, object]]:
        for relief in reliefs:
            vouchers = iter([str(e["voucher_no"]) for e in relief.entries])
            yield from relief_events(relief.app_id, [
                (a, b, c, d, e, next(vouchers) if a == "paid" else f)
                for a, b, c, d, e, f in relief.steps])

    bulk_insert(ctx, ReliefEvent.__table__, events(), sum(len(r.steps) for r in reliefs),
                "relief history")
    sync_id_sequences(session, ReliefApplication, FundEntry)
    (agreed, agreed_fen), (recent, recent_fen) = sorted(checks.items())
    session.execute(insert(BankCheck.__table__), [
        {"checked_on": agreed, "bank_balance_fen": agreed_fen, "ledger_balance_fen": agreed_fen,
         "note": "8月末对账，银行对账单与账面一致。", "recorded_by": district,
         "recorded_at": local_at(agreed + dt.timedelta(days=1), 9, 30)},
        {"checked_on": recent, "bank_balance_fen": recent_fen - 3_500,
         "ledger_balance_fen": recent_fen, "note": "银行余额比账面少35.00元，待查。",
         "recorded_by": district, "recorded_at": local_at(recent + dt.timedelta(days=1), 10, 5)},
    ])


def _plan_relief(ctx: ScaleContext, rng: random.Random, *, active: dict[int, list[int]],
                 retired: dict[int, list[int]], people: dict, chairs: dict[int, int],
                 filers: dict[int, list[int]], district: int) -> list[PlannedRelief]:
    """Every school's applications over the ten years within the categories' yearly caps
    per person (counting every application filed), in filing order; the first school also
    holds one in each state that waits for someone, and a rejected and a cancelled one."""
    p = ctx.profile
    caps = {name: (cap, count) for name, _code, cap, count in DEFAULT_CATEGORIES}
    names = [name for name, _ in _RELIEF_MIX]
    weights = [share for _, share in _RELIEF_MIX]
    used: dict[tuple[int, str, int], list[int]] = {}
    plans: list[PlannedRelief] = []

    def add(school: int, category: str, amount: int, steps: list) -> None:
        year = steps[0][4].year
        cap, count = caps[category]
        pool = (retired if category == "退休教职工慰问" else active)[school]
        # A few random tries for someone the caps still allow, then anyone who is.
        for staff_id in chain((pool[rng.randrange(len(pool))] for _ in range(4) if pool), pool):
            fen, n = used.get((staff_id, category, year), (0, 0))
            if fen + amount <= cap and n < count:
                break
        else:
            return
        used[staff_id, category, year] = [fen + amount, n + 1]
        reason, medical = RELIEF_CASES[category][rng.randrange(len(RELIEF_CASES[category]))]
        who = people[staff_id]
        plans.append(PlannedRelief(
            school, staff_id, category, amount, reason, medical,
            id_number(who.birth_date, staff_id, who.gender)
            if category in ("大病救助", "生活困难补助") else None, steps))

    def fate() -> str:
        u = rng.random()
        return ("returned_paid" if u < 0.07 else "rejected_school" if u < 0.11
                else "rejected_district" if u < 0.14 else "cancelled" if u < 0.17 else "paid")

    for year in range(FIRST_YEAR, LEDGER_LAST_DAY.year + 1):
        end = min(dt.date(year, 12, 31), LEDGER_LAST_DAY - dt.timedelta(days=3))
        span = (end - dt.date(year, 1, 5)).days
        for school in ctx.school_ids:
            for category in rng.choices(names, weights,
                                        k=rng.randint(*p.fund_applications_per_school_year)):
                if category == "节日送温暖慰问":
                    day = max(dt.date(year, 1, 2),
                              SPRING_FESTIVAL[year] - dt.timedelta(days=rng.randint(20, 30)))
                elif category == "退休教职工慰问":
                    day = DOUBLE_NINTH[year] - dt.timedelta(days=rng.randint(18, 24))
                elif category == "金秋助学":
                    day = dt.date(year, 8, 1) + dt.timedelta(days=rng.randrange(25))
                else:
                    day = dt.date(year, 1, 5) + dt.timedelta(days=rng.randrange(span))
                if day > LEDGER_LAST_DAY:
                    continue
                at = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)))
                school_filers = filers[school]
                steps = relief_steps(rng, filed=at, filer=school_filers[
                    rng.randrange(len(school_filers))], chair=chairs[school], district=district,
                    fate=fate(), last_day=LEDGER_LAST_DAY)
                last_step, last_at = steps[-1][0], steps[-1][4]
                if (last_step == "paid" and last_at.date() < LEDGER_LAST_DAY - dt.timedelta(days=2)
                        and rng.random() < p.fund_bounced_share):  # paid again the next day
                    again = last_at + dt.timedelta(days=1)
                    steps += [("payment_reversed", "paid", "district_approved", district,
                               again.replace(hour=10, minute=20), _BOUNCED),
                              ("paid", "district_approved", "paid", district,
                               again.replace(hour=10, minute=45), None)]
                amounts = _RELIEF_AMOUNTS[category]
                add(school, category, amounts[rng.randrange(len(amounts))], steps)
    # The first school, now: one application in each of the states below, filed by the
    # demo delegates (one by its chair), waiting for the next person.
    school = ctx.school_ids[0]
    chair = chairs[school]
    for n, state in enumerate(_OPEN_STATES):
        filer = filers[school][n % 3]
        at = dt.datetime.combine(LEDGER_LAST_DAY - dt.timedelta(days=14 - n), dt.time(10, 5 * n))
        steps = [("filed", None, "draft", filer, at, "")]
        moves = {"submitted": [("submitted", filer)],
                 "school_approved": [("submitted", filer), ("school_approved", chair)],
                 "district_approved": [("submitted", filer), ("school_approved", chair),
                                       ("district_approved", district)],
                 "returned": [("submitted", filer), ("returned", chair)],
                 "rejected": [("submitted", filer), ("rejected", chair)],
                 "cancelled": [("submitted", filer), ("cancelled", filer)]}.get(state, [])
        notes = {"returned": RELIEF_RETURN_NOTES[0], "rejected": RELIEF_REJECT_REASONS[0],
                 "cancelled": RELIEF_CANCEL_NOTES[0]}
        for k, (action, who) in enumerate(moves, start=1):
            steps.append((action, steps[-1][2], action, who, at + dt.timedelta(days=k),
                          notes.get(action, "")))
        add(school, "生活困难补助", 200_000, steps)
        if state == "submitted":  # and one the chair filed: the chair cannot approve it
            add(school, "生活困难补助", 150_000, [
                ("filed", None, "draft", chair, at, ""),
                ("submitted", "draft", "submitted", chair, at + dt.timedelta(minutes=20), "")])
    plans.sort(key=lambda r: r.steps[0][4])
    return plans


def _ledger_rows(ctx: ScaleContext, rng: random.Random, ledger: LedgerWriter,
                 reliefs: list[PlannedRelief], *, categories: dict, account_of: dict[int, int],
                 district_account: int, active: dict[int, list[int]], people: dict,
                 checks: dict[dt.date, int]) -> Iterator[dict[str, object]]:
    """The ledger month by month: the month's income and payments in date order (income
    first within a day), the district topped up on the 1st if the month's payments could
    otherwise exceed it."""
    p, schools = ctx.profile, ctx.school_ids
    n_schools = len(schools)
    payments: dict[tuple[int, int], list[tuple[dt.datetime, str, PlannedRelief]]] = {}
    for relief in reliefs:
        for action, _b, _a, _who, at, _note in relief.steps:
            if action in ("paid", "payment_reversed"):
                payments.setdefault((at.year, at.month), []).append(
                    (at, "pay" if action == "paid" else "unpay", relief))
    monthly_donors = {school: [(sid, rng.choice((1_000, 2_000, 3_000, 5_000)))
                               for sid in active[school]
                               if rng.random() < p.fund_monthly_donor_share]
                      for school in schools}
    payday = {school: rng.randint(10, 15) for school in schools}
    source = {name: categories["income", name] for name in (
        "教育局补助", "财政补助", "工会经费拨付", "教职工个人捐款", "单位赞助", "社会爱心人士捐赠")}
    # The whole fund's balance at the end of the bank checks' days.
    checks_due = [dt.date(LEDGER_LAST_DAY.year, 8, 31), LEDGER_LAST_DAY - dt.timedelta(days=4)]
    tick = count()
    month = LEDGER_FIRST_DAY
    while month <= LEDGER_LAST_DAY:
        y, m = month.year, month.month
        last = min(LEDGER_LAST_DAY, (month + dt.timedelta(days=32)).replace(day=1)
                   - dt.timedelta(days=1))
        days = (last - month).days + 1

        def on(day: int, month: dt.date = month, last: dt.date = last) -> dt.date:
            return min(month.replace(day=day), last)

        # (day, account, source, fen, counterparty, memo)
        income: list[tuple[dt.date, int, str, int, str, str]] = []
        if m == 1:
            income.append((on(rng.randint(8, 15)), district_account, "工会经费拨付",
                           n_schools * rng.randint(300_000, 450_000) + rng.randrange(100),
                           "明湖区教育工会", f"{y}年度工会经费拨付救助基金"))
        if m in (1, 7):
            income.append((on(rng.randint(16, 26)), district_account, "教育局补助",
                           n_schools * rng.randint(20, 30) * 10_000, "明湖区教育局",
                           f"{y}年特困教职工救助专项补助（第{1 if m == 1 else 2}批）"))
        if m in (4, 11):
            income.append((on(rng.randint(3, 20)), district_account, "财政补助",
                           n_schools * rng.randint(10, 20) * 10_000, "明湖区财政局",
                           f"{y}年困难职工帮扶资金"))
        for _ in range(_poisson(rng, n_schools / 60)):
            school = rng.choice(schools) if rng.random() < 0.5 else None
            income.append((on(rng.randint(1, days)), account_of.get(school, district_account),
                           "单位赞助", rng.randint(1, 5) * 1_000_000, rng.choice(SPONSORS),
                           f"{y}年爱心救助捐赠"))
        for _ in range(_poisson(rng, n_schools / 40)):
            school = rng.choice(schools) if rng.random() < 0.5 else None
            income.append((on(rng.randint(1, days)), account_of.get(school, district_account),
                           "社会爱心人士捐赠", rng.choice(PRIVATE_AMOUNTS_FEN),
                           rng.choice(PRIVATE_DONORS), "捐赠特困教职工救助基金"))
        for school in schools:
            account = account_of[school]
            if payday[school] <= days:
                day = on(payday[school])
                memo = f"{y}年{m}月爱心捐款（工资代扣）"
                income += [(day, account, "教职工个人捐款", fen, people[sid].name, memo)
                           for sid, fen in monthly_donors[school]]
            if m == 9:
                day = on(rng.randint(5, 30))
                memo = f"{y}年慈善一日捐"
                income += [(day, account, "教职工个人捐款", rng.randint(18_000, 60_000),
                            people[sid].name, memo) for sid in active[school]
                           if rng.random() < p.fund_one_day_share]
        ops: list[tuple[dt.date, int, dt.datetime, int, str, object]] = []
        for n, entry in enumerate(income):
            at = local_at(entry[0], 8, 30) + dt.timedelta(seconds=n % 10_800)
            ops.append((entry[0], 0, at, next(tick), "income", entry))
        due = 0
        for at, what, relief in payments.get((y, m), ()):
            ops.append((at.date(), 1, at - UTC_OFFSET, next(tick), what, relief))
            due += relief.amount_fen if what == "pay" else 0
        if ledger.balance[district_account] < due:  # 追加拨款 on the 1st
            top_up = -(-(due - ledger.balance[district_account]) // 1_000_000) * 1_000_000
            ops.append((month, 0, local_at(month, 8, 0), next(tick), "income", (
                month, district_account, "财政补助", top_up, "明湖区财政局",
                f"{y}年{m}月特困救助资金追加拨款")))
        ops.sort(key=lambda op: op[:4])
        for day, _order, at, _n, what, payload in ops:
            while checks_due and day > checks_due[0]:
                checks[checks_due.pop(0)] = sum(ledger.balance.values())
            if what == "income":
                _day, account, name, fen, counterparty, memo = payload
                entry = ledger.post(day=day, at=at, account_id=account, kind="income",
                                    category_id=source[name], amount_fen=fen,
                                    counterparty=counterparty, memo=memo)
                yield entry
                if rng.random() < p.fund_duplicate_share:  # posted twice, reversed at once
                    twice = ledger.post(day=day, at=at + dt.timedelta(minutes=1),
                                        account_id=account, kind="income",
                                        category_id=source[name], amount_fen=fen,
                                        counterparty=counterparty, memo=memo)
                    yield twice
                    yield ledger.reverse(twice, day=day, at=at + dt.timedelta(minutes=9),
                                         memo=f"与{entry['voucher_no']}重复录入，冲正")
                continue
            relief = payload
            assert isinstance(relief, PlannedRelief)
            if what == "unpay":
                yield ledger.reverse(relief.entries[-1], day=day, at=at, memo=_BOUNCED)
                continue
            school_account = account_of[relief.school_id]
            entry = ledger.post(
                day=day, at=at, kind="expense",
                account_id=(school_account if ledger.can_pay(school_account, relief.amount_fen)
                            else district_account),
                category_id=categories["expense", relief.category],
                amount_fen=relief.amount_fen, counterparty=people[relief.staff_id].name,
                memo=relief.number, staff_id=relief.staff_id, application_id=relief.app_id)
            relief.entries.append(entry)
            yield entry
        month = last + dt.timedelta(days=1)
    for day in checks_due:
        checks[day] = sum(ledger.balance.values())


# --- 教代会提案 ---------------------------------------------------------------------------------

def motions(ctx: ScaleContext) -> None:
    """Two meetings of each school's latest term (2025 closed to new motions, its motions far
    along; 2026 open, motions at every stage), about 80 motions each with their co-signers,
    assignments, replies, ratings, milestones and whole history, lived through
    seeds.motions_demo.MotionLife; two votes on each 2025 meeting's resolutions.

    School by school, the rows wait in one buffer per table and are written, parents first,
    whenever one holds a chunk. Committee steps are by each school's chair account, the
    教务处's by its head; the other departments act under their names, the delegates under
    theirs (the first school's three demo delegates under their accounts)."""
    session, p = ctx.session, ctx.profile
    rng = random.Random(ctx.rng.getrandbits(64))
    first = ctx.school_ids[0]
    ids = {name: account_id for account_id, name in ctx.usernames.items()}
    codes = dict(session.execute(select(School.id, School.code)).all())
    terms = dict(session.execute(select(CongressTerm.school_id, CongressTerm.id)
                                 .order_by(CongressTerm.number)).all())  # the latest wins
    display = dict(session.execute(select(Account.id, Account.display_name)).all())
    by_staff = {staff_id: (account_id, display[account_id]) for account_id, staff_id in
                session.execute(select(Account.id, Account.staff_id)
                                .where(Account.staff_id.is_not(None)))}
    delegates: dict[int, list[tuple[int, Person]]] = {}
    for term_id, staff_id, name in session.execute(
            select(DelegateMembership.term_id, Staff.id, Staff.name).join(Staff)
            .where(DelegateMembership.term_id.in_(list(terms.values())))
            .order_by(DelegateMembership.id)):
        delegates.setdefault(term_id, []).append((staff_id, by_staff.get(staff_id,
                                                                         (None, name))))
    casts = {}
    for sid in ctx.school_ids:
        chair = ids["chair" if sid == first else f"chair{sid}"]
        head = ids["dept" if sid == first else f"dept{sid}"]
        casts[sid] = Cast((chair, display[chair]), {
            name: (did, (head, display[head]) if name == "教务处" else (None, name))
            for name, did in zip(DEFAULT_DEPARTMENTS, ctx.department_ids[sid], strict=True)})

    meeting_rows = [
        {"school_id": sid, "term_id": terms[sid], "number": number, "year": year,
         "held_on": held_on + dt.timedelta(days=rng.randint(-10, 10)), "min_cosigners": 2,
         "quorum_num": 2, "quorum_den": 3, "pass_num": 1, "pass_den": 2,
         "reply_days": REPLY_DAYS, "accepting": accepting, "next_number": 1}
        for sid in ctx.school_ids for number, year, held_on, accepting in MEETINGS]
    meeting_ids = iter(_insert_back(ctx, CongressMeeting.__table__, meeting_rows,
                                    "congress meetings"))
    limit = dt.datetime.combine(MOTIONS_LAST_DAY, dt.time(17, 30))
    next_id = first_free_id(session, Motion)
    buffers: dict[Table, list[dict[str, object]]] = {Motion.__table__: []}
    for model in (MotionCosigner, MotionEvent, MotionAssignment, MotionReply, MotionRating,
                  MotionMilestone):
        buffers[model.__table__] = []
    next_numbers: list[dict[str, object]] = []
    votes: list[dict[str, object]] = []
    written = {"motions": 0, "events": 0}

    def flush() -> None:
        for table, rows in buffers.items():  # parents first, as the dict was filled
            for batch in chunks(rows):
                session.execute(insert(table), batch)
            rows.clear()

    with tqdm(total=len(ctx.school_ids), desc="motions", unit="schools", leave=True,
              mininterval=0.5) as bar:
        for n, sid in enumerate(ctx.school_ids):
            pool = delegates[terms[sid]]
            asked = _cosigners_from(rng, pool)
            for row in meeting_rows[n * len(MEETINGS):(n + 1) * len(MEETINGS)]:
                year, accepting = int(row["year"]), bool(row["accepting"])
                meeting = MeetingFacts(next(meeting_ids), sid, year, current=accepting)
                plans = [(pick_plan(rng, CURRENT_MIX if accepting else PAST_MIX),
                          rng.choice(pool), rng.choice(TOPICS))
                         for _ in range(rng.randint(*p.motions_per_meeting))]
                lives = meeting_lives(rng, meeting, casts[sid], plans, first_id=next_id,
                                      limit=limit, pool=asked)
                next_id += len(lives)
                next_numbers.append({"meeting": meeting.id, "next": number_motions(
                    lives, year=year, code=codes[sid])})
                buffers[Motion.__table__] += [life.row for life in lives]
                for table, rows in child_rows(lives):
                    buffers[table] += rows
                written["motions"] += len(lives)
                written["events"] += sum(len(life.events) for life in lives)
                if not accepting:
                    assert isinstance(row["held_on"], dt.date)
                    votes += _scale_votes(rng, meeting.id, held_on=row["held_on"],
                                          entitled=len(pool), n=p.votes_per_past_meeting,
                                          account=casts[sid].chair[0])
            if any(len(rows) >= CHUNK for rows in buffers.values()):
                flush()
            bar.update()
        flush()
        bar.set_postfix(motions=written["motions"], events=written["events"])
    sync_id_sequences(session, Motion)
    meetings_table = CongressMeeting.__table__
    session.execute(update(meetings_table).where(meetings_table.c.id == bindparam("meeting"))
                    .values(next_number=bindparam("next")), next_numbers)
    bulk_insert(ctx, CongressVote.__table__, votes, len(votes), "congress votes")


def _cosigners_from(rng: random.Random, pool: list[tuple[int, Person]]) -> CosignerPool:
    """The delegates a proposer asks to co-sign, in the order asked (MotionLife asks up to
    four)."""
    def asked(proposer: tuple[int, Person], _plan: Plan) -> list[tuple[int, Person]]:
        return rng.sample([d for d in pool if d[0] != proposer[0]], min(4, len(pool) - 1))
    return asked


def _scale_votes(rng: random.Random, meeting_id: int, *, held_on: dt.date, entitled: int,
                 n: int, account: int | None) -> list[dict[str, object]]:
    """Resolutions that mostly pass: nearly everyone present, a few against or abstaining."""
    rows = []
    for subject in VOTE_SUBJECTS[:n]:
        present = entitled - rng.randint(0, 2)
        yes = present - rng.randint(0, 3)
        no = rng.randint(0, present - yes)
        rows.append({"meeting_id": meeting_id, "subject": subject, "voted_on": held_on,
                     "entitled": entitled, "present": present, "yes": yes, "no": no,
                     "abstain": present - yes - no, "account_id": account,
                     "at": local_at(held_on, 11, 20)})
    return rows


def _poisson(rng: random.Random, mean: float) -> int:
    """How many of a rare thing happen in a month (Knuth's method; small means only)."""
    limit, n, product_ = math.exp(-mean), 0, rng.random()
    while product_ > limit:
        n += 1
        product_ *= rng.random()
    return n


STEPS: list[Callable[[ScaleContext], None]] = [organisation, congress, accounts, feedback,
                                               competitions, honours, fund, motions,
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
