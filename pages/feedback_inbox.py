"""意见箱收件 — the union's inbox: read, answer, note, forward, close, and make motion leads."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import feedback
from services.clock import local_today
from services.errors import DomainError
from services.org import school_choices
from ui.cached import feedback_changed, inbox_total
from ui.feedback_view import conversation
from ui.guard import require_login
from ui.runtime import db, label, show_error, tr, tr_text
from ui.widgets import act as run_action
from ui.widgets import current_page, pager, show_done

PAGE_SIZE = 50
CASE_KEY = "inbox_case"

actor = require_login("feedback_inbox")
st.title(tr("inbox.title"))
show_done()


def status_label(status: str) -> str:
    return label(f"feedback.status.{status}", status)


def category_label(category: str) -> str:
    return label(f"feedback.category.{category}", category)


c1, c2, c3, c4 = st.columns(4)
status = c1.selectbox(tr("inbox.status"), options=[None, *feedback.STATUSES],
                      format_func=lambda s: tr("inbox.any") if s is None else status_label(s))
category = c2.selectbox(tr("inbox.category"), options=[None, *feedback.CATEGORIES],
                        format_func=lambda c: tr("inbox.any") if c is None
                        else category_label(c))
date_from = c3.date_input(tr("inbox.date_from"), value=None, max_value=local_today(),
                          format="YYYY-MM-DD")
date_to = c4.date_input(tr("inbox.date_to"), value=None, format="YYYY-MM-DD")
school_id = None
if actor.has("district_admin"):
    with db() as session:
        schools = school_choices(session, actor)
    school_id = c1.selectbox(tr("inbox.school"), options=[None, *schools],
                             format_func=lambda s: tr("inbox.any") if s is None else schools[s])
mine = c2.toggle(tr("inbox.actionable_only"))
filters = feedback.InboxFilter(status, category, date_from, date_to, school_id, mine)

page = current_page("inbox_page")
total = inbox_total(actor, filters)
with db() as session:
    frame = feedback.list_inbox(session, actor, filters, page=page, page_size=PAGE_SIZE)
shown = frame.assign(
    recipient=frame["recipient"].where(frame["recipient"] != "", tr("feedback.who.district")),
    holder=frame["at_district"].map(lambda d: tr("feedback.who.district" if d
                                                 else "feedback.who.school")),
    category=frame["category"].map(category_label), status=frame["status"].map(status_label))
st.dataframe(shown[["sent_on", "recipient", "holder", "category", "status", "preview"]],
             hide_index=True, width="stretch", column_config={
                 "sent_on": st.column_config.DateColumn(tr("inbox.col.sent_on"),
                                                        format="YYYY-MM-DD"),
                 "recipient": tr("inbox.col.recipient"), "holder": tr("inbox.col.holder"),
                 "category": tr("inbox.col.category"), "status": tr("inbox.col.status"),
                 "preview": tr("inbox.col.preview")})
pager(total, page_size=PAGE_SIZE, key="inbox_page")

# Labels that an action does not change (no status), and unique (a short tail of the id): the
# selectbox keeps its choice across reruns by its label.
rows = {int(r.id): f"{r.sent_on:%Y-%m-%d} · {r.category} · {r.preview[:24]} · #{r.id % 10**6:06d}"
        for r in shown.itertuples()}
if st.session_state.get(CASE_KEY) is not None and st.session_state[CASE_KEY] not in rows:
    rows[st.session_state[CASE_KEY]] = tr("inbox.current_case")
case_id = st.selectbox(tr("inbox.open_case"), options=list(rows), index=None, key=CASE_KEY,
                       format_func=rows.__getitem__, placeholder=tr("inbox.pick_case"))
if case_id is None:
    st.stop()

try:
    with db() as session:
        detail = feedback.open_case(session, actor, case_id)
except DomainError as error:
    show_error(error)
    st.stop()
if detail.marked_read:
    feedback_changed()

st.subheader(tr_text("inbox.case_heading", recipient=detail.recipient,
                     category=category_label(detail.category), status=status_label(detail.status)))
st.caption(tr("inbox.held_by", holder=tr("feedback.who.district" if detail.at_district
                                         else "feedback.who.school")))
conversation(detail.body, detail.sent_on, detail.entries)
for lead in detail.leads:
    st.caption(tr_text("inbox.lead_line", delegate=lead.delegate, title=lead.title,
                       status=label(f"leads.status.{lead.status}", lead.status),
                       day=lead.offered_on.isoformat()))

if not detail.can_act:
    st.info(tr("inbox.closed_case") if detail.closed else tr("inbox.not_holder"))
    st.stop()


def act(done: str, call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    run_action(done, call, actor, detail.id, *args, changed=feedback_changed, **kwargs)


reply_tab, note_tab, forward_tab, lead_tab, close_tab = st.tabs(
    [tr("inbox.tab.reply"), tr("inbox.tab.note"), tr("inbox.tab.forward"),
     tr("inbox.tab.lead"), tr("inbox.tab.close")])
with reply_tab, st.form("reply_form"):
    text = st.text_area(tr("inbox.reply_text"), help=tr("inbox.reply_help"))
    if st.form_submit_button(tr("inbox.send_reply"), type="primary"):
        act("inbox.replied", feedback.reply, text, internal=False)
with note_tab, st.form("note_form"):
    text = st.text_area(tr("inbox.note_text"), help=tr("inbox.note_help"))
    if st.form_submit_button(tr("inbox.save_note")):
        act("inbox.noted", feedback.reply, text, internal=True)
with forward_tab:
    if detail.can_forward_to_district or detail.can_forward_to_school:
        with st.form("forward_form"):
            note = st.text_area(tr("inbox.forward_note"))
            target = "inbox.forward_to_district" if detail.can_forward_to_district \
                else "inbox.forward_to_school"
            if st.form_submit_button(tr(target)):
                act("inbox.forwarded", feedback.forward, note=note)
    else:
        st.caption(tr("inbox.cannot_forward"))
with lead_tab:
    with db() as session:
        delegates = feedback.delegate_choices(session, actor, detail.id)
    st.caption(tr("inbox.lead_help"))
    with st.form("lead_form"):
        delegate = st.selectbox(tr("inbox.lead_delegate"), options=list(delegates), index=None,
                                format_func=delegates.__getitem__)
        title = st.text_input(tr("inbox.lead_title"), max_chars=feedback.LEAD_TITLE_MAX)
        reason = st.text_area(tr("inbox.lead_reason"))
        suggestion = st.text_area(tr("inbox.lead_suggestion"))
        if st.form_submit_button(tr("inbox.lead_offer")):
            if delegate is None:
                st.error(tr("inbox.lead_pick_delegate"))
            else:
                act("inbox.lead_offered", feedback.offer_motion_lead,
                    delegate_staff_id=delegate, title=title, reason=reason,
                    suggestion=suggestion)
with close_tab:
    st.caption(tr("inbox.close_help"))
    if st.button(tr("inbox.close_case")):
        act("inbox.closed", feedback.close_case)
