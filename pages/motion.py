"""提案详情 — one motion: its facts and texts, every step so far, co-signers, departments,
replies, ratings and milestones, and the steps this reader may take now."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import motion_queries as queries
from services.errors import DomainError
from ui.guard import require_login
from ui.motion_board import motions_changed
from ui.motion_view import (
    OPEN_KEY,
    action_forms,
    milestones,
    motion_name,
    show_motion,
)
from ui.runtime import db, show_error, tr
from ui.widgets import show_done

PICK_KEY = "motion_page_pick"

actor = require_login("motion")
st.title(tr("motion.detail.title"))
show_done()

# A shared link (?id=42) opens that motion; the address follows the motion shown, so that
# it can be shared in turn.
if (asked := st.query_params.get("id", "")).isdigit():
    st.session_state[OPEN_KEY] = int(asked)
motion_id = st.session_state.get(OPEN_KEY)

if motion_id is None:
    with db() as session:
        listed, _total = queries.list_motions(session, actor, page_size=200)  # newest first
    if listed.empty:
        st.info(tr("motion.detail.none_readable"))
        st.stop()
    names = {int(r.id): motion_name(r.number, r.title) for r in listed.itertuples()}
    picked = st.selectbox(tr("motion.list.pick"), options=list(names), index=None,
                          format_func=names.__getitem__, key=PICK_KEY,
                          placeholder=tr("motion.detail.pick_hint"))
    if picked is None:
        st.stop()
    motion_id = st.session_state[OPEN_KEY] = picked

try:
    with db() as session:
        view = queries.motion_view(session, actor, motion_id)
except DomainError as error:
    show_error(error)
    st.session_state.pop(OPEN_KEY, None)
    st.query_params.clear()
    st.button(tr("motion.detail.pick_other"), key="motion_pick_other")
    st.stop()

st.query_params["id"] = str(motion_id)
if st.button(tr("motion.detail.pick_other"), key="motion_pick_other"):
    st.session_state.pop(OPEN_KEY, None)
    st.session_state.pop(PICK_KEY, None)
    st.query_params.clear()
    st.rerun()

show_motion(view)
milestones(actor, view)
action_forms(actor, view, motions_changed)
