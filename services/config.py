"""Every setting of the app in one place: environment variables first, then
`.streamlit/secrets.toml`, then a default that is safe for the embedded demo.

A setting's environment name is `UNION_` + its name in capitals (`feedback_max_chars` →
`UNION_FEEDBACK_MAX_CHARS`); in secrets.toml it is the name itself, at the top level.
`startup_problems()` lists what is invalid or unsafe; the app refuses to start on any of them.
"""

from __future__ import annotations

import math
import os
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.errors import DomainError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COOKIE_NAME = "union_desk_auth"
COOKIE_EXPIRY_DAYS = 7.0
ENVIRONMENTS = ("development", "production", "test")
LANGUAGES = ("zh", "en")
MIN_COOKIE_KEY_CHARS = 32
MIN_PRODUCTION_BCRYPT_ROUNDS = 10
# The value in .streamlit/secrets.toml.example: a copied example file is not a key.
EXAMPLE_COOKIE_KEY = 'paste: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'


class Invalid(ValueError):
    """A value that cannot be used; `reason` is a catalogue key."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason, self.params = reason, params


def _text(raw: str) -> str:
    return raw.strip()


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise Invalid("config.not_whole_number") from None
        if value < low or (high is not None and value > high):
            raise Invalid("config.out_of_range", low=low, high=high if high is not None else "∞")
        return value
    return parse


def _seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise Invalid("config.not_number") from None
    if not math.isfinite(value) or value < 0:
        raise Invalid("config.out_of_range", low=0, high="∞")
    return value


def _switch(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise Invalid("config.not_switch")


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise Invalid("config.not_one_of", choices=" / ".join(choices))
        return value
    return parse


def _zone(raw: str) -> str:
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("config.not_time_zone") from None
    return raw.strip()


def _power_of_two(raw: str) -> int:
    value = _whole(2)(raw)
    if value & (value - 1):
        raise Invalid("config.not_power_of_two")
    return value


def _font_file(raw: str) -> str:
    value = raw.strip()
    if value and (not value.lower().endswith((".ttf", ".ttc")) or not Path(value).is_file()):
        raise Invalid("config.not_font_file")
    return value


def _database_url(raw: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    value = raw.strip()
    try:
        url = make_url(value)
    except ArgumentError:
        raise Invalid("config.not_database_url") from None
    if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise Invalid("config.not_database_url")
    return value


@dataclass(frozen=True)
class Option:
    name: str
    parse: Callable[[str], Any]
    default: Callable[[], Any]
    meaning: str            # one line for README and the example file (English)
    secret: bool = False

    @property
    def env(self) -> str:
        return "UNION_" + self.name.upper()


def _default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'union_desk.db'}"


def _default_environment() -> str:
    return "development" if _embedded(setting("database_url")) else "production"


def _default_demo() -> bool:
    return environment() == "development" and _embedded(setting("database_url"))


def _default_log_format() -> str:
    return "text" if environment() == "development" else "json"


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


OPTIONS: dict[str, Option] = {o.name: o for o in (
    Option("env", _one_of(ENVIRONMENTS), _default_environment,
           "development, production or test; production when the database is PostgreSQL"),
    Option("database_url", _database_url, _default_database_url,
           "the SQL store: a sqlite:/// file or postgresql://user:password@host:5432/name"),
    Option("data_dir", _text, _const(str(PROJECT_ROOT / "data")),
           "where the embedded database and its generated cookie key live"),
    Option("cookie_key", _text, _const(""),
           "signs the login cookie; the same on every app server", secret=True),
    Option("language", _one_of(LANGUAGES), _const("zh"),
           "the language a new visitor sees: zh or en"),
    Option("demo_data", _switch, _default_demo,
           "load the demo district into an empty database at start (never in production)"),
    Option("timezone", _zone, _const("Asia/Shanghai"),
           "the district's local time, for days and dates"),
    Option("max_failed_logins", _whole(1, 100), _const(5),
           "wrong passwords in a row before an account locks"),
    Option("bcrypt_rounds", _whole(4, 15), _const(12),
           "password hash work factor (at least 10 in production)"),
    Option("feedback_max_chars", _whole(1), _const(5000),
           "longest feedback message or reply, in characters"),
    Option("feedback_retention_days", _whole(1), _const(180),
           "days a closed feedback case is kept before it is deleted"),
    Option("feedback_per_client_hour", _whole(1), _const(5),
           "messages one browser session may send in an hour"),
    Option("feedback_per_address_hour", _whole(1), _const(30),
           "messages from one network address in an hour (a school often shares one)"),
    Option("feedback_per_recipient_hour", _whole(1), _const(100),
           "messages one union may receive in an hour, per app server"),
    Option("trust_forwarded_for", _switch, _const(False),
           "behind our reverse proxy: take a visitor's address from the last X-Forwarded-For "
           "entry (the proxy's), not from the connection"),
    Option("receipt_free_tries", _whole(1), _const(5),
           "wrong receipt codes from one client before answers slow down"),
    Option("receipt_max_delay", _seconds, _const(30.0),
           "the longest wait after many wrong receipt codes, in seconds"),
    Option("receipt_scrypt_n", _power_of_two, _const(2**14),
           "scrypt cost of receipt hashes (a power of two)"),
    Option("db_pool_size", _whole(1, 100), _const(5),
           "PostgreSQL connections each app process keeps open"),
    Option("db_max_overflow", _whole(0, 100), _const(5),
           "extra PostgreSQL connections a process may open at a peak"),
    Option("db_pool_timeout", _seconds, _const(10.0),
           "seconds a request waits for a free connection before it fails"),
    Option("pdf_font", _font_file, _const(""),
           "a TrueType font file (.ttf/.ttc) with Chinese glyphs to embed in PDFs; empty: "
           "the readers' built-in STSong-Light"),
    Option("log_format", _one_of(("json", "text")), _default_log_format,
           "json (one object a line, for log collectors) or text"),
    Option("log_level", _one_of(("debug", "info", "warning", "error")), _const("info"),
           "the least important log level written"),
)}


def secrets_file() -> Path:
    """The secrets file (UNION_SECRETS_FILE, else .streamlit/secrets.toml of the project)."""
    override = os.environ.get("UNION_SECRETS_FILE", "").strip()
    return Path(override) if override else PROJECT_ROOT / ".streamlit" / "secrets.toml"


@lru_cache(maxsize=4)
def _secrets_at(path: str, _mtime_ns: int) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _secrets() -> dict[str, Any]:
    path = secrets_file()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return {}
    try:
        return _secrets_at(str(path), mtime)
    except tomllib.TOMLDecodeError as error:
        raise DomainError("config.bad_secrets_file", path=str(path), reason=str(error)) from None


def raw_value(name: str) -> tuple[str | None, str]:
    """The value as written and where: ('…', 'UNION_X') / ('…', 'secrets.toml') / (None, '')."""
    option = OPTIONS[name]
    if option.env in os.environ:
        return os.environ[option.env], option.env
    value = _secrets().get(name)
    if value is None or isinstance(value, dict):
        return None, ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return str(value), f"secrets.toml: {name}"


def setting(name: str) -> Any:
    """The parsed value of one setting; an invalid value raises DomainError naming it."""
    option = OPTIONS[name]
    raw, source = raw_value(name)
    if raw is None or (raw.strip() == "" and not option.secret):
        return option.default()
    try:
        return option.parse(raw)
    except Invalid as error:
        raise DomainError("config.invalid", setting=source, value=_shown(option, raw),
                          reason_key=error.reason, **error.params) from None


def _shown(option: Option, raw: str) -> str:
    return "******" if option.secret else raw[:80]


def _embedded(url: str) -> bool:
    return url.startswith("sqlite")


# --- the settings the code reads ------------------------------------------------------------

def environment() -> str:
    return str(setting("env"))


def is_production() -> bool:
    return environment() == "production"


def data_dir() -> Path:
    return Path(setting("data_dir"))


def database_url() -> str:
    return str(setting("database_url"))


def default_language() -> str:
    return str(setting("language"))


def demo_data() -> bool:
    return bool(setting("demo_data"))


def timezone_name() -> str:
    return str(setting("timezone"))


def max_failed_logins() -> int:
    return int(setting("max_failed_logins"))


def bcrypt_rounds() -> int:
    return int(setting("bcrypt_rounds"))


def feedback_max_chars() -> int:
    return int(setting("feedback_max_chars"))


def feedback_retention_days() -> int:
    return int(setting("feedback_retention_days"))


def feedback_per_client_hour() -> int:
    return int(setting("feedback_per_client_hour"))


def feedback_per_address_hour() -> int:
    return int(setting("feedback_per_address_hour"))


def feedback_per_recipient_hour() -> int:
    return int(setting("feedback_per_recipient_hour"))


def trust_forwarded_for() -> bool:
    return bool(setting("trust_forwarded_for"))


def receipt_free_tries() -> int:
    return int(setting("receipt_free_tries"))


def receipt_max_delay_seconds() -> float:
    return float(setting("receipt_max_delay"))


def receipt_scrypt_n() -> int:
    return int(setting("receipt_scrypt_n"))


def pdf_font_file() -> str:
    return str(setting("pdf_font"))


@dataclass(frozen=True)
class Pool:
    size: int
    max_overflow: int
    timeout: float


def pool() -> Pool:
    return Pool(setting("db_pool_size"), setting("db_max_overflow"), setting("db_pool_timeout"))


# --- the cookie key and the start-up check --------------------------------------------------

def cookie_key() -> str:
    """The key that signs login cookies: from the settings, never from code.

    The embedded demo may make a random key once and keep it under the data folder; a start
    on PostgreSQL without a key is refused (several servers must share one key).
    """
    key = str(setting("cookie_key") or "").strip()
    if key:
        if len(key) < MIN_COOKIE_KEY_CHARS or key == EXAMPLE_COOKIE_KEY:   # never sign with it
            raise DomainError("config.weak_cookie_key", n=MIN_COOKIE_KEY_CHARS)
        return key
    if not _embedded(database_url()):
        raise DomainError("config.no_cookie_key")
    return _generated_key(data_dir())


def _generated_key(folder: Path) -> str:
    path = folder / "cookie_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: a process starting at
        # the same moment never reads a half-written (empty) key, and the first link wins.
        partial = folder / f".cookie_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(partial, path)
        except FileExistsError:  # another process made it first
            pass
        except OSError:  # a file system without hard links: an atomic rename instead
            if not path.exists():
                os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_COOKIE_KEY_CHARS:  # cut short or edited: never sign with it
        raise DomainError("config.bad_cookie_key_file", path=str(path), n=MIN_COOKIE_KEY_CHARS)
    return key


def startup_problems() -> list[DomainError]:
    """Everything invalid, and in production everything unsafe, each saying what to set."""
    found: list[DomainError] = []
    for name in OPTIONS:
        try:
            setting(name)
        except DomainError as error:  # a default that reads a broken setting repeats it
            if all(error.params != seen.params for seen in found):
                found.append(error)
    if found:
        return found
    embedded = _embedded(database_url())
    key = str(setting("cookie_key") or "").strip()
    if not key and not embedded:
        found.append(DomainError("config.no_cookie_key"))
    elif key and (len(key) < MIN_COOKIE_KEY_CHARS or key == EXAMPLE_COOKIE_KEY):
        found.append(DomainError("config.weak_cookie_key", n=MIN_COOKIE_KEY_CHARS))
    if is_production():
        if demo_data():
            found.append(DomainError("config.demo_in_production"))
        if bcrypt_rounds() < MIN_PRODUCTION_BCRYPT_ROUNDS:
            found.append(DomainError("config.weak_bcrypt", n=MIN_PRODUCTION_BCRYPT_ROUNDS))
    return found


def described() -> list[tuple[str, str, str]]:
    """(environment name, value in force with secrets hidden, where it came from), for `python
    -m db config`."""
    rows = []
    for name, option in OPTIONS.items():
        raw, source = raw_value(name)
        try:
            value = setting(name)
        except DomainError:
            value = raw
        shown = "******" if option.secret and value else str(value)
        if option.name == "database_url":
            shown = _without_password(str(value))
        rows.append((option.env, shown, source or "default"))
    return rows


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(invalid)"
