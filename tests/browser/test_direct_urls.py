"""Protected pages opened by URL, without logging in, must show nothing protected.

What Streamlit 1.67 does with a direct URL depends on whether `app.py` has called
`st.navigation` yet *in this server process*. Until then Streamlit treats `pages/` as an
old-style multipage app: it sends a navigation listing every file in `pages/` and runs
`pages/<name>.py` for `/<name>` on its own, without `app.py`, so only the page's own guard
(`ui.guard`) stands in the way. URLs that match no file name (`/accounts`, `/audit`,
`/my_account`) run `app.py` as that old-style app's main page; its own navigation then falls
back to the login page. Once any visit has run `app.py`, every URL goes through `app.py`.

So the first test gives each URL its own brand-new server and makes that URL its very first
visit; it checks both the URL the app registers (`spec.url_path`) and Streamlit's file-name
URL (`pages/<stem>.py` -> `/<stem>`). Whatever route Streamlit and the guard take, the visit
must end on the login form or an access warning, and nothing from the database may reach the
browser: the leak check reads the DOM and every websocket frame, and a control (a school
chair's own staff register) proves that check does see data when it is sent. Another test
checks that the first visits really met the old-style routing, i.e. that the servers were
fresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from bench.drive import (
    StreamlitServer,
    Visit,
    capture_on_failure,
    log_in,
    login_form,
    logout_button,
    main_area,
    new_context,
    new_demo_database,
    open_tabs,
    running_servers,
    wait_for_cookie,
)
from db.engine import make_engine, make_sessionmaker
from db.models import Account, School, Staff
from seeds.demo import DEMO_PASSWORD
from services import audit, auth
from services.access import ANYONE, PAGES, PAGES_BY_KEY, VISITOR_ONLY, PageSpec, can_open
from services.i18n import LANGUAGES, catalogue, t

if TYPE_CHECKING:
    from tests.conftest import DatabaseFactory

pytestmark = pytest.mark.browser

AUDIT_MARKER = "审计标记-仅限管理员-7f3a"   # an audit note that must never reach a visitor
PROTECTED = tuple(s for s in PAGES if not {ANYONE, VISITOR_ONLY} & set(s.allowed))
# The login page is for visitors only: opened alone it must still work (it needs app.py's
# authenticator). The pages open to anyone run alone by design and are not checked here.
VISITOR_PAGES = tuple(s for s in PAGES if VISITOR_ONLY in s.allowed)
# Refusals a page may show; access.open_from_start only where the catalogue has it.
REFUSAL_KEYS = ("access.login_required", "access.denied", "access.open_from_start")
# Elements only a protected page draws: tables, metrics, charts, forms beyond the login form.
PROTECTED_ELEMENTS = ("stDataFrame", "stTable", "stMetric", "stTabs", "stMultiSelect",
                      "stNumberInput", "stDateInput", "stTextArea", "stSelectbox")
# Headings of the protected pages.
PROTECTED_HEADINGS = ("staff.title", "schools.title", "accounts.title", "audit.title",
                      "account.title", "account.change_password")
# Only the old-style navigation Streamlit makes from `pages/` names these files; app.py's
# navigation never offers them to a visitor.
PAGE_FILE_NAMES = ("accounts_admin", "audit_log")
# Column headers only the protected tables have.
PROTECTED_HEADERS = ("accounts.col.failed_logins", "accounts.col.last_login",
                     "accounts.col.roles", "accounts.col.locked", "audit.col.object_type",
                     "audit.col.before", "audit.col.after", "staff.col.staff_no",
                     "staff.col.title", "schools.col.departments")


def direct_paths(specs: tuple[PageSpec, ...]) -> list[tuple[str, PageSpec]]:
    """`/<url_path>` for each page, and `/<file stem>` when Streamlit's own name differs."""
    paths: list[tuple[str, PageSpec]] = []
    for spec in specs:
        paths.append((spec.url_path, spec))
        stem = Path(spec.file).stem
        if stem != spec.url_path:
            paths.append((stem, spec))
    return paths


PROTECTED_PATHS = direct_paths(PROTECTED)
VISITOR_PATHS = direct_paths(VISITOR_PAGES)


# --- what must not leak ----------------------------------------------------------------------

@dataclass(frozen=True)
class DemoSecrets:
    staff_names: frozenset[str]
    staff_numbers: frozenset[str]
    school_names: frozenset[str]
    display_names: frozenset[str]
    audit_markers: frozenset[str]

    def needles(self, *, except_: frozenset[str] = frozenset()) -> frozenset[str]:
        every = (self.staff_names | self.staff_numbers | self.school_names
                 | self.display_names | self.audit_markers)
        return frozenset(n for n in every - except_ if not _in_catalogue(n))


def _in_catalogue(needle: str) -> bool:
    """A string that is also part of some UI label proves nothing when found."""
    return any(needle in label for lang in LANGUAGES for label in catalogue(lang).values())


def demo_database_with_audit_trail(databases: DatabaseFactory) -> tuple[str, DemoSecrets]:
    """A fresh demo database plus audit entries, and the strings a visitor must not see."""
    url = new_demo_database(databases)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            admin = auth.verify_login(session, "district", DEMO_PASSWORD)  # login.succeeded
            assert admin is not None
            audit.record(session, admin, "browser_test.marker", "account", admin.account_id,
                         note=AUDIT_MARKER)
            session.commit()
            found = DemoSecrets(
                staff_names=frozenset(session.scalars(select(Staff.name))),
                staff_numbers=frozenset(session.scalars(select(Staff.staff_no))),
                school_names=frozenset(session.scalars(select(School.name))),
                display_names=frozenset(session.scalars(select(Account.display_name))),
                audit_markers=frozenset({AUDIT_MARKER, "browser_test.marker",
                                         "login.succeeded"}),
            )
    finally:
        engine.dispose()
    # The check below is only as good as its needles: make sure there are plenty.
    assert len(found.staff_numbers) >= 400 and len(found.school_names) >= 10
    assert len(found.needles()) >= 400
    return url, found


# --- what a refused visit looks like --------------------------------------------------------

def leaked(visit: Visit, needles: frozenset[str]) -> list[str]:
    dom = visit.page.locator("body").text_content() or ""
    return sorted(n for n in needles if n in dom or visit.received(n))


def shows_refusal(page: Any) -> str | None:
    """'login form' or 'access warning' when one of them is on show, else None."""
    if login_form(page)[0].count() and login_form(page)[0].is_visible():
        return "login form"
    main = main_area(page)
    for key in REFUSAL_KEYS:
        if t(key) != key and main.get_by_text(t(key), exact=True).count():
            return f"warning {key}"
    return None


def assert_nothing_protected(visit: Visit, needles: frozenset[str]) -> None:
    page = visit.page
    assert page.locator("[data-testid='stException']").count() == 0, "the page crashed"
    drawn = [e for e in PROTECTED_ELEMENTS if page.locator(f"[data-testid='{e}']").count()]
    assert not drawn, f"protected widgets on {visit.url}: {drawn}"
    main_text = main_area(page).inner_text()
    for key in (*PROTECTED_HEADINGS, *PROTECTED_HEADERS):
        assert t(key) not in main_text, f"{t(key)!r} ({key}) on {visit.url}"
    assert t("home.welcome", name="") not in main_text, f"the home greeting on {visit.url}"
    assert not leaked(visit, needles), f"protected data reached the browser on {visit.url}"
    assert logout_button(page).count() == 0


def ran_app_py(page: Any) -> bool:
    """app.py draws the language switch; a page file run on its own does not."""
    return page.get_by_role("radio", name=t("language.en"), exact=True).count() > 0


def met_page_file_routing(visit: Visit) -> bool:
    """Streamlit sent its navigation of the raw `pages/` files: app.py had not run yet."""
    return all(visit.received(name) for name in PAGE_FILE_NAMES)


def route(visit: Visit) -> str:
    steps = ["pages/ routing"] if met_page_file_routing(visit) else []
    steps.append("app.py" if ran_app_py(visit.page) else "page file alone")
    return " -> ".join(steps) + f" -> {visit.page.url}"


# --- 1. the very first visit of a fresh server ----------------------------------------------

@dataclass
class FirstVisits:
    visits: dict[str, Visit]
    servers: dict[str, StreamlitServer]
    secrets: DemoSecrets


@pytest.fixture(scope="module")
def first_visits(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory,
                 browser: Any) -> Iterator[FirstVisits]:
    """One new server per direct URL; that URL is the first and only visit it gets."""
    db_url, secrets = demo_database_with_audit_trail(databases)
    paths = [path for path, _spec in (*PROTECTED_PATHS, *VISITOR_PATHS)]
    work_dirs = [tmp_path_factory.mktemp(f"fresh-{path}") for path in paths]
    with running_servers(db_url, work_dirs) as servers:
        contexts = [new_context(browser) for _ in paths]  # every visitor a stranger
        try:
            visits = open_tabs(contexts, [f"{s.url}/{p}" for s, p in zip(servers, paths,
                                                                          strict=True)])
            yield FirstVisits(visits=dict(zip(paths, visits, strict=True)),
                              servers=dict(zip(paths, servers, strict=True)), secrets=secrets)
        finally:
            for context in contexts:
                context.close()


@pytest.fixture
def first_visit(path: str, first_visits: FirstVisits, request: pytest.FixtureRequest,
                tmp_path: Path) -> Iterator[Visit]:
    """The first visit of the test's `path`; its screenshot and HTML are kept on failure."""
    visit = first_visits.visits[path]
    yield visit
    capture_on_failure(request, visit.page, tmp_path)


@pytest.mark.parametrize(("path", "spec"), PROTECTED_PATHS,
                         ids=[path for path, _ in PROTECTED_PATHS])
def test_fresh_server_direct_url_shows_nothing_protected(
        path: str, spec: PageSpec, first_visit: Visit, first_visits: FirstVisits,
        record_property: Any) -> None:
    visit = first_visit
    record_property("route", route(visit))
    assert shows_refusal(visit.page), f"neither login form nor access warning on {visit.url}"
    assert_nothing_protected(visit, first_visits.secrets.needles())


@pytest.mark.parametrize(("path", "spec"), VISITOR_PATHS,
                         ids=[path for path, _ in VISITOR_PATHS])
def test_fresh_server_direct_url_to_login_page_works(
        path: str, spec: PageSpec, first_visit: Visit, first_visits: FirstVisits,
        record_property: Any) -> None:
    """The login page opened before app.py ever ran still shows a working login form."""
    visit = first_visit
    record_property("route", route(visit))
    assert visit.page.locator("[data-testid='stException']").count() == 0, \
        f"{visit.url} crashed: {main_area(visit.page).inner_text()[:300]}"
    assert shows_refusal(visit.page) == "login form"
    assert_nothing_protected(visit, first_visits.secrets.needles())


def test_fresh_servers_were_fresh(first_visits: FirstVisits) -> None:
    """Each first visit met Streamlit's routing of the raw `pages/` files, which only a server
    that has never run app.py does: so the tests above saw what a first visitor sees."""
    routes = {path: met_page_file_routing(v) for path, v in first_visits.visits.items()}
    if not any(routes.values()):
        pytest.skip("no first visit met Streamlit's pages/ routing: this Streamlit always "
                    "runs app.py, and the tests above check that route only")
    assert all(routes.values()), f"some servers were not fresh: {routes}"


# --- 2. a logged-in school chair, on a server where app.py has run ------------------------

def test_school_chair_direct_urls_to_admin_pages(first_visits: FirstVisits,
                                                 browser: Any) -> None:
    """Logged in as a school chair (cookie in the browser), the district pages' URLs show no
    district data. The chair's own staff register doubles as the control: data that *is*
    sent is seen by the leak check, so its silence elsewhere means something."""
    server = first_visits.servers["staff"]  # its first visit is over; ours runs app.py
    engine = make_engine(server.db_url)
    try:
        with make_sessionmaker(engine)() as session:
            chair = auth.load_actor(session, "chair")
            assert chair is not None
            own_school = session.scalar(select(School.name).where(
                School.id.in_(chair.school_ids())))
            own_numbers = frozenset(session.scalars(select(Staff.staff_no).where(
                Staff.school_id.in_(chair.school_ids()))))
    finally:
        engine.dispose()
    assert own_school and own_numbers
    allowed = [s for s in PROTECTED if can_open(chair, s.key)]
    denied = [s for s in PROTECTED if not can_open(chair, s.key)]
    assert "staff" in {s.key for s in allowed}
    assert {s.key for s in denied} >= {"schools", "accounts_admin", "audit_log"}

    context = new_context(browser)
    try:
        first = open_tabs([context], [f"{server.url}/"])[0]
        log_in(first.page, "chair")
        assert wait_for_cookie(context, present=True)
        # Each tab is a new Streamlit session, logged in from the cookie. Once app.py has
        # run, a file-name URL is just an unknown URL: the registered ones suffice.
        staff, *visits = open_tabs([context] * (1 + len(denied)),
                                   [f"{server.url}/{s.url_path}" for s in (
                                       PAGES_BY_KEY["staff"], *denied)])

        # Control: the chair's staff register sends the school's staff, and only those.
        staff.page.locator("[data-testid='stDataFrame']").first.wait_for(state="visible")
        assert leaked(staff, own_numbers), "the leak check missed the staff register's data"
        other_numbers = first_visits.secrets.staff_numbers - own_numbers
        assert not leaked(staff, other_numbers), "other schools' staff sent to a chair"

        needles = first_visits.secrets.needles(except_=frozenset({chair.display_name,
                                                                  own_school}))
        for visit in visits:
            page = visit.page
            assert logout_button(page).is_visible(), f"not logged in on {visit.url}"
            assert page.locator("[data-testid='stException']").count() == 0
            # Where the chair lands instead: the home page (its metrics are the chair's own
            # school's counts) or an access warning.
            home = main_area(page).get_by_role(
                "heading", name=t("home.welcome", name=chair.display_name))
            assert home.count() or shows_refusal(page), f"unexpected page on {visit.url}"
            drawn = [e for e in PROTECTED_ELEMENTS
                     if e != "stMetric" and page.locator(f"[data-testid='{e}']").count()]
            assert not drawn, f"protected widgets on {visit.url}: {drawn}"
            assert not leaked(visit, needles), f"protected data on {visit.url}"
            main_text = main_area(page).inner_text()
            for key in ("schools.title", "accounts.title", "audit.title"):
                assert t(key) not in main_text, f"{t(key)!r} on {visit.url}"
    finally:
        context.close()
