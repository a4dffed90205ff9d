"""The audit log: one append-only table, written by services for every change."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, utcnow
from services.actor import Actor, require_role
from services.clock import local_day_start_utc, to_local
from services.formatting import safe_cell
from services.i18n import DEFAULT_LANG, catalogue, label, t

READERS = ("district_admin", "auditor")


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    school_id: int | None = None,
    note: str | None = None,
) -> None:
    session.add(AuditEntry(
        at=utcnow(),
        account_id=actor.account_id if actor else None,
        actor_name=actor.username if actor else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        school_id=school_id,
        before=before,
        after=after,
        note=note,
    ))


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    username: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _conditions(filters: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.action:
        conditions.append(AuditEntry.action == filters.action)
    if filters.object_type:
        conditions.append(AuditEntry.object_type == filters.object_type)
    if filters.username:
        conditions.append(AuditEntry.actor_name == filters.username.strip().lower())
    if filters.date_from:  # dates are the district's local calendar days
        conditions.append(AuditEntry.at >= local_day_start_utc(filters.date_from))
    if filters.date_to:
        conditions.append(
            AuditEntry.at < local_day_start_utc(filters.date_to + dt.timedelta(days=1)))
    return conditions


def count_entries(session: Session, actor: Actor, *, filters: AuditFilter | None = None) -> int:
    require_role(actor, *READERS)
    conditions = _conditions(filters or AuditFilter())
    return int(session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(*conditions)) or 0)


def list_entries(
    session: Session, actor: Actor, *, filters: AuditFilter | None = None,
    page: int = 1, page_size: int = 50,
) -> pd.DataFrame:
    """A page of the audit log, newest first. `count_entries` gives the total."""
    require_role(actor, *READERS)
    conditions = _conditions(filters or AuditFilter())
    rows = session.execute(
        select(AuditEntry.id, AuditEntry.at, AuditEntry.actor_name, AuditEntry.action,
               AuditEntry.object_type, AuditEntry.object_id, AuditEntry.before,
               AuditEntry.after, AuditEntry.note)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(page_size).offset((max(1, page) - 1) * page_size)
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "at", "actor", "action", "object_type",
                                        "object_id", "before", "after", "note"])
    frame["at"] = frame["at"].map(to_local)
    for column in ("before", "after"):
        frame[column] = frame[column].map(_as_text)
    return frame


EXPORT_LIMIT = 100_000
EXPORT_COLUMNS = ("at", "actor", "action", "object_type", "object_id", "before", "after", "note")


def export_xlsx(session: Session, actor: Actor, *, filters: AuditFilter | None = None,
                lang: str = DEFAULT_LANG) -> bytes:
    """The filtered log as a workbook, newest first, at most EXPORT_LIMIT rows; every text
    cell formula-safe. Streamed: the rows never sit in memory all at once."""
    from openpyxl import Workbook

    require_role(actor, *READERS)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(t("audit.title", lang))
    sheet.append([t(f"audit.col.{c}", lang) for c in EXPORT_COLUMNS])
    result = session.execute(
        select(AuditEntry.at, AuditEntry.actor_name, AuditEntry.action, AuditEntry.object_type,
               AuditEntry.object_id, AuditEntry.before, AuditEntry.after, AuditEntry.note)
        .where(*_conditions(filters or AuditFilter()))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(EXPORT_LIMIT)
        .execution_options(yield_per=2000))
    for at, who, action, object_type, object_id, before, after, note in result:
        local = to_local(at)
        sheet.append([
            local.strftime("%Y-%m-%d %H:%M:%S") if local else "", safe_cell(who or ""),
            label(f"audit.action.{action}", action, lang),
            label(f"audit.object.{object_type}", object_type, lang),
            safe_cell(object_id or ""), safe_cell(_as_text(before)), safe_cell(_as_text(after)),
            safe_cell(note or "")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_text(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def known_actions(actor: Actor) -> list[str]:
    """Every action the services write, read from the catalogue (each one has a label there).

    Asking the database for DISTINCT actions would scan the whole log on every rerun.
    """
    require_role(actor, *READERS)
    prefix = "audit.action."
    return sorted(k[len(prefix):] for k in catalogue(DEFAULT_LANG) if k.startswith(prefix))
