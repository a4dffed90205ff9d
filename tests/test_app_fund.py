"""The relief fund's pages through AppTest: the overview, the cash journal, income (form,
import, direct expense) and the public notice, under each role that may open them.

Tests that only read share one demo database with a few known postings (`ledger`); tests that
post get a demo database of their own (`url`)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import streamlit as st
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from bench.harness import app_on_page, routed
from db.engine import make_engine, make_sessionmaker
from db.fund import FundEntry, ReliefApplication
from db.models import School, Staff
from services import fund, fund_import, relief
from services.access import PAGES_BY_KEY
from services.auth import load_actor
from services.clock import local_today
from services.errors import DomainError
from services.formatting import money
from services.i18n import t
from tests.conftest import load_demo_into

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COOKIE_KEY = "app-test-signing-key-not-for-production"
_engines: dict[str, Engine] = {}


def session_of(url: str):
    if url not in _engines:
        _engines[url] = make_engine(url)
    return make_sessionmaker(_engines[url])()


def forget(url: str) -> None:
    if (engine := _engines.pop(url, None)) is not None:
        engine.dispose()


@pytest.fixture
def url(databases, monkeypatch) -> Iterator[str]:
    """A demo database of this test's own, for a test that posts."""
    url = load_demo_into(databases.new_url())
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", COOKIE_KEY)
    st.cache_data.clear()   # the caches are per process and keyed by the actor, not the database
    with routed():
        yield url
    forget(url)


@dataclass(frozen=True)
class Ledger:
    """The shared database and what was posted to it, over whatever the demo holds."""

    url: str
    school_id: int
    school: str            # the chair's school
    account: int           # its sub-account
    before_all: int        # the whole fund's balance before the postings below
    before_district: int
    before_school: int
    income: fund.Posted    # ¥1,000.00 to the school, today
    expense: fund.Posted   # ¥250.50 from the school, today
    recipient: str         # the full name of the staff member paid ¥3,000.00 relief today


@pytest.fixture(scope="module")
def shared(databases) -> Iterator[Ledger]:
    url = load_demo_into(databases.new_url())
    school_id, school, account = first_school(url)
    with session_of(url) as s:
        before = (fund.balance_fen(s), fund.balance_fen(s, fund.account_id_for(s, None)),
                  fund.balance_fen(s, account))
    post(url, school_id=None, kind="income", amount="20,700.00", counterparty="测试拨款单位甲")
    income = post(url, school_id=school_id, kind="income", amount="1,000.00",
                  counterparty="区教育局")
    expense = post(url, school_id=school_id, kind="expense", amount="250.50",
                   counterparty="送温暖慰问")
    yield Ledger(url, school_id, school, account, *before, income, expense, pay_relief(url))
    forget(url)


@pytest.fixture
def ledger(shared, monkeypatch) -> Iterator[Ledger]:
    monkeypatch.setenv("UNION_DATABASE_URL", shared.url)
    monkeypatch.setenv("UNION_COOKIE_KEY", COOKIE_KEY)
    st.cache_data.clear()
    with routed():
        yield shared


def on_page(username: str, key: str, **state) -> AppTest:
    at = app_on_page(username, PAGES_BY_KEY[key].file, **state)
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label_key: str) -> None:
    next(b for b in at.button if b.label == t(label_key)).click()
    at.run()
    assert not at.exception, at.exception


def widget(widgets, label_key: str):
    return next(w for w in widgets if w.label == t(label_key))


def fen_of(text: str) -> int:
    """"-¥1,234.56" back to -123456."""
    sign = -1 if text.startswith("-") else 1
    return sign * int(text.lstrip("-¥").replace(",", "").replace(".", ""))


def entry_count(url: str) -> int:
    with session_of(url) as s:
        return int(s.scalar(select(func.count()).select_from(FundEntry)))


def first_school(url: str) -> tuple[int, str, int]:
    """The chair's school (the demo's first): id, name, and its fund sub-account."""
    with session_of(url) as s:
        chair = load_actor(s, "chair")
        school_id = next(iter(chair.school_ids("school_chair")))
        name = s.scalar(select(School.name).where(School.id == school_id))
        account = fund.account_id_for(s, school_id)
        s.commit()
    return school_id, name, account


def account_label(url: str, account: int) -> str:
    """How the pages' account pickers and tiles name an account: "MH01 明湖区实验小学"."""
    with session_of(url) as s:
        return fund.account_choices(s, load_actor(s, "district"))[account]


def income_in(url: str, year: int) -> int:
    with session_of(url) as s:
        return int(s.scalar(select(func.coalesce(func.sum(FundEntry.amount_fen), 0)).where(
            FundEntry.kind == "income",
            FundEntry.entry_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))))


def post(url: str, *, school_id: int | None, kind: str, amount: str, counterparty: str = "",
         day: dt.date | None = None) -> fund.Posted:
    """A posting by the district admin through the service, committed."""
    with session_of(url) as s:
        category = fund.categories(s, kind)[0].id
        posted = fund.post_entry(s, load_actor(s, "district"), account_id=fund.account_id_for(
            s, school_id), kind=kind, category_id=category, amount=amount,
            entry_date=day or local_today(), counterparty=counterparty)
        s.commit()
    return posted


def pay_relief(url: str) -> str:
    """One relief application for ¥3,000.00 filed by `delegate`, approved by `chair` and
    `district`, and paid from the district fund today: the recipient's full name."""
    school_id, _name, _account = first_school(url)
    with session_of(url) as s:
        delegate, chair, district = (load_actor(s, u) for u in ("delegate", "chair", "district"))
        recipients = relief.recipient_choices(s, delegate, school_id)
        names = dict(s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(recipients))).all())
        helped = set(s.scalars(select(ReliefApplication.staff_id).where(
            ReliefApplication.year == local_today().year)))   # no cap in the way
        staff_id = next(sid for sid in recipients  # a three-character name, masked as 张*明
                        if sid not in (delegate.staff_id, chair.staff_id, *helped)
                        and len(names[sid]) == 3)
        category = fund.categories(s, "expense")[0].id
        app_id = relief.file_application(s, delegate, relief.ApplicationInput(
            school_id=school_id, staff_id=staff_id, category_id=category, amount="3,000",
            reason="住院治疗", medical_details="病情说明", id_number=""))
        relief.approve_at_school(s, chair, app_id)
        relief.approve_at_district(s, district, app_id)
        relief.pay(s, district, app_id, account_id=fund.account_id_for(s, None))
        s.commit()
    return names[staff_id]


# --- 基金总览 ----------------------------------------------------------------------------------

def test_the_district_sees_the_whole_fund_and_the_district_account(ledger):
    at = on_page("district", "fund")
    assert not at.error
    tiles = {m.label: m.value for m in at.metric}
    # 20,700.00 + 1,000.00 − 250.50 posted, 3,000.00 relief paid from the district fund.
    assert tiles[t("fund.overview.total")] == money(ledger.before_all + 1_844_950)
    assert tiles[t("fund.overview.balance_of", account=t("fund.district_account"))] == money(
        ledger.before_district + 1_770_000)
    year = local_today().year
    assert tiles[t("fund.overview.year_income", year=year)] == money(income_in(ledger.url, year))
    assert [d.label for d in at.download_button] == [
        t("fund.overview.download_reports", year=year), t("fund.overview.download_beancount")]
    schools = at.dataframe[0].value.set_index(t("fund.overview.col.account"))
    assert schools.loc[ledger.school, t("fund.overview.col.balance")] == money(
        ledger.before_school + 74_950)


def test_the_chair_sees_only_their_schools_sub_account(ledger):
    with session_of(ledger.url) as s:
        others = [n for (n,) in s.execute(select(School.name)
                                          .where(School.id != ledger.school_id))]
    at = on_page("chair", "fund")
    assert not at.error
    tiles = {m.label: m.value for m in at.metric}
    assert tiles[t("fund.overview.total")] == money(ledger.before_school + 74_950)
    assert tiles[t("fund.overview.balance_of", account=account_label(
        ledger.url, ledger.account))] == money(ledger.before_school + 74_950)
    assert t("fund.overview.balance_of", account=t("fund.district_account")) not in tiles
    assert not any(other in label for other in others for label in tiles)
    # No per-school table for a school: the yearly totals and its own recipients only.
    yearly, people = at.dataframe
    assert yearly.value.columns[0] == t("fund.overview.col.year")
    assert set(people.value[t("fund.col.school")]) <= {"明湖区实验小学"}
    assert len(people.value) > 0
    assert [d.label for d in at.download_button] == [
        t("fund.overview.download_reports", year=local_today().year)]


def test_the_auditor_reads_the_overview_and_may_download_the_ledger(ledger):
    at = on_page("auditor", "fund")
    assert not at.error
    assert {m.label: m.value for m in at.metric}[t("fund.overview.total")] == money(
        ledger.before_all + 1_844_950)
    assert t("fund.overview.download_beancount") in [d.label for d in at.download_button]


# --- 现金日记账 ----------------------------------------------------------------------------------

def journal_of(username: str, *, since: dt.date, **choices) -> AppTest:
    """The journal from `since` to today, with these filters picked."""
    at = on_page(username, "fund_journal")
    widget(at.date_input, "fund.journal.date_from").set_value(since)
    for label_key, value in choices.items():
        widget(at.selectbox, f"fund.journal.{label_key}").set_value(value)
    at.run()
    assert not at.exception and not at.error
    return at


def test_the_journal_shows_a_page_with_its_running_balance(ledger):
    today = local_today()
    at = journal_of("district", since=today, account=ledger.account)
    with session_of(ledger.url) as s:
        opening = fund.balance_fen(s, ledger.account, through=today - dt.timedelta(days=1))
    metrics = {m.label: m.value for m in at.metric}
    day_before = (today - dt.timedelta(days=1)).isoformat()
    assert metrics[t("fund.journal.opening", date=day_before)] == money(opening)
    assert metrics[t("fund.journal.closing", date=today.isoformat())] == money(
        ledger.before_school + 74_950)
    table = at.dataframe[0].value
    rows = table.set_index(t("fund.journal.col.voucher"))
    income, expense = ledger.income.voucher_no, ledger.expense.voucher_no
    assert rows.loc[income, t("fund.journal.col.income")] == "¥1,000.00"
    assert rows.loc[income, t("fund.journal.col.expense")] == ""
    assert rows.loc[expense, t("fund.journal.col.expense")] == "¥250.50"
    assert rows.loc[expense, t("fund.journal.col.account")] == ledger.school
    assert rows.loc[expense, t("fund.journal.col.counterparty")] == "送温暖慰问"
    # The balance after the expense is the one after the income, less 250.50.
    after_income = fen_of(rows.loc[income, t("fund.journal.col.balance")])
    assert rows.loc[expense, t("fund.journal.col.balance")] == money(after_income - 25_050)
    assert table[t("fund.journal.col.balance")].iloc[-1] == money(ledger.before_school + 74_950)


def test_a_kind_filter_makes_the_last_column_a_subtotal(ledger):
    today = local_today()
    at = journal_of("auditor", since=today, kind_filter="income")
    assert t("fund.journal.subtotal_note") in [c.value for c in at.caption]
    table = at.dataframe[0].value
    assert list(table.columns)[-1] == t("fund.journal.col.subtotal")
    assert t("fund.journal.col.balance") not in table.columns
    with session_of(ledger.url) as s:
        today_income = int(s.scalar(select(func.sum(FundEntry.amount_fen)).where(
            FundEntry.kind == "income", FundEntry.entry_date == today)))
    assert today_income >= 2_170_000   # what this module posted today, at least
    assert table[t("fund.journal.col.subtotal")].iloc[-1] == money(today_income)
    assert {m.label: m.value for m in at.metric} == {
        t("fund.journal.filtered_total", date=today.isoformat()): money(today_income)}
    assert t("fund.journal.reverse") not in [b.label for b in at.button]


def test_the_chair_reads_only_their_schools_journal(ledger):
    at = on_page("chair", "fund_journal")
    assert widget(at.selectbox, "fund.journal.account").options == [
        t("fund.journal.any"), account_label(ledger.url, ledger.account)]
    at = journal_of("chair", since=local_today())
    table = at.dataframe[0].value
    assert set(table[t("fund.journal.col.account")]) == {ledger.school}
    assert {ledger.income.voucher_no, ledger.expense.voucher_no} <= set(
        table[t("fund.journal.col.voucher")])
    assert "测试拨款单位甲" not in set(table[t("fund.journal.col.counterparty")])
    assert t("fund.journal.reverse") not in [b.label for b in at.button]


def test_the_district_reverses_an_entry_once_with_a_reason(url):
    posted = post(url, school_id=None, kind="income", amount="66.60", counterparty="误记捐款")
    at = on_page("district", "fund_journal")
    widget(at.date_input, "fund.journal.date_from").set_value(local_today())
    at.run()
    widget(at.selectbox, "fund.journal.reverse_entry").set_value(posted.id)
    click(at, "fund.journal.reverse")       # no reason: refused, nothing written
    assert [e.value for e in at.error] == [DomainError(
        "fund.error.text_required", field_key="fund.field.reversal_reason").message()]
    with session_of(url) as s:
        assert s.scalar(select(func.count()).select_from(FundEntry)
                        .where(FundEntry.reverses_id == posted.id)) == 0
    widget(at.selectbox, "fund.journal.reverse_entry").set_value(posted.id)
    widget(at.text_input, "fund.journal.reverse_reason").input("重复登记")
    click(at, "fund.journal.reverse")
    assert t("fund.journal.reversed") in [s.value for s in at.success]
    with session_of(url) as s:
        reversal = s.scalars(select(FundEntry).where(FundEntry.reverses_id == posted.id)).all()
    assert [(r.amount_fen, r.memo) for r in reversal] == [(-6_660, "重复登记")]
    table = at.dataframe[0].value.set_index(t("fund.journal.col.voucher"))
    assert table.loc[posted.voucher_no, t("fund.journal.col.reversal")] == t(
        "fund.journal.reversed_by", voucher=reversal[0].voucher_no)
    assert table.loc[reversal[0].voucher_no, t("fund.journal.col.reversal")] == t(
        "fund.journal.reverses", voucher=posted.voucher_no)
    assert table.loc[reversal[0].voucher_no, t("fund.journal.col.income")] == "-¥66.60"


# --- 收入登记 ------------------------------------------------------------------------------------

def fill_income(at: AppTest, amount: str, payer: str = "教职工爱心捐款") -> None:
    widget(at.text_input, "fund.income.amount").input(amount)
    widget(at.text_input, "fund.income.payer").input(payer)


def test_income_by_form_posts_once_even_when_pressed_twice(url):
    before = entry_count(url)
    at = on_page("district", "fund_income", _fund_form_income="test-income-key")
    fill_income(at, "1,234.56")
    click(at, "fund.income.post")
    with session_of(url) as s:
        made = s.scalars(select(FundEntry).where(
            FundEntry.idempotency_key == "test-income-key")).all()
    assert [(e.kind, e.amount_fen, e.counterparty) for e in made] == [
        ("income", 123_456, "教职工爱心捐款")]
    assert [s.value for s in at.success] == [
        t("fund.income.posted", voucher=made[0].voucher_no, amount="¥1,234.56")]
    assert at.session_state["_fund_form_income"] != "test-income-key"   # a fresh form now
    # The second press of a double click: the same form, the same key.
    at.session_state["_fund_form_income"] = "test-income-key"
    at.run()
    fill_income(at, "1,234.56")
    click(at, "fund.income.post")
    assert entry_count(url) == before + 1
    assert [s.value for s in at.success] == [
        t("fund.income.posted", voucher=made[0].voucher_no, amount="¥1,234.56")]


def test_a_bad_amount_says_why_and_writes_nothing(url):
    before = entry_count(url)
    at = on_page("district", "fund_income")
    fill_income(at, "12.345")
    click(at, "fund.income.post")
    assert [e.value for e in at.error] == [
        DomainError("fund.error.amount_decimals", value="12.345").message()]
    assert entry_count(url) == before


def test_a_direct_expense_larger_than_the_balance_is_refused(url):
    _school, _name, account = first_school(url)
    with session_of(url) as s:
        balance = fund.balance_fen(s, account)
    before = entry_count(url)
    at = on_page("district", "fund_income")
    [_, expense_account] = [w for w in at.selectbox if w.label == t("fund.income.account")]
    expense_account.set_value(account)
    [_, amount] = [w for w in at.text_input if w.label == t("fund.income.amount")]
    amount.input(f"{(balance + 100) // 100}.{(balance + 100) % 100:02d}")
    widget(at.text_input, "fund.income.payee").input("某校退休教师慰问")
    click(at, "fund.income.post_expense")
    assert [e.value for e in at.error] == [DomainError(
        "fund.error.insufficient", balance=money(balance), amount=money(balance + 100)).message()]
    assert entry_count(url) == before


def test_a_direct_expense_within_the_balance_is_posted(url):
    post(url, school_id=None, kind="income", amount="5,000.00")
    at = on_page("district", "fund_income")
    [_, amount] = [w for w in at.text_input if w.label == t("fund.income.amount")]
    amount.input("1,500")
    widget(at.text_input, "fund.income.payee").input("离退休教职工慰问")
    click(at, "fund.income.post_expense")
    with session_of(url) as s:
        made = s.scalars(select(FundEntry)
                         .where(FundEntry.counterparty == "离退休教职工慰问")).all()
    assert [(e.kind, e.amount_fen) for e in made] == [("expense", 150_000)]
    assert [s.value for s in at.success] == [
        t("fund.income.expense_posted", voucher=made[0].voucher_no, amount="¥1,500.00")]


# --- 救助公示 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["district", "chair", "dept", "delegate", "auditor"])
def test_the_notice_shows_masked_names_only(ledger, username):
    name = ledger.recipient
    at = on_page(username, "relief_notice")
    assert not at.error
    assert t("fund.notice.privacy") in [c.value for c in at.caption]
    listing = at.dataframe[1].value
    masked = listing[listing[t("fund.notice.col.name")] == f"{name[0]}*{name[2]}"]
    assert "¥3,000.00" in set(masked[t("fund.notice.col.amount")])
    shown = "\n".join(str(v) for frame in (d.value for d in at.dataframe)
                      for v in frame.to_numpy().ravel())
    assert name not in shown and "住院治疗" not in shown and "病情说明" not in shown
    totals = at.dataframe[0].value
    assert int(totals[t("fund.notice.col.count")].sum()) == len(listing)
    assert sum(fen_of(v) for v in totals[t("fund.notice.col.amount")]) == sum(
        fen_of(v) for v in listing[t("fund.notice.col.amount")])


def test_the_notice_for_one_school_totals_that_schools_relief(ledger):
    at = on_page("delegate", "relief_notice")
    widget(at.selectbox, "fund.notice.school").set_value(ledger.school_id)
    at.run()
    assert not at.exception and not at.error
    listing = at.dataframe[1].value
    assert set(listing[t("fund.notice.col.school")]) == {ledger.school}
    name = ledger.recipient
    assert f"{name[0]}*{name[2]}" in set(listing[t("fund.notice.col.name")])
    totals = at.dataframe[0].value
    assert int(totals[t("fund.notice.col.count")].sum()) == len(listing)
    assert sum(fen_of(v) for v in totals[t("fund.notice.col.amount")]) == sum(
        fen_of(v) for v in listing[t("fund.notice.col.amount")])


def test_the_notice_of_a_year_without_relief_says_so(ledger):
    at = on_page("delegate", "relief_notice")
    widget(at.selectbox, "fund.notice.year").set_value(local_today().year - 9)
    at.run()
    assert [i.value for i in at.info] == [t("fund.notice.none", year=local_today().year - 9)]


# --- 批量导入捐款名单 ---------------------------------------------------------------------------

def donation_list(*rows: tuple) -> bytes:
    """The downloadable template with its example rows replaced by these."""
    book = load_workbook(io.BytesIO(fund_import.template_xlsx("zh")))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(at: AppTest, data: bytes) -> None:
    at.file_uploader[0].set_value(("捐款名单.xlsx", data, XLSX))
    at.run()
    click(at, "fund.income.import")


def test_a_donation_list_is_imported_whole(url):
    before = entry_count(url)
    day, district = local_today().isoformat(), t("fund.district_account")
    at = on_page("district", "fund_income")
    upload(at, donation_list((day, "王老师", "教职工个人捐款", "100.50", district, "爱心捐款"),
                             (day, "明湖书店", "单位赞助", 2000, district, "")))
    assert [s.value for s in at.success] == [
        t("fund.income.imported", n=2, total="¥2,100.50")]
    assert entry_count(url) == before + 2


def test_a_donation_list_with_a_bad_row_is_refused_with_reasons(url):
    before = entry_count(url)
    day, district = local_today().isoformat(), t("fund.district_account")
    at = on_page("district", "fund_income")
    upload(at, donation_list((day, "王老师", "教职工个人捐款", "100.50", district, ""),
                             (day, "李老师", "教职工个人捐款", "12.345", district, "")))
    assert [e.value for e in at.error] == [t("fund.income.import_refused", n=1)]
    problems = at.dataframe[0].value
    assert problems.to_dict("list") == {
        t("fund.income.col.row"): [3],
        t("fund.income.col.problem"): [
            DomainError("fund.error.amount_decimals", value="12.345").message()]}
    assert entry_count(url) == before

