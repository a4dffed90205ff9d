"""Hostile text in every text field of every screen (issue 8, category 4).

The policy (services/text.py): control characters other than tab and newline, NUL, lone
surrogates, zero-width and bidi-override marks are removed; line ends become "\\n"; one-line
fields (names) turn line breaks into spaces; every field has a length cap, refused with a
catalogue message. Markup, links, formulas and SQL-looking text are stored as typed and shown
inertly: st.text and dataframes on the pages, escaped Markdown where a name sits in a caption
or a title (ui.runtime.tr_text), and a leading ' in every export cell that would be a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.competitions import Competition, HonourKind, Judge, Segment, SubjectGroup
from db.engine import make_engine
from db.feedback import FeedbackCase, FeedbackMessage, MotionLead
from db.fund import BankCheck, FundCategory, FundEntry, ReliefApplication, ReliefEvent
from db.migrate import upgrade_to_head
from db.models import Account, Department, School
from db.motions import CongressVote, Motion, MotionAssignment, MotionReply
from services import (
    accounts,
    audit,
    competition_files,
    competitions,
    feedback,
    fund,
    fund_import,
    fund_reports,
    motion_files,
    motion_queries,
    motions,
    org,
    receipts,
    relief,
    year_pack,
)
from services.actor import Grant
from services.clock import local_today
from services.errors import DomainError
from services.formatting import FORMULA_PREFIXES
from services.i18n import LANGUAGES, t
from services.motion_queries import NO_FILTER
from services.text import field_text, markdown_literal, plain_text
from tests.conftest import actor_of
from tests.motion_app import app_env, on_page, session_of
from tests.motion_factory import Congress, build_congress
from tests.test_competition_files import make_view

REFUSED = "refused"   # the service raises a DomainError; nothing is stored
MEGABYTE = "字" * 1_000_000
FLOOD = "e" + "\u0301" * 5000

# (name, typed, stored in a multi-line field, stored in a one-line field)
HOSTILE: list[tuple[str, str, str, str]] = [
    ("script", "<script>alert(1)</script>", "<script>alert(1)</script>",
     "<script>alert(1)</script>"),
    ("img onerror", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>",
     "<img src=x onerror=alert(1)>"),
    ("javascript link", "[x](javascript:alert(1))", "[x](javascript:alert(1))",
     "[x](javascript:alert(1))"),
    ("data link", "[x](data:text/html,<b>x</b>)", "[x](data:text/html,<b>x</b>)",
     "[x](data:text/html,<b>x</b>)"),
    ("external image", "![](https://evil.example/a.png)", "![](https://evil.example/a.png)",
     "![](https://evil.example/a.png)"),
    ("colour", ":red[big]", ":red[big]", ":red[big]"),
    ("heading", "# fake heading", "# fake heading", "# fake heading"),
    ("table", "| a | b |\n|---|---|", "| a | b |\n|---|---|", "| a | b | |---|---|"),
    ("hyperlink formula", '=HYPERLINK("http://x")', '=HYPERLINK("http://x")',
     '=HYPERLINK("http://x")'),
    ("plus", "+1", "+1", "+1"),
    ("minus", "-1+2", "-1+2", "-1+2"),
    ("at", "@SUM(A1)", "@SUM(A1)", "@SUM(A1)"),
    ("tab formula", "\t=1", "=1", "=1"),
    ("cr formula", "\r=1", "=1", "=1"),
    ("nul", "名\x00字", "名字", "名字"),
    ("nul alone", "\x00", "", ""),
    ("lone surrogate", "名\ud800字", "名字", "名字"),
    ("zero width", "零\u200b宽\u200d字\ufeff符", "零宽字符", "零宽字符"),
    ("rtl override", "\u202etxt.exe", "txt.exe", "txt.exe"),
    ("ansi escape", "a\x1b[31mred\x1b[0m", "a[31mred[0m", "a[31mred[0m"),
    ("c1 control", "a\x85b\x9bc", "abc", "abc"),
    ("line ends", "第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行", "第一行 第二行 第三行"),
    ("megabyte", MEGABYTE, REFUSED, REFUSED),
    ("combining flood", FLOOD, REFUSED, REFUSED),
    ("sql drop", "'; DROP TABLE motions; --", "'; DROP TABLE motions; --",
     "'; DROP TABLE motions; --"),
    ("sql or", "1 OR 1=1", "1 OR 1=1", "1 OR 1=1"),
]
NAMES = [h[0] for h in HOSTILE]


# --- the policy itself ------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "multi", "single"), [h[1:] for h in HOSTILE], ids=NAMES)
def test_the_policy_on_each_hostile_value(typed, multi, single):
    if multi is REFUSED:
        assert len(plain_text(typed)) > 5000      # only the caps refuse these
        with pytest.raises(DomainError) as caught:
            field_text(typed, field="motion.field.title", limit=5000)
        assert caught.value.key == "text.error.too_long"
        return
    assert plain_text(typed) == multi
    assert plain_text(typed, single_line=True) == single


REMOVED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069"
                     "\ufeff\ud800-\udfff]")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_plain_text_leaves_nothing_the_policy_removes(raw):
    text = plain_text(raw)
    assert not REMOVED.search(text)
    assert text == text.strip()
    assert plain_text(text) == text                       # stable: storing twice changes nothing
    text.encode("utf-8")                                  # every stored text encodes
    one_line = plain_text(raw, single_line=True)
    assert "\n" not in one_line and "\t" not in one_line


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.integers(min_value=1, max_value=60), st.booleans())
def test_field_text_keeps_to_its_cap_or_says_why(raw, limit, required):
    try:
        text = field_text(raw, field="schools.name", limit=limit, required=required)
    except DomainError as error:
        assert error.key in ("text.error.required", "text.error.too_long")
        for lang in LANGUAGES:
            assert "{" not in error.message(lang)
        return
    assert len(text) <= limit and (text or not required)


# Each service's own text check, as its input paths call it: (name, check, cap, refusals)
VALIDATORS = [
    ("motions._text", lambda raw: motions._text(raw, field="motion.field.title", limit=100),
     100, {"motion.error.text_required", "motion.error.text_too_long"}),
    ("fund.clean_text", lambda raw: fund.clean_text(raw, field="fund.field.memo",
                                                    required=True),
     500, {"fund.error.text_required", "fund.error.text_too_long"}),
    ("competitions._text",
     lambda raw: competitions._text(raw, 50, required="competition.error.name_required"),
     50, {"competition.error.name_required", "competition.error.too_long"}),
    ("feedback.clean_text", lambda raw: feedback.clean_text(raw, cap=200),
     200, {"feedback.error.empty", "feedback.error.too_long"}),
]


@pytest.mark.parametrize(("check", "cap", "refusals"), [v[1:] for v in VALIDATORS],
                         ids=[v[0] for v in VALIDATORS])
@settings(max_examples=150, deadline=None)
@given(raw=st.text(max_size=600))
def test_every_service_check_applies_the_policy(check, cap, refusals, raw):
    try:
        text = check(raw)
    except DomainError as error:
        assert error.key in refusals
        for lang in LANGUAGES:
            assert error.message(lang)   # renders: every parameter it names is given
        return
    assert text and len(text) <= cap
    assert not REMOVED.search(text)


@pytest.mark.parametrize(("typed", "escaped"), [
    ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
    ("[x](javascript:alert(1))", r"\[x\](javascript\:alert(1))"),
    ("![](https://evil.example/a.png)", r"!\[\](https\://evil.example/a.png)"),
    (":red[big]", r"\:red\[big\]"),
    ("# fake heading", r"\# fake heading"),
    ("| a | b |", r"\| a \| b \|"),
    ("$x^2$", r"\$x^2\$"),
    ("**bold** _it_ ~~gone~~ `code`", r"\*\*bold\*\* \_it\_ \~\~gone\~\~ \`code\`"),
    ("&lt;b&gt;", r"\&lt;b\&gt;"),
    ("1. first", r"1\. first"),
    ("- item", r"\- item"),
    ("> quoted", r"\> quoted"),
    ("---", r"\---"),
    ("see www.evil.example", r"see www\.evil.example"),
    ("two\nlines", "two lines"),
    # what needs no escape keeps its look in tests and in the page source
    ("¥1,234.56 on 2026-11-25", "¥1,234.56 on 2026-11-25"),
    ("-3 (minus three)", "-3 (minus three)"),
    ("#hashtag", "#hashtag"),
    ("张三", "张三"),
])
def test_markdown_literal_escapes_what_markdown_would_read(typed, escaped):
    assert markdown_literal(typed) == escaped


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_markdown_literal_loses_nothing(raw):
    # CommonMark shows "\x" as "x" for ASCII punctuation: undoing the escapes gives the text,
    # on one line.
    assert re.sub(r"\\(.)", r"\1", markdown_literal(raw), flags=re.S) == \
        re.sub(r"\s*\n\s*", " ", raw)


# --- every text field of every screen -----------------------------------------------------------

@dataclass
class World:
    c: Congress
    expense: int          # a relief category
    income: int           # an income source
    handling: int         # a motion in handling, lead department 教务处 (c.dept)
    assigned: int         # a motion assigned to 教务处, not yet accepted
    submitted_motion: int  # a motion waiting for the committee
    submitted: int        # a relief application waiting for the chair
    case: int             # a feedback case to school A


@pytest.fixture
def world(session, monkeypatch) -> World:
    monkeypatch.setattr(accounts, "hash_password", lambda password: "not-a-real-hash")
    c = build_congress(session, year=local_today().year)
    fund.ensure_lists(session)
    expense = session.scalar(select(FundCategory.id).where(FundCategory.kind == "expense")
                             .order_by(FundCategory.id))
    income = session.scalar(select(FundCategory.id).where(FundCategory.kind == "income")
                            .order_by(FundCategory.id))
    mid = assigned_motion(session, c, "食堂延长供应")
    motions.accept(session, c.dept, motion_id=mid)
    waiting = assigned_motion(session, c, "增设饮水机")
    submitted_motion = assigned_motion(session, c, "更新多媒体设备", upto="submitted")
    app_id = relief.file_application(session, c.d1, relief.ApplicationInput(
        school_id=c.school_a, staff_id=c.staff["孙六"], category_id=expense, amount="500",
        reason="住院治疗，家庭困难"), submit=True)
    code = feedback.submit_feedback(session, school_id=c.school_a, category="teaching",
                                    body="食堂太早关门")
    case_id = feedback.open_by_receipt(session, code).case_id
    session.flush()
    return World(c, expense, income, mid, waiting, submitted_motion, app_id, case_id)


def assigned_motion(session, c: Congress, title: str, *, upto: str = "assigned") -> int:
    """A motion of 张一 (d1) moved through the service up to registered or assigned."""
    mid = motions.draft_motion(session, c.d1, meeting_id=c.meeting_a, title=title,
                               reason="晚自习后食堂已关门。", suggestion="延长到19:30。")
    motions.ask_cosigners(session, c.d1, motion_id=mid,
                          staff_ids=[c.staff["李二"], c.staff["王三"]])
    motions.cosign(session, c.d2, motion_id=mid)
    motions.cosign(session, c.d3, motion_id=mid)
    motions.submit(session, c.d1, motion_id=mid)
    if upto == "submitted":
        return mid
    motions.register(session, c.chair, motion_id=mid)
    if upto == "assigned":
        motions.assign(session, c.chair, motion_id=mid,
                       lead_department_id=c.departments["教务处"])
    return mid


@dataclass(frozen=True)
class Field:
    name: str
    single_line: bool
    required: bool
    write: Callable[[object, World, str, int], Callable[[], str]]
    # write(session, world, typed, n) stores the value and returns how to read it back
    blank: str = ""       # what an optional field holds when nothing is left of the text


def _draft(part: str):
    def write(s, w, typed, n):
        values = {"title": "标题", "reason": "理由", "suggestion": "建议", part: typed}
        mid = motions.draft_motion(s, w.c.d1, meeting_id=w.c.meeting_a, **values)
        return lambda: getattr(s.get(Motion, mid), part)
    return write


def _motion_reply(s, w, typed, n):
    motions.reply(s, w.c.dept, motion_id=w.handling, body=typed, extent="solved")
    return lambda: s.scalar(select(MotionReply.body).where(MotionReply.motion_id == w.handling))


def _return_reason(s, w, typed, n):
    motions.request_return(s, w.c.dept, motion_id=w.assigned, reason=typed)
    return lambda: s.scalar(select(MotionAssignment.return_reason)
                            .where(MotionAssignment.motion_id == w.assigned,
                                   MotionAssignment.role == "lead"))


def _reject_reason(s, w, typed, n):
    motions.reject(s, w.c.chair, motion_id=w.submitted_motion, reason=typed)
    return lambda: s.get(Motion, w.submitted_motion).decision_note


def _vote_subject(s, w, typed, n):
    vote_id = motions.record_vote(s, w.c.chair, meeting_id=w.c.meeting_a, subject=typed,
                                  voted_on=local_today(), entitled=5, present=5, yes=5, no=0,
                                  abstain=0)
    return lambda: s.get(CongressVote, vote_id).subject


def _relief(part: str):
    def write(s, w, typed, n):
        values = {"reason": "住院治疗", part: typed}
        app_id = relief.file_application(s, w.c.d1, relief.ApplicationInput(
            school_id=w.c.school_a, staff_id=w.c.staff["孙六"], category_id=w.expense,
            amount="100", **values), submit=False)
        return lambda: getattr(s.get(ReliefApplication, app_id), part)
    return write


def _relief_step(call):
    def write(s, w, typed, n):
        call(s, w.c.chair, w.submitted, typed)
        return lambda: s.scalar(select(ReliefEvent.note).where(
            ReliefEvent.application_id == w.submitted).order_by(ReliefEvent.id.desc()).limit(1))
    return write


def _fund_entry(part: str):
    def write(s, w, typed, n):
        posted = fund.post_entry(s, w.c.district, account_id=fund.account_id_for(s, None),
                                 kind="income", category_id=w.income, amount="10",
                                 entry_date=local_today(), **{part: typed})
        return lambda: getattr(s.get(FundEntry, posted.id), part)
    return write


def _category_name(s, w, typed, n):
    category_id = fund.save_category(s, w.c.district, kind="expense", name=typed)
    return lambda: s.get(FundCategory, category_id).name


def _reversal_reason(s, w, typed, n):
    posted = fund.post_entry(s, w.c.district, account_id=fund.account_id_for(s, None),
                             kind="income", category_id=w.income, amount="10",
                             entry_date=local_today())
    reversal = fund.reverse_entry(s, w.c.district, posted.id, reason=typed)
    return lambda: s.get(FundEntry, reversal.id).memo


def _bank_note(s, w, typed, n):
    check = fund.record_bank_check(s, w.c.district, checked_on=local_today(),
                                   bank_balance="0", note=typed)
    return lambda: s.get(BankCheck, check.id).note


def _writer_answer(s, w, typed, n):
    code = feedback.submit_feedback(s, school_id=w.c.school_a, category="pay", body="工资条")
    writer = feedback.open_by_receipt(s, code)
    feedback.writer_answer(s, writer, typed)
    return lambda: s.scalar(select(FeedbackMessage.body).where(
        FeedbackMessage.case_id == writer.case_id).order_by(FeedbackMessage.id.desc()).limit(1))


def _forward_note(s, w, typed, n):
    feedback.forward(s, w.c.chair, w.case, note=typed)
    return lambda: s.scalar(select(FeedbackMessage.body).where(
        FeedbackMessage.case_id == w.case).order_by(FeedbackMessage.id.desc()).limit(1)) or ""


def _lead_title(s, w, typed, n):
    lead_id = feedback.offer_motion_lead(s, w.c.chair, w.case,
                                         delegate_staff_id=w.c.staff["张一"], title=typed,
                                         reason="理由", suggestion="建议")
    return lambda: s.get(MotionLead, lead_id).title


def _honour_kind(s, w, typed, n):
    kind_id = competitions.add_honour_kind(s, w.c.district, typed)
    return lambda: s.get(HonourKind, kind_id).name


def _feedback_submit(s, w, typed, n):
    code = feedback.submit_feedback(s, school_id=w.c.school_a, category="pay", body=typed)
    case_id = feedback.open_by_receipt(s, code).case_id
    return lambda: s.get(FeedbackCase, case_id).body


def _feedback_reply(internal: bool):
    def write(s, w, typed, n):
        feedback.reply(s, w.c.chair, w.case, typed, internal=internal)
        return lambda: s.scalar(select(FeedbackMessage.body).where(
            FeedbackMessage.case_id == w.case).order_by(FeedbackMessage.id.desc()).limit(1))
    return write


def _competition(part: str):
    def write(s, w, typed, n):
        names = {"name": "校级课堂教学竞赛", "kind": "课堂教学竞赛", "judge": "评委甲",
                 "group": "数学", "segment": "课堂教学", part: typed}
        cid = competitions.create_competition(s, w.c.chair, competitions.CompetitionInput(
            name=names["name"], level="school", kind=names["kind"], year=local_today().year,
            organiser_school_id=w.c.school_a, held_on=None,
            segments=[competitions.SegmentInput(names["segment"], Decimal(100), Decimal(100))],
            tiers=[competitions.TierInput("一等奖", fixed_count=1)],
            judges=[competitions.JudgeInput(names["judge"]), competitions.JudgeInput("评委乙"),
                    competitions.JudgeInput("评委丙")],
            entrants=[competitions.EntrantInput(w.c.staff["孙六"], names["group"])]))
        model, column = {"name": (Competition, Competition.name),
                         "kind": (Competition, Competition.kind),
                         "judge": (Judge, Judge.name), "group": (SubjectGroup, SubjectGroup.name),
                         "segment": (Segment, Segment.name)}[part]
        where = model.id == cid if model is Competition else model.competition_id == cid
        return lambda: s.scalar(select(column).where(where).order_by(model.id).limit(1))
    return write


def _display_name(s, w, typed, n):
    account_id = accounts.create_account(s, w.c.district, username=f"hostile{n:02d}",
                                         display_name=typed, password="union-hostile-2026",
                                         grants=[Grant("delegate", w.c.school_a)])
    return lambda: s.get(Account, account_id).display_name


def _school_name(s, w, typed, n):
    school_id = org.create_school(s, w.c.district, code=f"H{n:02d}", name=typed,
                                  departments=["教务处"])
    return lambda: s.get(School, school_id).name


def _department_name(s, w, typed, n):
    dept_id = org.add_department(s, w.c.district, school_id=w.c.school_b, name=typed)
    return lambda: s.get(Department, dept_id).name


FIELDS = [
    Field("motion title", False, True, _draft("title")),
    Field("motion reason", False, True, _draft("reason")),
    Field("motion suggestion", False, True, _draft("suggestion")),
    Field("motion reply", False, True, _motion_reply),
    Field("motion return reason", False, True, _return_reason),
    Field("motion reject reason", False, True, _reject_reason),
    Field("congress vote subject", False, True, _vote_subject),
    Field("relief reason", False, True, _relief("reason")),
    Field("relief medical details", False, False, _relief("medical_details")),
    Field("relief return note", False, True, _relief_step(relief.return_application)),
    Field("relief reject reason", False, True, _relief_step(relief.reject)),
    Field("fund memo", False, False, _fund_entry("memo")),
    Field("fund counterparty", False, False, _fund_entry("counterparty")),
    Field("fund category name", False, True, _category_name),
    Field("fund reversal reason", False, True, _reversal_reason),
    Field("bank check note", False, False, _bank_note),
    Field("feedback message", False, True, _feedback_submit),
    Field("feedback public reply", False, True, _feedback_reply(internal=False)),
    Field("feedback internal note", False, True, _feedback_reply(internal=True)),
    Field("feedback writer's answer", False, True, _writer_answer),
    Field("feedback forward note", False, False, _forward_note),   # blank: no note at all
    Field("motion lead title", False, True, _lead_title),
    Field("competition name", True, True, _competition("name")),
    Field("competition kind", True, False, _competition("kind")),
    Field("judge name", True, True, _competition("judge")),
    Field("subject group", True, False, _competition("group"), blank="综合"),
    Field("segment name", True, True, _competition("segment")),
    Field("honour kind name", True, True, _honour_kind),
    Field("account display name", True, True, _display_name),
    Field("school name", True, True, _school_name),
    Field("department name", True, True, _department_name),
]


@pytest.mark.parametrize("field", FIELDS, ids=[f.name for f in FIELDS])
def test_each_hostile_value_in_each_field_is_stored_inertly_or_refused(session, world, field):
    wrong = []
    for n, (name, typed, multi, single) in enumerate(HOSTILE):
        expected = single if field.single_line else multi
        if expected == "" and not field.required:
            expected = field.blank
        step = session.begin_nested()
        try:
            read = field.write(session, world, typed, n)
            session.flush()
            stored = read()
        except DomainError as error:
            step.rollback()
            for lang in LANGUAGES:
                assert error.message(lang) and "{" not in error.message(lang), error.key
            if expected is REFUSED:
                continue
            if (single if field.single_line else multi) == "" and field.required:
                continue
            wrong.append((name, f"refused: {error.key}"))
            continue
        step.rollback()
        if stored is None and expected == "":
            stored = ""
        if stored != expected:
            wrong.append((name, stored if len(stored or "") < 80 else stored[:80] + "…"))
    assert wrong == []


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=110), reason=st.text(min_size=1, max_size=300))
def test_any_text_either_saves_and_reads_back_or_is_refused(session, world, title, reason):
    step = session.begin_nested()
    try:
        mid = motions.draft_motion(session, world.c.d1, meeting_id=world.c.meeting_a,
                                   title=title, reason=reason, suggestion="建议")
        session.flush()
        session.expire_all()
        motion = session.get(Motion, mid)
        assert (motion.title, motion.reason) == (plain_text(title), plain_text(reason))
    except DomainError as error:
        assert error.key in ("motion.error.text_required", "motion.error.text_too_long")
    finally:
        step.rollback()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=200), name=st.text(max_size=60))
def test_any_feedback_and_any_name_save_or_are_refused(session, world, body, name):
    step = session.begin_nested()
    try:
        code = feedback.submit_feedback(session, school_id=world.c.school_a, category="other",
                                        body=body)
        case_id = feedback.open_by_receipt(session, code).case_id
        session.flush()
        session.expire_all()
        assert session.get(FeedbackCase, case_id).body == plain_text(body)
    except DomainError as error:
        assert error.key == "feedback.error.empty"
    finally:
        step.rollback()
    step = session.begin_nested()
    try:
        dept_id = org.add_department(session, world.c.district, school_id=world.c.school_b,
                                     name=name)
        session.flush()
        session.expire_all()
        assert session.get(Department, dept_id).name == plain_text(name, single_line=True)
    except DomainError as error:
        assert error.key in ("org.department_name_required", "org.department_exists",
                             "text.error.too_long")
    finally:
        step.rollback()


def test_sql_looking_text_is_only_text(session, world):
    motions.draft_motion(session, world.c.d1, meeting_id=world.c.meeting_a,
                         title="'; DROP TABLE motions; --", reason="1 OR 1=1", suggestion="x")
    session.flush()
    found = session.scalars(select(Motion.title).order_by(Motion.id)).all()
    assert found == ["食堂延长供应", "增设饮水机", "更新多媒体设备", "'; DROP TABLE motions; --"]
    # a search for it finds only the motion whose title holds it
    frame, total = motion_queries.list_motions(
        session, world.c.chair, filters=motion_queries.MotionFilter(text="' OR 1=1 --"))
    assert (list(frame["title"]), total) == ([], 0)


# --- exports: formulas come out as text ---------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "=1"]


def _cells(data: bytes) -> list[tuple[str, object, str]]:
    book = load_workbook(io.BytesIO(data))
    return [(sheet.title, cell.value, cell.data_type) for sheet in book.worksheets
            for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _assert_inert(data: bytes, must_hold: list[str]) -> None:
    cells = _cells(data)
    assert [c for c in cells if c[2] == "f"] == []                       # no formula cell
    live = [c for c in cells if isinstance(c[1], str) and c[1].startswith(FORMULA_PREFIXES)]
    assert live == []
    texts = {c[1] for c in cells if isinstance(c[1], str)}
    missing = [m for m in must_hold if not any(m in t for t in texts)]
    assert missing == []


@pytest.fixture
def formula_world(session, world) -> World:
    c = world.c
    for n, text in enumerate(FORMULAS):
        assigned_motion(session, c, text, upto="registered")
        fund.post_entry(session, c.district, account_id=fund.account_id_for(session, None),
                        kind="income", category_id=world.income, amount=f"{n + 1}",
                        entry_date=local_today(), counterparty=text, memo=text)
    org.create_school(session, c.district, code="FX1", name='=HYPERLINK("http://x")学校',
                      departments=["@SUM(A1)"])
    fund.record_bank_check(session, c.district, checked_on=local_today(), bank_balance="15",
                           note="@SUM(A1)")
    motions.reply(session, c.dept, motion_id=world.handling, body="-1+2", extent="solved")
    session.flush()
    return world


def test_the_motion_register_export_keeps_formulas_as_text(session, formula_world):
    data = motion_files.register_xlsx(session, formula_world.c.chair, filters=NO_FILTER)
    _assert_inert(data, ["'=HYPERLINK(\"http://x\")", "'+1", "'-1+2", "'@SUM(A1)", "'=1"])


def test_the_fund_journal_and_reports_keep_formulas_as_text(session, formula_world):
    today = local_today()
    data = fund_reports.journal_xlsx(session, formula_world.c.district, start=today,
                                     end=today)
    _assert_inert(data, ["'=HYPERLINK(\"http://x\")", "'+1", "'-1+2", "'@SUM(A1)", "'=1"])
    _assert_inert(fund_reports.reports_xlsx(session, formula_world.c.district,
                                            year=today.year), [])


def test_the_audit_export_keeps_formulas_as_text(session, formula_world):
    data = audit.export_xlsx(session, formula_world.c.district)
    _assert_inert(data, ["'@SUM(A1)", 'HYPERLINK(\\"http://x\\")学校'])


def test_the_donation_template_keeps_school_names_as_text(session, formula_world):
    data = fund_import.template_xlsx("zh", session)
    _assert_inert(data, ["'FX1 =HYPERLINK(\"http://x\")学校"[1:]])


def test_the_progress_template_keeps_titles_as_text(session, formula_world):
    c = formula_world.c
    motions.accept_reply(session, c.chair, motion_id=formula_world.handling)
    motions.rate(session, c.d1, motion_id=formula_world.handling, rating="satisfied")
    motions.implement(session, c.chair, motion_id=formula_world.handling)
    session.execute(Motion.__table__.update().where(Motion.id == formula_world.handling)
                    .values(title="@SUM(A1)"))
    data = motion_files.progress_template_xlsx(session, c.chair, meeting_id=c.meeting_a)
    _assert_inert(data, ["'@SUM(A1)"])


def test_competition_workbooks_keep_names_as_text():
    view = make_view()
    view.entrants[201] = '=HYPERLINK("http://x")'
    view.judges[101] = "@SUM(A1)"
    _assert_inert(competition_files.score_template(view),
                  ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"])
    frame = pd.DataFrame({"id": [1], "year": [2026], "honour": ["=1"], "holder": ["-1+2"],
                          "school": ["+1"], "level": ["district"], "issuer": ["@x"]})
    _assert_inert(competition_files.honours_workbook(frame), ["'=1", "'-1+2", "'+1", "'@x"])


def test_a_date_like_text_is_never_read_back_as_a_date(session, world):
    # Excel would turn "2026-03-05" typed in a memo into a date only on typing, not on open:
    # the export holds it as text.
    fund.post_entry(session, world.c.district, account_id=fund.account_id_for(session, None),
                    kind="income", category_id=world.income, amount="1",
                    entry_date=local_today(), memo="2026-03-05")
    today = local_today()
    cells = _cells(fund_reports.journal_xlsx(session, world.c.district, start=today,
                                             end=today))
    assert ("2026-03-05" in {c[1] for c in cells if c[2] == "s"})
    assert not any(isinstance(c[1], dt.datetime) and c[1].date() == dt.date(2026, 3, 5)
                   for c in cells)


# --- rendering: what people typed shows as text on every screen ---------------------------------

MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
          "[x](javascript:alert(1))", "[x](data:text/html,<b>x</b>)",
          "![](https://evil.example/a.png)", ":red[big]", "# fake heading",
          "| a | b |\n|---|---|", '=HYPERLINK("http://x")', "'; DROP TABLE motions; --"]
BODY = "\n".join(MARKUP)
TITLE = "<img src=x onerror=alert(1)>[x](javascript:alert(1))"
NAME = ":red[big]![](https://evil.example/a.png)"
HEADING = "# fake heading"
# What a Markdown element must never hold: each would be read as HTML, a link, an image, a
# colour, a heading or a table.
# What Markdown would read as markup once the escapes are taken out ("](" is every link and
# image; a heading only at the start of a line).
RAW = tuple(re.compile(p) for p in (
    "<script", "<img", "javascript:", "data:text/html", r"\]\(", r":red\[", r"(?m)^\s*# fake",
    r"\|---\|", r"(?i)www\."))
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "success", "error",
                  "warning", "info", "toast")
LABELLED_KINDS = ("metric", "button", "checkbox", "radio", "selectbox", "multiselect", "text_input",
                  "text_area", "number_input", "date_input", "tab", "expander", "toggle")


@dataclass
class Screens:
    url: str
    motion: int
    relief: int
    case: int
    competition: int
    receipt: str          # of a message to the school whose name is NAME, answered with BODY


@pytest.fixture(scope="module")
def screens_db(databases) -> Screens:
    url = databases.new_url()
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    with session_of(url) as s:
        c = build_congress(s, year=local_today().year)
        fund.ensure_lists(s)
        mid = motions.draft_motion(s, c.d1, meeting_id=c.meeting_a, title=TITLE, reason=BODY,
                                   suggestion=BODY)
        motions.ask_cosigners(s, c.d1, motion_id=mid, staff_ids=[c.staff["李二"], c.staff["王三"]])
        motions.cosign(s, c.d2, motion_id=mid)
        motions.cosign(s, c.d3, motion_id=mid)
        motions.submit(s, c.d1, motion_id=mid)
        motions.register(s, c.chair, motion_id=mid)
        motions.assign(s, c.chair, motion_id=mid, lead_department_id=c.departments["教务处"])
        motions.accept(s, c.dept, motion_id=mid)
        motions.reply(s, c.dept, motion_id=mid, body=BODY, extent="solved")
        expense = s.scalar(select(FundCategory.id).where(FundCategory.kind == "expense")
                           .order_by(FundCategory.id))
        app_id = relief.file_application(s, c.d1, relief.ApplicationInput(
            school_id=c.school_a, staff_id=c.staff["孙六"], category_id=expense, amount="300",
            reason=BODY, medical_details=BODY), submit=True)
        relief.return_application(s, c.chair, app_id, BODY)
        code = feedback.submit_feedback(s, school_id=c.school_a, category="teaching", body=BODY)
        case_id = feedback.open_by_receipt(s, code).case_id
        feedback.reply(s, c.chair, case_id, BODY, internal=False)
        feedback.offer_motion_lead(s, c.chair, case_id, delegate_staff_id=c.staff["张一"],
                                   title=TITLE, reason=BODY, suggestion=BODY)
        cid = competitions.create_competition(s, c.chair, competitions.CompetitionInput(
            name=TITLE, level="school", kind=NAME, year=local_today().year,
            organiser_school_id=c.school_a, held_on=None,
            segments=[competitions.SegmentInput(NAME, Decimal(100), Decimal(100))],
            tiers=[competitions.TierInput(":red[big]", fixed_count=1)],
            judges=[competitions.JudgeInput(NAME), competitions.JudgeInput("评委乙"),
                    competitions.JudgeInput("评委丙")],
            entrants=[competitions.EntrantInput(c.staff["孙六"], HEADING)]))
        school_id = org.create_school(s, c.district, code="HX1", name=NAME,
                                      departments=[HEADING])
        accounts.create_account(s, c.district, username="m_hostilechair", display_name="陈主席",
                                password="union-hostile-2026",
                                grants=[Grant("school_chair", school_id)])
        receipt = feedback.submit_feedback(s, school_id=school_id, category="other", body=BODY)
        feedback.reply(s, actor_of(s, "m_hostilechair"),
                       feedback.open_by_receipt(s, receipt).case_id, BODY, internal=False)
        accounts.create_account(s, c.district, username="m_hostile", display_name=NAME,
                                password="union-hostile-2026",
                                grants=[Grant("delegate", school_id)])
        s.commit()
    return Screens(url, mid, app_id, case_id, cid, receipt)


@pytest.fixture
def screens(screens_db, monkeypatch) -> Screens:
    with app_env(monkeypatch) as use:
        use(screens_db.url)
        yield screens_db


def _markdown_values(at) -> list[str]:
    values = [str(e.value) for kind in MARKDOWN_KINDS for e in at.get(kind)]
    values += [str(getattr(e, "label", "")) for kind in LABELLED_KINDS for e in at.get(kind)]
    return values


def _plain_values(at) -> str:
    texts = [str(e.value) for kind in ("text", "code") for e in at.get(kind)]
    for frame in at.dataframe:
        texts += [str(v) for v in frame.value.astype(str).to_numpy().ravel()]
    texts += [re.sub(r"\\(.)", r"\1", v, flags=re.S) for v in _markdown_values(at)]
    return "\n".join(texts)


SCREENS = [
    # (who, page, session state name → Screens attribute, the texts it must show)
    ("m_chair", "motion", {"motion_id": "motion"}, [TITLE, BODY]),
    ("m_d1", "motion", {"motion_id": "motion"}, [TITLE, BODY]),
    ("m_dept", "motion_department", {}, [TITLE]),
    ("m_d1", "motions_mine", {}, [TITLE]),
    ("m_district", "motion_list", {}, [TITLE]),
    ("m_chair", "motion_review", {}, []),
    ("m_chair", "motion_board", {}, []),
    ("m_chair", "relief_case", {"relief_id": "relief"}, [BODY]),
    ("m_chair", "relief", {}, []),
    ("m_chair", "feedback_inbox", {"inbox_case": "case"}, [BODY, TITLE]),
    ("m_d1", "motion_leads", {}, [TITLE, BODY]),
    ("m_chair", "competition", {"competition_id": "competition"}, [NAME, HEADING]),
    ("m_chair", "competitions", {}, [TITLE]),
    ("m_district", "audit_log", {}, []),
    ("m_auditor", "audit_log", {}, []),
    ("m_district", "schools", {}, [NAME]),
    ("m_district", "accounts_admin", {}, [NAME]),
    ("m_hostile", "home", {}, [NAME]),
    ("m_district", "fund", {}, []),   # a school's name in a balance tile's label
]


@pytest.mark.parametrize(("username", "page", "state", "shown"), SCREENS,
                         ids=[f"{s[1]}-{s[0]}" for s in SCREENS])
def test_a_screen_shows_hostile_text_as_text(screens, username, page, state, shown):
    at = on_page(username, page, **{name: getattr(screens, attr) for name, attr in state.items()})
    assert not at.exception
    assert t("access.denied") not in [w.value for w in at.warning]
    unescaped = [(value, re.sub(r"\\.", "\x00", value, flags=re.S))   # what Markdown reads
                 for value in _markdown_values(at)]
    leaks = [(raw.pattern, value[:120]) for value, read in unescaped for raw in RAW
             if raw.search(read)]
    assert leaks == []
    plain = _plain_values(at)
    assert [text for text in shown if text not in plain] == []


def _assert_no_leak(at) -> None:
    read = [(v, re.sub(r"\\.", "\x00", v, flags=re.S)) for v in _markdown_values(at)]
    assert [(raw.pattern, v[:120]) for v, r in read for raw in RAW if raw.search(r)] == []


def test_the_anonymous_writer_reads_the_reply_as_text(screens):
    at = on_page(None, "feedback_reply")
    at.text_input[0].input(receipts.display(screens.receipt))
    at.button[0].click()
    at.run()
    assert not at.exception and [e.value for e in at.error] == []
    _assert_no_leak(at)
    assert [x.value for x in at.text] == [BODY, BODY]
    assert NAME in _plain_values(at)


def test_an_error_quoting_typed_text_keeps_it_text(screens):
    def page() -> None:
        from services.errors import DomainError
        from ui.runtime import show_error
        show_error(DomainError("org.department_exists",
                               name=":red[big]![](https://evil.example/a.png)"))

    at = AppTest.from_function(page)
    at.run()
    assert [e.value for e in at.error] == [
        "该校已有名为「\\:red\\[big\\]!\\[\\](https\\://evil.example/a.png)」的部门。"]


def test_the_year_pack_keeps_school_names_as_text(session, formula_world):
    pack = year_pack.year_pack(session, formula_world.c.district, year=local_today().year)
    _assert_inert(year_pack.year_pack_xlsx(pack), ["'=HYPERLINK(\"http://x\")学校"])


@pytest.mark.parametrize(("field", "cap", "message"), [
    ("account display name", 50, "姓名太长：最多 50 个字，现在是 51 个字。"),
    ("school name", 100, "学校名称太长：最多 100 个字，现在是 101 个字。"),
    ("department name", 50, "部门名称太长：最多 50 个字，现在是 51 个字。"),
])
def test_names_fit_their_columns_on_every_database(session, world, field, cap, message):
    # PostgreSQL refuses a String(50) value of 51 characters with a driver error: the service
    # says it first, in the reader's words.
    write = next(f.write for f in FIELDS if f.name == field)
    assert write(session, world, "名" * cap, 98)() == "名" * cap
    with pytest.raises(DomainError) as caught:
        write(session, world, "名" * (cap + 1), 99)
    assert caught.value.message("zh") == message
