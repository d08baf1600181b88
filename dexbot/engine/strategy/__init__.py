"""Strategies: a small interface the engine calls. Each proposes candidates; the engine judges risk,
sizes and executes. Strategies never trade by themselves."""

from __future__ import annotations

from dexbot.engine.strategy.base import Candidate, Strategy
from dexbot.engine.strategy.launch import LaunchStrategy
from dexbot.engine.strategy.momentum import MeanReversionStrategy, MomentumStrategy

STRATEGIES: dict[str, type[Strategy]] = {
    LaunchStrategy.name: LaunchStrategy,
    MomentumStrategy.name: MomentumStrategy,
    MeanReversionStrategy.name: MeanReversionStrategy,
}


def make_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]()
    except KeyError:
        raise ValueError(
            f"strategy.name: unknown strategy {name!r} (known: {', '.join(STRATEGIES)})"
        ) from None


__all__ = ["STRATEGIES", "Candidate", "Strategy", "make_strategy"]
