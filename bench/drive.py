"""A real `streamlit run app.py` process and ways to drive it in Debian's Chromium: used by
the browser tests and by the benchmark's browser figures."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from seeds.demo import DEMO_PASSWORD, load_demo
from services.i18n import t

if TYPE_CHECKING:
    from tests.conftest import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_START_TIMEOUT_S = 60
# Playwright timeouts (milliseconds): generous for a busy CI box, still bounded.
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000
IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"
COOKIE_NAME = "union_desk_auth"  # services.config.COOKIE_NAME, spelled out on purpose
CALL_FAILED = pytest.StashKey[bool]()  # set by the report hook in conftest.py


def missing_browser_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return ("the playwright Python package is missing (pip install -r requirements-dev.txt)"
                "; the browser itself must be Debian's chromium: apt-get install chromium")
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not found: install Debian's chromium: apt-get install chromium"
    return None


# --- the server -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_demo_database(databases: DatabaseFactory) -> str:
    """A fresh database of the backend under test, migrated, with the demo loaded."""
    url = databases.new_url()
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        with make_sessionmaker(engine)() as session:
            load_demo(session)
            session.commit()
    finally:
        engine.dispose()
    return url


@dataclass
class StreamlitServer:
    """One `streamlit run app.py` process; `url` is its base URL (no trailing slash)."""

    db_url: str
    work_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # Servers behind one proxy share the login cookie's signing key and Streamlit's secret.
    cookie_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    cookie_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "streamlit.log"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def start(self) -> None:
        data_dir = self.work_dir / "data"  # the cookie key file would land here
        data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update({
            "UNION_DATABASE_URL": self.db_url,
            "UNION_DATA_DIR": str(data_dir),
            "UNION_COOKIE_KEY": self.cookie_key,
            "UNION_BCRYPT_ROUNDS": "4",
            "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret,
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        })
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(self.port), "--server.headless", "true",
            "--server.address", "127.0.0.1",
            # Sources may be edited while the suite runs: no reload prompts, no reruns.
            "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def wait_ready(self, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
        """Until the health endpoint answers. It runs no script, so it is not a 'visit'."""
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not answer on {self.url} within {timeout_s:.0f} s:\n"
                           f"{self.log_tail()}")

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """Terminate (SIGTERM) and reap; kill if it has not gone within 10 s."""
        if self.process is None:
            return
        self.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def running_servers(db_url: str, work_dirs: list[Path], *,
                    shared_secrets: bool = False) -> Iterator[list[StreamlitServer]]:
    """One server per work dir, started together, all answering; all stopped at the end.
    With `shared_secrets` they sign cookies alike, as N servers behind one proxy must."""
    servers = [StreamlitServer(db_url=db_url, work_dir=d) for d in work_dirs]
    if shared_secrets:
        for server in servers[1:]:
            server.cookie_key, server.cookie_secret = servers[0].cookie_key, \
                servers[0].cookie_secret
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:  # all at once: each takes a moment to shut down
            server.terminate()
        for server in servers:
            server.stop()


# --- driving the page -----------------------------------------------------------------------

def new_context(browser: Any) -> Any:
    """A fresh browser profile: no cookies, no storage."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return ctx


_QUIET_JS = """
([selector, quietMs]) => {
  const now = performance.now();
  if (!document.querySelector(selector)) { window.__unionIdleSince = undefined; return false; }
  if (window.__unionIdleSince === undefined) { window.__unionIdleSince = now; }
  return now - window.__unionIdleSince >= quietMs;
}
"""


def wait_idle(page: Any, *, quiet_ms: int = 300, timeout_ms: int = ACTION_TIMEOUT_MS) -> None:
    """Until a script run has finished and no other has started for `quiet_ms`.

    Before the first run the app's state is 'initial', so this never passes on a page that
    has not run yet. Components (the cookie manager) ask for a rerun right after they load:
    one idle moment is not enough, hence the quiet spell.
    """
    page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=timeout_ms)
    page.evaluate("() => { window.__unionIdleSince = undefined; }")
    page.wait_for_function(_QUIET_JS, arg=[IDLE_SELECTOR, quiet_ms], polling=100,
                           timeout=timeout_ms)


def goto(page: Any, url: str, *, timeout_ms: int = ACTION_TIMEOUT_MS) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page, timeout_ms=timeout_ms)


def reload(page: Any) -> None:
    page.reload(wait_until="domcontentloaded")
    wait_idle(page)


def main_area(page: Any) -> Any:
    return page.locator("[data-testid='stMain']")


def sidebar(page: Any) -> Any:
    return page.locator("[data-testid='stSidebar']")


def nav_titles(page: Any) -> list[str]:
    """The page titles in the sidebar navigation, in the order shown."""
    # app.py draws the navigation itself, as page links in the sidebar.
    links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink'] "
                         "[data-testid='stMarkdownContainer']")
    return [text.strip() for text in links.all_inner_texts()]


def login_form(page: Any, lang: str = "zh") -> tuple[Any, Any, Any]:
    """The username and password inputs and the submit button of the login form."""
    return (page.get_by_label(t("login.username", lang), exact=True),
            page.get_by_label(t("login.password", lang), exact=True),
            page.get_by_role("button", name=t("login.submit", lang), exact=True))


def log_in(page: Any, username: str, password: str = DEMO_PASSWORD, lang: str = "zh", *,
           expect_success: bool = True) -> None:
    """Fill and submit the login form shown on the current page.

    Expecting success, also wait for the login cookie: the run after the login writes it,
    and a URL opened before that (goto) would show the login form again.
    """
    user, secret, submit = login_form(page, lang)
    user.fill(username)
    secret.fill(password)
    submit.click()
    wait_idle(page)
    if expect_success:
        logout_button(page, lang).wait_for(state="visible")
        assert wait_for_cookie(page.context, present=True), f"no login cookie for {username}"


def logout_button(page: Any, lang: str = "zh") -> Any:
    return sidebar(page).get_by_role("button", name=t("logout", lang), exact=True)


def auth_cookie(context: Any) -> dict[str, Any] | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def wait_for_cookie(context: Any, *, present: bool, timeout_s: float = 10) -> bool:
    """Poll the browser's cookie jar until the login cookie is (or is no longer) there."""
    deadline = time.monotonic() + timeout_s
    while True:
        if (auth_cookie(context) is not None) == present:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@dataclass
class Visit:
    """One tab opened on one URL, with every websocket frame the browser received for it."""

    url: str
    page: Any
    frames: list[bytes] = field(default_factory=list)

    def received(self, needle: str) -> bool:
        raw = needle.encode("utf-8")
        return any(raw in frame for frame in self.frames)


def open_tab(context: Any, url: str) -> Visit:
    """Start loading `url` in a new tab of `context`, recording its websocket frames."""
    visit = Visit(url=url, page=context.new_page())

    def on_frame(payload: str | bytes) -> None:
        visit.frames.append(payload.encode("utf-8") if isinstance(payload, str) else payload)

    visit.page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    visit.page.goto(url, wait_until="commit")
    return visit


def open_tabs(contexts: list[Any], urls: list[str], *, batch: int = 3,
              timeout_ms: int = NAVIGATION_TIMEOUT_MS) -> list[Visit]:
    """Open each URL in its own tab of the matching context, `batch` tabs at a time (more
    only fight over the CPU), and wait until each has finished its runs."""
    pairs = list(zip(contexts, urls, strict=True))
    visits: list[Visit] = []
    for start in range(0, len(pairs), batch):
        opened = [open_tab(context, url) for context, url in pairs[start:start + batch]]
        for visit in opened:
            wait_idle(visit.page, timeout_ms=timeout_ms)
        visits.extend(opened)
    return visits


def capture_on_failure(request: pytest.FixtureRequest, tab: Any, folder: Path) -> None:
    """After a failed test, keep the tab's screenshot and HTML in the test's tmp dir."""
    if not request.node.stash.get(CALL_FAILED, False) or tab.is_closed():
        return
    try:
        tab.screenshot(path=str(folder / "failure.png"), full_page=True)
        (folder / "failure.html").write_text(tab.content(), encoding="utf-8")
        print(f"browser state at failure: {folder}/failure.png, failure.html, url {tab.url}")
    except Exception as error:  # a broken page must not hide the real failure
        print(f"could not capture the browser state: {error}")


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
