"""The audit log: services/audit.py."""

from __future__ import annotations

import datetime as dt

import pytest

from services import audit
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
    today = dt.date.today()
    _, total = audit.list_entries(demo, admin, filters=audit.AuditFilter(
        date_from=today - dt.timedelta(days=1), date_to=today))
    assert total == 6
    _, total = audit.list_entries(demo, admin, filters=audit.AuditFilter(
        date_to=today - dt.timedelta(days=1)))
    assert total == 0
    assert audit.known_actions(demo, admin) == ["account.password_changed", "school.created"]


def test_auditor_reads_the_log(demo):
    _, total = audit.list_entries(demo, actor_of(demo, "auditor"))
    assert total == 0


@pytest.mark.parametrize("username", ["chair", "dept", "delegate"])
def test_others_cannot_read_the_log(demo, username):
    with pytest.raises(DomainError) as raised:
        audit.list_entries(demo, actor_of(demo, username))
    assert raised.value.key == "error.forbidden"
