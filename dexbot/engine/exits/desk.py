"""The exit desk: marks every open position at its net sale value each block, re-checks held tokens
for turning hostile, fires exit rules, and sells in impact-bounded slices per the exit plan. It owns the
holdings (what each open position is managed by) and the win/loss counts; the block it acts in comes in
as a Tick."""

from __future__ import annotations

from collections.abc import Callable, Collection

from dexbot.chain.roundtrip import RoundTripResult
from dexbot.chain.runtime import ChainRuntime
from dexbot.core.config import Config
from dexbot.core.crashpoints import crashpoint
from dexbot.core.errors import ChainError, StoreError
from dexbot.engine.api.events import EventBus
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.api.snapshot import PositionView
from dexbot.engine.breakers.context import HeldToken
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.execution.inflight import InFlight
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import Priced, QuoteSource
from dexbot.engine.execution.types import Fill, Market
from dexbot.engine.exits.events import position_event, rule_text, trade_event
from dexbot.engine.exits.explain import explain_exit, explain_slice
from dexbot.engine.exits.holding import Holding
from dexbot.engine.exits.plan import URGENT, make_plan
from dexbot.engine.exits.recheck import RECHECK_EVERY_BLOCKS, recheck
from dexbot.engine.exits.rules import ExitRules, ExitSignal, evaluate
from dexbot.engine.exits.sale import best_sale
from dexbot.engine.exits.sale_cost import SaleCosts
from dexbot.engine.exits.schedule import fit_slice
from dexbot.engine.market.discovery import Discovery
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.thoughts import ThoughtLog
from dexbot.engine.tick import Tick
from dexbot.engine.token_faults import TokenFaults
from dexbot.store.models import Position


class ExitDesk:
    def __init__(
        self,
        cfg: Config,
        rt: ChainRuntime,
        bus: EventBus,
        thoughts: ThoughtLog,
        portfolio: Portfolio,
        market: Discovery,
        quotes: QuoteSource,
        trades: InFlight,
        guard: Observations,
        faults: TokenFaults,
        clock: Callable[[], float],
        pricer: SwapPricer | None = None,
    ) -> None:
        """``pricer``: prices a sale as the fill will charge it (what exit rules judge a position by)."""
        self.cfg, self.rt, self.bus, self.thoughts = cfg, rt, bus, thoughts
        self.portfolio, self.market, self.quotes, self.trades = portfolio, market, quotes, trades
        self.guard, self.faults, self.clock = guard, faults, clock
        self.holdings: dict[int, Holding] = {}  # position id -> how it is managed
        self.costs = SaleCosts(pricer)
        self.last_recheck: dict[str, RoundTripResult] = {}
        self.wins = 0
        self.losses = 0

    def hold(self, position_id: int, h: Holding) -> None:
        """Manage a position from now on (a fresh entry, or one resumed after a restart)."""
        self.holdings[position_id] = h
        self.costs.forget(position_id)  # an id a reorg freed may come back: its sale is priced afresh

    def kept_pools(self) -> set[str]:
        """Pools the watcher must never drop: the ones open positions trade on."""
        kept = {h.market.pool for h in self.holdings.values()}
        return kept | {pos.pool for pos in self.portfolio.open_positions()}

    def forget(self, live: Collection[str]) -> list[str]:
        """Drop the re-checks of tokens no longer ``live``; returns them."""
        gone = [t for t in self.last_recheck if t not in live]
        for token in gone:
            del self.last_recheck[token]
        return gone

    def _sell_volume_per_s(self, pool: str, block: int, window_blocks: int = 30) -> int:
        """Token units sold into ``pool`` per second over the recent window (from its Swap logs)."""
        info = self.market.view.pools.get(pool)
        if info is None or not info.volume_token:
            return 0
        recent = [(b, v) for b, v in info.volume_token if block - b <= window_blocks]
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

    async def exit_tokens(self, tokens: frozenset[str], why: str, tick: Tick) -> None:
        """Sell the positions a breaker ordered out (a rug, a tax raised after entry)."""
        wanted = {t.lower() for t in tokens}
        for pos in list(self.portfolio.open_positions()):
            h = self.holdings.get(pos.id or 0)
            if h is not None and pos.token.lower() in wanted and h.exiting not in URGENT:
                await self.sell(pos, h, "breaker", why, tick)

    def exit_rules(self, policy: IntelPolicy) -> ExitRules:
        """The rules a position gets at entry: the effective policy's (the config's values where set, else
        the level's) and the config's max hold, which no level sets."""
        return ExitRules(
            stop_loss_pct=policy.stop_loss_pct,
            take_profit_pct=policy.take_profit_pct,
            trailing_pct=policy.trailing_pct,
            max_hold_s=self.cfg.exits.max_hold_s,
        )

    async def best_sale(
        self, pos: Position, h: Holding, amount: int, tick: Tick
    ) -> tuple[Market, Priced] | None:
        return await best_sale(self.quotes, self.market.view, pos, h, amount, tick)

    async def net_value(self, pos: Position, h: Holding, tick: Tick, *, exact: bool = False) -> int:
        """What selling the whole position nets now, on the best venue, after the gas the sale costs
        (0 when nothing can take it); ``exact``: that gas priced at this block (sale_cost.py)."""
        sale = await self.best_sale(pos, h, pos.size, tick)
        if sale is None:
            return 0
        m, p = sale
        return max(0, p.net_out - await self.costs.cost(pos.id or 0, m, pos.size, p, tick, exact=exact))

    async def _ensure_viewed(self, pos: Position, h: Holding, block: int) -> None:
        """A position resumed after a restart may sit in a pool discovery has not announced again: put it
        back in the market view, so it is priced every block and its breakers and exits see it."""
        if h.market.pool in self.market.view.pools:
            return
        lo, hi = sorted((pos.token, self.rt.addrs.weth), key=str.lower)
        await self.market.add_pool(h.market.pool, lo, hi, h.market.dex, h.market.fee, block, announce=False)

    async def manage(self, tick: Tick) -> None:
        """Every open position, once this block."""
        for pos in list(self.portfolio.open_positions()):
            pid = pos.id or 0
            h = self.holdings.get(pid)
            if h is None or h.vanished:
                continue
            try:
                await self._manage(pos, h, tick)
            except StoreError:
                raise  # not this token's fault: the engine loop's store handling takes it
            except Exception as err:  # one position's failure must not stop the exits of the others
                await self.faults.token_failed(
                    "exit", pos.token, pos.symbol, err, block=tick.block, policy=tick.policy
                )

    async def _manage(self, pos: Position, h: Holding, tick: Tick) -> None:
        """One position, one block: re-check the token now and then, mark it, fire its exit rules."""
        pid = pos.id or 0
        await self._ensure_viewed(pos, h, tick.block)
        if self.trades.lagging(pos.token, tick.block):
            return  # its last fill landed in a later block than this one: judged from that block on
        if tick.block - h.last_check_block >= RECHECK_EVERY_BLOCKS and not h.exiting:
            h.last_check_block = tick.block
            if await self.recheck(pos, h, tick.block):
                return
        value = await self.net_value(pos, h, tick)
        if self.trades.busy(pos.token):  # marked, but not traded again until its trade is booked
            self.portfolio.mark(pid, value, tick.block)
            self.bus.publish(position_event(pos, value, h.rules.describe()))
            return
        sig = self._signal(pos, h, value)
        if _acts(sig, h):  # a rule acts on this value: the sale's gas priced at this block, the fill's
            value = await self.net_value(pos, h, tick, exact=True)
            sig = self._signal(pos, h, value)
        self.portfolio.mark(pid, value, tick.block)
        if sig is not None and _acts(sig, h):
            await self.sell(pos, h, sig.rule, sig.detail, tick)
        elif h.exiting:
            await self.sell(pos, h, h.exiting, h.exit_detail, tick)
        else:
            self.bus.publish(position_event(pos, value, h.rules.describe()))

    def _signal(self, pos: Position, h: Holding, value: int) -> ExitSignal | None:
        """The rule that fires at ``value`` (marked as the peak first, when above it)."""
        return evaluate(
            h.rules,
            cost=pos.entry_value or pos.entry_cost,
            value_now=value,
            peak_value=max(pos.peak_value, value),
            held_s=self.clock() - h.opened_at,
        )

    async def recheck(self, pos: Position, h: Holding, block: int) -> bool:
        """Re-run the round trip on a held token (recheck.py); True when it acted (exit or alert)."""
        probe_wei = int(self.cfg.risk.probe_buy_eth * 10**18)
        return await recheck(self.rt, probe_wei, self.thoughts, self.last_recheck, pos, h, block)

    async def sell(self, pos: Position, h: Holding, rule: str, detail: str, tick: Tick) -> None:
        """Sell what the exit plan has due, shrunk to the impact budget (all of it at once for an urgent
        exit, which also takes over a sliced exit already under way). Nothing while a trade of the token
        is in flight (or the desk is full): the next block looks again."""
        if self.trades.unsettled(pos.token, tick.block) or self.trades.full():
            return
        budget = self.cfg.exits.slice_impact_bps
        if h.plan is None or (rule in URGENT and h.plan.budgeted):
            h.plan = make_plan(
                rule,
                pos.size,
                self.cfg.exits,
                now=self.clock(),
                volume_per_s=self._sell_volume_per_s(h.market.pool, tick.block),
                block_time_s=self.rt.block_time_s,
            )
        plan = h.plan
        amount = min(pos.size, plan.due(self.clock()))
        if amount <= 0:
            h.exiting, h.exit_detail = rule, detail
            return  # the next slice is not due yet
        sale = await self.best_sale(pos, h, amount, tick)
        m = sale[0] if sale else h.market  # nothing can take it: the executor says why, below
        measured: dict[int, int] = {}

        async def impact(amt: int) -> int:
            if amt not in measured:
                try:
                    measured[amt] = await self.quotes.sell_impact_bps(m, amt, h.current_sell_tax, tick.block)
                except ChainError:
                    measured[amt] = 10_000  # this pool cannot take the amount at all: as bad as it gets
            return measured[amt]

        if sale is not None and plan.budgeted:
            # shrink to the impact budget; a pool too thin for even a sliver still gets a sliver
            amount = await fit_slice(amount, budget, impact) or max(1, amount // 10)
        amount = max(1, min(amount, pos.size))
        slice_impact = await impact(amount)

        async def failed(err: ChainError) -> None:
            if await self._pool_vanished(m.pool):
                await self._vanished(pos, h, m.pool, tick.block)
                return
            await self.thoughts.record(
                "hold",
                f"Cannot sell {pos.symbol} now: {err}.",
                token=pos.token,
                symbol=pos.symbol,
                block_number=tick.block,
            )

        async def book(fill: Fill) -> None:
            await self._book(fill, pos, h, rule, detail, tick, m, slice_impact)

        await self.trades.sell(
            m,
            amount,
            sell_tax_bps=h.current_sell_tax,
            block=tick.block,
            gas_price=tick.gas_price,
            book=book,
            failed=failed,
            held=pos.size,
        )

    async def _book(
        self,
        fill: Fill,
        pos: Position,
        h: Holding,
        rule: str,
        detail: str,
        tick: Tick,
        m: Market,
        slice_impact: int,
    ) -> None:
        """A sale's fill, booked: the position, the plan's progress, the win or loss, the thought, events."""
        pid = pos.id or 0
        plan = h.plan
        assert plan is not None
        budget = self.cfg.exits.slice_impact_bps
        cost_before = pos.entry_cost
        pnl_before = pos.realised_pnl
        pos_after, trade = await self.portfolio.apply_sell(pid, fill, reason=rule)
        plan.sold += fill.amount_in
        plan.fills += 1
        self.guard.record_trade(
            fill.gas_cost, closed_pnl=pos_after.realised_pnl - pnl_before, token=pos.token
        )
        closed = pos_after.status == "closed"
        if not closed:
            crashpoint("between_slices")
        h.exiting, h.exit_detail = ("", "") if closed else (rule, detail)
        if closed:
            self.holdings.pop(pid, None)
            self.costs.forget(pid)
            if pos_after.realised_pnl >= 0:
                self.wins += 1
            else:
                self.losses += 1
        part = explain_slice(
            plan, rule, pos.symbol, pos.decimals, fill.amount_in, pos_after.size, slice_impact, budget
        )
        await self.thoughts.record(
            "exit",
            explain_exit(
                pos.symbol,
                rule,
                fill.amount_out - fill.gas_cost,
                cost_before if closed else cost_before - pos_after.entry_cost,
                f"{detail.rstrip('.')}. {part}",
            ),
            token=pos.token,
            symbol=pos.symbol,
            block_number=tick.block,
            confidence=1.0,
            evidence={
                "rule": rule,
                "amount_in": fill.amount_in,
                "amount_out": fill.amount_out,
                "gas_cost": fill.gas_cost,
                "trade_id": trade.id,
                "realised_pnl": pos_after.realised_pnl,
                "pool": m.pool,
                "dex": m.dex,
                "fee": m.fee,
                "impact_bps": slice_impact,
                "slice": plan.fills,
                "left": pos_after.size,
            },
        )
        self.publish_fill(pos_after, trade.id or 0, fill, rule)

    async def _pool_vanished(self, pool: str) -> bool:
        try:
            code = await self.rt.client.request("eth_getCode", [pool, "latest"])
        except ChainError:
            return False  # cannot tell: treat it as a failed sale, retried next block
        return code in (None, "", "0x")

    async def _vanished(self, pos: Position, h: Holding, pool: str, block: int) -> None:
        """Say once that the pool is gone and stop valuing and selling the position, instead of failing
        every block: a position whose pool has no code cannot be priced or sold on this chain."""
        h.vanished, h.exiting, h.plan = True, "", None
        self.portfolio.mark(pos.id or 0, 0, block)
        await self.thoughts.record(
            "hold",
            f"{pos.symbol}'s pool {pool} has no code on this chain: it vanished. The position cannot be "
            "valued or sold here; it is kept at 0 and no longer retried.",
            token=pos.token,
            symbol=pos.symbol,
            block_number=block,
            confidence=1.0,
            evidence={"pool": pool, "position_id": pos.id},
        )
        self.bus.publish(position_event(pos, 0, "pool vanished"))

    def publish_fill(self, pos: Position, trade_id: int, fill: Fill, reason: str = "") -> None:
        """The trade and the position it changed, on the bus."""
        self.bus.publish(trade_event(self.portfolio.mode, pos, trade_id, fill, reason))
        value = self.portfolio.values.get(pos.id or 0, 0)
        self.bus.publish(position_event(pos, value, rule_text(self.holdings.get(pos.id or 0))))

    def position_views(self) -> tuple[PositionView, ...]:
        """The open positions as the UI shows them, each with the rule managing it."""
        return tuple(
            PositionView(
                id=pos.id or 0,
                token=pos.token,
                symbol=pos.symbol,
                decimals=pos.decimals,
                size=pos.size,
                entry_cost=pos.entry_cost,
                value_now=self.portfolio.values.get(pos.id or 0, 0),
                exit_rule=rule_text(self.holdings.get(pos.id or 0)),
                opened_block=pos.opened_block,
            )
            for pos in self.portfolio.open_positions()
        )


def _acts(sig: ExitSignal | None, h: Holding) -> bool:
    """A rule that fires sells, unless a sliced exit is under way: that keeps going, unless the
    stop-loss fires, which sells the rest at once."""
    return sig is not None and (not h.exiting or (sig.rule in URGENT and h.exiting not in URGENT))
