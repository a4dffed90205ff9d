"""The congress motions' main journey in Chromium: `delegate` drafts a motion and asks two
delegates to co-sign; `delegate2` and `delegate3` co-sign; the chair registers and assigns it to
教务处; `dept` accepts and replies; the chair accepts the reply; `delegate` rates it 满意; the
chair marks it implemented, and the board's KPI tiles count it."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import select

from bench.drive import StreamlitServer, goto, log_in, main_area, new_context, wait_idle
from db.engine import make_engine, make_sessionmaker
from db.motions import Motion
from services import motion_queries
from services.auth import load_actor
from services.i18n import t
from services.motion_files import percent

TITLE = "关于<b>延长</b>图书室开放时间的建议"   # shown as these characters, never bold
REASON = "午休和放学后教师查阅资料不便，图书室只在上课时间开放。"
SUGGESTION = "午休和放学后各延长一小时，由值班教师轮流管理。"
REPLY = "已安排图书室午休和放学后各延长开放一小时，下月起执行。"


def button(page: Any, key: str) -> Any:
    return main_area(page).get_by_role("button", name=t(key), exact=True)


def step(page: Any, action: str) -> None:
    """Click the step's button and wait for its confirmation after the rerun."""
    button(page, f"motion.do.{action}").click()
    wait_idle(page)
    main_area(page).get_by_text(t(f"motion.done.{action}"), exact=True).wait_for()


def open_motion(page: Any, server_url: str, motion_id: int) -> None:
    goto(page, f"{server_url}/motion?id={motion_id}")
    main_area(page).get_by_test_id("stText").get_by_text(TITLE, exact=True).first.wait_for()


class Congress:
    """What the database says, read through the services as the pages do."""

    def __init__(self, db_url: str) -> None:
        self.factory = make_sessionmaker(make_engine(db_url))

    def name(self, username: str) -> str:
        with self.factory() as session:
            actor = load_actor(session, username)
            assert actor is not None
            return actor.display_name

    def motion(self) -> Motion:
        with self.factory() as session:
            found = session.scalar(select(Motion).where(Motion.title == TITLE))
            assert found is not None
            return found

    def board_counts(self) -> tuple[int, int, int, int]:
        """立案 / 提交审查 and 已落实 / 立案 of the chair's school, as its board shows them."""
        with self.factory() as session:
            chair = load_actor(session, "chair")
            assert chair is not None
            school = next(iter(chair.school_ids("school_chair")))
            k = motion_queries.kpis(session, chair, school_id=school)
            return k.registered, k.submitted, k.done, k.registered


def test_a_motion_from_draft_to_implemented(browser: Any, demo_server: StreamlitServer,
                                            server_url: str) -> None:
    books = Congress(demo_server.db_url)
    registered, submitted, done, _ = books.board_counts()
    contexts = [new_context(browser) for _ in range(5)]
    try:
        delegate, delegate2, delegate3, chair, dept = (c.new_page() for c in contexts)
        goto(delegate, server_url)
        log_in(delegate, "delegate")
        goto(delegate, f"{server_url}/motions_mine")
        main = main_area(delegate)
        main.get_by_role("tab", name=t("motion.mine.tab_new"), exact=True).click()
        for label, text in (("motion.field.title", TITLE), ("motion.field.reason", REASON),
                            ("motion.field.suggestion", SUGGESTION)):
            main.get_by_label(t(label), exact=True).fill(text)
            wait_idle(delegate)
        main.get_by_role("button", name=t("motion.form.save"), exact=True).click()
        wait_idle(delegate)
        delegate.wait_for_url("**/motion**")
        main.get_by_test_id("stText").get_by_text(TITLE, exact=True).first.wait_for()
        motion_id = books.motion().id

        # Ask the two colleagues by name, then each co-signs on their own account.
        for username in ("delegate2", "delegate3"):
            name = books.name(username)
            box = main.get_by_label(t("motion.input.cosigners"), exact=True)
            box.click()
            box.fill(name[:1])
            delegate.get_by_role("option", name=name, exact=True).click()
            delegate.keyboard.press("Escape")
            wait_idle(delegate)
        step(delegate, "ask_cosigners")
        for page, username in ((delegate2, "delegate2"), (delegate3, "delegate3")):
            goto(page, server_url)
            log_in(page, username)
            open_motion(page, server_url, motion_id)
            step(page, "cosign")
        open_motion(delegate, server_url, motion_id)
        step(delegate, "submit")

        # The committee registers it and sends it to 教务处 with the default deadline.
        goto(chair, server_url)
        log_in(chair, "chair")
        open_motion(chair, server_url, motion_id)
        step(chair, "register")
        assert books.motion().number is not None
        lead = main_area(chair).get_by_label(t("motion.input.lead_department"), exact=True)
        lead.click()
        lead.fill("教务")
        chair.get_by_role("option", name="教务处", exact=True).click()
        wait_idle(chair)
        step(chair, "assign")

        goto(dept, server_url)
        log_in(dept, "dept")
        open_motion(dept, server_url, motion_id)
        step(dept, "accept")
        main_area(dept).get_by_label(t("motion.field.reply"), exact=True).fill(REPLY)
        main_area(dept).get_by_test_id("stRadio").get_by_text(
            t("motion.extent.solved"), exact=True).click()
        wait_idle(dept)
        step(dept, "reply")

        open_motion(chair, server_url, motion_id)
        step(chair, "accept_reply")

        open_motion(delegate, server_url, motion_id)
        main_area(delegate).get_by_test_id("stRadio").get_by_text(
            t("motion.rating.satisfied"), exact=True).click()
        wait_idle(delegate)
        step(delegate, "rate")

        open_motion(chair, server_url, motion_id)
        step(chair, "implement")
        step(chair, "mark_done")
        finished = books.motion()
        assert (finished.state, finished.rating, finished.progress) == ("done", "satisfied",
                                                                        100)

        # The chair's board counts one more registered and one more implemented motion.
        assert books.board_counts() == (registered + 1, submitted + 1, done + 1,
                                        registered + 1)
        goto(chair, f"{server_url}/motion_board")
        board = main_area(chair)
        board.get_by_text(t("motion.kpi.registration_rate.counts", n=registered + 1,
                            of=submitted + 1), exact=True).wait_for()
        board.get_by_text(t("motion.kpi.done_rate.counts", n=done + 1, of=registered + 1),
                          exact=True).wait_for()
        board.get_by_text(percent(Fraction(done + 1, registered + 1)), exact=True) \
            .first.wait_for()
    finally:
        for context in contexts:
            context.close()
