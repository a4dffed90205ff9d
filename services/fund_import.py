"""Donations imported from an Excel list (捐款名单导入), all or nothing.

The district admin downloads a template, fills in one donation per row and uploads it. Every
row is checked first: if any is wrong nothing is posted and every problem is reported with
its Excel row number and reason, so one corrected upload goes through. A good file becomes
one FundImport row, one income entry per row (through services.fund.post_incomes: the same
locks and voucher numbers, in one INSERT) and one audit entry for the whole list. The
file's SHA-256 keeps the same list from being imported twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.fund import FundAccount, FundCategory, FundImport
from db.models import School, utcnow
from services import audit, fund
from services.actor import Actor, require_role
from services.clock import local_today, to_local
from services.errors import DomainError
from services.formatting import date_time, safe_cell
from services.i18n import DEFAULT_LANG, LANGUAGES, t
from services.xlsx import uploaded_sheet

COLUMNS = ("date", "donor", "source", "amount", "account", "memo")
REQUIRED = ("date", "donor", "source", "amount", "account")   # the memo may be left out
MAX_ROWS = 5_000
MAX_DONOR = 100
HEADER_SCAN_ROWS = 5        # a title row or two above the header is tolerated
DATE_FORMAT = "yyyy-mm-dd"
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_SERIALS = (1, 2_958_465)   # 1900-01-01 … 9999-12-31 as Excel day numbers


@dataclass
class RowProblem:
    row: int              # the row number Excel shows
    error: DomainError


@dataclass
class ImportOutcome:
    rows: int             # donation rows read
    total_fen: int        # their total (of the amounts that could be read, if any failed)
    problems: list[RowProblem]
    import_id: int | None  # None: nothing was posted


@dataclass(frozen=True)
class _Donation:
    row: int
    day: dt.date
    donor: str
    category_id: int
    amount_fen: int
    account_id: int
    memo: str


# --- the template -------------------------------------------------------------------------

def _header_labels(lang: str) -> list[str]:
    return [t(f"fund.import.col.{c}", lang) for c in COLUMNS]


def _valid_lists(session: Session | None) -> tuple[list[str], list[str]]:
    """(active income sources, accounts as typed: the district fund, then schools)."""
    if session is None:
        return [name for name, _code in fund.DEFAULT_SOURCES], []
    fund.ensure_lists(session)
    sources = list(session.scalars(select(FundCategory.name).where(
        FundCategory.kind == "income", FundCategory.active.is_(True))
        .order_by(FundCategory.sort, FundCategory.id)))
    schools = [f"{code} {name}" for code, name in session.execute(
        select(School.code, School.name).where(School.active.is_(True)).order_by(School.code))]
    return sources, schools


def template_xlsx(lang: str = DEFAULT_LANG, session: Session | None = None) -> bytes:
    """The donation list to fill in: the header row, two example rows, and a second sheet
    with the valid sources and accounts (with a session: the current ones and every school)."""
    sources, schools = _valid_lists(session)
    district = t("fund.district_account", lang)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("fund.import.sheet.donations", lang)
    sheet.append(_header_labels(lang))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    today = local_today()
    first_source = sources[0] if sources else ""
    examples = [
        (today - dt.timedelta(days=14), t("fund.import.example.donor1", lang),
         sources[3] if len(sources) > 3 else first_source, 200, district,
         t("fund.import.example.memo1", lang)),
        (today - dt.timedelta(days=7), t("fund.import.example.donor2", lang),
         sources[4] if len(sources) > 4 else first_source, 5000.5, district,
         t("fund.import.example.memo2", lang)),
    ]
    for day, donor, source, amount, account, memo in examples:
        sheet.append([day, safe_cell(donor), safe_cell(source), amount, safe_cell(account),
                      safe_cell(memo)])
    for row in sheet.iter_rows(min_row=2, max_col=4):
        row[0].number_format = DATE_FORMAT
        row[3].number_format = "0.00"
    for index, width in enumerate((12, 24, 18, 14, 24, 30), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    lists = book.create_sheet(t("fund.import.sheet.lists", lang))
    lists.append([t("fund.import.col.source", lang), t("fund.import.col.account", lang)])
    for cell in lists[1]:
        cell.font = Font(bold=True)
    accounts = [district, *schools, t("fund.import.lists.school_hint", lang)]
    for n in range(max(len(sources), len(accounts))):
        lists.append([safe_cell(sources[n]) if n < len(sources) else None,
                      safe_cell(accounts[n]) if n < len(accounts) else None])
    lists.column_dimensions["A"].width = 20
    lists.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading cells --------------------------------------------------------------------------

def _normal(value: object) -> str:
    """Text compared loosely: full-width forms folded, spaces dropped, case ignored."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return re.sub(r"\s+", "", text).casefold()


def _shown(value: object) -> str:
    return "" if value is None else str(value).strip()[:40]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_date(value: object) -> dt.date:
    """A date cell as Excel or a person gives it: a date, a datetime, "2026-03-05",
    "2026/3/5", "2026年3月5日", "20260305", or an Excel day number."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _blank(value):
        raise DomainError("fund.import.error.date_missing")
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int | float):
            number = float(value)
            digits = _DATE_DIGITS.match(str(int(number))) if number.is_integer() else None
            if digits and number >= 10_000_000:
                return dt.date(*(int(part) for part in digits.groups()))
            if _EXCEL_SERIALS[0] <= number <= _EXCEL_SERIALS[1]:
                return from_excel(number).date()
            raise ValueError
        text = unicodedata.normalize("NFKC", str(value)).strip()
        found = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
        if not found:
            raise ValueError
        return dt.date(*(int(part) for part in found.groups()))
    except (ValueError, OverflowError, TypeError):
        raise DomainError("fund.import.error.bad_date", value=_shown(value)) from None


# --- reading the file -----------------------------------------------------------------------

def _header_map(cells: Sequence[object]) -> tuple[dict[str, int], str]:
    """{column: index} of the known headers in a row, and the language they are in."""
    names = {_normal(t(f"fund.import.col.{c}", lang)): (c, lang)
             for lang in LANGUAGES for c in COLUMNS}
    found: dict[str, int] = {}
    langs: list[str] = []
    for index, cell in enumerate(cells):
        hit = names.get(_normal(cell))
        if hit and hit[0] not in found:
            found[hit[0]] = index
            langs.append(hit[1])
    lang = max(LANGUAGES, key=langs.count) if langs else DEFAULT_LANG
    return found, lang


def _rows(data: bytes) -> Iterator[tuple[int, dict[str, object]]]:
    """(Excel row number, {column: cell}) for every non-blank row under the header."""
    titles = {t("fund.import.sheet.donations", lang) for lang in LANGUAGES}
    with uploaded_sheet(data, titles, unreadable="fund.import.error.unreadable") as sheet:
        columns: dict[str, int] | None = None
        best: tuple[dict[str, int], str] = ({}, DEFAULT_LANG)
        count = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if columns is None:
                found, lang = _header_map(values)
                if len(found) > len(best[0]):
                    best = (found, lang)
                if all(c in found for c in REQUIRED):
                    columns = found
                elif number >= HEADER_SCAN_ROWS:
                    break
                continue
            row = {c: values[i] if i < len(values) else None for c, i in columns.items()}
            if all(_blank(v) for v in row.values()):
                continue
            count += 1
            if count > MAX_ROWS:
                raise DomainError("fund.import.error.too_many_rows", limit=MAX_ROWS)
            yield number, row
        if columns is None:
            found, lang = best
            missing = [t(f"fund.import.col.{c}", lang) for c in REQUIRED if c not in found]
            raise DomainError("fund.import.error.missing_columns",
                              columns=t("fund.import.list_separator", lang).join(missing))


# --- checking and posting --------------------------------------------------------------------

class _Lookup:
    """The names a row may use for a source and an account."""

    def __init__(self, session: Session) -> None:
        fund.ensure_lists(session)
        fund.ensure_accounts(session)
        self.sources: dict[str, FundCategory] = {}
        for cat in session.scalars(select(FundCategory).where(FundCategory.kind == "income")
                                   .order_by(FundCategory.active.desc())):
            self.sources.setdefault(_normal(cat.name), cat)
            self.sources.setdefault(_normal(cat.code), cat)
        self.accounts: dict[str, int] = {}
        for lang in LANGUAGES:
            self.accounts[_normal(t("fund.district_account", lang))] = \
                fund.account_id_for(session, None)
        for aid, code, name in session.execute(
                select(FundAccount.id, School.code, School.name)
                .join(School, School.id == FundAccount.school_id)):
            for typed in (code, name, f"{code} {name}"):
                self.accounts.setdefault(_normal(typed), aid)


def _check_row(number: int, row: dict[str, object], lookup: _Lookup,
               problems: list[RowProblem]) -> tuple[_Donation | None, int]:
    """The row as a donation, or its problems added; also the amount if it could be read."""
    found: dict[str, Any] = {}

    def attempt(name: str, read: Callable[[], object]) -> None:
        try:
            found[name] = read()
        except DomainError as error:
            problems.append(RowProblem(number, error))

    attempt("day", lambda: fund.check_date(read_date(row.get("date"))))
    attempt("donor", lambda: fund.clean_text(
        None if row.get("donor") is None else str(row["donor"]), limit=MAX_DONOR,
        field="fund.import.col.donor", required=True))

    def source() -> int:
        if _blank(row.get("source")):
            raise DomainError("fund.error.text_required", field_key="fund.import.col.source")
        cat = lookup.sources.get(_normal(row.get("source")))
        if cat is None:
            raise DomainError("fund.import.error.unknown_source", value=_shown(row["source"]))
        if not cat.active:
            raise DomainError("fund.error.category_inactive", name=cat.name)
        return cat.id

    def account() -> int:
        if _blank(row.get("account")):
            raise DomainError("fund.error.text_required", field_key="fund.import.col.account")
        aid = lookup.accounts.get(_normal(row.get("account")))
        if aid is None:
            raise DomainError("fund.import.error.unknown_account", value=_shown(row["account"]))
        return aid

    attempt("category_id", source)
    attempt("amount_fen", lambda: fund.parse_amount(row.get("amount"),
                                                    field="fund.import.col.amount"))
    attempt("account_id", account)
    attempt("memo", lambda: fund.clean_text(
        None if row.get("memo") is None else str(row["memo"]), field="fund.field.memo"))
    amount = int(found.get("amount_fen", 0))
    if len(found) < 6:
        return None, amount
    return _Donation(number, **found), amount


def _yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def import_donations(session: Session, actor: Actor, *, filename: str, data: bytes,
                     progress: Callable[[float], None] | None = None) -> ImportOutcome:
    """Check every row of an uploaded donation list; if all are right post them, else post
    nothing and return every problem. File-level problems raise DomainError."""
    require_role(actor, *fund.WRITERS)
    name = (filename or "").strip()[-200:]
    if not name.lower().endswith(".xlsx") or not data.startswith(b"PK"):
        raise DomainError("fund.import.error.not_xlsx", name=name)
    digest = hashlib.sha256(data).hexdigest()
    if (earlier := session.scalar(select(FundImport).where(FundImport.digest == digest))):
        raise DomainError("fund.import.error.already_imported", name=earlier.filename,
                          date=date_time(to_local(earlier.imported_at)), rows=earlier.rows)
    lookup = _Lookup(session)
    donations: list[_Donation] = []
    problems: list[RowProblem] = []
    read = total = 0
    for number, row in _rows(data):
        read += 1
        donation, amount = _check_row(number, row, lookup, problems)
        total += amount
        if donation is not None:
            donations.append(donation)
    if not read:
        raise DomainError("fund.import.error.empty")
    if progress:
        progress(0.05)
    if problems:
        return ImportOutcome(read, total, problems, None)

    record = FundImport(digest=digest, filename=name, rows=read, total_fen=total,
                        imported_by=actor.account_id, imported_at=utcnow())
    try:
        with session.begin_nested():   # a racing upload of the same file loses here
            session.add(record)
            session.flush()
    except IntegrityError:
        raise DomainError("fund.import.error.already_imported", name=name,
                          date=date_time(to_local(utcnow())), rows=read) from None
    if progress:
        progress(0.5)
    fund.post_incomes(session, actor, [
        fund.IncomeLine(d.account_id, d.category_id, d.amount_fen, d.day, d.donor, d.memo)
        for d in donations], import_id=record.id)
    audit.record(session, actor, "fund.imported", "fund_import", record.id, note=name,
                 after={"file": name, "rows": read, "total_fen": total})
    if progress:
        progress(1.0)
    return ImportOutcome(read, total, [], record.id)
