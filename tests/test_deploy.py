"""The container files cannot be run on this machine (no registry for images), so this checks
what can be checked: they parse, every file they copy or mount exists, every command they run
is one this project has, and every setting they pass is one the app knows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from db.__main__ import COMMANDS as DB_COMMANDS
from services import config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
WQY_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # what fonts-wqy-zenhei installs
DOCKER_INSTRUCTIONS = {"FROM", "RUN", "ENV", "WORKDIR", "COPY", "USER", "EXPOSE", "HEALTHCHECK",
                       "CMD", "ARG", "LABEL", "ENTRYPOINT"}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            pairs.append((word, rest.strip()))
    return pairs


def test_dockerfile_parses_into_known_instructions():
    pairs = dockerfile()
    assert pairs[0][0] == "FROM" and pairs[0][1].startswith("python:3.11")
    assert {word for word, _ in pairs} <= DOCKER_INSTRUCTIONS


def test_dockerfile_copies_files_that_exist_and_skips_secrets():
    copies = [shlex.split(args) for word, args in dockerfile() if word == "COPY"]
    assert copies
    for *sources, _target in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
    copied = {source for *sources, _ in copies for source in sources}
    # Everything app.py needs at run time, and nothing secret.
    assert {"app.py", "requirements.txt", "db", "services", "pages", "ui", "seeds",
            "locales"} <= copied
    assert not any("secrets" in source for source in copied)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".streamlit/secrets.toml", ".venv", "data", ".git"} <= set(ignored)


def test_dockerfile_runs_the_app_with_a_health_check_and_the_pdf_font():
    pairs = dict(dockerfile())
    cmd = shlex.split(pairs["CMD"].replace("[", "").replace("]", "").replace(",", " "))
    assert cmd[:4] == ["python", "-m", "streamlit", "run"] and (ROOT / cmd[4]).is_file()
    assert "/_stcore/health" in pairs["HEALTHCHECK"]
    assert "fonts-wqy-zenhei" in " ".join(args for word, args in dockerfile() if word == "RUN")
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(a for w, a in dockerfile() if w == "ENV")))
    assert env["UNION_PDF_FONT"] == WQY_FONT
    assert env["UNION_ENV"] == "production"
    known = {option.env for option in config.OPTIONS.values()}
    assert {name for name in env if name.startswith("UNION_")} <= known
    assert pairs["USER"] != "root"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_has_postgresql_two_app_servers_and_a_proxy(compose):
    services = compose["services"]
    assert {"db", "app1", "app2", "proxy"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    for name in ("app1", "app2"):
        app = services[name]
        build = ROOT / "deploy" / app["build"]["context"] / app["build"]["dockerfile"]
        assert build.resolve() == (ROOT / "Dockerfile").resolve()
        env = app["environment"]
        assert env["UNION_DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env[
            "UNION_DATABASE_URL"]
        # Every server signs cookies with the same keys, taken from one .env file.
        assert env["UNION_COOKIE_KEY"] == "${UNION_COOKIE_KEY:?set UNION_COOKIE_KEY}"
        assert "STREAMLIT_SERVER_COOKIE_SECRET" in env
        known = {option.env for option in config.OPTIONS.values()}
        assert {k for k in env if k.startswith("UNION_")} <= known
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["app1"]["environment"] == services["app2"]["environment"]


def test_compose_mounts_and_commands_exist(compose):
    services = compose["services"]
    for volume in services["proxy"]["volumes"]:
        source = volume.split(":")[0]
        assert (DEPLOY / source).is_file(), source
    check = services["check"]["command"]
    assert check[:3] == ["python", "-m", "db"] and check[3] in DB_COMMANDS
    env_example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    assert needed == set(re.findall(r"^(\w+)=", env_example, flags=re.MULTILINE))
    assert "deploy/.env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_nginx_keeps_sessions_sticky_and_passes_websockets(compose):
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream\s+(\w+)\s*\{([^}]*)\}", text)
    assert upstream is not None
    assert "ip_hash;" in upstream.group(2)
    servers = re.findall(r"server\s+(\w+):(\d+);", upstream.group(2))
    apps = {name for name in compose["services"] if name.startswith("app")}
    assert {name for name, _ in servers} == apps and {port for _, port in servers} == {"8501"}
    assert f"proxy_pass http://{upstream.group(1)};" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $connection_upgrade;" in text
    # The visitor's address reaches the app (feedback limits per address), added by nginx.
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in text
    assert text.count("{") == text.count("}")
