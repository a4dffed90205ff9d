"""The delegate's, the department's and the one-motion pages through AppTest: who may open them,
a delegate drafting and co-signing, the committee registering and assigning, a department
accepting and replying, the steps after it, plain text for what people wrote, and the errors
bad input gets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.motions import Motion, MotionAssignment, MotionCosigner, MotionMilestone, MotionReply
from services import motions
from services.access import PAGES_BY_KEY
from services.clock import local_today
from services.errors import DomainError
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

HTML_TITLE = "<b>x</b>"
LINK_TITLE = "[点我](javascript:alert(1))"


def follow(at: AppTest, key: str) -> AppTest:
    """AppTest keeps rerunning the page it was last sent to: follow the app's switch."""
    at.switch_page(PAGES_BY_KEY[key].file)
    return rerun(at)


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


@pytest.fixture
def env(monkeypatch) -> Iterator:
    with app_env(monkeypatch) as use:
        yield use


@pytest.fixture
def fresh(databases, env) -> tuple[str, Congress]:
    """A small district of its own, for the tests that change it."""
    return fresh_district(databases, env)


@pytest.fixture(scope="module")
def shared_db(databases) -> tuple[str, Congress, dict[str, int]]:
    """One district for the tests that only read: a draft whose title looks like HTML, a
    registered motion whose title is a Markdown link, one assigned and one implementing."""
    url = databases.new_url()
    c = build(url)
    ids = {"draft": motion_upto(url, c, title=HTML_TITLE),
           "link": motion_upto(url, c, "registered", title=LINK_TITLE),
           "assigned": motion_upto(url, c, "assigned", title="办公室增设饮水机"),
           "implementing": motion_upto(url, c, "implementing", title="更新多媒体设备")}
    with session_of(url) as s:
        motions.record_progress(s, c.chair, motion_id=ids["implementing"], progress=40,
                                note="已采购第一批设备", evidence=("验收单.pdf", "application/pdf",
                                                           b"%PDF-1.4 evidence"))
        s.commit()
    return url, c, ids


@pytest.fixture
def shared(shared_db, env) -> tuple[str, Congress, dict[str, int]]:
    env(shared_db[0])
    return shared_db


# --- who may open what ---------------------------------------------------------------------

PAGE_ROLES = {"motions_mine": ("m_d1",), "motion_department": ("m_dept",),
              "motion": ("m_d1", "m_chair", "m_dept", "m_district")}
USERS = ("m_d1", "m_chair", "m_dept", "m_district", "m_auditor")


@pytest.mark.parametrize(("page", "username"),
                         [(p, u) for p in PAGE_ROLES for u in USERS])
def test_each_page_under_each_role(shared, page, username):
    at = on_page(username, page)
    if username in PAGE_ROLES[page]:
        assert [w.value for w in at.warning if w.value == t("access.denied")] == []
        assert at.title[0].value == t({"motions_mine": "motion.mine.title",
                                       "motion_department": "motion.dept.title",
                                       "motion": "motion.detail.title"}[page])
        assert errors(at) == []
    else:
        assert [w.value for w in at.warning] == [t("access.denied")]
        assert len(at.title) == 0 and len(at.dataframe) == 0 and len(at.text_input) == 0


@pytest.mark.parametrize(("username", "readable"), [
    ("m_d1", True), ("m_chair", True), ("m_dept", True), ("m_district", True),
    ("m_delegateb", False), ("m_chairb", False), ("m_deptb", False)])
def test_the_motion_page_per_role(shared, username, readable):
    _url, _c, ids = shared
    at = on_page(username, "motion", motion_id=ids["assigned"])
    if readable:
        assert errors(at) == []
        assert "办公室增设饮水机" in texts(at)
    else:
        assert errors(at) == [refused("motion.error.not_found")]
        assert "办公室增设饮水机" not in texts(at) and len(at.dataframe) == 0


def test_the_district_reads_everything_and_acts_on_nothing(shared):
    _url, _c, ids = shared
    at = on_page("m_district", "motion", motion_id=ids["implementing"])
    assert "更新多媒体设备" in texts(at)
    assert t("motion.detail.actions") not in [s.value for s in at.subheader]
    assert not {t(f"motion.do.{a}") for a in motions.ACTIONS} & labels(at)


def test_text_people_wrote_shows_literally(shared):
    _url, _c, ids = shared
    for username, key, title in (("m_d1", "draft", HTML_TITLE), ("m_chair", "link", LINK_TITLE),
                                 ("m_d2", "link", LINK_TITLE)):
        at = on_page(username, "motion", motion_id=ids[key])
        assert title in texts(at), username
        assert not any("<b>" in m.value or "javascript" in m.value
                       for m in (*at.markdown, *at.caption)), username
    at = on_page("m_d1", "motions_mine")
    assert {HTML_TITLE, LINK_TITLE} <= set(at.dataframe[0].value["title"])


def test_a_link_opens_the_motion_and_the_picker_offers_the_rest(shared):
    _url, _c, ids = shared
    at = on_page("m_chair", "motion")
    assert errors(at) == [] and t("motion.detail.actions") not in [s.value for s in at.subheader]
    picker = at.selectbox(key="motion_page_pick")
    picker.set_value(ids["assigned"]).run()
    assert "办公室增设饮水机" in texts(at)
    assert at.query_params["id"] == str(ids["assigned"])

    at = on_page("m_chair", "motion")
    at.query_params["id"] = str(ids["implementing"])
    at.run()
    assert "更新多媒体设备" in texts(at)


def test_milestones_offer_their_evidence(shared):
    _url, _c, ids = shared
    at = on_page("m_d1", "motion", motion_id=ids["implementing"])
    assert [d.label for d in at.get("download_button")] == [
        t("motion.detail.evidence", name="验收单.pdf")]
    assert any("已采购第一批设备" in line for line in texts(at))


def test_the_department_counts_and_queue(shared):
    _url, _c, ids = shared
    at = on_page("m_dept", "motion_department")
    counts = {m.label: m.value for m in at.metric}
    assert counts[t("motion.dept.count.todo")] == "1"
    assert counts[t("motion.dept.count.rated")] == "1"
    shown = at.dataframe[0].value
    assert "办公室增设饮水机" in set(shown["title"])
    at.selectbox(key="motion_dept_pick").set_value(ids["assigned"])
    click(at, "motion.list.open")
    follow(at, "motion")
    assert "办公室增设饮水机" in texts(at)
    assert {t("motion.do.accept"), t("motion.do.request_return")} <= labels(at)

    at = on_page("m_dept2", "motion_department")  # another department: nothing of it
    assert all(m.value == "0" for m in at.metric)


# --- the delegate ----------------------------------------------------------------------------

def test_a_delegate_drafts_through_the_form(fresh):
    url, c = fresh
    at = on_page("m_d1", "motions_mine")
    assert any(x.value.startswith(t("motion.form.meeting_is", meeting="")) for x in at.caption)
    at.text_input(key="motion_new_title").input("教师体检增加项目")
    at.text_area(key="motion_new_reason").input("现有体检项目偏少。")
    at.text_area(key="motion_new_suggestion").input("增加甲状腺和颈椎检查。")
    at.selectbox(key="motion_new_category").set_value("welfare")
    click(at, "motion.form.save")
    assert errors(at) == []
    with session_of(url) as s:
        made = s.scalar(select(Motion).where(Motion.title == "教师体检增加项目"))
        assert (made.state, made.category, made.proposer_staff_id, made.meeting_id) == (
            "draft", "welfare", c.staff["张一"], c.meeting_a)
        motion_id = made.id
    follow(at, "motion")
    assert "教师体检增加项目" in texts(at) and "增加甲状腺和颈椎检查。" in texts(at)
    assert t("motion.do.submit") not in labels(at)  # two co-signers needed first
    assert {t("motion.do.ask_cosigners"), t("motion.do.withdraw")} <= labels(at)
    at = on_page("m_d1", "motions_mine")
    assert "教师体检增加项目" in set(at.dataframe[0].value["title"])
    at.selectbox(key="motion_mine_pick").set_value(motion_id)
    click(at, "motion.list.open")
    follow(at, "motion")
    assert "教师体检增加项目" in texts(at)


def test_similar_motions_show_while_drafting(fresh):
    url, c = fresh
    motion_upto(url, c, "registered", title="延长食堂晚餐供应时间",
                reason="晚自习后教师吃不上晚饭，食堂晚餐供应时间太短。")
    at = on_page("m_d2", "motions_mine")
    at.text_input(key="motion_new_title").input("食堂晚餐供应时间再延长").run()
    similar = [d.value for d in at.dataframe if "score" in d.value]
    assert similar and "延长食堂晚餐供应时间" in set(similar[0]["title"])


def test_a_delegate_asks_named_delegates_to_cosign(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c)
    at = on_page("m_d1", "motion", motion_id=motion_id)
    asked = at.multiselect(key=f"m{motion_id}_ask_people")
    assert c.staff["张一"] not in asked.options  # never oneself
    asked.set_value([c.staff["李二"], c.staff["王三"]])
    click(at, "motion.do.ask_cosigners")
    assert [s.value for s in at.success] == [t("motion.done.ask_cosigners")]
    assert motion_row(url, motion_id).state == "cosigning"


def test_delegates_cosign_from_their_requests_and_the_proposer_submits(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "cosigning", title="教师体检增加项目")
    for username in ("m_d2", "m_d3"):
        other = on_page(username, "motions_mine")
        assert "教师体检增加项目" in texts(other)
        other.button(key=f"motion_cosign_{motion_id}").click().run()
        assert [s.value for s in other.success] == [t("motion.done.cosign")]
        assert "教师体检增加项目" not in texts(other)  # answered: no longer asked
    with session_of(url) as s:
        assert s.scalar(select(func.count()).select_from(MotionCosigner).where(
            MotionCosigner.motion_id == motion_id, MotionCosigner.status == "signed")) == 2

    at = on_page("m_d1", "motion", motion_id=motion_id)
    cosigners = next(d.value for d in at.dataframe if "name" in d.value)
    assert set(cosigners["status"]) == {t("motion.detail.cosign.signed")}
    click(at, "motion.do.submit")
    assert [s.value for s in at.success] == [t("motion.done.submit")]
    assert motion_row(url, motion_id).state == "submitted"


def test_a_delegate_declines_and_cannot_cosign_twice(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "cosigning")
    at = on_page("m_d2", "motion", motion_id=motion_id)
    assert {t("motion.do.cosign"), t("motion.do.decline_cosign")} <= labels(at)
    click(at, "motion.do.decline_cosign")
    assert [s.value for s in at.success] == [t("motion.done.decline_cosign")]
    assert not {t("motion.do.cosign"), t("motion.do.decline_cosign")} & labels(at)
    with session_of(url) as s, pytest.raises(DomainError) as twice:
        motions.cosign(s, c.d2, motion_id=motion_id)
    assert twice.value.key == "motion.error.already_declined"


def test_an_empty_title_is_refused_and_nothing_is_written(fresh):
    url, _c = fresh
    at = on_page("m_d1", "motions_mine")
    at.text_area(key="motion_new_reason").input("理由写了。")
    at.text_area(key="motion_new_suggestion").input("建议也写了。")
    click(at, "motion.form.save")
    assert errors(at) == [refused("motion.error.text_required", field_key="motion.field.title")]
    assert at.title[0].value == t("motion.mine.title")
    with session_of(url) as s:
        assert s.scalar(select(func.count()).select_from(Motion)) == 0


def test_a_delegate_edits_a_returned_draft(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "submitted")
    with session_of(url) as s:
        motions.return_for_revision(s, c.chair, motion_id=motion_id, note="请补充具体时间")
        s.commit()
    at = on_page("m_d1", "motion", motion_id=motion_id)
    assert "请补充具体时间" in texts(at)
    at.text_area(key=f"m{motion_id}_edit_suggestion").input("晚餐供应延长到19:30，自下学期起。")
    click(at, "motion.do.edit_draft")
    assert [s.value for s in at.success] == [t("motion.done.edit_draft")]
    assert motion_row(url, motion_id).suggestion == "晚餐供应延长到19:30，自下学期起。"


# --- the committee and the department ------------------------------------------------------

def test_the_chair_registers_and_assigns(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "submitted")
    at = on_page("m_chair", "motion", motion_id=motion_id)
    assert {t("motion.do.register"), t("motion.do.reject"), t("motion.do.merge"),
            t("motion.do.to_suggestion"), t("motion.do.return_for_revision")} <= labels(at)
    click(at, "motion.do.register")
    assert [s.value for s in at.success] == [t("motion.done.register")]
    number = motion_row(url, motion_id).number
    assert number == f"{local_today().year}SCH1TA001"
    assert any(number in x.value for x in at.caption)

    deadline = at.date_input(key=f"m{motion_id}_assign_deadline")
    assert deadline.value == local_today() + dt.timedelta(days=30)
    at.selectbox(key=f"m{motion_id}_assign_lead").set_value(c.departments["教务处"])
    at.multiselect(key=f"m{motion_id}_assign_co").set_value([c.departments["总务处"]])
    click(at, "motion.do.assign")
    assert errors(at) == []
    row = motion_row(url, motion_id)
    assert (row.state, row.lead_department_id, row.deadline) == (
        "assigned", c.departments["教务处"], local_today() + dt.timedelta(days=30))
    with session_of(url) as s:
        assert sorted(s.execute(select(MotionAssignment.department_id, MotionAssignment.role)
                                .where(MotionAssignment.motion_id == motion_id)).all()) == \
            sorted([(c.departments["教务处"], "lead"), (c.departments["总务处"], "co")])


def test_a_deadline_in_the_past_is_refused(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "registered")
    at = on_page("m_chair", "motion", motion_id=motion_id)
    yesterday = local_today() - dt.timedelta(days=1)
    at.selectbox(key=f"m{motion_id}_assign_lead").set_value(c.departments["教务处"])
    at.date_input(key=f"m{motion_id}_assign_deadline").set_value(yesterday)
    click(at, "motion.do.assign")
    assert errors(at) == [refused("motion.error.deadline_past", deadline=yesterday.isoformat())]
    assert motion_row(url, motion_id).state == "registered"


def test_a_rejection_needs_its_reason(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "submitted")
    at = on_page("m_chair", "motion", motion_id=motion_id)
    click(at, "motion.do.reject")
    assert errors(at) == [refused("motion.error.text_required",
                                  field_key="motion.field.reject_reason")]
    at.text_area(key=f"m{motion_id}_reject_reason").input("属于个人诉求，不宜作为提案")
    click(at, "motion.do.reject")
    row = motion_row(url, motion_id)
    assert (row.state, row.decision_note) == ("rejected", "属于个人诉求，不宜作为提案")


def test_the_department_accepts_and_replies(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "assigned")
    at = on_page("m_dept", "motion", motion_id=motion_id)
    click(at, "motion.do.accept")
    assert [s.value for s in at.success] == [t("motion.done.accept")]
    assert motion_row(url, motion_id).state == "handling"
    click(at, "motion.do.reply")  # nothing written: refused, nothing stored
    assert errors(at) == [refused("motion.error.text_required", field_key="motion.field.reply")]
    at.text_area(key=f"m{motion_id}_reply_body").input("已与食堂协商，下月起供应到19:30。")
    at.radio(key=f"m{motion_id}_reply_extent").set_value("planned")
    click(at, "motion.do.reply")
    assert [s.value for s in at.success] == [t("motion.done.reply")]
    row = motion_row(url, motion_id)
    assert (row.state, row.extent, row.replied_on) == ("replied", "planned", local_today())
    with session_of(url) as s:
        assert s.scalar(select(MotionReply.body).where(MotionReply.motion_id == motion_id)) \
            == "已与食堂协商，下月起供应到19:30。"
    assert "已与食堂协商，下月起供应到19:30。" in texts(at)


def test_a_department_asks_to_return_and_the_chair_reassigns(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "assigned")
    at = on_page("m_dept", "motion", motion_id=motion_id)
    at.text_area(key=f"m{motion_id}_request_return_reason").input("属于总务处职责")
    click(at, "motion.do.request_return")
    assert [s.value for s in at.success] == [t("motion.done.request_return")]
    at = on_page("m_chair", "motion", motion_id=motion_id)
    at.selectbox(key=f"m{motion_id}_assign_lead").set_value(c.departments["总务处"])
    click(at, "motion.do.assign")
    assert errors(at) == []
    assert motion_row(url, motion_id).lead_department_id == c.departments["总务处"]


def test_reply_checked_rated_implemented_and_done(fresh):
    url, c = fresh
    motion_id = motion_upto(url, c, "replied")
    at = on_page("m_chair", "motion", motion_id=motion_id)
    click(at, "motion.do.accept_reply")
    assert motion_row(url, motion_id).state == "awaiting_rating"

    at = on_page("m_d1", "motion", motion_id=motion_id)
    at.radio(key=f"m{motion_id}_rate_rating").set_value("unsatisfied")
    click(at, "motion.do.rate")  # 不满意 needs a reason
    assert errors(at) == [refused("motion.error.text_required", field_key="motion.field.comment")]
    at.radio(key=f"m{motion_id}_rate_rating").set_value("basically")
    click(at, "motion.do.rate")
    assert [s.value for s in at.success] == [t("motion.done.rate")]
    assert motion_row(url, motion_id).rating == "basically"

    at = on_page("m_chair", "motion", motion_id=motion_id)
    click(at, "motion.do.implement")
    at.slider(key=f"m{motion_id}_progress_value").set_value(60)
    at.text_area(key=f"m{motion_id}_progress_note").input("新菜单已试行两周")
    at.get("file_uploader")[0].upload("试行照片.png", b"\x89PNG evidence", "image/png")
    click(at, "motion.do.record_progress")
    assert [s.value for s in at.success] == [t("motion.done.record_progress")]
    assert [d.label for d in at.get("download_button")] == [
        t("motion.detail.evidence", name="试行照片.png")]
    with session_of(url) as s:
        assert s.execute(select(MotionMilestone.progress, MotionMilestone.evidence_name).where(
            MotionMilestone.motion_id == motion_id)).all() == [(60, "试行照片.png")]
    click(at, "motion.do.mark_done")
    row = motion_row(url, motion_id)
    assert (row.state, row.progress, row.done_on) == ("done", 100, local_today())
    assert {t("motion.do.close")} <= labels(at)


# --- the demo district ---------------------------------------------------------------------

@pytest.fixture
def demo(demo_db_url, env) -> str:
    return env(demo_db_url)


def one_per_state(url: str, username: str) -> dict[str, int]:
    """The first demo motion of the user's school (MH01) in each state."""
    with session_of(url) as s:
        from services.auth import load_actor

        school = next(iter(load_actor(s, username).school_ids()))
        rows = s.execute(select(Motion.state, func.min(Motion.id)).where(
            Motion.school_id == school).group_by(Motion.state)).all()
    return dict(rows)


@pytest.mark.parametrize(("username", "page"), [
    ("delegate", "motions_mine"), ("dept", "motion_department"), ("delegate", "motion"),
    ("chair", "motion"), ("dept", "motion"), ("district", "motion")])
def test_the_demo_pages_show_their_motions(demo, username, page):
    at = on_page(username, page)
    assert errors(at) == []
    if page == "motion":  # nothing chosen yet: the picker, newest first
        picker = at.selectbox(key="motion_page_pick")
        assert picker.options and picker.value is None
        picker.select_index(0).run()
        assert not at.exception and errors(at) == []
        with session_of(demo) as s:
            assert s.get(Motion, at.session_state["motion_id"]).title in texts(at)
    else:
        assert len(at.dataframe[0].value) > 0
    if page == "motion_department":
        assert sum(int(m.value) for m in at.metric) > 0


@pytest.mark.parametrize("page", ["motions_mine", "motion", "motion_department"])
def test_the_auditor_is_refused(demo, page):
    at = on_page("auditor", page)
    assert [w.value for w in at.warning] == [t("access.denied")]
    assert len(at.dataframe) == 0 and len(at.text) == 0


def test_every_state_of_a_demo_motion_renders_for_the_chair(demo):
    states = one_per_state(demo, "chair")
    assert len(states) >= 12  # the demo holds motions in (nearly) every state
    for state, motion_id in states.items():
        at = on_page("chair", "motion", motion_id=motion_id)
        if state in ("draft", "cosigning"):   # still the proposer's own
            assert errors(at) == [t("motion.error.not_found")], state
            continue
        assert errors(at) == [], state
        assert any(x.value.endswith(t(f"motion.state.{state}")) for x in at.caption), state
