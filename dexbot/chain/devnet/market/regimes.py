"""Volatility regimes: how noise traders lean and how big they trade.

A regime only biases two draws per swap, the direction and the size, which is enough to produce
the price paths a bot must survive: calm chop, persistent trends per token, and crashes where sellers
dump large clips into thin bids. ``cycle`` rotates calm → trending → crash → calm every few minutes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .actions import Regime, RegimeShift, Side

RegimeMode = Literal["calm", "trending", "crash", "cycle"]
CYCLE: tuple[Regime, ...] = ("calm", "trending", "crash")
# Phase lengths of the cycle in seconds: (shortest, longest); crashes are short and sharp.
PHASE_SECONDS: dict[Regime, tuple[float, float]] = {
    "calm": (90.0, 150.0),
    "trending": (90.0, 150.0),
    "crash": (30.0, 60.0),
}
# Buy share of a freshly launched token's early trades: buyers pile in (unless the market crashes).
HYPE_BUY_SHARE = 0.75


@dataclass(frozen=True)
class Style:
    """Trading style of a regime. Sizes are log-normal in millionths of pool depth, capped."""

    buy_share: float
    trend_buy_share: float
    median_ppm: int
    sigma: float
    cap_ppm: int


STYLES: dict[Regime, Style] = {
    "calm": Style(buy_share=0.5, trend_buy_share=0.5, median_ppm=1_500, sigma=0.7, cap_ppm=15_000),
    "trending": Style(buy_share=0.5, trend_buy_share=0.72, median_ppm=2_500, sigma=0.8, cap_ppm=25_000),
    "crash": Style(buy_share=0.12, trend_buy_share=0.12, median_ppm=6_000, sigma=0.9, cap_ppm=60_000),
}
# In a crash the few buyers are timid: calm-sized buys against heavy sells.
CRASH_BUY_STYLE = STYLES["calm"]


def regime_shifts(mode: RegimeMode, rng: random.Random) -> Iterator[RegimeShift]:
    """The regime timeline: one shift at 0 for a fixed regime, an endless rotation for ``cycle``."""
    if mode != "cycle":
        yield RegimeShift(at_s=0.0, regime=mode, phase=0)
        return
    at = 0.0
    phase = 0
    while True:
        regime = CYCLE[phase % len(CYCLE)]
        yield RegimeShift(at_s=at, regime=regime, phase=phase)
        low, high = PHASE_SECONDS[regime]
        at += rng.uniform(low, high)
        phase += 1


def drift(seed: int, phase: int, pool: str) -> int:
    """+1 or -1: which way ``pool`` trends during regime phase ``phase``.

    Drawn from its own seeded stream per (phase, pool), so it does not depend on the order in which
    pools happen to be traded.
    """
    return 1 if random.Random(f"dexbot-market:{seed}:drift:{phase}:{pool}").random() < 0.5 else -1


def buy_share(regime: Regime, trend: int, *, hype: bool) -> float:
    """Probability that a swap buys the asset."""
    style = STYLES[regime]
    if hype and regime != "crash":
        return HYPE_BUY_SHARE
    if regime == "trending":
        return style.trend_buy_share if trend > 0 else 1.0 - style.trend_buy_share
    return style.buy_share


def size_ppm(rng: random.Random, regime: Regime, side: Side) -> int:
    """A log-normal size in millionths of the input side's depth, at least 10 ppm and at most the cap."""
    style = CRASH_BUY_STYLE if regime == "crash" and side == "buy" else STYLES[regime]
    raw = style.median_ppm * math.exp(rng.gauss(0.0, style.sigma))
    return max(10, min(style.cap_ppm, round(raw)))
