"""申请详情 — one relief application: its facts, the person's record for reviewers, the
timeline, the documents, and the steps this reader may take now."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import uuid
from contextlib import suppress

import streamlit as st

from services import fund, relief
from services.access import PAGES_BY_KEY
from services.clock import local_today
from services.errors import DomainError
from services.formatting import date, money
from ui.fund_cached import fund_changed
from ui.guard import require_login
from ui.relief_view import (
    OPEN_KEY,
    application_form,
    documents,
    facts,
    recipient_record,
    state_label,
    timeline,
)
from ui.runtime import db, show_error, tr
from ui.widgets import act as run_action
from ui.widgets import show_done

actor = require_login("relief_case")
st.title(tr("relief.case.title"))
show_done()


def back() -> None:
    st.page_link(PAGES_BY_KEY["relief"].file, label=tr("relief.case.back"),
                 icon=":material/arrow_back:")


application_id = st.session_state.get(OPEN_KEY)
if application_id is None:
    st.info(tr("relief.case.none_chosen"))
    back()
    st.stop()
try:
    with db() as session:
        view = relief.application(session, actor, application_id)
        steps = relief.history(session, actor, application_id)
        files = relief.attachments(session, actor, application_id)
except DomainError as error:
    show_error(error)
    back()
    st.stop()

back()
st.subheader(tr("relief.case.heading", number=view.number, state=state_label(view.state)))
facts([("relief.case.school", view.school),
       ("relief.case.recipient", tr("relief.case.retired_person" if view.retired
                                    else "relief.case.person", name=view.recipient,
                                    staff_no=view.staff_no)),
       ("relief.case.category", view.category), ("relief.case.amount", money(view.amount_fen)),
       ("relief.case.filed_by", view.filed_by), ("relief.case.filed_on", date(view.filed_at)),
       ("relief.case.id_number", view.id_number_masked or "—"),
       ("relief.case.paid_on", date(view.paid_on) or "—")])
st.caption(tr("relief.form.reason"))
st.text(view.reason)
if view.medical_details is not None:
    st.caption(tr("relief.form.medical"))
    st.text(view.medical_details or "—")
if view.decision_note:
    st.caption(tr("relief.case.decision_note"))
    st.text(view.decision_note)

if actor.has(*relief.REVIEWERS):
    with suppress(DomainError):  # filed by me at a school I do not review: no record
        recipient_record(actor, view)
timeline(steps)
documents(actor, files)

UPLOAD_KEY = f"relief_upload_{view.id}"   # a new uploader after each upload, so it starts empty


def uploaded() -> None:
    fund_changed()
    st.session_state[UPLOAD_KEY] = st.session_state.get(UPLOAD_KEY, 0) + 1


def act(done: str, call, *args, changed=fund_changed, **kwargs) -> None:  # type: ignore[no-untyped-def]
    run_action(done, call, actor, view.id, *args, changed=changed, **kwargs)


if view.can_attach:
    upload = st.file_uploader(tr("relief.case.upload"), type=["pdf", "jpg", "jpeg", "png"],
                              key=f"{UPLOAD_KEY}_{st.session_state.get(UPLOAD_KEY, 0)}")
    if upload is not None and st.button(tr("relief.case.upload_button")):
        act("relief.case.done.attached", relief.add_attachment, filename=upload.name,
            data=upload.getvalue(), changed=uploaded)

actions = view.actions
if not actions:
    st.stop()
st.subheader(tr("relief.case.actions"))
if "edit" in actions:
    with st.expander(tr("relief.case.edit")):
        data = application_form(actor, f"relief_edit_{view.id}", view)
        if st.button(tr("relief.case.save_edit")):
            act("relief.case.done.edited", relief.update_draft, data)
if "submit" in actions and st.button(tr("relief.case.submit"), type="primary"):
    act("relief.case.done.submitted", relief.submit_application)
for step, call in (("approve_school", relief.approve_at_school),
                   ("approve_district", relief.approve_at_district)):
    if step in actions:
        note = st.text_input(tr("relief.case.approve_note"), max_chars=500, key=f"note_{step}")
        if st.button(tr(f"relief.case.{step}"), type="primary"):
            act(f"relief.case.done.{step}", call, note=note)
if "pay" in actions:
    with db() as session:
        sums = fund.balances(session, actor)
        accounts = {fund.account_id_for(session, view.school_id): view.school,
                    fund.account_id_for(session, None): tr("fund.district_account")}
    balance = dict(zip(sums["account_id"], sums["balance_fen"], strict=True))
    # The school's sub-account first when it can pay, else the district fund.
    first = next((a for a in accounts if balance.get(a, 0) >= view.amount_fen), None)
    c1, c2 = st.columns([3, 1])
    account_id = c1.selectbox(
        tr("relief.case.pay_from"), options=list(accounts), key="relief_pay_account",
        index=list(accounts).index(first) if first is not None else 0,
        format_func=lambda a: tr("relief.case.account_balance", account=accounts[a],
                                 balance=money(int(balance.get(a, 0)))))
    paid_on = c2.date_input(tr("relief.case.paid_on"), value=local_today(),
                            max_value=local_today(), format="YYYY-MM-DD")
    pay_key = f"relief_pay_key_{view.id}"
    if st.button(tr("relief.case.pay"), type="primary"):
        key = st.session_state.setdefault(pay_key, uuid.uuid4().hex)

        def paid() -> None:  # the key served; a later payment (after a reversal) gets its own
            fund_changed()
            st.session_state.pop(pay_key, None)

        act("relief.case.done.paid", relief.pay, account_id=account_id, paid_on=paid_on,
            idempotency_key=key, changed=paid)
for step, call, field in (("return", relief.return_application, "note"),
                          ("reject", relief.reject, "reason")):
    if step in actions:
        text = st.text_area(tr(f"relief.case.{step}_note"), max_chars=500, key=f"note_{step}")
        if st.button(tr(f"relief.case.{step}")):
            act(f"relief.case.done.{step}", call, **{field: text})
if "cancel" in actions and st.button(tr("relief.case.cancel")):
    act("relief.case.done.cancel", relief.cancel)
