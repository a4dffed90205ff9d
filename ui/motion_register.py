"""The motion register as a page section: filters, one page of motions, a picker that opens one
and the register of the current filters as Excel. The review page shows it for one meeting;
the district's list page for any school or meeting."""

from __future__ import annotations

import streamlit as st

from db.motions import MOTION_STATES
from services import motion_files as files
from services import motion_queries as queries
from services.actor import Actor
from ui import motion_board as board
from ui import motion_view
from ui.runtime import db, lang, tr
from ui.widgets import current_page, pager

PAGE_SIZE = 50


def register(actor: Actor, *, key: str, departments: dict[int, str],
             school_id: int | None = None, meeting_id: int | None = None) -> None:
    """Filters by state, department (when a school is chosen), words and overdue; the list is
    paged in SQL; the Excel register holds every motion of the same filters."""
    c1, c2, c3, c4 = st.columns(4, vertical_alignment="bottom")
    state = c1.selectbox(tr("motion.review.state"), options=[None, *MOTION_STATES],
                         format_func=lambda s: tr("motion.review.any") if s is None
                         else motion_view.state_label(s), key=f"{key}_state")
    department = c2.selectbox(tr("motion.review.department"), options=[None, *departments],
                              format_func=lambda d: tr("motion.review.any") if d is None
                              else departments[d], key=f"{key}_department",
                              disabled=not departments)
    text = c3.text_input(tr("motion.review.search"), max_chars=50, key=f"{key}_text")
    overdue = c4.toggle(tr("motion.review.overdue_only"), key=f"{key}_overdue")
    filters = queries.MotionFilter(school_id=school_id, meeting_id=meeting_id,
                                   states=(state,) if state else (), department_id=department,
                                   text=text, overdue_only=overdue)
    page_key = f"{key}_page"
    with db() as session:
        frame, total = queries.list_motions(session, actor, filters=filters,
                                            page=current_page(page_key), page_size=PAGE_SIZE)
    if frame.empty:
        st.caption(tr("motion.review.none_found"))
    else:
        motion_view.motion_table(frame)
    if total:
        pager(total, page_size=PAGE_SIZE, key=page_key)
    if not frame.empty:
        board.forget_gone(f"{key}_open", frame["id"].astype(int).tolist())
        motion_view.pick_and_open(frame, f"{key}_open")

    def workbook() -> bytes:   # made when the button is clicked, not on every rerun
        with db() as session:
            return files.register_xlsx(session, actor, filters=filters, lang=lang())

    st.download_button(tr("motion.review.download_register"), workbook, on_click="ignore",
                       file_name=f"motion-register-{meeting_id or school_id or 'all'}.xlsx",
                       disabled=not total)
