"""荣誉与成绩 — the medal table per school, each teacher's record across years, and the
honours register (工人先锋号, 师德标兵, 五一劳动奖章 …)."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import altair as alt
import streamlit as st

from db.competitions import LEVELS
from services import competition_files as files
from services import competitions as comps
from services.clock import local_today
from services.errors import DomainError
from services.org import school_choices
from ui import cached
from ui.guard import require_login
from ui.runtime import db, label, show_error, tr

actor = require_login("honours")
st.title(tr("honours.title"))
manages = actor.has("district_admin", "school_chair")
this_year = local_today().year


def level_label(level: str) -> str:
    return label(f"comp.level.{level}", level)


medals_tab, record_tab, register_tab = st.tabs(
    [tr("honours.tab.medals"), tr("honours.tab.record"), tr("honours.tab.register")])

with medals_tab:
    year = st.selectbox(tr("comp.year"), options=[None, *range(this_year, this_year - 11, -1)],
                        format_func=lambda y: tr("comp.any_year") if y is None else str(y),
                        key="medal_year")
    medals = cached.medal_table(actor, year)
    by_year = cached.awards_by_school_year(actor)
    if medals.empty:
        st.info(tr("honours.no_medals"))
    else:
        st.dataframe(medals.rename(columns={"school": tr("comp.col.school"),
                                            "total": tr("honours.total")}),
                     hide_index=True, width="stretch")
    if not by_year.empty:
        top = by_year.groupby("school")["awards"].sum().nlargest(15).index
        st.altair_chart(alt.Chart(by_year[by_year["school"].isin(top)]).mark_bar().encode(
            x=alt.X("awards:Q", title=tr("honours.awards")),
            y=alt.Y("school:N", title=None, sort="-x"),
            color=alt.Color("year:O", title=tr("comp.col.year")),
            tooltip=["school", "year", "awards"]), width="stretch")

with record_tab:
    search = st.text_input(tr("honours.search_teacher"), disabled=not manages,
                           help=None if manages else tr("honours.own_record_only"))
    with db() as session:
        people = comps.find_teachers(session, actor, search)
    staff_id = st.selectbox(tr("honours.teacher"), options=list(people), index=None,
                            format_func=people.__getitem__,
                            placeholder=tr("honours.pick_teacher"))
    if staff_id is not None:
        with db() as session:
            record = comps.teacher_record(session, actor, staff_id)
        if record.empty:
            st.info(tr("honours.empty_record"))
        else:
            st.dataframe(record.assign(
                kind=record["kind"].map(lambda k: tr(f"honours.kind.{k}")),
                level=record["level"].map(level_label)), hide_index=True, width="stretch",
                column_config={"year": st.column_config.NumberColumn(tr("comp.col.year"),
                                                                     format="%d"),
                               "kind": tr("honours.col.kind"), "name": tr("honours.col.name"),
                               "level": tr("comp.col.level"),
                               "result": tr("honours.col.result"),
                               "issuer": tr("honours.col.issuer")})

with register_tab:
    # One year at a time: a large district records thousands of honours.
    honour_year = st.selectbox(tr("comp.year"), options=[this_year - n for n in range(11)],
                               key="honour_year")
    honours = cached.honours(actor, honour_year)
    with db() as session:
        kinds = comps.honour_kinds(session)
    st.dataframe(honours.drop(columns=["id"]).assign(level=honours["level"].map(level_label)),
                 hide_index=True, width="stretch", column_config={
                     "year": st.column_config.NumberColumn(tr("comp.col.year"), format="%d"),
                     "honour": tr("honours.col.honour"), "holder": tr("honours.col.holder"),
                     "school": tr("comp.col.school"), "level": tr("comp.col.level"),
                     "issuer": tr("honours.col.issuer")})
    if not honours.empty:
        st.download_button(tr("honours.export"), lambda: files.honours_workbook(honours),
                           on_click="ignore", file_name="honours.xlsx")
    if manages:
        st.subheader(tr("honours.new"))
        for_school = st.toggle(tr("honours.for_school"))
        with db() as session:
            holders = school_choices(session, actor) if for_school else \
                comps.find_teachers(session, actor, st.text_input(tr("honours.search_teacher"),
                                                                  key="honour_search"))
        with st.form("honour_form"):
            holder = st.selectbox(tr("honours.col.holder"), options=list(holders), index=None,
                                  format_func=holders.__getitem__)
            kind_id = st.selectbox(tr("honours.col.honour"), options=list(kinds),
                                   format_func=kinds.__getitem__)
            c1, c2 = st.columns(2)
            level = c1.selectbox(tr("comp.col.level"), options=LEVELS, index=1,
                                 format_func=level_label)
            year = c2.number_input(tr("comp.col.year"), min_value=1950,
                                   max_value=this_year + 1, value=this_year, step=1)
            issuer = st.text_input(tr("honours.col.issuer"), max_chars=100)
            if st.form_submit_button(tr("honours.record"), type="primary"):
                try:
                    if holder is None:
                        raise DomainError("honours.error.no_holder")
                    with db() as session:
                        comps.record_honour(session, actor, kind_id=kind_id,
                                            staff_id=None if for_school else holder,
                                            school_id=holder if for_school else None,
                                            level=level, year=int(year), issuer=issuer)
                    cached.competitions_changed()
                    st.success(tr("honours.recorded"))
                except DomainError as error:
                    show_error(error)
    if actor.has("district_admin"):
        with st.form("kind_form", clear_on_submit=True):
            name = st.text_input(tr("honours.new_kind"), max_chars=50)
            if st.form_submit_button(tr("honours.add_kind")):
                try:
                    with db() as session:
                        comps.add_honour_kind(session, actor, name)
                    st.rerun()
                except DomainError as error:
                    show_error(error)
