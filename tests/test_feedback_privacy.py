"""The anonymity promise, checked where it could break: the schema and the logs."""

from __future__ import annotations

import logging

from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from db.models import School
from services import feedback, receipts
from tests.conftest import actor_of

# Every column the feedback tables may have. A new column fails this test until someone
# decides, here and in review, that it cannot identify a writer.
ALLOWED_COLUMNS = {
    "feedback_cases": {
        "id", "school_id", "at_district", "district_involved", "category", "status", "body",
        "sent_on", "closed_on", "receipt_bucket", "receipt_hash", "receipt_used_on",
    },
    # author_account_id is the union officer who replied; it is NULL for the writer's turns
    # (a check constraint holds it so).
    "feedback_messages": {
        "id", "case_id", "seq", "kind", "level", "author_account_id", "body", "written_on",
    },
}
IDENTIFYING_WORDS = {"ip", "addr", "address", "agent", "browser", "session", "account", "user",
                     "login", "cookie", "device", "time", "code", "email", "phone", "name"}


def test_feedback_tables_hold_only_the_allowed_columns(engine):
    inspector = inspect(engine)
    for table, allowed in ALLOWED_COLUMNS.items():
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        assert set(columns) == allowed, table
        for name, column in columns.items():
            # Days only: no column may keep a time of day.
            assert "TIME" not in str(column["type"]).upper(), f"{table}.{name}"


def test_no_case_column_is_named_like_an_identity():
    for name in ALLOWED_COLUMNS["feedback_cases"]:
        assert not IDENTIFYING_WORDS & set(name.split("_")), name
        assert not name.endswith("_at"), name  # the project's name for a moment in time


def test_a_writer_turn_cannot_carry_an_account(demo):
    code = feedback.submit_feedback(demo, school_id=None, category="other", body="测试")
    found = feedback.open_by_receipt(demo, code)
    assert found is not None
    feedback.writer_answer(demo, found, "补充")
    demo.commit()
    try:
        with demo.begin_nested():
            demo.execute(text("UPDATE feedback_messages SET author_account_id = 1 "
                              "WHERE kind = 'writer'"))
        raise AssertionError("a writer's message took an account id")
    except IntegrityError:
        pass


def test_no_log_line_holds_a_message_or_a_receipt(demo, caplog):
    """Everything logged at any level, by any library, while messages are sent, opened,
    answered and replied to."""
    text = "秘密内容-请勿记录-13812345678"
    answer = "写信人的补充-也不能记录"
    school = demo.scalar(select(School.id).where(School.code == "MH01"))
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
        try:
            code = feedback.submit_feedback(demo, school_id=school, category="ethics",
                                            body=text)
            demo.commit()
            found = feedback.open_by_receipt(demo, receipts.display(code))
            assert found is not None
            feedback.writer_answer(demo, found, answer)
            feedback.reply(demo, actor_of(demo, "chair"), found.case_id, "收到",
                           internal=False)
            demo.commit()
            feedback.open_by_receipt(demo, "9" * 16)
        finally:
            logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert caplog.records, "the capture saw nothing: the test would prove nothing"
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    for secret in (text, answer, code, receipts.display(code), "13812345678"):
        assert secret not in logged
