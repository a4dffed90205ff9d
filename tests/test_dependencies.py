"""Dependency hygiene: exact pins, a lock file the venv honours, and the vulnerability check
that CI runs (.ci/audit.py over requirements.lock)."""

from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[a-z,]+\])?==([0-9][^\s#;]*)")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: not pinned with ==: {raw!r}"
        found[canonical(match.group(1))] = match.group(3)
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_requirement_is_pinned_and_locked_at_the_same_version():
    lock = pins(ROOT / "requirements.lock")
    direct = pins(ROOT / "requirements.txt") | pins(ROOT / "requirements-dev.txt")
    assert len(direct) >= 17 and len(lock) >= len(direct)
    assert {name: lock.get(name) for name in direct} == direct


def test_the_installed_packages_are_the_locked_versions():
    lock = pins(ROOT / "requirements.lock")
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    assert {name: installed.get(name) for name in lock} == lock


def test_make_and_the_image_install_under_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert makefile.count("-c requirements.lock") == 2
    assert "-c requirements.lock" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip-audit==" in ci and ".ci/audit.py" in ci


def fake_pip_audit(folder: Path, report: str | None, exit_code: int = 0) -> Path:
    """A stand-in for pip-audit that writes the given JSON report where -o points."""
    script = folder / "pip-audit"
    write = "" if report is None else (
        "out = sys.argv[sys.argv.index('-o') + 1]\n"
        f"open(out, 'w').write({report!r})\n")
    script.write_text(f"#!{sys.executable}\nimport sys\n{write}sys.exit({exit_code})\n")
    script.chmod(0o755)
    return script


def audit(tool: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / ".ci" / "audit.py"), str(tool),
                           str(ROOT / "requirements.lock")],
                          capture_output=True, text=True, check=False, timeout=60)


def test_audit_fails_on_a_known_vulnerability(tmp_path):
    report = ('{"dependencies": [{"name": "jinja2", "version": "3.1.2", "vulns": [{"id": '
              '"GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}]}, {"name": "pandas", '
              '"version": "3.1.1", "vulns": []}]}')
    done = audit(fake_pip_audit(tmp_path, report, exit_code=1))
    assert done.returncode == 1
    assert "VULNERABLE jinja2==3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in: 3.1.3)" in done.stdout
    assert "2 pinned packages, 2 audited, 1 known vulnerabilities, 0 not audited" in done.stdout


@pytest.mark.parametrize(("report", "words"), [
    ('{"dependencies": [{"name": "pandas", "skip_reason": "Dependency not found on PyPI"}]}',
     "1 pinned packages, 0 audited, 0 known vulnerabilities, 1 not audited"),
    (None, "pip-audit could not run (exit 2): not audited"),
])
def test_audit_says_what_it_could_not_check_and_goes_on(tmp_path, report, words):
    done = audit(fake_pip_audit(tmp_path, report, exit_code=0 if report else 2))
    assert done.returncode == 0
    assert words in done.stdout
