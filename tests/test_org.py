"""The organisation and its scope: services/org.py and services/home.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, School, Staff
from services import org
from services.errors import DomainError
from services.home import home_summary
from tests.conftest import actor_of


def school_id(session, code: str) -> int:
    return session.scalar(select(School.id).where(School.code == code))


def test_district_sees_every_school_with_counts(demo):
    frame = org.list_schools(demo, actor_of(demo, "district"))
    assert len(frame) == 12
    first = frame.iloc[0]
    assert (first["code"], first["name"]) == ("MH01", "明湖区实验小学")
    assert (first["departments"], first["staff"], first["retired"]) == (6, 36, 4)


def test_chair_sees_only_their_school(demo):
    frame = org.list_schools(demo, actor_of(demo, "chair"))
    assert list(frame["code"]) == ["MH01"]


def test_staff_register_is_scoped_to_the_chairs_school(demo):
    chair = actor_of(demo, "chair")
    frame, total = org.list_staff(demo, chair, page_size=10)
    assert total == 40
    assert set(frame["school"]) == {"明湖区实验小学"}
    assert len(frame) == 10
    with pytest.raises(DomainError) as raised:
        org.list_staff(demo, chair, school_id=school_id(demo, "MH02"))
    assert raised.value.key == "error.forbidden"


def test_staff_register_filters_in_sql(demo):
    admin = actor_of(demo, "district")
    frame, total = org.list_staff(demo, admin, page_size=1000)
    assert total == 480 and len(frame) == 480
    _, in_service = org.list_staff(demo, admin, include_retired=False)
    assert in_service == 432
    _, one = org.list_staff(demo, admin, search="MH03-0007")
    assert one == 1
    frame, _ = org.list_staff(demo, admin, school_id=school_id(demo, "MH01"), page_size=50)
    assert int(frame["delegate"].sum()) == 10


@pytest.mark.parametrize("username", ["dept", "delegate", "auditor"])
def test_other_roles_cannot_read_the_register(demo, username):
    with pytest.raises(DomainError):
        org.list_staff(demo, actor_of(demo, username))


def test_create_school_with_departments(demo):
    admin = actor_of(demo, "district")
    new_id = org.create_school(demo, admin, code="mh13", name="明湖区新城小学",
                               departments=["校长办公室", "教务处", "教务处", " "])
    demo.commit()
    assert list(org.department_choices(demo, admin, school_id=new_id).values()) == [
        "校长办公室", "教务处"]
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "school.created"))
    assert entry.after == {"code": "MH13", "name": "明湖区新城小学",
                           "departments": ["校长办公室", "教务处"]}
    with pytest.raises(DomainError) as raised:
        org.create_school(demo, admin, code="MH13", name="重复")
    assert raised.value.key == "org.school_code_taken"
    with pytest.raises(DomainError) as raised:
        org.add_department(demo, admin, school_id=new_id, name="教务处")
    assert raised.value.key == "org.department_exists"


def test_chair_cannot_create_schools(demo):
    with pytest.raises(DomainError):
        org.create_school(demo, actor_of(demo, "chair"), code="MH99", name="x")


def test_home_counts_per_role(demo):
    chair = home_summary(demo, actor_of(demo, "chair"))
    assert chair.school_names == ["明湖区实验小学"]
    # The demo's MH01 inbox holds 5 cases new, read or handed back; the district's 15.
    # Relief: one MH01 application waits for the chair (the chair's own does not count).
    assert chair.counts == {"home.count.school_staff": 36, "home.count.school_delegates": 10,
                            "home.count.feedback_waiting_school": 5,
                            "home.count.relief_waiting_school": 1,
                            "home.count.relief_mine_returned": 0}
    district = home_summary(demo, actor_of(demo, "district"))
    assert district.counts == {"home.count.schools": 12, "home.count.staff": 432,
                               "home.count.retired": 48, "home.count.accounts": 7,
                               "home.count.locked": 0,
                               "home.count.feedback_waiting_district": 15,
                               "home.count.relief_waiting_district": 2,
                               "home.count.relief_mine_returned": 0}
    dept = home_summary(demo, actor_of(demo, "dept"))
    assert dept.department_names == ["教务处"]
    expected = demo.scalar(select(func.count()).select_from(Staff).where(
        Staff.department_id == next(iter(actor_of(demo, "dept").department_ids())),
        Staff.retired.is_(False)))
    assert dept.counts == {"home.count.department_staff": expected}
    # The delegate has a draft and a returned application to finish.
    assert home_summary(demo, actor_of(demo, "delegate")).counts == {
        "home.count.leads_offered": 1, "home.count.relief_mine_returned": 2}
    assert home_summary(demo, actor_of(demo, "delegate2")).counts == {
        "home.count.leads_offered": 0, "home.count.relief_mine_returned": 0}
    assert "home.count.audit_entries" in home_summary(demo, actor_of(demo, "auditor")).counts
