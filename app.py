"""Union Desk (教育工会工作台): configure, authenticate, route. Pages do the rest."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import DBAPIError

from services.access import pages_for
from services.i18n import LANGUAGES
from ui.auth_ui import build_authenticator, logout_button, restore_actor
from ui.runtime import (
    LANG_KEY,
    ROUTED_KEY,
    database_unavailable,
    session_factory_or_stop,
    tr,
)
from ui.widgets import role_label

st.set_page_config(page_title="Union Desk", page_icon=":material/diversity_3:",
                   layout="wide")

if LANG_KEY not in st.session_state:
    st.session_state[LANG_KEY] = "zh"
st.sidebar.segmented_control(
    tr("language"), options=list(LANGUAGES), key=LANG_KEY, label_visibility="collapsed",
    format_func=lambda code: tr(f"language.{code}"),
)

session_factory_or_stop()
actor = restore_actor(build_authenticator())

sections: dict[str, list[st.Page]] = {}
for spec in pages_for(actor):
    sections.setdefault(tr(spec.section), []).append(
        st.Page(spec.file, title=tr(spec.title_key), icon=spec.icon, url_path=spec.url_path,
                default=spec.key == ("home" if actor else "login"))
    )

if actor is not None:
    st.sidebar.caption(tr("sidebar.signed_in_as", name=actor.display_name,
                          roles="、".join(role_label(r) for r in sorted(actor.roles))))
    logout_button()

st.session_state[ROUTED_KEY] = True  # tells the page's guard that app.py ran first
try:
    st.navigation(sections).run()
except DBAPIError:
    database_unavailable()
finally:
    st.session_state[ROUTED_KEY] = False
