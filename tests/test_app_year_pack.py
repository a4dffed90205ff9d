"""年度工作汇总 through AppTest on the demo district: the district admin sees the year's
headline figures and both downloads; every other role is refused by the page's guard."""

from __future__ import annotations

import pytest
import streamlit as st

from bench.harness import ROLE_USERS, app_on_page, routed
from db.engine import make_engine, make_sessionmaker
from services import year_pack as packs
from services.access import PAGES_BY_KEY
from services.auth import load_actor
from services.clock import local_today
from services.formatting import money
from services.i18n import t

PAGE = PAGES_BY_KEY["year_pack"].file
COOKIE_KEY = "app-test-signing-key-not-for-production"


@pytest.fixture(autouse=True)
def app_env(demo_db_url, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("UNION_COOKIE_KEY", COOKIE_KEY)
    st.cache_data.clear()   # the caches are per process and keyed by the actor, not the database
    with routed():
        yield demo_db_url


def as_district(url: str, call):
    """What a service call returns for the demo's district admin, read directly."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return call(session, load_actor(session, "district"))
    finally:
        engine.dispose()


def pack_of(url: str, year: int) -> packs.YearPack:
    return as_district(url, lambda session, actor: packs.year_pack(session, actor, year=year))


def tiles(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_district_admin_sees_the_figures_and_both_downloads(app_env):
    at = app_on_page("district", PAGE)
    assert not at.exception, at.exception
    assert not at.error
    assert [title.value for title in at.title] == [t("page.year_pack")]
    year = local_today().year
    assert at.selectbox[0].label == t("year_pack.year") and at.selectbox[0].value == year
    # The demo's years with data, newest first: 2019 holds its oldest honour.
    years = as_district(app_env, packs.pack_years)
    assert years[0] == year and years[-1] == 2019
    assert at.selectbox[0].options == [str(y) for y in years]
    assert [d.label for d in at.get("download_button")] == [t("year_pack.download_pdf"),
                                                           t("year_pack.download_xlsx")]
    pack = pack_of(app_env, year)
    shown = tiles(at)
    assert shown[t("motion.kpi.col.submitted")] == str(pack.motions.totals.submitted)
    assert shown[t("year_pack.col.overdue")] == str(pack.motions.overdue)
    assert shown[t("year_pack.fund.closing")] == money(pack.fund.closing_fen)
    assert shown[t("year_pack.fund.income")] == money(pack.fund.income_fen)
    assert shown[t("year_pack.metric.honours")] == str(len(pack.competitions.honours))
    assert t("year_pack.feedback.suppressed", n=5) in [c.value for c in at.caption]


def test_another_year_can_be_chosen(app_env):
    at = app_on_page("district", PAGE)
    year = local_today().year - 1
    at.selectbox[0].set_value(year).run()
    assert not at.exception, at.exception
    pack = pack_of(app_env, year)
    assert tiles(at)[t("year_pack.fund.relief")] == money(pack.fund.relief_fen)
    assert tiles(at)[t("motion.kpi.col.registered")] == str(pack.motions.totals.registered)


def test_the_page_speaks_english(app_env):
    at = app_on_page("district", PAGE, lang="en")
    assert not at.exception, at.exception
    assert [title.value for title in at.title] == ["Year-end pack"]
    assert [d.label for d in at.get("download_button")] == [
        "Download the PDF report", "Download the Excel workbook"]


@pytest.mark.parametrize("role", ["school_chair", "department_head", "delegate", "auditor"])
def test_every_other_role_is_refused(app_env, role):
    at = app_on_page(ROLE_USERS[role], PAGE)
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [t("access.denied")]
    assert not at.metric and not at.get("download_button") and not at.selectbox


def test_a_visitor_is_sent_to_log_in(app_env):
    at = app_on_page(None, PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == t("login.heading")
    assert at.session_state["_after_login"] == "year_pack"
    assert not at.metric and not at.get("download_button")
