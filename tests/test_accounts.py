"""Account administration by the district union: services/accounts.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db.engine import transaction
from db.models import Account, AuditEntry, Department, School
from seeds.demo import DEMO_PASSWORD
from services import accounts, auth
from services.actor import Grant
from services.errors import DomainError
from tests.conftest import actor_of


def school(session, code: str) -> School:
    return session.scalar(select(School).where(School.code == code))


def dept(session, school_code: str, name: str) -> Department:
    return session.scalar(select(Department).join(School).where(
        School.code == school_code, Department.name == name))


def test_admin_creates_a_chair_who_is_also_a_delegate(demo):
    admin = actor_of(demo, "district")
    mh02 = school(demo, "MH02")
    account_id = accounts.create_account(
        demo, admin, username="Chair2", display_name="李红", password="first-pass-1",
        grants=[Grant("school_chair", mh02.id), Grant("delegate", mh02.id)])
    demo.commit()
    actor = auth.verify_login(demo, "chair2", "first-pass-1")
    assert actor is not None and actor.account_id == account_id
    assert actor.roles == {"school_chair", "delegate"}
    assert actor.school_ids() == {mh02.id}
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "account.created"))
    assert entry.after["username"] == "chair2"
    assert entry.actor_name == "district"


def test_department_head_needs_a_department_of_that_school(demo):
    admin = actor_of(demo, "district")
    mh02, other = school(demo, "MH02"), dept(demo, "MH01", "教务处")
    with pytest.raises(DomainError) as raised:
        accounts.create_account(demo, admin, username="dh2", display_name="王五",
                                password="first-pass-1",
                                grants=[Grant("department_head", mh02.id, other.id)])
    assert raised.value.key == "accounts.role_needs_department"


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"username": "ab"}, "accounts.bad_username"),
    ({"username": "有中文"}, "accounts.bad_username"),
    ({"username": "chair"}, "accounts.username_taken"),
    ({"display_name": "  "}, "accounts.name_required"),
    ({"password": "short"}, "auth.password_too_short"),
    ({"grants": []}, "accounts.no_role"),
    ({"grants": [Grant("delegate", None)]}, "accounts.role_needs_school"),
    ({"grants": [Grant("principal", None)]}, "accounts.unknown_role"),
    ({"staff_no": "MH99-0001"}, "accounts.staff_not_found"),
])
def test_bad_new_accounts_are_refused(demo, kwargs, key):
    admin = actor_of(demo, "district")
    args = {"username": "newuser", "display_name": "赵六", "password": "first-pass-1",
            "grants": [Grant("auditor")]} | kwargs
    with pytest.raises(DomainError) as raised:
        accounts.create_account(demo, admin, **args)
    assert raised.value.key == key


@pytest.mark.parametrize("username", ["chair", "dept", "delegate", "auditor"])
def test_only_the_district_admin_manages_accounts(demo, username):
    actor = actor_of(demo, username)
    target = actor_of(demo, "delegate2").account_id
    for call in (
        lambda: accounts.list_accounts(demo, actor),
        lambda: accounts.set_enabled(demo, actor, account_id=target, enabled=False),
        lambda: accounts.reset_password(demo, actor, account_id=target,
                                        new_password="other-pass-1"),
        lambda: accounts.set_grants(demo, actor, account_id=target,
                                    grants=[Grant("auditor")]),
        lambda: accounts.create_account(demo, actor, username="x1y", display_name="x",
                                        password="first-pass-1", grants=[Grant("auditor")]),
    ):
        with pytest.raises(DomainError) as raised:
            call()
        assert raised.value.key == "error.forbidden"


def test_disable_and_enable(demo):
    admin = actor_of(demo, "district")
    target = actor_of(demo, "delegate2").account_id
    accounts.set_enabled(demo, admin, account_id=target, enabled=False)
    demo.commit()
    assert auth.verify_login(demo, "delegate2", DEMO_PASSWORD) is None
    accounts.set_enabled(demo, admin, account_id=target, enabled=True)
    demo.commit()
    assert auth.verify_login(demo, "delegate2", DEMO_PASSWORD) is not None
    logged = list(demo.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "account", AuditEntry.action.like("account.%"))))
    assert logged == ["account.disabled", "account.enabled"]


def test_admin_cannot_lock_themselves_out(demo):
    admin = actor_of(demo, "district")
    with pytest.raises(DomainError) as raised:
        accounts.set_enabled(demo, admin, account_id=admin.account_id, enabled=False)
    assert raised.value.key == "accounts.cannot_disable_self"
    with pytest.raises(DomainError) as raised:
        accounts.set_grants(demo, admin, account_id=admin.account_id, grants=[Grant("auditor")])
    assert raised.value.key == "accounts.cannot_drop_own_admin"


def test_reset_password_unlocks(demo, monkeypatch):
    monkeypatch.setenv("UNION_MAX_FAILED_LOGINS", "2")
    for _ in range(2):
        auth.verify_login(demo, "dept", "bad-password")
        demo.commit()
    assert auth.load_actor(demo, "dept") is None
    admin = actor_of(demo, "district")
    target = demo.scalar(select(Account.id).where(Account.username == "dept"))
    accounts.reset_password(demo, admin, account_id=target, new_password="fresh-pass-1")
    demo.commit()
    assert auth.verify_login(demo, "dept", "fresh-pass-1") is not None
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "account.password_reset"))
    assert entry.before == {"failed_logins": 2, "locked": True}
    assert entry.after == {"failed_logins": 0, "locked": False}


def test_assign_roles_is_audited_with_before_and_after(demo):
    admin = actor_of(demo, "district")
    target = actor_of(demo, "delegate3")
    mh01 = school(demo, "MH01")
    accounts.set_grants(demo, admin, account_id=target.account_id,
                        grants=[Grant("delegate", mh01.id), Grant("school_chair", mh01.id)])
    demo.commit()
    assert actor_of(demo, "delegate3").roles == {"delegate", "school_chair"}
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "account.roles_changed"))
    assert entry.before == {"roles": [
        {"role": "delegate", "school_id": mh01.id, "department_id": None}]}
    assert [r["role"] for r in entry.after["roles"]] == ["delegate", "school_chair"]


def test_district_roles_drop_any_school(demo):
    admin = actor_of(demo, "district")
    mh01 = school(demo, "MH01")
    account_id = accounts.create_account(
        demo, admin, username="auditor2", display_name="钱七", password="first-pass-1",
        grants=[Grant("auditor", mh01.id)])
    assert accounts.account_grants(demo, admin, account_id=account_id) == [Grant("auditor")]


def test_list_accounts_pages_and_searches(demo):
    admin = actor_of(demo, "district")
    frame, total = accounts.list_accounts(demo, admin, page_size=3)
    assert total == 7
    assert list(frame["username"]) == ["auditor", "chair", "delegate"]
    frame, total = accounts.list_accounts(demo, admin, search="DELEG", page=1, page_size=50)
    assert total == 3
    assert list(frame["username"]) == ["delegate", "delegate2", "delegate3"]
    frame, _ = accounts.list_accounts(demo, admin, search="dept")
    (role, school_name, dept_name), = frame.iloc[0]["roles"]
    assert (role, school_name, dept_name) == ("department_head", "明湖区实验小学", "教务处")


def test_account_linked_to_a_staff_member_of_its_school(demo):
    admin = actor_of(demo, "district")
    mh02 = school(demo, "MH02")
    account_id = accounts.create_account(
        demo, admin, username="delegate-mh02", display_name="代表", password="first-pass-1",
        grants=[Grant("delegate", mh02.id)], staff_no="mh02-0003")
    linked = demo.get(Account, account_id)
    assert linked.staff.staff_no == "MH02-0003" and linked.staff.school_id == mh02.id
    with pytest.raises(DomainError) as raised:
        accounts.create_account(
            demo, admin, username="delegate-x", display_name="代表", password="first-pass-1",
            grants=[Grant("delegate", mh02.id)], staff_no="MH01-0003")
    assert raised.value.key == "accounts.staff_other_school"


# --- the insert: a racing twin, another constraint, the caller's unit of work -------------

NEW = {"username": "newuser", "display_name": "赵六", "password": "first-pass-1"}


def accounts_named(session, username: str) -> int:
    return len(session.scalars(select(Account.id).where(Account.username == username)
                               .execution_options(populate_existing=True)).all())


def test_a_twin_committed_after_the_first_look_is_username_taken(session_factory, demo,
                                                                 monkeypatch):
    """The race of two requests, played in order: the twin commits the same username after
    this request looked and before it inserts."""
    admin = actor_of(demo, "district")
    real_check = accounts.check_new_password

    def twin_commits_meanwhile(password: str) -> None:
        monkeypatch.setattr(accounts, "check_new_password", real_check)
        with transaction(session_factory) as other:
            accounts.create_account(other, admin, **NEW, grants=[Grant("auditor")])
        real_check(password)

    monkeypatch.setattr(accounts, "check_new_password", twin_commits_meanwhile)
    with pytest.raises(DomainError) as raised, transaction(session_factory) as mine:
        accounts.create_account(mine, admin, **NEW, grants=[Grant("auditor")])
    assert raised.value.key == "accounts.username_taken"
    assert raised.value.params == {"username": "newuser"}
    assert accounts_named(demo, "newuser") == 1
    assert demo.scalar(select(func.count()).select_from(AuditEntry)
                       .where(AuditEntry.action == "account.created")) == 1


def test_an_insert_failing_on_another_constraint_is_not_called_username_taken(demo,
                                                                            monkeypatch):
    admin = actor_of(demo, "district")
    mh02 = school(demo, "MH02")
    # the staff member was found, then removed before the insert
    monkeypatch.setattr(accounts, "_staff_for", lambda *_args: 999_999)
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        accounts.create_account(demo, admin, **NEW, grants=[Grant("delegate", mh02.id)],
                                staff_no="MH02-0003")
    monkeypatch.undo()
    # only the failed insert was undone, in the same session: the name is still free
    assert accounts_named(demo, "newuser") == 0
    account_id = accounts.create_account(demo, admin, **NEW, grants=[Grant("delegate", mh02.id)])
    assert demo.get(Account, account_id).username == "newuser"


def test_creating_commits_or_rolls_back_with_the_callers_unit_of_work(session_factory, demo):
    admin = actor_of(demo, "district")

    def written() -> tuple[int, int]:
        with session_factory() as fresh:
            return (accounts_named(fresh, "newuser"),
                    fresh.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "account.created")))

    with pytest.raises(RuntimeError), transaction(session_factory) as page:
        accounts.create_account(page, admin, **NEW, grants=[Grant("auditor")])
        raise RuntimeError("the page failed after creating")
    assert written() == (0, 0)
    with transaction(session_factory) as page:
        accounts.create_account(page, admin, **NEW, grants=[Grant("auditor")])
    assert written() == (1, 1)
