"""教代会设置 — a school's congress terms (届) and their delegates, its meetings (次) with the
rules their motions and votes follow, and the votes (表决) on resolutions with quorum and result
computed from 应到, 实到 and 赞成."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
from typing import Any

import pandas as pd
import streamlit as st

from services import motions
from services.clock import local_today
from services.errors import DomainError
from services.org import school_choices
from ui import motion_board as board
from ui.guard import require_login
from ui.runtime import db, show_error, tr
from ui.widgets import act, show_done

VOTE_KEY = "_congress_vote_result"   # the result of the vote just recorded, shown once
COUNTS = ("entitled", "present", "yes", "no", "abstain")   # 应到, 实到, 赞成, 反对, 弃权

actor = require_login("congress")
st.title(tr("motion.congress.title"))
show_done()
if result := st.session_state.pop(VOTE_KEY, None):
    st.success(result)

today = local_today()
with db() as session:
    schools = school_choices(session, actor)
if not actor.has("district_admin"):
    schools = {k: v for k, v in schools.items() if k in actor.school_ids("school_chair")}
school_id = st.selectbox(tr("motion.congress.school"), options=list(schools),
                         format_func=schools.__getitem__, key="congress_school")
if school_id is None:
    st.stop()


def step(done: str, call, **kwargs) -> None:  # type: ignore[no-untyped-def]
    act(done, call, actor, changed=board.motions_changed, **kwargs)


def settings_inputs(prefix: str, current: motions.MeetingSettings) -> motions.MeetingSettings:
    """The rules of a meeting; fractions as two whole numbers, as the rules are written."""
    c1, c2, c3 = st.columns(3)
    min_cosigners = c1.number_input(tr("motion.field.min_cosigners"), min_value=0,
                                    max_value=50, value=current.min_cosigners, key=f"{prefix}_co")
    reply_days = c2.number_input(tr("motion.field.reply_days"), min_value=1, max_value=365,
                                 value=current.reply_days, key=f"{prefix}_days")
    c3.caption(tr("motion.congress.rules_help"))
    q1, q2, p1, p2 = st.columns(4)
    quorum = (q1.number_input(tr("motion.congress.quorum_num"), min_value=1, max_value=100,
                              value=current.quorum_num, key=f"{prefix}_qn"),
              q2.number_input(tr("motion.congress.quorum_den"), min_value=1, max_value=100,
                              value=current.quorum_den, key=f"{prefix}_qd"))
    passing = (p1.number_input(tr("motion.congress.pass_num"), min_value=1, max_value=100,
                               value=current.pass_num, key=f"{prefix}_pn"),
               p2.number_input(tr("motion.congress.pass_den"), min_value=1, max_value=100,
                               value=current.pass_den, key=f"{prefix}_pd"))
    return motions.MeetingSettings(int(min_cosigners), int(quorum[0]), int(quorum[1]),
                                   int(passing[0]), int(passing[1]), int(reply_days))


def read(name: str, **kwargs: Any) -> Any:
    """Terms, staff, meetings and votes as services.motions lists them, scoped to the actor.

    Waiting on services.motions.congress_terms(session, actor, *, school_id),
    delegate_choices(session, actor, *, school_id), congress_meetings(session, actor, *,
    term_id) and congress_votes(session, actor, *, meeting_id): until they exist the page says
    so rather than read with SQL of its own."""
    found = getattr(motions, name, None)
    if found is None:
        st.info(tr("motion.congress.not_ready"))
        st.stop()
    try:
        with db() as session:
            return found(session, actor, **kwargs)
    except DomainError as error:
        show_error(error)
        st.stop()


terms = read("congress_terms", school_id=school_id)

st.subheader(tr("motion.congress.terms"))
if terms.empty:
    st.caption(tr("motion.congress.no_terms"))
else:
    st.dataframe(terms[["number", "start_year", "end_year", "delegates", "meetings"]],
                 hide_index=True, width="stretch",
                 column_config={"number": tr("motion.field.term_number")} | {
                     c: tr(f"motion.congress.col.{c}")
                     for c in ("start_year", "end_year", "delegates", "meetings")})
with st.expander(tr("motion.congress.new_term"), expanded=terms.empty), \
        st.form("congress_new_term"):
    c1, c2, c3 = st.columns(3)
    number = c1.number_input(tr("motion.field.term_number"), min_value=1, max_value=99,
                             value=int(terms["number"].max()) + 1 if not terms.empty else 1)
    start = c2.number_input(tr("motion.field.start_year"), min_value=1990, max_value=2100,
                            value=today.year)
    end = c3.number_input(tr("motion.field.end_year"), min_value=1990, max_value=2100,
                          value=today.year + 4)
    if st.form_submit_button(tr("motion.congress.create_term"), type="primary"):
        step("motion.congress.term_created", motions.create_term, school_id=school_id,
             number=int(number), start_year=int(start), end_year=int(end))
if terms.empty:
    st.stop()

names = {int(r.id): tr("motion.congress.term_label", number=r.number, start=r.start_year,
                       end=r.end_year) for r in terms.itertuples()}
term_id = st.selectbox(tr("motion.congress.term"), options=list(names),
                       format_func=names.__getitem__, key=f"congress_term_{school_id}")
with db() as session:
    current = motions.term_delegate_ids(session, term_id)
meetings = read("congress_meetings", term_id=term_id)
delegates_tab, meetings_tab, votes_tab = st.tabs([
    tr("motion.congress.tab.delegates"), tr("motion.congress.tab.meetings"),
    tr("motion.congress.tab.votes")])

staff = read("delegate_choices", school_id=school_id)
with delegates_tab, st.form(f"congress_delegates_{term_id}"):
    chosen = st.multiselect(tr("motion.congress.delegates", n=len(current)), options=list(staff),
                            default=[s for s in current if s in staff],
                            format_func=staff.__getitem__)
    if st.form_submit_button(tr("motion.congress.save_delegates"), type="primary"):
        step("motion.congress.delegates_saved", motions.set_delegates, term_id=term_id,
             staff_ids=chosen)

with meetings_tab:
    if meetings.empty:
        st.caption(tr("motion.congress.no_meetings"))
    else:
        board.meetings_table(meetings)
        labels = {int(r.id): tr("motion.congress.meeting_label", number=r.number, year=r.year)
                  for r in meetings.itertuples()}
        meeting_id = st.selectbox(tr("motion.congress.edit_meeting"), options=list(labels),
                                  format_func=labels.__getitem__, key=f"congress_edit_{term_id}")
        row = meetings[meetings["id"] == meeting_id].iloc[0]
        with st.form(f"congress_meeting_{meeting_id}"):
            rules = settings_inputs(f"edit_{meeting_id}", board.settings_of(row))
            held = st.date_input(tr("motion.congress.held_on"), format="YYYY-MM-DD",
                                 value=None if pd.isna(row["held_on"]) else row["held_on"])
            accepting = st.toggle(tr("motion.congress.accepting"), value=bool(row["accepting"]))
            if st.form_submit_button(tr("motion.congress.save_meeting"), type="primary"):
                step("motion.congress.meeting_saved", motions.update_meeting,
                     meeting_id=meeting_id, settings=rules, accepting=accepting, held_on=held)
    with st.expander(tr("motion.congress.new_meeting"), expanded=meetings.empty), \
            st.form(f"congress_new_meeting_{term_id}"):
        c1, c2, c3 = st.columns(3)
        number = c1.number_input(tr("motion.field.meeting_number"), min_value=1, max_value=99,
                                 value=int(meetings["number"].max()) + 1 if not meetings.empty
                                 else 1)
        year = c2.number_input(tr("motion.field.year"), min_value=1990, max_value=2100,
                               value=today.year)
        held = c3.date_input(tr("motion.congress.held_on"), value=None, format="YYYY-MM-DD")
        rules = settings_inputs(f"new_{term_id}", motions.MeetingSettings())
        if st.form_submit_button(tr("motion.congress.create_meeting"), type="primary"):
            step("motion.congress.meeting_created", motions.create_meeting, term_id=term_id,
                 number=int(number), year=int(year), held_on=held, settings=rules)

with votes_tab:
    if meetings.empty:
        st.caption(tr("motion.congress.no_meetings"))
        st.stop()
    labels = {int(r.id): tr("motion.congress.meeting_label", number=r.number, year=r.year)
              for r in meetings.itertuples()}
    meeting_id = st.selectbox(tr("motion.congress.vote_meeting"), options=list(labels),
                              format_func=labels.__getitem__, key=f"congress_vote_{term_id}")
    rules = board.settings_of(meetings[meetings["id"] == meeting_id].iloc[0])
    st.caption(tr("motion.congress.vote_rules", qn=rules.quorum_num, qd=rules.quorum_den,
                  pn=rules.pass_num, pd=rules.pass_den))
    with st.form(f"congress_vote_{meeting_id}"):
        subject = st.text_input(tr("motion.field.vote_subject"), max_chars=motions.MAX_SUBJECT)
        # 应到 starts at the term's delegates: what the hall usually counts against.
        numbers = {name: int(column.number_input(
            tr(f"motion.field.{name}"), min_value=0, step=1, key=f"vote_{name}",
            value=len(current) if name == "entitled" else 0))
            for column, name in zip(st.columns(len(COUNTS)), COUNTS, strict=True)}
        voted_on = st.date_input(tr("motion.field.voted_on"), value=today, max_value=today,
                                 format="YYYY-MM-DD")
        if st.form_submit_button(tr("motion.congress.record_vote"), type="primary"):
            try:
                with db() as session:
                    motions.record_vote(session, actor, meeting_id=meeting_id, subject=subject,
                                        voted_on=voted_on, **numbers)
            except DomainError as error:
                show_error(error)
            else:
                st.session_state[VOTE_KEY] = board.vote_text(motions.vote_result(
                    rules, entitled=numbers["entitled"], present=numbers["present"],
                    yes=numbers["yes"]), yes=numbers["yes"])
                st.rerun()
    board.votes_table(read("congress_votes", meeting_id=meeting_id), rules)

