"""Widgets that several pages share."""

from __future__ import annotations

import math

import streamlit as st

from ui.runtime import tr


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
