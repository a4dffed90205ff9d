"""年度工作汇总 — the district union's year in one pack, for the district admin alone: the
congress motions of the meetings held that year (KPIs per school and for the district), the
relief fund's annual statement (income by source, relief by category, each school's account,
the balances and the bank reconciliation), the competitions and honours of the year, and the
feedback inbox's statistics with their small groups hidden.

`year_pack` gathers every figure by calling the services that own them (each counts in SQL);
`year_pack_pdf` and `year_pack_xlsx` are pure functions of the pack, so their layout is
tested on fixed data. Money stays integer fen until it is shown (¥1,234.56 in the PDF, yuan
numbers with two decimals in Excel); user-written names are escaped for the PDF and made
formula-safe for Excel.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle
from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from db.competitions import Competition, Honour
from db.feedback import FeedbackCase
from db.fund import FundEntry
from db.motions import CongressMeeting, Motion
from services import competitions, feedback, fund
from services import fund_reports as reports
from services import motion_queries as motions
from services.actor import Actor
from services.clock import local_today
from services.errors import DomainError
from services.formatting import money, safe_cell
from services.fund import CheckResult
from services.i18n import DEFAULT_LANG, label, t
from services.motion_files import percent
from services.pdf import (
    RULE,
    a4_document,
    chinese_font,
    markup,
    page_footer,
    paragraph_style,
    plain,
)
from services.xlsx import header_sheet, plain_value

READERS = ("district_admin",)
CHART_ROWS = 15          # bars in a chart of schools; the tables list every school
HONOURS_LISTED = 200     # honours listed by name in the PDF; the workbook lists them all
ID_CHUNK = 900           # ids per IN (...): well under every backend's limit
KPI_COUNTS = motions.KPI_COUNTS
# The four rates of the motion board: (name, numerator, denominator).
RATES = (("registration_rate", "registered", "submitted"), ("on_time_rate", "on_time", "due"),
         ("satisfaction_rate", "satisfied", "rated"), ("done_rate", "done", "registered"))
PERCENT_FORMAT = "0.0%"
MONEY_FORMAT = reports.MONEY_FORMAT
PALETTE = (colors.HexColor("#4C78A8"), colors.HexColor("#F58518"), colors.HexColor("#54A24B"),
           colors.HexColor("#B279A2"))
HEADER_FILL = colors.HexColor("#EEEEEE")


# --- the pack -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MotionPart:
    """Motions of the congress meetings held in the year (the meeting's year)."""

    totals: motions.Kpis      # the district's seven counts
    overdue: int              # of those motions, past the deadline unreplied on the day prepared
    by_school: pd.DataFrame   # school_id, code, school, the seven counts, overdue


@dataclass(frozen=True)
class FundPart:
    """The relief fund's annual statement; balances at the year's last day."""

    income: pd.DataFrame      # category, amount_fen: income by source, in list order
    relief: pd.DataFrame      # category, amount_fen, count: relief by category, most first
    by_school: pd.DataFrame   # account_id, name, income_fen, expense_fen, paid_count,
    #                           balance_fen (at the year's end); the district fund first
    opening_fen: int          # balance at the end of the year before
    income_fen: int
    relief_fen: int
    closing_fen: int
    last_check: CheckResult | None    # the year's last bank check
    last_agreed: CheckResult | None   # the last check that agreed, up to the year's end


@dataclass(frozen=True)
class CompetitionPart:
    competitions: pd.DataFrame    # name, level, kind, organiser, state, entrants
    medals: pd.DataFrame          # school, one column per award, total
    honours: pd.DataFrame         # honour, holder, school, level, issuer
    honours_by_kind: pd.DataFrame  # honour, count: most awarded first

    @property
    def awards(self) -> int:
        """Prizes given in the published competitions, all schools together."""
        return int(self.medals["total"].sum()) if not self.medals.empty else 0


@dataclass(frozen=True)
class FeedbackPart:
    stats: feedback.FeedbackStats   # counts; None where a small group is hidden
    date_from: dt.date
    date_to: dt.date
    threshold: int                  # groups under this many messages are hidden


@dataclass(frozen=True)
class YearPack:
    year: int
    district: str
    prepared_on: dt.date
    as_of: dt.date      # the year's last day, or the day it was prepared within the year
    motions: MotionPart
    fund: FundPart
    competitions: CompetitionPart
    feedback: FeedbackPart


def _require_district(actor: Actor | None) -> Actor:
    """The service checks, not only the page: the pack spans every school."""
    if actor is None:
        raise DomainError("error.login_required")
    if not actor.has(*READERS):
        raise DomainError("year_pack.error.district_only")
    return actor


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start:start + ID_CHUNK]


def pack_years(session: Session, actor: Actor, *, today: dt.date | None = None) -> list[int]:
    """The years that hold anything for a pack, newest first, always with the current year."""
    _require_district(actor)
    years = {(today or local_today()).year}
    for column in (CongressMeeting.year, Competition.year, Honour.year):
        years.update(int(y) for y in session.scalars(select(column).distinct()))
    # The ledger and the inbox run on without gaps: their first and last year span them.
    # (min and max asked apart: each is then one step along the period index.)
    first = session.scalar(select(func.min(FundEntry.period)))
    last = session.scalar(select(func.max(FundEntry.period)))
    if first is not None and last is not None:
        years.update(range(int(first) // 100, int(last) // 100 + 1))
    first, last = session.execute(select(func.min(FeedbackCase.sent_on),
                                         func.max(FeedbackCase.sent_on))).one()
    if first is not None:
        years.update(range(first.year, last.year + 1))
    return sorted(years, reverse=True)


def _motion_part(session: Session, actor: Actor, year: int, today: dt.date) -> MotionPart:
    totals = motions.kpis(session, actor, year=year, today=today)
    by_school = motions.kpis_by_school(session, actor, year=year, today=today)
    # overdue_list holds the one rule for "overdue"; the year's share is counted per school.
    overdue_ids = [int(i) for i in motions.overdue_list(session, actor, today=today)["id"]]
    of_year = select(CongressMeeting.id).where(CongressMeeting.year == year)
    per_school: Counter[int] = Counter()
    for chunk in _chunks(overdue_ids):
        per_school.update({int(sid): int(n) for sid, n in session.execute(
            select(Motion.school_id, func.count())
            .where(Motion.id.in_(chunk), Motion.meeting_id.in_(of_year))
            .group_by(Motion.school_id))})
    by_school["overdue"] = [per_school.get(int(s), 0) for s in by_school["school_id"]]
    frame = by_school[["school_id", "code", "school", *KPI_COUNTS, "overdue"]]
    return MotionPart(totals, sum(per_school.values()),
                      frame.astype({"overdue": "int64"}).reset_index(drop=True))


def _net_after(session: Session, day: dt.date) -> dict[int, int]:
    """Per fund account, income minus expenses dated after `day`: summed in SQL along the date
    index, so the running year (nothing after it) costs nothing."""
    signed = case((FundEntry.kind == "income", FundEntry.amount_fen),
                  else_=-FundEntry.amount_fen)
    # Grouped by an expression no index provides, so SQLite walks the date range and sorts the
    # few rows, instead of the whole (account, date) index.
    account = (FundEntry.account_id + literal_column("0")).label("account_id")
    return {int(aid): int(total) for aid, total in session.execute(
        select(account, func.sum(signed)).where(FundEntry.entry_date > day).group_by(account))}


def _fund_part(session: Session, actor: Actor, year: int, lang: str) -> FundPart:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    years = reports.yearly(session, actor)
    income = years[(years["year"] == year) & (years["kind"] == "income")]
    relief = reports.top_categories(session, actor, year=year, limit=1000)
    schools = reports.by_school(session, actor, year=year)
    # by_school's balance is today's: the year's end is that less what came after it.
    after = _net_after(session, end)
    schools["balance_fen"] = [int(balance) - after.get(int(a), 0) for a, balance
                              in zip(schools["account_id"], schools["balance_fen"], strict=True)]
    schools["name"] = [name or t("fund.district_account", lang) for name in schools["name"]]
    checks = fund.bank_checks(session, actor)
    checks = checks[checks["checked_on"] <= end]
    in_year = checks[checks["checked_on"] >= start]
    agreed = checks[checks["agrees"]]
    return FundPart(
        income=income[["category", "amount_fen"]].reset_index(drop=True),
        relief=relief[["category", "amount_fen", "count"]].reset_index(drop=True),
        by_school=schools[["account_id", "name", "income_fen", "expense_fen", "paid_count",
                           "balance_fen"]].reset_index(drop=True),
        opening_fen=fund.balance_fen(session, through=start - dt.timedelta(days=1)),
        income_fen=int(schools["income_fen"].sum()),
        relief_fen=int(schools["expense_fen"].sum()),
        closing_fen=int(schools["balance_fen"].sum()),
        last_check=_check(in_year), last_agreed=_check(agreed))


def _check(frame: pd.DataFrame) -> CheckResult | None:
    """The newest check of a frame of fund.bank_checks (newest first)."""
    if frame.empty:
        return None
    row = frame.iloc[0]
    return CheckResult(int(row["id"]), row["checked_on"], int(row["bank_fen"]),
                       int(row["ledger_fen"]))


def _competition_part(session: Session, actor: Actor, year: int) -> CompetitionPart:
    listed = competitions.list_competitions(session, actor, year=year)
    honours = competitions.list_honours(session, actor, year=year)
    by_kind = (honours.groupby("honour").size().rename("count").reset_index()
               .sort_values(["count", "honour"], ascending=[False, True], kind="stable"))
    return CompetitionPart(
        competitions=listed[["name", "level", "kind", "organiser", "state", "entrants"]],
        medals=competitions.medal_table(session, actor, year=year),
        honours=honours[["honour", "holder", "school", "level", "issuer"]],
        honours_by_kind=by_kind.astype({"count": "int64"}).reset_index(drop=True))


def year_pack(session: Session, actor: Actor, *, year: int, lang: str = DEFAULT_LANG,
              today: dt.date | None = None) -> YearPack:
    """Every figure of a year's pack, for the district admin. `today` (default: the local
    date) decides what is due or overdue and where a year still running is cut off."""
    _require_district(actor)
    today = today or local_today()
    as_of = min(dt.date(year, 12, 31), today)
    start = dt.date(year, 1, 1)
    district = feedback.stats_scope(session, actor).get(None, "")
    stats = feedback.feedback_stats(session, actor, school_id=None, date_from=start,
                                    date_to=as_of)
    return YearPack(
        year=year, district=district, prepared_on=today, as_of=as_of,
        motions=_motion_part(session, actor, year, today),
        fund=_fund_part(session, actor, year, lang),
        competitions=_competition_part(session, actor, year),
        feedback=FeedbackPart(stats, start, as_of, feedback.SMALL_GROUP))


# --- shared by both files -----------------------------------------------------------------------

def _ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(int(part), int(whole)) if whole else None


def _level(level: str, lang: str) -> str:
    return label(f"comp.level.{level}", level, lang)


def _state(state: str, lang: str) -> str:
    return label(f"comp.state.{state}", state, lang)


def _feedback_groups(part: FeedbackPart, lang: str
                     ) -> list[tuple[str, list[tuple[str, int | None]]]]:
    """(title, [(group, count or None when hidden)]) for each grouping of the statistics:
    by month, category, status, and school (largest first, the hidden ones last)."""
    stats = part.stats
    schools = sorted(stats.by_school.items(),
                     key=lambda item: (item[1] is None, -(item[1] or 0), item[0]))
    return [
        (t("year_pack.feedback.by_month", lang), list(stats.by_month.items())),
        (t("year_pack.feedback.by_category", lang),
         [(label(f"feedback.category.{c}", c, lang), n) for c, n in stats.by_category.items()]),
        (t("year_pack.feedback.by_status", lang),
         [(label(f"feedback.status.{s}", s, lang), n) for s, n in stats.by_status.items()]),
        (t("year_pack.feedback.by_school", lang), schools),
    ]


def reconciliation_lines(part: FundPart, year: int, lang: str) -> list[str]:
    """The reconciliation in sentences: the year's last bank check, then the last that agreed."""
    check = part.last_check
    if check is None:
        lines = [t("year_pack.fund.no_check", lang, year=year)]
    else:
        key = "year_pack.fund.check_agrees" if check.agrees else "year_pack.fund.check_differs"
        lines = [t(key, lang, date=check.checked_on.isoformat(),
                   bank=money(check.bank_balance_fen), ledger=money(check.ledger_balance_fen),
                   difference=money(check.difference_fen))]
    agreed = part.last_agreed
    lines.append(t("year_pack.fund.last_agreed", lang, date=agreed.checked_on.isoformat())
                 if agreed is not None else t("year_pack.fund.never_agreed", lang))
    return lines


def _summary(pack: YearPack, lang: str) -> list[tuple[str, str]]:
    """The title page's figures, as (what, how much) text."""
    kpis, ledger = pack.motions.totals, pack.fund
    comp = pack.competitions
    total = pack.feedback.stats.total
    return [
        (t("year_pack.summary.motions", lang), t(
            "year_pack.summary.motions_text", lang, submitted=kpis.submitted,
            registered=kpis.registered, rate=percent(_ratio(kpis.registered, kpis.submitted)),
            done=kpis.done, overdue=pack.motions.overdue)),
        (t("year_pack.summary.fund", lang), t(
            "year_pack.summary.fund_text", lang, income=money(ledger.income_fen),
            relief=money(ledger.relief_fen), closing=money(ledger.closing_fen))),
        (t("year_pack.summary.reconciliation", lang),
         reconciliation_lines(ledger, pack.year, lang)[0]),
        (t("year_pack.summary.competitions", lang), t(
            "year_pack.summary.competitions_text", lang, competitions=len(comp.competitions),
            awards=comp.awards, honours=len(comp.honours))),
        (t("year_pack.summary.feedback", lang),
         t("year_pack.hidden", lang, n=pack.feedback.threshold) if total is None
         else t("year_pack.summary.feedback_text", lang, n=total)),
    ]


def _motion_columns(lang: str) -> list[str]:
    return [t("year_pack.col.school", lang),
            *(t(f"motion.kpi.col.{c}", lang) for c in KPI_COUNTS),
            t("year_pack.col.overdue", lang),
            *(t(f"motion.kpi.{name}", lang) for name, _n, _d in RATES)]


def _motion_rows(part: MotionPart, lang: str) -> list[tuple[str, list[int], list[Fraction | None]]]:
    """(school, the seven counts and overdue, the four rates) per school, then the district."""
    rows = []
    for row in part.by_school.itertuples(index=False):
        counts = {c: int(getattr(row, c)) for c in KPI_COUNTS}
        rows.append((str(row.school), [*counts.values(), int(row.overdue)],
                     [_ratio(counts[n], counts[d]) for _r, n, d in RATES]))
    totals = {c: getattr(part.totals, c) for c in KPI_COUNTS}
    rows.append((t("year_pack.total", lang), [*totals.values(), part.overdue],
                 [_ratio(totals[n], totals[d]) for _r, n, d in RATES]))
    return rows


# --- the PDF ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    note: ParagraphStyle


def _styles() -> _Styles:
    grey = colors.HexColor("#555555")
    return _Styles(
        title=paragraph_style("pack_title", 24, alignment=TA_CENTER, spaceBefore=120,
                              spaceAfter=18),
        subtitle=paragraph_style("pack_subtitle", 13, alignment=TA_CENTER, spaceAfter=4),
        heading=paragraph_style("pack_heading", 15, spaceAfter=8, keepWithNext=1),
        subheading=paragraph_style("pack_subheading", 11, spaceBefore=10, spaceAfter=4,
                                   keepWithNext=1),
        body=paragraph_style("pack_body", 10, spaceAfter=4),
        cell=paragraph_style("pack_cell", 8),
        note=paragraph_style("pack_note", 8.5, textColor=grey, spaceAfter=4),
    )


class _Doc:
    """The flowables of the PDF, with the few ways this report puts things on a page."""

    def __init__(self, width: float, lang: str) -> None:
        self.width, self.lang, self.styles = width, lang, _styles()
        self.story: list[Flowable] = []

    def text(self, value: str, style: ParagraphStyle | None = None) -> None:
        self.story.append(Paragraph(markup(value), style or self.styles.body))

    def key(self, key: str, style: ParagraphStyle | None = None, **params: Any) -> None:
        self.text(t(key, self.lang, **params), style)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]],
              shares: Sequence[float], *, text_columns: Sequence[int] = (0,),
              total: bool = False) -> None:
        """A ruled table, its header repeated on every page. Text columns wrap and show user
        text literally; the other columns are right-aligned figures."""
        def cell(value: object, column: int) -> object:
            return Paragraph(markup(str(value)), self.styles.cell) if column in text_columns \
                else str(value)

        data = [[Paragraph(markup(h), self.styles.cell) for h in header]]
        data += [[cell(v, c) for c, v in enumerate(row)] for row in rows]
        rules: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), chinese_font(), 8), ("GRID", (0, 0), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL)]
        rules += [("ALIGN", (c, 1), (c, -1), "RIGHT")
                  for c in range(len(header)) if c not in text_columns]
        if total and rows:
            rules.append(("BACKGROUND", (0, -1), (-1, -1), HEADER_FILL))
        self.story.append(Table(data, colWidths=[self.width * s for s in shares],
                                repeatRows=1, style=TableStyle(rules), hAlign="LEFT"))
        self.story.append(Spacer(1, 6))

    def chart(self, names: Sequence[str], series: Sequence[Sequence[float]],
              legend: Sequence[str] = ()) -> None:
        """Horizontal bars, one group per name (the first at the top), one bar per series;
        a note instead when there is nothing above zero to draw."""
        if not names or not any(v > 0 for values in series for v in values):
            self.key("year_pack.nothing_to_draw", self.styles.note)
            return
        self.story.append(bar_chart(names, series, legend, self.width))
        self.story.append(Spacer(1, 4))


def _short(name: str, size: int = 14) -> str:
    name = plain(name).replace("\n", " ")
    return name if len(name) <= size else name[:size - 1] + "…"


def bar_chart(names: Sequence[str], series: Sequence[Sequence[float]], legend: Sequence[str],
              width: float) -> Drawing:
    """A reportlab HorizontalBarChart in a Drawing (which platypus flows like a paragraph).
    Labels are drawn as plain strings, never parsed as markup."""
    label_width, legend_height = 120, (18 if len(series) > 1 else 0)
    plot_height = max(len(names) * (6 + 7 * len(series)), 30)
    drawing = Drawing(width, plot_height + 24 + legend_height)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 16 + legend_height
    chart.width, chart.height = width - label_width - 12, plot_height
    # reportlab draws the first category at the bottom and, within a group, the first series
    # lowest: both reversed, so the first name is on top and its first series above the rest.
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    chart.data = [tuple(float(v) for v in reversed(list(values))) for values in reversed(series)]
    chart.categoryAxis.categoryNames = [_short(n) for n in reversed(list(names))]
    chart.categoryAxis.labels.fontName = chinese_font()
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    top = max(float(v) for values in series for v in values)
    chart.valueAxis.valueMin = 0
    if top <= 10:   # a few people or cases: whole steps, not 0.2, 0.4 …
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = max(math.ceil(top), 1), 1
    chart.valueAxis.labels.fontName = chinese_font()
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "{:,.0f}".format   # counts, or yuan
    chart.barSpacing, chart.groupSpacing = 1, 5
    chart.bars.strokeColor = None
    for index, colour in enumerate(reversed(colours)):
        chart.bars[index].fillColor = colour
    drawing.add(chart)
    if len(series) > 1:
        key = Legend()
        key.x, key.y = label_width, 8
        key.columnMaximum, key.alignment = 1, "right"
        key.fontName, key.fontSize = chinese_font(), 7
        key.deltax, key.dxTextSpace = 80, 4
        key.colorNamePairs = [(colour, _short(n, 10))
                              for colour, n in zip(colours, legend, strict=False)]
        drawing.add(key)
    return drawing


def _title_page(doc: _Doc, pack: YearPack) -> None:
    lang, styles = doc.lang, doc.styles
    doc.key("year_pack.doc_title", styles.title, year=pack.year)
    doc.text(pack.district, styles.subtitle)
    doc.key("year_pack.prepared", styles.subtitle, date=pack.prepared_on.isoformat(),
            as_of=pack.as_of.isoformat())
    doc.story.append(Spacer(1, 24))
    doc.key("year_pack.summary", styles.subheading)
    doc.table([t("year_pack.col.item", lang), t("year_pack.col.figures", lang)],
              _summary(pack, lang), (0.22, 0.78), text_columns=(0, 1))
    doc.key("year_pack.contents", styles.subheading)
    for number in range(1, 5):
        doc.key(f"year_pack.part{number}", styles.body)
    doc.story.append(PageBreak())


def _motion_section(doc: _Doc, pack: YearPack) -> None:
    lang, styles, part = doc.lang, doc.styles, pack.motions
    doc.key("year_pack.part1", styles.heading)
    doc.key("year_pack.motions.scope", styles.note, year=pack.year,
            date=pack.prepared_on.isoformat())
    totals = part.totals
    doc.key("year_pack.motions.rates", styles.subheading)
    doc.table([t("motion.report.kpi.col.name", lang), t("motion.report.kpi.col.rate", lang),
               t("motion.report.kpi.col.count", lang)],
              [(t(f"motion.kpi.{name}", lang),
                percent(_ratio(getattr(totals, n), getattr(totals, d))),
                f"{getattr(totals, n)} / {getattr(totals, d)}") for name, n, d in RATES]
              + [(t("year_pack.col.overdue", lang), "", str(part.overdue))],
              (0.4, 0.3, 0.3))
    largest = part.by_school.sort_values("submitted", ascending=False, kind="stable")
    largest = largest[largest["submitted"] > 0].head(CHART_ROWS)
    doc.key("year_pack.motions.chart", styles.subheading, n=CHART_ROWS)
    doc.chart(list(largest["school"]),
              [list(largest[c]) for c in ("submitted", "registered", "done")],
              [t(f"motion.kpi.col.{c}", lang) for c in ("submitted", "registered", "done")])
    doc.key("year_pack.motions.by_school", styles.subheading)
    rows = [[school, *counts, *(percent(r) for r in rates)]
            for school, counts, rates in _motion_rows(part, lang)]
    doc.table(_motion_columns(lang), rows, (0.2, *(0.065,) * 12), total=True)
    doc.story.append(PageBreak())


def _fund_section(doc: _Doc, pack: YearPack) -> None:
    lang, styles, part = doc.lang, doc.styles, pack.fund
    doc.key("year_pack.part2", styles.heading)
    doc.table([t("year_pack.col.item", lang), t("year_pack.col.amount", lang)],
              [(t(f"year_pack.fund.{key}", lang), money(fen)) for key, fen in (
                  ("opening", part.opening_fen), ("income", part.income_fen),
                  ("relief", part.relief_fen), ("closing", part.closing_fen))], (0.5, 0.3))
    doc.key("year_pack.fund.reconciliation", styles.subheading)
    for line in reconciliation_lines(part, pack.year, lang):
        doc.text(line)

    doc.key("year_pack.fund.income_by_source", styles.subheading)
    doc.table([t("year_pack.col.source", lang), t("year_pack.col.amount", lang)],
              [*((c, money(int(f))) for c, f in zip(part.income["category"],
                                                    part.income["amount_fen"], strict=True)),
               (t("year_pack.total", lang), money(part.income_fen))], (0.5, 0.3), total=True)
    doc.chart(list(part.income["category"]), [[f / 100 for f in part.income["amount_fen"]]])

    doc.key("year_pack.fund.relief_by_category", styles.subheading)
    doc.table([t("year_pack.col.category", lang), t("year_pack.col.count", lang),
               t("year_pack.col.amount", lang)],
              [*((c, int(n), money(int(f))) for c, f, n in part.relief.itertuples(index=False)),
               (t("year_pack.total", lang), int(part.relief["count"].sum()),
                money(part.relief_fen))], (0.4, 0.2, 0.3), total=True)
    doc.chart(list(part.relief["category"]), [[f / 100 for f in part.relief["amount_fen"]]])

    doc.key("year_pack.fund.by_school", styles.subheading)
    schools = part.by_school
    largest = schools[schools["expense_fen"] > 0].sort_values(
        "expense_fen", ascending=False, kind="stable").head(CHART_ROWS)
    doc.key("year_pack.fund.chart", styles.note, n=CHART_ROWS)
    doc.chart(list(largest["name"]), [[f / 100 for f in largest["expense_fen"]]])
    rows: list[list[object]] = [
        [r.name, money(int(r.income_fen)), money(int(r.expense_fen)), int(r.paid_count),
         money(int(r.balance_fen))] for r in schools.itertuples(index=False)]
    rows.append([t("year_pack.total", lang), money(part.income_fen), money(part.relief_fen),
                 int(schools["paid_count"].sum()), money(part.closing_fen)])
    doc.table([t("year_pack.col.account", lang), t("year_pack.col.income", lang),
               t("year_pack.col.relief", lang), t("year_pack.col.paid_count", lang),
               t("year_pack.col.balance", lang)], rows, (0.32, 0.17, 0.17, 0.12, 0.18),
              total=True)
    doc.story.append(PageBreak())


def _competition_section(doc: _Doc, pack: YearPack) -> None:
    lang, styles, part = doc.lang, doc.styles, pack.competitions
    doc.key("year_pack.part3", styles.heading)
    doc.key("year_pack.comp.list", styles.subheading, n=len(part.competitions))
    if part.competitions.empty:
        doc.key("year_pack.comp.none", styles.note, year=pack.year)
    else:
        doc.table([t(f"year_pack.comp.col.{c}", lang) for c in
                   ("name", "level", "kind", "organiser", "state", "entrants")],
                  [(r.name, _level(r.level, lang), r.kind, r.organiser, _state(r.state, lang),
                    int(r.entrants)) for r in part.competitions.itertuples(index=False)],
                  (0.3, 0.09, 0.17, 0.2, 0.12, 0.1), text_columns=(0, 1, 2, 3, 4))

    doc.key("year_pack.comp.medals", styles.subheading)
    medals = part.medals
    if medals.empty:
        doc.key("year_pack.comp.no_medals", styles.note)
    else:
        awards = [c for c in medals.columns if c not in ("school", "total")]
        top = medals.sort_values("total", ascending=False, kind="stable").head(CHART_ROWS)
        doc.chart(list(top["school"]), [list(top["total"])])
        share = 0.6 / (len(awards) + 1)
        doc.table([t("year_pack.col.school", lang), *awards, t("year_pack.col.awards", lang)],
                  [list(r) for r in medals.itertuples(index=False)],
                  (0.4, *(share,) * (len(awards) + 1)))

    doc.key("year_pack.comp.honours", styles.subheading, n=len(part.honours))
    if part.honours.empty:
        doc.key("year_pack.comp.no_honours", styles.note, year=pack.year)
        return
    doc.chart(list(part.honours_by_kind["honour"]), [list(part.honours_by_kind["count"])])
    doc.table([t("year_pack.comp.col.honour", lang), t("year_pack.col.count", lang)],
              [(h, int(n)) for h, n in part.honours_by_kind.itertuples(index=False)],
              (0.5, 0.2))
    if len(part.honours) > HONOURS_LISTED:
        doc.key("year_pack.comp.honours_first", styles.note, n=HONOURS_LISTED)
    doc.table([t(f"year_pack.comp.col.{c}", lang)
               for c in ("honour", "holder", "school", "level", "issuer")],
              [(r.honour, r.holder, r.school, _level(r.level, lang), r.issuer)
               for r in part.honours.head(HONOURS_LISTED).itertuples(index=False)],
              (0.22, 0.18, 0.24, 0.1, 0.26), text_columns=(0, 1, 2, 3, 4))


def _feedback_section(doc: _Doc, pack: YearPack) -> None:
    lang, styles, part = doc.lang, doc.styles, pack.feedback
    doc.story.append(PageBreak())
    doc.key("year_pack.part4", styles.heading)
    doc.key("year_pack.feedback.scope", styles.note, start=part.date_from.isoformat(),
            end=part.date_to.isoformat())
    doc.key("year_pack.feedback.suppressed", styles.note, n=part.threshold)
    total = part.stats.total
    hidden = t("year_pack.hidden", lang, n=part.threshold)
    doc.key("year_pack.feedback.total", styles.body, n=hidden if total is None else total)
    for number, (title, groups) in enumerate(_feedback_groups(part, lang)):
        doc.text(title, styles.subheading)
        shown = [(g, n) for g, n in groups if n is not None]
        if number < 2:   # months and categories drawn; statuses and schools as tables only
            doc.chart([g for g, _n in shown], [[n for _g, n in shown]])
        doc.table([title, t("year_pack.col.count", lang)],
                  [(g, hidden if n is None else n) for g, n in groups], (0.5, 0.25))
        if names := [g for g, n in groups if n is None]:
            doc.key("year_pack.feedback.hidden_groups", styles.note, groups="、".join(names))


def pdf_story(pack: YearPack, lang: str, width: float) -> list[Flowable]:
    """The PDF's flowables in order: the title page, then the four parts."""
    doc = _Doc(width, lang)
    for section in (_title_page, _motion_section, _fund_section, _competition_section,
                    _feedback_section):
        section(doc, pack)
    return doc.story


def year_pack_pdf(pack: YearPack, lang: str = DEFAULT_LANG) -> bytes:
    """The pack as an A4 PDF in the CID font STSong-Light (Chinese with no font file)."""
    buffer = io.BytesIO()
    doc = a4_document(buffer, title=t("year_pack.doc_title", lang, year=pack.year),
                      author=pack.district)
    footer = page_footer(lambda page: t("year_pack.page", lang, page=page))
    doc.build(pdf_story(pack, lang, doc.width), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --- the workbook -------------------------------------------------------------------------------

class _Sheet:
    """One sheet of the write-only workbook: the part's title in its first row, then blocks of
    a bold title, a bold header and rows, a blank row between blocks."""

    def __init__(self, book: Workbook, title: str, widths: Sequence[int]) -> None:
        self.sheet: WriteOnlyWorksheet = header_sheet(book, title, [title], widths)

    def _bold(self, values: Sequence[str]) -> list[WriteOnlyCell]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.sheet, value=_text(value))
            cell.font = Font(bold=True)
            cells.append(cell)
        return cells

    def block(self, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.sheet.append([])
        self.sheet.append(self._bold([title]))
        self.sheet.append(self._bold(header))
        for row in rows:
            self.sheet.append([_text(v) for v in row])

    def money(self, fen: int) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=Decimal(int(fen)) / 100)
        cell.number_format = MONEY_FORMAT
        return cell

    def rate(self, rate: Fraction | None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=None if rate is None
                             else round(rate.numerator / rate.denominator, 4))
        cell.number_format = PERCENT_FORMAT
        return cell


def _text(value: object) -> object:
    """A cell value: text without the characters openpyxl refuses and never a formula;
    numpy numbers as Python ones."""
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return plain_value(value)


def _summary_sheet(book: Workbook, pack: YearPack, lang: str) -> None:
    sheet = _Sheet(book, t("year_pack.sheet.summary", lang), (24, 90))
    sheet.block(t("year_pack.doc_title", lang, year=pack.year),
                [t("year_pack.col.item", lang), t("year_pack.col.figures", lang)],
                [(t("year_pack.district", lang), pack.district),
                 (t("year_pack.prepared_on", lang), pack.prepared_on.isoformat()),
                 (t("year_pack.as_of", lang), pack.as_of.isoformat()),
                 *_summary(pack, lang)])


def _motion_sheet(book: Workbook, pack: YearPack, lang: str) -> None:
    sheet = _Sheet(book, t("year_pack.sheet.motions", lang), (28, *(10,) * 12))
    rows = [[school, *counts, *(sheet.rate(r) for r in rates)]
            for school, counts, rates in _motion_rows(pack.motions, lang)]
    sheet.block(t("year_pack.motions.by_school", lang), _motion_columns(lang), rows)


def _fund_sheet(book: Workbook, pack: YearPack, lang: str) -> None:
    part = pack.fund
    sheet = _Sheet(book, t("year_pack.sheet.fund", lang), (28, 16, 16, 12, 16))
    amount = t("year_pack.col.amount", lang)
    sheet.block(t("year_pack.fund.statement", lang), [t("year_pack.col.item", lang), amount],
                [(t(f"year_pack.fund.{key}", lang), sheet.money(fen)) for key, fen in (
                    ("opening", part.opening_fen), ("income", part.income_fen),
                    ("relief", part.relief_fen), ("closing", part.closing_fen))])
    sheet.block(t("year_pack.fund.reconciliation", lang), [t("year_pack.col.figures", lang)],
                [(line,) for line in reconciliation_lines(part, pack.year, lang)])
    sheet.block(t("year_pack.fund.income_by_source", lang),
                [t("year_pack.col.source", lang), amount],
                [*((c, sheet.money(int(f))) for c, f in part.income.itertuples(index=False)),
                 (t("year_pack.total", lang), sheet.money(part.income_fen))])
    sheet.block(t("year_pack.fund.relief_by_category", lang),
                [t("year_pack.col.category", lang), t("year_pack.col.count", lang), amount],
                [*((c, int(n), sheet.money(int(f)))
                   for c, f, n in part.relief.itertuples(index=False)),
                 (t("year_pack.total", lang), int(part.relief["count"].sum()),
                  sheet.money(part.relief_fen))])
    schools = part.by_school
    sheet.block(t("year_pack.fund.by_school", lang),
                [t(f"year_pack.col.{c}", lang)
                 for c in ("account", "income", "relief", "paid_count", "balance")],
                [*((r.name, sheet.money(int(r.income_fen)), sheet.money(int(r.expense_fen)),
                    int(r.paid_count), sheet.money(int(r.balance_fen)))
                   for r in schools.itertuples(index=False)),
                 (t("year_pack.total", lang), sheet.money(part.income_fen),
                  sheet.money(part.relief_fen), int(schools["paid_count"].sum()),
                  sheet.money(part.closing_fen))])


def _competition_sheet(book: Workbook, pack: YearPack, lang: str) -> None:
    part = pack.competitions
    sheet = _Sheet(book, t("year_pack.sheet.competitions", lang), (30, 14, 20, 24, 12, 12))
    columns = ("name", "level", "kind", "organiser", "state", "entrants")
    sheet.block(t("year_pack.comp.list", lang, n=len(part.competitions)),
                [t(f"year_pack.comp.col.{c}", lang) for c in columns],
                [(r.name, _level(r.level, lang), r.kind, r.organiser, _state(r.state, lang),
                  int(r.entrants)) for r in part.competitions.itertuples(index=False)])
    awards = [c for c in part.medals.columns if c not in ("school", "total")]
    sheet.block(t("year_pack.comp.medals", lang),
                [t("year_pack.col.school", lang), *awards, t("year_pack.col.awards", lang)],
                [list(r) for r in part.medals.itertuples(index=False)])
    sheet.block(t("year_pack.comp.honours_by_kind", lang),
                [t("year_pack.comp.col.honour", lang), t("year_pack.col.count", lang)],
                [(h, int(n)) for h, n in part.honours_by_kind.itertuples(index=False)])
    columns = ("honour", "holder", "school", "level", "issuer")
    sheet.block(t("year_pack.comp.honours", lang, n=len(part.honours)),
                [t(f"year_pack.comp.col.{c}", lang) for c in columns],
                [(r.honour, r.holder, r.school, _level(r.level, lang), r.issuer)
                 for r in part.honours.itertuples(index=False)])


def _feedback_sheet(book: Workbook, pack: YearPack, lang: str) -> None:
    part = pack.feedback
    sheet = _Sheet(book, t("year_pack.sheet.feedback", lang), (28, 14))
    hidden = t("year_pack.hidden", lang, n=part.threshold)
    sheet.block(t("year_pack.feedback.suppressed", lang, n=part.threshold),
                [t("year_pack.col.item", lang), t("year_pack.col.count", lang)],
                [(t("year_pack.feedback.period", lang),
                  f"{part.date_from.isoformat()} – {part.date_to.isoformat()}"),
                 (t("year_pack.feedback.all", lang),
                  hidden if part.stats.total is None else part.stats.total)])
    for title, groups in _feedback_groups(part, lang):
        sheet.block(title, [title, t("year_pack.col.count", lang)],
                    [(g, hidden if n is None else n) for g, n in groups])


def year_pack_xlsx(pack: YearPack, lang: str = DEFAULT_LANG) -> bytes:
    """The pack as a workbook: a summary sheet, then one sheet per part; money as yuan numbers
    with two decimals, rates as percentages, every text cell formula-safe."""
    book = Workbook(write_only=True)
    for sheet in (_summary_sheet, _motion_sheet, _fund_sheet, _competition_sheet,
                  _feedback_sheet):
        sheet(book, pack, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
