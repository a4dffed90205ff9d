"""救助公示 — relief paid in a year, by category and masked name, for every logged-in member.
Teachers open it on their phones: one column of widgets and narrow tables."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.formatting import date, money
from services.org import school_choices
from ui import fund_cached as cached
from ui.fund_view import money_text, year_select
from ui.guard import require_login
from ui.runtime import db, show_error, tr

actor = require_login("relief_notice")
st.title(tr("fund.notice.title"))
st.caption(tr("fund.notice.privacy"))

year = year_select("fund.notice.year", key="notice_year")
with db() as session:
    schools = school_choices(session, actor)
school_id = st.selectbox(tr("fund.notice.school"), options=[None, *schools],
                         format_func=lambda s: tr("fund.notice.all_schools") if s is None
                         else schools[s])
try:
    listing = cached.notice(actor, year, school_id)
    if school_id is None:
        totals = cached.notice_totals(actor, year)
    else:  # one school: its own totals, from its list
        totals = (listing.groupby("category", sort=False)
                  .agg(count=("amount_fen", "size"), amount_fen=("amount_fen", "sum"))
                  .reset_index())
except DomainError as error:
    show_error(error)
    st.stop()

if listing.empty:
    st.info(tr("fund.notice.none", year=year))
    st.stop()

st.subheader(tr("fund.notice.totals", year=year))
st.dataframe(pd.DataFrame({
    tr("fund.notice.col.category"): totals["category"],
    tr("fund.notice.col.count"): totals["count"].astype(int),
    tr("fund.notice.col.amount"): money_text(totals["amount_fen"]),
}), hide_index=True, width="stretch")
st.caption(tr("fund.notice.total_line", n=int(totals["count"].sum()),
              amount=money(int(totals["amount_fen"].sum()))))

st.subheader(tr("fund.notice.list"))
st.dataframe(pd.DataFrame({
    tr("fund.notice.col.name"): listing["name"],
    tr("fund.notice.col.category"): listing["category"],
    tr("fund.notice.col.amount"): money_text(listing["amount_fen"]),
    tr("fund.notice.col.school"): listing["school"],
    tr("fund.notice.col.paid_on"): listing["paid_on"].map(date),
}), hide_index=True, width="stretch")
