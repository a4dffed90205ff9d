"""查询码: the 16-digit receipt a feedback writer keeps, and the only trace of it we store.

Stored per case: a slow salted hash (scrypt, its own random salt) and an 8-hex-digit bucket,
the first 32 bits of an unsalted SHA-256, so a lookup checks about one case instead of all.
32 bits of the code's 53 leave about two million candidates per bucket, each costing a scrypt
run: the bucket does not give the code away. Every lookup costs the same single scrypt run,
whether the code is right, wrong, malformed or unknown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from services.config import receipt_scrypt_n

DIGITS = 16
_SCHEME = "scrypt"
_R, _P = 8, 1
_NON_DIGITS = re.compile(r"[\s\-–—_.]")


def scrypt_n() -> int:
    """scrypt's cost (UNION_RECEIPT_SCRYPT_N, a power of two; tests lower it for speed)."""
    return receipt_scrypt_n()


def new_code() -> str:
    """Sixteen random digits (the first may be 0)."""
    return "".join(secrets.choice("0123456789") for _ in range(DIGITS))


def display(code: str) -> str:
    """1234-5678-9012-3456, the way the writer is shown and types it."""
    return "-".join(code[i:i + 4] for i in range(0, DIGITS, 4))


def normalise(raw: str) -> str | None:
    """The 16 digits of what a writer typed (spaces and dashes allowed), or None."""
    if len(raw) > 64:
        return None
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def bucket(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()[:8]


def _scrypt(code: str, salt: bytes, n: int) -> bytes:
    return hashlib.scrypt(code.encode(), salt=salt, n=n, r=_R, p=_P, dklen=32,
                          maxmem=256 * n * _R)


def hash_code(code: str) -> str:
    n = scrypt_n()
    salt = secrets.token_bytes(16)
    digest = _scrypt(code, salt, n)
    return "$".join((_SCHEME, str(n), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()))


def matches(code: str, stored: str) -> bool:
    """Constant-time check of a code against a stored hash; False for anything unusable."""
    try:
        scheme, n_text, salt_text, digest_text = stored.split("$")
        n = int(n_text)
        salt, digest = base64.b64decode(salt_text), base64.b64decode(digest_text)
    except ValueError:
        burn()
        return False
    if scheme != _SCHEME or n < 2 or n & (n - 1):
        burn()
        return False
    return hmac.compare_digest(_scrypt(code, salt, n), digest)


_DUMMY_SALT = secrets.token_bytes(16)


def burn() -> None:
    """The same work as one real check, for lookups that have nothing to check."""
    _scrypt("0" * DIGITS, _DUMMY_SALT, scrypt_n())


# Demo and scale cases get no working receipt: hashing thousands would be slow and pointless.
UNUSABLE_HASH = "none"
