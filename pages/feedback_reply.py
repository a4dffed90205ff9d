"""查看答复 — read replies with a receipt code (arrives with the inbox issue)."""

import streamlit as st

from ui.guard import require_page
from ui.runtime import tr

require_page("feedback_reply")
st.title(tr("feedback_reply.title"))
st.info(tr("feedback.not_open_yet"))
