"""Gathers, once per block, what the circuit breakers look at (portfolio, chain, gas, RPC, market,
trades) into a BreakerContext. Windows are kept here as raw time-stamped observations; the breakers do
the windowing themselves. In live mode the executor also reports every transaction's outcome and every
fill's quote-vs-receipt amounts here, and the service hands over a wallet observation each tick."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dexbot.chain.dex.uniswap_v2.pair import GET_RESERVES
from dexbot.chain.dex.uniswap_v3.pool import SLOT0
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError
from dexbot.engine.breakers.context import (
    BreakerContext,
    ClosedTrade,
    FillSlippage,
    HeldToken,
    PendingTx,
    PoolObs,
    TxStatusAt,
)
from dexbot.engine.market.view import MarketView, PoolInfo
from dexbot.engine.portfolio import Portfolio

RPC_WINDOW_S = 300.0
RECENT_FEES = 30
RECENT_PRICES = 20


@dataclass(frozen=True)
class WalletObs:
    """The live wallet as the chain shows it this tick (live mode only)."""

    balance: int  # ETH wei at the latest block
    chain_nonce: int  # eth_getTransactionCount(wallet, "pending")
    ledger_nonce: int | None  # next nonce by what this run sent; None before its first send
    pending: tuple[PendingTx, ...] = ()
    booked: bool = True  # every trade sent is booked: only then can the balance be held against the books


class Observations:
    """What the breakers look at, collected as it happens and handed over as one BreakerContext per block
    (formerly ``Guard``: it guards nothing itself, the breakers decide)."""

    def __init__(
        self,
        client: RpcClient,
        portfolio: Portfolio,
        chain_id: int,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock``: the engine's chain time (engine.clock), which every window here is measured in."""
        self.client = client
        self.clock = clock
        self.portfolio = portfolio
        self.chain_id = chain_id
        self.chain_id_observed = chain_id
        self.base_fees: deque[int] = deque(maxlen=RECENT_FEES)
        self.l1_fees: deque[int] = deque(maxlen=RECENT_FEES)
        self.closed: deque[ClosedTrade] = deque(maxlen=500)
        self.trade_times: deque[float] = deque(maxlen=500)
        self.gas_by_day: dict[str, int] = {}
        self.day = ""
        self.day_start_equity = 0
        self.reorg_depth = 0
        self.db_write_error = ""
        self.txs: deque[TxStatusAt] = deque(maxlen=500)
        self.fills: deque[FillSlippage] = deque(maxlen=500)
        self.wallet: WalletObs | None = None
        self.rpc_disagreement = ""  # the last quorum read's refusal; "" once a quorum agrees again
        self._rpc_samples: deque[tuple[float, int, int]] = deque()

    def record_trade(self, gas_cost: int, *, closed_pnl: int | None = None, token: str = "") -> None:
        now = self.clock()
        self.trade_times.append(now)
        day = _day(now)
        self.gas_by_day[day] = self.gas_by_day.get(day, 0) + gas_cost
        if closed_pnl is not None:
            self.closed.append(ClosedTrade(now, token, closed_pnl))

    def record_tx(self, status: str) -> None:
        """A live transaction's end: mined, reverted, or failed (never mined)."""
        self.txs.append(TxStatusAt(self.clock(), status))

    def record_fill(self, token: str, quoted_out: int, amount_out: int) -> None:
        """A live fill: the exact quote that set amountOutMin against what the receipt delivered."""
        self.fills.append(FillSlippage(self.clock(), token, quoted_out, amount_out))

    async def confirm_pool(self, pool: str, dex: str, block: int, quorum: int) -> str:
        """Do ``quorum`` endpoints give the same state of ``pool`` at ``block``? "" when they do (or no
        quorum is configured), else why not: then no trade may rest on that pool's numbers, and the
        rpc_disagree breaker sees it on the next tick."""
        if quorum <= 1:
            return ""
        data = "0x" + (GET_RESERVES if dex == "uniswap_v2" else SLOT0).hex()
        try:
            await self.client.quorum_request(
                "eth_call", [{"to": pool, "data": data}, hex(block)], quorum=quorum
            )
        except ChainError as err:
            self.rpc_disagreement = str(err)
            return self.rpc_disagreement
        self.rpc_disagreement = ""
        return ""

    def _rpc_window(self, now: float) -> tuple[int, int]:
        requests = sum(ep.requests for ep in self.client.endpoints)
        errors = sum(ep.errors for ep in self.client.endpoints)
        self._rpc_samples.append((now, requests, errors))
        while self._rpc_samples and now - self._rpc_samples[0][0] > RPC_WINDOW_S:
            self._rpc_samples.popleft()
        _, r0, e0 = self._rpc_samples[0]
        return requests - r0, errors - e0

    def context(
        self,
        *,
        block: int,
        block_ts: int,
        base_fee: int,
        view: MarketView,
        held: list[HeldToken],
        hostile_seen: list[float],
        kill_switch: bool,
        l1_fee: int | None = None,
    ) -> BreakerContext:
        now = self.clock()
        snap = self.portfolio.snapshot()
        day = _day(now)
        if day != self.day:
            self.day, self.day_start_equity = day, snap.equity
        if base_fee:
            self.base_fees.append(base_fee)
        if l1_fee:
            self.l1_fees.append(l1_fee)
        rpc_requests, rpc_errors = self._rpc_window(now)
        reorg, self.reorg_depth = self.reorg_depth, 0
        by_token: dict[str, list[PoolInfo]] = {}  # once per block, not once per pool
        for i in view.pools.values():
            by_token.setdefault(i.token, []).append(i)
        pools = tuple(
            PoolObs(
                pool=i.pool,
                token=i.token,
                symbol=i.symbol,
                price=i.price,
                liquidity=i.liquidity_wei,
                peak_liquidity=i.peak_liquidity_wei,
                recent_prices=_recent_prices(i),
                reference_price=_reference(by_token[i.token], i.pool),
            )
            for i in view.pools.values()
            if i.history
        )
        ctx = BreakerContext(
            now=now,
            snapshot=snap,
            day_start_equity=self.day_start_equity,
            chain_id_expected=self.chain_id,
            chain_id_observed=self.chain_id_observed,
            block_number=block,
            block_timestamp=block_ts,
            reorg_depth=reorg,
            base_fee=base_fee,
            recent_base_fees=tuple(self.base_fees)[:-1],
            l1_fee=l1_fee,
            recent_l1_fees=tuple(self.l1_fees)[:-1] if l1_fee else tuple(self.l1_fees),
            gas_spent_today=self.gas_by_day.get(day, 0),
            closed_trades=tuple(self.closed),
            held=tuple(held),
            trade_times=tuple(self.trade_times),
            rpc_requests=rpc_requests,
            rpc_errors=rpc_errors,
            pools=pools,
            hostile_seen=tuple(hostile_seen),
            db_write_error=self.db_write_error,
            rpc_disagreement=self.rpc_disagreement,
            kill_switch=kill_switch,
            txs=tuple(self.txs),
            fills=tuple(self.fills),
        )
        w = self.wallet
        if w is None:
            return ctx
        return replace(
            ctx,
            pending_txs=w.pending,
            ledger_nonce=w.ledger_nonce,
            chain_nonce=w.chain_nonce,
            wallet_balance=w.balance if w.booked else None,
            expected_balance=snap.cash if w.booked else None,
        )


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _recent_prices(info: PoolInfo) -> tuple[int, ...]:
    """The prices of the last ``RECENT_PRICES`` samples but the newest, read from the end of the
    history (no copy of the whole window)."""
    h, n = info.history, len(info.history)
    return tuple(h[k][1] for k in range(max(0, n - RECENT_PRICES), n - 1))


def _reference(token_pools: list[PoolInfo], pool: str) -> int:
    """The same token's price on its deepest other pool (0 when it trades in one pool only)."""
    others = [p for p in token_pools if p.pool != pool and p.price]
    return max(others, key=lambda p: p.liquidity_wei).price if others else 0
