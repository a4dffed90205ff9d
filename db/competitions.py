"""技能竞赛: competitions, their segments, judges, entrants and award rules; score sheets kept
in every version; the competition's history; and the honours register.

Scores and weights are NUMERIC with two decimals and come back as Decimal: never float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, one_of, utcnow

LEVELS = ("school", "district", "city", "province", "national")
COMPETITION_STATES = ("draft", "confirmed", "published", "closed")
ROUNDING_MODES = ("half_up", "floor", "ceiling")
SHEET_SOURCES = ("form", "excel", "seed")

Score = Numeric(6, 2)


class Competition(Base):
    __tablename__ = "competitions"
    __table_args__ = (
        CheckConstraint(one_of("level", LEVELS), name="known_level"),
        CheckConstraint(one_of("state", COMPETITION_STATES), name="known_state"),
        CheckConstraint(one_of("rounding", ROUNDING_MODES), name="known_rounding"),
        Index("ix_competitions_organiser_year", "organiser_school_id", "year"),
        Index("ix_competitions_year", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(50))          # 基本功大赛, 课堂教学竞赛, 说课 …
    year: Mapped[int] = mapped_column(Integer)
    # The organiser: a school, or the district union (None).
    organiser_school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    # How quota places are rounded: Cₖ = round(N·(p₁+…+pₖ)).
    rounding: Mapped[str] = mapped_column(String(10), default="half_up")
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SubjectGroup(Base):
    """学科组: entrants compete and are ranked within their group."""

    __tablename__ = "competition_groups"
    __table_args__ = (UniqueConstraint("competition_id", "name",
                                       name="uq_competition_groups_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))


class Segment(Base):
    """环节: e.g. 教学设计 (max 20, weight 20) + 课堂教学 (max 100, weight 75) + 教学反思 (5)."""

    __tablename__ = "competition_segments"
    __table_args__ = (
        UniqueConstraint("competition_id", "name", name="uq_competition_segments_name"),
        CheckConstraint("max_score > 0", name="positive_max"),
        CheckConstraint("weight > 0", name="positive_weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    max_score: Mapped[Decimal] = mapped_column(Score)
    weight: Mapped[Decimal] = mapped_column(Score)     # the weights of a competition sum to 100
    position: Mapped[int] = mapped_column(Integer)


class Judge(Base):
    """评委: staff of the district, or people from outside (a name and an organisation)."""

    __tablename__ = "competition_judges"
    __table_args__ = (UniqueConstraint("competition_id", "name", "organisation",
                                       name="uq_competition_judges_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    name: Mapped[str] = mapped_column(String(50))
    organisation: Mapped[str] = mapped_column(String(100), default="")
    chief: Mapped[bool] = mapped_column(Boolean, default=False)


class Entrant(Base):
    __tablename__ = "competition_entrants"
    __table_args__ = (
        UniqueConstraint("competition_id", "staff_id", name="uq_competition_entrants_staff"),
        Index("ix_competition_entrants_staff", "staff_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("competition_groups.id"))
    # False when the entrant did not compete: the quota base counts those who did.
    competed: Mapped[bool] = mapped_column(Boolean, default=True)


class AwardTier(Base):
    """One award of a competition (一等奖 …): a quota share or a fixed count of places."""

    __tablename__ = "competition_award_tiers"
    __table_args__ = (
        UniqueConstraint("competition_id", "rank", name="uq_competition_award_tiers_rank"),
        CheckConstraint("(quota_percent IS NULL) <> (fixed_count IS NULL)",
                        name="quota_or_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)             # 1 = the highest award
    name: Mapped[str] = mapped_column(String(30))
    quota_percent: Mapped[Decimal | None] = mapped_column(Score)
    fixed_count: Mapped[int | None] = mapped_column(Integer)
    min_score: Mapped[Decimal | None] = mapped_column(Score)


class ScoreSheet(Base):
    """One version of a competition's scores. A new version is made for every change; the
    newest is the one that counts, and all of them are kept."""

    __tablename__ = "competition_sheets"
    __table_args__ = (
        UniqueConstraint("competition_id", "version", name="uq_competition_sheets_version"),
        CheckConstraint(one_of("source", SHEET_SOURCES), name="known_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))
    entered_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class JudgeScore(Base):
    __tablename__ = "competition_scores"
    __table_args__ = (
        UniqueConstraint("sheet_id", "entrant_id", "judge_id", "segment_id",
                         name="uq_competition_scores_once"),
        CheckConstraint("score >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("competition_sheets.id"))
    entrant_id: Mapped[int] = mapped_column(ForeignKey("competition_entrants.id"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("competition_judges.id"))
    segment_id: Mapped[int] = mapped_column(ForeignKey("competition_segments.id"))
    score: Mapped[Decimal] = mapped_column(Score)


class CompetitionEvent(Base):
    """The competition's history: every state change, with who, when and why."""

    __tablename__ = "competition_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    from_state: Mapped[str | None] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10))
    sheet_version: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)


class HonourKind(Base):
    """The list of honours the district admin keeps: 工人先锋号, 师德标兵, 五一劳动奖章 …"""

    __tablename__ = "honour_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Honour(Base):
    """One honour given to a teacher or to a school."""

    __tablename__ = "honours"
    __table_args__ = (
        CheckConstraint(one_of("level", LEVELS), name="known_level"),
        CheckConstraint("(staff_id IS NULL) <> (school_id IS NULL)", name="teacher_or_school"),
        Index("ix_honours_staff_year", "staff_id", "year"),
        Index("ix_honours_school_year", "school_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("honour_kinds.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    level: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    issuer: Mapped[str] = mapped_column(String(100))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))


class StandingRow(Base):
    """A published result, frozen at 公示: rank, final score and award of one entrant. Medal
    tables and teachers' records read these; reopening deletes them, publishing writes anew."""

    __tablename__ = "competition_standings"
    __table_args__ = (
        UniqueConstraint("entrant_id", name="uq_competition_standings_entrant"),
        Index("ix_competition_standings_competition", "competition_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"))
    entrant_id: Mapped[int] = mapped_column(ForeignKey("competition_entrants.id"))
    rank: Mapped[int] = mapped_column(Integer)
    final: Mapped[Decimal] = mapped_column(Score)
    award_rank: Mapped[int | None] = mapped_column(Integer)
    award_name: Mapped[str | None] = mapped_column(String(30))
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
