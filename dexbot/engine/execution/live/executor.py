"""The live executor: the paper executor's interface, with real transactions.

A buy or sell is: the exact quote (the same QuoteSource the paper fills use) → ``amountOutMin`` = that
net quote less the intel level's slippage tolerance → a deadline → for sells, an approval of exactly the
amount if the allowance falls short → simulate → sign, write to the ledger, send (the Sender; EIP-1559
fees from the gas oracle at the level's urgency; through the private send URL when one is configured)
→ receipt. The fill is recorded from the receipt, never from the quote: tokens by their Transfer logs
to the wallet (after any tax), ETH by the router's WETH Deposit (buys) and Withdrawal (sells), gas as
gasUsed × effectiveGasPrice (+ the L1 data fee) summed over every transaction the trade needed.

Money: live mode trades the wallet's native ETH. Buys send ETH (the router wraps it), sells unwrap back
to ETH, so the live account's cash is the wallet's ETH balance, read from the chain at start, and after
every trade it still equals the wallet to the wei. V2 swaps always use the
``…SupportingFeeOnTransferTokens`` functions: they check what really arrived, so a token with an
unknown or changed tax cannot make a fill lie. Nothing here front-runs or sandwiches anyone: it only
swaps for itself at the quoted price within its own tolerance.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from dexbot.chain.approvals import allowance, approve_calldata
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.receipt_logs import block_of, token_flow, weth_unwrapped, weth_wrapped
from dexbot.chain.sender import Sender
from dexbot.chain.tokens import eth_balance
from dexbot.chain.txtypes import Fees, TxOutcome, TxRequest
from dexbot.core.crashpoints import crashpoint
from dexbot.core.errors import ChainError
from dexbot.core.units import fmt_units
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.breakers.observations import Observations, WalletObs
from dexbot.engine.execution.live.book import (
    adopt_wallet,
    reconcile_closed,
    reconcile_position,
    record_failed,
)
from dexbot.engine.execution.live.calls import router_of
from dexbot.engine.execution.live.rebook import Rebook
from dexbot.engine.execution.live.recover import Recovery
from dexbot.engine.execution.live.stuck import StuckTxs
from dexbot.engine.execution.live.tx import Bill, LiveTradeFailed, TxRunner
from dexbot.engine.execution.orders import DEADLINE_S, chain_deadline, min_out, swap_request
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Fill, Market
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store.ledger import LedgerStore
from dexbot.store.models import Position, Trade

if TYPE_CHECKING:
    pass

RECEIPT_TIMEOUT_S = 120.0


class TradeRefused(ChainError):
    """A live trade refused before anything was signed (over the cap, over the cash, fees capped)."""


class LiveExecutor:
    mode = "live"

    def __init__(
        self,
        quotes: QuoteSource,
        sender: Sender,
        gas: GasOracle,
        portfolio: Portfolio,
        thoughts: ThoughtLog,
        guard: Observations,
        *,
        policy: Callable[[], IntelPolicy],
        max_trade_wei: int,
        deadline_s: int = DEADLINE_S,
        receipt_timeout_s: float = RECEIPT_TIMEOUT_S,
        books: asyncio.Lock | None = None,
    ) -> None:
        """``books``: the lock every change to the books is made under; a trade runs beside the engine's
        loop, so what it books itself (reconciliations, the gas of a failed trade) waits for the loop's
        block to end (the engine passes its loop lock)."""
        self.quotes, self.client, self.addrs = quotes, quotes.client, quotes.addrs
        self.sender, self.gas = sender, gas
        self.portfolio, self.thoughts, self.guard = portfolio, thoughts, guard
        self.policy = policy
        self.max_trade_wei = max_trade_wei
        self.deadline_s = deadline_s
        self.address = sender.address
        self.runner = TxRunner(
            sender,
            timeout_s=receipt_timeout_s,
            on_outcome=guard.record_tx,
            l1_pricer=self._l1_fee,
            operator_pricer=self._operator_fee,
        )
        self.unreconciled: dict[str, int] = {}  # token -> block of its last fill
        self.books = books or asyncio.Lock()
        self.trading = 0  # buys and sells under way: each settles its own transactions
        self.bills: list[Bill] = []  # of the trades under way: every transaction each has sent
        self.reorgs = 0  # reorgs seen: a trade under way across one bills its receipts again
        ledger = sender.ledger
        assert isinstance(ledger, LedgerStore)
        self.rebook = Rebook(sender, ledger, thoughts, self._recovery)
        self.stuck = StuckTxs(self.runner, gas, thoughts, policy, self._fees)

    # -- the executor interface ---------------------------------------------------------------------------

    async def buy(
        self,
        m: Market,
        weth_in: int,
        *,
        buy_tax_bps: int,
        block: int,
        gas_price: int,
        contested: bool = False,
    ) -> Fill:
        """``contested``: a race for the place is known (a pair's first blocks): the fast lane pays for it."""
        self.trading += 1
        bill = Bill()
        self.bills.append(bill)
        try:
            return await self._buy(
                m, weth_in, buy_tax_bps=buy_tax_bps, block=block, contested=contested, bill=bill
            )
        finally:
            self.trading -= 1
            self.bills.remove(bill)

    async def sell(
        self,
        m: Market,
        tokens_in: int,
        *,
        sell_tax_bps: int,
        block: int,
        gas_price: int,
        held: int | None = None,
    ) -> Fill:
        self.trading += 1
        bill = Bill()
        self.bills.append(bill)
        try:
            return await self._sell(m, tokens_in, sell_tax_bps=sell_tax_bps, block=block, bill=bill)
        finally:
            self.trading -= 1
            self.bills.remove(bill)

    async def _buy(
        self, m: Market, weth_in: int, *, buy_tax_bps: int, block: int, contested: bool, bill: Bill
    ) -> Fill:
        """Spend at most ``weth_in`` of the wallet's ETH on ``m.token``: all of it, unless a V3 pool runs
        out of liquidity first (the router refunds the rest; the fill's ``amount_in`` is what it wrapped)."""
        async with self.books:
            await self.reconcile_filled()
        self._check_buy(weth_in)
        p = await self.quotes.buy(m, weth_in, buy_tax_bps, block)
        deadline = await self._deadline(block)
        least = self.min_out(p.net_out)
        req = swap_request(self.addrs, m, "buy", weth_in, least, self.address, deadline, quoted_out=p.net_out)
        fees = await self._fees(block, contested=contested)
        try:
            receipt = await self.runner.run(req, fees, block=block, bill=bill)
        except LiveTradeFailed as err:
            async with self.books:
                await self._failed("buy", m, weth_in, p.net_out, bill, err, block)
            raise
        crashpoint("after_receipt.buy")
        got, _ = token_flow(receipt, m.token, self.address)
        spent = weth_wrapped(receipt, self.addrs.weth, router_of(self.addrs, m)) or weth_in
        self.guard.record_fill(m.token, p.net_out, got)
        return Fill(
            side="buy",
            token=m.token,
            pool=m.pool,
            dex=m.dex,
            amount_in=spent,
            amount_out=got,
            quoted_out=p.net_out,
            gas_used=bill.gas_used,
            gas_cost=bill.gas_cost,
            block_number=block_of(receipt),
            block_hash=str(receipt.get("blockHash") or ""),
            tx_hash=str(receipt["transactionHash"]),
            l1_fee=bill.l1_fee,
        )

    async def _sell(self, m: Market, tokens_in: int, *, sell_tax_bps: int, block: int, bill: Bill) -> Fill:
        """Sell exactly ``tokens_in`` for ETH (approving exactly that amount first when needed)."""
        if tokens_in <= 0:
            raise TradeRefused(f"sell of {tokens_in} units of {m.token}: nothing to sell")
        async with self.books:
            await self.reconcile_filled()
        p = await self.quotes.sell(m, tokens_in, sell_tax_bps, block)
        router = router_of(self.addrs, m)
        req = swap_request(
            self.addrs,
            m,
            "sell",
            tokens_in,
            self.min_out(p.net_out),
            self.address,
            await self._deadline(block),
            quoted_out=p.net_out,
        )
        fees = await self._fees(block)
        reorgs = self.reorgs
        try:
            if await allowance(self.client, m.token, self.address, router, "pending") < tokens_in:
                approve = TxRequest(m.token, approve_calldata(router, tokens_in), purpose="approve")
                await self.runner.run(approve, fees, block=block, bill=bill)
                crashpoint("after_receipt.approve")
            receipt = await self.runner.run(req, fees, block=block, bill=bill)
        except LiveTradeFailed as err:
            await self._rebill(bill, reorgs)
            async with self.books:
                await self._failed("sell", m, tokens_in, p.net_out, bill, err, block)
            raise
        await self._rebill(bill, reorgs)
        crashpoint("after_receipt.sell")
        _, sent = token_flow(receipt, m.token, self.address)
        received = weth_unwrapped(receipt, self.addrs.weth, router)
        self.guard.record_fill(m.token, p.net_out, received)
        return Fill(
            side="sell",
            token=m.token,
            pool=m.pool,
            dex=m.dex,
            amount_in=sent or tokens_in,
            amount_out=received,
            quoted_out=p.net_out,
            gas_used=bill.gas_used,
            gas_cost=bill.gas_cost,
            block_number=block_of(receipt),
            block_hash=str(receipt.get("blockHash") or ""),
            tx_hash=str(receipt["transactionHash"]),
            l1_fee=bill.l1_fee,
        )

    # -- around the trades ----------------------------------------------------------------------------------

    async def start(self, block: int) -> None:
        """At engine start: ``settle``, then ``adopt``."""
        await self.settle(block)
        await self.adopt(block)

    async def settle(self, block: int) -> None:
        """Settle what the ledger left open (a crash mid-send: found on chain, or its signed bytes sent,
        once, and waited for), then book every landed transaction the books do not name (a crash between
        a receipt and its booking; see recover.py)."""
        for out in await self.sender.reconcile():
            if not out.final:  # in the pool, or broadcast just now: its outcome decides what to book
                await self.thoughts.record(
                    "hold",
                    f"Ledger at start: transaction {out.tx_hash} (nonce {out.nonce}) from the last run "
                    f"is not mined yet; waiting up to {self.runner.timeout_s:.0f} s for it before trading.",
                    block_number=block,
                    evidence={"tx_hash": out.tx_hash, "status": out.status},
                )
                out = await self._settle_open(out.tx_hash, out.nonce, block)
            await self.thoughts.record(
                "hold",
                f"Ledger at start: transaction {out.tx_hash} (nonce {out.nonce}) is {out.status}"
                + (f" ({out.reason})" if out.reason else "")
                + ".",
                block_number=block,
                evidence={"tx_hash": out.tx_hash, "status": out.status},
            )
        await self._recovery().book()

    async def adopt(self, block: int) -> None:
        """After ``settle`` (and the engine taking back what a reorg while stopped took away, booked again
        or sent again): adopt the wallet's ETH as the cash and reconcile every open position with its
        token balance, at the head after all that. A transaction sent again that has landed is booked
        first (the wallet has paid it); one still pending has not moved the wallet yet."""
        if self.rebook.held:
            await self.rebook.look()
        # what settled and was booked just now may have landed after ``block``: compare from the head
        block = max(block, int(await self.client.request("eth_blockNumber", []), 16))
        balance = await eth_balance(self.client, self.address, block)
        await adopt_wallet(self.portfolio, self.thoughts, self.address, balance, block)
        for pos in list(self.portfolio.open_positions()):
            await self.reconcile(pos, block)

    def _recovery(self, cause: str = "the process stopped before booking it") -> Recovery:
        return Recovery(
            self.portfolio,
            self.thoughts,
            self.client,
            self.address,
            self.addrs.weth,
            self.addrs.multicall3,
            self.runner.fees,
            cause=cause,
        )

    async def on_reorg(self, undone: list[Trade], ancestor: int, block: int) -> None:
        """A reorg back to ``ancestor`` took ``undone`` out of the books (engine/reorged.py): book again
        what the new chain has, send again and hold what it lacks (live/rebook.py)."""
        self.reorgs += 1
        # a fill taken back is not to be reconciled at its block: on the new chain that block lacks it,
        # and the position the rebook opens would read as a wallet without its tokens
        self.unreconciled = {t: b for t, b in self.unreconciled.items() if b <= ancestor}
        busy = {h for bill in self.bills for h in bill.sent}
        await self.rebook.after_reorg(undone, ancestor, block, busy=frozenset(busy))

    async def _rebill(self, bill: Bill, reorgs: int) -> None:
        """A reorg came while the trade was under way (``reorgs``: the count when it began): its earlier
        transactions are billed again from the chain (TxRunner.rebill)."""
        if reorgs != self.reorgs:
            await self.runner.rebill(bill)

    def unconfirmed(self, token: str) -> bool:
        """A trade of ``token`` taken back by a reorg is not on chain again yet: not to be traded."""
        return token.lower() in self.rebook.tokens()

    async def _settle_open(self, tx_hash: str, nonce: int, block: int) -> TxOutcome:
        """Wait for a transaction left open by the last run; one still without a receipt stays pending
        (the stuck-transaction breaker watches it) and its trade is booked at a later start."""
        out = await self.sender.wait(tx_hash, timeout_s=self.runner.timeout_s)
        if not out.final:
            self.runner._track(tx_hash, nonce, block)
        return out

    async def reconcile(self, pos: Position, block: int) -> int:
        """The position against the wallet's token balance at ``block`` (the chain wins)."""
        return await reconcile_position(self.portfolio, self.thoughts, self.client, self.address, pos, block)

    def booked(self, fill: Fill) -> None:
        """The desk has booked ``fill``: its token is reconciled with the wallet at the fill's block on
        the next tick (first thing, before exits and entries) or before the next trade, whichever is
        first. Not before the booking: a reconciliation of a fill not yet booked would see the chain
        disagree with a position that is only about to change."""
        self.unreconciled[fill.token] = fill.block_number

    async def reconcile_filled(self) -> None:
        """Reconcile the tokens whose fills were booked since the last call, at the block of their last
        fill (see ``booked``)."""
        while self.unreconciled:
            token, block = next(iter(self.unreconciled.items()))
            pos = self.portfolio.position_for(token)
            if pos is not None:
                await self.reconcile(pos, block)
            else:
                await reconcile_closed(self.thoughts, self.client, self.address, token, block)
            self.unreconciled.pop(token, None)

    async def observe(self) -> WalletObs:
        """What the wallet-balance, nonce and stuck-transaction breakers look at, read now (after
        reconciling the last trades' positions)."""
        await self.reconcile_filled()
        if self.rebook.held:
            await self.rebook.look()
        if self.runner.pending and not self.trading:  # two waiters on one nonce would race its settling
            await self.runner.settle_pending()
        since = (self.runner.sends, self.runner.sending)
        ledger_nonce = self.runner.next_nonce
        balance, nonce = await self.client.batch(
            [
                ("eth_getBalance", [self.address, "latest"]),
                ("eth_getTransactionCount", [self.address, "pending"]),
            ]
        )
        for answer in (balance, nonce):
            if isinstance(answer, Exception):
                raise answer
        return WalletObs(
            balance=int(balance, 16),
            chain_nonce=int(nonce, 16),
            ledger_nonce=ledger_nonce if self.runner.quiet(since) else None,  # None: not comparable now
            pending=tuple(self.runner.pending.values()),
        )

    # -- pieces ---------------------------------------------------------------------------------------------

    def min_out(self, net_quote: int) -> int:
        """``amountOutMin``: the exact net quote less the intel level's slippage tolerance (rounded down)."""
        return min_out(net_quote, self.policy().max_slippage_bps)

    def _check_buy(self, weth_in: int) -> None:
        cap = self.max_trade_wei
        if weth_in <= 0:
            raise TradeRefused(f"buy of {weth_in} wei: nothing to spend")
        if weth_in > cap:
            raise TradeRefused(
                f"buy of {fmt_units(weth_in, 18, 6)} ETH is over the per-trade cap mode.max_trade_eth = "
                f"{fmt_units(cap, 18, 6)}: refused, nothing sent"
            )
        if weth_in > self.portfolio.cash:
            raise TradeRefused(
                f"buy of {fmt_units(weth_in, 18, 6)} ETH is more than the wallet's "
                f"{fmt_units(self.portfolio.cash, 18, 6)} ETH: refused, nothing sent"
            )

    async def _l1_fee(self, raw_tx: bytes, block: int) -> int:
        return await self.gas.l1_fee_signed(raw_tx, block=hex(block))

    async def _operator_fee(self, gas_used: int, block: int) -> int:
        return await self.gas.operator_fee(gas_used, block=hex(block))

    async def _deadline(self, block: int) -> int:
        return await chain_deadline(self.client, block, self.deadline_s)

    async def _fees(self, block: int, *, contested: bool = False) -> Fees:
        s = await self.gas.suggest(self.policy().gas_urgency, head=block, contested=contested)
        if s.below_base_fee:
            raise TradeRefused(
                f"the gas ceiling (gas.max_fee_gwei) of {s.max_fee_per_gas} wei is below the next base fee "
                f"{s.base_fee} wei: the transaction could not be included; nothing sent"
            )
        return Fees(s.max_fee_per_gas, s.max_priority_fee_per_gas)

    async def _failed(
        self, side: str, m: Market, amount_in: int, quoted: int, bill: Bill, err: LiveTradeFailed, block: int
    ) -> None:
        """Gas paid by a trade that did not happen is still money gone: book it (cash, trade row)."""
        status = "reverted" if err.status == "reverted" else "failed"
        trade = await record_failed(
            self.portfolio,
            side=side,
            m=m,
            amount_in=amount_in,
            quoted_out=quoted,
            bill=bill,
            status=status,
            tx_hash=err.tx_hash or bill.last_hash,  # a sell refused after its approval: the approval's
            block=bill.block or block,
            reason=err.cause,
        )
        if trade is not None:
            self.guard.record_trade(bill.gas_cost)
