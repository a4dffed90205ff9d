"""What the relief fund's pages share: account names, the year picker, money as text, and
posting a form once however often its button is pressed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from services import fund
from services.actor import Actor
from services.clock import local_today
from services.errors import DomainError
from services.formatting import money
from ui.fund_cached import fund_changed
from ui.runtime import db, show_error, tr

YEARS_SHOWN = 10
_POSTED_KEY = "_fund_posted"   # the message of the posting the previous run made, with its voucher


def account_name(name: str) -> str:
    """The district fund comes as "" or "district"; a school's sub-account by its name."""
    return tr("fund.district_account") if name in ("", fund.DISTRICT_KEY) else name


def account_options(actor: Actor) -> dict[int, str]:
    """The accounts this actor may read, district fund first, with readable names."""
    with db() as session:
        choices = fund.account_choices(session, actor)
    return {account_id: account_name(name) for account_id, name in choices.items()}


def year_select(label_key: str, *, key: str) -> int:
    this_year = local_today().year
    return int(st.selectbox(tr(label_key), options=range(this_year, this_year - YEARS_SHOWN, -1),
                            key=key))


def money_text(values: pd.Series, *, blank_zero: bool = False) -> pd.Series:
    """Integer fen as ¥1,234.56 text, exact; zero left blank where it means "not this side"."""
    return values.map(lambda fen: "" if blank_zero and int(fen) == 0 else money(int(fen)))


def form_key(name: str) -> str:
    """The idempotency key of the form now on screen. It also names the form, so a new key
    after a success is a new, empty form, and a late second click of the old one is ignored."""
    state = f"_fund_form_{name}"
    if not st.session_state.get(state):
        st.session_state[state] = uuid.uuid4().hex
    return str(st.session_state[state])


def renew_form(name: str) -> None:
    st.session_state.pop(f"_fund_form_{name}", None)


def post_once(name: str, done: str, call: Callable[..., fund.Posted], *args: Any,
              **kwargs: Any) -> None:
    """Post through the service with the form's idempotency key: a repeated press with the
    same key returns the entry already posted. On success say which voucher it became."""
    try:
        with db() as session:
            posted = call(session, *args, idempotency_key=form_key(name), **kwargs)
    except DomainError as error:
        show_error(error)
        return
    fund_changed()
    renew_form(name)
    st.session_state[_POSTED_KEY] = (done, posted.voucher_no, posted.amount_fen)
    st.rerun()


def show_posted() -> None:
    if posted := st.session_state.pop(_POSTED_KEY, None):
        done, voucher, fen = posted
        st.success(tr(done, voucher=voucher, amount=money(int(fen))))
