"""The relief screens through AppTest: a colleague files, the school reviews, the district
approves and pays; who sees what; reconciliation with the bank; the categories' caps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from bench.harness import app_on_page, routed
from db.engine import make_engine, make_sessionmaker
from db.fund import BankCheck, FundCategory, FundEntry, ReliefApplication, ReliefAttachment
from db.models import Account, School, Staff
from services import fund, relief
from services.access import PAGES_BY_KEY
from services.clock import local_today
from services.errors import DomainError
from services.i18n import t
from tests.conftest import actor_of, load_demo_into

INCOME_FEN = 20_000_000          # ¥200,000.00 into the district fund before each story
CATEGORY = "生活困难补助"         # capped at ¥6,000.00 and twice a year per person
ACTION_LABELS = {t(f"relief.case.{a}") for a in (
    "submit", "approve_school", "approve_district", "pay", "return", "reject", "cancel",
    "save_edit", "upload_button")}


def session_of(url: str):
    return make_sessionmaker(make_engine(url))()


def prepare(url: str) -> str:
    """Money in the district fund, so that payments can be made (whatever the demo holds)."""
    with session_of(url) as s:
        district = actor_of(s, "district")
        source = fund.categories(s, "income")[0].id
        fund.post_entry(s, district, account_id=fund.account_id_for(s, None), kind="income",
                        category_id=source, amount="200,000.00", entry_date=local_today(),
                        counterparty="区教育局", memo="test income")
        s.commit()
    return url


def colleague(s, username: str) -> int:
    """A staff member of the user's school (MH01), not the user, with no relief this year."""
    me = actor_of(s, username)
    school = s.scalar(select(School.id).where(School.code == "MH01"))
    taken = select(ReliefApplication.staff_id).where(
        ReliefApplication.year == local_today().year)
    found = s.scalar(select(Staff.id).where(Staff.school_id == school, Staff.id != me.staff_id,
                                            Staff.id.not_in(taken)).order_by(Staff.id.desc()))
    assert found is not None
    return found


def category_id(s) -> int:
    return s.scalar(select(FundCategory.id).where(FundCategory.kind == "expense",
                                                  FundCategory.name == CATEGORY))


def file_as(url: str, username: str, *, reason: str, medical: str = "") -> int:
    with session_of(url) as s:
        actor = actor_of(s, username)
        school = s.scalar(select(School.id).where(School.code == "MH01"))
        fund.ensure_lists(s)
        new_id = relief.file_application(s, actor, relief.ApplicationInput(
            school, colleague(s, username), category_id(s), "800", reason, medical))
        s.commit()
    return new_id


def state_of(url: str, application_id: int) -> ReliefApplication:
    with session_of(url) as s:
        app = s.get(ReliefApplication, application_id)
        s.expunge(app)
        return app


def account_id(url: str, username: str) -> int:
    with session_of(url) as s:
        return s.scalar(select(Account.id).where(Account.username == username))


def on_page(username: str, key: str, **state) -> AppTest:
    at = app_on_page(username, PAGES_BY_KEY[key].file, **state)
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label_key: str) -> AppTest:
    next(b for b in at.button if b.label == t(label_key)).click()
    at.run()
    assert not at.exception, at.exception
    return at


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


@pytest.fixture
def url(databases, monkeypatch) -> Iterator[str]:
    """A demo database of its own, with money in the district fund: for tests that write."""
    url = prepare(load_demo_into(databases.new_url()))
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    with routed():
        yield url


@pytest.fixture(scope="module")
def shared_db(databases) -> tuple[str, int]:
    """One database for the tests that only read: an application `chair` filed, with a reason
    that looks like HTML and medical details."""
    url = prepare(load_demo_into(databases.new_url()))
    return url, file_as(url, "chair", reason="<b>x</b>", medical="化疗第三期，住院两周")


@pytest.fixture
def shared(shared_db, monkeypatch) -> Iterator[tuple[str, int]]:
    monkeypatch.setenv("UNION_DATABASE_URL", shared_db[0])
    monkeypatch.setenv("UNION_COOKIE_KEY", "app-test-signing-key-not-for-production")
    with routed():
        yield shared_db


def test_delegate_files_chair_approves_district_approves_and_pays(url):
    reason = "爱人突发重病住院，家庭负担沉重"
    with session_of(url) as s:
        person, category = colleague(s, "delegate"), category_id(s)
        district_account = fund.account_id_for(s, None)
        before = fund.balance_fen(s, district_account)

    at = on_page("delegate", "relief")
    at.selectbox(key="relief_new_recipient").set_value(person)
    at.selectbox(key="relief_new_category").set_value(category)
    at.run()
    assert t("relief.form.caps", amount="¥6,000.00", count=2) in [c.value for c in at.caption]
    at.text_input(key="relief_new_amount").input("1,234.56")
    at.text_area(key="relief_new_reason").input(reason)
    at.text_area(key="relief_new_medical").input("住院治疗，自付约两万元")
    click(at, "relief.form.submit")
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t("relief.case.title")  # the new application's page
    with session_of(url) as s:
        app = s.scalar(select(ReliefApplication).where(ReliefApplication.reason == reason))
        assert (app.state, app.amount_fen, app.staff_id) == ("submitted", 123_456, person)
        assert app.filed_by == account_id(url, "delegate")
        application_id = app.id

    at = on_page("chair", "relief")  # "waiting for me" is on: the new one is listed
    at.selectbox(key="relief_pick").set_value(application_id)
    click(at, "relief.list.open_button")
    assert at.title[0].value == t("relief.case.title")
    # AppTest keeps rerunning the page it was last sent to: follow the app, as a browser does.
    at.switch_page(PAGES_BY_KEY["relief_case"].file)
    assert reason in [e.value for e in at.text]
    click(at, "relief.case.approve_school")
    assert [s.value for s in at.success] == [t("relief.case.done.approve_school")]
    app = state_of(url, application_id)
    assert (app.state, app.school_approved_by) == ("school_approved",
                                                   account_id(url, "chair"))

    at = on_page("district", "relief_case", relief_id=application_id)
    assert t("relief.case.pay") not in labels(at)
    click(at, "relief.case.approve_district")
    assert state_of(url, application_id).state == "district_approved"
    at.selectbox(key="relief_pay_account").set_value(district_account)
    click(at, "relief.case.pay")
    assert [s.value for s in at.success] == [t("relief.case.done.paid")]
    assert state_of(url, application_id).state == "paid"
    with session_of(url) as s:
        assert before - fund.balance_fen(s, district_account) == 123_456
        entries = s.scalars(select(FundEntry).where(FundEntry.application_id
                                                    == application_id)).all()
        assert [(e.kind, e.amount_fen, e.account_id) for e in entries] == [
            ("expense", 123_456, district_account)]
    assert not ACTION_LABELS & labels(at)  # paid: nothing left to do


def test_a_draft_is_changed_documented_submitted_and_returned(url):
    reason = "孩子考上大学，学费有困难"
    with session_of(url) as s:
        person, category = colleague(s, "delegate"), category_id(s)
    at = on_page("delegate", "relief")
    at.selectbox(key="relief_new_recipient").set_value(person)
    at.selectbox(key="relief_new_category").set_value(category)
    at.text_input(key="relief_new_amount").input("500")
    at.text_area(key="relief_new_reason").input(reason)
    at.text_input(key="relief_new_id_number").input("11010519491231002x")
    click(at, "relief.form.save_draft")
    with session_of(url) as s:
        app = s.scalar(select(ReliefApplication).where(ReliefApplication.reason == reason))
        assert (app.state, app.amount_fen, app.id_number) == ("draft", 50_000,
                                                               "11010519491231002X")
        application_id = app.id
    at.switch_page(PAGES_BY_KEY["relief_case"].file).run()
    assert "110105********002X" in [e.value for e in at.text]
    assert not any("11010519491231002X" in e.value for e in (*at.text, *at.markdown))

    at.text_input(key=f"relief_edit_{application_id}_amount").input("650.5")
    click(at, "relief.case.save_edit")
    assert [s.value for s in at.success] == [t("relief.case.done.edited")]
    app = state_of(url, application_id)  # the number typed at filing is kept: blank = keep
    assert (app.state, app.amount_fen, app.id_number) == ("draft", 65_050, "11010519491231002X")

    at.file_uploader[0].upload("住院发票.pdf", b"%PDF-1.4 bill", "application/pdf")
    at.run()
    click(at, "relief.case.upload_button")
    assert [s.value for s in at.success] == [t("relief.case.done.attached")]
    assert [d.label for d in at.download_button] == [t("relief.case.download")]
    with session_of(url) as s:
        assert s.execute(select(ReliefAttachment.filename, ReliefAttachment.size).where(
            ReliefAttachment.application_id == application_id)).all() == [("住院发票.pdf", 13)]
    click(at, "relief.case.submit")
    assert state_of(url, application_id).state == "submitted"

    at = on_page("chair", "relief_case", relief_id=application_id)
    assert [d.label for d in at.download_button] == [t("relief.case.download")]  # reviewer
    click(at, "relief.case.return")  # without saying what is missing: refused
    assert [e.value for e in at.error] == [
        t("fund.error.text_required", field=t("relief.field.return_note"))]
    at.text_area(key="note_return").input("请补充医院诊断证明")
    click(at, "relief.case.return")
    app = state_of(url, application_id)
    assert (app.state, app.decision_note) == ("returned", "请补充医院诊断证明")


def test_the_chair_cannot_approve_what_the_chair_filed(url):
    application_id = file_as(url, "chair", reason="台风损毁住房")
    at = on_page("chair", "relief_case", relief_id=application_id)
    assert t("relief.case.approve_school") not in labels(at)
    assert t("relief.case.cancel") in labels(at)  # the filer may still withdraw it
    with session_of(url) as s, pytest.raises(DomainError) as refused:
        relief.approve_at_school(s, actor_of(s, "chair"), application_id)
    assert refused.value.key == "relief.error.own_application"
    assert state_of(url, application_id).state == "submitted"


def test_a_reason_that_looks_like_html_shows_literally(shared):
    _url, application_id = shared
    at = on_page("district", "relief_case", relief_id=application_id)
    assert "<b>x</b>" in [e.value for e in at.text]
    assert not any("<b>" in m.value for m in at.markdown)
    assert "化疗第三期，住院两周" in [e.value for e in at.text]  # a reviewer reads it


def test_the_delegate_cannot_open_what_someone_else_filed(shared):
    url, application_id = shared
    at = on_page("delegate", "relief_case", relief_id=application_id)
    assert [e.value for e in at.error] == [t("relief.error.not_found")]
    assert not any("化疗" in e.value for e in at.text)
    assert len(at.dataframe) == 0
    at = on_page("delegate", "relief")  # not in the delegate's list either
    number = state_of(url, application_id).number
    assert all(number not in set(d.value["number"]) for d in at.dataframe)


def test_the_auditor_reads_but_has_no_buttons(shared):
    _url, application_id = shared
    at = on_page("auditor", "relief_case", relief_id=application_id)
    assert "<b>x</b>" in [e.value for e in at.text]
    assert not ACTION_LABELS & labels(at)
    assert len(at.file_uploader) == 0 and len(at.text_input) == 0
    at = on_page("auditor", "relief")
    assert t("relief.form.submit") not in labels(at) and len(at.text_area) == 0


@pytest.mark.parametrize(("username", "waiting", "files"), [
    ("district", True, True), ("chair", True, True), ("delegate", False, True),
    ("auditor", None, False)])
def test_the_list_per_role(shared, username, waiting, files):
    at = on_page(username, "relief")
    toggles = [w.value for w in at.toggle if w.key == "relief_waiting"]
    assert toggles == ([] if waiting is None else [waiting])
    assert (t("relief.form.submit") in labels(at)) is files
    if username in ("district", "chair", "auditor"):  # the chair filed it; all three read it
        if waiting:  # the chair's own filing waits for nobody's decision but the chair's
            at.toggle(key="relief_waiting").set_value(False).run()
        shown = at.dataframe[0].value
        assert t("relief.state.submitted") in set(shown["state"])
        assert "¥800.00" in set(shown["amount"])


def test_the_case_page_without_a_choice_points_back(shared):
    at = on_page("chair", "relief_case")
    assert [i.value for i in at.info] == [t("relief.case.none_chosen")]
    assert not at.error


def test_a_bad_amount_is_refused_and_nothing_is_written(shared):
    url, _ = shared
    with session_of(url) as s:
        count = s.scalar(select(func.count()).select_from(ReliefApplication))
        person, category = colleague(s, "delegate"), category_id(s)
    at = on_page("delegate", "relief")
    at.selectbox(key="relief_new_recipient").set_value(person)
    at.selectbox(key="relief_new_category").set_value(category)
    at.text_input(key="relief_new_amount").input("abc")
    at.text_area(key="relief_new_reason").input("家中失火")
    click(at, "relief.form.submit")
    assert [e.value for e in at.error] == [t("fund.error.amount_not_number", value="abc")]
    assert at.title[0].value == t("relief.list.title")
    with session_of(url) as s:
        assert s.scalar(select(func.count()).select_from(ReliefApplication)) == count


def test_reconciliation_records_a_check_and_says_whether_it_agrees(url):
    today = local_today()
    with session_of(url) as s:
        ledger = fund.balance_fen(s, through=today)
    at = on_page("district", "fund_reconcile")
    at.text_input[0].input(f"{ledger // 100:,}.{ledger % 100:02d}")
    at.text_input[1].input("月末对账（测试）")
    click(at, "fund.reconcile.record")
    assert [s.value for s in at.success] == [t(
        "fund.reconcile.agrees", date=today.isoformat(),
        balance=f"¥{ledger // 100:,}.{ledger % 100:02d}")]
    bank = ledger + 1_234
    at.text_input[0].input(f"{bank // 100}.{bank % 100:02d}")
    click(at, "fund.reconcile.record")
    assert len(at.warning) == 1 and "+¥12.34" in at.warning[0].value
    with session_of(url) as s:
        checks = s.execute(select(BankCheck.checked_on,
                                  BankCheck.bank_balance_fen - BankCheck.ledger_balance_fen)
                           .where(BankCheck.note == "月末对账（测试）")
                           .order_by(BankCheck.id)).all()
    assert checks == [(today, 0), (today, 1_234)]

    at = on_page("auditor", "fund_reconcile")
    assert len(at.text_input) == 0 and t("fund.reconcile.record") not in labels(at)
    listed = at.dataframe[0].value  # newest first
    listed = listed[listed["note"] == "月末对账（测试）"]
    assert list(listed["agrees"]) == [t("fund.reconcile.agrees_no"),
                                      t("fund.reconcile.agrees_yes")]
    assert list(listed["difference_fen"]) == ["+¥12.34", "¥0.00"]
    assert [i.value for i in at.info] == [t("fund.reconcile.nothing_since")]  # agreed today


def test_the_district_changes_a_cap_and_the_auditor_cannot(url):
    with session_of(url) as s:
        serious = s.scalar(select(FundCategory.id).where(FundCategory.name == "大病救助"))
    at = on_page("district", "fund_settings")
    at.selectbox(key="settings_pick_expense").set_value(serious).run()
    assert at.text_input(key=f"settings_expense_{serious}_cap").value == "50000.00"
    at.text_input(key=f"settings_expense_{serious}_cap").input("30,000")
    at.number_input(key=f"settings_expense_{serious}_count").set_value(1)
    at.button(key="settings_save_expense").click().run()
    assert [s.value for s in at.success] == [t("fund.settings.saved")]
    with session_of(url) as s:
        saved = s.get(FundCategory, serious)
        assert (saved.name, saved.active, saved.yearly_limit_fen, saved.yearly_limit_count) == (
            "大病救助", True, 3_000_000, 1)

    at.text_input(key=f"settings_expense_{serious}_cap").input("3万").run()
    at.button(key="settings_save_expense").click().run()
    assert [e.value for e in at.error] == [t("fund.error.amount_not_number", value="3万")]

    at = on_page("auditor", "fund_settings")
    assert t("fund.settings.save") not in labels(at) and len(at.text_input) == 0
    assert len(at.dataframe) == 2  # categories and sources
