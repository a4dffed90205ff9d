"""教职工意见箱 — anonymous feedback (the inbox itself arrives with its own issue)."""

import streamlit as st

from ui.guard import require_page
from ui.runtime import tr

require_page("feedback_submit")
st.title(tr("feedback.title"))
st.info(tr("feedback.not_open_yet"))
st.write(tr("feedback.promise"))
