"""A small district of its own for the motion tests: two schools with departments, a congress
term with five delegates at school A and one at school B, a meeting of each term, and one
account per role. Tests write out every expected number from what they add themselves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.models import (
    Account,
    AccountRole,
    CongressTerm,
    DelegateMembership,
    Department,
    District,
    School,
    Staff,
)
from db.motions import CongressMeeting
from services.actor import Actor
from tests.conftest import actor_of

CODE_A, CODE_B = "SCH1", "SCH2"
DELEGATES_A = ("张一", "李二", "王三", "赵四", "钱五")   # d1 … d5
DEPARTMENTS_A = ("教务处", "总务处", "人事处")


@dataclass
class Congress:
    school_a: int
    school_b: int
    departments: dict[str, int]    # school A's department name → id
    department_b: int              # school B's 教务处
    staff: dict[str, int]          # name → Staff.id (delegates, plus 孙六 who is not one)
    term_a: int
    meeting_a: int                 # school A, 2026, accepting motions, min 2 co-signers
    meeting_b: int                 # school B, 2026
    district: Actor
    chair: Actor                   # chair of school A
    chair_b: Actor
    dept: Actor                    # head of school A's 教务处
    dept2: Actor                   # head of school A's 总务处
    dept_b: Actor                  # head of school B's 教务处
    d1: Actor                      # delegates of school A (staff 张一 … 赵四)
    d2: Actor
    d3: Actor
    d4: Actor
    delegate_b: Actor              # delegate of school B
    auditor: Actor


def build_congress(session: Session, *, year: int = 2026) -> Congress:
    district = District(code="MTEST", name="测试区教育工会")
    session.add(district)
    session.flush()
    schools: list[School] = []
    for code, name, departments in ((CODE_A, "湖滨小学", DEPARTMENTS_A),
                                    (CODE_B, "第二中学", ("教务处",))):
        school = School(district_id=district.id, code=code, name=name, kind="school",
                        active=True)
        school.departments = [Department(name=d) for d in departments]
        session.add(school)
        session.flush()
        schools.append(school)
    a, b = schools
    staff: dict[str, int] = {}
    for school, number, name in [(a, f"A-{n:03d}", name)
                                 for n, name in enumerate((*DELEGATES_A, "孙六"), start=1)] + [
                                     (b, "B-001", "周七")]:
        person = Staff(school_id=school.id, staff_no=number, name=name, gender="F",
                       retired=False)
        session.add(person)
        session.flush()
        staff[name] = person.id
    terms = {}
    for school, delegates in ((a, DELEGATES_A), (b, ("周七",))):
        term = CongressTerm(school_id=school.id, number=6, start_year=year - 2,
                            end_year=year + 2)
        session.add(term)
        session.flush()
        terms[school.id] = term.id
        session.add_all(DelegateMembership(term_id=term.id, staff_id=staff[name],
                                           delegation="教师代表团") for name in delegates)
    meetings = {}
    for school in (a, b):
        meeting = CongressMeeting(school_id=school.id, term_id=terms[school.id], number=3,
                                  year=year, min_cosigners=2, quorum_num=2, quorum_den=3,
                                  pass_num=1, pass_den=2, reply_days=30, accepting=True,
                                  next_number=1)
        session.add(meeting)
        session.flush()
        meetings[school.id] = meeting.id
    departments = {d.name: d.id for d in a.departments}
    accounts = (
        ("m_district", None, [("district_admin", None, None)]),
        ("m_auditor", None, [("auditor", None, None)]),
        ("m_chair", None, [("school_chair", a.id, None)]),
        ("m_chairb", None, [("school_chair", b.id, None)]),
        ("m_dept", None, [("department_head", a.id, departments["教务处"])]),
        ("m_dept2", None, [("department_head", a.id, departments["总务处"])]),
        ("m_deptb", None, [("department_head", b.id, b.departments[0].id)]),
        ("m_d1", "张一", [("delegate", a.id, None)]),
        ("m_d2", "李二", [("delegate", a.id, None)]),
        ("m_d3", "王三", [("delegate", a.id, None)]),
        ("m_d4", "赵四", [("delegate", a.id, None)]),
        ("m_delegateb", "周七", [("delegate", b.id, None)]),
    )
    for username, person, grants in accounts:
        account = Account(username=username, display_name=person or username,
                          password_hash="-", enabled=True, failed_logins=0,
                          staff_id=staff[person] if person else None)
        account.roles = [AccountRole(role=r, school_id=s, department_id=d)
                         for r, s, d in grants]
        session.add(account)
    session.flush()
    actors = {username: actor_of(session, username) for username, _p, _g in accounts}
    return Congress(
        school_a=a.id, school_b=b.id, departments=departments,
        department_b=b.departments[0].id, staff=staff, term_a=terms[a.id],
        meeting_a=meetings[a.id], meeting_b=meetings[b.id],
        district=actors["m_district"], chair=actors["m_chair"], chair_b=actors["m_chairb"],
        dept=actors["m_dept"], dept2=actors["m_dept2"], dept_b=actors["m_deptb"],
        d1=actors["m_d1"], d2=actors["m_d2"], d3=actors["m_d3"], d4=actors["m_d4"],
        delegate_b=actors["m_delegateb"], auditor=actors["m_auditor"])
