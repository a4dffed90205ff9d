"""How a competition's results are shown: a leaderboard per subject group with awards, and in
words which rule decided each tie and each award boundary."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.competitions import CompetitionResults, CompetitionView
from ui.runtime import tr, tr_text


def award_names(view: CompetitionView) -> dict[int, str]:
    return {rank: tier.name for rank, tier in enumerate(view.tiers, start=1)}


def leaderboard(view: CompetitionView, results: CompetitionResults) -> None:
    awards = award_names(view)
    segment_names = {s.id: s.name for s in view.segments}
    for group in results.groups:
        st.subheader(tr_text("comp.group_heading", group=group.group, n=len(group.results)))
        if not group.results:
            st.caption(tr("comp.no_scores_yet"))
            continue
        rows = []
        for r in group.results:
            row = {"rank": r.rank, "name": results.names[r.entrant_id],
                   "school": results.schools[r.entrant_id]}
            row.update({segment_names[sid]: f"{r.shown_segment(sid):.2f}"
                        for sid in segment_names})
            row["final"] = f"{r.final:.2f}"
            row["award"] = awards.get(r.award, "") if r.award else ""
            row["note"] = " ".join(
                ([tr("comp.note.promoted")] if r.promoted else [])
                + ([tr("comp.note.few_judges")] if r.flagged else []))
            rows.append(row)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
            "rank": tr("comp.col.rank"), "name": tr("comp.col.person"),
            "school": tr("comp.col.school"), "final": tr("comp.col.final"),
            "award": tr("comp.col.award"), "note": tr("comp.col.note")})
        for tie in group.ties:
            first, second = results.names[tie.first], results.names[tie.second]
            if tie.rule == "segment":
                st.caption(tr_text("comp.tie.segment", first=first, second=second,
                                   segment=tie.segment or ""))
            else:
                st.caption(tr_text(f"comp.tie.{tie.rule}", first=first, second=second))
        for note in group.boundaries:
            st.caption(tr_text("comp.boundary", tier=note.name, cutoff=note.cutoff,
                               places=note.places, given=note.given))
            if note.promoted:
                st.caption(tr_text("comp.boundary.promoted", tier=note.name, n=note.promoted))
            if note.below_min:
                st.caption(tr_text("comp.boundary.below_min", tier=note.name, n=note.below_min))


def rules(view: CompetitionView) -> None:
    """The rule set, shown with the results."""
    segments = "、".join(tr_text("comp.rule.segment", name=s.name, max=f"{s.max_score:g}",
                                weight=f"{s.weight:g}") for s in view.segments)
    st.caption(tr("comp.rule.scoring", segments=segments))
    st.caption(tr("comp.rule.ties"))
    st.caption(tr(f"comp.rule.rounding.{view.rounding}"))
