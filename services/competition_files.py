"""Files around a competition: the Excel score sheet (template and import), the results and
honours workbooks, and the certificates as PDF.

Pure functions over bytes and the dataclasses of `services.competitions`: no database and no
Streamlit, so the page only uploads and downloads. Every label comes from the catalogue (`lang`
defaults to Chinese, as these are the union's documents); every text cell of an export goes
through `safe_cell` so a name such as "=cmd" never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from services.competitions import CompetitionResults, CompetitionView, GroupResults, ScoreRow
from services.errors import DomainError
from services.formatting import FORMULA_PREFIXES, safe_cell
from services.i18n import DEFAULT_LANG, LANGUAGES, label, t
from services.pdf import chinese_font
from services.xlsx import plain_value, uploaded_sheet

CENT = Decimal("0.01")
MAX_SHOWN_PROBLEMS = 20      # lines carried in the error message; sheet_problems has them all
MAX_SHEET_ROWS = 100_000     # far beyond any competition; stops a hostile file early
HEADER_SCAN_ROWS = 5         # a title row above the header is tolerated
SCORE_FORMAT = "0.00"

SHEET_COLUMNS = ("entrant_id", "entrant", "judge_id", "judge", "segment", "score")
RESULT_COLUMNS_BEFORE = ("rank", "name", "school")
RESULT_COLUMNS_AFTER = ("total", "award", "note")
HONOUR_COLUMNS = ("id", "year", "honour", "holder", "school", "level", "issuer")

Problem = tuple[int, str, dict[str, Any]]    # (row number, catalogue key, params incl. row)


# --- Small helpers ------------------------------------------------------------------------------

def _clean(value: str) -> str:
    """Text openpyxl accepts: its illegal control characters removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _text(value: object) -> object:
    """An export cell: illegal characters removed, formulas neutralised."""
    return safe_cell(_clean(value)) if isinstance(value, str) else value


def _unsafe(value: str) -> str:
    """Undo safe_cell on a label read back from our own template."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _number(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros, e.g. 100.00 → "100", 7.50 → "7.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _headers(ws: Worksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    ws.append([_text(title) for title in titles])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet title: at most 31 characters, none of []:*?/\\ ."""
    base = re.sub(r"[\[\]:*?/\\]", "_", _clean(name)).strip().strip("'")[:31] or "Sheet"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


# --- Score sheet template -------------------------------------------------------------------

def score_template(view: CompetitionView, lang: str = DEFAULT_LANG) -> bytes:
    """An .xlsx to fill in offline: one row per entrant, judge and segment, scores empty, so
    scorers only type numbers and the import can match every row by id."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(t("competition.sheet.title", lang), set())
    _headers(ws, [t(f"competition.sheet.col.{c}", lang) for c in SHEET_COLUMNS],
             (12, 28, 10, 28, 16, 10))
    for entrant_id, entrant in sorted(view.entrants.items()):
        for judge_id, judge in sorted(view.judges.items()):
            for segment in view.segments:
                ws.append([entrant_id, _text(entrant), judge_id, _text(judge),
                           _text(segment.name), None])
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=6):
        row[0].number_format = SCORE_FORMAT

    help_ws = wb.create_sheet(_sheet_title(t("competition.sheet.help_title", lang),
                                           {ws.title.casefold()}))
    help_ws.column_dimensions["A"].width = 90
    lines = [t("competition.sheet.help_intro", lang, competition=_clean(view.name))]
    lines += [t(f"competition.sheet.help.{c}", lang) for c in SHEET_COLUMNS]
    lines.append(t("competition.sheet.help_maxima", lang))
    lines += [t("competition.sheet.help_segment", lang, segment=_clean(s.name),
                maximum=_number(s.max_score)) for s in view.segments]
    lines.append(t("competition.sheet.help_rules", lang))
    for line in lines:
        help_ws.append([_text(line)])
    return _save(wb)


# --- Reading a filled score sheet -----------------------------------------------------------

def _header_variants() -> list[tuple[str, ...]]:
    return [tuple(t(f"competition.sheet.col.{c}", lang) for c in SHEET_COLUMNS)
            for lang in LANGUAGES]


def _is_header(cells: Sequence[object], variants: Sequence[tuple[str, ...]]) -> bool:
    found = tuple(str(c).strip() if c is not None else "" for c in cells[:len(SHEET_COLUMNS)])
    return found in variants


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_id(value: object) -> int | None:
    """An id typed as a number, a whole float, or digits in a text cell; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _as_score(value: object) -> Decimal | None:
    """The cell as an exact Decimal (floats through str, never float arithmetic); None when
    it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        score = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        return None
    return score if score.is_finite() else None


def _shown(value: object) -> str:
    return "" if value is None else _clean(str(value)).strip()[:40]


def _load_rows(data: bytes) -> Iterable[tuple[int, tuple[object, ...]]]:
    """(row number, first six cells) from the header down; unreadable → DomainError."""
    names = {t("competition.sheet.title", lang) for lang in LANGUAGES}
    with uploaded_sheet(data, names, unreadable="competition.error.sheet_unreadable") as ws:
        variants = _header_variants()
        width = len(SHEET_COLUMNS)
        rows: list[tuple[int, tuple[object, ...]]] = []
        seen_header = False
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = (tuple(values) + (None,) * width)[:width]
            if not seen_header:
                if _is_header(cells, variants):
                    seen_header = True
                elif number >= HEADER_SCAN_ROWS:
                    break
                continue
            if all(_blank(c) for c in cells):
                continue
            rows.append((number, cells))
            if len(rows) > MAX_SHEET_ROWS:
                raise DomainError("competition.error.sheet_too_large", limit=MAX_SHEET_ROWS)
    if not seen_header:
        raise DomainError("competition.error.sheet_unreadable")
    return rows


def _check(data: bytes, view: CompetitionView) -> tuple[list[ScoreRow], list[Problem]]:
    segments = {s.name.strip(): s for s in view.segments}
    first_seen: dict[tuple[int, int, int], int] = {}
    rows: list[ScoreRow] = []
    problems: list[Problem] = []

    def problem(row: int, key: str, **params: Any) -> None:
        problems.append((row, f"competition.sheet.problem.{key}", {"row": row, **params}))

    for number, (entrant_cell, _, judge_cell, _, segment_cell, score_cell) in _load_rows(data):
        before = len(problems)
        entrant_id = _as_id(entrant_cell)
        if entrant_id is None or entrant_id not in view.entrants:
            problem(number, "entrant", value=_shown(entrant_cell))
        judge_id = _as_id(judge_cell)
        if judge_id is None or judge_id not in view.judges:
            problem(number, "judge", value=_shown(judge_cell))
        segment_name = _unsafe(str(segment_cell).strip()) if segment_cell is not None else ""
        segment = segments.get(segment_name)
        if segment is None:
            problem(number, "segment", value=_shown(segment_cell))
        score = _as_score(score_cell)
        if _blank(score_cell):
            problem(number, "score_missing")
        elif score is None:
            problem(number, "score_not_number", value=_shown(score_cell))
        elif score < 0:
            problem(number, "score_negative", score=_number(score))
        elif segment is not None and score > segment.max_score:
            problem(number, "score_over", score=_number(score), segment=segment.name,
                    maximum=_number(segment.max_score))
        elif score != score.quantize(CENT):
            problem(number, "score_decimals", score=_shown(score_cell))
        if (len(problems) > before or entrant_id is None or judge_id is None
                or segment is None or score is None):
            continue
        key = (entrant_id, judge_id, segment.id)
        if key in first_seen:
            problem(number, "duplicate", first=first_seen[key])
            continue
        first_seen[key] = number
        rows.append(ScoreRow(entrant_id, judge_id, segment.id, score.quantize(CENT)))
    return rows, problems


def sheet_problems(data: bytes, view: CompetitionView) -> list[Problem]:
    """Every problem of an uploaded sheet as (row, key, params), so the page can show them in
    the reader's language; `t(key, lang, **params)` renders one. Unreadable → DomainError."""
    return _check(data, view)[1]


def read_score_sheet(data: bytes, view: CompetitionView) -> list[ScoreRow]:
    """The sheet's scores, all or nothing: any bad row refuses the whole file, with every
    problem counted and the first 20 listed, so one upload fixes them all."""
    rows, problems = _check(data, view)
    if problems:
        lines = [t(key, DEFAULT_LANG, **params) for _, key, params in problems]
        shown = lines[:MAX_SHOWN_PROBLEMS]
        if len(lines) > MAX_SHOWN_PROBLEMS:
            shown.append("…")
        raise DomainError("competition.error.sheet_rows", count=len(problems),
                          rows="\n".join(shown))
    if not rows:
        raise DomainError("competition.error.sheet_empty")
    return rows


# --- Results and honours workbooks ------------------------------------------------------------

def _award_name(view: CompetitionView, award: int | None) -> str:
    if award is None or not 1 <= award <= len(view.tiers):
        return ""
    return view.tiers[award - 1].name


def _entrant_name(results: CompetitionResults, view: CompetitionView, entrant_id: int) -> str:
    return results.names.get(entrant_id) or view.entrants.get(entrant_id, str(entrant_id))


def _group_sheet(ws: Worksheet, view: CompetitionView, results: CompetitionResults,
                 group: GroupResults, lang: str) -> None:
    segment_names = {s.id: s.name for s in view.segments}
    wide: dict[int, list[str]] = {}
    for entrant_id, segment_id in results.panels.wide_panels:
        wide.setdefault(entrant_id, []).append(segment_names.get(segment_id, str(segment_id)))
    titles = [t(f"competition.export.col.{c}", lang) for c in RESULT_COLUMNS_BEFORE]
    titles += [s.name for s in view.segments]
    titles += [t(f"competition.export.col.{c}", lang) for c in RESULT_COLUMNS_AFTER]
    _headers(ws, titles, (8, 14, 24, *(12 for _ in view.segments), 10, 12, 48))
    first_score, last_score = 4, 4 + len(view.segments)
    for result in group.results:
        notes = []
        if result.promoted:
            notes.append(t("competition.export.note.promoted", lang))
        if result.flagged:
            notes.append(t("competition.export.note.flagged", lang))
        notes += [t("competition.export.note.wide_panel", lang, segment=name)
                  for name in wide.get(result.entrant_id, [])]
        ws.append([
            result.rank,
            _text(_entrant_name(results, view, result.entrant_id)),
            _text(results.schools.get(result.entrant_id, "")),
            *(result.shown_segment(s.id) if s.id in result.segments else None
              for s in view.segments),
            result.final,
            _text(_award_name(view, result.award)),
            _text("；".join(notes)),
        ])
    for row in ws.iter_rows(min_row=2, min_col=first_score, max_col=last_score):
        for cell in row:
            cell.number_format = SCORE_FORMAT


def _rule_lines(view: CompetitionView, results: CompetitionResults, lang: str) -> list[str]:
    lines = [t("competition.export.rules.scoring", lang),
             t("competition.export.rules.ties", lang),
             t("competition.export.rules.awards", lang)]
    for group in results.groups:
        for tie in group.ties:
            params = {"group": group.group,
                      "first": _entrant_name(results, view, tie.first),
                      "second": _entrant_name(results, view, tie.second)}
            if tie.rule == "segment":
                lines.append(t("competition.export.tie.segment", lang,
                               segment=tie.segment or "", **params))
            elif tie.rule == "untrimmed":
                lines.append(t("competition.export.tie.untrimmed", lang, **params))
            else:
                lines.append(t("competition.export.tie.shared", lang, **params))
        for note in group.boundaries:
            lines.append(t("competition.export.boundary", lang, group=group.group,
                           award=note.name, cutoff=note.cutoff, places=note.places,
                           given=note.given, promoted=note.promoted,
                           below_min=note.below_min))
    return lines


def results_workbook(view: CompetitionView, results: CompetitionResults,
                     lang: str = DEFAULT_LANG) -> bytes:
    """The results as the union files them: a sheet per subject group, and the rules with
    every tie and cut-off explained, so a published ranking can be checked by anyone."""
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    taken: set[str] = set()
    rules_title = _sheet_title(t("competition.export.rules_title", lang), taken)
    for group in results.groups:
        ws = wb.create_sheet(_sheet_title(group.group, taken))
        _group_sheet(ws, view, results, group, lang)
    rules = wb.create_sheet(rules_title)
    rules.column_dimensions["A"].width = 100
    for line in _rule_lines(view, results, lang):
        rules.append([_text(line)])
        rules.cell(rules.max_row, 1).alignment = Alignment(wrap_text=True)
    return _save(wb)


def _plain(value: object) -> object:
    """A DataFrame value as an Excel cell: missing → empty, numpy scalars → Python."""
    value = plain_value(value)
    if value is None or isinstance(value, dt.datetime | dt.date | int | float | Decimal | bool):
        return value
    return _text(str(value))


def honours_workbook(frame: pd.DataFrame, lang: str = DEFAULT_LANG) -> bytes:
    """The honours register as a formula-safe workbook with headers in the reader's language;
    levels shown by their catalogue label."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(t("competition.honours.sheet", lang), set())
    _headers(ws, [t(f"competition.honours.col.{c}", lang) for c in HONOUR_COLUMNS],
             (8, 8, 20, 16, 24, 10, 28))
    level = HONOUR_COLUMNS.index("level")
    for record in frame.reindex(columns=list(HONOUR_COLUMNS)).itertuples(index=False, name=None):
        values = list(record)
        if isinstance(values[level], str):
            values[level] = label(f"comp.level.{values[level]}", values[level], lang)
        ws.append([_plain(value) for value in values])
    return _save(wb)


# --- Certificates ----------------------------------------------------------------------------

PAGE = landscape(A4)


MAX_FIELD = 200    # characters of one user field drawn on a certificate


def _one_line(text: str) -> str:
    """User text as one plain line: control characters (newlines, tabs) become spaces."""
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch
                   for ch in text).strip()[:MAX_FIELD]


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break by character where the next one would pass the width: Chinese has no spaces."""
    lines: list[str] = []
    current, used = "", 0.0
    for ch in text:
        step = pdfmetrics.stringWidth(ch, chinese_font(), size)
        if current and used + step > width:
            lines.append(current)
            current, used = "", 0.0
        current, used = current + ch, used + step
    return [*lines, current] if current else lines


def certificate_pdf(*, name: str, competition: str, award: str, day: dt.date, issuer: str,
                    lang: str = DEFAULT_LANG) -> bytes:
    """An A4 landscape 荣誉证书. User text is drawn as plain strings (no markup), wrapped here."""
    font = chinese_font()
    width, height = PAGE
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE, invariant=True)
    pdf.setTitle(_one_line(t("competition.certificate.title", lang)))
    pdf.setAuthor(_one_line(issuer))

    pdf.setStrokeColorRGB(0.70, 0.10, 0.10)
    pdf.setLineWidth(6)
    pdf.rect(28, 28, width - 56, height - 56)
    pdf.setLineWidth(1.5)
    pdf.rect(42, 42, width - 84, height - 84)

    pdf.setFillColorRGB(0.70, 0.10, 0.10)
    pdf.setFont(font, 44)
    pdf.drawCentredString(width / 2, height - 130, t("competition.certificate.title", lang))

    pdf.setFillColorRGB(0, 0, 0)
    left, right, size, leading = 110.0, width - 110.0, 22.0, 36.0
    y = height - 210
    salutation = t("competition.certificate.salutation", lang, name=_one_line(name))
    body = t("competition.certificate.body", lang, competition=_one_line(competition),
             award=_one_line(award))
    pdf.setFont(font, size)
    for line in _wrap(salutation, size, right - left):
        pdf.drawString(left, y, line)
        y -= leading
    indent = pdfmetrics.stringWidth("　　", font, size)
    for index, line in enumerate(_wrap(body, size, right - left - indent)):
        pdf.drawString(left + (indent if index == 0 else 0), y, line)
        y -= leading

    pdf.setFont(font, 18)
    date_text = t("competition.certificate.date", lang, year=day.year, month=day.month,
                  day=day.day)
    issuer_lines = _wrap(_one_line(issuer), 18, (right - left) / 2)
    base = 90 + 28 * len(issuer_lines)
    for index, line in enumerate(issuer_lines):
        pdf.drawRightString(right, base - 28 * index, line)
    pdf.drawRightString(right, 90, date_text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def _file_name(name: str) -> str:
    """A zip member name that stays in its folder: no separators, no leading dots."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip().lstrip(".").strip()
    cleaned = cleaned[:120] or "certificate"
    return cleaned if cleaned.lower().endswith(".pdf") else f"{cleaned}.pdf"


def certificates_zip(items: Sequence[tuple[str, bytes]]) -> bytes:
    """All certificates in one download; names made safe and unique so none overwrites another."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for raw_name, content in items:
            name = _file_name(raw_name)
            stem, n = name[:-4], 2
            while name.casefold() in used:
                name, n = f"{stem} ({n}).pdf", n + 1
            used.add(name.casefold())
            archive.writestr(name, content)
    return buffer.getvalue()
