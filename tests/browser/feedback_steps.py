"""Steps of the feedback journey that several browser tests take."""

from __future__ import annotations

from typing import Any

from bench.drive import goto, main_area, wait_idle
from services.i18n import t


def plain_text(page: Any, text: str) -> Any:
    """Text drawn by st.text: shown as written, never as Markdown or HTML."""
    return main_area(page).get_by_test_id("stText").get_by_text(text, exact=True)


def chair_replies_to_newest_case(chair: Any, base_url: str, message: str, reply: str) -> None:
    """On the inbox, open the newest case (today's), see `message` as written, reply."""
    goto(chair, f"{base_url}/feedback_inbox")
    main_area(chair).get_by_label(t("inbox.open_case"), exact=True).click()
    chair.get_by_role("option").first.click()
    wait_idle(chair)
    assert plain_text(chair, message).is_visible()
    main_area(chair).get_by_label(t("inbox.reply_text"), exact=True).fill(reply)
    main_area(chair).get_by_role("button", name=t("inbox.send_reply"), exact=True).click()
    wait_idle(chair)
    main_area(chair).get_by_text(t("inbox.replied"), exact=True).wait_for()
