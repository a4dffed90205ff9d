"""The audit log: services/audit.py."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from db.models import AuditEntry
from services import audit
from services.actor import Actor, Grant
from services.clock import local_today
from services.errors import DomainError
from tests.conftest import actor_of

F = audit.AuditFilter


def test_entries_are_filtered_and_paged_newest_first(demo):
    admin = actor_of(demo, "district")
    for n in range(5):
        audit.record(demo, admin, "school.created", "school", n, after={"n": n})
    audit.record(demo, actor_of(demo, "chair"), "account.password_changed", "account", 2)
    demo.commit()
    frame = audit.list_entries(demo, admin, page=1, page_size=4)
    assert audit.count_entries(demo, admin) == 6 and len(frame) == 4
    assert frame.iloc[0]["action"] == "account.password_changed"
    assert frame.iloc[1]["after"] == '{"n": 4}'
    only_schools = F(action="school.created")
    frame = audit.list_entries(demo, admin, filters=only_schools, page=2, page_size=4)
    assert audit.count_entries(demo, admin, filters=only_schools) == 5
    assert list(frame["object_id"]) == ["0"]
    assert audit.count_entries(demo, admin, filters=F(username="Chair")) == 1
    today = local_today()
    assert audit.count_entries(demo, admin, filters=F(
        date_from=today - dt.timedelta(days=1), date_to=today)) == 6
    assert audit.count_entries(demo, admin, filters=F(
        date_to=today - dt.timedelta(days=1))) == 0
    assert {"account.password_changed", "school.created", "login.failed"} <= set(
        audit.known_actions(admin))


def test_auditor_reads_the_log(demo):
    assert audit.count_entries(demo, actor_of(demo, "auditor")) == 0
    assert audit.list_entries(demo, actor_of(demo, "auditor")).empty


@pytest.mark.parametrize("username", ["chair", "dept", "delegate"])
def test_others_cannot_read_the_log(demo, username):
    for call in (audit.list_entries, audit.count_entries):
        with pytest.raises(DomainError) as raised:
            call(demo, actor_of(demo, username))
        assert raised.value.key == "error.forbidden"


def test_times_are_shown_in_beijing_time_and_dates_filter_by_local_day(demo):
    admin = actor_of(demo, "district")
    # 2026-11-24 16:30 UTC is 2026-11-25 00:30 in Beijing.
    demo.add(AuditEntry(at=dt.datetime(2026, 11, 24, 16, 30), action="x.late",
                        object_type="school"))
    demo.commit()
    on_25th = F(date_from=dt.date(2026, 11, 25), date_to=dt.date(2026, 11, 25),
                action="x.late")
    frame = audit.list_entries(demo, admin, filters=on_25th)
    assert audit.count_entries(demo, admin, filters=on_25th) == 1
    assert frame.iloc[0]["at"] == dt.datetime(2026, 11, 25, 0, 30)
    assert frame.iloc[0]["before"] == ""
    assert audit.count_entries(demo, admin, filters=F(date_to=dt.date(2026, 11, 24),
                                                      action="x.late")) == 0


def test_every_action_the_code_writes_has_a_label():
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
    assert len(written) >= 10
    reader = Actor(1, "auditor", "经审委员", None, (Grant("auditor"),))
    assert sorted(written - set(audit.known_actions(reader))) == []


def test_the_auditor_exports_the_filtered_log_formula_safe(demo):
    import io

    from openpyxl import load_workbook

    admin = actor_of(demo, "district")
    audit.record(demo, admin, "school.created", "school", 1, note="=HYPERLINK(\"x\")")
    audit.record(demo, admin, "account.created", "account", 2, after={"username": "x"})
    demo.commit()
    data = audit.export_xlsx(demo, actor_of(demo, "auditor"),
                             filters=F(action="school.created"))
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("时间", "操作人", "操作", "对象类型", "对象编号", "修改前", "修改后", "备注")
    assert len(rows) == 2
    assert rows[1][1:5] == ("district", "新增学校", "学校", "1")
    assert rows[1][7] == "'=HYPERLINK(\"x\")"
    english = audit.export_xlsx(demo, admin, lang="en")
    assert load_workbook(io.BytesIO(english)).worksheets[0]["A1"].value == "When"
    with pytest.raises(DomainError):
        audit.export_xlsx(demo, actor_of(demo, "chair"))
