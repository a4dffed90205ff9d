"""Competition files (services/competition_files.py): the score-sheet template and its import,
all or nothing with every problem reported; formula-safe exports; certificates as PDF."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from services import competition_files as files
from services.competitions import (
    CompetitionResults,
    CompetitionView,
    GroupResults,
    ScoreRow,
    SegmentView,
    TierInput,
)
from services.errors import DomainError
from services.i18n import catalogue
from services.scoring import EntrantScores, PanelCheck, SegmentRule, TierRule, award, rank

# The Chinese texts these tests read; patched in so they do not depend on the catalogue's state.
ZH = {
    "competition.sheet.title": "评分表",
    "competition.sheet.help_title": "说明",
    "competition.sheet.col.entrant_id": "参赛者编号",
    "competition.sheet.col.entrant": "参赛者",
    "competition.sheet.col.judge_id": "评委编号",
    "competition.sheet.col.judge": "评委",
    "competition.sheet.col.segment": "环节",
    "competition.sheet.col.score": "分数",
    "competition.sheet.help_segment": "「{segment}」满分 {maximum}",
    "competition.sheet.problem.score_over":
        "第 {row} 行：分数 {score} 超过「{segment}」满分 {maximum}",
    "competition.error.sheet_rows": "评分表有 {count} 处问题，未导入任何分数：\n{rows}",
    "competition.export.col.rank": "名次",
    "competition.export.col.name": "姓名",
    "competition.export.col.school": "学校",
    "competition.export.col.total": "总分",
    "competition.export.col.award": "奖项",
    "competition.export.col.note": "备注",
    "competition.export.rules_title": "规则说明",
    "competition.export.tie.segment":
        "{group}：{first} 与 {second} 总分相同，按「{segment}」得分排序。",
    "competition.export.tie.shared": "{group}：{first} 与 {second} 各项均相同，名次并列。",
    "competition.export.note.promoted": "与名次线上的选手并列，获较高奖项",
    "competition.export.note.wide_panel": "「{segment}」评委分差超过满分的 10%",
    "competition.honours.col.id": "编号",
    "competition.honours.col.holder": "获得者",
    "competition.certificate.title": "荣誉证书",
    "competition.certificate.salutation": "{name} 同志：",
    "competition.certificate.body": "在{competition}中荣获{award}，特发此证，以资鼓励。",
    "competition.certificate.date": "{year}年{month}月{day}日",
}
HEADER = ["参赛者编号", "参赛者", "评委编号", "评委", "环节", "分数"]


@pytest.fixture(autouse=True)
def chinese_texts(monkeypatch):
    zh = catalogue("zh")
    for key, text in ZH.items():
        monkeypatch.setitem(zh, key, text)


def make_view(entrants: int = 2, judges: int = 3) -> CompetitionView:
    return CompetitionView(
        id=1, name="青年教师基本功大赛", level="district", kind="基本功大赛", year=2026,
        organiser="区教育工会", organiser_school_id=None, held_on=dt.date(2026, 11, 25),
        state="draft", rounding="half_up",
        segments=[SegmentView(11, "教学设计", Decimal(20), Decimal(20)),
                  SegmentView(12, "课堂教学", Decimal(100), Decimal(75)),
                  SegmentView(13, "教学反思", Decimal(5), Decimal(5))],
        tiers=[TierInput("一等奖", quota_percent=Decimal(15)),
               TierInput("二等奖", quota_percent=Decimal(25)),
               TierInput("三等奖", quota_percent=Decimal(35))],
        judges={100 + j: f"评委{j}（一中）" for j in range(1, judges + 1)},
        entrants={200 + e: f"教师{e}（实验小学）" for e in range(1, entrants + 1)},
        groups={41: "语文"}, sheet_version=None, sheet_entered_by=None,
        sheet_confirmed_by=None, can_manage=True, can_confirm=False)


def sheet(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    """An uploaded score sheet: the header in row 1, then the rows as given."""
    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


GOOD = [
    [201, "", 101, "", "教学设计", 18],
    [201, "", 101, "", "课堂教学", 85.5],
    [202, "", 101, "", "教学反思", "4.25"],
]


# --- Template and import ----------------------------------------------------------------------

def test_template_has_the_header_one_row_per_score_and_the_maxima():
    view = make_view()
    wb = load_workbook(io.BytesIO(files.score_template(view)))
    assert wb.sheetnames == ["评分表", "说明"]
    ws = wb["评分表"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) - 1 == 2 * 3 * 3
    assert rows[1] == (201, "教师1（实验小学）", 101, "评委1（一中）", "教学设计", None)
    assert all(isinstance(r[0], int) and isinstance(r[2], int) for r in rows[1:])
    assert ws.column_dimensions["B"].width == 28
    help_text = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert "「课堂教学」满分 100" in help_text
    assert "「教学反思」满分 5" in help_text


def test_template_round_trip():
    view = make_view()
    wb = load_workbook(io.BytesIO(files.score_template(view)))
    ws = wb["评分表"]
    expected = []
    for n, row in enumerate(ws.iter_rows(min_row=2), start=1):
        maximum = {s.name: s.max_score for s in view.segments}[row[4].value]
        score = min(maximum, Decimal(n) + Decimal("0.25"))
        row[5].value = float(score) if n % 2 else score   # floats and exact numbers both
        segment_id = {s.name: s.id for s in view.segments}[row[4].value]
        expected.append(ScoreRow(row[0].value, row[2].value, segment_id, score))
    buffer = io.BytesIO()
    wb.save(buffer)
    assert files.sheet_problems(buffer.getvalue(), view) == []
    assert files.read_score_sheet(buffer.getvalue(), view) == expected


def test_scores_are_exact_decimals_and_blank_rows_are_skipped():
    data = sheet([GOOD[0], [], [None, "", None, "  ", None, None], GOOD[1], GOOD[2]])
    rows = files.read_score_sheet(data, make_view())
    assert rows == [ScoreRow(201, 101, 11, Decimal("18")), ScoreRow(201, 101, 12, Decimal("85.5")),
                    ScoreRow(202, 101, 13, Decimal("4.25"))]
    assert all(isinstance(r.score, Decimal) for r in rows)


@pytest.mark.parametrize(("bad", "key", "params"), [
    ([999, "", 101, "", "教学设计", 10], "entrant", {"value": "999"}),
    (["abc", "", 101, "", "教学设计", 10], "entrant", {"value": "abc"}),
    ([201, "", 555, "", "教学设计", 10], "judge", {"value": "555"}),
    ([201, "", 101, "", "朗诵", 10], "segment", {"value": "朗诵"}),
    ([201, "", 101, "", "教学设计", None], "score_missing", {}),
    ([201, "", 101, "", "教学设计", "八十"], "score_not_number", {"value": "八十"}),
    ([201, "", 101, "", "教学设计", -1], "score_negative", {"score": "-1"}),
    ([201, "", 101, "", "课堂教学", 105], "score_over",
     {"score": "105", "segment": "课堂教学", "maximum": "100"}),
    ([201, "", 101, "", "教学设计", 12.345], "score_decimals", {"score": "12.345"}),
    ([201, "", 101, "", "课堂教学", " 85.001 "], "score_decimals", {"score": "85.001"}),
    ([201, "", 101, "", "教学设计", 17], "duplicate", {"first": 2}),
])
def test_each_bad_row_is_reported_with_its_row_number_and_nothing_is_read(bad, key, params):
    view = make_view()
    data = sheet([*GOOD, [], bad])   # the bad row is row 6 (a blank row 5 before it)
    assert files.sheet_problems(data, view) == [
        (6, f"competition.sheet.problem.{key}", {"row": 6, **params})]
    with pytest.raises(DomainError) as caught:
        files.read_score_sheet(data, view)
    assert caught.value.key == "competition.error.sheet_rows"
    assert caught.value.params["count"] == 1


def test_the_message_names_the_row_the_score_and_the_segment():
    data = sheet([GOOD[0], GOOD[1], GOOD[2], [202, "", 102, "", "课堂教学", 105]])
    with pytest.raises(DomainError) as caught:
        files.read_score_sheet(data, make_view())
    assert caught.value.params["rows"] == "第 5 行：分数 105 超过「课堂教学」满分 100"
    assert "评分表有 1 处问题" in str(caught.value)


def test_all_problems_are_collected_before_failing():
    data = sheet([[999, "", 101, "", "教学设计", 10], GOOD[0],
                  [201, "", 101, "", "课堂教学", 101], GOOD[1],
                  [202, "", 102, "", "教学反思", "x"]])
    problems = files.sheet_problems(data, make_view())
    assert [(row, key.rsplit(".", 1)[1]) for row, key, _ in problems] == [
        (2, "entrant"), (4, "score_over"), (6, "score_not_number")]
    with pytest.raises(DomainError) as caught:
        files.read_score_sheet(data, make_view())
    assert caught.value.params["count"] == 3


def test_one_row_can_have_several_problems():
    problems = files.sheet_problems(sheet([[999, "", 555, "", "朗诵", None]]), make_view())
    assert [key.rsplit(".", 1)[1] for _, key, _ in problems] == [
        "entrant", "judge", "segment", "score_missing"]


def test_the_message_lists_at_most_twenty_problems_but_counts_them_all():
    data = sheet([[201, "", 101, "", "教学设计", 21 + i] for i in range(30)])
    with pytest.raises(DomainError) as caught:
        files.read_score_sheet(data, make_view())
    assert caught.value.params["count"] == 30
    lines = caught.value.params["rows"].split("\n")
    assert len(lines) == 21 and lines[-1] == "…"
    assert len(files.sheet_problems(data, make_view())) == 30


@pytest.mark.parametrize("data", [
    b"not a spreadsheet", b"", b"PK\x03\x04broken zip",
    "参赛者编号,参赛者\n201,张三".encode(),
])
def test_a_file_that_is_not_xlsx_is_refused(data):
    with pytest.raises(DomainError) as caught:
        files.read_score_sheet(data, make_view())
    assert caught.value.key == "competition.error.sheet_unreadable"
    with pytest.raises(DomainError):
        files.sheet_problems(data, make_view())


def test_a_sheet_without_the_header_is_refused():
    data = sheet([GOOD[0]], header=["编号", "姓名", "评委", "x", "y", "z"])
    with pytest.raises(DomainError) as caught:
        files.read_score_sheet(data, make_view())
    assert caught.value.key == "competition.error.sheet_unreadable"


def test_a_sheet_with_only_the_header_holds_no_scores():
    with pytest.raises(DomainError) as caught:
        files.read_score_sheet(sheet([]), make_view())
    assert caught.value.key == "competition.error.sheet_empty"


def test_five_thousand_rows_parse_quickly():
    view = make_view(entrants=100, judges=10)
    view = replace(view, segments=[*view.segments, SegmentView(14, "板书", Decimal(10), Decimal(5)),
                                   SegmentView(15, "演讲", Decimal(10), Decimal(5))])
    # 100 entrants, 10 judges, 5 segments: 5,000 rows
    data = sheet([[e, "", j, "", s.name, 4.25]
                  for e in view.entrants for j in view.judges for s in view.segments])
    started = time.perf_counter()
    rows = files.read_score_sheet(data, view)
    elapsed = time.perf_counter() - started
    assert len(rows) == 5000
    assert elapsed < 5, elapsed


# --- Exports ----------------------------------------------------------------------------------

EVIL = "=cmd|' /C calc'!A0"


def make_results(view: CompetitionView) -> CompetitionResults:
    rules = [SegmentRule(s.id, s.name, s.max_score, s.weight, i)
             for i, s in enumerate(view.segments)]
    scores = {201: ("18", "90", "4"), 202: ("18", "90", "4"), 203: ("10", "60", "3")}
    entrants = [EntrantScores(e, {s.id: [Decimal(v)] * 5 for s, v in zip(rules, values,
                                                                          strict=True)})
                for e, values in scores.items()]
    results, ties = rank(entrants, rules)
    tiers = [TierRule(i + 1, t.name, t.quota_percent, t.fixed_count, t.min_score)
             for i, t in enumerate(view.tiers)]
    boundaries = award(results, tiers)
    return CompetitionResults(
        competition_id=view.id,
        groups=[GroupResults(41, "语文", results, ties, boundaries)],
        names={201: EVIL, 202: "李四", 203: "+王五"},
        schools={201: "@实验小学", 202: "一中", 203: "二中"},
        panels=PanelCheck(wide_panels=[(203, 12)]))


def test_results_workbook_is_formula_safe_with_a_sheet_per_group_and_the_rules():
    view = make_view(entrants=3)
    results = make_results(view)
    wb = load_workbook(io.BytesIO(files.results_workbook(view, results)))
    assert wb.sheetnames == ["语文", "规则说明"]
    ws = wb["语文"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ["名次", "姓名", "学校", "教学设计", "课堂教学", "教学反思",
                             "总分", "奖项", "备注"]
    first = rows[1]
    assert first[0] == 1 and first[1] == "'" + EVIL and first[2] == "'@实验小学"
    # N = 3: C₁ = round(0.45) = 0, C₂ = round(1.2) = 1; the tie at place 1 lifts both.
    assert first[7] == "二等奖" and rows[2][7] == "二等奖"
    assert rows[2][0] == 1                      # a shared rank: every tie-breaker is equal
    assert rows[2][8] == "与名次线上的选手并列，获较高奖项"
    assert rows[3][1] == "'+王五" and rows[3][7] is None   # C₃ = round(2.25) = 2
    assert "「课堂教学」" in rows[3][8]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws.cell(2, 4).number_format == "0.00"
    assert ws.cell(2, 7).value == pytest.approx(89.5)    # 18 + 67.5 + 4
    notes = [r[0] for r in wb["规则说明"].iter_rows(values_only=True)]
    assert f"语文：{EVIL} 与 李四 各项均相同，名次并列。" in notes
    assert len(notes) == 3 + 1 + 3     # the rules, one tie, one line per award


def test_honours_workbook_is_formula_safe_with_chinese_headers():
    frame = pd.DataFrame([
        {"id": 1, "year": 2026, "honour": "师德标兵", "holder": EVIL, "school": "-一中",
         "level": "district", "issuer": "区教育工会"},
        {"id": 2, "year": 2025, "honour": "工人先锋号", "holder": None, "school": "二中",
         "level": "city", "issuer": "\t市总工会"},
    ])
    wb = load_workbook(io.BytesIO(files.honours_workbook(frame)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and rows[0][3] == "获得者"
    assert rows[1][:2] == (1, 2026)
    assert rows[1][3] == "'" + EVIL and rows[1][4] == "'-一中"
    assert rows[2][3] is None and rows[2][6] == "'\t市总工会"


# --- Certificates -----------------------------------------------------------------------------

def test_certificate_is_a_pdf_with_the_builtin_chinese_font():
    pdf = files.certificate_pdf(name="张三明", competition="2026 年青年教师基本功大赛",
                                award="一等奖", day=dt.date(2026, 11, 25), issuer="区教育工会")
    assert pdf.startswith(b"%PDF")
    assert b"STSong-Light" in pdf


def test_certificate_draws_long_and_odd_text_as_plain_strings():
    pdf = files.certificate_pdf(name="<b>张三</b>\n<img src=x>", competition="长" * 300,
                                award="=一等奖", day=dt.date(2026, 3, 5), issuer="区" * 80)
    assert pdf.startswith(b"%PDF")


def test_certificate_wrap_keeps_every_character():
    files.certificate_pdf(name="x", competition="y", award="z", day=dt.date(2026, 1, 1),
                          issuer="u")   # registers the font
    text = "在" + "青年教师基本功大赛" * 10 + "中荣获一等奖"
    lines = files._wrap(text, 22, 300)
    assert "".join(lines) == text and len(lines) > 1


def test_zip_holds_one_certificate_per_winner_with_safe_names():
    pdf = files.certificate_pdf(name="李四", competition="说课比赛", award="二等奖",
                                day=dt.date(2026, 11, 25), issuer="区教育工会")
    items = [("张三-一等奖.pdf", pdf), ("../../etc/李四-二等奖.pdf", pdf),
             ("C:\\temp\\王五", pdf), ("张三-一等奖.pdf", pdf), ("", pdf)]
    with zipfile.ZipFile(io.BytesIO(files.certificates_zip(items))) as archive:
        names = archive.namelist()
        assert len(names) == len(items)
        assert len(set(names)) == len(names)
        assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
        assert all(n.endswith(".pdf") for n in names)
        assert "张三-一等奖.pdf" in names
        assert archive.read(names[0]).startswith(b"%PDF")
