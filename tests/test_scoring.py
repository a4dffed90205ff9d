"""Competition scoring (services/scoring.py): DOMAIN.md section 4 with the numbers written out."""

from __future__ import annotations

import itertools
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services import scoring
from services.errors import DomainError
from services.scoring import EntrantScores, SegmentRule, TierRule

ONLY = SegmentRule(1, "总分", D(100), D(100))


def seg(*scores: str, segment: SegmentRule = ONLY) -> scoring.SegmentScore:
    return scoring.segment_score([D(s) for s in scores], segment)


# --- Segment scores by panel size -------------------------------------------------------------

@pytest.mark.parametrize(("scores", "value", "trimmed", "flagged"), [
    (("90", "85", "88", "92", "70", "95", "87"), D("88.4"), True, False),   # 7: drop 70 and 95
    (("80", "90", "85", "70", "95"), D("85"), True, False),                 # 5: drop 70 and 95
    (("80", "90", "85", "70"), D("82.5"), True, True),                      # 4: flagged
    (("80", "90", "85"), D("85"), True, True),                              # 3: flagged
    (("80", "91"), D("85.5"), False, False),                                # 2: plain mean
    (("77.25",), D("77.25"), False, False),                                 # 1
])
def test_trimmed_mean_by_panel_size(scores, value, trimmed, flagged):
    result = seg(*scores)
    assert (result.value, result.trimmed, result.flagged) == (value, trimmed, flagged)
    assert result.judges == len(scores)


def test_the_plain_mean_keeps_every_judge():
    assert seg("70", "80", "80", "80", "100").plain_mean == D("82")
    assert seg("70", "80", "80", "80", "100").value == D("80")


@pytest.mark.parametrize("bad", ["100.01", "-0.01", "101"])
def test_scores_outside_zero_to_maximum_are_refused(bad):
    with pytest.raises(DomainError) as caught:
        seg("90", bad)
    assert caught.value.key == "competition.error.score_range"


def test_scores_with_more_than_two_decimals_are_refused():
    with pytest.raises(DomainError) as caught:
        seg("90.125")
    assert caught.value.key == "competition.error.score_decimals"


def test_an_empty_panel_is_refused():
    with pytest.raises(DomainError) as caught:
        scoring.segment_score([], ONLY)
    assert caught.value.key == "competition.error.no_scores"


# --- Rounding and weighted totals -------------------------------------------------------------

def test_rounding_is_half_up_and_only_at_the_end():
    assert scoring.shown(D("88.125")) == D("88.13")   # banker's rounding would give 88.12
    assert scoring.shown(D("88.135")) == D("88.14")
    assert scoring.shown(D("85.005")) == D("85.01")
    # Two judges 88.12 and 88.13: the segment is 88.125 exactly, and the final shows 88.13.
    results, _ = scoring.rank([EntrantScores(1, {1: [D("88.12"), D("88.13")]})], [ONLY])
    assert results[0].final == D("88.13")
    # Rounded segments would sum to 33.34 + 33.34 + 33.34 = 100.02; unrounded it is 100.
    thirds = [SegmentRule(i, f"s{i}", D(3), D("33.34") if i == 1 else D("33.33"))
              for i in (1, 2, 3)]
    results, _ = scoring.rank([EntrantScores(1, {1: [D(3)], 2: [D(3)], 3: [D(3)]})], thirds)
    assert results[0].final == D("100.00")


def test_final_score_is_the_weighted_sum_scaled_to_100():
    segments = [SegmentRule(1, "教学设计", D(20), D(20), 1),
                SegmentRule(2, "课堂教学", D(100), D(75), 2),
                SegmentRule(3, "教学反思", D(5), D(5), 3)]
    # 18/20·20 + 90/100·75 + 4/5·5 = 18 + 67.5 + 4
    entrant = EntrantScores(1, {1: [D(18)], 2: [D(90)], 3: [D(4)]})
    results, _ = scoring.rank([entrant], segments)
    assert results[0].final == D("89.50")
    # With 5 judges per segment: 教学设计 16.5, 课堂教学 88, 教学反思 4.5 after trimming.
    panel = EntrantScores(2, {
        1: [D("15"), D("16"), D("16.5"), D("17"), D("20")],
        2: [D("80"), D("87"), D("88"), D("89"), D("99")],
        3: [D("3"), D("4.5"), D("4.5"), D("4.5"), D("5")],
    })
    results, _ = scoring.rank([panel], segments)
    # 16.5·1 + 88·0.75 + 4.5·1 = 16.5 + 66 + 4.5
    assert results[0].final == D("87.00")
    # Nothing dropped: 教学设计 16.9, 课堂教学 88.6·0.75 = 66.45, 教学反思 4.3.
    assert results[0].untrimmed == D("87.65")


def test_weights_must_add_up_to_100():
    with pytest.raises(DomainError) as caught:
        scoring.check_segments([SegmentRule(1, "a", D(100), D(60)),
                                SegmentRule(2, "b", D(100), D(39))])
    assert caught.value.key == "competition.error.weights"
    assert caught.value.params == {"total": "99"}


# --- Ties and ranks ---------------------------------------------------------------------------

THREE = [SegmentRule(1, "A", D(100), D(50), 1), SegmentRule(2, "B", D(100), D(30), 2),
         SegmentRule(3, "C", D(100), D(20), 3)]


def entrant(entrant_id: int, a, b, c) -> EntrantScores:
    def panel(x):
        return [D(v) for v in x] if isinstance(x, list | tuple) else [D(x)]
    return EntrantScores(entrant_id, {1: panel(a), 2: panel(b), 3: panel(c)})


def test_a_three_way_tie_is_resolved_by_each_step_of_the_chain():
    # All three score 73.00 in total.
    p = entrant(1, 80, 70, 60)   # 40 + 21 + 12
    q = entrant(2, 80, 60, 75)   # 40 + 18 + 15: same heaviest segment as p, lower B
    r = entrant(3, 70, 80, 70)   # 35 + 24 + 14: lower heaviest segment
    results, notes = scoring.rank([r, q, p], THREE)
    assert [x.final for x in results] == [D("73.00")] * 3
    assert [(x.entrant_id, x.rank) for x in results] == [(1, 1), (2, 2), (3, 3)]
    assert notes == [scoring.TieNote(1, 2, "segment", "B"), scoring.TieNote(2, 3, "segment", "A")]


def test_the_untrimmed_mean_decides_when_every_segment_is_equal():
    steady = entrant(1, ["80"] * 5, "70", "60")
    swinging = entrant(2, ["70", "80", "80", "80", "100"], "70", "60")   # trimmed 80, plain 82
    results, notes = scoring.rank([steady, swinging], THREE)
    assert [(x.entrant_id, x.rank) for x in results] == [(2, 1), (1, 2)]
    assert notes == [scoring.TieNote(2, 1, "untrimmed")]


def test_equal_on_every_step_shares_the_rank_1_2_2_4():
    results, notes = scoring.rank([entrant(1, 90, 90, 90), entrant(2, 85, 85, 85),
                                   entrant(3, 85, 85, 85), entrant(4, 80, 80, 80)], THREE)
    assert [(x.entrant_id, x.rank) for x in results] == [(1, 1), (2, 2), (3, 2), (4, 4)]
    assert notes == [scoring.TieNote(2, 3, "shared")]


# --- Awards -----------------------------------------------------------------------------------

QUOTAS = [TierRule(1, "一等奖", D(15)), TierRule(2, "二等奖", D(25)), TierRule(3, "三等奖", D(35))]


def test_n_41_at_15_25_35_percent_gives_6_10_15():
    assert scoring.cutoffs(41, QUOTAS) == [6, 16, 31]       # round(6.15), round(16.4), round(30.75)
    results = [scoring.Result(i, {}, D(100 - i), D(100 - i), rank=i) for i in range(1, 42)]
    notes = scoring.award(results, QUOTAS)
    assert [(n.places, n.given, n.promoted) for n in notes] == [(6, 6, 0), (10, 10, 0),
                                                                (15, 15, 0)]
    assert sum(r.award is None for r in results) == 10


def test_rounding_modes_for_the_cut_offs():
    assert scoring.cutoffs(41, QUOTAS, "floor") == [6, 16, 30]
    assert scoring.cutoffs(41, QUOTAS, "ceiling") == [7, 17, 31]
    assert scoring.cutoffs(10, [TierRule(1, "一", fixed_count=1), TierRule(2, "二", D(20)),
                                TierRule(3, "三", fixed_count=3)]) == [1, 3, 6]


def ranked(*finals: str) -> list[scoring.Result]:
    results, _ = scoring.rank([EntrantScores(i, {1: [D(f)]}) for i, f in enumerate(finals, 1)],
                              [ONLY])
    return results


def test_a_tie_straddling_a_cut_off_is_promoted_and_the_next_tier_shrinks():
    results = ranked("95", "90", "90", "85", "80", "75", "70", "65", "60", "55")
    tiers = [TierRule(1, "一等奖", D(20)), TierRule(2, "二等奖", D(30)),
             TierRule(3, "三等奖", D(30))]
    notes = scoring.award(results, tiers)
    assert [r.rank for r in results] == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]
    assert [r.award for r in results] == [1, 1, 1, 2, 2, 3, 3, 3, None, None]
    assert [r.promoted for r in results] == [False, False, True] + [False] * 7
    assert [(n.cutoff, n.places, n.given, n.promoted) for n in notes] == [
        (2, 2, 3, 1), (5, 3, 2, 0), (8, 3, 3, 0)]


def test_a_minimum_score_keeps_a_tier_out_of_reach():
    results = ranked("95", "90", "90", "85", "80")
    tiers = [TierRule(1, "一等奖", D(40), min_score=D(92)), TierRule(2, "二等奖", D(40))]
    notes = scoring.award(results, tiers)
    assert [r.award for r in results] == [1, 2, 2, 2, None]
    assert notes[0].below_min == 2 and notes[0].given == 1


def test_quotas_over_100_percent_are_refused():
    with pytest.raises(DomainError) as caught:
        scoring.cutoffs(10, [TierRule(1, "一", D(60)), TierRule(2, "二", D(50))])
    assert caught.value.key == "competition.error.quota_total"


@settings(max_examples=200, deadline=None)
@given(finals=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=60),
       quotas=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=4)
       .filter(lambda q: sum(q) <= 100),
       rounding=st.sampled_from(["half_up", "floor", "ceiling"]))
def test_awards_never_exceed_the_quota_except_by_promoted_ties(finals, quotas, rounding):
    # Few distinct scores, so ties are common.
    results = ranked(*(str(60 + f) for f in finals))
    tiers = [TierRule(k, f"t{k}", D(q)) for k, q in enumerate(quotas, 1)]
    scoring.award(results, tiers, rounding)
    limits = scoring.cutoffs(len(results), tiers, rounding)
    # Ranks agree with scores: better score, better rank; equal score, equal rank.
    for a, b in itertools.pairwise(results):
        assert a.final >= b.final
        assert (a.rank == b.rank) == (a.final == b.final)
        assert a.rank < b.rank or a.final == b.final
    for position, result in enumerate(results, 1):
        if result.award is None:
            assert result.rank > limits[-1]
            continue
        k = result.award - 1
        assert result.rank <= limits[k]
        assert result.promoted == (position > limits[k])
        if result.promoted:  # lifted only because it ties with someone inside the cut-off
            assert results[limits[k] - 1].rank == result.rank
    for k, limit in enumerate(limits):
        inside = sum(1 for r in results if r.award is not None and r.award <= k + 1
                     and not r.promoted)
        assert inside <= limit


# --- Judge consistency ------------------------------------------------------------------------

def test_wide_panels_and_far_judges_are_flagged_without_changing_scores():
    panels = {
        (1, 1): {10: D(80), 11: D(85), 12: D(95)},   # spread 15 > 10; 95 is exactly 10 off
        (2, 1): {10: D(80), 11: D(85), 12: D(96)},   # 96 is 11 from the median 85
        (3, 1): {10: D(80), 11: D(85), 12: D(90)},   # spread 10: fine
    }
    check = scoring.check_panels(panels, {1: ONLY})
    assert check.wide_panels == [(1, 1), (2, 1)]
    assert check.far_from_median == {12: 1}
    assert panels[(2, 1)][12] == D(96)
