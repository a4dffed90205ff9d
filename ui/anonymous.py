"""What the anonymous feedback pages share: recipients, and limits per client kept in memory.

A client is this browser session, and more loosely its network address (many teachers of one
school share one): both only as keys hashed with a per-process secret, never written anywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from services import config, feedback
from services.throttle import SlidingWindow, Strikes, client_address, client_key
from ui.runtime import db

RECEIPT_KEY = "_feedback_receipt"   # the code just issued, shown until the writer moves on
WRITER_KEY = "_feedback_writer"     # the WriterPass a right receipt code gave this session


@dataclass(frozen=True)
class Limits:
    per_session: SlidingWindow
    per_address: SlidingWindow
    per_recipient: SlidingWindow
    wrong_receipts: Strikes


@st.cache_resource(show_spinner=False)
def limits() -> Limits:
    return Limits(SlidingWindow(config.feedback_per_client_hour()),
                  SlidingWindow(config.feedback_per_address_hour()),
                  SlidingWindow(config.feedback_per_recipient_hour()),
                  Strikes(config.receipt_free_tries(), config.receipt_max_delay_seconds()))


@st.cache_data(ttl=300, show_spinner=False)
def recipient_choices() -> list[feedback.Recipient]:
    with db() as session:
        return feedback.recipients(session)


def _session_key() -> str:
    ctx = get_script_run_ctx()
    return client_key("session", ctx.session_id if ctx else None)


def _address_key() -> str:
    peer = st.context.ip_address
    address = client_address(peer if isinstance(peer, str) else None,
                             st.context.headers.get("X-Forwarded-For"),
                             trust_proxy=config.trust_forwarded_for())
    return client_key("address", address)


def _recipient_key(school_id: int | None) -> str:
    return client_key("recipient", str(school_id))


def sending_refused(school_id: int | None, *, new_case: bool = True) -> str | None:
    """The catalogue key of the polite refusal when this client (or, for a new message, its
    recipient) is over its limit, else None."""
    gate = limits()
    if not gate.per_session.allows(_session_key()) or \
            not gate.per_address.allows(_address_key()):
        return "feedback.error.too_many"
    if new_case and not gate.per_recipient.allows(_recipient_key(school_id)):
        return "feedback.error.recipient_busy"
    return None


def count_sent(school_id: int | None, *, new_case: bool = True) -> None:
    gate = limits()
    gate.per_session.record(_session_key())
    gate.per_address.record(_address_key())
    if new_case:
        gate.per_recipient.record(_recipient_key(school_id))


def wait_before_receipt_check() -> None:
    """After repeated wrong codes from this client, answer more slowly."""
    gate = limits().wrong_receipts
    delay = max(gate.delay(_session_key()), gate.delay(_address_key()))
    if delay:
        time.sleep(delay)


def count_wrong_receipt() -> None:
    gate = limits().wrong_receipts
    gate.wrong(_session_key())
    gate.wrong(_address_key())
