"""The cookie signing key: never a constant in code; production refuses to start without one."""

from __future__ import annotations

import stat

import pytest

from services.config import resolve_cookie_key
from services.errors import DomainError


def test_secret_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_COOKIE_KEY", "from-env")
    assert resolve_cookie_key(secret="from-secrets", embedded=False, data_dir=tmp_path) == \
        "from-secrets"


def test_environment_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_COOKIE_KEY", "from-env")
    assert resolve_cookie_key(secret=None, embedded=False, data_dir=tmp_path) == "from-env"


def test_production_without_key_refuses(tmp_path, monkeypatch):
    monkeypatch.delenv("UNION_COOKIE_KEY", raising=False)
    with pytest.raises(DomainError) as raised:
        resolve_cookie_key(secret=None, embedded=False, data_dir=tmp_path)
    assert "UNION_COOKIE_KEY" in raised.value.message("zh")
    assert "UNION_COOKIE_KEY" in raised.value.message("en")


def test_embedded_demo_makes_a_random_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("UNION_COOKIE_KEY", raising=False)
    first = resolve_cookie_key(secret=None, embedded=True, data_dir=tmp_path / "data")
    second = resolve_cookie_key(secret=None, embedded=True, data_dir=tmp_path / "data")
    other = resolve_cookie_key(secret=None, embedded=True, data_dir=tmp_path / "elsewhere")
    assert first == second and first != other and len(first) >= 40
    mode = (tmp_path / "data" / "cookie_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
