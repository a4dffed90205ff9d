"""Helpers of the motion pages' AppTest modules (test_app_motions_a and _b): a small district
of its own (tests.motion_factory) in a database of its own, motions moved along the happy path
through the service, and short ways to open a page, press a button and read what it shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from streamlit.testing.v1 import AppTest

from bench.harness import app_on_page, routed
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from db.motions import Motion
from services import motions
from services.access import PAGES_BY_KEY
from services.clock import local_today
from services.errors import DomainError
from services.i18n import t
from tests.motion_factory import Congress, build_congress

# The happy path, each step as services/motions.py takes it.
STEPS = ("draft", "cosigning", "signed", "submitted", "registered", "assigned", "handling",
         "replied", "awaiting_rating", "rated", "implementing", "done")


def session_of(url: str):
    return make_sessionmaker(make_engine(url))()


def build(url: str) -> Congress:
    """A migrated database at `url` holding the small district of tests.motion_factory."""
    engine = make_engine(url)
    upgrade_to_head(engine)
    with make_sessionmaker(engine)() as s:
        congress = build_congress(s, year=local_today().year)
        s.commit()
    engine.dispose()
    return congress


def motion_upto(url: str, c: Congress, upto: str = "draft", *, title: str = "食堂延长晚餐供应时间",
                reason: str = "不少教师晚自习后才下班，食堂已关门。",
                suggestion: str = "晚餐供应延长到19:30。", reply: str = "已与食堂协商。") -> int:
    """A motion of 张一 (d1) at school A, moved along the happy path up to `upto` (one of
    STEPS); `reply` is the lead department's reply, from "replied" on."""
    with session_of(url) as s:
        mid = motions.draft_motion(s, c.d1, meeting_id=c.meeting_a, title=title, reason=reason,
                                   suggestion=suggestion, category="logistics")
        for step in STEPS[1:STEPS.index(upto) + 1]:
            match step:
                case "cosigning":
                    motions.ask_cosigners(s, c.d1, motion_id=mid,
                                          staff_ids=[c.staff["李二"], c.staff["王三"]])
                case "signed":
                    motions.cosign(s, c.d2, motion_id=mid)
                    motions.cosign(s, c.d3, motion_id=mid)
                case "submitted":
                    motions.submit(s, c.d1, motion_id=mid)
                case "registered":
                    motions.register(s, c.chair, motion_id=mid)
                case "assigned":
                    motions.assign(s, c.chair, motion_id=mid,
                                   lead_department_id=c.departments["教务处"])
                case "handling":
                    motions.accept(s, c.dept, motion_id=mid)
                case "replied":
                    motions.reply(s, c.dept, motion_id=mid, body=reply, extent="solved")
                case "awaiting_rating":
                    motions.accept_reply(s, c.chair, motion_id=mid)
                case "rated":
                    motions.rate(s, c.d1, motion_id=mid, rating="satisfied")
                case "implementing":
                    motions.implement(s, c.chair, motion_id=mid)
                case "done":
                    motions.mark_done(s, c.chair, motion_id=mid)
        s.commit()
    return mid


def motion_row(url: str, motion_id: int) -> Motion:
    with session_of(url) as s:
        row = s.get(Motion, motion_id)
        s.expunge(row)
        return row


def on_page(username: str, key: str, **state) -> AppTest:
    at = app_on_page(username, PAGES_BY_KEY[key].file, **state)
    assert not at.exception, at.exception
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label_key: str, **params) -> AppTest:
    """Press the (first) button labelled with the catalogue text of `label_key`."""
    next(b for b in at.button if b.label == t(label_key, **params)).click()
    return rerun(at)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def texts(at: AppTest) -> list[str]:
    return [e.value for e in at.text]


def refused(key: str, **params) -> str:
    return DomainError(key, **params).message()


@contextmanager
def app_env(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """For an `env` fixture: a cookie key, every rerun routed through app.py, and `use(url)`,
    which points the app at that database and gives the url back."""
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")

    def use(url: str) -> str:
        monkeypatch.setenv("UNION_DATABASE_URL", url)
        return url

    with routed():
        yield use


def fresh_district(databases, env) -> tuple[str, Congress]:
    """For a `fresh` fixture: a small district of its own, for the tests that change it."""
    url = env(databases.new_url())
    return url, build(url)

