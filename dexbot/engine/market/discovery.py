"""Discovery: new WETH pools from the watcher's logs and the watch-list, their prices and liquidity per
block, and the market updates the UI shows. It owns the market view; the desks read it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from dexbot.chain.dex.events import PairCreated, PoolCreated, V2Swap, V3Swap
from dexbot.chain.dex.states import PoolState
from dexbot.chain.dex.uniswap_v2.pair import get_pair
from dexbot.chain.dex.uniswap_v3.pool import FEE_TIERS, get_pool
from dexbot.chain.runtime import ChainRuntime
from dexbot.chain.tokens import TokenUnreadable, token_meta
from dexbot.chain.watcher import PoolWatcher
from dexbot.core.errors import ChainError
from dexbot.engine.api.events import EventBus, MarketUpdate
from dexbot.engine.api.snapshot import PoolView
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.market.pricing import price_and_liquidity
from dexbot.engine.market.view import MarketView, PoolInfo
from dexbot.engine.risk.score import Assessment
from dexbot.engine.strategy import Strategy
from dexbot.engine.token_faults import TokenFaults

log = logging.getLogger("dexbot.engine")
META_TRIES = 5  # blocks a new pool's token is read at while the node fails, before it is given up


@dataclass
class _Unread:
    """A new pool whose token's metadata the node failed to give: read again at the next blocks."""

    token0: str
    token1: str
    dex: str
    fee: int | None
    block: int  # the pool's own (its creation log's)
    announce: bool
    tries: int = 1


class Discovery:
    def __init__(
        self,
        rt: ChainRuntime,
        bus: EventBus,
        strategy: Strategy,
        quotes: QuoteSource,
        clock: Callable[[], float],
        faults: TokenFaults,
        watchlist: Collection[str] = (),
    ) -> None:
        self.rt, self.bus, self.strategy, self.quotes, self.clock = rt, bus, strategy, quotes, clock
        self.faults = faults
        self.watchlist = {t.lower() for t in watchlist}
        self.view = MarketView()
        self.discovered: dict[str, float] = {}  # token -> perf_counter() when its pool's creation log arrived
        self.unread: dict[str, _Unread] = {}  # pool -> a token the node failed to read, tried again

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
        read_at: int | None = None,
    ) -> None:
        """Track a WETH pool; ``announce`` tells the strategy it is new (not for pools known at start).
        ``read_at``: the block its token is read at, when not ``block`` (a read the node failed before)."""
        weth = self.rt.addrs.weth.lower()
        if weth not in (token0.lower(), token1.lower()) or pool in self.view.pools:
            return
        token = token1 if token0.lower() == weth else token0
        if self.rt.usdc and token.lower() == self.rt.usdc.lower():
            return  # the stable pool prices WETH in USD; it is not something to trade
        pending = self.unread.pop(pool, None)
        at = block if read_at is None else read_at
        try:
            meta = await token_meta(self.rt.client, token, at, multicall=self.rt.addrs.multicall3)
        except TokenUnreadable as err:  # its own answers: asking again cannot help
            await self.faults.unreadable(token, pool, err, block=block)
            return
        except ChainError as err:  # the node failed (an error, a block it lacks): try at the next blocks
            tries = pending.tries + 1 if pending else 1
            if tries >= META_TRIES:
                await self.faults.unreadable(token, pool, err, block=block)
                return
            self.unread[pool] = _Unread(token0, token1, dex, fee, block, announce, tries)
            log.warning("pool %s: token %s not read (%s); trying again next block", pool, token, err)
            return
        except Exception as err:  # a token's code answers anything: one bad token never stops discovery
            await self.faults.unreadable(token, pool, err, block=block)
            return
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

    async def read_again(self, block: int) -> None:
        """The new pools whose token the node failed to read, read once more at ``block`` (each block)."""
        for pool, u in list(self.unread.items()):
            await self.add_pool(
                pool, u.token0, u.token1, u.dex, u.fee, u.block, announce=u.announce, read_at=block
            )

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

    async def seed_known(self, watcher: PoolWatcher, head: int) -> None:
        """At start, the pools the chain already has become the known market, watched from ``head``: the
        embedded devnet's seeded tokens (a remote chain: only its USD price pair)."""
        dep = self.rt.deployment
        if dep is None:
            if self.rt.usdc_pool:
                watcher.watch_v2([self.rt.usdc_pool])
                await watcher.refresh(head)
            return
        pairs, pools = [], []
        for tok in dep.tokens:
            lo, hi = sorted((tok.address, dep.weth), key=str.lower)
            if tok.v2_pair:
                await self.add_pool(tok.v2_pair, lo, hi, "uniswap_v2", None, head, announce=False)
                pairs.append(tok.v2_pair)
            if tok.v3_pool:
                await self.add_pool(tok.v3_pool, lo, hi, "uniswap_v3", tok.v3_fee, head, announce=False)
                pools.append(tok.v3_pool)
        watcher.watch_v2([*pairs, dep.usdc_v2_pair])
        watcher.watch_v3(pools)
        await watcher.refresh(head)
        self.price_pools(watcher.states, head)

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
        """Pools of the market the watcher must never drop, however quiet: the watch-list's and the USD
        price pair (the exit desk keeps its positions' pools)."""
        kept = set()
        if self.watchlist:
            kept |= {i.pool for i in self.view.pools.values() if i.token.lower() in self.watchlist}
        if self.rt.usdc_pool:
            kept.add(self.rt.usdc_pool)
        return kept

    def forget_pools(self, pools: Collection[str], held: Collection[str]) -> set[str] | None:
        """The watcher stopped watching ``pools``: drop them from the view. Returns the tokens still
        live (a pool in view, or in ``held``), so each desk drops what it keeps for the others; None
        when nothing was dropped. Without this every launch would stay in memory for good."""
        if not pools:
            return None
        for pool in pools:
            self.view.pools.pop(pool, None)
            self.unread.pop(pool, None)
        self.strategy.forget(pools)
        self.quotes.forget(pools)
        live = {i.token.lower() for i in self.view.pools.values()} | {t.lower() for t in held}
        for token in [t for t in self.discovered if t not in live]:
            del self.discovered[token]
        return live

    def pool_views(
        self, assessments: Mapping[str, Assessment], block: int, limit: int = 50
    ) -> tuple[PoolView, ...]:
        """The newest pools as the UI shows them, with the latest verdict on each token."""
        newest = sorted(self.view.pools.values(), key=lambda i: -i.created_block)[:limit]
        return tuple(
            PoolView(
                pool=i.pool,
                token=i.token,
                symbol=i.symbol,
                dex=i.dex,
                price_wei=i.price,
                liquidity_wei=i.liquidity_wei,
                change_bps=i.change_bps(10),
                risk_score=(a.score if (a := assessments.get(i.token.lower())) else None),
                verdict=a.verdict if a else "",
                age_blocks=max(0, block - i.created_block),
            )
            for i in newest
        )

    def publish_market(self, infos: list[PoolInfo], assessments: Mapping[str, Assessment]) -> None:
        for info in infos:
            a = assessments.get(info.token.lower())
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
