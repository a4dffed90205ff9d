"""Widgets that several pages share."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from services.errors import DomainError
from ui.runtime import db, show_error, tr

_DONE_KEY = "_action_done"  # the confirmation to show after the rerun that follows an action


def show_done() -> None:
    """The confirmation of the action the previous run carried out, once."""
    if done := st.session_state.pop(_DONE_KEY, None):
        st.success(tr(done))


def act(done: str, call: Callable[..., Any], *args: Any, changed: Callable[[], None],
        **kwargs: Any) -> None:
    """Run one service action in its own transaction. On success clear the caches it touched
    and confirm it after a fresh rerun; on a domain error say why, and change nothing."""
    try:
        with db() as session:
            call(session, *args, **kwargs)
    except DomainError as error:
        show_error(error)
        return
    changed()
    st.session_state[_DONE_KEY] = done
    st.rerun()


def current_page(key: str) -> int:
    """The page the pager shows now, read before the query so each rerun queries once."""
    return max(1, int(st.session_state.get(key, 1) or 1))


def pager(total: int, *, page_size: int, key: str) -> None:
    """Server-side pagination control, drawn after the query that used `current_page`."""
    pages = max(1, math.ceil(total / page_size))
    if current_page(key) > pages:
        st.session_state[key] = pages
    left, right = st.columns([1, 3])
    left.number_input(tr("pager.page"), min_value=1, max_value=pages, step=1, key=key)
    right.caption(tr("pager.summary", total=total, pages=pages))


def role_label(role: str) -> str:
    return tr(f"role.{role}")
