"""The conversation of a feedback case, drawn the same way for the writer and the union.

Every text a person wrote goes through st.text: never Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

from services.feedback import Entry
from ui.runtime import tr

_AVATARS = {"writer": ":material/person:", "public": ":material/account_balance:",
            "internal": ":material/lock:"}


def conversation(body: str, sent_on: dt.date, entries: Sequence[Entry]) -> None:
    _turn("writer", None, body, sent_on)
    for entry in entries:
        _turn(entry.kind, entry.level, entry.body, entry.day)


def _turn(kind: str, level: str | None, body: str, day: dt.date) -> None:
    who = tr("feedback.who.writer") if kind == "writer" else tr(f"feedback.who.{level}")
    if kind == "internal":
        who = tr("feedback.who.internal", level=who)
    with st.chat_message("user" if kind == "writer" else "assistant", avatar=_AVATARS[kind]):
        st.caption(tr("feedback.turn_caption", who=who, day=day.isoformat()))
        st.text(body)
