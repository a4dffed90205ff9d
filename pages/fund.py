"""基金总览 — balances, the year's income and relief in charts, per school, and the reports to
download: Excel for every reader, the whole ledger as Beancount for the district's roles."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import pandas as pd
import streamlit as st

from services import fund_reports as reports
from services.errors import DomainError
from services.formatting import date as date_text
from services.formatting import money
from services.fund import DISTRICT_KEY, DISTRICT_READERS
from ui import fund_cached as cached
from ui.fund_charts import balance_line, monthly_bars, ranked_bars
from ui.fund_view import account_name, money_text, year_select
from ui.guard import require_login
from ui.runtime import db, lang, show_error, tr, tr_text

TOP_SCHOOLS = 15
MAX_TILES = 6   # more accounts than this (a district of schools): the schools go in a table

actor = require_login("fund")
district_wide = actor.has(*DISTRICT_READERS)
st.title(tr("fund.overview.title"))
if not district_wide:
    st.caption(tr("fund.overview.school_scope"))

year = year_select("fund.overview.year", key="fund_year")
try:
    accounts = cached.balances(actor)
    months = cached.monthly(actor, year)
except DomainError as error:
    show_error(error)
    st.stop()


def tiles(items: list[tuple[str, int]]) -> None:
    for start in range(0, len(items), 3):
        for column, (title, fen) in zip(st.columns(3), items[start:start + 3], strict=False):
            column.metric(title, money(fen))


def year_total(kind: str) -> int:
    return int(months.loc[months["kind"] == kind, "amount_fen"].sum())


total = [(tr("fund.overview.total"), int(accounts["balance_fen"].sum())),
         (tr("fund.overview.year_income", year=year), year_total("income")),
         (tr("fund.overview.year_expense", year=year), year_total("expense"))]
if len(accounts) <= MAX_TILES:
    per_account = [(tr_text("fund.overview.balance_of", account=account_name(r.account)),
                    int(r.balance_fen)) for r in accounts.itertuples()]
else:
    district = accounts["account"].isin(["", DISTRICT_KEY])
    per_account = [(tr_text("fund.overview.balance_of", account=account_name("")),
                    int(accounts.loc[district, "balance_fen"].sum())),
                   (tr("fund.overview.schools_total", n=int((~district).sum())),
                    int(accounts.loc[~district, "balance_fen"].sum()))]
tiles(total + per_account)

st.subheader(tr("fund.overview.balance_over_time"))
balance_line(cached.balance_over_time(actor))
st.subheader(tr("fund.overview.income_by_source", year=year))
monthly_bars(months, kind="income", legend_key="fund.overview.source")
st.subheader(tr("fund.overview.expense_by_category", year=year))
monthly_bars(months, kind="expense", legend_key="fund.overview.category")

st.subheader(tr("fund.overview.top_categories", year=year))
ranked_bars(cached.top_categories(actor, year), name="category", column="amount_fen",
            title_key="fund.overview.category", count="count")

if district_wide:
    schools = cached.by_school(actor, year)
    st.subheader(tr("fund.overview.by_school", year=year, n=TOP_SCHOOLS))
    paid = schools[schools["school_id"].notna()].sort_values("expense_fen", ascending=False)
    ranked_bars(paid.head(TOP_SCHOOLS), name="name", column="expense_fen",
                title_key="fund.overview.school", count="paid_count")
    st.dataframe(pd.DataFrame({
        tr("fund.overview.col.account"): schools["name"].map(account_name),
        tr("fund.overview.col.income"): money_text(schools["income_fen"]),
        tr("fund.overview.col.expense"): money_text(schools["expense_fen"]),
        tr("fund.overview.col.paid_count"): schools["paid_count"].astype(int),
        tr("fund.overview.col.balance"): money_text(schools["balance_fen"]),
    }), hide_index=True, width="stretch")

st.subheader(tr("fund.overview.by_year"))
years = cached.yearly(actor)
if years.empty:
    st.caption(tr("fund.overview.no_entries"))
else:
    table = years.pivot_table(index="year", columns="kind", values="amount_fen", aggfunc="sum",
                              fill_value=0).reindex(columns=["income", "expense"], fill_value=0)
    st.dataframe(pd.DataFrame({
        tr("fund.overview.col.year"): table.index.astype(str),
        tr("fund.col.income"): money_text(table["income"]),
        tr("fund.col.expense"): money_text(table["expense"]),
        tr("fund.overview.col.net"): money_text(table["income"] - table["expense"]),
    }).iloc[::-1], hide_index=True, width="stretch")

# Every reader of this page reviews relief: the full names stay among them.
with st.expander(tr("fund.overview.recipients", year=year)):
    st.caption(tr("fund.overview.recipients_help"))
    people = cached.recipients(actor, year)
    st.dataframe(pd.DataFrame({
        tr("fund.col.number"): people["number"], tr("fund.col.school"): people["school"],
        tr("fund.col.name"): people["name"], tr("fund.col.staff_no"): people["staff_no"],
        tr("relief.list.col.category"): people["category"],
        tr("fund.col.amount"): money_text(people["amount_fen"]),
        tr("fund.col.paid_on"): people["paid_on"].map(date_text),
        tr("fund.col.voucher_no"): people["voucher_no"]}), hide_index=True, width="stretch")

st.subheader(tr("fund.overview.downloads"))


def reports_file() -> bytes:
    with db() as session:
        return reports.reports_xlsx(session, actor, year=year, lang=lang())


def ledger_file() -> str:
    with db() as session:
        return reports.beancount_text(session, actor)


# Files are made when their button is clicked, not on every rerun.
st.download_button(tr("fund.overview.download_reports", year=year), reports_file,
                   on_click="ignore", file_name=f"relief-fund-{year}.xlsx")
if district_wide:
    st.download_button(tr("fund.overview.download_beancount"), ledger_file, on_click="ignore",
                       file_name="relief-fund.beancount", mime="text/plain",
                       help=tr("fund.overview.beancount_help"))
