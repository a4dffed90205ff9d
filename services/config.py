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
