"""现金日记账 — the cash book: entries oldest first with the running balance, filtered by date,
account, kind and category; export to Excel; and 冲正 (reversal) for the district admin."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from services import fund
from services import fund_reports as reports
from services.clock import local_today
from services.errors import DomainError
from services.formatting import date, money
from ui import fund_cached as cached
from ui.fund_view import account_name, account_options, form_key, money_text, renew_form
from ui.guard import require_login
from ui.runtime import db, lang, show_error, tr
from ui.widgets import act, current_page, pager, show_done

PAGE_SIZE = 50
PAGE_KEY = "journal_page"
KINDS = ("income", "expense")

actor = require_login("fund_journal")
st.title(tr("fund.journal.title"))
show_done()

today = local_today()
accounts = account_options(actor)
with db() as session:
    categories = {c.id: c for kind in KINDS for c in fund.categories(session, kind,
                                                                    active_only=False)}


def any_or(names: dict[Any, str]) -> Callable[[Any], str]:
    return lambda v: tr("fund.journal.any") if v is None else names[v]


c1, c2, c3 = st.columns(3)
start = c1.date_input(tr("fund.journal.date_from"), value=dt.date(today.year, 1, 1),
                      max_value=today, format="YYYY-MM-DD")
end = c2.date_input(tr("fund.journal.date_to"), value=today, max_value=today,
                    format="YYYY-MM-DD")
account_id = c3.selectbox(tr("fund.journal.account"), options=[None, *accounts],
                          format_func=any_or(accounts))
c1, c2 = st.columns(2)
kinds = {k: tr(f"fund.journal.kind.{k}") for k in KINDS}
kind = c1.selectbox(tr("fund.journal.kind_filter"), options=[None, *KINDS],
                    format_func=any_or(kinds))
shown_categories = {i: f"{kinds[c.kind]} · {c.name}" for i, c in categories.items()
                    if kind in (None, c.kind)}
category_id = c2.selectbox(tr("fund.journal.category"), options=[None, *shown_categories],
                           format_func=any_or(shown_categories))
if not isinstance(start, dt.date) or not isinstance(end, dt.date) or start > end:
    st.info(tr("fund.journal.pick_dates"))
    st.stop()

try:
    result = cached.journal(actor, start, end, account_id, kind, category_id,
                            current_page(PAGE_KEY), PAGE_SIZE)
except DomainError as error:
    show_error(error)
    st.stop()

if result.running_is_balance:
    st.metric(tr("fund.journal.opening", date=(start - dt.timedelta(days=1)).isoformat()),
              money(int(result.opening_fen)))
else:
    st.caption(tr("fund.journal.subtotal_note"))
frame = result.frame


def marker(reverses: str, reversed_by: str) -> str:
    if reverses:
        return tr("fund.journal.reverses", voucher=reverses)
    return tr("fund.journal.reversed_by", voucher=reversed_by) if reversed_by else ""


running = "fund.journal.col.balance" if result.running_is_balance else "fund.journal.col.subtotal"
st.dataframe(pd.DataFrame({
    tr("fund.journal.col.date"): frame["entry_date"].map(date),
    tr("fund.journal.col.voucher"): frame["voucher_no"],
    tr("fund.journal.col.account"): frame["account"].map(account_name),
    tr("fund.journal.col.category"): frame["category"],
    tr("fund.journal.col.counterparty"): frame["counterparty"],
    tr("fund.journal.col.memo"): frame["memo"],
    tr("fund.journal.col.reversal"): [marker(a, b) for a, b in zip(
        frame["reverses"], frame["reversed_by"], strict=True)],
    tr("fund.journal.col.income"): money_text(frame["income_fen"], blank_zero=True),
    tr("fund.journal.col.expense"): money_text(frame["expense_fen"], blank_zero=True),
    tr(running): money_text(frame["running_fen"]),
}), hide_index=True, width="stretch", height="content")
pager(int(result.total), page_size=PAGE_SIZE, key=PAGE_KEY)
st.metric(tr("fund.journal.closing" if result.running_is_balance
             else "fund.journal.filtered_total", date=end.isoformat()),
          money(int(result.closing_fen)))


def journal_file() -> bytes:
    with db() as session:
        return reports.journal_xlsx(session, actor, start=start, end=end, account_id=account_id,
                                    kind=kind, category_id=category_id, lang=lang())


# The whole filtered journal, made only when the button is clicked.
st.download_button(tr("fund.journal.export"), journal_file, on_click="ignore",
                   file_name=f"journal-{start.isoformat()}-{end.isoformat()}.xlsx")

if not actor.has("district_admin"):
    st.stop()

st.subheader(tr("fund.journal.reverse_heading"))
st.caption(tr("fund.journal.reverse_help"))
open_entries = {int(r.id): f"{r.voucher_no} · {money(int(r.income_fen or r.expense_fen))} · "
                           f"{r.category} · {r.counterparty}"
                for r in frame.itertuples() if not r.reverses and not r.reversed_by}
if not open_entries:
    st.caption(tr("fund.journal.nothing_to_reverse"))
    st.stop()


def reversed_ok() -> None:
    cached.fund_changed()
    renew_form("reverse")


key = form_key("reverse")
with st.form(f"reverse_{key}"):
    entry_id = st.selectbox(tr("fund.journal.reverse_entry"), options=list(open_entries),
                            format_func=open_entries.__getitem__)
    reason = st.text_input(tr("fund.journal.reverse_reason"), max_chars=fund.MAX_TEXT)
    day = st.date_input(tr("fund.journal.reverse_date"), value=today, max_value=today,
                        format="YYYY-MM-DD")
    if st.form_submit_button(tr("fund.journal.reverse"), type="primary"):
        act("fund.journal.reversed", fund.reverse_entry, actor, entry_id, reason=reason,
            entry_date=day, idempotency_key=key, changed=reversed_ok)
