"""Caches of the relief fund's slow reads, keyed by the actor, and the one function that clears
them after any change to the ledger or to an application."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from services import fund
from services import fund_reports as reports
from services.actor import Actor
from ui.cached import TTL_SECONDS, home_summary
from ui.runtime import db


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def balances(actor: Actor) -> pd.DataFrame:
    with db() as session:
        return fund.balances(session, actor)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def monthly(actor: Actor, year: int) -> pd.DataFrame:
    with db() as session:
        return reports.monthly(session, actor, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def balance_over_time(actor: Actor) -> pd.DataFrame:
    with db() as session:
        return reports.balance_over_time(session, actor)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def by_school(actor: Actor, year: int) -> pd.DataFrame:
    with db() as session:
        return reports.by_school(session, actor, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def yearly(actor: Actor) -> pd.DataFrame:
    with db() as session:
        return reports.yearly(session, actor)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def recipients(actor: Actor, year: int) -> pd.DataFrame:
    with db() as session:
        return reports.recipients(session, actor, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def top_categories(actor: Actor, year: int) -> pd.DataFrame:
    with db() as session:
        return reports.top_categories(session, actor, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def journal(actor: Actor, start: dt.date, end: dt.date, account_id: int | None, kind: str | None,
            category_id: int | None, page: int, page_size: int) -> reports.JournalPage:
    with db() as session:
        return reports.journal(session, actor, start=start, end=end, account_id=account_id,
                               kind=kind, category_id=category_id, page=page,
                               page_size=page_size)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def notice(actor: Actor, year: int, school_id: int | None) -> pd.DataFrame:
    with db() as session:
        return reports.public_notice(session, actor, year=year, school_id=school_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def notice_totals(actor: Actor, year: int) -> pd.DataFrame:
    with db() as session:
        return reports.notice_totals(session, actor, year=year)


def fund_changed() -> None:
    """After a posting, a reversal, an import, a reconciliation or an application step."""
    home_summary.clear()
    for cache in (balances, monthly, balance_over_time, by_school, top_categories, journal,
                  notice, notice_totals, yearly, recipients):
        cache.clear()
