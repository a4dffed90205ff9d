"""查看答复 — the writer opens their message with the receipt code, reads the union's public
replies and answers back. No login."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import feedback
from services.errors import DomainError
from ui.anonymous import (
    WRITER_KEY,
    count_sent,
    count_wrong_receipt,
    sending_refused,
    wait_before_receipt_check,
)
from ui.feedback_view import conversation
from ui.guard import require_page
from ui.runtime import db, label, show_error, tr, tr_text

require_page("feedback_reply")
st.title(tr("feedback_reply.title"))

writer = st.session_state.get(WRITER_KEY)
if not isinstance(writer, feedback.WriterPass):
    st.caption(tr("feedback_reply.intro"))
    with st.form("receipt_form"):
        code = st.text_input(tr("feedback_reply.code"), max_chars=40,
                             placeholder=tr("feedback_reply.code_placeholder"))
        opened = st.form_submit_button(tr("feedback_reply.open"), type="primary",
                                       width="stretch")
    if opened:
        with st.spinner(tr("feedback_reply.checking")):
            wait_before_receipt_check()
            with db() as session:
                found = feedback.open_by_receipt(session, code)
        if found is None:
            count_wrong_receipt()
            st.error(tr("feedback_reply.not_found"))
        else:
            st.session_state[WRITER_KEY] = found
            st.rerun()
    st.stop()

try:
    with db() as session:
        view = feedback.writer_view(session, writer)
except DomainError as error:
    del st.session_state[WRITER_KEY]
    show_error(error)
    st.stop()

st.caption(tr_text("feedback_reply.summary", recipient=view.recipient,
                   day=view.sent_on.isoformat(),
                   category=label(f"feedback.category.{view.category}", view.category),
                   status=label(f"feedback.status.{view.status}", view.status)))
conversation(view.body, view.sent_on, view.entries)

if view.closed:
    st.info(tr("feedback_reply.closed"))
else:
    with st.form("answer_form", clear_on_submit=True):
        answer = st.text_area(tr("feedback_reply.answer"), height=120)
        sent = st.form_submit_button(tr("feedback_reply.send_answer"), width="stretch")
    if sent:
        try:
            refusal = sending_refused(None, new_case=False)
            if refusal:
                raise DomainError(refusal)
            with db() as session:
                feedback.writer_answer(session, writer, answer)
            count_sent(None, new_case=False)
            st.rerun()
        except DomainError as error:
            show_error(error)

if st.button(tr("feedback_reply.leave"), width="stretch"):
    del st.session_state[WRITER_KEY]
    st.rerun()
