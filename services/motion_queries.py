"""教代会提案: the reading side. Lists and queues per role, one motion with its whole history,
the KPIs per meeting, school and district, the department ranking, the overdue list and the
similar motions of a school.

Scope comes from the actor, never from a widget: the district admin reads every school; a
school chair their school(s) — in both cases not the drafts (草稿, 征集附议), which are their
proposer's and the asked co-signers' until submitted; a department head the motions ever
assigned to their department (also after a reassignment); a delegate their own motions, those
they were asked to co-sign, and the public motions (registered onward) of their school; an
auditor nothing.

KPIs (all counted in SQL in one pass over the motions, never by loading them):
- submitted: motions that reached 待审查 (submitted_on set), except withdrawn ones that were
  never registered; registered: motions with a number (立案). 立案率 = registered / submitted.
- due: assigned motions (assigned_on set) that were replied or whose deadline has passed;
  on_time: those with replied_on <= deadline. 按期答复率 = on_time / due.
- rated: motions with a rating; satisfied: 满意 or 基本满意, on each motion's latest rating.
  满意率 = satisfied / rated.
- done: registered motions with done_on set (已落实, kept when closed). 落实率 = done /
  registered. A 意见建议 (no number) carried out is not counted, so the rate stays ≤ 1.
- Department ranking: per lead department, on-time rate, then satisfaction rate.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from db.models import Account, CongressTerm, Department, School, Staff
from db.motions import (
    CongressMeeting,
    Motion,
    MotionAssignment,
    MotionCosigner,
    MotionEvent,
    MotionMilestone,
    MotionRating,
    MotionReply,
)
from services.actor import Actor, require_role
from services.clock import local_today, to_local
from services.errors import DomainError
from services.i18n import DEFAULT_LANG, t
from services.motions import OVERDUE_STATES, PUBLIC_STATES, available_actions, is_overdue
from services.motions import PRIVATE_STATES as DRAFT_STATES
from services.similar import SimilarIndex

READERS = ("district_admin", "school_chair", "department_head", "delegate")
BOARD = ("district_admin", "school_chair")
SATISFIED = ("satisfied", "basically")
KPI_COUNTS = ("submitted", "registered", "due", "on_time", "rated", "satisfied", "done")
KPI_RATES = ("registration_rate", "on_time_rate", "satisfaction_rate", "done_rate")
# The department queue's tiles: 待办 / 在办 / 已答复 / 已反馈.
QUEUE_BUCKETS: dict[str, tuple[str, ...]] = {
    "todo": ("assigned",),
    "doing": ("handling",),
    "replied": ("replied", "awaiting_rating"),
    "rated": ("rated", "implementing", "done", "deferred", "closed"),
}
REVIEW_TASKS = ("review", "assign", "reassign", "check_reply", "follow_up")
DEPARTMENT_QUEUE_COLUMNS = ["id", "number", "title", "meeting", "state", "role",
                            "assignment_status", "assigned_on", "deadline", "overdue",
                            "replied_on", "rating", "progress"]
SIMILAR_CANDIDATES = 200   # alike motions looked up before the reader's scope filters them


# --- scope --------------------------------------------------------------------------------------

def _readable(actor: Actor) -> ColumnElement[bool]:
    """The motions an actor may read, as a condition on Motion."""
    require_role(actor, *READERS)
    conditions: list[ColumnElement[bool]] = []
    # A draft is its proposer's (and the asked co-signers') until it is submitted.
    shared = Motion.state.not_in(DRAFT_STATES)
    if actor.has("district_admin"):
        conditions.append(shared)
    elif chairs := actor.school_ids("school_chair"):
        conditions.append(Motion.school_id.in_(sorted(chairs)) & shared)
    if departments := actor.department_ids():
        conditions.append(Motion.id.in_(
            select(MotionAssignment.motion_id)
            .where(MotionAssignment.department_id.in_(sorted(departments)))))
    if actor.has("delegate"):
        if actor.staff_id is not None:
            conditions.append(Motion.proposer_staff_id == actor.staff_id)
            conditions.append(Motion.id.in_(select(MotionCosigner.motion_id)
                                            .where(MotionCosigner.staff_id == actor.staff_id)))
        if schools := actor.school_ids("delegate"):
            conditions.append(Motion.school_id.in_(sorted(schools))
                              & Motion.state.in_(PUBLIC_STATES))
    return or_(false(), *conditions)


def _schools(actor: Actor, *roles: str) -> list[int] | None:
    """The schools an actor reads under these roles: None means every school."""
    require_role(actor, *roles)
    if actor.has("district_admin"):
        return None
    return sorted(actor.school_ids(*(r for r in roles if r != "district_admin")))


def _check_school(actor: Actor, school_id: int, *roles: str) -> None:
    schools = _schools(actor, *roles)
    if schools is not None and school_id not in schools:
        raise DomainError("error.forbidden")


def _board(actor: Actor, school_id: int | None = None) -> ColumnElement[bool]:
    """KPIs are for the district admin (all schools) and the school chairs (theirs)."""
    schools = _schools(actor, *BOARD)
    if school_id is not None and schools is not None and school_id not in schools:
        raise DomainError("error.forbidden")
    return true() if schools is None else Motion.school_id.in_(schools)


def _overdue(today: dt.date) -> ColumnElement[bool]:
    """Overdue is never stored: assigned or being handled, and the deadline has passed."""
    return and_(Motion.state.in_(OVERDUE_STATES), Motion.deadline < today)


def _overdue_column(frame: pd.DataFrame, today: dt.date) -> pd.Series:
    """The same rule over the rows of one page or queue (a row, not an aggregate)."""
    return pd.Series([state in OVERDUE_STATES and deadline is not None and deadline < today
                      for state, deadline in zip(frame["state"], frame["deadline"], strict=True)],
                     index=frame.index, dtype=bool)


# --- meetings -----------------------------------------------------------------------------------

def meeting_label(term_number: int, meeting_number: int, year: int,
                  lang: str = DEFAULT_LANG) -> str:
    """第6届第3次(2026), in the catalogue's wording."""
    return t("motion.meeting_label", lang, term=term_number, number=meeting_number, year=year)


def _meetings() -> Select[Any]:
    """Meeting id with what its label needs (term number, meeting number, year), newest first."""
    return (select(CongressMeeting.id, CongressTerm.number, CongressMeeting.number,
                   CongressMeeting.year)
            .join(CongressTerm, CongressTerm.id == CongressMeeting.term_id)
            .order_by(CongressMeeting.year.desc(), CongressTerm.number.desc(),
                      CongressMeeting.number.desc(), CongressMeeting.id.desc()))


def _meeting_labels(session: Session, meeting_ids: Sequence[int],
                    lang: str) -> dict[int, str]:
    ids = sorted(set(meeting_ids))
    if not ids:
        return {}
    return {mid: meeting_label(term, number, year, lang) for mid, term, number, year in
            session.execute(_meetings().where(CongressMeeting.id.in_(ids)))}


def meeting_choices(session: Session, actor: Actor, *, school_id: int | None = None,
                    lang: str = DEFAULT_LANG) -> dict[int, str]:
    """{meeting id: label}, newest first, of the schools the actor reads; the school's name
    goes before the label when the list spans several schools."""
    schools = _schools(actor, *READERS)
    query = (_meetings().add_columns(School.name)
             .join(School, School.id == CongressMeeting.school_id).order_by(None)
             .order_by(CongressMeeting.year.desc(), School.code, CongressTerm.number.desc(),
                       CongressMeeting.number.desc(), CongressMeeting.id.desc()))
    if school_id is not None:
        _check_school(actor, school_id, *READERS)
        query = query.where(CongressMeeting.school_id == school_id)
    elif schools is not None:
        query = query.where(CongressMeeting.school_id.in_(schools))
    named = school_id is None and (schools is None or len(schools) > 1)
    out: dict[int, str] = {}
    for mid, term, number, year, school in session.execute(query):
        text = meeting_label(term, number, year, lang)
        out[mid] = t("motion.school_meeting", lang, school=school, meeting=text) if named \
            else text
    return out


def current_meeting_id(session: Session, actor: Actor, *, school_id: int) -> int | None:
    """The school's newest meeting that still accepts motions, if any."""
    _check_school(actor, school_id, *READERS)
    return session.scalar(_meetings().where(CongressMeeting.school_id == school_id,
                                            CongressMeeting.accepting.is_(True)).limit(1)
                          .with_only_columns(CongressMeeting.id))


# --- lists --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MotionFilter:
    meeting_id: int | None = None
    school_id: int | None = None
    states: tuple[str, ...] = ()
    department_id: int | None = None   # the lead department
    text: str = ""                     # in the title, the number or the proposer's name
    overdue_only: bool = False
    category: str | None = None


NO_FILTER = MotionFilter()
LIST_COLUMNS = ["id", "number", "title", "proposer", "school", "department", "state",
                "deadline", "overdue", "rating", "progress"]
REGISTER_COLUMNS = ["id", "meeting", "number", "title", "category", "proposer", "school",
                    "department", "state", "submitted_on", "registered_on", "assigned_on",
                    "deadline", "replied_on", "extent", "rating", "progress", "done_on",
                    "overdue"]


def _conditions(actor: Actor, filters: MotionFilter, today: dt.date) -> list[ColumnElement[bool]]:
    conditions = [_readable(actor)]
    if filters.meeting_id is not None:
        conditions.append(Motion.meeting_id == filters.meeting_id)
    if filters.school_id is not None:
        conditions.append(Motion.school_id == filters.school_id)
    if filters.states:
        conditions.append(Motion.state.in_(tuple(filters.states)))
    if filters.department_id is not None:
        conditions.append(Motion.lead_department_id == filters.department_id)
    if filters.category:
        conditions.append(Motion.category == filters.category)
    if text := (filters.text or "").strip():
        conditions.append(or_(
            Motion.title.icontains(text, autoescape=True),
            Motion.number.icontains(text, autoescape=True),
            Motion.proposer_staff_id.in_(select(Staff.id).where(
                Staff.name.contains(text, autoescape=True)))))
    if filters.overdue_only:
        conditions.append(_overdue(today))
    return conditions


def _listed(*extra: Any) -> Select[Any]:
    """The columns of a motion list: proposer, school and lead department by name."""
    return (select(Motion.id, Motion.number, Motion.title, Staff.name, School.name,
                   Department.name, Motion.state, Motion.deadline, Motion.rating,
                   Motion.progress, *extra)
            .join(Staff, Staff.id == Motion.proposer_staff_id)
            .join(School, School.id == Motion.school_id)
            .outerjoin(Department, Department.id == Motion.lead_department_id))


def list_motions(session: Session, actor: Actor, *, filters: MotionFilter = NO_FILTER,
                 page: int = 1, page_size: int = 50,
                 today: dt.date | None = None) -> tuple[pd.DataFrame, int]:
    """One page of the motions in scope that pass the filters, newest first, and how many
    pass in all. Columns: LIST_COLUMNS."""
    today = today or local_today()
    conditions = _conditions(actor, filters, today)
    total = session.scalar(select(func.count()).select_from(Motion).where(*conditions)) or 0
    rows = session.execute(_listed().where(*conditions).order_by(Motion.id.desc())
                           .limit(page_size).offset((max(page, 1) - 1) * page_size)).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "title", "proposer", "school",
                                        "department", "state", "deadline", "rating",
                                        "progress"])
    frame["overdue"] = _overdue_column(frame, today)
    return frame[LIST_COLUMNS], int(total)


def all_motions(session: Session, actor: Actor, *, filters: MotionFilter = NO_FILTER,
                today: dt.date | None = None, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Every motion in scope that passes the filters, for the register (登记表): by meeting,
    newest meeting first, then by number (unnumbered last). Columns: REGISTER_COLUMNS."""
    today = today or local_today()
    rows = session.execute(
        _listed(Motion.meeting_id, Motion.category, Motion.submitted_on, Motion.registered_on,
                Motion.assigned_on, Motion.replied_on, Motion.extent, Motion.done_on)
        .join(CongressMeeting, CongressMeeting.id == Motion.meeting_id)
        .where(*_conditions(actor, filters, today))
        .order_by(CongressMeeting.year.desc(), Motion.meeting_id.desc(),
                  Motion.number.is_(None), Motion.number, Motion.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "title", "proposer", "school",
                                        "department", "state", "deadline", "rating",
                                        "progress", "meeting_id", "category", "submitted_on",
                                        "registered_on", "assigned_on", "replied_on",
                                        "extent", "done_on"])
    labels = _meeting_labels(session, frame["meeting_id"].tolist(), lang)
    frame["meeting"] = frame["meeting_id"].map(labels)
    frame["overdue"] = _overdue_column(frame, today)
    return frame[REGISTER_COLUMNS]


def _cosigners(*statuses: str) -> Any:
    """Per listed motion, its co-signers (of these statuses, or all asked): a correlated count
    on the (motion, staff) index, so a short list never counts every motion's co-signers."""
    query = select(func.count()).where(MotionCosigner.motion_id == Motion.id)
    if statuses:
        query = query.where(MotionCosigner.status.in_(statuses))
    return query.correlate(Motion).scalar_subquery()


def my_motions(session: Session, actor: Actor, *, today: dt.date | None = None,
               lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """The delegate's own motions, newest first, with how many co-signers signed of those
    asked and the meeting's minimum."""
    require_role(actor, "delegate")
    today = today or local_today()
    rows = session.execute(
        select(Motion.id, Motion.meeting_id, Motion.number, Motion.title, Motion.state,
               _cosigners("signed"), _cosigners(), CongressMeeting.min_cosigners,
               Motion.deadline, Motion.rating, Motion.progress, Motion.updated_at)
        .join(CongressMeeting, CongressMeeting.id == Motion.meeting_id)
        .where(Motion.proposer_staff_id == actor.staff_id)   # NULL staff: none
        .order_by(Motion.id.desc())).all()
    frame = pd.DataFrame(rows, columns=["id", "meeting_id", "number", "title", "state",
                                        "signed", "asked", "needed", "deadline", "rating",
                                        "progress", "updated_at"])
    frame.insert(2, "meeting", frame["meeting_id"].map(
        _meeting_labels(session, frame["meeting_id"].tolist(), lang)))
    frame["updated_at"] = frame["updated_at"].map(to_local)
    frame["overdue"] = _overdue_column(frame, today)
    return frame


def cosign_requests(session: Session, actor: Actor, *,
                    lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Motions still collecting co-signers that asked this delegate and await the answer."""
    require_role(actor, "delegate")
    rows = session.execute(
        select(Motion.id, Motion.meeting_id, Motion.title, Staff.name, _cosigners("signed"),
               CongressMeeting.min_cosigners, MotionCosigner.requested_at)
        .join(MotionCosigner, MotionCosigner.motion_id == Motion.id)
        .join(Staff, Staff.id == Motion.proposer_staff_id)
        .join(CongressMeeting, CongressMeeting.id == Motion.meeting_id)
        .where(MotionCosigner.staff_id == actor.staff_id,
               MotionCosigner.status == "requested", Motion.state == "cosigning")
        .order_by(MotionCosigner.requested_at, Motion.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "meeting_id", "title", "proposer", "signed",
                                        "needed", "requested_at"])
    frame.insert(2, "meeting", frame["meeting_id"].map(
        _meeting_labels(session, frame["meeting_id"].tolist(), lang)))
    frame["requested_at"] = frame["requested_at"].map(to_local)
    return frame


def review_queue(session: Session, actor: Actor, *, meeting_id: int) -> pd.DataFrame:
    """The committee's work in one meeting, in this order (column `task`): submitted motions
    to review, registered motions and suggestions to assign, return requests to reassign,
    replies to check, ratings to move on (implement or reopen). Columns: id, number, title,
    proposer, state, task, department, since (the day it started waiting), rating, signed,
    return_requested, return_reason."""
    require_role(actor, "school_chair")
    school_id = session.scalar(select(CongressMeeting.school_id)
                               .where(CongressMeeting.id == meeting_id))
    if school_id is None or school_id not in actor.school_ids("school_chair"):
        raise DomainError("error.forbidden")
    returning = (MotionAssignment.motion_id == Motion.id) & MotionAssignment.active.is_(True) \
        & (MotionAssignment.status == "return_requested")
    waits_return = (Motion.state == "assigned") & select(MotionAssignment.id).where(
        returning).exists()
    task = case((Motion.state == "submitted", "review"),
                (Motion.state.in_(("registered", "suggestion")), "assign"),
                (Motion.state == "assigned", "reassign"),
                (Motion.state == "replied", "check_reply"), else_="follow_up")
    rated_on = (select(func.max(MotionRating.rated_on))
                .where(MotionRating.motion_id == Motion.id).scalar_subquery())
    since = case((Motion.state == "submitted", Motion.submitted_on),
                 (Motion.state.in_(("registered", "suggestion")),
                  func.coalesce(Motion.registered_on, Motion.submitted_on)),
                 (Motion.state == "assigned", Motion.assigned_on),
                 (Motion.state == "replied", Motion.replied_on), else_=rated_on)
    reason = (select(MotionAssignment.return_reason).where(returning)
              .order_by(MotionAssignment.id.desc()).limit(1).scalar_subquery())
    signed = _cosigners("signed")
    order = case(*((task == name, i) for i, name in enumerate(REVIEW_TASKS)))
    rows = session.execute(
        select(Motion.id, Motion.number, Motion.title, Staff.name, Motion.state,
               task.label("task"), Department.name, since.label("since"), Motion.rating,
               signed, reason)
        .join(Staff, Staff.id == Motion.proposer_staff_id)
        .outerjoin(Department, Department.id == Motion.lead_department_id)
        .where(Motion.meeting_id == meeting_id,
               or_(Motion.state.in_(("submitted", "registered", "suggestion", "replied",
                                     "rated")), waits_return))
        .order_by(order, since, Motion.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "title", "proposer", "state", "task",
                                        "department", "since", "rating", "signed",
                                        "return_reason"])
    frame.insert(10, "return_requested", (frame["task"] == "reassign").astype(bool))
    return frame.astype({"signed": "int64"})


def department_queue(session: Session, actor: Actor, *, today: dt.date | None = None,
                     lang: str = DEFAULT_LANG) -> tuple[dict[str, int], pd.DataFrame]:
    """The motions now assigned to the actor's department(s), as lead or co-department, with
    the tiles 待办 (todo: assigned), 在办 (doing: handling), 已答复 (replied: replied or
    awaiting rating) and 已反馈 (rated: rated onward), counted in SQL over the same rows.
    Frame columns: id, number, title, meeting, state, role, assignment_status, assigned_on,
    deadline, overdue, replied_on, rating, progress."""
    require_role(actor, "department_head")
    today = today or local_today()
    mine = (MotionAssignment.active.is_(True),
            MotionAssignment.department_id.in_(sorted(actor.department_ids())))
    bucket = case(*((Motion.state.in_(states), name) for name, states in QUEUE_BUCKETS.items()),
                  else_=None)
    counts = dict.fromkeys(QUEUE_BUCKETS, 0)
    for name, n in session.execute(
            select(bucket, func.count(func.distinct(Motion.id)))
            .join(MotionAssignment, MotionAssignment.motion_id == Motion.id)
            .where(*mine).group_by(bucket)):
        if name is not None:
            counts[name] = int(n)
    order = case(*((bucket == name, i) for i, name in enumerate(QUEUE_BUCKETS)), else_=9)
    rows = session.execute(
        select(Motion.id, Motion.number, Motion.title, Motion.meeting_id, Motion.state,
               MotionAssignment.role, MotionAssignment.status, MotionAssignment.assigned_on,
               MotionAssignment.deadline, Motion.replied_on, Motion.rating, Motion.progress)
        .join(MotionAssignment, MotionAssignment.motion_id == Motion.id)
        .where(*mine).order_by(order, MotionAssignment.deadline, Motion.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "title", "meeting_id", "state", "role",
                                        "assignment_status", "assigned_on", "deadline",
                                        "replied_on", "rating", "progress"])
    frame["meeting"] = frame["meeting_id"].map(
        _meeting_labels(session, frame["meeting_id"].tolist(), lang))
    frame["overdue"] = _overdue_column(frame, today)
    return counts, frame[DEPARTMENT_QUEUE_COLUMNS]


# --- one motion ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignmentRow:
    department: str
    role: str             # lead / co
    status: str           # assigned / accepted / return_requested / returned
    active: bool          # False once reassigned
    assigned_on: dt.date
    deadline: dt.date
    return_reason: str | None


@dataclass(frozen=True)
class ReplyRow:
    id: int
    department: str
    written_on: dt.date
    body: str
    extent: str           # solved / planned / limited
    status: str           # pending / accepted / sent_back
    review_note: str | None


@dataclass(frozen=True)
class RatingRow:
    round: int
    rating: str
    comment: str | None
    rated_by: str
    rated_on: dt.date


@dataclass(frozen=True)
class MilestoneRow:
    """A progress step; the evidence bytes stay in the database (milestone_evidence)."""

    id: int
    happened_on: dt.date
    progress: int
    note: str
    evidence_name: str | None
    evidence_type: str | None


@dataclass(frozen=True)
class EventRow:
    at: dt.datetime       # local wall-clock time
    actor_name: str | None
    action: str
    from_state: str | None
    to_state: str
    note: str | None


@dataclass(frozen=True)
class MotionView:
    """All the one-motion page shows. Times are local wall-clock time; user text (title,
    reason, suggestion, notes, replies, comments) is plain text for st.text or a dataframe.
    The row tuples are oldest first; pd.DataFrame(view.events) makes a table of them."""

    id: int
    number: str | None
    title: str
    reason: str
    suggestion: str
    category: str | None
    state: str
    meeting_id: int
    meeting: str
    min_cosigners: int
    reply_days: int
    school_id: int
    school: str
    proposer_staff_id: int
    proposer: str
    revision_note: str | None
    decision_note: str | None
    lead_department_id: int | None
    lead_department: str | None
    deadline: dt.date | None
    extent: str | None
    replied_on: dt.date | None
    rating: str | None
    reopen_count: int
    progress: int
    submitted_on: dt.date | None
    registered_on: dt.date | None
    assigned_on: dt.date | None
    done_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    overdue: bool
    merged_into_id: int | None
    merged_into: tuple[str | None, str] | None        # (number, title) of the lead motion
    merged_children: tuple[tuple[str | None, str], ...]  # (number, title) merged into this
    cosigners: tuple[tuple[str, str], ...]  # (name, requested/signed/declined), as asked
    assignments: tuple[AssignmentRow, ...]  # active first, lead before co
    replies: tuple[ReplyRow, ...]
    ratings: tuple[RatingRow, ...]
    milestones: tuple[MilestoneRow, ...]
    events: tuple[EventRow, ...]
    actions: tuple[str, ...]    # services.motions.available_actions for this reader


def _readable_motion(session: Session, actor: Actor, motion_id: int) -> Motion:
    motion = session.scalar(select(Motion).where(Motion.id == motion_id, _readable(actor))
                            .execution_options(populate_existing=True))
    if motion is None:
        raise DomainError("motion.error.not_found")
    return motion


def motion_view(session: Session, actor: Actor, motion_id: int, *,
                today: dt.date | None = None, lang: str = DEFAULT_LANG) -> MotionView:
    """One motion as its reader may see it, with its history and the actions open to them."""
    motion = _readable_motion(session, actor, motion_id)
    today = today or local_today()
    meeting = session.get(CongressMeeting, motion.meeting_id)
    term = session.get(CongressTerm, meeting.term_id) if meeting else None
    assert meeting is not None and term is not None
    school = session.scalar(select(School.name).where(School.id == motion.school_id)) or ""
    proposer = session.scalar(select(Staff.name)
                              .where(Staff.id == motion.proposer_staff_id)) or ""
    lead = session.scalar(select(Department.name)
                          .where(Department.id == motion.lead_department_id)) \
        if motion.lead_department_id else None
    merged_into = None
    if motion.merged_into_id is not None:
        found = session.execute(select(Motion.number, Motion.title)
                                .where(Motion.id == motion.merged_into_id)).first()
        merged_into = (found[0], found[1]) if found else None
    children = tuple((number, title) for number, title in session.execute(
        select(Motion.number, Motion.title).where(Motion.merged_into_id == motion.id)
        .order_by(Motion.id)))
    cosigners = tuple((name, status) for name, status in session.execute(
        select(Staff.name, MotionCosigner.status)
        .join(Staff, Staff.id == MotionCosigner.staff_id)
        .where(MotionCosigner.motion_id == motion.id).order_by(MotionCosigner.id)))
    assigned = session.execute(select(
        Department.name, MotionAssignment.role, MotionAssignment.status, MotionAssignment.active,
        MotionAssignment.assigned_on, MotionAssignment.deadline, MotionAssignment.return_reason)
        .join(Department, Department.id == MotionAssignment.department_id)
        .where(MotionAssignment.motion_id == motion.id)
        .order_by(MotionAssignment.active.desc(), MotionAssignment.role.desc(),
                  MotionAssignment.id))
    assignments = tuple(AssignmentRow(name, role, status, bool(active), *rest)
                        for name, role, status, active, *rest in assigned)
    replies = tuple(ReplyRow(*row) for row in session.execute(select(
        MotionReply.id, Department.name, MotionReply.written_on, MotionReply.body,
        MotionReply.extent, MotionReply.status, MotionReply.review_note)
        .join(Department, Department.id == MotionReply.department_id)
        .where(MotionReply.motion_id == motion.id).order_by(MotionReply.at, MotionReply.id)))
    ratings = tuple(RatingRow(*row) for row in session.execute(select(
        MotionRating.round, MotionRating.rating, MotionRating.comment, Staff.name,
        MotionRating.rated_on)
        .join(Staff, Staff.id == MotionRating.staff_id)
        .where(MotionRating.motion_id == motion.id).order_by(MotionRating.round)))
    milestones = tuple(MilestoneRow(*row) for row in session.execute(select(
        MotionMilestone.id, MotionMilestone.happened_on, MotionMilestone.progress,
        MotionMilestone.note, MotionMilestone.evidence_name, MotionMilestone.evidence_type)
        .where(MotionMilestone.motion_id == motion.id)
        .order_by(MotionMilestone.happened_on, MotionMilestone.id)))
    # Stored in UTC, read in the district's time.
    events = tuple(EventRow(to_local(at) or at, *rest) for at, *rest in session.execute(select(
        MotionEvent.at, func.coalesce(MotionEvent.actor_name, Account.display_name),
        MotionEvent.action, MotionEvent.from_state, MotionEvent.to_state, MotionEvent.note)
        .outerjoin(Account, Account.id == MotionEvent.account_id)
        .where(MotionEvent.motion_id == motion.id).order_by(MotionEvent.at, MotionEvent.id)))
    return MotionView(
        id=motion.id, number=motion.number, title=motion.title, reason=motion.reason,
        suggestion=motion.suggestion, category=motion.category, state=motion.state,
        meeting_id=meeting.id, meeting=meeting_label(term.number, meeting.number, meeting.year,
                                                     lang),
        min_cosigners=meeting.min_cosigners, reply_days=meeting.reply_days,
        school_id=motion.school_id, school=school,
        proposer_staff_id=motion.proposer_staff_id, proposer=proposer,
        revision_note=motion.revision_note, decision_note=motion.decision_note,
        lead_department_id=motion.lead_department_id, lead_department=lead,
        deadline=motion.deadline, extent=motion.extent, replied_on=motion.replied_on,
        rating=motion.rating, reopen_count=motion.reopen_count, progress=motion.progress,
        submitted_on=motion.submitted_on, registered_on=motion.registered_on,
        assigned_on=motion.assigned_on, done_on=motion.done_on,
        created_at=to_local(motion.created_at) or motion.created_at,
        updated_at=to_local(motion.updated_at) or motion.updated_at,
        overdue=is_overdue(motion, today),
        merged_into_id=motion.merged_into_id, merged_into=merged_into,
        merged_children=children, cosigners=cosigners, assignments=assignments,
        replies=replies, ratings=ratings, milestones=milestones, events=events,
        actions=tuple(available_actions(session, actor, motion)))


def milestone_evidence(session: Session, actor: Actor, milestone_id: int) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of a milestone's evidence, for whoever reads the motion."""
    milestone = session.get(MotionMilestone, milestone_id)
    if milestone is None:
        raise DomainError("motion.error.not_found")
    _readable_motion(session, actor, milestone.motion_id)
    if milestone.evidence is None:
        raise DomainError("motion.error.no_evidence")
    return (milestone.evidence_name or "evidence", milestone.evidence_type
            or "application/octet-stream", milestone.evidence)


# --- KPIs ---------------------------------------------------------------------------------------

def _rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@dataclass(frozen=True)
class Kpis:
    """The seven counts behind the four rates (definitions in the module docstring)."""

    submitted: int = 0    # reached 待审查, withdrawn-and-never-registered excepted
    registered: int = 0   # 立案: has a number
    due: int = 0          # assigned, and replied or past the deadline
    on_time: int = 0      # due, replied on or before the deadline
    rated: int = 0        # has a (latest) rating
    satisfied: int = 0    # latest rating 满意 or 基本满意
    done: int = 0         # registered and 已落实 (done_on set)

    @property
    def registration_rate(self) -> Fraction | None:
        """立案率 = registered / submitted."""
        return _rate(self.registered, self.submitted)

    @property
    def on_time_rate(self) -> Fraction | None:
        """按期答复率 = on_time / due."""
        return _rate(self.on_time, self.due)

    @property
    def satisfaction_rate(self) -> Fraction | None:
        """满意率 = (满意 + 基本满意) / rated, on each motion's latest rating."""
        return _rate(self.satisfied, self.rated)

    @property
    def done_rate(self) -> Fraction | None:
        """落实率 = done / registered."""
        return _rate(self.done, self.registered)


def _kpi_columns(today: dt.date) -> list[Any]:
    """The seven counts as SQL aggregates, computed in one pass over the motions."""
    due = and_(Motion.assigned_on.is_not(None),
               or_(Motion.replied_on.is_not(None), Motion.deadline < today))
    return [
        func.count(case((and_(Motion.submitted_on.is_not(None),
                              or_(Motion.state != "withdrawn", Motion.number.is_not(None))),
                         1))).label("submitted"),
        func.count(Motion.number).label("registered"),
        func.count(case((due, 1))).label("due"),
        func.count(case((and_(due, Motion.replied_on <= Motion.deadline), 1))).label("on_time"),
        func.count(Motion.rating).label("rated"),
        func.count(case((Motion.rating.in_(SATISFIED), 1))).label("satisfied"),
        func.count(case((and_(Motion.done_on.is_not(None), Motion.number.is_not(None)),
                         1))).label("done"),
    ]


def _in_year(year: int | None) -> list[ColumnElement[bool]]:
    """Motions of the meetings held in a year (the meeting's year, not the motion's dates)."""
    if year is None:
        return []
    return [Motion.meeting_id.in_(select(CongressMeeting.id)
                                  .where(CongressMeeting.year == year))]


def kpis(session: Session, actor: Actor, *, meeting_id: int | None = None,
         school_id: int | None = None, year: int | None = None,
         today: dt.date | None = None) -> Kpis:
    """The KPIs of one meeting, one school, one year, or the whole scope, counted in SQL."""
    conditions = [_board(actor, school_id), *_in_year(year)]
    if meeting_id is not None:
        conditions.append(Motion.meeting_id == meeting_id)
    if school_id is not None:
        conditions.append(Motion.school_id == school_id)
    row = session.execute(select(*_kpi_columns(today or local_today()))
                          .select_from(Motion).where(*conditions)).one()
    return Kpis(*(int(n or 0) for n in row))


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """The four rates as floats beside the counts (NaN where nothing is counted yet)."""
    for name, part, whole in (("registration_rate", "registered", "submitted"),
                              ("on_time_rate", "on_time", "due"),
                              ("satisfaction_rate", "satisfied", "rated"),
                              ("done_rate", "done", "registered")):
        frame[name] = frame[part].astype(float) / frame[whole].where(frame[whole] > 0)
    return frame


def _scan_key(column: Any, name: str) -> Any:
    """A grouping key no index provides: SQLite then reads the table once and sorts, about
    twice as fast at 50,000 motions as walking the (key, state) index with a table lookup per
    motion (PostgreSQL hashes either way)."""
    return (column + literal_column("0")).label(name)


def kpis_by_school(session: Session, actor: Actor, *, year: int | None = None,
                   today: dt.date | None = None) -> pd.DataFrame:
    """One row per active school in scope (also those without motions), in school code order.
    Columns: school_id, code, school, the seven counts, the four rates (floats)."""
    scope = _board(actor)
    school = _scan_key(Motion.school_id, "school_id")
    per_school = (select(school, *_kpi_columns(today or local_today()))
                  .where(scope, *_in_year(year)).group_by(school).subquery())
    query = (select(School.id, School.code, School.name,
                    *(func.coalesce(per_school.c[name], 0) for name in KPI_COUNTS))
             .outerjoin(per_school, per_school.c.school_id == School.id)
             .where(School.active.is_(True)).order_by(School.code))
    schools = _schools(actor, *BOARD)
    if schools is not None:
        query = query.where(School.id.in_(schools))
    frame = pd.DataFrame(session.execute(query).all(),
                         columns=["school_id", "code", "school", *KPI_COUNTS])
    return _with_rates(frame.astype(dict.fromkeys(KPI_COUNTS, "int64")))


def kpis_by_meeting(session: Session, actor: Actor, *, school_id: int,
                    today: dt.date | None = None, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """One row per meeting of a school, newest first (also meetings without motions).
    Columns: meeting_id, meeting, year, the seven counts, the four rates (floats)."""
    _board(actor, school_id)
    per_meeting = (select(Motion.meeting_id, *_kpi_columns(today or local_today()))
                   .where(Motion.school_id == school_id).group_by(Motion.meeting_id)
                   .subquery())
    rows = session.execute(
        _meetings().add_columns(*(func.coalesce(per_meeting.c[name], 0) for name in KPI_COUNTS))
        .outerjoin(per_meeting, per_meeting.c.meeting_id == CongressMeeting.id)
        .where(CongressMeeting.school_id == school_id)).all()
    frame = pd.DataFrame([(mid, meeting_label(term, number, year, lang), year, *counts)
                          for mid, term, number, year, *counts in rows],
                         columns=["meeting_id", "meeting", "year", *KPI_COUNTS])
    return _with_rates(frame.astype(dict.fromkeys(KPI_COUNTS, "int64")))


RANKING_COLUMNS = ["rank", "department_id", "department", "school", "assigned", "due",
                   "on_time", "on_time_rate", "rated", "satisfied", "satisfaction_rate"]


def department_ranking(session: Session, actor: Actor, *, school_id: int | None = None,
                       year: int | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """Lead departments ranked by 按期答复率, then 满意率 (a department with nothing due or
    rated yet comes after those with a rate), then by how many were due. Counted in SQL per
    department; only the ranking of those few rows happens here. Columns: RANKING_COLUMNS."""
    # Every motion with a lead department was assigned; the others need not be sorted.
    conditions = [_board(actor, school_id), Motion.assigned_on.is_not(None), *_in_year(year)]
    if school_id is not None:
        conditions.append(Motion.school_id == school_id)
    counts = _kpi_columns(today or local_today())
    by_name = {c.name: c for c in counts}
    lead = _scan_key(Motion.lead_department_id, "lead_department_id")
    per_department = (select(lead, func.count(Motion.assigned_on).label("assigned"),
                             *(by_name[n] for n in ("due", "on_time", "rated", "satisfied")))
                      .where(*conditions).group_by(lead).subquery())
    rows = session.execute(
        select(Department.id, Department.name, School.name, School.code,
               per_department.c.assigned, per_department.c.due, per_department.c.on_time,
               per_department.c.rated, per_department.c.satisfied)
        .join(per_department, per_department.c.lead_department_id == Department.id)
        .join(School, School.id == Department.school_id)).all()

    def key(row: Any) -> tuple[Any, ...]:
        on_time, satisfaction = _rate(row[6], row[5]), _rate(row[8], row[7])
        return (on_time is None, -(on_time or 0), satisfaction is None, -(satisfaction or 0),
                -row[5], row[3], row[0])

    out = [(rank, did, name, school, int(assigned), int(due), int(on_time),
            float(on_time) / due if due else float("nan"), int(rated), int(satisfied),
            float(satisfied) / rated if rated else float("nan"))
           for rank, (did, name, school, _code, assigned, due, on_time, rated, satisfied)
           in enumerate(sorted(rows, key=key), start=1)]
    return pd.DataFrame(out, columns=RANKING_COLUMNS)


def overdue_list(session: Session, actor: Actor, *, school_id: int | None = None,
                 today: dt.date | None = None) -> pd.DataFrame:
    """Motions in scope past their deadline and not yet replied, most overdue first.
    Columns: id, number, title, school, department, state, assigned_on, deadline, days_overdue."""
    today = today or local_today()
    conditions = [_readable(actor), _overdue(today)]
    if school_id is not None:
        conditions.append(Motion.school_id == school_id)
    rows = session.execute(
        select(Motion.id, Motion.number, Motion.title, School.name, Department.name,
               Motion.state, Motion.assigned_on, Motion.deadline)
        .join(School, School.id == Motion.school_id)
        .outerjoin(Department, Department.id == Motion.lead_department_id)
        .where(*conditions).order_by(Motion.deadline, Motion.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "title", "school", "department",
                                        "state", "assigned_on", "deadline"])
    frame["days_overdue"] = [(today - d).days for d in frame["deadline"]]
    return frame.astype({"days_overdue": "int64"})


# --- similar motions ----------------------------------------------------------------------------

# (database, school id) → ((motion count, latest change), index): a rerun with nothing changed
# reuses the index; any new or edited motion changes the key and rebuilds it.
_INDEXES: dict[tuple[str, int], tuple[tuple[int, Any], SimilarIndex]] = {}
_INDEX_LOCK = threading.Lock()


def forget_similar_indexes() -> None:
    """Drop the cached indexes (tests that rewrite motions in place call this)."""
    with _INDEX_LOCK:
        _INDEXES.clear()


def _weighted(title: str, reason: str) -> str:
    """案由 names the topic: it counts twice against the 理由, so a motion that comes back
    with the same title but new reasons still ranks high."""
    return f"{title}\n{title}\n{reason}"


def _school_index(session: Session, school_id: int) -> SimilarIndex:
    """The school's motions (every meeting, every state: the reader's scope filters the
    results, not the index) indexed on title and reason."""
    count, latest = session.execute(select(func.count(), func.max(Motion.updated_at))
                                    .where(Motion.school_id == school_id)).one()
    place = (str(session.get_bind().url), school_id)
    version = (int(count), latest)
    with _INDEX_LOCK:
        cached = _INDEXES.get(place)
    if cached is not None and cached[0] == version:
        return cached[1]
    docs = [(mid, _weighted(title, reason)) for mid, title, reason in session.execute(
        select(Motion.id, Motion.title, Motion.reason).where(Motion.school_id == school_id))]
    index = SimilarIndex(docs)
    with _INDEX_LOCK:
        _INDEXES[place] = (version, index)
    return index


def similar_motions(session: Session, actor: Actor, *, school_id: int, text: str,
                    exclude_id: int | None = None, limit: int = 5,
                    lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Earlier motions of the school (this meeting and past ones) that read like `text` (its
    first line taken as the title, the rest as the reasons), most alike first, among those
    the reader may see; other people's drafts never show.
    Columns: id, number, meeting, title, state, score (cosine, 0..1)."""
    _check_school(actor, school_id, *READERS)
    columns = ["id", "number", "meeting", "title", "state", "score"]
    if not (text or "").strip():
        return pd.DataFrame([], columns=columns)
    title, _newline, reason = text.strip().partition("\n")
    found = _school_index(session, school_id).query(
        _weighted(title, reason), limit=SIMILAR_CANDIDATES,
        exclude=() if exclude_id is None else (exclude_id,))
    scores = dict(found)
    rows = session.execute(
        select(Motion.id, Motion.number, Motion.meeting_id, Motion.title, Motion.state)
        .where(Motion.id.in_(list(scores)), Motion.school_id == school_id, _readable(actor),
               or_(Motion.state != "draft", Motion.proposer_staff_id == actor.staff_id))
    ).all() if scores else []
    best = sorted(rows, key=lambda row: (-scores[row[0]], row[0]))[:limit]
    labels = _meeting_labels(session, [row[2] for row in best], lang)
    return pd.DataFrame([(mid, number, labels.get(meeting, ""), title, state, scores[mid])
                         for mid, number, meeting, title, state in best], columns=columns)
