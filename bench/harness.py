"""Run app.py under Streamlit's AppTest the way a server does after its first visit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"

# One demo account per role; None is the anonymous visitor.
ROLE_USERS: dict[str, str | None] = {
    "visitor": None, "district_admin": "district", "school_chair": "chair",
    "department_head": "dept", "delegate": "delegate", "auditor": "auditor",
}


class _NoPagesFolder(type(Path())):  # type: ignore[misc]
    def exists(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return False if self.name == "pages" else super().exists(*args, **kwargs)


@contextmanager
def routed() -> Iterator[None]:
    """Every rerun goes through app.py, as on a server once app.py called st.navigation.

    AppTest resets Streamlit's process-wide "pages folder" mode before each run, and with a
    `pages/` folder present it would run the current page file alone from the second run on.
    """
    from streamlit.runtime import pages_manager

    with mock.patch.object(pages_manager, "Path", _NoPagesFolder):
        yield


def app_as(username: str | None, *, timeout: float = 60) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if username:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
    return at


def app_on_page(username: str | None, page_file: str, *, timeout: float = 60,
                **state: object) -> AppTest:
    """An AppTest logged in as `username`, with this session state, moved on to one page."""
    at = app_as(username, timeout=timeout)
    for name, value in state.items():
        at.session_state[name] = value
    at.run()
    at.switch_page(page_file)
    at.run()
    return at
