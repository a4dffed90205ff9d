"""教代会提案: congress terms, meetings and votes, and the life of a motion.

draft → cosigning → submitted → registered (or suggestion) → assigned → handling → replied →
awaiting_rating → rated → implementing → done / deferred → closed, with the side exits
withdrawn, rejected and merged, the committee's 退回修改 (back to draft), a department's
申请退回 (the committee reassigns) and up to two reopens after 不满意. `TRANSITIONS` says,
for each action, from which states it may run, where it leads and who may run it; every
action checks all three, writes one `MotionEvent` and one audit entry, and refuses anything
else with a `DomainError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import CongressTerm, DelegateMembership, Department, School, Staff, utcnow
from db.motions import (
    MOTION_CATEGORIES,
    MOTION_STATES,
    RATINGS,
    REPLY_EXTENTS,
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
from services import audit
from services.actor import Actor, require_login, require_role
from services.clock import local_today
from services.errors import DomainError
from services.text import plain_text

MAX_TITLE = 100
MAX_TEXT = 5000
MAX_NOTE = 1000
MAX_SUBJECT = 200
MAX_REOPENS = 2
MAX_DEADLINE_DAYS = 366
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                  ".png": "image/png",
                  ".docx": "application/vnd.openxmlformats-officedocument"
                           ".wordprocessingml.document",
                  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

PROPOSER, COSIGNER, COMMITTEE, DEPARTMENT, KEEPER = (
    "proposer", "cosigner", "committee", "department", "keeper")  # keeper: committee or lead dept

# action → (states it may start from, state it leads to, who may run it)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "edit_draft": (("draft",), "draft", PROPOSER),
    "ask_cosigners": (("draft", "cosigning"), "cosigning", PROPOSER),
    "cosign": (("cosigning",), "cosigning", COSIGNER),
    "decline_cosign": (("cosigning",), "cosigning", COSIGNER),
    "submit": (("draft", "cosigning"), "submitted", PROPOSER),
    "withdraw": (("draft", "cosigning", "submitted"), "withdrawn", PROPOSER),
    "return_for_revision": (("submitted",), "draft", COMMITTEE),
    "register": (("submitted",), "registered", COMMITTEE),
    "reject": (("submitted",), "rejected", COMMITTEE),
    "to_suggestion": (("submitted",), "suggestion", COMMITTEE),
    "merge": (("submitted",), "merged", COMMITTEE),
    "assign": (("registered", "suggestion", "assigned"), "assigned", COMMITTEE),
    "accept": (("assigned",), "handling", DEPARTMENT),
    "request_return": (("assigned",), "assigned", DEPARTMENT),
    "reply": (("handling",), "replied", DEPARTMENT),
    "send_back": (("replied",), "handling", COMMITTEE),
    "accept_reply": (("replied",), "awaiting_rating", COMMITTEE),
    "rate": (("awaiting_rating",), "rated", PROPOSER),
    "reopen": (("rated",), "handling", COMMITTEE),
    "implement": (("rated",), "implementing", COMMITTEE),
    "record_progress": (("implementing",), "implementing", KEEPER),
    "mark_done": (("implementing",), "done", COMMITTEE),
    "defer": (("implementing",), "deferred", COMMITTEE),
    "close": (("done", "deferred", "rejected", "merged", "withdrawn"), "closed", COMMITTEE),
}
ACTIONS = tuple(TRANSITIONS)

EARLY_STATES = ("draft", "cosigning", "submitted")
TERMINAL_STATES = ("merged", "rejected", "withdrawn", "closed")
# Once the committee has decided, a motion is the school's business: delegates may read it.
PUBLIC_STATES = ("registered", "suggestion", "merged", "rejected", "assigned", "handling",
                 "replied", "awaiting_rating", "rated", "implementing", "done", "deferred",
                 "closed")
OPEN_STATES = tuple(s for s in MOTION_STATES
                    if s not in (*TERMINAL_STATES, "done", "deferred"))
OVERDUE_STATES = ("assigned", "handling")
MERGE_LEAD_STATES = ("registered", "assigned", "handling", "replied", "awaiting_rating",
                     "rated", "implementing", "done", "deferred")
PRIVATE_STATES = ("draft", "cosigning")   # the proposer's and the asked co-signers' only


# --- small checks -------------------------------------------------------------------------

def _text(value: str | None, *, field: str, limit: int, required: bool = True) -> str:
    text = plain_text(value)
    if required and not text:
        raise DomainError("motion.error.text_required", field_key=field)
    if len(text) > limit:
        raise DomainError("motion.error.text_too_long", field_key=field, limit=limit)
    return text


def _day(value: object, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise DomainError("motion.error.date_required", field_key=field)
    return value


def _count(value: object, *, field: str, low: int = 0, high: int = 100_000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError("motion.error.number_range", field_key=field, low=low, high=high)
    return value


def is_overdue(motion: Motion, today: dt.date | None = None) -> bool:
    """Overdue is never stored: assigned or in handling, and the deadline has passed."""
    today = today or local_today()
    return (motion.state in OVERDUE_STATES and motion.deadline is not None
            and motion.deadline < today)


def motion_number(year: int, school_code: str, n: int) -> str:
    return f"{year}{school_code}TA{n:03d}"


# --- terms, delegates and meetings ----------------------------------------------------------

@dataclass(frozen=True)
class MeetingSettings:
    min_cosigners: int = 2
    quorum_num: int = 2       # 实到 ≥ 应到 × quorum_num / quorum_den
    quorum_den: int = 3
    pass_num: int = 1         # 赞成 > 应到 × pass_num / pass_den
    pass_den: int = 2
    reply_days: int = 30

    @classmethod
    def of(cls, meeting: CongressMeeting) -> MeetingSettings:
        return cls(meeting.min_cosigners, meeting.quorum_num, meeting.quorum_den,
                   meeting.pass_num, meeting.pass_den, meeting.reply_days)


def _check_settings(settings: MeetingSettings) -> MeetingSettings:
    _count(settings.min_cosigners, field="motion.field.min_cosigners", high=50)
    _count(settings.reply_days, field="motion.field.reply_days", low=1, high=365)
    for num, den, field in ((settings.quorum_num, settings.quorum_den, "motion.field.quorum"),
                            (settings.pass_num, settings.pass_den, "motion.field.pass_share")):
        _count(num, field=field, low=1, high=100)
        _count(den, field=field, low=1, high=100)
        if num > den:
            raise DomainError("motion.error.fraction_above_one", field_key=field)
    return settings


def _manage_school(actor: Actor | None, school_id: int) -> Actor:
    """Congress settings: the school's chair, or the district union."""
    actor = require_role(actor, "school_chair", "district_admin")
    if not actor.has("district_admin") and school_id not in actor.school_ids("school_chair"):
        raise DomainError("error.forbidden")
    return actor


def create_term(session: Session, actor: Actor, *, school_id: int, number: int,
                start_year: int, end_year: int) -> int:
    actor = _manage_school(actor, school_id)
    if session.get(School, school_id) is None:
        raise DomainError("motion.error.not_found")
    _count(number, field="motion.field.term_number", low=1, high=99)
    _count(start_year, field="motion.field.start_year", low=1990, high=2100)
    _count(end_year, field="motion.field.end_year", low=start_year, high=start_year + 5)
    if session.scalar(select(CongressTerm.id).where(CongressTerm.school_id == school_id,
                                                    CongressTerm.number == number)):
        raise DomainError("motion.error.term_exists", number=number)
    term = CongressTerm(school_id=school_id, number=number, start_year=start_year,
                        end_year=end_year)
    session.add(term)
    session.flush()
    audit.record(session, actor, "congress.create_term", "congress_term", term.id,
                 school_id=school_id, after={"number": number, "start_year": start_year,
                                             "end_year": end_year})
    return term.id


def _term(session: Session, actor: Actor, term_id: int) -> CongressTerm:
    term = session.get(CongressTerm, term_id)
    if term is None:
        raise DomainError("motion.error.not_found")
    _manage_school(actor, term.school_id)
    return term


def term_delegate_ids(session: Session, term_id: int) -> list[int]:
    return list(session.scalars(select(DelegateMembership.staff_id)
                                .where(DelegateMembership.term_id == term_id)
                                .order_by(DelegateMembership.staff_id)))


def set_delegates(session: Session, actor: Actor, *, term_id: int,
                  staff_ids: Sequence[int]) -> None:
    """The term's delegates become exactly these serving staff of the school."""
    term = _term(session, actor, term_id)
    wanted = set(staff_ids)
    valid = set(session.scalars(select(Staff.id).where(Staff.id.in_(wanted),
                                                       Staff.school_id == term.school_id,
                                                       Staff.retired.is_(False))))
    if wanted - valid:
        raise DomainError("motion.error.delegate_not_staff")
    current = set(term_delegate_ids(session, term_id))
    if current - wanted:
        session.execute(delete(DelegateMembership).where(
            DelegateMembership.term_id == term_id,
            DelegateMembership.staff_id.in_(current - wanted)))
    session.add_all(DelegateMembership(term_id=term_id, staff_id=s)
                    for s in sorted(wanted - current))
    session.flush()
    audit.record(session, actor, "congress.set_delegates", "congress_term", term_id,
                 school_id=term.school_id, before={"delegates": len(current)},
                 after={"delegates": len(wanted), "added": len(wanted - current),
                        "removed": len(current - wanted)})


def create_meeting(session: Session, actor: Actor, *, term_id: int, number: int, year: int,
                   held_on: dt.date | None = None,
                   settings: MeetingSettings | None = None) -> int:
    term = _term(session, actor, term_id)
    settings = settings or MeetingSettings()
    _count(number, field="motion.field.meeting_number", low=1, high=99)
    _count(year, field="motion.field.year", low=term.start_year, high=term.end_year)
    _check_settings(settings)
    if session.scalar(select(CongressMeeting.id).where(CongressMeeting.term_id == term_id,
                                                       CongressMeeting.number == number)):
        raise DomainError("motion.error.meeting_exists", number=number)
    meeting = CongressMeeting(school_id=term.school_id, term_id=term_id, number=number,
                              year=year, held_on=held_on, accepting=True, next_number=1,
                              **vars(settings))
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "congress.create_meeting", "congress_meeting", meeting.id,
                 school_id=term.school_id, after={"number": number, "year": year,
                                                  **vars(settings)})
    return meeting.id


def _meeting(session: Session, meeting_id: int) -> CongressMeeting:
    meeting = session.get(CongressMeeting, meeting_id)
    if meeting is None:
        raise DomainError("motion.error.meeting_not_found")
    return meeting


def update_meeting(session: Session, actor: Actor, *, meeting_id: int,
                   settings: MeetingSettings, accepting: bool,
                   held_on: dt.date | None = None) -> None:
    meeting = _meeting(session, meeting_id)
    actor = _manage_school(actor, meeting.school_id)
    _check_settings(settings)
    before = {**vars(MeetingSettings.of(meeting)), "accepting": meeting.accepting}
    for name, value in vars(settings).items():
        setattr(meeting, name, value)
    meeting.accepting = bool(accepting)
    if held_on is not None:
        meeting.held_on = held_on
    session.flush()
    audit.record(session, actor, "congress.update_meeting", "congress_meeting", meeting.id,
                 school_id=meeting.school_id, before=before,
                 after={**vars(settings), "accepting": meeting.accepting})


# --- reading the congress's settings ---------------------------------------------------------

def congress_terms(session: Session, actor: Actor, *, school_id: int) -> pd.DataFrame:
    """The school's terms, newest first, with how many delegates and meetings each has."""
    _manage_school(actor, school_id)
    delegates = (select(func.count()).where(DelegateMembership.term_id == CongressTerm.id)
                 .scalar_subquery())
    meetings = (select(func.count()).where(CongressMeeting.term_id == CongressTerm.id)
                .scalar_subquery())
    rows = session.execute(select(CongressTerm.id, CongressTerm.number, CongressTerm.start_year,
                                  CongressTerm.end_year, delegates, meetings)
                           .where(CongressTerm.school_id == school_id)
                           .order_by(CongressTerm.number.desc())).all()
    return pd.DataFrame(rows, columns=["id", "number", "start_year", "end_year", "delegates",
                                       "meetings"])


def delegate_choices(session: Session, actor: Actor, *, school_id: int) -> dict[int, str]:
    """Who may be made a delegate: the school's serving staff, {staff id: "name (staff no)"}."""
    _manage_school(actor, school_id)
    rows = session.execute(select(Staff.id, Staff.name, Staff.staff_no).where(
        Staff.school_id == school_id, Staff.retired.is_(False)).order_by(Staff.staff_no))
    return {sid: f"{name} ({number})" for sid, name, number in rows}


MEETING_COLUMNS = ["id", "number", "year", "held_on", "min_cosigners", "quorum_num",
                   "quorum_den", "pass_num", "pass_den", "reply_days", "accepting"]
VOTE_COLUMNS = ["id", "subject", "voted_on", "entitled", "present", "yes", "no", "abstain"]


def congress_meetings(session: Session, actor: Actor, *, term_id: int) -> pd.DataFrame:
    _term(session, actor, term_id)
    rows = session.execute(select(*(getattr(CongressMeeting, c) for c in MEETING_COLUMNS))
                           .where(CongressMeeting.term_id == term_id)
                           .order_by(CongressMeeting.number.desc())).all()
    return pd.DataFrame(rows, columns=MEETING_COLUMNS)


def congress_votes(session: Session, actor: Actor, *, meeting_id: int) -> pd.DataFrame:
    _manage_school(actor, _meeting(session, meeting_id).school_id)
    rows = session.execute(select(*(getattr(CongressVote, c) for c in VOTE_COLUMNS))
                           .where(CongressVote.meeting_id == meeting_id)
                           .order_by(CongressVote.voted_on.desc(), CongressVote.id.desc())).all()
    return pd.DataFrame(rows, columns=VOTE_COLUMNS)


# --- votes ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class VoteResult:
    quorum: bool          # 实到 reached the quorum
    passed: bool          # quorum, and more than the pass share of 应到 voted yes
    quorum_needed: int    # the fewest present that make a quorum
    pass_needed: int      # the fewest yes votes that pass


def vote_result(rules: MeetingSettings | CongressMeeting, *, entitled: int, present: int,
                yes: int) -> VoteResult:
    """Integer arithmetic only: exactly two thirds present is a quorum; exactly half of
    应到 voting yes is not a pass (it must be more than half)."""
    settings = rules if isinstance(rules, MeetingSettings) else MeetingSettings.of(rules)
    quorum = present * settings.quorum_den >= entitled * settings.quorum_num
    passes = yes * settings.pass_den > entitled * settings.pass_num
    quorum_needed = -(-entitled * settings.quorum_num // settings.quorum_den)
    pass_needed = entitled * settings.pass_num // settings.pass_den + 1
    return VoteResult(quorum, quorum and passes, quorum_needed, pass_needed)


def record_vote(session: Session, actor: Actor, *, meeting_id: int, subject: str,
                voted_on: dt.date, entitled: int, present: int, yes: int, no: int,
                abstain: int) -> int:
    meeting = _meeting(session, meeting_id)
    actor = _manage_school(actor, meeting.school_id)
    subject = _text(subject, field="motion.field.vote_subject", limit=MAX_SUBJECT)
    voted_on = _day(voted_on, field="motion.field.voted_on")
    if voted_on > local_today():
        raise DomainError("motion.error.date_in_future", field_key="motion.field.voted_on")
    _count(entitled, field="motion.field.entitled", low=1)
    for value, field in ((present, "present"), (yes, "yes"), (no, "no"),
                         (abstain, "abstain")):
        _count(value, field=f"motion.field.{field}")
    if present > entitled:
        raise DomainError("motion.error.present_above_entitled", present=present,
                          entitled=entitled)
    if yes + no + abstain > present:
        raise DomainError("motion.error.votes_above_present", votes=yes + no + abstain,
                          present=present)
    vote = CongressVote(meeting_id=meeting.id, subject=subject, voted_on=voted_on,
                        entitled=entitled, present=present, yes=yes, no=no, abstain=abstain,
                        account_id=actor.account_id)
    session.add(vote)
    session.flush()
    result = vote_result(meeting, entitled=entitled, present=present, yes=yes)
    audit.record(session, actor, "congress.record_vote", "congress_vote", vote.id,
                 school_id=meeting.school_id,
                 after={"entitled": entitled, "present": present, "yes": yes, "no": no,
                        "abstain": abstain, "quorum": result.quorum,
                        "passed": result.passed})
    return vote.id


# --- who is who for a motion ----------------------------------------------------------------

def _lead_assignment(session: Session, motion_id: int) -> MotionAssignment | None:
    return session.scalar(select(MotionAssignment).where(
        MotionAssignment.motion_id == motion_id, MotionAssignment.active.is_(True),
        MotionAssignment.role == "lead"))


def _cosigner(session: Session, motion_id: int, staff_id: int | None) -> MotionCosigner | None:
    if staff_id is None:
        return None
    return session.scalar(select(MotionCosigner).where(MotionCosigner.motion_id == motion_id,
                                                       MotionCosigner.staff_id == staff_id))


def _is_proposer(actor: Actor, motion: Motion) -> bool:
    return (actor.staff_id is not None and actor.staff_id == motion.proposer_staff_id
            and motion.school_id in actor.school_ids("delegate"))


def _is_committee(actor: Actor, motion: Motion) -> bool:
    return motion.school_id in actor.school_ids("school_chair")


def _is_lead_department(session: Session, actor: Actor, motion: Motion) -> bool:
    departments = actor.department_ids()
    if not departments:
        return False
    lead = _lead_assignment(session, motion.id)
    return lead is not None and lead.department_id in departments


def _is_delegate_of(session: Session, staff_id: int | None, meeting_id: int) -> bool:
    if staff_id is None:
        return False
    return session.scalar(
        select(func.count()).select_from(DelegateMembership)
        .join(CongressMeeting, CongressMeeting.term_id == DelegateMembership.term_id)
        .where(CongressMeeting.id == meeting_id, DelegateMembership.staff_id == staff_id)) > 0


def can_read(session: Session, actor: Actor | None, motion: Motion) -> bool:
    if actor is None:
        return False
    if _is_proposer(actor, motion):
        return True
    if motion.state in PRIVATE_STATES:  # a draft is the proposer's until it is submitted
        return actor.has("delegate") and _cosigner(session, motion.id, actor.staff_id) is not None
    if actor.has("district_admin") or _is_committee(actor, motion):
        return True
    departments = actor.department_ids()
    if departments and session.scalar(
            select(func.count()).select_from(MotionAssignment).where(
                MotionAssignment.motion_id == motion.id,
                MotionAssignment.department_id.in_(departments))):
        return True
    if actor.has("delegate"):
        if motion.school_id in actor.school_ids("delegate") and motion.state in PUBLIC_STATES:
            return True
        return _cosigner(session, motion.id, actor.staff_id) is not None
    return False


def require_readable(session: Session, actor: Actor | None, motion_id: int) -> Motion:
    if actor is None:
        raise DomainError("error.login_required")
    motion = session.get(Motion, motion_id, populate_existing=True)
    if motion is None or not can_read(session, actor, motion):
        raise DomainError("motion.error.not_found")
    return motion


def _check_role(session: Session, actor: Actor, motion: Motion, who: str) -> None:
    allowed = {
        PROPOSER: lambda: _is_proposer(actor, motion),
        COSIGNER: lambda: actor.has("delegate") and actor.staff_id is not None,
        COMMITTEE: lambda: _is_committee(actor, motion),
        DEPARTMENT: lambda: _is_lead_department(session, actor, motion),
        KEEPER: lambda: (_is_committee(actor, motion)
                         or _is_lead_department(session, actor, motion)),
    }[who]()
    if not allowed:
        raise DomainError("motion.error.not_your_step")


def _check_condition(session: Session, actor: Actor, motion: Motion, action: str) -> None:
    """The rules beyond state and role that decide whether an action may run at all."""
    if action in ("cosign", "decline_cosign"):
        if actor.staff_id == motion.proposer_staff_id:
            raise DomainError("motion.error.cosign_own")
        row = _cosigner(session, motion.id, actor.staff_id)
        if row is None:
            raise DomainError("motion.error.not_asked")
        if row.status != "requested":
            raise DomainError("motion.error.already_cosigned" if row.status == "signed"
                              else "motion.error.already_declined")
    elif action == "submit":
        meeting = _meeting(session, motion.meeting_id)
        signed = signed_count(session, motion.id)
        if signed < meeting.min_cosigners:
            raise DomainError("motion.error.too_few_cosigners", needed=meeting.min_cosigners,
                              signed=signed)
    elif action in ("accept", "request_return"):
        lead = _lead_assignment(session, motion.id)
        if lead is None or lead.status != "assigned":
            raise DomainError("motion.error.return_pending")
    elif action == "assign" and motion.state == "assigned":
        lead = _lead_assignment(session, motion.id)
        if lead is not None and lead.status != "return_requested":
            raise DomainError("motion.error.no_return_request")
    elif action == "reopen":
        if motion.rating != "unsatisfied":
            raise DomainError("motion.error.reopen_needs_unsatisfied")
        if motion.reopen_count >= MAX_REOPENS:
            raise DomainError("motion.error.reopen_limit", limit=MAX_REOPENS)


def _check(session: Session, actor: Actor | None, motion: Motion, action: str) -> Actor:
    if actor is None:
        raise DomainError("error.login_required")
    starts, _to, who = TRANSITIONS[action]
    if motion.state not in starts:
        raise DomainError("motion.error.wrong_state", action_key=f"motion.action.{action}",
                          state_key=f"motion.state.{motion.state}")
    _check_role(session, actor, motion, who)
    _check_condition(session, actor, motion, action)
    return actor


def available_actions(session: Session, actor: Actor | None, motion: Motion) -> list[str]:
    """What this actor may do to this motion now, in the order of the table."""
    allowed = []
    for action in ACTIONS:
        try:
            _check(session, actor, motion, action)
        except DomainError:
            continue
        allowed.append(action)
    return allowed


def signed_count(session: Session, motion_id: int) -> int:
    return session.scalar(select(func.count()).select_from(MotionCosigner).where(
        MotionCosigner.motion_id == motion_id, MotionCosigner.status == "signed")) or 0


# --- moving a motion ------------------------------------------------------------------------

def _open(session: Session, actor: Actor | None, motion_id: int, action: str) -> tuple[
        Motion, Actor]:
    motion = require_readable(session, actor, motion_id)
    return motion, _check(session, actor, motion, action)


def _move(session: Session, actor: Actor, motion: Motion, action: str, *, note: str = "",
          **changes: Any) -> None:
    """Apply the step only if nobody moved the motion meanwhile; record it twice: in the
    motion's history and in the audit log."""
    before = motion.state
    to = TRANSITIONS[action][1]
    done = session.execute(update(Motion)
                           .where(Motion.id == motion.id, Motion.state == before)
                           .values(state=to, updated_at=utcnow(), **changes))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("motion.error.changed_meanwhile")
    session.refresh(motion)
    session.add(MotionEvent(motion_id=motion.id, at=utcnow(), account_id=actor.account_id,
                            actor_name=actor.display_name, action=action, from_state=before,
                            to_state=to, note=note or None))
    audit.record(session, actor, f"motion.{action}", "motion", motion.number or motion.id,
                 school_id=motion.school_id, before={"state": before},
                 after={"state": to, **{k: _plain(v) for k, v in changes.items()}},
                 note=note or None)
    session.flush()


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _category(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in MOTION_CATEGORIES:
        raise DomainError("motion.error.unknown_choice", field_key="motion.field.category")
    return value


def open_meeting_for(session: Session, actor: Actor, *, school_id: int) -> int | None:
    """The newest meeting of the school that takes motions and of whose term the actor is a
    delegate: where a new draft goes."""
    if require_login(actor).staff_id is None:
        return None
    return session.scalar(
        select(CongressMeeting.id)
        .join(DelegateMembership, DelegateMembership.term_id == CongressMeeting.term_id)
        .where(CongressMeeting.school_id == school_id, CongressMeeting.accepting.is_(True),
               DelegateMembership.staff_id == actor.staff_id)
        .order_by(CongressMeeting.year.desc(), CongressMeeting.id.desc()).limit(1))


def draft_motion(session: Session, actor: Actor, *, meeting_id: int, title: str, reason: str,
                 suggestion: str, category: str | None = None) -> int:
    actor = require_role(actor, "delegate")
    meeting = _meeting(session, meeting_id)
    if meeting.school_id not in actor.school_ids("delegate") or not _is_delegate_of(
            session, actor.staff_id, meeting.id):
        raise DomainError("motion.error.not_delegate")
    if not meeting.accepting:
        raise DomainError("motion.error.meeting_closed")
    motion = Motion(meeting_id=meeting.id, school_id=meeting.school_id,
                    proposer_staff_id=actor.staff_id,
                    title=_text(title, field="motion.field.title", limit=MAX_TITLE),
                    reason=_text(reason, field="motion.field.reason", limit=MAX_TEXT),
                    suggestion=_text(suggestion, field="motion.field.suggestion",
                                     limit=MAX_TEXT),
                    category=_category(category), state="draft", reopen_count=0, progress=0,
                    created_at=utcnow(), updated_at=utcnow())
    session.add(motion)
    session.flush()
    session.add(MotionEvent(motion_id=motion.id, at=utcnow(), account_id=actor.account_id,
                            actor_name=actor.display_name, action="draft", from_state=None,
                            to_state="draft"))
    audit.record(session, actor, "motion.draft", "motion", motion.id,
                 school_id=motion.school_id, after={"state": "draft"})
    session.flush()
    return motion.id


def edit_draft(session: Session, actor: Actor, *, motion_id: int, title: str, reason: str,
               suggestion: str, category: str | None = None) -> None:
    motion, actor = _open(session, actor, motion_id, "edit_draft")
    _move(session, actor, motion, "edit_draft",
          title=_text(title, field="motion.field.title", limit=MAX_TITLE),
          reason=_text(reason, field="motion.field.reason", limit=MAX_TEXT),
          suggestion=_text(suggestion, field="motion.field.suggestion", limit=MAX_TEXT),
          category=_category(category))


def ask_cosigners(session: Session, actor: Actor, *, motion_id: int,
                  staff_ids: Sequence[int]) -> None:
    """Ask named delegates of the term to co-sign; asking someone again changes nothing."""
    motion, actor = _open(session, actor, motion_id, "ask_cosigners")
    wanted = set(staff_ids)
    if not wanted:
        raise DomainError("motion.error.cosigners_required")
    if motion.proposer_staff_id in wanted:
        raise DomainError("motion.error.cosign_own")
    meeting = _meeting(session, motion.meeting_id)
    delegates = set(term_delegate_ids(session, meeting.term_id))
    if wanted - delegates:
        raise DomainError("motion.error.cosigner_not_delegate")
    asked = set(session.scalars(select(MotionCosigner.staff_id)
                                .where(MotionCosigner.motion_id == motion.id)))
    new = sorted(wanted - asked)
    session.add_all(MotionCosigner(motion_id=motion.id, staff_id=s, status="requested",
                                   requested_at=utcnow()) for s in new)
    try:
        session.flush()
    except IntegrityError:  # the same delegate asked by a request at the same moment
        raise DomainError("motion.error.changed_meanwhile") from None
    names = session.scalars(select(Staff.name).where(Staff.id.in_(new)).order_by(Staff.id))
    _move(session, actor, motion, "ask_cosigners", note="、".join(names))


def cosigner_choices(session: Session, actor: Actor, *, motion_id: int) -> dict[int, str]:
    """Whom the proposer may still ask: the term's serving delegates, not yet asked, not the
    proposer; {staff id: name}, by name."""
    motion, actor = _open(session, actor, motion_id, "ask_cosigners")
    meeting = _meeting(session, motion.meeting_id)
    asked = select(MotionCosigner.staff_id).where(MotionCosigner.motion_id == motion.id)
    rows = session.execute(
        select(Staff.id, Staff.name)
        .join(DelegateMembership, DelegateMembership.staff_id == Staff.id)
        .where(DelegateMembership.term_id == meeting.term_id, Staff.retired.is_(False),
               Staff.id != motion.proposer_staff_id, Staff.id.not_in(asked))
        .order_by(Staff.name, Staff.id))
    return dict(rows.all())


def cosign(session: Session, actor: Actor, *, motion_id: int) -> None:
    motion, actor = _open(session, actor, motion_id, "cosign")
    _answer(session, motion.id, actor.staff_id, "signed", signed_at=utcnow())
    _move(session, actor, motion, "cosign")


def decline_cosign(session: Session, actor: Actor, *, motion_id: int) -> None:
    motion, actor = _open(session, actor, motion_id, "decline_cosign")
    _answer(session, motion.id, actor.staff_id, "declined")
    _move(session, actor, motion, "decline_cosign")


def _answer(session: Session, motion_id: int, staff_id: int | None, status: str,
            **values: Any) -> None:
    """Answer a request only while it is still open: two clicks at once count once."""
    done = session.execute(update(MotionCosigner)
                           .where(MotionCosigner.motion_id == motion_id,
                                  MotionCosigner.staff_id == staff_id,
                                  MotionCosigner.status == "requested")
                           .values(status=status, **values))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("motion.error.changed_meanwhile")


def submit(session: Session, actor: Actor, *, motion_id: int) -> None:
    motion, actor = _open(session, actor, motion_id, "submit")
    _move(session, actor, motion, "submit", submitted_on=local_today(), revision_note=None)


def withdraw(session: Session, actor: Actor, *, motion_id: int, note: str | None = None) -> None:
    motion, actor = _open(session, actor, motion_id, "withdraw")
    _move(session, actor, motion, "withdraw",
          note=_text(note, field="motion.field.note", limit=MAX_NOTE, required=False))


def return_for_revision(session: Session, actor: Actor, *, motion_id: int, note: str) -> None:
    motion, actor = _open(session, actor, motion_id, "return_for_revision")
    note = _text(note, field="motion.field.revision_note", limit=MAX_NOTE)
    _move(session, actor, motion, "return_for_revision", note=note, revision_note=note)


def register(session: Session, actor: Actor, *, motion_id: int) -> str:
    """立案: the school's next number of the year, which never changes afterwards. Numbers
    run on across the meetings of one year, so a second meeting never repeats one."""
    motion, actor = _open(session, actor, motion_id, "register")
    meeting = _meeting(session, motion.meeting_id)
    # Touching the year's meeting rows locks them: two registrations never take one number.
    session.execute(update(CongressMeeting)
                    .where(CongressMeeting.school_id == motion.school_id,
                           CongressMeeting.year == meeting.year)
                    .values(next_number=CongressMeeting.next_number))
    code = session.scalar(select(School.code).where(School.id == motion.school_id)) or ""
    prefix = motion_number(meeting.year, code, 0)[:-3]
    taken = session.scalar(select(func.count()).select_from(Motion).where(
        Motion.school_id == motion.school_id, Motion.number.like(f"{prefix}%"))) or 0
    number = motion_number(meeting.year, code, taken + 1)
    meeting.next_number = taken + 2
    _move(session, actor, motion, "register", number=number, registered_on=local_today())
    return number


def reject(session: Session, actor: Actor, *, motion_id: int, reason: str) -> None:
    motion, actor = _open(session, actor, motion_id, "reject")
    reason = _text(reason, field="motion.field.reject_reason", limit=MAX_NOTE)
    _move(session, actor, motion, "reject", note=reason, decision_note=reason)


def to_suggestion(session: Session, actor: Actor, *, motion_id: int,
                  note: str | None = None) -> None:
    motion, actor = _open(session, actor, motion_id, "to_suggestion")
    _move(session, actor, motion, "to_suggestion",
          note=_text(note, field="motion.field.note", limit=MAX_NOTE, required=False))


def merge(session: Session, actor: Actor, *, motion_id: int, lead_id: int,
          note: str | None = None) -> None:
    """并案: fold into a registered motion of the same meeting that is still being handled;
    the committee registers the lead first, so a lead can never be rejected or withdrawn."""
    motion, actor = _open(session, actor, motion_id, "merge")
    lead = session.get(Motion, lead_id)
    if (lead is None or lead.id == motion.id or lead.meeting_id != motion.meeting_id
            or lead.number is None or lead.state not in MERGE_LEAD_STATES):
        raise DomainError("motion.error.bad_merge_lead")
    note = _text(note, field="motion.field.note", limit=MAX_NOTE, required=False)
    _move(session, actor, motion, "merge", note=note or (lead.number or lead.title),
          merged_into_id=lead.id)


def _school_departments(session: Session, school_id: int) -> set[int]:
    return set(session.scalars(select(Department.id).where(Department.school_id == school_id)))


def _deadline(session: Session, motion: Motion, deadline: dt.date | None) -> dt.date:
    """The given deadline, or the meeting's reply period from today; never in the past."""
    today = local_today()
    if deadline is None:
        deadline = today + dt.timedelta(days=_meeting(session, motion.meeting_id).reply_days)
    deadline = _day(deadline, field="motion.field.deadline")
    if deadline < today:
        raise DomainError("motion.error.deadline_past", deadline=deadline.isoformat())
    if deadline > today + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise DomainError("motion.error.deadline_too_far", days=MAX_DEADLINE_DAYS)
    return deadline


def assign(session: Session, actor: Actor, *, motion_id: int, lead_department_id: int,
           co_department_ids: Sequence[int] = (), deadline: dt.date | None = None) -> None:
    """交办 to a lead department (and co-departments) with a deadline; also reassigns a motion
    whose department asked to return it."""
    motion, actor = _open(session, actor, motion_id, "assign")
    today = local_today()
    deadline = _deadline(session, motion, deadline)
    departments = _school_departments(session, motion.school_id)
    co = set(co_department_ids) - {lead_department_id}
    if lead_department_id not in departments or co - departments:
        raise DomainError("motion.error.department_not_of_school")
    for row in session.scalars(select(MotionAssignment).where(
            MotionAssignment.motion_id == motion.id, MotionAssignment.active.is_(True))):
        row.active = False
        if row.status == "return_requested":
            row.status = "returned"
    session.add(MotionAssignment(motion_id=motion.id, department_id=lead_department_id,
                                 role="lead", status="assigned", active=True,
                                 assigned_on=today, deadline=deadline,
                                 assigned_by=actor.account_id))
    session.add_all(MotionAssignment(motion_id=motion.id, department_id=d, role="co",
                                     status="assigned", active=True, assigned_on=today,
                                     deadline=deadline, assigned_by=actor.account_id)
                    for d in sorted(co))
    names = dict(session.execute(select(Department.id, Department.name)
                                 .where(Department.id.in_({lead_department_id, *co}))).all())
    note = names[lead_department_id] + "".join(f"、{names[d]}" for d in sorted(co))
    _move(session, actor, motion, "assign", note=f"{note} · {deadline.isoformat()}",
          lead_department_id=lead_department_id, deadline=deadline, assigned_on=today)


def accept(session: Session, actor: Actor, *, motion_id: int) -> None:
    motion, actor = _open(session, actor, motion_id, "accept")
    lead = _lead_assignment(session, motion.id)
    assert lead is not None
    lead.status = "accepted"
    _move(session, actor, motion, "accept")


def request_return(session: Session, actor: Actor, *, motion_id: int, reason: str) -> None:
    """申请退回: the motion stays assigned until the committee reassigns it."""
    motion, actor = _open(session, actor, motion_id, "request_return")
    reason = _text(reason, field="motion.field.return_reason", limit=MAX_NOTE)
    lead = _lead_assignment(session, motion.id)
    assert lead is not None
    lead.status, lead.return_reason = "return_requested", reason
    _move(session, actor, motion, "request_return", note=reason)


def reply(session: Session, actor: Actor, *, motion_id: int, body: str, extent: str) -> None:
    """答复函. The first reply's day is the one measured against the deadline."""
    motion, actor = _open(session, actor, motion_id, "reply")
    body = _text(body, field="motion.field.reply", limit=MAX_TEXT)
    if extent not in REPLY_EXTENTS:
        raise DomainError("motion.error.unknown_choice", field_key="motion.field.extent")
    lead = _lead_assignment(session, motion.id)
    assert lead is not None
    today = local_today()
    session.add(MotionReply(motion_id=motion.id, department_id=lead.department_id,
                            account_id=actor.account_id, written_on=today, body=body,
                            extent=extent, status="pending", at=utcnow()))
    _move(session, actor, motion, "reply", extent=extent,
          replied_on=motion.replied_on or today)


def _pending_reply(session: Session, motion_id: int) -> MotionReply:
    row = session.scalar(select(MotionReply).where(MotionReply.motion_id == motion_id,
                                                   MotionReply.status == "pending")
                         .order_by(MotionReply.id.desc()).limit(1))
    if row is None:
        raise DomainError("motion.error.no_reply")
    return row


def send_back(session: Session, actor: Actor, *, motion_id: int, note: str) -> None:
    motion, actor = _open(session, actor, motion_id, "send_back")
    note = _text(note, field="motion.field.review_note", limit=MAX_NOTE)
    row = _pending_reply(session, motion.id)
    row.status, row.review_note = "sent_back", note
    _move(session, actor, motion, "send_back", note=note)


def accept_reply(session: Session, actor: Actor, *, motion_id: int) -> None:
    motion, actor = _open(session, actor, motion_id, "accept_reply")
    _pending_reply(session, motion.id).status = "accepted"
    _move(session, actor, motion, "accept_reply")


def rate(session: Session, actor: Actor, *, motion_id: int, rating: str,
         comment: str | None = None) -> None:
    """意见反馈: 不满意 needs a comment saying why, so the second round knows what to fix."""
    motion, actor = _open(session, actor, motion_id, "rate")
    if rating not in RATINGS:
        raise DomainError("motion.error.unknown_choice", field_key="motion.field.rating")
    comment = _text(comment, field="motion.field.comment", limit=MAX_NOTE,
                    required=rating == "unsatisfied")
    session.add(MotionRating(motion_id=motion.id, round=motion.reopen_count + 1,
                             rating=rating, comment=comment or None,
                             staff_id=actor.staff_id, rated_on=local_today(), at=utcnow()))
    _move(session, actor, motion, "rate", note=comment, rating=rating)


def reopen(session: Session, actor: Actor, *, motion_id: int, note: str | None = None,
           deadline: dt.date | None = None) -> None:
    """第二轮办理 after 不满意: back to the lead department with a new deadline."""
    motion, actor = _open(session, actor, motion_id, "reopen")
    note = _text(note, field="motion.field.note", limit=MAX_NOTE, required=False)
    deadline = _deadline(session, motion, deadline)
    lead = _lead_assignment(session, motion.id)
    if lead is not None:
        lead.status, lead.deadline = "accepted", deadline
    _move(session, actor, motion, "reopen", note=note or deadline.isoformat(),
          reopen_count=motion.reopen_count + 1, deadline=deadline)


def implement(session: Session, actor: Actor, *, motion_id: int) -> None:
    motion, actor = _open(session, actor, motion_id, "implement")
    _move(session, actor, motion, "implement")


def _evidence(evidence: tuple[str, str, bytes] | None) -> tuple[str | None, str | None,
                                                                bytes | None]:
    if evidence is None:
        return None, None, None
    raw_name, _type, data = evidence
    # Cleaned first: a right-to-left override could show "‮fdp.exe" as "exe.pdf".
    name = plain_text(PurePath(raw_name).name, single_line=True)
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise DomainError("motion.error.evidence_type", types=" ".join(EVIDENCE_TYPES))
    if not data or len(data) > MAX_EVIDENCE_BYTES:
        raise DomainError("motion.error.evidence_size",
                          limit_mb=MAX_EVIDENCE_BYTES // (1024 * 1024))
    return name[-200:], EVIDENCE_TYPES[suffix], data


def record_progress(session: Session, actor: Actor, *, motion_id: int, progress: int,
                    note: str, happened_on: dt.date | None = None,
                    evidence: tuple[str, str, bytes] | None = None) -> int:
    """A 落实 milestone: by the committee or the lead department, dated, with evidence."""
    motion, actor = _open(session, actor, motion_id, "record_progress")
    progress = _count(progress, field="motion.field.progress", high=100)
    note = _text(note, field="motion.field.progress_note", limit=MAX_NOTE)
    day = _day(happened_on or local_today(), field="motion.field.happened_on")
    if day > local_today():
        raise DomainError("motion.error.date_in_future", field_key="motion.field.happened_on")
    name, kind, data = _evidence(evidence)
    milestone = MotionMilestone(motion_id=motion.id, happened_on=day, progress=progress,
                                note=note, evidence_name=name, evidence_type=kind,
                                evidence=data, account_id=actor.account_id, at=utcnow())
    session.add(milestone)
    _move(session, actor, motion, "record_progress", note=f"{progress}% · {note}",
          progress=progress)
    return milestone.id


def mark_done(session: Session, actor: Actor, *, motion_id: int, note: str | None = None) -> None:
    motion, actor = _open(session, actor, motion_id, "mark_done")
    _move(session, actor, motion, "mark_done",
          note=_text(note, field="motion.field.note", limit=MAX_NOTE, required=False),
          progress=100, done_on=local_today())


def defer(session: Session, actor: Actor, *, motion_id: int, reason: str) -> None:
    motion, actor = _open(session, actor, motion_id, "defer")
    reason = _text(reason, field="motion.field.defer_reason", limit=MAX_NOTE)
    _move(session, actor, motion, "defer", note=reason, decision_note=reason)


def close(session: Session, actor: Actor, *, motion_id: int, note: str | None = None) -> None:
    motion, actor = _open(session, actor, motion_id, "close")
    _move(session, actor, motion, "close",
          note=_text(note, field="motion.field.note", limit=MAX_NOTE, required=False))
