"""Donation lists imported from Excel: services/fund_import.py, all or nothing, on a district of
the test's own (tests/fund_factory.py) whose ledger starts empty."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from db.fund import FundEntry, FundImport
from db.models import AuditEntry
from services import fund, fund_import
from services.clock import local_today
from services.errors import DomainError
from services.fund_import import read_date
from tests.fund_factory import CODE_A, NAME_B, Town, build_town

HEADER = ["日期", "捐款人或单位", "收入来源", "金额（元）", "入账账户", "摘要"]
GOOD_ROWS = [
    [dt.datetime(2026, 3, 5), "张明", "教职工个人捐款", 200, "区级基金", "教师节捐款"],
    ["2026/3/6", "明湖科技有限公司", "单位赞助", "1,000.50", CODE_A, None],
    [dt.date(2026, 3, 7), "李华", "社会爱心人士捐赠", 88.88, NAME_B, ""],
    ["2026-03-08", "王芳", "教职工个人捐款", "0.10", "District fund", "-按月捐"],
]
GOOD_TOTAL = 20_000 + 100_050 + 8_888 + 10


@pytest.fixture
def town(session) -> Town:
    return build_town(session)


def xlsx(rows: list[list], header: list[str] = HEADER, *, title_rows: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    for n in range(title_rows):
        sheet.append([f"捐款名单 {n}"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def entries(session) -> int:
    return session.scalar(select(func.count()).select_from(FundEntry))


def imports(session) -> int:
    return session.scalar(select(func.count()).select_from(FundImport))


def refused(key: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, caught.value.key
    return caught.value


def test_a_good_list_posts_every_row_once_with_one_audit_entry(session, town):
    seen: list[float] = []
    outcome = fund_import.import_donations(session, town.district, filename="三月捐款.xlsx",
                                           data=xlsx(GOOD_ROWS), progress=seen.append)
    assert (outcome.rows, outcome.total_fen, outcome.problems) == (4, GOOD_TOTAL, [])
    assert outcome.import_id is not None
    assert seen[-1] == 1.0 and seen == sorted(seen)
    posted = session.execute(
        select(FundEntry.entry_date, FundEntry.account_id, FundEntry.amount_fen,
               FundEntry.counterparty, FundEntry.memo, FundEntry.kind, FundEntry.import_id)
        .order_by(FundEntry.id)).all()
    assert [tuple(p) for p in posted] == [
        (dt.date(2026, 3, 5), town.district_account, 20_000, "张明", "教师节捐款", "income",
         outcome.import_id),
        (dt.date(2026, 3, 6), town.account_a, 100_050, "明湖科技有限公司", "", "income",
         outcome.import_id),
        (dt.date(2026, 3, 7), town.account_b, 8_888, "李华", "", "income", outcome.import_id),
        (dt.date(2026, 3, 8), town.district_account, 10, "王芳", "-按月捐", "income",
         outcome.import_id),
    ]
    assert fund.balance_fen(session) == 128_948 == GOOD_TOTAL
    record = session.get(FundImport, outcome.import_id)
    assert (record.filename, record.rows, record.total_fen) == ("三月捐款.xlsx", 4, 128_948)
    audits = session.execute(select(AuditEntry.action, AuditEntry.object_type,
                                    AuditEntry.object_id, AuditEntry.after)
                             .where(AuditEntry.action.like("fund.%"))).all()
    assert [tuple(a) for a in audits] == [
        ("fund.imported", "fund_import", str(outcome.import_id),
         {"file": "三月捐款.xlsx", "rows": 4, "total_fen": 128_948})]


def test_bad_rows_write_nothing_and_each_is_reported_with_its_reason(session, town):
    tomorrow = local_today() + dt.timedelta(days=1)
    rows = [
        GOOD_ROWS[0],                                                          # row 2
        ["2026-03-09", "赵六", "教职工个人捐款", 0, "区级基金", ""],            # row 3: zero
        ["2026-03-09", "钱七", "教职工个人捐款", "12.345", "区级基金", ""],      # row 4: 3 decimals
        [None, None, None, None, None, None],                                  # blank: skipped
        ["2026-03-09", "孙八", "彩票中奖", "50", "区级基金", ""],               # row 6: source
        [tomorrow, "周九", "教职工个人捐款", "50", "区级基金", ""],              # row 7: future
        ["2026-02-30", "", "单位赞助", "-5", "第三中学", ""],                   # row 8: five
        GOOD_ROWS[1],                                                          # row 9
    ]
    outcome = fund_import.import_donations(session, town.district, filename="bad.xlsx",
                                           data=xlsx(rows))
    assert outcome.import_id is None
    assert outcome.rows == 7
    assert [(p.row, p.error.key) for p in outcome.problems] == [
        (3, "fund.error.amount_not_positive"),
        (4, "fund.error.amount_decimals"),
        (6, "fund.import.error.unknown_source"),
        (7, "fund.error.date_in_future"),
        (8, "fund.import.error.bad_date"),
        (8, "fund.error.text_required"),
        (8, "fund.error.amount_not_positive"),
        (8, "fund.import.error.unknown_account"),
    ]
    messages = [p.error.message("zh") for p in outcome.problems]
    assert messages[1] == "金额“12.345”超过两位小数：金额最多精确到分。"
    assert messages[2] == "没有名为“彩票中奖”的收入来源（可选值见模板第二页）。"
    assert messages[3] == f"日期 {tomorrow.isoformat()} 在今天之后，不能登记未来日期。"
    assert messages[5] == "请填写捐款人或单位。"
    assert (entries(session), imports(session)) == (0, 0)
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action.like("fund.%"))) == 0


def test_the_same_file_twice_is_refused(session, town):
    data = xlsx(GOOD_ROWS)
    fund_import.import_donations(session, town.district, filename="a.xlsx", data=data)
    error = refused("fund.import.error.already_imported", fund_import.import_donations,
                    session, town.district, filename="again.xlsx", data=data)
    assert error.params["name"] == "a.xlsx" and error.params["rows"] == 4
    assert (entries(session), imports(session)) == (4, 1)


def test_headers_are_found_by_name_in_either_language_and_any_order(session, town):
    english = ["Memo", "Account", "Amount (yuan)", "Source", "Donor (person or organisation)",
               "Date"]
    rows = [list(reversed(GOOD_ROWS[0]))]
    outcome = fund_import.import_donations(session, town.district, filename="en.xlsx",
                                           data=xlsx(rows, english, title_rows=2))
    assert (outcome.rows, outcome.total_fen, outcome.problems) == (1, 20_000, [])


def test_wrong_headers_are_refused_naming_the_missing_columns(session, town):
    header = ["日期", "姓名", "收入来源", "金额", "入账账户", "摘要"]
    error = refused("fund.import.error.missing_columns", fund_import.import_donations,
                    session, town.district, filename="x.xlsx", data=xlsx(GOOD_ROWS, header))
    assert error.params["columns"] == "捐款人或单位、金额（元）"
    assert (entries(session), imports(session)) == (0, 0)


def test_file_level_problems(session, town, monkeypatch):
    refused("fund.import.error.not_xlsx", fund_import.import_donations, session, town.district,
            filename="list.csv", data=b"date,donor\n")
    refused("fund.import.error.unreadable", fund_import.import_donations, session,
            town.district, filename="list.xlsx", data=b"PK\x03\x04 not really a zip")
    refused("fund.import.error.empty", fund_import.import_donations, session, town.district,
            filename="list.xlsx", data=xlsx([[None, " ", None, None, None, None]]))
    assert fund_import.MAX_ROWS == 5_000
    monkeypatch.setattr(fund_import, "MAX_ROWS", 3)   # the same check, on a small file
    error = refused("fund.import.error.too_many_rows", fund_import.import_donations, session,
                    town.district, filename="big.xlsx", data=xlsx(GOOD_ROWS))
    assert error.params == {"limit": 3}
    assert (entries(session), imports(session)) == (0, 0)


def test_only_the_district_admin_imports(session, town):
    for actor in (town.chair, town.auditor, town.delegate):
        refused("error.forbidden", fund_import.import_donations, session, actor,
                filename="a.xlsx", data=xlsx(GOOD_ROWS))
    assert entries(session) == 0


def test_the_template_has_the_header_examples_and_valid_values(session, town):
    book = load_workbook(io.BytesIO(fund_import.template_xlsx("zh", session)))
    assert book.sheetnames == ["捐款名单", "可填写的值"]
    lines = list(book["捐款名单"].iter_rows(values_only=True))
    assert list(lines[0]) == HEADER and len(lines) == 3
    assert [line[2] for line in lines[1:]] == ["教职工个人捐款", "单位赞助"]
    valid = list(book["可填写的值"].iter_rows(values_only=True))
    assert [v[0] for v in valid[1:7]] == ["教育局补助", "财政补助", "工会经费拨付",
                                          "教职工个人捐款", "单位赞助", "社会爱心人士捐赠"]
    assert [v[1] for v in valid[1:4]] == ["区级基金", f"{CODE_A} 湖滨小学", f"二中 {NAME_B}"]
    # the examples are valid rows: the filled-in template imports as it is
    outcome = fund_import.import_donations(session, town.district, filename="t.xlsx",
                                           data=fund_import.template_xlsx("zh", session))
    assert (outcome.rows, outcome.total_fen, outcome.problems) == (2, 20_000 + 500_050, [])
    english = load_workbook(io.BytesIO(fund_import.template_xlsx("en")))
    assert english.sheetnames == ["Donations", "Valid values"]
    assert next(english["Donations"].iter_rows(values_only=True))[:2] == (
        "Date", "Donor (person or organisation)")


@pytest.mark.parametrize(("cell", "day"), [
    (dt.datetime(2026, 3, 5, 0, 0), dt.date(2026, 3, 5)),
    (dt.date(2026, 3, 5), dt.date(2026, 3, 5)),
    ("2026-03-05", dt.date(2026, 3, 5)),
    ("2026/3/5", dt.date(2026, 3, 5)),
    (" 2026.3.5 ", dt.date(2026, 3, 5)),
    ("2026年3月5日", dt.date(2026, 3, 5)),
    ("2026-03-05 00:00:00", dt.date(2026, 3, 5)),
    ("20260305", dt.date(2026, 3, 5)),
    (20260305, dt.date(2026, 3, 5)),
    (46086, dt.date(2026, 3, 5)),          # an Excel day number
    (46086.0, dt.date(2026, 3, 5)),
    (46086.5, dt.date(2026, 3, 5)),        # noon of that day
])
def test_dates_as_excel_or_people_write_them(cell, day):
    assert read_date(cell) == day


@pytest.mark.parametrize("cell", ["2026-02-30", "3/5/2026", "明天", "2026-13-01", True,
                                  -3, 3_000_000])
def test_cells_that_are_not_dates(cell):
    refused("fund.import.error.bad_date", read_date, cell)
