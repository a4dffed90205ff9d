"""Relief applications: services/relief.py on a real database, with the ledger of services/fund.py.

The small district of tests.test_fund.make_world is used instead of the demo: school A (TS01)
with its chair, two delegates and a department head, school B (TS02) with its own chair, the
district admin, an auditor, and `both` (district admin and chair of A at once).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db.engine import transaction
from db.fund import FundEntry, ReliefApplication, ReliefEvent
from db.models import AuditEntry
from services import fund, relief
from services.clock import local_today
from services.errors import DomainError
from tests.test_fund import World, entry_count, income, make_world, refused

ID_NUMBER = "11010519491231002X"     # a valid 居民身份证号 (check character X)


@pytest.fixture
def world(session) -> World:
    w = make_world(session)
    income(session, w, "10,000.00")                   # the district fund holds ¥10,000.00
    return w


def capped(session, w: World, cap: str = "3000", count: int = 2,
           name: str = "测试大病救助") -> int:
    """A relief category with per-person yearly caps."""
    return fund.save_category(session, w["district"], kind="expense", name=name,
                              yearly_limit=cap, yearly_limit_count=count)


def data(w: World, *, staff: int | None = None, category: int | None = None,
         amount: object = "1000", school: int | None = None, **extra) -> relief.ApplicationInput:
    return relief.ApplicationInput(
        school_id=school or w.school_a, staff_id=staff or w.staff_a[4],
        category_id=category or w.expense, amount=amount,
        reason=extra.pop("reason", "本人患重病住院，家庭经济困难"), **extra)


def file(session, w: World, who: str = "delegate", *, submit: bool = True, **fields) -> int:
    return relief.file_application(session, w[who], data(w, **fields), submit=submit)


def attempt(session, call: Callable, *args, **kwargs) -> str:
    """One request in a savepoint, as a page runs it: "ok" and kept, or the error key and
    nothing changed."""
    step = session.begin_nested()
    try:
        call(*args, **kwargs)
    except DomainError as error:
        step.rollback()
        return error.key
    step.commit()
    return "ok"


def state(session, app_id: int) -> str:
    return session.scalar(select(ReliefApplication.state)
                          .where(ReliefApplication.id == app_id)
                          .execution_options(populate_existing=True))


def steps(session, w: World, app_id: int) -> list[tuple]:
    frame = relief.history(session, w["district"], app_id)[["who", "action", "from_state",
                                                            "to_state"]].astype(object)
    return list(frame.where(frame.notna(), None).itertuples(index=False, name=None))


# --- the happy path -----------------------------------------------------------------------

def test_the_full_path_from_draft_to_paid_posts_the_ledger_entry(session, world):
    w = world
    cat = capped(session, w)
    app_id = file(session, w, submit=False, category=cat, amount="1,234.56",
                  medical_details="肺部手术，住院21天", id_number=ID_NUMBER)
    assert state(session, app_id) == "draft"
    relief.submit_application(session, w["delegate"], app_id)
    relief.approve_at_school(session, w["chair"], app_id, note="情况属实")
    relief.approve_at_district(session, w["district"], app_id)
    session.commit()
    before = fund.balance_fen(session, w.district_account)
    assert before == 1_000_000

    posted = relief.pay(session, w["district"], app_id, account_id=w.district_account)

    assert posted.new and posted.amount_fen == 123456
    entry = session.get(FundEntry, posted.id)
    app = session.get(ReliefApplication, app_id, populate_existing=True)
    assert (entry.kind, entry.application_id, entry.category_id, entry.amount_fen,
            entry.counterparty, entry.staff_id, entry.memo, entry.account_id,
            entry.entry_date) == (
        "expense", app_id, cat, 123456, "陈静", w.staff_a[4], app.number, w.district_account,
        local_today())
    assert fund.balance_fen(session, w.district_account) == before - 123456 == 876544
    assert (app.state, app.paid_by, app.paid_on) == (
        "paid", w["district"].account_id, local_today())
    assert app.school_approved_by == w["chair"].account_id
    assert app.district_approved_by == w["district"].account_id
    assert app.number == f"{local_today().year}-TS01-{app_id:05d}"

    assert steps(session, w, app_id) == [
        ("李秀英", "filed", None, "draft"),
        ("李秀英", "submitted", "draft", "submitted"),
        ("王建国", "school_approved", "submitted", "school_approved"),
        ("区工会管理员", "district_approved", "school_approved", "district_approved"),
        ("区工会管理员", "paid", "district_approved", "paid"),
    ]
    assert relief.history(session, w["district"], app_id)["note"].tolist()[2:] == [
        "情况属实", "", posted.voucher_no]
    audit = session.execute(select(AuditEntry.action, AuditEntry.actor_name,
                                   AuditEntry.school_id, AuditEntry.before, AuditEntry.after)
                            .where(AuditEntry.object_type == "relief_application",
                                   AuditEntry.object_id == app.number)
                            .order_by(AuditEntry.id)).all()
    assert [(a, who) for a, who, *_ in audit] == [
        ("relief.filed", "delegate"), ("relief.submitted", "delegate"),
        ("relief.school_approved", "chair"), ("relief.district_approved", "district"),
        ("relief.paid", "district")]
    assert all(school == w.school_a for _a, _w, school, *_ in audit)
    assert audit[-1].before == {"state": "district_approved"}
    assert audit[-1].after == {"state": "paid", "amount_fen": 123456}
    assert session.scalar(select(AuditEntry.action).where(
        AuditEntry.object_type == "fund_entry",
        AuditEntry.object_id == str(posted.id))) == "fund.posted_expense"

    view = relief.application(session, w["district"], app_id)
    assert (view.state, view.recipient, view.amount_fen, view.paid_on, view.actions) == (
        "paid", "陈静", 123456, local_today(), ())


def test_a_payment_and_its_state_change_commit_or_roll_back_together(session, world):
    w = world
    app_id = file(session, w, amount="600")
    relief.approve_at_school(session, w["chair"], app_id)
    relief.approve_at_district(session, w["district"], app_id)
    session.commit()
    entries, events = entry_count(session), session.scalar(select(func.count()).select_from(
        ReliefEvent))

    relief.pay(session, w["district"], app_id, account_id=w.district_account)
    session.rollback()                               # e.g. the page's request failed later
    assert state(session, app_id) == "district_approved"
    assert entry_count(session) == entries
    assert session.scalar(select(func.count()).select_from(ReliefEvent)) == events
    assert fund.balance_fen(session, w.district_account) == 1_000_000

    # A payment larger than the account's balance is refused and changes nothing either.
    error = refused("fund.error.insufficient", relief.pay, session, w["district"], app_id,
                    account_id=w.school_a_account)
    assert error.params == {"balance": "¥0.00", "amount": "¥600.00"}
    assert state(session, app_id) == "district_approved"
    assert entry_count(session) == entries
    refused("fund.error.date_in_future", relief.pay, session, w["district"], app_id,
            account_id=w.district_account, paid_on=local_today() + dt.timedelta(days=1))

    relief.pay(session, w["district"], app_id, account_id=w.district_account)
    session.commit()
    assert state(session, app_id) == "paid"
    assert fund.balance_fen(session, w.district_account) == 1_000_000 - 60000


def test_reversing_a_payment_puts_the_application_back_to_district_approved(session, world):
    w = world
    app_id = file(session, w, amount="800")
    relief.approve_at_school(session, w["chair"], app_id)
    relief.approve_at_district(session, w["district"], app_id)
    paid = relief.pay(session, w["district"], app_id, account_id=w.district_account)
    assert fund.balance_fen(session, w.district_account) == 920000

    back = fund.reverse_entry(session, w["district"], paid.id, reason="银行退票")
    app = session.get(ReliefApplication, app_id, populate_existing=True)
    assert (app.state, app.paid_by, app.paid_at, app.paid_on) == (
        "district_approved", None, None, None)
    assert fund.balance_fen(session, w.district_account) == 1_000_000
    assert session.get(FundEntry, back.id).application_id == app_id
    assert steps(session, w, app_id)[-1] == (
        "区工会管理员", "payment_reversed", "paid", "district_approved")
    assert relief.history(session, w["district"], app_id)["note"].iloc[-1] == "银行退票"

    again = relief.pay(session, w["district"], app_id, account_id=w.district_account)
    assert again.voucher_no != paid.voucher_no and again.new
    assert state(session, app_id) == "paid"
    assert fund.balance_fen(session, w.district_account) == 920000


# --- every state against every action -----------------------------------------------------

# How a fresh application (filed by `delegate` as a draft) reaches each state.
ROUTES: dict[str, tuple[str, ...]] = {
    "draft": (),
    "submitted": ("submit",),
    "school_approved": ("submit", "approve_school"),
    "district_approved": ("submit", "approve_school", "approve_district"),
    "paid": ("submit", "approve_school", "approve_district", "pay"),
    "returned": ("submit", "return_school"),
    "rejected": ("submit", "reject_school"),
    "cancelled": ("cancel",),
}
# action: (who, call, the state it leads to, the states it is allowed from, its button)
ACTIONS: dict[str, tuple[str, Callable, str, set[str], str]] = {
    "edit": ("delegate", lambda s, w, a, i: relief.update_draft(s, a, i, data(w, amount="900")),
             "", {"draft", "returned"}, "edit"),
    "submit": ("delegate", lambda s, w, a, i: relief.submit_application(s, a, i),
               "submitted", {"draft", "returned"}, "submit"),
    "cancel": ("delegate", lambda s, w, a, i: relief.cancel(s, a, i, "不需要了"),
               "cancelled", {"draft", "submitted", "returned"}, "cancel"),
    "cancel_district": ("district", lambda s, w, a, i: relief.cancel(s, a, i),
                        "cancelled", {"draft", "submitted", "returned"}, "cancel"),
    "approve_school": ("chair", lambda s, w, a, i: relief.approve_at_school(s, a, i),
                       "school_approved", {"submitted"}, "approve_school"),
    "return_school": ("chair", lambda s, w, a, i: relief.return_application(s, a, i, "缺诊断书"),
                      "returned", {"submitted"}, "return"),
    "reject_school": ("chair", lambda s, w, a, i: relief.reject(s, a, i, "不符合条件"),
                      "rejected", {"submitted"}, "reject"),
    "approve_district": ("district", lambda s, w, a, i: relief.approve_at_district(s, a, i),
                         "district_approved", {"school_approved"}, "approve_district"),
    "return_district": ("district",
                        lambda s, w, a, i: relief.return_application(s, a, i, "补充材料"),
                        "returned", {"school_approved"}, "return"),
    "reject_district": ("district", lambda s, w, a, i: relief.reject(s, a, i, "已有其他救助"),
                        "rejected", {"school_approved", "district_approved"}, "reject"),
    "pay": ("district",
            lambda s, w, a, i: relief.pay(s, a, i, account_id=w.district_account),
            "paid", {"district_approved"}, "pay"),
}


def in_state(session, w: World, target: str) -> int:
    app_id = file(session, w, submit=False, amount="100")
    for name in ROUTES[target]:
        who, call, *_ = ACTIONS[name]
        call(session, w, w[who], app_id)
    assert state(session, app_id) == target
    return app_id


def test_every_action_is_allowed_from_its_states_only(session, world):
    w = world
    apps = {target: in_state(session, w, target) for target in ROUTES}
    mismatches, allowed_pairs = [], 0
    for target, app_id in apps.items():
        for name, (who, call, leads_to, allowed, button) in ACTIONS.items():
            actor = w[who]
            step = session.begin_nested()
            try:
                call(session, w, actor, app_id)
                outcome, params = "ok", {}
                after = state(session, app_id)
            except DomainError as error:
                outcome, params, after = error.key, error.params, None
            step.rollback()
            expected = "ok" if target in allowed else "relief.error.wrong_state"
            allowed_pairs += outcome == "ok"
            if outcome != expected or (
                    outcome == "ok" and after != (leads_to or target)) or (
                    outcome != "ok" and params != {"state_key": f"relief.state.{target}"}):
                mismatches.append((target, name, outcome, after))
            app = session.get(ReliefApplication, app_id, populate_existing=True)
            offered = button in relief.available_actions(actor, app)
            if offered != (target in allowed):
                mismatches.append((target, name, "button offered" if offered else "no button"))
            assert state(session, app_id) == target    # the savepoint undid the attempt
    assert mismatches == []
    assert (len(apps) * len(ACTIONS), allowed_pairs) == (88, 18)


@pytest.mark.parametrize(("action", "who", "target", "key"), [
    ("submit", "chair", "draft", "relief.error.only_filer"),
    ("edit", "chair", "draft", "relief.error.only_filer"),
    ("cancel", "chair", "submitted", "relief.error.only_filer"),
    ("cancel", "delegate2", "draft", "relief.error.not_found"),
    ("approve_school", "delegate", "submitted", "error.forbidden"),
    ("approve_school", "district", "submitted", "error.forbidden"),
    ("approve_school", "auditor", "submitted", "error.forbidden"),
    ("approve_school", "chair_b", "submitted", "relief.error.not_found"),
    ("return_school", "delegate", "submitted", "error.forbidden"),
    ("reject_school", "delegate", "submitted", "error.forbidden"),
    ("reject_school", "auditor", "submitted", "error.forbidden"),
    ("reject_school", "chair_b", "submitted", "relief.error.not_found"),
    ("approve_district", "chair", "school_approved", "error.forbidden"),
    ("approve_district", "auditor", "school_approved", "error.forbidden"),
    ("return_district", "chair", "school_approved", "relief.error.wrong_state"),
    ("pay", "chair", "district_approved", "error.forbidden"),
    ("pay", "auditor", "district_approved", "error.forbidden"),
    ("pay", "dept", "district_approved", "error.forbidden"),
])
def test_the_wrong_person_is_refused(session, world, action, who, target, key):
    w = world
    app_id = in_state(session, w, target)
    _who, call, *_ = ACTIONS[action]
    assert attempt(session, call, session, w, w[who], app_id) == key
    assert state(session, app_id) == target


def test_filing_is_for_officers_and_delegates_of_the_school(session, world):
    w = world
    for who in ("dept", "auditor"):
        refused("error.forbidden", file, session, w, who)
    refused("error.forbidden", file, session, w, "delegate", school=w.school_b,
            staff=w.staff_b[1])
    refused("relief.error.recipient_elsewhere", file, session, w, "delegate",
            staff=w.staff_b[1])
    refused("relief.error.recipient_missing", relief.file_application, session, w["delegate"],
            relief.ApplicationInput(w.school_a, None, w.expense, "100", "困难"))
    refused("fund.error.text_required", file, session, w, reason="  ")
    refused("fund.error.amount_not_positive", file, session, w, amount="0")
    refused("fund.error.amount_decimals", file, session, w, amount="10.001")
    refused("relief.error.bad_id_number", file, session, w, id_number="110105194912310021")
    assert session.scalar(select(func.count()).select_from(ReliefApplication)) == 0
    assert file(session, w, "district", school=w.school_b, staff=w.staff_b[1])
    assert file(session, w, "chair_b", school=w.school_b, staff=w.staff_b[2])


def test_return_and_reject_need_a_reason_and_a_returned_one_can_be_fixed(session, world):
    w = world
    app_id = file(session, w, amount="500")
    refused("fund.error.text_required", relief.return_application, session, w["chair"], app_id,
            "   ")
    refused("fund.error.text_required", relief.reject, session, w["chair"], app_id, "")
    assert state(session, app_id) == "submitted"

    relief.return_application(session, w["chair"], app_id, "请补充医院诊断证明")
    view = relief.application(session, w["delegate"], app_id)
    assert (view.state, view.decision_note) == ("returned", "请补充医院诊断证明")
    assert set(view.actions) == {"edit", "submit", "cancel"}
    relief.update_draft(session, w["delegate"], app_id, data(w, amount="450.50"))
    relief.submit_application(session, w["delegate"], app_id)
    relief.approve_at_school(session, w["chair"], app_id)
    relief.return_application(session, w["district"], app_id, "金额需核实")
    app = session.get(ReliefApplication, app_id, populate_existing=True)
    assert (app.state, app.amount_fen, app.school_approved_by) == ("returned", 45050, None)
    relief.submit_application(session, w["delegate"], app_id)
    relief.approve_at_school(session, w["chair"], app_id)
    relief.reject(session, w["district"], app_id, "已获其他渠道救助")
    assert relief.application(session, w["chair"], app_id).decision_note == "已获其他渠道救助"
    assert [(a, f, t) for _w, a, f, t in steps(session, w, app_id)] == [
        ("filed", None, "draft"), ("submitted", "draft", "submitted"),
        ("returned", "submitted", "returned"), ("submitted", "returned", "submitted"),
        ("school_approved", "submitted", "school_approved"),
        ("returned", "school_approved", "returned"), ("submitted", "returned", "submitted"),
        ("school_approved", "submitted", "school_approved"),
        ("rejected", "school_approved", "rejected")]
    assert session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_id == session.get(ReliefApplication, app_id).number)
        .order_by(AuditEntry.id)).all() == [
        "relief.filed", "relief.submitted", "relief.returned", "relief.edited",
        "relief.submitted", "relief.school_approved", "relief.returned", "relief.submitted",
        "relief.school_approved", "relief.rejected"]


# --- nobody approves their own, each level a different person ----------------------------

def test_an_application_the_chair_filed_cannot_be_approved_by_the_chair(session, world):
    w = world
    app_id = file(session, w, "chair", staff=w.staff_a[6])
    app = session.get(ReliefApplication, app_id)
    assert "approve_school" not in relief.available_actions(w["chair"], app)
    error = refused("relief.error.own_application", relief.approve_at_school, session,
                    w["chair"], app_id)
    assert "cannot approve" in error.message("en")
    assert state(session, app_id) == "submitted"
    relief.approve_at_school(session, w["both"], app_id)        # another officer of school A
    assert state(session, app_id) == "school_approved"


def test_the_district_cannot_approve_what_it_filed_or_approved_at_school(session, world):
    w = world
    own = file(session, w, "district", staff=w.staff_a[5])
    relief.approve_at_school(session, w["chair"], own)
    refused("relief.error.own_application", relief.approve_at_district, session,
            w["district"], own)
    relief.approve_at_district(session, w["both"], own)

    # `both` is district admin and chair of school A: approving at both levels is refused.
    twice = file(session, w, "delegate", staff=w.staff_a[6])
    relief.approve_at_school(session, w["both"], twice)
    app = session.get(ReliefApplication, twice, populate_existing=True)
    assert "approve_district" not in relief.available_actions(w["both"], app)
    refused("relief.error.same_approver", relief.approve_at_district, session, w["both"], twice)
    assert state(session, twice) == "school_approved"
    relief.approve_at_district(session, w["district"], twice)
    assert state(session, twice) == "district_approved"


# --- caps per person and year -------------------------------------------------------------

def test_the_amount_and_count_caps_are_checked_at_submission(session, world):
    w = world
    cat = capped(session, w)                     # ¥3,000.00 and 2 a year per person
    person, year = w.staff_a[6], local_today().year
    first = file(session, w, staff=person, category=cat, amount="2000")
    step = session.begin_nested()            # the refused request is undone as a whole
    error = refused("relief.error.over_cap", file, session, w, staff=person, category=cat,
                    amount="1500")
    step.rollback()
    assert error.params == {"remaining": "¥1,000.00", "limit": "¥3,000.00", "year": year}
    assert "¥1,000.00" in error.message("zh") and "¥1,000.00" in error.message("en")
    second = file(session, w, staff=person, category=cat, amount="1000")   # exactly the cap
    status = relief.cap_status(session, staff_id=person, category_id=cat, year=year)
    assert (status.used_fen, status.used_count, status.remaining_fen()) == (300000, 2, 0)
    assert attempt(session, file, session, w, staff=person, category=cat,
                   amount="0.01") == "relief.error.over_count"
    draft = file(session, w, staff=person, category=cat, amount="0.01", submit=False)
    error = refused("relief.error.over_count", relief.submit_application, session,
                    w["delegate"], draft)
    assert error.params == {"count": 2, "limit": 2, "year": year}
    assert state(session, draft) == "draft"
    # Another person, or another category, has caps of their own.
    assert attempt(session, file, session, w, staff=w.staff_a[7], category=cat,
                   amount="3000") == "ok"
    assert attempt(session, file, session, w, staff=person, amount="5000") == "ok"
    # A rejected application no longer counts.
    relief.reject(session, w["chair"], first, "重复申请")
    assert attempt(session, relief.submit_application, session, w["delegate"], draft) == "ok"
    assert relief.cap_status(session, staff_id=person, category_id=cat,
                             year=year).used_fen == 100001
    assert state(session, second) == "submitted"


def test_the_caps_are_checked_again_at_each_approval(session, world):
    w = world
    cat = capped(session, w)
    person = w.staff_a[6]
    big = file(session, w, staff=person, category=cat, amount="2000")
    small = file(session, w, staff=person, category=cat, amount="1000")
    relief.approve_at_school(session, w["chair"], big)
    # The district lowers the cap after both were submitted.
    fund.save_category(session, w["district"], kind="expense", name="测试大病救助",
                       category_id=cat, yearly_limit="2,500", yearly_limit_count=2)
    error = refused("relief.error.over_cap", relief.approve_at_school, session, w["chair"],
                    small)
    assert error.params["remaining"] == "¥500.00" and error.params["limit"] == "¥2,500.00"
    error = refused("relief.error.over_cap", relief.approve_at_district, session,
                    w["district"], big)
    assert error.params["remaining"] == "¥1,500.00"
    assert (state(session, big), state(session, small)) == ("school_approved", "submitted")
    relief.cancel(session, w["delegate"], small, "先办大额")
    relief.approve_at_district(session, w["district"], big)
    assert state(session, big) == "district_approved"
    # And the count cap, lowered to one, stops a second application at school approval.
    other = file(session, w, staff=w.staff_a[7], category=cat, amount="100")
    again = file(session, w, staff=w.staff_a[7], category=cat, amount="100")
    fund.save_category(session, w["district"], kind="expense", name="测试大病救助",
                       category_id=cat, yearly_limit="2500", yearly_limit_count=1)
    refused("relief.error.over_count", relief.approve_at_school, session, w["chair"], again)
    refused("relief.error.over_count", relief.approve_at_school, session, w["chair"], other)


# --- who sees what ------------------------------------------------------------------------

def test_each_role_lists_only_its_scope(session, world):
    w = world
    mine = file(session, w, "delegate", staff=w.staff_a[4])
    theirs = file(session, w, "delegate2", staff=w.staff_a[5])
    chairs = file(session, w, "chair", staff=w.staff_a[6])
    other_school = file(session, w, "chair_b", school=w.school_b, staff=w.staff_b[1])

    def listed(who: str) -> tuple[set[int], int]:
        frame, total = relief.list_applications(session, w[who])
        return set(frame["id"]), total

    assert listed("delegate") == ({mine}, 1)
    assert listed("delegate2") == ({theirs}, 1)
    assert listed("chair") == ({mine, theirs, chairs}, 3)
    assert listed("chair_b") == ({other_school}, 1)
    assert listed("district") == ({mine, theirs, chairs, other_school}, 4)
    assert listed("auditor") == ({mine, theirs, chairs, other_school}, 4)
    refused("error.forbidden", relief.list_applications, session, w["dept"])
    refused("relief.error.not_found", relief.application, session, w["delegate"], theirs)
    refused("relief.error.not_found", relief.history, session, w["delegate2"], mine)
    refused("relief.error.not_found", relief.application, session, w["chair_b"], mine)
    refused("relief.error.not_found", relief.application, session, w["dept"], mine)
    frame, _total = relief.list_applications(session, w["chair"], waiting_for_me=True)
    assert set(frame["id"]) == {mine, theirs}   # not their own: they cannot review it
    assert relief.waiting_counts(session, w["chair"]) == {"school": 2, "district": 0}
    assert relief.waiting_counts(session, w["chair_b"]) == {"school": 0, "district": 0}
    refused("error.forbidden", relief.reject, session, w["chair"], chairs, "自己驳回")
    refused("error.forbidden", relief.return_application, session, w["chair"], chairs, "补")


def test_medical_details_and_the_id_number_are_for_reviewers(session, world):
    w = world
    app_id = file(session, w, submit=False, medical_details="肺癌术后化疗",
                  id_number=ID_NUMBER.lower())
    relief.add_attachment(session, w["delegate"], app_id, filename="诊断证明.pdf",
                          data=b"%PDF-1.4 test")
    assert relief.application(session, w["delegate"], app_id).medical_details == "肺癌术后化疗"
    relief.submit_application(session, w["delegate"], app_id)

    filer = relief.application(session, w["delegate"], app_id)
    assert filer.medical_details is None                 # the colleague no longer reads them
    for reviewer in ("chair", "district", "auditor"):
        view = relief.application(session, w[reviewer], app_id)
        assert view.medical_details == "肺癌术后化疗"
        assert view.id_number_masked == "110105********002X"
    assert session.get(ReliefApplication, app_id).id_number == ID_NUMBER   # stored upper case
    attachment = int(relief.attachments(session, w["chair"], app_id)["id"].iloc[0])
    refused("relief.error.documents_for_reviewers", relief.attachment_file, session,
            w["delegate"], attachment)
    assert relief.attachment_file(session, w["auditor"], attachment) == (
        "诊断证明.pdf", "application/pdf", b"%PDF-1.4 test")


def test_id_numbers_are_masked_and_checked():
    assert relief.mask_id_number("11010519491231002X") == "110105********002X"
    assert relief.mask_id_number(None) == "" and relief.mask_id_number("12345") == "****"
    assert relief.valid_id_number("11010519491231002X")
    assert not relief.valid_id_number("110105194912310021")     # wrong check character
    assert not relief.valid_id_number("11010519491231002")      # too short
    assert not relief.valid_id_number("1101051949123100XX")


# --- attachments --------------------------------------------------------------------------

def test_attachments_accept_documents_and_refuse_the_rest(session, world):
    w = world
    app_id = file(session, w, submit=False)
    first = relief.add_attachment(session, w["delegate"], app_id, filename="住院发票.PDF",
                                  data=b"%PDF-1.7 bill")
    relief.add_attachment(session, w["delegate"], app_id, filename="病\u200b历\x00.jpg",
                          data=b"\xff\xd8x")   # invisible characters go, as in every field
    for name, content, key in (
            ("setup.exe", b"MZ", "relief.error.attachment_type"),
            ("no-suffix", b"x", "relief.error.attachment_type"),
            ("\u202efdp.exe", b"MZ", "relief.error.attachment_type"),   # shown as "exe.pdf"
            ("空文件.pdf", b"", "relief.error.attachment_empty"),
            ("扫描件.pdf", b"x" * (10 * 1024 * 1024 + 1), "relief.error.attachment_too_large")):
        assert attempt(session, relief.add_attachment, session, w["delegate"], app_id,
                       filename=name, data=content) == key
    frame = relief.attachments(session, w["delegate"], app_id)
    assert frame[["filename", "size"]].values.tolist() == [["住院发票.PDF", 13], ["病历.jpg", 3]]
    assert relief.attachment_file(session, w["delegate"], first)[1] == "application/pdf"
    refused("relief.error.only_filer", relief.add_attachment, session, w["district"], app_id,
            filename="x.pdf", data=b"x")
    number = session.get(ReliefApplication, app_id).number
    assert session.scalar(select(func.count()).where(
        AuditEntry.action == "relief.attached", AuditEntry.object_id == number)) == 2

    relief.submit_application(session, w["delegate"], app_id)
    relief.approve_at_school(session, w["chair"], app_id)
    refused("relief.error.wrong_state", relief.add_attachment, session, w["chair"], app_id,
            filename="补充.pdf", data=b"x")


def test_a_stale_payment_form_after_a_reversal_pays_nothing(session, world):
    w = world
    app_id = file(session, w, "delegate", staff=w.staff_a[7])
    relief.approve_at_school(session, w["chair"], app_id)
    relief.approve_at_district(session, w["district"], app_id)
    account = fund.account_id_for(session, None)
    paid = relief.pay(session, w["district"], app_id, account_id=account, idempotency_key="p-1")
    fund.reverse_entry(session, w["district"], paid.id, reason="付错账户")
    before = fund.balance_fen(session, account)
    refused("relief.error.changed_meanwhile", relief.pay, session, w["district"], app_id,
            account_id=account, idempotency_key="p-1")
    assert fund.balance_fen(session, account) == before
    again = relief.pay(session, w["district"], app_id, account_id=account, idempotency_key="p-2")
    assert again.new and fund.balance_fen(session, account) == before - again.amount_fen


def test_times_are_shown_in_the_districts_time(session, world):
    from services.clock import to_local

    w = world
    app_id = file(session, w, "delegate", staff=w.staff_a[3])
    stored = session.scalars(select(ReliefEvent.at).where(ReliefEvent.application_id == app_id)
                             .order_by(ReliefEvent.id)).all()
    shown = list(relief.history(session, w["delegate"], app_id)["at"])
    assert shown == [to_local(at) for at in stored]
    assert shown[0] - stored[0] == dt.timedelta(hours=8)   # Asia/Shanghai
    frame, _total = relief.list_applications(session, w["delegate"])
    filed = session.scalar(select(ReliefApplication.filed_at)
                           .where(ReliefApplication.id == app_id))
    assert frame.loc[frame["id"] == app_id, "filed_at"].iloc[0] == to_local(filed)


# --- the same form twice, and failures that are not a duplicate --------------------------

def application_count(session) -> int:
    return session.scalar(select(func.count()).select_from(ReliefApplication)
                          .execution_options(populate_existing=True))


def test_the_same_form_sent_twice_files_one_application(session, world):
    w = world
    first = relief.file_application(session, w["delegate"], data(w), idempotency_key="form-1")
    again = relief.file_application(session, w["delegate"], data(w, amount="2000"),
                                    idempotency_key="form-1")
    assert again == first
    assert session.scalars(select(ReliefApplication.amount_fen)).all() == [100_000]
    other = relief.file_application(session, w["delegate"], data(w), idempotency_key="form-2")
    assert other != first and application_count(session) == 2
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "relief.filed")) == 2


def test_a_twin_committed_after_the_first_look_gives_its_id_back(session_factory, session,
                                                                 world, monkeypatch):
    """The race of two requests, played in order: the twin commits after this request looked
    for the key and before it inserts; the insert fails on the key and the twin's id comes
    back, without an error and without a second row."""
    w = world
    session.commit()
    twin: list[int] = []
    real_today = relief.local_today

    def twin_commits_meanwhile():
        monkeypatch.setattr(relief, "local_today", real_today)   # the twin runs unhindered
        with transaction(session_factory) as other:
            twin.append(relief.file_application(other, w["delegate"], data(w),
                                                idempotency_key="form-1"))
        return real_today()

    monkeypatch.setattr(relief, "local_today", twin_commits_meanwhile)
    with transaction(session_factory) as mine:
        assert relief.file_application(mine, w["delegate"], data(w),
                                       idempotency_key="form-1") == twin[0]
    assert application_count(session) == 1
    assert session.scalar(select(func.count()).select_from(ReliefEvent)
                          .where(ReliefEvent.application_id == twin[0])) == 2   # filed, submitted


def test_an_insert_failing_on_another_constraint_is_not_called_already_filed(
        session, world, monkeypatch):
    w = world
    # filed_by refers to an account that is gone (a login from before it was removed)
    gone = dataclasses.replace(w["delegate"], account_id=w["delegate"].account_id + 10_000)
    for key in ("form-1", None):
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
            relief.file_application(session, gone, data(w), idempotency_key=key)
    # two different forms whose placeholder numbers collide
    stuck = ReliefApplication(school_id=w.school_a, staff_id=w.staff_a[5], category_id=w.expense,
                              year=2026, amount_fen=100, reason="占位", state="draft",
                              filed_by=w["chair"].account_id, number="pending-" + "0" * 22,
                              idempotency_key="form-0", decision_note="")
    session.add(stuck)
    session.flush()
    monkeypatch.setattr(relief, "uuid4", lambda: uuid.UUID(int=0))
    with pytest.raises(IntegrityError, match="number"):
        relief.file_application(session, w["delegate"], data(w), idempotency_key="form-1")
    monkeypatch.undo()
    # only the failed inserts were undone: the world and the other row are still there, and
    # the form's key was never taken
    assert application_count(session) == 1
    app_id = relief.file_application(session, w["delegate"], data(w), idempotency_key="form-1")
    assert state(session, app_id) == "submitted" and application_count(session) == 2


def test_filing_commits_or_rolls_back_with_the_callers_unit_of_work(session_factory, session,
                                                                    world):
    """The savepoint around the insert is released inside the page's transaction: a failure
    after filing leaves no application, event or audit entry (on SQLite too, where a
    savepoint opened outside a transaction would have committed at once)."""
    w = world
    session.commit()

    def written() -> tuple[int, int, int]:
        with session_factory() as fresh:
            return (application_count(fresh),
                    fresh.scalar(select(func.count()).select_from(ReliefEvent)),
                    fresh.scalar(select(func.count()).select_from(AuditEntry).where(
                        AuditEntry.action.in_(("relief.filed", "relief.submitted")))))

    with pytest.raises(RuntimeError), transaction(session_factory) as page:
        relief.file_application(page, w["delegate"], data(w), idempotency_key="form-1")
        raise RuntimeError("the page failed after filing")
    assert written() == (0, 0, 0)
    with transaction(session_factory) as page:
        relief.file_application(page, w["delegate"], data(w), idempotency_key="form-1")
    assert written() == (1, 2, 2)
