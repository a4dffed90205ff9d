"""教代会提案, the reading side: services/motion_queries.py on a real database.

A fixed dataset is written straight into the tables (not through services/motions.py), so every
expected number below is counted by hand from it. Today is 2026-06-30 throughout.

School A (SCH1, 湖滨小学), meeting A = 第6届第3次 (2026); deadlines are 2026-04-09 unless said:

  m1  李二 draft         教师食堂伙食 (another person's draft: never similar for others)
  m2  李二 cosigning     张一 asked (requested), 王三 signed
  m3  张一 submitted     建议提高食堂饭菜质量; 李二 and 赵四 signed
  m4  李二 withdrawn     submitted, never registered: not counted as submitted
  m5  王三 rejected      submitted
  m6  张一 registered    TA001
  m7  李二 assigned      TA002, lead 教务处 (asked to return it), co 总务处: overdue
  m8  王三 handling      TA003, lead 总务处 until 07-31 (教务处 returned it before): not due
  m9  赵四 replied       TA004, 教务处, replied 04-01: on time
  m10 张一 rated         TA005, 总务处, replied 04-20: late; 不满意
  m11 李二 implementing  TA006, 教务处, replied 04-05: on time; 满意; a milestone with evidence
  m12 王三 done          TA007, 人事处, replied 04-12: late; 基本满意; done 06-01
  m13 赵四 closed        TA008, 总务处, replied 04-08: on time; 满意; done 05-20
  m14 张一 merged        into m6
  m15 李二 suggestion    (no number)
  m16 王三 done          a suggestion carried out: 人事处, replied 04-09 (on the deadline);
                         满意; done 06-01 — counted as due, on time and rated, not as done
Meeting A's KPIs: submitted 13, registered 8, due 7, on time 4, rated 5, satisfied 4, done 2.

School A's past meeting 第6届第2次 (2025), not accepting motions:
  p1  张一 closed        2025SCH1TA001 关于改善教师食堂伙食质量的建议, 教务处, on time, 满意, done
  p2  李二 rejected
School B (SCH2, 第二中学), meeting B (2026), both by 周七:
  b1  assigned           2026SCH2TA001, B's 教务处: overdue
  b2  submitted          关于食堂饭菜质量的建议 (another school: never similar for school A)
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from db.motions import (
    CongressMeeting,
    Motion,
    MotionAssignment,
    MotionCosigner,
    MotionEvent,
    MotionMilestone,
    MotionRating,
)
from services import motion_queries as mq
from services.errors import DomainError
from tests.motion_factory import Congress, build_congress

TODAY = dt.date(2026, 6, 30)
DEADLINE = dt.date(2026, 4, 9)
SUBMITTED = dt.date(2026, 3, 1)
ASSIGNED = dt.date(2026, 3, 10)
CANTEEN = "关于改善教师食堂伙食质量的建议"
MEETING_A, PAST_A = "第6届第3次（2026）", "第6届第2次（2025）"


class Data:
    """The dataset's ids by name (m1 … m16, p1, p2, b1, b2) and the past meeting."""

    def __init__(self, c: Congress) -> None:
        self.c = c
        self.ids: dict[str, int] = {}
        self.past_meeting = 0
        self.milestone = 0

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def of(self, *names: str) -> set[int]:
        return {self.ids[n] for n in names}

    def a(self, *names: str) -> set[int]:
        """Meeting A's motions m1 … m16 except those named."""
        return {self.ids[f"m{i}"] for i in range(1, 17)} - self.of(*names)


def _motion(session: Session, data: Data, name: str, who: str, state: str, title: str, *,
            meeting: int | None = None, school: int | None = None, number: str | None = None,
            submitted: bool = True, lead: int | None = None, deadline: dt.date = DEADLINE,
            replied_on: dt.date | None = None, rating: str | None = None,
            done_on: dt.date | None = None, category: str | None = None,
            day: dt.date = SUBMITTED, **extra: object) -> Motion:
    c = data.c
    motion = Motion(
        meeting_id=meeting or c.meeting_a, school_id=school or c.school_a,
        proposer_staff_id=c.staff[who], title=title, reason="教职工反映较多。",
        suggestion="请学校研究解决。", category=category, state=state, number=number,
        submitted_on=day if submitted else None,
        registered_on=day + dt.timedelta(days=4) if number else None,
        lead_department_id=lead, assigned_on=day + dt.timedelta(days=9) if lead else None,
        deadline=deadline if lead else None, replied_on=replied_on, rating=rating,
        done_on=done_on, reopen_count=0, progress=extra.pop("progress", 0), **extra)
    session.add(motion)
    session.flush()
    data.ids[name] = motion.id
    if lead is not None:
        session.add(MotionAssignment(motion_id=motion.id, department_id=lead, role="lead",
                                     status="accepted" if state != "assigned" else "assigned",
                                     active=True, assigned_on=motion.assigned_on,
                                     deadline=deadline))
    if rating is not None:
        session.add(MotionRating(motion_id=motion.id, round=1, rating=rating,
                                 staff_id=c.staff[who], rated_on=(replied_on or day)
                                 + dt.timedelta(days=5)))
    return motion


def build_dataset(session: Session, c: Congress) -> Data:
    data = Data(c)
    teach, general, personnel = (c.departments[n] for n in ("教务处", "总务处", "人事处"))
    number = "2026SCH1TA{:03d}".format
    m = _motion
    m(session, data, "m1", "李二", "draft", "关于教师食堂伙食质量的建议", submitted=False)
    m(session, data, "m2", "李二", "cosigning", "关于校园绿化美化的建议", submitted=False)
    m(session, data, "m3", "张一", "submitted", "建议提高食堂饭菜质量", category="welfare")
    m(session, data, "m4", "李二", "withdrawn", "关于食堂增加夜宵的建议")
    m(session, data, "m5", "王三", "rejected", "关于取消坐班制度的建议",
      decision_note="不属于教代会职权")
    m(session, data, "m6", "张一", "registered", "关于增加体育器材的提案", number=number(1),
      category="logistics")
    m(session, data, "m7", "李二", "assigned", "关于改善教职工停车难问题的建议",
      number=number(2), lead=teach, category="welfare")
    m(session, data, "m8", "王三", "handling", "关于加强青年教师培训的建议", number=number(3),
      lead=general, deadline=dt.date(2026, 7, 31))
    m(session, data, "m9", "赵四", "replied", "关于更新多媒体教室投影设备的提案",
      number=number(4), lead=teach, replied_on=dt.date(2026, 4, 1), extent="solved")
    m(session, data, "m10", "张一", "rated", "关于教师子女入学问题的建议", number=number(5),
      lead=general, replied_on=dt.date(2026, 4, 20), rating="unsatisfied", extent="limited")
    m(session, data, "m11", "李二", "implementing", "关于减轻教师非教学负担的建议",
      number=number(6), lead=teach, replied_on=dt.date(2026, 4, 5), rating="satisfied",
      progress=40)
    m(session, data, "m12", "王三", "done", "关于完善职称评审办法的建议", number=number(7),
      lead=personnel, replied_on=dt.date(2026, 4, 12), rating="basically",
      done_on=dt.date(2026, 6, 1), progress=100)
    m(session, data, "m13", "赵四", "closed", "关于校园WiFi全覆盖的建议", number=number(8),
      lead=general, replied_on=dt.date(2026, 4, 8), rating="satisfied",
      done_on=dt.date(2026, 5, 20), progress=100)
    m(session, data, "m14", "张一", "merged", "关于体育器材更新的建议", merged_into_id=data["m6"])
    m(session, data, "m15", "李二", "suggestion", "教师体检覆盖率提高到100%的建议")
    m(session, data, "m16", "王三", "done", "关于延长图书馆开放时间的建议", lead=personnel,
      replied_on=DEADLINE, rating="satisfied", done_on=dt.date(2026, 6, 1), progress=100)

    # m7: 教务处 asks to return it; 总务处 co-handles it.
    lead7 = session.query(MotionAssignment).filter_by(motion_id=data["m7"]).one()
    lead7.status, lead7.return_reason = "return_requested", "不属于本部门职责"
    session.add(MotionAssignment(motion_id=data["m7"], department_id=general, role="co",
                                 status="assigned", active=True, assigned_on=ASSIGNED,
                                 deadline=DEADLINE))
    # m8: 教务处 had it first and returned it.
    session.add(MotionAssignment(motion_id=data["m8"], department_id=teach, role="lead",
                                 status="returned", active=False, assigned_on=ASSIGNED,
                                 deadline=DEADLINE, return_reason="应由总务处办理"))
    session.add_all([
        MotionCosigner(motion_id=data["m2"], staff_id=c.staff["张一"], status="requested"),
        MotionCosigner(motion_id=data["m2"], staff_id=c.staff["王三"], status="signed"),
        MotionCosigner(motion_id=data["m3"], staff_id=c.staff["李二"], status="signed"),
        MotionCosigner(motion_id=data["m3"], staff_id=c.staff["赵四"], status="signed"),
    ])
    milestone = MotionMilestone(motion_id=data["m11"], happened_on=dt.date(2026, 5, 10),
                                progress=40, note="已制定减负清单", evidence_name="清单.pdf",
                                evidence_type="application/pdf", evidence=b"%PDF-1.4 list")
    session.add(milestone)
    session.add_all([
        MotionEvent(motion_id=data["m7"], at=dt.datetime(2026, 3, 1, 2, 0), account_id=None,
                    actor_name="张一", action="submit", from_state="cosigning",
                    to_state="submitted"),
        MotionEvent(motion_id=data["m7"], at=dt.datetime(2026, 3, 10, 1, 30),
                    account_id=c.chair.account_id, actor_name=None, action="assign",
                    from_state="registered", to_state="assigned", note="请按期办理"),
    ])

    past = CongressMeeting(school_id=c.school_a, term_id=c.term_a, number=2, year=2025,
                           accepting=False)
    session.add(past)
    session.flush()
    data.past_meeting = past.id
    day = dt.date(2025, 3, 1)
    m(session, data, "p1", "张一", "closed", CANTEEN, meeting=past.id, number="2025SCH1TA001",
      lead=teach, day=day, deadline=dt.date(2025, 4, 30), replied_on=dt.date(2025, 4, 20),
      rating="satisfied", done_on=dt.date(2025, 9, 1), progress=100)
    m(session, data, "p2", "李二", "rejected", "关于调整作息时间的建议", meeting=past.id, day=day)

    m(session, data, "b1", "周七", "assigned", "关于增加实验室设备的建议", meeting=c.meeting_b,
      school=c.school_b, number="2026SCH2TA001", lead=c.department_b)
    m(session, data, "b2", "周七", "submitted", "关于食堂饭菜质量的建议", meeting=c.meeting_b,
      school=c.school_b)
    session.flush()
    data.milestone = milestone.id
    return data


@pytest.fixture
def c(session) -> Congress:
    return build_congress(session)


@pytest.fixture
def d(session, c) -> Data:
    mq.forget_similar_indexes()
    return build_dataset(session, c)


def listed(session: Session, actor, **filters) -> set[int]:
    frame, total = mq.list_motions(session, actor, filters=mq.MotionFilter(**filters),
                                   page_size=500, today=TODAY)
    assert total == len(frame)
    return set(frame["id"])


def refused(call, /, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.key


# --- KPIs ---------------------------------------------------------------------------------------

def test_kpis_of_a_meeting_as_counted_by_hand(session, c, d):
    figures = mq.kpis(session, c.chair, meeting_id=c.meeting_a, today=TODAY)
    assert figures == mq.Kpis(submitted=13, registered=8, due=7, on_time=4, rated=5,
                              satisfied=4, done=2)
    assert figures.registration_rate == Fraction(8, 13)    # 立案率
    assert figures.on_time_rate == Fraction(4, 7)          # 按期答复率
    assert figures.satisfaction_rate == Fraction(4, 5)     # 满意率
    assert figures.done_rate == Fraction(1, 4)             # 落实率 2 / 8


def test_kpis_of_a_school_a_year_and_the_district(session, c, d):
    school_a = mq.Kpis(15, 9, 8, 5, 6, 5, 3)
    assert mq.kpis(session, c.chair, school_id=c.school_a, today=TODAY) == school_a
    assert mq.kpis(session, c.chair, today=TODAY) == school_a          # a chair's whole scope
    assert mq.kpis(session, c.chair, meeting_id=d.past_meeting, today=TODAY) == \
        mq.Kpis(2, 1, 1, 1, 1, 1, 1)
    assert mq.kpis(session, c.district, school_id=c.school_b, today=TODAY) == \
        mq.Kpis(2, 1, 1, 0, 0, 0, 0)
    assert mq.kpis(session, c.district, today=TODAY) == mq.Kpis(17, 10, 9, 5, 6, 5, 3)
    assert mq.kpis(session, c.district, year=2026, today=TODAY) == mq.Kpis(15, 9, 8, 4, 5, 4, 2)
    assert mq.kpis(session, c.district, year=2025, today=TODAY) == mq.Kpis(2, 1, 1, 1, 1, 1, 1)


def test_due_follows_today(session, c, d):
    # Before meeting A's deadline only the replied motions are due: m7 is not yet.
    early = mq.kpis(session, c.chair, meeting_id=c.meeting_a, today=dt.date(2026, 4, 9))
    assert (early.due, early.on_time) == (6, 4)
    # Once m8's deadline has passed it is due too, and not on time.
    late = mq.kpis(session, c.chair, meeting_id=c.meeting_a, today=dt.date(2026, 8, 1))
    assert (late.due, late.on_time) == (8, 4)


def test_rates_without_a_denominator_are_none():
    empty = mq.Kpis()
    assert (empty.registration_rate, empty.on_time_rate, empty.satisfaction_rate,
            empty.done_rate) == (None, None, None, None)
    assert mq.Kpis(submitted=4, registered=4).registration_rate == Fraction(1)


def test_kpis_by_school(session, c, d):
    frame = mq.kpis_by_school(session, c.district, today=TODAY)
    assert list(frame["school"]) == ["湖滨小学", "第二中学"]
    assert frame[list(mq.KPI_COUNTS)].values.tolist() == [[15, 9, 8, 5, 6, 5, 3],
                                                         [2, 1, 1, 0, 0, 0, 0]]
    a, b = frame.to_dict("records")
    assert a["registration_rate"] == pytest.approx(9 / 15)
    assert a["done_rate"] == pytest.approx(3 / 9)
    assert b["on_time_rate"] == 0.0
    assert pd.isna(b["satisfaction_rate"])          # nothing rated: no rate, not 0 %
    # A year with no motion at school B still lists it, with zeros.
    frame = mq.kpis_by_school(session, c.district, year=2025, today=TODAY)
    assert frame[list(mq.KPI_COUNTS)].values.tolist() == [[2, 1, 1, 1, 1, 1, 1], [0] * 7]
    # A chair sees their own school only.
    assert list(mq.kpis_by_school(session, c.chair, today=TODAY)["school_id"]) == [c.school_a]


def test_kpis_by_meeting(session, c, d):
    frame = mq.kpis_by_meeting(session, c.chair, school_id=c.school_a, today=TODAY)
    assert list(frame["meeting"]) == [MEETING_A, PAST_A]          # newest first
    assert list(frame["meeting_id"]) == [c.meeting_a, d.past_meeting]
    assert frame[list(mq.KPI_COUNTS)].values.tolist() == [[13, 8, 7, 4, 5, 4, 2],
                                                         [2, 1, 1, 1, 1, 1, 1]]
    assert frame["on_time_rate"].tolist() == pytest.approx([4 / 7, 1.0])
    assert refused(mq.kpis_by_meeting, session, c.chair_b, school_id=c.school_a) == \
        "error.forbidden"


def test_department_ranking_by_on_time_then_satisfaction(session, c, d):
    frame = mq.department_ranking(session, c.chair, today=TODAY)
    # 教务处 3/4 on time; 人事处 and 总务处 both 1/2, then 人事处 is ahead on satisfaction
    # (2/2 against 1/2).
    assert frame[["rank", "department", "assigned", "due", "on_time", "rated",
                  "satisfied"]].values.tolist() == [
        [1, "教务处", 4, 4, 3, 2, 2],
        [2, "人事处", 2, 2, 1, 2, 2],
        [3, "总务处", 3, 2, 1, 2, 1],
    ]
    assert frame["on_time_rate"].tolist() == pytest.approx([0.75, 0.5, 0.5])
    assert frame["satisfaction_rate"].tolist() == pytest.approx([1.0, 1.0, 0.5])
    # District-wide, school B's 教务处 (nothing on time, nothing rated) comes last.
    district = mq.department_ranking(session, c.district, today=TODAY)
    assert list(zip(district["school"], district["department"], strict=True)) == [
        ("湖滨小学", "教务处"), ("湖滨小学", "人事处"), ("湖滨小学", "总务处"),
        ("第二中学", "教务处")]
    assert pd.isna(district["satisfaction_rate"].iloc[-1])
    # One year: in 2026 教务处 has m7 (late), m9 and m11 on time.
    year = mq.department_ranking(session, c.chair, year=2026, today=TODAY)
    assert year[["department", "due", "on_time"]].values.tolist()[0] == ["教务处", 3, 2]


def test_overdue_list(session, c, d):
    frame = mq.overdue_list(session, c.district, today=TODAY)
    assert list(frame["id"]) == [d["m7"], d["b1"]]
    assert list(frame["days_overdue"]) == [82, 82]
    assert list(frame["deadline"]) == [DEADLINE, DEADLINE]        # dates, not text
    assert list(frame["department"]) == ["教务处", "教务处"]
    assert list(mq.overdue_list(session, c.chair, today=TODAY)["id"]) == [d["m7"]]
    assert list(mq.overdue_list(session, c.district, school_id=c.school_b,
                                today=TODAY)["id"]) == [d["b1"]]
    # m8's deadline is 07-31: overdue the day after.
    later = mq.overdue_list(session, c.chair, today=dt.date(2026, 8, 1))
    assert list(later["id"]) == [d["m7"], d["m8"]]
    # The co-department reads its overdue motion too.
    assert list(mq.overdue_list(session, c.dept2, today=TODAY)["id"]) == [d["m7"]]


def test_the_board_is_for_the_district_and_the_chairs(session, c, d):
    for who in (c.auditor, c.dept, c.d1):
        assert refused(mq.kpis, session, who) == "error.forbidden"
        assert refused(mq.kpis_by_school, session, who) == "error.forbidden"
        assert refused(mq.department_ranking, session, who) == "error.forbidden"
    assert refused(mq.kpis, session, c.chair_b, school_id=c.school_a) == "error.forbidden"
    assert refused(mq.department_ranking, session, c.chair, school_id=c.school_b) == \
        "error.forbidden"


# --- scope ----------------------------------------------------------------------------------------

def test_each_role_reads_exactly_its_motions(session, c, d):
    drafts = d.of("m1", "m2")   # the proposer's and the asked co-signers' only
    everything = set(d.ids.values())
    assert listed(session, c.district) == everything - drafts
    assert listed(session, c.chair) == d.a("m1", "m2") | d.of("p1", "p2")
    assert listed(session, c.chair_b) == d.of("b1", "b2")
    # Department heads: every motion ever assigned to them, as lead or co, also returned ones.
    assert listed(session, c.dept) == d.of("m7", "m8", "m9", "m11", "p1")
    assert listed(session, c.dept2) == d.of("m7", "m8", "m10", "m13")
    assert listed(session, c.dept_b) == d.of("b1")
    # Delegates: their own, those they were asked to co-sign, and the school's public ones.
    public_a = d.a("m1", "m2", "m3", "m4") | d.of("p1", "p2")
    assert listed(session, c.d1) == public_a | d.of("m2", "m3")     # asked on m2, wrote m3
    assert listed(session, c.d4) == public_a | d.of("m3")           # signed m3
    assert listed(session, c.d2) == public_a | d.of("m1", "m2", "m4", "m3")  # signed m3
    assert listed(session, c.delegate_b) == d.of("b1", "b2")
    assert refused(listed, session, c.auditor) == "error.forbidden"


def test_another_schools_chair_sees_nothing_of_school_a(session, c, d):
    assert listed(session, c.chair_b, school_id=c.school_a) == set()
    assert listed(session, c.chair_b, meeting_id=c.meeting_a) == set()
    assert refused(mq.motion_view, session, c.chair_b, d["m7"]) == "motion.error.not_found"
    assert refused(mq.review_queue, session, c.chair_b, meeting_id=c.meeting_a) == \
        "error.forbidden"
    assert refused(mq.similar_motions, session, c.chair_b, school_id=c.school_a,
                   text=CANTEEN) == "error.forbidden"
    assert mq.overdue_list(session, c.chair_b, school_id=c.school_a, today=TODAY).empty


# --- lists ----------------------------------------------------------------------------------------

def test_list_columns_and_values(session, c, d):
    frame, total = mq.list_motions(session, c.chair, filters=mq.MotionFilter(
        meeting_id=c.meeting_a, states=("assigned",)), today=TODAY)
    assert total == 1
    assert list(frame.columns) == mq.LIST_COLUMNS
    row = frame.iloc[0].to_dict()
    assert row == {"id": d["m7"], "number": "2026SCH1TA002",
                   "title": "关于改善教职工停车难问题的建议", "proposer": "李二",
                   "school": "湖滨小学", "department": "教务处", "state": "assigned",
                   "deadline": DEADLINE, "overdue": True, "rating": None, "progress": 0}


def test_pagination_counts_all_and_returns_one_page_newest_first(session, c, d):
    # The chair reads every motion of the school but the two drafts (m1, m2).
    newest_first = sorted(d.a("m1", "m2") | d.of("p1", "p2"), reverse=True)
    pages = []
    for page in (1, 2, 3, 4, 5):
        frame, total = mq.list_motions(session, c.chair, page=page, page_size=5, today=TODAY)
        assert total == 16
        pages.append(list(frame["id"]))
    assert [len(p) for p in pages] == [5, 5, 5, 1, 0]
    assert [i for page in pages for i in page] == newest_first


def test_filters(session, c, d):
    chair = c.chair
    assert listed(session, chair, states=("assigned", "handling")) == d.of("m7", "m8")
    assert listed(session, chair, department_id=c.departments["教务处"]) == \
        d.of("m7", "m9", "m11", "p1")                 # the lead department, now
    assert listed(session, chair, overdue_only=True) == d.of("m7")
    assert listed(session, chair, category="welfare") == d.of("m3", "m7")
    assert listed(session, chair, meeting_id=d.past_meeting) == d.of("p1", "p2")
    assert listed(session, c.district, school_id=c.school_b) == d.of("b1", "b2")
    # Text: in the title, the number or the proposer's name.
    assert listed(session, chair, text=" 食堂 ") == d.of("m3", "m4", "p1")  # m1 a draft
    assert listed(session, chair, text="ta002") == d.of("m7")
    assert listed(session, chair, text="赵四") == d.of("m9", "m13")
    assert listed(session, chair, text="wifi") == d.of("m13")
    assert listed(session, chair, text="%") == d.of("m15")      # a literal %, not a wildcard
    assert listed(session, chair, text="_") == set()
    # Filters combine, and never widen the scope.
    assert listed(session, chair, text="食堂", states=("submitted",)) == d.of("m3")
    assert listed(session, c.d4, text="食堂") == d.of("m3", "p1")


def test_all_motions_is_the_register_in_meeting_and_number_order(session, c, d):
    frame = mq.all_motions(session, c.chair, filters=mq.MotionFilter(), today=TODAY)
    assert list(frame.columns) == mq.REGISTER_COLUMNS
    numbered = [d[f"m{i}"] for i in range(6, 14)]
    unnumbered = sorted(d.a("m1", "m2") - set(numbered))   # drafts m1, m2 not shown
    assert list(frame["id"]) == [*numbered, *unnumbered, d["p1"], d["p2"]]
    assert set(frame["meeting"]) == {MEETING_A, PAST_A}
    m12 = frame[frame["id"] == d["m12"]].iloc[0]
    assert (m12["replied_on"], m12["done_on"], m12["rating"]) == (
        dt.date(2026, 4, 12), dt.date(2026, 6, 1), "basically")
    only = mq.all_motions(session, c.chair, filters=mq.MotionFilter(overdue_only=True),
                          today=TODAY)
    assert list(only["id"]) == [d["m7"]] and bool(only["overdue"].iloc[0])


def test_my_motions_and_cosign_requests(session, c, d):
    mine = mq.my_motions(session, c.d1, today=TODAY)
    assert list(mine["id"]) == [d["p1"], d["m14"], d["m10"], d["m6"], d["m3"]]
    m3 = mine[mine["id"] == d["m3"]].iloc[0]
    assert (m3["meeting"], m3["signed"], m3["asked"], m3["needed"]) == (MEETING_A, 2, 2, 2)
    assert mine[mine["id"] == d["p1"]].iloc[0]["meeting"] == PAST_A
    requests = mq.cosign_requests(session, c.d1)
    assert list(requests["id"]) == [d["m2"]]
    assert requests.iloc[0][["proposer", "signed", "needed"]].tolist() == ["李二", 1, 2]
    assert mq.cosign_requests(session, c.d3).empty          # 王三 has signed m2 already
    assert refused(mq.my_motions, session, c.chair) == "error.forbidden"


def test_review_queue_in_task_order(session, c, d):
    queue = mq.review_queue(session, c.chair, meeting_id=c.meeting_a)
    assert list(zip(queue["id"], queue["task"], strict=True)) == [
        (d["m3"], "review"),
        (d["m15"], "assign"), (d["m6"], "assign"),   # waiting since 03-01 and 03-05
        (d["m7"], "reassign"),
        (d["m9"], "check_reply"),
        (d["m10"], "follow_up"),
    ]
    m7 = queue[queue["id"] == d["m7"]].iloc[0]
    assert bool(m7["return_requested"]) and m7["return_reason"] == "不属于本部门职责"
    assert m7["since"] == ASSIGNED
    assert queue[queue["id"] == d["m3"]].iloc[0]["signed"] == 2
    assert not queue[queue["id"] != d["m7"]]["return_requested"].any()
    assert refused(mq.review_queue, session, c.district, meeting_id=c.meeting_a) == \
        "error.forbidden"


def test_department_queue_counts_and_rows(session, c, d):
    counts, queue = mq.department_queue(session, c.dept, today=TODAY)
    assert counts == {"todo": 1, "doing": 0, "replied": 1, "rated": 2}
    # m8 was returned by 教务处: no longer in its queue (but still readable).
    assert list(queue["id"]) == [d["m7"], d["m9"], d["p1"], d["m11"]]
    assert list(queue.columns) == mq.DEPARTMENT_QUEUE_COLUMNS
    m7 = queue.iloc[0]
    assert (m7["role"], m7["assignment_status"], bool(m7["overdue"])) == (
        "lead", "return_requested", True)
    counts, queue = mq.department_queue(session, c.dept2, today=TODAY)
    assert counts == {"todo": 1, "doing": 1, "replied": 0, "rated": 2}
    assert queue[queue["id"] == d["m7"]].iloc[0]["role"] == "co"
    assert refused(mq.department_queue, session, c.chair) == "error.forbidden"


# --- meetings -------------------------------------------------------------------------------------

def test_meeting_labels_and_choices(session, c, d):
    assert mq.meeting_label(6, 3, 2026) == MEETING_A
    assert mq.meeting_label(6, 3, 2026, "en") == "Term 6, meeting 3 (2026)"
    assert mq.meeting_choices(session, c.chair) == {c.meeting_a: MEETING_A,
                                                    d.past_meeting: PAST_A}
    assert list(mq.meeting_choices(session, c.d1)) == [c.meeting_a, d.past_meeting]
    assert list(mq.meeting_choices(session, c.dept_b)) == [c.meeting_b]
    everything = mq.meeting_choices(session, c.district)
    assert list(everything.values()) == [f"湖滨小学 {MEETING_A}", f"第二中学 {MEETING_A}",
                                         f"湖滨小学 {PAST_A}"]
    assert mq.meeting_choices(session, c.district, school_id=c.school_b) == {
        c.meeting_b: MEETING_A}
    assert refused(mq.meeting_choices, session, c.chair, school_id=c.school_b) == \
        "error.forbidden"
    assert refused(mq.meeting_choices, session, c.auditor) == "error.forbidden"


def test_current_meeting_is_the_newest_accepting_one(session, c, d):
    assert mq.current_meeting_id(session, c.d1, school_id=c.school_a) == c.meeting_a
    session.get(CongressMeeting, c.meeting_a).accepting = False
    session.flush()
    assert mq.current_meeting_id(session, c.d1, school_id=c.school_a) is None
    session.get(CongressMeeting, d.past_meeting).accepting = True
    session.flush()
    assert mq.current_meeting_id(session, c.chair, school_id=c.school_a) == d.past_meeting
    assert refused(mq.current_meeting_id, session, c.d1, school_id=c.school_b) == \
        "error.forbidden"


# --- one motion -----------------------------------------------------------------------------------

def test_motion_view_shows_everything_in_scope(session, c, d):
    view = mq.motion_view(session, c.chair, d["m7"], today=TODAY)
    assert (view.number, view.title, view.state, view.meeting, view.school, view.proposer) == (
        "2026SCH1TA002", "关于改善教职工停车难问题的建议", "assigned", MEETING_A, "湖滨小学",
        "李二")
    assert (view.lead_department, view.deadline, view.overdue, view.min_cosigners,
            view.reply_days) == ("教务处", DEADLINE, True, 2, 30)
    assert [(a.department, a.role, a.status, a.active, a.return_reason)
            for a in view.assignments] == [
        ("教务处", "lead", "return_requested", True, "不属于本部门职责"),
        ("总务处", "co", "assigned", True, None)]
    # History in local time (UTC+8), with the name stored at the time or the account's.
    assert [(e.at, e.actor_name, e.action, e.from_state, e.to_state, e.note)
            for e in view.events] == [
        (dt.datetime(2026, 3, 1, 10, 0), "张一", "submit", "cosigning", "submitted", None),
        (dt.datetime(2026, 3, 10, 9, 30), "m_chair", "assign", "registered", "assigned",
         "请按期办理")]
    assert list(pd.DataFrame(view.events).columns) == ["at", "actor_name", "action",
                                                       "from_state", "to_state", "note"]
    assert isinstance(view.actions, tuple) and "assign" in view.actions  # reassign it


def test_motion_view_of_cosigners_merges_ratings_and_milestones(session, c, d):
    view = mq.motion_view(session, c.d1, d["m2"], today=TODAY)
    assert view.cosigners == (("张一", "requested"), ("王三", "signed"))
    merged = mq.motion_view(session, c.chair, d["m14"], today=TODAY)
    assert (merged.merged_into_id, merged.merged_into) == (
        d["m6"], ("2026SCH1TA001", "关于增加体育器材的提案"))
    lead = mq.motion_view(session, c.chair, d["m6"], today=TODAY)
    assert lead.merged_children == ((None, "关于体育器材更新的建议"),)
    done = mq.motion_view(session, c.d3, d["m11"], today=TODAY)
    assert [(r.round, r.rating, r.rated_by) for r in done.ratings] == [(1, "satisfied", "李二")]
    [step] = done.milestones
    assert (step.progress, step.note, step.evidence_name) == (40, "已制定减负清单", "清单.pdf")
    assert not hasattr(step, "evidence")             # bytes only on a click
    assert mq.milestone_evidence(session, c.d3, step.id) == (
        "清单.pdf", "application/pdf", b"%PDF-1.4 list")
    assert done.actions == ()                        # a delegate who is not its proposer


def test_motion_view_refuses_outside_the_scope(session, c, d):
    assert refused(mq.motion_view, session, c.d3, d["m4"]) == "motion.error.not_found"
    assert refused(mq.motion_view, session, c.dept, d["m10"]) == "motion.error.not_found"
    assert refused(mq.motion_view, session, c.d1, 10**9) == "motion.error.not_found"
    assert refused(mq.motion_view, session, c.auditor, d["m7"]) == "error.forbidden"
    assert refused(mq.milestone_evidence, session, c.delegate_b, d.milestone) == \
        "motion.error.not_found"


# --- similar motions ------------------------------------------------------------------------------

def test_similar_motions_find_last_years_duplicate(session, c, d):
    frame = mq.similar_motions(session, c.chair, school_id=c.school_a, text=CANTEEN)
    assert list(frame.columns) == ["id", "number", "meeting", "title", "state", "score"]
    ids = list(frame["id"])
    assert ids[0] == d["p1"] and frame["score"].iloc[0] > 0.9    # same title, reasons alike
    assert frame.iloc[0][["number", "meeting", "state"]].tolist() == [
        "2025SCH1TA001", PAST_A, "closed"]
    assert d["m3"] in ids and d["m4"] in ids           # the chair reads the whole school
    assert d["m1"] not in ids                          # another person's draft
    assert d["b2"] not in ids                          # another school
    assert d["m6"] not in ids                          # 体育器材
    assert list(frame["score"]) == sorted(frame["score"], reverse=True)


def test_similar_motions_follow_the_readers_scope(session, c, d):
    def found(actor, **kwargs) -> set[int]:
        return set(mq.similar_motions(session, actor, school_id=c.school_a, text=CANTEEN,
                                      **kwargs)["id"])

    assert found(c.d3) == d.of("p1")                  # m3 is submitted: not public yet
    assert found(c.d1) == d.of("p1", "m3")            # m3 is 张一's own
    assert d.of("m1", "m4") <= found(c.d2)            # 李二's own draft and withdrawn motion
    assert found(c.d1, exclude_id=d["p1"]) == d.of("m3")
    assert len(mq.similar_motions(session, c.chair, school_id=c.school_a, text=CANTEEN,
                                  limit=1)) == 1
    assert mq.similar_motions(session, c.chair, school_id=c.school_a, text="  ").empty
    assert mq.similar_motions(session, c.chair, school_id=c.school_a, text="操场跑道").empty
    assert refused(mq.similar_motions, session, c.d1, school_id=c.school_b,
                   text=CANTEEN) == "error.forbidden"


def test_the_similar_index_is_cached_until_a_motion_changes(session, c, d):
    mq.similar_motions(session, c.chair, school_id=c.school_a, text=CANTEEN)
    [(version, index)] = mq._INDEXES.values()
    mq.similar_motions(session, c.chair, school_id=c.school_a, text="食堂")
    assert list(mq._INDEXES.values()) == [(version, index)]       # not rebuilt
    _motion(session, d, "m17", "王三", "registered", "关于食堂饭菜价格的建议",
            number="2026SCH1TA009")
    session.flush()
    frame = mq.similar_motions(session, c.chair, school_id=c.school_a, text="食堂饭菜价格")
    assert frame["id"].iloc[0] == d["m17"]
    [(new_version, new_index)] = mq._INDEXES.values()
    assert new_version != version and new_index is not index


def test_a_title_that_comes_back_ranks_above_shared_reasons(session, c, d):
    """案由 counts twice: last year's motion under the same title, with other reasons, ranks
    above one that only shares the reasons."""
    same_title = _motion(session, d, "m18", "王三", "registered", "关于教师午休室增设床位的建议",
                         number="2026SCH1TA010")
    same_title.reason = "中午没有地方休息，下午上课没精神。"
    same_reason = _motion(session, d, "m19", "赵四", "registered", "关于调整作息时间的建议",
                          number="2026SCH1TA011")
    same_reason.reason = "新学期起午饭时间推迟，教师排队太久，饭菜凉了。"
    session.flush()
    frame = mq.similar_motions(
        session, c.chair, school_id=c.school_a,
        text="关于教师午休室增设床位的建议\n新学期起午饭时间推迟，教师排队太久，饭菜凉了。")
    ids = list(frame["id"])
    assert ids.index(same_title.id) < ids.index(same_reason.id)
