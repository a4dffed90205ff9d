"""Motion files (services/motion_files.py): the register workbook, the 提案办理情况报告 PDF (drawn
from fixed data, then gathered from the database), and the bulk progress sheet, all or nothing
with every bad row reported.

Motions are inserted as rows through the models on the small district of tests.motion_factory,
so each test states every value it later expects.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zlib
from fractions import Fraction

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from db.motions import Motion, MotionCosigner, MotionMilestone, MotionReply
from services import motion_files as files
from services import motions
from services.clock import local_today
from services.errors import DomainError
from services.i18n import catalogue
from services.motion_queries import MotionFilter
from tests.motion_factory import Congress, build_congress

# Labels owned by services/motions.py, patched in so these tests do not follow their wording.
LABELS = {
    "zh": {"motion.state.implementing": "落实中", "motion.state.assigned": "已交办",
           "motion.state.done": "已落实", "motion.state.handling": "办理中",
           "motion.category.welfare": "福利待遇", "motion.extent.planned": "列入计划",
           "motion.extent.solved": "已解决", "motion.rating.satisfied": "满意",
           "motion.rating.basically": "基本满意"},
    "en": {"motion.state.implementing": "Implementing", "motion.state.assigned": "Assigned",
           "motion.state.handling": "Handling", "motion.state.registered": "Registered",
           "motion.category.welfare": "Welfare", "motion.extent.planned": "Planned",
           "motion.rating.satisfied": "Satisfied"},
}
ZH_HEADER = ["编号", "案由", "提案人", "附议人", "类别", "状态", "承办部门", "办理期限",
             "答复情况", "满意度", "落实进度"]
EN_HEADER = ["No.", "Title", "Proposer", "Co-signers", "Category", "State", "Lead department",
             "Deadline", "Reply extent", "Satisfaction", "Progress"]
SHEET_HEADER = ["ID", "编号", "案由", "当前进度", "新进度", "说明", "日期"]
EVIL_TITLE = "=cmd|' /C calc'!A0"


@pytest.fixture(autouse=True)
def foreign_labels(monkeypatch):
    for lang, texts in LABELS.items():
        for key, text in texts.items():
            monkeypatch.setitem(catalogue(lang), key, text)


@pytest.fixture
def c(session) -> Congress:
    return build_congress(session)


def add_motion(session, c: Congress, n: int | None, *, state: str = "implementing",
               proposer: str = "张一", title: str | None = None, meeting: int | None = None,
               school: int | None = None, **fields) -> int:
    """A motion row as the lifecycle would have left it; numbered when n is given."""
    motion = Motion(meeting_id=meeting or c.meeting_a, school_id=school or c.school_a,
                    proposer_staff_id=c.staff[proposer], title=title or f"提案{n}",
                    reason="理由", suggestion="建议", state=state,
                    number=f"2026SCH1TA{n:03d}" if n is not None else None,
                    submitted_on=dt.date(2026, 3, 10),
                    registered_on=dt.date(2026, 3, 20) if n is not None else None, **fields)
    session.add(motion)
    session.flush()
    return motion.id


def sheet_rows(data: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def filled(rows: list[list[object]], header: list[str] = SHEET_HEADER) -> bytes:
    """A progress sheet as a chair would upload it."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading a PDF without a PDF library ---------------------------------------------------------

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(",
            b")": b")", b"\\": b"\\"}


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes: backslash escapes and octal codes undone."""
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i:i + 1] != b"\\":
            out += raw[i:i + 1]
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(raw[i + 1:i + 2], raw[i + 1:i + 2])
            i += 2
    return bytes(out)


def pdf_strings(data: bytes) -> list[bytes]:
    """Every string shown with Tj, in order, from every (ASCII85 + Flate) content stream."""
    shown: list[bytes] = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            content = zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>")))
        except ValueError:
            continue
        shown += [_literal(s) for s in
                  re.findall(rb"\(((?:\\.|[^\\()])*)\)\s*Tj", content, re.S)]
    return shown


def pdf_text(data: bytes) -> str:
    """The drawn text: STSong-Light (UniGB-UCS2-H) strings are UTF-16BE code units."""
    return "".join(s.decode("utf-16-be", errors="replace") for s in pdf_strings(data))


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


# --- the report, drawn from fixed data -----------------------------------------------------------

KPIS = files.ReportKpis(submitted=12, registered=9, due=8, on_time=6, rated=3, satisfied=2,
                        done=1)


def report(motions: tuple[files.ReportMotion, ...] = ()) -> files.HandlingReport:
    return files.HandlingReport(school="湖滨小学", term=6, meeting=3, year=2026,
                                prepared_on=dt.date(2026, 11, 25), kpis=KPIS, motions=motions)


def a_motion(n: int, **changes) -> files.ReportMotion:
    values = dict(number=f"2026SCH1TA{n:03d}", title=f"关于改善教师午餐的提案{n}",
                  proposer="张一", department="总务处", state="implementing",
                  extent="planned", reply="已列入明年预算，食堂将延长供餐时间。",
                  rating="satisfied", progress=40)
    values.update(changes)
    return files.ReportMotion(**values)


def test_percent_rounds_half_up_to_one_decimal():
    assert files.percent(Fraction(2, 3)) == "66.7%"
    assert files.percent(Fraction(1, 8)) == "12.5%"
    assert files.percent(Fraction(1, 2000)) == "0.1%"
    assert files.percent(Fraction(1, 1)) == "100.0%"
    assert files.percent(Fraction(0, 5)) == "0.0%"
    assert files.percent(None) == "—"


def test_report_renders_title_kpis_and_motions_in_chinese():
    pdf = files.render_handling_report(report((a_motion(1), a_motion(2, rating=None,
                                                                      extent=None, reply=None,
                                                                      department=None))))
    assert pdf.startswith(b"%PDF")
    assert b"/BaseFont /STSong-Light" in pdf and b"/UniGB-UCS2-H" in pdf
    # The content stream carries CID (UCS-2) codes: 提 = 63D0, 案 = 6848.
    assert any(bytes.fromhex("63d06848") in s for s in pdf_strings(pdf))
    text = pdf_text(pdf)
    for expected in ("提案办理情况报告", "湖滨小学第6届第3次教代会（2026年）",
                     "编制日期：2026-11-25",
                     "立案率", "75.0%", "9 / 12",          # 9 of 12 submitted registered
                     "按期答复率", "6 / 8",
                     "满意率", "66.7%", "2 / 3",
                     "落实率", "11.1%", "1 / 9",
                     "2026SCH1TA001", "关于改善教师午餐的提案1", "总务处", "列入计划",
                     "已列入明年预算", "满意", "40%（落实中）",
                     "尚未交办", "尚未答复", "尚未评价", "第 1 页"):
        assert expected in text, expected
    assert page_count(pdf) == 1


def test_report_in_english_and_without_motions():
    pdf = files.render_handling_report(report(), lang="en")
    text = pdf_text(pdf)
    assert "Report on the Handling of Motions" in text
    assert "Registration rate" in text and "75.0%" in text
    assert "No motion of this meeting was registered." in text


def test_report_shows_markup_literally_and_survives_odd_text():
    title = "<b>x</b> & <font color=red>y</font> [点我](javascript:alert(1))"
    odd = "控制\x00字符\x07与表情😀\r\n第二行\t制表"
    pdf = files.render_handling_report(report((a_motion(1, title=title, proposer=odd,
                                                        reply=odd),)))
    text = pdf_text(pdf)
    assert "<b>x</b> & <font color=red>y</font>" in text
    assert "[点我](javascript:alert(1))" in text


def test_report_pages_grow_with_motions_and_long_replies_split():
    one = page_count(files.render_handling_report(report((a_motion(1),))))
    many = files.render_handling_report(report(tuple(a_motion(n) for n in range(1, 201))))
    assert one == 1
    assert page_count(many) > 20
    assert "2026SCH1TA200" in pdf_text(many)
    # A reply longer than a page (no line breaks at all) still renders, across pages.
    long_reply = "答复内容很长" * 2000
    pdf = files.render_handling_report(report((a_motion(1, reply=long_reply),)))
    assert page_count(pdf) >= 3
    assert pdf_text(pdf).count("答复内容很长") >= 1900   # minus the odd one cut at a line end


def test_reply_pieces_keep_lines_and_cap_length():
    assert files._pieces("甲\n乙") == ["甲\n乙"]
    assert files._pieces("") == []
    assert [len(p) for p in files._pieces("字" * 950, size=400)] == [400, 400, 150]
    assert files._pieces("一二三\n四五六\n七八", size=7) == ["一二三\n四五六", "七八"]


# --- the report, gathered from the database ------------------------------------------------------

def test_handling_report_gathers_registered_motions_with_accepted_replies(session, c):
    m1 = add_motion(session, c, 1, title="增加教师午休室",
                    lead_department_id=c.departments["总务处"],
                    extent="planned", rating="satisfied", progress=40,
                    assigned_on=dt.date(2026, 4, 1), deadline=dt.date(2026, 5, 1),
                    replied_on=dt.date(2026, 4, 20))
    add_motion(session, c, 2, state="handling", lead_department_id=c.departments["教务处"],
               assigned_on=dt.date(2026, 4, 1), deadline=dt.date(2026, 5, 1))
    add_motion(session, c, None, state="submitted", title="未立案的提案")
    add_motion(session, c, None, state="implementing", meeting=c.meeting_b, school=c.school_b,
               proposer="周七", title="别校的提案")
    for body, status, day in (("初稿答复", "sent_back", dt.date(2026, 4, 10)),
                              ("午休室将于暑期改造完成", "accepted", dt.date(2026, 4, 20))):
        session.add(MotionReply(motion_id=m1, department_id=c.departments["总务处"],
                                written_on=day, body=body, extent="planned", status=status))
    session.flush()

    found = files.handling_report(session, c.chair, meeting_id=c.meeting_a)
    assert (found.school, found.term, found.meeting, found.year) == ("湖滨小学", 6, 3, 2026)
    assert found.prepared_on == local_today()
    assert found.kpis.submitted == 3 and found.kpis.registered == 2
    assert [m.number for m in found.motions] == ["2026SCH1TA001", "2026SCH1TA002"]
    first, second = found.motions
    assert first == files.ReportMotion(
        number="2026SCH1TA001", title="增加教师午休室", proposer="张一", department="总务处",
        state="implementing", extent="planned", reply="午休室将于暑期改造完成",
        rating="satisfied", progress=40)
    assert (second.department, second.reply, second.extent) == ("教务处", None, None)
    assert files.handling_report_pdf(session, c.district, meeting_id=c.meeting_a,
                                     lang="en").startswith(b"%PDF")


@pytest.mark.parametrize("who", ["chair_b", "dept", "d1", "auditor"])
def test_report_and_template_refuse_others(session, c, who):
    for call in (files.handling_report_pdf, files.progress_template_xlsx):
        with pytest.raises(DomainError) as refused:
            call(session, getattr(c, who), meeting_id=c.meeting_a)
        assert refused.value.key == "error.forbidden"


def test_unknown_meeting_is_named(session, c):
    with pytest.raises(DomainError) as missing:
        files.handling_report_pdf(session, c.district, meeting_id=c.meeting_a + 999)
    assert missing.value.key == "motion.files.error.no_meeting"


# --- the register --------------------------------------------------------------------------------

def register_world(session, c: Congress) -> None:
    m1 = add_motion(session, c, 1, title=EVIL_TITLE, category="welfare",
                    lead_department_id=c.departments["教务处"], deadline=dt.date(2026, 11, 25),
                    assigned_on=dt.date(2026, 10, 26), extent="planned", rating="satisfied",
                    progress=40)
    add_motion(session, c, 2, state="assigned", proposer="李二", title="+食堂\x01延长供餐",
               lead_department_id=c.departments["总务处"], deadline=dt.date(2026, 12, 1),
               assigned_on=dt.date(2026, 11, 1))
    add_motion(session, c, None, state="registered", meeting=c.meeting_b, school=c.school_b,
               proposer="周七", title="别校的提案")
    for name, status in (("李二", "signed"), ("王三", "signed"), ("赵四", "declined")):
        session.add(MotionCosigner(motion_id=m1, staff_id=c.staff[name], status=status))
    session.flush()


def test_register_lists_filtered_motions_formula_safe(session, c):
    register_world(session, c)
    data = files.register_xlsx(session, c.chair, filters=MotionFilter(meeting_id=c.meeting_a))
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.title == "提案登记表"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ZH_HEADER
    assert rows[1:] == [
        ["2026SCH1TA001", "'=cmd|' /C calc'!A0", "张一", "李二、王三", "福利待遇", "落实中",
         "教务处", dt.datetime(2026, 11, 25), "列入计划", "满意", 40],
        ["2026SCH1TA002", "'+食堂延长供餐", "李二", None, None, "已交办", "总务处",
         dt.datetime(2026, 12, 1), None, None, None],
    ]
    assert sheet["H2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].data_type == "s"          # text, never a formula


def test_register_in_english_and_scoped(session, c):
    register_world(session, c)
    rows = sheet_rows(files.register_xlsx(session, c.district, filters=MotionFilter(),
                                          lang="en"))
    assert rows[0] == EN_HEADER
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {"'=cmd|' /C calc'!A0", "'+食堂延长供餐", "别校的提案"}
    assert by_title["'=cmd|' /C calc'!A0"][3:6] == ["李二, 王三", "Welfare", "Implementing"]
    assert by_title["别校的提案"][:3] == [None, "别校的提案", "周七"]
    assert by_title["别校的提案"][5] == "Registered"
    only_a = sheet_rows(files.register_xlsx(session, c.chair, filters=MotionFilter()))
    assert "别校的提案" not in {row[1] for row in only_a}
    for who, filters in (("chair", MotionFilter(meeting_id=c.meeting_b)),
                         ("chair", MotionFilter(school_id=c.school_b)),
                         ("dept", MotionFilter()), ("d1", MotionFilter())):
        with pytest.raises(DomainError) as refused:
            files.register_xlsx(session, getattr(c, who), filters=filters)
        assert refused.value.key == "error.forbidden"


# --- the progress template -----------------------------------------------------------------------

def test_template_lists_only_implementing_motions_of_the_meeting(session, c):
    add_motion(session, c, 2, title="=HYPERLINK(\"x\")", progress=30)
    add_motion(session, c, 1, progress=0)
    add_motion(session, c, 3, state="done", progress=100)
    add_motion(session, c, None, meeting=c.meeting_b, school=c.school_b, proposer="周七")
    ids = dict(session.execute(select(Motion.number, Motion.id)).all())
    data = files.progress_template_xlsx(session, c.district, meeting_id=c.meeting_a)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["落实进度", "填写说明"]
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows == [SHEET_HEADER,
                    [ids["2026SCH1TA001"], "2026SCH1TA001", "提案1", 0, None, None, None],
                    [ids["2026SCH1TA002"], "2026SCH1TA002", "'=HYPERLINK(\"x\")", 30, None,
                     None, None]]
    en = sheet_rows(files.progress_template_xlsx(session, c.chair, meeting_id=c.meeting_a,
                                                 lang="en"))
    assert en[0] == ["ID", "No.", "Title", "Current progress", "New progress", "Note", "Date"]


# --- the progress import -------------------------------------------------------------------------

def milestones(session) -> int:
    return session.scalar(select(func.count()).select_from(MotionMilestone)) or 0


def test_a_good_sheet_applies_every_row(session, c):
    m1 = add_motion(session, c, 1, progress=10)
    m2 = add_motion(session, c, 2, progress=20)
    m3 = add_motion(session, c, 3, progress=30)
    template = files.progress_template_xlsx(session, c.chair, meeting_id=c.meeting_a)
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    sheet["E2"], sheet["F2"], sheet["G2"] = 60, "完成方案设计", dt.date(2026, 11, 20)
    sheet["E3"], sheet["F3"] = "100%", "  已全部完成  "         # date left empty: today
    out = io.BytesIO()
    book.save(out)                                           # row 4 (m3) not filled: skipped

    result = files.import_progress(session, c.chair, meeting_id=c.meeting_a,
                                   data=out.getvalue())
    assert result == files.ProgressImport(count=2)
    assert [session.get(Motion, m).progress for m in (m1, m2, m3)] == [60, 100, 30]
    rows = session.execute(select(MotionMilestone.motion_id, MotionMilestone.progress,
                                  MotionMilestone.note, MotionMilestone.happened_on)
                           .order_by(MotionMilestone.id)).all()
    assert rows == [(m1, 60, "完成方案设计", dt.date(2026, 11, 20)),
                    (m2, 100, "已全部完成", local_today())]


def test_english_headers_are_read_too(session, c):
    m1 = add_motion(session, c, 1)
    data = filled([[m1, None, None, None, 5, "started", "2026-12-01"]],
                  header=["ID", "No.", "Title", "Current progress", "New progress", "Note",
                          "Date"])
    assert files.import_progress(session, c.chair, meeting_id=c.meeting_a,
                                 data=data).count == 1
    assert session.get(Motion, m1).progress == 5


def test_a_mixed_sheet_applies_nothing_and_names_every_bad_row(session, c):
    good = add_motion(session, c, 1, progress=10)
    handling = add_motion(session, c, 2, state="handling")
    other = add_motion(session, c, None, meeting=c.meeting_b, school=c.school_b,
                       proposer="周七")
    tomorrow = local_today() + dt.timedelta(days=1)
    data = filled([
        [good, "2026SCH1TA001", "提案1", 10, 50, "方案已定", dt.date(2026, 11, 1)],  # row 2 ok
        [handling, None, None, None, 50, "说明", None],                          # 3
        [other, None, None, None, 50, "说明", None],                             # 4
        [good, "2026SCH1TA009", None, None, 101, "", "2026-13-01"],              # 5
        [None, None, None, None, 50, "说明", None],                              # 6
        ["abc", None, None, None, 12.5, "说" * 501, tomorrow],                   # 7
        [good, None, None, None, None, None, None],                              # 8 blank: skip
    ])
    with pytest.raises(files.ProgressImportError) as refused:
        files.import_progress(session, c.chair, meeting_id=c.meeting_a, data=data)
    error = refused.value
    assert isinstance(error, DomainError)
    p = "motion.progress_import.problem"
    assert [(x.row, x.key, x.params) for x in error.problems] == [
        (3, f"{p}.not_implementing", {"number": "2026SCH1TA002",
                                      "state_key": "motion.state.handling"}),
        (4, f"{p}.not_in_meeting", {"id": other}),
        (5, f"{p}.number_mismatch", {"value": "2026SCH1TA009", "id": good,
                                     "number": "2026SCH1TA001"}),
        (5, f"{p}.duplicate", {"id": good, "first": 2}),
        (5, f"{p}.progress_invalid", {"value": "101"}),
        (5, f"{p}.note_missing", {}),
        (5, f"{p}.date_invalid", {"value": "2026-13-01"}),
        (6, f"{p}.id_missing", {}),
        (7, f"{p}.id_invalid", {"value": "abc"}),
        (7, f"{p}.progress_invalid", {"value": "12.5"}),
        (7, f"{p}.note_too_long", {"limit": 500, "length": 501}),
        (7, f"{p}.date_future", {"date": tomorrow.isoformat()}),
    ]
    assert error.message().split("\n") == [
        "进度表有 5 行有问题，未导入任何进度：",
        "第 3 行：提案 2026SCH1TA002 当前为「办理中」，不在落实中",
        f"第 4 行：ID {other} 不是本次教代会的提案",
        f"第 5 行：编号「2026SCH1TA009」与 ID {good} 的提案编号 2026SCH1TA001 不符；"
        f"ID {good} 已在第 2 行出现；新进度须为 0 到 100 的整数（填写的是「101」）；缺少说明；"
        "日期「2026-13-01」无法识别，请写成 2026-11-25",
        "第 6 行：缺少 ID",
        "第 7 行：ID「abc」无效；新进度须为 0 到 100 的整数（填写的是「12.5」）；"
        f"说明超过 500 字（501 字）；日期 {tomorrow.isoformat()} 晚于今天",
    ]
    assert error.message("en").split("\n")[:2] == [
        "5 rows of the sheet have problems; nothing was imported:",
        'Row 3: motion 2026SCH1TA002 is "Handling", not being implemented']
    assert milestones(session) == 0
    assert session.get(Motion, good).progress == 10


def test_the_message_lists_twenty_rows_and_counts_the_rest(session, c):
    m1 = add_motion(session, c, 1)
    data = filled([[m1, None, None, None, 200 + n, "说明", None] for n in range(25)])
    with pytest.raises(files.ProgressImportError) as refused:
        files.import_progress(session, c.chair, meeting_id=c.meeting_a, data=data)
    lines = refused.value.message().split("\n")
    assert lines[0] == "进度表有 25 行有问题，未导入任何进度："
    assert lines[1] == "第 2 行：新进度须为 0 到 100 的整数（填写的是「200」）"
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "……另有 5 行有问题"
    assert len(refused.value.problems) == 49      # 25 bad progress + 24 duplicates
    en = refused.value.message("en").split("\n")
    assert en[1] == 'Row 2: New progress must be a whole number from 0 to 100 (found "200")'
    assert en[-1] == "… and 5 more rows with problems"


def test_a_refusal_while_applying_undoes_the_rows_before(session, c, monkeypatch):
    m1, m2 = add_motion(session, c, 1), add_motion(session, c, 2)
    real = motions.record_progress
    calls: list[int] = []

    def flaky(session, actor, *, motion_id, **kwargs):
        calls.append(motion_id)
        if motion_id == m2:
            raise DomainError("motion.error.changed_meanwhile")
        return real(session, actor, motion_id=motion_id, **kwargs)

    monkeypatch.setattr(motions, "record_progress", flaky)
    data = filled([[m1, None, None, None, 50, "甲", None], [m2, None, None, None, 60, "乙", None]])
    with pytest.raises(files.ProgressImportError) as refused:
        files.import_progress(session, c.chair, meeting_id=c.meeting_a, data=data)
    assert calls == [m1, m2]
    assert [(p.row, p.key) for p in refused.value.problems] == [
        (3, "motion.error.changed_meanwhile")]
    assert milestones(session) == 0
    assert session.get(Motion, m1).progress == 0


@pytest.mark.parametrize(("data", "key"), [
    (b"id,progress\n1,50\n", "not_xlsx"),
    (b"PK\x03\x04 not really a zip", "unreadable"),
    (None, "no_header"),                      # an empty workbook
    ("header", "empty"),                      # the header and nothing filled in
])
def test_files_that_cannot_be_used_are_refused_with_a_reason(session, c, data, key):
    add_motion(session, c, 1)
    if data is None:
        book = Workbook()
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    elif data == "header":
        data = files.progress_template_xlsx(session, c.chair, meeting_id=c.meeting_a)
    with pytest.raises(DomainError) as refused:
        files.import_progress(session, c.chair, meeting_id=c.meeting_a, data=data)
    assert refused.value.key == f"motion.progress_import.error.{key}"


def test_too_many_rows_are_refused(session, c):
    m1 = add_motion(session, c, 1)
    data = filled([[m1, None, None, None, 1, "说明", None]] * (files.MAX_SHEET_ROWS + 1))
    with pytest.raises(DomainError) as refused:
        files.import_progress(session, c.chair, meeting_id=c.meeting_a, data=data)
    assert refused.value.key == "motion.progress_import.error.too_many_rows"
    assert refused.value.params == {"limit": 5000}


@pytest.mark.parametrize("who", ["district", "chair_b", "dept", "d1"])
def test_only_the_schools_chair_imports(session, c, who):
    m1 = add_motion(session, c, 1)
    data = filled([[m1, None, None, None, 50, "说明", None]])
    with pytest.raises(DomainError) as refused:
        files.import_progress(session, getattr(c, who), meeting_id=c.meeting_a, data=data)
    assert refused.value.key == "error.forbidden"
    assert milestones(session) == 0
