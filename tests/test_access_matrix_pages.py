"""The access matrix through the pages (AppTest): a chair of another school (school B) opens
every page a chair may open, and deep links to school A's relief case, motion, competition
and feedback case; nothing of school A shows. tests/test_app_pages.py already runs every page
under every demo role; this adds the second school's chair and the deep links."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bench.harness import app_on_page, routed
from db.competitions import Competition
from db.engine import make_engine, make_sessionmaker
from db.feedback import FeedbackCase
from db.fund import ReliefApplication
from db.models import School
from db.motions import Motion
from services import accounts
from services.access import PAGES_BY_KEY, can_open
from services.actor import Grant
from services.auth import load_actor
from services.i18n import t
from tests.conftest import load_demo_into

A_NAME, A_CODE, B_NAME = "明湖区实验小学", "MH01", "明湖区第一中学"
TIMEOUT = 60

# Pages a chair may open, and whether school A's name may show there, with the reason.
# (Written out: tests/test_access_matrix.py checks the same list against services/access.)
CHAIR_PAGES = {
    "home": False, "staff": False, "feedback_submit": True,  # the recipient list: every school
    "feedback_reply": False, "feedback_inbox": False, "feedback_stats": False,
    "competitions": True,    # the district's medal table of published results, every school
    "competition": True,     # a district competition's published results: every school
    "honours": True,         # the district medal table of published results
    "motion": False, "motion_review": False,
    "motion_board": False, "congress": False, "fund": False, "relief": False,
    "relief_case": False, "fund_journal": False,
    "relief_notice": True,   # the public notice (公示): masked names of every school
    "account": False,
}


@pytest.fixture(autouse=True)
def app_already_routed():
    with routed():
        yield


@pytest.fixture(scope="module")
def b_url(databases) -> str:
    url = load_demo_into(databases.new_url())
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        school_b = s.scalar(select(School.id).where(School.code == "MH02"))
        accounts.create_account(s, load_actor(s, "district"), username="chairb",
                                display_name="乙校工会主席", password="chair-b-password-1",
                                staff_no="MH02-0011", grants=[Grant("school_chair", school_b)])
        s.commit()
    engine.dispose()
    return url


@pytest.fixture
def app_env(b_url, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("UNION_DATABASE_URL", b_url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    yield b_url


def shown(at: AppTest) -> str:
    """Everything the page put on screen as text: headings, text, tables, choices, metrics."""
    parts: list[str] = []
    for group in (at.title, at.header, at.subheader, at.markdown, at.caption, at.text,
                  at.info, at.warning, at.error, at.success, at.code):
        parts += [str(e.value) for e in group]
    for frame in (*at.dataframe, *at.table):
        value = frame.value
        if isinstance(value, pd.DataFrame):
            parts.append(value.to_csv())
            parts += [str(c) for c in value.columns]
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts += [str(o) for o in widget.options]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def test_the_page_list_is_the_chairs(app_env):
    with make_sessionmaker(make_engine(app_env))() as s:
        chair_b = load_actor(s, "chairb")
    assert {k for k in PAGES_BY_KEY if can_open(chair_b, k)} == set(CHAIR_PAGES)


@pytest.mark.parametrize("page", sorted(CHAIR_PAGES))
def test_chair_b_sees_nothing_of_school_a_on_any_page(app_env, page):
    at = app_on_page("chairb", PAGES_BY_KEY[page].file, timeout=TIMEOUT)
    assert not at.exception, [e.message for e in at.exception]
    text = shown(at)
    assert t("access.denied") not in text
    if not CHAIR_PAGES[page]:
        assert A_NAME not in text and f"{A_CODE}-" not in text and "MH01TA" not in text


@pytest.mark.parametrize("page", ["relief", "motion_board", "staff", "fund_journal"])
def test_the_same_pages_show_school_a_to_its_own_chair(app_env, page):
    """The control: the check above reads tables and choices, where school A's rows would be."""
    at = app_on_page("chair", PAGES_BY_KEY[page].file, timeout=TIMEOUT)
    assert not at.exception
    assert A_NAME in shown(at) or f"{A_CODE}-" in shown(at)


def a_rows(url: str) -> dict[str, int | str]:
    with make_sessionmaker(make_engine(url))() as s:
        school_a = s.scalar(select(School.id).where(School.code == A_CODE))
        app = s.scalar(select(ReliefApplication).where(
            ReliefApplication.school_id == school_a, ReliefApplication.state == "submitted")
            .order_by(ReliefApplication.id))
        motion = s.scalar(select(Motion).where(Motion.school_id == school_a,
                                               Motion.state == "handling").order_by(Motion.id))
        comp = s.scalar(select(Competition).where(
            Competition.organiser_school_id == school_a, Competition.state == "confirmed"))
        case = s.scalar(select(FeedbackCase.id).where(FeedbackCase.school_id == school_a,
                                                      FeedbackCase.status == "new")
                        .order_by(FeedbackCase.id))
        return {"relief": app.id, "relief_number": app.number, "motion": motion.id,
                "motion_number": motion.number, "motion_title": motion.title,
                "competition": comp.id, "competition_name": comp.name, "case": case}


def test_chair_b_deep_links_to_school_a_show_nothing(app_env):
    rows = a_rows(app_env)
    at = app_on_page("chairb", PAGES_BY_KEY["relief_case"].file, timeout=TIMEOUT,
                     relief_id=rows["relief"])
    assert not at.exception
    assert [e.value for e in at.error] == [t("relief.error.not_found")]
    assert str(rows["relief_number"]) not in shown(at) and A_NAME not in shown(at)

    at = app_on_page("chairb", PAGES_BY_KEY["motion"].file, timeout=TIMEOUT,
                     motion_id=rows["motion"])
    assert not at.exception
    assert [e.value for e in at.error] == [t("motion.error.not_found")]
    assert str(rows["motion_number"]) not in shown(at)
    assert str(rows["motion_title"]) not in shown(at)

    at = app_on_page("chairb", PAGES_BY_KEY["competition"].file, timeout=TIMEOUT,
                     competition_id=rows["competition"])
    assert not at.exception   # the page falls back to a competition chair B may read
    assert str(rows["competition_name"]) not in shown(at)

    at = app_on_page("chairb", PAGES_BY_KEY["feedback_inbox"].file, timeout=TIMEOUT,
                     inbox_case=rows["case"])
    assert not at.exception
    assert A_NAME not in shown(at)
    assert not any(str(rows["case"]) in str(o) for w in at.selectbox for o in w.options)


def test_delegate_and_department_deep_links_to_motions_they_may_not_read(app_env):
    with make_sessionmaker(make_engine(app_env))() as s:
        school_a = s.scalar(select(School.id).where(School.code == A_CODE))
        delegate = load_actor(s, "delegate")
        others_draft = s.scalar(select(Motion).where(
            Motion.school_id == school_a, Motion.state == "draft",
            Motion.proposer_staff_id != delegate.staff_id).order_by(Motion.id))
        school_b_motion = s.scalar(select(Motion).where(Motion.school_id != school_a,
                                                        Motion.state == "handling")
                                   .order_by(Motion.id))
        draft = (others_draft.id, others_draft.title)
        other = (school_b_motion.id, school_b_motion.title)
    for username, (motion_id, title) in (("delegate", draft), ("delegate", other),
                                         ("dept", draft), ("dept", other)):
        at = app_on_page(username, PAGES_BY_KEY["motion"].file, timeout=TIMEOUT,
                         motion_id=motion_id)
        assert not at.exception
        assert [e.value for e in at.error] == [t("motion.error.not_found")], username
        assert title not in "\n".join(str(e.value) for e in (*at.title, *at.subheader,
                                                             *at.text, *at.markdown))
