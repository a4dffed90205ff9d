"""教代会提案: congress meetings of a term (届/次) with their settings and votes, and motions
with their co-signers, handling departments, replies, ratings, implementation milestones and
the history of every step.

A motion's current state lives on its row; every change of state is also one row of
`motion_events`, which is never updated or deleted. "Overdue" is never stored: it follows from
the deadline, the state and today.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
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

MOTION_STATES = (
    "draft", "cosigning", "submitted", "registered", "suggestion", "merged", "rejected",
    "withdrawn", "assigned", "handling", "replied", "awaiting_rating", "rated", "implementing",
    "done", "deferred", "closed",
)
MOTION_CATEGORIES = ("teaching", "staff", "welfare", "logistics", "governance", "other")
COSIGN_STATES = ("requested", "signed", "declined")
ASSIGNMENT_ROLES = ("lead", "co")
ASSIGNMENT_STATES = ("assigned", "accepted", "return_requested", "returned")
REPLY_EXTENTS = ("solved", "planned", "limited")         # 已解决 / 列入计划 / 因条件所限暂缓
REPLY_STATES = ("pending", "accepted", "sent_back")
RATINGS = ("satisfied", "basically", "unsatisfied")      # 满意 / 基本满意 / 不满意


class CongressMeeting(Base):
    """第 n 届第 m 次教代会 of one school, with the rules its motions and votes follow."""

    __tablename__ = "congress_meetings"
    __table_args__ = (
        UniqueConstraint("term_id", "number", name="uq_congress_meetings_term_number"),
        CheckConstraint("min_cosigners >= 0 AND min_cosigners <= 50", name="cosigners_range"),
        CheckConstraint("quorum_num > 0 AND quorum_den >= quorum_num", name="quorum_fraction"),
        CheckConstraint("pass_num > 0 AND pass_den >= pass_num", name="pass_fraction"),
        CheckConstraint("reply_days > 0 AND reply_days <= 365", name="reply_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("congress_terms.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)                 # 第 m 次
    year: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    min_cosigners: Mapped[int] = mapped_column(Integer, default=2)
    quorum_num: Mapped[int] = mapped_column(Integer, default=2)   # 实到 ≥ 应到 × 2/3
    quorum_den: Mapped[int] = mapped_column(Integer, default=3)
    pass_num: Mapped[int] = mapped_column(Integer, default=1)     # 赞成 > 应到 × 1/2
    pass_den: Mapped[int] = mapped_column(Integer, default=2)
    reply_days: Mapped[int] = mapped_column(Integer, default=30)
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)  # open for new motions
    next_number: Mapped[int] = mapped_column(Integer, default=1)    # the next 立案 number


class Motion(Base):
    """One 提案表: 案由, 理由, 建议/办法, by a delegate, for one meeting."""

    __tablename__ = "motions"
    __table_args__ = (
        CheckConstraint(one_of("state", MOTION_STATES), name="known_state"),
        CheckConstraint(f"category IS NULL OR {one_of('category', MOTION_CATEGORIES)}",
                        name="known_category"),
        CheckConstraint(f"extent IS NULL OR {one_of('extent', REPLY_EXTENTS)}",
                        name="known_extent"),
        CheckConstraint(f"rating IS NULL OR {one_of('rating', RATINGS)}", name="known_rating"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("reopen_count >= 0 AND reopen_count <= 2", name="reopens_range"),
        Index("ix_motions_meeting_state", "meeting_id", "state"),
        Index("ix_motions_school_state", "school_id", "state"),
        Index("ix_motions_lead_department_state", "lead_department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("congress_meetings.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    proposer_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))       # 案由
    reason: Mapped[str] = mapped_column(Text)             # 理由
    suggestion: Mapped[str] = mapped_column(Text)         # 建议/办法
    category: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    number: Mapped[str | None] = mapped_column(String(30), unique=True)  # 2026MH01TA001
    revision_note: Mapped[str | None] = mapped_column(Text)   # the committee's 退回修改 note
    decision_note: Mapped[str | None] = mapped_column(Text)   # 不立案 / 暂缓落实 reason
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"), index=True)
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    extent: Mapped[str | None] = mapped_column(String(10))   # of the latest reply
    replied_on: Mapped[dt.date | None] = mapped_column(Date)  # the latest reply's day
    rating: Mapped[str | None] = mapped_column(String(12))   # the latest rating
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    assigned_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)       # 已落实, kept when closed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MotionCosigner(Base):
    """附议人: a delegate the proposer asked; signed once, never twice."""

    __tablename__ = "motion_cosigners"
    __table_args__ = (
        UniqueConstraint("motion_id", "staff_id", name="uq_motion_cosigners_motion_staff"),
        CheckConstraint(one_of("status", COSIGN_STATES), name="known_status"),
        Index("ix_motion_cosigners_staff_status", "staff_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(10), default="requested")
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class MotionEvent(Base):
    """One step of a motion's history: who, from which state to which, when, with what note."""

    __tablename__ = "motion_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    actor_name: Mapped[str | None] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)


class MotionAssignment(Base):
    """交办: a motion sent to a department, as lead (主办) or co-department (协办)."""

    __tablename__ = "motion_assignments"
    __table_args__ = (
        CheckConstraint(one_of("role", ASSIGNMENT_ROLES), name="known_role"),
        CheckConstraint(one_of("status", ASSIGNMENT_STATES), name="known_status"),
        Index("ix_motion_assignments_department_active", "department_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"),
                                           index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once reassigned
    assigned_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    return_reason: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class MotionReply(Base):
    """答复函 of the lead department, and the committee's check of it."""

    __tablename__ = "motion_replies"
    __table_args__ = (
        CheckConstraint(one_of("extent", REPLY_EXTENTS), name="known_extent"),
        CheckConstraint(one_of("status", REPLY_STATES), name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"),
                                           index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    written_on: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    extent: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    review_note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MotionRating(Base):
    """意见反馈表: the proposer's satisfaction with one round of the reply."""

    __tablename__ = "motion_ratings"
    __table_args__ = (
        CheckConstraint(one_of("rating", RATINGS), name="known_rating"),
        UniqueConstraint("motion_id", "round", name="uq_motion_ratings_motion_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"),
                                           index=True)
    round: Mapped[int] = mapped_column(Integer)   # 1, then 2 and 3 after reopens
    rating: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    rated_on: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class MotionMilestone(Base):
    """落实 progress: a dated step with its percentage and, optionally, an evidence file."""

    __tablename__ = "motion_milestones"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"),
                                           index=True)
    happened_on: Mapped[dt.date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CongressVote(Base):
    """表决 on a resolution of a meeting: 应到, 实到, 赞成, 反对, 弃权 as counted in the hall."""

    __tablename__ = "congress_votes"
    __table_args__ = (
        CheckConstraint("entitled > 0", name="entitled_positive"),
        CheckConstraint("present >= 0 AND present <= entitled", name="present_range"),
        CheckConstraint("yes >= 0 AND no >= 0 AND abstain >= 0", name="counts_non_negative"),
        CheckConstraint("yes + no + abstain <= present", name="counts_within_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("congress_meetings.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    voted_on: Mapped[dt.date] = mapped_column(Date)
    entitled: Mapped[int] = mapped_column(Integer)   # 应到
    present: Mapped[int] = mapped_column(Integer)    # 实到
    yes: Mapped[int] = mapped_column(Integer)        # 赞成
    no: Mapped[int] = mapped_column(Integer)         # 反对
    abstain: Mapped[int] = mapped_column(Integer)    # 弃权
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
