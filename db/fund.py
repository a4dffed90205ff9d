"""特困教职工救助基金: the fund's accounts, its append-only ledger, relief applications with
their history and attachments, donation imports and bank reconciliations.

Money is integer fen (分) in BIGINT columns: never float. A posted entry is never updated or
deleted; a mistake is corrected by a reversal entry that points at it (once, by a unique key).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, one_of, utcnow

ENTRY_KINDS = ("income", "expense")
APPLICATION_STATES = ("draft", "submitted", "school_approved", "district_approved", "paid",
                      "returned", "rejected", "cancelled")

Fen = BigInteger


class FundAccount(Base):
    """The district fund (key "district") or one school's sub-account (key "school:<id>").

    Its row is also the lock every posting takes before it reads the balance.
    """

    __tablename__ = "fund_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30), unique=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), unique=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)


class FundCategory(Base):
    """An income source (收入来源) or a relief category (支出类别), with per-person yearly caps."""

    __tablename__ = "fund_categories"
    __table_args__ = (
        CheckConstraint(one_of("kind", ENTRY_KINDS), name="known_kind"),
        UniqueConstraint("kind", "name", name="uq_fund_categories_kind_name"),
        CheckConstraint("yearly_limit_fen IS NULL OR yearly_limit_fen > 0", name="positive_cap"),
        CheckConstraint("yearly_limit_count IS NULL OR yearly_limit_count > 0",
                        name="positive_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    # An ASCII name for the Beancount export, whose account names must be ASCII.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    yearly_limit_fen: Mapped[int | None] = mapped_column(Fen)
    yearly_limit_count: Mapped[int | None] = mapped_column(Integer)


class FundEntry(Base):
    """One posted line of the ledger (记账凭证). Never updated, never deleted."""

    __tablename__ = "fund_entries"
    __table_args__ = (
        CheckConstraint(one_of("kind", ENTRY_KINDS), name="known_kind"),
        # An original entry is positive; its reversal is the same amount, negative.
        CheckConstraint("(reverses_id IS NULL AND amount_fen > 0) OR "
                        "(reverses_id IS NOT NULL AND amount_fen < 0)", name="signed_amount"),
        # The cash journal walks these in order and sums over them without reading the table:
        # one account's entries, and every entry, by (date, id) with what the sums need.
        Index("ix_fund_entries_account_date", "account_id", "entry_date", "id", "kind",
              "category_id", "amount_fen"),
        Index("ix_fund_entries_account_amount", "account_id", "kind", "amount_fen"),
        Index("ix_fund_entries_date", "entry_date", "id", "account_id", "kind", "category_id",
              "amount_fen"),
        Index("ix_fund_entries_period", "period", "kind", "category_id", "amount_fen"),
        Index("ix_fund_entries_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_no: Mapped[str] = mapped_column(String(20), unique=True)   # 记-2026-000123
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))
    kind: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int] = mapped_column(ForeignKey("fund_categories.id"))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    period: Mapped[int] = mapped_column(Integer)           # YYYYMM of entry_date, for reports
    amount_fen: Mapped[int] = mapped_column(Fen)
    counterparty: Mapped[str] = mapped_column(String(100), default="")   # donor or recipient
    memo: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("relief_applications.id"),
                                                       index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entries.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("fund_imports.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FundVoucherCounter(Base):
    """The last voucher number given out in a year: vouchers run 1, 2, 3 … with no gaps."""

    __tablename__ = "fund_voucher_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class FundImport(Base):
    """One imported donation list; the file's digest keeps it from being imported twice."""

    __tablename__ = "fund_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Fen)
    imported_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ReliefApplication(Base):
    """救助申请: filed for one staff member, reviewed by the school, approved and paid by the
    district."""

    __tablename__ = "relief_applications"
    __table_args__ = (
        CheckConstraint(one_of("state", APPLICATION_STATES), name="known_state"),
        CheckConstraint("amount_fen > 0", name="positive_amount"),
        Index("ix_relief_applications_school_state", "school_id", "state"),
        Index("ix_relief_applications_staff_year", "staff_id", "year"),
        Index("ix_relief_applications_state_year", "state", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)   # 2026-MH01-0007
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("fund_categories.id"))
    year: Mapped[int] = mapped_column(Integer)          # the calendar year the caps count in
    amount_fen: Mapped[int] = mapped_column(Fen)
    reason: Mapped[str] = mapped_column(Text)
    medical_details: Mapped[str] = mapped_column(Text, default="")   # reviewers only
    id_number: Mapped[str | None] = mapped_column(String(18))         # shown masked only
    state: Mapped[str] = mapped_column(String(20), default="draft")
    filed_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    school_approved_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    school_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    district_approved_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    district_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_note: Mapped[str] = mapped_column(Text, default="")   # why returned or rejected
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class ReliefEvent(Base):
    """Every step of an application: who, from, to, when, note."""

    __tablename__ = "relief_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("relief_applications.id"),
                                                index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class ReliefAttachment(Base):
    """A supporting document (hospital bill, certificate …), stored in the database."""

    __tablename__ = "relief_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("relief_applications.id"),
                                                index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BankCheck(Base):
    """对账: the bank balance the treasurer read on a date, against the ledger on that date."""

    __tablename__ = "fund_bank_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_on: Mapped[dt.date] = mapped_column(Date)
    bank_balance_fen: Mapped[int] = mapped_column(Fen)
    ledger_balance_fen: Mapped[int] = mapped_column(Fen)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
