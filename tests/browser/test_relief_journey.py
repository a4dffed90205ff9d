"""The relief fund's main journey in Chromium: `delegate` files an application for a colleague,
`chair` approves it at school level, `district` approves and pays it; the fund's balance and the
public notice change by exactly the amount. And `chair` is offered no approval of an
application `chair` filed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bench.drive import StreamlitServer, goto, log_in, main_area, new_context, wait_idle
from db.engine import make_engine, make_sessionmaker
from db.fund import ReliefApplication
from db.models import School, Staff
from services import fund, fund_reports, relief
from services.auth import load_actor
from services.clock import local_today
from services.formatting import money
from services.i18n import t

AMOUNT_FEN = 188_800
CATEGORY = "生活困难补助"
REASON = "<b>爱人</b>突发重病住院，家庭收入骤减，生活困难。"


def button(page: Any, key: str) -> Any:
    return main_area(page).get_by_role("button", name=t(key), exact=True)


def choose(page: Any, label: str, option: str) -> None:
    box = main_area(page).get_by_label(label, exact=True)
    box.click()
    box.fill(option[:2])
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def done(page: Any, key: str) -> None:
    main_area(page).get_by_text(t(key), exact=True).wait_for()


class Books:
    """What the database says, read through the services as the pages do."""

    def __init__(self, db_url: str) -> None:
        self.factory = make_sessionmaker(make_engine(db_url))

    def colleagues(self, count: int) -> list[str]:
        """Labels of MH01 staff with no relief application at all, as the form offers them."""
        with self.factory() as session:
            delegate = load_actor(session, "delegate")
            assert delegate is not None
            school = session.scalar(select(School.id).where(School.code == "MH01"))
            taken = select(ReliefApplication.staff_id)
            free = set(session.scalars(select(Staff.id).where(
                Staff.school_id == school, Staff.id.not_in(taken))))
            offered = relief.recipient_choices(session, delegate, school)
            return [label for staff_id, label in offered.items() if staff_id in free][:count]

    def total_balance(self) -> int:
        with self.factory() as session:
            return fund.balance_fen(session)

    def notice_total(self) -> tuple[int, int]:
        with self.factory() as session:
            district = load_actor(session, "district")
            frame = fund_reports.public_notice(session, district, year=local_today().year)
            return len(frame), int(frame["amount_fen"].sum())


def file_application(page: Any, recipient: str) -> None:
    main = main_area(page)
    choose(page, t("relief.form.recipient"), recipient)
    choose(page, t("relief.form.category"), CATEGORY)
    main.get_by_label(t("relief.form.amount"), exact=True).fill("1,888.00")
    main.get_by_label(t("relief.form.reason"), exact=True).fill(REASON)
    wait_idle(page)
    button(page, "relief.form.submit").click()
    wait_idle(page)
    page.wait_for_url("**/relief_case")
    # The reason is shown as written: tags as characters, never as HTML.
    main.get_by_test_id("stText").get_by_text(REASON, exact=True).wait_for()


def open_newest(page: Any, server_url: str) -> None:
    """The list is newest first: open its first application."""
    goto(page, f"{server_url}/relief")
    button(page, "relief.list.open_button").click()
    wait_idle(page)
    page.wait_for_url("**/relief_case")


def test_delegate_files_chair_approves_district_approves_and_pays(
        browser: Any, demo_server: StreamlitServer, server_url: str) -> None:
    books = Books(demo_server.db_url)
    recipient, other = books.colleagues(2)
    balance_before, (paid_before, notice_before) = books.total_balance(), books.notice_total()
    contexts = [new_context(browser) for _ in range(3)]
    try:
        delegate, chair, district = (ctx.new_page() for ctx in contexts)
        goto(delegate, server_url)
        log_in(delegate, "delegate")
        goto(delegate, f"{server_url}/relief")
        file_application(delegate, recipient)

        goto(chair, server_url)
        log_in(chair, "chair")
        open_newest(chair, server_url)
        button(chair, "relief.case.approve_school").click()
        wait_idle(chair)
        done(chair, "relief.case.done.approve_school")

        goto(district, server_url)
        log_in(district, "district")
        open_newest(district, server_url)
        button(district, "relief.case.approve_district").click()
        wait_idle(district)
        done(district, "relief.case.done.approve_district")
        button(district, "relief.case.pay").click()
        wait_idle(district)
        done(district, "relief.case.done.paid")

        # The balance tile and the public notice both moved by exactly the amount.
        assert books.total_balance() == balance_before - AMOUNT_FEN
        goto(district, f"{server_url}/fund")
        main_area(district).get_by_text(money(balance_before - AMOUNT_FEN), exact=True) \
            .first.wait_for()
        goto(delegate, f"{server_url}/relief_notice")
        main_area(delegate).get_by_text(t("fund.notice.total_line", n=paid_before + 1,
                                          amount=money(notice_before + AMOUNT_FEN)),
                                        exact=True).wait_for()

        # A teacher reads the notice on a phone: it fits 390 px without sideways scrolling.
        phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                    is_mobile=True, has_touch=True)
        contexts.append(phone)
        teacher = phone.new_page()
        goto(teacher, server_url)
        log_in(teacher, "delegate2")
        goto(teacher, f"{server_url}/relief_notice")
        main_area(teacher).get_by_text(t("fund.notice.total_line", n=paid_before + 1,
                                         amount=money(notice_before + AMOUNT_FEN)),
                                       exact=True).wait_for()
        assert teacher.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth + 1")

        # The chair files one too: the page offers the chair no approval of it.
        goto(chair, f"{server_url}/relief")
        file_application(chair, other)
        assert button(chair, "relief.case.approve_school").count() == 0
        assert button(chair, "relief.case.reject").count() == 0
    finally:
        for ctx in contexts:
            ctx.close()
