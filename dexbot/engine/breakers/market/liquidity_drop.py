"""Liquidity drop (rug): the WETH side of a token's pool fell far below its peak — liquidity was pulled
or the owner dumped minted supply into it. A held token is exited (salvage what is left); one not held
is blocked."""

from __future__ import annotations

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers.base import ScopedBreaker, Trip, fmt_bps, fmt_eth, pct_bps, ratio_bps
from dexbot.engine.breakers.context import BreakerContext, PoolObs


class LiquidityDrop(ScopedBreaker):
    name = "liquidity_drop"
    title = "liquidity drop (rug)"
    category = "market"
    severity = "warning"
    scope = "token"
    action = "block_token"

    def __init__(self, cfg: BreakersConfig) -> None:
        super().__init__(cfg)
        self.limit_bps = pct_bps(cfg.liquidity_drop_pct)

    def trips(self, ctx: BreakerContext) -> list[Trip]:
        worst: dict[str, tuple[int, PoolObs]] = {}
        for p in ctx.pools:
            if p.peak_liquidity <= 0:
                continue
            drop = ratio_bps(max(0, p.peak_liquidity - p.liquidity), p.peak_liquidity)
            if drop >= self.limit_bps and drop > worst.get(p.token, (-1, p))[0]:
                worst[p.token] = (drop, p)
        held = ctx.held_tokens()
        out = []
        for token, (drop, p) in worst.items():
            exiting = token in held
            then = "exiting the position" if exiting else "no entries"
            out.append(
                Trip(
                    f"{p.symbol or token} pool {p.pool} WETH liquidity fell {fmt_bps(drop)} from its peak "
                    f"({fmt_eth(p.peak_liquidity)} → {fmt_eth(p.liquidity)}), limit "
                    f"{fmt_bps(self.limit_bps)}: likely a rug, {then}",
                    {
                        "token": token,
                        "symbol": p.symbol,
                        "pool": p.pool,
                        "peak_liquidity": p.peak_liquidity,
                        "liquidity": p.liquidity,
                        "drop_bps": drop,
                        "held": exiting,
                    },
                    scope_key=token,
                    action="exit_position" if exiting else "block_token",
                )
            )
        return out
