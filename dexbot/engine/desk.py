"""The trading desk's shared state, declared once: the discovery, entry and exit halves of the Trader
(each in its own module) all work on these attributes, which Trader.__init__ sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from dexbot.chain.roundtrip import RoundTripResult
    from dexbot.chain.runtime import ChainRuntime
    from dexbot.core.config import Config
    from dexbot.engine.api.events import EventBus
    from dexbot.engine.breakers.decision import Decision
    from dexbot.engine.breakers.observations import Observations
    from dexbot.engine.execution.quotes import QuoteSource
    from dexbot.engine.execution.types import Executor
    from dexbot.engine.exits.holding import Holding
    from dexbot.engine.market.view import MarketView
    from dexbot.engine.portfolio import Portfolio
    from dexbot.engine.risk.assess import RiskAssessor
    from dexbot.engine.risk.score import Assessment
    from dexbot.engine.strategy import Candidate, Strategy
    from dexbot.engine.thoughts import ThoughtLog


class DeskState:
    cfg: Config
    rt: ChainRuntime
    db: Engine
    bus: EventBus
    thoughts: ThoughtLog
    portfolio: Portfolio
    strategy: Strategy
    view: MarketView
    quotes: QuoteSource
    executor: Executor
    max_trade_wei: int | None
    assessor: RiskAssessor
    holdings: dict[int, Holding]
    queue: dict[str, Candidate]
    discovered: dict[str, float]
    last_recheck: dict[str, RoundTripResult]
    guard: Observations | None
    decision: Decision
    assessments: dict[str, Assessment]
    skipped: dict[str, int]
    hostile_seen: list[float]
    wins: int
    losses: int
    block: int
    gas_price: int
    l1_fee: int
    clock: Callable[[], float]  # chain time (engine.clock): what every age and window is measured in
    decided_at: float  # perf_counter() when the last decision (verdict or sized order) was made

    if TYPE_CHECKING:  # implemented by Discovery; the exit desk puts resumed positions' pools back in view

        async def add_pool(
            self,
            pool: str,
            token0: str,
            token1: str,
            dex: str,
            fee: int | None,
            block: int,
            *,
            announce: bool = True,
        ) -> None: ...
