"""Exit rules. Inputs are exact integers: the position's remaining cost basis (WETH wei, gas included)
and the net WETH a sale would deliver right now after the token's sell tax, never a mid price."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ExitRules:
    stop_loss_pct: Decimal | None  # negative, e.g. -5
    take_profit_pct: Decimal | None  # positive
    trailing_pct: Decimal | None  # positive: give back this much from the peak
    max_hold_s: float | None

    def describe(self) -> str:
        parts = []
        if self.stop_loss_pct is not None:
            parts.append(f"SL {self.stop_loss_pct}%")
        if self.take_profit_pct is not None:
            parts.append(f"TP +{self.take_profit_pct}%")
        if self.trailing_pct is not None:
            parts.append(f"trail {self.trailing_pct}%")
        if self.max_hold_s is not None:
            parts.append(f"max {int(self.max_hold_s)}s")
        return " · ".join(parts) or "none"


@dataclass(frozen=True)
class ExitSignal:
    rule: str  # stop_loss | trailing_stop | take_profit | max_hold
    detail: str


def _threshold(cost: int, pct: Decimal) -> int:
    """cost × (1 + pct/100), exact: pct has at most a few decimals, so scale by 10^4."""
    scaled = int((Decimal(10_000) + pct * 100).to_integral_value())
    return cost * scaled // 10_000


def evaluate(
    rules: ExitRules, *, cost: int, value_now: int, peak_value: int, held_s: float
) -> ExitSignal | None:
    """The first rule that fires, in order of urgency: stop-loss, trailing, take-profit, max hold."""
    if cost <= 0:
        return None
    if rules.stop_loss_pct is not None:
        floor = _threshold(cost, rules.stop_loss_pct)
        if value_now <= floor:
            return ExitSignal("stop_loss", f"net value {value_now} ≤ stop {floor} ({rules.stop_loss_pct}%)")
    if rules.trailing_pct is not None and peak_value > cost:
        trail = peak_value * int((Decimal(10_000) - rules.trailing_pct * 100).to_integral_value()) // 10_000
        if value_now <= trail:
            return ExitSignal(
                "trailing_stop", f"net value {value_now} fell {rules.trailing_pct}% from peak {peak_value}"
            )
    if rules.take_profit_pct is not None:
        target = _threshold(cost, rules.take_profit_pct)
        if value_now >= target:
            return ExitSignal(
                "take_profit", f"net value {value_now} ≥ target {target} (+{rules.take_profit_pct}%)"
            )
    if rules.max_hold_s is not None and held_s >= rules.max_hold_s:
        return ExitSignal("max_hold", f"held {held_s:.0f}s ≥ {rules.max_hold_s:.0f}s")
    return None
