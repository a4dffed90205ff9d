"""Two app servers over one database, as behind a proxy in production: what is written through
one is read through the other, and a login made on one is honoured by the other (they share
the cookie signing key). On PostgreSQL in CI; on SQLite both servers share the file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from bench.drive import (
    StreamlitServer,
    goto,
    log_in,
    main_area,
    new_context,
    new_demo_database,
    running_servers,
    sidebar,
    wait_idle,
)
from services.i18n import t
from tests.browser.feedback_steps import chair_replies_to_newest_case, plain_text

if TYPE_CHECKING:
    from tests.conftest import DatabaseFactory

MESSAGE = "两台服务器：食堂晚餐供应时间太早，希望推迟到六点。"
REPLY = "已与食堂商定，下周起晚餐推迟到六点供应。"


@pytest.fixture(scope="module")
def servers(databases: DatabaseFactory,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[StreamlitServer]]:
    db_url = new_demo_database(databases)
    dirs = [tmp_path_factory.mktemp("server-a"), tmp_path_factory.mktemp("server-b")]
    with running_servers(db_url, dirs, shared_secrets=True) as started:
        yield started


def choose(page: Any, label: str, option: str) -> None:
    main_area(page).get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_write_on_one_server_read_on_the_other(browser: Any,
                                               servers: list[StreamlitServer]) -> None:
    a, b = (server.url for server in servers)
    assert a != b
    teacher_ctx, chair_ctx = new_context(browser), new_context(browser)
    try:
        # A teacher writes through server A ...
        teacher = teacher_ctx.new_page()
        goto(teacher, f"{a}/feedback")
        choose(teacher, t("feedback.recipient"),
               "明湖区实验小学" + t("feedback.school_union_suffix"))
        main_area(teacher).get_by_label(t("feedback.body"), exact=True).fill(MESSAGE)
        main_area(teacher).get_by_role("button", name=t("feedback.send"), exact=True).click()
        wait_idle(teacher)
        code = main_area(teacher).locator("[data-testid='stCode'] code").inner_text().strip()
        assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", code), code

        # ... the chair reads it and replies through server B ...
        chair = chair_ctx.new_page()
        goto(chair, b)
        log_in(chair, "chair")
        chair_replies_to_newest_case(chair, b, MESSAGE, REPLY)

        # ... and the teacher reads the reply through server A.
        goto(teacher, f"{a}/feedback_reply")
        main_area(teacher).get_by_label(t("feedback_reply.code"), exact=True).fill(code)
        main_area(teacher).get_by_role("button", name=t("feedback_reply.open"),
                                       exact=True).click()
        wait_idle(teacher)
        plain_text(teacher, REPLY).wait_for()

        # The chair's login cookie from server B opens server A without a new login: the
        # servers share the signing key (both on 127.0.0.1, so the browser sends it to both).
        goto(chair, f"{a}/home")
        sidebar(chair).get_by_role("button", name=t("logout"), exact=True).wait_for()
        assert main_area(chair).get_by_label(t("login.password"), exact=True).count() == 0
    finally:
        teacher_ctx.close()
        chair_ctx.close()
