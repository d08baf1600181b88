"""Booking, at start, the trades the chain has and the books do not: a process killed between a swap's
broadcast and its booking (or between the ledger write and the broadcast, whose bytes the start-up
reconcile then sent) leaves a transaction that landed with no trade row behind it.

The ledger knows every transaction the wallet signed and the trade rows name every hash that was booked,
so the difference is exactly what is missing, and it is booked from the receipt, never from a quote:
tokens by their Transfer logs, ETH by the router's WETH Deposit / Withdrawal, the pool by its Swap log,
gas as the receipt paid it. An approval is booked with its sell (as the executor books one trade's
bill), or, when the process died before that sell was sent, as a failed sell that paid gas. Its sell is
the first sell of the same token after it, not the next nonce: trades run in flight side by side, so other
tokens' transactions take the nonces in between (one trade per token at a time keeps that first sell its
own). Booking in nonce order and only the unbooked makes a second start after a crash here harmless."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from dexbot.chain.dex.events import V2_SWAP, V3_SWAP
from dexbot.chain.receipt_logs import (
    TRANSFER,
    block_of,
    succeeded,
    token_flow,
    weth_unwrapped,
    weth_wrapped,
)
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import token_meta
from dexbot.engine.execution.live.book import record_failed
from dexbot.engine.execution.live.tx import Bill
from dexbot.engine.execution.types import Fill, Market
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store import repo
from dexbot.store.models import TxLedger

RECOVERED = "recovered"


@dataclass(frozen=True)
class Landed:
    """One landed ledger entry with its receipt."""

    entry: TxLedger
    receipt: dict[str, Any]

    @property
    def ok(self) -> bool:
        return succeeded(self.receipt)

    @property
    def to(self) -> str:
        return str(self.receipt.get("to") or "")


def _checksum(address: str) -> str:
    """As the engine names tokens and pools everywhere (the node's logs and receipts are lower case)."""
    return str(to_checksum_address(address)) if address else ""


def _moved_token(receipt: dict[str, Any], wallet: str, weth: str) -> str:
    """The token (not WETH) a Transfer log moved to or from ``wallet``; "" when none did."""
    me = "0x" + wallet.lower().removeprefix("0x").rjust(64, "0")
    for log in receipt.get("logs", []):
        topics = [str(t).lower() for t in log.get("topics", [])]
        mine = len(topics) == 3 and topics[0] == TRANSFER and me in topics[1:]
        if mine and str(log["address"]).lower() != weth.lower():
            return _checksum(log["address"])
    return ""


def _pool(receipt: dict[str, Any]) -> tuple[str, str]:
    """(pool, dex) of the swap's Swap log."""
    for log in receipt.get("logs", []):
        t0 = str((log.get("topics") or [""])[0]).lower()
        if t0 in (V2_SWAP, V3_SWAP):
            return _checksum(log["address"]), "uniswap_v2" if t0 == V2_SWAP else "uniswap_v3"
    return "", ""


class Recovery:
    """Books the unbooked landed transactions of one live wallet (``book`` at start)."""

    def __init__(
        self,
        pf: Portfolio,
        thoughts: ThoughtLog,
        client: RpcClient,
        wallet: str,
        weth: str,
        multicall: str,
        l1_fee: Callable[[str, dict[str, Any]], Awaitable[int]],
    ) -> None:
        """``l1_fee``: the OP-stack L1 data fee of a landed transaction (hash, receipt), as the runner
        prices its own (TxRunner._l1_fee), so a recovered trade costs what a booked one would."""
        self.pf, self.thoughts, self.client = pf, thoughts, client
        self.wallet, self.weth, self.multicall = wallet, weth, multicall
        self.l1_fee = l1_fee

    async def _bill(self, *parts: Landed | None) -> Bill:
        bill = Bill()
        for part in parts:
            if part is not None:
                bill.add(part.receipt, await self.l1_fee(part.entry.tx_hash, part.receipt))
        return bill

    def _token(self, item: Landed) -> str:
        """The token an approval is for or a swap moved (lower case); "" for anything else."""
        if item.entry.purpose == "approve":
            return item.to.lower()
        if item.entry.purpose in ("buy", "sell"):
            return _moved_token(item.receipt, self.wallet, self.weth).lower()
        return ""

    async def _unbooked(self) -> list[Landed]:
        acct = self.pf.account
        landed, booked = await asyncio.gather(
            asyncio.to_thread(
                repo.ledger_landed, self.pf.db, acct.chain_id, acct.genesis_hash, self.wallet, acct.instance
            ),
            asyncio.to_thread(repo.trade_hashes, self.pf.db, acct.id or 0),
        )
        todo = [e for e in landed if e.tx_hash not in booked and e.replaces not in booked]
        if not todo:
            return []
        receipts = await self.client.batch([("eth_getTransactionReceipt", [e.tx_hash]) for e in todo])
        items = [Landed(e, r) for e, r in zip(todo, receipts, strict=True) if isinstance(r, dict)]
        token = {i.entry.tx_hash: self._token(i) for i in items}
        for e in landed:  # a booked one: the token its trade row is for
            token.setdefault(e.tx_hash, booked.get(e.tx_hash) or booked.get(e.replaces) or "")

        def sold_by_the_books(a: Landed) -> bool:
            """The approval's sell (the token's first after it) is booked: its bill had this gas."""
            t = token[a.entry.tx_hash]
            sell = next(
                (
                    e
                    for e in landed
                    if e.nonce > a.entry.nonce and e.purpose == "sell" and token[e.tx_hash] == t
                ),
                None,
            )
            return sell is not None and (sell.tx_hash in booked or sell.replaces in booked)

        return [i for i in items if not (i.entry.purpose == "approve" and i.ok and sold_by_the_books(i))]

    async def book(self) -> int:
        """Book every landed transaction the trade rows do not name; returns how many were booked."""
        todo = await self._unbooked()
        sold = {self._token(i) for i in todo if i.entry.purpose == "sell" and i.ok}
        approvals: dict[str, Landed] = {}  # token -> its approval, waiting for its sell
        for item in todo:
            e, token = item.entry, self._token(item)
            if e.purpose == "approve" and item.ok and token in sold and token not in approvals:
                approvals[token] = item
            elif e.purpose == "approve" and item.ok:
                await self._gas_only(item, "approval; its sell was never sent")
            elif e.purpose in ("buy", "sell") and item.ok:
                await self._swap(item, approvals.pop(token, None) if e.purpose == "sell" else None)
            else:
                await self._gas_only(item, f"{e.purpose or 'transaction'} {e.status}")
        for approval in approvals.values():  # its token's sell came before it: not its own
            await self._gas_only(approval, "approval; its sell was never sent")
        return len(todo)

    async def _swap(self, item: Landed, approval: Landed | None) -> None:
        r, e = item.receipt, item.entry
        token = _moved_token(r, self.wallet, self.weth)
        pool, dex = _pool(r)
        pos = self.pf.position_for(token) if token and e.purpose == "sell" else None
        if not token or not pool or (e.purpose == "sell" and pos is None):
            await self._gas_only(item, f"{e.purpose} without a position to book it on", approval)
            return
        bill = await self._bill(approval, item)
        got, sent = token_flow(r, token, self.wallet)
        buy = e.purpose == "buy"
        fill = Fill(
            side=e.purpose,
            token=token,
            pool=pool,
            dex=dex,
            amount_in=weth_wrapped(r, self.weth, item.to) if buy else sent,
            amount_out=got if buy else weth_unwrapped(r, self.weth, item.to),
            quoted_out=0,  # the quote died with the process; the fill is the chain's
            gas_used=bill.gas_used,
            gas_cost=bill.gas_cost,
            block_number=block_of(r),
            tx_hash=e.tx_hash,
            l1_fee=bill.l1_fee,
        )
        if buy:
            # read at the head: a symbol and decimals do not change, and the fill's block may be older
            # than the state the node keeps (a restart that took longer than its history)
            head = await self.client.block_number()
            meta = await token_meta(self.client, token, head, multicall=self.multicall)
            pos, trade = await self.pf.apply_buy(fill, symbol=meta.symbol, decimals=meta.decimals)
        else:
            assert pos is not None
            pos, trade = await self.pf.apply_sell(pos.id or 0, fill, reason=RECOVERED)
        await self.thoughts.record(
            "hold",
            f"Recovered a {fill.side} of {pos.symbol} the chain has and the books did not (the process "
            f"stopped before booking it): transaction {e.tx_hash} in block {fill.block_number}, "
            f"{fill.amount_in} in, {fill.amount_out} out, {fill.gas_cost} wei gas; booked as trade "
            f"{trade.id}.",
            token=token,
            symbol=pos.symbol,
            block_number=fill.block_number,
            confidence=1.0,
            evidence={"tx_hash": e.tx_hash, "trade_id": trade.id, "position_id": pos.id},
        )

    async def _gas_only(self, item: Landed, why: str, approval: Landed | None = None) -> None:
        """A landed transaction that swapped nothing (an approval alone, a revert, a cancel): its gas, with
        the gas of the approval made for it when it is a sell."""
        e, r = item.entry, item.receipt
        bill = await self._bill(approval, item)
        side = "buy" if e.purpose == "buy" else "sell"
        token = _checksum(item.to) if e.purpose == "approve" else _moved_token(r, self.wallet, self.weth)
        m = Market(token, "", "")
        await record_failed(
            self.pf,
            side=side,
            m=m,
            amount_in=0,
            quoted_out=0,
            bill=bill,
            status="reverted" if e.status == "reverted" else "failed",
            tx_hash=e.tx_hash,
            block=block_of(r),
            reason=f"{RECOVERED}: {why}",
        )
        await self.thoughts.record(
            "hold",
            f"Recovered transaction {e.tx_hash} (nonce {e.nonce}, {why}): it paid {bill.gas_cost} wei gas "
            "the books did not have; booked as a failed trade.",
            block_number=block_of(r),
            evidence={"tx_hash": e.tx_hash, "gas_cost": bill.gas_cost},
        )
