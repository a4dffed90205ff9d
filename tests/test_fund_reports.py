"""The relief fund's reports: services/fund_reports.py on a small ledger posted by the test.

The district has its own two schools (tests/fund_factory.py) and these entries, posted in date
order through services.fund and the relief flow, so the voucher numbers are known too:

    记-2025-000001  2025-11-20  district  income  教育局补助       100,000.00
    记-2026-000001  2026-01-05  district  income  教职工个人捐款     1,234.56  (payer "=HYPERLINK…")
    记-2026-000002  2026-01-15  SCH1      income  单位赞助           5,000.00
    记-2026-000003  2026-01-20  district  expense 节日送温暖慰问       300.00
    记-2026-000004  2026-02-03  二中      income  社会爱心人士捐赠     800.50
    记-2026-000005  2026-02-10  district  income  财政补助          20,000.00
    记-2026-000006  2026-02-15  SCH1      expense 大病救助           2,000.00  relief to 张三明 (A)
    记-2026-000007  2026-03-01  district  expense 生活困难补助       1,500.00  relief to 李四 (B) …
    记-2026-000008  2026-03-05  district  expense 生活困难补助      -1,500.00  … reversed
    记-2026-000009  2026-03-10  district  expense 金秋助学             800.00  relief to 王五 (B)

Balances: district 120,134.56; SCH1 3,000.00; 二中 800.50; together 123,935.06.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal as D

import pytest
from beancount import loader
from beancount.core import data as bean
from openpyxl import load_workbook
from sqlalchemy import select

from db.fund import ReliefApplication
from services import fund, fund_reports, relief
from services.errors import DomainError
from services.relief import ApplicationInput
from tests.fund_factory import NAME_A, NAME_B, Town, build_town, category_id

D2025 = dt.date(2025, 11, 20)
HYPERLINK = '=HYPERLINK("http://evil.example","点我")'
ID_NUMBER = "110105197803120028"
REASON = "住院治疗，肺部感染"


def refused(key: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, caught.value.key
    return caught.value


def approved(session, town: Town, filer, school_id: int, chair, name: str, code: str,
             amount: str) -> int:
    """An application filed, approved at school and at district level, ready to pay."""
    app_id = relief.file_application(session, filer, ApplicationInput(
        school_id=school_id, staff_id=town.staff[name], category_id=category_id(session, code),
        amount=amount, reason=REASON, medical_details="肺炎", id_number=ID_NUMBER))
    relief.approve_at_school(session, chair, app_id)
    relief.approve_at_district(session, town.district, app_id)
    return app_id


@pytest.fixture
def town(session) -> Town:
    town = build_town(session)
    admin = town.district

    def post(account: int, kind: str, code: str, amount: str, day: dt.date, who: str):
        return fund.post_entry(session, admin, account_id=account, kind=kind,
                               category_id=category_id(session, code), amount=amount,
                               entry_date=day, counterparty=who)

    a = approved(session, town, town.delegate, town.school_a, town.chair, "张三明",
                 "SeriousIllness", "2000")
    b = approved(session, town, town.delegate_b, town.school_b, town.chair_b, "李四",
                 "Hardship", "1500")
    c = approved(session, town, town.delegate_b, town.school_b, town.chair_b, "王五",
                 "ChildSchooling", "800")
    post(town.district_account, "income", "EduBureau", "100000", D2025, "区教育局")
    post(town.district_account, "income", "StaffDonations", "1234.56", dt.date(2026, 1, 5),
         HYPERLINK)
    post(town.account_a, "income", "Organisations", "5000", dt.date(2026, 1, 15), "湖滨公司")
    post(town.district_account, "expense", "FestivalCare", "300", dt.date(2026, 1, 20),
         "节日慰问组")
    post(town.account_b, "income", "PublicDonors", "800.50", dt.date(2026, 2, 3), "爱心人士")
    post(town.district_account, "income", "Finance", "20000", dt.date(2026, 2, 10), "区财政局")
    relief.pay(session, admin, a, account_id=town.account_a, paid_on=dt.date(2026, 2, 15))
    wrong = relief.pay(session, admin, b, account_id=town.district_account,
                       paid_on=dt.date(2026, 3, 1))
    fund.reverse_entry(session, admin, wrong.id, reason="发放账户有误",
                       entry_date=dt.date(2026, 3, 5))
    relief.pay(session, admin, c, account_id=town.district_account,
               paid_on=dt.date(2026, 3, 10))
    session.flush()
    return town


def rows(frame) -> list[tuple]:
    return [tuple(r) for r in frame.itertuples(index=False)]


# --- sums -----------------------------------------------------------------------------------

def test_the_fixture_balances(session, town):
    assert fund.balance_fen(session, town.district_account) == 12_013_456
    assert fund.balance_fen(session, town.account_a) == 300_000
    assert fund.balance_fen(session, town.account_b) == 80_050
    assert fund.balance_fen(session) == 12_393_506


def test_monthly_sums_per_source_and_category_with_the_reversal_netted(session, town):
    frame = fund_reports.monthly(session, town.auditor, year=2026)
    assert list(frame.columns) == ["month", "kind", "category", "amount_fen"]
    assert rows(frame) == [
        ("2026-01", "income", "教职工个人捐款", 123_456),
        ("2026-01", "income", "单位赞助", 500_000),
        ("2026-01", "expense", "节日送温暖慰问", 30_000),
        ("2026-02", "income", "财政补助", 2_000_000),
        ("2026-02", "income", "社会爱心人士捐赠", 80_050),
        ("2026-02", "expense", "大病救助", 200_000),
        ("2026-03", "expense", "生活困难补助", 0),
        ("2026-03", "expense", "金秋助学", 80_000),
    ]
    assert rows(fund_reports.monthly(session, town.district, year=2025)) == [
        ("2025-11", "income", "教育局补助", 10_000_000)]
    assert rows(fund_reports.monthly(session, town.district, year=2026,
                                     account_id=town.account_b)) == [
        ("2026-02", "income", "社会爱心人士捐赠", 80_050)]
    assert fund_reports.monthly(session, town.district, year=2024).empty


def test_yearly_sums(session, town):
    frame = fund_reports.yearly(session, town.district)
    assert list(frame.columns) == ["year", "kind", "category", "amount_fen"]
    assert rows(frame) == [
        (2025, "income", "教育局补助", 10_000_000),
        (2026, "income", "财政补助", 2_000_000),
        (2026, "income", "教职工个人捐款", 123_456),
        (2026, "income", "单位赞助", 500_000),
        (2026, "income", "社会爱心人士捐赠", 80_050),
        (2026, "expense", "大病救助", 200_000),
        (2026, "expense", "生活困难补助", 0),
        (2026, "expense", "金秋助学", 80_000),
        (2026, "expense", "节日送温暖慰问", 30_000),
    ]


def test_balance_over_time_includes_empty_months(session, town):
    frame = fund_reports.balance_over_time(session, town.district)
    assert list(frame.columns) == ["month", "income_fen", "expense_fen", "balance_fen"]
    assert rows(frame) == [
        ("2025-11", 10_000_000, 0, 10_000_000),
        ("2025-12", 0, 0, 10_000_000),
        ("2026-01", 623_456, 30_000, 10_593_456),
        ("2026-02", 2_080_050, 200_000, 12_473_506),
        ("2026-03", 0, 80_000, 12_393_506),
    ]
    assert rows(fund_reports.balance_over_time(session, town.district,
                                               account_id=town.account_a)) == [
        ("2026-01", 500_000, 0, 500_000), ("2026-02", 0, 200_000, 300_000)]


def test_by_school_year_sums_all_time_balance_and_paid_count(session, town):
    frame = fund_reports.by_school(session, town.district, year=2026)
    assert list(frame.columns) == ["account_id", "school_id", "name", "income_fen",
                                   "expense_fen", "balance_fen", "paid_count"]
    assert rows(frame) == [
        (town.district_account, None, "", 2_123_456, 110_000, 12_013_456, 0),
        (town.account_a, town.school_a, NAME_A, 500_000, 200_000, 300_000, 1),
        # 王五 paid from the district fund counts for his school; 李四's payment was reversed
        (town.account_b, town.school_b, NAME_B, 80_050, 0, 80_050, 1),
    ]
    assert rows(fund_reports.by_school(session, town.district, year=2025)) == [
        (town.district_account, None, "", 10_000_000, 0, 12_013_456, 0),
        (town.account_a, town.school_a, NAME_A, 0, 0, 300_000, 0),
        (town.account_b, town.school_b, NAME_B, 0, 0, 80_050, 0),
    ]


def test_top_categories_count_a_reversed_payment_as_nothing(session, town):
    frame = fund_reports.top_categories(session, town.auditor, year=2026)
    assert list(frame.columns) == ["category", "amount_fen", "count"]
    assert rows(frame) == [("大病救助", 200_000, 1), ("金秋助学", 80_000, 1),
                           ("节日送温暖慰问", 30_000, 1)]
    assert rows(fund_reports.top_categories(session, town.auditor, year=2026, limit=1)) == [
        ("大病救助", 200_000, 1)]
    assert fund_reports.top_categories(session, town.auditor, year=2025).empty


# --- the cash journal --------------------------------------------------------------------------

FIRST_QUARTER = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 3, 31)}


def journal_rows(page) -> list[tuple]:
    return [(r.voucher_no, r.income_fen, r.expense_fen, r.running_fen)
            for r in page.frame.itertuples(index=False)]


def test_journal_running_balance_on_page_one_and_two(session, town):
    first = fund_reports.journal(session, town.district, **FIRST_QUARTER, page_size=3)
    assert list(first.frame.columns) == [
        "id", "voucher_no", "entry_date", "account", "kind", "category", "counterparty", "memo",
        "income_fen", "expense_fen", "running_fen", "reverses", "reversed_by"]
    assert (first.total, first.opening_fen, first.closing_fen) == (9, 10_000_000, 12_393_506)
    assert first.running_is_balance
    assert journal_rows(first) == [("记-2026-000001", 123_456, 0, 10_123_456),
                                   ("记-2026-000002", 500_000, 0, 10_623_456),
                                   ("记-2026-000003", 0, 30_000, 10_593_456)]
    assert list(first.frame["entry_date"]) == [dt.date(2026, 1, 5), dt.date(2026, 1, 15),
                                               dt.date(2026, 1, 20)]
    assert list(first.frame["account"]) == ["", NAME_A, ""]
    assert first.frame["counterparty"].iloc[0] == HYPERLINK
    second = fund_reports.journal(session, town.district, **FIRST_QUARTER, page=2, page_size=3)
    assert (second.total, second.opening_fen, second.closing_fen) == (9, 10_000_000, 12_393_506)
    assert journal_rows(second) == [("记-2026-000004", 80_050, 0, 10_673_506),
                                    ("记-2026-000005", 2_000_000, 0, 12_673_506),
                                    ("记-2026-000006", 0, 200_000, 12_473_506)]
    assert list(second.frame["category"]) == ["社会爱心人士捐赠", "财政补助", "大病救助"]


def test_journal_shows_the_reversal_both_ways_and_nets_it(session, town):
    third = fund_reports.journal(session, town.district, **FIRST_QUARTER, page=3, page_size=3)
    assert journal_rows(third) == [("记-2026-000007", 0, 150_000, 12_323_506),
                                   ("记-2026-000008", 0, -150_000, 12_473_506),
                                   ("记-2026-000009", 0, 80_000, 12_393_506)]
    assert list(third.frame["reverses"]) == ["", "记-2026-000007", ""]
    assert list(third.frame["reversed_by"]) == ["记-2026-000008", "", ""]
    assert list(third.frame["memo"])[1] == "发放账户有误"
    assert fund_reports.journal(session, town.district, **FIRST_QUARTER, page=4,
                                page_size=3).frame.empty


def test_journal_with_a_kind_filter_shows_a_subtotal(session, town):
    first = fund_reports.journal(session, town.district, **FIRST_QUARTER, kind="expense",
                                 page_size=2)
    assert not first.running_is_balance
    assert (first.total, first.opening_fen, first.closing_fen) == (5, 0, 310_000)
    assert journal_rows(first) == [("记-2026-000003", 0, 30_000, 30_000),
                                   ("记-2026-000006", 0, 200_000, 230_000)]
    second = fund_reports.journal(session, town.district, **FIRST_QUARTER, kind="expense",
                                  page=2, page_size=2)
    assert journal_rows(second) == [("记-2026-000007", 0, 150_000, 380_000),
                                    ("记-2026-000008", 0, -150_000, 230_000)]
    assert (second.total, second.opening_fen, second.closing_fen) == (5, 0, 310_000)


def test_journal_with_a_category_filter(session, town):
    hardship = category_id(session, "Hardship")
    page = fund_reports.journal(session, town.district, **FIRST_QUARTER, category_id=hardship,
                                page=2, page_size=1)
    assert not page.running_is_balance
    assert (page.total, page.opening_fen, page.closing_fen) == (2, 0, 0)
    assert journal_rows(page) == [("记-2026-000008", 0, -150_000, 0)]
    donations = fund_reports.journal(session, town.district, start=D2025, end=FIRST_QUARTER["end"],
                                     kind="income", category_id=category_id(session, "EduBureau"))
    assert journal_rows(donations) == [("记-2025-000001", 10_000_000, 0, 10_000_000)]


def test_journal_of_one_account_opens_with_its_balance(session, town):
    page = fund_reports.journal(session, town.district, start=dt.date(2026, 2, 1),
                                end=dt.date(2026, 12, 31), account_id=town.account_a)
    assert page.running_is_balance
    assert (page.total, page.opening_fen, page.closing_fen) == (1, 500_000, 300_000)
    assert journal_rows(page) == [("记-2026-000006", 0, 200_000, 300_000)]


# --- scope ----------------------------------------------------------------------------------

def test_a_chair_sees_only_their_schools_sub_account(session, town):
    chair = town.chair
    assert rows(fund_reports.monthly(session, chair, year=2026)) == [
        ("2026-01", "income", "单位赞助", 500_000), ("2026-02", "expense", "大病救助", 200_000)]
    assert rows(fund_reports.by_school(session, chair, year=2026)) == [
        (town.account_a, town.school_a, NAME_A, 500_000, 200_000, 300_000, 1)]
    assert rows(fund_reports.top_categories(session, chair)) == [("大病救助", 200_000, 1)]
    page = fund_reports.journal(session, chair, **FIRST_QUARTER)
    assert (page.total, page.opening_fen, page.closing_fen) == (2, 0, 300_000)
    assert journal_rows(page) == [("记-2026-000002", 500_000, 0, 500_000),
                                  ("记-2026-000006", 0, 200_000, 300_000)]
    refused("error.forbidden", fund_reports.monthly, session, chair, year=2026,
            account_id=town.district_account)
    refused("error.forbidden", fund_reports.journal, session, chair, **FIRST_QUARTER,
            account_id=town.account_b)
    refused("error.forbidden", fund_reports.journal_xlsx, session, chair, **FIRST_QUARTER,
            account_id=town.account_b)
    refused("error.forbidden", fund_reports.beancount_text, session, chair)
    refused("error.forbidden", fund_reports.recipients, session, chair, year=2026,
            school_id=town.school_b)
    assert list(fund_reports.recipients(session, chair, year=2026)["name"]) == ["张三明"]
    book = load_workbook(io.BytesIO(fund_reports.reports_xlsx(session, chair, year=2026)))
    assert [r[0] for r in book["各校"].iter_rows(min_row=2, values_only=True)] == [NAME_A]
    journal = load_workbook(io.BytesIO(fund_reports.journal_xlsx(session, chair,
                                                                 **FIRST_QUARTER)))
    assert [r[0] for r in journal.worksheets[0].iter_rows(min_row=3, values_only=True)] == [
        "记-2026-000002", "记-2026-000006"]


def test_delegates_read_no_ledger_reports(session, town):
    for call, kwargs in ((fund_reports.monthly, {"year": 2026}),
                         (fund_reports.journal, FIRST_QUARTER),
                         (fund_reports.by_school, {}),
                         (fund_reports.recipients, {"year": 2026})):
        refused("error.forbidden", call, session, town.delegate, **kwargs)
    refused("error.login_required", fund_reports.public_notice, session, None, year=2026)


# --- recipients and the public notice --------------------------------------------------------

def test_recipients_for_reviewers_leave_out_the_reversed_payment(session, town):
    frame = fund_reports.recipients(session, town.auditor, year=2026)
    assert list(frame.columns) == ["number", "school", "name", "staff_no", "category",
                                   "amount_fen", "paid_on", "voucher_no"]
    assert [r[1:] for r in rows(frame)] == [
        (NAME_A, "张三明", "A-001", "大病救助", 200_000, dt.date(2026, 2, 15), "记-2026-000006"),
        (NAME_B, "王五", "B-002", "金秋助学", 80_000, dt.date(2026, 3, 10), "记-2026-000009"),
    ]
    by_category = fund_reports.recipients(session, town.district, year=2026,
                                          category_id=category_id(session, "ChildSchooling"))
    assert list(by_category["name"]) == ["王五"]
    assert fund_reports.recipients(session, town.district, year=2025).empty


def test_public_notice_masks_names_and_holds_no_private_columns(session, town):
    frame = fund_reports.public_notice(session, town.delegate, year=2026)
    assert list(frame.columns) == ["school", "category", "name", "amount_fen", "paid_on"]
    assert rows(frame) == [(NAME_A, "大病救助", "张*明", 200_000, dt.date(2026, 2, 15)),
                           (NAME_B, "金秋助学", "王*", 80_000, dt.date(2026, 3, 10))]
    text = frame.to_csv()
    for private in (ID_NUMBER, REASON, "肺炎", "张三明", "李四"):
        assert private not in text
    assert rows(fund_reports.public_notice(session, town.delegate, year=2026,
                                           school_id=town.school_b)) == [
        (NAME_B, "金秋助学", "王*", 80_000, dt.date(2026, 3, 10))]
    totals = fund_reports.notice_totals(session, town.delegate, year=2026)
    assert list(totals.columns) == ["category", "count", "amount_fen"]
    assert rows(totals) == [("大病救助", 1, 200_000), ("金秋助学", 1, 80_000)]



def test_relief_paid_again_after_a_reversal_shows_with_its_new_voucher(session, town):
    again = session.scalar(select(ReliefApplication.id).where(
        ReliefApplication.staff_id == town.staff["李四"]))
    relief.pay(session, town.district, again, account_id=town.district_account,
               paid_on=dt.date(2026, 3, 20))
    frame = fund_reports.recipients(session, town.chair_b, year=2026)
    assert [(r.name, r.amount_fen, r.voucher_no) for r in frame.itertuples()] == [
        ("王五", 80_000, "记-2026-000009"), ("李四", 150_000, "记-2026-000010")]
    assert list(fund_reports.public_notice(session, town.auditor, year=2026)["name"]) == [
        "张*明", "王*", "李*"]
    assert rows(fund_reports.notice_totals(session, town.auditor, year=2026)) == [
        ("大病救助", 1, 200_000), ("生活困难补助", 1, 150_000), ("金秋助学", 1, 80_000)]
    assert list(fund_reports.by_school(session, town.district, year=2026)["paid_count"]) == [
        0, 1, 2]

# --- exports ----------------------------------------------------------------------------------

def yuan(value) -> D:
    return D(str(value))


def test_journal_xlsx_headers_numbers_and_formula_safe_text(session, town):
    data = fund_reports.journal_xlsx(session, town.district, **FIRST_QUARTER)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "现金日记账"
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == ["凭证号", "日期", "账户", "收支", "收入来源或支出类别",
                               "对方单位或个人", "摘要", "收入（元）", "支出（元）", "余额（元）",
                               "冲正的凭证", "被冲正于"]
    assert len(values) == 1 + 1 + 9          # header, opening line, nine entries
    assert values[1][6] == "期初余额" and yuan(values[1][9]) == D("100000.00")
    first = values[2]
    assert first[0] == "记-2026-000001" and first[1].date() == dt.date(2026, 1, 5)
    assert first[2:6] == ("区级基金", "收入", "教职工个人捐款", "'" + HYPERLINK)
    assert yuan(first[7]) == D("1234.56") and first[8] is None
    assert yuan(first[9]) == D("101234.56")
    reversal = values[9]
    assert (reversal[0], reversal[10]) == ("记-2026-000008", "记-2026-000007")
    assert yuan(reversal[8]) == D("-1500")
    assert values[8][11] == "记-2026-000008"
    assert yuan(values[-1][9]) == D("123935.06")
    english = load_workbook(io.BytesIO(fund_reports.journal_xlsx(
        session, town.district, **FIRST_QUARTER, kind="expense", lang="en"))).worksheets[0]
    lines = list(english.iter_rows(values_only=True))
    assert lines[0][:3] == ("Voucher", "Date", "Account")
    assert len(lines) == 1 + 5 and yuan(lines[-1][9]) == D("3100")   # no opening line


def test_reports_xlsx_sheets_and_sums(session, town):
    book = load_workbook(io.BytesIO(fund_reports.reports_xlsx(session, town.district,
                                                              year=2026)))
    assert book.sheetnames == ["各月收入（按来源）", "各月支出（按类别）", "各校", "主要救助类别",
                               "余额变化", "救助对象名单"]
    people = list(book["救助对象名单"].iter_rows(values_only=True))
    assert people[0] == ("申请编号", "学校", "姓名", "工号", "收入来源或支出类别", "金额（元）",
                         "发放日期", "凭证号")
    assert [(r[2], r[3], yuan(r[5]), r[6], r[7]) for r in people[1:]] == [
        ("张三明", "A-001", D("2000"), "2026-02-15", "记-2026-000006"),
        ("王五", "B-002", D("800"), "2026-03-10", "记-2026-000009")]
    income = list(book["各月收入（按来源）"].iter_rows(values_only=True))
    assert income[0] == ("月份", "教职工个人捐款", "单位赞助", "财政补助", "社会爱心人士捐赠",
                         "合计（元）")
    assert len(income) == 13
    assert income[1][0] == "2026-01"
    assert [yuan(v) for v in income[1][1:]] == [D("1234.56"), D("5000"), D(0), D(0),
                                                D("6234.56")]
    assert [yuan(v) for v in income[2][1:]] == [D(0), D(0), D("20000"), D("800.5"),
                                                D("20800.5")]
    schools = list(book["各校"].iter_rows(values_only=True))
    assert schools[0] == ("账户", "收入（元）", "支出（元）", "余额（元）", "发放救助件数")
    assert [(r[0], yuan(r[3]), r[4]) for r in schools[1:]] == [
        ("区级基金", D("120134.56"), 0), (NAME_A, D("3000"), 1), (NAME_B, D("800.5"), 1)]
    history = list(book["余额变化"].iter_rows(values_only=True))
    assert [(r[0], yuan(r[3])) for r in history[1:]] == [
        ("2025-11", D("100000")), ("2025-12", D("100000")), ("2026-01", D("105934.56")),
        ("2026-02", D("124735.06")), ("2026-03", D("123935.06"))]


def test_beancount_parses_and_agrees_with_the_ledger(session, town):
    text = fund_reports.beancount_text(session, town.auditor)
    entries, errors, options = loader.load_string(text)
    assert errors == []
    assert options["operating_currency"] == ["CNY"]
    totals: dict[str, D] = defaultdict(D)
    vouchers = []
    for entry in entries:
        if isinstance(entry, bean.Transaction):
            vouchers.append(entry.meta["voucher"])
            for posting in entry.postings:
                assert posting.units.currency == "CNY"
                totals[posting.account] += posting.units.number
    assert len(vouchers) == 10
    accounts = {
        "Assets:ReliefFund:District": town.district_account,
        "Assets:ReliefFund:School:SCH1": town.account_a,
        f"Assets:ReliefFund:School:S{town.school_b}": town.account_b,   # 二中 is not ASCII
    }
    for name, account_id in accounts.items():
        assert totals[name] == D(fund.balance_fen(session, account_id)) / 100, name
    assert totals["Assets:ReliefFund:District"] == D("120134.56")
    assert totals["Income:Relief:StaffDonations"] == D("-1234.56")
    assert totals["Expenses:Relief:Hardship"] == D("0.00")
    assert sum(totals.values()) == 0
    reversal = next(e for e in entries if isinstance(e, bean.Transaction)
                    and e.meta["voucher"] == "记-2026-000008")
    assert reversal.meta["reverses"] == "记-2026-000007"
    assert reversal.payee == "李四" and reversal.narration == "发放账户有误"
    assert sum(isinstance(e, bean.Balance) for e in entries) == 3 + 12
    assert 'option "operating_currency" "CNY"' in text
