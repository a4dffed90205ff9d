"""The one SQL store: engine, sessions, models and migrations."""

from db.engine import database_url, is_embedded, make_engine, make_sessionmaker, transaction
from db.feedback import FeedbackCase, FeedbackMessage, MotionLead
from db.models import (
    ROLES,
    Account,
    AccountRole,
    AuditEntry,
    Base,
    CongressTerm,
    DelegateMembership,
    Department,
    District,
    School,
    Staff,
)

__all__ = [
    "ROLES", "Account", "AccountRole", "AuditEntry", "Base", "CongressTerm",
    "DelegateMembership", "Department", "District", "FeedbackCase", "FeedbackMessage",
    "MotionLead", "School", "Staff", "database_url",
    "is_embedded", "make_engine", "make_sessionmaker", "transaction",
]
