"""教职工意见箱: anonymous feedback cases, their conversations, and the motion leads made of them.

No column here can hold who wrote a message: no account, no address, no browser or session,
no time finer than the day, and no receipt code (only a slow salted hash of it). Case and
message ids are random, so neither their order nor their gaps tell when a message arrived.
tests/test_feedback_privacy.py holds the columns to an allowed list.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, one_of

FEEDBACK_CATEGORIES = ("teaching", "logistics", "pay", "management", "ethics", "other")
FEEDBACK_STATUSES = ("new", "opened", "forwarded", "replied", "closed")
MESSAGE_KINDS = ("writer", "public", "internal")
LEAD_STATUSES = ("offered", "adopted", "declined")

# SQLite only aliases the rowid for INTEGER PRIMARY KEY; elsewhere a 64-bit key.
RandomId = BigInteger().with_variant(Integer(), "sqlite")


def random_id() -> int:
    """A random positive id below 2**53, so it also survives JavaScript number handling."""
    return secrets.randbelow(2**53 - 1) + 1


class FeedbackCase(Base):
    """One anonymous message to a union and everything that follows from it."""

    __tablename__ = "feedback_cases"
    __table_args__ = (
        CheckConstraint(one_of("category", FEEDBACK_CATEGORIES), name="known_category"),
        CheckConstraint(one_of("status", FEEDBACK_STATUSES), name="known_status"),
        Index("ix_feedback_cases_school_sent", "school_id", "sent_on"),
        Index("ix_feedback_cases_district_sent", "district_involved", "sent_on"),
        Index("ix_feedback_cases_status_closed", "status", "closed_on"),
    )

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False,
                                    default=random_id)
    # The union the writer chose: a school's, or the district's (None).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    # Who holds the case now: the district union, or the school's union.
    at_district: Mapped[bool] = mapped_column(Boolean)
    # Sent or ever forwarded to the district union, which may read it from then on.
    district_involved: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new")
    body: Mapped[str] = mapped_column(Text)
    sent_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    # A few bits of an unsalted hash of the receipt, to find the case without scanning;
    # far too few to recover the code (see services/receipts.py).
    receipt_bucket: Mapped[str] = mapped_column(String(8), index=True)
    receipt_hash: Mapped[str] = mapped_column(String(200))
    receipt_used_on: Mapped[dt.date] = mapped_column(Date)


class FeedbackMessage(Base):
    """The conversation of a case: the writer's words, public replies and internal notes."""

    __tablename__ = "feedback_messages"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_feedback_messages_case_seq"),
        CheckConstraint(one_of("kind", MESSAGE_KINDS), name="known_kind"),
        CheckConstraint("(kind = 'writer') = (author_account_id IS NULL)",
                        name="writer_has_no_account"),
    )

    id: Mapped[int] = mapped_column(RandomId, primary_key=True, autoincrement=False,
                                    default=random_id)
    case_id: Mapped[int] = mapped_column(
        RandomId, ForeignKey("feedback_cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    # Which union wrote a reply or note: "school" or "district"; None for the writer.
    level: Mapped[str | None] = mapped_column(String(10))
    author_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(Text)
    written_on: Mapped[dt.date] = mapped_column(Date)


class MotionLead(Base):
    """提案线索: a draft motion a chair made of a message, offered to one delegate to adopt.

    It carries only the text the chair wrote for it; the case it came from is kept for the
    chair's own bookkeeping and never shown to the delegate.
    """

    __tablename__ = "motion_leads"
    __table_args__ = (
        CheckConstraint(one_of("status", LEAD_STATUSES), name="known_status"),
        Index("ix_motion_leads_delegate_status", "delegate_staff_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    delegate_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    title: Mapped[str] = mapped_column(String(200))       # 案由
    reason: Mapped[str] = mapped_column(Text)             # 理由
    suggestion: Mapped[str] = mapped_column(Text)         # 建议/办法
    status: Mapped[str] = mapped_column(String(10), default="offered")
    offered_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    offered_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(
        RandomId, ForeignKey("feedback_cases.id", ondelete="SET NULL"), index=True)
