"""学校管理 — the district's schools and their departments."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services.errors import DomainError
from services.org import DEFAULT_DEPARTMENTS, add_department, create_school
from ui.cached import organisation_changed, school_list
from ui.guard import require_login
from ui.runtime import db, show_error, tr, tr_text

actor = require_login("schools")
st.title(tr("schools.title"))

frame = school_list(actor)
st.dataframe(
    frame.drop(columns=["id"]), hide_index=True, width="stretch",
    column_config={
        "code": tr("schools.col.code"), "name": tr("schools.col.name"),
        "active": st.column_config.CheckboxColumn(tr("schools.col.active")),
        "departments": tr("schools.col.departments"), "staff": tr("schools.col.staff"),
        "retired": tr("schools.col.retired"),
    },
)

left, right = st.columns(2)
with left.form("new_school", clear_on_submit=True):
    st.subheader(tr("schools.add"))
    code = st.text_input(tr("schools.code"), help=tr("schools.code_help"))
    name = st.text_input(tr("schools.name"))
    departments = st.text_area(tr("schools.departments"), value="\n".join(DEFAULT_DEPARTMENTS),
                               help=tr("schools.departments_help"))
    if st.form_submit_button(tr("schools.save")):
        try:
            with db() as session:
                create_school(session, actor, code=code, name=name,
                              departments=departments.splitlines())
            organisation_changed()
            st.success(tr_text("schools.created", name=name.strip()))
        except DomainError as error:
            show_error(error)

with right.form("new_department", clear_on_submit=True):
    st.subheader(tr("schools.add_department"))
    school_names = dict(zip(frame["id"], frame["name"], strict=True))
    school_id = st.selectbox(tr("schools.school"), options=list(school_names),
                             format_func=lambda sid: school_names[sid])
    dept_name = st.text_input(tr("schools.department_name"))
    if st.form_submit_button(tr("schools.save")):
        try:
            with db() as session:
                add_department(session, actor, school_id=school_id, name=dept_name)
            organisation_changed()
            st.success(tr_text("schools.department_created", name=dept_name.strip()))
        except DomainError as error:
            show_error(error)
