"""我的账号 — change my own password."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services.auth import change_password
from services.errors import DomainError
from ui.auth_ui import renew_login
from ui.guard import require_login
from ui.runtime import db, show_error, tr
from ui.widgets import role_label

actor = require_login("account")
st.title(tr("account.title"))
st.write(tr("account.username", username=actor.username))
st.write(tr("home.roles", roles="、".join(role_label(r) for r in sorted(actor.roles))))

with st.form("change_password", clear_on_submit=True):
    st.subheader(tr("account.change_password"))
    current = st.text_input(tr("account.current_password"), type="password")
    new = st.text_input(tr("account.new_password"), type="password",
                        help=tr("account.password_rule"))
    repeat = st.text_input(tr("account.repeat_password"), type="password")
    if st.form_submit_button(tr("account.save_password")):
        try:
            with db() as session:
                change_password(session, actor, current=current, new=new, repeat=repeat)
            renew_login()
            st.success(tr("account.password_changed"))
        except DomainError as error:
            show_error(error)
