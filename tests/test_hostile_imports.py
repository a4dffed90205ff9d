"""Hostile Excel uploads to every import (issue 8, category 4): the donation list
(services/fund_import.py), the competition score sheet (services/competition_files.py) and the
motion progress sheet (services/motion_files.py). Each file below is refused with a catalogue
message and leaves the database as it was; a zip bomb is refused from the sizes its zip
declares, before anything is inflated. The 100k-row file and the 100 MB+ bombs are heavy."""

from __future__ import annotations

import datetime as dt
import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from db.fund import FundEntry, FundImport
from db.models import AuditEntry
from db.motions import MotionMilestone
from services import competition_files, fund_import, motion_files, xlsx
from services.errors import DomainError
from services.i18n import LANGUAGES, t
from tests.fund_factory import CODE_A, build_town
from tests.motion_factory import build_congress
from tests.test_competition_files import GOOD, make_view
from tests.test_competition_files import sheet as score_sheet

HEADER = ["日期", "捐款人或单位", "收入来源", "金额（元）", "入账账户", "摘要"]
GOOD_ROW = [dt.date(2026, 3, 5), "张明", "教职工个人捐款", 200, "区级基金", "教师节捐款"]


def book_bytes(rows: list[list], header: list[str] | None = HEADER, *,
               merge: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# The parts of a minimal workbook with one sheet, for bombs built part by part.
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'),
}
SHEET_PART = "xl/worksheets/sheet1.xml"


def bomb(unpacked_mb: int) -> bytes:
    """A workbook whose one sheet is `unpacked_mb` MB of blank rows, streamed into the zip so
    the test never holds it unpacked."""
    header_row = ('<row r="1">' + "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCDEF", HEADER, strict=True)) + "</row>").encode()
    row = b'<row><c t="inlineStr"><is><t></t></is></c></row>' * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open(SHEET_PART, "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                       b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            part.write(header_row)   # a real header, so a reader would go on to every row
            written = 0
            while written < unpacked_mb * 1024 * 1024:
                part.write(row)
                written += len(row)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


def lying(data: bytes, member: str, declared: int) -> bytes:
    """`data` with the unpacked size of `member` declared as `declared` bytes in both its local
    header and the central directory: a bomb that hides its size."""
    buffer = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    assert info.file_size < 0xFFFFFFFF, "patching a zip64 size is not supported here"
    struct.pack_into("<I", buffer, info.header_offset + 22, declared)
    at = bytes(buffer).index(b"PK\x01\x02")
    while at >= 0:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buffer, at + 28)
        if bytes(buffer[at + 46:at + 46 + name_len]).decode() == member:
            struct.pack_into("<I", buffer, at + 24, declared)
            break
        at = bytes(buffer).find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    return bytes(buffer)


def truncated(data: bytes) -> bytes:
    return data[:len(data) // 2]


# --- the donation list --------------------------------------------------------------------------

@pytest.fixture
def town(session):
    return build_town(session)


def ledger(session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count()).select_from(FundEntry)),
            session.scalar(select(func.count()).select_from(FundImport)),
            session.scalar(select(func.count()).select_from(AuditEntry)))


GOOD_XLSX = book_bytes([GOOD_ROW])

# (what it is, file name, bytes, the catalogue key of the refusal)
REFUSED_FILES = [
    ("csv renamed .xlsx", "捐款.xlsx", "日期,金额\n2026-03-05,200\n".encode(),
     "fund.import.error.not_xlsx"),
    ("pdf renamed .xlsx", "捐款.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
     "fund.import.error.not_xlsx"),
    ("empty file", "捐款.xlsx", b"", "fund.import.error.not_xlsx"),
    ("an .xls name", "捐款.xls", GOOD_XLSX, "fund.import.error.not_xlsx"),
    ("truncated zip", "捐款.xlsx", truncated(GOOD_XLSX), "fund.import.error.unreadable"),
    ("zip header only", "捐款.xlsx", b"PK\x03\x04" + b"\x00" * 40,
     "fund.import.error.unreadable"),
    ("zip without a workbook", "捐款.xlsx", plain_zip({"readme.txt": b"hello"}),
     "fund.import.error.unreadable"),
    ("docx-like zip", "捐款.xlsx", plain_zip({"[Content_Types].xml": b"<Types/>",
                                             "word/document.xml": b"<w:document/>"}),
     "fund.import.error.unreadable"),
    ("workbook with no rows", "捐款.xlsx", book_bytes([], header=None),
     "fund.import.error.missing_columns"),
    ("header only", "捐款.xlsx", book_bytes([]), "fund.import.error.empty"),
    ("header without amount", "捐款.xlsx",
     book_bytes([GOOD_ROW],
                header=["日期", "捐款人或单位", "收入来源", "备注", "入账账户", "摘要"]),
     "fund.import.error.missing_columns"),
    ("size hidden by the zip", "捐款.xlsx",
     lying(book_bytes([GOOD_ROW] * 400), "xl/worksheets/sheet1.xml", 2_000),
     "fund.import.error.unreadable"),
]


@pytest.mark.parametrize(("name", "data", "key"), [case[1:] for case in REFUSED_FILES],
                         ids=[case[0] for case in REFUSED_FILES])
def test_a_file_that_is_no_donation_list_is_refused_and_changes_nothing(
        session, town, name, data, key):
    before = ledger(session)
    with pytest.raises(DomainError) as caught:
        fund_import.import_donations(session, town.district, filename=name, data=data)
    assert caught.value.key == key
    assert caught.value.message("zh") and caught.value.message("en")
    assert ledger(session) == before


# (what is wrong, the rows under the header, merged range, the (row, key) problems expected)
BAD_ROWS = [
    ("dates as words", [["三月五日", "张明", "教职工个人捐款", 200, "区级基金", ""],
                        ["2026-02-30", "李华", "教职工个人捐款", 100, "区级基金", ""],
                        ["明天", "王芳", "教职工个人捐款", 50, "区级基金", ""]], None,
     [(2, "fund.import.error.bad_date"), (3, "fund.import.error.bad_date"),
      (4, "fund.import.error.bad_date")]),
    ("wrong types", [[dt.date(2026, 3, 5), "张明", "教职工个人捐款", "两百元", "区级基金", ""],
                     [dt.date(2026, 3, 5), "李华", "教职工个人捐款", True, "区级基金", ""],
                     [dt.date(2026, 3, 5), "王芳", "教职工个人捐款", dt.date(2026, 1, 1),
                      "区级基金", ""],
                     [12.5, "赵六", 3.0, 100, 42, ""]], None,   # 12.5: Excel's 1900-01-12
     [(2, "fund.error.amount_not_number"), (3, "fund.error.amount_not_number"),
      (4, "fund.error.amount_not_number"), (5, "fund.error.date_too_early"),
      (5, "fund.import.error.unknown_source"), (5, "fund.import.error.unknown_account")]),
    ("merged date cells", [[dt.date(2026, 3, 5), "张明", "教职工个人捐款", 200, "区级基金", ""],
                           [None, "李华", "教职工个人捐款", 100, "区级基金", ""]], "A2:A3",
     [(3, "fund.import.error.date_missing")]),
    ("formula without a cached value", [[dt.date(2026, 3, 5), "张明", "教职工个人捐款",
                                         "=100+100", "区级基金", ""]], None,
     [(2, "fund.error.amount_missing")]),
    ("one cell of a megabyte", [[dt.date(2026, 3, 5), "捐" * 1_000_000, "教职工个人捐款", 200,
                                 CODE_A, ""]], None,
     [(2, "fund.error.text_too_long")]),
]


@pytest.mark.parametrize(("rows", "merge", "expected"), [case[1:] for case in BAD_ROWS],
                         ids=[case[0] for case in BAD_ROWS])
def test_bad_cells_are_listed_by_row_and_nothing_is_posted(session, town, rows, merge,
                                                           expected):
    before = ledger(session)
    outcome = fund_import.import_donations(session, town.district, filename="捐款.xlsx",
                                           data=book_bytes(rows, merge=merge))
    assert [(p.row, p.error.key) for p in outcome.problems] == expected
    assert outcome.import_id is None
    assert ledger(session) == before


def test_a_bomb_is_refused_from_its_declared_size_before_it_is_inflated(session, town,
                                                                         monkeypatch):
    # The same check as a 100 MB bomb (see the heavy test), on a 2 MB one.
    assert xlsx.MAX_UNPACKED_BYTES == 32 * 1024 * 1024
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 1024 * 1024)
    data = bomb(2)
    assert len(data) < 20_000
    before = ledger(session)
    with pytest.raises(DomainError) as caught:
        fund_import.import_donations(session, town.district, filename="捐款.xlsx", data=data)
    assert (caught.value.key, caught.value.params) == ("xlsx.error.too_large", {"limit_mb": 1})
    assert ledger(session) == before


def test_the_too_large_message_reads_in_both_languages():
    assert [DomainError("xlsx.error.too_large", limit_mb=32).message(lang)
            for lang in LANGUAGES] == [
        "这个文件解压后超过 32 MB，不是能导入的表格。"
        "请只保留要导入的行，另存为新的 .xlsx 后再上传。",
        "This file unpacks to more than 32 MB, which is not a workbook that can be imported. "
        "Keep only the rows to import, save it as a new .xlsx and upload that."]


# --- the competition score sheet ------------------------------------------------------------

SCORE_FILES = [
    ("csv renamed", "参赛者编号,分数\n201,18".encode(), "competition.error.sheet_unreadable"),
    ("pdf renamed", b"%PDF-1.4\n1 0 obj\n", "competition.error.sheet_unreadable"),
    ("truncated zip", truncated(score_sheet(GOOD)), "competition.error.sheet_unreadable"),
    ("zip without a workbook", plain_zip({"a.txt": b"x"}), "competition.error.sheet_unreadable"),
    ("no header", book_bytes([[201, "", 101, "", "教学设计", 18]], header=None),
     "competition.error.sheet_unreadable"),
    ("header only", score_sheet([]), "competition.error.sheet_empty"),
    ("size hidden by the zip", lying(score_sheet(GOOD * 300), SHEET_PART, 1_000),
     "competition.error.sheet_unreadable"),
]


@pytest.mark.parametrize(("data", "key"), [case[1:] for case in SCORE_FILES],
                         ids=[case[0] for case in SCORE_FILES])
def test_a_score_file_that_is_no_sheet_is_refused(data, key):
    with pytest.raises(DomainError) as caught:
        competition_files.read_score_sheet(data, make_view())
    assert caught.value.key == key


def test_bad_score_cells_are_listed_by_row():
    rows = [[201, "", 101, "", "教学设计", "十八"],        # a score as words
            [201, "", 101, "", "课堂教学", dt.date(2026, 1, 1)],
            ["二〇一", "", 101, "", "教学设计", 18],           # an entrant id as words
            [201, "", 101, "", "=HYPERLINK(\"http://x\")", 18],
            [202, "", 101, "", "教学设计", True]]
    problems = competition_files.sheet_problems(score_sheet(rows), make_view())
    assert [(row, key) for row, key, _ in problems] == [
        (2, "competition.sheet.problem.score_not_number"),
        (3, "competition.sheet.problem.score_not_number"),
        (4, "competition.sheet.problem.entrant"),
        (5, "competition.sheet.problem.segment"),
        (6, "competition.sheet.problem.score_not_number")]


def test_a_score_bomb_is_refused_before_it_is_inflated(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 1024 * 1024)
    with pytest.raises(DomainError) as caught:
        competition_files.read_score_sheet(bomb(2), make_view())
    assert caught.value.key == "xlsx.error.too_large"


# --- the motion progress sheet ----------------------------------------------------------------

PROGRESS_FILES = [
    ("csv renamed", "编号,进度\n1,50".encode(), "motion.progress_import.error.not_xlsx"),
    ("truncated zip", truncated(GOOD_XLSX), "motion.progress_import.error.unreadable"),
    ("zip without a workbook", plain_zip({"a.txt": b"x"}),
     "motion.progress_import.error.unreadable"),
    ("a donation list", GOOD_XLSX, "motion.progress_import.error.no_header"),
    ("workbook with no rows", book_bytes([], header=None),
     "motion.progress_import.error.no_header"),
]


@pytest.mark.parametrize(("data", "key"), [case[1:] for case in PROGRESS_FILES],
                         ids=[case[0] for case in PROGRESS_FILES])
def test_a_progress_file_that_is_no_sheet_is_refused_and_changes_nothing(session, data, key):
    c = build_congress(session)
    before = session.scalar(select(func.count()).select_from(MotionMilestone))
    with pytest.raises(DomainError) as caught:
        motion_files.import_progress(session, c.chair, meeting_id=c.meeting_a, data=data)
    assert caught.value.key == key
    assert session.scalar(select(func.count()).select_from(MotionMilestone)) == before


def test_a_progress_bomb_is_refused_before_it_is_inflated(session, monkeypatch):
    c = build_congress(session)
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 1024 * 1024)
    with pytest.raises(DomainError) as caught:
        motion_files.import_progress(session, c.chair, meeting_id=c.meeting_a, data=bomb(2))
    assert caught.value.key == "xlsx.error.too_large"


# --- heavy: real sizes ------------------------------------------------------------------------

def refused_import(session, town, data: bytes) -> tuple[DomainError, float, int]:
    """Import `data` as a donation list, expecting a refusal: the error, the seconds it took
    and the peak memory allocated meanwhile."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DomainError) as caught:
            fund_import.import_donations(session, town.district, filename="捐款.xlsx",
                                         data=data)
        return caught.value, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.heavy
def test_a_120_mb_bomb_is_refused_in_little_time_and_memory(session, town):
    data = bomb(120)
    assert len(data) < 1_000_000          # a small upload …
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo(SHEET_PART).file_size > 120 * 1024 * 1024   # … that unpacks big
    before = ledger(session)
    caught, elapsed, peak = refused_import(session, town, data)
    assert (caught.key, caught.params) == ("xlsx.error.too_large", {"limit_mb": 32})
    assert elapsed < 2.0
    assert peak < 10 * 1024 * 1024
    assert ledger(session) == before


@pytest.mark.heavy
def test_a_bomb_that_hides_its_size_stops_at_the_declared_size(session, town):
    data = lying(bomb(60), SHEET_PART, 100_000)
    before = ledger(session)
    caught, elapsed, peak = refused_import(session, town, data)
    assert caught.key == "fund.import.error.unreadable"
    assert elapsed < 5.0
    assert peak < 30 * 1024 * 1024
    assert ledger(session) == before


@pytest.mark.heavy
def test_a_hundred_thousand_rows_are_refused_without_posting(session, town):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for n in range(100_000):
        sheet.append([dt.date(2026, 3, 5), f"捐款人{n}", "教职工个人捐款", 1, "区级基金", ""])
    out = io.BytesIO()
    book.save(out)
    before = ledger(session)
    started = time.perf_counter()
    with pytest.raises(DomainError) as caught:
        fund_import.import_donations(session, town.district, filename="捐款.xlsx",
                                     data=out.getvalue())
    assert (caught.value.key, caught.value.params) == ("fund.import.error.too_many_rows",
                                                       {"limit": 5_000})
    assert time.perf_counter() - started < 30
    assert ledger(session) == before
    assert t("fund.import.error.too_many_rows", "en", limit=5_000)
