"""What the motion pages share: labels of states, categories, extents and ratings, a list of
motions with a picker that opens one, the draft form, one motion shown in full (facts, texts,
timeline, co-signers, assignments, replies, ratings, milestones with their evidence) and the
forms of the steps this reader may take on it now.

Everything a person wrote (titles, reasons, suggestions, replies, notes, comments) goes through
st.text or a dataframe: never Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from db.motions import MOTION_CATEGORIES, RATINGS, REPLY_EXTENTS
from services import motion_queries as queries
from services import motions
from services.access import PAGES_BY_KEY
from services.actor import Actor
from services.clock import local_today
from services.formatting import date, date_time
from services.org import department_choices
from ui.cached import home_summary
from ui.runtime import db, label, tr, tr_text
from ui.widgets import act

OPEN_KEY = "motion_id"   # which motion the motion page shows


def state_label(state: str | None) -> str:
    return "" if not state else label(f"motion.state.{state}", state)


def category_label(category: str | None) -> str:
    return "" if not category else label(f"motion.category.{category}", category)


def extent_label(extent: str | None) -> str:
    return "" if not extent else label(f"motion.extent.{extent}", extent)


def rating_label(rating: str | None) -> str:
    return "" if not rating else label(f"motion.rating.{rating}", rating)


def action_label(action: str | None) -> str:
    return "" if not action else label(f"motion.action.{action}", action)


def _day(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) \
        else date(value)  # type: ignore[arg-type]


def motions_changed() -> None:
    """The home page's counts; ui.motion_board.motions_changed clears these and the board's
    caches, and is what the pages call after a step."""
    home_summary.clear()


def open_motion(motion_id: int) -> None:
    st.session_state[OPEN_KEY] = int(motion_id)
    st.switch_page(PAGES_BY_KEY["motion"].file)


# ---------------------------------------------------------------------------------- lists

LIST_COLUMNS = ("number", "title", "state", "cosigned", "overdue", "deadline", "role",
                "department", "proposer", "school", "meeting", "rating", "progress")


def motion_table(frame: pd.DataFrame) -> None:
    """Motions as rows, with the columns the frame has among the usual ones."""
    shown = frame.copy()
    if "state" in shown:
        shown["state"] = shown["state"].map(state_label)
    if "rating" in shown:
        shown["rating"] = shown["rating"].map(lambda r: rating_label(r) if isinstance(r, str)
                                              else "")
    if "deadline" in shown:
        shown["deadline"] = shown["deadline"].map(_day)
    if "overdue" in shown:
        shown["overdue"] = shown["overdue"].map(lambda o: tr("motion.list.overdue_mark")
                                                if bool(o) else "")
    if "number" in shown:
        shown["number"] = shown["number"].fillna("")
    if "role" in shown:
        shown["role"] = shown["role"].map(lambda r: tr(f"motion.detail.role.{r}"))
    if {"signed", "needed"} <= set(shown):   # my motions: co-signers signed of those needed
        shown["cosigned"] = [f"{s}/{n}" for s, n in zip(shown["signed"], shown["needed"],
                                                        strict=True)]
    columns = [c for c in LIST_COLUMNS if c in shown]
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config={
        **{c: tr(f"motion.list.col.{c}") for c in columns},
        "progress": st.column_config.ProgressColumn(tr("motion.list.col.progress"),
                                                    min_value=0, max_value=100, format="%d%%")})


def motion_name(number: object, title: object) -> str:
    shown = number if isinstance(number, str) and number else tr("motion.list.no_number")
    return f"{shown} · {title}"


def pick_and_open(frame: pd.DataFrame, key: str) -> None:
    """A selectbox of the listed motions and a button that opens the chosen one."""
    names = {int(r.id): motion_name(r.number, r.title) for r in frame.itertuples()}
    picked = st.selectbox(tr("motion.list.pick"), options=list(names),
                          format_func=names.__getitem__, key=key)
    if st.button(tr("motion.list.open"), type="primary", width="stretch", key=f"{key}_open"):
        open_motion(picked)


# ------------------------------------------------------------------------------ the draft

def draft_fields(prefix: str, current: queries.MotionView | None = None
                 ) -> tuple[str, str, str, str | None]:
    """案由, 理由, 建议/办法 and 类别, empty or from the draft being edited; full width."""
    title = st.text_input(tr("motion.field.title"), max_chars=motions.MAX_TITLE,
                          key=f"{prefix}_title",
                          value=current.title if current else "",
                          placeholder=tr("motion.form.title_hint"))
    reason = st.text_area(tr("motion.field.reason"), key=f"{prefix}_reason",
                          max_chars=motions.MAX_TEXT,
                          value=current.reason if current else "",
                          placeholder=tr("motion.form.reason_hint"))
    suggestion = st.text_area(tr("motion.field.suggestion"), key=f"{prefix}_suggestion",
                              max_chars=motions.MAX_TEXT,
                              value=current.suggestion if current else "",
                              placeholder=tr("motion.form.suggestion_hint"))
    options: list[str | None] = [None, *MOTION_CATEGORIES]
    category = st.selectbox(
        tr("motion.field.category"), options=options, key=f"{prefix}_category",
        index=options.index(current.category) if current and current.category in options
        else 0, format_func=lambda c: tr("motion.form.no_category") if c is None
        else category_label(c))
    return title, reason, suggestion, category


def similar_table(actor: Actor, school_id: int, text: str, exclude_id: int | None = None) -> None:
    """Earlier motions of the school that read like this text, so duplicates are seen early."""
    if not text.strip():
        return
    with db() as session:
        found = queries.similar_motions(session, actor, school_id=school_id, text=text,
                                        exclude_id=exclude_id)
    st.caption(tr("motion.form.similar"))
    if found.empty:
        st.caption(tr("motion.form.similar_none"))
        return
    shown = found.copy()
    if "state" in shown:
        shown["state"] = shown["state"].map(state_label)
    columns = [c for c in ("number", "title", "meeting", "state", "score") if c in shown]
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config={
        "number": tr("motion.list.col.number"), "title": tr("motion.list.col.title"),
        "meeting": tr("motion.list.col.meeting"), "state": tr("motion.list.col.state"),
        "score": st.column_config.ProgressColumn(tr("motion.list.col.score"), min_value=0.0,
                                                 max_value=1.0, format="%.2f")})


# --------------------------------------------------------------------------- one motion

def _facts(pairs: Sequence[tuple[str, str]]) -> None:
    """"Label: value" lines for the facts that are known, compact on a phone; plain text."""
    lines = [tr("motion.detail.fact", label=tr(key), value=value) for key, value in pairs
             if value]
    if lines:
        st.text("\n".join(lines))


def _section(key: str, frame: pd.DataFrame, columns: dict[str, str], empty: str) -> None:
    """A heading over a small table; a section with nothing yet is one line saying so."""
    if frame.empty:
        st.caption(tr(empty))
        return
    st.subheader(tr(key))
    st.dataframe(frame[list(columns)], hide_index=True, width="stretch",
                 column_config={c: tr(k) for c, k in columns.items()})


def show_motion(view: queries.MotionView) -> None:
    """The whole motion, read only."""
    st.caption(tr("motion.detail.heading", number=view.number or tr("motion.list.no_number"),
                  state=state_label(view.state)))
    st.text(view.title)
    if view.overdue:
        st.warning(tr("motion.detail.overdue", deadline=_day(view.deadline)))
    _facts([("motion.detail.meeting", view.meeting), ("motion.detail.school", view.school),
            ("motion.detail.proposer", view.proposer),
            ("motion.detail.category", category_label(view.category)),
            ("motion.detail.submitted_on", _day(view.submitted_on)),
            ("motion.detail.registered_on", _day(view.registered_on)),
            ("motion.detail.department", view.lead_department or ""),
            ("motion.detail.deadline", _day(view.deadline)),
            ("motion.detail.extent", extent_label(view.extent)),
            ("motion.detail.rating", rating_label(view.rating)),
            ("motion.detail.progress", f"{view.progress}%" if view.progress else "")])
    for key, text in (("motion.field.reason", view.reason),
                      ("motion.field.suggestion", view.suggestion),
                      ("motion.detail.revision_note", view.revision_note),
                      ("motion.detail.decision_note", view.decision_note)):
        if text:
            st.caption(tr(key))
            st.text(text)
    if view.merged_into:
        st.caption(tr("motion.detail.merged_into"))
        st.text(motion_name(*view.merged_into))
    if view.merged_children:
        st.caption(tr("motion.detail.merged_children"))
        for number, title in view.merged_children:
            st.text(motion_name(number, title))

    events = pd.DataFrame(list(view.events))
    if not events.empty:
        events = events.assign(at=events["at"].map(date_time),
                               action=events["action"].map(action_label),
                               step=[f"{state_label(a)} → {state_label(b)}"
                                     if isinstance(a, str) else state_label(b) for a, b in zip(
                                         events["from_state"], events["to_state"], strict=True)],
                               note=events["note"].fillna(""))
    _section("motion.detail.timeline", events, {
        "at": "motion.detail.col.at", "actor_name": "motion.detail.col.who",
        "action": "motion.detail.col.action", "step": "motion.detail.col.step",
        "note": "motion.detail.col.note"}, "motion.detail.no_events")

    cosigners = pd.DataFrame(view.cosigners, columns=["name", "status"])
    cosigners["status"] = cosigners["status"].map(
        lambda s: tr(f"motion.detail.cosign.{s}"))
    _section("motion.detail.cosigners", cosigners, {
        "name": "motion.detail.col.name", "status": "motion.detail.col.status"},
        "motion.detail.no_cosigners")

    assignments = pd.DataFrame(list(view.assignments))
    if not assignments.empty:
        assignments = assignments.assign(
            role=assignments["role"].map(lambda r: tr(f"motion.detail.role.{r}")),
            status=assignments["status"].map(lambda s: tr(f"motion.detail.assignment.{s}")),
            assigned_on=assignments["assigned_on"].map(_day),
            deadline=assignments["deadline"].map(_day),
            return_reason=assignments["return_reason"].fillna(""),
            active=assignments["active"].map(lambda a: "" if a else tr("motion.detail.former")))
    _section("motion.detail.assignments", assignments, {
        "department": "motion.detail.col.department", "role": "motion.detail.col.role",
        "status": "motion.detail.col.status", "assigned_on": "motion.detail.col.assigned_on",
        "deadline": "motion.detail.col.deadline", "return_reason": "motion.detail.col.reason",
        "active": "motion.detail.col.active"}, "motion.detail.no_assignments")

    # Replies and ratings are prose: text blocks read better on a phone than table cells.
    if not view.replies:
        st.caption(tr("motion.detail.no_replies"))
    else:
        st.subheader(tr("motion.detail.replies"))
    for row in view.replies:
        with st.container(border=True):
            _facts([("motion.detail.col.written_on", _day(row.written_on)),
                    ("motion.detail.col.department", row.department),
                    ("motion.detail.col.extent", extent_label(row.extent)),
                    ("motion.detail.col.status", tr(f"motion.detail.reply.{row.status}"))])
            st.caption(tr("motion.detail.col.body"))
            st.text(row.body)
            _facts([("motion.detail.col.review_note", row.review_note or "")])
    if not view.ratings:
        st.caption(tr("motion.detail.no_ratings"))
        return
    st.subheader(tr("motion.detail.ratings"))
    for rated in view.ratings:
        _facts([("motion.detail.col.round", str(rated.round)),
                ("motion.detail.col.rated_on", _day(rated.rated_on)),
                ("motion.detail.col.rating", rating_label(rated.rating)),
                ("motion.detail.col.comment", rated.comment or "")])


def milestones(actor: Actor, view: queries.MotionView) -> None:
    """Progress steps; each evidence file is read from the database only when clicked."""
    if not view.milestones:
        st.caption(tr("motion.detail.no_milestones"))
        return
    st.subheader(tr("motion.detail.milestones"))

    def content(milestone_id: int) -> bytes:
        with db() as session:
            return queries.milestone_evidence(session, actor, milestone_id)[2]

    for step in view.milestones:
        st.text(tr("motion.detail.milestone_line", day=_day(step.happened_on),
                   progress=step.progress, note=step.note))
        if step.evidence_name:
            st.download_button(tr_text("motion.detail.evidence", name=step.evidence_name),
                               lambda mid=step.id: content(mid), on_click="ignore",
                               file_name=step.evidence_name, key=f"motion_evidence_{step.id}",
                               mime=step.evidence_type or "application/octet-stream")


# ------------------------------------------------------------------------------ actions

def action_forms(actor: Actor, view: queries.MotionView, changed: Callable[[], None]) -> None:
    """One small form per step this reader may take now, in the order of the lifecycle;
    `changed` clears the caches a step makes stale."""
    actions = list(view.actions)
    if not actions:
        return
    st.subheader(tr("motion.detail.actions"))
    prefix = f"m{view.id}"

    def run(action: str, call: Callable[..., Any], **kwargs: Any) -> None:
        act(f"motion.done.{action}", call, actor, motion_id=view.id, changed=changed, **kwargs)

    def button(action: str, *, primary: bool = False) -> bool:
        return st.button(tr(f"motion.do.{action}"), key=f"{prefix}_{action}", width="stretch",
                         type="primary" if primary else "secondary")

    def text_step(action: str, call: Callable[..., Any], argument: str,
                  field: str | None) -> None:
        """A step with one written text: a reason the service requires (its field's label),
        or an optional note."""
        with st.form(f"{prefix}_{action}_form", border=True):
            st.caption(tr(f"motion.do.{action}"))
            text = st.text_area(tr(field or "motion.input.optional_note"),
                                max_chars=motions.MAX_NOTE, key=f"{prefix}_{action}_{argument}")
            if st.form_submit_button(tr(f"motion.do.{action}"), width="stretch"):
                run(action, call, **{argument: text if field else (text.strip() or None)})

    if "edit_draft" in actions:
        with st.expander(tr("motion.do.edit_draft")):
            title, reason, suggestion, category = draft_fields(f"{prefix}_edit", view)
            similar_table(actor, view.school_id, f"{title}\n{reason}", exclude_id=view.id)
            if button("edit_draft"):
                run("edit_draft", motions.edit_draft, title=title, reason=reason,
                    suggestion=suggestion, category=category)
    if "ask_cosigners" in actions:
        people = cosigner_choices(actor, view)
        with st.form(f"{prefix}_ask_form"):
            st.caption(tr("motion.detail.ask_help", n=view.min_cosigners))
            chosen = st.multiselect(tr("motion.input.cosigners"), options=list(people),
                                    format_func=people.__getitem__, key=f"{prefix}_ask_people",
                                    placeholder=tr("motion.input.cosigners_hint"))
            if st.form_submit_button(tr("motion.do.ask_cosigners"), width="stretch"):
                run("ask_cosigners", motions.ask_cosigners, staff_ids=chosen)
    if "submit" in actions and button("submit", primary=True):
        run("submit", motions.submit)
    if "cosign" in actions and button("cosign", primary=True):
        run("cosign", motions.cosign)
    if "decline_cosign" in actions and button("decline_cosign"):
        run("decline_cosign", motions.decline_cosign)

    # The proposal committee's review of a submitted motion.
    if "register" in actions and button("register", primary=True):
        run("register", motions.register)
    if "merge" in actions:
        with db() as session:
            leads, _total = queries.list_motions(
                session, actor, filters=queries.MotionFilter(meeting_id=view.meeting_id),
                page_size=500)
        leads = leads[(leads["id"] != view.id) & leads["number"].notna()]
        names = {int(r.id): motion_name(r.number, r.title) for r in leads.itertuples()}
        with st.form(f"{prefix}_merge_form"):
            st.caption(tr("motion.do.merge"))
            lead = st.selectbox(tr("motion.input.lead"), options=list(names), index=None,
                                format_func=names.__getitem__, key=f"{prefix}_merge_lead",
                                placeholder=tr("motion.input.lead_hint"))
            note = st.text_input(tr("motion.input.optional_note"), key=f"{prefix}_merge_note",
                                 max_chars=motions.MAX_NOTE)
            if st.form_submit_button(tr("motion.do.merge"), width="stretch"):
                run("merge", motions.merge, lead_id=lead, note=note.strip() or None)
    for action, call, argument, field in (
            ("reject", motions.reject, "reason", "motion.field.reject_reason"),
            ("return_for_revision", motions.return_for_revision, "note",
             "motion.field.revision_note"),
            ("to_suggestion", motions.to_suggestion, "note", None)):
        if action in actions:
            text_step(action, call, argument, field)

    if "assign" in actions:
        assign_form(actor, view, run, prefix)

    # The lead department.
    if "accept" in actions and button("accept", primary=True):
        run("accept", motions.accept)
    if "request_return" in actions:
        text_step("request_return", motions.request_return, "reason", "motion.field.return_reason")
    if "reply" in actions:
        with st.form(f"{prefix}_reply_form"):
            st.caption(tr("motion.do.reply"))
            body = st.text_area(tr("motion.field.reply"), key=f"{prefix}_reply_body",
                                max_chars=motions.MAX_TEXT, height=200)
            extent = st.radio(tr("motion.field.extent"), options=REPLY_EXTENTS, index=None,
                              format_func=extent_label, key=f"{prefix}_reply_extent")
            if st.form_submit_button(tr("motion.do.reply"), type="primary", width="stretch"):
                run("reply", motions.reply, body=body, extent=extent)

    # The committee checks the reply; the proposer rates it.
    if "accept_reply" in actions and button("accept_reply", primary=True):
        run("accept_reply", motions.accept_reply)
    if "send_back" in actions:
        text_step("send_back", motions.send_back, "note", "motion.field.review_note")
    if "rate" in actions:
        with st.form(f"{prefix}_rate_form"):
            st.caption(tr("motion.do.rate"))
            rating = st.radio(tr("motion.field.rating"), options=RATINGS, index=None,
                              format_func=rating_label, key=f"{prefix}_rate_rating")
            comment = st.text_area(tr("motion.field.comment"), key=f"{prefix}_rate_comment",
                                   max_chars=motions.MAX_NOTE)
            if st.form_submit_button(tr("motion.do.rate"), type="primary", width="stretch"):
                run("rate", motions.rate, rating=rating, comment=comment.strip() or None)
    if "reopen" in actions:
        text_step("reopen", motions.reopen, "note", None)
    if "implement" in actions and button("implement", primary=True):
        run("implement", motions.implement)

    # Implementation: progress with evidence, then its outcome.
    if "record_progress" in actions:
        progress_form(view, run, prefix)
    if "mark_done" in actions:
        text_step("mark_done", motions.mark_done, "note", None)
    if "defer" in actions:
        text_step("defer", motions.defer, "reason", "motion.field.defer_reason")
    if "close" in actions:
        text_step("close", motions.close, "note", None)
    if "withdraw" in actions:
        text_step("withdraw", motions.withdraw, "note", None)


def cosigner_choices(actor: Actor, view: queries.MotionView) -> dict[int, str]:
    """The term's delegates the proposer may still ask."""
    with db() as session:
        return motions.cosigner_choices(session, actor, motion_id=view.id)


def assign_form(actor: Actor, view: queries.MotionView, run: Callable[..., None],
                prefix: str) -> None:
    """交办: a lead department, co-departments and a deadline (default: the meeting's days)."""
    with db() as session:
        departments = department_choices(session, actor, school_id=view.school_id)
    with st.form(f"{prefix}_assign_form"):
        st.caption(tr("motion.do.assign"))
        lead = st.selectbox(tr("motion.input.lead_department"), options=list(departments),
                            index=None, format_func=departments.__getitem__,
                            key=f"{prefix}_assign_lead",
                            placeholder=tr("motion.input.department_hint"))
        co = st.multiselect(tr("motion.input.co_departments"), options=list(departments),
                            format_func=departments.__getitem__, key=f"{prefix}_assign_co")
        deadline = st.date_input(
            tr("motion.field.deadline"), format="YYYY-MM-DD", key=f"{prefix}_assign_deadline",
            value=local_today() + dt.timedelta(days=view.reply_days),
            help=tr("motion.input.deadline_help", days=view.reply_days))
        if st.form_submit_button(tr("motion.do.assign"), type="primary", width="stretch"):
            run("assign", motions.assign, lead_department_id=lead,
                co_department_ids=tuple(d for d in co if d != lead), deadline=deadline)


def progress_form(view: queries.MotionView, run: Callable[..., None], prefix: str) -> None:
    """A milestone: progress %, what was done, on which day, and an optional evidence file."""
    with st.form(f"{prefix}_progress_form", clear_on_submit=False):
        st.caption(tr("motion.do.record_progress"))
        progress = st.slider(tr("motion.field.progress"), min_value=0, max_value=100,
                             value=int(view.progress), step=5, key=f"{prefix}_progress_value")
        note = st.text_area(tr("motion.field.progress_note"), key=f"{prefix}_progress_note",
                            max_chars=motions.MAX_NOTE)
        happened_on = st.date_input(tr("motion.field.happened_on"), value=local_today(),
                                    max_value=local_today(), format="YYYY-MM-DD",
                                    key=f"{prefix}_progress_day")
        upload = st.file_uploader(tr("motion.input.evidence"), key=f"{prefix}_progress_file",
                                  type=[suffix[1:] for suffix in motions.EVIDENCE_TYPES])
        if st.form_submit_button(tr("motion.do.record_progress"), type="primary",
                                 width="stretch"):
            evidence = None if upload is None else (
                upload.name, upload.type or "application/octet-stream", upload.getvalue())
            run("record_progress", motions.record_progress, progress=progress, note=note,
                happened_on=happened_on, evidence=evidence)
