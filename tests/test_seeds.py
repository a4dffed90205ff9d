"""The demo district: counts, determinism, idempotent reload, and its refusal to overwrite."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.competitions import (
    AwardTier,
    Competition,
    CompetitionEvent,
    Entrant,
    Honour,
    HonourKind,
    Judge,
    JudgeScore,
    ScoreSheet,
    Segment,
    StandingRow,
    SubjectGroup,
)
from db.feedback import FEEDBACK_STATUSES, FeedbackCase, FeedbackMessage, MotionLead
from db.models import (
    Account,
    AccountRole,
    CongressTerm,
    DelegateMembership,
    Department,
    School,
    Staff,
)
from seeds import __main__ as seeds_main
from seeds.demo import DEMO_PASSWORD, DEMO_RECEIPTS, load_demo, wipe
from services import receipts
from services.auth import verify_login
from services.feedback import open_by_receipt, writer_view
from services.scoring import (
    BoundaryNote,
    EntrantScores,
    Result,
    SegmentRule,
    TierRule,
    award,
    check_segments,
    rank,
)

TODAY = dt.date(2026, 11, 25)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_counts(demo):
    assert count(demo, School) == 12
    assert count(demo, Department) == 72
    assert count(demo, Staff) == 480
    assert demo.scalar(select(func.count()).select_from(Staff)
                       .where(Staff.retired.is_(True))) == 48
    assert count(demo, CongressTerm) == 12
    assert count(demo, DelegateMembership) == 120
    assert sorted(demo.scalars(select(Account.username))) == [
        "auditor", "chair", "delegate", "delegate2", "delegate3", "dept", "district"]


def test_demo_accounts_and_roles(demo):
    roles = dict(demo.execute(select(Account.username, AccountRole.role)
                              .join(AccountRole)).all())
    assert roles == {"district": "district_admin", "chair": "school_chair",
                     "dept": "department_head", "delegate": "delegate",
                     "delegate2": "delegate", "delegate3": "delegate", "auditor": "auditor"}
    for username in roles:
        assert verify_login(demo, username, DEMO_PASSWORD) is not None
    # The three demo delegates really are delegates of the chair's school.
    first_school = demo.scalar(select(School.id).where(School.code == "MH01"))
    delegate_staff = set(demo.scalars(
        select(Account.staff_id).where(Account.username.like("delegate%"))))
    members = set(demo.scalars(select(DelegateMembership.staff_id).join(CongressTerm)
                               .where(CongressTerm.school_id == first_school)))
    assert delegate_staff <= members


def test_demo_is_deterministic(demo):
    names = list(demo.scalars(select(Staff.name).order_by(Staff.staff_no)))
    feedback = demo.execute(select(FeedbackCase.id, FeedbackCase.status, FeedbackCase.body)
                            .order_by(FeedbackCase.id)).all()
    scores = select(Competition.name, Staff.staff_no, Judge.name, Segment.name,
                    JudgeScore.score).select_from(JudgeScore).join(Entrant).join(
        Staff, Staff.id == Entrant.staff_id).join(Judge).join(Segment).join(
        Competition, Competition.id == Entrant.competition_id).order_by(JudgeScore.id)
    competitions = demo.execute(scores).all()
    wipe(demo)
    load_demo(demo)
    assert demo.execute(scores).all() == competitions
    assert list(demo.scalars(select(Staff.name).order_by(Staff.staff_no))) == names
    assert len(set(names)) > 300  # realistic variety, few repeats
    assert demo.execute(select(FeedbackCase.id, FeedbackCase.status, FeedbackCase.body)
                        .order_by(FeedbackCase.id)).all() == feedback


def test_demo_feedback_covers_every_status_at_both_levels(demo):
    held = set(demo.execute(select(FeedbackCase.at_district, FeedbackCase.status)).all())
    assert held == {(at_district, status) for at_district in (False, True)
                    for status in FEEDBACK_STATUSES}
    per_recipient = dict(demo.execute(select(FeedbackCase.school_id, func.count())
                                      .group_by(FeedbackCase.school_id)).all())
    assert 20 <= per_recipient.pop(None) <= 30
    assert len(per_recipient) == 12 and all(12 <= n <= 21 for n in per_recipient.values())
    forwarded_up = select(func.count()).select_from(FeedbackCase).where(
        FeedbackCase.school_id.is_not(None), FeedbackCase.district_involved.is_(True))
    assert demo.scalar(forwarded_up.where(FeedbackCase.at_district.is_(True),
                                          FeedbackCase.status == "forwarded")) >= 1
    assert demo.scalar(forwarded_up.where(FeedbackCase.at_district.is_(False))) >= 1  # back
    # Cases sent to the district union are at the district; nothing is there uninvolved.
    assert demo.scalar(select(func.count()).select_from(FeedbackCase).where(
        (FeedbackCase.school_id.is_(None) & FeedbackCase.at_district.is_(False))
        | (FeedbackCase.at_district.is_(True) & FeedbackCase.district_involved.is_(False)))) == 0
    assert demo.scalar(select(func.min(FeedbackCase.sent_on))) < dt.date(2025, 6, 1)
    assert demo.scalar(select(func.max(FeedbackCase.sent_on))) == dt.date(2026, 11, 24)


def test_demo_feedback_dates_and_authors(demo):
    cases = demo.execute(select(FeedbackCase.status, FeedbackCase.sent_on,
                                FeedbackCase.closed_on, FeedbackCase.receipt_used_on)).all()
    for status, sent_on, closed_on, used_on in cases:
        assert (status == "closed") == (closed_on is not None)
        assert sent_on <= (closed_on or sent_on) <= TODAY and sent_on <= used_on <= TODAY
    # Retention has some cases to delete, but most closed cases are within 180 days.
    cutoff = TODAY - dt.timedelta(days=180)
    closed = [closed_on for status, _, closed_on, _ in cases if status == "closed"]
    due = [day for day in closed if day < cutoff]
    assert 0 < len(due) < len(closed) / 2
    messages = demo.execute(select(FeedbackMessage.kind, FeedbackMessage.level,
                                   FeedbackMessage.author_account_id, FeedbackMessage.written_on,
                                   FeedbackCase.sent_on, FeedbackCase.at_district)
                            .join(FeedbackCase)).all()
    accounts = dict(demo.execute(select(Account.id, Account.username)).all())
    assert {kind for kind, *_ in messages} == {"writer", "public", "internal"}
    for kind, level, author, written_on, sent_on, _ in messages:
        assert sent_on <= written_on <= TODAY
        if kind == "writer":
            assert author is None and level is None
        else:
            assert accounts[author] == ("district" if level == "district" else "chair")
    assert {(level, at_district) for kind, level, *_, at_district in messages
            if kind == "public"} >= {("school", False), ("district", True)}


def test_demo_receipts_open_their_cases(demo):
    assert len(DEMO_RECEIPTS) == 2
    for code, (school_code, status) in DEMO_RECEIPTS.items():
        writer = open_by_receipt(demo, receipts.display(code), today=TODAY)
        assert writer is not None, code
        case = demo.get(FeedbackCase, writer.case_id)
        assert case.status == status
        assert case.school_id == (None if school_code is None else demo.scalar(
            select(School.id).where(School.code == school_code)))
        kinds = set(demo.scalars(select(FeedbackMessage.kind)
                                 .where(FeedbackMessage.case_id == case.id)))
        view = writer_view(demo, writer)
        if status == "replied":  # a public reply the writer reads, a note they never see
            assert kinds == {"public", "internal"}
            assert [entry.kind for entry in view.entries] == ["public"]
        else:
            assert kinds == set() and view.entries == []
    assert open_by_receipt(demo, "1125202611250003", today=TODAY) is None
    # Every other case has a bucket but no usable receipt.
    assert demo.scalar(select(func.count()).select_from(FeedbackCase).where(
        FeedbackCase.receipt_hash != receipts.UNUSABLE_HASH)) == 2


def test_demo_motion_leads(demo):
    delegate, chair = (demo.scalar(select(Account).where(Account.username == name))
                       for name in ("delegate", "chair"))
    leads = demo.execute(select(MotionLead.status, MotionLead.delegate_staff_id,
                                MotionLead.offered_by, MotionLead.decided_on,
                                MotionLead.case_id)).all()
    assert sorted(status for status, *_ in leads) == ["adopted", "offered"]
    for status, staff_id, offered_by, decided_on, case_id in leads:
        assert (staff_id, offered_by) == (delegate.staff_id, chair.id)
        assert (decided_on is None) == (status == "offered")
        assert demo.get(FeedbackCase, case_id).school_id == demo.scalar(
            select(School.id).where(School.code == "MH01"))


def test_cli_reloads_demo_and_refuses_foreign_data(session_factory, engine, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert seeds_main.main([]) == 0
    assert seeds_main.main([]) == 0  # idempotent: reload gives the same counts
    with session_factory() as s:
        assert count(s, Staff) == 480 and count(s, Account) == 7
        s.execute(School.__table__.update().values(name="x"))
        from db.models import District
        s.execute(District.__table__.update().values(code="REAL"))
        s.commit()
    assert seeds_main.main([]) == 2  # a real district is never wiped
    with session_factory() as s:
        assert count(s, Staff) == 480


# --- Competitions and honours ---------------------------------------------------------------

def ranked_groups(session: Session, competition_id: int
                  ) -> dict[str, tuple[list[Result], list[BoundaryNote]]]:
    """Each subject group's ranking and award notes from the newest sheet, by services.scoring."""
    segments = [SegmentRule(s.id, s.name, s.max_score, s.weight, s.position)
                for s in session.scalars(select(Segment).where(
                    Segment.competition_id == competition_id).order_by(Segment.position))]
    tiers = [TierRule(t.rank, t.name, t.quota_percent, t.fixed_count, t.min_score)
             for t in session.scalars(select(AwardTier).where(
                 AwardTier.competition_id == competition_id))]
    rounding = session.get(Competition, competition_id).rounding
    sheet = session.scalar(select(func.max(ScoreSheet.id))
                           .where(ScoreSheet.competition_id == competition_id))
    scores: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for entrant_id, segment_id, score in session.execute(
            select(JudgeScore.entrant_id, JudgeScore.segment_id, JudgeScore.score)
            .where(JudgeScore.sheet_id == sheet)):
        scores[entrant_id][segment_id].append(score)
    groups: dict[str, list[EntrantScores]] = defaultdict(list)
    for entrant_id, group in session.execute(
            select(Entrant.id, SubjectGroup.name).join(SubjectGroup)
            .where(Entrant.competition_id == competition_id, Entrant.competed.is_(True))
            .order_by(Entrant.id)):
        groups[group].append(EntrantScores(entrant_id, scores[entrant_id]))
    ranked = {}
    for group, entrants in groups.items():
        results, _ties = rank(entrants, segments)
        ranked[group] = (results, award(results, tiers, rounding))
    return ranked


def check_competitions(session: Session) -> None:
    """What every seeded competition must hold, demo or scale."""
    competitions = session.scalars(select(Competition)).all()
    assert competitions
    for competition in competitions:
        check_segments([SegmentRule(s.id, s.name, s.max_score, s.weight)  # weights sum to 100
                        for s in session.scalars(select(Segment).where(
                            Segment.competition_id == competition.id))])
    both = select(func.count()).select_from(Judge).join(Entrant, (
        Entrant.competition_id == Judge.competition_id) & (Entrant.staff_id == Judge.staff_id))
    assert session.scalar(both) == 0
    assert session.scalar(select(func.count()).select_from(Entrant).join(Competition).where(
        Competition.organiser_school_id.is_not(None),
        Entrant.school_id != Competition.organiser_school_id)) == 0
    assert session.scalar(select(func.count()).select_from(Entrant).join(
        Staff, Staff.id == Entrant.staff_id).where(
            (Entrant.school_id != Staff.school_id) | Staff.retired.is_(True))) == 0
    assert session.scalar(select(func.count()).select_from(Entrant).join(SubjectGroup).where(
        SubjectGroup.competition_id != Entrant.competition_id)) == 0
    # One sheet each (a draft may have none yet): every competing entrant scored by every judge
    # in every segment, within the segment's maximum; a confirmed sheet confirmed by someone
    # who did not enter it.
    counts = {name: dict(session.execute(select(model.competition_id, func.count())
                                         .where(*where).group_by(model.competition_id)).all())
              for name, model, where in (
                  ("entrants", Entrant, (Entrant.competed.is_(True),)),
                  ("judges", Judge, ()), ("segments", Segment, ()), ("sheets", ScoreSheet, ()))}
    scores = dict(session.execute(select(ScoreSheet.competition_id, func.count())
                                  .join(JudgeScore).group_by(ScoreSheet.competition_id)).all())
    for competition in competitions:
        cid = competition.id
        if cid not in counts["sheets"]:
            assert competition.state == "draft" and cid not in scores
            continue
        assert counts["sheets"][cid] == 1
        assert scores[cid] == (counts["entrants"][cid] * counts["judges"][cid]
                               * counts["segments"][cid])
    assert session.scalar(select(func.count()).select_from(JudgeScore).join(Segment).where(
        JudgeScore.score > Segment.max_score)) == 0
    for state, entered_by, confirmed_by in session.execute(
            select(Competition.state, ScoreSheet.entered_by, ScoreSheet.confirmed_by)
            .join(ScoreSheet)):
        assert (confirmed_by is None) == (state == "draft")
        assert confirmed_by != entered_by
    # Published and closed results are frozen as standings, just as services.scoring has them.
    standings = defaultdict(dict)
    for cid, entrant_id, *row in session.execute(
            select(StandingRow.competition_id, StandingRow.entrant_id, StandingRow.rank,
                   StandingRow.final, StandingRow.award_rank, StandingRow.promoted)):
        standings[cid][entrant_id] = tuple(row)
    for competition in competitions:
        if competition.state in ("draft", "confirmed"):
            assert competition.id not in standings
            continue
        assert standings[competition.id] == {
            r.entrant_id: (r.rank, r.final, r.award, r.promoted)
            for results, _ in ranked_groups(session, competition.id).values() for r in results}
    # The history ends in the competition's state, one event per step, in order.
    history = defaultdict(list)
    for cid, at, before, after in session.execute(
            select(CompetitionEvent.competition_id, CompetitionEvent.at,
                   CompetitionEvent.from_state, CompetitionEvent.to_state)
            .order_by(CompetitionEvent.id)):
        history[cid].append((at, before, after))
    states = (None, "draft", "confirmed", "published", "closed")
    for competition in competitions:
        events = history[competition.id]
        assert [(b, a) for _, b, a in events] == list(pairwise(states))[
            :states.index(competition.state)]
        assert [at for at, *_ in events] == sorted(at for at, *_ in events)
        assert events[-1][0].date() <= TODAY


def test_demo_competitions(demo):
    check_competitions(demo)
    rows = demo.execute(select(Competition.name, Competition.year, Competition.level,
                               Competition.state, School.code)
                        .outerjoin(School, School.id == Competition.organiser_school_id)
                        .order_by(Competition.id)).all()
    assert {state for *_, state, _ in rows} == {"draft", "confirmed", "published", "closed"}
    assert [(year, level, state, code) for _, year, level, state, code in rows] == [
        (2025, "district", "closed", None), (2026, "district", "draft", None),
        (2025, "school", "closed", "MH01"), (2026, "school", "published", "MH01"),
        (2026, "school", "confirmed", "MH01"), (2026, "school", "draft", "MH01")]
    district = demo.scalar(select(Account.id).where(Account.username == "district"))
    for competition in demo.scalars(select(Competition)):
        judges = demo.execute(select(Judge.staff_id, Judge.organisation, Judge.chief)
                              .where(Judge.competition_id == competition.id)).all()
        entrants = demo.scalars(select(Entrant.school_id)
                                .where(Entrant.competition_id == competition.id)).all()
        assert sum(chief for *_, chief in judges) == 1
        if competition.organiser_school_id is None:
            assert competition.created_by == district
            assert 5 <= len(judges) <= 7 and 20 <= len(entrants) <= 40
            assert len(set(entrants)) >= 5
            staff_judges = [j for j in judges if j.staff_id is not None]
            assert 0 < len(staff_judges) < len(judges)  # district staff and outside experts
        else:
            assert 3 <= len(judges) <= 5
            assert all(staff_id is not None for staff_id, *_ in judges)
    # Published and closed results have awards for someone.
    closed = demo.scalar(select(Competition.id).where(Competition.state == "closed"))
    assert any(r.award for results, _ in ranked_groups(demo, closed).values() for r in results)


def test_demo_boundary_tie_is_promoted(demo):
    competition = demo.scalar(select(Competition).where(
        Competition.year == 2025, Competition.organiser_school_id.is_(None)))
    assert competition.state == "closed"
    promoted = [(group, note) for group, (_, notes) in ranked_groups(demo, competition.id).items()
                for note in notes if note.promoted]
    assert [(group, note.name, note.cutoff, note.places, note.given, note.promoted)
            for group, note in promoted] == [("语文", "二等奖", 4, 2, 3, 1)]
    results, notes = ranked_groups(demo, competition.id)["语文"]
    fourth, fifth = results[3], results[4]
    assert fourth.rank == fifth.rank == 4 and fourth.final == fifth.final
    assert fourth.award == fifth.award == 2 and fifth.promoted
    assert results[5].rank == 6 and notes[2].given == notes[2].places - 1  # 三等奖 shrinks
    frozen = demo.execute(select(StandingRow.award_name, StandingRow.promoted).where(
        StandingRow.entrant_id.in_((fourth.entrant_id, fifth.entrant_id)))
        .order_by(StandingRow.promoted)).all()
    assert frozen == [("二等奖", False), ("二等奖", True)]
    # One no-show in 数学: not scored, not counted in the quota base.
    assert demo.scalar(select(func.count()).select_from(Entrant).where(
        Entrant.competition_id == competition.id, Entrant.competed.is_(False))) == 1


def test_demo_honours(demo):
    assert set(demo.scalars(select(HonourKind.name))) >= {
        "工人先锋号", "师德标兵", "五一劳动奖章", "劳动模范", "优秀教代会代表", "优秀班主任"}
    honours = demo.execute(select(Honour.staff_id, Honour.school_id, Honour.level, Honour.year,
                                  Honour.issuer, Honour.recorded_by)).all()
    assert 15 <= len(honours) <= 20
    assert sum(school_id is not None for _, school_id, *_ in honours) == 2
    assert {level for _, _, level, *_ in honours} >= {"school", "district", "city", "province"}
    assert min(year for *_, year, _, _ in honours) == 2019
    assert max(year for *_, year, _, _ in honours) == 2026
    district = demo.scalar(select(Account.id).where(Account.username == "district"))
    assert {recorded_by for *_, recorded_by in honours} == {district}
    delegate = demo.scalar(select(Account.staff_id).where(Account.username == "delegate"))
    assert sum(staff_id == delegate for staff_id, *_ in honours) >= 1
