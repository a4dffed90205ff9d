"""年度工作汇总: services/year_pack.py on a small district written by the test itself.

The district is tests/motion_factory.py's (湖滨小学 SCH1 = A, 第二中学 SCH2 = B, a meeting of
each in 2025) with, for the year 2025 and "today" 2026-03-01:

Motions of the 2025 meetings (deadline 2025-05-01 unless said):
  A  a1 submitted · a2 rejected · a3 withdrawn (never registered: not counted) · a10 draft
     a4 assigned TA001, no reply: due, overdue
     a5 replied TA002, replied 04-20: on time
     a6 rated TA003, replied 05-10: late; 满意
     a7 done TA004, replied 04-01: on time; 基本满意; done 10-01
     a8 handling TA005, deadline 2026-06-01: not yet due
     a9 rated TA006, replied 04-30: on time; 不满意
     → submitted 8, registered 6, due 5, on time 3, rated 3, satisfied 2, done 1, overdue 1
  B  b1 handling TA001, deadline 2025-06-01, no reply: due, overdue · b2 submitted
     → submitted 2, registered 1, due 1, overdue 1
  A's 2024 meeting: p1 assigned, overdue — another year, never counted.
  District: submitted 10, registered 7, due 6, on time 3, rated 3, satisfied 2, done 1,
  overdue 2.

The relief fund (D = the district fund):
  2024-12-10 D income  教育局补助     50,000.00   (before the year: the opening balance)
  2025-01-08 D income  教职工个人捐款   1,234.56
  2025-02-01 A income  单位赞助        5,000.00
  2025-03-15 D expense 大病救助        2,000.00
  2025-04-01 A expense 生活困难补助      300.00
  2025-05-01 B income  社会爱心人士捐赠    800.50
  2025-06-01 D expense 生活困难补助    1,500.00, reversed on 06-05 (nets to nothing)
  2025-12-31 D income  教职工个人捐款     100.00   (the year's last day counts in it)
  2026-01-10 D income  教育局补助      9,999.99   (after the year)
  Opening 50,000.00; income 7,135.06; relief 2,300.00; closing 54,835.06
  (D 49,334.56 + A 4,700.00 + B 800.50).
  Bank checks: 2025-06-30 agrees (54,735.06); 2025-12-31 bank 54,800.06 against the
  ledger's 54,835.06 (-35.00); 2026-02-01 agrees, after the year.

Competitions of 2025: a district contest (张一 A 90 一等奖, 周七 B 85 二等奖, 李二 A 80, no
award), published; a school contest of A still in draft. One district contest of 2024.
Honours of 2025: 师德标兵 张一 (district) and 周七 (city), 优秀教代会代表 school B; one
of 2024.
Feedback of 2025: A 教学 6 (Jan), A 薪酬福利 5 (Feb), B 后勤 2 (Mar), the district 其他 1
(Mar); one to A in December 2024. Total 14; every group under 5 hidden, with as many more as
keep them from being worked out by subtraction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.platypus import Paragraph, Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.competitions import Entrant, Judge, Segment
from db.fund import FundCategory
from db.models import Account, AccountRole, School, Staff
from db.motions import CongressMeeting, Motion
from services import competitions, feedback, fund
from services import year_pack as yp
from services.errors import DomainError
from services.i18n import t
from tests.conftest import actor_of
from tests.motion_factory import Congress, build_congress

YEAR = 2025
TODAY = dt.date(2026, 3, 1)
DEADLINE = dt.date(2025, 5, 1)


def day(month: int, date: int, year: int = YEAR) -> dt.date:
    return dt.date(year, month, date)


# --- the dataset ----------------------------------------------------------------------------------

def add_motion(session: Session, c: Congress, who: str, state: str, *,
               school: str = "A", meeting: int | None = None, number: str | None = None,
               submitted: bool = True, lead: str | None = None, deadline: dt.date = DEADLINE,
               replied_on: dt.date | None = None, rating: str | None = None,
               done_on: dt.date | None = None) -> None:
    school_id = c.school_a if school == "A" else c.school_b
    department = None if lead is None else (c.departments[lead] if school == "A"
                                            else c.department_b)
    session.add(Motion(
        meeting_id=meeting or (c.meeting_a if school == "A" else c.meeting_b),
        school_id=school_id, proposer_staff_id=c.staff[who], title=f"{who}的提案",
        reason="教职工反映较多。", suggestion="请学校研究解决。", state=state, number=number,
        submitted_on=day(3, 1) if submitted else None,
        registered_on=day(3, 5) if number else None, lead_department_id=department,
        assigned_on=day(3, 10) if department else None,
        deadline=deadline if department else None, replied_on=replied_on, rating=rating,
        done_on=done_on, reopen_count=0, progress=100 if done_on else 0))


def add_motions(session: Session, c: Congress) -> None:
    n = "2025SCH1TA{:03d}".format
    add_motion(session, c, "张一", "submitted")
    add_motion(session, c, "李二", "rejected")
    add_motion(session, c, "王三", "withdrawn")
    add_motion(session, c, "赵四", "draft", submitted=False)
    add_motion(session, c, "张一", "assigned", number=n(1), lead="教务处")
    add_motion(session, c, "李二", "replied", number=n(2), lead="教务处", replied_on=day(4, 20))
    add_motion(session, c, "王三", "rated", number=n(3), lead="总务处", replied_on=day(5, 10),
               rating="satisfied")
    add_motion(session, c, "赵四", "done", number=n(4), lead="人事处", replied_on=day(4, 1),
               rating="basically", done_on=day(10, 1))
    add_motion(session, c, "张一", "handling", number=n(5), lead="总务处",
               deadline=dt.date(2026, 6, 1))
    add_motion(session, c, "李二", "rated", number=n(6), lead="教务处", replied_on=day(4, 30),
               rating="unsatisfied")
    add_motion(session, c, "周七", "handling", school="B", number="2025SCH2TA001", lead="教务处",
               deadline=day(6, 1))
    add_motion(session, c, "周七", "submitted", school="B")
    past = CongressMeeting(school_id=c.school_a, term_id=c.term_a, number=2, year=YEAR - 1,
                           min_cosigners=2, quorum_num=2, quorum_den=3, pass_num=1, pass_den=2,
                           reply_days=30, accepting=False, next_number=2)
    session.add(past)
    session.flush()
    add_motion(session, c, "张一", "assigned", meeting=past.id, number="2024SCH1TA001",
               lead="教务处", deadline=dt.date(2024, 5, 1))
    session.flush()


def category(session: Session, code: str) -> int:
    return session.scalar(select(FundCategory.id).where(FundCategory.code == code))


def add_ledger(session: Session, c: Congress) -> None:
    fund.ensure_lists(session)
    fund.ensure_accounts(session)
    accounts = {"D": fund.account_id_for(session, None), "A": fund.account_id_for(session,
                                                                                c.school_a),
                "B": fund.account_id_for(session, c.school_b)}

    def post(account: str, kind: str, code: str, amount: str, on: dt.date) -> fund.Posted:
        return fund.post_entry(session, c.district, account_id=accounts[account], kind=kind,
                               category_id=category(session, code), amount=amount,
                               entry_date=on, counterparty="区教育局")

    post("D", "income", "EduBureau", "50000", dt.date(2024, 12, 10))
    post("D", "income", "StaffDonations", "1234.56", day(1, 8))
    post("A", "income", "Organisations", "5000", day(2, 1))
    post("D", "expense", "SeriousIllness", "2000", day(3, 15))
    post("A", "expense", "Hardship", "300", day(4, 1))
    post("B", "income", "PublicDonors", "800.50", day(5, 1))
    wrong = post("D", "expense", "Hardship", "1500", day(6, 1))
    fund.reverse_entry(session, c.district, wrong.id, reason="重复支付", entry_date=day(6, 5))
    post("D", "income", "StaffDonations", "100", day(12, 31))
    post("D", "income", "EduBureau", "9999.99", dt.date(2026, 1, 10))
    for on, bank in ((day(6, 30), "54735.06"), (day(12, 31), "54800.06"),
                     (dt.date(2026, 2, 1), "64835.05")):
        fund.record_bank_check(session, c.district, checked_on=on, bank_balance=bank)


def second_admin(session: Session):
    account = Account(username="m_district2", display_name="区工会副主席", password_hash="-",
                      enabled=True, failed_logins=0)
    account.roles = [AccountRole(role="district_admin")]
    session.add(account)
    session.flush()
    return actor_of(session, "m_district2")


def contest(c: Congress, *, year: int = YEAR, name: str = "青年教师课堂教学竞赛",
            organiser: int | None = None, entrants: tuple[str, ...] = ("张一", "周七", "李二")
            ) -> competitions.CompetitionInput:
    return competitions.CompetitionInput(
        name=name, level="school" if organiser else "district", kind="课堂教学竞赛", year=year,
        organiser_school_id=organiser, held_on=None,
        segments=[competitions.SegmentInput("课堂教学", D(100), D(100))],
        tiers=[competitions.TierInput(tier, fixed_count=1) for tier in ("一等奖", "二等奖")],
        judges=[competitions.JudgeInput(f"评委{n}", "市教研室") for n in "甲乙丙"],
        entrants=[competitions.EntrantInput(c.staff[who], "语文") for who in entrants])


def add_competitions(session: Session, c: Congress) -> None:
    cid = competitions.create_competition(session, c.district, contest(c))
    segment = session.scalar(select(Segment.id).where(Segment.competition_id == cid))
    judges = session.scalars(select(Judge.id).where(Judge.competition_id == cid)).all()
    entrants = dict(session.execute(select(Staff.name, Entrant.id)
                                    .join(Staff, Staff.id == Entrant.staff_id)
                                    .where(Entrant.competition_id == cid)).all())
    scores = {"张一": "90", "周七": "85", "李二": "80"}
    competitions.replace_sheet(session, c.district, cid, [
        competitions.ScoreRow(entrants[who], judge, segment, D(score))
        for who, score in scores.items() for judge in judges])
    other = second_admin(session)
    competitions.confirm_sheet(session, other, cid)
    competitions.publish(session, other, cid)
    competitions.create_competition(session, c.district, contest(
        c, name="校级说课比赛", organiser=c.school_a, entrants=("王三",)))
    competitions.create_competition(session, c.district, contest(c, year=YEAR - 1,
                                                                 name="上一年的竞赛"))
    ethics = competitions.add_honour_kind(session, c.district, "师德标兵")
    delegate = competitions.add_honour_kind(session, c.district, "优秀教代会代表")
    for kind, who, school, level, year, issuer in (
            (ethics, "张一", None, "district", YEAR, "区教育局"),
            (ethics, "周七", None, "city", YEAR, "市教育局"),
            (delegate, None, c.school_b, "district", YEAR, "区教育工会"),
            (delegate, "李二", None, "district", YEAR - 1, "区教育工会")):
        competitions.record_honour(session, c.district, kind_id=kind,
                                   staff_id=c.staff[who] if who else None, school_id=school,
                                   level=level, year=year, issuer=issuer)


def add_feedback(session: Session, c: Congress) -> None:
    for school, group, count, on in ((c.school_a, "teaching", 6, day(1, 10)),
                                     (c.school_a, "pay", 5, day(2, 10)),
                                     (c.school_b, "logistics", 2, day(3, 5)),
                                     (None, "other", 1, day(3, 6)),
                                     (c.school_a, "teaching", 1, dt.date(2024, 12, 20))):
        for _ in range(count):
            feedback.submit_feedback(session, school_id=school, category=group,
                                     body="食堂的饭菜可以再改进。", today=on)


@pytest.fixture
def district(session: Session) -> Congress:
    c = build_congress(session, year=YEAR)
    add_motions(session, c)
    add_ledger(session, c)
    add_competitions(session, c)
    add_feedback(session, c)
    session.flush()
    return c


@pytest.fixture
def pack(session: Session, district: Congress) -> yp.YearPack:
    return yp.year_pack(session, district.district, year=YEAR, today=TODAY)


def records(frame) -> list[dict]:
    return frame.to_dict("records")


# --- who may read it -------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["chair", "chair_b", "auditor", "d1", "dept", "delegate_b"])
def test_only_the_district_admin_gets_a_pack(session, district, who):
    actor = getattr(district, who)
    for call in (lambda: yp.year_pack(session, actor, year=YEAR, today=TODAY),
                 lambda: yp.pack_years(session, actor)):
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.key == "year_pack.error.district_only"
    assert t("year_pack.error.district_only") == "年度工作汇总只供区教育工会使用。"


def test_nobody_logged_in_is_asked_to_log_in(session, district):
    with pytest.raises(DomainError) as caught:
        yp.year_pack(session, None, year=YEAR)   # type: ignore[arg-type]
    assert caught.value.key == "error.login_required"


def test_the_years_offered_are_those_with_data_and_this_year(session, district):
    assert yp.pack_years(session, district.district, today=TODAY) == [2026, 2025, 2024]
    assert yp.pack_years(session, district.district, today=dt.date(2030, 1, 1)) == [
        2030, 2026, 2025, 2024]


# --- the figures -----------------------------------------------------------------------------

def test_motion_kpis_per_school_and_for_the_district(pack):
    part = pack.motions
    assert pack.as_of == dt.date(2025, 12, 31) and pack.prepared_on == TODAY
    assert dataclasses.astuple(part.totals) == (10, 7, 6, 3, 3, 2, 1)
    assert part.overdue == 2
    assert [{k: v for k, v in r.items() if k != "school_id"} for r in records(part.by_school)] == [
        {"code": "SCH1", "school": "湖滨小学", "submitted": 8, "registered": 6, "due": 5,
         "on_time": 3, "rated": 3, "satisfied": 2, "done": 1, "overdue": 1},
        {"code": "SCH2", "school": "第二中学", "submitted": 2, "registered": 1, "due": 1,
         "on_time": 0, "rated": 0, "satisfied": 0, "done": 0, "overdue": 1}]


def test_an_earlier_year_has_only_its_own_meeting(session, district):
    part = yp.year_pack(session, district.district, year=YEAR - 1, today=TODAY).motions
    assert dataclasses.astuple(part.totals) == (1, 1, 1, 0, 0, 0, 0)
    assert part.overdue == 1
    assert list(part.by_school["overdue"]) == [1, 0]


def test_the_fund_statement_is_exact_to_the_fen(pack):
    part = pack.fund
    assert records(part.income) == [
        {"category": "教职工个人捐款", "amount_fen": 133_456},
        {"category": "单位赞助", "amount_fen": 500_000},
        {"category": "社会爱心人士捐赠", "amount_fen": 80_050}]
    # The reversed 1,500.00 counts neither in the amount nor in the count.
    assert records(part.relief) == [
        {"category": "大病救助", "amount_fen": 200_000, "count": 1},
        {"category": "生活困难补助", "amount_fen": 30_000, "count": 1}]
    assert (part.opening_fen, part.income_fen, part.relief_fen, part.closing_fen) == (
        5_000_000, 713_506, 230_000, 5_483_506)
    assert part.opening_fen + part.income_fen - part.relief_fen == part.closing_fen
    assert [(r["name"], r["income_fen"], r["expense_fen"], r["paid_count"], r["balance_fen"])
            for r in records(part.by_school)] == [
        ("区级基金", 133_456, 200_000, 0, 4_933_456),
        ("湖滨小学", 500_000, 30_000, 0, 470_000),
        ("第二中学", 80_050, 0, 0, 80_050)]
    assert int(part.by_school["balance_fen"].sum()) == part.closing_fen


def test_the_reconciliation_is_the_years_last_check(pack):
    check, agreed = pack.fund.last_check, pack.fund.last_agreed
    assert (check.checked_on, check.bank_balance_fen, check.ledger_balance_fen) == (
        dt.date(2025, 12, 31), 5_480_006, 5_483_506)
    assert check.difference_fen == -3_500 and not check.agrees
    assert agreed.checked_on == dt.date(2025, 6, 30) and agreed.ledger_balance_fen == 5_473_506
    assert yp.reconciliation_lines(pack.fund, YEAR, "zh") == [
        "2025-12-31 银行对账：银行余额 ¥54,800.06，账面余额 ¥54,835.06，相差 -¥35.00，待查。",
        "最近一次账实相符的对账：2025-06-30。"]


def test_a_year_without_a_bank_check_says_so(session, district):
    part = yp.year_pack(session, district.district, year=YEAR - 1, today=TODAY).fund
    assert part.last_check is None and part.last_agreed is None
    assert (part.opening_fen, part.income_fen, part.closing_fen) == (0, 5_000_000, 5_000_000)
    assert yp.reconciliation_lines(part, YEAR - 1, "en") == [
        "No bank check was recorded in 2024.",
        "No bank check had agreed with the ledger by the year's end."]
    # A year after the last check: none of its own, the last that agreed is older.
    later = yp.year_pack(session, district.district, year=2027,
                         today=dt.date(2027, 6, 1)).fund
    assert later.last_check is None and later.last_agreed.checked_on == dt.date(2026, 2, 1)
    assert (later.opening_fen, later.income_fen, later.closing_fen) == (6_483_505, 0, 6_483_505)


def test_competitions_awards_and_honours_of_the_year(pack):
    part = pack.competitions
    assert sorted((r["name"], r["level"], r["state"], r["entrants"])
                  for r in records(part.competitions)) == [
        ("校级说课比赛", "school", "draft", 1),
        ("青年教师课堂教学竞赛", "district", "published", 3)]
    assert records(part.medals) == [
        {"school": "湖滨小学", "一等奖": 1, "二等奖": 0, "total": 1},
        {"school": "第二中学", "一等奖": 0, "二等奖": 1, "total": 1}]
    assert part.awards == 2
    assert records(part.honours_by_kind) == [{"honour": "师德标兵", "count": 2},
                                             {"honour": "优秀教代会代表", "count": 1}]
    assert sorted(records(part.honours), key=lambda r: r["holder"]) == [
        {"honour": "师德标兵", "holder": "周七", "school": "第二中学", "level": "city",
         "issuer": "市教育局"},
        {"honour": "师德标兵", "holder": "张一", "school": "湖滨小学", "level": "district",
         "issuer": "区教育局"},
        {"honour": "优秀教代会代表", "holder": "第二中学", "school": "第二中学",
         "level": "district", "issuer": "区教育工会"}]


def test_small_feedback_groups_are_hidden(pack):
    part = pack.feedback
    stats = part.stats
    assert (part.date_from, part.date_to, part.threshold) == (
        dt.date(2025, 1, 1), dt.date(2025, 12, 31), 5)
    assert stats.total == 14
    # March (3) alone would be told by subtraction: February (5) is hidden with it.
    assert stats.by_month == {"2025-01": 6, "2025-02": None, "2025-03": None,
                              **{f"2025-{m:02d}": 0 for m in range(4, 13)}}
    assert stats.by_category == {"teaching": 6, "logistics": None, "pay": None,
                                 "management": 0, "ethics": 0, "other": None}
    assert stats.by_status == {"new": 14, "opened": 0, "forwarded": 0, "replied": 0,
                               "closed": 0}
    assert set(stats.by_school.values()) == {None}   # 11, 2 and 1: all hidden together


# --- the files -------------------------------------------------------------------------------

def charts(story) -> list[HorizontalBarChart]:
    return [item for drawing in story if isinstance(drawing, Drawing)
            for item in drawing.contents if isinstance(item, HorizontalBarChart)]


def test_the_pdf_has_a_bar_chart_for_every_part(pack):
    data = yp.year_pack_pdf(pack)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    drawn = charts(yp.pdf_story(pack, "zh", 480))
    names = [list(c.categoryAxis.categoryNames) for c in drawn]
    # The motions (the first school at the top: reportlab draws bottom up), the fund (sources,
    # categories, accounts), the awards and honours, the feedback (months and categories).
    assert names == [
        ["第二中学", "湖滨小学"],
        ["社会爱心人士捐赠", "单位赞助", "教职工个人捐款"],
        ["生活困难补助", "大病救助"],
        ["湖滨小学", "区级基金"],
        ["第二中学", "湖滨小学"],
        ["优秀教代会代表", "师德标兵"],
        # only the months and categories that may be shown
        ["2025-12", "2025-11", "2025-10", "2025-09", "2025-08", "2025-07", "2025-06",
         "2025-05", "2025-04", "2025-01"],
        ["师德", "管理", "教学"],
    ]
    # Series reversed too: done, registered, submitted from the bottom bar up.
    assert drawn[0].data == [(0.0, 1.0), (1.0, 6.0), (2.0, 8.0)]
    # … with their colours: submitted keeps the first colour whichever way it is drawn.
    assert [drawn[0].bars[i].fillColor for i in range(3)] == list(yp.PALETTE[2::-1])
    assert drawn[1].data == [(800.5, 5000.0, 1334.56)]
    assert len(yp.year_pack_pdf(pack, "en")) > 0
    # What is due or overdue is counted on the day the pack is made, not at the year's end.
    texts = [p.text for p in paragraphs(yp.pdf_story(pack, "zh", 480))]
    assert "统计 2025 年召开的各校教代会会议的提案；应答复和超期按 2026-03-01 计算。" in texts
    assert yp.reconciliation_lines(pack.fund, YEAR, "zh")[0] in texts


def test_the_pdf_prints_hostile_names_as_typed(session, district):
    hostile = '<b>二中</b> & <font size="40">x'
    session.get(School, district.school_b).name = hostile
    session.execute(Staff.__table__.update().where(Staff.name == "周七")
                    .values(name="<i>周七"))
    session.flush()
    pack = yp.year_pack(session, district.district, year=YEAR, today=TODAY)
    assert hostile in list(pack.motions.by_school["school"])
    data = yp.year_pack_pdf(pack)   # unescaped, platypus would refuse the unclosed tags
    assert data.startswith(b"%PDF-") and len(data) > 10_000
    texts = [p.text for p in paragraphs(yp.pdf_story(pack, "zh", 480))]
    assert '&lt;b&gt;二中&lt;/b&gt; &amp; &lt;font size="40"&gt;x' in texts
    assert "&lt;i&gt;周七" in texts
    assert not any("<b>" in text or "<i>" in text for text in texts)


def paragraphs(story) -> list[Paragraph]:
    """Every paragraph of the story, also those in table cells."""
    found = []
    for item in story:
        if isinstance(item, Paragraph):
            found.append(item)
        elif isinstance(item, Table):
            found += [c for row in item._cellvalues for c in row if isinstance(c, Paragraph)]
    return found


def blocks(sheet) -> dict[str, list[list]]:
    """The sheet's blocks: a title row after a blank row, then a header and rows."""
    found: dict[str, list[list]] = {}
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    current: list[list] | None = None
    for index, row in enumerate(rows):
        values = [v for v in row if v is not None]
        if not values:
            current = None
        elif current is None and index > 0 and not any(rows[index - 1]):
            current = found.setdefault(str(values[0]), [])
        elif current is not None:
            current.append([v for v in row][:max(i for i, v in enumerate(row)
                                                 if v is not None) + 1])
    return found


def test_the_workbook_holds_the_same_figures(pack):
    book = load_workbook(io.BytesIO(yp.year_pack_xlsx(pack)))
    assert book.sheetnames == ["概况", "提案", "救助基金", "竞赛与荣誉", "意见箱"]
    motions = blocks(book["提案"])["各校提案办理情况"]
    assert motions[0][:10] == ["学校", "提交审查", "立案", "应答复", "按期答复", "已评价",
                               "满意及基本满意", "已落实", "超期未答复", "立案率"]
    assert motions[1:] == [
        ["湖滨小学", 8, 6, 5, 3, 3, 2, 1, 1, 0.75, 0.6, 0.6667, 0.1667],
        ["第二中学", 2, 1, 1, 0, 0, 0, 0, 1, 0.5, 0, None, 0],
        ["合计", 10, 7, 6, 3, 3, 2, 1, 2, 0.7, 0.5, 0.6667, 0.1429]]
    money = blocks(book["救助基金"])
    assert money["收支与余额"][1:] == [["期初余额", 50000], ["本年收入", 7135.06],
                                       ["本年救助支出", 2300], ["期末余额", 54835.06]]
    assert money["救助支出（按类别）"][1:] == [["大病救助", 1, 2000], ["生活困难补助", 1, 300],
                                           ["合计", 2, 2300]]
    assert money["各账户收支与期末余额"][1:] == [
        ["区级基金", 1334.56, 2000, 0, 49334.56], ["湖滨小学", 5000, 300, 0, 4700],
        ["第二中学", 800.5, 0, 0, 800.5], ["合计", 7135.06, 2300, 0, 54835.06]]
    cell = book["救助基金"]["B5"]
    assert (cell.value, cell.number_format) == (50000, "#,##0.00")
    assert money["银行对账"][1:] == [
        ["2025-12-31 银行对账：银行余额 ¥54,800.06，账面余额 ¥54,835.06，相差 -¥35.00，待查。"],
        ["最近一次账实相符的对账：2025-06-30。"]]
    contests = blocks(book["竞赛与荣誉"])
    assert contests["各校获奖情况（已公示的竞赛）"] == [
        ["学校", "一等奖", "二等奖", "获奖合计"], ["湖滨小学", 1, 0, 1], ["第二中学", 0, 1, 1]]
    assert contests["各类荣誉数量"][1:] == [["师德标兵", 2], ["优秀教代会代表", 1]]
    inbox = blocks(book["意见箱"])
    hidden = "少于 5 条，不显示"
    assert inbox["按月份"][1:4] == [["2025-01", 6], ["2025-02", hidden], ["2025-03", hidden]]
    assert inbox["按类别"][1:] == [["教学", 6], ["后勤", hidden], ["薪酬福利", hidden],
                                   ["管理", 0], ["师德", 0], ["其他", hidden]]


def test_workbook_text_never_becomes_a_formula(session, district):
    formula = '=HYPERLINK("http://evil.example","点我")'
    session.get(School, district.school_a).name = formula
    session.flush()
    pack = yp.year_pack(session, district.district, year=YEAR, today=TODAY)
    book = load_workbook(io.BytesIO(yp.year_pack_xlsx(pack, "en")))
    assert book.sheetnames == ["Summary", "Motions", "Relief fund", "Competitions", "Feedback"]
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert len(cells) >= 3     # the motions, the fund's accounts, the medal table
    assert {(c.value, c.data_type) for c in cells} == {("'" + formula, "s")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_label_comes_from_the_catalogue(pack, lang):
    """A missing key would print as itself ("year_pack.…"): none does, in either file."""
    book = load_workbook(io.BytesIO(yp.year_pack_xlsx(pack, lang)))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row]
    texts = [p.text for p in paragraphs(yp.pdf_story(pack, lang, 480))]
    assert [s for s in cells + texts if "year_pack." in s or "motion.kpi" in s] == []
