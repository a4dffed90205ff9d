"""Account administration by the district union: create, disable, reset, assign roles."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db.models import ROLES, Account, AccountRole, Department, School, Staff, utcnow
from services import audit
from services.actor import Actor, Grant, require_role
from services.auth import check_new_password, hash_password
from services.clock import to_local
from services.errors import DomainError
from services.text import field_text

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,29}$")
MAX_DISPLAY_NAME = 50   # Account.display_name is String(50)
SCHOOL_ROLES = ("school_chair", "department_head", "delegate")


def _grants_snapshot(account: Account) -> list[dict[str, int | str | None]]:
    return [{"role": r.role, "school_id": r.school_id, "department_id": r.department_id}
            for r in account.roles]


def _check_grants(session: Session, grants: Sequence[Grant]) -> list[Grant]:
    if not grants:
        raise DomainError("accounts.no_role")
    seen: list[Grant] = []
    for grant in grants:
        if grant.role not in ROLES:
            raise DomainError("accounts.unknown_role", role=grant.role)
        if grant.role in SCHOOL_ROLES:
            if grant.school_id is None or session.get(School, grant.school_id) is None:
                raise DomainError("accounts.role_needs_school")
        else:
            grant = Grant(grant.role, None, None)  # district-wide roles carry no school
        if grant.role == "department_head":
            dept = session.get(Department, grant.department_id) if grant.department_id else None
            if dept is None or dept.school_id != grant.school_id:
                raise DomainError("accounts.role_needs_department")
        else:
            grant = Grant(grant.role, grant.school_id, None)
        if grant not in seen:
            seen.append(grant)
    return seen


def _account(session: Session, account_id: int) -> Account:
    account = session.scalar(
        select(Account).options(selectinload(Account.roles)).where(Account.id == account_id)
    )
    if account is None:
        raise DomainError("accounts.not_found")
    return account


def create_account(
    session: Session, actor: Actor, *, username: str, display_name: str, password: str,
    grants: Sequence[Grant], staff_no: str = "",
) -> int:
    """A new account; `staff_no` links it to a staff member of the school its roles name."""
    require_role(actor, "district_admin")
    username = (username or "").strip().lower()
    display_name = field_text(display_name, field="accounts.display_name",
                              limit=MAX_DISPLAY_NAME)
    if not USERNAME_PATTERN.match(username):
        raise DomainError("accounts.bad_username")
    if not display_name:
        raise DomainError("accounts.name_required")
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise DomainError("accounts.username_taken", username=username)
    check_new_password(password)
    checked = _check_grants(session, grants)
    staff_id = _staff_for(session, staff_no, checked)
    account = Account(username=username, display_name=display_name,
                      password_hash=hash_password(password), staff_id=staff_id, enabled=True,
                      failed_logins=0, created_at=utcnow())
    account.roles = [AccountRole(role=g.role, school_id=g.school_id,
                                 department_id=g.department_id) for g in checked]
    try:  # a savepoint: a failed insert leaves the caller's unit of work usable
        with session.begin_nested():
            session.add(account)
    except IntegrityError as error:  # the same username created by a request at the same moment
        message = str(error.orig)   # SQLite names the column, PostgreSQL the constraint
        duplicate = "accounts.username" in message or "uq_accounts_username" in message
        if not duplicate and session.scalar(
                select(Account.id).where(Account.username == username)) is None:
            raise  # another constraint: not the username
        raise DomainError("accounts.username_taken", username=username) from None
    audit.record(session, actor, "account.created", "account", account.id,
                 after={"username": username, "display_name": display_name,
                        "roles": _grants_snapshot(account)})
    return account.id


def _staff_for(session: Session, staff_no: str, grants: Sequence[Grant]) -> int | None:
    staff_no = (staff_no or "").strip().upper()
    if not staff_no:
        return None
    staff = session.scalar(select(Staff).where(func.upper(Staff.staff_no) == staff_no))
    if staff is None:
        raise DomainError("accounts.staff_not_found", staff_no=staff_no)
    schools = {g.school_id for g in grants if g.school_id is not None}
    if schools and staff.school_id not in schools:
        raise DomainError("accounts.staff_other_school", staff_no=staff_no)
    return staff.id


def set_enabled(session: Session, actor: Actor, *, account_id: int, enabled: bool) -> None:
    require_role(actor, "district_admin")
    account = _account(session, account_id)
    if account.id == actor.account_id and not enabled:
        raise DomainError("accounts.cannot_disable_self")
    if account.enabled == enabled:
        return
    account.enabled = enabled
    audit.record(session, actor, "account.enabled" if enabled else "account.disabled",
                 "account", account.id, before={"enabled": not enabled},
                 after={"enabled": enabled})


def reset_password(session: Session, actor: Actor, *, account_id: int, new_password: str) -> None:
    """Set a new password chosen by the admin; also unlocks the account."""
    require_role(actor, "district_admin")
    account = _account(session, account_id)
    check_new_password(new_password)
    before = {"failed_logins": account.failed_logins, "locked": account.locked_at is not None}
    account.password_hash = hash_password(new_password)
    account.failed_logins = 0
    account.locked_at = None
    account.password_changed_at = utcnow()
    audit.record(session, actor, "account.password_reset", "account", account.id,
                 before=before, after={"failed_logins": 0, "locked": False})


def set_grants(session: Session, actor: Actor, *, account_id: int,
               grants: Sequence[Grant]) -> None:
    require_role(actor, "district_admin")
    account = _account(session, account_id)
    checked = _check_grants(session, grants)
    if account.id == actor.account_id and not any(g.role == "district_admin" for g in checked):
        raise DomainError("accounts.cannot_drop_own_admin")
    before = _grants_snapshot(account)
    account.roles = [AccountRole(role=g.role, school_id=g.school_id,
                                 department_id=g.department_id) for g in checked]
    session.flush()
    audit.record(session, actor, "account.roles_changed", "account", account.id,
                 before={"roles": before}, after={"roles": _grants_snapshot(account)})


def account_grants(session: Session, actor: Actor, *, account_id: int) -> list[Grant]:
    require_role(actor, "district_admin")
    return [Grant(r.role, r.school_id, r.department_id)
            for r in _account(session, account_id).roles]


def list_accounts(session: Session, actor: Actor, *, search: str = "", page: int = 1,
                  page_size: int = 50) -> tuple[pd.DataFrame, int]:
    """Accounts with their roles, a page at a time, for the district admin."""
    require_role(actor, "district_admin")
    conditions = []
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        conditions.append(or_(func.lower(Account.username).like(pattern),
                              Account.display_name.like(f"%{search.strip()}%")))
    total = session.scalar(select(func.count()).select_from(Account).where(*conditions)) or 0
    accounts = session.scalars(
        select(Account).options(selectinload(Account.roles)).where(*conditions)
        .order_by(Account.username).limit(page_size).offset((max(1, page) - 1) * page_size)
    ).all()
    school_names = dict(session.execute(select(School.id, School.name)).all())
    dept_names = dict(session.execute(
        select(Department.id, Department.name).where(Department.id.in_(
            [r.department_id for a in accounts for r in a.roles if r.department_id]
        ))).all())
    rows = []
    for a in accounts:
        rows.append({
            "id": a.id,
            "username": a.username,
            "display_name": a.display_name,
            "roles": [(r.role, school_names.get(r.school_id) if r.school_id else None,
                       dept_names.get(r.department_id) if r.department_id else None)
                      for r in a.roles],
            "enabled": a.enabled,
            "locked": a.locked_at is not None,
            "failed_logins": a.failed_logins,
            "last_login_at": to_local(a.last_login_at),
        })
    return pd.DataFrame(rows, columns=["id", "username", "display_name", "roles", "enabled",
                                       "locked", "failed_logins", "last_login_at"]), int(total)
