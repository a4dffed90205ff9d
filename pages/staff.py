"""教职工名册 — the staff register of the schools in my scope."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services.org import list_staff, school_choices
from ui.guard import require_login
from ui.runtime import db, tr
from ui.widgets import current_page, pager

PAGE_SIZE = 50

actor = require_login("staff")
st.title(tr("staff.title"))

with db() as session:
    schools = school_choices(session, actor)
left, right = st.columns(2)
school_id = left.selectbox(tr("staff.school"), options=[None, *schools],
                           format_func=lambda sid: tr("staff.all_schools") if sid is None
                           else schools[sid])
search = right.text_input(tr("staff.search"), placeholder=tr("staff.search_hint"))

page = current_page("staff_page")
with db() as session:
    frame, total = list_staff(session, actor, school_id=school_id, search=search, page=page,
                          page_size=PAGE_SIZE)

st.dataframe(
    frame, hide_index=True, width="stretch",
    column_config={
        "staff_no": tr("staff.col.staff_no"), "name": tr("staff.col.name"),
        "school": tr("staff.col.school"), "department": tr("staff.col.department"),
        "subject": tr("staff.col.subject"), "title": tr("staff.col.title"),
        "retired": st.column_config.CheckboxColumn(tr("staff.col.retired")),
        "delegate": st.column_config.CheckboxColumn(tr("staff.col.delegate")),
    },
)
pager(total, page_size=PAGE_SIZE, key="staff_page")
