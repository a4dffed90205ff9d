"""Which pages each role may open. The app's navigation and every page's own guard use this."""

from __future__ import annotations

from dataclasses import dataclass

from services.actor import Actor

ANYONE = "anyone"          # logged in or not
VISITOR_ONLY = "visitor"   # only when not logged in (the login page)
LOGGED_IN = "logged_in"    # any logged-in account


@dataclass(frozen=True)
class PageSpec:
    key: str
    file: str
    url_path: str
    title_key: str
    icon: str
    section: str
    allowed: tuple[str, ...]   # roles, or one of ANYONE / VISITOR_ONLY / LOGGED_IN


# A page open to anyone keeps its file name as its URL: a fresh server, before app.py ever
# ran, routes /<name> to pages/<name>.py itself, and a shared link must open without a
# "page not found" dialog.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("login", "pages/login.py", "login", "page.login", ":material/login:",
             "nav.section.account", (VISITOR_ONLY,)),
    PageSpec("home", "pages/home.py", "home", "page.home", ":material/home:",
             "nav.section.main", (LOGGED_IN,)),
    PageSpec("staff", "pages/staff.py", "staff", "page.staff", ":material/groups:",
             "nav.section.main", ("district_admin", "school_chair")),
    PageSpec("year_pack", "pages/year_pack.py", "year_pack", "page.year_pack",
             ":material/summarize:", "nav.section.main", ("district_admin",)),
    PageSpec("feedback_submit", "pages/feedback.py", "feedback", "page.feedback_submit",
             ":material/mail:", "nav.section.feedback", (ANYONE,)),
    PageSpec("feedback_reply", "pages/feedback_reply.py", "feedback_reply",
             "page.feedback_reply", ":material/forum:", "nav.section.feedback", (ANYONE,)),
    PageSpec("feedback_inbox", "pages/feedback_inbox.py", "feedback_inbox",
             "page.feedback_inbox", ":material/inbox:", "nav.section.feedback",
             ("district_admin", "school_chair")),
    PageSpec("feedback_stats", "pages/feedback_stats.py", "feedback_stats",
             "page.feedback_stats", ":material/bar_chart:", "nav.section.feedback",
             ("district_admin", "school_chair")),
    PageSpec("motion_leads", "pages/motion_leads.py", "motion_leads", "page.motion_leads",
             ":material/lightbulb:", "nav.section.feedback", ("delegate",)),
    PageSpec("competitions", "pages/competitions.py", "competitions", "page.competitions",
             ":material/emoji_events:", "nav.section.competitions", (LOGGED_IN,)),
    PageSpec("competition", "pages/competition.py", "competition", "page.competition",
             ":material/scoreboard:", "nav.section.competitions", (LOGGED_IN,)),
    PageSpec("honours", "pages/honours.py", "honours", "page.honours",
             ":material/military_tech:", "nav.section.competitions", (LOGGED_IN,)),
    PageSpec("motions_mine", "pages/motions_mine.py", "motions_mine", "page.motions_mine",
             ":material/edit_note:", "nav.section.motions", ("delegate",)),
    PageSpec("motion", "pages/motion.py", "motion", "page.motion", ":material/article:",
             "nav.section.motions",
             ("district_admin", "school_chair", "department_head", "delegate")),
    PageSpec("motion_department", "pages/motion_department.py", "motion_department",
             "page.motion_department", ":material/assignment:", "nav.section.motions",
             ("department_head",)),
    PageSpec("motion_review", "pages/motion_review.py", "motion_review", "page.motion_review",
             ":material/rule:", "nav.section.motions", ("school_chair",)),
    PageSpec("motion_list", "pages/motion_list.py", "motion_list", "page.motion_list",
             ":material/list_alt:", "nav.section.motions", ("district_admin",)),
    PageSpec("motion_board", "pages/motion_board.py", "motion_board", "page.motion_board",
             ":material/monitoring:", "nav.section.motions", ("district_admin", "school_chair")),
    PageSpec("congress", "pages/congress.py", "congress", "page.congress",
             ":material/how_to_vote:", "nav.section.motions", ("district_admin", "school_chair")),
    PageSpec("fund", "pages/fund.py", "fund", "page.fund", ":material/account_balance:",
             "nav.section.fund", ("district_admin", "school_chair", "auditor")),
    PageSpec("relief", "pages/relief.py", "relief", "page.relief", ":material/volunteer_activism:",
             "nav.section.fund", ("district_admin", "school_chair", "delegate", "auditor")),
    PageSpec("relief_case", "pages/relief_case.py", "relief_case", "page.relief_case",
             ":material/description:", "nav.section.fund",
             ("district_admin", "school_chair", "delegate", "auditor")),
    PageSpec("fund_journal", "pages/fund_journal.py", "fund_journal", "page.fund_journal",
             ":material/menu_book:", "nav.section.fund",
             ("district_admin", "school_chair", "auditor")),
    PageSpec("fund_income", "pages/fund_income.py", "fund_income", "page.fund_income",
             ":material/savings:", "nav.section.fund", ("district_admin",)),
    PageSpec("fund_reconcile", "pages/fund_reconcile.py", "fund_reconcile",
             "page.fund_reconcile", ":material/fact_check:", "nav.section.fund",
             ("district_admin", "auditor")),
    PageSpec("relief_notice", "pages/relief_notice.py", "relief_notice", "page.relief_notice",
             ":material/campaign:", "nav.section.fund", (LOGGED_IN,)),
    PageSpec("fund_settings", "pages/fund_settings.py", "fund_settings", "page.fund_settings",
             ":material/tune:", "nav.section.fund", ("district_admin", "auditor")),
    PageSpec("schools", "pages/schools.py", "schools", "page.schools", ":material/school:",
             "nav.section.admin", ("district_admin",)),
    PageSpec("accounts_admin", "pages/accounts_admin.py", "accounts", "page.accounts_admin",
             ":material/manage_accounts:", "nav.section.admin", ("district_admin",)),
    PageSpec("audit_log", "pages/audit_log.py", "audit", "page.audit_log",
             ":material/policy:", "nav.section.admin", ("district_admin", "auditor")),
    PageSpec("account", "pages/account.py", "my_account", "page.account", ":material/person:",
             "nav.section.account", (LOGGED_IN,)),
)

PAGES_BY_KEY = {p.key: p for p in PAGES}


def can_open(actor: Actor | None, key: str) -> bool:
    spec = PAGES_BY_KEY[key]
    if ANYONE in spec.allowed:
        return True
    if actor is None:
        return VISITOR_ONLY in spec.allowed
    if LOGGED_IN in spec.allowed:
        return True
    return actor.has(*spec.allowed)


def pages_for(actor: Actor | None) -> list[PageSpec]:
    return [p for p in PAGES if can_open(actor, p.key)]
