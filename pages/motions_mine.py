"""我的提案 — a delegate's own motions, a new draft (with earlier motions that read alike), and
the motions other delegates asked me to co-sign."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import motion_queries as queries
from services import motions
from services.errors import DomainError
from ui.guard import require_login
from ui.motion_board import motions_changed
from ui.motion_view import draft_fields, motion_table, open_motion, pick_and_open, similar_table
from ui.runtime import db, show_error, tr, tr_text
from ui.widgets import act, show_done

FORM = "motion_new"   # the draft form's widget keys start with this

actor = require_login("motions_mine")
st.title(tr("motion.mine.title"))
show_done()

with db() as session:
    mine = queries.my_motions(session, actor)
    requests = queries.cosign_requests(session, actor)
tab_mine, tab_new, tab_requests = st.tabs([
    tr("motion.mine.tab_mine", n=len(mine)), tr("motion.mine.tab_new"),
    tr("motion.mine.tab_requests", n=len(requests))])

with tab_mine:
    if mine.empty:
        st.info(tr("motion.mine.none"))
    else:
        motion_table(mine)
        pick_and_open(mine, "motion_mine_pick")

with tab_requests:
    if requests.empty:
        st.info(tr("motion.mine.no_requests"))
    for row in requests.itertuples():
        with st.container(border=True):
            st.caption(tr_text("motion.mine.asked_by", proposer=row.proposer))
            st.text(row.title)
            for action, call, kind in (("cosign", motions.cosign, "primary"),
                                       ("decline_cosign", motions.decline_cosign, "secondary")):
                if st.button(tr(f"motion.do.{action}"), key=f"motion_{action}_{row.id}",
                             type=kind, width="stretch"):
                    act(f"motion.done.{action}", call, actor, motion_id=int(row.id),
                        changed=motions_changed)
            if st.button(tr("motion.list.open"), key=f"motion_read_{row.id}", width="stretch"):
                open_motion(int(row.id))

with tab_new:
    # The meeting of my school that accepts motions now; a delegate of several schools picks.
    with db() as session:
        meetings: dict[int, tuple[int, str]] = {}
        for school_id in sorted(actor.school_ids("delegate")):
            meeting_id = queries.current_meeting_id(session, actor, school_id=school_id)
            if meeting_id is not None:
                labels = queries.meeting_choices(session, actor, school_id=school_id)
                meetings[meeting_id] = (school_id, labels.get(meeting_id, ""))
    if not meetings:
        st.info(tr("motion.mine.no_meeting"))
        st.stop()
    meeting_id = next(iter(meetings))
    if len(meetings) > 1:
        meeting_id = st.selectbox(tr("motion.form.meeting"), options=list(meetings),
                                  format_func=lambda m: meetings[m][1], key=f"{FORM}_meeting")
    else:
        st.caption(tr("motion.form.meeting_is", meeting=meetings[meeting_id][1]))
    st.caption(tr("motion.form.help"))
    title, reason, suggestion, category = draft_fields(FORM)
    similar_table(actor, meetings[meeting_id][0], f"{title}\n{reason}")
    if st.button(tr("motion.form.save"), type="primary", width="stretch", key=f"{FORM}_save"):
        try:
            with db() as session:
                new_id = motions.draft_motion(session, actor, meeting_id=meeting_id, title=title,
                                              reason=reason, suggestion=suggestion,
                                              category=category)
        except DomainError as error:
            show_error(error)
        else:
            motions_changed()
            for field in ("title", "reason", "suggestion", "category"):  # an empty form next time
                st.session_state.pop(f"{FORM}_{field}", None)
            open_motion(new_id)
