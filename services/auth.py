"""Passwords, logins and lockout. The login form lives in the UI; the rules live here."""

from __future__ import annotations

import datetime as dt

import bcrypt
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from db.models import Account, AuditEntry, utcnow
from services import audit
from services.actor import Actor, Grant
from services.config import bcrypt_rounds, max_failed_logins
from services.errors import DomainError
from services.logs import log_event

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores anything longer
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password",
                            bcrypt.gensalt(rounds=bcrypt_rounds())).decode()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"),
                         bcrypt.gensalt(rounds=bcrypt_rounds())).decode()


def password_matches(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("utf-8"))
    except ValueError:
        return False


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("auth.password_too_short", n=MIN_PASSWORD_LENGTH)
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise DomainError("auth.password_too_long", n=MAX_PASSWORD_BYTES)
    if password.strip() != password:
        raise DomainError("auth.password_spaces")


def actor_for(account: Account) -> Actor:
    return Actor(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        staff_id=account.staff_id,
        grants=tuple(Grant(r.role, r.school_id, r.department_id) for r in account.roles),
    )


def load_actor(session: Session, username: str, *,
               signed_in_at: dt.datetime | None = None) -> Actor | None:
    """The actor behind a logged-in username, or None if the account may no longer log in —
    nor this session: its password was changed or reset after `signed_in_at` (naive UTC), so
    an open tab of someone who no longer knows the password ends at its next click."""
    account = session.scalar(
        select(Account).options(selectinload(Account.roles))
        .where(Account.username == username.strip().lower())
    )
    if account is None or not account.enabled or account.locked_at is not None:
        return None
    if (signed_in_at is not None and account.password_changed_at is not None
            and account.password_changed_at > signed_in_at):
        return None
    return actor_for(account)


def active_usernames(session: Session) -> list[str]:
    return list(session.scalars(
        select(Account.username).where(Account.enabled.is_(True), Account.locked_at.is_(None))
    ))


def may_log_in(session: Session, username: str) -> bool:
    return session.scalar(select(Account.id).where(
        Account.username == username.strip().lower(), Account.enabled.is_(True),
        Account.locked_at.is_(None))) is not None


def login_cookie_valid(session: Session, username: str, issued_at: dt.datetime) -> bool:
    """Whether a login cookie made at `issued_at` (naive UTC) still logs this account in.

    The cookie itself cannot be withdrawn from a browser that copied it, so it is refused when
    the account may no longer log in, or has logged out or had its password changed or reset
    since the cookie was made.
    """
    account = session.scalar(select(Account).where(
        Account.username == username.strip().lower(), Account.enabled.is_(True),
        Account.locked_at.is_(None)))
    if account is None:
        return False
    if account.password_changed_at is not None and account.password_changed_at >= issued_at:
        return False
    logged_out = session.scalar(select(func.max(AuditEntry.at)).where(
        AuditEntry.object_type == "account", AuditEntry.object_id == str(account.id),
        AuditEntry.action == "logout"))
    return logged_out is None or logged_out < issued_at


def verify_login(session: Session, username: str, password: str) -> Actor | None:
    """Check a login attempt; count failures and lock after too many.

    Returns None for every refusal, so the form can only say that the login failed. It does
    not raise: the caller must commit the failure count and the audit entry.
    """
    name = (username or "").strip().lower()
    account = session.scalar(
        select(Account).options(selectinload(Account.roles)).where(Account.username == name)
    ) if name else None
    if account is None:
        password_matches(password or "", _DUMMY_HASH)
        audit.record(session, None, "login.failed", "account", note="unknown account")
        log_event("login.refused", reason="unknown_account")
        return None
    if not account.enabled or account.locked_at is not None:
        password_matches(password or "", _DUMMY_HASH)
        audit.record(session, None, "login.refused", "account", account.id,
                     note="disabled" if not account.enabled else "locked")
        log_event("login.refused", account_id=account.id,
                  reason="disabled" if not account.enabled else "locked")
        return None
    if not password_matches(password or "", account.password_hash):
        # Increment in SQL so concurrent wrong attempts are all counted.
        session.execute(update(Account).where(Account.id == account.id)
                        .values(failed_logins=Account.failed_logins + 1))
        session.refresh(account, ["failed_logins"])
        locked = account.failed_logins >= max_failed_logins()
        if locked:
            account.locked_at = utcnow()
        audit.record(session, None, "login.failed", "account", account.id,
                     after={"failed_logins": account.failed_logins, "locked": locked})
        log_event("account.locked" if locked else "login.refused", account_id=account.id,
                  reason="wrong_password", failed_logins=account.failed_logins)
        return None
    account.failed_logins = 0
    account.last_login_at = utcnow()
    actor = actor_for(account)
    audit.record(session, actor, "login.succeeded", "account", account.id)
    log_event("login.succeeded", account_id=account.id)
    return actor


def change_password(session: Session, actor: Actor, *, current: str, new: str,
                    repeat: str) -> None:
    account = session.get(Account, actor.account_id)
    if account is None or not account.enabled:
        raise DomainError("error.login_required")
    if not password_matches(current, account.password_hash):
        raise DomainError("auth.current_password_wrong")
    if new != repeat:
        raise DomainError("auth.passwords_differ")
    if new == current:
        raise DomainError("auth.password_unchanged")
    check_new_password(new)
    account.password_hash = hash_password(new)
    account.password_changed_at = utcnow()
    audit.record(session, actor, "account.password_changed", "account", account.id)


def record_logout(session: Session, actor: Actor) -> None:
    audit.record(session, actor, "logout", "account", actor.account_id)
