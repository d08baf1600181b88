"""The synthetic market: noise traders, launches and rugs on a devnet, all through real transactions.

    stats = MarketStats()
    market = market_service(cfg.devnet.market, seed, stats=stats)
    async with start_devnet(cfg.devnet, data_dir, services=[market]) as dn:
        ...

or, inside an engine that already has a ``Devnet``: ``await run_market(dn, cfg, seed, on_activity=...)``.
What happens is decided by a pure, seeded plan (``plan_market``); the simulator only executes it.
"""

from __future__ import annotations

from .actions import Action, Launch, PoolRef, Regime, RegimeShift, Rug, RugKind, Side, Swap, Venue
from .plan import plan_market
from .simulator import MarketSimulator, OnActivity, market_service, run_market
from .stats import Launched, MarketEvent, MarketStats, RegimeChanged, Rugged, SwapDone

__all__ = [
    "Action",
    "Launch",
    "Launched",
    "MarketEvent",
    "MarketSimulator",
    "MarketStats",
    "OnActivity",
    "PoolRef",
    "Regime",
    "RegimeChanged",
    "RegimeShift",
    "Rug",
    "RugKind",
    "Rugged",
    "Side",
    "Swap",
    "SwapDone",
    "Venue",
    "market_service",
    "plan_market",
    "run_market",
]
