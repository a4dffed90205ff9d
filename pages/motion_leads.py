"""提案线索 — draft motions a union chair made of staff feedback, offered to me to adopt."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import streamlit as st

from services import feedback
from services.errors import DomainError
from ui.guard import require_login
from ui.runtime import db, label, show_error, tr

actor = require_login("motion_leads")
st.title(tr("leads.title"))
st.caption(tr("leads.intro"))

with db() as session:
    leads = feedback.list_leads(session, actor)
if leads.empty:
    st.info(tr("leads.none"))
    st.stop()


def decide(lead_id: int, adopt: bool) -> None:
    try:
        with db() as session:
            motion_id = feedback.decide_lead(session, actor, lead_id, adopt=adopt)
    except DomainError as error:
        show_error(error)
        return
    if motion_id is not None:  # adopted as my draft: open it to edit and ask co-signers
        st.session_state["motion_id"] = motion_id
        st.switch_page("pages/motion.py")
    st.rerun()


for lead in leads.itertuples():
    with st.container(border=True):
        st.caption(tr("leads.offered", day=lead.offered_on.isoformat(),
                      status=label(f"leads.status.{lead.status}", lead.status)))
        for heading, text in ((tr("leads.title_field"), lead.title),
                              (tr("leads.reason"), lead.reason),
                              (tr("leads.suggestion"), lead.suggestion)):
            st.caption(heading)
            st.text(text)
        if lead.status == "offered":
            adopt, decline = st.columns(2)
            if adopt.button(tr("leads.adopt"), key=f"adopt_{lead.id}", type="primary",
                            width="stretch"):
                decide(int(lead.id), True)
            if decline.button(tr("leads.decline"), key=f"decline_{lead.id}", width="stretch"):
                decide(int(lead.id), False)
