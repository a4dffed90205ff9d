"""Settings read from the environment, with safe defaults for the embedded demo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from services.errors import DomainError

COOKIE_NAME = "union_desk_auth"
COOKIE_EXPIRY_DAYS = 7.0


def max_failed_logins() -> int:
    """Wrong passwords in a row before an account locks (UNION_MAX_FAILED_LOGINS)."""
    return max(1, int(os.environ.get("UNION_MAX_FAILED_LOGINS", "5")))


def bcrypt_rounds() -> int:
    """Work factor for password hashes (UNION_BCRYPT_ROUNDS; tests lower it for speed)."""
    return min(15, max(4, int(os.environ.get("UNION_BCRYPT_ROUNDS", "12"))))


def resolve_cookie_key(*, secret: str | None, embedded: bool, data_dir: Path) -> str:
    """The key that signs login cookies: from secrets or the environment, never from code.

    The embedded demo may make a random key once and keep it under `data/`; a production
    (PostgreSQL) start without a key refuses to run.
    """
    key = (secret or os.environ.get("UNION_COOKIE_KEY") or "").strip()
    if key:
        return key
    if not embedded:
        raise DomainError("config.no_cookie_key")
    path = data_dir / "cookie_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def _positive_int(name: str, default: int) -> int:
    return max(1, int(os.environ.get(name, str(default))))


def feedback_max_chars() -> int:
    """Longest feedback message or reply, in characters (UNION_FEEDBACK_MAX_CHARS)."""
    return _positive_int("UNION_FEEDBACK_MAX_CHARS", 5000)


def feedback_retention_days() -> int:
    """Days a closed feedback case is kept before it is deleted
    (UNION_FEEDBACK_RETENTION_DAYS)."""
    return _positive_int("UNION_FEEDBACK_RETENTION_DAYS", 180)


def feedback_per_client_hour() -> int:
    """Messages one browser session may send in an hour (UNION_FEEDBACK_PER_CLIENT_HOUR)."""
    return _positive_int("UNION_FEEDBACK_PER_CLIENT_HOUR", 5)


def feedback_per_address_hour() -> int:
    """Messages from one network address in an hour; a school's staff often share one
    (UNION_FEEDBACK_PER_ADDRESS_HOUR)."""
    return _positive_int("UNION_FEEDBACK_PER_ADDRESS_HOUR", 30)


def feedback_per_recipient_hour() -> int:
    """Messages one union may receive in an hour, from everyone together
    (UNION_FEEDBACK_PER_RECIPIENT_HOUR)."""
    return _positive_int("UNION_FEEDBACK_PER_RECIPIENT_HOUR", 100)


def receipt_free_tries() -> int:
    """Wrong receipt codes from one client before answers slow down."""
    return _positive_int("UNION_RECEIPT_FREE_TRIES", 5)


def receipt_max_delay_seconds() -> float:
    """The longest wait after many wrong receipt codes (UNION_RECEIPT_MAX_DELAY)."""
    return float(os.environ.get("UNION_RECEIPT_MAX_DELAY", "30"))
