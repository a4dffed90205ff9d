"""年度工作汇总 — the district union's year in one PDF report and one Excel workbook: the
congress motions, the relief fund's annual statement, competitions and honours, and the
feedback statistics. The page shows the headline figures; the files hold the rest."""

import ui.warm  # noqa: F401  (before any other import: see ui/warm.py)

# isort: split
import datetime as dt

import streamlit as st

from services import year_pack as packs
from services.actor import Actor
from services.clock import local_today
from services.errors import DomainError
from services.formatting import money
from ui.cached import TTL_SECONDS
from ui.guard import require_login
from ui.runtime import db, lang, show_error, tr

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=100)
def year_pack(actor: Actor, year: int, language: str, today: dt.date) -> packs.YearPack:
    """A district-wide year costs about half a second: a rerun within a minute reuses it."""
    with db() as session:
        return packs.year_pack(session, actor, year=year, lang=language, today=today)


actor = require_login("year_pack")
st.title(tr("page.year_pack"))
st.caption(tr("year_pack.intro"))

try:
    with db() as session:
        years = packs.pack_years(session, actor)
    today = local_today()
    year = st.selectbox(tr("year_pack.year"), options=years, key="year_pack_year",
                        index=years.index(today.year) if today.year in years else 0)
    with st.spinner(tr("year_pack.preparing")):
        pack = year_pack(actor, year, lang(), today)
except DomainError as error:
    show_error(error)
    st.stop()

st.caption(tr("year_pack.prepared", date=pack.prepared_on.isoformat(),
              as_of=pack.as_of.isoformat()))


def tiles(title_key: str, items: list[tuple[str, int | str]]) -> None:
    st.subheader(tr(title_key))
    for column, (title, value) in zip(st.columns(4), items, strict=False):
        column.metric(title, value)


figures, ledger, contests = pack.motions.totals, pack.fund, pack.competitions
tiles("year_pack.summary.motions", [
    (tr("motion.kpi.col.submitted"), figures.submitted),
    (tr("motion.kpi.col.registered"), figures.registered),
    (tr("motion.kpi.col.done"), figures.done),
    (tr("year_pack.col.overdue"), pack.motions.overdue)])
tiles("year_pack.summary.fund", [
    (tr(f"year_pack.fund.{key}"), money(fen)) for key, fen in (
        ("opening", ledger.opening_fen), ("income", ledger.income_fen),
        ("relief", ledger.relief_fen), ("closing", ledger.closing_fen))])
for line in packs.reconciliation_lines(ledger, year, lang()):
    st.caption(line)
tiles("year_pack.summary.competitions", [
    (tr("year_pack.metric.competitions"), len(contests.competitions)),
    (tr("year_pack.metric.awards"), contests.awards),
    (tr("year_pack.metric.honours"), len(contests.honours))])
total = pack.feedback.stats.total
tiles("year_pack.summary.feedback", [
    (tr("year_pack.feedback.all"),
     tr("year_pack.hidden", n=pack.feedback.threshold) if total is None else total)])
st.caption(tr("year_pack.feedback.suppressed", n=pack.feedback.threshold))

st.subheader(tr("year_pack.downloads"))
language, name = lang(), tr("year_pack.file_name", year=year)
left, right = st.columns(2)
# Files are made when their button is clicked, not on every rerun.
left.download_button(tr("year_pack.download_pdf"),
                     lambda: packs.year_pack_pdf(pack, language), on_click="ignore",
                     file_name=f"{name}.pdf", mime="application/pdf")
right.download_button(tr("year_pack.download_xlsx"),
                      lambda: packs.year_pack_xlsx(pack, language), on_click="ignore",
                      file_name=f"{name}.xlsx", mime=XLSX)
