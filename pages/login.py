"""登录 — the login form for staff with an account."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from ui.auth_ui import login_form
from ui.guard import require_page
from ui.runtime import tr

require_page("login")
st.title(tr("login.heading"))
st.caption(tr("login.intro"))
login_form()
st.divider()
st.page_link("pages/feedback.py", label=tr("login.feedback_link"),
             icon=":material/mail:")
