"""What each role sees first: who I am, my school, and the counts that matter to me."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.feedback import FeedbackCase, MotionLead
from db.fund import ReliefApplication
from db.models import Account, AuditEntry, DelegateMembership, Department, School, Staff
from db.motions import Motion, MotionAssignment, MotionCosigner
from services.actor import Actor, require_role
from services.clock import local_today


@dataclass
class HomeSummary:
    display_name: str
    roles: list[str]
    school_names: list[str]
    department_names: list[str]
    counts: dict[str, int] = field(default_factory=dict)  # catalogue key → number


def home_summary(session: Session, actor: Actor) -> HomeSummary:
    require_role(actor, "district_admin", "school_chair", "department_head", "delegate",
                 "auditor")
    school_ids = sorted(actor.school_ids())
    school_names = list(session.scalars(
        select(School.name).where(School.id.in_(school_ids)).order_by(School.code)))
    dept_names = list(session.scalars(
        select(Department.name).where(Department.id.in_(sorted(actor.department_ids())))))
    summary = HomeSummary(actor.display_name, sorted(actor.roles, key=_role_order),
                          school_names, dept_names)
    counts = summary.counts
    if actor.has("district_admin", "auditor"):
        counts["home.count.schools"] = session.scalar(
            select(func.count()).select_from(School).where(School.active.is_(True))) or 0
        counts["home.count.staff"] = session.scalar(
            select(func.count()).select_from(Staff).where(Staff.retired.is_(False))) or 0
        counts["home.count.retired"] = session.scalar(
            select(func.count()).select_from(Staff).where(Staff.retired.is_(True))) or 0
    if actor.has("district_admin"):
        counts["home.count.accounts"] = session.scalar(
            select(func.count()).select_from(Account).where(Account.enabled.is_(True))) or 0
        counts["home.count.locked"] = session.scalar(
            select(func.count()).select_from(Account).where(Account.locked_at.is_not(None))) or 0
    if actor.has("auditor"):
        counts["home.count.audit_entries"] = session.scalar(
            select(func.count()).select_from(AuditEntry)) or 0
    chair_schools = sorted(actor.school_ids("school_chair"))
    if chair_schools:
        counts["home.count.school_staff"] = session.scalar(
            select(func.count()).select_from(Staff).where(
                Staff.school_id.in_(chair_schools), Staff.retired.is_(False))) or 0
        counts["home.count.school_delegates"] = session.scalar(
            select(func.count(func.distinct(DelegateMembership.staff_id)))
            .join(Staff, Staff.id == DelegateMembership.staff_id)
            .where(Staff.school_id.in_(chair_schools))) or 0
    waiting = FeedbackCase.status.in_(("new", "opened", "forwarded"))
    if actor.has("district_admin"):
        counts["home.count.feedback_waiting_district"] = session.scalar(
            select(func.count()).select_from(FeedbackCase).where(
                FeedbackCase.at_district.is_(True), waiting)) or 0
    if chair_schools:
        counts["home.count.feedback_waiting_school"] = session.scalar(
            select(func.count()).select_from(FeedbackCase).where(
                FeedbackCase.at_district.is_(False), FeedbackCase.school_id.in_(chair_schools),
                waiting)) or 0
    if actor.has("delegate") and actor.staff_id is not None:
        counts["home.count.leads_offered"] = session.scalar(
            select(func.count()).select_from(MotionLead).where(
                MotionLead.delegate_staff_id == actor.staff_id,
                MotionLead.status == "offered")) or 0
    if actor.has("district_admin"):
        counts["home.count.relief_waiting_district"] = session.scalar(
            select(func.count()).select_from(ReliefApplication).where(
                ReliefApplication.state.in_(("school_approved", "district_approved")),
                ReliefApplication.filed_by != actor.account_id)) or 0
    if chair_schools:
        counts["home.count.relief_waiting_school"] = session.scalar(
            select(func.count()).select_from(ReliefApplication).where(
                ReliefApplication.state == "submitted",
                ReliefApplication.school_id.in_(chair_schools),
                ReliefApplication.filed_by != actor.account_id)) or 0
    if actor.has("district_admin", "school_chair", "delegate"):
        counts["home.count.relief_mine_returned"] = session.scalar(
            select(func.count()).select_from(ReliefApplication).where(
                ReliefApplication.filed_by == actor.account_id,
                ReliefApplication.state.in_(("draft", "returned")))) or 0
    _motion_counts(session, actor, counts)
    if actor.department_ids():
        counts["home.count.department_staff"] = session.scalar(
            select(func.count()).select_from(Staff).where(
                Staff.department_id.in_(sorted(actor.department_ids())),
                Staff.retired.is_(False))) or 0
    return summary


def _motion_counts(session: Session, actor: Actor, counts: dict[str, int]) -> None:
    """What waits in the motions for each role: the committee's review and reply checks, a
    department's new assignments, a delegate's co-sign requests and ratings, and the
    district's overdue motions (computed from the deadline, never stored)."""
    def count(*conditions: object) -> int:
        return session.scalar(select(func.count()).select_from(Motion).where(*conditions)) or 0

    chair_schools = sorted(actor.school_ids("school_chair"))
    if chair_schools:
        counts["motion.home.submitted"] = count(Motion.school_id.in_(chair_schools),
                                                Motion.state == "submitted")
        counts["motion.home.replies_to_check"] = count(Motion.school_id.in_(chair_schools),
                                                       Motion.state == "replied")
    departments = sorted(actor.department_ids())
    if departments:
        # 待办: the department holds the active lead assignment and has not taken it up yet.
        counts["motion.home.todo"] = session.scalar(
            select(func.count()).select_from(MotionAssignment)
            .join(Motion, Motion.id == MotionAssignment.motion_id)
            .where(MotionAssignment.department_id.in_(departments),
                   MotionAssignment.active.is_(True), MotionAssignment.role == "lead",
                   MotionAssignment.status == "assigned", Motion.state == "assigned")) or 0
    if actor.has("delegate") and actor.staff_id is not None:
        counts["motion.home.cosign_requests"] = session.scalar(
            select(func.count()).select_from(MotionCosigner)
            .join(Motion, Motion.id == MotionCosigner.motion_id)
            .where(MotionCosigner.staff_id == actor.staff_id,
                   MotionCosigner.status == "requested", Motion.state == "cosigning")) or 0
        counts["motion.home.ratings_waiting"] = count(
            Motion.proposer_staff_id == actor.staff_id, Motion.state == "awaiting_rating")
    if actor.has("district_admin"):
        counts["motion.home.overdue"] = count(Motion.state.in_(("assigned", "handling")),
                                              Motion.deadline < local_today())


_ORDER = ("district_admin", "school_chair", "department_head", "delegate", "auditor")


def _role_order(role: str) -> int:
    return _ORDER.index(role) if role in _ORDER else len(_ORDER)
