"""教职工意见箱: anonymous messages to a union, the conversation by receipt code, the chairs'
inbox, motion leads made of messages, statistics that hide small groups, and retention.

Nothing here records who wrote: the writer's side takes no actor and writes no audit entry
(an audit time would date the message to the second). The union's side checks its actor on
every call and writes each change to the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
from sqlalchemy import ColumnElement, Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from db.feedback import (
    FEEDBACK_CATEGORIES,
    FEEDBACK_STATUSES,
    FeedbackCase,
    FeedbackMessage,
    MotionLead,
    random_id,
)
from db.models import DelegateMembership, District, School, Staff
from services import audit, receipts
from services.actor import Actor, require_role
from services.clock import local_today
from services.config import feedback_max_chars, feedback_retention_days
from services.errors import DomainError
from services.org import current_term
from services.text import plain_text

CATEGORIES = FEEDBACK_CATEGORIES
STATUSES = FEEDBACK_STATUSES
OPEN_STATUSES = ("new", "opened", "forwarded", "replied")
RECEIPT_LIFETIME = dt.timedelta(days=365)
SMALL_GROUP = 5
INBOX_ROLES = ("district_admin", "school_chair")
LEAD_TITLE_MAX = 200

# --- Text -----------------------------------------------------------------------------------

def clean_text(raw: str | None, *, cap: int | None = None) -> str:
    """The text as it will be stored: controls and lone surrogates removed, line ends unified,
    trimmed; refused when nothing is left or it is longer than the cap."""
    text = plain_text(raw)
    if not text:
        raise DomainError("feedback.error.empty")
    cap = cap or feedback_max_chars()
    if len(text) > cap:
        raise DomainError("feedback.error.too_long", cap=cap, length=len(text))
    return text


_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"
                    r"|(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]"
                        r"(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HINT_KINDS = ("phone", "id_number", "email")


def identifying_hints(text: str) -> list[str]:
    """What in the text looks like it could identify the writer: phone, ID number, email."""
    folded = unicodedata.normalize("NFKC", text or "")  # full-width digits and ＠ count too
    found = []
    if _ID_NUMBER.search(folded):
        found.append("id_number")
    if _PHONE.search(_ID_NUMBER.sub(" ", folded)):
        found.append("phone")
    if _EMAIL.search(folded):
        found.append("email")
    return [kind for kind in HINT_KINDS if kind in found]


# --- The writer's side ----------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    school_id: int | None   # None: the district union
    name: str


def recipients(session: Session) -> list[Recipient]:
    """Where a message can go: the district union first, then every open school's union."""
    district = session.scalar(select(District.name).order_by(District.id).limit(1)) or ""
    schools = session.execute(select(School.id, School.name).where(School.active.is_(True))
                              .order_by(School.code)).all()
    return [Recipient(None, district), *(Recipient(sid, name) for sid, name in schools)]


def submit_feedback(session: Session, *, school_id: int | None, category: str, body: str,
                    today: dt.date | None = None) -> str:
    """Store one anonymous message; returns its receipt code, which is never stored."""
    text = clean_text(body)
    if category not in CATEGORIES:
        raise DomainError("feedback.error.category")
    if school_id is not None and not session.scalar(
            select(School.active).where(School.id == school_id)):
        raise DomainError("feedback.error.recipient")
    code = receipts.new_code()
    hashed = receipts.hash_code(code)  # slow: done before the write takes any lock
    day = today or local_today()
    session.add(FeedbackCase(
        id=random_id(), school_id=school_id, at_district=school_id is None,
        district_involved=school_id is None, category=category, status="new", body=text,
        sent_on=day, receipt_bucket=receipts.bucket(code), receipt_hash=hashed,
        receipt_used_on=day))
    session.flush()
    return code


@dataclass(frozen=True)
class WriterPass:
    """Proof that this session gave the right receipt code for one case."""

    case_id: int


def open_by_receipt(session: Session, raw_code: str,
                    today: dt.date | None = None) -> WriterPass | None:
    """The case a receipt code opens, or None. Right, wrong, malformed, unknown and expired
    codes all cost one scrypt run, so the answer's timing tells nothing."""
    code = receipts.normalise(raw_code or "")
    if code is None:
        receipts.burn()
        return None
    candidates = session.execute(
        select(FeedbackCase.id, FeedbackCase.receipt_hash, FeedbackCase.receipt_used_on)
        .where(FeedbackCase.receipt_bucket == receipts.bucket(code))).all()
    if not candidates:
        receipts.burn()
        return None
    found = [(cid, used) for cid, stored, used in candidates if receipts.matches(code, stored)]
    if not found:
        return None
    case_id, used_on = found[0]
    day = today or local_today()
    if day - used_on > RECEIPT_LIFETIME:
        return None
    if used_on != day:
        session.execute(update(FeedbackCase).where(FeedbackCase.id == case_id)
                        .values(receipt_used_on=day))
    return WriterPass(case_id)


@dataclass(frozen=True)
class Entry:
    """One turn of a conversation, as shown: who (writer / school / district), what, which day."""

    kind: str           # writer / public / internal
    level: str | None   # school / district; None for the writer
    body: str
    day: dt.date


@dataclass(frozen=True)
class WriterView:
    recipient: str
    category: str
    status: str
    sent_on: dt.date
    body: str
    entries: list[Entry]

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def writer_view(session: Session, writer: WriterPass) -> WriterView:
    """The message and its public conversation; internal notes never leave the union."""
    case = session.get(FeedbackCase, writer.case_id)
    if case is None:
        raise DomainError("feedback.error.case_gone")
    entries = _entries(session, case.id, internal=False)
    return WriterView(_recipient_name(session, case.school_id), case.category, case.status,
                      case.sent_on, case.body, entries)


def writer_answer(session: Session, writer: WriterPass, body: str,
                  today: dt.date | None = None) -> None:
    """The writer answers back. A case that was answered is new again for the union."""
    text = clean_text(body)
    case = _locked_case(session, writer.case_id)
    if case is None:
        raise DomainError("feedback.error.case_gone")
    if case.status == "closed":
        raise DomainError("feedback.error.closed")
    _add_entry(session, case.id, "writer", None, None, text, today)
    if case.status == "replied":
        case.status = "new"


# --- The union's side -----------------------------------------------------------------------

@dataclass(frozen=True)
class InboxFilter:
    status: str | None = None
    category: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    school_id: int | None = None
    actionable_only: bool = False


NO_FILTER = InboxFilter()


def _readable(actor: Actor) -> ColumnElement[bool]:
    """Cases an actor may read: the district union sees what was sent or forwarded to it; a
    school chair sees what was sent to the school, also after forwarding it on."""
    require_role(actor, *INBOX_ROLES)
    conditions: list[ColumnElement[bool]] = []
    if actor.has("district_admin"):
        conditions.append(FeedbackCase.district_involved.is_(True))
    chair_schools = sorted(actor.school_ids("school_chair"))
    if chair_schools:
        conditions.append(FeedbackCase.school_id.in_(chair_schools))
    return or_(*conditions)


def _actionable(actor: Actor) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if actor.has("district_admin"):
        conditions.append(FeedbackCase.at_district.is_(True))
    chair_schools = sorted(actor.school_ids("school_chair"))
    if chair_schools:
        conditions.append(FeedbackCase.at_district.is_(False)
                          & FeedbackCase.school_id.in_(chair_schools))
    return or_(*conditions)


def can_act(actor: Actor, case: FeedbackCase) -> bool:
    """Only the union holding a case replies, notes, forwards or closes it."""
    if case.at_district:
        return actor.has("district_admin")
    return case.school_id in actor.school_ids("school_chair")


def _filtered(query: Select, actor: Actor, filters: InboxFilter) -> Select:
    query = query.where(_readable(actor))
    if filters.status:
        query = query.where(FeedbackCase.status == filters.status)
    if filters.category:
        query = query.where(FeedbackCase.category == filters.category)
    if filters.date_from:
        query = query.where(FeedbackCase.sent_on >= filters.date_from)
    if filters.date_to:
        query = query.where(FeedbackCase.sent_on <= filters.date_to)
    if filters.school_id:
        query = query.where(FeedbackCase.school_id == filters.school_id)
    if filters.actionable_only:
        query = query.where(_actionable(actor))
    return query


def count_inbox(session: Session, actor: Actor, filters: InboxFilter = NO_FILTER) -> int:
    query = _filtered(select(func.count()).select_from(FeedbackCase), actor, filters)
    return session.scalar(query) or 0


def list_inbox(session: Session, actor: Actor, filters: InboxFilter = NO_FILTER, *,
               page: int = 1, page_size: int = 50) -> pd.DataFrame:
    """One page of the inbox, newest first, with a short preview of each message."""
    preview = func.substr(FeedbackCase.body, 1, 60)
    query = (select(FeedbackCase.id, FeedbackCase.sent_on,
                    func.coalesce(School.name, "").label("recipient"), FeedbackCase.at_district,
                    FeedbackCase.category, FeedbackCase.status, preview.label("preview"))
             .outerjoin(School, School.id == FeedbackCase.school_id)
             .order_by(FeedbackCase.sent_on.desc(), FeedbackCase.id.desc())
             .limit(page_size).offset((max(1, page) - 1) * page_size))
    rows = session.execute(_filtered(query, actor, filters)).all()
    return pd.DataFrame(rows, columns=["id", "sent_on", "recipient", "at_district", "category",
                                       "status", "preview"])


@dataclass(frozen=True)
class LeadSummary:
    delegate: str
    title: str
    status: str
    offered_on: dt.date


@dataclass(frozen=True)
class CaseDetail:
    id: int
    school_id: int | None
    recipient: str
    at_district: bool
    category: str
    status: str
    body: str
    sent_on: dt.date
    closed_on: dt.date | None
    entries: list[Entry]
    leads: list[LeadSummary]
    can_act: bool
    can_forward_to_district: bool
    can_forward_to_school: bool
    marked_read: bool = False   # this call moved it from new to opened

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def open_case(session: Session, actor: Actor, case_id: int) -> CaseDetail:
    """A case with its whole conversation; the holder opening a new case marks it read."""
    case = session.scalar(select(FeedbackCase).where(FeedbackCase.id == case_id,
                                                     _readable(actor)))
    if case is None:
        raise DomainError("feedback.error.not_found")
    acting = can_act(actor, case)
    marked_read = acting and case.status == "new"
    if marked_read:
        case.status = "opened"
        audit.record(session, actor, "feedback.opened", "feedback_case", case.id,
                     before={"status": "new"}, after={"status": "opened"},
                     school_id=case.school_id)
    leads = [LeadSummary(name, title, status, day) for name, title, status, day in session.execute(
        select(Staff.name, MotionLead.title, MotionLead.status, MotionLead.offered_on)
        .join(Staff, Staff.id == MotionLead.delegate_staff_id)
        .where(MotionLead.case_id == case.id).order_by(MotionLead.id))]
    open_ = case.status != "closed"
    return CaseDetail(
        case.id, case.school_id, _recipient_name(session, case.school_id), case.at_district,
        case.category, case.status, case.body, case.sent_on, case.closed_on,
        _entries(session, case.id, internal=True), leads, acting,
        can_forward_to_district=acting and open_ and not case.at_district,
        can_forward_to_school=acting and open_ and case.at_district
        and case.school_id is not None, marked_read=marked_read)


def reply(session: Session, actor: Actor, case_id: int, body: str, *, internal: bool,
          today: dt.date | None = None) -> None:
    """A public reply (the writer reads it by receipt) or an internal note (never shown)."""
    text = clean_text(body)
    case = _case_to_act_on(session, actor, case_id)
    before = case.status
    if not internal:
        case.status = "replied"
    elif case.status == "new":
        case.status = "opened"
    _add_entry(session, case.id, "internal" if internal else "public", _level(case),
               actor.account_id, text, today)
    audit.record(session, actor, "feedback.noted" if internal else "feedback.replied",
                 "feedback_case", case.id, before={"status": before},
                 after={"status": case.status}, school_id=case.school_id)


def forward(session: Session, actor: Actor, case_id: int, *, note: str | None = None,
            today: dt.date | None = None) -> None:
    """Hand the case, not a copy, from a school to the district union or back."""
    case = _case_to_act_on(session, actor, case_id)
    if case.at_district and case.school_id is None:
        raise DomainError("feedback.error.no_school_to_forward")
    before = {"status": case.status, "at_district": case.at_district}
    if plain_text(note):   # a note of invisible characters only is no note
        _add_entry(session, case.id, "internal", _level(case), actor.account_id,
                   clean_text(note), today)
    case.at_district = not case.at_district
    case.district_involved = True
    case.status = "forwarded"
    audit.record(session, actor, "feedback.forwarded", "feedback_case", case.id, before=before,
                 after={"status": case.status, "at_district": case.at_district},
                 school_id=case.school_id)


def close_case(session: Session, actor: Actor, case_id: int,
               today: dt.date | None = None) -> None:
    case = _case_to_act_on(session, actor, case_id)
    before = case.status
    case.status = "closed"
    case.closed_on = today or local_today()
    audit.record(session, actor, "feedback.closed", "feedback_case", case.id,
                 before={"status": before}, after={"status": "closed"},
                 school_id=case.school_id)


def _case_to_act_on(session: Session, actor: Actor, case_id: int) -> FeedbackCase:
    require_role(actor, *INBOX_ROLES)
    case = _locked_case(session, case_id)
    if case is None or not session.scalar(
            select(func.count()).select_from(FeedbackCase)
            .where(FeedbackCase.id == case_id, _readable(actor))):
        raise DomainError("feedback.error.not_found")
    if not can_act(actor, case):
        raise DomainError("feedback.error.not_holder")
    if case.status == "closed":
        raise DomainError("feedback.error.closed")
    return case


def _locked_case(session: Session, case_id: int) -> FeedbackCase | None:
    """The case, locked for this transaction: a row lock on PostgreSQL; on SQLite a write
    first, so the transaction holds the database's write lock before it reads."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(FeedbackCase).where(FeedbackCase.id == case_id)
                        .values(status=FeedbackCase.status))
    return session.scalar(select(FeedbackCase).where(FeedbackCase.id == case_id)
                          .with_for_update().execution_options(populate_existing=True))


def _level(case: FeedbackCase) -> str:
    return "district" if case.at_district else "school"


def _add_entry(session: Session, case_id: int, kind: str, level: str | None,
               account_id: int | None, text: str, today: dt.date | None) -> None:
    seq = (session.scalar(select(func.max(FeedbackMessage.seq))
                          .where(FeedbackMessage.case_id == case_id)) or 0) + 1
    session.add(FeedbackMessage(id=random_id(), case_id=case_id, seq=seq, kind=kind,
                                level=level, author_account_id=account_id, body=text,
                                written_on=today or local_today()))
    session.flush()


def _entries(session: Session, case_id: int, *, internal: bool) -> list[Entry]:
    query = (select(FeedbackMessage.kind, FeedbackMessage.level, FeedbackMessage.body,
                    FeedbackMessage.written_on)
             .where(FeedbackMessage.case_id == case_id).order_by(FeedbackMessage.seq))
    if not internal:
        query = query.where(FeedbackMessage.kind != "internal")
    return [Entry(*row) for row in session.execute(query)]


def _recipient_name(session: Session, school_id: int | None) -> str:
    if school_id is None:
        return session.scalar(select(District.name).order_by(District.id).limit(1)) or ""
    return session.scalar(select(School.name).where(School.id == school_id)) or ""


# --- Motion leads ---------------------------------------------------------------------------

def delegate_choices(session: Session, actor: Actor, case_id: int,
                     today: dt.date | None = None) -> dict[int, str]:
    """Delegates of the current congress term who may be offered a lead from this case: the
    case's school, or every school for a message sent to the district union."""
    case = _case_to_act_on(session, actor, case_id)
    year = (today or local_today()).year
    school_ids = ([case.school_id] if case.school_id is not None else
                  list(session.scalars(select(School.id).where(School.active.is_(True)))))
    term_ids = [term.id for sid in school_ids
                if (term := current_term(session, school_id=sid, year=year)) is not None]
    rows = session.execute(
        select(Staff.id, Staff.name, School.name)
        .join(DelegateMembership, DelegateMembership.staff_id == Staff.id)
        .join(School, School.id == Staff.school_id)
        .where(DelegateMembership.term_id.in_(term_ids), Staff.retired.is_(False))
        .order_by(School.code, Staff.name)).all()
    if case.school_id is not None:
        return {sid: name for sid, name, _school in rows}
    return {sid: f"{name}（{school}）" for sid, name, school in rows}


def offer_motion_lead(session: Session, actor: Actor, case_id: int, *, delegate_staff_id: int,
                      title: str, reason: str, suggestion: str,
                      today: dt.date | None = None) -> int:
    """Turn a message into a draft motion (提案线索) that one delegate may adopt. It carries
    only what the chair writes here, never the case or anything about its writer."""
    title = clean_text(title, cap=LEAD_TITLE_MAX)
    reason, suggestion = clean_text(reason), clean_text(suggestion)
    if delegate_staff_id not in delegate_choices(session, actor, case_id, today):
        raise DomainError("feedback.error.not_a_delegate")
    school_id = session.scalar(select(Staff.school_id).where(Staff.id == delegate_staff_id))
    lead = MotionLead(school_id=school_id, delegate_staff_id=delegate_staff_id, title=title,
                      reason=reason, suggestion=suggestion, status="offered",
                      offered_by=actor.account_id, offered_on=today or local_today(),
                      case_id=case_id)
    session.add(lead)
    session.flush()
    audit.record(session, actor, "motion_lead.offered", "motion_lead", lead.id,
                 after={"delegate_staff_id": delegate_staff_id, "title": title},
                 school_id=school_id)
    return lead.id


def list_leads(session: Session, actor: Actor) -> pd.DataFrame:
    """The leads offered to me as a delegate, open ones first."""
    require_role(actor, "delegate")
    if actor.staff_id is None:
        return pd.DataFrame(columns=["id", "offered_on", "title", "reason", "suggestion",
                                     "status"])
    rows = session.execute(
        select(MotionLead.id, MotionLead.offered_on, MotionLead.title, MotionLead.reason,
               MotionLead.suggestion, MotionLead.status)
        .where(MotionLead.delegate_staff_id == actor.staff_id)
        .order_by((MotionLead.status == "offered").desc(), MotionLead.offered_on.desc(),
                  MotionLead.id.desc())).all()
    return pd.DataFrame(rows, columns=["id", "offered_on", "title", "reason", "suggestion",
                                       "status"])


def decide_lead(session: Session, actor: Actor, lead_id: int, *, adopt: bool,
                today: dt.date | None = None) -> int | None:
    """Adopt or decline a lead. Adopting writes it as my draft motion for the meeting of my
    school that is taking motions, if there is one; returns that motion's id."""
    require_role(actor, "delegate")
    lead = session.scalar(select(MotionLead).where(MotionLead.id == lead_id)
                          .with_for_update())
    if lead is None or actor.staff_id is None or lead.delegate_staff_id != actor.staff_id:
        raise DomainError("feedback.error.lead_not_found")
    if lead.status != "offered":
        raise DomainError("feedback.error.lead_decided")
    lead.status = "adopted" if adopt else "declined"
    lead.decided_on = today or local_today()
    audit.record(session, actor, f"motion_lead.{lead.status}", "motion_lead", lead.id,
                 before={"status": "offered"}, after={"status": lead.status},
                 school_id=lead.school_id)
    if not adopt:
        return None
    from services import motions  # the lifecycle imports nothing of the inbox

    meeting_id = motions.open_meeting_for(session, actor, school_id=lead.school_id)
    if meeting_id is None:
        return None
    return motions.draft_motion(session, actor, meeting_id=meeting_id,
                                title=lead.title[:motions.MAX_TITLE], reason=lead.reason,
                                suggestion=lead.suggestion)


# --- Statistics -----------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)


def suppress_small_groups(counts: Mapping[K, int], threshold: int = SMALL_GROUP
                          ) -> dict[K, int | None]:
    """Counts safe to show next to their total: groups of 1 to threshold-1 are hidden (None),
    and more groups are hidden, smallest first, until the hidden ones cannot be told apart by
    subtraction: at least two hidden, together at least `threshold`. Zeros stay visible."""
    hidden = {k for k, n in counts.items() if 0 < n < threshold}

    def unsafe() -> bool:
        return bool(hidden) and (len(hidden) == 1 or sum(counts[k] for k in hidden) < threshold)

    while unsafe():
        visible = sorted((n, i) for i, (k, n) in enumerate(counts.items())
                         if k not in hidden and n > 0)
        if not visible:
            break
        hidden.add(list(counts)[visible[0][1]])
    if unsafe():  # nothing left to hide alongside: hide every group
        hidden = {k for k, n in counts.items() if n > 0}
    return {k: (None if k in hidden else n) for k, n in counts.items()}


@dataclass(frozen=True)
class FeedbackStats:
    total: int | None                 # None when the whole scope is a small group
    by_month: dict[str, int | None]   # "2026-11" → count
    by_category: dict[str, int | None]
    by_status: dict[str, int | None]
    by_school: dict[str, int | None]  # school name → count; district-wide statistics only


def stats_scope(session: Session, actor: Actor) -> dict[int | None, str]:
    """Whose statistics an actor may see: None is district-wide (district union only)."""
    require_role(actor, *INBOX_ROLES)
    scope: dict[int | None, str] = {}
    if actor.has("district_admin"):
        scope[None] = _recipient_name(session, None)
        scope.update(session.execute(select(School.id, School.name).order_by(School.code)).all())
    else:
        scope.update(session.execute(
            select(School.id, School.name)
            .where(School.id.in_(sorted(actor.school_ids("school_chair"))))
            .order_by(School.code)).all())
    return scope


def feedback_stats(session: Session, actor: Actor, *, school_id: int | None,
                   date_from: dt.date, date_to: dt.date) -> FeedbackStats:
    """Counts of messages by month, category and status (and school, district-wide), counted
    in SQL, with every small group hidden. For one school, messages sent to that school."""
    if school_id not in stats_scope(session, actor):
        raise DomainError("error.forbidden")
    where = [FeedbackCase.sent_on >= date_from, FeedbackCase.sent_on <= date_to]
    if school_id is not None:
        where.append(FeedbackCase.school_id == school_id)

    def grouped(*columns: ColumnElement) -> list[tuple]:
        query = select(*columns, func.count()).select_from(FeedbackCase).where(*where)
        return list(session.execute(query.group_by(*columns)).all())

    year, month = (func.extract("year", FeedbackCase.sent_on),
                   func.extract("month", FeedbackCase.sent_on))
    months = {f"{int(y):04d}-{int(m):02d}": n for y, m, n in grouped(year, month)}
    by_month = {key: months.get(key, 0) for key in _month_keys(date_from, date_to)}
    by_category = dict.fromkeys(CATEGORIES, 0) | dict(grouped(FeedbackCase.category))
    by_status = dict.fromkeys(STATUSES, 0) | dict(grouped(FeedbackCase.status))
    total = sum(by_category.values())
    by_school: dict[str, int] = {}
    if school_id is None:
        names = dict(session.execute(select(School.id, School.name)).all())
        district_name = _recipient_name(session, None)
        for sid, n in grouped(FeedbackCase.school_id):
            by_school[names.get(sid, "") if sid is not None else district_name] = n
    return FeedbackStats(
        total if total == 0 or total >= SMALL_GROUP else None,
        suppress_small_groups(by_month), suppress_small_groups(by_category),
        suppress_small_groups(by_status), suppress_small_groups(by_school))


def _month_keys(start: dt.date, end: dt.date) -> list[str]:
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


# --- Retention ------------------------------------------------------------------------------

def purge_closed_cases(session: Session, *, today: dt.date | None = None,
                       days: int | None = None, limit: int | None = None) -> int:
    """Delete the cases closed more than `days` ago (at most `limit` of them), with their
    conversations; returns how many. Motion leads made of them stay, without the link."""
    days = days or feedback_retention_days()
    cutoff = (today or local_today()) - dt.timedelta(days=days)
    expired = (select(FeedbackCase.id)
               .where(FeedbackCase.status == "closed", FeedbackCase.closed_on < cutoff)
               .limit(limit))
    ids = list(session.scalars(expired))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(update(MotionLead).where(MotionLead.case_id.in_(chunk))
                        .values(case_id=None))
        session.execute(delete(FeedbackMessage).where(FeedbackMessage.case_id.in_(chunk)))
        session.execute(delete(FeedbackCase).where(FeedbackCase.id.in_(chunk)))
    if ids:
        audit.record(session, None, "feedback.purged", "feedback_case",
                     after={"count": len(ids), "closed_before": cutoff.isoformat()})
    return len(ids)
