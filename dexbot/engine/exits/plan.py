"""An exit in progress: how much of the position is due for sale by now. Urgent exits (stop-loss, a
breaker, the operator) sell everything at once, and take over an exit already under way; the others
follow the configured method — ``impact`` (as much as the price-impact budget allows each block),
``twap`` (N equal slices over T seconds) or ``vwap`` (slices sized to a share of the pool's observed sell
volume) — each slice still shrunk to the impact budget, with what did not fit carried to the next block.
A slice's impact is how much worse its average price is than the pool's marginal price
(``QuoteSource.sell_impact_bps``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dexbot.core.config import ExitsConfig
from dexbot.engine.exits.schedule import Slice, twap, vwap

URGENT = ("stop_loss", "breaker", "manual", "tax_changed")


@dataclass
class ExitPlan:
    method: str  # now | impact | twap | vwap
    slices: list[Slice]
    started: float
    sold: int = 0
    fills: int = 0  # slices sold so far
    notes: list[str] = field(default_factory=list)

    @property
    def budgeted(self) -> bool:
        return self.method != "now"

    def due(self, now: float) -> int:
        elapsed = now - self.started
        return max(0, sum(s.amount for s in self.slices if s.at_s <= elapsed) - self.sold)

    def describe(self) -> str:
        if self.method == "now":
            return "sell everything now"
        if self.method == "impact":
            return "as much as the impact budget allows each block"
        span = self.slices[-1].at_s if self.slices else 0
        return f"{self.method.upper()}: {len(self.slices)} slices over {span:g}s"


def make_plan(
    rule: str, size: int, cfg: ExitsConfig, *, now: float, volume_per_s: int, block_time_s: float
) -> ExitPlan:
    if rule in URGENT:
        return ExitPlan("now", [Slice(0.0, size)], now)
    if cfg.method == "twap":
        return ExitPlan("twap", twap(size, cfg.twap_slices, cfg.twap_over_s), now)
    if cfg.method == "vwap":
        slices = vwap(
            size,
            volume_per_s=volume_per_s,
            participation_bps=cfg.vwap_participation_bps,
            interval_s=max(block_time_s, 0.5),
            max_slices=cfg.twap_slices * 4,
        )
        return ExitPlan("vwap", slices, now)
    return ExitPlan("impact", [Slice(0.0, size)], now)
