"""教代会提案: services/motions.py on a real database — the whole state machine, who may move a
motion, its history, bad input, numbering, merges, department returns, reopens, votes, meeting
settings, overdue and read scope.

The small district of tests.motion_factory is used: school A (SCH1) with five delegates (张一 …
钱五; 张一 … 赵四 log in as d1 … d4), three departments with the heads of 教务处 (dept) and 总务处
(dept2), school B (SCH2) with one delegate and a department head, a chair per school, the district
admin and an auditor. Unless a test says otherwise, d1 (张一) proposes every motion, for meeting A
(2026, at least two co-signers, reply within 30 days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, AccountRole, AuditEntry
from db.motions import (
    MOTION_STATES,
    CongressMeeting,
    CongressVote,
    Motion,
    MotionAssignment,
    MotionCosigner,
    MotionEvent,
    MotionMilestone,
    MotionRating,
    MotionReply,
)
from services import motions
from services.actor import Actor
from services.clock import local_today
from services.errors import DomainError
from services.i18n import catalogue, t
from tests.conftest import actor_of
from tests.motion_factory import Congress, build_congress

TITLE = "关于改善教师午餐条件的提案"
REASON = "食堂午餐品种单一，教师反映较多。"
SUGGESTION = "增加菜品种类，设立教师窗口。"
LEAD_TITLE = "关于建设教师书屋的提案"
TITLE_LIMIT = 100
TEXT_LIMIT = 5000                   # 理由 and 建议 (services.motions.MAX_TEXT)


@pytest.fixture
def c(session) -> Congress:
    return build_congress(session)


def days(n: int) -> dt.date:
    return local_today() + dt.timedelta(days=n)


def person(c: Congress, name: str) -> Actor:
    return getattr(c, name)


def draft(session: Session, c: Congress, who: str = "d1", *, meeting: int | None = None,
          title: str = TITLE) -> int:
    return motions.draft_motion(session, person(c, who), meeting_id=meeting or c.meeting_a,
                                title=title, reason=REASON, suggestion=SUGGESTION,
                                category="welfare")


def state(session: Session, motion_id: int) -> str:
    return session.scalar(select(Motion.state).where(Motion.id == motion_id)
                          .execution_options(populate_existing=True))


def fetch(session: Session, motion_id: int) -> Motion:
    return session.get(Motion, motion_id, populate_existing=True)


def count(session: Session, model: type, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def snapshot(session: Session, motion_id: int) -> tuple[str, int, int]:
    """The motion's state, the length of its history and of the audit log."""
    return (state(session, motion_id),
            count(session, MotionEvent, MotionEvent.motion_id == motion_id),
            count(session, AuditEntry))


def refused(call: Callable, /, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def refused_unchanged(session: Session, watched: int, call: Callable, /, *args,
                      **kwargs) -> DomainError:
    """Refused with a DomainError, and the motion, its history and the audit log untouched."""
    before = snapshot(session, watched)
    error = refused(call, *args, **kwargs)
    assert snapshot(session, watched) == before
    return error


def names(error: DomainError, field: str) -> None:
    """The message names the field that is wrong: as its `field_key` parameter, or with the
    field's label in the text."""
    key = f"motion.field.{field}"
    assert error.params.get("field_key") == key or (
        t(key, "en").lower() in error.message("en").lower()), (error.key, error.params)


def attempt(session: Session, watched: int, call: Callable, /, *args, **kwargs) -> str:
    """One request in a savepoint that is undone afterwards: "ok"; "refused" for a DomainError
    that left the motion, its history and the audit log as they were; anything else is named."""
    before = snapshot(session, watched)
    step = session.begin_nested()
    try:
        call(*args, **kwargs)
        outcome = "ok"
    except DomainError:
        outcome = "refused" if snapshot(session, watched) == before else "refused but changed"
    except Exception as error:  # anything but a DomainError is a bug of its own
        outcome = type(error).__name__
    step.rollback()
    return outcome


def lead_motion(session: Session, c: Congress) -> int:
    """A registered motion of meeting A that others are merged into; made once per test."""
    found = session.scalar(select(Motion.id).where(Motion.title == LEAD_TITLE))
    if found is not None:
        return found
    lead = draft(session, c, title=LEAD_TITLE)
    for name in ROUTES["registered"]:
        STEPS[name](session, c, lead)
    return lead


# --- every action, by the person who may take it, with valid arguments -------------------

Call = Callable[[Session, Congress, Actor, int], object]

ACTIONS: dict[str, tuple[str, Call]] = {
    "edit_draft": ("d1", lambda s, c, a, m: motions.edit_draft(
        s, a, motion_id=m, title=TITLE + "（修改稿）", reason=REASON, suggestion=SUGGESTION,
        category="welfare")),
    "ask_cosigners": ("d1", lambda s, c, a, m: motions.ask_cosigners(
        s, a, motion_id=m, staff_ids=[c.staff["钱五"]])),
    "cosign": ("d4", lambda s, c, a, m: motions.cosign(s, a, motion_id=m)),
    "decline_cosign": ("d4", lambda s, c, a, m: motions.decline_cosign(s, a, motion_id=m)),
    "submit": ("d1", lambda s, c, a, m: motions.submit(s, a, motion_id=m)),
    "withdraw": ("d1", lambda s, c, a, m: motions.withdraw(s, a, motion_id=m, note="另行反映")),
    "return_for_revision": ("chair", lambda s, c, a, m: motions.return_for_revision(
        s, a, motion_id=m, note="请补充具体办法")),
    "register": ("chair", lambda s, c, a, m: motions.register(s, a, motion_id=m)),
    "reject": ("chair", lambda s, c, a, m: motions.reject(s, a, motion_id=m,
                                                          reason="不属于教代会职权范围")),
    "to_suggestion": ("chair", lambda s, c, a, m: motions.to_suggestion(
        s, a, motion_id=m, note="作为意见建议转交")),
    "merge": ("chair", lambda s, c, a, m: motions.merge(
        s, a, motion_id=m, lead_id=lead_motion(s, c), note="内容相近，并案办理")),
    "assign": ("chair", lambda s, c, a, m: motions.assign(
        s, a, motion_id=m, lead_department_id=c.departments["教务处"], deadline=days(30))),
    "accept": ("dept", lambda s, c, a, m: motions.accept(s, a, motion_id=m)),
    "request_return": ("dept", lambda s, c, a, m: motions.request_return(
        s, a, motion_id=m, reason="属总务处职责")),
    "reply": ("dept", lambda s, c, a, m: motions.reply(
        s, a, motion_id=m, body="已列入下学期计划。", extent="planned")),
    "send_back": ("chair", lambda s, c, a, m: motions.send_back(s, a, motion_id=m,
                                                                note="答复过于笼统")),
    "accept_reply": ("chair", lambda s, c, a, m: motions.accept_reply(s, a, motion_id=m)),
    "rate": ("d1", lambda s, c, a, m: motions.rate(s, a, motion_id=m, rating="satisfied")),
    "reopen": ("chair", lambda s, c, a, m: motions.reopen(s, a, motion_id=m,
                                                          note="提案人不满意，再次办理")),
    "implement": ("chair", lambda s, c, a, m: motions.implement(s, a, motion_id=m)),
    "record_progress": ("chair", lambda s, c, a, m: motions.record_progress(
        s, a, motion_id=m, progress=40, note="已完成招标")),
    "mark_done": ("chair", lambda s, c, a, m: motions.mark_done(s, a, motion_id=m)),
    "defer": ("chair", lambda s, c, a, m: motions.defer(s, a, motion_id=m,
                                                        reason="经费不足，明年再办")),
    "close": ("chair", lambda s, c, a, m: motions.close(s, a, motion_id=m)),
}

# (state, action) → the state it leads to; every pair not listed is refused.
ALLOWED: dict[tuple[str, str], str] = {
    ("draft", "edit_draft"): "draft",
    ("draft", "ask_cosigners"): "cosigning",
    ("draft", "withdraw"): "withdrawn",
    ("cosigning", "ask_cosigners"): "cosigning",
    ("cosigning", "cosign"): "cosigning",
    ("cosigning", "decline_cosign"): "cosigning",
    ("cosigning", "submit"): "submitted",       # two of the three asked have signed
    ("cosigning", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("submitted", "return_for_revision"): "draft",
    ("submitted", "register"): "registered",
    ("submitted", "reject"): "rejected",
    ("submitted", "to_suggestion"): "suggestion",
    ("submitted", "merge"): "merged",
    ("registered", "assign"): "assigned",
    ("suggestion", "assign"): "assigned",
    ("assigned", "accept"): "handling",
    ("assigned", "request_return"): "assigned",
    ("handling", "reply"): "replied",
    ("replied", "send_back"): "handling",
    ("replied", "accept_reply"): "awaiting_rating",
    ("awaiting_rating", "rate"): "rated",
    ("rated", "reopen"): "handling",             # rated 不满意, no reopen yet
    ("rated", "implement"): "implementing",
    ("implementing", "record_progress"): "implementing",
    ("implementing", "mark_done"): "done",
    ("implementing", "defer"): "deferred",
    ("done", "close"): "closed",
    ("deferred", "close"): "closed",
    ("rejected", "close"): "closed",
    ("merged", "close"): "closed",
    ("withdrawn", "close"): "closed",
}
# Actions that touch a motion without moving it need not write a history row.
STAYING = {"edit_draft", "cosign", "decline_cosign", "record_progress"}

def by_the_right_person(action: str) -> Callable[[Session, Congress, int], object]:
    who, call = ACTIONS[action]
    return lambda s, c, m: call(s, c, person(c, who), m)


# The steps that bring a fresh draft of d1 into each state, by the people who take them.
STEPS: dict[str, Callable[[Session, Congress, int], object]] = {
    "ask": lambda s, c, m: motions.ask_cosigners(
        s, c.d1, motion_id=m, staff_ids=[c.staff[n] for n in ("李二", "王三", "赵四")]),
    "sign_d2": lambda s, c, m: motions.cosign(s, c.d2, motion_id=m),
    "sign_d3": lambda s, c, m: motions.cosign(s, c.d3, motion_id=m),
    "rate_unsatisfied": lambda s, c, m: motions.rate(
        s, c.d1, motion_id=m, rating="unsatisfied", comment="答复没有解决实际问题"),
    "rate_satisfied": lambda s, c, m: motions.rate(s, c.d1, motion_id=m, rating="satisfied"),
    **{action: by_the_right_person(action) for action in ACTIONS},
}
_SUBMITTED = ("ask", "sign_d2", "sign_d3", "submit")
_HANDLING = (*_SUBMITTED, "register", "assign", "accept")
_AWAITING = (*_HANDLING, "reply", "accept_reply")
_IMPLEMENTING = (*_AWAITING, "rate_satisfied", "implement")
ROUTES: dict[str, tuple[str, ...]] = {
    "draft": (),
    "cosigning": ("ask", "sign_d2", "sign_d3"),   # 赵四 asked too, not signed yet
    "submitted": _SUBMITTED,
    "registered": (*_SUBMITTED, "register"),
    "suggestion": (*_SUBMITTED, "to_suggestion"),
    "merged": (*_SUBMITTED, "merge"),
    "rejected": (*_SUBMITTED, "reject"),
    "withdrawn": (*_SUBMITTED, "withdraw"),
    "assigned": (*_SUBMITTED, "register", "assign"),
    "handling": _HANDLING,
    "replied": (*_HANDLING, "reply"),
    "awaiting_rating": _AWAITING,
    "rated": (*_AWAITING, "rate_unsatisfied"),
    "implementing": _IMPLEMENTING,
    "done": (*_IMPLEMENTING, "mark_done"),
    "deferred": (*_IMPLEMENTING, "defer"),
    "closed": (*_IMPLEMENTING, "mark_done", "close"),
}


def in_state(session: Session, c: Congress, target: str, *, who: str = "d1",
             title: str = TITLE) -> int:
    """A motion brought into `target` through the real service calls."""
    motion_id = draft(session, c, who, title=title)
    for name in ROUTES[target]:
        STEPS[name](session, c, motion_id)
    assert state(session, motion_id) == target
    return motion_id


def test_the_tables_cover_every_state_and_action():
    assert set(ROUTES) == set(MOTION_STATES)
    assert set(ACTIONS) == set(motions.ACTIONS)
    assert {s for s, _a in ALLOWED} | set(ALLOWED.values()) <= set(MOTION_STATES)
    assert {a for _s, a in ALLOWED} == set(ACTIONS)
    assert (len(MOTION_STATES), len(ACTIONS), len(ALLOWED)) == (17, 24, 32)


@pytest.mark.parametrize("start", MOTION_STATES)
def test_every_action_is_allowed_from_its_states_only(session, c, start):
    lead_motion(session, c)
    motion_id = in_state(session, c, start)
    mismatches = []
    for action, (who, call) in ACTIONS.items():
        actor = person(c, who)
        expected = ALLOWED.get((start, action))
        offered = action in motions.available_actions(session, actor, fetch(session, motion_id))
        if offered != (expected is not None):
            mismatches.append((action, "offered" if offered else "not offered"))
        before = snapshot(session, motion_id)
        step = session.begin_nested()
        try:
            call(session, c, actor, motion_id)
        except DomainError:
            after = snapshot(session, motion_id)
            if expected is not None:
                mismatches.append((action, "refused"))
            elif after != before:
                mismatches.append((action, "refused but changed", before, after))
        except Exception as error:  # anything but a DomainError is a bug of its own
            mismatches.append((action, type(error).__name__, str(error)[:200]))
        else:
            reached, events, audits = snapshot(session, motion_id)
            last = session.execute(select(MotionEvent.account_id, MotionEvent.from_state,
                                          MotionEvent.to_state)
                                   .where(MotionEvent.motion_id == motion_id)
                                   .order_by(MotionEvent.id.desc()).limit(1)).one_or_none()
            wrote_event = events - before[1]
            if expected is None:
                mismatches.append((action, "allowed", reached))
            elif reached != expected:
                mismatches.append((action, "reached", reached, "expected", expected))
            elif wrote_event not in ((0, 1) if action in STAYING else (1,)):
                mismatches.append((action, "history rows written", wrote_event))
            elif wrote_event and tuple(last) != (actor.account_id, start, expected):
                mismatches.append((action, "history row", tuple(last)))
            elif audits - before[2] != 1:
                mismatches.append((action, "audit entries written", audits - before[2]))
        step.rollback()
        assert state(session, motion_id) == start        # the savepoint undid the attempt
    assert mismatches == []


# --- the right state, the wrong person ----------------------------------------------------

WRONG_PEOPLE = [
    ("edit_draft", "draft", ("d2", "chair", "district")),
    ("ask_cosigners", "draft", ("d2", "chair", "district")),
    ("cosign", "cosigning", ("chair", "dept", "delegate_b", "district")),
    ("submit", "cosigning", ("d2", "d4", "chair", "district")),
    ("withdraw", "submitted", ("d2", "chair", "district")),
    ("return_for_revision", "submitted", ("chair_b", "district", "auditor", "dept", "d1")),
    ("register", "submitted", ("chair_b", "district", "auditor", "dept", "d1")),
    ("reject", "submitted", ("chair_b", "district", "auditor", "d1")),
    ("to_suggestion", "submitted", ("chair_b", "district", "d1")),
    ("merge", "submitted", ("chair_b", "district", "d1")),
    ("assign", "registered", ("chair_b", "district", "auditor", "dept", "d1")),
    ("accept", "assigned", ("dept2", "dept_b", "chair", "district", "d1")),
    ("request_return", "assigned", ("dept2", "dept_b", "chair", "d1")),
    ("reply", "handling", ("dept2", "dept_b", "chair", "district", "d1")),
    ("send_back", "replied", ("chair_b", "dept", "district", "d1")),
    ("accept_reply", "replied", ("chair_b", "dept", "district", "d1")),
    ("rate", "awaiting_rating", ("d2", "chair", "dept", "delegate_b", "district")),
    ("reopen", "rated", ("chair_b", "dept", "district", "d2")),
    ("implement", "rated", ("chair_b", "dept", "district", "d1")),
    ("record_progress", "implementing", ("dept2", "chair_b", "district", "auditor", "d1")),
    ("mark_done", "implementing", ("chair_b", "dept", "district", "d1")),
    ("defer", "implementing", ("chair_b", "dept", "district", "d1")),
    ("close", "done", ("chair_b", "dept", "district", "auditor", "d1")),
]


@pytest.mark.parametrize(("action", "start", "wrong"), WRONG_PEOPLE,
                         ids=[f"{a}-{s}" for a, s, _w in WRONG_PEOPLE])
def test_the_right_state_but_the_wrong_person_is_refused(session, c, action, start, wrong):
    if action == "merge":
        lead_motion(session, c)
    motion_id = in_state(session, c, start)
    who, call = ACTIONS[action]
    outcomes = {name: attempt(session, motion_id, call, session, c, person(c, name), motion_id)
                for name in wrong}
    assert outcomes == dict.fromkeys(wrong, "refused")
    offered = {name for name in wrong if action in motions.available_actions(
        session, person(c, name), fetch(session, motion_id))}
    assert offered == set()
    call(session, c, person(c, who), motion_id)        # and the right person may
    assert state(session, motion_id) == ALLOWED[(start, action)]


def test_the_lead_department_posts_progress_and_co_departments_only_read(session, c):
    motion_id = in_state(session, c, "registered")
    motions.assign(session, c.chair, motion_id=motion_id,
                   lead_department_id=c.departments["教务处"],
                   co_department_ids=[c.departments["总务处"]], deadline=days(20))
    rows = session.execute(select(MotionAssignment.department_id, MotionAssignment.role,
                                  MotionAssignment.status, MotionAssignment.active,
                                  MotionAssignment.deadline)
                           .where(MotionAssignment.motion_id == motion_id)
                           .order_by(MotionAssignment.role.desc())).all()
    assert [tuple(r) for r in rows] == [
        (c.departments["教务处"], "lead", "assigned", True, days(20)),
        (c.departments["总务处"], "co", "assigned", True, days(20))]
    assert motions.can_read(session, c.dept2, fetch(session, motion_id))
    assert not motions.can_read(session, person(c, "dept_b"), fetch(session, motion_id))
    assert attempt(session, motion_id, motions.accept, session, c.dept2,
                   motion_id=motion_id) == "refused"
    motions.accept(session, c.dept, motion_id=motion_id)
    assert attempt(session, motion_id, motions.reply, session, c.dept2, motion_id=motion_id,
                   body="协办意见", extent="solved") == "refused"
    for name in ("reply", "accept_reply", "rate_satisfied", "implement"):
        STEPS[name](session, c, motion_id)
    assert attempt(session, motion_id, motions.record_progress, session, c.dept2,
                   motion_id=motion_id, progress=10, note="协办") == "refused"
    milestone = motions.record_progress(session, c.dept, motion_id=motion_id, progress=60,
                                        note="新菜单已试行", happened_on=days(0),
                                        evidence=("菜单.pdf", "application/pdf", b"%PDF-1.4"))
    row = session.get(MotionMilestone, milestone)
    assert (row.motion_id, row.progress, row.note, row.evidence_name, row.evidence_type,
            row.evidence, row.account_id, row.happened_on) == (
        motion_id, 60, "新菜单已试行", "菜单.pdf", "application/pdf", b"%PDF-1.4",
        c.dept.account_id, days(0))
    assert (fetch(session, motion_id).progress, state(session, motion_id)) == (
        60, "implementing")
    # A right-to-left override shows "\u202efdp.exe" as "exe.pdf": cleaned, then refused.
    assert attempt(session, motion_id, motions.record_progress, session, c.dept,
                   motion_id=motion_id, progress=70, note="x",
                   evidence=("\u202efdp.exe", "application/pdf", b"MZ")) == "refused"


# --- the history --------------------------------------------------------------------------

def events(session: Session, motion_id: int) -> list[tuple]:
    return [tuple(r) for r in session.execute(
        select(MotionEvent.account_id, MotionEvent.from_state, MotionEvent.to_state,
               MotionEvent.note)
        .where(MotionEvent.motion_id == motion_id).order_by(MotionEvent.id))]


def test_the_happy_path_writes_every_step_to_the_history_and_the_audit_log(session, c):
    motion_id = in_state(session, c, "closed")
    moves = [(who, frm, to) for who, frm, to, _note in events(session, motion_id) if frm != to]
    d1, chair, dept = c.d1.account_id, c.chair.account_id, c.dept.account_id
    assert moves == [
        (d1, None, "draft"), (d1, "draft", "cosigning"), (d1, "cosigning", "submitted"),
        (chair, "submitted", "registered"), (chair, "registered", "assigned"),
        (dept, "assigned", "handling"), (dept, "handling", "replied"),
        (chair, "replied", "awaiting_rating"), (d1, "awaiting_rating", "rated"),
        (chair, "rated", "implementing"), (chair, "implementing", "done"),
        (chair, "done", "closed")]
    names_of = {c.d1.account_id: {"m_d1", "张一"}, chair: {"m_chair"}, dept: {"m_dept"},
                c.d2.account_id: {"m_d2", "李二"}, c.d3.account_id: {"m_d3", "王三"}}
    labels = catalogue("en")
    for who, name, action in session.execute(
            select(MotionEvent.account_id, MotionEvent.actor_name, MotionEvent.action)
            .where(MotionEvent.motion_id == motion_id)):
        assert name in names_of[who]
        assert f"motion.action.{action}" in labels, action
    motion = fetch(session, motion_id)
    today = local_today()
    assert (motion.submitted_on, motion.registered_on, motion.assigned_on, motion.replied_on,
            motion.done_on, motion.deadline, motion.extent, motion.rating,
            motion.lead_department_id) == (
        today, today, today, today, today, days(30), "planned", "satisfied",
        c.departments["教务处"])
    audits = session.execute(select(AuditEntry.account_id, AuditEntry.school_id)
                             .where(AuditEntry.action.like("motion%"))).all()
    assert len(audits) == len(events(session, motion_id))     # one entry per step
    assert {school for _who, school in audits} == {c.school_a}
    reply = session.execute(select(MotionReply.department_id, MotionReply.account_id,
                                   MotionReply.body, MotionReply.extent, MotionReply.status,
                                   MotionReply.written_on)).one()
    assert tuple(reply) == (c.departments["教务处"], dept, "已列入下学期计划。", "planned",
                            "accepted", today)
    rating = session.execute(select(MotionRating.round, MotionRating.rating,
                                    MotionRating.staff_id, MotionRating.rated_on)).one()
    assert tuple(rating) == (1, "satisfied", c.staff["张一"], today)


def test_notes_and_reasons_are_kept_on_the_motion_and_in_its_history(session, c):
    back = in_state(session, c, "submitted")
    motions.return_for_revision(session, c.chair, motion_id=back, note="请补充具体办法")
    assert (state(session, back), fetch(session, back).revision_note) == (
        "draft", "请补充具体办法")
    assert events(session, back)[-1] == (c.chair.account_id, "submitted", "draft",
                                         "请补充具体办法")
    motions.edit_draft(session, c.d1, motion_id=back, title="关于午餐的提案（修改）",
                       reason=REASON, suggestion="每周公布菜单")
    motion = fetch(session, back)
    assert (motion.title, motion.suggestion, motion.state) == (
        "关于午餐的提案（修改）", "每周公布菜单", "draft")

    rejected = in_state(session, c, "rejected")
    assert fetch(session, rejected).decision_note == "不属于教代会职权范围"
    assert events(session, rejected)[-1][1:] == ("submitted", "rejected", "不属于教代会职权范围")
    deferred = in_state(session, c, "deferred")
    assert fetch(session, deferred).decision_note == "经费不足，明年再办"
    assert events(session, deferred)[-1][1:] == ("implementing", "deferred",
                                                 "经费不足，明年再办")
    withdrawn = in_state(session, c, "withdrawn")
    assert events(session, withdrawn)[-1] == (c.d1.account_id, "submitted", "withdrawn",
                                              "另行反映")


# --- bad input names the field and changes nothing ----------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("title", ""),
    ("title", "   "),
    ("title", "案" * (TITLE_LIMIT + 1)),
    ("reason", ""),
    ("reason", "理" * (TEXT_LIMIT + 1)),
    ("suggestion", " "),
    ("suggestion", "议" * (TEXT_LIMIT + 1)),
    ("category", "sports"),
])
def test_bad_motion_text_names_the_field_and_changes_nothing(session, c, field, value):
    fields = {"title": TITLE, "reason": REASON, "suggestion": SUGGESTION,
              "category": "welfare", field: value}
    names(refused(motions.draft_motion, session, c.d1, meeting_id=c.meeting_a, **fields), field)
    assert count(session, Motion) == 0
    motion_id = draft(session, c)
    names(refused_unchanged(session, motion_id, motions.edit_draft, session, c.d1,
                            motion_id=motion_id, **fields), field)
    motion = fetch(session, motion_id)
    assert (motion.title, motion.reason, motion.suggestion, motion.category) == (
        TITLE, REASON, SUGGESTION, "welfare")


def test_texts_at_their_limits_are_accepted(session, c):
    motion_id = motions.draft_motion(session, c.d1, meeting_id=c.meeting_a,
                                     title="案" * TITLE_LIMIT, reason="理" * TEXT_LIMIT,
                                     suggestion="议" * TEXT_LIMIT)
    motion = fetch(session, motion_id)
    assert (len(motion.title), len(motion.reason), len(motion.suggestion), motion.category) == (
        TITLE_LIMIT, TEXT_LIMIT, TEXT_LIMIT, None)


def cosigners(session: Session, motion_id: int) -> list[tuple[int, str]]:
    return [tuple(r) for r in session.execute(
        select(MotionCosigner.staff_id, MotionCosigner.status)
        .where(MotionCosigner.motion_id == motion_id).order_by(MotionCosigner.staff_id))]


def test_only_delegates_of_the_term_may_be_asked_and_only_once_each_signs(session, c):
    motion_id = draft(session, c)
    for name in ("孙六", "周七", "张一"):      # not a delegate; of school B; the proposer
        refused_unchanged(session, motion_id, motions.ask_cosigners, session, c.d1,
                          motion_id=motion_id, staff_ids=[c.staff[name]])
    refused_unchanged(session, motion_id, motions.ask_cosigners, session, c.d1,
                      motion_id=motion_id, staff_ids=[])
    assert cosigners(session, motion_id) == []
    motions.ask_cosigners(session, c.d1, motion_id=motion_id,
                          staff_ids=[c.staff["李二"], c.staff["王三"]])
    assert cosigners(session, motion_id) == [(c.staff["李二"], "requested"),
                                             (c.staff["王三"], "requested")]
    for who in ("d4", "delegate_b", "d1"):    # not asked; another school's; one's own motion
        refused_unchanged(session, motion_id, motions.cosign, session, person(c, who),
                          motion_id=motion_id)
    motions.cosign(session, c.d2, motion_id=motion_id)
    refused_unchanged(session, motion_id, motions.cosign, session, c.d2, motion_id=motion_id)
    motions.decline_cosign(session, c.d3, motion_id=motion_id)
    assert cosigners(session, motion_id) == [(c.staff["李二"], "signed"),
                                             (c.staff["王三"], "declined")]
    signed_at = session.scalar(select(MotionCosigner.signed_at)
                               .where(MotionCosigner.staff_id == c.staff["李二"]))
    assert signed_at is not None


def test_submitting_needs_the_meetings_minimum_of_signed_cosigners(session, c):
    motion_id = draft(session, c)
    refused_unchanged(session, motion_id, motions.submit, session, c.d1, motion_id=motion_id)
    motions.ask_cosigners(session, c.d1, motion_id=motion_id,
                          staff_ids=[c.staff[n] for n in ("李二", "王三", "赵四")])
    motions.cosign(session, c.d2, motion_id=motion_id)
    motions.decline_cosign(session, c.d3, motion_id=motion_id)
    error = refused_unchanged(session, motion_id, motions.submit, session, c.d1,
                              motion_id=motion_id)
    assert "2" in error.message("en")                     # says how many are needed
    motions.cosign(session, c.d4, motion_id=motion_id)
    motions.submit(session, c.d1, motion_id=motion_id)
    assert (state(session, motion_id), fetch(session, motion_id).submitted_on) == (
        "submitted", local_today())


def test_with_no_minimum_a_draft_is_submitted_straight_away(session, c):
    session.get(CongressMeeting, c.meeting_a).min_cosigners = 0
    session.flush()
    motion_id = draft(session, c)
    motions.submit(session, c.d1, motion_id=motion_id)
    assert state(session, motion_id) == "submitted"
    assert events(session, motion_id)[-1][:3] == (c.d1.account_id, "draft", "submitted")


def test_a_reason_is_required_to_reject_defer_return_or_ask_for_a_return(session, c):
    submitted = in_state(session, c, "submitted")
    for blank in ("", "   "):
        names(refused_unchanged(session, submitted, motions.reject, session, c.chair,
                                motion_id=submitted, reason=blank), "reject_reason")
        refused_unchanged(session, submitted, motions.return_for_revision, session, c.chair,
                          motion_id=submitted, note=blank)
    implementing = in_state(session, c, "implementing")
    names(refused_unchanged(session, implementing, motions.defer, session, c.chair,
                            motion_id=implementing, reason=""), "defer_reason")
    assigned = in_state(session, c, "assigned")
    names(refused_unchanged(session, assigned, motions.request_return, session, c.dept,
                            motion_id=assigned, reason=" "), "return_reason")
    handling = in_state(session, c, "handling")
    names(refused_unchanged(session, handling, motions.reply, session, c.dept,
                            motion_id=handling, body="", extent="solved"), "reply")
    refused_unchanged(session, handling, motions.reply, session, c.dept, motion_id=handling,
                      body="已解决", extent="maybe")


def test_an_unsatisfied_rating_needs_a_comment(session, c):
    motion_id = in_state(session, c, "awaiting_rating")
    for comment in (None, "", "  "):
        names(refused_unchanged(session, motion_id, motions.rate, session, c.d1,
                                motion_id=motion_id, rating="unsatisfied", comment=comment),
              "comment")
    refused_unchanged(session, motion_id, motions.rate, session, c.d1, motion_id=motion_id,
                      rating="great")
    assert count(session, MotionRating) == 0
    motions.rate(session, c.d1, motion_id=motion_id, rating="basically")
    assert fetch(session, motion_id).rating == "basically"


def test_a_deadline_in_the_past_is_refused_and_none_means_the_meetings_reply_days(session, c):
    motion_id = in_state(session, c, "registered")
    error = refused_unchanged(session, motion_id, motions.assign, session, c.chair,
                              motion_id=motion_id, lead_department_id=c.departments["教务处"],
                              deadline=days(-1))
    names(error, "deadline")
    assert count(session, MotionAssignment) == 0
    for department in (c.department_b, c.departments["教务处"] + 10_000):
        refused_unchanged(session, motion_id, motions.assign, session, c.chair,
                          motion_id=motion_id, lead_department_id=department)
    motions.assign(session, c.chair, motion_id=motion_id,
                   lead_department_id=c.departments["教务处"])
    motion = fetch(session, motion_id)
    assert (motion.state, motion.deadline, motion.assigned_on) == (
        "assigned", days(30), local_today())


def test_a_deadline_of_today_is_accepted(session, c):
    motion_id = in_state(session, c, "registered")
    motions.assign(session, c.chair, motion_id=motion_id,
                   lead_department_id=c.departments["教务处"], deadline=days(0))
    assert fetch(session, motion_id).deadline == local_today()


@pytest.mark.parametrize("progress", [-1, 101])
def test_progress_outside_0_to_100_is_refused(session, c, progress):
    motion_id = in_state(session, c, "implementing")
    names(refused_unchanged(session, motion_id, motions.record_progress, session, c.chair,
                            motion_id=motion_id, progress=progress, note="进度"), "progress")
    assert count(session, MotionMilestone) == 0
    assert fetch(session, motion_id).progress == 0


def test_progress_at_0_and_100_is_accepted(session, c):
    motion_id = in_state(session, c, "implementing")
    motions.record_progress(session, c.chair, motion_id=motion_id, progress=0, note="启动")
    motions.record_progress(session, c.chair, motion_id=motion_id, progress=100, note="完成")
    assert fetch(session, motion_id).progress == 100
    assert count(session, MotionMilestone, MotionMilestone.motion_id == motion_id) == 2


# --- numbering ----------------------------------------------------------------------------

def submitted_in(session: Session, c: Congress, meeting: int, who: str, title: str) -> int:
    """A motion submitted straight from its draft (the meeting needs no co-signers)."""
    session.get(CongressMeeting, meeting).min_cosigners = 0
    session.flush()
    motion_id = draft(session, c, who, meeting=meeting, title=title)
    motions.submit(session, person(c, who), motion_id=motion_id)
    return motion_id


def test_registered_motions_are_numbered_per_meeting_and_keep_their_number(session, c):
    first, second, rejected, suggestion, merged = (
        submitted_in(session, c, c.meeting_a, "d1", f"提案{n}") for n in range(1, 6))
    assert motions.register(session, c.chair, motion_id=second) == "2026SCH1TA001"
    assert motions.register(session, c.chair, motion_id=first) == "2026SCH1TA002"
    motions.reject(session, c.chair, motion_id=rejected, reason="不属于职权范围")
    motions.to_suggestion(session, c.chair, motion_id=suggestion)
    motions.merge(session, c.chair, motion_id=merged, lead_id=second)
    other_school = submitted_in(session, c, c.meeting_b, "delegate_b", "二中提案")
    assert motions.register(session, c.chair_b, motion_id=other_school) == "2026SCH2TA001"
    later = motions.create_meeting(session, c.chair, term_id=c.term_a, number=4, year=2027)
    next_year = submitted_in(session, c, later, "d2", "明年的提案")
    assert motions.register(session, c.chair, motion_id=next_year) == "2027SCH1TA001"

    for step in ("assign", "accept", "reply", "accept_reply", "rate_satisfied", "implement",
                 "mark_done", "close"):
        STEPS[step](session, c, second)
    motions.assign(session, c.chair, motion_id=suggestion,
                   lead_department_id=c.departments["总务处"])
    numbers = {m: fetch(session, m).number
               for m in (first, second, rejected, suggestion, merged, other_school, next_year)}
    assert numbers == {first: "2026SCH1TA002", second: "2026SCH1TA001", rejected: None,
                       suggestion: None, merged: None, other_school: "2026SCH2TA001",
                       next_year: "2027SCH1TA001"}
    assert state(session, second) == "closed"
    assert session.get(CongressMeeting, c.meeting_a, populate_existing=True).next_number == 3
    assert fetch(session, second).registered_on == local_today()


def test_a_second_meeting_in_the_same_year_registers_without_a_crash(session, c):
    # create_meeting accepts a 临时会议 (meeting 4) in 2026 beside meeting 3; both number from 1.
    first = submitted_in(session, c, c.meeting_a, "d1", "三次会议的提案")
    assert motions.register(session, c.chair, motion_id=first) == "2026SCH1TA001"
    extra = motions.create_meeting(session, c.chair, term_id=c.term_a, number=4, year=2026)
    second = submitted_in(session, c, extra, "d2", "四次会议的提案")
    # Numbers run on per school and year across meetings, so none repeats.
    assert motions.register(session, c.chair, motion_id=second) == "2026SCH1TA002"
    third = submitted_in(session, c, c.meeting_a, "d3", "三次会议的第二件")
    assert motions.register(session, c.chair, motion_id=third) == "2026SCH1TA003"


def test_a_motion_merges_only_into_a_registered_lead(session, c):
    """A lead that is only submitted could still be rejected or withdrawn, orphaning what
    was merged into it: the committee registers the lead first."""
    submitted = in_state(session, c, "submitted", title="待审的主提案")
    motion_id = in_state(session, c, "submitted", title="相近的提案")
    refused_unchanged(session, motion_id, motions.merge, session, c.chair,
                      motion_id=motion_id, lead_id=submitted)
    motions.register(session, c.chair, motion_id=submitted)
    motions.merge(session, c.chair, motion_id=motion_id, lead_id=submitted)
    assert fetch(session, motion_id).merged_into_id == submitted


def test_a_reopened_motion_gets_a_new_deadline(session, c):
    motion_id = in_state(session, c, "registered")
    motions.assign(session, c.chair, motion_id=motion_id,
                   lead_department_id=c.departments["教务处"], deadline=days(0))
    for name in ("accept", "reply", "accept_reply", "rate_unsatisfied"):
        STEPS[name](session, c, motion_id)
    refused_unchanged(session, motion_id, motions.reopen, session, c.chair,
                      motion_id=motion_id, deadline=days(-1))
    motions.reopen(session, c.chair, motion_id=motion_id)      # the meeting's 30 days
    motion = fetch(session, motion_id)
    assert (motion.state, motion.deadline, motion.reopen_count) == ("handling", days(30), 1)
    lead = session.scalars(select(MotionAssignment).where(
        MotionAssignment.motion_id == motion_id, MotionAssignment.active.is_(True))).one()
    assert (lead.status, lead.deadline) == ("accepted", days(30))
    assert not motions.is_overdue(motion, days(30))


# --- merging ------------------------------------------------------------------------------

def test_a_motion_merges_only_into_another_motion_of_its_meeting(session, c):
    lead = lead_motion(session, c)
    motion_id = in_state(session, c, "submitted")
    other_school = submitted_in(session, c, c.meeting_b, "delegate_b", "二中提案")
    later = motions.create_meeting(session, c.chair, term_id=c.term_a, number=4, year=2027)
    other_meeting = submitted_in(session, c, later, "d2", "明年的提案")
    for target in (motion_id, other_school, other_meeting, 10_000_000):
        refused_unchanged(session, motion_id, motions.merge, session, c.chair,
                          motion_id=motion_id, lead_id=target)
    motions.merge(session, c.chair, motion_id=motion_id, lead_id=lead, note="内容相近")
    motion = fetch(session, motion_id)
    assert (motion.state, motion.merged_into_id, motion.number) == ("merged", lead, None)
    assert events(session, motion_id)[-1] == (c.chair.account_id, "submitted", "merged",
                                              "内容相近")
    assert state(session, lead) == "registered"
    # A merged motion is no lead for another.
    third = in_state(session, c, "submitted", title="第三件")
    refused_unchanged(session, third, motions.merge, session, c.chair, motion_id=third,
                      lead_id=motion_id)


# --- a department asks to return a motion -------------------------------------------------

def test_a_returned_motion_is_reassigned_and_the_old_department_can_no_longer_act(session, c):
    motion_id = in_state(session, c, "assigned")
    motions.request_return(session, c.dept, motion_id=motion_id, reason="属总务处职责")
    first = session.scalars(select(MotionAssignment)
                            .where(MotionAssignment.motion_id == motion_id)).one()
    assert (first.status, first.return_reason, first.active) == (
        "return_requested", "属总务处职责", True)
    assert state(session, motion_id) == "assigned"
    assert events(session, motion_id)[-1] == (c.dept.account_id, "assigned", "assigned",
                                              "属总务处职责")
    motions.assign(session, c.chair, motion_id=motion_id,
                   lead_department_id=c.departments["总务处"], deadline=days(15))
    rows = session.execute(select(MotionAssignment.department_id, MotionAssignment.role,
                                  MotionAssignment.status, MotionAssignment.active,
                                  MotionAssignment.deadline)
                           .where(MotionAssignment.motion_id == motion_id)
                           .order_by(MotionAssignment.id)
                           .execution_options(populate_existing=True)).all()
    assert [tuple(r) for r in rows] == [
        (c.departments["教务处"], "lead", "returned", False, days(30)),
        (c.departments["总务处"], "lead", "assigned", True, days(15))]
    motion = fetch(session, motion_id)
    assert (motion.state, motion.lead_department_id, motion.deadline) == (
        "assigned", c.departments["总务处"], days(15))
    assert events(session, motion_id)[-1][:3] == (c.chair.account_id, "assigned", "assigned")
    for call in (motions.accept, motions.request_return):
        kwargs = {"reason": "再次退回"} if call is motions.request_return else {}
        assert attempt(session, motion_id, call, session, c.dept, motion_id=motion_id,
                       **kwargs) == "refused"
    motions.accept(session, c.dept2, motion_id=motion_id)
    assert state(session, motion_id) == "handling"
    assert attempt(session, motion_id, motions.reply, session, c.dept, motion_id=motion_id,
                   body="答复", extent="solved") == "refused"


# --- reopening after 不满意 -----------------------------------------------------------------

def test_an_unsatisfied_proposer_gets_at_most_two_more_rounds(session, c):
    motion_id = in_state(session, c, "rated")
    for reopens in (1, 2):
        motions.reopen(session, c.chair, motion_id=motion_id, note=f"第{reopens}次重办")
        assert (state(session, motion_id), fetch(session, motion_id).reopen_count) == (
            "handling", reopens)
        assert events(session, motion_id)[-1] == (c.chair.account_id, "rated", "handling",
                                                  f"第{reopens}次重办")
        for name in ("reply", "accept_reply", "rate_unsatisfied"):
            STEPS[name](session, c, motion_id)
    refused_unchanged(session, motion_id, motions.reopen, session, c.chair, motion_id=motion_id,
                      note="第三次")
    assert fetch(session, motion_id).reopen_count == 2
    assert session.execute(select(MotionRating.round, MotionRating.rating)
                           .where(MotionRating.motion_id == motion_id)
                           .order_by(MotionRating.round)).all() == [
        (1, "unsatisfied"), (2, "unsatisfied"), (3, "unsatisfied")]
    motions.implement(session, c.chair, motion_id=motion_id)
    assert state(session, motion_id) == "implementing"


@pytest.mark.parametrize("rating", ["satisfied", "basically"])
def test_a_satisfied_motion_is_not_reopened(session, c, rating):
    motion_id = in_state(session, c, "awaiting_rating")
    motions.rate(session, c.d1, motion_id=motion_id, rating=rating)
    refused_unchanged(session, motion_id, motions.reopen, session, c.chair, motion_id=motion_id,
                      note="再办")
    assert "reopen" not in motions.available_actions(session, c.chair,
                                                     fetch(session, motion_id))


# --- votes --------------------------------------------------------------------------------

DEFAULTS = motions.MeetingSettings()
CUSTOM = motions.MeetingSettings(quorum_num=3, quorum_den=4, pass_num=2, pass_den=3)


@pytest.mark.parametrize(("settings", "entitled", "present", "yes", "expected"), [
    (DEFAULTS, 30, 20, 0, (True, False, 20, 16)),     # exactly two thirds present
    (DEFAULTS, 30, 19, 0, (False, False, 20, 16)),
    (DEFAULTS, 30, 30, 15, (True, False, 20, 16)),    # exactly half yes is not a pass
    (DEFAULTS, 30, 30, 16, (True, True, 20, 16)),
    (DEFAULTS, 31, 21, 16, (True, True, 21, 16)),     # 21 × 3 = 63 ≥ 62
    (DEFAULTS, 31, 20, 16, (False, False, 21, 16)),   # 60 < 62: no quorum, no pass
    (DEFAULTS, 31, 31, 15, (True, False, 21, 16)),
    (CUSTOM, 40, 30, 27, (True, True, 30, 27)),       # 3/4 present; more than 2/3 yes
    (CUSTOM, 40, 29, 27, (False, False, 30, 27)),
    (CUSTOM, 30, 30, 20, (True, False, 23, 21)),      # exactly two thirds yes is not a pass
    (CUSTOM, 30, 30, 21, (True, True, 23, 21)),
])
def test_vote_thresholds_at_their_boundaries(settings, entitled, present, yes, expected):
    result = motions.vote_result(settings, entitled=entitled, present=present, yes=yes)
    assert (result.quorum, result.passed, result.quorum_needed, result.pass_needed) == expected


def test_a_meetings_own_settings_decide_its_votes(session, c):
    meeting = session.get(CongressMeeting, c.meeting_a)
    meeting.quorum_num, meeting.quorum_den = 3, 4
    result = motions.vote_result(meeting, entitled=40, present=29, yes=30)
    assert (result.quorum, result.quorum_needed) == (False, 30)


def test_a_vote_is_recorded_by_the_schools_chair(session, c):
    audited = count(session, AuditEntry)
    vote = motions.record_vote(session, c.chair, meeting_id=c.meeting_a, subject="学校工作报告",
                               voted_on=local_today(), entitled=30, present=20, yes=16, no=3,
                               abstain=1)
    row = session.get(CongressVote, vote)
    assert (row.meeting_id, row.subject, row.entitled, row.present, row.yes, row.no,
            row.abstain, row.account_id) == (
        c.meeting_a, "学校工作报告", 30, 20, 16, 3, 1, c.chair.account_id)
    assert count(session, AuditEntry) == audited + 1
    for who in ("chair_b", "d1", "dept", "auditor"):
        refused(motions.record_vote, session, person(c, who), meeting_id=c.meeting_a,
                subject="学校工作报告", voted_on=local_today(), entitled=30, present=20,
                yes=16, no=3, abstain=1)
    assert count(session, CongressVote) == 1


@pytest.mark.parametrize(("entitled", "present", "yes", "no", "abstain", "word"), [
    (30, 31, 16, 0, 0, "present"),      # 实到 > 应到
    (30, 20, 16, 4, 1, "present"),      # 赞成 + 反对 + 弃权 > 实到
    (30, 20, -1, 0, 0, "yes"),
    (30, 20, 10, -1, 0, "no"),
    (30, 20, 10, 0, -1, "abstain"),
    (30, -1, 0, 0, 0, "present"),
    (0, 0, 0, 0, 0, "entitled"),
])
def test_impossible_vote_counts_are_refused(session, c, entitled, present, yes, no, abstain,
                                            word):
    error = refused(motions.record_vote, session, c.chair, meeting_id=c.meeting_a,
                    subject="学校工作报告", voted_on=local_today(), entitled=entitled,
                    present=present, yes=yes, no=no, abstain=abstain)
    names(error, word)
    assert count(session, CongressVote) == 0


# --- meetings and their settings ----------------------------------------------------------

def test_a_schools_chair_creates_and_updates_its_meetings(session, c):
    settings = motions.MeetingSettings(min_cosigners=3, quorum_num=3, quorum_den=4, pass_num=2,
                                       pass_den=3, reply_days=15)
    meeting_id = motions.create_meeting(session, c.chair, term_id=c.term_a, number=4,
                                        year=2027, held_on=dt.date(2027, 3, 20),
                                        settings=settings)
    row = session.get(CongressMeeting, meeting_id)
    assert (row.school_id, row.term_id, row.number, row.year, row.held_on, row.min_cosigners,
            row.quorum_num, row.quorum_den, row.pass_num, row.pass_den, row.reply_days,
            row.accepting, row.next_number) == (
        c.school_a, c.term_a, 4, 2027, dt.date(2027, 3, 20), 3, 3, 4, 2, 3, 15, True, 1)
    for who in ("chair_b", "d1", "dept", "auditor"):
        refused(motions.create_meeting, session, person(c, who), term_id=c.term_a, number=5,
                year=2028)
        refused(motions.update_meeting, session, person(c, who), meeting_id=meeting_id,
                settings=DEFAULTS, accepting=False)
    refused(motions.create_meeting, session, c.chair, term_id=c.term_a, number=4, year=2027)
    assert count(session, CongressMeeting) == 3

    motions.update_meeting(session, c.chair, meeting_id=meeting_id,
                           settings=replace(settings, reply_days=20), accepting=False,
                           held_on=dt.date(2027, 3, 21))
    row = session.get(CongressMeeting, meeting_id, populate_existing=True)
    assert (row.reply_days, row.min_cosigners, row.accepting, row.held_on) == (
        20, 3, False, dt.date(2027, 3, 21))
    # Only closing the call for motions keeps the date the meeting is held.
    motions.update_meeting(session, c.chair, meeting_id=meeting_id,
                           settings=replace(settings, reply_days=20), accepting=True)
    row = session.get(CongressMeeting, meeting_id, populate_existing=True)
    assert (row.accepting, row.held_on) == (True, dt.date(2027, 3, 21))


def test_the_district_may_create_meetings(session, c):
    # The spec: the district admin "acts on nothing in the lifecycle but may create meetings".
    meeting_id = motions.create_meeting(session, c.district, term_id=c.term_a, number=4,
                                        year=2027)
    assert session.get(CongressMeeting, meeting_id).school_id == c.school_a


@pytest.mark.parametrize(("changes", "word"), [
    ({"quorum_num": 4, "quorum_den": 3}, "quorum"),
    ({"quorum_num": 0}, "quorum"),
    ({"pass_num": 3, "pass_den": 2}, "pass_share"),
    ({"pass_den": 0}, "pass_share"),
    ({"min_cosigners": -1}, "min_cosigners"),
    ({"reply_days": 0}, "reply_days"),
    ({"reply_days": 366}, "reply_days"),
])
def test_impossible_meeting_settings_are_refused(session, c, changes, word):
    bad = replace(DEFAULTS, **changes)
    names(refused(motions.create_meeting, session, c.chair, term_id=c.term_a, number=4,
                  year=2027, settings=bad), word)
    assert count(session, CongressMeeting) == 2
    names(refused(motions.update_meeting, session, c.chair, meeting_id=c.meeting_a,
                  settings=bad, accepting=True), word)
    row = session.get(CongressMeeting, c.meeting_a, populate_existing=True)
    assert (row.min_cosigners, row.quorum_num, row.quorum_den, row.pass_num, row.pass_den,
            row.reply_days) == (2, 2, 3, 1, 2, 30)


def test_motions_are_drafted_only_by_delegates_for_an_accepting_meeting_of_their_term(session,
                                                                                       c):
    motions.update_meeting(session, c.chair, meeting_id=c.meeting_a, settings=DEFAULTS,
                           accepting=False)
    refused(draft, session, c, "d1")
    refused(draft, session, c, "d1", meeting=c.meeting_b)        # another school's meeting
    for who in ("chair", "dept", "district", "auditor"):
        refused(draft, session, c, who, meeting=c.meeting_b)
    assert count(session, Motion) == 0
    motions.update_meeting(session, c.chair, meeting_id=c.meeting_a, settings=DEFAULTS,
                           accepting=True)
    motion_id = draft(session, c, "d1")
    motion = fetch(session, motion_id)
    assert (motion.state, motion.school_id, motion.meeting_id, motion.proposer_staff_id,
            motion.number, motion.reopen_count, motion.progress) == (
        "draft", c.school_a, c.meeting_a, c.staff["张一"], None, 0, 0)


# --- overdue ------------------------------------------------------------------------------

@pytest.mark.parametrize(("motion_state", "deadline", "overdue"), [
    ("assigned", -1, True),
    ("handling", -1, True),
    ("assigned", 0, False),      # the deadline day itself is still on time
    ("handling", 0, False),
    ("handling", 5, False),
    ("replied", -10, False),
    ("awaiting_rating", -10, False),
    ("registered", None, False),
    ("handling", None, False),
])
def test_overdue_follows_from_the_state_and_the_deadline(motion_state, deadline, overdue):
    today = dt.date(2026, 5, 10)
    due = None if deadline is None else today + dt.timedelta(days=deadline)
    assert motions.is_overdue(Motion(state=motion_state, deadline=due), today) is overdue


def test_an_assigned_motion_becomes_overdue_the_day_after_its_deadline(session, c):
    motion_id = in_state(session, c, "registered")
    motions.assign(session, c.chair, motion_id=motion_id,
                   lead_department_id=c.departments["教务处"], deadline=days(0))
    motion = fetch(session, motion_id)
    assert (motions.is_overdue(motion, days(0)), motions.is_overdue(motion, days(1))) == (
        False, True)
    for name in ("accept", "reply"):
        STEPS[name](session, c, motion_id)
    assert not motions.is_overdue(fetch(session, motion_id), days(1))


# --- who reads what -----------------------------------------------------------------------

def delegate_d5(session: Session, c: Congress) -> Actor:
    """钱五, a delegate of school A who is asked to co-sign nothing here."""
    account = Account(username="m_d5", display_name="钱五", password_hash="-", enabled=True,
                      failed_logins=0, staff_id=c.staff["钱五"])
    account.roles = [AccountRole(role="delegate", school_id=c.school_a)]
    session.add(account)
    session.flush()
    return actor_of(session, "m_d5")


PRIVATE = ("draft", "cosigning", "submitted", "withdrawn")
ASSIGNED_ON = ("assigned", "handling", "replied", "awaiting_rating", "rated", "implementing",
               "done", "deferred", "closed")


def test_public_states_are_those_after_review(session):
    assert set(motions.PUBLIC_STATES) == set(MOTION_STATES) - set(PRIVATE)


def test_each_reader_sees_the_motions_of_their_scope(session, c):
    lead_motion(session, c)
    d5 = delegate_d5(session, c)
    by_state = {s: in_state(session, c, s) for s in MOTION_STATES}
    readers: dict[str, tuple[Actor, Callable[[str], bool | None]]] = {
        "proposer": (c.d1, lambda s: True),
        "co-signer": (c.d2, lambda s: s != "draft"),          # asked from 征集附议 on
        "same-school delegate": (d5, lambda s: s not in PRIVATE),
        "other-school delegate": (c.delegate_b, lambda s: False),
        "lead department": (c.dept, lambda s: True if s in ASSIGNED_ON else None),
        "other department": (c.dept2, lambda s: False if s in ASSIGNED_ON else None),
        "other school's department": (c.dept_b, lambda s: False),
        # Drafts are the proposer's (and the asked co-signers') until submitted.
        "chair": (c.chair, lambda s: s not in ("draft", "cosigning")),
        "other chair": (c.chair_b, lambda s: False),
        "district": (c.district, lambda s: s not in ("draft", "cosigning")),
    }
    wrong = []
    for reader, (actor, expected) in readers.items():
        for motion_state, motion_id in by_state.items():
            want = expected(motion_state)
            if want is None:                  # the spec leaves it open
                continue
            got = motions.can_read(session, actor, fetch(session, motion_id))
            if got != want:
                wrong.append((reader, motion_state, got))
    assert wrong == []
    registered = by_state["registered"]
    assert motions.require_readable(session, c.d1, registered).id == registered
    refused(motions.require_readable, session, c.delegate_b, registered)
    refused(motions.require_readable, session, d5, by_state["submitted"])
    refused(motions.require_readable, session, c.d1, 10_000_000)
