"""Two more attempts at half the two-block ceiling, and what they show about why it is out of reach.

1. A hold rule that sees only the past, so dexbot could run it. At head ``t`` the next base fee ``b[t+1]``
   is exact (EIP-1559, from block ``t``); ``b[t+2]`` is the same rule applied to block ``t+1``'s
   fullness, which nobody knows yet. Holding pays when the rule, applied to the fullness expected after a
   head as full as this one, gives a ``b[t+2]`` below ``b[t+1]``. That expectation is learnt online: the
   mean fullness of the blocks that followed heads in the same fullness bucket among the last
   ``ONLINE_WINDOW`` heads, all of them before ``t`` (until a bucket has ``ONLINE_MIN`` of them: no hold).
   Nothing is fitted on the window it is scored on.
2. How far richer foresight-free features could carry a hold rule: the best cells (hold or not per
   cell) over the head's fullness with its parents' and the base fee's trend, fitted on one half of a
   window and scored on the other, both ways. Fitted in the window itself the gain grows with the
   number of cells towards the perfect-hold sum (every hold chosen in hindsight); out of sample it does
   not: more cells fit noise, not the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.gas_hold import Window, replay_held
from bench.gas_replay import Comparison, History
from dexbot.chain.gas.basefee import BaseFeeRule, op_stack_rule
from dexbot.chain.gas.strategy import Urgency

BUCKETS = 8  # of the head's gas-used ratio
ONLINE_WINDOW = 400  # past heads the expectation is learnt from
ONLINE_MIN = 10  # past heads in the bucket before the rule trusts its mean
NOMINAL_LIMIT = 10**9  # the ratio as gas used, for the exact rule (only the ratio matters)
CELLS = 5  # per feature, in the out-of-sample test

Feature = Callable[[Window, int], tuple[float, ...]]


def _bucket(ratio: float, n: int) -> int:
    return min(n - 1, max(0, int(ratio * n)))


def online_holds(w: Window, rule: BaseFeeRule) -> dict[int, bool]:
    """For every head of ``w``: hold one block or not, decided from blocks up to the head only."""
    b, g = w.base_fee, w.ratio
    out: dict[int, bool] = {}
    for t in w.heads:
        k = _bucket(g[t], BUCKETS)
        after = [g[s + 1] for s in range(max(0, t - ONLINE_WINDOW), t) if _bucket(g[s], BUCKETS) == k]
        if len(after) < ONLINE_MIN:
            out[t] = False
            continue
        expected = round(sum(after) / len(after) * NOMINAL_LIMIT)
        out[t] = rule.next_base_fee(b[t + 1], expected, NOMINAL_LIMIT) < b[t + 1]
    return out


def held_gain_pct(w: Window, holds: Callable[[int], bool]) -> float:
    """Mean over every head of what holding saved against entering the next block, in % of its base fee
    (losses where the block after was dearer count against it)."""
    b = w.base_fee
    saved = sum((b[t + 1] - b[t + 2]) / b[t + 1] for t in w.heads if holds(t))
    return 100.0 * saved / len(w.heads)


def perfect_hold_pct(w: Window) -> float:
    """Every head held exactly when the block after the next was cheaper: hindsight's hold gain."""
    b = w.base_fee
    return 100.0 * sum(max(0.0, (b[t + 1] - b[t + 2]) / b[t + 1]) for t in w.heads) / len(w.heads)


def replay_online_hold(h: History, w: Window, urgency: Urgency) -> Comparison:
    """Our strategy holding by the online rule, against the node's answer on the same transactions."""
    holds = online_holds(w, op_stack_rule(h.extra_data()) or h.rule)
    return replay_held(h, urgency, lambda t: holds.get(t, False))


def _trend(w: Window, t: int) -> float:
    """The next base fee against the one five blocks back, mapped to 0..1 (0.5: flat)."""
    before = w.base_fee[t - 5]
    return min(1.0, max(0.0, 0.5 + 2 * (w.base_fee[t + 1] - before) / before))


FEATURES: dict[str, Feature] = {
    "head": lambda w, t: (w.ratio[t],),
    "head+parent": lambda w, t: (w.ratio[t], w.ratio[t - 1]),
    "head+mean of 4 before": lambda w, t: (w.ratio[t], sum(w.ratio[t - 4 : t]) / 4),
    "head+2 parents": lambda w, t: (w.ratio[t], w.ratio[t - 1], w.ratio[t - 2]),
    "head+base-fee trend": lambda w, t: (w.ratio[t], _trend(w, t)),
}


@dataclass(frozen=True)
class FeatureGain:
    """A feature set's hold gain: cells fitted on the whole window (in sample) and fitted on one half,
    scored on the other (out of sample, the mean of both ways), in % of the base fee per head."""

    name: str
    in_sample: float
    out_of_sample: float


def _cells(w: Window, f: Feature, heads: list[int]) -> set[tuple[int, ...]]:
    """The cells where holding gained on ``heads``."""
    sums: dict[tuple[int, ...], float] = {}
    b = w.base_fee
    for t in heads:
        key = tuple(_bucket(x, CELLS) for x in f(w, t))
        sums[key] = sums.get(key, 0.0) + (b[t + 1] - b[t + 2]) / b[t + 1]
    return {k for k, v in sums.items() if v > 0}


def feature_gain(w: Window, name: str) -> FeatureGain:
    f = FEATURES[name]
    heads = list(w.heads)
    half = len(heads) // 2
    parts = [heads[:half], heads[half:]]

    def scored(cells: set[tuple[int, ...]], on: list[int]) -> float:
        pick = set(on)
        return held_gain_pct(w, lambda t: t in pick and tuple(_bucket(x, CELLS) for x in f(w, t)) in cells)

    whole = scored(_cells(w, f, heads), heads)
    # each half's cells on the other half; per head of the whole window, so the two add up
    out = scored(_cells(w, f, parts[0]), parts[1]) + scored(_cells(w, f, parts[1]), parts[0])
    return FeatureGain(name, whole, out)
