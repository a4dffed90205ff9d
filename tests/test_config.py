"""Settings in one place: environment first, then secrets.toml, then safe defaults; an invalid
or unsafe setting stops the start with a message saying what to set."""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path

import pytest

from services import config
from services.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://u@h:5432/d"
GOOD_KEY = "k" * 40


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """No UNION_* variables at all and no secrets file: the defaults."""
    for option in config.OPTIONS.values():
        monkeypatch.delenv(option.env, raising=False)
    monkeypatch.setenv("UNION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UNION_SECRETS_FILE", str(tmp_path / "secrets.toml"))
    return tmp_path


def write_secrets(tmp_path: Path, text: str) -> None:
    (tmp_path / "secrets.toml").write_text(text, encoding="utf-8")


def keys(problems: list[DomainError]) -> list[str]:
    return [p.key for p in problems]


def test_embedded_defaults(clean):
    assert config.database_url() == f"sqlite:///{clean / 'data' / 'union_desk.db'}"
    assert config.environment() == "development"
    assert config.demo_data() is True
    assert config.default_language() == "zh"
    assert config.feedback_max_chars() == 5000
    assert config.feedback_retention_days() == 180
    assert config.receipt_scrypt_n() == 16384
    assert config.pool() == config.Pool(size=5, max_overflow=5, timeout=10.0)
    assert config.setting("log_format") == "text"
    assert config.startup_problems() == []


def test_postgresql_means_production_without_demo(clean, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", PG)
    assert config.environment() == "production"
    assert config.demo_data() is False
    assert config.setting("log_format") == "json"


def test_environment_wins_over_secrets_file(clean, monkeypatch):
    write_secrets(clean, 'feedback_max_chars = 300\nlanguage = "en"\ndemo_data = false\n')
    assert config.feedback_max_chars() == 300
    assert config.default_language() == "en"
    assert config.demo_data() is False
    monkeypatch.setenv("UNION_FEEDBACK_MAX_CHARS", "800")
    assert config.feedback_max_chars() == 800
    assert config.raw_value("feedback_max_chars") == ("800", "UNION_FEEDBACK_MAX_CHARS")
    assert config.raw_value("language") == ("en", "secrets.toml: language")


def test_secrets_file_is_reread_when_it_changes(clean):
    write_secrets(clean, "feedback_retention_days = 30\n")
    assert config.feedback_retention_days() == 30
    write_secrets(clean, "feedback_retention_days = 90\n# longer now\n")
    assert config.feedback_retention_days() == 90


@pytest.mark.parametrize(("name", "raw", "reason"), [
    ("UNION_FEEDBACK_MAX_CHARS", "lots", "config.not_whole_number"),
    ("UNION_FEEDBACK_MAX_CHARS", "0", "config.out_of_range"),
    ("UNION_BCRYPT_ROUNDS", "31", "config.out_of_range"),
    ("UNION_RECEIPT_MAX_DELAY", "nan", "config.out_of_range"),
    ("UNION_RECEIPT_MAX_DELAY", "soon", "config.not_number"),
    ("UNION_RECEIPT_SCRYPT_N", "1000", "config.not_power_of_two"),
    ("UNION_DEMO_DATA", "maybe", "config.not_switch"),
    ("UNION_LANGUAGE", "fr", "config.not_one_of"),
    ("UNION_ENV", "staging", "config.not_one_of"),
    ("UNION_TIMEZONE", "Mars/Olympus", "config.not_time_zone"),
    ("UNION_DATABASE_URL", "mysql://root@localhost/x", "config.not_database_url"),
    ("UNION_DATABASE_URL", "not a url", "config.not_database_url"),
])
def test_invalid_values_are_named_with_the_reason(clean, monkeypatch, name, raw, reason):
    monkeypatch.setenv(name, raw)
    problems = config.startup_problems()
    assert keys(problems) == ["config.invalid"]
    assert problems[0].params["setting"] == name
    assert problems[0].params["reason_key"] == reason
    zh, en = problems[0].message("zh"), problems[0].message("en")
    assert name in zh and name in en and "{" not in zh + en


def test_out_of_range_message_spells_the_range(clean, monkeypatch):
    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "3")
    (problem,) = config.startup_problems()
    assert problem.message("en") == ('The setting UNION_BCRYPT_ROUNDS has an unusable value '
                                     '"3": it must be between 4 and 15.')


def test_bad_secrets_file_is_reported(clean):
    write_secrets(clean, "cookie_key = 'unterminated\n")
    assert "config.bad_secrets_file" in keys(config.startup_problems())


def test_production_refuses_what_is_unsafe(clean, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", PG)
    monkeypatch.setenv("UNION_DEMO_DATA", "on")
    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "4")
    assert keys(config.startup_problems()) == [
        "config.no_cookie_key", "config.demo_in_production", "config.weak_bcrypt"]
    monkeypatch.setenv("UNION_COOKIE_KEY", "short")
    assert keys(config.startup_problems())[0] == "config.weak_cookie_key"
    monkeypatch.setenv("UNION_COOKIE_KEY", config.EXAMPLE_COOKIE_KEY)
    assert keys(config.startup_problems())[0] == "config.weak_cookie_key"
    monkeypatch.setenv("UNION_COOKIE_KEY", GOOD_KEY)
    monkeypatch.setenv("UNION_DEMO_DATA", "0")
    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "10")
    assert config.startup_problems() == []


def test_test_environment_may_use_cheap_hashes_on_postgresql(clean, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", PG)
    monkeypatch.setenv("UNION_ENV", "test")
    monkeypatch.setenv("UNION_COOKIE_KEY", GOOD_KEY)
    monkeypatch.setenv("UNION_BCRYPT_ROUNDS", "4")
    assert config.startup_problems() == []


def test_single_school_production_on_sqlite_keeps_its_generated_key(clean, monkeypatch):
    monkeypatch.setenv("UNION_ENV", "production")
    assert config.demo_data() is False
    assert config.startup_problems() == []
    assert len(config.cookie_key()) >= 40


def test_cookie_key_from_secrets_file_or_environment(clean, monkeypatch):
    write_secrets(clean, f'cookie_key = "{"s" * 40}"\n')
    assert config.cookie_key() == "s" * 40
    monkeypatch.setenv("UNION_COOKIE_KEY", GOOD_KEY)
    assert config.cookie_key() == GOOD_KEY


def test_production_without_key_refuses(clean, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", PG)
    with pytest.raises(DomainError) as raised:
        config.cookie_key()
    assert "UNION_COOKIE_KEY" in raised.value.message("zh")
    assert "UNION_COOKIE_KEY" in raised.value.message("en")


@pytest.mark.parametrize("weak", ["short", "k" * 31, "EXAMPLE"])
def test_the_key_itself_is_never_handed_out_weak(clean, monkeypatch, weak):
    """Not only the start-up check: any caller asking for the key is refused a weak one."""
    monkeypatch.setenv("UNION_COOKIE_KEY", config.EXAMPLE_COOKIE_KEY if weak == "EXAMPLE"
                       else weak)
    with pytest.raises(DomainError) as raised:
        config.cookie_key()
    assert raised.value.key == "config.weak_cookie_key"
    monkeypatch.setenv("UNION_COOKIE_KEY", "k" * 32)
    assert config.cookie_key() == "k" * 32


def test_embedded_demo_makes_a_random_key_once(clean, monkeypatch):
    first = config.cookie_key()
    second = config.cookie_key()
    monkeypatch.setenv("UNION_DATA_DIR", str(clean / "elsewhere"))
    other = config.cookie_key()
    assert first == second and first != other and len(first) >= 40
    mode = (clean / "data" / "cookie_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_described_hides_secrets_and_passwords(clean, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", "postgresql://union:hunter2@db:5432/union")
    monkeypatch.setenv("UNION_COOKIE_KEY", GOOD_KEY)
    rows = {env: (value, source) for env, value, source in config.described()}
    assert rows["UNION_COOKIE_KEY"] == ("******", "UNION_COOKIE_KEY")
    assert "hunter2" not in rows["UNION_DATABASE_URL"][0]
    assert rows["UNION_FEEDBACK_MAX_CHARS"] == ("5000", "default")
    assert "hunter2" not in repr(config.described()) and GOOD_KEY not in repr(config.described())


# --- the example file and the README cannot drift from the settings --------------------------

def test_example_secrets_file_lists_every_setting():
    example = ROOT / ".streamlit" / "secrets.toml.example"
    text = example.read_text(encoding="utf-8")
    written = set(re.findall(r"^#?\s*([a-z_]+)\s*=", text, flags=re.MULTILINE))
    assert written == set(config.OPTIONS)
    # The uncommented lines parse, and a copied example is refused as a key.
    values = tomllib.loads(text)
    assert values.get("cookie_key") == config.EXAMPLE_COOKIE_KEY


def test_real_secrets_file_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [o.env for o in config.OPTIONS.values() if f"`{o.env}`" not in readme]
    assert missing == []
