"""全部提案: the district union's list of every school's motions, under every role."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bench.harness import app_on_page, routed
from services.access import PAGES_BY_KEY
from services.i18n import t

FILE = PAGES_BY_KEY["motion_list"].file


@pytest.fixture
def url(demo_db_url, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    with routed():
        yield demo_db_url


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def listed(at: AppTest) -> int:
    return sum(len(frame.value) for frame in at.dataframe)


@pytest.mark.parametrize("username", ["chair", "dept", "delegate", "auditor"])
def test_only_the_district_opens_it(url, username):
    at = app_on_page(username, FILE)
    assert [w.value for w in at.warning] == [t("access.denied")]
    assert len(at.dataframe) == 0


def test_the_district_lists_every_school_then_one_school_and_its_states(url):
    at = app_on_page("district", FILE)
    assert at.title[0].value == t("motion.list_page.title")
    assert not at.error
    first_page = listed(at)
    assert first_page == 50          # a page of the whole district's motions
    assert at.selectbox(key="list_department").disabled
    at.selectbox(key="list_school").select_index(1)    # the first school, MH01
    rerun(at)
    assert not at.selectbox(key="list_department").disabled
    at.selectbox(key="list_state").set_value("draft")
    rerun(at)
    # Drafts are their proposer's: the district union lists none.
    assert listed(at) == 0 and t("motion.review.none_found") in [c.value for c in at.caption]
    at.selectbox(key="list_state").set_value("registered")
    rerun(at)
    assert at.selectbox(key="list_state").value == "registered"
    assert listed(at) >= 1
    assert set(at.dataframe[0].value.iloc[:, 2]) <= {t("motion.state.registered")}
    assert any(b.label == t("motion.review.download_register") for b in at.get("download_button"))
