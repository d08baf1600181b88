"""The entry desk: candidates wait in its queue, are judged (assessed, sized, checked against the
breakers' decision) and entered; the entered position is handed to the exit desk. Every decision goes
through the thought log with the factors behind it. The block it acts in comes in as a Tick."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace

from sqlalchemy.engine import Engine

from dexbot.chain.dex.states import V3State
from dexbot.chain.runtime import ChainRuntime
from dexbot.core.config import Config
from dexbot.core.errors import ChainError
from dexbot.core.units import fmt_units
from dexbot.engine.breakers.decision import Decision
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.entries.checked import checked_venue
from dexbot.engine.entries.contested import contested_entry
from dexbot.engine.entries.sizing import Trip, fit_to_cash
from dexbot.engine.entries.venue_choice import EntryChoice
from dexbot.engine.execution.inflight import InFlight
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Fill, Market
from dexbot.engine.exits.desk import ExitDesk
from dexbot.engine.exits.holding import Holding
from dexbot.engine.market.discovery import Discovery
from dexbot.engine.market.view import PoolInfo
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.risk.assess import MarketFacts, RiskAssessor
from dexbot.engine.risk.score import Assessment
from dexbot.engine.risk.venues import measure_v3, v2_venue
from dexbot.engine.strategy import Candidate
from dexbot.engine.thoughts import ThoughtLog, explain_enter, explain_skip
from dexbot.engine.tick import Tick
from dexbot.engine.token_faults import TokenFaults
from dexbot.store import repo
from dexbot.store.models import TokenAssessment


class EntryDesk:
    """``decision``: the breakers' latest decision (the engine's, read at each candidate: a kill switch
    between two candidates stops the second). ``max_trade_wei``: live mode's cap on every buy."""

    def __init__(
        self,
        cfg: Config,
        rt: ChainRuntime,
        db: Engine,
        thoughts: ThoughtLog,
        portfolio: Portfolio,
        market: Discovery,
        exits: ExitDesk,
        quotes: QuoteSource,
        trades: InFlight,
        assessor: RiskAssessor,
        guard: Observations,
        faults: TokenFaults,
        decision: Callable[[], Decision],
        clock: Callable[[], float],
        *,
        max_trade_wei: int | None = None,
        pricer: SwapPricer,
    ) -> None:
        self.cfg, self.rt, self.db, self.thoughts = cfg, rt, db, thoughts
        self.pricer = pricer  # prices the round trip an entry keeps cash back for (sizing.py)
        self.portfolio, self.market, self.exits = portfolio, market, exits
        self.quotes, self.trades, self.assessor = quotes, trades, assessor
        self.guard, self.faults, self.decision, self.clock = guard, faults, decision, clock
        self.max_trade_wei = max_trade_wei
        self.queue: dict[str, Candidate] = {}  # token -> candidate waiting for a decision
        self.assessments: dict[str, Assessment] = {}
        self.decided_at = 0.0  # perf_counter() when the last decision (verdict or sized order) was made

    def forget(self, live: Collection[str]) -> None:
        """Drop what is kept for tokens no longer ``live`` (and the assessor's cache of them)."""
        for per_token in (self.queue, self.assessments):
            for token in [t for t in per_token if t not in live]:
                del per_token[token]
                self.assessor.forget(token)

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

    async def _facts(self, token: str, tick: Tick) -> MarketFacts:
        """The token's pools as venues: V2 reserves from the watcher, V3 depth within the level's
        slippage limit measured now (at the watcher's price for this block)."""
        pools = self.market.view.for_token(token)
        states = self.quotes.states()
        v3 = []
        for p in (p for p in pools if p.dex == "uniswap_v3" and p.fee is not None):
            st = states.get(p.pool)
            sp = st.sqrt_price_x96 if isinstance(st, V3State) and st.block == tick.block else None
            v3.append((p.pool, p.fee or 0, sp))
        venues = [v2_venue(p.pool, p.liquidity_wei) for p in pools if p.dex == "uniswap_v2"]
        venues += await measure_v3(
            self.rt.client, self.rt.addrs, token, v3, tick.policy.max_slippage_bps, tick.block
        )
        return MarketFacts.from_venues(
            venues,
            created_block=min((p.created_block for p in pools), default=0),
            volatility_bps=max((p.volatility_bps() for p in pools), default=0),
            pools=[p.pool for p in pools],
        )

    async def consider(self, c: Candidate, tick: Tick) -> None:
        token, policy = c.token, tick.policy
        trades = self.trades
        if (
            self.portfolio.position_for(token) is not None
            or trades.busy(token)
            or trades.lagging(token, tick.block)
        ):
            return
        if self.faults.skipped_lately(token, tick.block):
            return
        info = self.market.view.pools.get(c.pool)
        symbol = info.symbol if info else token[:8]
        decision = self.decision()
        if not decision.allows_entry(token, c.pool, fast_lane=policy.lane == "fast"):
            why = decision.reason or "token or pool blocked"
            await self._skip(token, symbol, tick, f"a circuit breaker blocks this entry ({why})")
            return
        if len(self.portfolio.open_positions()) + self.trades.buys() >= policy.max_positions:
            await self._skip(
                token,
                symbol,
                tick,
                f"already holding {policy.max_positions} positions, the L{policy.level} maximum",
            )
            return
        snap = self.portfolio.snapshot()
        size = min(
            snap.equity * int(policy.position_pct * 100) // 10_000,
            # what buys in flight may spend is spoken for; the round trip's gas is kept back once its
            # pool is known (enter, sizing.py)
            self.portfolio.cash - self.trades.reserved_wei(),
        )
        if self.max_trade_wei is not None:
            size = min(size, self.max_trade_wei)
        if size <= 0:
            return
        try:
            facts = await self._facts(token, tick)
            a = await self.assessor.assess(
                token,
                policy=policy,
                size_wei=size,
                block=tick.block,
                facts=facts,
                gas_price_wei=tick.gas_price,
                l1_fee_wei=tick.l1_fee,
            )
        except Exception as err:  # whatever one token makes the assessment raise, only it is skipped
            await self.faults.token_failed("assess", token, symbol, err, block=tick.block, policy=policy)
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
            self.faults.skip(token, tick.block)
            if a.verdict == "blocked":
                self.faults.hostile()
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
                block_number=tick.block,
            )
            return
        await self.enter(a, facts, tick, size, c, evidence)

    async def _unconfirmed(self, a: Assessment, m: Market, tick: Tick, evidence: dict[str, object]) -> bool:
        """With ``chain.quorum`` > 1, an entry rests only on pool numbers that many endpoints agree on."""
        why = await self.guard.confirm_pool(m.pool, m.dex, tick.block, self.cfg.chain.quorum)
        if not why:
            return False
        await self._refuse(
            a,
            tick,
            f"Not entering {a.symbol}: a quorum of RPC endpoints does not confirm its pool at block "
            f"{tick.block} ({why}).",
            evidence | {"error": why},
        )
        return True

    async def _refuse(
        self, a: Assessment, tick: Tick, text: str, evidence: dict[str, object], *, with_factors: bool = False
    ) -> None:
        """An assessed token not entered after all: remembered for a while, said once with its risk."""
        self.faults.skip(a.token, tick.block)
        await self.thoughts.record(
            "skip",
            text,
            token=a.token,
            symbol=a.symbol,
            lane=tick.policy.lane,
            intel_level=tick.policy.level,
            risk_score=a.score,
            factors=a.factors if with_factors else (),
            block_number=tick.block,
            evidence=evidence,
        )

    async def _skip(self, token: str, symbol: str, tick: Tick, why: str) -> None:
        """A skip without an assessment behind it: remembered for a while, said once."""
        self.faults.skip(token, tick.block)
        await self.thoughts.record(
            "skip",
            f"Skipping {symbol}: {why}.",
            token=token,
            symbol=symbol,
            lane=tick.policy.lane,
            intel_level=tick.policy.level,
            block_number=tick.block,
        )

    async def enter(
        self,
        a: Assessment,
        facts: MarketFacts,
        tick: Tick,
        size: int,
        c: Candidate,
        evidence: dict[str, object],
    ) -> None:
        policy = tick.policy
        view = self.market.view
        info = view.pools.get(c.pool) or next(iter(view.for_token(a.token)), None)
        if info is None:
            return
        choice = await checked_venue(
            self.quotes, a, facts, size, tick, probe_wei=int(self.cfg.risk.probe_buy_eth * 10**18)
        )
        wanted = size
        best, size, trip, contested = choice.best, choice.order, None, False
        if best is not None and size > 0:
            contested = await contested_entry(self.rt, best.market, facts, tick.block, evidence)
            t = Trip(best.market, a.buy_tax_bps or 0, a.sell_tax_bps or 0, tick.block, contested)
            free = self.portfolio.cash - self.trades.reserved_wei()
            size, trip = await fit_to_cash(self.pricer, self.quotes, t, size, free)
            evidence["round_trip_gas"] = trip.to_json()
        self.decided_at = time.perf_counter()  # a fully assessed, sized order: what the executor gets next
        # gas over 2 % of it: too thin
        if best is None or trip is None or size <= 0 or trip.charged * 50 > size:
            why = (
                f"the cash free beside the round trip's gas ({fmt_units(trip.reserve, 18, 6)} WETH kept "
                "back to send it)"
                if trip is not None and size < choice.order
                else f"the pool is too thin — within the L{policy.level} slippage limit of "
                f"{policy.max_slippage_bps} bps"
            )
            await self._refuse(
                a,
                tick,
                f"Skipping {a.symbol}: {why} only {fmt_units(size, 18, 4)} WETH could be bought, "
                "too little to be worth the gas.",
                evidence,
                with_factors=True,
            )
            return
        m = best.market
        if await self._unconfirmed(a, m, tick, evidence):
            return

        async def failed(err: ChainError) -> None:  # live: refused, reverted, cancelled (gas booked)
            await self._refuse(
                a, tick, f"Entry into {a.symbol} failed: {err}.", evidence | {"error": str(err)}
            )

        async def book(fill: Fill) -> None:
            await self._book(fill, a, facts, tick, (size, choice.order, wanted), choice, info, c, evidence)

        await self.trades.buy(
            m,
            size,
            buy_tax_bps=a.buy_tax_bps or 0,
            block=tick.block,
            gas_price=tick.gas_price,
            contested=contested,
            book=book,
            failed=failed,
        )

    async def _book(
        self,
        fill: Fill,
        a: Assessment,
        facts: MarketFacts,
        tick: Tick,
        sizes: tuple[int, int, int],
        choice: EntryChoice,
        info: PoolInfo,
        c: Candidate,
        evidence: dict[str, object],
    ) -> None:
        """The entry's fill, booked: the position, its holding at the exit desk, the thought, the events."""
        policy = tick.policy
        size, order, wanted = sizes
        assert choice.best is not None
        m, impact = choice.best.market, choice.best.impact_bps
        if fill.amount_out <= 0:
            return
        pos, trade = await self.portfolio.apply_buy(fill, symbol=a.symbol, decimals=info.decimals)
        block = max(tick.block, fill.block_number)  # a live fill lands in a later block
        self.guard.record_trade(fill.gas_cost)
        rules = self.exits.exit_rules(policy)
        h = Holding(m, a.buy_tax_bps or 0, a.sell_tax_bps or 0, rules, self.clock(), last_check_block=block)
        self.exits.hold(pos.id or 0, h)
        value = await self.exits.net_value(pos, h, replace(tick, block=block))
        pos.entry_value = pos.peak_value = value
        self.portfolio.mark(pos.id or 0, value, block)
        await asyncio.to_thread(repo.save_all, self.db, [pos])
        sized = (
            "" if order == wanted else f" (cut from {fmt_units(wanted, 18, 4)} WETH to stay within slippage)"
        )
        if size < order:
            sized += f" (cut from {fmt_units(order, 18, 4)} WETH to keep the round trip's gas)"
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
            block_number=block,
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
        self.exits.publish_fill(pos, trade.id or 0, fill)


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
