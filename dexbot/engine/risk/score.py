"""Factors and how they combine into a score and a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dexbot.engine.risk.flags import Flag

Verdict = Literal["ok", "risky", "blocked", "inconclusive"]


@dataclass(frozen=True)
class Factor:
    """One measured aspect of a token. ``risk`` is this factor alone on 0..100; ``weight`` its say in the
    total. ``hard_block`` vetoes the token whatever the score (a sell that reverts, a 100% tax…)."""

    name: str
    value: str
    risk: int
    weight: float
    note: str
    hard_block: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.risk <= 100:
            raise ValueError(f"factor {self.name}: risk {self.risk} outside 0..100")
        if self.weight < 0:
            raise ValueError(f"factor {self.name}: negative weight")


@dataclass(frozen=True)
class Assessment:
    token: str
    symbol: str
    block_number: int
    score: int
    verdict: Verdict
    factors: tuple[Factor, ...]
    buy_tax_bps: int | None = None
    sell_tax_bps: int | None = None
    transfer_tax_bps: int | None = None
    max_buy_wei: int | None = None
    privileges: tuple[str, ...] = ()
    revert_reasons: tuple[str, ...] = ()
    lane: str = "smart"
    inconclusive: str | None = None
    elapsed_ms: float = 0.0
    flags: tuple[Flag, ...] = ()

    def contributions(self) -> list[tuple[Factor, float]]:
        return contributions(self.factors)

    @property
    def blockers(self) -> tuple[Factor, ...]:
        return tuple(f for f in self.factors if f.hard_block)

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "symbol": self.symbol,
            "block_number": self.block_number,
            "verdict": self.verdict,
            "score": self.score,
            "lane": self.lane,
            "buy_tax_bps": self.buy_tax_bps,
            "sell_tax_bps": self.sell_tax_bps,
            "transfer_tax_bps": self.transfer_tax_bps,
            "max_buy_wei": None if self.max_buy_wei is None else str(self.max_buy_wei),
            "privileges": list(self.privileges),
            "revert_reasons": list(self.revert_reasons),
            "inconclusive": self.inconclusive,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "flags": [f.to_json() for f in self.flags],
            "factors": [
                {
                    "name": f.name,
                    "value": f.value,
                    "risk": f.risk,
                    "weight": f.weight,
                    "contribution": round(c, 2),
                    "hard_block": f.hard_block,
                    "note": f.note,
                }
                for f, c in contributions(self.factors)
            ],
        }


def contributions(factors: tuple[Factor, ...]) -> list[tuple[Factor, float]]:
    """Each factor's share of the final score, in score points (they add up to the weighted score)."""
    total = sum(f.weight for f in factors)
    if total <= 0:
        return [(f, 0.0) for f in factors]
    return [(f, f.risk * f.weight / total) for f in factors]


def combine(
    factors: tuple[Factor, ...], *, max_risk: int, inconclusive: str | None = None
) -> tuple[int, Verdict]:
    """Weighted mean of factor risks; hard blocks force 100/blocked; an inconclusive simulation is never
    'ok' — money is only risked on tokens whose round trip was actually shown to work."""
    if any(f.hard_block for f in factors):
        return 100, "blocked"
    score = round(sum(c for _, c in contributions(factors)))
    score = max(0, min(100, score))
    if inconclusive:
        return score, "inconclusive"
    return score, ("ok" if score <= max_risk else "risky")
