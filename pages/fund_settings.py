"""收支项目与上限 — the fund's income sources and relief categories, and each category's yearly
caps per person. The district admin adds and changes them; the auditor reads."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import pandas as pd
import streamlit as st

from services import fund
from services.formatting import money
from ui.fund_cached import fund_changed
from ui.guard import require_login
from ui.relief_view import yuan_text
from ui.runtime import db, tr
from ui.widgets import act, show_done

actor = require_login("fund_settings")
st.title(tr("fund.settings.title"))
show_done()
editor = actor.has("district_admin")


def yes_no(flag: bool) -> str:
    return tr("fund.settings.yes" if flag else "fund.settings.no")


def listing(kind: str, items: dict[int, fund.Category]) -> None:
    none = tr("fund.settings.no_cap")
    rows = [(c.name, c.code, yes_no(c.active),
             none if c.yearly_limit_fen is None else money(c.yearly_limit_fen),
             none if c.yearly_limit_count is None else str(c.yearly_limit_count))
            for c in items.values()]
    frame = pd.DataFrame(rows, columns=["name", "code", "active", "cap", "count"])
    if kind == "income":
        frame = frame.drop(columns=["cap", "count"])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "name": tr("fund.settings.col.name"), "code": tr("fund.settings.col.code"),
        "active": tr("fund.settings.col.active"), "cap": tr("fund.settings.col.cap"),
        "count": tr("fund.settings.col.count")})


def edit_form(kind: str, items: dict[int, fund.Category]) -> None:
    st.subheader(tr("fund.settings.edit"))
    picked = st.selectbox(tr("fund.settings.pick"), options=[None, *items],
                          format_func=lambda c: tr("fund.settings.new") if c is None
                          else items[c].name, key=f"settings_pick_{kind}")
    current = items.get(picked) if picked is not None else None
    tag = f"settings_{kind}_{picked or 'new'}"   # fresh fields, prefilled, for each item
    name = st.text_input(tr("fund.settings.name"), max_chars=50, key=f"{tag}_name",
                         value=current.name if current else "")
    active = st.checkbox(tr("fund.settings.active"), key=f"{tag}_active",
                         value=current.active if current else True,
                         help=tr("fund.settings.active_help"))
    cap, count = None, None
    if kind == "expense":
        c1, c2 = st.columns(2)
        cap = c1.text_input(tr("fund.settings.cap"), max_chars=20, key=f"{tag}_cap",
                            value=yuan_text(current.yearly_limit_fen) if current else "",
                            help=tr("fund.settings.cap_help"))
        count = c2.number_input(tr("fund.settings.count"), min_value=0, max_value=99, step=1,
                                key=f"{tag}_count", help=tr("fund.settings.count_help"),
                                value=(current.yearly_limit_count or 0) if current else 0)

    def saved() -> None:
        fund_changed()
        if picked is None:  # an empty form for the next new item
            for field in ("name", "active", "cap", "count"):
                st.session_state.pop(f"{tag}_{field}", None)

    if st.button(tr("fund.settings.save"), type="primary", key=f"settings_save_{kind}"):
        act("fund.settings.saved", fund.save_category, actor, kind=kind, name=name,
            category_id=picked, active=active, yearly_limit=cap,
            yearly_limit_count=None if count is None else int(count), changed=saved)


expense_tab, income_tab = st.tabs([tr("fund.settings.categories"), tr("fund.settings.sources")])
for kind, tab in (("expense", expense_tab), ("income", income_tab)):
    with tab:
        st.caption(tr(f"fund.settings.{kind}_help"))
        with db() as session:
            found = {c.id: c for c in fund.categories(session, kind, active_only=False)}
        listing(kind, found)
        if editor:
            edit_form(kind, found)
