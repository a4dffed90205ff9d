"""教职工意见箱 — an anonymous message to a school's union or the district union, no login."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import feedback, receipts
from services.access import PAGES_BY_KEY
from services.config import feedback_max_chars
from services.errors import DomainError
from ui.anonymous import RECEIPT_KEY, count_sent, recipient_choices, sending_refused
from ui.guard import require_page
from ui.runtime import db, label, show_error, tr

HINTS_KEY = "_feedback_hints"   # what looked identifying in the last text the writer sent
TRAP_KEY = "fb_homepage"        # a field people never see and bots fill in

require_page("feedback_submit")
st.title(tr("feedback.title"))
st.caption(tr("feedback.promise"))

receipt = st.session_state.get(RECEIPT_KEY)
if receipt:
    st.success(tr("feedback.sent"))
    st.write(tr("feedback.receipt_intro"))
    st.code(receipts.display(receipt), language=None, wrap_lines=True)
    st.caption(tr("feedback.copy_hint"))
    st.warning(tr("feedback.receipt_once"))
    st.page_link(PAGES_BY_KEY["feedback_reply"].file, label=tr("feedback.go_to_replies"),
                 icon=":material/forum:")
    with st.container(border=True):
        st.markdown(tr("feedback.stored_list"))
    if st.button(tr("feedback.write_another"), width="stretch"):
        del st.session_state[RECEIPT_KEY]
        st.rerun()
    st.stop()

choices = recipient_choices()
cap = feedback_max_chars()
with st.form("feedback_form"):
    picked = st.selectbox(
        tr("feedback.recipient"), options=range(len(choices)), index=None,
        placeholder=tr("feedback.recipient_placeholder"),
        format_func=lambda i: choices[i].name + ("" if choices[i].school_id is None
                                                 else tr("feedback.school_union_suffix")))
    category = st.selectbox(tr("feedback.category"), options=feedback.CATEGORIES,
                            format_func=lambda c: label(f"feedback.category.{c}", c))
    body = st.text_area(tr("feedback.body"), max_chars=cap, height=220,
                        placeholder=tr("feedback.body_placeholder"))
    with st.container(key="fb_trap"):  # hidden by CSS below; people never see it
        trap = st.text_input(tr("feedback.trap_label"), key=TRAP_KEY)
    send_anyway = False
    hints = st.session_state.get(HINTS_KEY)
    if hints:
        kinds = "、".join(tr(f"feedback.hint.{kind}") for kind in hints)
        st.warning(tr("feedback.identifying_warning", kinds=kinds))
        send_anyway = st.checkbox(tr("feedback.send_anyway"))
    submitted = st.form_submit_button(tr("feedback.send"), type="primary", width="stretch")
st.html("<style>.st-key-fb_trap{position:absolute;left:-10000px;height:0;overflow:hidden}"
        "</style>")
with st.expander(tr("feedback.what_is_stored")):
    st.markdown(tr("feedback.stored_list"))

if submitted:
    try:
        if trap:  # a bot: look like success, store nothing
            st.session_state[RECEIPT_KEY] = receipts.new_code()
            st.rerun()
        if picked is None:
            raise DomainError("feedback.error.no_recipient")
        text = feedback.clean_text(body)
        found = feedback.identifying_hints(text)
        if found and not send_anyway:
            st.session_state[HINTS_KEY] = found
            st.rerun()
        school_id = choices[picked].school_id
        refusal = sending_refused(school_id)
        if refusal:
            raise DomainError(refusal)
        with db() as session:
            code = feedback.submit_feedback(session, school_id=school_id, category=category,
                                            body=text)
        count_sent(school_id)
        st.session_state.pop(HINTS_KEY, None)
        st.session_state[RECEIPT_KEY] = code
        st.rerun()
    except DomainError as error:
        show_error(error)
