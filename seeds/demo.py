"""The demo district: 12 schools, their departments, about 40 staff each, delegates and the
demo accounts (all with the password `union-demo`). Deterministic: a fixed random seed."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from db.models import (
    Account,
    AccountRole,
    Base,
    CongressTerm,
    DelegateMembership,
    Department,
    District,
    School,
    Staff,
)
from services.auth import hash_password
from services.org import DEFAULT_DEPARTMENTS

DEMO_DISTRICT_CODE = "DEMO"
DEMO_PASSWORD = "union-demo"
SEED = 20261125
STAFF_PER_SCHOOL = 40
DELEGATES_PER_SCHOOL = 10

SCHOOLS = (
    ("MH01", "明湖区实验小学"), ("MH02", "明湖区第一中学"), ("MH03", "明湖区第二中学"),
    ("MH04", "明湖区育才小学"), ("MH05", "明湖区外国语学校"), ("MH06", "明湖区城南小学"),
    ("MH07", "明湖区湖滨中学"), ("MH08", "明湖区幼儿园"), ("MH09", "明湖区职业高级中学"),
    ("MH10", "明湖区向阳小学"), ("MH11", "明湖区特殊教育学校"), ("MH12", "明湖区桂花路小学"),
)
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
            "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶"
            "黎贺顾毛郝龚邵万钱严")
GIVEN_F = "静丽敏燕艳娟霞芳婷雪琳慧玲颖倩晶洁佳欣怡梅兰萍红丹莉蓉秀英华"
GIVEN_M = "伟强磊军勇杰涛斌明超刚辉鹏华飞宇浩峰建国平志俊彬文林波亮晨"
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治",
            "体育", "音乐", "美术", "信息技术", "科学")
TITLES = ("三级教师", "二级教师", "一级教师", "高级教师", "正高级教师")


def chinese_name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_F if gender == "F" else GIVEN_M
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(District)) == 0


def holds_demo(session: Session) -> bool:
    return session.scalar(select(District.id).where(District.code == DEMO_DISTRICT_CODE)) \
        is not None


def wipe(session: Session) -> None:
    """Empty every table, children first."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    session.expunge_all()  # SQLite may reuse the ids of deleted rows


def load_demo(session: Session, progress: Callable[[str], None] = lambda _msg: None) -> None:
    rng = random.Random(SEED)
    progress("district")
    district = District(code=DEMO_DISTRICT_CODE, name="明湖区教育工会")
    session.add(district)
    session.flush()
    school_ids: list[int] = []
    dept_ids: dict[int, list[int]] = {}
    for code, name in SCHOOLS:
        school = School(district_id=district.id, code=code, name=name, kind="school",
                        active=True)
        school.departments = [Department(name=d) for d in DEFAULT_DEPARTMENTS]
        session.add(school)
        session.flush()
        school_ids.append(school.id)
        dept_ids[school.id] = [d.id for d in school.departments]

    progress("staff")
    staff_rows = []
    for school_id, (code, _name) in zip(school_ids, SCHOOLS, strict=True):
        for n in range(1, STAFF_PER_SCHOOL + 1):
            gender = "F" if rng.random() < 0.68 else "M"
            retired = n > STAFF_PER_SCHOOL - 4  # the last four of each school are retired
            birth_year = rng.randint(1950, 1962) if retired else rng.randint(1968, 2001)
            staff_rows.append({
                "school_id": school_id,
                "department_id": rng.choice(dept_ids[school_id]),
                "staff_no": f"{code}-{n:04d}",
                "name": chinese_name(rng, gender),
                "gender": gender,
                "birth_date": dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
                "subject": rng.choice(SUBJECTS),
                "title": rng.choice(TITLES),
                "retired": retired,
            })
    session.execute(insert(Staff), staff_rows)

    progress("delegates")
    staff_by_school: dict[int, list[tuple[int, str]]] = {}
    for sid, school_id, name in session.execute(
            select(Staff.id, Staff.school_id, Staff.name).where(Staff.retired.is_(False))
            .order_by(Staff.id)):
        staff_by_school.setdefault(school_id, []).append((sid, name))
    delegate_rows = []
    for school_id in school_ids:
        term = CongressTerm(school_id=school_id, number=6, start_year=2024, end_year=2028)
        session.add(term)
        session.flush()
        for sid, _name in staff_by_school[school_id][:DELEGATES_PER_SCHOOL]:
            delegate_rows.append({"term_id": term.id, "staff_id": sid,
                                  "delegation": "教师代表团"})
    session.execute(insert(DelegateMembership), delegate_rows)

    progress("accounts")
    first_school = school_ids[0]
    first_staff = staff_by_school[first_school]
    academic_office = dept_ids[first_school][DEFAULT_DEPARTMENTS.index("教务处")]
    # The chair and the department head are staff beyond the first ten (the delegates).
    chair_staff, dept_staff = first_staff[DELEGATES_PER_SCHOOL], first_staff[11]
    demo_accounts = [
        ("district", "区工会管理员", None, [("district_admin", None, None)]),
        ("chair", chair_staff[1], chair_staff[0], [("school_chair", first_school, None)]),
        ("dept", dept_staff[1], dept_staff[0],
         [("department_head", first_school, academic_office)]),
        ("delegate", first_staff[0][1], first_staff[0][0], [("delegate", first_school, None)]),
        ("delegate2", first_staff[1][1], first_staff[1][0], [("delegate", first_school, None)]),
        ("delegate3", first_staff[2][1], first_staff[2][0], [("delegate", first_school, None)]),
        ("auditor", "经审委员", None, [("auditor", None, None)]),
    ]
    for username, display, staff_id, grants in demo_accounts:
        account = Account(username=username, display_name=display, staff_id=staff_id,
                          password_hash=hash_password(DEMO_PASSWORD), enabled=True,
                          failed_logins=0)
        account.roles = [AccountRole(role=r, school_id=s, department_id=d)
                         for r, s, d in grants]
        session.add(account)
    session.flush()
    progress("done")
