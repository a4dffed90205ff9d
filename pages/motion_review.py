"""提案审查 — the proposal committee's desk for one meeting: screen submitted motions (with the
school's similar motions beside them), assign departments, check their replies, move rated
motions on, and the whole register with its exports and the bulk progress import."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
from collections.abc import Callable

import pandas as pd
import streamlit as st

from services import motion_files as files
from services import motion_queries as queries
from services.errors import DomainError
from services.org import department_choices, school_choices
from ui import motion_board as board
from ui import motion_register, motion_view
from ui.guard import require_login
from ui.runtime import db, lang, show_error, tr
from ui.widgets import show_done

TABS = ("review", "assign", "replies", "follow_up", "all")

actor = require_login("motion_review")
st.title(tr("motion.review.title"))
show_done()

chair_schools = sorted(actor.school_ids("school_chair"))
with db() as session:
    school_names = school_choices(session, actor)
meetings: dict[int, str] = {}
school_of: dict[int, int] = {}
for school_id in chair_schools:
    for mid, text in board.meeting_choices(actor, school_id).items():
        meetings[mid] = text if len(chair_schools) == 1 else f"{school_names[school_id]} · {text}"
        school_of[mid] = school_id
if not meetings:
    st.info(tr("motion.review.no_meetings"))
    st.stop()
meeting_id = st.selectbox(tr("motion.review.meeting"), options=list(meetings),
                          format_func=meetings.__getitem__, key="review_meeting")
school_id = school_of[meeting_id]
try:
    with db() as session:   # not cached: a step taken here must leave the queue at once
        queue = queries.review_queue(session, actor, meeting_id=meeting_id)
        departments = department_choices(session, actor, school_id=school_id)
except DomainError as error:
    show_error(error)
    st.stop()


def motion_text(view: queries.MotionView) -> None:
    """What the delegate wrote, and who, as plain text."""
    st.text(tr("motion.review.by", proposer=view.proposer,
               category=motion_view.category_label(view.category) or "—",
               signed=sum(status == "signed" for _name, status in view.cosigners)))
    for key, text in (("motion.field.title", view.title), ("motion.field.reason", view.reason),
                      ("motion.field.suggestion", view.suggestion)):
        st.caption(tr(key))
        st.text(text)


def latest_reply(view: queries.MotionView) -> None:
    if view.replies:
        reply = view.replies[-1]
        st.text(tr("motion.review.reply_of", department=reply.department,
                   day=reply.written_on.isoformat(),
                   extent=motion_view.extent_label(reply.extent)))
        st.text(reply.body)


def return_reason(view: queries.MotionView) -> None:
    for row in view.assignments:
        if row.active and row.status == "return_requested":
            st.text(tr("motion.review.return_asked", department=row.department))
            st.text(row.return_reason or "")


def work(tasks: tuple[str, ...], key: str,
         extra: Callable[[queries.MotionView], None] | None = None) -> None:
    """The queue's motions of these tasks; the chosen one with the steps open to the chair."""
    waiting = queue[queue["task"].isin(tasks)]
    if waiting.empty:
        st.caption(tr("motion.review.nothing_here"))
        return
    names = {int(r.id): motion_view.motion_name(r.number, r.title) for r in waiting.itertuples()}
    board.forget_gone(key, list(names))
    motion_id = st.selectbox(tr("motion.review.pick"), options=list(names),
                             format_func=names.__getitem__, key=key)
    with db() as session:
        view = queries.motion_view(session, actor, motion_id, lang=lang())
    motion_text(view)
    if extra is not None:
        extra(view)
    motion_view.action_forms(actor, view, board.motions_changed)


def similar(view: queries.MotionView) -> None:
    motion_view.similar_table(actor, view.school_id, f"{view.title}\n{view.reason}",
                              exclude_id=view.id)


def register_tab() -> None:
    """The whole register of the meeting, filtered, with its files and the progress import."""
    motion_register.register(actor, key="review", departments=departments,
                             meeting_id=meeting_id)

    def made(make: Callable[..., bytes], **kwargs: object) -> Callable[[], bytes]:
        """A file made when its button is clicked, not on every rerun."""
        def build() -> bytes:
            with db() as session:
                return make(session, actor, lang=lang(), **kwargs)
        return build

    st.subheader(tr("motion.review.files"))
    middle, right = st.columns(2)
    middle.download_button(tr("motion.review.download_report"),
                           made(files.handling_report_pdf, meeting_id=meeting_id),
                           on_click="ignore", file_name=f"motion-report-{meeting_id}.pdf",
                           mime="application/pdf")
    right.download_button(tr("motion.review.download_template"),
                          made(files.progress_template_xlsx, meeting_id=meeting_id),
                          on_click="ignore", file_name=f"motion-progress-{meeting_id}.xlsx")
    st.caption(tr("motion.review.import_help"))
    upload = st.file_uploader(tr("motion.review.upload_progress"), type=["xlsx"])
    if upload is not None and st.button(tr("motion.review.import_progress")):
        try:
            with st.spinner(tr("motion.review.importing")), db() as session:
                outcome = files.import_progress(session, actor, meeting_id=meeting_id,
                                                data=upload.getvalue())
        except files.ProgressImportError as error:   # every bad row, as plain text
            st.error(tr("motion.review.import_refused", n=error.params["count"]))
            st.dataframe(pd.DataFrame({
                tr("motion.review.col.row"): [p.row for p in error.problems],
                tr("motion.review.col.problem"): [p.message(lang()) for p in error.problems]}),
                hide_index=True, width="stretch")
        except DomainError as error:
            show_error(error)
        else:
            board.motions_changed()
            st.success(tr("motion.review.imported", n=outcome.count))



counts = queue["task"].value_counts()
st.caption(tr("motion.review.counts", review=int(counts.get("review", 0)),
              assign=int(counts.get("assign", 0) + counts.get("reassign", 0)),
              replies=int(counts.get("check_reply", 0)),
              follow_up=int(counts.get("follow_up", 0))))
# Only the open tab runs: each motion shown costs a few queries.
tabs = st.tabs([tr(f"motion.review.tab.{name}") for name in TABS], key="review_tab",
               on_change="rerun")
if tabs[0].open:
    with tabs[0]:
        work(("review",), "review_pick", similar)
if tabs[1].open:
    with tabs[1]:
        st.caption(tr("motion.review.assign_help"))
        work(("assign", "reassign"), "assign_pick", return_reason)
if tabs[2].open:
    with tabs[2]:
        work(("check_reply",), "reply_pick", latest_reply)
if tabs[3].open:
    with tabs[3]:
        work(("follow_up",), "follow_pick", latest_reply)
if tabs[4].open:
    with tabs[4]:
        register_tab()
