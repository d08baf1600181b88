"""Launch strategy: enter fresh WETH pairs once they have liquidity, if they pass risk."""

from __future__ import annotations

from collections.abc import Collection

from dexbot.engine.market.view import MarketView, PoolInfo
from dexbot.engine.strategy.base import Candidate, Strategy


class LaunchStrategy(Strategy):
    name = "launch"

    def __init__(self, max_age_blocks: int = 150) -> None:
        self.max_age_blocks = max_age_blocks
        self._pending: dict[str, int] = {}  # pool -> created block, waiting for liquidity
        self._done: set[str] = set()

    def on_new_pool(self, pool: PoolInfo, view: MarketView, block: int) -> Candidate | None:
        self._pending[pool.pool] = pool.created_block
        return None

    def forget(self, pools: Collection[str]) -> None:
        for pool in pools:
            self._pending.pop(pool, None)
            self._done.discard(pool)

    def on_block(self, view: MarketView, block: int, held: set[str]) -> list[Candidate]:
        out: list[Candidate] = []
        for pool, created in list(self._pending.items()):
            info = view.pools.get(pool)
            if block - created > self.max_age_blocks:
                self._pending.pop(pool, None)
                continue
            if info is None or info.liquidity_wei == 0 or info.token in held:
                continue
            self._pending.pop(pool, None)
            if pool in self._done:
                continue
            self._done.add(pool)
            out.append(
                Candidate(
                    info.token,
                    pool,
                    f"fresh launch {block - created} blocks ago with liquidity in place",
                    0.6,
                    self.name,
                )
            )
        return out
