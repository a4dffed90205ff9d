"""A small district of its own for the relief fund's report and import tests: two schools,
three staff, one account per role, and no ledger entries, so every expected number in those
tests is written out from what the test itself posts (whatever the demo seed holds)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.fund import FundCategory
from db.models import Account, AccountRole, District, School, Staff
from services import fund
from services.actor import Actor
from tests.conftest import actor_of

# A school code Beancount accepts as an account name, and one it does not (→ S<id>).
CODE_A, NAME_A = "SCH1", "湖滨小学"
CODE_B, NAME_B = "二中", "第二中学"


@dataclass
class Town:
    school_a: int
    school_b: int
    district_account: int      # FundAccount ids
    account_a: int
    account_b: int
    staff: dict[str, int]      # name → Staff.id
    district: Actor
    auditor: Actor
    chair: Actor               # chair of school A
    chair_b: Actor
    delegate: Actor            # delegate of school A
    delegate_b: Actor


def category_id(session: Session, code: str) -> int:
    found = session.scalar(select(FundCategory.id).where(FundCategory.code == code))
    assert found is not None, code
    return found


def build_town(session: Session) -> Town:
    district = District(code="TEST", name="测试区教育工会")
    session.add(district)
    session.flush()
    schools = []
    for code, name in ((CODE_A, NAME_A), (CODE_B, NAME_B)):
        school = School(district_id=district.id, code=code, name=name, kind="school",
                        active=True)
        session.add(school)
        session.flush()
        schools.append(school.id)
    a, b = schools
    staff = {}
    for school_id, number, name in ((a, "A-001", "张三明"), (b, "B-001", "李四"),
                                    (b, "B-002", "王五")):
        person = Staff(school_id=school_id, staff_no=number, name=name, gender="M",
                       retired=False)
        session.add(person)
        session.flush()
        staff[name] = person.id
    for username, role, school_id in (("district", "district_admin", None),
                                      ("auditor", "auditor", None),
                                      ("chair", "school_chair", a), ("chairb", "school_chair", b),
                                      ("delegate", "delegate", a), ("delegateb", "delegate", b)):
        account = Account(username=username, display_name=username, password_hash="-",
                          enabled=True, failed_logins=0)
        account.roles = [AccountRole(role=role, school_id=school_id)]
        session.add(account)
    session.flush()
    fund.ensure_lists(session)
    fund.ensure_accounts(session)
    session.flush()
    return Town(a, b, fund.account_id_for(session, None), fund.account_id_for(session, a),
                fund.account_id_for(session, b), staff,
                *(actor_of(session, name) for name in
                  ("district", "auditor", "chair", "chairb", "delegate", "delegateb")))
