"""提案统计 — 立案率, 按期答复率, 满意率 and 落实率 of the district, a school or one meeting;
the rates per school and per meeting, the lead departments' ranking and the overdue list.

Every figure comes from the motion services through caches keyed by the actor and the filters:
a school chair's figures are those of the chair's own school, whatever the widgets say.
"""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services.clock import local_today
from services.errors import DomainError
from services.org import school_choices
from ui import motion_board as board
from ui import motion_view
from ui.guard import require_login
from ui.runtime import db, show_error, tr

TOP_GROUPS = 10         # schools (or meetings) drawn in a chart; the table holds them all
TOP_DEPARTMENTS = 20    # departments drawn in the ranking chart
LISTED = 500   # overdue motions listed (most overdue first); the heading counts them all

actor = require_login("motion_board")
district_wide = actor.has("district_admin")
st.title(tr("motion.board.title"))
if not district_wide:
    st.caption(tr("motion.board.school_scope"))

today = local_today()
with db() as session:
    schools = school_choices(session, actor)
if not district_wide:  # a chair who is also a delegate elsewhere: the board is the chair's
    schools = {k: v for k, v in schools.items() if k in actor.school_ids("school_chair")}


def any_or(value: object, text: str) -> str:
    return tr("motion.board.all") if value is None else text


c1, c2, c3 = st.columns(3)
school_options: list[int | None] = [None, *schools] if district_wide else list(schools)
school_id = c1.selectbox(tr("motion.board.school"), options=school_options,
                         format_func=lambda s: any_or(s, schools.get(s, "")),
                         key="board_school")
year = c2.selectbox(tr("motion.board.year"), options=[None, *range(today.year,
                                                                   today.year - 6, -1)],
                    format_func=lambda y: any_or(y, str(y)), key="board_year")
meeting_id = None
if school_id is not None:
    meetings = board.meeting_choices(actor, school_id)
    meeting_id = c3.selectbox(tr("motion.board.meeting"), options=[None, *meetings],
                              format_func=lambda m: any_or(m, meetings.get(m, "")),
                              key=f"board_meeting_{school_id}")

try:
    figures = board.kpis(actor, meeting_id, school_id, year)
    ranking = board.department_ranking(actor, school_id, year)
    overdue = board.overdue_list(actor, school_id, today)
    if school_id is None:
        groups, name, group_key = board.kpis_by_school(actor, year), "school", "motion.board.school"
    else:
        groups, name, group_key = (board.kpis_by_meeting(actor, school_id), "meeting",
                                   "motion.board.meeting")
except DomainError as error:
    show_error(error)
    st.stop()

board.kpi_tiles(figures)

st.subheader(tr("motion.board.by_school") if school_id is None else
             tr("motion.board.by_meeting"))
if groups.empty:
    st.caption(tr("motion.board.nothing"))
else:
    # Schools: those with the most motions; meetings: the newest.
    largest = (groups if school_id is not None else
               groups.sort_values("submitted", ascending=False, kind="stable")).head(TOP_GROUPS)
    rates_tab, counts_tab, table_tab = st.tabs([
        tr("motion.board.rates_chart"), tr("motion.board.counts_chart"),
        tr("motion.board.table")])
    with rates_tab:
        board.rate_bars(largest, name=name, title_key=group_key)
    with counts_tab:
        board.count_bars(largest, name=name, title_key=group_key)
    with table_tab:
        board.kpi_table(groups, name=name, title_key=group_key)
    if len(groups) > TOP_GROUPS:
        st.caption(tr("motion.board.top_schools", n=TOP_GROUPS))

st.subheader(tr("motion.board.ranking"))
if ranking.empty:
    st.caption(tr("motion.board.nothing"))
else:
    board.ranking_bars(ranking.head(TOP_DEPARTMENTS))
    board.ranking_table(ranking)

st.subheader(tr("motion.board.overdue", n=len(overdue)))
if overdue.empty:
    st.caption(tr("motion.board.none_overdue"))
else:
    if len(overdue) > LISTED:
        st.caption(tr("motion.board.overdue_first", n=LISTED))
    board.overdue_table(overdue.head(LISTED))
    board.forget_gone("board_pick", overdue.head(LISTED)["id"].astype(int).tolist())
    motion_view.pick_and_open(overdue.head(LISTED), "board_pick")
