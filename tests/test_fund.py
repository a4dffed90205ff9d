"""The relief fund's ledger: services/fund.py on a real database.

Every test builds its own small district (make_world: two schools, a few staff, one account
per role) instead of loading the demo, so fund data the demo seed may hold never mixes into
the numbers. Entries are dated in 2024 and 2025, in the past whatever today is.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.fund import FundEntry, FundVoucherCounter, ReliefApplication
from db.models import Account, AccountRole, AuditEntry, Department, District, School, Staff
from services import fund, relief
from services.actor import Actor
from services.clock import local_today
from services.errors import DomainError
from tests.conftest import actor_of

DAY = dt.date(2025, 6, 2)
STAFF_A = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊")
STAFF_B = ("周杰", "吴霞", "郑强")


# --- a small district of our own -----------------------------------------------------------

@dataclass(frozen=True)
class World:
    school_a: int
    school_b: int
    staff_a: tuple[int, ...]   # 0 chair, 1 delegate, 2 delegate2, 3 dept head, 4… colleagues
    staff_b: tuple[int, ...]   # 0 chair_b
    district_account: int      # the district fund
    school_a_account: int      # school A's sub-account
    income: int                # income sources
    income2: int
    expense: int               # a relief category without caps
    actors: dict[str, Actor]

    def __getitem__(self, username: str) -> Actor:
        return self.actors[username]


def make_world(session) -> World:
    """Schools TS01 (A) and TS02 (B), their staff, and the accounts:
    district, chair (A), chair_b (B), dept (A), delegate and delegate2 (A), auditor, and
    both (district admin and chair of A at once)."""
    district = District(code="TD", name="测试区教育工会")
    session.add(district)
    session.flush()
    schools = []
    for code, name in (("TS01", "测试第一小学"), ("TS02", "测试第二中学")):
        school = School(district_id=district.id, code=code, name=name, kind="school",
                        active=True)
        school.departments = [Department(name="教务处")]
        session.add(school)
        schools.append(school)
    session.flush()
    a, b = schools
    staff: dict[int, list[int]] = {a.id: [], b.id: []}
    for school, names in ((a, STAFF_A), (b, STAFF_B)):
        for n, name in enumerate(names, start=1):
            person = Staff(school_id=school.id, department_id=school.departments[0].id,
                           staff_no=f"{school.code}-{n:04d}", name=name, gender="F",
                           retired=False)
            session.add(person)
            session.flush()
            staff[school.id].append(person.id)
    accounts = [
        ("district", "区工会管理员", None, [("district_admin", None, None)]),
        ("chair", STAFF_A[0], staff[a.id][0], [("school_chair", a.id, None)]),
        ("chair_b", STAFF_B[0], staff[b.id][0], [("school_chair", b.id, None)]),
        ("dept", STAFF_A[3], staff[a.id][3],
         [("department_head", a.id, a.departments[0].id)]),
        ("delegate", STAFF_A[1], staff[a.id][1], [("delegate", a.id, None)]),
        ("delegate2", STAFF_A[2], staff[a.id][2], [("delegate", a.id, None)]),
        ("auditor", "经审委员", None, [("auditor", None, None)]),
        ("both", "区工会副主席", None,
         [("district_admin", None, None), ("school_chair", a.id, None)]),
    ]
    for username, display, staff_id, grants in accounts:
        account = Account(username=username, display_name=display, staff_id=staff_id,
                          password_hash="not-used-here", enabled=True, failed_logins=0)
        account.roles = [AccountRole(role=r, school_id=s, department_id=d)
                         for r, s, d in grants]
        session.add(account)
    session.flush()
    actors = {username: actor_of(session, username) for username, *_ in accounts}
    fund.ensure_accounts(session)
    sources = fund.categories(session, "income")
    no_caps = fund.save_category(session, actors["district"], kind="expense",
                                 name="测试救助（不限额）")
    session.flush()
    return World(a.id, b.id, tuple(staff[a.id]), tuple(staff[b.id]),
                 fund.account_id_for(session, None), fund.account_id_for(session, a.id),
                 sources[0].id, sources[1].id, no_caps, actors)


@pytest.fixture
def world(session) -> World:
    return make_world(session)


def income(session, w: World, amount: object, day: dt.date = DAY, *,
           account: int | None = None, **extra) -> fund.Posted:
    return fund.post_entry(session, w["district"], account_id=account or w.district_account,
                           kind="income", category_id=extra.pop("category_id", w.income),
                           amount=amount, entry_date=day, counterparty="区教育局", **extra)


def expense(session, w: World, amount: object, day: dt.date = DAY, *,
            account: int | None = None, **extra) -> fund.Posted:
    return fund.post_entry(session, w["district"], account_id=account or w.district_account,
                           kind="expense", category_id=w.expense, amount=amount,
                           entry_date=day, counterparty="王建国", **extra)


def refused(key: str, call: Callable, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, (caught.value.key, caught.value.params)
    return caught.value


def entry_count(session) -> int:
    return session.scalar(select(func.count()).select_from(FundEntry))


def kind_sums(session, account_id: int) -> tuple[int, int]:
    """Income and expenses of an account, summed straight from the rows."""
    def total(kind: str) -> int:
        return int(session.scalar(select(func.coalesce(func.sum(FundEntry.amount_fen), 0))
                                  .where(FundEntry.account_id == account_id,
                                         FundEntry.kind == kind)))
    return total("income"), total("expense")


# --- exact sums -----------------------------------------------------------------------------

def test_exact_sums_on_a_fixed_dataset(session, world):
    w = world
    assert income(session, w, "1,000.00", dt.date(2025, 1, 10)).amount_fen == 100000
    assert income(session, w, "2345.67", dt.date(2025, 2, 10),
                  category_id=w.income2).amount_fen == 234567
    assert expense(session, w, "1,200.01", dt.date(2025, 3, 10)).amount_fen == 120001
    assert income(session, w, "50.50", dt.date(2025, 2, 1),
                  account=w.school_a_account).amount_fen == 5050

    # 1,000.00 + 2,345.67 − 1,200.01 = 2,145.66
    assert fund.balance_fen(session, w.district_account) == 214566
    assert fund.balance_fen(session, w.district_account, through=dt.date(2025, 3, 9)) == 334567
    assert fund.balance_fen(session, w.district_account, through=dt.date(2025, 1, 9)) == 0
    assert fund.balance_fen(session, w.school_a_account) == 5050
    assert fund.balance_fen(session) == 219616     # the whole fund
    assert kind_sums(session, w.district_account) == (334567, 120001)
    stored = session.scalars(select(FundEntry.amount_fen).order_by(FundEntry.id)).all()
    assert stored == [100000, 234567, 120001, 5050]
    assert all(type(fen) is int for fen in stored)

    table = fund.balances(session, w["district"]).set_index("account_id")
    assert table.loc[w.district_account, ["income_fen", "expense_fen", "balance_fen"]].tolist() \
        == [334567, 120001, 214566]
    assert table.loc[w.school_a_account, "balance_fen"] == 5050
    assert table.loc[fund.account_id_for(session, w.school_b), "balance_fen"] == 0
    # A chair reads their own school's sub-account only.
    chair = fund.balances(session, w["chair"])
    assert chair["account_id"].tolist() == [w.school_a_account]
    assert chair["balance_fen"].tolist() == [5050]


# --- reversal (冲正) ------------------------------------------------------------------------

def test_reversal_posts_the_negated_amount_pointing_at_the_original(session, world):
    w = world
    income(session, w, "1000", dt.date(2025, 1, 10))
    paid = expense(session, w, "300.25", dt.date(2025, 2, 1))
    assert fund.balance_fen(session, w.district_account) == 69975

    back = fund.reverse_entry(session, w["district"], paid.id, reason="重复录入",
                              entry_date=dt.date(2025, 2, 3))
    assert back.new and back.amount_fen == -30025
    row = session.get(FundEntry, back.id)
    assert (row.reverses_id, row.kind, row.account_id, row.category_id, row.amount_fen,
            row.memo, row.entry_date, row.period) == (
        paid.id, "expense", w.district_account, w.expense, -30025, "重复录入",
        dt.date(2025, 2, 3), 202502)
    original = session.get(FundEntry, paid.id, populate_existing=True)
    assert (original.amount_fen, original.reverses_id) == (30025, None)   # never edited
    assert fund.balance_fen(session, w.district_account) == 100000
    assert fund.balance_fen(session, w.district_account, through=dt.date(2025, 2, 2)) == 69975
    assert kind_sums(session, w.district_account) == (100000, 0)

    before = entry_count(session)
    refused("fund.error.already_reversed", fund.reverse_entry, session, w["district"], paid.id,
            reason="再冲一次", entry_date=dt.date(2025, 2, 4))
    refused("fund.error.reverse_a_reversal", fund.reverse_entry, session, w["district"],
            back.id, reason="冲正的冲正", entry_date=dt.date(2025, 2, 4))
    refused("fund.error.text_required", fund.reverse_entry, session, w["district"], paid.id,
            reason="   ")
    refused("fund.error.unknown_entry", fund.reverse_entry, session, w["district"], 999999,
            reason="不存在")
    assert entry_count(session) == before
    assert fund.balance_fen(session, w.district_account) == 100000


def test_a_reversal_cannot_be_dated_before_its_original(session, world):
    w = world
    posted = income(session, world, "10", dt.date(2025, 3, 1))
    refused("fund.error.reversal_before_original", fund.reverse_entry, session, w["district"],
            posted.id, reason="日期错", entry_date=dt.date(2025, 2, 28))
    refused("fund.error.date_in_future", fund.reverse_entry, session, w["district"],
            posted.id, reason="日期错", entry_date=local_today() + dt.timedelta(days=1))
    assert entry_count(session) == 1


def test_reversing_income_that_would_leave_the_balance_negative_is_refused(session, world):
    w = world
    gift = income(session, w, "1000", dt.date(2025, 1, 10))
    spent = expense(session, w, "800", dt.date(2025, 3, 1))
    error = refused("fund.error.reversal_insufficient", fund.reverse_entry, session,
                    w["district"], gift.id, reason="捐款退回", entry_date=dt.date(2025, 3, 2))
    assert error.params == {"balance": "¥200.00", "amount": "¥1,000.00"}
    assert fund.balance_fen(session, w.district_account) == 20000

    fund.reverse_entry(session, w["district"], spent.id, reason="支出作废",
                       entry_date=dt.date(2025, 3, 2))
    fund.reverse_entry(session, w["district"], gift.id, reason="捐款退回",
                       entry_date=dt.date(2025, 3, 2))
    assert fund.balance_fen(session, w.district_account) == 0
    assert kind_sums(session, w.district_account) == (0, 0)


def test_a_back_dated_expense_may_not_take_a_past_day_below_zero(session, world):
    w = world
    income(session, w, "1000", dt.date(2025, 1, 10))
    expense(session, w, "800", dt.date(2025, 3, 1))
    income(session, w, "500", dt.date(2025, 4, 1))
    assert fund.balance_fen(session, w.district_account) == 70000
    # From 1 February on, the lowest end-of-day balance is ¥200.00 (1 to 31 March).
    assert fund.lowest_balance_from(session, w.district_account, dt.date(2025, 2, 1)) == 20000
    assert fund.lowest_balance_from(session, w.district_account, dt.date(2025, 4, 1)) == 70000
    assert fund.lowest_balance_from(session, w.district_account, dt.date(2025, 1, 1)) == 20000
    assert fund.lowest_balance_from(session, w.district_account, dt.date(2025, 5, 1)) == 70000

    error = refused("fund.error.insufficient", expense, session, w, "300", dt.date(2025, 2, 1))
    assert error.params == {"balance": "¥200.00", "amount": "¥300.00"}
    expense(session, w, "300", dt.date(2025, 4, 2))             # today's balance has room
    expense(session, w, "200", dt.date(2025, 2, 1))             # exactly what the past allows
    assert fund.balance_fen(session, w.district_account, through=dt.date(2025, 3, 1)) == 0
    assert fund.balance_fen(session, w.district_account) == 20000
    refused("fund.error.insufficient", expense, session, w, "0.01", dt.date(2025, 3, 1))


# --- bad input ------------------------------------------------------------------------------

GOOD_AMOUNTS = [
    ("1", 100), ("0.01", 1), ("12,345.67", 1234567), ("￥200", 20000), ("¥ 1,000.5", 100050),
    ("１２３．４５", 12345), ("１，０００", 100000), ("  8.00 ", 800), ("+5", 500),
    (0.1, 10), (1234.56, 123456), (300, 30000), (Decimal("7.70"), 770),
    ("10000000", 1_000_000_000),                 # the largest single entry, ¥10,000,000.00
]
BAD_AMOUNTS = [
    ("", "fund.error.amount_missing"), ("   ", "fund.error.amount_missing"),
    (None, "fund.error.amount_missing"), ("abc", "fund.error.amount_not_number"),
    ("12.3.4", "fund.error.amount_not_number"), ("1e3", "fund.error.amount_not_number"),
    ("1_000", "fund.error.amount_not_number"), ("NaN", "fund.error.amount_not_number"),
    ("Infinity", "fund.error.amount_not_number"), (float("nan"), "fund.error.amount_not_number"),
    ("0", "fund.error.amount_not_positive"), ("0.00", "fund.error.amount_not_positive"),
    ("-5", "fund.error.amount_not_positive"), ("-0.01", "fund.error.amount_not_positive"),
    ("1.234", "fund.error.amount_decimals"), (0.1 + 0.2, "fund.error.amount_decimals"),
    ("10000000.01", "fund.error.amount_too_large"), (1e16, "fund.error.amount_too_large"),
]


@pytest.mark.parametrize(("typed", "fen"), GOOD_AMOUNTS)
def test_amounts_as_people_type_them_are_exact_fen(typed, fen):
    parsed = fund.parse_amount(typed)
    assert parsed == fen and type(parsed) is int


@pytest.mark.parametrize(("typed", "key"), BAD_AMOUNTS)
def test_bad_amounts_are_refused_with_a_clear_reason(typed, key):
    refused(key, fund.parse_amount, typed)


def test_bad_input_to_post_entry_changes_nothing(session, world):
    w = world
    income(session, w, "100")
    for typed, key in BAD_AMOUNTS:
        refused(key, income, session, w, typed)
        refused(key, expense, session, w, typed)
    tomorrow = local_today() + dt.timedelta(days=1)
    for day, key in ((tomorrow, "fund.error.date_in_future"),
                     (None, "fund.error.date_missing"), ("2025-01-01", "fund.error.date_missing"),
                     (dt.date(1999, 12, 31), "fund.error.date_too_early")):
        refused(key, income, session, w, "10", day)
    refused("fund.error.unknown_category", fund.post_entry, session, w["district"],
            account_id=w.district_account, kind="income", category_id=w.expense, amount="10",
            entry_date=DAY)
    refused("fund.error.unknown_category", fund.post_entry, session, w["district"],
            account_id=w.district_account, kind="gift", category_id=w.income, amount="10",
            entry_date=DAY)
    refused("fund.error.unknown_account", income, session, w, "10", account=999999)
    refused("fund.error.text_too_long", income, session, w, "10", memo="字" * 501)
    assert entry_count(session) == 1
    assert fund.balance_fen(session, w.district_account) == 10000
    assert session.scalar(select(FundVoucherCounter.last)
                          .where(FundVoucherCounter.year == DAY.year)) == 1
    income(session, w, "1", local_today())           # today itself is fine
    assert entry_count(session) == 2


def test_a_payment_larger_than_the_balance_is_refused(session, world):
    w = world
    income(session, w, "100")
    error = refused("fund.error.insufficient", expense, session, w, "100.01")
    assert error.params == {"balance": "¥100.00", "amount": "¥100.01"}
    expense(session, w, "100")
    assert fund.balance_fen(session, w.district_account) == 0
    refused("fund.error.insufficient", expense, session, w, "0.01")
    # The district fund's money is not the school's: each account has its own balance.
    income(session, w, "1000")
    refused("fund.error.insufficient", expense, session, w, "1", account=w.school_a_account)
    assert fund.balance_fen(session, w.school_a_account) == 0
    assert kind_sums(session, w.district_account) == (110000, 10000)


# --- idempotency and voucher numbers --------------------------------------------------------

def test_the_same_idempotency_key_posts_once(session, world):
    w = world
    first = income(session, w, "500", idempotency_key="form-7f3a")
    again = income(session, w, "500", idempotency_key="form-7f3a")
    assert first.new and not again.new
    assert (again.id, again.voucher_no, again.amount_fen) == (first.id, first.voucher_no, 50000)
    assert session.scalar(select(func.count()).where(
        FundEntry.idempotency_key == "form-7f3a")) == 1
    assert entry_count(session) == 1
    assert fund.balance_fen(session, w.district_account) == 50000
    assert session.scalar(select(func.count()).where(
        AuditEntry.action == "fund.posted_income")) == 1

    back = fund.reverse_entry(session, w["district"], first.id, reason="退回",
                              entry_date=DAY, idempotency_key="form-8b1c")
    back_again = fund.reverse_entry(session, w["district"], first.id, reason="退回",
                                    entry_date=DAY, idempotency_key="form-8b1c")
    assert back.new and not back_again.new and back_again.id == back.id
    assert entry_count(session) == 2
    assert fund.balance_fen(session, w.district_account) == 0
    # A repeat takes no voucher number: the next posting follows without a gap.
    assert income(session, w, "1").voucher_no == f"记-{DAY.year}-000003"


def test_voucher_numbers_run_per_year_without_gaps(session, world):
    w = world
    vouchers = [
        income(session, w, "100", dt.date(2024, 3, 1)).voucher_no,
        income(session, w, "100", dt.date(2025, 1, 2)).voucher_no,
        income(session, w, "100", dt.date(2024, 5, 1)).voucher_no,
    ]
    refused("fund.error.insufficient", expense, session, w, "1000", dt.date(2025, 1, 3))
    vouchers.append(expense(session, w, "50", dt.date(2025, 1, 3)).voucher_no)
    first = session.scalar(select(FundEntry.id).where(FundEntry.voucher_no == vouchers[0]))
    vouchers.append(fund.reverse_entry(session, w["district"], first, reason="冲正",
                                       entry_date=dt.date(2025, 2, 1)).voucher_no)
    assert vouchers == ["记-2024-000001", "记-2025-000001", "记-2024-000002",
                        "记-2025-000002", "记-2025-000003"]
    assert dict(session.execute(select(FundVoucherCounter.year, FundVoucherCounter.last))
                .all()) == {2024: 2, 2025: 3}


# --- who may post, and the audit log --------------------------------------------------------

@pytest.mark.parametrize("username", ["auditor", "chair", "delegate", "dept"])
def test_only_the_district_admin_posts(session, world, username):
    w = world
    posted = income(session, w, "100")
    who = w[username]
    refused("error.forbidden", fund.post_entry, session, who, account_id=w.district_account,
            kind="income", category_id=w.income, amount="10", entry_date=DAY)
    refused("error.forbidden", fund.post_entry, session, who, account_id=w.school_a_account,
            kind="expense", category_id=w.expense, amount="10", entry_date=DAY)
    refused("error.forbidden", fund.reverse_entry, session, who, posted.id, reason="x")
    refused("error.forbidden", fund.save_category, session, who, kind="income", name="新来源")
    refused("error.forbidden", fund.record_bank_check, session, who, checked_on=DAY,
            bank_balance="100")
    refused("error.login_required", fund.post_entry, session, None,
            account_id=w.district_account, kind="income", category_id=w.income, amount="10",
            entry_date=DAY)
    assert entry_count(session) == 1


def test_every_posting_and_reversal_is_audited(session, world):
    w = world
    gift = income(session, w, "1,000", dt.date(2025, 1, 10), account=w.school_a_account)
    paid = expense(session, w, "12.34", dt.date(2025, 1, 11), account=w.school_a_account)
    back = fund.reverse_entry(session, w["district"], paid.id, reason="错账",
                              entry_date=dt.date(2025, 1, 12))
    rows = session.execute(select(AuditEntry.action, AuditEntry.object_type,
                                  AuditEntry.object_id, AuditEntry.actor_name,
                                  AuditEntry.school_id, AuditEntry.before, AuditEntry.after,
                                  AuditEntry.note)
                           .where(AuditEntry.action.like("fund.%"),
                                  AuditEntry.action != "fund.category_saved")
                           .order_by(AuditEntry.id)).all()
    assert [r[:5] for r in rows] == [
        ("fund.posted_income", "fund_entry", str(gift.id), "district", w.school_a),
        ("fund.posted_expense", "fund_entry", str(paid.id), "district", w.school_a),
        ("fund.reversed", "fund_entry", str(back.id), "district", w.school_a),
    ]
    assert rows[0].after["amount_fen"] == 100000 and rows[0].after["voucher"] == gift.voucher_no
    assert rows[1].after["amount_fen"] == 1234 and rows[1].after["date"] == "2025-01-11"
    assert rows[2].before == {"voucher": paid.voucher_no, "amount_fen": 1234}
    assert rows[2].after == {"voucher": back.voucher_no, "amount_fen": -1234}
    assert rows[2].note == "错账"


# --- the invariant under generated sequences ------------------------------------------------

OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("income"), st.integers(min_value=1, max_value=300_000)),
    st.tuples(st.just("expense"), st.integers(min_value=1, max_value=300_000)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
), max_size=14)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def test_generated_sequences_keep_balance_equal_to_income_minus_expenses(session, world):
    """Income, payments and reversals in any order: the ledger agrees with a model kept here,
    balance == income - expenses >= 0 after every step, and refusals change nothing."""
    w = world
    admin = w["district"]

    @settings(max_examples=40, deadline=None)
    @given(operations=OPERATIONS)
    def run(operations):
        example = session.begin_nested()   # every example starts from an empty account
        try:
            # model: [entry id, kind, signed amount, reversal of (index) or None, reversed]
            model: list[list] = []
            balance = 0
            for op, value in operations:
                if op == "reverse" and not model:
                    continue
                if op == "income":
                    expected = "ok"
                    call = lambda v=value: income(session, w, yuan(v))  # noqa: E731
                elif op == "expense":
                    expected = "fund.error.insufficient" if value > balance else "ok"
                    call = lambda v=value: expense(session, w, yuan(v))  # noqa: E731
                else:
                    target = value % len(model)
                    entry_id, kind, fen, reverses, reversed_ = model[target]
                    expected = ("fund.error.reverse_a_reversal" if reverses is not None
                                else "fund.error.already_reversed" if reversed_
                                else "fund.error.reversal_insufficient"
                                if kind == "income" and fen > balance else "ok")
                    call = lambda e=entry_id: fund.reverse_entry(  # noqa: E731
                        session, admin, e, reason="冲正", entry_date=DAY)
                step = session.begin_nested()      # one request: all or nothing
                try:
                    posted = call()
                except DomainError as error:
                    step.rollback()
                    outcome = error.key
                else:
                    step.commit()
                    outcome = "ok"
                assert outcome == expected, (op, value, balance)
                if outcome == "ok":
                    if op == "reverse":
                        model[target][4] = True
                        model.append([posted.id, kind, -fen, target, False])
                        balance -= fen if kind == "income" else -fen
                    else:
                        model.append([posted.id, op, value, None, False])
                        balance += value if op == "income" else -value
                money_in, money_out = kind_sums(session, w.district_account)
                assert fund.balance_fen(session, w.district_account) == balance \
                    == money_in - money_out >= 0
            assert entry_count(session) == len(model)
            assert kind_sums(session, w.district_account) == (
                sum(e[2] for e in model if e[1] == "income"),
                sum(e[2] for e in model if e[1] == "expense"))
        finally:
            example.rollback()

    run()
    assert entry_count(session) == 0


# --- concurrency ----------------------------------------------------------------------------

def race(session_factory, *calls: Callable) -> list[object]:
    """Run each call in its own thread and session, started together; each commits.
    Returns "ok" or the DomainError key per call (any other exception as itself)."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(n: int, call: Callable) -> None:
        with session_factory() as own:
            try:
                barrier.wait(timeout=10)
                value = call(own)
                own.commit()
                results[n] = value
            except DomainError as error:
                own.rollback()
                results[n] = error.key
            except Exception as error:  # reported by the assertion
                own.rollback()
                results[n] = error

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def approved_application(session, w: World, amount: str) -> int:
    """An application of school A approved by the school and the district, committed."""
    data = relief.ApplicationInput(school_id=w.school_a, staff_id=w.staff_a[5],
                                   category_id=w.expense, amount=amount, reason="住院治疗")
    app_id = relief.file_application(session, w["delegate"], data)
    relief.approve_at_school(session, w["chair"], app_id)
    relief.approve_at_district(session, w["district"], app_id)
    return app_id


def top_up_to(session, w: World, fen: int) -> None:
    missing = fen - fund.balance_fen(session, w.district_account)
    if missing:
        income(session, w, yuan(missing))


@pytest.mark.parametrize("via", ["pay", "expense"])
def test_two_concurrent_payments_that_exceed_the_balance_leave_exactly_one_paid(
        session_factory, session, via):
    w = make_world(session)
    admin = w["district"]
    for _round in range(5):
        top_up_to(session, w, 100000)                   # ¥1,000.00, two payments of ¥600.00
        if via == "pay":
            apps = [approved_application(session, w, "600"),
                    approved_application(session, w, "600")]
            calls = [lambda s, a=a: relief.pay(s, admin, a, account_id=w.district_account)
                     for a in apps]
        else:
            calls = [lambda s: fund.post_entry(
                s, admin, account_id=w.district_account, kind="expense",
                category_id=w.expense, amount="600.00", entry_date=DAY, counterparty="张伟")
                for _ in range(2)]
        session.commit()
        before = entry_count(session)

        results = race(session_factory, *calls)

        session.commit()
        outcomes = sorted("ok" if isinstance(r, fund.Posted) else str(r) for r in results)
        assert outcomes == ["fund.error.insufficient", "ok"], results
        assert fund.balance_fen(session, w.district_account) == 40000      # ¥400.00 exactly
        assert entry_count(session) == before + 1
        if via == "pay":
            states = sorted(session.scalars(select(ReliefApplication.state)
                                            .where(ReliefApplication.id.in_(apps))))
            assert states == ["district_approved", "paid"]
            paid = [a for a, r in zip(apps, results, strict=True)
                    if isinstance(r, fund.Posted)]
            assert session.scalar(select(FundEntry.application_id)
                                  .where(FundEntry.kind == "expense")
                                  .order_by(FundEntry.id.desc()).limit(1)) == paid[0]


@pytest.mark.parametrize("via", ["income", "pay"])
def test_a_double_submit_from_two_threads_posts_once(session_factory, session, via):
    w = make_world(session)
    admin = w["district"]
    income(session, w, "10000")
    for round_ in range(5):
        key = f"double-{via}-{round_}"
        if via == "pay":
            app = approved_application(session, w, "100")
            calls = [lambda s, a=app, k=key: relief.pay(
                s, admin, a, account_id=w.district_account, idempotency_key=k)] * 2
        else:
            calls = [lambda s, k=key: fund.post_entry(
                s, admin, account_id=w.district_account, kind="income", category_id=w.income,
                amount="100", entry_date=DAY, counterparty="李秀英", idempotency_key=k)] * 2
        session.commit()
        before = entry_count(session)

        results = race(session_factory, *calls)

        session.commit()
        assert all(isinstance(r, fund.Posted) for r in results), results
        assert sorted(r.new for r in results) == [False, True]
        assert results[0].id == results[1].id
        assert results[0].voucher_no == results[1].voucher_no
        assert entry_count(session) == before + 1
        assert session.scalar(select(func.count()).where(FundEntry.idempotency_key == key)) == 1
    # ¥10,000.00, and five times ¥100.00 paid out or taken in, once each
    expected = {"pay": 1_000_000 - 50000, "income": 1_000_000 + 50000}[via]
    assert fund.balance_fen(session, w.district_account) == expected


def test_two_concurrent_reversals_of_one_entry_post_one(session_factory, session):
    w = make_world(session)
    admin = w["district"]
    for _round in range(5):
        posted = income(session, w, "100")
        session.commit()

        results = race(session_factory, *[lambda s, e=posted.id: fund.reverse_entry(
            s, admin, e, reason="并发冲正", entry_date=DAY)] * 2)

        session.commit()
        outcomes = sorted("ok" if isinstance(r, fund.Posted) else str(r) for r in results)
        assert outcomes == ["fund.error.already_reversed", "ok"], results
        assert session.scalar(select(func.count()).where(
            FundEntry.reverses_id == posted.id)) == 1
    assert fund.balance_fen(session, w.district_account) == 0
    assert entry_count(session) == 10


def test_reconciliation_agrees_or_not_and_lists_what_came_after_the_last_agreement(
        session, world):
    w = world
    before = income(session, w, "1,000.00", dt.date(2026, 3, 1))
    expense(session, w, "250.50", dt.date(2026, 3, 5))
    assert fund.last_agreed_check(session, w["auditor"]) is None
    short = fund.record_bank_check(session, w["district"], checked_on=dt.date(2026, 3, 31),
                                   bank_balance="749.00")
    assert (short.ledger_balance_fen, short.difference_fen, short.agrees) == (74950, -50, False)
    agreed = fund.record_bank_check(session, w["district"], checked_on=dt.date(2026, 3, 31),
                                    bank_balance="749.50", note="3月对账")
    assert agreed.agrees and fund.last_agreed_check(session, w["auditor"]).id == agreed.id
    later = income(session, w, "20.00", dt.date(2026, 4, 2))
    back_dated = income(session, w, "5.00", dt.date(2026, 3, 20))   # posted after the check
    since = fund.entries_since_agreed(session, w["auditor"])
    assert list(since["id"]) == [back_dated.id, later.id]
    assert before.id not in set(since["id"])
    checks = fund.bank_checks(session, w["auditor"])
    assert list(checks["agrees"]) == [True, False]
    assert list(checks["difference_fen"]) == [0, -50]
    refused("error.forbidden", fund.record_bank_check, session, w["auditor"],
            checked_on=dt.date(2026, 3, 31), bank_balance="1")
    refused("fund.error.amount_not_positive", fund.record_bank_check, session, w["district"],
            checked_on=dt.date(2026, 3, 31), bank_balance="-1")
    refused("error.forbidden", fund.bank_checks, session, w["chair"])
