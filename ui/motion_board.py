"""What the motion board shows and the committee pages share: KPI tiles, the board's Altair
charts, rates as percentages, and the caches of the motion reads, keyed by the actor (so never
shared across scopes) and cleared by every page that moves a motion on.

Rates are Fractions from the services; a person reads them as exact text (75.0%), the charts
plot floats for drawing only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

import altair as alt
import pandas as pd
import streamlit as st

from services import motion_queries as queries
from services import motions
from services.actor import Actor
from services.formatting import date as date_text
from services.motion_files import percent
from ui import motion_view
from ui.cached import TTL_SECONDS
from ui.runtime import db, tr

# The four rates of DOMAIN.md: (catalogue key, numerator column, denominator column).
RATES = (
    ("motion.kpi.registration_rate", "registered", "submitted"),
    ("motion.kpi.on_time_rate", "on_time", "due"),
    ("motion.kpi.satisfaction_rate", "satisfied", "rated"),
    ("motion.kpi.done_rate", "done", "registered"),
)
COUNTS = queries.KPI_COUNTS


def ratio(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(int(numerator), int(denominator)) if denominator else None


# --- caches -----------------------------------------------------------------------------------

@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def kpis(actor: Actor, meeting_id: int | None, school_id: int | None,
         year: int | None) -> queries.Kpis:
    with db() as session:
        return queries.kpis(session, actor, meeting_id=meeting_id, school_id=school_id,
                            year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def kpis_by_school(actor: Actor, year: int | None) -> pd.DataFrame:
    with db() as session:
        return queries.kpis_by_school(session, actor, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def kpis_by_meeting(actor: Actor, school_id: int) -> pd.DataFrame:
    with db() as session:
        return queries.kpis_by_meeting(session, actor, school_id=school_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def department_ranking(actor: Actor, school_id: int | None, year: int | None) -> pd.DataFrame:
    with db() as session:
        return queries.department_ranking(session, actor, school_id=school_id, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def overdue_list(actor: Actor, school_id: int | None, today: dt.date) -> pd.DataFrame:
    """Today is in the key: a motion turns overdue at midnight, not 60 s after it."""
    with db() as session:
        return queries.overdue_list(session, actor, school_id=school_id, today=today)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def meeting_choices(actor: Actor, school_id: int | None) -> dict[int, str]:
    with db() as session:
        return queries.meeting_choices(session, actor, school_id=school_id)


def motions_changed() -> None:
    """After any step of a motion, a meeting's settings or a progress import."""
    motion_view.motions_changed()
    for cache in (kpis, kpis_by_school, kpis_by_meeting, department_ranking, overdue_list,
                  meeting_choices):
        cache.clear()


def forget_gone(key: str, options: Sequence[object]) -> None:
    """A choice kept from an earlier run that is no longer listed (the motion moved on, the
    filter changed) falls back to the first option instead of failing."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


# --- tiles and tables -------------------------------------------------------------------------

def kpi_tiles(figures: queries.Kpis) -> None:
    """The four rates, each with the counts it divides."""
    for column, (key, top, bottom) in zip(st.columns(len(RATES)), RATES, strict=True):
        numerator, denominator = getattr(figures, top), getattr(figures, bottom)
        column.metric(tr(key), percent(ratio(numerator, denominator)))
        column.caption(tr(f"{key}.counts", n=numerator, of=denominator))


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """The four rates as text next to the counts, for a table of schools or meetings."""
    shown = frame.copy()
    for key, top, bottom in RATES:
        shown[key] = [percent(ratio(n, d)) for n, d in zip(shown[top], shown[bottom],
                                                            strict=True)]
    return shown


def kpi_table(frame: pd.DataFrame, *, name: str, title_key: str) -> None:
    """Counts and rates per school or per meeting."""
    shown = with_rates(frame)
    columns = [name, *COUNTS, *(key for key, _t, _b in RATES)]
    config = {name: tr(title_key)} | {c: tr(f"motion.kpi.col.{c}") for c in COUNTS} | {
        key: tr(key) for key, _t, _b in RATES}
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config=config)


# --- charts -----------------------------------------------------------------------------------

def rate_bars(frame: pd.DataFrame, *, name: str, title_key: str) -> None:
    """The four rates per school or meeting, side by side; a group with nothing to divide by
    has no bar rather than a bar at zero."""
    rows = [(str(getattr(r, name)), tr(key), float(value), percent(value))
            for r in frame.itertuples() for key, top, bottom in RATES
            if (value := ratio(getattr(r, top), getattr(r, bottom))) is not None]
    if not rows:
        st.caption(tr("motion.board.nothing"))
        return
    data = pd.DataFrame(rows, columns=["group", "rate", "value", "shown"])
    order = [tr(key) for key, _t, _b in RATES]
    st.altair_chart(alt.Chart(data).mark_bar().encode(
        y=alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
        yOffset=alt.YOffset("rate:N", sort=order),
        x=alt.X("value:Q", title=None, axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("rate:N", title=tr("motion.board.rate"), sort=order,
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("group:N", title=tr(title_key)),
                 alt.Tooltip("rate:N", title=tr("motion.board.rate")),
                 alt.Tooltip("shown:N", title=tr("motion.board.value"))]), width="stretch")


def count_bars(frame: pd.DataFrame, *, name: str, title_key: str) -> None:
    """How many motions reached each stage, per school or meeting: the funnel behind the
    rates."""
    if frame.empty or not frame[list(COUNTS)].to_numpy().any():
        st.caption(tr("motion.board.nothing"))
        return
    data = frame[[name, *COUNTS]].melt(id_vars=[name], var_name="stage", value_name="count")
    data["stage"] = data["stage"].map(lambda c: tr(f"motion.kpi.col.{c}"))
    order = [tr(f"motion.kpi.col.{c}") for c in COUNTS]
    st.altair_chart(alt.Chart(data.rename(columns={name: "group"})).mark_bar().encode(
        y=alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
        yOffset=alt.YOffset("stage:N", sort=order),
        x=alt.X("count:Q", title=tr("motion.board.count")),
        color=alt.Color("stage:N", title=tr("motion.board.stage"), sort=order,
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("group:N", title=tr(title_key)),
                 alt.Tooltip("stage:N", title=tr("motion.board.stage")),
                 alt.Tooltip("count:Q", title=tr("motion.board.count"))]), width="stretch")


def _department_names(frame: pd.DataFrame) -> pd.Series:
    """Every school has its 教务处: across schools a department is named with its school."""
    if frame["school"].nunique() > 1:
        return frame["school"] + " · " + frame["department"]
    return frame["department"]


def ranking_bars(frame: pd.DataFrame) -> None:
    """Lead departments by their on-time rate in ranking order, satisfaction in the tooltip."""
    data = frame.assign(name=_department_names(frame))
    rows = [(r.name, float(on_time), percent(on_time), percent(ratio(r.satisfied, r.rated)))
            for r in data.itertuples() if (on_time := ratio(r.on_time, r.due)) is not None]
    if not rows:
        st.caption(tr("motion.board.nothing"))
        return
    data = pd.DataFrame(rows, columns=["department", "value", "shown", "satisfaction"])
    st.altair_chart(alt.Chart(data).mark_bar().encode(
        x=alt.X("value:Q", title=tr("motion.kpi.on_time_rate"), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("department:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
        tooltip=[alt.Tooltip("department:N", title=tr("motion.board.department")),
                 alt.Tooltip("shown:N", title=tr("motion.kpi.on_time_rate")),
                 alt.Tooltip("satisfaction:N", title=tr("motion.kpi.satisfaction_rate"))]),
        width="stretch")


def ranking_table(frame: pd.DataFrame) -> None:
    """The ranking with its counts and both rates as exact text."""
    shown = frame.assign(
        on_time_rate=[percent(ratio(n, d)) for n, d in zip(frame["on_time"], frame["due"],
                                                           strict=True)],
        satisfaction_rate=[percent(ratio(n, d)) for n, d in zip(frame["satisfied"],
                                                                frame["rated"], strict=True)])
    columns = ["rank", "school", "department", "assigned", "due", "on_time", "on_time_rate",
               "rated", "satisfied", "satisfaction_rate"]
    st.dataframe(shown[columns], hide_index=True, width="stretch",
                 column_config={c: tr(f"motion.board.ranking.{c}") for c in columns})


def overdue_table(frame: pd.DataFrame) -> None:
    shown = frame.assign(deadline=frame["deadline"].map(date_text),
                         state=frame["state"].map(motion_view.state_label),
                         number=frame["number"].fillna(""),
                         department=frame["department"].fillna(""))
    columns = ["number", "title", "school", "department", "state", "deadline", "days_overdue"]
    st.dataframe(shown[columns], hide_index=True, width="stretch",
                 column_config={c: tr(f"motion.board.overdue.{c}") for c in columns})


# --- congress: meetings and votes ---------------------------------------------------------------

def settings_of(row: pd.Series) -> motions.MeetingSettings:
    """The rules of a meeting as listed by the congress reads."""
    return motions.MeetingSettings(*(int(row[name]) for name in (
        "min_cosigners", "quorum_num", "quorum_den", "pass_num", "pass_den", "reply_days")))


def meetings_table(frame: pd.DataFrame) -> None:
    shown = frame.assign(
        held_on=frame["held_on"].map(lambda d: "" if pd.isna(d) else date_text(d)),
        quorum=[f"{n}/{d}" for n, d in zip(frame["quorum_num"], frame["quorum_den"],
                                           strict=True)],
        pass_share=[f"{n}/{d}" for n, d in zip(frame["pass_num"], frame["pass_den"],
                                               strict=True)],
        accepting=frame["accepting"].map(lambda a: tr("motion.congress.yes") if a
                                         else tr("motion.congress.no")))
    columns = ["number", "year", "held_on", "min_cosigners", "quorum", "pass_share",
               "reply_days", "accepting"]
    st.dataframe(shown[columns], hide_index=True, width="stretch",
                 column_config={c: tr(f"motion.congress.col.{c}") for c in columns})


def vote_text(result: motions.VoteResult, *, yes: int) -> str:
    """表决结果 in one sentence: the quorum with the fewest needed, and the outcome."""
    return tr("motion.congress.vote_outcome",
              quorum=tr("motion.congress.quorum_met" if result.quorum
                        else "motion.congress.quorum_missed", n=result.quorum_needed),
              result=tr("motion.congress.passed" if result.passed
                        else "motion.congress.not_passed", yes=yes, n=result.pass_needed))


def votes_table(frame: pd.DataFrame, rules: motions.MeetingSettings) -> None:
    """Past votes with 是否达到法定人数 and 表决结果 computed by the service's rule."""
    if frame.empty:
        st.caption(tr("motion.congress.no_votes"))
        return
    results = [motions.vote_result(rules, entitled=int(r.entitled), present=int(r.present),
                                   yes=int(r.yes)) for r in frame.itertuples()]
    shown = frame.assign(
        voted_on=frame["voted_on"].map(date_text),
        quorum=[tr("motion.congress.yes") if r.quorum else tr("motion.congress.no")
                for r in results],
        result=[tr("motion.congress.result_passed") if r.passed
                else tr("motion.congress.result_failed") for r in results])
    columns = ["voted_on", "subject", "entitled", "present", "yes", "no", "abstain", "quorum",
               "result"]
    st.dataframe(shown[columns], hide_index=True, width="stretch",
                 column_config={c: tr(f"motion.congress.vote_col.{c}") for c in columns})
