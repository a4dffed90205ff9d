"""The organisation and its scope: services/org.py and services/home.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, School, Staff
from db.motions import Motion
from services import motions, org
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
    # Motions (seeds/motions_demo.py): three of MH01's wait for review, two replies to check.
    assert chair.counts == {"home.count.school_staff": 36, "home.count.school_delegates": 10,
                            "home.count.feedback_waiting_school": 5,
                            "home.count.relief_waiting_school": 1,
                            "home.count.relief_mine_returned": 0,
                            "motion.home.submitted": 3, "motion.home.replies_to_check": 2}
    # Overdue follows from today and the deadlines: counted here by the lifecycle's own rule.
    overdue = sum(motions.is_overdue(m) for m in demo.scalars(select(Motion)))
    assert overdue > 0
    district = home_summary(demo, actor_of(demo, "district"))
    assert district.counts == {"home.count.schools": 12, "home.count.staff": 432,
                               "home.count.retired": 48, "home.count.accounts": 7,
                               "home.count.locked": 0,
                               "home.count.feedback_waiting_district": 15,
                               "home.count.relief_waiting_district": 2,
                               "home.count.relief_mine_returned": 0,
                               "motion.home.overdue": overdue}
    dept = home_summary(demo, actor_of(demo, "dept"))
    assert dept.department_names == ["教务处"]
    expected = demo.scalar(select(func.count()).select_from(Staff).where(
        Staff.department_id == next(iter(actor_of(demo, "dept").department_ids())),
        Staff.retired.is_(False)))
    assert dept.counts == {"motion.home.todo": 1, "home.count.department_staff": expected}
    # The delegate has a draft and a returned application to finish, and a reply to rate;
    # delegate2 was asked to co-sign three motions.
    assert home_summary(demo, actor_of(demo, "delegate")).counts == {
        "home.count.leads_offered": 1, "home.count.relief_mine_returned": 2,
        "motion.home.cosign_requests": 0, "motion.home.ratings_waiting": 1}
    assert home_summary(demo, actor_of(demo, "delegate2")).counts == {
        "home.count.leads_offered": 0, "home.count.relief_mine_returned": 0,
        "motion.home.cosign_requests": 3, "motion.home.ratings_waiting": 0}
    assert "home.count.audit_entries" in home_summary(demo, actor_of(demo, "auditor")).counts


def test_home_counts_what_waits_in_the_motions_for_each_role(session):
    """On a small district of its own: each count moves with the step that makes it."""
    import datetime as dt

    from services.clock import local_today
    from tests.motion_factory import build_congress

    c = build_congress(session, year=local_today().year)

    def counts(actor) -> dict[str, int]:
        return {k: v for k, v in home_summary(session, actor).counts.items()
                if k.startswith("motion.")}

    assert counts(c.chair) == {"motion.home.submitted": 0, "motion.home.replies_to_check": 0}
    assert counts(c.district) == {"motion.home.overdue": 0}
    mid = motions.draft_motion(session, c.d1, meeting_id=c.meeting_a, title="食堂延长供应",
                               reason="理由", suggestion="建议")
    motions.ask_cosigners(session, c.d1, motion_id=mid,
                          staff_ids=[c.staff["李二"], c.staff["王三"]])
    assert counts(c.d2)["motion.home.cosign_requests"] == 1
    motions.cosign(session, c.d2, motion_id=mid)
    motions.cosign(session, c.d3, motion_id=mid)
    assert counts(c.d2)["motion.home.cosign_requests"] == 0
    motions.submit(session, c.d1, motion_id=mid)
    assert counts(c.chair)["motion.home.submitted"] == 1
    assert counts(c.chair_b) == {"motion.home.submitted": 0, "motion.home.replies_to_check": 0}
    motions.register(session, c.chair, motion_id=mid)
    motions.assign(session, c.chair, motion_id=mid, lead_department_id=c.departments["教务处"])
    assert (counts(c.chair)["motion.home.submitted"], counts(c.dept), counts(c.dept2)) == (
        0, {"motion.home.todo": 1}, {"motion.home.todo": 0})
    session.get(Motion, mid).deadline = local_today() - dt.timedelta(days=1)
    session.flush()
    assert counts(c.district) == {"motion.home.overdue": 1}
    motions.accept(session, c.dept, motion_id=mid)
    assert counts(c.dept) == {"motion.home.todo": 0}
    motions.reply(session, c.dept, motion_id=mid, body="已办理", extent="solved")
    assert counts(c.chair)["motion.home.replies_to_check"] == 1
    assert counts(c.district) == {"motion.home.overdue": 0}   # replied, though late
    motions.accept_reply(session, c.chair, motion_id=mid)
    assert counts(c.d1) == {"motion.home.cosign_requests": 0, "motion.home.ratings_waiting": 1}
    motions.rate(session, c.d1, motion_id=mid, rating="satisfied")
    assert counts(c.d1)["motion.home.ratings_waiting"] == 0
