"""What the relief pages share: labels of states and actions, money as text, the filing form
(new or edit) with the category's caps and what the person has used of them, the facts of one
application, its timeline and its documents.

Everything a person wrote (names, reasons, medical details, notes) goes through st.text or a
dataframe: never Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from services import fund, relief
from services.actor import Actor
from services.clock import local_today
from services.formatting import date_time, money
from ui.runtime import db, label, tr

OPEN_KEY = "relief_id"   # which application the detail page shows


def state_label(state: str | None) -> str:
    return "" if not state else label(f"relief.state.{state}", state)


def action_label(action: str) -> str:
    return label(f"relief.action.{action}", action)


def signed_money(fen: int) -> str:
    """A difference: +¥12.34, -¥12.34, ¥0.00."""
    return ("+" if fen > 0 else "") + money(int(fen))


def yuan_text(fen: int | None) -> str:
    """Fen as a person would type the amount back: 1234.50."""
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def caps_text(limit_fen: int | None, limit_count: int | None) -> str:
    """A category's yearly caps per person."""
    if limit_fen is None and limit_count is None:
        return tr("relief.form.no_caps")
    return tr("relief.form.caps",
              amount=tr("relief.form.no_limit") if limit_fen is None else money(limit_fen),
              count=tr("relief.form.no_limit") if limit_count is None else limit_count)


def used_text(status: relief.CapStatus, year: int) -> str:
    remaining = status.remaining_fen()
    return tr("relief.form.used", year=year, amount=money(status.used_fen),
              count=status.used_count, remaining=tr("relief.form.no_limit")
              if remaining is None else money(remaining))


def application_form(actor: Actor, prefix: str,
                     current: relief.ApplicationView | None = None) -> relief.ApplicationInput:
    """The filing form, empty or prefilled from a draft; the school of a draft stays put."""
    with db() as session:
        schools = relief.filing_school_choices(session, actor)
        cats = {c.id: c for c in fund.categories(session, "expense")}
    if current is not None:
        school_id = current.school_id
    elif len(schools) == 1:
        school_id = next(iter(schools))
    else:
        school_id = st.selectbox(tr("relief.form.school"), options=list(schools),
                                 format_func=schools.__getitem__, key=f"{prefix}_school")
    with db() as session:  # (a draft's filer may have lost the school meanwhile)
        people = relief.recipient_choices(session, actor, school_id) if school_id in schools \
            else {}
    c1, c2, c3 = st.columns([2, 2, 1])
    staff_id = c1.selectbox(
        tr("relief.form.recipient"), options=list(people), format_func=people.__getitem__,
        index=list(people).index(current.staff_id) if current and current.staff_id in people
        else None, placeholder=tr("relief.form.recipient_search"), key=f"{prefix}_recipient")
    category_id = c2.selectbox(
        tr("relief.form.category"), options=list(cats), format_func=lambda c: cats[c].name,
        index=list(cats).index(current.category_id) if current and current.category_id in cats
        else None, placeholder=tr("relief.form.category_pick"), key=f"{prefix}_category")
    amount = c3.text_input(tr("relief.form.amount"), max_chars=20, key=f"{prefix}_amount",
                           value=yuan_text(current.amount_fen) if current else "",
                           placeholder=tr("relief.form.amount_hint"))
    if category_id is not None:
        st.caption(caps_text(cats[category_id].yearly_limit_fen,
                             cats[category_id].yearly_limit_count))
        if staff_id is not None:
            year = current.year if current else local_today().year
            with db() as session:
                status = relief.cap_status(session, staff_id=staff_id, category_id=category_id,
                                           year=year, exclude_id=current.id if current else None)
            st.caption(used_text(status, year))
    reason = st.text_area(tr("relief.form.reason"), max_chars=relief.MAX_REASON,
                          value=current.reason if current else "", key=f"{prefix}_reason")
    medical = st.text_area(tr("relief.form.medical"), max_chars=relief.MAX_MEDICAL,
                           value=(current.medical_details or "") if current else "",
                           key=f"{prefix}_medical")
    st.caption(tr("relief.form.medical_private"))
    id_number = st.text_input(
        tr("relief.form.id_number"), max_chars=18, key=f"{prefix}_id_number",
        placeholder=current.id_number_masked if current and current.id_number_masked else "",
        help=tr("relief.form.id_keep") if current and current.id_number_masked
        else tr("relief.form.id_help"))
    # An edit cannot show the stored number (only its mask): left blank, it stays as it was.
    keep_id = current is not None and not id_number.strip()
    return relief.ApplicationInput(school_id, staff_id, category_id, amount, reason, medical,
                                   None if keep_id else id_number)


def facts(pairs: Sequence[tuple[str, str]], per_row: int = 4) -> None:
    """A label over each value, a few to a row; the values are plain text."""
    for start in range(0, len(pairs), per_row):
        for column, (key, value) in zip(st.columns(per_row), pairs[start:start + per_row],
                                        strict=False):
            column.caption(tr(key))
            column.text(value)


def recipient_record(actor: Actor, view: relief.ApplicationView) -> None:
    """For reviewers: the person's relief over the years and this year's use of the caps."""
    with db() as session:
        past = relief.recipient_history(session, actor, view.staff_id)
        status = relief.cap_status(session, staff_id=view.staff_id,
                                   category_id=view.category_id, year=view.year,
                                   exclude_id=view.id)
    st.subheader(tr("relief.case.record"))
    st.caption(tr("relief.case.caps_now", caps=caps_text(status.limit_fen, status.limit_count),
                  used=used_text(status, view.year)))
    if past.empty:
        st.caption(tr("relief.case.no_record"))
        return
    st.dataframe(past.assign(amount_fen=past["amount_fen"].map(lambda f: money(int(f))),
                             state=past["state"].map(state_label),
                             paid_on=past["paid_on"].map(lambda d: "" if pd.isna(d)
                                                         else d.isoformat())),
                 hide_index=True, width="stretch", column_config={
                     "year": st.column_config.NumberColumn(tr("relief.case.col.year"),
                                                           format="%d"),
                     "number": tr("relief.list.col.number"),
                     "category": tr("relief.list.col.category"),
                     "amount_fen": tr("relief.list.col.amount"),
                     "state": tr("relief.list.col.state"),
                     "paid_on": tr("relief.case.col.paid_on")})


def timeline(steps: pd.DataFrame) -> None:
    st.subheader(tr("relief.case.timeline"))
    st.dataframe(steps.assign(at=steps["at"].map(date_time),
                              action=steps["action"].map(action_label),
                              from_state=steps["from_state"].fillna("").map(state_label),
                              to_state=steps["to_state"].map(state_label)),
                 hide_index=True, width="stretch", column_config={
                     "at": tr("relief.case.col.at"), "who": tr("relief.case.col.who"),
                     "action": tr("relief.case.col.action"),
                     "from_state": tr("relief.case.col.from"),
                     "to_state": tr("relief.case.col.to"), "note": tr("relief.case.col.note")})


def documents(actor: Actor, files: pd.DataFrame) -> None:
    """The attachments, each fetched from the database only when its button is clicked."""
    st.subheader(tr("relief.case.documents"))
    if files.empty:
        st.caption(tr("relief.case.no_documents"))

    def content(attachment_id: int) -> bytes:
        with db() as session:
            return relief.attachment_file(session, actor, attachment_id)[2]

    for row in files.itertuples():
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.text(tr("relief.case.document_line", name=row.filename,
                     size=f"{-(-int(row.size) // 1024):,}", at=date_time(row.uploaded_at)))
        suffix = row.filename[row.filename.rfind("."):].lower()
        right.download_button(tr("relief.case.download"),
                              lambda aid=int(row.id): content(aid), on_click="ignore",
                              file_name=row.filename, key=f"relief_file_{row.id}",
                              mime=relief.ATTACHMENT_TYPES.get(suffix, "application/octet-stream"))
