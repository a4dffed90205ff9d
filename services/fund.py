"""特困教职工救助基金: the ledger. Posting income and expenses, reversals, balances, the lists of
sources and categories with their caps, and reconciliation with the bank.

Every posting locks its account's row before it reads the balance, so two payments that race
are applied one after the other and the second sees the first: on SQLite the UPDATE takes the
database's write lock, on PostgreSQL the row lock. Money is integer fen from end to end.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import case, func, insert, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.fund import (
    BankCheck,
    FundAccount,
    FundCategory,
    FundEntry,
    FundVoucherCounter,
    ReliefApplication,
    ReliefEvent,
)
from db.models import School, utcnow
from services import audit
from services.actor import Actor, require_role
from services.clock import local_today
from services.errors import DomainError
from services.formatting import money
from services.text import plain_text

WRITERS = ("district_admin",)
READERS = ("district_admin", "school_chair", "auditor")
DISTRICT_READERS = ("district_admin", "auditor")
DISTRICT_KEY = "district"
MAX_AMOUNT_FEN = 1_000_000_000          # ¥10,000,000.00: no single entry is larger
EARLIEST_DATE = dt.date(2000, 1, 1)
MAX_TEXT = 500

# (name, Beancount code); relief categories also carry a yearly cap per person (fen, count).
DEFAULT_SOURCES = (
    ("教育局补助", "EduBureau"), ("财政补助", "Finance"), ("工会经费拨付", "UnionFunds"),
    ("教职工个人捐款", "StaffDonations"), ("单位赞助", "Organisations"),
    ("社会爱心人士捐赠", "PublicDonors"),
)
DEFAULT_CATEGORIES = (
    ("大病救助", "SeriousIllness", 5_000_000, 2), ("灾害救助", "Disaster", 2_000_000, 2),
    ("生活困难补助", "Hardship", 600_000, 2), ("金秋助学", "ChildSchooling", 300_000, 1),
    ("节日送温暖慰问", "FestivalCare", 150_000, 3), ("退休教职工慰问", "RetiredCare", 100_000, 2),
)
CODE_PATTERN = re.compile(r"^[A-Z][A-Za-z0-9-]{0,39}$")
PLAIN_AMOUNT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


# --- amounts ------------------------------------------------------------------------------

def parse_amount(value: object, *, field: str = "fund.field.amount",
                 allow_zero: bool = False) -> int:
    """A yuan amount as a person typed it ("1,234.5", "￥200", 300) in exact integer fen."""
    if isinstance(value, float):
        value = Decimal(repr(value))  # an Excel number cell: its shortest exact text
    if isinstance(value, Decimal):
        value = format(value, "f")    # plain digits, never 1E+3
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    text = text.replace(",", "").replace("¥", "").replace(" ", "").strip()
    if not text:
        raise DomainError("fund.error.amount_missing", field_key=field)
    if not PLAIN_AMOUNT.fullmatch(text):  # no 1e3, 1_000, NaN: digits and one decimal point
        raise DomainError("fund.error.amount_not_number", value=str(value)[:30])
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise DomainError("fund.error.amount_not_number", value=str(value)[:30]) from error
    if not amount.is_finite():
        raise DomainError("fund.error.amount_not_number", value=str(value)[:30])
    if amount * 100 > MAX_AMOUNT_FEN:
        raise DomainError("fund.error.amount_too_large", limit=money(MAX_AMOUNT_FEN))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError("fund.error.amount_not_positive", value=text)
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError("fund.error.amount_decimals", value=text)
    return int(amount * 100)


def check_date(day: object, *, field: str = "fund.field.date") -> dt.date:
    if not isinstance(day, dt.date):
        raise DomainError("fund.error.date_missing")
    if isinstance(day, dt.datetime):
        day = day.date()
    if day > local_today():
        raise DomainError("fund.error.date_in_future", date=day.isoformat())
    if day < EARLIEST_DATE:
        raise DomainError("fund.error.date_too_early", date=day.isoformat())
    return day


def clean_text(value: str | None, *, limit: int = MAX_TEXT, field: str,
               required: bool = False) -> str:
    text = plain_text(value)
    if required and not text:
        raise DomainError("fund.error.text_required", field_key=field)
    if len(text) > limit:
        raise DomainError("fund.error.text_too_long", field_key=field, limit=limit)
    return text


# --- sources and categories -----------------------------------------------------------------

@dataclass(frozen=True)
class Category:
    id: int
    kind: str
    name: str
    code: str
    active: bool
    yearly_limit_fen: int | None
    yearly_limit_count: int | None


def ensure_lists(session: Session) -> None:
    """The six sources and six categories of DOMAIN.md, the first time the fund is used."""
    if session.scalar(select(func.count()).select_from(FundCategory)):
        return
    for n, (name, code) in enumerate(DEFAULT_SOURCES):
        session.add(FundCategory(kind="income", name=name, code=code, sort=n, active=True))
    for n, (name, code, cap, count) in enumerate(DEFAULT_CATEGORIES):
        session.add(FundCategory(kind="expense", name=name, code=code, sort=n, active=True,
                                 yearly_limit_fen=cap, yearly_limit_count=count))
    session.flush()


def categories(session: Session, kind: str, *, active_only: bool = True) -> list[Category]:
    ensure_lists(session)
    query = select(FundCategory).where(FundCategory.kind == kind)
    if active_only:
        query = query.where(FundCategory.active.is_(True))
    return [Category(c.id, c.kind, c.name, c.code, c.active, c.yearly_limit_fen,
                     c.yearly_limit_count)
            for c in session.scalars(query.order_by(FundCategory.sort, FundCategory.id))]


def category(session: Session, category_id: int, kind: str | None = None) -> FundCategory:
    found = session.get(FundCategory, category_id)
    if found is None or (kind is not None and found.kind != kind):
        raise DomainError("fund.error.unknown_category")
    return found


def save_category(session: Session, actor: Actor, *, kind: str, name: str,
                  category_id: int | None = None, active: bool = True,
                  yearly_limit: object = None, yearly_limit_count: int | None = None) -> int:
    """Add or change a source or category; caps are for relief categories only."""
    require_role(actor, *WRITERS)
    if kind not in ("income", "expense"):
        raise DomainError("fund.error.unknown_category")
    name = clean_text(name, limit=50, field="fund.field.category_name", required=True)
    cap = None
    if kind == "expense" and yearly_limit not in (None, ""):
        cap = parse_amount(yearly_limit, field="fund.field.yearly_limit")
    count = None
    if kind == "expense" and yearly_limit_count not in (None, 0):
        if int(yearly_limit_count) < 0:  # type: ignore[arg-type]
            raise DomainError("fund.error.count_not_positive")
        count = int(yearly_limit_count)  # type: ignore[arg-type]
    clash = session.scalar(select(FundCategory.id).where(
        FundCategory.kind == kind, FundCategory.name == name))
    if clash is not None and clash != category_id:
        raise DomainError("fund.error.category_exists", name=name)
    if category_id is None:
        ensure_lists(session)
        row = FundCategory(kind=kind, name=name, active=active, yearly_limit_fen=cap,
                           yearly_limit_count=count, code="pending",
                           sort=(session.scalar(select(func.max(FundCategory.sort))) or 0) + 1)
        session.add(row)
        session.flush()
        row.code = f"{'Source' if kind == 'income' else 'Relief'}{row.id}"
        before = None
    else:
        row = category(session, category_id, kind)
        before = {"name": row.name, "active": row.active, "yearly_limit_fen": row.yearly_limit_fen,
                  "yearly_limit_count": row.yearly_limit_count}
        row.name, row.active, row.yearly_limit_fen, row.yearly_limit_count = (
            name, active, cap, count)
    session.flush()
    audit.record(session, actor, "fund.category_saved", "fund_category", row.id, before=before,
                 after={"kind": kind, "name": name, "active": active, "yearly_limit_fen": cap,
                        "yearly_limit_count": count})
    return row.id


# --- accounts -----------------------------------------------------------------------------

def _account_key(school_id: int | None) -> str:
    return DISTRICT_KEY if school_id is None else f"school:{school_id}"


def ensure_accounts(session: Session) -> None:
    """The district fund and a sub-account for every school, made once."""
    have = set(session.scalars(select(FundAccount.key)))
    wanted = [None, *session.scalars(select(School.id).order_by(School.id))]
    missing = [s for s in wanted if _account_key(s) not in have]
    for school_id in missing:
        session.add(FundAccount(key=_account_key(school_id), school_id=school_id,
                                lock_version=0))
    if missing:
        session.flush()


def account_id_for(session: Session, school_id: int | None) -> int:
    found = session.scalar(select(FundAccount.id).where(
        FundAccount.key == _account_key(school_id)))
    if found is None:
        ensure_accounts(session)
        found = session.scalar(select(FundAccount.id).where(
            FundAccount.key == _account_key(school_id)))
    if found is None:
        raise DomainError("fund.error.unknown_account")
    return found


def readable_account_ids(session: Session, actor: Actor) -> list[int] | None:
    """None: every account (district roles). A chair reads their schools' sub-accounts."""
    require_role(actor, *READERS)
    if actor.has(*DISTRICT_READERS):
        return None
    schools = actor.school_ids("school_chair")
    return list(session.scalars(select(FundAccount.id).where(
        FundAccount.school_id.in_(schools)))) if schools else []


def account_choices(session: Session, actor: Actor) -> dict[int, str]:
    """Accounts the actor may read, district fund first: {account id: name}."""
    ensure_accounts(session)
    scope = readable_account_ids(session, actor)
    query = (select(FundAccount.id, FundAccount.school_id, School.code, School.name)
             .outerjoin(School, School.id == FundAccount.school_id)
             .order_by(FundAccount.school_id.is_not(None), School.code))
    if scope is not None:
        query = query.where(FundAccount.id.in_(scope))
    return {aid: (DISTRICT_KEY if sid is None else f"{code} {name}")
            for aid, sid, code, name in session.execute(query)}


def _signed():
    return case((FundEntry.kind == "income", FundEntry.amount_fen), else_=-FundEntry.amount_fen)


def balance_fen(session: Session, account_id: int | None = None, *,
                through: dt.date | None = None) -> int:
    """Income minus expenses, from the entries: one account, or the whole fund (None)."""
    query = select(func.coalesce(func.sum(_signed()), 0))
    if account_id is not None:
        query = query.where(FundEntry.account_id == account_id)
    if through is not None:
        query = query.where(FundEntry.entry_date <= through)
    return int(session.scalar(query) or 0)


def lowest_balance_from(session: Session, account_id: int, day: dt.date) -> int:
    """The lowest end-of-day balance from `day` on: what a back-dated expense may take."""
    running = balance_fen(session, account_id, through=day - dt.timedelta(days=1))
    lowest = None
    for (change,) in session.execute(
            select(func.sum(_signed())).where(FundEntry.account_id == account_id,
                                              FundEntry.entry_date >= day)
            .group_by(FundEntry.entry_date).order_by(FundEntry.entry_date)):
        running += int(change)
        lowest = running if lowest is None else min(lowest, running)
    return running if lowest is None else lowest


def balances(session: Session, actor: Actor) -> pd.DataFrame:
    """Per account: income, expenses and balance, summed in SQL."""
    names = account_choices(session, actor)
    sums = dict(((aid, kind), int(total)) for aid, kind, total in session.execute(
        select(FundEntry.account_id, FundEntry.kind, func.sum(FundEntry.amount_fen))
        .where(FundEntry.account_id.in_(list(names)))
        .group_by(FundEntry.account_id, FundEntry.kind)))
    rows = []
    for aid, name in names.items():
        income, expense = sums.get((aid, "income"), 0), sums.get((aid, "expense"), 0)
        rows.append((aid, name, income, expense, income - expense))
    return pd.DataFrame(rows, columns=["account_id", "account", "income_fen", "expense_fen",
                                       "balance_fen"])


# --- posting ------------------------------------------------------------------------------

def lock_account(session: Session, account_id: int) -> FundAccount:
    """Take the account's lock before reading anything the posting depends on."""
    done = session.execute(update(FundAccount).where(FundAccount.id == account_id)
                           .values(lock_version=FundAccount.lock_version + 1))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("fund.error.unknown_account")
    account = session.get(FundAccount, account_id, populate_existing=True)
    assert account is not None
    return account


def next_voucher(session: Session, year: int) -> str:
    """记-2026-000123: numbered per year without gaps (the counter row serialises writers)."""
    done = session.execute(update(FundVoucherCounter).where(FundVoucherCounter.year == year)
                           .values(last=FundVoucherCounter.last + 1))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        try:  # the year's first voucher; a racing first posting may create the row first
            with session.begin_nested():
                session.add(FundVoucherCounter(year=year, last=1))
        except IntegrityError:
            session.execute(update(FundVoucherCounter).where(FundVoucherCounter.year == year)
                            .values(last=FundVoucherCounter.last + 1))
    last = session.scalar(select(FundVoucherCounter.last).where(FundVoucherCounter.year == year)
                          .execution_options(populate_existing=True))
    return f"记-{year}-{int(last or 0):06d}"


@dataclass(frozen=True)
class Posted:
    id: int
    voucher_no: str
    amount_fen: int
    new: bool          # False: the idempotency key had already posted this entry


def _existing(session: Session, idempotency_key: str | None) -> FundEntry | None:
    if not idempotency_key:
        return None
    return session.scalar(select(FundEntry).where(FundEntry.idempotency_key == idempotency_key))


def post_entry(session: Session, actor: Actor, *, account_id: int, kind: str, category_id: int,
               amount: object, entry_date: object, counterparty: str = "", memo: str = "",
               staff_id: int | None = None, application_id: int | None = None,
               idempotency_key: str | None = None, import_id: int | None = None) -> Posted:
    """Post one income or expense entry; an expense never takes the account below zero."""
    require_role(actor, *WRITERS)
    if kind not in ("income", "expense"):
        raise DomainError("fund.error.unknown_category")
    fen = parse_amount(amount)
    day = check_date(entry_date)
    cat = category(session, category_id, kind)
    if not cat.active and application_id is None:
        raise DomainError("fund.error.category_inactive", name=cat.name)
    counterparty = clean_text(counterparty, limit=100, field="fund.field.counterparty")
    memo = clean_text(memo, field="fund.field.memo")
    account = lock_account(session, account_id)
    if (done := _existing(session, idempotency_key)) is not None:
        return Posted(done.id, done.voucher_no, done.amount_fen, new=False)
    if kind == "expense":
        available = lowest_balance_from(session, account_id, day)
        if fen > available:
            raise DomainError("fund.error.insufficient", balance=money(max(available, 0)),
                              amount=money(fen))
    entry = FundEntry(
        voucher_no=next_voucher(session, day.year), account_id=account_id, kind=kind,
        category_id=category_id, entry_date=day, period=day.year * 100 + day.month,
        amount_fen=fen, counterparty=counterparty, memo=memo, staff_id=staff_id,
        application_id=application_id, idempotency_key=idempotency_key or None,
        import_id=import_id, created_by=actor.account_id, created_at=utcnow())
    session.add(entry)
    session.flush()
    if import_id is None:  # an import is audited once, as a whole
        audit.record(session, actor, f"fund.posted_{kind}", "fund_entry", entry.id,
                     school_id=account.school_id,
                     after={"voucher": entry.voucher_no, "amount_fen": fen,
                            "category": cat.name, "date": day.isoformat(),
                            "counterparty": counterparty})
    return Posted(entry.id, entry.voucher_no, fen, new=True)


@dataclass(frozen=True)
class IncomeLine:
    """One checked income line of an imported list (amount in fen, date not in the future)."""
    account_id: int
    category_id: int
    amount_fen: int
    entry_date: dt.date
    counterparty: str
    memo: str


def post_incomes(session: Session, actor: Actor, lines: list[IncomeLine], *,
                 import_id: int) -> int:
    """Post many checked income lines at once: income cannot take a balance below zero, so
    one lock per account, one block of voucher numbers per year in date order, one INSERT."""
    require_role(actor, *WRITERS)
    for account_id in sorted({line.account_id for line in lines}):  # one order: no deadlock
        lock_account(session, account_id)
    ordered = sorted(lines, key=lambda line: line.entry_date)
    numbers: dict[int, int] = {}
    for year in sorted({line.entry_date.year for line in ordered}):
        count = sum(1 for line in ordered if line.entry_date.year == year)
        last = int(next_voucher(session, year).rsplit("-", 1)[1])   # takes the first number
        if count > 1:
            session.execute(update(FundVoucherCounter).where(FundVoucherCounter.year == year)
                            .values(last=FundVoucherCounter.last + count - 1))
        numbers[year] = last
    now, rows = utcnow(), []
    for line in ordered:
        year = line.entry_date.year
        rows.append({
            "voucher_no": f"记-{year}-{numbers[year]:06d}", "account_id": line.account_id,
            "kind": "income", "category_id": line.category_id, "entry_date": line.entry_date,
            "period": year * 100 + line.entry_date.month, "amount_fen": line.amount_fen,
            "counterparty": line.counterparty, "memo": line.memo, "import_id": import_id,
            "created_by": actor.account_id, "created_at": now})
        numbers[year] += 1
    if rows:
        session.execute(insert(FundEntry), rows)
    return len(rows)


def reverse_entry(session: Session, actor: Actor, entry_id: int, *, reason: str,
                  entry_date: object = None, idempotency_key: str | None = None) -> Posted:
    """冲正: post the same amount negated, pointing at the original. Once per entry."""
    require_role(actor, *WRITERS)
    reason = clean_text(reason, field="fund.field.reversal_reason", required=True)
    original = session.get(FundEntry, entry_id)
    if original is None:
        raise DomainError("fund.error.unknown_entry")
    if original.reverses_id is not None:
        raise DomainError("fund.error.reverse_a_reversal", voucher=original.voucher_no)
    day = check_date(entry_date if entry_date is not None else local_today())
    if day < original.entry_date:
        raise DomainError("fund.error.reversal_before_original",
                          date=original.entry_date.isoformat())
    account = lock_account(session, original.account_id)
    if (done := _existing(session, idempotency_key)) is not None:
        return Posted(done.id, done.voucher_no, done.amount_fen, new=False)
    if session.scalar(select(FundEntry.voucher_no).where(FundEntry.reverses_id == entry_id)):
        raise DomainError("fund.error.already_reversed", voucher=original.voucher_no)
    if original.kind == "income":
        available = lowest_balance_from(session, original.account_id, day)
        if original.amount_fen > available:
            raise DomainError("fund.error.reversal_insufficient",
                              balance=money(max(available, 0)),
                              amount=money(original.amount_fen))
    entry = FundEntry(
        voucher_no=next_voucher(session, day.year), account_id=original.account_id,
        kind=original.kind, category_id=original.category_id, entry_date=day,
        period=day.year * 100 + day.month, amount_fen=-original.amount_fen,
        counterparty=original.counterparty, memo=reason, staff_id=original.staff_id,
        application_id=original.application_id, reverses_id=original.id,
        idempotency_key=idempotency_key or None, created_by=actor.account_id,
        created_at=utcnow())
    session.add(entry)
    session.flush()
    if original.application_id is not None:  # the relief was not paid after all
        application = session.get(ReliefApplication, original.application_id,
                                  populate_existing=True)
        if application is not None and application.state == "paid":
            application.state = "district_approved"
            application.paid_by = application.paid_at = application.paid_on = None
            session.add(ReliefEvent(application_id=application.id, at=utcnow(),
                                    account_id=actor.account_id, action="payment_reversed",
                                    from_state="paid", to_state="district_approved",
                                    note=reason))
    audit.record(session, actor, "fund.reversed", "fund_entry", entry.id,
                 school_id=account.school_id, note=reason,
                 before={"voucher": original.voucher_no, "amount_fen": original.amount_fen},
                 after={"voucher": entry.voucher_no, "amount_fen": entry.amount_fen})
    return Posted(entry.id, entry.voucher_no, entry.amount_fen, new=True)


# --- reconciliation -----------------------------------------------------------------------

@dataclass(frozen=True)
class CheckResult:
    id: int
    checked_on: dt.date
    bank_balance_fen: int
    ledger_balance_fen: int

    @property
    def difference_fen(self) -> int:
        return self.bank_balance_fen - self.ledger_balance_fen

    @property
    def agrees(self) -> bool:
        return self.difference_fen == 0


def record_bank_check(session: Session, actor: Actor, *, checked_on: object,
                      bank_balance: object, note: str = "") -> CheckResult:
    """The treasurer's bank balance on a date, against the whole fund's ledger on that date."""
    require_role(actor, *WRITERS)
    day = check_date(checked_on)
    bank = parse_amount(bank_balance, field="fund.field.bank_balance", allow_zero=True)
    note = clean_text(note, field="fund.field.memo")
    ledger = balance_fen(session, through=day)
    row = BankCheck(checked_on=day, bank_balance_fen=bank, ledger_balance_fen=ledger,
                    note=note, recorded_by=actor.account_id, recorded_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor, "fund.bank_checked", "fund_bank_check", row.id, note=note,
                 after={"date": day.isoformat(), "bank_fen": bank, "ledger_fen": ledger})
    return CheckResult(row.id, day, bank, ledger)


def bank_checks(session: Session, actor: Actor) -> pd.DataFrame:
    require_role(actor, *DISTRICT_READERS)
    rows = session.execute(select(BankCheck.id, BankCheck.checked_on, BankCheck.bank_balance_fen,
                                  BankCheck.ledger_balance_fen, BankCheck.note)
                           .order_by(BankCheck.checked_on.desc(), BankCheck.id.desc())).all()
    frame = pd.DataFrame(rows, columns=["id", "checked_on", "bank_fen", "ledger_fen", "note"])
    frame["difference_fen"] = frame["bank_fen"] - frame["ledger_fen"]
    frame["agrees"] = frame["difference_fen"] == 0
    return frame


def last_agreed_check(session: Session, actor: Actor) -> CheckResult | None:
    require_role(actor, *DISTRICT_READERS)
    row = session.execute(select(BankCheck).where(
        BankCheck.bank_balance_fen == BankCheck.ledger_balance_fen)
        .order_by(BankCheck.checked_on.desc(), BankCheck.id.desc()).limit(1)).scalar()
    if row is None:
        return None
    return CheckResult(row.id, row.checked_on, row.bank_balance_fen, row.ledger_balance_fen)


def entries_since_agreed(session: Session, actor: Actor, *, limit: int = 500) -> pd.DataFrame:
    """Entries dated after the last agreed check, or posted (back-dated) after it was made."""
    last = last_agreed_check(session, actor)
    query = (select(FundEntry.id, FundEntry.voucher_no, FundEntry.entry_date, FundEntry.kind,
                    FundCategory.name, FundEntry.amount_fen, FundEntry.counterparty,
                    FundEntry.memo)
             .join(FundCategory, FundCategory.id == FundEntry.category_id)
             .order_by(FundEntry.entry_date, FundEntry.id).limit(limit))
    if last is not None:
        made = session.scalar(select(BankCheck.recorded_at).where(BankCheck.id == last.id))
        # Two index range scans joined, not one OR that reads the whole ledger.
        since = union(select(FundEntry.id).where(FundEntry.entry_date > last.checked_on),
                      select(FundEntry.id).where(FundEntry.created_at > made))
        query = query.where(FundEntry.id.in_(select(since.subquery().c.id)))
    return pd.DataFrame(session.execute(query).all(),
                        columns=["id", "voucher_no", "entry_date", "kind", "category",
                                 "amount_fen", "counterparty", "memo"])
