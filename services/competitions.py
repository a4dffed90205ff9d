"""技能竞赛: set up a competition, enter and confirm scores, publish results, keep honours.

Who may do what:
- a competition organised by a school: that school's chair manages it; the district admin too;
- a district competition (organiser None): the district admin;
- reading results: managers always; once published (公示) or closed, anyone logged in in the
  district may read them (leaderboard, medal table, teacher records): the district admin and
  the auditors every competition, everyone else those of the district union and of their own
  schools (one scope for a single competition and for the tables built of many);
- a teacher's record: district admin and auditors anyone's, a chair their schools' staff,
  everyone else only their own;
- a score sheet is confirmed by a manager who did not enter its newest version.

States: draft → confirmed → published → closed; confirmed → draft when scores change (a new
sheet version); published → draft only by `reopen` with a reason, kept in the history.
Every change writes the audit log; every state change also a CompetitionEvent.

A competition's results are computed from its newest sheet by services.scoring whenever they
are read. At 公示 they are also frozen as standings (StandingRow), which the medal table, the
chart and teachers' records read; reopening deletes them, publishing again writes them anew.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from db.competitions import (
    COMPETITION_STATES,
    LEVELS,
    ROUNDING_MODES,
    SHEET_SOURCES,
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
from db.models import ROLES, Account, District, School, Staff, utcnow
from services import audit
from services.actor import Actor, require_role
from services.clock import local_today, to_local
from services.errors import DomainError
from services.scoring import (
    CENT,
    HUNDRED,
    BoundaryNote,
    EntrantScores,
    PanelCheck,
    Result,
    SegmentRule,
    TieNote,
    TierRule,
    award,
    check_panels,
    check_score,
    check_segments,
    check_tiers,
    rank,
)
from services.text import plain_text

STATES = COMPETITION_STATES
EDITABLE_STATES = ("draft", "confirmed")
PUBLIC_STATES = ("published", "closed")
MANAGER_ROLES = ("district_admin", "school_chair")
DEFAULT_GROUP = "综合"          # entrants given no subject group compete together
YEAR_RANGE = (2000, 2100)
HONOUR_FIRST_YEAR = 1950
MAX_NUMBER = Decimal("9999.99")  # NUMERIC(6, 2)
_CHUNK = 500                     # ids per IN (…) list

# --- Scope ------------------------------------------------------------------------------------


def _login(actor: Actor | None) -> Actor:
    """Every reader holds some role; a page must never pass a half-built actor."""
    return require_role(actor, *ROLES)


def _managed(actor: Actor) -> ColumnElement[bool]:
    """Competitions the actor manages, as a WHERE condition built from the actor alone."""
    if actor.has("district_admin"):
        return true()
    schools = sorted(actor.school_ids("school_chair"))
    return Competition.organiser_school_id.in_(schools) if schools else false()


def _public(actor: Actor) -> ColumnElement[bool]:
    """Published or closed competitions the actor may read without managing them."""
    published = Competition.state.in_(PUBLIC_STATES)
    if actor.has("district_admin", "auditor"):
        return published
    schools = sorted(actor.school_ids())
    organisers = [Competition.organiser_school_id.is_(None)]
    if schools:
        organisers.append(Competition.organiser_school_id.in_(schools))
    return and_(published, or_(*organisers))


def _readable(actor: Actor) -> ColumnElement[bool]:
    return or_(_managed(actor), _public(actor))


def _may_manage(actor: Actor, organiser_school_id: int | None) -> bool:
    if actor.has("district_admin"):
        return True
    return organiser_school_id is not None and \
        organiser_school_id in actor.school_ids("school_chair")


def _read(session: Session, actor: Actor, competition_id: int) -> Competition:
    """The competition if the actor may read it; else it does not exist for them."""
    _login(actor)
    found = session.scalar(select(Competition).where(Competition.id == competition_id,
                                                     _readable(actor)))
    if found is None:
        raise DomainError("competition.error.not_found")
    return found


def _locked_to_manage(session: Session, actor: Actor, competition_id: int) -> Competition:
    """The competition, checked for management and then locked for this transaction: a row
    lock on PostgreSQL; on SQLite a write first, so the transaction holds the database's write
    lock before it reads the state it is about to change."""
    _login(actor)
    managed = session.scalar(select(Competition.id).where(Competition.id == competition_id,
                                                          _managed(actor)))
    if managed is None:
        if session.scalar(select(Competition.id).where(Competition.id == competition_id,
                                                       _readable(actor))) is None:
            raise DomainError("competition.error.not_found")
        raise DomainError("error.forbidden")
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Competition).where(Competition.id == competition_id)
                        .values(state=Competition.state))
    locked = session.scalar(select(Competition).where(Competition.id == competition_id)
                            .with_for_update().execution_options(populate_existing=True))
    if locked is None:
        raise DomainError("competition.error.not_found")
    return locked


def _district_name(session: Session) -> str:
    return session.scalar(select(District.name).order_by(District.id).limit(1)) or ""


def _organiser_names(session: Session, school_ids: Sequence[int | None]) -> dict[int | None, str]:
    wanted = sorted({s for s in school_ids if s is not None})
    names: dict[int | None, str] = {None: _district_name(session)}
    if wanted:
        names.update(session.execute(select(School.id, School.name)
                                     .where(School.id.in_(wanted))).all())
    return names


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start:start + _CHUNK])


# --- Setting up -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentInput:
    name: str
    max_score: Decimal
    weight: Decimal


@dataclass(frozen=True)
class TierInput:
    name: str
    quota_percent: Decimal | None = None
    fixed_count: int | None = None
    min_score: Decimal | None = None


@dataclass(frozen=True)
class JudgeInput:
    name: str
    organisation: str = ""
    staff_id: int | None = None
    chief: bool = False


@dataclass(frozen=True)
class EntrantInput:
    staff_id: int
    group: str                 # the subject group's name; created on first use


@dataclass(frozen=True)
class CompetitionInput:
    name: str
    level: str                 # school / district / city / province / national
    kind: str
    year: int
    organiser_school_id: int | None    # None: the district union
    held_on: dt.date | None
    segments: Sequence[SegmentInput]
    tiers: Sequence[TierInput]
    judges: Sequence[JudgeInput]
    entrants: Sequence[EntrantInput]
    rounding: str = "half_up"


def _text(raw: str | None, cap: int, *, required: str | None = None, **params: object) -> str:
    """Trimmed one-line text that fits its column; `required` names the error when blank."""
    text = plain_text(raw, single_line=True)
    if not text and required:
        raise DomainError(required, **params)
    if len(text) > cap:
        raise DomainError("competition.error.too_long", text=text[:20], cap=cap)
    return text


def _amount(value: object, key: str, **params: object) -> Decimal:
    """A maximum, weight, quota or minimum: Decimal (or int), positive-or-zero, 2 decimals,
    small enough for NUMERIC(6, 2). Floats are refused: they are not exact."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0 \
            or value > MAX_NUMBER or value != value.quantize(CENT):
        raise DomainError(key, **params)
    return value


def _check_organiser(session: Session, actor: Actor, organiser_school_id: int | None) -> None:
    require_role(actor, *MANAGER_ROLES)
    if not _may_manage(actor, organiser_school_id):
        raise DomainError("error.forbidden")
    if organiser_school_id is not None and not session.scalar(
            select(School.active).where(School.id == organiser_school_id)):
        raise DomainError("competition.error.organiser_unknown")


def _segment_rules(segments: Sequence[SegmentInput]) -> list[SegmentRule]:
    rules: list[SegmentRule] = []
    for position, s in enumerate(segments, start=1):
        name = _text(s.name, 50, required="competition.error.segment_name_required")
        if any(r.name == name for r in rules):
            raise DomainError("competition.error.duplicate_segment", segment=name)
        maximum = _amount(s.max_score, "competition.error.segment_format", segment=name)
        weight = _amount(s.weight, "competition.error.segment_format", segment=name)
        rules.append(SegmentRule(position, name, maximum, weight, position))
    check_segments(rules)
    return rules


def _tier_rules(tiers: Sequence[TierInput]) -> list[TierRule]:
    if not tiers:
        raise DomainError("competition.error.no_tiers")
    rules: list[TierRule] = []
    for position, tier in enumerate(tiers, start=1):
        name = _text(tier.name, 30, required="competition.error.tier_name_required")
        if any(r.name == name for r in rules):
            raise DomainError("competition.error.duplicate_tier", tier=name)
        quota = None if tier.quota_percent is None else _amount(
            tier.quota_percent, "competition.error.tier_quota", tier=name)
        count = tier.fixed_count
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            raise DomainError("competition.error.tier_count", tier=name)
        minimum = None if tier.min_score is None else _amount(
            tier.min_score, "competition.error.tier_min_score", tier=name)
        if minimum is not None and minimum > HUNDRED:
            raise DomainError("competition.error.tier_min_score", tier=name)
        rules.append(TierRule(position, name, quota, count, minimum))
    check_tiers(rules)
    return rules


def create_competition(session: Session, actor: Actor, data: CompetitionInput) -> int:
    """Validates everything (weights add up to 100, tiers, no entrant who is also a judge of
    it, entrants from the organiser's school for a school competition…) and returns the id."""
    _check_organiser(session, actor, data.organiser_school_id)
    name = _text(data.name, 100, required="competition.error.name_required")
    kind = _text(data.kind, 50)
    if data.level not in LEVELS:
        raise DomainError("competition.error.level")
    if not isinstance(data.year, int) or not YEAR_RANGE[0] <= data.year <= YEAR_RANGE[1]:
        raise DomainError("competition.error.year", low=YEAR_RANGE[0], high=YEAR_RANGE[1])
    if data.rounding not in ROUNDING_MODES:
        raise DomainError("competition.error.rounding")
    segments = _segment_rules(data.segments)
    tiers = _tier_rules(data.tiers)
    if not data.judges:
        raise DomainError("competition.error.no_judges")
    if not data.entrants:
        raise DomainError("competition.error.no_entrants")

    staff_ids = {e.staff_id for e in data.entrants} | {
        j.staff_id for j in data.judges if j.staff_id is not None}
    staff = {row.id: row for row in session.execute(
        select(Staff.id, Staff.name, Staff.school_id, Staff.retired, School.name.label("school"))
        .join(School, School.id == Staff.school_id).where(Staff.id.in_(sorted(staff_ids))))}

    judges: list[Judge] = []
    for j in data.judges:
        person = None
        if j.staff_id is not None:
            person = staff.get(j.staff_id)
            if person is None:
                raise DomainError("competition.error.staff_unknown")
        judge_name = _text(j.name or (person.name if person else ""), 50,
                           required="competition.error.judge_name_required")
        organisation = _text(j.organisation or (person.school if person else ""), 100)
        if any((x.name, x.organisation) == (judge_name, organisation) or
               (j.staff_id is not None and x.staff_id == j.staff_id) for x in judges):
            raise DomainError("competition.error.duplicate_judge", judge=judge_name)
        judges.append(Judge(staff_id=j.staff_id, name=judge_name, organisation=organisation,
                            chief=bool(j.chief)))
    judge_staff = {j.staff_id for j in judges if j.staff_id is not None}

    groups: dict[str, SubjectGroup] = {}
    entrants: list[tuple[int, int, str]] = []   # staff id, school id, group name
    for e in data.entrants:
        person = staff.get(e.staff_id)
        if person is None:
            raise DomainError("competition.error.staff_unknown")
        if any(staff_id == e.staff_id for staff_id, _school, _group in entrants):
            raise DomainError("competition.error.duplicate_entrant", name=person.name)
        if e.staff_id in judge_staff:
            raise DomainError("competition.error.entrant_is_judge", name=person.name)
        if data.organiser_school_id is not None and person.school_id != data.organiser_school_id:
            raise DomainError("competition.error.entrant_other_school", name=person.name)
        if person.retired:
            raise DomainError("competition.error.entrant_retired", name=person.name)
        group = _text(e.group, 50) or DEFAULT_GROUP
        groups.setdefault(group, SubjectGroup(name=group))
        entrants.append((e.staff_id, person.school_id, group))

    found = Competition(name=name, level=data.level, kind=kind, year=data.year,
                        organiser_school_id=data.organiser_school_id, held_on=data.held_on,
                        state="draft", rounding=data.rounding, created_by=actor.account_id)
    session.add(found)
    session.flush()
    for row in (*groups.values(), *judges):
        row.competition_id = found.id
    session.add_all([*groups.values(), *judges])
    session.add_all([Segment(competition_id=found.id, name=s.name, max_score=s.maximum,
                             weight=s.weight, position=s.position) for s in segments])
    session.add_all([AwardTier(competition_id=found.id, rank=t.rank, name=t.name,
                               quota_percent=t.quota_percent, fixed_count=t.fixed_count,
                               min_score=t.min_score) for t in tiers])
    session.flush()
    session.add_all([Entrant(competition_id=found.id, staff_id=staff_id, school_id=school_id,
                             group_id=groups[group].id, competed=True)
                     for staff_id, school_id, group in entrants])
    session.add(CompetitionEvent(competition_id=found.id, account_id=actor.account_id,
                                 from_state=None, to_state="draft"))
    session.flush()
    audit.record(session, actor, "competition.created", "competition", found.id,
                 school_id=found.organiser_school_id,
                 after={"name": name, "level": data.level, "kind": kind, "year": data.year,
                        "organiser_school_id": data.organiser_school_id,
                        "segments": [[s.name, f"{s.maximum:f}", f"{s.weight:f}"]
                                     for s in segments],
                        "tiers": [t.name for t in tiers], "judges": len(judges),
                        "entrants": len(entrants), "rounding": data.rounding})
    return found.id


def organiser_choices(session: Session, actor: Actor) -> dict[int | None, str]:
    """Organisers this actor may create competitions for: None (the district) for the district
    admin, and the chair's schools."""
    _login(actor)
    choices: dict[int | None, str] = {}
    if actor.has("district_admin"):
        choices[None] = _district_name(session)
    schools = sorted(actor.school_ids("school_chair"))
    if schools:
        choices.update(session.execute(
            select(School.id, School.name)
            .where(School.id.in_(schools), School.active.is_(True))
            .order_by(School.code)).all())
    return choices


def entrant_choices(session: Session, actor: Actor, organiser_school_id: int | None, *,
                    school_ids: Sequence[int] | None = None) -> dict[int, str]:
    """Staff who may enter: the school's (not retired) staff, or the whole district's (only of
    `school_ids` when given: a large district lists too many to choose from at once); labels
    "姓名（学校 · 学科）"."""  # noqa: RUF002
    _check_organiser(session, actor, organiser_school_id)
    query = (select(Staff.id, Staff.name, School.name, Staff.subject)
             .join(School, School.id == Staff.school_id)
             .where(Staff.retired.is_(False))
             .order_by(School.code, Staff.name, Staff.id))
    if organiser_school_id is not None:
        query = query.where(Staff.school_id == organiser_school_id)
    else:
        query = query.where(School.active.is_(True))
        if school_ids is not None:
            query = query.where(Staff.school_id.in_(list(school_ids)))
    return {sid: f"{name}（{school} · {subject}）" if subject else f"{name}（{school}）"
            for sid, name, school, subject in session.execute(query)}


# --- Listing and reading ----------------------------------------------------------------------

def list_competitions(session: Session, actor: Actor, *, year: int | None = None
                      ) -> pd.DataFrame:
    """Competitions the actor may read, newest first. Columns: id, name, level, kind, year,
    organiser, state, entrants, can_manage."""
    _login(actor)
    counts = (select(Entrant.competition_id, func.count().label("n"))
              .group_by(Entrant.competition_id).subquery())
    query = (select(Competition.id, Competition.name, Competition.level, Competition.kind,
                    Competition.year, Competition.organiser_school_id, Competition.state,
                    func.coalesce(counts.c.n, 0))
             .outerjoin(counts, counts.c.competition_id == Competition.id)
             .where(_readable(actor))
             .order_by(Competition.year.desc(), Competition.id.desc()))
    if year is not None:
        query = query.where(Competition.year == year)
    rows = session.execute(query).all()
    organisers = _organiser_names(session, [r[5] for r in rows])
    return pd.DataFrame(
        [(cid, name, level, kind, year_, organisers.get(org, ""), state, int(n),
          _may_manage(actor, org))
         for cid, name, level, kind, year_, org, state, n in rows],
        columns=["id", "name", "level", "kind", "year", "organiser", "state", "entrants",
                 "can_manage"])


@dataclass(frozen=True)
class SegmentView:
    id: int
    name: str
    max_score: Decimal
    weight: Decimal


@dataclass(frozen=True)
class CompetitionView:
    id: int
    name: str
    level: str
    kind: str
    year: int
    organiser: str
    organiser_school_id: int | None
    held_on: dt.date | None
    state: str
    rounding: str
    segments: list[SegmentView]
    tiers: list[TierInput]
    judges: dict[int, str]            # judge id → "name（organisation）"
    entrants: dict[int, str]          # entrant id → "name（school）"
    groups: dict[int, str]            # group id → name
    sheet_version: int | None         # the newest score sheet, None before any
    sheet_entered_by: str | None
    sheet_confirmed_by: str | None
    can_manage: bool
    can_confirm: bool                 # a manager who did not enter the newest sheet
    history: list[tuple[dt.datetime, str, str | None, str, str | None]] = field(
        default_factory=list)         # (at, who, from, to, reason), oldest first


def _newest_sheet(session: Session, competition_id: int) -> ScoreSheet | None:
    return session.scalar(select(ScoreSheet).where(ScoreSheet.competition_id == competition_id)
                          .order_by(ScoreSheet.version.desc()).limit(1))


def _judge_label(name: str, organisation: str) -> str:
    return f"{name}（{organisation}）" if organisation else name


def competition(session: Session, actor: Actor, competition_id: int) -> CompetitionView:
    """Everything a competition page shows; times in the history are local wall-clock time.
    `can_confirm` is also False outside draft, where confirming would be refused."""
    found = _read(session, actor, competition_id)
    cid = found.id
    segments = [SegmentView(*row) for row in session.execute(
        select(Segment.id, Segment.name, Segment.max_score, Segment.weight)
        .where(Segment.competition_id == cid).order_by(Segment.position, Segment.id))]
    tiers = [TierInput(*row) for row in session.execute(
        select(AwardTier.name, AwardTier.quota_percent, AwardTier.fixed_count,
               AwardTier.min_score)
        .where(AwardTier.competition_id == cid).order_by(AwardTier.rank))]
    judges = {jid: _judge_label(name, org) for jid, name, org in session.execute(
        select(Judge.id, Judge.name, Judge.organisation)
        .where(Judge.competition_id == cid).order_by(Judge.id))}
    entrants = {eid: f"{name}（{school}）" for eid, name, school in session.execute(
        select(Entrant.id, Staff.name, School.name)
        .join(Staff, Staff.id == Entrant.staff_id)
        .join(School, School.id == Entrant.school_id)
        .where(Entrant.competition_id == cid).order_by(Entrant.id))}
    groups = dict(session.execute(select(SubjectGroup.id, SubjectGroup.name)
                                  .where(SubjectGroup.competition_id == cid)
                                  .order_by(SubjectGroup.id)).all())
    sheet = _newest_sheet(session, cid)
    people = dict(session.execute(select(Account.id, Account.display_name).where(
        Account.id.in_([a for a in (sheet.entered_by if sheet else None,
                                    sheet.confirmed_by if sheet else None) if a]))).all())
    history = [(to_local(at) or at, who, from_state, to_state, reason)
               for at, who, from_state, to_state, reason in session.execute(
                   select(CompetitionEvent.at, Account.display_name,
                          CompetitionEvent.from_state, CompetitionEvent.to_state,
                          CompetitionEvent.reason)
                   .join(Account, Account.id == CompetitionEvent.account_id)
                   .where(CompetitionEvent.competition_id == cid)
                   .order_by(CompetitionEvent.at, CompetitionEvent.id))]
    manage = _may_manage(actor, found.organiser_school_id)
    return CompetitionView(
        id=cid, name=found.name, level=found.level, kind=found.kind, year=found.year,
        organiser=_organiser_names(session, [found.organiser_school_id])
        .get(found.organiser_school_id, ""),
        organiser_school_id=found.organiser_school_id, held_on=found.held_on,
        state=found.state, rounding=found.rounding, segments=segments, tiers=tiers,
        judges=judges, entrants=entrants, groups=groups,
        sheet_version=sheet.version if sheet else None,
        sheet_entered_by=people.get(sheet.entered_by) if sheet else None,
        sheet_confirmed_by=people.get(sheet.confirmed_by)
        if sheet and sheet.confirmed_by else None,
        can_manage=manage,
        can_confirm=manage and found.state == "draft" and sheet is not None
        and sheet.entered_by != actor.account_id,
        history=history)


# --- Scores -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreRow:
    entrant_id: int
    judge_id: int
    segment_id: int
    score: Decimal


def _sheet_scores(session: Session, sheet_id: int) -> dict[tuple[int, int, int], Decimal]:
    """(entrant, judge, segment) → score of one sheet version."""
    return {(e, j, s): score for e, j, s, score in session.execute(
        select(JudgeScore.entrant_id, JudgeScore.judge_id, JudgeScore.segment_id,
               JudgeScore.score).where(JudgeScore.sheet_id == sheet_id))}


def current_scores(session: Session, actor: Actor, competition_id: int) -> list[ScoreRow]:
    """Every score of the newest sheet (none before the first), for the same readers as the
    results."""
    found = _read(session, actor, competition_id)
    sheet = _newest_sheet(session, found.id)
    if sheet is None:
        return []
    return [ScoreRow(*row) for row in session.execute(
        select(JudgeScore.entrant_id, JudgeScore.judge_id, JudgeScore.segment_id,
               JudgeScore.score).where(JudgeScore.sheet_id == sheet.id)
        .order_by(JudgeScore.entrant_id, JudgeScore.segment_id, JudgeScore.judge_id))]


@dataclass(frozen=True)
class _Parts:
    """What a score may refer to in one competition."""

    segments: dict[int, SegmentRule]
    judges: dict[int, str]
    entrants: dict[int, str]


def _parts(session: Session, competition_id: int) -> _Parts:
    segments = {sid: SegmentRule(sid, name, maximum, weight, position)
                for sid, name, maximum, weight, position in session.execute(
                    select(Segment.id, Segment.name, Segment.max_score, Segment.weight,
                           Segment.position).where(Segment.competition_id == competition_id))}
    judges = dict(session.execute(select(Judge.id, Judge.name)
                                  .where(Judge.competition_id == competition_id)).all())
    entrants = dict(session.execute(select(Entrant.id, Staff.name)
                                    .join(Staff, Staff.id == Entrant.staff_id)
                                    .where(Entrant.competition_id == competition_id)).all())
    return _Parts(segments, judges, entrants)


def _check_row(parts: _Parts, entrant_id: int, judge_id: int, segment_id: int,
               score: Decimal) -> None:
    if segment_id not in parts.segments:
        raise DomainError("competition.error.unknown_segment")
    if judge_id not in parts.judges:
        raise DomainError("competition.error.unknown_judge")
    if entrant_id not in parts.entrants:
        raise DomainError("competition.error.unknown_entrant")
    check_score(score, parts.segments[segment_id])


def _editable(found: Competition) -> None:
    if found.state not in EDITABLE_STATES:
        raise DomainError("competition.error.not_editable")


def _event(session: Session, actor: Actor, found: Competition, to_state: str,
           sheet_version: int | None, reason: str | None = None) -> None:
    session.add(CompetitionEvent(competition_id=found.id, account_id=actor.account_id,
                                 from_state=found.state, to_state=to_state,
                                 sheet_version=sheet_version, reason=reason))
    found.state = to_state


def _new_sheet(session: Session, actor: Actor, found: Competition, previous: ScoreSheet | None,
               scores: dict[tuple[int, int, int], Decimal], source: str) -> int:
    """Store `scores` as the next version; a confirmed competition goes back to draft."""
    version = (previous.version if previous else 0) + 1
    sheet = ScoreSheet(competition_id=found.id, version=version, source=source,
                       entered_by=actor.account_id, entered_at=utcnow())
    session.add(sheet)
    session.flush()
    rows = [{"sheet_id": sheet.id, "entrant_id": e, "judge_id": j, "segment_id": s,
             "score": score} for (e, j, s), score in sorted(scores.items())]
    if rows:
        session.execute(insert(JudgeScore), rows)
    if found.state == "confirmed":
        _event(session, actor, found, "draft", version)
    return version


def enter_scores(session: Session, actor: Actor, competition_id: int, *, judge_id: int,
                 segment_id: int, scores: dict[int, Decimal]) -> int:
    """One judge's scores for one segment (entrant id → score), as a new sheet version that
    carries every other score over. Only in draft or confirmed (which goes back to draft).
    Returns the new version number."""
    found = _locked_to_manage(session, actor, competition_id)
    _editable(found)
    if not scores:
        raise DomainError("competition.error.no_scores_given")
    parts = _parts(session, found.id)
    for entrant_id, score in scores.items():
        _check_row(parts, entrant_id, judge_id, segment_id, score)
    previous = _newest_sheet(session, found.id)
    carried = _sheet_scores(session, previous.id) if previous else {}
    before = {str(e): f"{carried[(e, judge_id, segment_id)]:f}" for e in scores
              if (e, judge_id, segment_id) in carried}
    carried.update({(e, judge_id, segment_id): score for e, score in scores.items()})
    state = found.state
    version = _new_sheet(session, actor, found, previous, carried, "form")
    audit.record(session, actor, "competition.scores_entered", "competition", found.id,
                 school_id=found.organiser_school_id,
                 before={"version": previous.version if previous else None, "state": state,
                         "scores": before},
                 after={"version": version, "state": found.state, "source": "form",
                        "judge_id": judge_id, "segment_id": segment_id,
                        "scores": {str(e): f"{s:f}" for e, s in scores.items()}})
    return version


def replace_sheet(session: Session, actor: Actor, competition_id: int,
                  rows: Sequence[ScoreRow], *, source: str = "excel") -> int:
    """A whole score sheet (e.g. imported), as a new version; validated all or nothing."""
    if source not in SHEET_SOURCES:
        raise DomainError("competition.error.sheet_source")
    found = _locked_to_manage(session, actor, competition_id)
    _editable(found)
    if not rows:
        raise DomainError("competition.error.no_scores_given")
    parts = _parts(session, found.id)
    scores: dict[tuple[int, int, int], Decimal] = {}
    for row in rows:
        _check_row(parts, row.entrant_id, row.judge_id, row.segment_id, row.score)
        key = (row.entrant_id, row.judge_id, row.segment_id)
        if key in scores:
            raise DomainError("competition.error.duplicate_score",
                              entrant=parts.entrants[row.entrant_id],
                              judge=parts.judges[row.judge_id],
                              segment=parts.segments[row.segment_id].name)
        scores[key] = row.score
    previous = _newest_sheet(session, found.id)
    state = found.state
    version = _new_sheet(session, actor, found, previous, scores, source)
    audit.record(session, actor, "competition.scores_entered", "competition", found.id,
                 school_id=found.organiser_school_id,
                 before={"version": previous.version if previous else None, "state": state},
                 after={"version": version, "state": found.state, "source": source,
                        "scores": len(scores)})
    return version


def _first_gap(session: Session, competition_id: int, sheet_id: int) -> tuple[str, str] | None:
    """(entrant, segment) of the first competing entrant with no score in a segment."""
    have = {(entrant_id, segment_id) for entrant_id, segment_id in session.execute(
        select(JudgeScore.entrant_id, JudgeScore.segment_id)
        .where(JudgeScore.sheet_id == sheet_id).distinct())}
    segments = session.execute(select(Segment.id, Segment.name)
                               .where(Segment.competition_id == competition_id)
                               .order_by(Segment.position, Segment.id)).all()
    for entrant_id, name in session.execute(
            select(Entrant.id, Staff.name).join(Staff, Staff.id == Entrant.staff_id)
            .where(Entrant.competition_id == competition_id, Entrant.competed.is_(True))
            .order_by(Entrant.id)):
        for segment_id, segment in segments:
            if (entrant_id, segment_id) not in have:
                return name, segment
    return None


def _transition(session: Session, actor: Actor, found: Competition, to_state: str,
                action: str, *, reason: str | None = None) -> None:
    sheet = _newest_sheet(session, found.id)
    version = sheet.version if sheet else None
    before = found.state
    _event(session, actor, found, to_state, version, reason)
    after: dict[str, object] = {"state": to_state, "sheet_version": version}
    if reason is not None:
        after["reason"] = reason
    audit.record(session, actor, action, "competition", found.id,
                 school_id=found.organiser_school_id, before={"state": before}, after=after)


def confirm_sheet(session: Session, actor: Actor, competition_id: int) -> None:
    """draft → confirmed, by a manager who did not enter the newest version; every entrant
    needs a score from every judge… at least one judge per segment."""
    found = _locked_to_manage(session, actor, competition_id)
    if found.state != "draft":
        raise DomainError("competition.error.confirm_needs_draft")
    sheet = _newest_sheet(session, found.id)
    if sheet is None:
        raise DomainError("competition.error.no_sheet")
    if sheet.entered_by == actor.account_id:
        raise DomainError("competition.error.confirm_own_sheet")
    gap = _first_gap(session, found.id, sheet.id)
    if gap is not None:
        raise DomainError("competition.error.incomplete", entrant=gap[0], segment=gap[1])
    sheet.confirmed_by, sheet.confirmed_at = actor.account_id, utcnow()
    _transition(session, actor, found, "confirmed", "competition.confirmed")


def publish(session: Session, actor: Actor, competition_id: int) -> None:
    """confirmed → published (公示)."""
    found = _locked_to_manage(session, actor, competition_id)
    if found.state != "confirmed":
        raise DomainError("competition.error.publish_needs_confirmed")
    _write_standings(session, found)
    _transition(session, actor, found, "published", "competition.published")


def close(session: Session, actor: Actor, competition_id: int) -> None:
    """published → closed."""
    found = _locked_to_manage(session, actor, competition_id)
    if found.state != "published":
        raise DomainError("competition.error.close_needs_published")
    _transition(session, actor, found, "closed", "competition.closed")


def reopen(session: Session, actor: Actor, competition_id: int, *, reason: str) -> None:
    """published → draft, with a reason that stays in the history."""
    text = plain_text(reason)
    if not text:
        raise DomainError("competition.error.reason_required")
    found = _locked_to_manage(session, actor, competition_id)
    if found.state != "published":
        raise DomainError("competition.error.reopen_needs_published")
    session.execute(delete(StandingRow).where(StandingRow.competition_id == found.id))
    _transition(session, actor, found, "draft", "competition.reopened", reason=text)


# --- Results ------------------------------------------------------------------------------------

@dataclass
class GroupResults:
    group_id: int
    group: str
    results: list[Result]
    ties: list[TieNote]
    boundaries: list[BoundaryNote]


@dataclass
class CompetitionResults:
    competition_id: int
    groups: list[GroupResults]
    names: dict[int, str]            # entrant id → name
    schools: dict[int, str]          # entrant id → school name
    panels: PanelCheck


@dataclass
class _Computed:
    """One competition's results, with the award names its standings are frozen with."""

    results: CompetitionResults
    tiers: dict[int, str]            # tier rank → award name


def _compute(session: Session, roundings: dict[int, str], *, strict: bool
             ) -> dict[int, _Computed]:
    """Results of many competitions (id → rounding) with one query per table per chunk.
    Strict, a competing entrant without a score in some segment is an error; otherwise (a
    draft's preview) that entrant is left out until the sheet is complete."""
    computed: dict[int, _Computed] = {}
    for ids in _chunks(sorted(roundings)):
        computed.update(_compute_chunk(session, ids, roundings, strict=strict))
    return computed


def _compute_chunk(session: Session, ids: list[int], roundings: dict[int, str], *,
                   strict: bool) -> dict[int, _Computed]:
    segments: dict[int, list[SegmentRule]] = defaultdict(list)
    for cid, sid, name, maximum, weight, position in session.execute(
            select(Segment.competition_id, Segment.id, Segment.name, Segment.max_score,
                   Segment.weight, Segment.position)
            .where(Segment.competition_id.in_(ids)).order_by(Segment.position, Segment.id)):
        segments[cid].append(SegmentRule(sid, name, maximum, weight, position))
    tiers: dict[int, list[TierRule]] = defaultdict(list)
    for cid, *tier in session.execute(
            select(AwardTier.competition_id, AwardTier.rank, AwardTier.name,
                   AwardTier.quota_percent, AwardTier.fixed_count, AwardTier.min_score)
            .where(AwardTier.competition_id.in_(ids)).order_by(AwardTier.rank)):
        tiers[cid].append(TierRule(*tier))
    groups: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for cid, gid, name in session.execute(
            select(SubjectGroup.competition_id, SubjectGroup.id, SubjectGroup.name)
            .where(SubjectGroup.competition_id.in_(ids)).order_by(SubjectGroup.id)):
        groups[cid].append((gid, name))
    entrants = session.execute(
        select(Entrant.competition_id, Entrant.id, Entrant.group_id, Entrant.competed,
               Staff.name, School.name)
        .join(Staff, Staff.id == Entrant.staff_id).join(School, School.id == Entrant.school_id)
        .where(Entrant.competition_id.in_(ids)).order_by(Entrant.id)).all()
    newest = (select(ScoreSheet.competition_id, func.max(ScoreSheet.version).label("version"))
              .where(ScoreSheet.competition_id.in_(ids))
              .group_by(ScoreSheet.competition_id).subquery())
    sheets = dict(session.execute(
        select(ScoreSheet.id, ScoreSheet.competition_id)
        .join(newest, and_(newest.c.competition_id == ScoreSheet.competition_id,
                           newest.c.version == ScoreSheet.version))).all())
    # (competition, entrant) → segment → judge → score
    scores: dict[tuple[int, int], dict[int, dict[int, Decimal]]] = defaultdict(
        lambda: defaultdict(dict))
    if sheets:
        for sheet_id, entrant_id, judge_id, segment_id, score in session.execute(
                select(JudgeScore.sheet_id, JudgeScore.entrant_id, JudgeScore.judge_id,
                       JudgeScore.segment_id, JudgeScore.score)
                .where(JudgeScore.sheet_id.in_(list(sheets)))
                .order_by(JudgeScore.judge_id)):
            scores[(sheets[sheet_id], entrant_id)][segment_id][judge_id] = score
    has_sheet = set(sheets.values())

    by_competition: dict[int, list] = defaultdict(list)
    for row in entrants:
        by_competition[row[0]].append(row)
    out: dict[int, _Computed] = {}
    for cid in ids:
        rows = by_competition.get(cid, [])
        rules, tier_rules = segments.get(cid, []), tiers.get(cid, [])
        panels: dict[tuple[int, int], dict[int, Decimal]] = {}
        group_results = []
        for gid, group in groups.get(cid, []):
            competing = [r for r in rows if r[2] == gid and r[3]]
            if cid not in has_sheet:
                group_results.append(GroupResults(gid, group, [], [], []))
                continue
            entered = []
            for r in competing:
                by_segment = scores.get((cid, r[1]), {})
                missing = [rule.name for rule in rules if not by_segment.get(rule.id)]
                if missing and strict:
                    raise DomainError("competition.error.incomplete", entrant=r[4],
                                      segment=missing[0])
                if missing:
                    continue
                for rule in rules:
                    panels[(r[1], rule.id)] = dict(by_segment[rule.id])
                entered.append(EntrantScores(r[1], {s: list(j.values())
                                                    for s, j in by_segment.items()}))
            ranked, ties = rank(entered, rules)
            boundaries = award(ranked, tier_rules, roundings[cid])
            group_results.append(GroupResults(gid, group, ranked, ties, boundaries))
        out[cid] = _Computed(
            CompetitionResults(cid, group_results, {r[1]: r[4] for r in rows},
                               {r[1]: r[5] for r in rows},
                               check_panels(panels, {s.id: s for s in rules})),
            {t.rank: t.name for t in tier_rules})
    return out


def results(session: Session, actor: Actor, competition_id: int) -> CompetitionResults:
    """Rankings and awards per subject group from the newest sheet, computed by
    services.scoring. Managers see them at any state; others once published.

    Before any sheet every group is empty. While a draft sheet is incomplete, an entrant who
    still lacks a segment's score is left out of this preview (confirming the sheet is refused
    until nobody is), so the ranking and the quota places cover the fully scored only."""
    found = _read(session, actor, competition_id)
    return _compute(session, {found.id: found.rounding}, strict=False)[found.id].results


def _write_standings(session: Session, found: Competition) -> int:
    """Freeze the results at 公示: one StandingRow per competing entrant, so the medal table
    and teachers' records read a few rows instead of recomputing every competition."""
    session.execute(delete(StandingRow).where(StandingRow.competition_id == found.id))
    item = _compute(session, {found.id: found.rounding}, strict=True)[found.id]
    rows = [{"competition_id": found.id, "entrant_id": r.entrant_id, "rank": r.rank,
             "final": r.final, "award_rank": r.award,
             "award_name": None if r.award is None else item.tiers[r.award],
             "promoted": r.promoted}
            for group in item.results.groups for r in group.results]
    if rows:
        session.execute(insert(StandingRow), rows)
    return len(rows)


def _standings(actor: Actor) -> Select:
    """Frozen standings of the published or closed competitions the actor may read."""
    _login(actor)
    return (select(StandingRow.id).select_from(StandingRow)
            .join(Competition, Competition.id == StandingRow.competition_id)
            .join(Entrant, Entrant.id == StandingRow.entrant_id)
            .join(School, School.id == Entrant.school_id)
            .where(_public(actor)))


def medal_table(session: Session, actor: Actor, *, year: int | None = None) -> pd.DataFrame:
    """Awards per school over the published/closed competitions the actor may read. Columns:
    school, then one per award name in tier order, then total.

    Schools with no award are left out; rows are ordered like a medal table: most of the first
    award, then of the next, then the total. Counted in SQL from the frozen standings."""
    query = (_standings(actor)
             .with_only_columns(School.id, School.name, StandingRow.award_name,
                                func.min(StandingRow.award_rank), func.count())
             .where(StandingRow.award_rank.is_not(None))
             .group_by(School.id, School.name, StandingRow.award_name))
    if year is not None:
        query = query.where(Competition.year == year)
    order: dict[str, int] = {}                  # award name → best tier rank it was given at
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    names: dict[int, str] = {}
    for school_id, school_name, award_name, tier_rank, n in session.execute(query):
        order[award_name] = min(order.get(award_name, tier_rank), tier_rank)
        counts[school_id][award_name] = n
        names[school_id] = school_name
    awards = sorted(order, key=lambda name: (order[name], name))
    rows = [[names[sid], *(by_award.get(a, 0) for a in awards), sum(by_award.values())]
            for sid, by_award in counts.items()]
    rows.sort(key=lambda r: (*(-n for n in r[1:]), r[0]))
    return pd.DataFrame(rows, columns=["school", *awards, "total"])


def _record_scope(session: Session, actor: Actor, staff_id: int) -> None:
    """District admin and auditors read anyone's record, a chair their schools' staff, and
    everyone their own."""
    _login(actor)
    school_id = session.scalar(select(Staff.school_id).where(Staff.id == staff_id))
    if school_id is None:
        raise DomainError("competition.error.staff_unknown")
    if actor.has("district_admin", "auditor") or actor.staff_id == staff_id:
        return
    if school_id not in actor.school_ids("school_chair"):
        raise DomainError("error.forbidden")


def find_teachers(session: Session, actor: Actor, search: str = "", *, limit: int = 50
                  ) -> dict[int, str]:
    """Staff whose record the actor may open, matching a name or staff number: anyone for the
    district admin and auditors, a chair's schools' staff (retired too: their honours stay),
    and for everyone else themselves only. Labelled name (school · staff no); at most `limit`."""
    _login(actor)
    query = (select(Staff.id, Staff.name, School.name, Staff.staff_no)
             .join(School, School.id == Staff.school_id)
             .order_by(School.code, Staff.name, Staff.id).limit(limit))
    if not actor.has("district_admin", "auditor"):
        mine = [Staff.id == actor.staff_id] if actor.staff_id is not None else []
        chair_schools = sorted(actor.school_ids("school_chair"))
        if chair_schools:
            mine.append(Staff.school_id.in_(chair_schools))
        if not mine:
            return {}
        query = query.where(or_(*mine))
    text = (search or "").strip()
    if text:
        query = query.where(or_(Staff.name.contains(text, autoescape=True),
                                Staff.staff_no.contains(text.upper(), autoescape=True)))
    return {sid: f"{name}（{school} · {staff_no}）"
            for sid, name, school, staff_no in session.execute(query)}


def teacher_record(session: Session, actor: Actor, staff_id: int) -> pd.DataFrame:
    """A teacher's results and honours together, newest year first. Columns: year, kind
    ("competition" / "honour"), name, level, result (award name, or rank / final score),
    issuer.

    For a competition the issuer is its organiser and a result without an award reads
    "rank / final" (e.g. "5 / 86.20"); entrants marked as not competing are left out."""
    _record_scope(session, actor, staff_id)
    found = session.execute(
        _standings(actor)
        .with_only_columns(Competition.year, Competition.name, Competition.level,
                           Competition.organiser_school_id, StandingRow.rank,
                           StandingRow.final, StandingRow.award_name)
        .where(Entrant.staff_id == staff_id)).all()
    organisers = _organiser_names(session, [r.organiser_school_id for r in found])
    rows = [(r.year, "competition", r.name, r.level,
             r.award_name or f"{r.rank} / {r.final:f}", organisers.get(r.organiser_school_id, ""))
            for r in found]
    rows += [(year, "honour", name, level, "", issuer) for year, name, level, issuer in
             session.execute(select(Honour.year, HonourKind.name, Honour.level, Honour.issuer)
                             .join(HonourKind, HonourKind.id == Honour.kind_id)
                             .where(Honour.staff_id == staff_id))]
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    return pd.DataFrame(rows, columns=["year", "kind", "name", "level", "result", "issuer"])


def results_by_school_year(session: Session, actor: Actor) -> pd.DataFrame:
    """Counts of awards per school and year, for the chart. Columns: year, school, awards."""
    query = (_standings(actor)
             .with_only_columns(Competition.year, School.name, func.count())
             .where(StandingRow.award_rank.is_not(None))
             .group_by(Competition.year, School.id, School.name)
             .order_by(Competition.year, School.name))
    return pd.DataFrame([tuple(r) for r in session.execute(query)],
                        columns=["year", "school", "awards"])


# --- Honours ------------------------------------------------------------------------------------

def honour_kinds(session: Session) -> dict[int, str]:
    """The honours that can be recorded now, by name."""
    return dict(session.execute(select(HonourKind.id, HonourKind.name)
                                .where(HonourKind.active.is_(True))
                                .order_by(HonourKind.name)).all())


def add_honour_kind(session: Session, actor: Actor, name: str) -> int:
    """The district admin keeps the list, so the same honour is not spelled three ways."""
    require_role(actor, "district_admin")
    text = _text(name, 50, required="honour.error.kind_name_required")
    if session.scalar(select(HonourKind.id).where(HonourKind.name == text)) is not None:
        raise DomainError("honour.error.kind_exists", name=text)
    kind = HonourKind(name=text, active=True)
    session.add(kind)
    session.flush()
    audit.record(session, actor, "honour_kind.created", "honour_kind", kind.id,
                 after={"name": text})
    return kind.id


def record_honour(session: Session, actor: Actor, *, kind_id: int, staff_id: int | None,
                  school_id: int | None, level: str, year: int, issuer: str) -> int:
    """One honour of a teacher or of a school: the district admin for anyone, a chair for
    their schools and their staff."""
    require_role(actor, *MANAGER_ROLES)
    if (staff_id is None) == (school_id is None):
        raise DomainError("honour.error.holder")
    if staff_id is not None:
        holder_school = session.scalar(select(Staff.school_id).where(Staff.id == staff_id))
    else:
        holder_school = session.scalar(select(School.id).where(School.id == school_id))
    if holder_school is None:
        raise DomainError("honour.error.holder_unknown")
    if not actor.has("district_admin") and holder_school not in actor.school_ids("school_chair"):
        raise DomainError("error.forbidden")
    if not session.scalar(select(HonourKind.active).where(HonourKind.id == kind_id)):
        raise DomainError("honour.error.kind_unknown")
    if level not in LEVELS:
        raise DomainError("honour.error.level")
    last = local_today().year + 1
    if not isinstance(year, int) or not HONOUR_FIRST_YEAR <= year <= last:
        raise DomainError("honour.error.year", low=HONOUR_FIRST_YEAR, high=last)
    text = _text(issuer, 100, required="honour.error.issuer_required")
    honour = Honour(kind_id=kind_id, staff_id=staff_id, school_id=school_id, level=level,
                    year=year, issuer=text, recorded_by=actor.account_id)
    session.add(honour)
    session.flush()
    audit.record(session, actor, "honour.recorded", "honour", honour.id,
                 school_id=holder_school,
                 after={"kind_id": kind_id, "staff_id": staff_id, "school_id": school_id,
                        "level": level, "year": year, "issuer": text})
    return honour.id


def list_honours(session: Session, actor: Actor, *, year: int | None = None) -> pd.DataFrame:
    """Columns: id, year, honour, holder, school, level, issuer. The district admin and the
    auditors see every honour; everyone else those of their schools and their staff."""
    _login(actor)
    holder_school = func.coalesce(Staff.school_id, Honour.school_id)
    query = (select(Honour.id, Honour.year, HonourKind.name, Staff.name, School.name,
                    Honour.level, Honour.issuer)
             .join(HonourKind, HonourKind.id == Honour.kind_id)
             .outerjoin(Staff, Staff.id == Honour.staff_id)
             .join(School, School.id == holder_school)
             .order_by(Honour.year.desc(), Honour.id.desc()))
    if not actor.has("district_admin", "auditor"):
        query = query.where(holder_school.in_(sorted(actor.school_ids())))
    if year is not None:
        query = query.where(Honour.year == year)
    rows = [(hid, y, kind, person or school, school, level, issuer)
            for hid, y, kind, person, school, level, issuer in session.execute(query)]
    return pd.DataFrame(rows, columns=["id", "year", "honour", "holder", "school", "level",
                                       "issuer"])
