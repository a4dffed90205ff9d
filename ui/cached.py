"""Short-lived caches of slow reads, keyed by the actor (so never shared across scopes) and
cleared by the pages that change what they show."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from services import audit, competitions, feedback, home, org
from services.actor import Actor
from ui.runtime import db

TTL_SECONDS = 60


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def home_summary(actor: Actor) -> home.HomeSummary:
    with db() as session:
        return home.home_summary(session, actor)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def school_list(actor: Actor) -> pd.DataFrame:
    with db() as session:
        return org.list_schools(session, actor)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def audit_total(actor: Actor, filters: audit.AuditFilter) -> int:
    """Counting millions of log rows on every rerun is the slow part; the rows are not cached."""
    with db() as session:
        return audit.count_entries(session, actor, filters=filters)


def organisation_changed() -> None:
    """After a write to schools, departments, staff or accounts."""
    home_summary.clear()
    school_list.clear()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def inbox_total(actor: Actor, filters: feedback.InboxFilter) -> int:
    with db() as session:
        return feedback.count_inbox(session, actor, filters)


def feedback_changed() -> None:
    """After a case changed state, so counts and home figures follow at once."""
    inbox_total.clear()
    feedback_stats.clear()
    home_summary.clear()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def feedback_stats(actor: Actor, school_id: int | None, date_from: dt.date,
                   date_to: dt.date) -> feedback.FeedbackStats:
    with db() as session:
        return feedback.feedback_stats(session, actor, school_id=school_id,
                                       date_from=date_from, date_to=date_to)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def medal_table(actor: Actor, year: int | None) -> pd.DataFrame:
    with db() as session:
        return competitions.medal_table(session, actor, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def awards_by_school_year(actor: Actor) -> pd.DataFrame:
    with db() as session:
        return competitions.results_by_school_year(session, actor)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def honours(actor: Actor, year: int | None) -> pd.DataFrame:
    with db() as session:
        return competitions.list_honours(session, actor, year=year)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=200)
def competition_results(actor: Actor, competition_id: int, sheet_version: int | None,
                        state: str) -> competitions.CompetitionResults:
    """Results change only with a new sheet version or a state change: both are in the key."""
    with db() as session:
        return competitions.results(session, actor, competition_id)


def competitions_changed() -> None:
    """After publishing, closing, reopening or recording an honour."""
    medal_table.clear()
    awards_by_school_year.clear()
    honours.clear()
