"""Competition scoring as DOMAIN.md section 4 says: plain functions over Decimal, no database and
no Streamlit, so every rule is tested with the numbers written out.

- A segment's score: with 5 or more judges the highest and the lowest are dropped and the rest
  averaged; with 3 or 4 judges the same, flagged; with 1 or 2 the plain mean.
- The final score: the weighted sum of segment scores scaled to 100 (weights sum to 100),
  rounded half-up to 2 decimals only at the end.
- Ties: final score → the heaviest segment → the other segments by weight → the mean of all
  judges with nothing dropped → a shared rank (1, 2, 2, 4). Each comparison uses the values
  as shown, rounded to 2 decimals.
- Awards by cumulative cut-offs Cₖ = round(N·(p₁+…+pₖ)) (or fixed counts); entrants tied at
  a cut-off all get the higher award and the next tier shrinks.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from services.errors import DomainError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
SPREAD_SHARE = Decimal("0.10")   # a panel spread over 10% of the segment maximum is flagged
# What a new competition starts from: the common 20 + 75 + 5 and 15% / 25% / 35%.
DEFAULT_SEGMENTS = (("教学设计", Decimal(20), Decimal(20)), ("课堂教学", Decimal(100), Decimal(75)),
                    ("教学反思", Decimal(5), Decimal(5)))
DEFAULT_TIERS = (("一等奖", Decimal(15)), ("二等奖", Decimal(25)), ("三等奖", Decimal(35)))
_ROUNDING = {"half_up": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceiling": ROUND_CEILING}


def shown(value: Decimal) -> Decimal:
    """Rounded half-up to 2 decimals: what results show, and what ties compare."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Segments and final scores --------------------------------------------------------------

@dataclass(frozen=True)
class SegmentRule:
    id: int
    name: str
    maximum: Decimal
    weight: Decimal
    position: int = 0


def check_segments(segments: Sequence[SegmentRule]) -> None:
    """Weights must add up to exactly 100, and every maximum and weight be positive."""
    if not segments:
        raise DomainError("competition.error.no_segments")
    for segment in segments:
        if segment.maximum <= 0 or segment.weight <= 0:
            raise DomainError("competition.error.segment_values", segment=segment.name)
    total = sum((s.weight for s in segments), Decimal(0))
    if total != HUNDRED:
        raise DomainError("competition.error.weights", total=f"{total:f}")


def check_score(score: Decimal, segment: SegmentRule) -> None:
    if not isinstance(score, Decimal) or not score.is_finite():
        raise DomainError("competition.error.score_not_number", segment=segment.name)
    if score < 0 or score > segment.maximum:
        raise DomainError("competition.error.score_range", score=f"{score:f}",
                          segment=segment.name, maximum=f"{segment.maximum:f}")
    if score != score.quantize(CENT):
        raise DomainError("competition.error.score_decimals", score=f"{score:f}")


@dataclass(frozen=True)
class SegmentScore:
    value: Decimal        # exact, not yet rounded
    plain_mean: Decimal   # the mean of every judge, nothing dropped
    judges: int
    trimmed: bool         # the highest and the lowest were dropped
    flagged: bool         # trimmed with only 3–4 judges


def segment_score(scores: Sequence[Decimal], segment: SegmentRule) -> SegmentScore:
    if not scores:
        raise DomainError("competition.error.no_scores", segment=segment.name)
    for score in scores:
        check_score(score, segment)
    n = len(scores)
    plain = sum(scores, Decimal(0)) / n
    if n < 3:
        return SegmentScore(plain, plain, n, trimmed=False, flagged=False)
    kept = sorted(scores)[1:-1]
    return SegmentScore(sum(kept, Decimal(0)) / len(kept), plain, n, trimmed=True,
                        flagged=n < 5)


def weighted_total(values: Mapping[int, Decimal], segments: Sequence[SegmentRule]) -> Decimal:
    """Σ weight · score / maximum: out of 100 because the weights sum to 100. Not rounded."""
    return sum((values[s.id] / s.maximum * s.weight for s in segments), Decimal(0))


# --- Ranking ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntrantScores:
    entrant_id: int
    scores: Mapping[int, Sequence[Decimal]]   # segment id → every judge's score


@dataclass
class Result:
    entrant_id: int
    segments: dict[int, SegmentScore]
    final: Decimal            # rounded half-up to 2 decimals
    untrimmed: Decimal        # the final from every judge's score, rounded
    rank: int = 0
    award: int | None = None  # the award tier's rank (1 = highest), None for no award
    promoted: bool = False    # tied at a cut-off and given the higher award
    flagged: bool = False     # some segment was trimmed with only 3–4 judges

    def shown_segment(self, segment_id: int) -> Decimal:
        return shown(self.segments[segment_id].value)


@dataclass(frozen=True)
class TieNote:
    """Why two neighbours with the same final score stand in this order, or share a rank."""

    first: int               # entrant ids, in the order shown
    second: int
    rule: str                # "segment" / "untrimmed" / "shared"
    segment: str | None = None


def tie_chain(segments: Sequence[SegmentRule]) -> list[SegmentRule]:
    """The segments in the order ties look at them: heaviest first, then by position."""
    return sorted(segments, key=lambda s: (-s.weight, s.position, s.id))


def _key(result: Result, chain: Sequence[SegmentRule]) -> tuple[Decimal, ...]:
    return (result.final, *(result.shown_segment(s.id) for s in chain), result.untrimmed)


def rank(entrants: Sequence[EntrantScores], segments: Sequence[SegmentRule]
         ) -> tuple[list[Result], list[TieNote]]:
    """Results best first with shared ranks (1, 2, 2, 4), and a note on every tie."""
    check_segments(segments)
    results = []
    for entrant in entrants:
        per_segment = {}
        for s in segments:
            per_segment[s.id] = segment_score(entrant.scores.get(s.id, ()), s)
        final = weighted_total({k: v.value for k, v in per_segment.items()}, segments)
        untrimmed = weighted_total({k: v.plain_mean for k, v in per_segment.items()}, segments)
        results.append(Result(entrant.entrant_id, per_segment, shown(final), shown(untrimmed),
                              flagged=any(v.flagged for v in per_segment.values())))
    chain = tie_chain(segments)
    results.sort(key=lambda r: (tuple(-v for v in _key(r, chain)), r.entrant_id))
    notes: list[TieNote] = []
    for i, result in enumerate(results):
        if i and _key(result, chain) == _key(results[i - 1], chain):
            result.rank = results[i - 1].rank
        else:
            result.rank = i + 1
        if i and result.final == results[i - 1].final:
            notes.append(_tie_note(results[i - 1], result, chain))
    return results, notes


def _tie_note(a: Result, b: Result, chain: Sequence[SegmentRule]) -> TieNote:
    for segment in chain:
        if a.shown_segment(segment.id) != b.shown_segment(segment.id):
            return TieNote(a.entrant_id, b.entrant_id, "segment", segment.name)
    if a.untrimmed != b.untrimmed:
        return TieNote(a.entrant_id, b.entrant_id, "untrimmed")
    return TieNote(a.entrant_id, b.entrant_id, "shared")


# --- Awards -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TierRule:
    rank: int
    name: str
    quota_percent: Decimal | None = None
    fixed_count: int | None = None
    min_score: Decimal | None = None


def check_tiers(tiers: Sequence[TierRule]) -> None:
    total = Decimal(0)
    for tier in tiers:
        if (tier.quota_percent is None) == (tier.fixed_count is None):
            raise DomainError("competition.error.tier_quota_or_count", tier=tier.name)
        if tier.quota_percent is not None:
            if tier.quota_percent <= 0:
                raise DomainError("competition.error.tier_quota", tier=tier.name)
            total += tier.quota_percent
        elif tier.fixed_count is not None and tier.fixed_count <= 0:
            raise DomainError("competition.error.tier_count", tier=tier.name)
    if total > HUNDRED:
        raise DomainError("competition.error.quota_total", total=f"{total:f}")


def cutoffs(competed: int, tiers: Sequence[TierRule], rounding: str = "half_up") -> list[int]:
    """Cumulative places Cₖ for each tier, best first: round(N·(p₁+…+pₖ)) for quotas, plus the
    fixed counts so far; never more than N."""
    check_tiers(tiers)
    share, fixed, result = Decimal(0), 0, []
    for tier in sorted(tiers, key=lambda t: t.rank):
        if tier.quota_percent is not None:
            share += tier.quota_percent
        else:
            fixed += tier.fixed_count or 0
        places = (competed * share / HUNDRED).quantize(Decimal(1), rounding=_ROUNDING[rounding])
        result.append(min(competed, int(places) + fixed))
    return result


@dataclass(frozen=True)
class BoundaryNote:
    """How one tier's places came out: its cut-off, the places given, and ties promoted."""

    tier: int
    name: str
    cutoff: int       # Cₖ
    places: int       # Cₖ − Cₖ₋₁ by the rule
    given: int        # awarded in fact
    promoted: int     # of those, tied at the cut-off and lifted from below it
    below_min: int    # kept out by the tier's minimum score


def award(results: Sequence[Result], tiers: Sequence[TierRule], rounding: str = "half_up"
          ) -> list[BoundaryNote]:
    """Give each ranked result its award in place; returns a note per tier.

    A result of rank r gets the best tier k with r ≤ Cₖ whose minimum score it reaches. Tied
    results share a rank, so a tie that starts inside a cut-off is all inside it: the higher
    award for all, and as the cut-offs are cumulative, the next tier shrinks by as much.
    """
    ordered = sorted(tiers, key=lambda t: t.rank)
    limits = cutoffs(len(results), ordered, rounding)
    given = dict.fromkeys(range(len(ordered)), 0)
    promoted = dict.fromkeys(range(len(ordered)), 0)
    below = dict.fromkeys(range(len(ordered)), 0)
    for position, result in enumerate(results, start=1):
        result.award, result.promoted = None, False
        for k, tier in enumerate(ordered):
            if result.rank > limits[k]:
                continue
            if tier.min_score is not None and result.final < tier.min_score:
                below[k] += 1
                continue
            result.award = tier.rank
            result.promoted = position > limits[k]
            given[k] += 1
            promoted[k] += result.promoted
            break
    notes, previous = [], 0
    for k, tier in enumerate(ordered):
        notes.append(BoundaryNote(tier.rank, tier.name, limits[k], limits[k] - previous,
                                  given[k], promoted[k], below[k]))
        previous = limits[k]
    return notes


# --- Judge consistency --------------------------------------------------------------------

@dataclass
class PanelCheck:
    """Flags for the chief judge; no score is changed."""

    wide_panels: list[tuple[int, int]] = field(default_factory=list)   # (entrant, segment)
    far_from_median: dict[int, int] = field(default_factory=dict)      # judge → panels


def check_panels(panels: Mapping[tuple[int, int], Mapping[int, Decimal]],
                 segments: Mapping[int, SegmentRule]) -> PanelCheck:
    """`panels` maps (entrant, segment) to each judge's score. A panel is wide when its
    spread exceeds 10% of the segment maximum; a judge is far when more than that from the
    panel's median."""
    check = PanelCheck()
    for (entrant_id, segment_id), by_judge in panels.items():
        if len(by_judge) < 2:
            continue
        limit = segments[segment_id].maximum * SPREAD_SHARE
        values = list(by_judge.values())
        if max(values) - min(values) > limit:
            check.wide_panels.append((entrant_id, segment_id))
        median = Decimal(statistics.median(values))
        for judge_id, score in by_judge.items():
            if abs(score - median) > limit:
                check.far_from_median[judge_id] = check.far_from_median.get(judge_id, 0) + 1
    return check
