"""Logins, lockout, password changes: services/auth.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Account, AuditEntry
from seeds.demo import DEMO_PASSWORD
from services import auth
from services.errors import DomainError
from tests.conftest import actor_of


def account(session, username: str) -> Account:
    return session.scalar(select(Account).where(Account.username == username))


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_right_password_logs_in_and_is_audited(demo):
    actor = auth.verify_login(demo, "chair", DEMO_PASSWORD)
    demo.commit()
    assert actor is not None
    assert actor.username == "chair"
    assert actor.roles == {"school_chair"}
    assert account(demo, "chair").last_login_at is not None
    assert actions(demo) == ["login.succeeded"]


def test_username_is_case_and_space_insensitive(demo):
    assert auth.verify_login(demo, "  Chair ", DEMO_PASSWORD) is not None


def test_wrong_password_counts_and_says_nothing_more(demo):
    assert auth.verify_login(demo, "chair", "wrong-password") is None
    demo.commit()
    assert account(demo, "chair").failed_logins == 1
    assert account(demo, "chair").locked_at is None
    assert actions(demo) == ["login.failed"]


def test_unknown_user_fails_without_revealing_it(demo):
    assert auth.verify_login(demo, "nobody", DEMO_PASSWORD) is None
    assert auth.verify_login(demo, "", "") is None


def test_account_locks_after_configured_failures(demo, monkeypatch):
    monkeypatch.setenv("UNION_MAX_FAILED_LOGINS", "3")
    for _ in range(3):
        assert auth.verify_login(demo, "delegate", "bad-password") is None
        demo.commit()
    assert account(demo, "delegate").failed_logins == 3
    assert account(demo, "delegate").locked_at is not None
    # Once locked, even the right password is refused, and the refusal is audited.
    assert auth.verify_login(demo, "delegate", DEMO_PASSWORD) is None
    demo.commit()
    assert actions(demo) == ["login.failed"] * 3 + ["login.refused"]
    assert auth.load_actor(demo, "delegate") is None
    assert "delegate" not in auth.active_usernames(demo)
    assert not auth.may_log_in(demo, "delegate") and auth.may_log_in(demo, "Delegate2 ")


def test_default_lock_threshold_is_five(demo):
    for n in range(1, 6):
        auth.verify_login(demo, "dept", "bad-password")
        demo.commit()
        assert (account(demo, "dept").locked_at is not None) == (n == 5)


def test_success_resets_failure_count(demo):
    auth.verify_login(demo, "chair", "bad-password")
    auth.verify_login(demo, "chair", "bad-password")
    assert auth.verify_login(demo, "chair", DEMO_PASSWORD) is not None
    demo.commit()
    assert account(demo, "chair").failed_logins == 0


def test_disabled_account_cannot_log_in(demo):
    account(demo, "auditor").enabled = False
    demo.commit()
    assert auth.verify_login(demo, "auditor", DEMO_PASSWORD) is None
    assert auth.load_actor(demo, "auditor") is None


def test_change_own_password(demo):
    actor = actor_of(demo, "delegate2")
    auth.change_password(demo, actor, current=DEMO_PASSWORD, new="new-secret-1",
                         repeat="new-secret-1")
    demo.commit()
    assert auth.verify_login(demo, "delegate2", "new-secret-1") is not None
    assert auth.verify_login(demo, "delegate2", DEMO_PASSWORD) is None
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "account.password_changed"))
    assert entry is not None and entry.account_id == actor.account_id
    # The audit log never holds a password or its hash.
    assert entry.before is None and entry.after is None


@pytest.mark.parametrize(("current", "new", "repeat", "key"), [
    ("wrong", "new-secret-1", "new-secret-1", "auth.current_password_wrong"),
    (DEMO_PASSWORD, "new-secret-1", "new-secret-2", "auth.passwords_differ"),
    (DEMO_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD, "auth.password_unchanged"),
    (DEMO_PASSWORD, "short", "short", "auth.password_too_short"),
    (DEMO_PASSWORD, " padded-pass ", " padded-pass ", "auth.password_spaces"),
    (DEMO_PASSWORD, "长" * 25, "长" * 25, "auth.password_too_long"),
])
def test_bad_password_changes_are_refused(demo, current, new, repeat, key):
    actor = actor_of(demo, "delegate3")
    with pytest.raises(DomainError) as raised:
        auth.change_password(demo, actor, current=current, new=new, repeat=repeat)
    assert raised.value.key == key
    demo.rollback()
    assert auth.verify_login(demo, "delegate3", DEMO_PASSWORD) is not None


def test_domain_error_reads_in_both_languages():
    error = DomainError("auth.password_too_short", n=8)
    assert str(error) == "密码至少需要 8 个字符。"
    assert error.message("en") == "A password needs at least 8 characters."
