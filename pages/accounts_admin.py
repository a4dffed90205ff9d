"""账号管理 — the district admin creates, disables and resets accounts and assigns roles."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from db.models import ROLES
from services.accounts import (
    account_grants,
    create_account,
    list_accounts,
    reset_password,
    set_enabled,
    set_grants,
)
from services.actor import Grant
from services.errors import DomainError
from services.org import department_choices, school_choices
from ui.cached import organisation_changed
from ui.guard import require_login
from ui.runtime import db, show_error, tr, tr_text
from ui.widgets import current_page, pager, role_label

PAGE_SIZE = 50

actor = require_login("accounts_admin")
st.title(tr("accounts.title"))


def grant_inputs(prefix: str, default: list[Grant] | None = None) -> list[Grant]:
    """Roles, with the school (and department) they apply to."""
    default = default or []
    roles = st.multiselect(tr("accounts.roles"), options=list(ROLES), format_func=role_label,
                           default=[g.role for g in default], key=f"{prefix}_roles")
    with db() as session:
        schools = school_choices(session, actor)
    first = next((g for g in default if g.school_id), None)
    school_id = st.selectbox(
        tr("accounts.school"), options=[None, *schools], key=f"{prefix}_school",
        index=([None, *schools].index(first.school_id) if first else 0),
        format_func=lambda sid: tr("accounts.no_school") if sid is None else schools[sid],
        help=tr("accounts.school_help"))
    department_id = None
    if "department_head" in roles and school_id is not None:
        with db() as session:
            departments = department_choices(session, actor, school_id=school_id)
        department_id = st.selectbox(tr("accounts.department"), options=list(departments),
                                     format_func=lambda did: departments[did],
                                     key=f"{prefix}_department")
    return [Grant(r, school_id, department_id if r == "department_head" else None)
            for r in roles]


search = st.text_input(tr("accounts.search"))
with db() as session:
    frame, total = list_accounts(session, actor, search=search,
                                 page=current_page("accounts_page"), page_size=PAGE_SIZE)
shown = frame.assign(roles=frame["roles"].map(lambda grants: "；".join(
    role_label(role) + (f"（{school}{' ' + dept if dept else ''}）" if school else "")
    for role, school, dept in grants)))
st.dataframe(
    shown.drop(columns=["id"]), hide_index=True, width="stretch",
    column_config={
        "username": tr("accounts.col.username"), "display_name": tr("accounts.col.name"),
        "roles": tr("accounts.col.roles"),
        "enabled": st.column_config.CheckboxColumn(tr("accounts.col.enabled")),
        "locked": st.column_config.CheckboxColumn(tr("accounts.col.locked")),
        "failed_logins": tr("accounts.col.failed_logins"),
        "last_login_at": st.column_config.DatetimeColumn(tr("accounts.col.last_login"),
                                                         format="YYYY-MM-DD HH:mm"),
    },
)
pager(total, page_size=PAGE_SIZE, key="accounts_page")

create_tab, manage_tab = st.tabs([tr("accounts.create"), tr("accounts.manage")])
with create_tab:
    username = st.text_input(tr("accounts.username"), help=tr("accounts.username_help"))
    display_name = st.text_input(tr("accounts.display_name"))
    staff_no = st.text_input(tr("accounts.staff_no"), help=tr("accounts.staff_no_help"))
    password = st.text_input(tr("accounts.initial_password"), type="password",
                             help=tr("account.password_rule"))
    grants = grant_inputs("new")
    if st.button(tr("accounts.create_button"), type="primary"):
        try:
            with db() as session:
                create_account(session, actor, username=username, display_name=display_name,
                               password=password, grants=grants, staff_no=staff_no)
            organisation_changed()
            st.success(tr_text("accounts.created", username=username.strip().lower()))
        except DomainError as error:
            show_error(error)

with manage_tab:
    accounts = dict(zip(frame["id"], frame["username"], strict=True))
    if not accounts:
        st.info(tr("accounts.none_found"))
    else:
        account_id = st.selectbox(tr("accounts.pick"), options=list(accounts),
                                  format_func=lambda aid: accounts[aid])
        row = frame.set_index("id").loc[account_id]
        c1, c2 = st.columns(2)
        try:
            if row["enabled"] and c1.button(tr("accounts.disable")):
                with db() as session:
                    set_enabled(session, actor, account_id=account_id, enabled=False)
                organisation_changed()
                st.rerun()
            if not row["enabled"] and c1.button(tr("accounts.enable")):
                with db() as session:
                    set_enabled(session, actor, account_id=account_id, enabled=True)
                organisation_changed()
                st.rerun()
        except DomainError as error:
            show_error(error)
        with c2.form("reset_password", clear_on_submit=True):
            new_password = st.text_input(tr("accounts.new_password"), type="password",
                                         help=tr("accounts.reset_help"))
            if st.form_submit_button(tr("accounts.reset")):
                try:
                    with db() as session:
                        reset_password(session, actor, account_id=account_id,
                                       new_password=new_password)
                    organisation_changed()
                    st.success(tr_text("accounts.reset_done", username=accounts[account_id]))
                except DomainError as error:
                    show_error(error)
        st.subheader(tr("accounts.edit_roles"))
        with db() as session:
            current = account_grants(session, actor, account_id=account_id)
        new_grants = grant_inputs(f"edit_{account_id}", current)
        if st.button(tr("accounts.save_roles")):
            try:
                with db() as session:
                    set_grants(session, actor, account_id=account_id, grants=new_grants)
                organisation_changed()
                st.success(tr_text("accounts.roles_saved", username=accounts[account_id]))
            except DomainError as error:
                show_error(error)
