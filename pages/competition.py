"""竞赛评分与结果 — one competition: scores by form or Excel, confirmation by a second person,
公示 and closing, the results with their reasons, and certificates."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
from decimal import Decimal

import pandas as pd
import streamlit as st

from services import competition_files as files
from services import competitions as comps
from services.clock import local_today
from services.errors import DomainError
from ui import cached
from ui.competition_view import award_names, leaderboard, rules
from ui.guard import require_login
from ui.runtime import db, label, show_error, tr, tr_text
from ui.widgets import act as run_action
from ui.widgets import show_done

OPEN_KEY = "competition_id"

actor = require_login("competition")
st.title(tr("comp.detail_title"))
show_done()

with db() as session:
    listing = comps.list_competitions(session, actor)
if listing.empty:
    st.info(tr("comp.none"))
    st.stop()
names = dict(zip(listing["id"].astype(int), listing["year"].astype(str) + " " + listing["name"],
                 strict=True))
if st.session_state.get(OPEN_KEY) not in names:
    st.session_state[OPEN_KEY] = next(iter(names))
competition_id = st.selectbox(tr("comp.open"), options=list(names), key=OPEN_KEY,
                              format_func=names.__getitem__)

try:
    with db() as session:
        view = comps.competition(session, actor, competition_id)
    outcome = cached.competition_results(actor, competition_id, view.sheet_version, view.state)
except DomainError as error:
    show_error(error)
    st.stop()

st.caption(tr_text("comp.summary", level=label(f"comp.level.{view.level}", view.level),
                   kind=view.kind, organiser=view.organiser,
                   state=label(f"comp.state.{view.state}", view.state),
                   version=view.sheet_version or "—"))


def act(done: str, call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    run_action(done, call, actor, competition_id, *args, changed=cached.competitions_changed,
               **kwargs)


tab_names = ["comp.tab.results"] + (["comp.tab.scores", "comp.tab.excel", "comp.tab.flow",
                                      "comp.tab.panels"] if view.can_manage else [])
tabs = dict(zip(tab_names, st.tabs([tr(n) for n in tab_names]), strict=True))

with tabs["comp.tab.results"]:
    rules(view)
    leaderboard(view, outcome)
    if any(g.results for g in outcome.groups):
        # Files are made when their button is clicked, not on every rerun.
        st.download_button(tr("comp.export_results"),
                           lambda: files.results_workbook(view, outcome), on_click="ignore",
                           file_name=f"results-{competition_id}.xlsx")
        awards = award_names(view)
        winners = [r for g in outcome.groups for r in g.results if r.award]
        if winners and view.state in ("published", "closed"):
            day = view.held_on or local_today()

            def certificate(r) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
                person, prize = outcome.names[r.entrant_id], awards[r.award]
                return (f"{person}-{prize}.pdf",
                        files.certificate_pdf(name=person, competition=view.name, award=prize,
                                              day=day, issuer=view.organiser))

            st.download_button(tr("comp.certificates_zip", n=len(winners)),
                               lambda: files.certificates_zip([certificate(r) for r in winners]),
                               on_click="ignore", file_name=f"certificates-{competition_id}.zip")
            picked = st.selectbox(tr("comp.one_certificate"), options=range(len(winners)),
                                  format_func=lambda i: tr(
                                      "comp.certificate_of", person=outcome.names[
                                          winners[i].entrant_id], award=awards[winners[i].award]))
            st.download_button(tr("comp.download_certificate"),
                               lambda: certificate(winners[picked])[1], on_click="ignore",
                               file_name=f"certificate-{winners[picked].entrant_id}.pdf",
                               mime="application/pdf")

if not view.can_manage:
    st.stop()

with tabs["comp.tab.scores"]:
    segments = {s.id: s for s in view.segments}
    c1, c2 = st.columns(2)
    judge_id = c1.selectbox(tr("comp.judge"), options=list(view.judges),
                            format_func=view.judges.__getitem__)
    segment_id = c2.selectbox(tr("comp.segment"), options=list(segments),
                              format_func=lambda s: tr("comp.segment_max", name=segments[s].name,
                                                       max=f"{segments[s].max_score:g}"))
    with db() as session:
        current = {row.entrant_id: float(row.score)
                   for row in comps.current_scores(session, actor, competition_id)
                   if row.judge_id == judge_id and row.segment_id == segment_id}
    maximum = float(segments[segment_id].max_score)
    with st.form(f"scores_{judge_id}_{segment_id}"):
        typed = {entrant_id: st.number_input(
            person, min_value=0.0, max_value=maximum, value=current.get(entrant_id),
            step=0.5, format="%.2f", key=f"score_{judge_id}_{segment_id}_{entrant_id}")
            for entrant_id, person in view.entrants.items()}
        if st.form_submit_button(tr("comp.save_scores"), type="primary"):
            act("comp.scores_saved", comps.enter_scores, judge_id=judge_id,
                segment_id=segment_id, scores={entrant_id: Decimal(str(round(value, 2)))
                                               for entrant_id, value in typed.items()
                                               if value is not None})

with tabs["comp.tab.excel"]:
    st.download_button(tr("comp.template"), lambda: files.score_template(view),
                       on_click="ignore", file_name=f"score-sheet-{competition_id}.xlsx")
    upload = st.file_uploader(tr("comp.upload"), type=["xlsx"])
    if upload is not None and st.button(tr("comp.import")):
        data = upload.getvalue()
        try:   # a file that is no score sheet (or a zip bomb) is refused with a message
            problems = files.sheet_problems(data, view)
        except DomainError as error:
            show_error(error)
        else:
            if problems:
                st.error(tr("comp.import_refused", n=len(problems)))
                st.dataframe(pd.DataFrame([tr(key, **params) for _row, key, params in problems],
                                          columns=[tr("comp.col.problem")]), hide_index=True)
            else:
                act("comp.imported", comps.replace_sheet, files.read_score_sheet(data, view))

with tabs["comp.tab.flow"]:
    st.caption(tr_text("comp.sheet_by", entered=view.sheet_entered_by or "—",
                       confirmed=view.sheet_confirmed_by or "—"))
    if view.state == "draft" and st.button(tr("comp.confirm"), disabled=not view.can_confirm,
                                           help=tr("comp.confirm_help")):
        act("comp.confirmed", comps.confirm_sheet)
    if view.state == "confirmed" and st.button(tr("comp.publish")):
        act("comp.published", comps.publish)
    if view.state == "published":
        if st.button(tr("comp.close")):
            act("comp.closed", comps.close)
        reason = st.text_input(tr("comp.reopen_reason"))
        if st.button(tr("comp.reopen")):
            act("comp.reopened", comps.reopen, reason=reason)
    st.dataframe(pd.DataFrame(view.history, columns=[
        tr("comp.col.at"), tr("comp.col.who"), tr("comp.col.from"), tr("comp.col.to"),
        tr("comp.col.reason")]).replace({None: ""}).assign(**{
            tr("comp.col.from"): lambda f: f[tr("comp.col.from")].map(
                lambda v: label(f"comp.state.{v}", v) if v else ""),
            tr("comp.col.to"): lambda f: f[tr("comp.col.to")].map(
                lambda v: label(f"comp.state.{v}", v))}), hide_index=True, width="stretch")

with tabs["comp.tab.panels"]:
    panels = outcome.panels
    st.caption(tr("comp.panels_help"))
    if not panels.wide_panels and not panels.far_from_median:
        st.success(tr("comp.panels_fine"))
    for entrant_id, segment_id in panels.wide_panels:
        st.warning(tr_text("comp.panel_wide", person=outcome.names[entrant_id],
                           segment={s.id: s.name for s in view.segments}[segment_id]))
    for judge, count in panels.far_from_median.items():
        st.warning(tr_text("comp.judge_far", judge=view.judges.get(judge, ""), n=count))
