"""Typed SQLAlchemy models for the organisation, login accounts and the audit log.

Each domain issue adds its own module of models and re-exports it from `db/__init__.py`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# A fixed naming convention keeps Alembic's constraint names stable across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("district_admin", "school_chair", "department_head", "delegate", "auditor")


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A check constraint's text: the column holds one of these values."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="primary")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    departments: Mapped[list[Department]] = relationship(
        back_populates="school", order_by="Department.id"
    )


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_departments_school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))

    school: Mapped[School] = relationship(back_populates="departments")


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (Index("ix_staff_school_name", "school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    staff_no: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(1))  # "M" / "F"
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    subject: Mapped[str | None] = mapped_column(String(30))
    title: Mapped[str | None] = mapped_column(String(30))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class CongressTerm(Base):
    """届: one school's staff congress for a span of years."""

    __tablename__ = "congress_terms"
    __table_args__ = (
        UniqueConstraint("school_id", "number", name="uq_congress_terms_school_number"),
        CheckConstraint("end_year >= start_year", name="years_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 第 n 届
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)


class DelegateMembership(Base):
    __tablename__ = "delegate_memberships"
    __table_args__ = (
        UniqueConstraint("term_id", "staff_id", name="uq_delegate_memberships_term_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("congress_terms.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    delegation: Mapped[str | None] = mapped_column(String(50))  # 代表团 / 组


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(100))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    roles: Mapped[list[AccountRole]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountRole.id"
    )
    staff: Mapped[Staff | None] = relationship()


class AccountRole(Base):
    """One role of an account, with its scope: a school and, for department heads, a department."""

    __tablename__ = "account_roles"
    __table_args__ = (
        UniqueConstraint("account_id", "role", "school_id", "department_id",
                         name="uq_account_roles_grant"),
        CheckConstraint(
            "role IN ('district_admin','school_chair','department_head','delegate','auditor')",
            name="known_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    role: Mapped[str] = mapped_column(String(30))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    account: Mapped[Account] = relationship(back_populates="roles")


class AuditEntry(Base):
    """Append-only record of every change: who, what, on which object, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_school_at", "school_id", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
        Index("ix_audit_log_actor_at", "actor_name", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(50))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
