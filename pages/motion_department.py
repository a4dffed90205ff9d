"""承办提案 — the motions assigned to my department: how many wait, are in hand, answered and
rated, and the queue with the overdue ones marked."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import motion_queries as queries
from ui.guard import require_login
from ui.motion_view import motion_table, pick_and_open
from ui.runtime import db, tr
from ui.widgets import show_done

COUNTS = ("todo", "doing", "replied", "rated")   # 待办 / 在办 / 已答复 / 已反馈

actor = require_login("motion_department")
st.title(tr("motion.dept.title"))
show_done()

with db() as session:
    counts, queue = queries.department_queue(session, actor)
# A row that wraps: the four tiles stay side by side on a phone instead of stacking.
with st.container(horizontal=True):
    for key in COUNTS:
        st.metric(tr(f"motion.dept.count.{key}"), counts.get(key, 0), border=True)

st.subheader(tr("motion.dept.queue"))
if queue.empty:
    st.info(tr("motion.dept.none"))
    st.stop()
overdue = int(queue["overdue"].sum()) if "overdue" in queue else 0
if overdue:
    st.warning(tr("motion.dept.overdue", n=overdue))
motion_table(queue)
pick_and_open(queue, "motion_dept_pick")
