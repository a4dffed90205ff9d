"""全部提案 — the district union reads every school's motions: by school and meeting, state,
department, words and overdue, page by page, and takes the register of the same filters as
Excel."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services.org import department_choices, school_choices
from ui import motion_board as board
from ui import motion_register
from ui.guard import require_login
from ui.runtime import db, tr

actor = require_login("motion_list")
st.title(tr("motion.list_page.title"))
st.caption(tr("motion.list_page.intro"))

with db() as session:
    schools = school_choices(session, actor)
left, right = st.columns(2)
school_id = left.selectbox(tr("motion.board.school"), options=[None, *schools],
                           format_func=lambda s: tr("motion.board.all") if s is None
                           else schools[s], key="list_school")
meeting_id = None
departments: dict[int, str] = {}
if school_id is not None:
    meetings = board.meeting_choices(actor, school_id)
    meeting_id = right.selectbox(tr("motion.board.meeting"), options=[None, *meetings],
                                 format_func=lambda m: tr("motion.board.all") if m is None
                                 else meetings[m], key=f"list_meeting_{school_id}")
    with db() as session:
        departments = department_choices(session, actor, school_id=school_id)

motion_register.register(actor, key="list", departments=departments, school_id=school_id,
                         meeting_id=meeting_id)
