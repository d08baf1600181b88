"""The exit desk: marks every open position at its net sale value each block, re-checks held tokens
for turning hostile, fires exit rules, and sells in impact-bounded slices per the exit plan."""

from __future__ import annotations

import asyncio

from dexbot.core.crashpoints import crashpoint
from dexbot.core.errors import ChainError, StoreError
from dexbot.engine.api.events import PositionChanged, TradeFilled
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.breakers.context import HeldToken
from dexbot.engine.execution.quotes import Priced
from dexbot.engine.execution.types import Market
from dexbot.engine.exits.holding import Holding
from dexbot.engine.exits.plan import URGENT, make_plan
from dexbot.engine.exits.rules import ExitRules, evaluate
from dexbot.engine.exits.schedule import fit_slice
from dexbot.engine.risk.assess import round_trip_on
from dexbot.engine.thoughts import explain_exit, explain_slice
from dexbot.engine.token_faults import TokenFaults
from dexbot.store.models import Position

RECHECK_EVERY_BLOCKS = 10


class ExitDesk(TokenFaults):
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
            if h is not None and pos.token.lower() in wanted and h.exiting not in URGENT:
                await self.sell(pos, h, "breaker", why)

    def exit_rules(self, policy: IntelPolicy) -> ExitRules:
        """The rules a position gets at entry: the effective policy's (the config's values where set, else
        the level's) and the config's max hold, which no level sets."""
        return ExitRules(
            stop_loss_pct=policy.stop_loss_pct,
            take_profit_pct=policy.take_profit_pct,
            trailing_pct=policy.trailing_pct,
            max_hold_s=self.cfg.exits.max_hold_s,
        )

    def sale_markets(self, pos: Position, h: Holding) -> list[Market]:
        """Where this position could be sold now: the pool it was bought on and every other WETH pool of
        the token the engine watches. V3 pools only for an untaxed token: a V3 pool refuses to be paid
        less than the swap owes, so a fee-on-transfer token's sell into one reverts."""
        taxed = bool(h.current_sell_tax or h.buy_tax_bps)
        out = [h.market]
        for p in self.view.for_token(pos.token):
            if p.pool == h.market.pool or (p.dex == "uniswap_v3" and (taxed or p.fee is None)):
                continue
            out.append(Market(pos.token, p.pool, p.dex, p.fee))
        return out

    async def best_sale(self, pos: Position, h: Holding, amount: int) -> tuple[Market, Priced] | None:
        """The market that nets the most WETH for selling ``amount`` now (after tax and gas), with its
        exact quote; None when no pool can take the sale at all."""
        markets = self.sale_markets(pos, h)
        answers = await asyncio.gather(
            *(self.quotes.sell(m, amount, h.current_sell_tax, self.block) for m in markets),
            return_exceptions=True,
        )
        best: tuple[Market, Priced] | None = None
        for m, p in zip(markets, answers, strict=True):
            if isinstance(p, ChainError):
                continue  # that pool cannot take it (drained, rugged, no liquidity in reach)
            if isinstance(p, BaseException):
                raise p
            if best is None or self._net(p) > self._net(best[1]):
                best = (m, p)
        return best

    def _net(self, p: Priced) -> int:
        return p.net_out - p.gas_units * self.gas_price - self.l1_fee

    async def net_value(self, pos: Position, h: Holding) -> int:
        """What selling the whole position nets now, on the best venue (0 when nothing can take it)."""
        sale = await self.best_sale(pos, h, pos.size)
        return max(0, self._net(sale[1])) if sale else 0

    async def _ensure_viewed(self, pos: Position, h: Holding) -> None:
        """A position resumed after a restart may sit in a pool discovery has not announced again: put it
        back in the market view, so it is priced every block and its breakers and exits see it."""
        if h.market.pool in self.view.pools:
            return
        lo, hi = sorted((pos.token, self.rt.addrs.weth), key=str.lower)
        await self.add_pool(h.market.pool, lo, hi, h.market.dex, h.market.fee, self.block, announce=False)

    async def manage_exits(self, policy: IntelPolicy) -> None:
        for pos in list(self.portfolio.open_positions()):
            pid = pos.id or 0
            h = self.holdings.get(pid)
            if h is None or h.vanished:
                continue
            try:
                await self._manage(pos, h)
            except StoreError:
                raise  # not this token's fault: the engine loop's store handling takes it
            except Exception as err:  # one position's failure must not stop the exits of the others
                await self.token_failed("exit", pos.token, pos.symbol, err, policy=policy)

    async def _manage(self, pos: Position, h: Holding) -> None:
        """One position, one block: re-check the token now and then, mark it, fire its exit rules."""
        pid = pos.id or 0
        await self._ensure_viewed(pos, h)
        if self.block - h.last_check_block >= RECHECK_EVERY_BLOCKS and not h.exiting:
            h.last_check_block = self.block
            if await self.recheck(pos, h):
                return
        value = await self.net_value(pos, h)
        self.portfolio.mark(pid, value, self.block)
        sig = evaluate(
            h.rules,
            cost=pos.entry_value or pos.entry_cost,
            value_now=value,
            peak_value=pos.peak_value,
            held_s=self.clock() - h.opened_at,
        )
        # a sliced exit under way keeps going, unless the stop-loss fires: that sells the rest at once
        takes_over = sig is not None and sig.rule in URGENT and h.exiting not in URGENT
        if h.exiting and not takes_over:
            await self.sell(pos, h, h.exiting, h.exit_detail)
        elif sig is not None:
            await self.sell(pos, h, sig.rule, sig.detail)
        else:
            self.bus.publish(_position_event(pos, value, h.rules.describe()))

    async def recheck(self, pos: Position, h: Holding) -> bool:
        """Re-run the round trip on a held token, on the pool it was bought on (V2 or V3): a token can
        turn hostile after we bought (tax raised, sells blocked). Returns True when it acted (exit
        started or alert raised)."""
        m = h.market
        try:
            rt = await round_trip_on(
                self.rt.client,
                self.rt.addrs,
                pos.token,
                m.pool,
                m.dex,
                m.fee,
                int(self.cfg.risk.probe_buy_eth * 10**18),
                (),
                self.block,
            )
        except ChainError:
            return False
        if rt is None:
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
        """Sell what the exit plan has due, shrunk to the impact budget (all of it at once for an urgent
        exit, which also takes over a sliced exit already under way)."""
        pid = pos.id or 0
        budget = self.cfg.exits.slice_impact_bps
        if h.plan is None or (rule in URGENT and h.plan.budgeted):
            h.plan = make_plan(
                rule,
                pos.size,
                self.cfg.exits,
                now=self.clock(),
                volume_per_s=self._sell_volume_per_s(h.market.pool),
                block_time_s=self.rt.block_time_s,
            )
        plan = h.plan
        amount = min(pos.size, plan.due(self.clock()))
        if amount <= 0:
            h.exiting, h.exit_detail = rule, detail
            return  # the next slice is not due yet
        sale = await self.best_sale(pos, h, amount)
        m = sale[0] if sale else h.market  # nothing can take it: the executor says why, below
        measured: dict[int, int] = {}

        async def impact(amt: int) -> int:
            if amt not in measured:
                try:
                    measured[amt] = await self.quotes.sell_impact_bps(m, amt, h.current_sell_tax, self.block)
                except ChainError:
                    measured[amt] = 10_000  # this pool cannot take the amount at all: as bad as it gets
            return measured[amt]

        if sale is not None and plan.budgeted:
            # shrink to the impact budget; a pool too thin for even a sliver still gets a sliver
            amount = await fit_slice(amount, budget, impact) or max(1, amount // 10)
        amount = max(1, min(amount, pos.size))
        slice_impact = await impact(amount)
        try:
            fill = await self.executor.sell(
                m, amount, sell_tax_bps=h.current_sell_tax, block=self.block, gas_price=self.gas_price
            )
        except ChainError as err:
            if await self._pool_vanished(m.pool):
                await self._vanished(pos, h, m.pool)
                return
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
        plan.fills += 1
        if self.guard is not None:
            self.guard.record_trade(
                fill.gas_cost, closed_pnl=pos_after.realised_pnl - pnl_before, token=pos.token
            )
        closed = pos_after.status == "closed"
        if not closed:
            crashpoint("between_slices")
        h.exiting, h.exit_detail = ("", "") if closed else (rule, detail)
        if closed:
            self.holdings.pop(pid, None)
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
            block_number=self.block,
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
        self._publish_fill(
            pos_after,
            trade.id or 0,
            "sell",
            fill.amount_in,
            fill.amount_out,
            fill.gas_cost,
            rule,
            fill.quoted_out,
            fill.l1_fee,
        )

    async def _pool_vanished(self, pool: str) -> bool:
        try:
            code = await self.rt.client.request("eth_getCode", [pool, "latest"])
        except ChainError:
            return False  # cannot tell: treat it as a failed sale, retried next block
        return code in (None, "", "0x")

    async def _vanished(self, pos: Position, h: Holding, pool: str) -> None:
        """Say once that the pool is gone and stop valuing and selling the position, instead of failing
        every block: a position whose pool has no code cannot be priced or sold on this chain."""
        h.vanished, h.exiting, h.plan = True, "", None
        self.portfolio.mark(pos.id or 0, 0, self.block)
        await self.thoughts.record(
            "hold",
            f"{pos.symbol}'s pool {pool} has no code on this chain: it vanished. The position cannot be "
            "valued or sold here; it is kept at 0 and no longer retried.",
            token=pos.token,
            symbol=pos.symbol,
            block_number=self.block,
            confidence=1.0,
            evidence={"pool": pool, "position_id": pos.id},
        )
        self.bus.publish(_position_event(pos, 0, "pool vanished"))

    def _publish_fill(
        self,
        pos: Position,
        trade_id: int,
        side: str,
        a_in: int,
        a_out: int,
        gas: int,
        reason: str,
        quoted: int = 0,
        l1_fee: int = 0,
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
                l1_fee=l1_fee,
                reason=reason,
                quoted_out=quoted,
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
