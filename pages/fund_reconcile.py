"""银行对账 — the treasurer's bank balance on a date against the ledger on that date, the checks
made so far, and the entries since the last one that agreed."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import fund
from services.clock import local_today
from services.errors import DomainError
from services.formatting import date, money
from ui.fund_cached import fund_changed
from ui.guard import require_login
from ui.relief_view import signed_money
from ui.runtime import db, show_error, tr

SHOWN_ENTRIES = 500

actor = require_login("fund_reconcile")
st.title(tr("fund.reconcile.title"))
st.caption(tr("fund.reconcile.help"))

if actor.has("district_admin"):
    with st.form("bank_check"):
        c1, c2 = st.columns(2)
        day = c1.date_input(tr("fund.reconcile.date"), value=local_today(),
                            max_value=local_today(), format="YYYY-MM-DD")
        amount = c2.text_input(tr("fund.reconcile.bank_balance"), max_chars=20,
                               placeholder=tr("fund.reconcile.amount_hint"))
        note = st.text_input(tr("fund.reconcile.note"), max_chars=fund.MAX_TEXT)
        record = st.form_submit_button(tr("fund.reconcile.record"), type="primary")
    if record:
        try:
            with db() as session:
                result = fund.record_bank_check(session, actor, checked_on=day,
                                                bank_balance=amount, note=note)
        except DomainError as error:
            show_error(error)
        else:
            fund_changed()
            if result.agrees:
                st.success(tr("fund.reconcile.agrees", date=date(result.checked_on),
                              balance=money(result.ledger_balance_fen)))
            else:
                st.warning(tr("fund.reconcile.differs", date=date(result.checked_on),
                              bank=money(result.bank_balance_fen),
                              ledger=money(result.ledger_balance_fen),
                              difference=signed_money(result.difference_fen)))

with db() as session:
    checks = fund.bank_checks(session, actor)
    last = fund.last_agreed_check(session, actor)
    since = fund.entries_since_agreed(session, actor, limit=SHOWN_ENTRIES)

st.subheader(tr("fund.reconcile.checks"))
if checks.empty:
    st.info(tr("fund.reconcile.no_checks"))
else:
    st.dataframe(checks.assign(
        checked_on=checks["checked_on"].map(date),
        bank_fen=checks["bank_fen"].map(lambda f: money(int(f))),
        ledger_fen=checks["ledger_fen"].map(lambda f: money(int(f))),
        difference_fen=checks["difference_fen"].map(lambda f: signed_money(int(f))),
        agrees=checks["agrees"].map(lambda ok: tr("fund.reconcile.agrees_yes" if ok
                                                  else "fund.reconcile.agrees_no")))
        [["checked_on", "bank_fen", "ledger_fen", "difference_fen", "agrees", "note"]],
        hide_index=True, width="stretch", column_config={
            "checked_on": tr("fund.reconcile.col.date"),
            "bank_fen": tr("fund.reconcile.col.bank"),
            "ledger_fen": tr("fund.reconcile.col.ledger"),
            "difference_fen": tr("fund.reconcile.col.difference"),
            "agrees": tr("fund.reconcile.col.agrees"), "note": tr("fund.reconcile.col.note")})

st.subheader(tr("fund.reconcile.since"))
st.caption(tr("fund.reconcile.since_last", date=date(last.checked_on),
              balance=money(last.bank_balance_fen)) if last is not None
           else tr("fund.reconcile.never_agreed"))
if since.empty:
    st.info(tr("fund.reconcile.nothing_since"))
else:
    if len(since) >= SHOWN_ENTRIES:
        st.caption(tr("fund.reconcile.first_entries", n=SHOWN_ENTRIES))
    st.dataframe(since.assign(
        entry_date=since["entry_date"].map(date),
        kind=since["kind"].map(lambda k: tr(f"fund.reconcile.kind.{k}")),
        amount_fen=since["amount_fen"].map(lambda f: money(int(f))))
        [["voucher_no", "entry_date", "kind", "category", "amount_fen", "counterparty", "memo"]],
        hide_index=True, width="stretch", column_config={
            "voucher_no": tr("fund.reconcile.col.voucher"),
            "entry_date": tr("fund.reconcile.col.date"),
            "kind": tr("fund.reconcile.col.kind"), "category": tr("fund.reconcile.col.category"),
            "amount_fen": tr("fund.reconcile.col.amount"),
            "counterparty": tr("fund.reconcile.col.counterparty"),
            "memo": tr("fund.reconcile.col.memo")})
