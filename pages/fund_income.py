"""收入登记 — income by form, a donation list imported from Excel (all rows or none), and a
direct expense such as 节日送温暖慰问 paid to a group rather than through an application."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import pandas as pd
import streamlit as st

from services import fund, fund_import
from services.clock import local_today
from services.errors import DomainError
from services.formatting import money
from ui.fund_cached import fund_changed
from ui.fund_view import account_options, form_key, post_once, show_posted
from ui.guard import require_login
from ui.runtime import db, lang, show_error, tr

actor = require_login("fund_income")
st.title(tr("fund.income.title"))
show_posted()

today = local_today()
accounts = account_options(actor)
with db() as session:
    sources = {c.id: c.name for c in fund.categories(session, "income")}
    reliefs = {c.id: c.name for c in fund.categories(session, "expense")}


def entry_form(kind: str, categories: dict[int, str]) -> None:
    """One posting by form: income from a source, or a direct expense in a category."""
    income = kind == "income"
    key = form_key(kind)
    with st.form(f"{kind}_{key}"):
        c1, c2 = st.columns(2)
        account_id = c1.selectbox(tr("fund.income.account"), options=list(accounts),
                                  format_func=accounts.__getitem__)
        category_id = c2.selectbox(tr("fund.income.source" if income else "fund.income.category"),
                                   options=list(categories), format_func=categories.__getitem__)
        amount = c1.text_input(tr("fund.income.amount"), max_chars=20,
                               placeholder=tr("fund.income.amount_hint"))
        day = c2.date_input(tr("fund.income.date"), value=today, max_value=today,
                            format="YYYY-MM-DD")
        other = st.text_input(tr("fund.income.payer" if income else "fund.income.payee"),
                              max_chars=100)
        memo = st.text_area(tr("fund.income.memo"), max_chars=fund.MAX_TEXT)
        if st.form_submit_button(tr("fund.income.post" if income else "fund.income.post_expense"),
                                 type="primary"):
            post_once(kind, "fund.income.posted" if income else "fund.income.expense_posted",
                      fund.post_entry, actor, account_id=account_id, kind=kind,
                      category_id=category_id, amount=amount, entry_date=day,
                      counterparty=other, memo=memo)


income_tab, expense_tab = st.tabs([tr("fund.income.tab.income"), tr("fund.income.tab.expense")])

with income_tab:
    entry_form("income", sources)

    st.subheader(tr("fund.income.import_heading"))
    st.caption(tr("fund.income.import_help"))

    def template_file() -> bytes:  # with today's sources and schools in its second sheet
        with db() as session:
            return fund_import.template_xlsx(lang(), session)

    st.download_button(tr("fund.income.template"), template_file, on_click="ignore",
                       file_name="donations-template.xlsx")
    upload = st.file_uploader(tr("fund.income.upload"), type=["xlsx"])
    if upload is not None and st.button(tr("fund.income.import")):
        bar = st.progress(0.0, text=tr("fund.income.importing"))
        try:
            with db() as session:
                outcome = fund_import.import_donations(
                    session, actor, filename=upload.name, data=upload.getvalue(),
                    progress=lambda done: bar.progress(min(max(float(done), 0.0), 1.0),
                                                       text=tr("fund.income.importing")))
        except DomainError as error:
            bar.empty()
            show_error(error)
        else:
            bar.empty()
            if outcome.problems:
                st.error(tr("fund.income.import_refused", n=len(outcome.problems)))
                st.dataframe(pd.DataFrame({
                    tr("fund.income.col.row"): [p.row for p in outcome.problems],
                    tr("fund.income.col.problem"): [p.error.message(lang())
                                                    for p in outcome.problems]}),
                    hide_index=True, width="stretch")
            else:
                fund_changed()
                st.success(tr("fund.income.imported", n=outcome.rows,
                              total=money(int(outcome.total_fen))))

with expense_tab:
    st.caption(tr("fund.income.expense_help"))
    entry_form("expense", reliefs)
