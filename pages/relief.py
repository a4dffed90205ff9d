"""救助申请 — the applications in my scope, what waits for me, and a new one filed for a
colleague."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import uuid

import streamlit as st

from db.fund import APPLICATION_STATES
from services import relief
from services.access import PAGES_BY_KEY
from services.clock import local_today
from services.errors import DomainError
from services.formatting import date, money
from services.org import school_choices
from ui.fund_cached import fund_changed
from ui.guard import require_login
from ui.relief_view import OPEN_KEY, application_form, state_label
from ui.runtime import db, show_error, tr
from ui.widgets import current_page, pager, show_done

PAGE_SIZE = 50
PAGE_KEY = "relief_page"
FORM_KEY = "relief_new_key"   # the filing form's idempotency key, kept until it succeeds

actor = require_login("relief")
st.title(tr("relief.list.title"))
show_done()


def any_or(value: object, text: str) -> str:
    return tr("relief.list.any") if value is None else text


this_year = local_today().year
c1, c2, c3, c4 = st.columns(4, vertical_alignment="bottom")
state = c1.selectbox(tr("relief.list.state"), options=[None, *APPLICATION_STATES],
                     format_func=lambda s: any_or(s, state_label(s)), key="relief_state")
year = c2.selectbox(tr("relief.list.year"), options=[None, *range(this_year, this_year - 6, -1)],
                    format_func=lambda y: any_or(y, str(y)), key="relief_year")
school_id = None
if actor.has("district_admin", "auditor"):
    with db() as session:
        schools = school_choices(session, actor)
    school_id = c3.selectbox(tr("relief.list.school"), options=[None, *schools],
                             format_func=lambda s: any_or(s, schools.get(s, "")),
                             key="relief_school")
waiting = False
if actor.has(*relief.FILERS):
    waiting = c4.toggle(tr("relief.list.waiting"), key="relief_waiting",
                        value=actor.has("school_chair", "district_admin"),
                        help=tr("relief.list.waiting_help"))

page = current_page(PAGE_KEY)
with db() as session:
    frame, total = relief.list_applications(
        session, actor, state=state, year=year, school_id=school_id, waiting_for_me=waiting,
        page=page, page_size=PAGE_SIZE)
if frame.empty:
    st.info(tr("relief.list.none_waiting") if waiting else tr("relief.list.none"))
else:
    shown = frame.assign(amount=frame["amount_fen"].map(lambda f: money(int(f))),
                         state=frame["state"].map(state_label),
                         filed_on=frame["filed_at"].map(date))
    st.dataframe(shown[["number", "school", "recipient", "category", "amount", "state",
                        "filed_on", "filed_by"]], hide_index=True, width="stretch",
                 column_config={
                     "number": tr("relief.list.col.number"),
                     "school": tr("relief.list.col.school"),
                     "recipient": tr("relief.list.col.recipient"),
                     "category": tr("relief.list.col.category"),
                     "amount": tr("relief.list.col.amount"),
                     "state": tr("relief.list.col.state"),
                     "filed_on": tr("relief.list.col.filed_on"),
                     "filed_by": tr("relief.list.col.filed_by")})
if total:  # also when a narrower filter left this page past the end: the pager fixes it
    pager(total, page_size=PAGE_SIZE, key=PAGE_KEY)
if not frame.empty:
    names = {int(r.id): f"{r.number} · {r.recipient} · {r.category}" for r in frame.itertuples()}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    picked = left.selectbox(tr("relief.list.open"), options=list(names),
                            format_func=names.__getitem__, key="relief_pick")
    if right.button(tr("relief.list.open_button"), type="primary", width="stretch"):
        st.session_state[OPEN_KEY] = picked
        st.switch_page(PAGES_BY_KEY["relief_case"].file)

if not actor.has(*relief.FILERS):
    st.stop()

st.divider()
st.subheader(tr("relief.form.title"))
st.caption(tr("relief.form.help"))
with db() as session:
    can_file = bool(relief.filing_school_choices(session, actor))
if not can_file:
    st.info(tr("relief.form.no_school"))
    st.stop()
data = application_form(actor, "relief_new")
left, right, _ = st.columns([1, 1, 3])
as_draft = left.button(tr("relief.form.save_draft"), width="stretch")
to_submit = right.button(tr("relief.form.submit"), type="primary", width="stretch")
if as_draft or to_submit:
    # One key per filled-in form: a double click or a resend files one application.
    key = st.session_state.setdefault(FORM_KEY, uuid.uuid4().hex)
    try:
        with db() as session:
            new_id = relief.file_application(session, actor, data, submit=to_submit,
                                             idempotency_key=key)
    except DomainError as error:
        show_error(error)
    else:
        fund_changed()
        del st.session_state[FORM_KEY]
        st.session_state[OPEN_KEY] = new_id
        st.switch_page(PAGES_BY_KEY["relief_case"].file)
