"""救助申请: relief applications from filing to payment.

draft → submitted → school_approved → district_approved → paid, with the side exits returned
(back to the filer for more information), rejected (reason required) and cancelled. Nobody
approves an application they filed, and each level is a different person. The per-person
yearly caps of the category are checked at submission and again at each approval. Paying
writes the ledger entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from uuid import uuid4

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from db.fund import (
    FundCategory,
    FundEntry,
    ReliefApplication,
    ReliefAttachment,
    ReliefEvent,
)
from db.models import Account, School, Staff, utcnow
from services import audit, fund
from services.actor import Actor, require_login, require_role
from services.clock import local_today, to_local
from services.errors import DomainError
from services.formatting import money
from services.text import plain_text

FILERS = ("district_admin", "school_chair", "delegate")
# Who may read an application's full details (names, medical details, attachments).
REVIEWERS = ("district_admin", "school_chair", "auditor")
COUNTED_STATES = ("submitted", "school_approved", "district_approved", "paid")
OPEN_STATES = ("draft", "submitted", "school_approved", "district_approved", "returned")
EDITABLE_STATES = ("draft", "returned")
ATTACHABLE_STATES = ("draft", "returned", "submitted")
MAX_REASON = 1000
MAX_MEDICAL = 2000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
ATTACHMENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                    ".png": "image/png"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_number(value: str) -> bool:
    """An 18-character 居民身份证号 whose check character (GB 11643) is right."""
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def mask_id_number(value: str | None) -> str:
    """110105********123X: never the whole number."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "****"


# --- who may do what ----------------------------------------------------------------------

def filing_school_choices(session: Session, actor: Actor) -> dict[int, str]:
    require_role(actor, *FILERS)
    query = select(School.id, School.name).where(School.active.is_(True)).order_by(School.code)
    if not actor.has("district_admin"):
        query = query.where(School.id.in_(actor.school_ids("school_chair", "delegate")))
    return dict(session.execute(query).all())


def recipient_choices(session: Session, actor: Actor, school_id: int) -> dict[int, str]:
    """The school's staff, retired included: {staff id: "name (staff no)"}."""
    if school_id not in filing_school_choices(session, actor):
        raise DomainError("error.forbidden")
    rows = session.execute(select(Staff.id, Staff.name, Staff.staff_no, Staff.retired)
                           .where(Staff.school_id == school_id).order_by(Staff.staff_no))
    return {sid: f"{name} ({no}{'，退休' if retired else ''})"
            for sid, name, no, retired in rows}


def _can_read(actor: Actor, app: ReliefApplication) -> bool:
    if actor.has("district_admin", "auditor"):
        return True
    if app.school_id in actor.school_ids("school_chair"):
        return True
    return app.filed_by == actor.account_id


def _sees_medical(actor: Actor, app: ReliefApplication) -> bool:
    """Medical details and documents: reviewers always; the filer only while they can still
    edit the application, so a colleague does not keep reading them afterwards."""
    if actor.has("district_admin", "auditor") or app.school_id in actor.school_ids(
            "school_chair"):
        return True
    return app.filed_by == actor.account_id and app.state in EDITABLE_STATES


def _get(session: Session, actor: Actor, application_id: int, *,
         lock: bool = False) -> ReliefApplication:
    if actor is None:
        raise DomainError("error.login_required")
    app = session.get(ReliefApplication, application_id, populate_existing=True)
    if app is None or not _can_read(actor, app):
        raise DomainError("relief.error.not_found")
    return app


def _move(session: Session, actor: Actor, app: ReliefApplication, action: str, to: str, *,
          allowed_from: tuple[str, ...], note: str = "", **changes: object) -> None:
    """Change state only if nobody moved it meanwhile; record the step and the audit entry."""
    if app.state not in allowed_from:
        raise DomainError("relief.error.wrong_state", state_key=f"relief.state.{app.state}")
    before = app.state
    done = session.execute(update(ReliefApplication)
                           .where(ReliefApplication.id == app.id,
                                  ReliefApplication.state == before)
                           .values(state=to, **changes))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("relief.error.changed_meanwhile")
    session.refresh(app)
    session.add(ReliefEvent(application_id=app.id, at=utcnow(), account_id=actor.account_id,
                            action=action, from_state=before, to_state=to, note=note))
    audit.record(session, actor, f"relief.{action}", "relief_application", app.number,
                 school_id=app.school_id, before={"state": before},
                 after={"state": to, "amount_fen": app.amount_fen}, note=note or None)


# --- caps ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CapStatus:
    used_fen: int
    used_count: int
    limit_fen: int | None
    limit_count: int | None

    def remaining_fen(self) -> int | None:
        return None if self.limit_fen is None else max(self.limit_fen - self.used_fen, 0)


def cap_status(session: Session, *, staff_id: int, category_id: int, year: int,
               exclude_id: int | None = None) -> CapStatus:
    """What this person has been granted or has pending in the category this year."""
    cat = fund.category(session, category_id, "expense")
    query = select(func.coalesce(func.sum(ReliefApplication.amount_fen), 0), func.count()).where(
        ReliefApplication.staff_id == staff_id, ReliefApplication.category_id == category_id,
        ReliefApplication.year == year, ReliefApplication.state.in_(COUNTED_STATES))
    if exclude_id is not None:
        query = query.where(ReliefApplication.id != exclude_id)
    used, count = session.execute(query).one()
    return CapStatus(int(used), int(count), cat.yearly_limit_fen, cat.yearly_limit_count)


def check_caps(session: Session, app: ReliefApplication) -> None:
    status = cap_status(session, staff_id=app.staff_id, category_id=app.category_id,
                        year=app.year, exclude_id=app.id)
    if status.limit_count is not None and status.used_count + 1 > status.limit_count:
        raise DomainError("relief.error.over_count", count=status.used_count,
                          limit=status.limit_count, year=app.year)
    if status.limit_fen is not None and status.used_fen + app.amount_fen > status.limit_fen:
        raise DomainError("relief.error.over_cap", remaining=money(status.remaining_fen() or 0),
                          limit=money(status.limit_fen), year=app.year)


# --- filing -------------------------------------------------------------------------------

@dataclass
class ApplicationInput:
    school_id: int
    staff_id: int | None
    category_id: int | None
    amount: object
    reason: str
    medical_details: str = ""
    id_number: str | None = ""   # None on an edit: keep the stored number (shown masked only)


def _validated(session: Session, actor: Actor, data: ApplicationInput) -> dict[str, object]:
    if data.school_id not in filing_school_choices(session, actor):
        raise DomainError("error.forbidden")
    if data.staff_id is None:
        raise DomainError("relief.error.recipient_missing")
    person = session.get(Staff, data.staff_id)
    if person is None or person.school_id != data.school_id:
        raise DomainError("relief.error.recipient_elsewhere")
    if data.category_id is None:
        raise DomainError("relief.error.category_missing")
    cat = fund.category(session, data.category_id, "expense")
    if not cat.active:
        raise DomainError("fund.error.category_inactive", name=cat.name)
    id_number = (data.id_number or "").strip().upper()
    if id_number and not valid_id_number(id_number):
        raise DomainError("relief.error.bad_id_number")
    return {
        "school_id": data.school_id, "staff_id": data.staff_id, "category_id": cat.id,
        "amount_fen": fund.parse_amount(data.amount),
        "reason": fund.clean_text(data.reason, limit=MAX_REASON, field="relief.field.reason",
                                  required=True),
        "medical_details": fund.clean_text(data.medical_details, limit=MAX_MEDICAL,
                                           field="relief.field.medical"),
        "id_number": id_number or None,
    }


def file_application(session: Session, actor: Actor, data: ApplicationInput, *,
                     submit: bool = True, idempotency_key: str | None = None) -> int:
    """File an application for a staff member: as a draft, or submitted to the school chair."""
    require_role(actor, *FILERS)
    if idempotency_key and (done := session.scalar(select(ReliefApplication.id).where(
            ReliefApplication.idempotency_key == idempotency_key))):
        return int(done)
    fields = _validated(session, actor, data)
    year = local_today().year
    code = session.scalar(select(School.code).where(School.id == data.school_id))
    # A unique placeholder until the id is known (number is String(30): "pending-" + 22 hex).
    app = ReliefApplication(**fields, year=year, state="draft", filed_by=actor.account_id,
                            filed_at=utcnow(), number=f"pending-{uuid4().hex[:22]}",
                            idempotency_key=idempotency_key or None, decision_note="")
    try:  # a savepoint: a failed insert leaves the caller's unit of work usable
        with session.begin_nested():
            session.add(app)
    except IntegrityError as error:
        if not idempotency_key:
            raise
        done = session.scalar(select(ReliefApplication.id).where(
            ReliefApplication.idempotency_key == idempotency_key))
        if done:  # the same form sent at the same moment, already committed: filed once only
            return int(done)
        if "idempotency_key" in str(error.orig):  # its twin, not committed yet
            raise DomainError("relief.error.already_filed") from None
        raise  # another constraint: not a duplicate form
    app.number = f"{year}-{code}-{app.id:05d}"
    session.add(ReliefEvent(application_id=app.id, at=utcnow(), account_id=actor.account_id,
                            action="filed", from_state=None, to_state="draft"))
    audit.record(session, actor, "relief.filed", "relief_application", app.number,
                 school_id=app.school_id,
                 after={"amount_fen": app.amount_fen, "category_id": app.category_id})
    session.flush()
    if submit:
        submit_application(session, actor, app.id)
    return app.id


def update_draft(session: Session, actor: Actor, application_id: int,
                 data: ApplicationInput) -> None:
    app = _get(session, actor, application_id)
    if app.filed_by != actor.account_id:
        raise DomainError("relief.error.only_filer")
    if app.state not in EDITABLE_STATES:
        raise DomainError("relief.error.wrong_state", state_key=f"relief.state.{app.state}")
    fields = _validated(session, actor, data)
    if data.id_number is None:
        del fields["id_number"]
    before = {"amount_fen": app.amount_fen, "category_id": app.category_id}
    for name, value in fields.items():
        setattr(app, name, value)
    session.flush()
    audit.record(session, actor, "relief.edited", "relief_application", app.number,
                 school_id=app.school_id, before=before,
                 after={"amount_fen": app.amount_fen, "category_id": app.category_id})


def submit_application(session: Session, actor: Actor, application_id: int) -> None:
    app = _get(session, actor, application_id)
    if app.filed_by != actor.account_id:
        raise DomainError("relief.error.only_filer")
    check_caps(session, app)
    _move(session, actor, app, "submitted", "submitted", allowed_from=EDITABLE_STATES,
          submitted_at=utcnow())


# --- review -------------------------------------------------------------------------------

def approve_at_school(session: Session, actor: Actor, application_id: int,
                      note: str = "") -> None:
    require_role(actor, "school_chair")
    app = _get(session, actor, application_id)
    if app.school_id not in actor.school_ids("school_chair"):
        raise DomainError("error.forbidden")
    if app.filed_by == actor.account_id:
        raise DomainError("relief.error.own_application")
    check_caps(session, app)
    _move(session, actor, app, "school_approved", "school_approved", allowed_from=("submitted",),
          note=fund.clean_text(note, field="relief.field.note"),
          school_approved_by=actor.account_id, school_approved_at=utcnow())


def approve_at_district(session: Session, actor: Actor, application_id: int,
                        note: str = "") -> None:
    require_role(actor, "district_admin")
    app = _get(session, actor, application_id)
    if app.filed_by == actor.account_id:
        raise DomainError("relief.error.own_application")
    if app.school_approved_by == actor.account_id:
        raise DomainError("relief.error.same_approver")
    check_caps(session, app)
    _move(session, actor, app, "district_approved", "district_approved",
          allowed_from=("school_approved",), note=fund.clean_text(note, field="relief.field.note"),
          district_approved_by=actor.account_id, district_approved_at=utcnow())


def _reviewer_states(actor: Actor, app: ReliefApplication) -> tuple[str, ...]:
    """The states in which this actor is the reviewer who may return or reject: never for
    an application they filed themselves."""
    states: tuple[str, ...] = ()
    if app.filed_by == actor.account_id:
        return states
    if app.school_id in actor.school_ids("school_chair"):
        states += ("submitted",)
    if actor.has("district_admin"):
        states += ("school_approved", "district_approved")
    return states


def return_application(session: Session, actor: Actor, application_id: int, note: str) -> None:
    """Back to the filer for more information (the reason says what is missing)."""
    app = _get(session, actor, application_id)
    note = fund.clean_text(note, field="relief.field.return_note", required=True)
    states = tuple(s for s in _reviewer_states(actor, app) if s != "district_approved")
    if not states:
        raise DomainError("error.forbidden")
    _move(session, actor, app, "returned", "returned", allowed_from=states, note=note,
          decision_note=note, school_approved_by=None, school_approved_at=None)


def reject(session: Session, actor: Actor, application_id: int, reason: str) -> None:
    app = _get(session, actor, application_id)
    reason = fund.clean_text(reason, field="relief.field.reject_reason", required=True)
    states = _reviewer_states(actor, app)
    if not states:
        raise DomainError("error.forbidden")
    _move(session, actor, app, "rejected", "rejected", allowed_from=states, note=reason,
          decision_note=reason)


def cancel(session: Session, actor: Actor, application_id: int, note: str = "") -> None:
    """The filer withdraws it (or the district cancels it) before the school approves."""
    app = _get(session, actor, application_id)
    if app.filed_by != actor.account_id and not actor.has("district_admin"):
        raise DomainError("relief.error.only_filer")
    _move(session, actor, app, "cancelled", "cancelled",
          allowed_from=("draft", "submitted", "returned"),
          note=fund.clean_text(note, field="relief.field.note"))


def pay(session: Session, actor: Actor, application_id: int, *, account_id: int,
        paid_on: object = None, idempotency_key: str | None = None) -> fund.Posted:
    """Pay an approved application from an account: the ledger entry and the state change
    commit together, or neither does."""
    require_role(actor, "district_admin")
    fund.lock_account(session, account_id)  # before reading the state: a racing payer waits
    app = _get(session, actor, application_id)
    if app.state == "paid" and idempotency_key:
        done = session.scalar(select(FundEntry).where(FundEntry.idempotency_key
                                                      == idempotency_key))
        if done is not None:
            return fund.Posted(done.id, done.voucher_no, done.amount_fen, new=False)
    if app.state != "district_approved":
        raise DomainError("relief.error.wrong_state", state_key=f"relief.state.{app.state}")
    # The school's own sub-account or the district fund: never another school's money.
    if account_id not in (fund.account_id_for(session, app.school_id),
                          fund.account_id_for(session, None)):
        raise DomainError("relief.error.pay_account")
    if idempotency_key and session.scalar(select(FundEntry.id).where(
            FundEntry.idempotency_key == idempotency_key)):
        # The key of a payment that was reversed since: this form is stale, not a repeat.
        raise DomainError("relief.error.changed_meanwhile")
    day = fund.check_date(paid_on if paid_on is not None else local_today())
    name = session.scalar(select(Staff.name).where(Staff.id == app.staff_id)) or ""
    posted = fund.post_entry(
        session, actor, account_id=account_id, kind="expense", category_id=app.category_id,
        amount=f"{app.amount_fen // 100}.{app.amount_fen % 100:02d}", entry_date=day,
        counterparty=name, memo=app.number, staff_id=app.staff_id, application_id=app.id,
        idempotency_key=idempotency_key)
    _move(session, actor, app, "paid", "paid", allowed_from=("district_approved",),
          note=posted.voucher_no, paid_by=actor.account_id, paid_at=utcnow(), paid_on=day)
    return posted


def available_actions(actor: Actor, app: ReliefApplication) -> list[str]:
    """The buttons a page offers this actor for this application now."""
    actions: list[str] = []
    mine = app.filed_by == actor.account_id
    if mine and app.state in EDITABLE_STATES:
        actions += ["edit", "submit"]
    if (mine or actor.has("district_admin")) and app.state in ("draft", "submitted", "returned"):
        actions.append("cancel")
    reviewer = _reviewer_states(actor, app)
    if app.state == "submitted" and "submitted" in reviewer and not mine:
        actions.append("approve_school")
    if app.state == "school_approved" and actor.has("district_admin") and not mine \
            and app.school_approved_by != actor.account_id:
        actions.append("approve_district")
    if app.state == "district_approved" and actor.has("district_admin"):
        actions.append("pay")
    if app.state in reviewer and app.state != "district_approved":
        actions.append("return")
    if app.state in reviewer:
        actions.append("reject")
    return actions


# --- reading ------------------------------------------------------------------------------

def _scoped(query, actor: Actor):  # type: ignore[no-untyped-def]
    if actor.has("district_admin", "auditor"):
        return query
    schools = actor.school_ids("school_chair")
    return query.where((ReliefApplication.school_id.in_(schools))
                       | (ReliefApplication.filed_by == actor.account_id))


def list_applications(session: Session, actor: Actor, *, state: str | None = None,
                      year: int | None = None, school_id: int | None = None,
                      waiting_for_me: bool = False, page: int = 1,
                      page_size: int = 50) -> tuple[pd.DataFrame, int]:
    """Applications in the actor's scope, newest first, one page at a time."""
    require_role(actor, *FILERS, "auditor")
    filer = aliased(Account)
    conditions = []
    if state:
        conditions.append(ReliefApplication.state == state)
    if year:
        conditions.append(ReliefApplication.year == year)
    if school_id:
        conditions.append(ReliefApplication.school_id == school_id)
    if waiting_for_me:
        waits = []
        others = ReliefApplication.filed_by != actor.account_id
        if actor.school_ids("school_chair"):
            waits.append((ReliefApplication.state == "submitted") & others
                         & ReliefApplication.school_id.in_(actor.school_ids("school_chair")))
        if actor.has("district_admin"):
            waits.append(ReliefApplication.state.in_(("school_approved", "district_approved"))
                         & others)
        waits.append(ReliefApplication.state.in_(EDITABLE_STATES)
                     & (ReliefApplication.filed_by == actor.account_id))
        condition = waits[0]
        for extra in waits[1:]:
            condition = condition | extra
        conditions.append(condition)
    total = session.scalar(_scoped(select(func.count()).select_from(ReliefApplication), actor)
                           .where(*conditions)) or 0
    rows = session.execute(_scoped(
        select(ReliefApplication.id, ReliefApplication.number, School.name, Staff.name,
               FundCategory.name, ReliefApplication.amount_fen, ReliefApplication.state,
               ReliefApplication.filed_at, filer.display_name)
        .join(School, School.id == ReliefApplication.school_id)
        .join(Staff, Staff.id == ReliefApplication.staff_id)
        .join(FundCategory, FundCategory.id == ReliefApplication.category_id)
        .join(filer, filer.id == ReliefApplication.filed_by), actor)
        .where(*conditions).order_by(ReliefApplication.id.desc())
        .limit(page_size).offset((max(page, 1) - 1) * page_size)).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "school", "recipient", "category",
                                        "amount_fen", "state", "filed_at", "filed_by"])
    frame["filed_at"] = frame["filed_at"].map(to_local)
    return frame, total


@dataclass(frozen=True)
class ApplicationView:
    id: int
    number: str
    state: str
    school_id: int
    school: str
    staff_id: int
    recipient: str
    staff_no: str
    retired: bool
    category_id: int
    category: str
    year: int
    amount_fen: int
    reason: str
    medical_details: str | None      # None: not for this reader
    id_number_masked: str
    filed_by: str
    filed_at: dt.datetime
    decision_note: str
    paid_on: dt.date | None
    actions: tuple[str, ...]
    can_attach: bool = False          # may add documents now


def application(session: Session, actor: Actor, application_id: int) -> ApplicationView:
    app = _get(session, actor, application_id)
    person = session.get(Staff, app.staff_id)
    school = session.get(School, app.school_id)
    cat = fund.category(session, app.category_id)
    filer = session.get(Account, app.filed_by)
    assert person is not None and school is not None and filer is not None
    medical = _sees_medical(actor, app)
    return ApplicationView(
        app.id, app.number, app.state, app.school_id, school.name, person.id, person.name,
        person.staff_no, person.retired, cat.id, cat.name, app.year, app.amount_fen, app.reason,
        app.medical_details if medical else None, mask_id_number(app.id_number),
        filer.display_name, to_local(app.filed_at) or app.filed_at, app.decision_note or "",
        app.paid_on,
        tuple(available_actions(actor, app)), _may_attach(actor, app))


def history(session: Session, actor: Actor, application_id: int) -> pd.DataFrame:
    """Every step: when, who, from, to, note."""
    _get(session, actor, application_id)
    rows = session.execute(
        select(ReliefEvent.at, Account.display_name, ReliefEvent.action, ReliefEvent.from_state,
               ReliefEvent.to_state, ReliefEvent.note)
        .join(Account, Account.id == ReliefEvent.account_id)
        .where(ReliefEvent.application_id == application_id)
        .order_by(ReliefEvent.at, ReliefEvent.id)).all()
    frame = pd.DataFrame(rows, columns=["at", "who", "action", "from_state", "to_state",
                                        "note"])
    frame["at"] = frame["at"].map(to_local)   # stored in UTC, read in the district's time
    return frame


def recipient_history(session: Session, actor: Actor, staff_id: int) -> pd.DataFrame:
    """The person's relief over the years, shown to whoever reviews their application."""
    require_role(actor, *REVIEWERS)
    person = session.get(Staff, staff_id)
    if person is None or not (actor.has("district_admin", "auditor")
                              or person.school_id in actor.school_ids("school_chair")):
        raise DomainError("error.forbidden")
    rows = session.execute(
        select(ReliefApplication.year, ReliefApplication.number, FundCategory.name,
               ReliefApplication.amount_fen, ReliefApplication.state, ReliefApplication.paid_on)
        .join(FundCategory, FundCategory.id == ReliefApplication.category_id)
        .where(ReliefApplication.staff_id == staff_id)
        .order_by(ReliefApplication.year.desc(), ReliefApplication.id.desc())).all()
    return pd.DataFrame(rows, columns=["year", "number", "category", "amount_fen", "state",
                                       "paid_on"])


# --- attachments --------------------------------------------------------------------------

def _may_attach(actor: Actor, app: ReliefApplication) -> bool:
    return app.state in ATTACHABLE_STATES and (
        app.filed_by == actor.account_id or app.school_id in actor.school_ids("school_chair"))


def add_attachment(session: Session, actor: Actor, application_id: int, *, filename: str,
                   data: bytes) -> int:
    app = _get(session, actor, application_id)
    if app.filed_by != actor.account_id and app.school_id not in actor.school_ids(
            "school_chair"):
        raise DomainError("relief.error.only_filer")
    if app.state not in ATTACHABLE_STATES:
        raise DomainError("relief.error.wrong_state", state_key=f"relief.state.{app.state}")
    # Cleaned first: a right-to-left override could show "‮fdp.exe" as "exe.pdf".
    name = plain_text(PurePath(filename or "").name, single_line=True)[-200:]
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix not in ATTACHMENT_TYPES:
        raise DomainError("relief.error.attachment_type", name=name)
    if not data:
        raise DomainError("relief.error.attachment_empty", name=name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DomainError("relief.error.attachment_too_large", name=name, limit="10 MB")
    count = session.scalar(select(func.count()).where(
        ReliefAttachment.application_id == app.id)) or 0
    if count >= MAX_ATTACHMENTS:
        raise DomainError("relief.error.too_many_attachments", limit=MAX_ATTACHMENTS)
    row = ReliefAttachment(application_id=app.id, filename=name,
                           content_type=ATTACHMENT_TYPES[suffix], size=len(data), data=data,
                           uploaded_by=actor.account_id, uploaded_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor, "relief.attached", "relief_application", app.number,
                 school_id=app.school_id, after={"file": name, "bytes": len(data)})
    return row.id


def attachments(session: Session, actor: Actor, application_id: int) -> pd.DataFrame:
    _get(session, actor, application_id)
    rows = session.execute(
        select(ReliefAttachment.id, ReliefAttachment.filename, ReliefAttachment.size,
               ReliefAttachment.uploaded_at)
        .where(ReliefAttachment.application_id == application_id)
        .order_by(ReliefAttachment.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "filename", "size", "uploaded_at"])
    frame["uploaded_at"] = frame["uploaded_at"].map(to_local)
    return frame


def attachment_file(session: Session, actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    row = session.get(ReliefAttachment, attachment_id)
    if row is None:
        raise DomainError("relief.error.not_found")
    if not _sees_medical(actor, _get(session, actor, row.application_id)):
        raise DomainError("relief.error.documents_for_reviewers")
    return row.filename, row.content_type, row.data


def waiting_counts(session: Session, actor: Actor) -> dict[str, int]:
    """For the home page: applications waiting for this actor's decision."""
    require_login(actor)
    counts = {"school": 0, "district": 0}
    if chairs := actor.school_ids("school_chair"):
        counts["school"] = session.scalar(select(func.count()).where(
            ReliefApplication.state == "submitted", ReliefApplication.school_id.in_(chairs),
            ReliefApplication.filed_by != actor.account_id)) or 0
    if actor.has("district_admin"):
        counts["district"] = session.scalar(select(func.count()).where(
            ReliefApplication.state.in_(("school_approved", "district_approved")),
            ReliefApplication.filed_by != actor.account_id)) or 0
    return counts
