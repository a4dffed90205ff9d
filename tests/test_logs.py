"""Operations logs are structured (one JSON object a line) and carry no personal data: no
names, no usernames, no message text, no passwords, not even inside exception messages."""

from __future__ import annotations

import io
import json
import logging

import pytest

from seeds.demo import DEMO_PASSWORD
from services import auth, feedback
from services.logs import REDACTED, configure_logging, log_event, safe_value
from tests.conftest import actor_of

SECRET_TEXT = "王老师说校长克扣了绩效工资"


@pytest.fixture
def log_lines(monkeypatch):
    monkeypatch.setenv("UNION_LOG_FORMAT", "json")
    monkeypatch.setenv("UNION_LOG_LEVEL", "info")
    buffer = io.StringIO()
    logger = configure_logging(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


@pytest.mark.parametrize(("value", "logged"), [
    (42, 42), (1.5, 1.5), (True, True), (None, None),
    ("login.succeeded", "login.succeeded"),
    ("wrong_password", "wrong_password"),
    ("postgresql", "postgresql"),
    ("张三", REDACTED),
    ("delegate chair", REDACTED),               # a space: free text, not an identifier
    ("a" * 65, REDACTED),
    ("x@example.com", REDACTED),
    (["motion", "张*明"], ["motion", REDACTED]),
    ({"name": "x"}, REDACTED),
])
def test_only_numbers_and_identifiers_pass(value, logged):
    assert safe_value(value) == logged


def test_one_json_object_a_line(log_lines):
    log_event("database.ready", backend="sqlite", note="周一开会")
    (entry,) = log_lines()
    assert entry["level"] == "info" and entry["logger"] == "union_desk"
    assert entry["event"] == "database.ready" and entry["backend"] == "sqlite"
    assert entry["note"] == REDACTED
    assert entry["ts"].endswith("Z") and len(entry["ts"]) == 24


def test_exceptions_log_their_type_and_place_never_their_message(log_lines):
    try:
        raise ValueError(SECRET_TEXT)
    except ValueError:
        log_event("page.failed", level=logging.ERROR, exc_info=True, page="feedback")
    (entry,) = log_lines()
    assert entry["error"] == "ValueError"
    assert entry["trace"][-1].startswith("test_logs.py:")
    assert SECRET_TEXT not in json.dumps(entry, ensure_ascii=False)


def test_levels_below_the_setting_are_not_written(monkeypatch):
    monkeypatch.setenv("UNION_LOG_LEVEL", "warning")
    buffer = io.StringIO()
    logger = configure_logging(buffer)
    log_event("login.succeeded", account_id=1)
    log_event("database.unavailable", level=logging.ERROR)
    logger.handlers.clear()
    assert [json.loads(x)["event"] for x in buffer.getvalue().splitlines()] == [
        "database.unavailable"]


def test_a_day_of_work_logs_no_personal_data(demo, log_lines):
    chair = actor_of(demo, "chair")
    assert auth.verify_login(demo, "chair", DEMO_PASSWORD) is not None
    assert auth.verify_login(demo, "chair", "wrong-" + DEMO_PASSWORD) is None
    assert auth.verify_login(demo, "王小明", DEMO_PASSWORD) is None
    demo.commit()
    (school_id,) = chair.school_ids("school_chair")
    feedback.submit_feedback(demo, school_id=school_id, category="pay",
                             body=SECRET_TEXT)
    demo.commit()
    entries = log_lines()
    assert [(e["event"], e.get("reason")) for e in entries] == [
        ("login.succeeded", None),
        ("login.refused", "wrong_password"),
        ("login.refused", "unknown_account"),
    ]
    assert entries[0]["account_id"] == chair.account_id
    written = json.dumps(entries, ensure_ascii=False)
    for personal in ("chair", "王小明", chair.display_name, SECRET_TEXT, DEMO_PASSWORD):
        assert personal not in written
