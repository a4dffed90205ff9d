"""意见统计 — messages by month, category and status (and school), with small groups hidden."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from services import feedback
from services.clock import local_today
from services.errors import DomainError
from ui.cached import feedback_stats
from ui.guard import require_login
from ui.runtime import db, label, show_error, tr, tr_text

actor = require_login("feedback_stats")
st.title(tr("stats.title"))
st.caption(tr("stats.intro", n=feedback.SMALL_GROUP))

with db() as session:
    scopes = feedback.stats_scope(session, actor)
today = local_today()
left, right = st.columns(2)
scope = left.selectbox(tr("stats.scope"), options=list(scopes),
                       format_func=lambda s: tr("stats.district_wide") if s is None
                       else scopes[s])
period = right.date_input(tr("stats.period"), format="YYYY-MM-DD", max_value=today,
                          value=(dt.date(today.year - 2, today.month, 1), today))
if not isinstance(period, tuple) or len(period) != 2:
    st.info(tr("stats.pick_period"))
    st.stop()

try:
    stats = feedback_stats(actor, scope, period[0], period[1])
except DomainError as error:
    show_error(error)
    st.stop()

st.metric(tr("stats.total"), tr("stats.hidden") if stats.total is None else stats.total)


def chart(title: str, counts: dict[str, int | None], names: dict[str, str] | None = None,
          *, sort: bool = False) -> None:
    """A bar chart of the groups that may be shown, and which were hidden."""
    names = names or {}
    shown = pd.DataFrame([(names.get(k, k), n) for k, n in counts.items() if n is not None],
                         columns=["group", "count"])
    hidden = [names.get(k, k) for k, n in counts.items() if n is None]
    st.subheader(title)
    if shown.empty:
        st.caption(tr("stats.nothing_to_show"))
    else:
        order = "-x" if sort else None
        st.altair_chart(alt.Chart(shown).mark_bar().encode(
            x=alt.X("count:Q", title=tr("stats.count")),
            y=alt.Y("group:N", title=None, sort=order),
            tooltip=[alt.Tooltip("group:N", title=title), alt.Tooltip("count:Q",
                                                                      title=tr("stats.count"))]),
            width="stretch")
    if hidden:
        st.caption(tr_text("stats.hidden_groups", groups="、".join(hidden)))


chart(tr("stats.by_month"), stats.by_month)
chart(tr("stats.by_category"), stats.by_category,
      {c: label(f"feedback.category.{c}", c) for c in feedback.CATEGORIES})
chart(tr("stats.by_status"), stats.by_status,
      {s: label(f"feedback.status.{s}", s) for s in feedback.STATUSES})
if scope is None:
    chart(tr("stats.by_school"), stats.by_school, sort=True)
