"""The demo district: counts, determinism, idempotent reload, and its refusal to overwrite."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import (
    Account,
    AccountRole,
    CongressTerm,
    DelegateMembership,
    Department,
    School,
    Staff,
)
from seeds import __main__ as seeds_main
from seeds.demo import DEMO_PASSWORD, load_demo, wipe
from services.auth import verify_login


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_counts(demo):
    assert count(demo, School) == 12
    assert count(demo, Department) == 72
    assert count(demo, Staff) == 480
    assert demo.scalar(select(func.count()).select_from(Staff)
                       .where(Staff.retired.is_(True))) == 48
    assert count(demo, CongressTerm) == 12
    assert count(demo, DelegateMembership) == 120
    assert sorted(demo.scalars(select(Account.username))) == [
        "auditor", "chair", "delegate", "delegate2", "delegate3", "dept", "district"]


def test_demo_accounts_and_roles(demo):
    roles = dict(demo.execute(select(Account.username, AccountRole.role)
                              .join(AccountRole)).all())
    assert roles == {"district": "district_admin", "chair": "school_chair",
                     "dept": "department_head", "delegate": "delegate",
                     "delegate2": "delegate", "delegate3": "delegate", "auditor": "auditor"}
    for username in roles:
        assert verify_login(demo, username, DEMO_PASSWORD) is not None
    # The three demo delegates really are delegates of the chair's school.
    first_school = demo.scalar(select(School.id).where(School.code == "MH01"))
    delegate_staff = set(demo.scalars(
        select(Account.staff_id).where(Account.username.like("delegate%"))))
    members = set(demo.scalars(select(DelegateMembership.staff_id).join(CongressTerm)
                               .where(CongressTerm.school_id == first_school)))
    assert delegate_staff <= members


def test_demo_is_deterministic(demo):
    names = list(demo.scalars(select(Staff.name).order_by(Staff.staff_no)))
    wipe(demo)
    load_demo(demo)
    assert list(demo.scalars(select(Staff.name).order_by(Staff.staff_no))) == names
    assert len(set(names)) > 300  # realistic variety, few repeats


def test_cli_reloads_demo_and_refuses_foreign_data(session_factory, engine, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert seeds_main.main([]) == 0
    assert seeds_main.main([]) == 0  # idempotent: reload gives the same counts
    with session_factory() as s:
        assert count(s, Staff) == 480 and count(s, Account) == 7
        s.execute(School.__table__.update().values(name="x"))
        from db.models import District
        s.execute(District.__table__.update().values(code="REAL"))
        s.commit()
    assert seeds_main.main([]) == 2  # a real district is never wiped
    with session_factory() as s:
        assert count(s, Staff) == 480
