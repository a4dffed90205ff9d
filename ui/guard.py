"""Each page checks access itself at its top.

Streamlit discovers `pages/` on its own: until `app.py` has called `st.navigation` once in
the process, a direct URL such as /staff runs that page file alone. The guard trusts only an
actor that `app.py` put in the session during this very run, and refuses everything else.
"""

from __future__ import annotations

from contextlib import suppress

import streamlit as st
from streamlit.errors import StreamlitAPIException

from services.access import ANYONE, PAGES_BY_KEY, VISITOR_ONLY, can_open
from services.actor import Actor
from ui.auth_ui import apply_cookie_changes
from ui.runtime import AFTER_LOGIN_KEY, ROUTED_KEY, current_actor, tr


def require_page(key: str) -> Actor | None:
    if not st.session_state.get(ROUTED_KEY):
        # Run without app.py: no login, no navigation. Only pages open to anyone may render.
        if ANYONE in PAGES_BY_KEY[key].allowed:
            return None
        # Start over through app.py, which logs in and routes; where app.py is not known as
        # a page, say where to go instead.
        with suppress(StreamlitAPIException):
            st.switch_page("app.py")
        st.warning(tr("access.open_from_start"))
        st.link_button(tr("access.go_to_start"), "/")
        st.stop()
    actor = current_actor()
    if actor is not None and VISITOR_ONLY in PAGES_BY_KEY[key].allowed:
        with suppress(StreamlitAPIException):  # the login page, once logged in: go home
            st.switch_page(PAGES_BY_KEY["home"].file)
    if not can_open(actor, key):
        if actor is None:  # to the login form, and back here after it
            st.session_state[AFTER_LOGIN_KEY] = key
            with suppress(StreamlitAPIException):  # only where app.py registered the pages
                st.switch_page(PAGES_BY_KEY["login"].file)
        apply_cookie_changes()
        st.warning(tr("access.login_required") if actor is None else tr("access.denied"))
        st.stop()
    apply_cookie_changes()
    return actor


def require_login(key: str) -> Actor:
    actor = require_page(key)
    if actor is None:  # only pages open to visitors may reach here without an actor
        st.warning(tr("access.login_required"))
        st.stop()
    return actor
