"""The fund overview's Altair charts. Axes plot yuan as floats for drawing only: every figure a
person reads (tooltips, tables, tiles) is exact text made from integer fen."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from services.formatting import money
from ui.runtime import tr


def _yuan(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.assign(yuan=frame[column] / 100,
                        shown=frame[column].map(lambda fen: money(int(fen))))


def balance_line(frame: pd.DataFrame) -> None:
    """Balance at the end of each month, from the first entry on."""
    if frame.empty:
        st.caption(tr("fund.overview.no_entries"))
        return
    data = _yuan(frame, "balance_fen")
    st.altair_chart(alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth", title=None,
                axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("yuan:Q", title=tr("fund.overview.yuan")),
        tooltip=[alt.Tooltip("month:N", title=tr("fund.overview.month")),
                 alt.Tooltip("shown:N", title=tr("fund.overview.balance"))]), width="stretch")


def monthly_bars(frame: pd.DataFrame, *, kind: str, legend_key: str) -> None:
    """One year's months, stacked by income source or by relief category."""
    data = frame[frame["kind"] == kind]
    if data.empty:
        st.caption(tr("fund.overview.nothing_this_year"))
        return
    data = _yuan(data, "amount_fen")
    st.altair_chart(alt.Chart(data).mark_bar().encode(
        x=alt.X("month:O", title=None),
        y=alt.Y("sum(yuan):Q", title=tr("fund.overview.yuan")),
        color=alt.Color("category:N", title=tr(legend_key)),
        tooltip=[alt.Tooltip("month:N", title=tr("fund.overview.month")),
                 alt.Tooltip("category:N", title=tr(legend_key)),
                 alt.Tooltip("shown:N", title=tr("fund.overview.amount"))]), width="stretch")


def ranked_bars(frame: pd.DataFrame, *, name: str, column: str, title_key: str,
                count: str | None = None) -> None:
    """Horizontal bars, largest first: schools by relief paid, or the top categories."""
    if frame.empty or not frame[column].any():
        st.caption(tr("fund.overview.nothing_this_year"))
        return
    data = _yuan(frame, column)
    tooltip = [alt.Tooltip(f"{name}:N", title=tr(title_key)),
               alt.Tooltip("shown:N", title=tr("fund.overview.amount"))]
    if count:
        tooltip.append(alt.Tooltip(f"{count}:Q", title=tr("fund.overview.count")))
    st.altair_chart(alt.Chart(data).mark_bar().encode(
        x=alt.X("yuan:Q", title=tr("fund.overview.yuan")),
        y=alt.Y(f"{name}:N", title=None, sort="-x"), tooltip=tooltip), width="stretch")
