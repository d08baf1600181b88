"""Discovery: new WETH pools from the watcher's logs and the watch-list, their prices and liquidity per
block, and the market updates the UI shows."""

from __future__ import annotations

import time
from collections.abc import Collection

from dexbot.chain.dex.events import PairCreated, PoolCreated, V2Swap, V3Swap
from dexbot.chain.dex.states import PoolState
from dexbot.chain.dex.uniswap_v2.pair import get_pair
from dexbot.chain.dex.uniswap_v3.pool import FEE_TIERS, get_pool
from dexbot.chain.tokens import token_meta
from dexbot.core.errors import ChainError
from dexbot.engine.api.events import MarketUpdate
from dexbot.engine.breakers.market.hostile_tokens import HOSTILE_WINDOW_S
from dexbot.engine.desk import DeskState
from dexbot.engine.market.pricing import price_and_liquidity
from dexbot.engine.market.view import PoolInfo


class Discovery(DeskState):
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
    ) -> None:
        """Track a WETH pool; ``announce`` tells the strategy it is new (not for pools known at start)."""
        weth = self.rt.addrs.weth.lower()
        if weth not in (token0.lower(), token1.lower()) or pool in self.view.pools:
            return
        token = token1 if token0.lower() == weth else token0
        if self.rt.usdc and token.lower() == self.rt.usdc.lower():
            return  # the stable pool prices WETH in USD; it is not something to trade
        try:
            meta = await token_meta(self.rt.client, token, block, multicall=self.rt.addrs.multicall3)
        except ChainError:
            return  # not an ERC20 we can read: nothing to trade
        info = PoolInfo(
            pool,
            meta.address,
            meta.symbol,
            meta.decimals,
            dex,
            fee,
            token0.lower() != weth,
            block,
            self.clock(),
        )
        self.view.add(info)
        if announce:
            self.discovered.setdefault(meta.address.lower(), time.perf_counter())
            self.strategy.on_new_pool(info, self.view, block)

    async def add_watchlist(self, tokens: list[str], block: int) -> tuple[list[str], list[str]]:
        """Find each watch-listed token's WETH pools (V2 pair, V3 fee tiers) and track them; returns
        the (V2, V3) pool addresses for the watcher."""
        addrs = self.rt.addrs
        v2: list[str] = []
        v3: list[str] = []
        for token in tokens:
            lo, hi = sorted((token, addrs.weth), key=str.lower)
            if addrs.has_v2:
                pair = await get_pair(self.rt.client, addrs.v2_factory, token, addrs.weth, block)
                if pair is not None:
                    await self.add_pool(pair, lo, hi, "uniswap_v2", None, block, announce=False)
                    v2.append(pair)
            if addrs.has_v3:
                for fee in FEE_TIERS:
                    pool = await get_pool(self.rt.client, addrs.v3_factory, token, addrs.weth, fee, block)
                    if pool is not None:
                        await self.add_pool(pool, lo, hi, "uniswap_v3", fee, block, announce=False)
                        v3.append(pool)
        return v2, v3

    async def on_log(self, ev: object) -> None:
        if isinstance(ev, PairCreated):
            await self.add_pool(ev.pair, ev.token0, ev.token1, "uniswap_v2", None, ev.block_number)
        elif isinstance(ev, PoolCreated):
            await self.add_pool(ev.pool, ev.token0, ev.token1, "uniswap_v3", ev.fee, ev.block_number)
        elif isinstance(ev, V2Swap | V3Swap):
            info = self.view.pools.get(ev.address)
            if info is not None:
                sold = _token_sold_in(ev, info.token_is_token0)
                if sold:
                    info.volume_token.append((ev.block_number, sold))

    def price_pools(self, states: dict[str, PoolState], block: int) -> list[PoolInfo]:
        changed = []
        for pool, info in self.view.pools.items():
            state = states.get(pool)
            if state is None:
                continue
            price, liq = price_and_liquidity(
                state, token_is_token0=info.token_is_token0, decimals=info.decimals
            )
            before = info.price
            self.view.record(pool, block, price, liq)
            if price != before:
                changed.append(info)
        return changed

    def kept_pools(self) -> set[str]:
        """Pools the watcher must never drop, however quiet: held positions', the watch-list's, and
        the USD price pair."""
        kept = {h.market.pool for h in self.holdings.values()}
        kept |= {pos.pool for pos in self.portfolio.open_positions()}
        listed = {t.lower() for t in self.cfg.strategy.watchlist}
        if listed:
            kept |= {i.pool for i in self.view.pools.values() if i.token.lower() in listed}
        if self.rt.usdc_pool:
            kept.add(self.rt.usdc_pool)
        return kept

    def forget_pools(self, pools: Collection[str], now: float) -> None:
        """The watcher stopped watching ``pools``: drop them from the view, and what is kept per token
        (the thought log's last word included) for tokens left with no pool in view and no position.
        Also ages out hostile sightings the breaker no longer counts. Without this every launch would
        stay in memory for good."""
        if pools:
            dropped = {info.token.lower() for pool in pools if (info := self.view.pools.pop(pool, None))}
            self.strategy.forget(pools)
            self.quotes.forget(pools)
            live = {i.token.lower() for i in self.view.pools.values()}
            live |= {pos.token.lower() for pos in self.portfolio.open_positions()}
            self.thoughts.forget(dropped - live)
            for per_token in (self.discovered, self.queue, self.assessments, self.skipped, self.last_recheck):
                for token in [t for t in per_token if t not in live]:
                    del per_token[token]
                    self.assessor.forget(token)
        cutoff = now - HOSTILE_WINDOW_S
        if self.hostile_seen and self.hostile_seen[0] < cutoff:
            self.hostile_seen[:] = [t for t in self.hostile_seen if t >= cutoff]

    def publish_market(self, infos: list[PoolInfo]) -> None:
        for info in infos:
            a = self.assessments.get(info.token.lower())
            self.bus.publish(
                MarketUpdate(
                    pool=info.pool,
                    token=info.token,
                    symbol=info.symbol,
                    dex=info.dex,
                    price_wei=info.price,
                    liquidity_wei=info.liquidity_wei,
                    risk_score=a.score if a else None,
                    verdict=a.verdict if a else "",
                    launched_block=info.created_block,
                )
            )


def _token_sold_in(ev: V2Swap | V3Swap, token_is_token0: bool) -> int:
    if isinstance(ev, V2Swap):
        return ev.amount0_in if token_is_token0 else ev.amount1_in
    delta = ev.amount0 if token_is_token0 else ev.amount1
    return delta if delta > 0 else 0
