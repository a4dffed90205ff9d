"""The organisation: district, schools, departments and the staff register."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import (
    CongressTerm,
    DelegateMembership,
    Department,
    District,
    School,
    Staff,
)
from services import audit
from services.actor import Actor, require_login, require_role
from services.errors import DomainError
from services.text import field_text, plain_text

DEFAULT_DEPARTMENTS = ("校长办公室", "教务处", "总务处", "学生处", "人事处", "财务室")
SCHOOL_CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{2,10}$")
MAX_SCHOOL_NAME = 100     # School.name is String(100)
MAX_DEPARTMENT_NAME = 50  # Department.name is String(50)


def _department_name(raw: str | None) -> str:
    return field_text(raw, field="schools.department_name", limit=MAX_DEPARTMENT_NAME)


def visible_school_ids(session: Session, actor: Actor) -> list[int] | None:
    """The schools an actor may read: None means every school (district roles)."""
    if require_login(actor).has("district_admin", "auditor"):
        return None
    return sorted(actor.school_ids())


def list_schools(session: Session, actor: Actor) -> pd.DataFrame:
    """Schools in the actor's scope with their staff and department counts, counted in SQL."""
    require_role(actor, "district_admin", "school_chair", "department_head", "delegate",
                 "auditor")
    scope = visible_school_ids(session, actor)
    staff_counts = (select(Staff.school_id, func.count().label("n"))
                    .where(Staff.retired.is_(False)).group_by(Staff.school_id).subquery())
    retired_counts = (select(Staff.school_id, func.count().label("n"))
                      .where(Staff.retired.is_(True)).group_by(Staff.school_id).subquery())
    dept_counts = (select(Department.school_id, func.count().label("n"))
                   .group_by(Department.school_id).subquery())
    query = (
        select(School.id, School.code, School.name, School.active,
               func.coalesce(dept_counts.c.n, 0), func.coalesce(staff_counts.c.n, 0),
               func.coalesce(retired_counts.c.n, 0))
        .outerjoin(dept_counts, dept_counts.c.school_id == School.id)
        .outerjoin(staff_counts, staff_counts.c.school_id == School.id)
        .outerjoin(retired_counts, retired_counts.c.school_id == School.id)
        .order_by(School.code)
    )
    if scope is not None:
        query = query.where(School.id.in_(scope))
    return pd.DataFrame(session.execute(query).all(),
                        columns=["id", "code", "name", "active", "departments", "staff",
                                 "retired"])


def school_choices(session: Session, actor: Actor) -> dict[int, str]:
    scope = visible_school_ids(session, actor)
    query = select(School.id, School.name).order_by(School.code)
    if scope is not None:
        query = query.where(School.id.in_(scope))
    return dict(session.execute(query).all())


def department_choices(session: Session, actor: Actor, *, school_id: int) -> dict[int, str]:
    scope = visible_school_ids(session, actor)
    if scope is not None and school_id not in scope:
        raise DomainError("error.forbidden")
    return dict(session.execute(
        select(Department.id, Department.name).where(Department.school_id == school_id)
        .order_by(Department.id)).all())


def create_school(session: Session, actor: Actor, *, code: str, name: str,
                  departments: Sequence[str] = DEFAULT_DEPARTMENTS) -> int:
    require_role(actor, "district_admin")
    code = (code or "").strip().upper()
    name = field_text(name, field="schools.name", limit=MAX_SCHOOL_NAME)
    if not SCHOOL_CODE_PATTERN.match(code):
        raise DomainError("org.bad_school_code")
    if not name:
        raise DomainError("org.school_name_required")
    if session.scalar(select(School.id).where(School.code == code)) is not None:
        raise DomainError("org.school_code_taken", code=code)
    district_id = session.scalar(select(District.id).order_by(District.id).limit(1))
    if district_id is None:
        raise DomainError("org.no_district")
    names = list(dict.fromkeys(_department_name(d) for d in departments if plain_text(d)))
    school = School(district_id=district_id, code=code, name=name, kind="school", active=True)
    school.departments = [Department(name=d) for d in names]
    session.add(school)
    session.flush()
    audit.record(session, actor, "school.created", "school", school.id, school_id=school.id,
                 after={"code": code, "name": name, "departments": names})
    return school.id


def add_department(session: Session, actor: Actor, *, school_id: int, name: str) -> int:
    require_role(actor, "district_admin")
    name = _department_name(name)
    if not name:
        raise DomainError("org.department_name_required")
    if session.get(School, school_id) is None:
        raise DomainError("org.school_not_found")
    exists = session.scalar(select(Department.id).where(
        Department.school_id == school_id, Department.name == name))
    if exists is not None:
        raise DomainError("org.department_exists", name=name)
    dept = Department(school_id=school_id, name=name)
    session.add(dept)
    session.flush()
    audit.record(session, actor, "department.created", "department", dept.id,
                 school_id=school_id, after={"name": name})
    return dept.id


def list_staff(session: Session, actor: Actor, *, school_id: int | None = None,
               search: str = "", include_retired: bool = True, page: int = 1,
               page_size: int = 50) -> tuple[pd.DataFrame, int]:
    """A page of the staff register, scoped to the actor's schools, filtered in SQL."""
    require_role(actor, "district_admin", "school_chair")
    scope = visible_school_ids(session, actor)
    conditions = []
    if scope is not None:
        conditions.append(Staff.school_id.in_(scope))
    if school_id is not None:
        if scope is not None and school_id not in scope:
            raise DomainError("error.forbidden")
        conditions.append(Staff.school_id == school_id)
    if search.strip():
        conditions.append(or_(Staff.name.like(f"%{search.strip()}%"),
                              Staff.staff_no.like(f"%{search.strip()}%")))
    if not include_retired:
        conditions.append(Staff.retired.is_(False))
    total = session.scalar(select(func.count()).select_from(Staff).where(*conditions)) or 0
    is_delegate = (select(func.count()).select_from(DelegateMembership)
                   .where(DelegateMembership.staff_id == Staff.id)
                   .correlate(Staff).scalar_subquery())
    rows = session.execute(
        select(Staff.staff_no, Staff.name, School.name, Department.name, Staff.subject,
               Staff.title, Staff.retired, is_delegate > 0)
        .join(School, School.id == Staff.school_id)
        .outerjoin(Department, Department.id == Staff.department_id)
        .where(*conditions)
        .order_by(Staff.school_id, Staff.staff_no)
        .limit(page_size).offset((max(1, page) - 1) * page_size)
    ).all()
    frame = pd.DataFrame(rows, columns=["staff_no", "name", "school", "department", "subject",
                                        "title", "retired", "delegate"])
    return frame, int(total)


def current_term(session: Session, *, school_id: int, year: int) -> CongressTerm | None:
    return session.scalar(
        select(CongressTerm).where(CongressTerm.school_id == school_id,
                                   CongressTerm.start_year <= year,
                                   CongressTerm.end_year >= year)
        .order_by(CongressTerm.number.desc()).limit(1))
