"""The access-control matrix, written out: every role against every page, and every public
service function that changes data or reads scoped data against every role and the anonymous
visitor. A refused call raises DomainError with the key the table names and changes nothing
(every table's row count, the states of the main objects and the audit log stay the same).

Actors (the columns of SERVICE_MATRIX, in this order):
  district   district_admin
  chair      school_chair of school A (明湖区实验小学, MH01, the demo chair)
  chairb     school_chair of school B (MH02), an account this module creates
  dept       department_head of 教务处 of school A
  delegate   delegate of school A (proposer of motions 18, 23, 41 …, filer of relief 274/276)
  delegate2  another delegate of school A
  auditor    auditor
  anon       nobody logged in (actor None)

The demo is loaded once into a database of this module; every call runs in a transaction that
is rolled back, so the calls never see each other's changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.competitions import Competition
from db.engine import make_engine, make_sessionmaker
from db.feedback import FeedbackCase, MotionLead
from db.fund import FundEntry, ReliefApplication, ReliefAttachment
from db.models import Account, Base, CongressTerm, Department, School, Staff
from db.motions import CongressMeeting, Motion, MotionAssignment, MotionMilestone
from services import (
    accounts,
    audit,
    competitions,
    feedback,
    fund,
    fund_import,
    fund_reports,
    home,
    motion_files,
    motion_queries,
    motions,
    org,
    relief,
    year_pack,
)
from services.access import PAGES, can_open, pages_for
from services.actor import Actor, Grant
from services.auth import load_actor
from services.competitions import (
    CompetitionInput,
    EntrantInput,
    JudgeInput,
    SegmentInput,
    TierInput,
)
from services.errors import DomainError
from services.feedback import InboxFilter
from services.motion_queries import MotionFilter
from services.relief import ApplicationInput
from tests.conftest import load_demo_into

# --- pages ----------------------------------------------------------------------------------

PAGE_ROLES = ("district_admin", "school_chair", "department_head", "delegate", "auditor",
              "anon")
# page key:            district chair  dept  delegate auditor anon   (Y allowed, - refused)
PAGE_MATRIX = """
login                  -        -      -     -        -       Y
home                   Y        Y      Y     Y        Y       -
staff                  Y        Y      -     -        -       -
year_pack              Y        -      -     -        -       -
feedback_submit        Y        Y      Y     Y        Y       Y
feedback_reply         Y        Y      Y     Y        Y       Y
feedback_inbox         Y        Y      -     -        -       -
feedback_stats         Y        Y      -     -        -       -
motion_leads           -        -      -     Y        -       -
competitions           Y        Y      Y     Y        Y       -
competition            Y        Y      Y     Y        Y       -
honours                Y        Y      Y     Y        Y       -
motions_mine           -        -      -     Y        -       -
motion                 Y        Y      Y     Y        -       -
motion_department      -        -      Y     -        -       -
motion_review          -        Y      -     -        -       -
motion_list            Y        -      -     -        -       -
motion_board           Y        Y      -     -        -       -
congress               Y        Y      -     -        -       -
fund                   Y        Y      -     -        Y       -
relief                 Y        Y      -     Y        Y       -
relief_case            Y        Y      -     Y        Y       -
fund_journal           Y        Y      -     -        Y       -
fund_income            Y        -      -     -        -       -
fund_reconcile         Y        -      -     -        Y       -
relief_notice          Y        Y      Y     Y        Y       -
fund_settings          Y        -      -     -        Y       -
schools                Y        -      -     -        -       -
accounts_admin         Y        -      -     -        -       -
audit_log              Y        -      -     -        Y       -
account                Y        Y      Y     Y        Y       -
"""


def parse_page_matrix() -> dict[str, dict[str, bool]]:
    table = {}
    for line in PAGE_MATRIX.strip().splitlines():
        key, *marks = line.split()
        assert len(marks) == len(PAGE_ROLES), line
        table[key] = {role: mark == "Y" for role, mark in zip(PAGE_ROLES, marks, strict=True)}
    return table


PAGE_TABLE = parse_page_matrix()


def role_actor(role: str) -> Actor | None:
    if role == "anon":
        return None
    return Actor(account_id=1, username=role, display_name=role, staff_id=None,
                 grants=(Grant(role, 1 if role in ("school_chair", "department_head",
                                                   "delegate") else None),))


def test_page_table_names_every_page_once():
    assert sorted(PAGE_TABLE) == sorted(p.key for p in PAGES)
    assert len(PAGE_TABLE) * len(PAGE_ROLES) == 31 * 6


@pytest.mark.parametrize("page", sorted(PAGE_TABLE))
def test_page_matrix_matches_access_rules(page):
    """services.access (the navigation and every page guard use it) agrees with the table."""
    for role in PAGE_ROLES:
        assert can_open(role_actor(role), page) is PAGE_TABLE[page][role], (page, role)


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_navigation_offers_exactly_the_allowed_pages(role):
    offered = {p.key for p in pages_for(role_actor(role))}
    assert offered == {k for k, row in PAGE_TABLE.items() if row[role]}


def test_a_person_with_two_roles_gets_the_union_of_pages():
    both = Actor(1, "chair-delegate", "x", 11, (Grant("school_chair", 1), Grant("delegate", 1)))
    offered = {p.key for p in pages_for(both)}
    assert offered == {k for k, row in PAGE_TABLE.items()
                       if row["school_chair"] or row["delegate"]}
    assert "motions_mine" in offered and "motion_review" in offered
    assert "motion_list" not in offered and "audit_log" not in offered


# --- the world: the demo once, a chair for school B -------------------------------------------

ACTORS = ("district", "chair", "chairb", "dept", "delegate", "delegate2", "auditor", "anon")
CHAIR_B = "chairb"


@pytest.fixture(scope="module")
def world_url(databases) -> str:
    url = load_demo_into(databases.new_url())
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        admin = load_actor(s, "district")
        school_b = s.scalar(select(School.id).where(School.code == "MH02"))
        accounts.create_account(s, admin, username=CHAIR_B, display_name="乙校工会主席",
                                password="chair-b-password-1", staff_no="MH02-0011",
                                grants=[Grant("school_chair", school_b)])
        s.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def world_engine(world_url):
    engine = make_engine(world_url)
    yield engine
    engine.dispose()


@pytest.fixture
def s(world_engine) -> Iterator[Session]:
    with make_sessionmaker(world_engine)() as session:
        yield session
        session.rollback()


def staff_id(s: Session, staff_no: str) -> int:
    return s.scalar(select(Staff.id).where(Staff.staff_no == staff_no))


def context(s: Session) -> SimpleNamespace:
    """Ids of the demo rows the table acts on (looked up, not assumed)."""
    school_a = s.scalar(select(School.id).where(School.code == "MH01"))
    school_b = s.scalar(select(School.id).where(School.code == "MH02"))
    term_a = s.scalar(select(CongressTerm.id).where(CongressTerm.school_id == school_a))
    meeting_a = s.scalar(select(CongressMeeting.id).where(CongressMeeting.term_id == term_a)
                         .order_by(CongressMeeting.year.desc()))
    academic = s.scalar(select(Department.id).where(Department.school_id == school_a,
                                                    Department.name == "教务处"))
    delegate_staff = staff_id(s, "MH01-0001")

    def motion(state: str, *, proposer: int | None = None, school: int = school_a) -> int:
        q = select(Motion.id).where(Motion.state == state, Motion.school_id == school)
        if proposer is not None:
            q = q.where(Motion.proposer_staff_id == proposer)
        found = s.scalar(q.order_by(Motion.id))
        assert found is not None, state
        return found

    def relief_app(state: str, filer: str) -> int:
        found = s.scalar(select(ReliefApplication.id).join(
            Account, Account.id == ReliefApplication.filed_by)
            .where(ReliefApplication.state == state, ReliefApplication.school_id == school_a,
                   Account.username == filer).order_by(ReliefApplication.id))
        assert found is not None, (state, filer)
        return found

    def case(school: int | None, status: str) -> int:
        q = select(FeedbackCase.id).where(FeedbackCase.status == status)
        q = q.where(FeedbackCase.school_id.is_(None) if school is None
                    else FeedbackCase.school_id == school)
        found = s.scalar(q.order_by(FeedbackCase.id))
        assert found is not None, (school, status)
        return found

    lead_handling = s.scalar(
        select(Motion.id).join(MotionAssignment, MotionAssignment.motion_id == Motion.id)
        .where(Motion.state == "handling", MotionAssignment.department_id == academic,
               MotionAssignment.role == "lead", MotionAssignment.active.is_(True))
        .order_by(Motion.id))
    lead_assigned = s.scalar(
        select(Motion.id).join(MotionAssignment, MotionAssignment.motion_id == Motion.id)
        .where(Motion.state == "assigned", MotionAssignment.department_id == academic,
               MotionAssignment.role == "lead", MotionAssignment.status == "assigned",
               MotionAssignment.active.is_(True)).order_by(Motion.id))
    implementing = s.scalar(
        select(Motion.id).join(MotionAssignment, MotionAssignment.motion_id == Motion.id)
        .where(Motion.state == "implementing", MotionAssignment.department_id == academic,
               MotionAssignment.role == "lead", MotionAssignment.active.is_(True))
        .order_by(Motion.id))
    attachment = s.scalar(select(ReliefAttachment.id).where(
        ReliefAttachment.application_id == relief_app("submitted", "delegate")))
    evidence = s.scalar(select(MotionMilestone.id).join(Motion, Motion.id ==
                                                        MotionMilestone.motion_id)
                        .where(MotionMilestone.evidence_name.is_not(None),
                               Motion.school_id == school_a).order_by(MotionMilestone.id))
    offered_lead = s.scalar(select(MotionLead.id).where(
        MotionLead.status == "offered", MotionLead.delegate_staff_id == delegate_staff))
    comps = {state: s.scalar(select(Competition.id).where(
        Competition.organiser_school_id == school_a, Competition.state == state))
        for state in ("draft", "confirmed", "published", "closed")}
    entry_a = s.scalar(select(FundEntry.id).where(
        FundEntry.account_id == fund.account_id_for(s, school_a),
        FundEntry.kind == "income", FundEntry.reverses_id.is_(None)).order_by(FundEntry.id.desc()))
    return SimpleNamespace(
        school_a=school_a, school_b=school_b, term_a=term_a, meeting_a=meeting_a,
        academic=academic, delegate_staff=delegate_staff,
        account_a=fund.account_id_for(s, school_a), entry_a=entry_a,
        free_staff_a=staff_id(s, "MH01-0030"),
        m_draft=motion("draft", proposer=delegate_staff),
        m_cosigning=motion("cosigning", proposer=delegate_staff),
        m_submitted=motion("submitted", proposer=delegate_staff),
        m_registered=motion("registered"),
        m_assigned=lead_assigned, m_handling=lead_handling,
        m_replied=motion("replied", proposer=delegate_staff),
        m_awaiting=motion("awaiting_rating", proposer=delegate_staff),
        m_rated=s.scalar(select(Motion.id).where(Motion.state == "rated",
                                                 Motion.school_id == school_a,
                                                 Motion.rating == "satisfied")),
        m_unsatisfied=s.scalar(select(Motion.id).where(Motion.state == "rated",
                                                       Motion.school_id == school_a,
                                                       Motion.rating == "unsatisfied")),
        m_implementing=implementing, m_done=motion("done"),
        r_draft=relief_app("draft", "delegate"), r_submitted=relief_app("submitted", "delegate"),
        r_school_approved=relief_app("school_approved", "delegate2"),
        r_district_approved=relief_app("district_approved", "delegate3"),
        attachment=attachment, evidence=evidence, offered_lead=offered_lead,
        case_new=case(school_a, "new"), case_district=case(None, "new"),
        c_draft=comps["draft"], c_confirmed=comps["confirmed"],
        c_published=comps["published"], c_closed=comps["closed"],
        dept_account=s.scalar(select(Account.id).where(Account.username == "dept")),
    )


def actor_for(s: Session, name: str) -> Actor | None:
    if name == "anon":
        return None
    found = load_actor(s, name)
    assert found is not None, name
    return found


def fingerprint(s: Session) -> tuple:
    """Every table's row count (in one query), the states of the main objects (ids summed
    per state, so any move shows) and every account's switch and password."""
    s.flush()
    counts = tuple(s.execute(select(*(select(func.count()).select_from(t).scalar_subquery()
                                      for t in Base.metadata.sorted_tables))).one())
    states = tuple(
        tuple(s.execute(select(column, func.count(), func.sum(key % 1_000_003))
                        .group_by(column).order_by(column)).all())
        for key, column in ((Motion.id, Motion.state),
                            (ReliefApplication.id, ReliefApplication.state),
                            (FeedbackCase.id, FeedbackCase.status),
                            (Competition.id, Competition.state)))
    people = tuple(s.execute(select(Account.id, Account.enabled, Account.password_hash)
                             .order_by(Account.id)).all())
    return counts, states, people


# --- the service table ----------------------------------------------------------------------

KEYS = {
    "F": "error.forbidden", "L": "error.login_required",
    "rNF": "relief.error.not_found", "rOnly": "relief.error.only_filer",
    "rState": "relief.error.wrong_state",
    "mNF": "motion.error.not_found", "mStep": "motion.error.not_your_step",
    "cNF": "competition.error.not_found", "fNF": "feedback.error.not_found",
    "rDocs": "relief.error.documents_for_reviewers",
    "cEmpty": "competition.error.no_scores_given", "yp": "year_pack.error.district_only",
}

Call = Callable[[Session, Actor | None, SimpleNamespace], Any]


@dataclass(frozen=True)
class Row:
    name: str
    call: Call
    expected: str      # one mark per actor, in ACTORS order: ok, a KEYS alias or a full key

    def marks(self) -> dict[str, str]:
        marks = self.expected.split()
        assert len(marks) == len(ACTORS), self.name
        return dict(zip(ACTORS, marks, strict=True))


def app_input(c: SimpleNamespace, school: str = "a") -> ApplicationInput:
    return ApplicationInput(school_id=c.school_a if school == "a" else c.school_b,
                            staff_id=c.free_staff_a, category_id=9, amount="500.00",
                            reason="家庭困难")


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def school_competition(s: Session, c: SimpleNamespace) -> CompetitionInput:
    return CompetitionInput(
        name="校级板书比赛（矩阵）", level="school", kind="板书", year=2031,
        organiser_school_id=c.school_a, held_on=None,
        segments=[SegmentInput("板书", D(100), D(100))],
        tiers=[TierInput("一等奖", fixed_count=1)],
        judges=[JudgeInput(f"评委{n}", "教研室") for n in "甲乙丙"],
        entrants=[EntrantInput(staff_id(s, "MH01-0020"), "数学"),
                  EntrantInput(staff_id(s, "MH01-0021"), "数学")])


TODAY = dt.date(2026, 12, 1)
A_YEAR = dt.date(2026, 1, 1), dt.date(2026, 12, 31)

# Columns: district chair chairb dept delegate delegate2 auditor anon
SERVICE_MATRIX: tuple[Row, ...] = (
    # --- relief ---
    Row("relief.filing_school_choices", lambda s, a, c: relief.filing_school_choices(s, a),
        "ok ok ok F ok ok F L"),
    Row("relief.recipient_choices(A)",
        lambda s, a, c: relief.recipient_choices(s, a, c.school_a),
        "ok ok F F ok ok F L"),
    Row("relief.file_application(A)",
        lambda s, a, c: relief.file_application(s, a, app_input(c), submit=False),
        "ok ok F F ok ok F L"),
    Row("relief.update_draft(delegate's)",
        lambda s, a, c: relief.update_draft(s, a, c.r_draft, app_input(c)),
        "rOnly rOnly rNF rNF ok rNF rOnly L"),
    Row("relief.submit_application(delegate's)",
        lambda s, a, c: relief.submit_application(s, a, c.r_draft),
        "rOnly rOnly rNF rNF ok rNF rOnly L"),
    Row("relief.approve_at_school",
        lambda s, a, c: relief.approve_at_school(s, a, c.r_submitted),
        "F ok rNF F F F F L"),
    Row("relief.approve_at_district",
        lambda s, a, c: relief.approve_at_district(s, a, c.r_school_approved),
        "ok F F F F F F L"),
    Row("relief.return_application",
        lambda s, a, c: relief.return_application(s, a, c.r_submitted, "请补充病历"),
        "rState ok rNF rNF F rNF F L"),
    Row("relief.reject", lambda s, a, c: relief.reject(s, a, c.r_submitted, "不符合条件"),
        "rState ok rNF rNF F rNF F L"),
    Row("relief.cancel", lambda s, a, c: relief.cancel(s, a, c.r_submitted, ""),
        "ok rOnly rNF rNF ok rNF rOnly L"),
    Row("relief.pay",
        lambda s, a, c: relief.pay(s, a, c.r_district_approved, account_id=c.account_a),
        "ok F F F F F F L"),
    Row("relief.list_applications",
        lambda s, a, c: relief.list_applications(s, a),
        "ok ok ok F ok ok ok L"),
    Row("relief.application", lambda s, a, c: relief.application(s, a, c.r_submitted),
        "ok ok rNF rNF ok rNF ok L"),
    Row("relief.history", lambda s, a, c: relief.history(s, a, c.r_submitted),
        "ok ok rNF rNF ok rNF ok L"),
    Row("relief.recipient_history",
        lambda s, a, c: relief.recipient_history(
            s, a, s.get(ReliefApplication, c.r_submitted).staff_id),
        "ok ok F F F F ok L"),
    Row("relief.add_attachment",
        lambda s, a, c: relief.add_attachment(s, a, c.r_submitted, filename="证明.pdf",
                                              data=pdf_bytes()),
        "rOnly ok rNF rNF ok rNF rOnly L"),
    Row("relief.attachments", lambda s, a, c: relief.attachments(s, a, c.r_submitted),
        "ok ok rNF rNF ok rNF ok L"),
    Row("relief.attachment_file", lambda s, a, c: relief.attachment_file(s, a, c.attachment),
        "ok ok rNF rNF rDocs rNF ok L"),
    Row("relief.waiting_counts", lambda s, a, c: relief.waiting_counts(s, a),
        "ok ok ok ok ok ok ok L"),
    # --- fund ---
    Row("fund.save_category",
        lambda s, a, c: fund.save_category(s, a, kind="income", name="校友捐赠"),
        "ok F F F F F F L"),
    Row("fund.readable_account_ids", lambda s, a, c: fund.readable_account_ids(s, a),
        "ok ok ok F F F ok L"),
    Row("fund.account_choices", lambda s, a, c: fund.account_choices(s, a),
        "ok ok ok F F F ok L"),
    Row("fund.balances", lambda s, a, c: fund.balances(s, a), "ok ok ok F F F ok L"),
    Row("fund.post_entry",
        lambda s, a, c: fund.post_entry(s, a, account_id=c.account_a, kind="income",
                                        category_id=4, amount="100.00",
                                        entry_date=dt.date(2026, 11, 30), counterparty="张三"),
        "ok F F F F F F L"),
    Row("fund.reverse_entry",
        lambda s, a, c: fund.reverse_entry(s, a, c.entry_a, reason="录错"),
        "ok F F F F F F L"),
    Row("fund.record_bank_check",
        lambda s, a, c: fund.record_bank_check(s, a, checked_on=dt.date(2026, 11, 30),
                                               bank_balance="1.00"),
        "ok F F F F F F L"),
    Row("fund.bank_checks", lambda s, a, c: fund.bank_checks(s, a), "ok F F F F F ok L"),
    Row("fund.last_agreed_check", lambda s, a, c: fund.last_agreed_check(s, a),
        "ok F F F F F ok L"),
    Row("fund.entries_since_agreed", lambda s, a, c: fund.entries_since_agreed(s, a),
        "ok F F F F F ok L"),
    # --- fund_reports ---
    Row("fund_reports.monthly", lambda s, a, c: fund_reports.monthly(s, a, year=2026),
        "ok ok ok F F F ok L"),
    Row("fund_reports.monthly(account A)",
        lambda s, a, c: fund_reports.monthly(s, a, year=2026, account_id=c.account_a),
        "ok ok F F F F ok L"),
    Row("fund_reports.yearly", lambda s, a, c: fund_reports.yearly(s, a),
        "ok ok ok F F F ok L"),
    Row("fund_reports.balance_over_time(account A)",
        lambda s, a, c: fund_reports.balance_over_time(s, a, account_id=c.account_a),
        "ok ok F F F F ok L"),
    Row("fund_reports.by_school", lambda s, a, c: fund_reports.by_school(s, a, year=2026),
        "ok ok ok F F F ok L"),
    Row("fund_reports.top_categories", lambda s, a, c: fund_reports.top_categories(s, a),
        "ok ok ok F F F ok L"),
    Row("fund_reports.journal(account A)",
        lambda s, a, c: fund_reports.journal(s, a, start=A_YEAR[0], end=A_YEAR[1],
                                             account_id=c.account_a),
        "ok ok F F F F ok L"),
    Row("fund_reports.recipients(A)",
        lambda s, a, c: fund_reports.recipients(s, a, year=2026, school_id=c.school_a),
        "ok ok F F F F ok L"),
    Row("fund_reports.public_notice", lambda s, a, c: fund_reports.public_notice(s, a, year=2026),
        "ok ok ok ok ok ok ok L"),
    Row("fund_reports.notice_totals", lambda s, a, c: fund_reports.notice_totals(s, a, year=2026),
        "ok ok ok ok ok ok ok L"),
    Row("fund_reports.journal_xlsx(account A)",
        lambda s, a, c: fund_reports.journal_xlsx(s, a, start=A_YEAR[0], end=A_YEAR[1],
                                                  account_id=c.account_a),
        "ok ok F F F F ok L"),
    Row("fund_reports.reports_xlsx", lambda s, a, c: fund_reports.reports_xlsx(s, a, year=2026),
        "ok ok ok F F F ok L"),
    Row("fund_reports.beancount_text", lambda s, a, c: fund_reports.beancount_text(s, a),
        "ok F F F F F ok L"),
    # --- fund_import ---
    Row("fund_import.import_donations",
        lambda s, a, c: fund_import.import_donations(
            s, a, filename="捐款.xlsx", data=fund_import.template_xlsx(session=s)),
        "ok F F F F F F L"),
    # --- congress (motions.py) ---
    Row("motions.create_term(A)",
        lambda s, a, c: motions.create_term(s, a, school_id=c.school_a, number=7,
                                            start_year=2029, end_year=2033),
        "ok ok F F F F F L"),
    Row("motions.set_delegates(A)",
        lambda s, a, c: motions.set_delegates(
            s, a, term_id=c.term_a, staff_ids=motions.term_delegate_ids(s, c.term_a)[:-1]),
        "ok ok F F F F F L"),
    Row("motions.create_meeting(A)",
        lambda s, a, c: motions.create_meeting(s, a, term_id=c.term_a, number=9, year=2028),
        "ok ok F F F F F L"),
    Row("motions.update_meeting(A)",
        lambda s, a, c: motions.update_meeting(s, a, meeting_id=c.meeting_a,
                                               settings=motions.MeetingSettings(),
                                               accepting=False),
        "ok ok F F F F F L"),
    Row("motions.congress_terms(A)",
        lambda s, a, c: motions.congress_terms(s, a, school_id=c.school_a),
        "ok ok F F F F F L"),
    Row("motions.delegate_choices(A)",
        lambda s, a, c: motions.delegate_choices(s, a, school_id=c.school_a),
        "ok ok F F F F F L"),
    Row("motions.congress_meetings(A)",
        lambda s, a, c: motions.congress_meetings(s, a, term_id=c.term_a),
        "ok ok F F F F F L"),
    Row("motions.congress_votes(A)",
        lambda s, a, c: motions.congress_votes(s, a, meeting_id=c.meeting_a),
        "ok ok F F F F F L"),
    Row("motions.record_vote(A)",
        lambda s, a, c: motions.record_vote(s, a, meeting_id=c.meeting_a, subject="决议",
                                            voted_on=dt.date(2026, 3, 1), entitled=30,
                                            present=25, yes=20, no=3, abstain=2),
        "ok ok F F F F F L"),
    Row("motions.require_readable(handling)",
        lambda s, a, c: motions.require_readable(s, a, c.m_handling),
        "ok ok mNF ok ok ok mNF L"),
    Row("motions.require_readable(draft)",
        lambda s, a, c: motions.require_readable(s, a, c.m_draft),
        "mNF mNF mNF mNF ok mNF mNF L"),
    Row("motions.open_meeting_for(A)",
        lambda s, a, c: motions.open_meeting_for(s, a, school_id=c.school_a),
        "ok ok ok ok ok ok ok L"),
    Row("motions.draft_motion(A)",
        lambda s, a, c: motions.draft_motion(s, a, meeting_id=c.meeting_a, title="关于矩阵的提案",
                                             reason="理由", suggestion="建议"),
        "F F F F ok ok F L"),
    Row("motions.edit_draft",
        lambda s, a, c: motions.edit_draft(s, a, motion_id=c.m_draft, title="改", reason="理由",
                                           suggestion="建议"),
        "mNF mNF mNF mNF ok mNF mNF L"),
    Row("motions.ask_cosigners",
        lambda s, a, c: motions.ask_cosigners(s, a, motion_id=c.m_draft,
                                              staff_ids=[staff_id(s, "MH01-0002"),
                                                         staff_id(s, "MH01-0003")]),
        "mNF mNF mNF mNF ok mNF mNF L"),
    Row("motions.cosigner_choices",
        lambda s, a, c: motions.cosigner_choices(s, a, motion_id=c.m_draft),
        "mNF mNF mNF mNF ok mNF mNF L"),
    Row("motions.cosign", lambda s, a, c: motions.cosign(s, a, motion_id=c.m_cosigning),
        "mNF mNF mNF mNF motion.error.cosign_own ok mNF L"),
    Row("motions.decline_cosign",
        lambda s, a, c: motions.decline_cosign(s, a, motion_id=c.m_cosigning),
        "mNF mNF mNF mNF motion.error.cosign_own ok mNF L"),
    Row("motions.withdraw", lambda s, a, c: motions.withdraw(s, a, motion_id=c.m_submitted),
        "mStep mStep mNF mNF ok mNF mNF L"),
    Row("motions.return_for_revision",
        lambda s, a, c: motions.return_for_revision(s, a, motion_id=c.m_submitted, note="请修改"),
        "mStep ok mNF mNF mStep mNF mNF L"),
    Row("motions.register", lambda s, a, c: motions.register(s, a, motion_id=c.m_submitted),
        "mStep ok mNF mNF mStep mNF mNF L"),
    Row("motions.reject",
        lambda s, a, c: motions.reject(s, a, motion_id=c.m_submitted, reason="不属于提案范围"),
        "mStep ok mNF mNF mStep mNF mNF L"),
    Row("motions.to_suggestion",
        lambda s, a, c: motions.to_suggestion(s, a, motion_id=c.m_submitted),
        "mStep ok mNF mNF mStep mNF mNF L"),
    Row("motions.assign",
        lambda s, a, c: motions.assign(s, a, motion_id=c.m_registered,
                                       lead_department_id=c.academic,
                                       deadline=dt.date(2027, 3, 1)),
        "mStep ok mNF mNF mStep mStep mNF L"),
    Row("motions.accept", lambda s, a, c: motions.accept(s, a, motion_id=c.m_assigned),
        "mStep mStep mNF ok mStep mStep mNF L"),
    Row("motions.request_return",
        lambda s, a, c: motions.request_return(s, a, motion_id=c.m_assigned, reason="非本部门职责"),
        "mStep mStep mNF ok mStep mStep mNF L"),
    Row("motions.reply",
        lambda s, a, c: motions.reply(s, a, motion_id=c.m_handling, body="已安排",
                                      extent=sorted(motions.REPLY_EXTENTS)[0]),
        "mStep mStep mNF ok mStep mStep mNF L"),
    Row("motions.send_back",
        lambda s, a, c: motions.send_back(s, a, motion_id=c.m_replied, note="答复不具体"),
        "mStep ok mNF mStep mStep mStep mNF L"),
    Row("motions.accept_reply",
        lambda s, a, c: motions.accept_reply(s, a, motion_id=c.m_replied),
        "mStep ok mNF mStep mStep mStep mNF L"),
    Row("motions.rate",
        lambda s, a, c: motions.rate(s, a, motion_id=c.m_awaiting, rating="satisfied"),
        "mStep mStep mNF mStep ok mStep mNF L"),
    Row("motions.reopen", lambda s, a, c: motions.reopen(s, a, motion_id=c.m_unsatisfied),
        "mStep ok mNF mNF mStep mStep mNF L"),
    Row("motions.implement", lambda s, a, c: motions.implement(s, a, motion_id=c.m_rated),
        "mStep ok mNF mStep mStep mStep mNF L"),
    Row("motions.record_progress",
        lambda s, a, c: motions.record_progress(s, a, motion_id=c.m_implementing, progress=60,
                                                note="已完成一半"),
        "mStep ok mNF ok mStep mStep mNF L"),
    Row("motions.mark_done", lambda s, a, c: motions.mark_done(s, a, motion_id=c.m_implementing),
        "mStep ok mNF mStep mStep mStep mNF L"),
    Row("motions.defer",
        lambda s, a, c: motions.defer(s, a, motion_id=c.m_implementing, reason="经费不足"),
        "mStep ok mNF mStep mStep mStep mNF L"),
    Row("motions.close", lambda s, a, c: motions.close(s, a, motion_id=c.m_done),
        "mStep ok mNF mNF mStep mStep mNF L"),
    # --- motion_queries ---
    Row("motion_queries.meeting_choices(A)",
        lambda s, a, c: motion_queries.meeting_choices(s, a, school_id=c.school_a),
        "ok ok F ok ok ok F L"),
    Row("motion_queries.current_meeting_id(A)",
        lambda s, a, c: motion_queries.current_meeting_id(s, a, school_id=c.school_a),
        "ok ok F ok ok ok F L"),
    Row("motion_queries.list_motions", lambda s, a, c: motion_queries.list_motions(s, a),
        "ok ok ok ok ok ok F L"),
    Row("motion_queries.all_motions", lambda s, a, c: motion_queries.all_motions(s, a),
        "ok ok ok ok ok ok F L"),
    Row("motion_queries.my_motions", lambda s, a, c: motion_queries.my_motions(s, a),
        "F F F F ok ok F L"),
    Row("motion_queries.cosign_requests", lambda s, a, c: motion_queries.cosign_requests(s, a),
        "F F F F ok ok F L"),
    Row("motion_queries.review_queue(A)",
        lambda s, a, c: motion_queries.review_queue(s, a, meeting_id=c.meeting_a),
        "F ok F F F F F L"),
    Row("motion_queries.department_queue",
        lambda s, a, c: motion_queries.department_queue(s, a, today=TODAY),
        "F F F ok F F F L"),
    Row("motion_queries.motion_view(handling)",
        lambda s, a, c: motion_queries.motion_view(s, a, c.m_handling, today=TODAY),
        "ok ok mNF ok ok ok F L"),
    Row("motion_queries.milestone_evidence(A)",
        lambda s, a, c: motion_queries.milestone_evidence(s, a, c.evidence),
        "ok ok mNF mNF ok ok F L"),
    Row("motion_queries.kpis(A)",
        lambda s, a, c: motion_queries.kpis(s, a, school_id=c.school_a, today=TODAY),
        "ok ok F F F F F L"),
    Row("motion_queries.kpis_by_school",
        lambda s, a, c: motion_queries.kpis_by_school(s, a, today=TODAY),
        "ok ok ok F F F F L"),
    Row("motion_queries.kpis_by_meeting(A)",
        lambda s, a, c: motion_queries.kpis_by_meeting(s, a, school_id=c.school_a, today=TODAY),
        "ok ok F F F F F L"),
    Row("motion_queries.department_ranking(A)",
        lambda s, a, c: motion_queries.department_ranking(s, a, school_id=c.school_a,
                                                          today=TODAY),
        "ok ok F F F F F L"),
    Row("motion_queries.overdue_list(A)",
        lambda s, a, c: motion_queries.overdue_list(s, a, school_id=c.school_a, today=TODAY),
        "ok ok ok ok ok ok F L"),
    Row("motion_queries.similar_motions(A)",
        lambda s, a, c: motion_queries.similar_motions(s, a, school_id=c.school_a,
                                                       text="食堂饭菜质量"),
        "ok ok F ok ok ok F L"),
    # --- motion_files ---
    Row("motion_files.register_xlsx(A)",
        lambda s, a, c: motion_files.register_xlsx(s, a, filters=MotionFilter(
            school_id=c.school_a)),
        "ok ok F F F F F L"),
    Row("motion_files.handling_report(A)",
        lambda s, a, c: motion_files.handling_report(s, a, meeting_id=c.meeting_a),
        "ok ok F F F F F L"),
    Row("motion_files.handling_report_pdf(A)",
        lambda s, a, c: motion_files.handling_report_pdf(s, a, meeting_id=c.meeting_a),
        "ok ok F F F F F L"),
    Row("motion_files.progress_template_xlsx(A)",
        lambda s, a, c: motion_files.progress_template_xlsx(s, a, meeting_id=c.meeting_a),
        "ok ok F F F F F L"),
    Row("motion_files.import_progress(A)",
        lambda s, a, c: motion_files.import_progress(
            s, a, meeting_id=c.meeting_a,
            data=motion_files.progress_template_xlsx(s, actor_for(s, "chair"),
                                                     meeting_id=c.meeting_a)),
        "F motion.progress_import.error.empty F F F F F L"),
    # --- competitions ---
    Row("competitions.create_competition(A)",
        lambda s, a, c: competitions.create_competition(s, a, school_competition(s, c)),
        "ok ok F F F F F L"),
    Row("competitions.organiser_choices", lambda s, a, c: competitions.organiser_choices(s, a),
        "ok ok ok ok ok ok ok L"),
    Row("competitions.entrant_choices(A)",
        lambda s, a, c: competitions.entrant_choices(s, a, c.school_a),
        "ok ok F F F F F L"),
    Row("competitions.list_competitions",
        lambda s, a, c: competitions.list_competitions(s, a),
        "ok ok ok ok ok ok ok L"),
    Row("competitions.competition(draft A)",
        lambda s, a, c: competitions.competition(s, a, c.c_draft),
        "ok ok cNF cNF cNF cNF cNF L"),
    Row("competitions.competition(published A)",
        lambda s, a, c: competitions.competition(s, a, c.c_published),
        "ok ok cNF ok ok ok ok L"),
    Row("competitions.current_scores(confirmed A)",
        lambda s, a, c: competitions.current_scores(s, a, c.c_confirmed),
        "ok ok cNF cNF cNF cNF cNF L"),
    Row("competitions.replace_sheet(draft A)",
        lambda s, a, c: competitions.replace_sheet(s, a, c.c_draft, []),
        "cEmpty cEmpty cNF cNF cNF cNF cNF L"),
    Row("competitions.publish(confirmed A)",
        lambda s, a, c: competitions.publish(s, a, c.c_confirmed),
        "ok ok cNF cNF cNF cNF cNF L"),
    Row("competitions.close(published A)",
        lambda s, a, c: competitions.close(s, a, c.c_published),
        "ok ok cNF F F F F L"),
    Row("competitions.reopen(published A)",
        lambda s, a, c: competitions.reopen(s, a, c.c_published, reason="复核"),
        "ok ok cNF F F F F L"),
    Row("competitions.results(published A)",
        lambda s, a, c: competitions.results(s, a, c.c_published),
        "ok ok cNF ok ok ok ok L"),
    Row("competitions.medal_table", lambda s, a, c: competitions.medal_table(s, a),
        "ok ok ok ok ok ok ok L"),
    Row("competitions.find_teachers", lambda s, a, c: competitions.find_teachers(s, a, ""),
        "ok ok ok ok ok ok ok L"),
    Row("competitions.teacher_record",
        lambda s, a, c: competitions.teacher_record(s, a, c.delegate_staff),
        "ok ok F F ok F ok L"),
    Row("competitions.results_by_school_year",
        lambda s, a, c: competitions.results_by_school_year(s, a),
        "ok ok ok ok ok ok ok L"),
    Row("competitions.add_honour_kind",
        lambda s, a, c: competitions.add_honour_kind(s, a, "矩阵先锋"),
        "ok F F F F F F L"),
    Row("competitions.record_honour(A)",
        lambda s, a, c: competitions.record_honour(
            s, a, kind_id=next(iter(competitions.honour_kinds(s))),
            staff_id=c.delegate_staff, school_id=None, level="district", year=2026,
            issuer="明湖区教育工会"),
        "ok ok F F F F F L"),
    Row("competitions.list_honours", lambda s, a, c: competitions.list_honours(s, a),
        "ok ok ok ok ok ok ok L"),
    # --- feedback ---
    Row("feedback.count_inbox", lambda s, a, c: feedback.count_inbox(s, a),
        "ok ok ok F F F F L"),
    Row("feedback.list_inbox", lambda s, a, c: feedback.list_inbox(s, a),
        "ok ok ok F F F F L"),
    Row("feedback.open_case(A)", lambda s, a, c: feedback.open_case(s, a, c.case_new),
        "fNF ok fNF F F F F L"),
    Row("feedback.open_case(district)",
        lambda s, a, c: feedback.open_case(s, a, c.case_district),
        "ok fNF fNF F F F F L"),
    Row("feedback.reply(A)",
        lambda s, a, c: feedback.reply(s, a, c.case_new, "已收到", internal=False, today=TODAY),
        "fNF ok fNF F F F F L"),
    Row("feedback.forward(A)",
        lambda s, a, c: feedback.forward(s, a, c.case_new, today=TODAY),
        "fNF ok fNF F F F F L"),
    Row("feedback.close_case(A)",
        lambda s, a, c: feedback.close_case(s, a, c.case_new, today=TODAY),
        "fNF ok fNF F F F F L"),
    Row("feedback.delegate_choices(A)",
        lambda s, a, c: feedback.delegate_choices(s, a, c.case_new, today=TODAY),
        "fNF ok fNF F F F F L"),
    Row("feedback.offer_motion_lead(A)",
        lambda s, a, c: feedback.offer_motion_lead(
            s, a, c.case_new, delegate_staff_id=c.delegate_staff, title="关于食堂的建议",
            reason="理由", suggestion="建议", today=TODAY),
        "fNF ok fNF F F F F L"),
    Row("feedback.list_leads", lambda s, a, c: feedback.list_leads(s, a),
        "F F F F ok ok F L"),
    Row("feedback.decide_lead(delegate's)",
        lambda s, a, c: feedback.decide_lead(s, a, c.offered_lead, adopt=False, today=TODAY),
        "F F F F ok feedback.error.lead_not_found F L"),
    Row("feedback.stats_scope", lambda s, a, c: feedback.stats_scope(s, a),
        "ok ok ok F F F F L"),
    Row("feedback.feedback_stats(A)",
        lambda s, a, c: feedback.feedback_stats(s, a, school_id=c.school_a,
                                                date_from=A_YEAR[0], date_to=A_YEAR[1]),
        "ok ok F F F F F L"),
    # --- accounts ---
    Row("accounts.create_account",
        lambda s, a, c: accounts.create_account(s, a, username="matrix.new",
                                                display_name="新账户",
                                                password="matrix-password-1",
                                                grants=[Grant("auditor")]),
        "ok F F F F F F L"),
    Row("accounts.set_enabled",
        lambda s, a, c: accounts.set_enabled(s, a, account_id=c.dept_account, enabled=False),
        "ok F F F F F F L"),
    Row("accounts.reset_password",
        lambda s, a, c: accounts.reset_password(s, a, account_id=c.dept_account,
                                                new_password="matrix-password-2"),
        "ok F F F F F F L"),
    Row("accounts.set_grants",
        lambda s, a, c: accounts.set_grants(s, a, account_id=c.dept_account,
                                            grants=[Grant("school_chair", c.school_a)]),
        "ok F F F F F F L"),
    Row("accounts.account_grants",
        lambda s, a, c: accounts.account_grants(s, a, account_id=c.dept_account),
        "ok F F F F F F L"),
    Row("accounts.list_accounts", lambda s, a, c: accounts.list_accounts(s, a),
        "ok F F F F F F L"),
    # --- org ---
    Row("org.list_schools", lambda s, a, c: org.list_schools(s, a), "ok ok ok ok ok ok ok L"),
    Row("org.school_choices", lambda s, a, c: org.school_choices(s, a), "ok ok ok ok ok ok ok L"),
    Row("org.department_choices(A)",
        lambda s, a, c: org.department_choices(s, a, school_id=c.school_a),
        "ok ok F ok ok ok ok L"),
    Row("org.create_school",
        lambda s, a, c: org.create_school(s, a, code="MX99", name="矩阵学校"),
        "ok F F F F F F L"),
    Row("org.add_department(A)",
        lambda s, a, c: org.add_department(s, a, school_id=c.school_a, name="工会办公室"),
        "ok F F F F F F L"),
    Row("org.list_staff(A)", lambda s, a, c: org.list_staff(s, a, school_id=c.school_a),
        "ok ok F F F F F L"),
    # --- audit ---
    Row("audit.count_entries", lambda s, a, c: audit.count_entries(s, a), "ok F F F F F ok L"),
    Row("audit.list_entries", lambda s, a, c: audit.list_entries(s, a), "ok F F F F F ok L"),
    Row("audit.export_xlsx", lambda s, a, c: audit.export_xlsx(s, a), "ok F F F F F ok L"),
    # --- year pack ---
    Row("year_pack.pack_years", lambda s, a, c: year_pack.pack_years(s, a, today=TODAY),
        "ok yp yp yp yp yp yp L"),
    Row("year_pack.year_pack", lambda s, a, c: year_pack.year_pack(s, a, year=2025,
                                                                   today=TODAY),
        "ok yp yp yp yp yp yp L"),
    # --- home ---
    Row("home.home_summary", lambda s, a, c: home.home_summary(s, a),
        "ok ok ok ok ok ok ok L"),
)


def test_fingerprint_sees_a_state_change_a_new_row_and_a_new_password(s):
    """The "changes nothing" check can fail: each of these changes moves the fingerprint."""
    c = context(s)
    start = fingerprint(s)
    motions.register(s, actor_for(s, "chair"), motion_id=c.m_submitted)
    assert fingerprint(s) != start
    s.rollback()
    assert fingerprint(s) == start
    accounts.reset_password(s, actor_for(s, "district"), account_id=c.dept_account,
                            new_password="matrix-password-3")
    assert fingerprint(s)[2] != start[2]
    s.rollback()


def test_service_table_is_well_formed():
    names = [r.name for r in SERVICE_MATRIX]
    assert len(names) == len(set(names))
    for row in SERVICE_MATRIX:
        row.marks()


@pytest.mark.parametrize("row", SERVICE_MATRIX, ids=[r.name for r in SERVICE_MATRIX])
def test_service_matrix(s, row):
    ctx = context(s)
    problems = []
    for who, mark in row.marks().items():
        actor = actor_for(s, who)
        before = fingerprint(s) if mark != "ok" else None
        try:
            row.call(s, actor, ctx)
        except DomainError as err:
            if mark == "ok":
                problems.append(f"{who}: refused {err.key}, expected allowed")
            elif err.key != KEYS.get(mark, mark):
                problems.append(f"{who}: refused {err.key}, expected {KEYS.get(mark, mark)}")
            elif fingerprint(s) != before:
                problems.append(f"{who}: refused but changed the database")
        except Exception as err:
            problems.append(f"{who}: {type(err).__name__}: {err}")
        else:
            if mark != "ok":
                problems.append(f"{who}: allowed, expected {KEYS.get(mark, mark)}")
        finally:
            s.rollback()
    assert not problems, "; ".join(problems)


# --- scope: a chair of school B never reads or changes school A's rows ------------------------

A_NAME, B_NAME = "明湖区实验小学", "明湖区第一中学"
AUDITOR_RELIEF_ROWS = 276  # every application of the demo district, of all 12 schools


def xlsx_text(data: bytes) -> str:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(data), read_only=True)
    return "\n".join(str(v) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def refused(key: str, call: Callable[[], Any]) -> None:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.key == key


def ids_of(s: Session, model, *where) -> list[int]:
    return list(s.scalars(select(model.id).where(*where).order_by(model.id)))


PROBES = {"count": 0}


def probe(n: int = 1) -> None:
    PROBES["count"] += n


def test_chair_b_relief_and_fund_stay_in_school_b(s):
    c, b = context(s), actor_for(s, CHAIR_B)
    frame, total = relief.list_applications(s, b, page_size=500)
    assert total == 23 and set(frame["school"]) == {B_NAME}
    assert not frame["number"].str.contains("MH01").any()
    frame, total = relief.list_applications(s, b, school_id=c.school_a, page_size=500)
    assert total == 0 and frame.empty
    assert set(relief.waiting_counts(s, b).values()) <= {0}   # school B has nothing open
    a_apps = ids_of(s, ReliefApplication, ReliefApplication.school_id == c.school_a)
    assert len(a_apps) == 30
    for app_id in a_apps:
        refused("relief.error.not_found", lambda app_id=app_id: relief.application(s, b, app_id))
        refused("relief.error.not_found", lambda app_id=app_id: relief.history(s, b, app_id))
        refused("relief.error.not_found", lambda app_id=app_id: relief.attachments(s, b, app_id))
    refused("relief.error.not_found", lambda: relief.attachment_file(s, b, c.attachment))
    refused("error.forbidden", lambda: relief.recipient_history(s, b, c.free_staff_a))
    probe(3 * len(a_apps) + 4)

    paid = fund_reports.recipients(s, b, year=2026)
    assert set(paid["school"]) == {B_NAME} and not paid["staff_no"].str.startswith("MH01").any()
    refused("error.forbidden", lambda: fund_reports.recipients(s, b, year=2026,
                                                               school_id=c.school_a))
    account_b = fund.account_id_for(s, c.school_b)
    assert fund.readable_account_ids(s, b) == [account_b]
    assert list(fund.balances(s, b)["account_id"]) == [account_b]
    assert list(fund_reports.by_school(s, b, year=2026)["school_id"]) == [c.school_b]
    page = fund_reports.journal(s, b, start=A_YEAR[0], end=A_YEAR[1], page_size=1000)
    b_entries = set(ids_of(s, FundEntry, FundEntry.account_id == account_b,
                           FundEntry.entry_date.between(*A_YEAR)))
    assert set(page.frame["id"]) == b_entries and page.total == len(b_entries)
    admin = actor_for(s, "district")
    assert fund_reports.yearly(s, b).equals(fund_reports.yearly(s, admin, account_id=account_b))
    assert fund_reports.balance_over_time(s, b).equals(
        fund_reports.balance_over_time(s, admin, account_id=account_b))
    a_vouchers = set(s.scalars(select(FundEntry.voucher_no).where(
        FundEntry.account_id == c.account_a, FundEntry.entry_date.between(*A_YEAR))))
    assert a_vouchers
    text = xlsx_text(fund_reports.journal_xlsx(s, b, start=A_YEAR[0], end=A_YEAR[1]))
    assert A_NAME not in text and "MH01" not in text and not a_vouchers & set(text.split("\n"))
    text = xlsx_text(fund_reports.reports_xlsx(s, b, year=2026))
    assert A_NAME not in text and "MH01" not in text and B_NAME in text
    for call in (lambda: fund_reports.monthly(s, b, year=2026, account_id=c.account_a),
                 lambda: fund_reports.journal(s, b, start=A_YEAR[0], end=A_YEAR[1],
                                              account_id=c.account_a),
                 lambda: fund_reports.journal_xlsx(s, b, start=A_YEAR[0], end=A_YEAR[1],
                                                   account_id=c.account_a),
                 lambda: fund_reports.balance_over_time(s, b, account_id=c.account_a)):
        refused("error.forbidden", call)
    probe(17)


def test_chair_b_motions_stay_in_school_b(s):
    c, b = context(s), actor_for(s, CHAIR_B)
    frame, total = motion_queries.list_motions(s, b, page_size=500)
    assert total == 14 and set(frame["school"]) == {B_NAME}
    assert not frame["number"].fillna("").str.contains("MH01").any()
    for filters in (MotionFilter(school_id=c.school_a), MotionFilter(meeting_id=c.meeting_a),
                    MotionFilter(text="2026MH01TA001"), MotionFilter(department_id=c.academic)):
        frame, total = motion_queries.list_motions(s, b, filters=filters)
        assert total == 0 and frame.empty, filters
        assert motion_queries.all_motions(s, b, filters=filters).empty
        try:
            text = xlsx_text(motion_files.register_xlsx(s, b, filters=filters))
        except DomainError as err:   # another school's filter is refused outright
            assert err.key == "error.forbidden" and filters.text == ""
        else:
            assert "MH01" not in text and A_NAME not in text
    text = xlsx_text(motion_files.register_xlsx(s, b, filters=MotionFilter()))
    assert "MH01" not in text and A_NAME not in text and "MH02" in text
    assert set(motion_queries.kpis_by_school(s, b, today=TODAY)["school_id"]) == {c.school_b}
    assert set(motion_queries.department_ranking(s, b, today=TODAY)["school"]) <= {B_NAME}
    assert motion_queries.overdue_list(s, b, school_id=c.school_a, today=TODAY).empty
    assert set(motion_queries.overdue_list(s, b, today=TODAY)["school"]) <= {B_NAME}
    assert set(motion_queries.meeting_choices(s, b)) == set(ids_of(
        s, CongressMeeting, CongressMeeting.school_id == c.school_b))
    similar = motion_queries.similar_motions(s, b, school_id=c.school_b, text="食堂饭菜质量服务")
    b_motions = set(ids_of(s, Motion, Motion.school_id == c.school_b))
    assert set(similar["id"]) <= b_motions
    a_motions = ids_of(s, Motion, Motion.school_id == c.school_a)
    assert len(a_motions) == 50
    for motion_id in a_motions:
        refused("motion.error.not_found",
                lambda motion_id=motion_id: motion_queries.motion_view(s, b, motion_id))
        refused("motion.error.not_found",
                lambda motion_id=motion_id: motions.require_readable(s, b, motion_id))
    refused("motion.error.not_found", lambda: motion_queries.milestone_evidence(s, b, c.evidence))
    for call in (lambda: motion_queries.review_queue(s, b, meeting_id=c.meeting_a),
                 lambda: motion_files.handling_report(s, b, meeting_id=c.meeting_a),
                 lambda: motion_files.handling_report_pdf(s, b, meeting_id=c.meeting_a),
                 lambda: motion_files.progress_template_xlsx(s, b, meeting_id=c.meeting_a),
                 lambda: motions.congress_votes(s, b, meeting_id=c.meeting_a),
                 lambda: motions.congress_meetings(s, b, term_id=c.term_a)):
        refused("error.forbidden", call)
    # KPIs of school A's meeting, asked by school B's chair, count nothing of school A.
    zero = motion_queries.kpis(s, b, meeting_id=c.meeting_a, today=TODAY)
    assert (zero.submitted, zero.registered, zero.due, zero.rated, zero.done) == (0, 0, 0, 0, 0)
    probe(2 * len(a_motions) + 24)


def test_chair_b_competitions_and_honours_stay_in_school_b(s):
    c, b = context(s), actor_for(s, CHAIR_B)
    listed = competitions.list_competitions(s, b)
    assert A_NAME not in set(listed["organiser"])
    a_comps = ids_of(s, Competition, Competition.organiser_school_id == c.school_a)
    assert len(a_comps) == 4
    assert not set(listed["id"]) & set(a_comps)
    for cid in a_comps:
        for call in (competitions.competition, competitions.current_scores,
                     competitions.results):
            refused("competition.error.not_found", lambda call=call, cid=cid: call(s, b, cid))
    teachers = competitions.find_teachers(s, b, "", limit=500)
    assert len(teachers) == 40 and all(B_NAME in label for label in teachers.values())
    assert competitions.find_teachers(s, b, "MH01") == {}
    refused("error.forbidden", lambda: competitions.teacher_record(s, b, c.delegate_staff))
    refused("error.forbidden", lambda: competitions.entrant_choices(s, b, c.school_a))
    assert set(competitions.list_honours(s, b)["school"]) <= {B_NAME}
    probe(3 * len(a_comps) + 6)


def test_chair_b_feedback_stays_in_school_b(s):
    c, b = context(s), actor_for(s, CHAIR_B)
    b_cases = ids_of(s, FeedbackCase, FeedbackCase.school_id == c.school_b)
    inbox = feedback.list_inbox(s, b, page_size=500)
    assert set(inbox["id"]) == set(b_cases) and feedback.count_inbox(s, b) == len(b_cases)
    assert set(inbox["recipient"]) == {B_NAME}
    assert feedback.list_inbox(s, b, InboxFilter(school_id=c.school_a)).empty
    assert feedback.count_inbox(s, b, InboxFilter(school_id=c.school_a)) == 0
    assert feedback.stats_scope(s, b) == {c.school_b: B_NAME}
    for school in (c.school_a, None):
        refused("error.forbidden", lambda school=school: feedback.feedback_stats(
            s, b, school_id=school, date_from=A_YEAR[0], date_to=A_YEAR[1]))
    a_cases = ids_of(s, FeedbackCase, FeedbackCase.school_id == c.school_a)
    district_cases = ids_of(s, FeedbackCase, FeedbackCase.school_id.is_(None))
    for case_id in a_cases + district_cases[:10]:
        refused("feedback.error.not_found", lambda case_id=case_id: feedback.open_case(
            s, b, case_id))
    before = fingerprint(s)
    for case_id in a_cases[:5]:
        refused("feedback.error.not_found", lambda case_id=case_id: feedback.reply(
            s, b, case_id, "越权答复", internal=False, today=TODAY))
        refused("feedback.error.not_found", lambda case_id=case_id: feedback.close_case(
            s, b, case_id, today=TODAY))
    assert fingerprint(s) == before
    probe(len(a_cases) + 10 + 10 + 6)


def test_chair_b_staff_and_home_stay_in_school_b(s):
    c, b = context(s), actor_for(s, CHAIR_B)
    frame, total = org.list_staff(s, b, page_size=500)
    assert total == 40 and frame["staff_no"].str.startswith("MH02-").all()
    a_person = s.scalar(select(Staff.name).where(Staff.id == c.free_staff_a))
    frame, _total = org.list_staff(s, b, search=a_person, page_size=500)
    assert not frame["staff_no"].str.startswith("MH01-").any()
    try:
        frame, total = org.list_staff(s, b, school_id=c.school_a)
    except DomainError as err:
        assert err.key == "error.forbidden"
    else:
        assert total == 0
    assert list(org.list_schools(s, b)["id"]) == [c.school_b]
    assert org.school_choices(s, b) == {c.school_b: B_NAME}
    refused("error.forbidden", lambda: org.department_choices(s, b, school_id=c.school_a))
    refused("error.forbidden", lambda: relief.recipient_choices(s, b, c.school_a))
    summary = home.home_summary(s, b)
    assert summary.school_names == [B_NAME]
    # School B's own numbers (A has 5 waiting messages, 1 waiting application, 3 submitted
    # motions and 2 replies to check: none of them counted here).
    assert summary.counts == {
        "home.count.school_staff": 36, "home.count.school_delegates": 10,
        "home.count.feedback_waiting_school": 6, "home.count.relief_waiting_school": 0,
        "home.count.relief_mine_returned": 0, "motion.home.submitted": 1,
        "motion.home.replies_to_check": 1}
    probe(9)


def test_chair_a_never_sees_school_b(s):
    c, a = context(s), actor_for(s, "chair")
    b_apps = ids_of(s, ReliefApplication, ReliefApplication.school_id == c.school_b)
    frame, _total = relief.list_applications(s, a, page_size=500)
    assert set(frame["school"]) == {A_NAME} and not set(frame["id"]) & set(b_apps)
    b_motions = ids_of(s, Motion, Motion.school_id == c.school_b)
    frame, _total = motion_queries.list_motions(s, a, page_size=500)
    assert set(frame["school"]) == {A_NAME} and not set(frame["id"]) & set(b_motions)
    for motion_id in b_motions:
        refused("motion.error.not_found",
                lambda motion_id=motion_id: motion_queries.motion_view(s, a, motion_id))
    for app_id in b_apps:
        refused("relief.error.not_found", lambda app_id=app_id: relief.application(s, a, app_id))
    b_cases = ids_of(s, FeedbackCase, FeedbackCase.school_id == c.school_b)
    assert not set(feedback.list_inbox(s, a, page_size=500)["id"]) & set(b_cases)
    for case_id in b_cases:
        refused("feedback.error.not_found",
                lambda case_id=case_id: feedback.open_case(s, a, case_id))
    account_b = fund.account_id_for(s, c.school_b)
    refused("error.forbidden", lambda: fund_reports.journal(
        s, a, start=A_YEAR[0], end=A_YEAR[1], account_id=account_b))
    text = xlsx_text(fund_reports.reports_xlsx(s, a, year=2026))
    assert B_NAME not in text and "MH02" not in text
    probe(len(b_motions) + len(b_apps) + len(b_cases) + 5)


# --- departments and delegates ------------------------------------------------------------------

def test_department_head_reads_only_motions_assigned_to_the_department(s):
    c, dept = context(s), actor_for(s, "dept")
    assigned = set(s.scalars(select(MotionAssignment.motion_id).where(
        MotionAssignment.department_id == c.academic)))
    assert len(assigned) == 15
    frame, total = motion_queries.list_motions(s, dept, page_size=500)
    assert set(frame["id"]) == assigned and total == 15
    _counts, queue = motion_queries.department_queue(s, dept, today=TODAY)
    assert set(queue["id"]) <= assigned
    others = ids_of(s, Motion, Motion.id.not_in(assigned))
    for motion_id in others:
        refused("motion.error.not_found",
                lambda motion_id=motion_id: motion_queries.motion_view(s, dept, motion_id))
    text = xlsx_text(motion_files.register_xlsx(s, dept, filters=MotionFilter())) \
        if _may(lambda: motion_files.register_xlsx(s, dept, filters=MotionFilter())) else ""
    assert "MH02" not in text
    for call in (lambda: relief.list_applications(s, dept), lambda: feedback.list_inbox(s, dept),
                 lambda: fund.balances(s, dept), lambda: audit.list_entries(s, dept)):
        refused("error.forbidden", call)
    probe(len(others) + 6)


def _may(call: Callable[[], Any]) -> bool:
    try:
        call()
    except DomainError:
        return False
    return True


def test_delegate_reads_own_cosigned_and_public_motions_only(s):
    c, me = context(s), actor_for(s, "delegate")
    from db.motions import MotionCosigner
    from services.motions import PUBLIC_STATES

    cosigned = set(s.scalars(select(MotionCosigner.motion_id).where(
        MotionCosigner.staff_id == c.delegate_staff)))
    expected = set(s.scalars(select(Motion.id).where(
        (Motion.proposer_staff_id == c.delegate_staff) | Motion.id.in_(cosigned)
        | ((Motion.school_id == c.school_a) & Motion.state.in_(PUBLIC_STATES)))))
    frame, _total = motion_queries.list_motions(s, me, page_size=500)
    assert set(frame["id"]) == expected
    others_private = ids_of(s, Motion, Motion.school_id == c.school_a,
                            Motion.state.in_(("draft", "cosigning", "submitted")),
                            Motion.proposer_staff_id != c.delegate_staff,
                            Motion.id.not_in(cosigned))
    assert others_private
    for motion_id in others_private + ids_of(s, Motion, Motion.school_id == c.school_b):
        refused("motion.error.not_found",
                lambda motion_id=motion_id: motion_queries.motion_view(s, me, motion_id))
    mine = motion_queries.my_motions(s, me)
    assert set(mine["id"]) == set(ids_of(s, Motion, Motion.proposer_staff_id == c.delegate_staff))
    # Relief: a delegate's list holds only what they filed.
    frame, total = relief.list_applications(s, me, page_size=500)
    filed = ids_of(s, ReliefApplication, ReliefApplication.filed_by == me.account_id)
    assert set(frame["id"]) == set(filed) and total == len(filed)
    other = actor_for(s, "delegate2")
    assert feedback.list_leads(s, other).empty or c.offered_lead not in set(
        feedback.list_leads(s, other)["id"])
    probe(len(others_private) + 5)


def test_auditor_reads_the_books_and_changes_nothing(s):
    c, aud = context(s), actor_for(s, "auditor")
    assert fund.readable_account_ids(s, aud) is None
    frame, total = relief.list_applications(s, aud, page_size=1000)
    assert total == AUDITOR_RELIEF_ROWS and frame["school"].nunique() == 12
    assert audit.count_entries(s, aud) > 0
    before = fingerprint(s)
    for call in (lambda: fund.post_entry(s, aud, account_id=c.account_a, kind="income",
                                         category_id=4, amount="1.00",
                                         entry_date=dt.date(2026, 11, 30)),
                 lambda: fund.reverse_entry(s, aud, c.entry_a, reason="x"),
                 lambda: relief.approve_at_district(s, aud, c.r_school_approved),
                 lambda: relief.pay(s, aud, c.r_district_approved, account_id=c.account_a)):
        refused("error.forbidden", call)
    assert fingerprint(s) == before
    probe(4)


def test_inboxes_hold_only_the_cases_sent_or_forwarded_to_that_union(s):
    c = context(s)
    district = set(feedback.list_inbox(s, actor_for(s, "district"), page_size=1000)["id"])
    assert district == set(ids_of(s, FeedbackCase, FeedbackCase.district_involved.is_(True)))
    never_forwarded = ids_of(s, FeedbackCase, FeedbackCase.district_involved.is_(False))
    assert len(never_forwarded) > 100 and not district & set(never_forwarded)
    for case_id in never_forwarded[:20]:
        refused("feedback.error.not_found", lambda case_id=case_id: feedback.open_case(
            s, actor_for(s, "district"), case_id))
    school = set(feedback.list_inbox(s, actor_for(s, "chair"), page_size=1000)["id"])
    assert school == set(ids_of(s, FeedbackCase, FeedbackCase.school_id == c.school_a))
    probe(22)


def test_relief_is_never_paid_from_another_schools_sub_account(s):
    """Found by this suite: pay() took any account id the form sent. Now the applicant's
    school sub-account or the district fund only; a refusal posts nothing."""
    c, admin = context(s), actor_for(s, "district")
    account_b = fund.account_id_for(s, c.school_b)
    before = fingerprint(s)
    refused("relief.error.pay_account",
            lambda: relief.pay(s, admin, c.r_district_approved, account_id=account_b))
    assert fingerprint(s) == before
    s.rollback()
    district = fund.account_id_for(s, None)
    assert relief.pay(s, admin, c.r_district_approved, account_id=district).new
    s.rollback()
    probe(1)


def _ids_in(s: Session, table: str, competition_id: int) -> int:
    from sqlalchemy import text
    return s.scalar(text(f"SELECT min(id) FROM {table} WHERE competition_id = :c"),
                    {"c": competition_id})


def _district_comp(s: Session) -> int:
    return s.scalar(select(Competition.id).where(Competition.organiser_school_id.is_(None),
                                                 Competition.state == "closed"))


# Writes that name a row of another school (or another competition) inside an allowed call.
CROSS_WRITES: tuple[tuple[str, str, Callable[[Session, SimpleNamespace], Any], str], ...] = (
    ("chair A assigns to school B's department", "chair",
     lambda s, c: motions.assign(s, actor_for(s, "chair"), motion_id=c.m_registered,
                                 lead_department_id=s.scalar(select(Department.id).where(
                                     Department.school_id == c.school_b)),
                                 deadline=dt.date(2027, 3, 1)),
     "motion.error.department_not_of_school"),
    ("chair A merges into school B's motion", "chair",
     lambda s, c: motions.merge(s, actor_for(s, "chair"), motion_id=c.m_submitted,
                                lead_id=s.scalar(select(Motion.id).where(
                                    Motion.school_id == c.school_b,
                                    Motion.state == "registered"))),
     "motion.error.bad_merge_lead"),
    ("delegate asks school B's staff to co-sign", "delegate",
     lambda s, c: motions.ask_cosigners(s, actor_for(s, "delegate"), motion_id=c.m_draft,
                                        staff_ids=[staff_id(s, "MH02-0001")]),
     "motion.error.cosigner_not_delegate"),
    ("delegate drafts into school B's meeting", "delegate",
     lambda s, c: motions.draft_motion(s, actor_for(s, "delegate"), meeting_id=s.scalar(
         select(CongressMeeting.id).where(CongressMeeting.school_id == c.school_b)),
         title="越界提案", reason="理由", suggestion="建议"),
     "motion.error.not_delegate"),
    ("chair A puts school B's staff on the delegate list", "chair",
     lambda s, c: motions.set_delegates(s, actor_for(s, "chair"), term_id=c.term_a,
                                        staff_ids=[c.delegate_staff, staff_id(s, "MH02-0001")]),
     "motion.error.delegate_not_staff"),
    ("chair A offers a lead to school B's delegate", "chair",
     lambda s, c: feedback.offer_motion_lead(s, actor_for(s, "chair"), c.case_new,
                                             delegate_staff_id=staff_id(s, "MH02-0001"),
                                             title="t", reason="r", suggestion="s"),
     "feedback.error.not_a_delegate"),
    ("delegate moves a draft application to school B", "delegate",
     lambda s, c: relief.update_draft(s, actor_for(s, "delegate"), c.r_draft,
                                      app_input(c, school="b")),
     "error.forbidden"),
    ("chair A files for school B's staff at school A", "chair",
     lambda s, c: relief.file_application(s, actor_for(s, "chair"), ApplicationInput(
         c.school_a, staff_id(s, "MH02-0030"), 9, "100", "x"), submit=False),
     "relief.error.recipient_elsewhere"),
    ("chair A records an honour for school B's staff", "chair",
     lambda s, c: competitions.record_honour(
         s, actor_for(s, "chair"), kind_id=next(iter(competitions.honour_kinds(s))),
         staff_id=staff_id(s, "MH02-0001"), school_id=None, level="school", year=2026,
         issuer="x"),
     "error.forbidden"),
    ("chair A scores its competition with the district competition's rows", "chair",
     lambda s, c: competitions.enter_scores(
         s, actor_for(s, "chair"), c.c_draft,
         judge_id=_ids_in(s, "competition_judges", _district_comp(s)),
         segment_id=_ids_in(s, "competition_segments", _district_comp(s)),
         scores={_ids_in(s, "competition_entrants", _district_comp(s)): D(10)}),
     "competition.error.unknown_segment"),
    ("chair A scores an entrant of another competition", "chair",
     lambda s, c: competitions.enter_scores(
         s, actor_for(s, "chair"), c.c_draft,
         judge_id=_ids_in(s, "competition_judges", c.c_draft),
         segment_id=_ids_in(s, "competition_segments", c.c_draft),
         scores={_ids_in(s, "competition_entrants", _district_comp(s)): D(10)}),
     "competition.error.unknown_entrant"),
    ("district pays school A's relief from school B's sub-account", "district",
     lambda s, c: relief.pay(s, actor_for(s, "district"), c.r_district_approved,
                             account_id=fund.account_id_for(s, c.school_b)),
     "relief.error.pay_account"),
)


@pytest.mark.parametrize(("name", "who", "call", "key"), CROSS_WRITES,
                         ids=[w[0] for w in CROSS_WRITES])
def test_a_write_naming_another_schools_row_is_refused(s, name, who, call, key):
    c = context(s)
    before = fingerprint(s)
    refused(key, lambda: call(s, c))
    assert fingerprint(s) == before, name   # in the same transaction, before any rollback
    probe(1)


def test_probe_count():
    """Keeps the number of scope probes visible in the report (-s shows it)."""
    print(f"scope probes: {PROBES['count']}")
