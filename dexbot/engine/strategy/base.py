"""The strategy interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from typing import ClassVar

from dexbot.engine.market.view import MarketView, PoolInfo


@dataclass(frozen=True)
class Candidate:
    token: str
    pool: str
    reason: str
    confidence: float  # 0..1, the strategy's own conviction
    source: str


class Strategy(ABC):
    name: ClassVar[str]

    def on_new_pool(self, pool: PoolInfo, view: MarketView, block: int) -> Candidate | None:
        """A pool was just created (PairCreated / PoolCreated). Default: not interested."""
        return None

    def forget(self, pools: Collection[str]) -> None:  # noqa: B027 - most strategies keep nothing per pool
        """These pools are no longer watched: drop anything kept about them."""

    @abstractmethod
    def on_block(self, view: MarketView, block: int, held: set[str]) -> list[Candidate]:
        """Called once per block with the refreshed market; ``held`` are tokens already in the portfolio."""
