"""The trading desk: judges candidates and enters positions; discovery and exits are its other two
halves (Discovery, ExitDesk). Every decision goes through the thought log with the factors behind it.
The service owns the loop and the lifecycle; this class owns the trading state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

from sqlalchemy.engine import Engine

from dexbot.chain.dex.states import V3State
from dexbot.chain.roundtrip import RoundTripResult
from dexbot.chain.runtime import ChainRuntime
from dexbot.core.config import Config
from dexbot.core.errors import ChainError
from dexbot.core.units import fmt_units
from dexbot.engine.api.events import EventBus
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.breakers.decision import Decision
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.entries.venue_choice import EntryChoice, choose_entry, tradable
from dexbot.engine.execution.paper import PaperExecutor
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Executor, Market
from dexbot.engine.exits.desk import ExitDesk
from dexbot.engine.exits.holding import Holding
from dexbot.engine.market.discovery import Discovery
from dexbot.engine.market.view import MarketView
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.risk.assess import MarketFacts, RiskAssessor, round_trip_on
from dexbot.engine.risk.score import Assessment
from dexbot.engine.risk.venues import Venue, measure_v3, v2_venue
from dexbot.engine.strategy import Candidate, Strategy
from dexbot.engine.thoughts import ThoughtLog, explain_enter, explain_skip
from dexbot.engine.tick import Tick
from dexbot.store import repo
from dexbot.store.models import TokenAssessment

SKIP_MEMORY_BLOCKS = 50
# A pair this young is raced for: others' first buys compete for the same blocks (what the fast lane pays
# to win); after that a buy waits in an ordinary queue.
CONTESTED_BLOCKS = 3


class Trader(Discovery, ExitDesk):
    def __init__(
        self,
        cfg: Config,
        rt: ChainRuntime,
        db: Engine,
        bus: EventBus,
        thoughts: ThoughtLog,
        portfolio: Portfolio,
        strategy: Strategy,
        clock: Callable[[], float],
    ) -> None:
        self.cfg, self.rt, self.db, self.bus = cfg, rt, db, bus
        self.thoughts = thoughts
        self.portfolio = portfolio
        self.strategy = strategy
        self.clock = clock
        self.view = MarketView()
        self.quotes = QuoteSource(rt.client, rt.addrs)
        self.executor: Executor = PaperExecutor(self.quotes)  # the service swaps in LiveExecutor in live mode
        self.max_trade_wei: int | None = None  # live mode: mode.max_trade_eth caps every buy
        self.assessor = RiskAssessor(rt.client, rt.addrs, cfg.risk, block_time_s=rt.block_time_s, clock=clock)
        self.holdings: dict[int, Holding] = {}
        self.queue: dict[str, Candidate] = {}
        self.discovered: dict[str, float] = {}  # token -> when its pool's creation log arrived
        self.last_recheck: dict[str, RoundTripResult] = {}
        self.guard: Observations | None = None
        self.decision = Decision()  # token -> candidate waiting for a decision
        self.assessments: dict[str, Assessment] = {}
        self.skipped: dict[str, int] = {}
        self.hostile_seen: list[float] = []
        self.wins = 0
        self.losses = 0
        self.block = 0
        self.gas_price = 0
        self.l1_fee = 0  # the L1 data fee a swap may pay on top of its gas (OP-stack chains)
        self.decided_at = 0.0

    def on_tick(self, tick: Tick) -> None:
        """The block being handled, as the engine hands it over: the only way the desk's block and gas
        price move."""
        self.block, self.gas_price, self.l1_fee = tick.block, tick.gas_price, tick.l1_fee

    def enqueue(self, candidates: Iterable[Candidate]) -> None:
        """Candidates wait for a decision in arrival order; a token already waiting keeps its place."""
        for cand in candidates:
            self.queue.setdefault(cand.token.lower(), cand)

    def queued(self) -> int:
        return len(self.queue)

    def next_candidate(self) -> Candidate:
        """The oldest waiting candidate, taken off the queue; ``decided_at`` is cleared for its decision."""
        cand = self.queue.pop(next(iter(self.queue)))
        self.decided_at = 0.0
        return cand

    async def _facts(self, token: str, policy: IntelPolicy) -> MarketFacts:
        """The token's pools as venues: V2 reserves from the watcher, V3 depth within the level's
        slippage limit measured now (at the watcher's price for this block)."""
        pools = self.view.for_token(token)
        states = self.quotes.states()
        v3 = []
        for p in (p for p in pools if p.dex == "uniswap_v3" and p.fee is not None):
            st = states.get(p.pool)
            sp = st.sqrt_price_x96 if isinstance(st, V3State) and st.block == self.block else None
            v3.append((p.pool, p.fee or 0, sp))
        venues = [v2_venue(p.pool, p.liquidity_wei) for p in pools if p.dex == "uniswap_v2"]
        venues += await measure_v3(
            self.rt.client, self.rt.addrs, token, v3, policy.max_slippage_bps, self.block
        )
        return MarketFacts.from_venues(
            venues,
            created_block=min((p.created_block for p in pools), default=0),
            volatility_bps=max((p.volatility_bps() for p in pools), default=0),
            pools=[p.pool for p in pools],
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
            why = self.decision.reason or "token or pool blocked"
            await self._skip(token, symbol, policy, f"a circuit breaker blocks this entry ({why})")
            return
        if len(self.portfolio.open_positions()) >= policy.max_positions:
            await self._skip(
                token,
                symbol,
                policy,
                f"already holding {policy.max_positions} positions, the L{policy.level} maximum",
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
        try:
            facts = await self._facts(token, policy)
            a = await self.assessor.assess(
                token,
                policy=policy,
                size_wei=size,
                block=self.block,
                facts=facts,
                gas_price_wei=self.gas_price,
                l1_fee_wei=self.l1_fee,
            )
        except Exception as err:  # whatever one token makes the assessment raise, only it is skipped
            await self.token_failed("assess", token, symbol, err, policy=policy)
            return
        self.assessments[token.lower()] = a
        if a.verdict != "ok":
            self.decided_at = time.perf_counter()  # the verdict is the decision; the rest is bookkeeping
        await asyncio.to_thread(
            repo.add,
            self.db,
            _assessment_row(self.cfg.instance.name, self.rt.chain_id, self.rt.genesis_hash, a),
        )
        evidence = {
            "candidate": c.reason,
            "source": c.source,
            "facts": facts.to_json(),
            "elapsed_ms": a.elapsed_ms,
        }
        if a.verdict != "ok":
            self.skipped[token.lower()] = self.block
            if a.verdict == "blocked":
                self.hostile_seen.append(self.clock())
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

    async def _unconfirmed(
        self, a: Assessment, m: Market, policy: IntelPolicy, evidence: dict[str, object]
    ) -> bool:
        """With ``chain.quorum`` > 1, an entry rests only on pool numbers that many endpoints agree on."""
        if self.guard is None:
            return False
        why = await self.guard.confirm_pool(m.pool, m.dex, self.block, self.cfg.chain.quorum)
        if not why:
            return False
        self.skipped[a.token.lower()] = self.block
        await self.thoughts.record(
            "skip",
            f"Not entering {a.symbol}: a quorum of RPC endpoints does not confirm its pool at block "
            f"{self.block} ({why}).",
            token=a.token,
            symbol=a.symbol,
            lane=policy.lane,
            intel_level=policy.level,
            risk_score=a.score,
            block_number=self.block,
            evidence=evidence | {"error": why},
        )
        return True

    async def _skip(self, token: str, symbol: str, policy: IntelPolicy, why: str) -> None:
        """A skip without an assessment behind it: remembered for a while, said once."""
        self.skipped[token.lower()] = self.block
        await self.thoughts.record(
            "skip",
            f"Skipping {symbol}: {why}.",
            token=token,
            symbol=symbol,
            lane=policy.lane,
            intel_level=policy.level,
            block_number=self.block,
        )

    async def enter(
        self,
        a: Assessment,
        facts: MarketFacts,
        policy: IntelPolicy,
        size: int,
        c: Candidate,
        evidence: dict[str, object],
    ) -> None:
        info = self.view.pools.get(c.pool) or next(iter(self.view.for_token(a.token)), None)
        if info is None:
            return
        choice = await self._choose_venue(a, facts, policy, size)
        wanted = size
        size = choice.order
        self.decided_at = time.perf_counter()  # a fully assessed, sized order: what the executor gets next
        gas_cost = 2 * (150_000 * self.gas_price + self.l1_fee)
        if choice.best is None or size <= 0 or gas_cost * 50 > size:  # gas over 2 % of it: too thin
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
        m, impact = choice.best.market, choice.best.impact_bps
        if await self._unconfirmed(a, m, policy, evidence):
            return
        age = facts.age_blocks(self.block)
        contested = age is not None and age <= CONTESTED_BLOCKS
        evidence["contested"] = contested
        try:
            fill = await self.executor.buy(
                m,
                size,
                buy_tax_bps=a.buy_tax_bps or 0,
                block=self.block,
                gas_price=self.gas_price,
                contested=contested,
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
        pos, trade = await self.portfolio.apply_buy(fill, symbol=a.symbol, decimals=info.decimals)
        self.block = max(self.block, fill.block_number)  # a live fill lands in a later block
        if self.guard is not None:
            self.guard.record_trade(fill.gas_cost)
        rules = self.exit_rules(policy)
        h = Holding(
            m, a.buy_tax_bps or 0, a.sell_tax_bps or 0, rules, self.clock(), last_check_block=self.block
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
                info.decimals,
            )
            + f" Bought on {choice.describe(info.decimals)}; liquidity {fmt_units(facts.weth_reserve, 18, 4)}"
            f" WETH. Price impact {impact / 100:.2f}%{sized}. Exit rules: {rules.describe()}, measured "
            f"from the net value right after entry ({fmt_units(value, 18, 6)} WETH).",
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
                "pool": m.pool,
                "dex": m.dex,
                "fee": m.fee,
                "venues": [o.to_json() for o in choice.offers],
                "amount_in": fill.amount_in,
                "amount_out": fill.amount_out,
                "gas_cost": fill.gas_cost,
                "impact_bps": impact,
                "entry_value": value,
                "trade_id": trade.id,
            },
        )
        self._publish_fill(
            pos,
            trade.id or 0,
            fill.side,
            fill.amount_in,
            fill.amount_out,
            fill.gas_cost,
            "",
            fill.quoted_out,
            fill.l1_fee,
        )

    async def _choose_venue(
        self, a: Assessment, facts: MarketFacts, policy: IntelPolicy, size: int
    ) -> EntryChoice:
        """The pool that gives the most tokens for the order. The assessment's round trip ran on one pool
        (``facts.venue``); another pool is only used once a round trip on it works the same (sells, the
        same taxes, no limit at the order's size); otherwise the order goes to the checked pool."""
        taxed = bool(a.buy_tax_bps or a.sell_tax_bps)
        venues = tradable(facts.venues, taxed=taxed)

        async def choose(among: list[Venue]) -> EntryChoice:
            return await choose_entry(
                self.quotes,
                a.token,
                among,
                size,
                max_impact_bps=policy.max_slippage_bps,
                buy_tax_bps=a.buy_tax_bps or 0,
                block=self.block,
            )

        choice = await choose(venues)
        checked = facts.venue
        best = choice.best
        if best is None or checked is None or best.venue.pool == checked.pool:
            return choice
        if await self._same_on(a, best.market, choice.order):
            return choice
        return await choose([v for v in venues if v.pool == checked.pool])

    async def _same_on(self, a: Assessment, m: Market, order: int) -> bool:
        probe = max(1, min(int(self.cfg.risk.probe_buy_eth * 10**18), order))
        try:
            rt = await round_trip_on(
                self.rt.client, self.rt.addrs, a.token, m.pool, m.dex, m.fee, probe, (order,), self.block
            )
        except ChainError:
            return False
        return (
            rt is not None
            and rt.inconclusive is None
            and rt.can_sell is True
            and (rt.buy_tax_bps, rt.sell_tax_bps) == (a.buy_tax_bps or 0, a.sell_tax_bps or 0)
            and rt.limit_wei is None
        )

    def _gas_reserve(self) -> int:
        return 400_000 * self.gas_price + 2 * self.l1_fee


def _assessment_row(instance: str, chain_id: int, genesis_hash: str, a: Assessment) -> TokenAssessment:
    data = a.to_json()
    return TokenAssessment(
        instance=instance,
        chain_id=chain_id,
        genesis_hash=genesis_hash,
        token=a.token,
        block_number=a.block_number,
        verdict=a.verdict,
        score=a.score,
        buy_tax_bps=a.buy_tax_bps,
        sell_tax_bps=a.sell_tax_bps,
        factors=data["factors"],
    )
