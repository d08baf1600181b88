"""The trading work of one block: discover pools, price them, manage exits, judge candidates, enter.

Every decision goes through the thought log with the factors behind it. The service owns the loop and
the lifecycle; this class owns the trading state."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from dexbot.chain.dex.events import PairCreated, PoolCreated, V2Swap, V3Swap
from dexbot.chain.dex.states import PoolState
from dexbot.chain.dex.uniswap_v2.pair import get_pair
from dexbot.chain.dex.uniswap_v3.pool import FEE_TIERS, get_pool
from dexbot.chain.roundtrip import RoundTripResult, simulate_round_trip
from dexbot.chain.tokens import token_meta
from dexbot.core.config import Config
from dexbot.core.errors import ChainError
from dexbot.core.units import fmt_units
from dexbot.engine.breakers.context import HeldToken
from dexbot.engine.breakers.decision import Decision
from dexbot.engine.events import EventBus, MarketUpdate, PositionChanged, TradeFilled
from dexbot.engine.exits.plan import ExitPlan, make_plan
from dexbot.engine.exits.rules import ExitRules, evaluate
from dexbot.engine.exits.schedule import fit_slice
from dexbot.engine.guard import Guard
from dexbot.engine.intel import IntelPolicy
from dexbot.engine.live import Executor
from dexbot.engine.market import MarketView, PoolInfo
from dexbot.engine.paper import Market, PaperExecutor, QuoteSource
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.pricing import price_and_liquidity
from dexbot.engine.risk.assess import MarketFacts, RiskAssessor
from dexbot.engine.risk.score import Assessment
from dexbot.engine.runtime import ChainRuntime
from dexbot.engine.strategy import Candidate, Strategy
from dexbot.engine.thoughts import ThoughtLog, explain_enter, explain_exit, explain_skip
from dexbot.store import repo
from dexbot.store.models import Position, TokenAssessment

RECHECK_EVERY_BLOCKS = 10
SKIP_MEMORY_BLOCKS = 50


@dataclass
class Holding:
    """What the engine knows about an open position beyond the stored row."""

    market: Market
    buy_tax_bps: int
    sell_tax_bps: int
    rules: ExitRules
    opened_at: float
    exiting: str = ""  # the exit rule being executed (sold in impact-bounded slices)
    sell_tax_now: int | None = None  # as last re-measured; None until a re-check ran
    exit_detail: str = ""
    last_check_block: int = 0
    plan: ExitPlan | None = None

    @property
    def current_sell_tax(self) -> int:
        return self.sell_tax_bps if self.sell_tax_now is None else self.sell_tax_now


class Trader:
    def __init__(
        self,
        cfg: Config,
        rt: ChainRuntime,
        db: Engine,
        bus: EventBus,
        thoughts: ThoughtLog,
        portfolio: Portfolio,
        strategy: Strategy,
    ) -> None:
        self.cfg, self.rt, self.db, self.bus = cfg, rt, db, bus
        self.thoughts = thoughts
        self.portfolio = portfolio
        self.strategy = strategy
        self.view = MarketView()
        self.quotes = QuoteSource(rt.client, rt.addrs)
        self.executor: Executor = PaperExecutor(self.quotes)  # the service swaps in LiveExecutor in live mode
        self.max_trade_wei: int | None = None  # live mode: mode.max_trade_eth caps every buy
        self.assessor = RiskAssessor(rt.client, rt.addrs, cfg.risk, block_time_s=rt.block_time_s)
        self.holdings: dict[int, Holding] = {}
        self.queue: dict[str, Candidate] = {}
        self.discovered: dict[str, float] = {}  # token -> when its pool's creation log arrived
        self.last_recheck: dict[str, RoundTripResult] = {}
        self.guard: Guard | None = None
        self.decision = Decision()  # token -> candidate waiting for a decision
        self.assessments: dict[str, Assessment] = {}
        self.skipped: dict[str, int] = {}
        self.hostile_seen: list[float] = []
        self.wins = 0
        self.losses = 0
        self.block = 0
        self.gas_price = 0

    # -- discovery --------------------------------------------------------------------------------------

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
            time.time(),
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

    # -- entries ------------------------------------------------------------------------------------------

    def _facts(self, token: str) -> MarketFacts:
        pools = self.view.for_token(token)
        v2 = [p for p in pools if p.dex == "uniswap_v2"]
        main = max(v2, key=lambda p: p.liquidity_wei) if v2 else None
        created = min((p.created_block for p in pools), default=0)
        vol = max((p.volatility_bps() for p in pools), default=0)
        return MarketFacts(
            pair=main.pool if main else None,
            weth_reserve=main.liquidity_wei if main else 0,
            created_block=created,
            volatility_bps=vol,
            pools=tuple(p.pool for p in pools),
        )

    async def consider(self, c: Candidate, policy: IntelPolicy) -> None:
        token = c.token
        if self.portfolio.position_for(token) is not None:
            return
        seen = self.skipped.get(token.lower())
        if seen is not None and self.block - seen < SKIP_MEMORY_BLOCKS:
            return
        info = self.view.pools.get(c.pool)
        symbol = info.symbol if info else token[:8]
        if not self.decision.allows_entry(token, c.pool, fast_lane=policy.lane == "fast"):
            self.skipped[token.lower()] = self.block
            await self.thoughts.record(
                "skip",
                f"Skipping {symbol}: a circuit breaker blocks this entry "
                f"({self.decision.reason or 'token or pool blocked'}).",
                token=token,
                symbol=symbol,
                lane=policy.lane,
                intel_level=policy.level,
                block_number=self.block,
            )
            return
        if len(self.portfolio.open_positions()) >= policy.max_positions:
            self.skipped[token.lower()] = self.block
            await self.thoughts.record(
                "skip",
                f"Skipping {symbol}: already holding {policy.max_positions} positions, "
                f"the L{policy.level} maximum.",
                token=token,
                symbol=symbol,
                lane=policy.lane,
                intel_level=policy.level,
                block_number=self.block,
                confidence=c.confidence,
            )
            return
        snap = self.portfolio.snapshot()
        size = min(
            snap.equity * int(policy.position_pct * 100) // 10_000, self.portfolio.cash - self._gas_reserve()
        )
        if self.max_trade_wei is not None:
            size = min(size, self.max_trade_wei)
        if size <= 0:
            return
        facts = self._facts(token)
        try:
            a = await self.assessor.assess(
                token,
                policy=policy,
                size_wei=size,
                block=self.block,
                facts=facts,
                gas_price_wei=self.gas_price,
            )
        except ChainError as err:
            await self.thoughts.record(
                "skip",
                f"Skipping {symbol}: the assessment failed ({err}); no trade without one.",
                token=token,
                symbol=symbol,
                lane=policy.lane,
                intel_level=policy.level,
                block_number=self.block,
            )
            self.skipped[token.lower()] = self.block
            return
        self.assessments[token.lower()] = a
        await asyncio.to_thread(repo.add, self.db, _assessment_row(self.rt.chain_id, a))
        evidence = {
            "candidate": c.reason,
            "source": c.source,
            "facts": facts.__dict__,
            "elapsed_ms": a.elapsed_ms,
        }
        if a.verdict != "ok":
            self.skipped[token.lower()] = self.block
            if a.verdict == "blocked":
                self.hostile_seen.append(time.time())
            await self.thoughts.record(
                "skip",
                explain_skip(a, policy.max_risk),
                token=token,
                symbol=a.symbol,
                lane=policy.lane,
                intel_level=policy.level,
                confidence=c.confidence,
                risk_score=a.score,
                factors=a.factors,
                evidence=evidence | {"revert_reasons": list(a.revert_reasons)},
                block_number=self.block,
            )
            return
        await self.enter(a, facts, policy, size, c, evidence)

    async def enter(
        self,
        a: Assessment,
        facts: MarketFacts,
        policy: IntelPolicy,
        size: int,
        c: Candidate,
        evidence: dict[str, object],
    ) -> None:
        taxed = bool(a.buy_tax_bps or a.sell_tax_bps)
        pool = self.view.pools.get(c.pool)
        if pool is None or (taxed and pool.dex != "uniswap_v2") or (pool.dex == "uniswap_v3" and facts.pair):
            pool = self.view.pools.get(facts.pair or "") or pool
        if pool is None:
            return
        m = Market(a.token, pool.pool, pool.dex, pool.fee)
        wanted = size
        size, impact = await self._fit_size(m, size, policy.max_slippage_bps)
        gas_cost = 2 * 150_000 * self.gas_price
        if size <= 0 or gas_cost * 50 > size:  # gas over 2 % of the position: the pool is too thin
            self.skipped[a.token.lower()] = self.block
            await self.thoughts.record(
                "skip",
                f"Skipping {a.symbol}: the pool is too thin — within the L{policy.level} slippage limit of "
                f"{policy.max_slippage_bps} bps only {fmt_units(size, 18, 4)} WETH could be bought, "
                "too little to be worth the gas.",
                token=a.token,
                symbol=a.symbol,
                lane=policy.lane,
                intel_level=policy.level,
                risk_score=a.score,
                factors=a.factors,
                block_number=self.block,
                evidence=evidence,
            )
            return
        try:
            fill = await self.executor.buy(
                m, size, buy_tax_bps=a.buy_tax_bps or 0, block=self.block, gas_price=self.gas_price
            )
        except ChainError as err:  # live: refused, reverted, cancelled (the executor booked any gas)
            self.skipped[a.token.lower()] = self.block
            await self.thoughts.record(
                "skip",
                f"Entry into {a.symbol} failed: {err}.",
                token=a.token,
                symbol=a.symbol,
                lane=policy.lane,
                intel_level=policy.level,
                risk_score=a.score,
                block_number=self.block,
                evidence=evidence | {"error": str(err)},
            )
            return
        if fill.amount_out <= 0:
            return
        pos, trade = await self.portfolio.apply_buy(fill, symbol=a.symbol, decimals=pool.decimals)
        self.block = max(self.block, fill.block_number)  # a live fill lands in a later block
        if self.guard is not None:
            self.guard.record_trade(fill.gas_cost)
        rules = self.exit_rules(policy)
        h = Holding(
            m, a.buy_tax_bps or 0, a.sell_tax_bps or 0, rules, time.time(), last_check_block=self.block
        )
        self.holdings[pos.id or 0] = h
        value = await self.net_value(pos, h)
        pos.entry_value = pos.peak_value = value
        self.portfolio.mark(pos.id or 0, value, self.block)
        await asyncio.to_thread(repo.save_all, self.db, [pos])
        sized = (
            "" if size == wanted else f" (cut from {fmt_units(wanted, 18, 4)} WETH to stay within slippage)"
        )
        await self.thoughts.record(
            "enter",
            explain_enter(
                a,
                policy.max_risk,
                size,
                self.portfolio.snapshot().equity + fill.gas_cost,
                fill.amount_out,
                pool.decimals,
            )
            + f" Price impact {impact / 100:.2f}%{sized}. Exit rules: {rules.describe()}, measured from the "
            f"net value right after entry ({fmt_units(value, 18, 6)} WETH).",
            token=a.token,
            symbol=a.symbol,
            lane=policy.lane,
            intel_level=policy.level,
            confidence=c.confidence,
            risk_score=a.score,
            factors=a.factors,
            block_number=self.block,
            evidence=evidence
            | {
                "pool": pool.pool,
                "dex": pool.dex,
                "amount_in": fill.amount_in,
                "amount_out": fill.amount_out,
                "gas_cost": fill.gas_cost,
                "impact_bps": impact,
                "entry_value": value,
                "trade_id": trade.id,
            },
        )
        self._publish_fill(pos, trade.id or 0, fill.side, fill.amount_in, fill.amount_out, fill.gas_cost, "")

    async def _fit_size(self, m: Market, size: int, max_impact_bps: int) -> tuple[int, int]:
        """The largest size up to ``size`` whose buy impact stays within the level's slippage limit."""

        async def impact(amount: int) -> int:
            return await self.quotes.buy_impact_bps(m, amount, self.block)

        fitted = await fit_slice(size, max_impact_bps, impact)
        return fitted, (await impact(fitted) if fitted else 0)

    def _sell_volume_per_s(self, pool: str, window_blocks: int = 30) -> int:
        """Token units sold into ``pool`` per second over the recent window (from its Swap logs)."""
        info = self.view.pools.get(pool)
        if info is None or not info.volume_token:
            return 0
        recent = [(b, v) for b, v in info.volume_token if self.block - b <= window_blocks]
        span_s = max(1.0, window_blocks * self.rt.block_time_s)
        return int(sum(v for _, v in recent) / span_s)

    def held_tokens(self) -> list[HeldToken]:
        out = []
        for pos in self.portfolio.open_positions():
            h = self.holdings.get(pos.id or 0)
            if h is None:
                continue
            out.append(
                HeldToken(
                    token=pos.token,
                    symbol=pos.symbol,
                    value=self.portfolio.values.get(pos.id or 0, 0),
                    entry_buy_tax_bps=h.buy_tax_bps,
                    entry_sell_tax_bps=h.sell_tax_bps,
                    sell_tax_bps=h.sell_tax_now,
                )
            )
        return out

    async def exit_tokens(self, tokens: frozenset[str], why: str) -> None:
        """Sell the positions a breaker ordered out (a rug, a tax raised after entry)."""
        wanted = {t.lower() for t in tokens}
        for pos in list(self.portfolio.open_positions()):
            h = self.holdings.get(pos.id or 0)
            if h is not None and pos.token.lower() in wanted and not h.exiting:
                await self.sell(pos, h, "breaker", why)

    def exit_rules(self, policy: IntelPolicy) -> ExitRules:
        ex = self.cfg.exits
        # The config sets the defaults; the intel level's own values apply where the config leaves a rule on.
        return ExitRules(
            stop_loss_pct=policy.stop_loss_pct if ex.stop_loss_pct is not None else None,
            take_profit_pct=policy.take_profit_pct if ex.take_profit_pct is not None else None,
            trailing_pct=policy.trailing_pct if ex.trailing_pct is not None else None,
            max_hold_s=ex.max_hold_s,
        )

    def _gas_reserve(self) -> int:
        return 400_000 * self.gas_price

    # -- exits --------------------------------------------------------------------------------------------

    async def net_value(self, pos: Position, h: Holding) -> int:
        try:
            p = await self.quotes.sell(h.market, pos.size, h.current_sell_tax, self.block)
        except ChainError:
            return 0  # no liquidity left to sell into
        return max(0, p.net_out - p.gas_units * self.gas_price)

    async def manage_exits(self, policy: IntelPolicy) -> None:
        for pos in list(self.portfolio.open_positions()):
            pid = pos.id or 0
            h = self.holdings.get(pid)
            if h is None:
                continue
            if self.block - h.last_check_block >= RECHECK_EVERY_BLOCKS and not h.exiting:
                h.last_check_block = self.block
                if await self.recheck(pos, h):
                    continue
            value = await self.net_value(pos, h)
            self.portfolio.mark(pid, value, self.block)
            if h.exiting:
                await self.sell(pos, h, h.exiting, h.exit_detail)
                continue
            sig = evaluate(
                h.rules,
                cost=pos.entry_value or pos.entry_cost,
                value_now=value,
                peak_value=pos.peak_value,
                held_s=time.time() - h.opened_at,
            )
            if sig is not None:
                await self.sell(pos, h, sig.rule, sig.detail)
            else:
                self.bus.publish(_position_event(pos, value, h.rules.describe()))

    async def recheck(self, pos: Position, h: Holding) -> bool:
        """Re-run the round trip on a held token: a token can turn hostile after we bought (tax raised,
        sells blocked). Returns True when it acted (exit started or alert raised)."""
        if h.market.dex != "uniswap_v2":
            return False
        try:
            rt = await simulate_round_trip(
                self.rt.client,
                router=self.rt.addrs.v2_router,
                weth=self.rt.addrs.weth,
                token=pos.token,
                pair=h.market.pool,
                buy_wei=int(self.cfg.risk.probe_buy_eth * 10**18),
                block=self.block,
            )
        except ChainError:
            return False
        self.last_recheck[pos.token.lower()] = rt
        if rt.can_sell is False:
            await self.thoughts.record(
                "hold",
                f"ALERT on {pos.symbol}: selling now reverts ('{rt.stage('sell').reason}'); the token turned "
                "hostile after entry. Holding — a sale is impossible — and re-checking every "
                f"{RECHECK_EVERY_BLOCKS} blocks.",
                token=pos.token,
                symbol=pos.symbol,
                block_number=self.block,
                confidence=1.0,
                evidence={"sell_reason": rt.stage("sell").reason},
            )
            return True
        if rt.sell_tax_bps is not None and rt.sell_tax_bps != h.sell_tax_bps:
            h.sell_tax_now = rt.sell_tax_bps  # valuations follow the token's real tax; the breaker judges it
        return False

    async def sell(self, pos: Position, h: Holding, rule: str, detail: str) -> None:
        """Sell what the impact budget allows this block (everything, for a stop-loss on a deep pool)."""
        pid = pos.id or 0
        budget = self.cfg.exits.slice_impact_bps
        if h.plan is None:
            h.plan = make_plan(
                rule,
                pos.size,
                self.cfg.exits,
                now=time.time(),
                volume_per_s=self._sell_volume_per_s(h.market.pool),
                block_time_s=self.rt.block_time_s,
            )
        plan = h.plan
        amount = min(pos.size, plan.due(time.time()))
        if amount <= 0:
            h.exiting, h.exit_detail = rule, detail
            return  # the next slice is not due yet
        value_all = await self.net_value(pos, h)

        async def impact(amt: int) -> int:
            p = await self.quotes.sell(h.market, amt, h.current_sell_tax, self.block)
            ideal = value_all * amt // pos.size if pos.size else 0
            return max(0, (ideal - p.net_out) * 10_000 // ideal) if ideal else 10_000

        if value_all > 0 and plan.budgeted:
            # shrink to the impact budget; a pool too thin for even a sliver still gets a sliver
            amount = await fit_slice(amount, budget, impact) or max(1, amount // 10)
        amount = max(1, min(amount, pos.size))
        try:
            fill = await self.executor.sell(
                h.market, amount, sell_tax_bps=h.current_sell_tax, block=self.block, gas_price=self.gas_price
            )
        except ChainError as err:
            await self.thoughts.record(
                "hold",
                f"Cannot sell {pos.symbol} now: {err}.",
                token=pos.token,
                symbol=pos.symbol,
                block_number=self.block,
            )
            return
        cost_before = pos.entry_cost
        pnl_before = pos.realised_pnl
        pos_after, trade = await self.portfolio.apply_sell(pid, fill, reason=rule)
        plan.sold += fill.amount_in
        if self.guard is not None:
            self.guard.record_trade(
                fill.gas_cost, closed_pnl=pos_after.realised_pnl - pnl_before, token=pos.token
            )
        closed = pos_after.status == "closed"
        h.exiting, h.exit_detail = ("", "") if closed else (rule, detail)
        if closed:
            self.holdings.pop(pid, None)
            if pos_after.realised_pnl >= 0:
                self.wins += 1
            else:
                self.losses += 1
        part = "" if closed else f" (a slice: {plan.describe()}, within the {budget} bps impact budget)"
        await self.thoughts.record(
            "exit",
            explain_exit(
                pos.symbol,
                rule,
                fill.amount_out - fill.gas_cost,
                cost_before if closed else cost_before - pos_after.entry_cost,
                detail + part,
            ),
            token=pos.token,
            symbol=pos.symbol,
            block_number=self.block,
            confidence=1.0,
            evidence={
                "rule": rule,
                "amount_in": fill.amount_in,
                "amount_out": fill.amount_out,
                "gas_cost": fill.gas_cost,
                "trade_id": trade.id,
                "realised_pnl": pos_after.realised_pnl,
            },
        )
        self._publish_fill(
            pos_after, trade.id or 0, "sell", fill.amount_in, fill.amount_out, fill.gas_cost, rule
        )

    def _publish_fill(
        self, pos: Position, trade_id: int, side: str, a_in: int, a_out: int, gas: int, reason: str
    ) -> None:
        self.bus.publish(
            TradeFilled(
                trade_id=trade_id,
                position_id=pos.id,
                mode=self.portfolio.mode,
                side=side,
                token=pos.token,
                symbol=pos.symbol,
                decimals=pos.decimals,
                amount_in=a_in,
                amount_out=a_out,
                gas_cost=gas,
                reason=reason,
            )
        )
        value = self.portfolio.values.get(pos.id or 0, 0)
        h = self.holdings.get(pos.id or 0)
        self.bus.publish(_position_event(pos, value, h.rules.describe() if h else ""))


def _position_event(pos: Position, value: int, rule: str) -> PositionChanged:
    return PositionChanged(
        position_id=pos.id or 0,
        token=pos.token,
        symbol=pos.symbol,
        status=pos.status,
        size=pos.size,
        entry_cost=pos.entry_cost,
        value_now=value,
        realised_pnl=pos.realised_pnl,
        exit_rule=rule,
    )


def _token_sold_in(ev: V2Swap | V3Swap, token_is_token0: bool) -> int:
    if isinstance(ev, V2Swap):
        return ev.amount0_in if token_is_token0 else ev.amount1_in
    delta = ev.amount0 if token_is_token0 else ev.amount1
    return delta if delta > 0 else 0


def _assessment_row(chain_id: int, a: Assessment) -> TokenAssessment:
    data = a.to_json()
    return TokenAssessment(
        chain_id=chain_id,
        token=a.token,
        block_number=a.block_number,
        verdict=a.verdict,
        score=a.score,
        buy_tax_bps=a.buy_tax_bps,
        sell_tax_bps=a.sell_tax_bps,
        factors=data["factors"],
    )
