"""The feedback inbox's main journey in Chromium: an anonymous teacher on a phone sends a
message and keeps the code; the school chair replies publicly and adds an internal note; the
teacher reads the public reply only, and answers back."""

from __future__ import annotations

import re
from typing import Any

from bench.drive import goto, log_in, main_area, new_context, wait_idle
from services.i18n import t
from tests.browser.feedback_steps import chair_replies_to_newest_case, plain_text

PHONE = {"width": 390, "height": 844}
MESSAGE = "<b>教师午休</b>：中午没有地方休息，希望开放一间午休室。"
REPLY = "工会已与总务处商定，下月起开放三楼活动室作午休室。"
NOTE = "内部：总务处王主任负责，月底复查"
ANSWER = "谢谢！希望能配几张折叠床。"


def choose(page: Any, label: str, option: str) -> None:
    main_area(page).get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def fits_the_phone(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_visitor_sends_chair_answers_visitor_reads_and_answers_back(browser: Any,
                                                                     server_url: str) -> None:
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    desk = new_context(browser)
    try:
        teacher = phone.new_page()
        goto(teacher, f"{server_url}/feedback")
        main = main_area(teacher)
        school_union = "明湖区实验小学" + t("feedback.school_union_suffix")
        choose(teacher, t("feedback.recipient"), school_union)
        main.get_by_label(t("feedback.body"), exact=True).fill(MESSAGE)
        main.get_by_role("button", name=t("feedback.send"), exact=True).click()
        wait_idle(teacher)
        code = main.locator("[data-testid='stCode'] code").inner_text().strip()
        assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", code), code
        main.locator("[data-testid='stCode']").tap()  # on a phone the copy button shows
        main.locator("[data-testid='stCode']").get_by_role(
            "button", name="Copy to clipboard").wait_for()
        assert fits_the_phone(teacher)

        chair = desk.new_page()
        goto(chair, server_url)
        log_in(chair, "chair")
        chair_replies_to_newest_case(chair, server_url, MESSAGE, REPLY)
        main_area(chair).get_by_role("tab", name=t("inbox.tab.note"), exact=True).click()
        main_area(chair).get_by_label(t("inbox.note_text"), exact=True).fill(NOTE)
        main_area(chair).get_by_role("button", name=t("inbox.save_note"), exact=True).click()
        wait_idle(chair)
        main_area(chair).get_by_text(t("inbox.noted"), exact=True).wait_for()

        goto(teacher, f"{server_url}/feedback_reply")
        main.get_by_label(t("feedback_reply.code"), exact=True).fill(code)
        main.get_by_role("button", name=t("feedback_reply.open"), exact=True).click()
        wait_idle(teacher)
        plain_text(teacher, REPLY).wait_for()
        assert plain_text(teacher, MESSAGE).is_visible()  # literally, tags and all
        assert main.get_by_text(NOTE).count() == 0
        main.get_by_label(t("feedback_reply.answer"), exact=True).fill(ANSWER)
        main.get_by_role("button", name=t("feedback_reply.send_answer"), exact=True).click()
        wait_idle(teacher)
        plain_text(teacher, ANSWER).wait_for()
        assert fits_the_phone(teacher)
    finally:
        phone.close()
        desk.close()
