"""`python -m db check | health | migrate | config | backup | restore FILE` on the configured
database.

For cron, ops and the compose health check. Exit codes: 0 all well, 1 `check` (or the check
after a restore) found a problem, 2 the database cannot be reached, the settings are invalid,
or a backup or restore was refused. The work is in services/integrity.py and
services/backup.py; this module only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from db.engine import database_url, make_engine
from db.migrate import upgrade_to_head
from services import config
from services.backup import default_backup_path, make_backup, restore_backup, sqlite_path
from services.errors import DomainError
from services.i18n import DEFAULT_LANG, LANGUAGES, t
from services.integrity import (
    Finding,
    IntegrityReport,
    Revisions,
    check_database,
    database_health,
    missing_sqlite_file,
    revisions,
)

ALL_WELL, PROBLEM, UNREACHABLE = 0, 1, 2
STATUS_WORDS = {"ok": "ok", "problem": "PROBLEM", "skipped": "skipped"}


def main(argv: list[str] | None = None) -> int:
    args = _parser(_default_lang()).parse_args(argv)
    if args.command == "config":
        return settings(args)
    url = ""
    try:
        url = database_url()
        if args.command in FILE_COMMANDS:
            return _file_command(url, args)
        if args.command != "migrate" and (path := missing_sqlite_file(url)) is not None:
            return _unreachable(args, url, t("integrity.cli.no_file", args.lang, path=path))
        engine = make_engine(url)
        try:
            return COMMANDS[args.command](engine, args)
        finally:
            engine.dispose()
    except DomainError as error:   # an invalid setting, e.g. UNION_DATABASE_URL
        return _unreachable(args, url, error.message(args.lang))
    except (DBAPIError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return _unreachable(args, url, reason)


def _default_lang() -> str:
    try:
        lang = config.default_language()
    except DomainError:
        return DEFAULT_LANG
    return lang if lang in LANGUAGES else DEFAULT_LANG


def _parser(lang: str) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help=t("integrity.cli.json_help", lang))
    common.add_argument("--lang", choices=LANGUAGES, default=lang,
                        help=t("integrity.cli.lang_help", lang))
    parser = argparse.ArgumentParser(prog="python -m db", description=t("integrity.cli.help", lang))
    commands = parser.add_subparsers(dest="command", required=True)
    made = {name: commands.add_parser(name, parents=[common],
                                      help=t(f"integrity.cli.{name}_help", lang))
            for name in [*COMMANDS, "config", *FILE_COMMANDS]}
    made["backup"].add_argument("--to", type=Path, default=None, metavar="FILE",
                                help=t("backup.cli.to_help", lang))
    made["restore"].add_argument("file", type=Path, help=t("backup.cli.file_help", lang))
    return parser


# --- the commands -----------------------------------------------------------------------------

def check(engine: Engine, args: argparse.Namespace) -> int:
    report = check_database(engine)
    if args.json:
        _print_json({**report.as_dict(), "database": _shown(engine.url),
                     "findings": [{**f.as_dict(), "message": _message(f, args.lang)}
                                  for f in report.findings]})
    else:
        for finding in report.findings:
            print(_line(finding, args.lang))
        print(_summary(report, args.lang))
    return ALL_WELL if report.ok else PROBLEM


def health(engine: Engine, args: argparse.Namespace) -> int:
    found = database_health(engine)
    if args.json:
        _print_json({**found.as_dict(), "database": _shown(engine.url)})
        return ALL_WELL
    print(t("integrity.cli.health", args.lang, ms=f"{found.latency_ms:.1f}",
            current=Revisions.shown(found.revisions.current),
            head=Revisions.shown(found.revisions.heads)))
    if not found.revisions.at_head:
        print(t("integrity.cli.not_at_head", args.lang))
    return ALL_WELL


def migrate(engine: Engine, args: argparse.Namespace) -> int:
    with engine.connect() as conn:
        before = revisions(conn).current
    upgrade_to_head(engine)
    with engine.connect() as conn:
        after = revisions(conn).current
    shown = {"before": Revisions.shown(before), "after": Revisions.shown(after)}
    if args.json:
        _print_json({"ok": True, **shown, "database": _shown(engine.url)})
    else:
        key = "integrity.cli.already_at_head" if before == after else "integrity.cli.migrated"
        print(t(key, args.lang, **shown))
    return ALL_WELL


def settings(args: argparse.Namespace) -> int:
    """Every setting in force (secrets hidden) and where it came from; 1 if the app would
    refuse to start."""
    problems = config.startup_problems()
    rows = config.described()
    if args.json:
        _print_json({"ok": not problems,
                     "settings": [{"name": n, "value": v, "source": s} for n, v, s in rows],
                     "problems": [p.message(args.lang) for p in problems]})
    else:
        for name, value, source in rows:
            print(f"{name:<36} {value:<40} {source}")
        for problem in problems:
            print(f"PROBLEM  {problem.message(args.lang)}")
    return PROBLEM if problems else ALL_WELL


def backup(url: str, args: argparse.Namespace) -> int:
    """A consistent copy of the live SQLite database, made while the app runs."""
    destination = args.to or default_backup_path(sqlite_path(url), dt.datetime.now())
    made = make_backup(url, destination)
    if args.json:
        _print_json({"ok": True, "file": str(made.path), "bytes": made.bytes,
                     "revision": made.revision, "tables": made.tables})
    else:
        print(t("backup.cli.made", args.lang, path=made.path, size=f"{made.bytes:,}",
                revision=made.revision, tables=made.tables))
    return ALL_WELL


def _file_command(url: str, args: argparse.Namespace) -> int:
    try:
        return FILE_COMMANDS[args.command](url, args)
    except DomainError as error:   # refused: say why, change nothing
        return _refused(args, error.message(args.lang))
    except sqlite3.Error as error:   # e.g. the database path is a folder, or the disk is full
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return _refused(args, t("backup.sqlite_error", args.lang, reason=reason))


def _refused(args: argparse.Namespace, message: str) -> int:
    if args.json:
        _print_json({"ok": False, "error": message})
    else:
        print(message, file=sys.stderr)
    return UNREACHABLE


def restore(url: str, args: argparse.Namespace) -> int:
    """Put a backup in place of the live database, keeping the current one first; then bring
    the schema to head and check the ledger invariants again."""
    live = sqlite_path(url)
    kept = default_backup_path(live, dt.datetime.now(), "-before-restore")
    restored = restore_backup(url, args.file, keep_current=kept)
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        report = check_database(engine)
    finally:
        engine.dispose()
    kept_shown = str(restored.kept) if restored.kept is not None else None
    not_kept = (t("backup.cli.not_kept", args.lang, reason=restored.kept_warning)
                if restored.kept_warning is not None else None)
    if args.json:
        _print_json({"ok": report.ok, "file": str(restored.path), "revision": restored.revision,
                     "kept_previous": kept_shown, "kept_warning": not_kept,
                     "database": _shown(url),
                     "findings": [{**f.as_dict(), "message": _message(f, args.lang)}
                                  for f in report.findings]})
    else:
        print(t("backup.cli.restored", args.lang, path=restored.path,
                revision=restored.revision))
        if kept_shown:
            print(t("backup.cli.kept", args.lang, path=kept_shown))
        if not_kept:
            print(not_kept)
        for finding in report.findings:
            print(_line(finding, args.lang))
        print(_summary(report, args.lang))
    return ALL_WELL if report.ok else PROBLEM


COMMANDS: dict[str, Callable[[Engine, argparse.Namespace], int]] = {
    "check": check, "health": health, "migrate": migrate}
FILE_COMMANDS: dict[str, Callable[[str, argparse.Namespace], int]] = {
    "backup": backup, "restore": restore}


# --- printing ---------------------------------------------------------------------------------

def _message(finding: Finding, lang: str) -> str:
    return t(finding.key, lang, **finding.params)


def _line(finding: Finding, lang: str) -> str:
    line = (f"{STATUS_WORDS[finding.status]:<8} {finding.check:<38} {finding.count:>7}  "
            f"{_message(finding, lang)}")
    if finding.examples:
        line += " " + t("integrity.cli.examples", lang, table=finding.table,
                        ids=", ".join(str(i) for i in finding.examples))
    return line


def _summary(report: IntegrityReport, lang: str) -> str:
    checks = len({f.check for f in report.findings})
    problems = len({f.check for f in report.problems})
    seconds = f"{sum(report.seconds.values()):.2f}"
    if report.ok:
        return t("integrity.cli.summary_ok", lang, checks=checks, seconds=seconds)
    return t("integrity.cli.summary_problems", lang, checks=checks, problems=problems,
             seconds=seconds)


def _unreachable(args: argparse.Namespace, url: str, reason: str) -> int:
    shown = _shown(url) if url else "UNION_DATABASE_URL"
    password = _password(url)
    if password:   # a driver's message could quote the URL it was given
        reason = reason.replace(password, "***")
    if args.json:
        _print_json({"ok": False, "reachable": False, "database": shown, "error": reason})
    else:
        print(t("integrity.cli.unreachable", args.lang, url=shown, reason=reason),
              file=sys.stderr)
    return UNREACHABLE


def _shown(url: Any) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):   # not a URL at all: show nothing of it
        return "(invalid)"


def _password(url: str) -> str | None:
    try:
        return make_url(url).password if url else None
    except (ArgumentError, ValueError):
        return None


def _print_json(document: dict[str, Any]) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
