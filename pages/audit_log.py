"""审计日志 — every change: who, what, when, before and after."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services.audit import AuditFilter, export_xlsx, known_actions, list_entries
from services.clock import local_today
from ui.cached import audit_total
from ui.guard import require_login
from ui.runtime import db, label, lang, tr
from ui.widgets import current_page, pager

PAGE_SIZE = 50

actor = require_login("audit_log")
st.title(tr("audit.title"))

actions = known_actions(actor)
c1, c2, c3, c4 = st.columns(4)
action = c1.selectbox(tr("audit.action"), options=[None, *actions],
                      format_func=lambda a: tr("audit.any_action") if a is None
                      else label(f"audit.action.{a}", a))
username = c2.text_input(tr("audit.username"))
date_from = c3.date_input(tr("audit.date_from"), value=None, max_value=local_today(),
                          format="YYYY-MM-DD")
date_to = c4.date_input(tr("audit.date_to"), value=None, format="YYYY-MM-DD")
filters = AuditFilter(action=action, username=username or None, date_from=date_from,
                      date_to=date_to)

page = current_page("audit_page")
total = audit_total(actor, filters)
with db() as session:
    frame = list_entries(session, actor, filters=filters, page=page, page_size=PAGE_SIZE)

shown = frame.assign(
    action=frame["action"].map(lambda a: label(f"audit.action.{a}", a)),
    object_type=frame["object_type"].map(lambda o: label(f"audit.object.{o}", o)),
    note=frame["note"].fillna(""), actor=frame["actor"].fillna(""),
)
st.dataframe(
    shown, hide_index=True,
    width="stretch",
    column_config={
        "id": None,
        "at": st.column_config.DatetimeColumn(tr("audit.col.at"), format="YYYY-MM-DD HH:mm:ss"),
        "actor": tr("audit.col.actor"), "action": tr("audit.col.action"),
        "object_type": tr("audit.col.object_type"), "object_id": tr("audit.col.object_id"),
        "before": tr("audit.col.before"), "after": tr("audit.col.after"),
        "note": tr("audit.col.note"),
    },
)
pager(total, page_size=PAGE_SIZE, key="audit_page")


def _workbook() -> bytes:
    with db() as session:
        return export_xlsx(session, actor, filters=filters, lang=lang())


st.download_button(tr("audit.export"), data=_workbook, file_name="audit-log.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   on_click="ignore", help=tr("audit.export_help"))
