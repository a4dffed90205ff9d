"""The audit log: services/audit.py."""

from __future__ import annotations

import datetime as dt

import pytest

from db.models import AuditEntry
from services import audit
from services.clock import local_today
from services.errors import DomainError
from tests.conftest import actor_of


def test_entries_are_filtered_and_paged_newest_first(demo):
    admin = actor_of(demo, "district")
    for n in range(5):
        audit.record(demo, admin, "school.created", "school", n, after={"n": n})
    audit.record(demo, actor_of(demo, "chair"), "account.password_changed", "account", 2)
    demo.commit()
    frame, total = audit.list_entries(demo, admin, page=1, page_size=4)
    assert total == 6 and len(frame) == 4
    assert frame.iloc[0]["action"] == "account.password_changed"
    frame, total = audit.list_entries(
        demo, admin, filters=audit.AuditFilter(action="school.created"), page=2, page_size=4)
    assert total == 5 and list(frame["object_id"]) == ["0"]
    _, total = audit.list_entries(demo, admin, filters=audit.AuditFilter(username="Chair"))
    assert total == 1
    today = local_today()
    _, total = audit.list_entries(demo, admin, filters=audit.AuditFilter(
        date_from=today - dt.timedelta(days=1), date_to=today))
    assert total == 6
    _, total = audit.list_entries(demo, admin, filters=audit.AuditFilter(
        date_to=today - dt.timedelta(days=1)))
    assert total == 0
    assert {"account.password_changed", "school.created", "login.failed"} <= set(
        audit.known_actions(admin))


def test_auditor_reads_the_log(demo):
    _, total = audit.list_entries(demo, actor_of(demo, "auditor"))
    assert total == 0


@pytest.mark.parametrize("username", ["chair", "dept", "delegate"])
def test_others_cannot_read_the_log(demo, username):
    with pytest.raises(DomainError) as raised:
        audit.list_entries(demo, actor_of(demo, username))
    assert raised.value.key == "error.forbidden"


def test_times_are_shown_in_beijing_time_and_dates_filter_by_local_day(demo):
    admin = actor_of(demo, "district")
    # 2026-11-24 16:30 UTC is 2026-11-25 00:30 in Beijing.
    demo.add(AuditEntry(at=dt.datetime(2026, 11, 24, 16, 30), action="x.late",
                              object_type="school"))
    demo.commit()
    frame, total = audit.list_entries(demo, admin, filters=audit.AuditFilter(
        date_from=dt.date(2026, 11, 25), date_to=dt.date(2026, 11, 25), action="x.late"))
    assert total == 1
    assert frame.iloc[0]["at"] == dt.datetime(2026, 11, 25, 0, 30)
    assert frame.iloc[0]["before"] == ""
    _, total = audit.list_entries(demo, admin, filters=audit.AuditFilter(
        date_to=dt.date(2026, 11, 24), action="x.late"))
    assert total == 0


def test_every_action_the_code_writes_has_a_label():
    import ast
    from pathlib import Path

    written = set()
    for path in Path(__file__).resolve().parent.parent.joinpath("services").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record"
                    and len(node.args) >= 3):
                action = node.args[2]
                if isinstance(action, ast.Constant):
                    written.add(action.value)
                elif isinstance(action, ast.IfExp):
                    written |= {action.body.value, action.orelse.value}
    assert written
    assert sorted(written - set(audit.known_actions(_reader()))) == []


def _reader():
    from services.actor import Actor, Grant

    return Actor(1, "auditor", "经审委员", None, (Grant("auditor"),))
