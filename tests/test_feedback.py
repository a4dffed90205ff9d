"""The anonymous feedback inbox: services/feedback.py, services/receipts.py, services/throttle.py.

Cases are sent with days in 2030 so the demo's own messages never mix into the numbers.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from db.feedback import FeedbackCase, FeedbackMessage, MotionLead
from db.models import AuditEntry, School
from services import feedback, receipts
from services.errors import DomainError
from services.throttle import SlidingWindow, Strikes
from tests.conftest import actor_of

DAY = dt.date(2030, 3, 2)


def school_id(session, code: str) -> int:
    return session.scalar(select(School.id).where(School.code == code))


def send(session, code: str | None = "MH01", text: str = "食堂的饭菜太咸了", *,
         category: str = "logistics", day: dt.date = DAY) -> tuple[str, int]:
    """A committed message; returns its receipt code and case id."""
    target = None if code is None else school_id(session, code)
    receipt = feedback.submit_feedback(session, school_id=target, category=category,
                                       body=text, today=day)
    session.commit()
    found = feedback.open_by_receipt(session, receipt, today=day)
    assert found is not None
    session.commit()
    return receipt, found.case_id


# --- Text -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["", "   ", "\n\t \u3000", "\x00\x00", "\ud800"])
def test_empty_or_whitespace_only_text_is_refused(raw):
    with pytest.raises(DomainError) as caught:
        feedback.clean_text(raw)
    assert caught.value.key == "feedback.error.empty"


def test_controls_and_lone_surrogates_are_removed_and_line_ends_unified():
    assert feedback.clean_text("  a\x00b\ud83dc\r\nd\x1b\u202ee\t  ") == "abc\nde"


def test_text_over_the_cap_is_refused_with_both_lengths():
    assert feedback.clean_text("字" * 5000) == "字" * 5000
    with pytest.raises(DomainError) as caught:
        feedback.clean_text("字" * 5001)
    assert caught.value.key == "feedback.error.too_long"
    assert caught.value.params == {"cap": 5000, "length": 5001}


@pytest.mark.parametrize(("text", "hints"), [
    ("我的手机 13812345678，请联系", ["phone"]),
    ("电话 138 1234 5678", ["phone"]),
    ("+86-139-1234-5678", ["phone"]),
    ("办公室 010-62345678", ["phone"]),
    ("身份证 11010519491231002X", ["id_number"]),
    ("写信到 li.ming@school.edu.cn", ["email"]),
    ("全角 １３８１２３４５６７８ 和 ａ＠ｂ．ｃｎ", ["phone", "email"]),
    ("2026-11-25 发放的 3000 元绩效工资少了 250 元", []),
    ("第 12345678901 号文件", []),
])
def test_identifying_hints(text, hints):
    assert feedback.identifying_hints(text) == hints


# --- Receipts -------------------------------------------------------------------------------

def test_receipt_codes_are_sixteen_digits_shown_in_fours():
    code = receipts.new_code()
    assert len(code) == 16 and code.isdigit()
    assert receipts.display("1234567890123456") == "1234-5678-9012-3456"
    assert receipts.normalise(" 1234-5678 9012-3456 ") == "1234567890123456"
    for bad in ("123456789012345", "12345678901234567", "1234-5678-9012-345x", "１" * 16,
                "9" * 200, ""):
        assert receipts.normalise(bad) is None


def test_only_a_salted_hash_of_the_receipt_is_stored(demo):
    code, case_id = send(demo)
    case = demo.get(FeedbackCase, case_id)
    assert code not in case.receipt_hash and code not in case.receipt_bucket
    assert case.receipt_hash.startswith("scrypt$1024$")
    assert receipts.hash_code(code) != receipts.hash_code(code)  # a new salt every time


def test_right_code_opens_its_case_and_every_wrong_one_fails_alike(demo, monkeypatch):
    code, case_id = send(demo)
    other_code, other_id = send(demo, "MH02", "另一所学校的意见")
    runs = []
    real = receipts._scrypt
    monkeypatch.setattr(receipts, "_scrypt", lambda *a: runs.append(1) or real(*a))

    def tried(raw: str):
        runs.clear()
        found = feedback.open_by_receipt(demo, raw, today=DAY)
        assert len(runs) == 1, f"{raw!r} cost {len(runs)} scrypt runs"
        return found

    assert tried(code) == feedback.WriterPass(case_id)
    assert tried(receipts.display(code)) == feedback.WriterPass(case_id)
    assert tried(other_code) == feedback.WriterPass(other_id)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    for raw in (wrong, "0000000000000000", "abcd-efgh", "", "1" * 200, code + "0", "<script>"):
        assert tried(raw) is None


def test_a_receipt_unused_for_a_year_stops_working(demo):
    code, case_id = send(demo)
    later = DAY + dt.timedelta(days=300)
    assert feedback.open_by_receipt(demo, code, today=later) == feedback.WriterPass(case_id)
    demo.commit()
    assert demo.get(FeedbackCase, case_id).receipt_used_on == later  # used: a new year starts
    assert feedback.open_by_receipt(demo, code, today=later + dt.timedelta(days=365))
    demo.commit()
    assert feedback.open_by_receipt(demo, code, today=later + dt.timedelta(days=365 + 366)) \
        is None


def test_writer_sees_public_replies_but_never_internal_notes(demo):
    _code, case_id = send(demo, text="<img src=x onerror=alert(1)>")
    chair = actor_of(demo, "chair")
    feedback.reply(demo, chair, case_id, "内部：先找总务处核实", internal=True, today=DAY)
    feedback.reply(demo, chair, case_id, "已请食堂调整口味，谢谢。", internal=False, today=DAY)
    demo.commit()
    view = feedback.writer_view(demo, feedback.WriterPass(case_id))
    assert view.body == "<img src=x onerror=alert(1)>"
    assert [(e.kind, e.level, e.body) for e in view.entries] == [
        ("public", "school", "已请食堂调整口味，谢谢。")]
    assert view.status == "replied"


def test_writer_answer_makes_a_replied_case_new_again_and_closed_cases_refuse(demo):
    _code, case_id = send(demo)
    chair, writer = actor_of(demo, "chair"), feedback.WriterPass(case_id)
    feedback.reply(demo, chair, case_id, "请问是哪一天？", internal=False, today=DAY)
    feedback.writer_answer(demo, writer, "周三中午", today=DAY)
    demo.commit()
    assert demo.get(FeedbackCase, case_id).status == "new"
    entries = feedback.writer_view(demo, writer).entries
    assert [(e.kind, e.body) for e in entries] == [("public", "请问是哪一天？"),
                                                   ("writer", "周三中午")]
    assert demo.scalar(select(FeedbackMessage.author_account_id)
                       .where(FeedbackMessage.kind == "writer",
                              FeedbackMessage.case_id == case_id)) is None
    feedback.close_case(demo, chair, case_id, today=DAY)
    demo.commit()
    with pytest.raises(DomainError) as caught:
        feedback.writer_answer(demo, writer, "还有一件事", today=DAY)
    assert caught.value.key == "feedback.error.closed"


def test_unknown_school_or_category_is_refused(demo):
    with pytest.raises(DomainError, match="找不到"):
        feedback.submit_feedback(demo, school_id=999_999, category="pay", body="x")
    with pytest.raises(DomainError, match="类别"):
        feedback.submit_feedback(demo, school_id=None, category="salary", body="x")


# --- The union's side -----------------------------------------------------------------------

def test_each_union_reads_only_its_own_inbox(demo):
    _c, mh01 = send(demo, "MH01", "给一中？不，给实验小学")
    _c, mh02 = send(demo, "MH02", "给第一中学")
    _c, district = send(demo, None, "给区教育工会")
    chair, admin = actor_of(demo, "chair"), actor_of(demo, "district")
    in_2030 = feedback.InboxFilter(date_from=DAY, date_to=DAY)
    assert set(feedback.list_inbox(demo, chair, in_2030)["id"]) == {mh01}
    assert set(feedback.list_inbox(demo, admin, in_2030)["id"]) == {district}
    assert feedback.count_inbox(demo, admin, in_2030) == 1
    for actor, case_id in ((chair, mh02), (chair, district), (admin, mh01)):
        with pytest.raises(DomainError) as caught:
            feedback.open_case(demo, actor, case_id)
        assert caught.value.key == "feedback.error.not_found"
    for username in ("dept", "delegate", "auditor"):
        with pytest.raises(DomainError):
            feedback.list_inbox(demo, actor_of(demo, username))


def test_opening_replying_noting_and_closing_follow_the_statuses(demo):
    _c, case_id = send(demo)
    chair = actor_of(demo, "chair")
    detail = feedback.open_case(demo, chair, case_id)
    assert (detail.status, detail.marked_read, detail.can_act) == ("opened", True, True)
    assert feedback.open_case(demo, chair, case_id).marked_read is False
    feedback.reply(demo, chair, case_id, "内部备注", internal=True, today=DAY)
    assert demo.get(FeedbackCase, case_id).status == "opened"
    feedback.reply(demo, chair, case_id, "公开答复", internal=False, today=DAY)
    assert demo.get(FeedbackCase, case_id).status == "replied"
    feedback.close_case(demo, chair, case_id, today=DAY + dt.timedelta(days=3))
    demo.commit()
    case = demo.get(FeedbackCase, case_id)
    assert (case.status, case.closed_on) == ("closed", dt.date(2030, 3, 5))
    actions = demo.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(case_id))
                           .order_by(AuditEntry.id)).all()
    assert actions == ["feedback.opened", "feedback.noted", "feedback.replied",
                       "feedback.closed"]
    for action in (lambda: feedback.reply(demo, chair, case_id, "再答复", internal=False),
                   lambda: feedback.close_case(demo, chair, case_id),
                   lambda: feedback.forward(demo, chair, case_id)):
        with pytest.raises(DomainError) as caught:
            action()
        assert caught.value.key == "feedback.error.closed"


def test_forwarding_moves_the_case_itself_between_school_and_district(demo):
    _c, case_id = send(demo)
    chair, admin = actor_of(demo, "chair"), actor_of(demo, "district")
    feedback.reply(demo, chair, case_id, "学校的内部备注", internal=True, today=DAY)
    feedback.forward(demo, chair, case_id, note="涉及校领导，请区工会处理", today=DAY)
    demo.commit()
    assert demo.scalar(select(func.count()).select_from(FeedbackCase)
                       .where(FeedbackCase.sent_on == DAY)) == 1  # no copy
    seen_by_chair = feedback.open_case(demo, chair, case_id)
    assert (seen_by_chair.status, seen_by_chair.can_act) == ("forwarded", False)
    with pytest.raises(DomainError) as caught:
        feedback.reply(demo, chair, case_id, "学校还想答复", internal=False)
    assert caught.value.key == "feedback.error.not_holder"
    detail = feedback.open_case(demo, admin, case_id)
    assert detail.can_act and detail.can_forward_to_school and not detail.can_forward_to_district
    assert [e.body for e in detail.entries] == ["学校的内部备注", "涉及校领导，请区工会处理"]
    feedback.reply(demo, admin, case_id, "区工会已约谈", internal=False, today=DAY)
    feedback.forward(demo, admin, case_id, today=DAY)
    demo.commit()
    back = feedback.open_case(demo, chair, case_id)
    assert (back.at_district, back.status, back.can_act) == (False, "forwarded", True)
    # The district still reads what it once held, without acting on it.
    assert feedback.open_case(demo, admin, case_id).can_act is False


def test_a_message_to_the_district_cannot_be_forwarded_to_a_school(demo):
    _c, case_id = send(demo, None)
    admin = actor_of(demo, "district")
    assert not feedback.open_case(demo, admin, case_id).can_forward_to_school
    with pytest.raises(DomainError) as caught:
        feedback.forward(demo, admin, case_id)
    assert caught.value.key == "feedback.error.no_school_to_forward"


def test_a_motion_lead_reaches_only_the_chosen_delegate_and_nothing_of_the_writer(demo):
    _c, case_id = send(demo, text="建议增加教师午休室")
    chair = actor_of(demo, "chair")
    delegate, other = actor_of(demo, "delegate"), actor_of(demo, "delegate2")
    choices = feedback.delegate_choices(demo, chair, case_id, today=dt.date(2026, 11, 25))
    assert delegate.staff_id in choices and len(choices) == 10
    with pytest.raises(DomainError) as caught:
        feedback.offer_motion_lead(demo, chair, case_id, delegate_staff_id=chair.staff_id,
                                   title="t", reason="r", suggestion="s",
                                   today=dt.date(2026, 11, 25))
    assert caught.value.key == "feedback.error.not_a_delegate"
    lead_id = feedback.offer_motion_lead(
        demo, chair, case_id, delegate_staff_id=delegate.staff_id, title="关于设立教师午休室的建议",
        reason="教师午间无处休息", suggestion="利用闲置教室改建", today=dt.date(2026, 11, 25))
    demo.commit()
    leads = feedback.list_leads(demo, delegate)
    assert list(leads.columns) == ["id", "offered_on", "title", "reason", "suggestion", "status"]
    assert leads.iloc[0]["title"] == "关于设立教师午休室的建议"
    assert lead_id not in set(feedback.list_leads(demo, other)["id"])
    with pytest.raises(DomainError):
        feedback.decide_lead(demo, other, lead_id, adopt=True)
    feedback.decide_lead(demo, delegate, lead_id, adopt=True, today=dt.date(2026, 11, 26))
    demo.commit()
    assert demo.get(MotionLead, lead_id).status == "adopted"
    with pytest.raises(DomainError) as caught:
        feedback.decide_lead(demo, delegate, lead_id, adopt=False)
    assert caught.value.key == "feedback.error.lead_decided"
    assert feedback.open_case(demo, chair, case_id).leads[0].status == "adopted"


# --- Statistics -----------------------------------------------------------------------------

@pytest.mark.parametrize(("counts", "shown"), [
    ({"a": 10, "b": 6, "c": 7}, {"a": 10, "b": 6, "c": 7}),
    ({"a": 10, "b": 3, "c": 7}, {"a": 10, "b": None, "c": None}),   # 3 = total - 17
    ({"a": 10, "b": 3, "c": 2, "d": 8}, {"a": 10, "b": None, "c": None, "d": 8}),
    ({"a": 10, "b": 1, "c": 1, "d": 8}, {"a": 10, "b": None, "c": None, "d": None}),
    ({"a": 10, "b": 0, "c": 6}, {"a": 10, "b": 0, "c": 6}),
    ({"a": 12, "b": 2}, {"a": None, "b": None}),
    ({"a": 4, "b": 0}, {"a": None, "b": 0}),
    ({}, {}),
])
def test_small_groups_are_hidden_and_cannot_be_recovered_by_subtraction(counts, shown):
    assert feedback.suppress_small_groups(counts) == shown


def test_statistics_count_in_sql_and_hide_small_groups(demo):
    chair, admin = actor_of(demo, "chair"), actor_of(demo, "district")
    for n in range(16):
        category = "teaching" if n < 7 else "pay" if n < 10 else "logistics"
        _c, case_id = send(demo, "MH01", f"意见 {n}", category=category,
                           day=dt.date(2030, 1 + n % 2, 5))
        if n < 3:
            feedback.open_case(demo, chair, case_id)
    for n in range(6):
        send(demo, "MH02", f"二中意见 {n}", category="teaching", day=dt.date(2030, 1, 9))
    demo.commit()
    mh01 = school_id(demo, "MH01")
    stats = feedback.feedback_stats(demo, chair, school_id=mh01, date_from=dt.date(2030, 1, 1),
                                    date_to=dt.date(2030, 3, 31))
    assert stats.total == 16
    assert stats.by_category == {"teaching": 7, "logistics": None, "pay": None,
                                 "management": 0, "ethics": 0, "other": 0}
    assert stats.by_month == {"2030-01": 8, "2030-02": 8, "2030-03": 0}
    # 3 opened alone would be 16 - 13: so the 13 new ones are hidden too.
    assert stats.by_status == {"new": None, "opened": None, "forwarded": 0, "replied": 0,
                               "closed": 0}
    whole = feedback.feedback_stats(demo, admin, school_id=None, date_from=dt.date(2030, 1, 1),
                                    date_to=dt.date(2030, 3, 31))
    assert whole.total == 22 and whole.by_category["teaching"] == 13
    assert whole.by_school == {"明湖区实验小学": 16, "明湖区第一中学": 6}
    with pytest.raises(DomainError):
        feedback.feedback_stats(demo, chair, school_id=school_id(demo, "MH02"),
                                date_from=DAY, date_to=DAY)
    with pytest.raises(DomainError):
        feedback.feedback_stats(demo, chair, school_id=None, date_from=DAY, date_to=DAY)


# --- Retention ------------------------------------------------------------------------------

def test_retention_deletes_exactly_the_closed_cases_past_their_period(demo):
    chair = actor_of(demo, "chair")
    today = dt.date(2031, 1, 1)
    ids = {}
    for name, closed_days_ago in (("old", 181), ("edge", 180), ("recent", 10), ("open", None)):
        _c, case_id = send(demo, text=name, day=dt.date(2030, 1, 1))
        feedback.reply(demo, chair, case_id, f"{name} 的答复", internal=False,
                       today=dt.date(2030, 1, 2))
        if name == "old":
            lead = feedback.offer_motion_lead(
                demo, chair, case_id, delegate_staff_id=actor_of(demo, "delegate").staff_id,
                title="线索", reason="理由", suggestion="建议", today=dt.date(2026, 11, 25))
        if closed_days_ago is not None:
            feedback.close_case(demo, chair, case_id,
                                today=today - dt.timedelta(days=closed_days_ago))
        ids[name] = case_id
    demo.commit()
    before = set(demo.scalars(select(FeedbackCase.id)))
    assert feedback.purge_closed_cases(demo, today=today, days=180) >= 1
    demo.commit()
    after = set(demo.scalars(select(FeedbackCase.id)))
    assert ids["old"] in before - after
    assert {ids["edge"], ids["recent"], ids["open"]} <= after
    assert demo.scalar(select(func.count()).select_from(FeedbackMessage)
                       .where(FeedbackMessage.case_id == ids["old"])) == 0
    assert demo.get(MotionLead, lead).case_id is None  # the lead stays, unlinked
    assert all(d is None or d >= today - dt.timedelta(days=180) for d in demo.scalars(
        select(FeedbackCase.closed_on).where(FeedbackCase.status == "closed")))
    entry = demo.scalar(select(AuditEntry).where(AuditEntry.action == "feedback.purged"))
    assert entry.after["closed_before"] == "2030-07-05"
    assert feedback.purge_closed_cases(demo, today=today, days=180) == 0


# --- Limits ---------------------------------------------------------------------------------

def test_sliding_window_allows_five_an_hour_per_client():
    now = [0.0]
    window = SlidingWindow(5, 3600, clock=lambda: now[0])
    for _ in range(5):
        assert window.allows("a")
        window.record("a")
    assert not window.allows("a") and window.allows("b")
    now[0] = 3599.0
    assert not window.allows("a")
    now[0] = 3600.0
    assert window.allows("a")


def test_wrong_receipts_slow_down_after_five():
    now = [0.0]
    strikes = Strikes(free=5, max_delay=30, clock=lambda: now[0])
    delays = []
    for _ in range(12):
        delays.append(strikes.delay("x"))
        strikes.wrong("x")
    assert delays == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 30, 30]
    assert strikes.delay("y") == 0
    now[0] = 3600.0
    assert strikes.delay("x") == 0


# --- Many writers at once -------------------------------------------------------------------

def test_two_hundred_parallel_submissions_all_stored_with_working_receipts(demo,
                                                                          session_factory):
    target = school_id(demo, "MH03")

    def one(n: int) -> str:
        with session_factory() as session:
            code = feedback.submit_feedback(session, school_id=target, category="other",
                                            body=f"并发意见 {n}", today=DAY)
            session.commit()
            return code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(one, range(200)))
    assert len(set(codes)) == 200
    stored = dict(demo.execute(select(FeedbackCase.id, FeedbackCase.body)
                               .where(FeedbackCase.sent_on == DAY)).all())
    assert sorted(stored.values()) == sorted(f"并发意见 {n}" for n in range(200))
    opened = {}
    for n, code in enumerate(codes):
        found = feedback.open_by_receipt(demo, code, today=DAY)
        assert found is not None
        opened[found.case_id] = n
    assert len(opened) == 200
    assert all(stored[case_id] == f"并发意见 {n}" for case_id, n in opened.items())


def test_the_retention_command_deletes_in_short_batches(demo, session_factory, monkeypatch):
    from services import retention

    monkeypatch.setattr(retention, "BATCH", 2)
    chair = actor_of(demo, "chair")
    expired = []
    for n in range(5):
        _c, case_id = send(demo, text=f"早已结束的意见 {n}", day=dt.date(2030, 1, 1))
        feedback.close_case(demo, chair, case_id, today=dt.date(2030, 1, 2))
        expired.append(case_id)
    demo.commit()
    assert retention.purge_expired(session_factory, today=dt.date(2031, 1, 1)) >= 5
    demo.expire_all()
    assert all(demo.get(FeedbackCase, case_id) is None for case_id in expired)
    assert retention.purge_expired(session_factory, today=dt.date(2031, 1, 1)) == 0


def test_sqlite_overwrites_what_it_deletes(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("secure_delete is SQLite's; PostgreSQL frees rows by VACUUM")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_home_counts_what_waits_for_each_union(demo):
    from services.home import home_summary

    chair, admin = actor_of(demo, "chair"), actor_of(demo, "district")
    key_school, key_district = ("home.count.feedback_waiting_school",
                                "home.count.feedback_waiting_district")
    school_before = home_summary(demo, chair).counts[key_school]
    district_before = home_summary(demo, admin).counts[key_district]
    _c, case_id = send(demo, "MH01")
    assert home_summary(demo, chair).counts[key_school] == school_before + 1
    feedback.forward(demo, chair, case_id, today=DAY)
    assert home_summary(demo, chair).counts[key_school] == school_before
    assert home_summary(demo, admin).counts[key_district] == district_before + 1
    feedback.reply(demo, admin, case_id, "区工会答复", internal=False, today=DAY)
    assert home_summary(demo, admin).counts[key_district] == district_before


def test_adopting_a_lead_makes_it_my_draft_motion_when_a_meeting_takes_motions(session):
    from db.motions import CongressMeeting, Motion
    from tests.motion_factory import build_congress

    town = build_congress(session)

    def offer(title: str) -> int:
        lead = MotionLead(school_id=town.school_a, delegate_staff_id=town.d1.staff_id,
                          title=title, reason="理由：食堂排队太久", suggestion="建议：增加窗口",
                          status="offered", offered_by=town.chair.account_id,
                          offered_on=dt.date(2026, 11, 20))
        session.add(lead)
        session.flush()
        return lead.id

    motion_id = feedback.decide_lead(session, town.d1, offer("关于" + "食堂" * 60), adopt=True)
    motion = session.get(Motion, motion_id)
    assert (motion.state, motion.meeting_id, motion.proposer_staff_id) == (
        "draft", town.meeting_a, town.d1.staff_id)
    assert len(motion.title) == 100 and motion.suggestion == "建议：增加窗口"
    assert feedback.decide_lead(session, town.d1, offer("不采纳"), adopt=False) is None
    # No meeting takes motions: the lead is adopted, no draft is written.
    session.get(CongressMeeting, town.meeting_a).accepting = False
    assert feedback.decide_lead(session, town.d1, offer("会后"), adopt=True) is None
    assert session.query(Motion).count() == 1


@pytest.mark.parametrize(("peer", "forwarded", "trust", "address"), [
    ("203.0.113.7", None, False, "203.0.113.7"),
    ("172.18.0.5", "198.51.100.9", True, "198.51.100.9"),          # behind our proxy
    ("172.18.0.5", "6.6.6.6, 198.51.100.9", True, "198.51.100.9"),  # a forged first entry
    ("172.18.0.5", "6.6.6.6", False, "172.18.0.5"),                # no proxy: header ignored
    ("172.18.0.5", " ", True, "172.18.0.5"),
    (None, None, True, None),
])
def test_client_address_behind_the_proxy(peer, forwarded, trust, address):
    from services.throttle import client_address

    assert client_address(peer, forwarded, trust_proxy=trust) == address
