"""The proposal committee's and the district's motion pages through AppTest: 提案审查 (review,
assign, reply check, the register with its files and the progress import), 提案统计 (KPI
tiles, schools, meetings, ranking, overdue list) and 教代会设置 (terms, delegates, meetings,
votes), under every role that may open them, and refused for the others."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
import streamlit as st
from openpyxl import load_workbook
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import CongressTerm
from db.motions import CongressMeeting, CongressVote, Motion
from services import motion_files, motions
from services.clock import local_today
from services.i18n import t
from tests.motion_app import (
    app_env,
    build,
    click,
    errors,
    fresh_district,
    motion_row,
    motion_upto,
    on_page,
    refused,
    rerun,
    session_of,
    texts,
)
from tests.motion_factory import Congress

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPLY = "已与食堂协商，<b>延长</b>供应。"   # a reply that looks like HTML


def overdue_motion(url: str, c: Congress, *, title: str) -> int:
    """An assigned motion whose deadline passed ten days ago (set in the row: the service
    refuses a deadline in the past, as it should)."""
    mid = motion_upto(url, c, "assigned", title=title)
    with session_of(url) as s:
        s.get(Motion, mid).deadline = local_today() - dt.timedelta(days=10)
        s.commit()
    return mid


def submit(at: AppTest, label_key: str) -> AppTest:
    next(b for b in at.get("form_submit_button") if b.label == t(label_key)).click()
    return rerun(at)


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_values(at: AppTest) -> set[str]:
    """Every cell of every dataframe on the page, as text."""
    return {str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()}


def tab(at: AppTest, name: str) -> AppTest:
    """Open a tab of the review page: only the open tab runs."""
    at.session_state["review_tab"] = t(f"motion.review.tab.{name}")
    return rerun(at)


@pytest.fixture
def env(monkeypatch) -> Iterator:
    st.cache_data.clear()   # the caches are keyed by the actor, not the database
    with app_env(monkeypatch) as use:
        yield use


@pytest.fixture
def fresh(databases, env) -> tuple[str, Congress]:
    """A small district of its own, for the tests that change it."""
    return fresh_district(databases, env)


@pytest.fixture(scope="module")
def shared_db(databases) -> tuple[str, Congress, dict[str, int]]:
    """One district for the tests that only read: school A's meeting holds two motions
    waiting for review (one titled like HTML), one registered, one overdue, one replied and
    one done; school B's meeting one registered motion."""
    url = databases.new_url()
    c = build(url)
    ids = {"submitted": motion_upto(url, c, "submitted", title="<b>食堂</b>延长晚餐供应时间"),
           "submitted2": motion_upto(url, c, "submitted", title="教师停车位不足",
                                     reason="学校停车位太少，教师早上找不到车位。"),
           "registered": motion_upto(url, c, "registered", title="办公室增设饮水机"),
           "overdue": overdue_motion(url, c, title="更新多媒体设备"),
           "replied": motion_upto(url, c, "replied", title="图书馆延长开放时间", reply=REPLY),
           "done": motion_upto(url, c, "done", title="改善教师午休条件", reply=REPLY)}
    with session_of(url) as s:
        motions.update_meeting(s, c.chair_b, meeting_id=c.meeting_b, accepting=True,
                               settings=motions.MeetingSettings(min_cosigners=0))
        mid = motions.draft_motion(s, c.delegate_b, meeting_id=c.meeting_b, title="二中提案",
                                   reason="理由", suggestion="建议")
        motions.submit(s, c.delegate_b, motion_id=mid)
        motions.register(s, c.chair_b, motion_id=mid)
        s.commit()
    return url, c, ids


@pytest.fixture
def shared(shared_db, env) -> tuple[str, Congress, dict[str, int]]:
    env(shared_db[0])
    return shared_db


# --- who may open what ---------------------------------------------------------------------

TITLES = {"motion_review": "motion.review.title", "motion_board": "motion.board.title",
          "congress": "motion.congress.title"}
PAGE_ROLES = {"motion_review": ("m_chair",), "motion_board": ("m_chair", "m_district"),
              "congress": ("m_chair", "m_district")}
USERS = ("m_chair", "m_district", "m_d1", "m_dept", "m_auditor")


@pytest.mark.parametrize(("page", "username"), [(p, u) for p in PAGE_ROLES for u in USERS])
def test_each_page_under_each_role(shared, page, username):
    at = on_page(username, page)
    if username in PAGE_ROLES[page]:
        assert [w.value for w in at.warning if w.value == t("access.denied")] == []
        assert at.title[0].value == t(TITLES[page])
        assert errors(at) == []
    else:
        assert [w.value for w in at.warning] == [t("access.denied")]
        assert len(at.title) == 0 and len(at.dataframe) == 0 and len(at.text_input) == 0


# --- 提案审查 ----------------------------------------------------------------------------------

def test_the_queue_shows_what_the_delegate_wrote_as_plain_text_and_similar_motions(shared):
    _url, _c, ids = shared
    at = on_page("m_chair", "motion_review")
    assert at.caption[0].value == t("motion.review.counts", review=2, assign=1, replies=1,
                                    follow_up=0)
    picker = at.selectbox(key="review_pick")
    assert picker.value == ids["submitted"]
    assert "<b>食堂</b>延长晚餐供应时间" in texts(at)   # the characters, not bold text
    assert not any("<b>" in m.value for m in at.markdown)
    labels = {b.label for b in at.button} | {b.label for b in at.get("form_submit_button")}
    assert {t("motion.do.register"), t("motion.do.merge"), t("motion.do.reject"),
            t("motion.do.return_for_revision"), t("motion.do.to_suggestion")} <= labels

    picker.set_value(ids["submitted2"])
    rerun(at)
    assert "学校停车位太少，教师早上找不到车位。" in texts(at)


def test_similar_motions_of_the_school_are_listed_beside_the_one_reviewed(fresh):
    url, c = fresh
    earlier = motion_upto(url, c, "registered", title="食堂晚餐供应时间太短",
                          reason="食堂晚餐供应时间太短，晚自习教师吃不上饭。")
    motion_upto(url, c, "submitted", title="延长食堂晚餐供应时间",
                reason="晚自习教师吃不上晚餐，食堂供应时间太短。")
    at = on_page("m_chair", "motion_review")
    assert t("motion.form.similar") in [x.value for x in at.caption]
    assert motion_row(url, earlier).number in table_values(at)


def test_the_chair_registers_a_motion_from_the_queue(fresh):
    url, c = fresh
    mid = motion_upto(url, c, "submitted", title="食堂延长晚餐供应时间")
    at = on_page("m_chair", "motion_review")
    click(at, "motion.do.register")
    assert errors(at) == []
    row = motion_row(url, mid)
    assert row.state == "registered"
    assert row.number == f"{local_today().year}SCH1TA001"
    assert [s.value for s in at.success] == [t("motion.done.register")]
    # The queue follows at once: nothing waits for review, one motion waits to be assigned.
    assert at.caption[0].value == t("motion.review.counts", review=0, assign=1, replies=0,
                                    follow_up=0)


def test_rejecting_needs_a_reason_and_then_takes_it(fresh):
    url, c = fresh
    mid = motion_upto(url, c, "submitted", title="增加教师节福利")
    at = on_page("m_chair", "motion_review")
    submit(at, "motion.do.reject")
    assert errors(at) == [refused("motion.error.text_required",
                                  field_key="motion.field.reject_reason")]
    assert motion_row(url, mid).state == "submitted"
    at.text_area(key=f"m{mid}_reject_reason").input("不属于教代会提案范围")
    submit(at, "motion.do.reject")
    assert errors(at) == []
    assert (motion_row(url, mid).state, motion_row(url, mid).decision_note) == (
        "rejected", "不属于教代会提案范围")


def test_assigning_with_a_past_deadline_is_refused_and_a_valid_one_assigns(fresh):
    url, c = fresh
    mid = motion_upto(url, c, "registered", title="办公室增设饮水机")
    at = tab(on_page("m_chair", "motion_review"), "assign")
    assert at.date_input(key=f"m{mid}_assign_deadline").value == local_today() + dt.timedelta(
        days=30)   # the meeting's reply days
    at.selectbox(key=f"m{mid}_assign_lead").set_value(c.departments["总务处"])
    yesterday = local_today() - dt.timedelta(days=1)
    at.date_input(key=f"m{mid}_assign_deadline").set_value(yesterday)
    submit(at, "motion.do.assign")
    assert errors(at) == [refused("motion.error.deadline_past", deadline=yesterday.isoformat())]
    assert motion_row(url, mid).state == "registered"

    due = local_today() + dt.timedelta(days=14)
    at.date_input(key=f"m{mid}_assign_deadline").set_value(due)
    submit(at, "motion.do.assign")
    assert errors(at) == []
    row = motion_row(url, mid)
    assert (row.state, row.lead_department_id, row.deadline) == (
        "assigned", c.departments["总务处"], due)


def test_the_chair_checks_a_reply_and_accepts_it(fresh):
    url, c = fresh
    mid = motion_upto(url, c, "replied", title="图书馆延长开放时间", reply=REPLY)
    at = tab(on_page("m_chair", "motion_review"), "replies")
    assert REPLY in texts(at)
    click(at, "motion.do.accept_reply")
    assert errors(at) == []
    assert motion_row(url, mid).state == "awaiting_rating"


def test_the_register_lists_filters_and_offers_the_files(shared):
    at = tab(on_page("m_chair", "motion_review"), "all")
    assert {"办公室增设饮水机", "更新多媒体设备", "改善教师午休条件"} <= table_values(at)
    assert "二中提案" not in table_values(at)   # another school's
    assert [d.label for d in at.get("download_button")] == [
        t("motion.review.download_register"), t("motion.review.download_report"),
        t("motion.review.download_template")]
    at.toggle(key="review_overdue").set_value(True)
    rerun(at)
    assert "更新多媒体设备" in table_values(at)
    assert "办公室增设饮水机" not in table_values(at)


def progress_sheet(url: str, c: Congress, rows: dict[int, tuple[object, object]]) -> bytes:
    """The downloaded template with new progress and a note filled in for some motions."""
    with session_of(url) as s:
        data = motion_files.progress_template_xlsx(s, c.chair, meeting_id=c.meeting_a)
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == t(
        "motion.progress_sheet.col.id"))
    names = {sheet.cell(header, col).value: col for col in range(1, sheet.max_column + 1)}
    for r in range(header + 1, sheet.max_row + 1):
        motion_id = sheet.cell(r, names[t("motion.progress_sheet.col.id")]).value
        if motion_id is not None and int(motion_id) in rows:
            progress, note = rows[int(motion_id)]
            sheet.cell(r, names[t("motion.progress_sheet.col.progress")]).value = progress
            sheet.cell(r, names[t("motion.progress_sheet.col.note")]).value = note
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_progress_sheet_with_bad_rows_lists_every_one_and_applies_nothing(fresh):
    url, c = fresh
    first = motion_upto(url, c, "implementing", title="更新多媒体设备", reply=REPLY)
    second = motion_upto(url, c, "implementing", title="改善教师午休条件", reply=REPLY)
    at = tab(on_page("m_chair", "motion_review"), "all")
    at.get("file_uploader")[0].upload("进度.xlsx", progress_sheet(
        url, c, {first: (150, "已完成"), second: (60, "")}), XLSX)
    rerun(at)
    click(at, "motion.review.import_progress")
    assert errors(at) == [t("motion.review.import_refused", n=2)]
    problems = at.dataframe[-1].value
    assert len(problems) == 2 and problems.iloc[:, 0].nunique() == 2
    assert (motion_row(url, first).progress, motion_row(url, second).progress) == (0, 0)

    at.get("file_uploader")[0].upload("进度.xlsx", progress_sheet(
        url, c, {first: (80, "已安装完毕"), second: (60, "已购床")}), XLSX)
    rerun(at)
    click(at, "motion.review.import_progress")
    assert errors(at) == []
    assert [s.value for s in at.success] == [t("motion.review.imported", n=2)]
    assert (motion_row(url, first).progress, motion_row(url, second).progress) == (80, 60)


# --- 提案统计 ----------------------------------------------------------------------------------

def test_the_district_board_shows_the_four_rates_with_their_counts(shared):
    at = on_page("m_district", "motion_board")
    # School A: 6 submitted, 4 registered; school B: 1 submitted and registered.
    # Due: the overdue one (deadline passed), the replied one and the done one: 2 of 3 on
    # time. Rated: the done one, satisfied. Done: 1 of 5 registered.
    assert tiles(at) == {t("motion.kpi.registration_rate"): "71.4%",
                         t("motion.kpi.on_time_rate"): "66.7%",
                         t("motion.kpi.satisfaction_rate"): "100.0%",
                         t("motion.kpi.done_rate"): "20.0%"}
    assert t("motion.kpi.registration_rate.counts", n=5, of=7) in [x.value for x in at.caption]
    assert {"湖滨小学", "第二中学"} <= table_values(at)
    assert "更新多媒体设备" in table_values(at)   # the overdue list
    assert at.subheader[-1].value == t("motion.board.overdue", n=1)
    assert len(at.get("vega_lite_chart")) >= 2


def test_the_chair_sees_the_own_school_only_and_its_meetings(shared):
    _url, c, _ids = shared
    at = on_page("m_chair", "motion_board")
    assert at.selectbox(key="board_school").options == ["湖滨小学"]
    assert tiles(at)[t("motion.kpi.registration_rate")] == "66.7%"   # 4 of 6
    assert "第二中学" not in table_values(at)
    at.selectbox(key=f"board_meeting_{c.school_a}").set_value(c.meeting_a)
    rerun(at)
    assert tiles(at)[t("motion.kpi.done_rate")] == "25.0%"   # 1 of 4


def test_an_empty_district_shows_dashes_not_errors(databases, env):
    url = env(databases.new_url())
    build(url)
    at = on_page("m_district", "motion_board")
    assert errors(at) == []
    assert set(tiles(at).values()) == {"—"}


# --- 教代会设置 --------------------------------------------------------------------------------

def test_a_vote_with_more_present_than_entitled_is_refused_and_a_valid_one_shows_its_result(
        fresh):
    url, _c = fresh
    at = on_page("m_chair", "congress")
    assert at.number_input(key="vote_entitled").value == 5   # the term's delegates
    for name, value in (("entitled", 60), ("present", 61), ("yes", 40), ("no", 5),
                        ("abstain", 1)):
        at.number_input(key=f"vote_{name}").set_value(value)
    at.text_input[0].input("关于修订教职工绩效考核方案的决议")
    submit(at, "motion.congress.record_vote")
    assert errors(at) == [refused("motion.error.present_above_entitled", present=61,
                                  entitled=60)]
    with session_of(url) as s:
        assert s.query(CongressVote).count() == 0

    at.number_input(key="vote_present").set_value(40)   # exactly 2/3 of 60: a quorum
    at.number_input(key="vote_yes").set_value(30)       # exactly half: no pass
    at.number_input(key="vote_no").set_value(8)
    submit(at, "motion.congress.record_vote")
    assert errors(at) == []
    outcome = t("motion.congress.vote_outcome",
                quorum=t("motion.congress.quorum_met", n=40),
                result=t("motion.congress.not_passed", yes=30, n=31))
    assert [s.value for s in at.success] == [outcome]
    assert {"关于修订教职工绩效考核方案的决议", t("motion.congress.result_failed")} <= \
        table_values(at)


def test_counts_above_present_are_refused(fresh):
    _url, _c = fresh
    at = on_page("m_district", "congress")
    for name, value in (("entitled", 30), ("present", 25), ("yes", 20), ("no", 5),
                        ("abstain", 1)):
        at.number_input(key=f"vote_{name}").set_value(value)
    at.text_input[0].input("决议")
    submit(at, "motion.congress.record_vote")
    assert errors(at) == [refused("motion.error.votes_above_present", votes=26, present=25)]


def test_the_chair_creates_a_meeting_and_changes_its_rules(fresh):
    url, c = fresh
    at = on_page("m_chair", "congress")
    assert at.selectbox(key="congress_school").options == ["湖滨小学"]
    submit(at, "motion.congress.create_meeting")
    assert errors(at) == []
    assert [s.value for s in at.success] == [t("motion.congress.meeting_created")]
    with session_of(url) as s:
        fourth = s.scalar(select(CongressMeeting).where(CongressMeeting.term_id == c.term_a,
                                                        CongressMeeting.number == 4))
        assert (fourth.year, fourth.quorum_num, fourth.quorum_den, fourth.reply_days) == (
            local_today().year, 2, 3, 30)

    at.selectbox(key=f"congress_edit_{c.term_a}").set_value(fourth.id)
    rerun(at)
    at.number_input(key=f"edit_{fourth.id}_days").set_value(20)
    at.number_input(key=f"edit_{fourth.id}_qn").set_value(4)   # 4/3: more than everyone
    submit(at, "motion.congress.save_meeting")
    assert errors(at) == [refused("motion.error.fraction_above_one",
                                  field_key="motion.field.quorum")]
    at.number_input(key=f"edit_{fourth.id}_qn").set_value(3)
    at.number_input(key=f"edit_{fourth.id}_qd").set_value(4)
    submit(at, "motion.congress.save_meeting")
    assert errors(at) == []
    with session_of(url) as s:
        fourth = s.get(CongressMeeting, fourth.id)
        assert (fourth.quorum_num, fourth.quorum_den, fourth.reply_days) == (3, 4, 20)


def test_the_district_creates_a_term_and_names_its_delegates(fresh):
    url, c = fresh
    at = on_page("m_district", "congress")
    at.selectbox(key="congress_school").set_value(c.school_b)
    rerun(at)
    submit(at, "motion.congress.create_term")   # the 7th term, from this year
    assert errors(at) == []
    with session_of(url) as s:
        term = s.scalar(select(CongressTerm).where(CongressTerm.school_id == c.school_b,
                                                   CongressTerm.number == 7))
        assert (term.start_year, term.end_year) == (local_today().year, local_today().year + 4)
    at.selectbox(key=f"congress_term_{c.school_b}").set_value(term.id)
    rerun(at)
    at.multiselect[0].select(c.staff["周七"])
    submit(at, "motion.congress.save_delegates")
    assert errors(at) == []
    with session_of(url) as s:
        assert motions.term_delegate_ids(s, term.id) == [c.staff["周七"]]


def test_a_chair_cannot_manage_another_school_whatever_the_session_says(fresh):
    _url, c = fresh
    at = on_page("m_chair", "congress")
    assert c.school_b not in at.selectbox(key="congress_school").options


@pytest.mark.parametrize("page", ["motion_review", "motion_board", "congress"])
def test_each_page_reads_in_english(shared, page):
    at = on_page("m_chair", page, lang="en")
    assert errors(at) == []
    assert at.title[0].value == t(TITLES[page], "en")
    if page == "motion_board":
        assert t("motion.kpi.registration_rate", "en") == "Registration rate"
        assert "Registration rate" in tiles(at)


def test_after_a_step_the_queue_moves_on_to_the_next_motion(fresh):
    url, c = fresh
    first = motion_upto(url, c, "submitted", title="食堂延长晚餐供应时间")
    second = motion_upto(url, c, "submitted", title="教师停车位不足")
    at = on_page("m_chair", "motion_review")
    at.selectbox(key="review_pick").set_value(second)
    rerun(at)
    submit(at, "motion.do.to_suggestion")
    assert errors(at) == []
    assert motion_row(url, second).state == "suggestion"
    assert at.selectbox(key="review_pick").value == first
    assert "食堂延长晚餐供应时间" in texts(at)
