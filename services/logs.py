"""Structured operations logs: one JSON object a line on stderr, for a log collector.

Logs hold what operators need (events, ids, counts, error types) and nothing a person could be
recognised by: every value is checked here, and free text (names, messages, user input, even
exception messages) is replaced by "[redacted]". Exceptions are logged as their type and the
code locations of the traceback, never their message.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import traceback
from typing import Any

from services import config

LOGGER_NAME = "union_desk"
REDACTED = "[redacted]"
_SAFE_TEXT = re.compile(r"[A-Za-z0-9_.:/+-]{0,64}")
_HANDLER_MARK = "_union_desk_handler"


def safe_value(value: Any) -> Any:
    """Numbers, booleans and short identifier-like strings pass; anything else is redacted."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if _SAFE_TEXT.fullmatch(value) else REDACTED
    if isinstance(value, list | tuple | set | frozenset):
        return [safe_value(v) for v in value][:50]
    return REDACTED


def _where(exc_info: Any) -> dict[str, Any]:
    kind, _error, tb = exc_info
    frames = [f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}:{frame.name}"
              for frame in traceback.extract_tb(tb)][-8:]
    return {"error": kind.__name__ if kind else None, "trace": frames}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": safe_value(getattr(record, "event", None) or record.getMessage()),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry.update(_where(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, sort_keys=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in getattr(record, "fields", {}).items())
        line = (f"{dt.datetime.fromtimestamp(record.created).isoformat(timespec='seconds')} "
                f"{record.levelname.lower():7} {getattr(record, 'event', record.getMessage())}"
                f" {fields}").rstrip()
        if record.exc_info:
            where = _where(record.exc_info)
            line += f" error={where['error']} at {' > '.join(where['trace'])}"
        return line


def configure_logging(stream: Any = None) -> logging.Logger:
    """Once per process: the app's logger writes to stderr in the configured format."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(JsonFormatter() if config.setting("log_format") == "json"
                         else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(str(config.setting("log_level")).upper())
    logger.propagate = False
    return logger


def log_event(event: str, *, level: int = logging.INFO, exc_info: bool = False,
              **fields: Any) -> None:
    """Log one event with its fields; unsafe values are redacted before they are written."""
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.isEnabledFor(level):
        return
    safe = {name: safe_value(value) for name, value in fields.items()}
    logger.log(level, event, exc_info=exc_info, extra={"event": event, "fields": safe})
