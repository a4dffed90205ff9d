"""The competition screens through AppTest: set up, score, confirm, publish, read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from bench.harness import app_on_page, routed
from db.competitions import Competition, ScoreSheet, StandingRow
from db.engine import make_engine, make_sessionmaker
from services.access import PAGES_BY_KEY
from services.i18n import t
from tests.conftest import load_demo_into


@pytest.fixture
def url(databases, monkeypatch) -> str:
    url = load_demo_into(databases.new_url())
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    with routed():
        yield url


def session_of(url: str):
    return make_sessionmaker(make_engine(url))()


def on_page(username: str, key: str, **state) -> AppTest:
    at = app_on_page(username, PAGES_BY_KEY[key].file, **state)
    assert not at.exception, at.exception
    return at


def test_the_chair_sets_up_a_school_competition(url):
    at = on_page("chair", "competitions")
    at.text_input[0].input("2026 年实验小学粉笔字比赛")
    at.text_input[1].input("板书")
    judges = at.multiselect[0]
    judges.set_value(judges.options[:3])
    at.text_input(key="group_name_0").input("语文")
    entrants = at.multiselect(key="group_members_0")
    entrants.set_value(entrants.options[5:11])
    next(b for b in at.button if b.label == t("comp.create")).click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    with session_of(url) as s:
        made = s.scalar(select(Competition).where(Competition.name == "2026 年实验小学粉笔字比赛"))
        assert made is not None and made.state == "draft" and made.level == "school"


def test_a_judge_entering_scores_makes_a_new_sheet_version(url):
    with session_of(url) as s:
        competition_id = s.scalar(select(Competition.id).where(Competition.state == "draft",
                                                                Competition.level == "school"))
    if competition_id is None:
        pytest.skip("the demo has no draft school competition")
    at = on_page("chair", "competition", competition_id=competition_id)
    with session_of(url) as s:
        before = s.scalar(select(func.max(ScoreSheet.version))
                          .where(ScoreSheet.competition_id == competition_id)) or 0
    for box in at.number_input:
        if box.key and box.key.startswith("score_"):
            box.set_value(8.5)
    next(b for b in at.button if b.label == t("comp.save_scores")).click()
    at.run()
    assert t("comp.scores_saved") in [s.value for s in at.success]
    with session_of(url) as s:
        assert s.scalar(select(func.max(ScoreSheet.version))
                        .where(ScoreSheet.competition_id == competition_id)) == before + 1


def test_published_results_are_frozen_for_medal_tables(url):
    with session_of(url) as s:
        published = s.scalars(select(Competition.id).where(
            Competition.state.in_(("published", "closed")))).all()
        standing = s.scalar(select(func.count()).select_from(StandingRow).where(
            StandingRow.competition_id.in_(published)))
    assert published and standing, "published demo competitions have standings"
    at = on_page("delegate", "honours")
    assert not at.exception


@pytest.mark.parametrize("username", ["district", "chair", "dept", "delegate", "auditor"])
def test_results_of_published_competitions_are_readable_by_everyone(url, username):
    with session_of(url) as s:
        competition_id = s.scalar(select(Competition.id).where(Competition.state == "closed")
                                  .order_by(Competition.id))
    at = on_page(username, "competition", competition_id=competition_id)
    assert any(t("comp.rule.ties") == c.value for c in at.caption)
    assert not at.error
