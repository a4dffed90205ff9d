"""Files around congress motions: the motion register (提案登记表) as Excel, the 提案办理情况报告
of a meeting as PDF, and the bulk progress update (template and import, all or nothing).

Exports are read-only and scope-checked: the chair of the meeting's school or the district
admin. Every label comes from the catalogue (Chinese by default, as these are the union's
documents); every text cell goes through `safe_cell` so a title such as "=cmd" stays text.
The report is gathered into plain dataclasses (`handling_report`) and drawn by a pure function
of them (`render_handling_report`), so its layout is tested on fixed data.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CongressTerm, Department, School, Staff
from db.motions import CongressMeeting, Motion, MotionCosigner, MotionReply
from services import motion_queries, motions
from services.actor import Actor, require_role
from services.clock import local_today
from services.errors import DomainError
from services.formatting import FORMULA_PREFIXES, safe_cell
from services.fund_import import read_date
from services.i18n import DEFAULT_LANG, LANGUAGES, label, t
from services.motion_queries import MotionFilter
from services.pdf import (
    RULE,
    a4_document,
    chinese_font,
    markup,
    page_footer,
    paragraph_style,
    plain,
)
from services.xlsx import header_sheet, plain_value, uploaded_sheet

EXPORTERS = ("district_admin", "school_chair")
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = '0"%"'          # progress is stored as 0..100, shown as 60%
ID_CHUNK = 900                   # ids per IN (...): well under every backend's limit
PROGRESS_SHOWN_FROM = ("implementing", "done", "deferred")

REGISTER_COLUMNS = ("number", "title", "proposer", "cosigners", "category", "state",
                    "department", "deadline", "extent", "rating", "progress")
REGISTER_WIDTHS = (18, 40, 10, 24, 10, 10, 14, 12, 14, 10, 10)

SHEET_COLUMNS = ("id", "number", "title", "current", "progress", "note", "date")
SHEET_REQUIRED = ("id", "progress", "note")     # a sheet without these cannot be matched
SHEET_FILLED = ("progress", "note", "date")     # a row with none of these is left alone
SHEET_WIDTHS = (8, 18, 40, 10, 10, 50, 12)
MAX_SHEET_ROWS = 5_000
MAX_NOTE = 500
MAX_SHOWN_ROWS = 20              # bad rows listed in the message; `problems` holds them all
HEADER_SCAN_ROWS = 5             # a title row above the header is tolerated


# --- Small helpers ------------------------------------------------------------------------------

def _text(value: object) -> object:
    """An export cell: characters openpyxl refuses removed, formulas neutralised; "" → empty."""
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value)) or None
    return value


def _unsafe(value: str) -> str:
    """Undo safe_cell on a value read back from our own template."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _formatted(sheet: WriteOnlyWorksheet, value: object, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start:start + ID_CHUNK]


def _require_meeting(session: Session, actor: Actor, meeting_id: int,
                     roles: Sequence[str] = EXPORTERS) -> CongressMeeting:
    """The meeting, if the actor is the chair of its school (or, where allowed, the district
    admin); anyone else gets error.forbidden."""
    require_role(actor, *roles)
    meeting = session.get(CongressMeeting, meeting_id)
    if meeting is None:
        raise DomainError("motion.files.error.no_meeting")
    if not ("district_admin" in roles and actor.has("district_admin")) \
            and meeting.school_id not in actor.school_ids("school_chair"):
        raise DomainError("error.forbidden")
    return meeting


def _chair_schools(actor: Actor) -> frozenset[int] | None:
    """Schools whose motions the actor may export; None for all (the district admin)."""
    return None if actor.has("district_admin") else actor.school_ids("school_chair")


# --- The motion register ------------------------------------------------------------------------

def _school_ids(session: Session, ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(ids):
        found.update((motion_id, school_id) for motion_id, school_id in session.execute(
            select(Motion.id, Motion.school_id).where(Motion.id.in_(chunk))))
    return found


def _cosigners(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """Signed co-signers per motion, in the order they signed."""
    names: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for motion_id, name in session.execute(
                select(MotionCosigner.motion_id, Staff.name)
                .join(Staff, Staff.id == MotionCosigner.staff_id)
                .where(MotionCosigner.motion_id.in_(chunk),
                       MotionCosigner.status == "signed")
                .order_by(MotionCosigner.motion_id, MotionCosigner.signed_at,
                          MotionCosigner.id)):
            names.setdefault(motion_id, []).append(name)
    return names


def _label(prefix: str, code: str | None, lang: str) -> str:
    return "" if not code else label(f"{prefix}.{code}", code, lang)


def register_xlsx(session: Session, actor: Actor, *, filters: MotionFilter,
                  lang: str = DEFAULT_LANG) -> bytes:
    """提案登记表 of the motions the current filters select (motion_queries.all_motions, in
    its order), one row each, headers in the reader's language, deadlines as date cells."""
    require_role(actor, *EXPORTERS)
    if filters.meeting_id is not None:
        _require_meeting(session, actor, filters.meeting_id)
    schools = _chair_schools(actor)
    if filters.school_id is not None and schools is not None \
            and filters.school_id not in schools:
        raise DomainError("error.forbidden")
    frame = motion_queries.all_motions(session, actor, filters=filters, lang=lang)
    ids = [int(i) for i in frame["id"]]
    school_of, cosigners = _school_ids(session, ids), _cosigners(session, ids)

    book = Workbook(write_only=True)
    sheet = header_sheet(book, t("motion.register.sheet", lang),
                         [t(f"motion.register.col.{c}", lang) for c in REGISTER_COLUMNS],
                         REGISTER_WIDTHS)
    separator = t("motion.register.separator", lang)
    columns = ["id", "number", "title", "proposer", "category", "state", "department",
               "deadline", "extent", "rating", "progress"]
    for values in frame[columns].itertuples(index=False, name=None):
        (motion_id, number, title, proposer, category, state, department, deadline, extent,
         rating, progress) = (plain_value(v) for v in values)
        if schools is not None and school_of.get(motion_id) not in schools:
            continue   # a chair who also reads as delegate or department: their school only
        progress = int(progress or 0)
        shows_progress = progress > 0 or state in PROGRESS_SHOWN_FROM
        sheet.append([
            _text(number or ""), _text(title), _text(proposer),
            _text(separator.join(cosigners.get(motion_id, []))),
            _text(_label("motion.category", category, lang)),
            _text(_label("motion.state", state, lang)),
            _text(department or ""),
            _formatted(sheet, deadline, DATE_FORMAT),
            _text(_label("motion.extent", extent, lang)),
            _text(_label("motion.rating", rating, lang)),
            _formatted(sheet, progress if shows_progress else None, PERCENT_FORMAT),
        ])
    return _save(book)


# --- The handling report: data ------------------------------------------------------------------

@dataclass(frozen=True)
class ReportKpis:
    """The counts behind the four rates, as services.motion_queries.kpis defines them."""

    submitted: int      # reached 待审查
    registered: int     # got a number (立案)
    due: int            # assigned and replied, or past the deadline
    on_time: int        # of those, replied by the deadline
    rated: int          # with a rating (the latest counts)
    satisfied: int      # latest rating 满意 or 基本满意
    done: int           # 已落实


@dataclass(frozen=True)
class ReportMotion:
    number: str
    title: str
    proposer: str
    department: str | None
    state: str
    extent: str | None      # of the accepted reply shown
    reply: str | None       # the latest reply the committee accepted
    rating: str | None      # the latest rating
    progress: int


@dataclass(frozen=True)
class HandlingReport:
    school: str
    term: int
    meeting: int
    year: int
    prepared_on: dt.date
    kpis: ReportKpis
    motions: tuple[ReportMotion, ...] = field(default_factory=tuple)


def handling_report(session: Session, actor: Actor, *, meeting_id: int) -> HandlingReport:
    """What the report of one meeting says: its KPIs and every registered motion (numbered),
    by number, with the accepted reply, the department, the satisfaction and the progress."""
    meeting = _require_meeting(session, actor, meeting_id)
    school = session.scalar(select(School.name).where(School.id == meeting.school_id)) or ""
    term = session.scalar(select(CongressTerm.number)
                          .where(CongressTerm.id == meeting.term_id)) or 0
    found = motion_queries.kpis(session, actor, meeting_id=meeting_id)
    counts = ReportKpis(submitted=found.submitted, registered=found.registered, due=found.due,
                        on_time=found.on_time, rated=found.rated, satisfied=found.satisfied,
                        done=found.done)
    rows = session.execute(
        select(Motion.id, Motion.number, Motion.title, Staff.name, Department.name,
               Motion.state, Motion.rating, Motion.progress)
        .join(Staff, Staff.id == Motion.proposer_staff_id)
        .outerjoin(Department, Department.id == Motion.lead_department_id)
        .where(Motion.meeting_id == meeting_id, Motion.number.is_not(None))
        .order_by(Motion.number)).all()
    replies: dict[int, tuple[str, str]] = {}
    for motion_id, body, extent in session.execute(
            select(MotionReply.motion_id, MotionReply.body, MotionReply.extent)
            .join(Motion, Motion.id == MotionReply.motion_id)
            .where(Motion.meeting_id == meeting_id, MotionReply.status == "accepted")
            .order_by(MotionReply.written_on, MotionReply.id)):
        replies[motion_id] = (body, extent)   # ordered: the latest accepted one stays
    listed = tuple(
        ReportMotion(number=number or "", title=title, proposer=proposer,
                     department=department, state=state,
                     extent=replies[mid][1] if mid in replies else None,
                     reply=replies[mid][0] if mid in replies else None,
                     rating=rating, progress=progress)
        for mid, number, title, proposer, department, state, rating, progress in rows)
    return HandlingReport(school=school, term=term, meeting=meeting.number, year=meeting.year,
                          prepared_on=local_today(), kpis=counts, motions=listed)


# --- The handling report: drawing ---------------------------------------------------------------

REPLY_CHUNK = 400        # characters per table row: no row may outgrow a page


def _pieces(text: str, size: int = REPLY_CHUNK) -> list[str]:
    """Long text cut into pieces of at most `size` characters, at line breaks where possible,
    so a reply of any length splits across pages row by row."""
    pieces: list[str] = []
    current = ""
    for line in plain(text).strip().split("\n"):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        if current and len(current) + 1 + len(line) > size:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*pieces, current] if current else pieces


def percent(rate: Fraction | None) -> str:
    """66.7%: one decimal, halves rounded up; "—" when there is nothing to divide by."""
    if rate is None:
        return "—"
    value = (Decimal(rate.numerator * 100) / Decimal(rate.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def _rate(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator else None


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    label: ParagraphStyle


def _styles() -> _Styles:
    style = paragraph_style   # in the CID font, wrapping Chinese anywhere
    return _Styles(
        title=style("title", 20, alignment=TA_CENTER, spaceAfter=6),
        subtitle=style("subtitle", 12, alignment=TA_CENTER, spaceAfter=2),
        heading=style("heading", 13, spaceBefore=10, spaceAfter=6),
        body=style("body", 10),
        cell=style("cell", 9),
        label=style("label", 9, textColor=colors.HexColor("#333333")),
    )


def _grid(extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    return TableStyle([
        ("FONT", (0, 0), (-1, -1), chinese_font(), 9),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *extra,
    ])


def _kpi_table(kpis: ReportKpis, styles: _Styles, width: float, lang: str) -> Table:
    def cell(text: str) -> Paragraph:
        return Paragraph(markup(text), styles.cell)

    lines = (("registration", kpis.registered, kpis.submitted),
             ("on_time", kpis.on_time, kpis.due),
             ("satisfaction", kpis.satisfied, kpis.rated),
             ("done", kpis.done, kpis.registered))
    data = [[cell(t(f"motion.report.kpi.col.{c}", lang))
             for c in ("name", "rate", "count", "rule")]]
    data += [[cell(t(f"motion.report.kpi.{name}", lang)), cell(percent(_rate(num, den))),
              cell(f"{num} / {den}"), cell(t(f"motion.report.kpi.{name}_rule", lang))]
             for name, num, den in lines]
    widths = [width * 0.18, width * 0.14, width * 0.16, width * 0.52]
    return Table(data, colWidths=widths, repeatRows=1, style=_grid(
        [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE"))]))


def _motion_table(motion: ReportMotion, styles: _Styles, width: float, lang: str) -> Table:
    def row(key: str, text: str) -> list[Paragraph]:
        return [Paragraph(markup(t(key, lang)), styles.label),
                Paragraph(markup(text), styles.cell)]

    col = "motion.register.col"
    state = _label("motion.state", motion.state, lang)
    data = [row(f"{col}.number", motion.number), row(f"{col}.title", motion.title),
            row(f"{col}.proposer", motion.proposer),
            row(f"{col}.department",
                motion.department or t("motion.report.no_department", lang)),
            row(f"{col}.extent", _label("motion.extent", motion.extent, lang)
                or t("motion.report.no_reply", lang))]
    pieces = _pieces(motion.reply or "")
    for index, piece in enumerate(pieces):
        data.append(row("motion.report.field.reply", piece) if index == 0
                    else [Paragraph("", styles.label), Paragraph(markup(piece), styles.cell)])
    data += [row(f"{col}.rating", _label("motion.rating", motion.rating, lang)
                 or t("motion.report.not_rated", lang)),
             row(f"{col}.progress", t("motion.report.progress", lang,
                                      progress=motion.progress, state=state))]
    first, last = 5, 5 + len(pieces) - 1     # the reply's rows, read as one cell
    rules: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), chinese_font(), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("LINEAFTER", (0, 0), (0, -1), 0.5, RULE),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#E4E4E4")),
        ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 0.5, RULE),
    ]
    rules += [("LINEBELOW", (0, r), (-1, r), 0.5, RULE)
              for r in range(len(data) - 1) if not first <= r < last]
    # Split across pages, a motion's number and title head its every part.
    return Table(data, colWidths=[width * 0.16, width * 0.84], repeatRows=2,
                 style=TableStyle(rules))


def render_handling_report(report: HandlingReport, lang: str = DEFAULT_LANG) -> bytes:
    """The 提案办理情况报告 as an A4 PDF: title, the four KPIs with their counts, then one table
    per motion. User text is escaped (shown literally) and wrapped; long replies split across
    pages; the CID font STSong-Light renders Chinese with no font file."""
    styles = _styles()
    buffer = io.BytesIO()
    title = t("motion.report.title", lang)
    doc = a4_document(buffer, title=title, author=report.school)
    width = doc.width
    meeting = t("motion.report.meeting", lang, school=plain(report.school), term=report.term,
                meeting=report.meeting, year=report.year)
    story: list[Flowable] = [
        Paragraph(markup(title), styles.title),
        Paragraph(markup(meeting), styles.subtitle),
        Paragraph(markup(t("motion.report.prepared", lang,
                           date=report.prepared_on.isoformat())), styles.subtitle),
        Paragraph(markup(t("motion.report.kpis", lang)), styles.heading),
        _kpi_table(report.kpis, styles, width, lang),
        Paragraph(markup(t("motion.report.motions", lang)), styles.heading),
    ]
    if not report.motions:
        story.append(Paragraph(markup(t("motion.report.none", lang)), styles.body))
    for motion in report.motions:
        story += [_motion_table(motion, styles, width, lang), Spacer(1, 8)]

    footer = page_footer(lambda page: t("motion.report.page", lang, page=page))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def handling_report_pdf(session: Session, actor: Actor, *, meeting_id: int,
                        lang: str = DEFAULT_LANG) -> bytes:
    """The 提案办理情况报告 of a meeting, for the chair of its school or the district admin."""
    return render_handling_report(handling_report(session, actor, meeting_id=meeting_id), lang)


# --- Bulk progress: the template ----------------------------------------------------------------

def progress_template_xlsx(session: Session, actor: Actor, *, meeting_id: int,
                           lang: str = DEFAULT_LANG) -> bytes:
    """One row per motion of the meeting being implemented (id, number, title, current
    progress), with empty new progress, note and date columns to fill in offline."""
    _require_meeting(session, actor, meeting_id)
    rows = session.execute(
        select(Motion.id, Motion.number, Motion.title, Motion.progress)
        .where(Motion.meeting_id == meeting_id, Motion.state == "implementing")
        .order_by(Motion.number, Motion.id)).all()
    book = Workbook(write_only=True)
    sheet = header_sheet(book, t("motion.progress_sheet.title", lang),
                         [t(f"motion.progress_sheet.col.{c}", lang) for c in SHEET_COLUMNS],
                         SHEET_WIDTHS)
    for motion_id, number, title, progress in rows:
        sheet.append([motion_id, _text(number or ""), _text(title),
                      _formatted(sheet, progress, PERCENT_FORMAT), None, None,
                      _formatted(sheet, None, DATE_FORMAT)])
    help_sheet = book.create_sheet(t("motion.progress_sheet.help_title", lang)[:31])
    help_sheet.column_dimensions["A"].width = 100
    for key in ("rows", "progress", "note", "date", "all_or_nothing"):
        cell = WriteOnlyCell(help_sheet, value=_text(t(f"motion.progress_sheet.help.{key}",
                                                       lang)))
        cell.alignment = Alignment(wrap_text=True)
        help_sheet.append([cell])
    return _save(book)


# --- Bulk progress: the import ------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressProblem:
    """One reason a row was refused; `message(lang)` renders it (a `*_key` param is itself a
    catalogue key, as in DomainError)."""

    row: int                 # the row number Excel shows
    key: str
    params: dict[str, Any]

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return DomainError(self.key, **self.params).message(lang)


@dataclass(frozen=True)
class ProgressImport:
    count: int               # progress updates applied


class ProgressImportError(DomainError):
    """The sheet was refused: every bad row with its reasons in `problems`, the first 20 rows
    in the message, so one corrected upload goes through."""

    def __init__(self, problems: Sequence[ProgressProblem]) -> None:
        self.problems = list(problems)
        super().__init__("motion.progress_import.error.rows",
                         count=len({p.row for p in self.problems}),
                         rows=self._lines(DEFAULT_LANG))

    def _lines(self, lang: str) -> str:
        by_row: dict[int, list[str]] = {}
        for problem in self.problems:
            by_row.setdefault(problem.row, []).append(problem.message(lang))
        separator = t("motion.progress_import.separator", lang)
        lines = [t("motion.progress_import.row_line", lang, row=row,
                   reasons=separator.join(reasons))
                 for row, reasons in sorted(by_row.items())]
        shown = lines[:MAX_SHOWN_ROWS]
        if len(lines) > MAX_SHOWN_ROWS:
            shown.append(t("motion.progress_import.error.more", lang,
                           count=len(lines) - MAX_SHOWN_ROWS))
        return "\n".join(shown)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.key, lang, count=self.params["count"], rows=self._lines(lang))


@dataclass(frozen=True)
class _Update:
    row: int
    motion_id: int
    progress: int
    note: str
    day: dt.date


def _normal(value: object) -> str:
    """A header compared loosely: full-width forms folded, spaces dropped, case ignored."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return re.sub(r"\s+", "", text).casefold()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return "" if value is None else ILLEGAL_CHARACTERS_RE.sub("", str(value)).strip()[:40]


def _whole(value: object) -> int | None:
    """A whole number typed as a number, a whole float, or digits in text ("60", "60%")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("%").strip()
        if text.isdigit():
            return int(text)
    return None


def _header_map(cells: Sequence[object]) -> dict[str, int]:
    names = {_normal(t(f"motion.progress_sheet.col.{c}", lang)): c
             for lang in LANGUAGES for c in SHEET_COLUMNS}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = names.get(_normal(cell))
        if column and column not in found:
            found[column] = index
    return found


def _sheet_rows(data: bytes) -> list[tuple[int, dict[str, object]]]:
    """(Excel row number, {column: cell}) of every row under the header with anything in it."""
    if not data.startswith(b"PK"):
        raise DomainError("motion.progress_import.error.not_xlsx")
    titles = {t("motion.progress_sheet.title", lang) for lang in LANGUAGES}
    unreadable = "motion.progress_import.error.unreadable"
    with uploaded_sheet(data, titles, unreadable=unreadable) as sheet:
        columns: dict[str, int] | None = None
        rows: list[tuple[int, dict[str, object]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if columns is None:
                found = _header_map(values)
                if all(c in found for c in SHEET_REQUIRED):
                    columns = found
                elif number >= HEADER_SCAN_ROWS:
                    break
                continue
            row = {c: values[i] if i < len(values) else None for c, i in columns.items()}
            if all(_blank(v) for v in row.values()):
                continue
            if len(rows) >= MAX_SHEET_ROWS:
                raise DomainError("motion.progress_import.error.too_many_rows",
                                  limit=MAX_SHEET_ROWS)
            rows.append((number, row))
    if columns is None:
        raise DomainError("motion.progress_import.error.no_header",
                          columns=t("motion.register.separator", DEFAULT_LANG).join(
                              t(f"motion.progress_sheet.col.{c}", DEFAULT_LANG)
                              for c in SHEET_REQUIRED))
    return rows


def _check_rows(rows: Sequence[tuple[int, dict[str, object]]],
                motions: dict[int, tuple[str, str | None]],
                today: dt.date) -> tuple[list[_Update], list[ProgressProblem]]:
    """Every row checked, every problem kept: the updates are good only if problems is empty."""
    updates: list[_Update] = []
    problems: list[ProgressProblem] = []
    first_seen: dict[int, int] = {}
    prefix = "motion.progress_import.problem"
    for number, row in rows:
        if all(_blank(row.get(c)) for c in SHEET_FILLED):
            continue   # a template row nobody filled in: no update for that motion
        before = len(problems)

        def problem(key: str, _row: int = number, **params: Any) -> None:
            problems.append(ProgressProblem(_row, f"{prefix}.{key}", params))

        motion_id = _whole(row.get("id"))
        if _blank(row.get("id")):
            problem("id_missing")
        elif motion_id is None:
            problem("id_invalid", value=_shown(row.get("id")))
        elif motion_id not in motions:
            problem("not_in_meeting", id=motion_id)
        else:
            state, motion_number = motions[motion_id]
            if state != "implementing":
                problem("not_implementing", number=motion_number or motion_id,
                        state_key=f"motion.state.{state}")
            typed = row.get("number")
            if not _blank(typed) and _unsafe(str(typed).strip()) != (motion_number or ""):
                problem("number_mismatch", value=_shown(typed), id=motion_id,
                        number=motion_number or "")
            if motion_id in first_seen:
                problem("duplicate", id=motion_id, first=first_seen[motion_id])
            else:
                first_seen[motion_id] = number

        progress = _whole(row.get("progress"))
        if _blank(row.get("progress")):
            problem("progress_missing")
        elif progress is None or not 0 <= progress <= 100:
            problem("progress_invalid", value=_shown(row.get("progress")))

        note = "" if row.get("note") is None else str(row["note"]).strip()
        if not note:
            problem("note_missing")
        elif len(note) > MAX_NOTE:
            problem("note_too_long", limit=MAX_NOTE, length=len(note))

        day: dt.date | None = today
        if not _blank(row.get("date")):
            try:
                day = read_date(row.get("date"))
            except DomainError:
                day = None
                problem("date_invalid", value=_shown(row.get("date")))
            if day is not None and day > today:
                problem("date_future", date=day.isoformat())

        if len(problems) == before and motion_id is not None and progress is not None \
                and day is not None:
            updates.append(_Update(number, motion_id, progress, note, day))
    return updates, problems


def import_progress(session: Session, actor: Actor, *, meeting_id: int,
                    data: bytes) -> ProgressImport:
    """Apply a filled progress sheet, all or nothing. Every row is checked first (a motion of
    this meeting being implemented, progress a whole number 0..100, a note of at most 500
    characters, a date not in the future; blank means today); any bad row refuses the whole
    sheet with ProgressImportError. Otherwise each row goes through motions.record_progress,
    inside one savepoint, and the caller commits."""
    # The committee's tool: record_progress also lets the lead department post one by one.
    _require_meeting(session, actor, meeting_id, roles=("school_chair",))
    rows = _sheet_rows(data)
    known = {motion_id: (state, number) for motion_id, state, number in session.execute(
        select(Motion.id, Motion.state, Motion.number).where(Motion.meeting_id == meeting_id))}
    updates, problems = _check_rows(rows, known, local_today())
    if problems:
        raise ProgressImportError(problems)
    if not updates:
        raise DomainError("motion.progress_import.error.empty")
    current = updates[0]
    try:
        with session.begin_nested():   # a refusal halfway undoes the rows before it
            for current in updates:
                motions.record_progress(session, actor, motion_id=current.motion_id,
                                        progress=current.progress, note=current.note,
                                        happened_on=current.day)
    except ProgressImportError:
        raise
    except DomainError as error:
        raise ProgressImportError([ProgressProblem(current.row, error.key,
                                                   dict(error.params))]) from None
    return ProgressImport(count=len(updates))
