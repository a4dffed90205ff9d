"""特困教职工救助基金: the reports. Income and expenses per month and year, per school and per
category, the balance over time, the cash journal (现金日记账) with its running balance, the
recipients list for reviewers, the public notice (公示) with masked names, and the exports:
the journal and the reports to Excel, the whole ledger to Beancount.

Everything is summed in SQL (GROUP BY over the covering indexes of db/fund.py), never by
loading entries. A reversal is the same amount negated, so every sum nets it out. Readers are
the district admin and the auditors (everything) and school chairs (their schools'
sub-accounts); the public notice is for anyone logged in.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session, aliased

from db.fund import FundAccount, FundCategory, FundEntry, ReliefApplication
from db.models import School, Staff
from services import fund
from services.actor import Actor, require_role
from services.clock import local_today
from services.errors import DomainError
from services.formatting import mask_name, safe_cell
from services.i18n import DEFAULT_LANG, label, t
from services.xlsx import header_sheet

KINDS = ("income", "expense")
REVIEWERS = ("district_admin", "auditor", "school_chair")
MONEY_FORMAT = "#,##0.00"
STREAM_CHUNK = 2000

JOURNAL_COLUMNS = ("id", "voucher_no", "entry_date", "account", "kind", "category",
                   "counterparty", "memo", "income_fen", "expense_fen", "running_fen",
                   "reverses", "reversed_by")
EXPORT_COLUMNS = ("voucher_no", "entry_date", "account", "kind", "category", "counterparty",
                  "memo", "income", "expense", "running", "reverses", "reversed_by")


# --- scope and small lookups ------------------------------------------------------------------

def _scope(session: Session, actor: Actor, account_id: int | None = None) -> list[int] | None:
    """The accounts a report covers: None for all, else a list (a chair's sub-accounts, or the
    one account asked for, if the actor may read it)."""
    readable = fund.readable_account_ids(session, actor)
    if account_id is None:
        return readable
    if readable is not None and account_id not in readable:
        raise DomainError("error.forbidden")
    return [account_id]


def _in(accounts: list[int] | None) -> list[ColumnElement[bool]]:
    return [] if accounts is None else [FundEntry.account_id.in_(accounts)]


def _signed() -> ColumnElement[int]:
    """Income counts up, expenses down: the balance is the sum of this."""
    return case((FundEntry.kind == "income", FundEntry.amount_fen), else_=-FundEntry.amount_fen)


def _year_condition(year: int, accounts: list[int] | None) -> ColumnElement[bool]:
    """The same rows either way; the form picks the index: the period index for the whole
    fund, (account, date) for one account."""
    if accounts is None:
        return FundEntry.period.between(year * 100 + 1, year * 100 + 12)
    return FundEntry.entry_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _categories(session: Session) -> dict[int, FundCategory]:
    return {c.id: c for c in session.scalars(select(FundCategory))}


def _account_names(session: Session) -> dict[int, str]:
    """{fund account id: school name, or "" for the district fund}."""
    rows = session.execute(select(FundAccount.id, School.name)
                           .outerjoin(School, School.id == FundAccount.school_id))
    return {aid: name or "" for aid, name in rows}


def _month(period: int) -> str:
    return f"{period // 100:04d}-{period % 100:02d}"


def _in_list_order(rows: list[tuple], cats: dict[int, FundCategory]) -> list[tuple]:
    """Rows of (month or year, kind, category id, …) by time, income first, then categories
    in the order of their list."""
    def key(row: tuple) -> tuple:
        cat = cats.get(row[2])
        return (row[0], KINDS.index(row[1]), cat.sort if cat else 0, row[2])
    return sorted(rows, key=key)


# --- per month, per year, over time ---------------------------------------------------------

def monthly(session: Session, actor: Actor, *, year: int,
            account_id: int | None = None) -> pd.DataFrame:
    """Income by source and expenses by category per month of a year."""
    accounts = _scope(session, actor, account_id)
    rows = session.execute(
        select(FundEntry.period, FundEntry.kind, FundEntry.category_id,
               func.sum(FundEntry.amount_fen))
        .where(_year_condition(year, accounts), *_in(accounts))
        .group_by(FundEntry.period, FundEntry.kind, FundEntry.category_id)).all()
    cats = _categories(session)
    out = [(_month(p), kind, cats[c].name if c in cats else "", int(total))
           for p, kind, c, total in _in_list_order([tuple(r) for r in rows], cats)]
    return pd.DataFrame(out, columns=["month", "kind", "category", "amount_fen"])


def yearly(session: Session, actor: Actor, *, account_id: int | None = None) -> pd.DataFrame:
    """Income by source and expenses by category per calendar year."""
    accounts = _scope(session, actor, account_id)
    # Summed per month in SQL along the period index, then the few month rows per year here:
    # grouping by an expression on the year would sort every entry first.
    years: dict[tuple[int, str, int], int] = defaultdict(int)
    for period, kind, cid, total in session.execute(
            select(FundEntry.period, FundEntry.kind, FundEntry.category_id,
                   func.sum(FundEntry.amount_fen))
            .where(*_in(accounts))
            .group_by(FundEntry.period, FundEntry.kind, FundEntry.category_id)):
        years[(int(period) // 100, kind, cid)] += int(total)
    cats = _categories(session)
    out = [(y, kind, cats[c].name if c in cats else "", years[(y, kind, c)])
           for y, kind, c in _in_list_order(list(years), cats)]
    return pd.DataFrame(out, columns=["year", "kind", "category", "amount_fen"])


def _next_period(period: int) -> int:
    return period + 1 if period % 100 < 12 else (period // 100 + 1) * 100 + 1


def balance_over_time(session: Session, actor: Actor, *,
                      account_id: int | None = None) -> pd.DataFrame:
    """Per month from the first entry to the last: income, expenses and the balance at the
    month's end (every month, also those without entries)."""
    accounts = _scope(session, actor, account_id)
    sums: dict[int, list[int]] = {}
    for period, kind, total in session.execute(
            select(FundEntry.period, FundEntry.kind, func.sum(FundEntry.amount_fen))
            .where(*_in(accounts)).group_by(FundEntry.period, FundEntry.kind)):
        sums.setdefault(int(period), [0, 0])[KINDS.index(kind)] += int(total)
    rows = []
    if sums:
        period, last, balance = min(sums), max(sums), 0
        while period <= last:
            income, expense = sums.get(period, (0, 0))
            balance += income - expense
            rows.append((_month(period), income, expense, balance))
            period = _next_period(period)
    return pd.DataFrame(rows, columns=["month", "income_fen", "expense_fen", "balance_fen"])


# --- per school and per category ----------------------------------------------------------

def by_school(session: Session, actor: Actor, *, year: int | None = None) -> pd.DataFrame:
    """Per account, district fund first, then schools by code: the year's income and expenses
    (all years when None), the balance of all time, and the school's relief paid that year."""
    fund.ensure_accounts(session)
    accounts = _scope(session, actor)
    listed = (select(FundAccount.id, FundAccount.school_id, School.name)
              .outerjoin(School, School.id == FundAccount.school_id)
              .order_by(FundAccount.school_id.is_not(None), School.code))
    if accounts is not None:
        listed = listed.where(FundAccount.id.in_(accounts))
    in_year: list[ColumnElement[bool]] = []
    if year is not None:
        in_year = [FundEntry.entry_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))]

    def sums(*conditions: ColumnElement[bool]) -> dict[tuple[int, str], int]:
        return {(aid, kind): int(total) for aid, kind, total in session.execute(
            select(FundEntry.account_id, FundEntry.kind, func.sum(FundEntry.amount_fen))
            .where(*conditions, *_in(accounts))
            .group_by(FundEntry.account_id, FundEntry.kind))}

    period = sums(*in_year)
    ever = period if year is None else sums()
    paid_query = (select(ReliefApplication.school_id, func.count())
                  .where(ReliefApplication.state == "paid")
                  .group_by(ReliefApplication.school_id))
    if year is not None:
        paid_query = paid_query.where(
            ReliefApplication.paid_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    paid = {sid: int(n) for sid, n in session.execute(paid_query)}
    rows = []
    for aid, school_id, name in session.execute(listed):
        income, expense = period.get((aid, "income"), 0), period.get((aid, "expense"), 0)
        balance = ever.get((aid, "income"), 0) - ever.get((aid, "expense"), 0)
        rows.append((aid, school_id, name or "", income, expense, balance,
                     paid.get(school_id, 0) if school_id is not None else 0))
    frame = pd.DataFrame(rows, columns=["account_id", "school_id", "name", "income_fen",
                                        "expense_fen", "balance_fen", "paid_count"])
    # None (not NaN) for the district fund: school ids stay whole numbers
    frame["school_id"] = pd.Series([r[1] for r in rows], dtype="object")
    return frame


def top_categories(session: Session, actor: Actor, *, year: int | None = None,
                   limit: int = 6) -> pd.DataFrame:
    """The relief categories that paid out most; a reversed payment counts neither in the
    amount nor in the count."""
    accounts = _scope(session, actor)
    amount = func.sum(FundEntry.amount_fen)
    count = func.sum(case((FundEntry.amount_fen > 0, 1), else_=-1))
    query = (select(FundEntry.category_id, amount, count)
             .where(FundEntry.kind == "expense", *_in(accounts))
             .group_by(FundEntry.category_id)
             .order_by(amount.desc(), FundEntry.category_id).limit(max(limit, 1)))
    if year is not None:
        query = query.where(_year_condition(year, accounts))
    cats = _categories(session)
    rows = [(cats[c].name if c in cats else "", int(total), int(n))
            for c, total, n in session.execute(query) if int(total) or int(n)]
    return pd.DataFrame(rows, columns=["category", "amount_fen", "count"])


# --- the cash journal -----------------------------------------------------------------------

@dataclass(frozen=True)
class JournalPage:
    frame: pd.DataFrame
    total: int                 # entries matching the filters (all pages)
    opening_fen: int           # the balance before `start` (0 with a kind/category filter)
    closing_fen: int           # opening + every matching entry
    running_is_balance: bool   # False: running_fen is a subtotal of the filtered entries


def _journal_filters(session: Session, actor: Actor, *, start: dt.date, end: dt.date,
                     account_id: int | None, kind: str | None, category_id: int | None
                     ) -> tuple[list[int] | None, list[ColumnElement[bool]], bool]:
    accounts = _scope(session, actor, account_id)
    if kind is not None and kind not in KINDS:
        raise DomainError("fund.error.unknown_category")
    conditions = [FundEntry.entry_date >= start, FundEntry.entry_date <= end, *_in(accounts)]
    if kind:
        conditions.append(FundEntry.kind == kind)
    if category_id:
        conditions.append(FundEntry.category_id == category_id)
    return accounts, conditions, not kind and not category_id


def _opening(session: Session, accounts: list[int] | None, start: dt.date) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(_signed()), 0))
                              .where(FundEntry.entry_date < start, *_in(accounts))) or 0)


def journal(session: Session, actor: Actor, *, start: dt.date, end: dt.date,
            account_id: int | None = None, kind: str | None = None,
            category_id: int | None = None, page: int = 1, page_size: int = 50) -> JournalPage:
    """现金日记账: the entries from `start` to `end`, oldest first, one page, with the running
    balance (or, filtered by kind or category, the running subtotal of the shown entries)."""
    accounts, conditions, is_balance = _journal_filters(
        session, actor, start=start, end=end, account_id=account_id, kind=kind,
        category_id=category_id)
    delta = _signed() if is_balance else FundEntry.amount_fen
    total, in_range = session.execute(
        select(func.count(), func.coalesce(func.sum(delta), 0)).where(*conditions)).one()
    total, in_range = int(total), int(in_range)
    opening = _opening(session, accounts, start) if is_balance else 0
    page_size = max(int(page_size), 1)
    skip = (max(int(page), 1) - 1) * page_size
    before = 0
    if skip and total:
        earlier = (select(delta.label("delta")).where(*conditions)
                   .order_by(FundEntry.entry_date, FundEntry.id).limit(skip).subquery())
        before = int(session.scalar(select(func.coalesce(func.sum(earlier.c.delta), 0))) or 0)
    # The page's rows first (the index walk stops after them), then their reversal links by
    # index lookups for just those rows.
    shown = (select(FundEntry.id, FundEntry.voucher_no, FundEntry.entry_date,
                    FundEntry.account_id, FundEntry.kind, FundEntry.category_id,
                    FundEntry.counterparty, FundEntry.memo, FundEntry.amount_fen,
                    FundEntry.reverses_id)
             .where(*conditions).order_by(FundEntry.entry_date, FundEntry.id)
             .limit(page_size).offset(skip).subquery())
    original, reversal = aliased(FundEntry), aliased(FundEntry)
    # A correlated lookup, not a join: with most reverses_id NULL, SQLite's statistics make
    # a join on it scan the table once per row.
    reversed_by = (select(reversal.voucher_no).where(reversal.reverses_id == shown.c.id)
                   .scalar_subquery())
    rows = session.execute(
        select(shown, original.voucher_no.label("reverses"), reversed_by.label("reversed_by"))
        .outerjoin(original, original.id == shown.c.reverses_id)
        .order_by(shown.c.entry_date, shown.c.id)).all()
    names, cats = _account_names(session), _categories(session)
    running = opening + before
    out = []
    for r in rows:
        running += (r.amount_fen if r.kind == "income" else -r.amount_fen) if is_balance \
            else r.amount_fen
        cat = cats.get(r.category_id)
        out.append((r.id, r.voucher_no, r.entry_date, names.get(r.account_id, ""), r.kind,
                    cat.name if cat else "", r.counterparty, r.memo,
                    r.amount_fen if r.kind == "income" else 0,
                    r.amount_fen if r.kind == "expense" else 0, running,
                    r.reverses or "", r.reversed_by or ""))
    return JournalPage(pd.DataFrame(out, columns=list(JOURNAL_COLUMNS)), total, opening,
                       opening + in_range, is_balance)


# --- recipients and the public notice --------------------------------------------------------

def _paid_relief(year: int, *columns: object) -> Select:
    """Applications paid in the year, with their school, person and category. Reversing a
    payment puts its application back to district_approved (services.fund.reverse_entry), so
    "paid" never counts a reversed payment."""
    return (select(*columns).select_from(ReliefApplication)
            .join(School, School.id == ReliefApplication.school_id)
            .join(Staff, Staff.id == ReliefApplication.staff_id)
            .join(FundCategory, FundCategory.id == ReliefApplication.category_id)
            .where(ReliefApplication.state == "paid",
                   ReliefApplication.paid_on.between(dt.date(year, 1, 1),
                                                     dt.date(year, 12, 31))))


def _payment_voucher() -> ColumnElement[str]:
    """The voucher of the application's standing payment: its latest original entry."""
    entry = aliased(FundEntry)
    return (select(entry.voucher_no)
            .where(entry.application_id == ReliefApplication.id, entry.reverses_id.is_(None),
                   entry.kind == "expense")
            .order_by(entry.id.desc()).limit(1).scalar_subquery())


def recipients(session: Session, actor: Actor, *, year: int, school_id: int | None = None,
               category_id: int | None = None) -> pd.DataFrame:
    """For reviewers: who received relief in the year, by full name (reversed payments left
    out). A chair sees their own schools only."""
    require_role(actor, *REVIEWERS)
    query = _paid_relief(year, ReliefApplication.number, School.name, Staff.name,
                         Staff.staff_no, FundCategory.name, ReliefApplication.amount_fen,
                         ReliefApplication.paid_on, _payment_voucher())
    if not actor.has("district_admin", "auditor"):
        chairs = actor.school_ids("school_chair")
        if school_id is not None and school_id not in chairs:
            raise DomainError("error.forbidden")
        query = query.where(ReliefApplication.school_id.in_(chairs))
    if school_id is not None:
        query = query.where(ReliefApplication.school_id == school_id)
    if category_id is not None:
        query = query.where(ReliefApplication.category_id == category_id)
    rows = session.execute(query.order_by(ReliefApplication.paid_on, School.code,
                                          ReliefApplication.number)).all()
    return pd.DataFrame(rows, columns=["number", "school", "name", "staff_no", "category",
                                       "amount_fen", "paid_on", "voucher_no"])


def public_notice(session: Session, actor: Actor, *, year: int,
                  school_id: int | None = None) -> pd.DataFrame:
    """公示: relief paid in the year, by school, category and masked name. No ID numbers, no
    reasons, no medical details: only what the notice board shows."""
    if actor is None:
        raise DomainError("error.login_required")
    query = _paid_relief(year, School.name, FundCategory.name, Staff.name,
                         ReliefApplication.amount_fen, ReliefApplication.paid_on)
    if school_id is not None:
        query = query.where(ReliefApplication.school_id == school_id)
    rows = session.execute(query.order_by(ReliefApplication.paid_on, School.code,
                                          ReliefApplication.number)).all()
    return pd.DataFrame([(school, cat, mask_name(name), int(amount), paid_on)
                         for school, cat, name, amount, paid_on in rows],
                        columns=["school", "category", "name", "amount_fen", "paid_on"])


def notice_totals(session: Session, actor: Actor, *, year: int) -> pd.DataFrame:
    """The notice's totals per relief category: how many people were helped, how much."""
    if actor is None:
        raise DomainError("error.login_required")
    rows = session.execute(
        _paid_relief(year, FundCategory.name, func.count(),
                     func.sum(ReliefApplication.amount_fen))
        .group_by(FundCategory.id, FundCategory.name, FundCategory.sort)
        .order_by(FundCategory.sort, FundCategory.id)).all()
    return pd.DataFrame([(name, int(n), int(total)) for name, n, total in rows],
                        columns=["category", "count", "amount_fen"])


# --- Excel exports --------------------------------------------------------------------------

def _yuan(fen: int) -> Decimal:
    """Exact yuan for a spreadsheet cell: 12345 fen → Decimal("123.45")."""
    return Decimal(int(fen)) / 100


def _text(value: object) -> object:
    """An export text cell: characters openpyxl refuses removed, formulas neutralised."""
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _money_cell(sheet: WriteOnlyWorksheet, fen: int | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=None if fen is None else _yuan(fen))
    cell.number_format = MONEY_FORMAT
    return cell


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def journal_xlsx(session: Session, actor: Actor, *, start: dt.date, end: dt.date,
                 account_id: int | None = None, kind: str | None = None,
                 category_id: int | None = None, lang: str = DEFAULT_LANG) -> bytes:
    """The whole filtered journal as a workbook: an opening line, then every entry with its
    running balance (or subtotal), money in yuan; streamed, never all in memory."""
    accounts, conditions, is_balance = _journal_filters(
        session, actor, start=start, end=end, account_id=account_id, kind=kind,
        category_id=category_id)
    names, cats = _account_names(session), _categories(session)
    district = t("fund.district_account", lang)
    book = Workbook(write_only=True)
    sheet = header_sheet(book, t("fund.report.sheet.journal", lang),
                         [t(f"fund.col.{c}", lang) for c in EXPORT_COLUMNS],
                         (16, 12, 24, 8, 16, 20, 30, 14, 14, 14, 16, 16))
    running = _opening(session, accounts, start) if is_balance else 0
    if is_balance:
        sheet.append([None, start, None, None, None, None, _text(t("fund.report.opening", lang)),
                      None, None, _money_cell(sheet, running), None, None])
    original, reversal = aliased(FundEntry), aliased(FundEntry)
    reversed_by = (select(reversal.voucher_no).where(reversal.reverses_id == FundEntry.id)
                   .scalar_subquery())   # a lookup per row, as in journal()
    result = session.execute(
        select(FundEntry.voucher_no, FundEntry.entry_date, FundEntry.account_id, FundEntry.kind,
               FundEntry.category_id, FundEntry.counterparty, FundEntry.memo,
               FundEntry.amount_fen, original.voucher_no, reversed_by)
        .outerjoin(original, original.id == FundEntry.reverses_id)
        .where(*conditions).order_by(FundEntry.entry_date, FundEntry.id)
        .execution_options(yield_per=STREAM_CHUNK))
    for (voucher, day, aid, entry_kind, cid, counterparty, memo, amount, reverses,
         reversed_by) in result:
        running += (amount if entry_kind == "income" else -amount) if is_balance else amount
        cat = cats.get(cid)
        sheet.append([
            _text(voucher), day, _text(names.get(aid, "") or district),
            _text(label(f"fund.kind.{entry_kind}", entry_kind, lang)),
            _text(cat.name if cat else ""), _text(counterparty), _text(memo),
            _money_cell(sheet, amount if entry_kind == "income" else None),
            _money_cell(sheet, amount if entry_kind == "expense" else None),
            _money_cell(sheet, running), _text(reverses or ""), _text(reversed_by or "")])
    return _save(book)


def _month_pivot(book: Workbook, title: str, frame: pd.DataFrame, kind: str, year: int,
                 lang: str) -> None:
    """One row per month of the year, one column per category, and a total column."""
    part = frame[frame["kind"] == kind]
    names = list(dict.fromkeys(part["category"]))
    sheet = header_sheet(book, title,
                         [t("fund.col.month", lang), *names, t("fund.col.total", lang)],
                         (10, *(14 for _ in names), 14))
    cells = {(m, c): int(a) for m, c, a in zip(part["month"], part["category"],
                                               part["amount_fen"], strict=True)}
    for month in range(1, 13):
        key = f"{year:04d}-{month:02d}"
        values = [cells.get((key, name), 0) for name in names]
        sheet.append([key, *(_money_cell(sheet, v) for v in values),
                      _money_cell(sheet, sum(values))])


def reports_xlsx(session: Session, actor: Actor, *, year: int, lang: str = DEFAULT_LANG) -> bytes:
    """The year's reports in one workbook: income by source and expenses by category per
    month, per school, top categories, the balance over time, and (for the reviewers who
    alone may read this) the recipients by full name."""
    months = monthly(session, actor, year=year)
    schools = by_school(session, actor, year=year)
    top = top_categories(session, actor, year=year, limit=100)
    history = balance_over_time(session, actor)
    people = recipients(session, actor, year=year)
    district = t("fund.district_account", lang)
    book = Workbook(write_only=True)
    _month_pivot(book, t("fund.report.sheet.income", lang), months, "income", year, lang)
    _month_pivot(book, t("fund.report.sheet.expense", lang), months, "expense", year, lang)
    sheet = header_sheet(book, t("fund.report.sheet.schools", lang),
                         [t(f"fund.col.{c}", lang) for c in
                          ("account", "income", "expense", "balance", "paid_count")],
                         (28, 14, 14, 14, 12))
    for row in schools.itertuples(index=False):
        sheet.append([_text(row.name or district), _money_cell(sheet, int(row.income_fen)),
                      _money_cell(sheet, int(row.expense_fen)),
                      _money_cell(sheet, int(row.balance_fen)), int(row.paid_count)])
    sheet = header_sheet(book, t("fund.report.sheet.top", lang),
                         [t(f"fund.col.{c}", lang) for c in ("category", "amount", "count")],
                         (20, 14, 10))
    for row in top.itertuples(index=False):
        sheet.append([_text(row.category), _money_cell(sheet, int(row.amount_fen)),
                      int(row.count)])
    sheet = header_sheet(book, t("fund.report.sheet.balance", lang),
                         [t(f"fund.col.{c}", lang)
                          for c in ("month", "income", "expense", "balance")],
                         (10, 14, 14, 14))
    for row in history.itertuples(index=False):
        sheet.append([row.month, _money_cell(sheet, int(row.income_fen)),
                      _money_cell(sheet, int(row.expense_fen)),
                      _money_cell(sheet, int(row.balance_fen))])
    columns = ("number", "school", "name", "staff_no", "category", "amount", "paid_on",
               "voucher_no")
    sheet = header_sheet(book, t("fund.report.sheet.recipients", lang),
                         [t(f"fund.col.{c}", lang) for c in columns],
                         (16, 24, 10, 12, 16, 14, 12, 16))
    for row in people.itertuples(index=False):
        sheet.append([_text(row.number), _text(row.school), _text(row.name),
                      _text(row.staff_no), _text(row.category),
                      _money_cell(sheet, int(row.amount_fen)),
                      row.paid_on.isoformat() if row.paid_on else "", _text(row.voucher_no)])
    return _save(book)


# --- Beancount --------------------------------------------------------------------------------

_COMPONENT = re.compile(r"^[A-Z0-9][A-Za-z0-9-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _bean_string(text: str) -> str:
    """A Beancount string literal: quotes and backslashes escaped, one line."""
    one_line = _CONTROL.sub(" ", text or "")
    return '"' + one_line.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bean_amount(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d} CNY"


def _asset_account(school_id: int | None, code: str | None) -> str:
    if school_id is None:
        return "Assets:ReliefFund:District"
    part = code if code and _COMPONENT.match(code) else f"S{school_id}"
    return f"Assets:ReliefFund:School:{part}"


def _category_account(cat: FundCategory) -> str:
    part = cat.code if _COMPONENT.match(cat.code or "") else f"C{cat.id}"
    return f"{'Income' if cat.kind == 'income' else 'Expenses'}:Relief:{part}"


def beancount_text(session: Session, actor: Actor) -> str:
    """The whole ledger as a Beancount file for Fava: one transaction per entry, and at the end
    a balance assertion per account, so the accountant's tool checks the totals."""
    require_role(actor, *fund.DISTRICT_READERS)
    fund.ensure_accounts(session)
    assets = {aid: _asset_account(sid, code) for aid, sid, code in session.execute(
        select(FundAccount.id, FundAccount.school_id, School.code)
        .outerjoin(School, School.id == FundAccount.school_id)
        .order_by(FundAccount.school_id.is_not(None), School.code))}
    cats = _categories(session)
    others = {cid: _category_account(cat) for cid, cat in
              sorted(cats.items(), key=lambda item: (KINDS.index(item[1].kind),
                                                     item[1].sort, item[0]))}
    first, last = session.execute(select(func.min(FundEntry.entry_date),
                                         func.max(FundEntry.entry_date))).one()
    opened = (first or local_today()).isoformat()
    lines = [f"; {t('fund.report.beancount_title', DEFAULT_LANG)}",
             'option "title" ' + _bean_string(t("fund.report.beancount_title", DEFAULT_LANG)),
             'option "operating_currency" "CNY"', ""]
    lines += [f"{opened} open {name} CNY" for name in (*assets.values(), *others.values())]
    lines.append("")
    totals: dict[str, int] = dict.fromkeys((*assets.values(), *others.values()), 0)
    original = aliased(FundEntry)
    result = session.execute(
        select(FundEntry.entry_date, FundEntry.voucher_no, FundEntry.account_id, FundEntry.kind,
               FundEntry.category_id, FundEntry.counterparty, FundEntry.memo,
               FundEntry.amount_fen, original.voucher_no)
        .outerjoin(original, original.id == FundEntry.reverses_id)
        .order_by(FundEntry.entry_date, FundEntry.id)
        .execution_options(yield_per=STREAM_CHUNK))
    for day, voucher, aid, kind, cid, counterparty, memo, amount, reverses in result:
        cat = cats[cid]
        asset, other = assets[aid], others[cid]
        change = amount if kind == "income" else -amount   # what the fund's account gains
        totals[asset] += change
        totals[other] -= change
        payee = f"{_bean_string(counterparty)} " if counterparty else ""
        lines.append(f"{day.isoformat()} * {payee}{_bean_string(memo or cat.name)}")
        lines.append(f"  voucher: {_bean_string(voucher)}")
        lines.append(f"  category: {_bean_string(cat.name)}")
        if reverses:
            lines.append(f"  reverses: {_bean_string(reverses)}")
        lines.append(f"  {asset}  {_bean_amount(change)}")
        lines.append(f"  {other}  {_bean_amount(-change)}")
        lines.append("")
    checked = ((last or local_today()) + dt.timedelta(days=1)).isoformat()
    lines += [f"{checked} balance {name}  {_bean_amount(fen)}" for name, fen in totals.items()]
    return "\n".join(lines) + "\n"
