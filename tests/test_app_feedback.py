"""The feedback screens through AppTest: sending, reading by receipt, the inbox and leads."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from bench.harness import app_as, routed
from db.engine import make_engine, make_sessionmaker
from db.feedback import FeedbackCase, FeedbackMessage, MotionLead
from db.models import School
from services import feedback, receipts
from services.access import PAGES_BY_KEY
from services.i18n import t
from services.retention import purge_expired
from tests.conftest import actor_of, load_demo_into
from ui.anonymous import limits

HOSTILE = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
           "![](http://example.com/p.png)", ":red[系统通知]", "## 区教育工会回复"]


@pytest.fixture
def url(databases, monkeypatch) -> str:
    url = load_demo_into(databases.new_url())
    # The demo holds cases past retention; delete them now, not in the app's background
    # check while a test counts cases.
    purge_expired(make_sessionmaker(make_engine(url)))
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    limits.clear()  # the per-client limits live in the process: start each test afresh
    with routed():
        yield url
    limits.clear()


def session_of(url: str):
    return make_sessionmaker(make_engine(url))()


def on_page(username: str | None, key: str) -> AppTest:
    at = app_as(username, timeout=60)
    at.run()
    at.switch_page(PAGES_BY_KEY[key].file)
    at.run()
    assert not at.exception, at.exception
    return at


def cases(url: str) -> int:
    with session_of(url) as s:
        return s.scalar(select(func.count()).select_from(FeedbackCase))


def fill(at: AppTest, text: str, *, recipient: int = 1, category: str = "teaching") -> None:
    at.selectbox[0].set_value(recipient)
    at.selectbox[1].set_value(category)
    at.text_area[0].input(text)
    at.button[0].click()
    at.run()


def receipt_shown(at: AppTest) -> str:
    assert at.code, "no receipt code was shown"
    shown = at.code[0].value
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", shown)
    return shown


def test_a_visitor_sends_a_message_and_gets_a_receipt_that_opens_it(url):
    before = cases(url)
    at = on_page(None, "feedback_submit")
    fill(at, "希望减少非教学任务")
    code = receipt_shown(at)
    assert cases(url) == before + 1
    with session_of(url) as s:
        found = feedback.open_by_receipt(s, code)
        assert found is not None
        assert s.get(FeedbackCase, found.case_id).body == "希望减少非教学任务"
        assert s.get(FeedbackCase, found.case_id).school_id == s.scalar(
            select(School.id).where(School.code == "MH01"))


def test_identifying_text_is_held_back_until_the_writer_confirms(url):
    before = cases(url)
    at = on_page(None, "feedback_submit")
    fill(at, "我是张老师，电话 13812345678")
    assert cases(url) == before and not at.code
    assert any(t("feedback.hint.phone") in w.value for w in at.warning)
    at.checkbox[0].check()
    at.button[0].click()
    at.run()
    receipt_shown(at)
    assert cases(url) == before + 1


@pytest.mark.parametrize(("text", "key"), [("   ", "feedback.error.empty"),
                                           ("\x00\x00", "feedback.error.empty")])
def test_empty_text_gets_a_clear_message_and_stores_nothing(url, text, key):
    before = cases(url)
    at = on_page(None, "feedback_submit")
    fill(at, text)
    assert [e.value for e in at.error] == [t(key)]
    assert cases(url) == before


def test_no_recipient_chosen_is_explained(url):
    at = on_page(None, "feedback_submit")
    at.text_area[0].input("内容")
    at.button[0].click()
    at.run()
    assert [e.value for e in at.error] == [t("feedback.error.no_recipient")]


def test_a_filled_trap_field_looks_sent_but_stores_nothing(url):
    before = cases(url)
    at = on_page(None, "feedback_submit")
    at.text_input(key="fb_homepage").input("http://spam.example")
    fill(at, "买药请加微信")
    receipt_shown(at)
    assert cases(url) == before


def test_the_sixth_message_in_an_hour_is_refused_politely(url):
    before = cases(url)
    at = on_page(None, "feedback_submit")
    for n in range(5):
        fill(at, f"第 {n} 条")
        receipt_shown(at)
        at.button[0].click()  # "write another"
        at.run()
    fill(at, "第 6 条")
    assert [e.value for e in at.error] == [t("feedback.error.too_many")]
    assert cases(url) == before + 5


def test_the_writer_reads_public_replies_only_and_answers_back(url):
    with session_of(url) as s:
        school = s.scalar(select(School.id).where(School.code == "MH01"))
        code = feedback.submit_feedback(s, school_id=school, category="other",
                                        body=HOSTILE[0])
        s.commit()
        case_id = feedback.open_by_receipt(s, code).case_id
        chair = actor_of(s, "chair")
        for text in HOSTILE[1:]:
            feedback.reply(s, chair, case_id, text, internal=False)
        feedback.reply(s, chair, case_id, "内部备注：不要外传", internal=True)
        s.commit()
    at = on_page(None, "feedback_reply")
    at.text_input[0].input("1234-5678-9012-3456")
    at.button[0].click()
    at.run()
    assert [e.value for e in at.error] == [t("feedback_reply.not_found")]
    at.text_input[0].input(receipts.display(code))
    at.button[0].click()
    at.run()
    shown = [x.value for x in at.text]
    assert shown == HOSTILE  # each one literally, as plain text, in order
    assert not any(h in m.value for h in HOSTILE for m in at.markdown)
    assert "内部备注：不要外传" not in "\n".join(shown)
    at.text_area[0].input("谢谢，已看到")
    at.button[0].click()
    at.run()
    assert not at.exception
    with session_of(url) as s:
        assert s.scalar(select(FeedbackMessage.body).where(
            FeedbackMessage.case_id == case_id, FeedbackMessage.kind == "writer")) \
            == "谢谢，已看到"
        assert s.get(FeedbackCase, case_id).status == "new"


def test_the_chair_replies_notes_and_closes_from_the_inbox(url):
    with session_of(url) as s:
        school = s.scalar(select(School.id).where(School.code == "MH01"))
        code = feedback.submit_feedback(s, school_id=school, category="pay", body="绩效方案")
        s.commit()
        case_id = feedback.open_by_receipt(s, code).case_id
        s.commit()
    at = on_page("chair", "feedback_inbox")
    at.selectbox(key="inbox_case").set_value(case_id)
    at.run()
    assert at.text[0].value == "绩效方案"
    at.text_area[0].input("下周教代会讨论")
    at.button[0].click()
    at.run()
    assert [x.value for x in at.success] == [t("inbox.replied")]
    at.text_area[1].input("先和校长沟通")
    at.button[1].click()
    at.run()
    assert [x.value for x in at.success] == [t("inbox.noted")]
    with session_of(url) as s:
        kinds = s.scalars(select(FeedbackMessage.kind).where(FeedbackMessage.case_id == case_id)
                          .order_by(FeedbackMessage.seq)).all()
        assert kinds == ["public", "internal"]
        assert s.get(FeedbackCase, case_id).status == "replied"


def test_the_delegate_adopts_an_offered_lead(url):
    with session_of(url) as s:
        delegate = actor_of(s, "delegate")
        offered = s.scalar(select(func.count()).select_from(MotionLead).where(
            MotionLead.delegate_staff_id == delegate.staff_id, MotionLead.status == "offered"))
    assert offered >= 1, "the demo offers the delegate a lead"
    at = on_page("delegate", "motion_leads")
    adopt = next(b for b in at.button if b.label == t("leads.adopt"))
    adopt.click()
    at.run()
    with session_of(url) as s:
        assert s.scalar(select(func.count()).select_from(MotionLead).where(
            MotionLead.delegate_staff_id == delegate.staff_id,
            MotionLead.status == "offered")) == offered - 1


@pytest.mark.parametrize("username", ["chair", "district"])
def test_statistics_show_charts_and_say_what_is_hidden(url, username):
    at = on_page(username, "feedback_stats")
    assert t("stats.by_category") in [s.value for s in at.subheader]
    assert not at.error


def test_pages_open_to_anyone_keep_their_file_name_as_url():
    """A fresh server routes /<name> to pages/<name>.py before app.py ever ran."""
    from pathlib import Path

    from services.access import ANYONE, PAGES

    for spec in PAGES:
        if ANYONE in spec.allowed:
            assert Path(spec.file).stem == spec.url_path, spec.key


def test_after_five_wrong_codes_answers_slow_down(url, monkeypatch):
    import time

    monkeypatch.setenv("UNION_RECEIPT_MAX_DELAY", "0.4")
    limits.clear()  # made again with the shorter longest wait
    at = on_page(None, "feedback_reply")
    took = []
    for attempt in ("0000-0000-0000-0000", "abc", "9" * 40, "", "1" * 16, "2" * 16):
        at.text_input[0].input(attempt)
        at.button[0].click()
        started = time.perf_counter()
        at.run()
        took.append(time.perf_counter() - started)
        assert [e.value for e in at.error] == [t("feedback_reply.not_found")]
    assert max(took[:5]) < 0.4 <= took[5]
