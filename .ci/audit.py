"""Known vulnerabilities of the pinned versions in requirements.lock, asked of pip-audit.

Exit 1 when pip-audit reports a vulnerability; exit 0 otherwise. When the vulnerability
service cannot be reached or does not know the packages (a mirror without PyPI's JSON API),
the packages it could not audit are counted and named, and the run goes on: the check is
only as good as the service it can reach, and says so.

    python .ci/audit.py PIP_AUDIT_BINARY requirements.lock
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main(pip_audit: str, lock: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        run = subprocess.run(
            [pip_audit, "-r", lock, "--no-deps", "--disable-pip", "--progress-spinner", "off",
             "-f", "json", "-o", str(report)],
            capture_output=True, text=True, timeout=600, check=False)
        if not report.exists():
            print(f"pip-audit could not run (exit {run.returncode}): not audited")
            print(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "")
            return 0
        found = json.loads(report.read_text(encoding="utf-8"))
    packages = found.get("dependencies", [])
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [(p["name"], p["version"], v["id"], ", ".join(v.get("fix_versions", [])))
                  for p in packages for v in p.get("vulns", [])]
    for name, version, vuln, fixes in vulnerable:
        print(f"VULNERABLE {name}=={version}: {vuln} (fixed in: {fixes or 'no release yet'})")
    print(f"pip-audit: {len(packages)} pinned packages, {len(packages) - len(skipped)} audited, "
          f"{len(vulnerable)} known vulnerabilities, {len(skipped)} not audited")
    if skipped:
        print("not audited (the vulnerability service did not know them): "
              + ", ".join(p["name"] for p in skipped))
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
