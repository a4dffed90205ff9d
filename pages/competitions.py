"""技能竞赛 — the competitions I may read, and a new one set up in the forms people know."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import datetime as dt
from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from db.competitions import LEVELS, ROUNDING_MODES
from services import competitions as comps
from services.access import PAGES_BY_KEY
from services.clock import local_today
from services.errors import DomainError
from services.org import school_choices
from services.scoring import DEFAULT_SEGMENTS, DEFAULT_TIERS
from ui.guard import require_login
from ui.runtime import db, label, show_error, tr

OPEN_KEY = "competition_id"   # which competition the detail page shows

actor = require_login("competitions")
st.title(tr("comp.title"))

this_year = local_today().year
year = st.selectbox(tr("comp.year"), options=[None, *range(this_year, this_year - 11, -1)],
                    format_func=lambda y: tr("comp.any_year") if y is None else str(y))
with db() as session:
    frame = comps.list_competitions(session, actor, year=year)
    organisers = comps.organiser_choices(session, actor)

if frame.empty:
    st.info(tr("comp.none"))
else:
    shown = frame.assign(level=frame["level"].map(lambda v: label(f"comp.level.{v}", v)),
                         state=frame["state"].map(lambda v: label(f"comp.state.{v}", v)))
    st.dataframe(shown[["year", "name", "level", "kind", "organiser", "state", "entrants"]],
                 hide_index=True, width="stretch", column_config={
                     "year": st.column_config.NumberColumn(tr("comp.col.year"), format="%d"),
                     "name": tr("comp.col.name"), "level": tr("comp.col.level"),
                     "kind": tr("comp.col.kind"), "organiser": tr("comp.col.organiser"),
                     "state": tr("comp.col.state"), "entrants": tr("comp.col.entrants")})
    names = dict(zip(frame["id"], frame["year"].astype(str) + " " + frame["name"], strict=True))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    picked = left.selectbox(tr("comp.open"), options=list(names), format_func=names.__getitem__)
    if right.button(tr("comp.open_button"), type="primary", width="stretch"):
        st.session_state[OPEN_KEY] = int(picked)
        st.switch_page(PAGES_BY_KEY["competition"].file)

if not organisers:
    st.stop()


def decimal_or_none(value: object) -> Decimal | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise DomainError("comp.error.not_a_number", value=str(value)) from error


st.subheader(tr("comp.new"))
c1, c2, c3 = st.columns(3)
name = c1.text_input(tr("comp.col.name"), max_chars=100)
kind = c2.text_input(tr("comp.col.kind"), max_chars=50, placeholder=tr("comp.kind_hint"))
organiser = c3.selectbox(tr("comp.col.organiser"), options=list(organisers),
                         format_func=organisers.__getitem__)
c1, c2, c3, c4 = st.columns(4)
level = c1.selectbox(tr("comp.col.level"), options=LEVELS,
                     index=0 if organiser is not None else 1,
                     format_func=lambda v: label(f"comp.level.{v}", v))
new_year = c2.number_input(tr("comp.col.year"), min_value=2000, max_value=2100,
                           value=this_year, step=1)
held_on = c3.date_input(tr("comp.held_on"), value=local_today(), format="YYYY-MM-DD")
rounding = c4.selectbox(tr("comp.rounding"), options=ROUNDING_MODES,
                        format_func=lambda v: label(f"comp.rounding.{v}", v))

st.caption(tr("comp.segments_help"))
segments = st.data_editor(pd.DataFrame(
    [(n, float(m), float(w)) for n, m, w in DEFAULT_SEGMENTS],
    columns=["name", "max_score", "weight"]), num_rows="dynamic", key="new_segments",
    column_config={
        "name": tr("comp.segment"), "max_score": st.column_config.NumberColumn(
            tr("comp.max_score"), min_value=0.01, step=0.5, format="%.2f"),
        "weight": st.column_config.NumberColumn(tr("comp.weight"), min_value=0.01,
                                                format="%.2f")})
st.caption(tr("comp.tiers_help"))
tiers = st.data_editor(pd.DataFrame(
    [(n, float(q), None, None) for n, q in DEFAULT_TIERS],
    columns=["name", "quota_percent", "fixed_count", "min_score"]),
    num_rows="dynamic", key="new_tiers", column_config={
        "name": tr("comp.tier"),
        "quota_percent": st.column_config.NumberColumn(tr("comp.quota_percent"), format="%.2f"),
        "fixed_count": st.column_config.NumberColumn(tr("comp.fixed_count"), step=1),
        "min_score": st.column_config.NumberColumn(tr("comp.min_score"), format="%.2f")})

school_ids = None
if organiser is None:  # a district competition: pick the schools first, then their staff
    with db() as session:
        schools = school_choices(session, actor)
    school_ids = st.multiselect(tr("comp.entrant_schools"), options=list(schools),
                                format_func=schools.__getitem__)
with db() as session:
    people = comps.entrant_choices(session, actor, organiser, school_ids=school_ids)
labels = {text: staff_id for staff_id, text in people.items()}
st.caption(tr("comp.judges_help"))
staff_judges = st.multiselect(tr("comp.staff_judges"), options=list(labels))
outside = st.data_editor(pd.DataFrame({"name": [""], "organisation": [""]}),
                         num_rows="dynamic", key="new_outside_judges", column_config={
                             "name": tr("comp.judge_name"),
                             "organisation": tr("comp.judge_organisation")})
st.caption(tr("comp.entrants_help"))
group_count = st.number_input(tr("comp.group_count"), min_value=1, max_value=20, value=1)
groups: list[tuple[str, list[str]]] = []
for n in range(int(group_count)):
    left, right = st.columns([1, 3])
    group_name = left.text_input(tr("comp.group"), key=f"group_name_{n}",
                                 placeholder=tr("comp.group_hint"))
    members = right.multiselect(tr("comp.group_entrants"), options=list(labels),
                                key=f"group_members_{n}")
    groups.append((group_name, members))

if st.button(tr("comp.create"), type="primary"):
    try:
        data = comps.CompetitionInput(
            name=name, level=level, kind=kind, year=int(new_year), organiser_school_id=organiser,
            held_on=held_on if isinstance(held_on, dt.date) else None, rounding=rounding,
            segments=[comps.SegmentInput(str(r.name or ""), decimal_or_none(r.max_score)
                                         or Decimal(0), decimal_or_none(r.weight) or Decimal(0))
                      for r in segments.itertuples() if str(r.name or "").strip()],
            tiers=[comps.TierInput(str(r.name), decimal_or_none(r.quota_percent),
                                   None if pd.isna(r.fixed_count) else int(r.fixed_count),
                                   decimal_or_none(r.min_score))
                   for r in tiers.itertuples() if str(r.name or "").strip()],
            judges=[*(comps.JudgeInput("", staff_id=labels[text]) for text in staff_judges),
                    *(comps.JudgeInput(str(r.name).strip(), str(r.organisation or "").strip())
                      for r in outside.itertuples() if str(r.name or "").strip())],
            entrants=[comps.EntrantInput(labels[person], group_name.strip())
                      for group_name, members in groups for person in members])
        with db() as session:
            new_id = comps.create_competition(session, actor, data)
    except DomainError as error:
        show_error(error)
    else:
        st.session_state[OPEN_KEY] = new_id
        st.switch_page(PAGES_BY_KEY["competition"].file)
