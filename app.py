"""Union Desk (教育工会工作台): configure, authenticate, route. Pages do the rest."""

from __future__ import annotations

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import logging

import streamlit as st
from sqlalchemy.exc import DBAPIError

from services.access import PAGES, pages_for
from services.i18n import LANGUAGES
from services.logs import log_event
from ui.auth_ui import logout_button, restore_actor
from ui.runtime import (
    LANG_WIDGET_KEY,
    ROUTED_KEY,
    daily_upkeep,
    database_unavailable,
    lang,
    remember_language,
    session_factory_or_stop,
    settings_or_stop,
    tr,
    tr_text,
)
from ui.widgets import role_label

st.set_page_config(page_title="Union Desk", page_icon=":material/diversity_3:",
                   layout="wide")

settings_or_stop()
session_factory_or_stop()
daily_upkeep()  # the scheduled retention check: a cached no-op after the day's first run
actor = restore_actor()

# Every page is registered, so any URL reaches its page's guard (which says "log in" or "not
# allowed") instead of Streamlit's "page not found". The sidebar is drawn here with the
# actor's pages only; Streamlit's own page list stays hidden (client.showSidebarNavigation),
# also for the first visit after a restart, when Streamlit would list every file in pages/.
allowed = {spec.key for spec in pages_for(actor)}
pages = [
    st.Page(spec.file, title=tr(spec.title_key), icon=spec.icon, url_path=spec.url_path,
            default=spec.key == ("home" if actor else "login"))
    for spec in PAGES
]
sections: dict[str, list[st.Page]] = {}
for spec, page in zip(PAGES, pages, strict=True):
    if spec.key in allowed:
        sections.setdefault(tr(spec.section), []).append(page)
for section, section_pages in sections.items():
    st.sidebar.caption(section)
    for page in section_pages:
        st.sidebar.page_link(page)

st.sidebar.divider()
st.sidebar.segmented_control(
    tr("language"), options=list(LANGUAGES), default=lang(), key=LANG_WIDGET_KEY,
    label_visibility="collapsed", format_func=lambda code: tr(f"language.{code}"),
    on_change=remember_language,
)
if actor is not None:
    st.sidebar.caption(tr_text("sidebar.signed_in_as", name=actor.display_name,
                               roles="、".join(role_label(r) for r in sorted(actor.roles))))
    logout_button()

st.session_state[ROUTED_KEY] = True  # tells the page's guard that app.py ran first
page = None
try:
    page = st.navigation(pages, position="hidden")
    page.run()
except DBAPIError as error:
    database_unavailable(error)
except Exception:
    # The operator sees where it failed; the visitor sees Streamlit's error box as before.
    log_event("page.failed", level=logging.ERROR, exc_info=True,
              page=page.url_path if page else None,
              account_id=actor.account_id if actor else None)
    raise
finally:
    st.session_state[ROUTED_KEY] = False
