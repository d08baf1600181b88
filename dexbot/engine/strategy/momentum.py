"""Momentum and mean reversion on watched pools, judged on block-by-block price history."""

from __future__ import annotations

from dexbot.engine.market.view import MarketView
from dexbot.engine.strategy.base import Candidate, Strategy


class MomentumStrategy(Strategy):
    """Enter when a pool's price rose at least ``rise_bps`` over ``window`` blocks without blowing out."""

    name = "momentum"

    def __init__(self, window: int = 10, rise_bps: int = 300, max_rise_bps: int = 3000) -> None:
        self.window, self.rise_bps, self.max_rise_bps = window, rise_bps, max_rise_bps

    def on_block(self, view: MarketView, block: int, held: set[str]) -> list[Candidate]:
        out = []
        for info in view.pools.values():
            if info.token in held:
                continue
            change = info.change_bps(self.window)
            if change is not None and self.rise_bps <= change <= self.max_rise_bps:
                conf = min(1.0, change / (3 * self.rise_bps))
                out.append(
                    Candidate(
                        info.token,
                        info.pool,
                        f"up {change / 100:.2f}% over {self.window} blocks",
                        conf,
                        self.name,
                    )
                )
        return out


class MeanReversionStrategy(Strategy):
    """Enter when price sits ``dip_bps`` below its recent mean (buy the dip of a liquid, live pool)."""

    name = "mean_reversion"

    def __init__(self, samples: int = 30, dip_bps: int = 500) -> None:
        self.samples, self.dip_bps = samples, dip_bps

    def on_block(self, view: MarketView, block: int, held: set[str]) -> list[Candidate]:
        out = []
        for info in view.pools.values():
            if info.token in held or len(info.history) < self.samples // 2:
                continue
            mean = info.mean_price(self.samples)
            if mean <= 0:
                continue
            dip = (mean - info.price) * 10_000 // mean
            if dip >= self.dip_bps:
                out.append(
                    Candidate(
                        info.token,
                        info.pool,
                        f"{dip / 100:.2f}% below its {self.samples}-block mean",
                        min(1.0, dip / (3 * self.dip_bps)),
                        self.name,
                    )
                )
        return out
