"""首页 — who I am, my school, and the counts that matter to my roles."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from ui.cached import home_summary
from ui.guard import require_login
from ui.runtime import tr, tr_text
from ui.widgets import role_label

actor = require_login("home")
summary = home_summary(actor)

st.title(tr_text("home.welcome", name=summary.display_name))
st.write(tr("home.roles", roles="、".join(role_label(r) for r in summary.roles)))
if summary.school_names:
    st.write(tr_text("home.schools", schools="、".join(summary.school_names)))
else:
    st.write(tr("home.district_wide"))
if summary.department_names:
    st.write(tr_text("home.departments", departments="、".join(summary.department_names)))

if summary.counts:
    columns = st.columns(min(4, len(summary.counts)))
    for i, (key, value) in enumerate(summary.counts.items()):
        columns[i % len(columns)].metric(tr(key), f"{value:,}")
