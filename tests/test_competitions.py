"""Skill competitions: services/competitions.py on a real database, with services/scoring.py.

Every competition here is made by the test itself, in the year 2031, so competitions the demo
seed may hold never mix into the numbers.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from db.competitions import CompetitionEvent, Entrant, JudgeScore, ScoreSheet, StandingRow
from db.models import AuditEntry, School, Staff
from services import accounts, competitions
from services.actor import Grant
from services.competitions import (
    CompetitionInput,
    EntrantInput,
    JudgeInput,
    ScoreRow,
    SegmentInput,
    TierInput,
)
from services.errors import DomainError
from tests.conftest import actor_of

YEAR = 2031
JUDGES = tuple(JudgeInput(f"评委{n}", "市教研室") for n in "甲乙丙丁戊")
SEGMENTS = (SegmentInput("教学设计", D(20), D(30)), SegmentInput("课堂教学", D(100), D(70)))
TIERS = (TierInput("一等奖", quota_percent=D(25)), TierInput("二等奖", quota_percent=D(25)),
         TierInput("三等奖", quota_percent=D(25)))


def staff(session, staff_no: str) -> int:
    return session.scalar(select(Staff.id).where(Staff.staff_no == staff_no))


def school(session, code: str) -> int:
    return session.scalar(select(School.id).where(School.code == code))


def district_input(session, **changes) -> CompetitionInput:
    """A district competition: four entrants of three schools in 语文, one more in 综合."""
    base = CompetitionInput(
        name="青年教师基本功大赛", level="district", kind="基本功大赛", year=YEAR,
        organiser_school_id=None, held_on=None, segments=SEGMENTS, tiers=TIERS, judges=JUDGES,
        entrants=[EntrantInput(staff(session, "MH01-0001"), "语文"),   # the delegate account
                  EntrantInput(staff(session, "MH02-0005"), "语文"),
                  EntrantInput(staff(session, "MH03-0005"), "语文"),
                  EntrantInput(staff(session, "MH01-0020"), "语文"),
                  EntrantInput(staff(session, "MH04-0005"), "  ")])
    return dataclasses.replace(base, **changes)


def school_input(session, **changes) -> CompetitionInput:
    """A competition of 明湖区实验小学 (MH01), the chair's school."""
    base = CompetitionInput(
        name="校级课堂教学竞赛", level="school", kind="课堂教学竞赛", year=YEAR,
        organiser_school_id=school(session, "MH01"), held_on=None,
        segments=[SegmentInput("课堂教学", D(100), D(100))],
        tiers=[TierInput("一等奖", fixed_count=1)], judges=JUDGES[:3],
        entrants=[EntrantInput(staff(session, "MH01-0020"), "数学"),
                  EntrantInput(staff(session, "MH01-0021"), "数学")])
    return dataclasses.replace(base, **changes)


def refused(key: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.key == key, caught.value.key
    return caught.value


def second_admin(session):
    accounts.create_account(session, actor_of(session, "district"), username="district2",
                            display_name="区工会副主席", password="second-admin-pw",
                            grants=[Grant("district_admin")])
    session.commit()
    return actor_of(session, "district2")


def parts(session, cid: int) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Judge, segment and entrant ids of a competition by judge name, segment name, staff no."""
    view = competitions.competition(session, actor_of(session, "district"), cid)
    judges = {label.split("（")[0]: jid for jid, label in view.judges.items()}
    segments = {s.name: s.id for s in view.segments}
    entrants = dict(session.execute(select(Staff.staff_no, Entrant.id)
                                    .join(Staff, Staff.id == Entrant.staff_id)
                                    .where(Entrant.competition_id == cid)).all())
    return judges, segments, entrants


def sheet_rows(session, cid: int, table: dict[str, dict[str, list[str]]]) -> list[ScoreRow]:
    """Rows of a whole sheet from {staff no: {segment: [score of 评委甲, 乙, 丙, 丁, 戊]}}."""
    judges, segments, entrants = parts(session, cid)
    names = [j.name for j in JUDGES]
    return [ScoreRow(entrants[no], judges[names[i]], segments[seg], D(score))
            for no, by_segment in table.items() for seg, scores in by_segment.items()
            for i, score in enumerate(scores)]


# The worked example. 教学设计 (max 20, weight 30) and 课堂教学 (max 100, weight 70), five
# judges: the highest and the lowest dropped, the other three averaged.
WORKED = {
    # 教学设计 drops 19 and 17: (18 + 17 + 18.5) / 3 = 17.8333…, × 30/20 = 26.75
    # 课堂教学 drops 95 and 88: (90 + 92 + 91) / 3 = 91, × 70/100 = 63.70  → 90.45
    "MH01-0001": {"教学设计": ["18", "17", "19", "17", "18.5"],
                  "课堂教学": ["90", "92", "88", "95", "91"]},
    # 教学设计 drops 20 and 17: (19 + 19 + 18) / 3 = 18.6666…, × 1.5 = 28.00
    # 课堂教学 drops 90 and 80: (85 + 87 + 86) / 3 = 86, × 0.7 = 60.20  → 88.20
    "MH02-0005": {"教学设计": ["19", "19", "18", "20", "17"],
                  "课堂教学": ["85", "87", "86", "90", "80"]},
    # 教学设计 drops 16.5 and 14.5: (15 + 16 + 15) / 3 = 15.3333…, × 1.5 = 23.00
    # 课堂教学 drops 96 and 90: (93 + 94 + 92) / 3 = 93, × 0.7 = 65.10  → 88.10
    "MH03-0005": {"教学设计": ["15", "16", "15", "16.5", "14.5"],
                  "课堂教学": ["93", "94", "92", "96", "90"]},
    # 教学设计 drops 12 and 14: (12 + 13 + 13) / 3 = 12.6666…, × 1.5 = 19.00
    # 课堂教学 drops 83 and 79: (80 + 82 + 81) / 3 = 81, × 0.7 = 56.70  → 75.70
    "MH01-0020": {"教学设计": ["12", "13", "14", "12", "13"],
                  "课堂教学": ["80", "82", "81", "79", "83"]},
    # 综合, alone: 16 → 24.00 and 85 → 59.50  → 83.50
    "MH04-0005": {"教学设计": ["16"] * 5, "课堂教学": ["85"] * 5},
}


def worked_competition(session, *, publish: bool = True) -> int:
    """The worked example entered by the district admin, confirmed by a second admin and
    (by default) published."""
    admin = actor_of(session, "district")
    cid = competitions.create_competition(session, admin, district_input(session))
    session.commit()
    competitions.replace_sheet(session, admin, cid, sheet_rows(session, cid, WORKED))
    session.commit()
    other = second_admin(session)
    competitions.confirm_sheet(session, other, cid)
    if publish:
        competitions.publish(session, other, cid)
    session.commit()
    return cid


# --- Setting up -----------------------------------------------------------------------------

def test_create_makes_groups_segments_tiers_judges_entrants_and_history(demo):
    admin = actor_of(demo, "district")
    cid = competitions.create_competition(demo, admin, district_input(demo))
    demo.commit()
    view = competitions.competition(demo, admin, cid)
    assert (view.name, view.level, view.year, view.state) == (
        "青年教师基本功大赛", "district", YEAR, "draft")
    assert view.organiser == "明湖区教育工会"
    assert sorted(view.groups.values()) == ["综合", "语文"]   # a blank group is 综合
    assert [(s.name, s.max_score, s.weight) for s in view.segments] == [
        ("教学设计", D(20), D(30)), ("课堂教学", D(100), D(70))]
    assert [t.name for t in view.tiers] == ["一等奖", "二等奖", "三等奖"]
    assert list(view.judges.values()) == [f"评委{n}（市教研室）" for n in "甲乙丙丁戊"]
    assert len(view.entrants) == 5
    assert view.sheet_version is None and view.can_manage and not view.can_confirm
    assert [(h[1], h[2], h[3]) for h in view.history] == [("区工会管理员", None, "draft")]
    assert demo.scalar(select(func.count()).select_from(AuditEntry)
                       .where(AuditEntry.action == "competition.created")) == 1


@pytest.mark.parametrize(("change", "key"), [
    ({"name": "  "}, "competition.error.name_required"),
    ({"level": "county"}, "competition.error.level"),
    ({"year": 1999}, "competition.error.year"),
    ({"year": 2101}, "competition.error.year"),
    ({"rounding": "banker"}, "competition.error.rounding"),
    ({"segments": []}, "competition.error.no_segments"),
    ({"tiers": []}, "competition.error.no_tiers"),
    ({"tiers": [TierInput("一等奖", quota_percent=D(60)), TierInput("二等奖", D(50))]},
     "competition.error.quota_total"),
    ({"judges": []}, "competition.error.no_judges"),
    ({"entrants": []}, "competition.error.no_entrants"),
])
def test_create_refuses_incomplete_or_wrong_settings(demo, change, key):
    admin = actor_of(demo, "district")
    refused(key, competitions.create_competition, demo, admin, district_input(demo, **change))


def test_weights_must_add_up_to_100(demo):
    admin = actor_of(demo, "district")
    segments = [SegmentInput("教学设计", D(20), D(29)), SegmentInput("课堂教学", D(100), D(70))]
    error = refused("competition.error.weights", competitions.create_competition, demo, admin,
                    district_input(demo, segments=segments))
    assert error.params == {"total": "99"}


def test_entrant_who_is_also_a_judge_is_refused(demo):
    admin = actor_of(demo, "district")
    entrant = staff(demo, "MH02-0005")
    judges = [*JUDGES[:4], JudgeInput("", staff_id=entrant)]   # name and school from the register
    error = refused("competition.error.entrant_is_judge", competitions.create_competition, demo,
                    admin, district_input(demo, judges=judges))
    name = demo.scalar(select(Staff.name).where(Staff.id == entrant))
    assert error.params == {"name": name}


def test_duplicate_entrant_is_refused(demo):
    admin = actor_of(demo, "district")
    twice = [EntrantInput(staff(demo, "MH02-0005"), "语文")] * 2
    refused("competition.error.duplicate_entrant", competitions.create_competition, demo, admin,
            district_input(demo, entrants=twice))


def test_school_competition_takes_only_the_schools_own_staff(demo):
    chair = actor_of(demo, "chair")
    other = [EntrantInput(staff(demo, "MH01-0020"), "数学"),
             EntrantInput(staff(demo, "MH02-0020"), "数学")]
    refused("competition.error.entrant_other_school", competitions.create_competition, demo,
            chair, school_input(demo, entrants=other))


def test_retired_staff_cannot_enter(demo):
    admin = actor_of(demo, "district")
    retired = [EntrantInput(staff(demo, "MH01-0040"), "语文")]   # the last four are retired
    assert demo.scalar(select(Staff.retired).where(Staff.staff_no == "MH01-0040"))
    refused("competition.error.entrant_retired", competitions.create_competition, demo, admin,
            district_input(demo, entrants=retired))


def test_who_may_create_where(demo):
    chair, dept = actor_of(demo, "chair"), actor_of(demo, "dept")
    refused("error.forbidden", competitions.create_competition, demo, chair,
            district_input(demo))
    refused("error.forbidden", competitions.create_competition, demo, chair,
            school_input(demo, organiser_school_id=school(demo, "MH02")))
    refused("error.forbidden", competitions.create_competition, demo, dept, school_input(demo))
    refused("error.forbidden", competitions.create_competition, demo,
            actor_of(demo, "delegate"), school_input(demo))
    assert competitions.create_competition(demo, chair, school_input(demo)) > 0


def test_organiser_and_entrant_choices(demo):
    admin, chair = actor_of(demo, "district"), actor_of(demo, "chair")
    assert competitions.organiser_choices(demo, admin) == {None: "明湖区教育工会"}
    assert competitions.organiser_choices(demo, chair) == {school(demo, "MH01"): "明湖区实验小学"}
    assert competitions.organiser_choices(demo, actor_of(demo, "auditor")) == {}
    mine = competitions.entrant_choices(demo, chair, school(demo, "MH01"))
    assert len(mine) == 36                                   # 40 staff, 4 of them retired
    row = demo.execute(select(Staff.id, Staff.name, Staff.subject)
                       .where(Staff.staff_no == "MH01-0020")).one()
    assert mine[row.id] == f"{row.name}（明湖区实验小学 · {row.subject}）"
    assert len(competitions.entrant_choices(demo, admin, None)) == 12 * 36
    refused("error.forbidden", competitions.entrant_choices, demo, chair, None)


# --- Permissions ----------------------------------------------------------------------------

def test_chair_cannot_manage_a_district_or_another_schools_competition(demo):
    admin, chair = actor_of(demo, "district"), actor_of(demo, "chair")
    district_cid = competitions.create_competition(demo, admin, district_input(demo))
    other_school = school_input(demo, organiser_school_id=school(demo, "MH02"), entrants=[
        EntrantInput(staff(demo, "MH02-0020"), "数学")])
    other_cid = competitions.create_competition(demo, admin, other_school)
    demo.commit()
    judges, segments, entrants = parts(demo, district_cid)
    for cid in (district_cid, other_cid):   # in draft they do not exist for the chair
        refused("competition.error.not_found", competitions.enter_scores, demo, chair, cid,
                judge_id=judges["评委甲"], segment_id=segments["教学设计"],
                scores={entrants["MH01-0001"]: D(18)})
        refused("competition.error.not_found", competitions.competition, demo, chair, cid)
    listed = competitions.list_competitions(demo, chair, year=YEAR)
    assert listed.empty

    worked = worked_competition(demo)       # published: readable, still not manageable
    refused("error.forbidden", competitions.reopen, demo, chair, worked, reason="复核")
    assert not competitions.competition(demo, chair, worked).can_manage
    listed = competitions.list_competitions(demo, chair, year=YEAR)
    assert listed[["id", "state", "can_manage"]].values.tolist() == [[worked, "published", False]]


def test_the_district_admin_manages_a_school_competition_too(demo):
    chair, admin = actor_of(demo, "chair"), actor_of(demo, "district")
    cid = competitions.create_competition(demo, chair, school_input(demo))
    demo.commit()
    assert competitions.competition(demo, admin, cid).can_manage
    listed = competitions.list_competitions(demo, chair, year=YEAR)
    assert listed[["name", "organiser", "entrants", "can_manage"]].values.tolist() == [
        ["校级课堂教学竞赛", "明湖区实验小学", 2, True]]


# --- Scores -------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "key"), [
    (D("20.01"), "competition.error.score_range"),
    (D("-1"), "competition.error.score_range"),
    (D("18.505"), "competition.error.score_decimals"),
    (18.5, "competition.error.score_not_number"),
])
def test_scores_out_of_range_or_too_precise_are_refused(demo, score, key):
    admin = actor_of(demo, "district")
    cid = competitions.create_competition(demo, admin, district_input(demo))
    demo.commit()
    judges, segments, entrants = parts(demo, cid)
    refused(key, competitions.enter_scores, demo, admin, cid, judge_id=judges["评委甲"],
            segment_id=segments["教学设计"], scores={entrants["MH01-0001"]: score})
    assert demo.scalar(select(func.count()).select_from(ScoreSheet)
                       .where(ScoreSheet.competition_id == cid)) == 0


def test_each_change_is_a_new_version_and_older_versions_stay(demo):
    admin = actor_of(demo, "district")
    cid = competitions.create_competition(demo, admin, district_input(demo))
    demo.commit()
    judges, segments, entrants = parts(demo, cid)
    a, b = entrants["MH01-0001"], entrants["MH02-0005"]
    first = competitions.enter_scores(demo, admin, cid, judge_id=judges["评委甲"],
                                      segment_id=segments["教学设计"],
                                      scores={a: D("18.50"), b: D(17)})
    second = competitions.enter_scores(demo, admin, cid, judge_id=judges["评委甲"],
                                       segment_id=segments["教学设计"], scores={b: D("17.25")})
    demo.commit()
    assert (first, second) == (1, 2)
    by_version = {}
    for version, entrant, score in demo.execute(
            select(ScoreSheet.version, JudgeScore.entrant_id, JudgeScore.score)
            .join(ScoreSheet, ScoreSheet.id == JudgeScore.sheet_id)
            .where(ScoreSheet.competition_id == cid)):
        by_version.setdefault(version, {})[entrant] = score
    assert by_version == {1: {a: D("18.50"), b: D("17.00")}, 2: {a: D("18.50"), b: D("17.25")}}
    assert [(r.entrant_id, r.score) for r in competitions.current_scores(demo, admin, cid)] == [
        (a, D("18.50")), (b, D("17.25"))]
    assert competitions.competition(demo, admin, cid).sheet_version == 2


def test_a_sheet_with_the_same_score_twice_is_refused_whole(demo):
    admin = actor_of(demo, "district")
    cid = competitions.create_competition(demo, admin, district_input(demo))
    demo.commit()
    rows = sheet_rows(demo, cid, {"MH01-0001": {"教学设计": ["18", "17"]}})
    rows.append(dataclasses.replace(rows[0], score=D(19)))
    refused("competition.error.duplicate_score", competitions.replace_sheet, demo, admin, cid,
            rows)
    assert demo.scalar(select(func.count()).select_from(ScoreSheet)
                       .where(ScoreSheet.competition_id == cid)) == 0


def test_confirming_needs_every_segment_scored(demo):
    admin = actor_of(demo, "district")
    cid = competitions.create_competition(demo, admin, district_input(demo))
    demo.commit()
    incomplete = {no: scores for no, scores in WORKED.items() if no != "MH04-0005"}
    incomplete["MH04-0005"] = {"教学设计": ["16"] * 5}
    competitions.replace_sheet(demo, admin, cid, sheet_rows(demo, cid, incomplete))
    demo.commit()
    error = refused("competition.error.incomplete", competitions.confirm_sheet, demo,
                    second_admin(demo), cid)
    assert error.params["segment"] == "课堂教学"
    # The draft's preview leaves the entrant out until the sheet is complete.
    preview = {g.group: len(g.results) for g in competitions.results(demo, admin, cid).groups}
    assert preview == {"语文": 4, "综合": 0}


def test_nobody_confirms_the_sheet_they_entered(demo):
    chair, admin = actor_of(demo, "chair"), actor_of(demo, "district")
    cid = competitions.create_competition(demo, chair, school_input(demo))
    demo.commit()
    refused("competition.error.no_sheet", competitions.confirm_sheet, demo, admin, cid)
    judges, segments, entrants = parts(demo, cid)
    competitions.replace_sheet(demo, chair, cid, [
        ScoreRow(entrants[no], judges[j], segments["课堂教学"], D(score))
        for no, score in (("MH01-0020", 90), ("MH01-0021", 85)) for j in ("评委甲", "评委乙")])
    demo.commit()
    assert not competitions.competition(demo, chair, cid).can_confirm
    refused("competition.error.confirm_own_sheet", competitions.confirm_sheet, demo, chair, cid)
    assert competitions.competition(demo, admin, cid).can_confirm
    competitions.confirm_sheet(demo, admin, cid)
    demo.commit()
    view = competitions.competition(demo, chair, cid)
    assert view.state == "confirmed"
    assert (view.sheet_entered_by, view.sheet_confirmed_by) == (chair.display_name,
                                                                 "区工会管理员")
    # A change after confirming is a new version, back in draft; the admin entered it now,
    # so the chair may confirm it.
    competitions.enter_scores(demo, admin, cid, judge_id=judges["评委甲"],
                              segment_id=segments["课堂教学"],
                              scores={entrants["MH01-0021"]: D(86)})
    demo.commit()
    view = competitions.competition(demo, chair, cid)
    assert (view.state, view.sheet_version, view.can_confirm) == ("draft", 2, True)
    assert [(h[2], h[3]) for h in view.history] == [
        (None, "draft"), ("draft", "confirmed"), ("confirmed", "draft")]
    competitions.confirm_sheet(demo, chair, cid)
    demo.commit()


def test_published_scores_cannot_change_and_reopening_needs_a_reason(demo):
    cid = worked_competition(demo)
    admin = actor_of(demo, "district")
    judges, segments, entrants = parts(demo, cid)
    refused("competition.error.not_editable", competitions.enter_scores, demo, admin, cid,
            judge_id=judges["评委甲"], segment_id=segments["教学设计"],
            scores={entrants["MH01-0001"]: D(20)})
    refused("competition.error.not_editable", competitions.replace_sheet, demo, admin, cid,
            sheet_rows(demo, cid, WORKED))
    refused("competition.error.confirm_needs_draft", competitions.confirm_sheet, demo, admin,
            cid)
    refused("competition.error.reason_required", competitions.reopen, demo, admin, cid,
            reason="   ")
    competitions.reopen(demo, admin, cid, reason="评委乙的课堂教学分数录入有误")
    demo.commit()
    view = competitions.competition(demo, admin, cid)
    assert view.state == "draft"
    assert [(h[2], h[3], h[4]) for h in view.history] == [
        (None, "draft", None), ("draft", "confirmed", None), ("confirmed", "published", None),
        ("published", "draft", "评委乙的课堂教学分数录入有误")]
    assert demo.scalar(select(CompetitionEvent.sheet_version)
                       .where(CompetitionEvent.to_state == "published")) == 1
    # Reopened, the results are for managers only again.
    refused("competition.error.not_found", competitions.results, demo,
            actor_of(demo, "delegate"), cid)


def test_states_move_only_forward_in_order(demo):
    cid = worked_competition(demo, publish=False)
    admin = actor_of(demo, "district")
    refused("competition.error.close_needs_published", competitions.close, demo, admin, cid)
    refused("competition.error.reopen_needs_published", competitions.reopen, demo, admin, cid,
            reason="x")
    competitions.publish(demo, admin, cid)
    refused("competition.error.publish_needs_confirmed", competitions.publish, demo, admin, cid)
    competitions.close(demo, admin, cid)
    demo.commit()
    assert competitions.competition(demo, admin, cid).state == "closed"
    actions = list(demo.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "competition").order_by(AuditEntry.id)))
    assert actions == ["competition.created", "competition.scores_entered",
                       "competition.confirmed", "competition.published", "competition.closed"]


# --- Results --------------------------------------------------------------------------------

def test_worked_example_trimmed_means_finals_and_awards(demo):
    cid = worked_competition(demo)
    found = competitions.results(demo, actor_of(demo, "delegate"), cid)
    _judges, segments, entrants = parts(demo, cid)
    by_entrant = {e: no for no, e in entrants.items()}
    design, teaching = segments["教学设计"], segments["课堂教学"]
    groups = {g.group: g for g in found.groups}
    assert set(groups) == {"语文", "综合"}

    chinese = groups["语文"]
    assert [(by_entrant[r.entrant_id], r.shown_segment(design), r.shown_segment(teaching),
             r.final, r.rank, r.award) for r in chinese.results] == [
        ("MH01-0001", D("17.83"), D("91.00"), D("90.45"), 1, 1),
        ("MH02-0005", D("18.67"), D("86.00"), D("88.20"), 2, 2),
        ("MH03-0005", D("15.33"), D("93.00"), D("88.10"), 3, 3),
        ("MH01-0020", D("12.67"), D("81.00"), D("75.70"), 4, None),
    ]
    assert all(r.segments[design].trimmed and not r.flagged for r in chinese.results)
    # N = 4 at 25/25/25%: C = 1, 2, 3, one place each.
    assert [(b.name, b.cutoff, b.places, b.given) for b in chinese.boundaries] == [
        ("一等奖", 1, 1, 1), ("二等奖", 2, 1, 1), ("三等奖", 3, 1, 1)]
    assert chinese.ties == []

    # Alone in 综合: N = 1 gives C = round(0.25) = 0, round(0.50) = 1, round(0.75) = 1, so
    # the one entrant gets 二等奖 and the first and third tiers are empty.
    alone = groups["综合"].results
    assert [(r.final, r.rank, r.award) for r in alone] == [(D("83.50"), 1, 2)]
    assert [b.cutoff for b in groups["综合"].boundaries] == [0, 1, 1]

    # 教学设计 spreads 17 to 20 for MH02-0005: 3 > 10% of 20. Every other panel is narrower.
    assert found.panels.wide_panels == [(entrants["MH02-0005"], design)]
    assert found.panels.far_from_median == {}
    assert found.schools[entrants["MH03-0005"]] == "明湖区第二中学"


def test_results_before_any_sheet_have_empty_groups(demo):
    admin = actor_of(demo, "district")
    cid = competitions.create_competition(demo, admin, district_input(demo))
    demo.commit()
    found = competitions.results(demo, admin, cid)
    assert [(g.group, g.results) for g in found.groups] == [("语文", []), ("综合", [])]
    assert len(found.names) == 5


def test_medal_table_and_teacher_record_after_publishing(demo):
    cid = worked_competition(demo)
    chair, delegate = actor_of(demo, "chair"), actor_of(demo, "delegate")
    frozen = demo.execute(select(StandingRow.rank, StandingRow.final, StandingRow.award_name)
                          .where(StandingRow.competition_id == cid)
                          .order_by(StandingRow.final.desc())).all()
    assert [tuple(r) for r in frozen] == [
        (1, D("90.45"), "一等奖"), (2, D("88.20"), "二等奖"), (3, D("88.10"), "三等奖"),
        (1, D("83.50"), "二等奖"), (4, D("75.70"), None)]   # 83.50: first of 综合
    table = competitions.medal_table(demo, actor_of(demo, "auditor"), year=YEAR)
    assert table.columns.tolist() == ["school", "一等奖", "二等奖", "三等奖", "total"]
    assert table.values.tolist() == [
        ["明湖区实验小学", 1, 0, 0, 1],
        ["明湖区第一中学", 0, 1, 0, 1],
        ["明湖区育才小学", 0, 1, 0, 1],
        ["明湖区第二中学", 0, 0, 1, 1],
    ]
    # A district competition is in every school's reading scope.
    assert competitions.medal_table(demo, chair, year=YEAR).values.tolist() == \
        table.values.tolist()
    by_year = competitions.results_by_school_year(demo, chair)
    assert by_year[by_year["year"] == YEAR][["school", "awards"]].values.tolist() == [
        ["明湖区实验小学", 1], ["明湖区第一中学", 1], ["明湖区第二中学", 1],
        ["明湖区育才小学", 1]]

    kind = competitions.add_honour_kind(demo, actor_of(demo, "district"), "测试荣誉·教学能手")
    me = staff(demo, "MH01-0001")
    competitions.record_honour(demo, chair, kind_id=kind, staff_id=me, school_id=None,
                               level="district", year=2005, issuer="明湖区教育局")
    demo.commit()
    record = competitions.teacher_record(demo, delegate, me)
    assert record["year"].tolist() == sorted(record["year"], reverse=True)
    assert record[record["year"].isin([YEAR, 2005])].values.tolist() == [
        [YEAR, "competition", "青年教师基本功大赛", "district", "一等奖", "明湖区教育工会"],
        [2005, "honour", "测试荣誉·教学能手", "district", "", "明湖区教育局"],
    ]
    # Without an award the result is rank / final.
    fourth = staff(demo, "MH01-0020")
    theirs = competitions.teacher_record(demo, chair, fourth)
    assert theirs[theirs["year"] == YEAR]["result"].tolist() == ["4 / 75.70"]
    # A delegate reads only their own record; a chair only their schools' staff.
    refused("error.forbidden", competitions.teacher_record, demo, delegate, fourth)
    refused("error.forbidden", competitions.teacher_record, demo, chair,
            staff(demo, "MH02-0005"))
    other = competitions.teacher_record(demo, actor_of(demo, "auditor"), staff(demo, "MH02-0005"))
    assert other[other["year"] == YEAR]["result"].tolist() == ["二等奖"]
    # Reopened, it leaves the tables.
    competitions.reopen(demo, actor_of(demo, "district"), cid, reason="复核")
    demo.commit()
    assert competitions.medal_table(demo, chair, year=YEAR).empty
    assert demo.scalar(select(func.count()).select_from(StandingRow)
                       .where(StandingRow.competition_id == cid)) == 0
    record = competitions.teacher_record(demo, delegate, me)
    assert record[record["year"].isin([YEAR, 2005])]["kind"].tolist() == ["honour"]


def test_a_school_competition_is_read_by_its_own_school_only(demo):
    chair, admin = actor_of(demo, "chair"), actor_of(demo, "district")
    cid = competitions.create_competition(demo, chair, school_input(demo))
    demo.commit()
    judges, segments, entrants = parts(demo, cid)
    competitions.replace_sheet(demo, chair, cid, [
        ScoreRow(entrants[no], judges["评委甲"], segments["课堂教学"], D(score))
        for no, score in (("MH01-0020", 90), ("MH01-0021", 85))])
    competitions.confirm_sheet(demo, admin, cid)
    competitions.publish(demo, chair, cid)
    demo.commit()
    assert competitions.results(demo, actor_of(demo, "delegate"), cid).groups[0].results
    outsider = accounts.create_account(demo, admin, username="chair2", display_name="二中主席",
                                       password="chair-two-pw",
                                       grants=[Grant("school_chair", school(demo, "MH02"))])
    demo.commit()
    assert outsider
    refused("competition.error.not_found", competitions.results, demo,
            actor_of(demo, "chair2"), cid)
    assert competitions.medal_table(demo, actor_of(demo, "chair2"), year=YEAR).empty
    assert competitions.medal_table(demo, chair, year=YEAR).values.tolist() == [
        ["明湖区实验小学", 1, 1]]


# --- Honours --------------------------------------------------------------------------------

def test_honour_kinds_are_kept_by_the_district_admin(demo):
    admin = actor_of(demo, "district")
    first = competitions.add_honour_kind(demo, admin, " 测试荣誉·先锋岗 ")
    competitions.add_honour_kind(demo, admin, "测试荣誉·奖章")
    refused("honour.error.kind_exists", competitions.add_honour_kind, demo, admin,
            "测试荣誉·先锋岗")
    refused("error.forbidden", competitions.add_honour_kind, demo, actor_of(demo, "chair"), "x")
    demo.commit()
    kinds = competitions.honour_kinds(demo)
    assert kinds[first] == "测试荣誉·先锋岗"
    assert sorted(kinds.values()) == list(kinds.values())


def test_who_may_record_honours(demo):
    admin, chair = actor_of(demo, "district"), actor_of(demo, "chair")
    kind = competitions.add_honour_kind(demo, admin, "测试荣誉·优秀代表")
    mine, theirs = staff(demo, "MH01-0005"), staff(demo, "MH02-0005")
    common = {"kind_id": kind, "level": "school", "year": 2005, "issuer": "学校工会"}
    competitions.record_honour(demo, chair, staff_id=mine, school_id=None, **common)
    competitions.record_honour(demo, chair, staff_id=None, school_id=school(demo, "MH01"),
                               **common)
    refused("error.forbidden", competitions.record_honour, demo, chair, staff_id=theirs,
            school_id=None, **common)
    refused("error.forbidden", competitions.record_honour, demo, chair, staff_id=None,
            school_id=school(demo, "MH02"), **common)
    for name in ("dept", "delegate", "auditor"):
        refused("error.forbidden", competitions.record_honour, demo, actor_of(demo, name),
                staff_id=mine, school_id=None, **common)
    competitions.record_honour(demo, admin, staff_id=theirs, school_id=None, **common)
    refused("honour.error.holder", competitions.record_honour, demo, admin, staff_id=mine,
            school_id=school(demo, "MH01"), **common)
    refused("honour.error.holder", competitions.record_honour, demo, admin, staff_id=None,
            school_id=None, **common)
    refused("honour.error.year", competitions.record_honour, demo, admin, staff_id=mine,
            school_id=None, **{**common, "year": 1949})
    refused("honour.error.level", competitions.record_honour, demo, admin, staff_id=mine,
            school_id=None, **{**common, "level": "county"})
    refused("honour.error.issuer_required", competitions.record_honour, demo, admin,
            staff_id=mine, school_id=None, **{**common, "issuer": " "})
    demo.commit()
    assert len(competitions.list_honours(demo, admin, year=2005)) == 3
    seen = competitions.list_honours(demo, actor_of(demo, "delegate"), year=2005)
    assert sorted(seen["school"]) == ["明湖区实验小学", "明湖区实验小学"]
    assert "明湖区实验小学" in seen["holder"].tolist()
    assert demo.scalar(select(func.count()).select_from(AuditEntry)
                       .where(AuditEntry.action == "honour.recorded")) == 3



def test_find_teachers_offers_only_records_the_actor_may_open(demo):
    delegate, chair = actor_of(demo, "delegate"), actor_of(demo, "chair")
    me = staff(demo, "MH01-0001")
    assert list(competitions.find_teachers(demo, delegate, "")) == [me]
    assert list(competitions.find_teachers(demo, delegate, "MH02")) == []
    assert len(competitions.find_teachers(demo, chair, "")) == 40        # retired included
    assert competitions.find_teachers(demo, chair, "mh02-0005") == {}
    found = competitions.find_teachers(demo, actor_of(demo, "auditor"), "mh02-0005")
    assert list(found) == [staff(demo, "MH02-0005")]
    assert next(iter(found.values())).endswith("（明湖区第一中学 · MH02-0005）")
