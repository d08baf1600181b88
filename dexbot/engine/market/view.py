"""The engine's view of the market: per-pool price history (WETH wei per whole token) and WETH-side
liquidity, fed by the watcher every block. Strategies and volatility/liquidity risk factors read it."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field


@dataclass
class PoolInfo:
    pool: str
    token: str  # the non-WETH side
    symbol: str
    decimals: int
    dex: str  # uniswap_v2 | uniswap_v3
    fee: int | None  # V3 fee tier
    token_is_token0: bool
    created_block: int
    created_at: float  # unix seconds
    history: deque[tuple[int, int, int]] = field(
        default_factory=lambda: deque(maxlen=240)
    )  # block, price, liq; changed only through ``record`` (it keeps the peak below)
    volume_token: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=240))  # block, sold in
    _peak: int | None = field(default=None, init=False, repr=False, compare=False)  # None: work it out

    @property
    def price(self) -> int:
        return self.history[-1][1] if self.history else 0

    @property
    def liquidity_wei(self) -> int:
        return self.history[-1][2] if self.history else 0

    @property
    def peak_liquidity_wei(self) -> int:
        """The highest liquidity in the history. Kept up to date by ``record``, not recounted: every
        pool's peak is read every block (the breakers' view), and recounting 240 entries for each of
        tens of pools was half of a block's work."""
        if self._peak is None:
            self._peak = max((h[2] for h in self.history), default=0)
        return self._peak

    def record(self, block: int, price: int, liquidity_wei: int) -> None:
        """This block's price and liquidity: a later sample of the same block replaces the earlier."""
        h = self.history
        gone: int | None
        if h and h[-1][0] == block:
            gone = h[-1][2]
            h[-1] = (block, price, liquidity_wei)
        else:
            gone = h[0][2] if h.maxlen is not None and len(h) == h.maxlen else None
            h.append((block, price, liquidity_wei))
        if self._peak is not None:
            if gone is not None and gone >= self._peak and liquidity_wei < gone:
                self._peak = None  # the peak left the window: recount on the next read
            else:
                self._peak = max(self._peak, liquidity_wei)

    def change_bps(self, blocks: int) -> int | None:
        """Price change over the last ``blocks`` blocks, in bps; None without enough history."""
        if len(self.history) < 2:
            return None
        last_block, last_price, _ = self.history[-1]
        base = None
        for b, p, _ in reversed(self.history):
            if last_block - b >= blocks:
                base = p
                break
        if base is None or base == 0:
            return None
        return (last_price - base) * 10_000 // base

    def mean_price(self, samples: int) -> int:
        prices = [p for _, p, _ in list(self.history)[-samples:]]
        return sum(prices) // len(prices) if prices else 0

    def volatility_bps(self, samples: int = 30) -> int:
        """Mean absolute block-to-block move in bps over recent samples — simple and robust."""
        prices = [p for _, p, _ in list(self.history)[-samples:]]
        moves = [abs(b - a) * 10_000 // a for a, b in itertools.pairwise(prices) if a > 0]
        return sum(moves) // len(moves) if moves else 0


class MarketView:
    def __init__(self) -> None:
        self.pools: dict[str, PoolInfo] = {}

    def add(self, info: PoolInfo) -> None:
        self.pools.setdefault(info.pool, info)

    def record(self, pool: str, block: int, price: int, liquidity_wei: int) -> None:
        info = self.pools.get(pool)
        if info is not None:
            info.record(block, price, liquidity_wei)

    def for_token(self, token: str) -> list[PoolInfo]:
        return [p for p in self.pools.values() if p.token == token]
