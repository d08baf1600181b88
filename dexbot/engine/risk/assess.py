"""The risk assessor: gathers the facts about a token at one block (round-trip simulation, bytecode
privileges, holders, LP, liquidity, age, volatility, gas) concurrently, turns them into factors and a
score. Smart Lane uses every factor; Fast Lane only the ones that keep money safe — the round trip is
never skipped. Results are cached per token, never served older than the configured TTL or block age."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from dexbot.chain.bytecode import Privileges, owner_privileges
from dexbot.chain.dex.creation import AGE_WINDOW_BLOCKS
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.lp_holders import lp_stats
from dexbot.chain.roundtrip import (
    LADDER_BPS,
    RoundTripResult,
    V3Route,
    default_ladder,
    simulate_round_trip,
)
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_coalesce import batch_sent
from dexbot.chain.tokens import holder_stats, token_meta
from dexbot.chain.transfer_trace import TransferTrace
from dexbot.core.config import RiskConfig
from dexbot.core.units import WEI_PER_ETH
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.risk import factors as fx
from dexbot.engine.risk.early import EarlyReads, send_early
from dexbot.engine.risk.flags import FlagFacts, token_flags
from dexbot.engine.risk.market_facts import MarketFacts, find_pools, measure_pair, measure_pools
from dexbot.engine.risk.powers import OwnerFacts, RoundTripAfter, owner_facts, transfer_facts
from dexbot.engine.risk.score import Assessment, Factor, combine
from dexbot.engine.risk.venues import Venue

TX_BASE_GAS = 21_000
# The sale's exact approval, a transaction of its own (an ERC-20 approve to a fresh spender: 46,425 gas
# on the devnet's tokens); the round trip's probe approves inside its own call, so it does not measure it.
APPROVAL_TX_GAS = 46_000
UNPROBED_SWAPS_GAS = 300_000  # a buy and a sell's execution when the round trip could not be run
T = TypeVar("T")


def round_trip_gas(rt: RoundTripResult | None) -> int:
    """The gas a position's round trip costs as the live path sends it: the buy, the sale's approval and
    the sale, three transactions, the swaps as the probe ran them."""
    swaps = rt.stage("buy").gas_used + rt.stage("sell").gas_used if rt else UNPROBED_SWAPS_GAS
    return 2 * TX_BASE_GAS + swaps + APPROVAL_TX_GAS


HOLDER_LOG_WINDOW = 50_000  # blocks of Transfer logs read to discover holders


class RiskAssessor:
    def __init__(
        self,
        client: RpcClient,
        addrs: DexAddresses,
        cfg: RiskConfig,
        *,
        block_time_s: float,
        clock: Callable[[], float] = time.monotonic,
        log_blocks: int | None = None,
    ) -> None:
        """``clock`` ages the cache: the engine's chain time (a one-off check keeps the monotonic default).
        ``log_blocks``: how many of the newest blocks' logs the node keeps (the devnet's
        ``tx_history_blocks``); None: every block's. No log search reaches further back: on such a node it
        would cost the node a walk over blocks that answer nothing, and a holder list read there would
        look complete when it is not."""
        self.client = client
        self.log_blocks = log_blocks
        self.addrs = addrs
        self.cfg = cfg
        self.block_time_s = block_time_s
        self.clock = clock
        self._cache: dict[str, tuple[Assessment, float]] = {}
        self.hits = 0
        self.misses = 0

    def cached(self, token: str, block: int) -> Assessment | None:
        entry = self._cache.get(token.lower())
        if entry is None:
            return None
        a, at = entry
        if self.clock() - at > self.cfg.cache_ttl_s or block - a.block_number > self.cfg.max_cache_age_blocks:
            self._cache.pop(token.lower(), None)
            return None
        return a

    def forget(self, token: str) -> None:
        self._cache.pop(token.lower(), None)

    async def facts(self, token: str, block: int, impact_bps: int) -> MarketFacts:
        """Find the token's WETH pools on chain and measure them (for tokens the watcher did not
        announce); V3 depth is measured within ``impact_bps``, the level's slippage limit."""
        found = await find_pools(self.client, self.addrs, token, block, window=self._age_window())
        return await measure_pools(self.client, self.addrs, token, found, impact_bps, block)

    @staticmethod
    def _spawn(tasks: list[asyncio.Task[Any]], coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(coro)
        tasks.append(task)
        return task

    def _log_floor(self, block: int) -> int:
        """The oldest block whose logs the node still has at ``block``."""
        return max(0, block - self.log_blocks + 1) if self.log_blocks else 0

    def _age_window(self) -> int:
        return min(AGE_WINDOW_BLOCKS, self.log_blocks) if self.log_blocks else AGE_WINDOW_BLOCKS

    def _probe_wei(self, size_wei: int) -> int:
        return max(1, min(int(self.cfg.probe_buy_eth * WEI_PER_ETH), size_wei or 1))

    async def _round_trip(
        self,
        token: str,
        venue: Awaitable[Venue | None],
        size_wei: int,
        block: int,
        early: EarlyReads | None,
    ) -> RoundTripResult | None:
        v = await venue
        ladder = _ladder(v.liquidity_wei, size_wei) if v is not None else ()
        sent = early.steps_for(v, len(ladder)) if early is not None else None
        if v is None:
            return None
        probe_wei = self._probe_wei(size_wei)
        return await round_trip_on(
            self.client, self.addrs, token, v.pool, v.dex, v.fee, probe_wei, ladder, block, sent=sent
        )

    async def _trace(
        self, token: str, venue: Awaitable[Venue | None], block: int, early: EarlyReads | None
    ) -> TransferTrace | None:
        v = await venue
        sent = early.trace_for(v) if early is not None else None
        if sent is not None:
            return await sent
        return await transfer_facts(self.client, token, v.pool if v else None, block)

    def _after(self, token: str, venue: Awaitable[Venue | None], size_wei: int, block: int) -> RoundTripAfter:
        """A round trip (no ladder) after some calls: what an owner's rug does to trading, on the round
        trip's venue (awaited only when a rug is simulated); no venue: None."""
        probe_wei = self._probe_wei(size_wei)

        async def run(calls: Sequence[dict[str, str]]) -> RoundTripResult | None:
            v = await venue
            if v is None:
                return None
            await batch_sent(self.client)  # the reads batched beside it (proofs, logs) go first
            return await round_trip_on(
                self.client, self.addrs, token, v.pool, v.dex, v.fee, probe_wei, (), block, prelude=calls
            )

        return run

    async def _owner_facts(
        self,
        token: str,
        priv_t: asyncio.Task[Privileges],
        created_block: int,
        venue: Awaitable[Venue | None],
        size_wei: int,
        block: int,
    ) -> OwnerFacts:
        priv = await priv_t
        return await owner_facts(
            self.client,
            token,
            priv,
            created_block=created_block,
            block=block,
            log_floor=self._log_floor(block),
            multicall=self.addrs.multicall3,
            after=self._after(token, venue, size_wei, block),
        )

    async def assess(
        self,
        token: str,
        *,
        policy: IntelPolicy,
        size_wei: int,
        block: int,
        facts: MarketFacts | None = None,
        gas_price_wei: int = 0,
        l1_fee_wei: int = 0,
        use_cache: bool = True,
    ) -> Assessment:
        if use_cache:
            hit = self.cached(token, block)
            if hit is not None and hit.lane == policy.lane:
                self.hits += 1
                return hit
        self.misses += 1
        with self.client.coalescing():  # the reads below start together: one HTTP batch per turn
            return await self._assess(token, policy, size_wei, block, facts, gas_price_wei, l1_fee_wei)

    async def _assess(
        self,
        token: str,
        policy: IntelPolicy,
        size_wei: int,
        block: int,
        facts: MarketFacts | None,
        gas_price_wei: int,
        l1_fee_wei: int = 0,
    ) -> Assessment:
        started = time.perf_counter()
        tasks: list[asyncio.Task[Any]] = []
        try:
            smart = policy.lane == "smart"
            mc = self.addrs.multicall3
            # Everything that does not depend on another answer starts at once: one token check costs about
            # the slowest read (the round trip), not the sum of them.
            meta_t = self._spawn(tasks, token_meta(self.client, token, block, multicall=mc))
            priv_t = self._spawn(tasks, owner_privileges(self.client, token, block)) if smart else None
            # Without the watcher's facts, the pools are looked up first; what needs only their addresses
            # and age (holders, LP holders, the owner's powers) starts while their depths are measured.
            if facts is None:
                # the round trip and the traced transfer go out on the V2 pair's address meanwhile
                early = send_early(
                    self.client,
                    self.addrs,
                    token,
                    buy_wei=self._probe_wei(size_wei),
                    rungs=len(LADDER_BPS) + (1 if size_wei else 0),  # a live pool's, but for a tie
                    block=block,
                    trace=smart,
                )
                tasks += early.tasks() if early is not None else []
                lookup = await find_pools(self.client, self.addrs, token, block, window=self._age_window())
                impact = policy.max_slippage_bps
                pair_t = self._spawn(tasks, measure_pair(self.client, self.addrs, lookup, block))
                facts_t = self._spawn(
                    tasks, measure_pools(self.client, self.addrs, token, lookup, impact, block, pair_t)
                )
                pair, created, pools = lookup.pair, lookup.created_block, lookup.pools
            else:
                facts_t = self._spawn(tasks, _known(facts))
                pair_t = None
                early = None
                pair, created, pools = facts.pair, facts.created_block, facts.pools
            # A live V2 pair is where the round trip runs (venues.round_trip_venue): the round trip and the
            # traced transfer start as soon as its reserve is in, while V3 depths are still being measured.
            venue_t = self._spawn(tasks, _venue(pair_t, facts_t))
            rt_t = self._spawn(tasks, self._round_trip(token, venue_t, size_wei, block, early))
            holders_t = lp_t = owner_t = trace_t = None
            if smart:
                assert priv_t is not None
                trace_t = self._spawn(tasks, self._trace(token, venue_t, block, early))
                owner_t = self._spawn(
                    tasks, self._owner_facts(token, priv_t, created, venue_t, size_wei, block)
                )
                meta = await meta_t
                floor = self._log_floor(block)
                lo = max(floor, created or block - HOLDER_LOG_WINDOW)
                excluded = {p for p in (pair, *pools) if p}
                holders_t = self._spawn(
                    tasks,
                    holder_stats(
                        self.client,
                        token,
                        meta.total_supply,
                        from_block=lo,
                        block=block,
                        exclude=excluded,
                        multicall=mc,
                    ),
                )
                priv = await priv_t
                if pair:
                    passing = (self.addrs.v2_router, self.addrs.v2_factory)
                    lp_t = self._spawn(
                        tasks,
                        lp_stats(
                            self.client,
                            pair,
                            priv.owner,
                            block,
                            from_block=lo,
                            since_creation=bool(created) and created >= floor,
                            exclude=passing,
                            multicall=mc,
                        ),
                    )
            facts = await facts_t
            rt = await rt_t
            meta = await meta_t
            found: list[Factor] = []
            inconclusive = None
            if rt is None:
                inconclusive = "no Uniswap V2 or V3 pool with WETH liquidity to simulate a round trip through"
                found.append(Factor("round_trip", "not simulated", 50, 3.0, inconclusive))
            else:
                found += [fx.round_trip(rt), fx.taxes(rt, self.cfg.max_tax_bps), fx.limits(rt, size_wei)]
                inconclusive = rt.inconclusive
            best = facts.deepest
            found.append(
                fx.liquidity(
                    facts.weth_reserve,
                    int(policy.min_liquidity_eth * WEI_PER_ETH),
                    best.measured() if best else "no WETH pool",
                )
            )
            # on OP-stack chains each of the three also pays an L1 data fee (the approval, shorter, as a swap)
            found.append(fx.gas_cost(round_trip_gas(rt) * gas_price_wei + 3 * l1_fee_wei, size_wei))
            privileges: tuple[str, ...] = ()
            flag_facts = FlagFacts(rt=rt, total_supply=meta.total_supply)
            if smart:
                assert priv_t is not None
                assert owner_t is not None
                assert trace_t is not None
                assert holders_t is not None
                priv, owned = await priv_t, await owner_t
                privileges = tuple(sig for _, sig in priv.selectors)
                found.append(fx.privileges(priv, owned.powers))
                lp = await lp_t if lp_t is not None else None
                if lp is not None:
                    found.append(fx.lp(lp, self.block_time_s))
                holders = await holders_t
                flag_facts = replace(
                    flag_facts,
                    privileges=priv,
                    powers=owned.powers,
                    trace=await trace_t,
                    holders=holders,
                    lp=lp,
                    creator=owned.creator,
                    creator_balance=owned.creator_balance,
                    owner_balance=owned.owner_balance,
                )
                creator_bps = (
                    owned.creator_balance * 10_000 // meta.total_supply
                    if owned.creator_balance is not None and meta.total_supply > 0
                    else None
                )
                found.append(fx.holders(holders, creator_bps))
                bound = not facts.created_block  # only known to be older than the searched window
                found.append(fx.age(facts.age_blocks(block), self.block_time_s, at_least=bound))
                found.append(fx.volatility(facts.volatility_bps))
            flags = token_flags(flag_facts)
            if smart:
                found.append(fx.code_hazards(flags))
        finally:
            for t in tasks:  # a failed read must not leave the others running unobserved
                if not t.done():
                    t.cancel()
        score, verdict = combine(tuple(found), max_risk=policy.max_risk, inconclusive=inconclusive)
        reasons = tuple(s.reason for s in (rt.stages + rt.ladder if rt else ()) if s.failed and s.reason)
        result = Assessment(
            token=meta.address,
            symbol=meta.symbol,
            block_number=block,
            score=score,
            verdict=verdict,
            factors=tuple(found),
            buy_tax_bps=rt.buy_tax_bps if rt else None,
            sell_tax_bps=rt.sell_tax_bps if rt else None,
            transfer_tax_bps=rt.transfer_tax_bps if rt else None,
            max_buy_wei=rt.max_buy_wei if rt else None,
            privileges=privileges,
            revert_reasons=tuple(dict.fromkeys(reasons)),
            lane=policy.lane,
            inconclusive=inconclusive if verdict == "inconclusive" else None,
            flags=flags,
        )
        result = replace(result, elapsed_ms=(time.perf_counter() - started) * 1000)
        self._cache[token.lower()] = (result, self.clock())
        return result


async def round_trip_on(
    client: RpcClient,
    addrs: DexAddresses,
    token: str,
    pool: str,
    dex: str,
    fee: int | None,
    buy_wei: int,
    ladder_wei: tuple[int, ...],
    block: int,
    prelude: Sequence[dict[str, str]] = (),
    sent: Awaitable[Any] | None = None,
) -> RoundTripResult | None:
    """The round trip of ``token`` on one pool (a V2 pair or a V3 pool with its fee tier); None where the
    chain lacks what it needs (a V3 pool without a fee tier, no V3 quoter). ``sent``: its simulated blocks
    already sent on this V2 pair (``send_steps``)."""
    v3 = None
    if dex == "uniswap_v3":
        if fee is None or not addrs.has_v3:
            return None
        v3 = V3Route(addrs.v3_quoter, fee, addrs.v3_router_kind)
    return await simulate_round_trip(
        client,
        router=addrs.v3_router if v3 else addrs.v2_router,
        weth=addrs.weth,
        token=token,
        pair=pool,
        buy_wei=buy_wei,
        ladder_wei=ladder_wei,
        block=block,
        v3=v3,
        prelude=prelude,
        sent=None if v3 else sent,
    )


def _ladder(liquidity_wei: int, size_wei: int) -> tuple[int, ...]:
    """The round trip's ladder on a pool of ``liquidity_wei``: the default rungs and the trade's size."""
    return tuple(sorted({*default_ladder(liquidity_wei), size_wei} - {0}))


async def _known(facts: MarketFacts) -> MarketFacts:
    return facts


async def _venue(pair_t: Awaitable[Venue | None] | None, facts_t: Awaitable[MarketFacts]) -> Venue | None:
    """Where the round trip runs: the live V2 pair as soon as it is measured, else the measured market's."""
    v2 = await pair_t if pair_t is not None else None
    return v2 if v2 is not None and v2.liquidity_wei > 0 else (await facts_t).venue
