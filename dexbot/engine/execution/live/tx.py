"""One live transaction from request to receipt, with nothing left in limbo: a transaction without a
receipt in time is taken back (same-nonce 0-value self-transfer) and whichever of the two lands decides;
a speed-up that lands counts as the original; a cancel that lands is a failed trade whose gas was still
paid. Every outcome is reported (mined / reverted / failed) for the execution breakers, and the gas of
every transaction that reached a block is added to the trade's bill.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dexbot.chain.ledger_port import LedgerEntry, get_entry, open_entries
from dexbot.chain.receipt_logs import block_of, receipt_l1_fee, succeeded
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxOutcome, TxRejected, TxRequest
from dexbot.core.errors import ChainError, InputError, SimulationRevert
from dexbot.engine.breakers.context import PendingTx

CANCEL = "cancel"


class LiveTradeFailed(ChainError):
    """A live trade did not happen. ``status``: "reverted" (mined, reverted: gas paid), "failed" (never
    mined: refused by simulation or the node, dropped, or cancelled), "pending" (still unsettled)."""

    def __init__(self, message: str, *, status: str, cause: str, tx_hash: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.cause = cause  # a few words for the trade row's reason
        self.tx_hash = tx_hash


# What the chain charged a mined signed transaction as its L1 data fee, at a block (0 off OP-stack chains).
L1Pricer = Callable[[bytes, int], Awaitable[int]]


async def no_l1_fee(raw_tx: bytes, block: int) -> int:
    return 0


# What an OP-stack chain charged as operator fee (since Isthmus) for the gas a transaction used, at a block.
OperatorPricer = Callable[[int, int], Awaitable[int]]


async def no_operator_fee(gas_used: int, block: int) -> int:
    return 0


@dataclass(frozen=True)
class Paid:
    """What one mined transaction of a bill paid, and the block (hash) its receipt named."""

    block_hash: str
    gas_used: int
    gas_cost: int
    l1_fee: int
    operator_fee: int


@dataclass
class Bill:
    """Gas a trade has paid so far over all its transactions (approval, swap, a cancel): execution gas,
    the L1 data fee and the operator fee in ``gas_cost``, the L1 and operator parts also alone. Each
    transaction's part is kept, so one whose block a reorg replaced is billed again from the receipt
    the chain has now (``add`` of the same hash replaces its part)."""

    gas_used: int = 0
    gas_cost: int = 0
    l1_fee: int = 0
    operator_fee: int = 0
    block: int = 0  # of the last receipt
    last_hash: str = ""  # of the last receipt: what names the trade when its swap never landed
    parts: dict[str, Paid] = field(default_factory=dict)  # tx hash -> what it paid
    sent: list[str] = field(default_factory=list)  # every transaction sent for the trade, in order

    def add(
        self, receipt: dict[str, Any], l1_fee: int = 0, operator_fee: int = 0, *, last: bool = True
    ) -> None:
        """``last``: the receipt is the trade's newest (False: an earlier one billed again)."""
        used = int(receipt.get("gasUsed", "0x0"), 16)
        tx_hash = str(receipt.get("transactionHash", ""))
        cost = used * int(receipt.get("effectiveGasPrice", "0x0"), 16) + l1_fee + operator_fee
        self._less(tx_hash)
        self.parts[tx_hash] = Paid(str(receipt.get("blockHash") or ""), used, cost, l1_fee, operator_fee)
        self.gas_used += used
        self.gas_cost += cost
        self.l1_fee += l1_fee
        self.operator_fee += operator_fee
        if last:
            self.block = block_of(receipt)
            self.last_hash = tx_hash

    def _less(self, tx_hash: str) -> None:
        old = self.parts.pop(tx_hash, None)
        if old is not None:
            self.gas_used -= old.gas_used
            self.gas_cost -= old.gas_cost
            self.l1_fee -= old.l1_fee
            self.operator_fee -= old.operator_fee


class TxRunner:
    """Runs the live executor's transactions through the Sender and remembers what is in flight."""

    def __init__(
        self,
        sender: Sender,
        *,
        timeout_s: float,
        on_outcome: Callable[[str], None] | None = None,
        l1_pricer: L1Pricer = no_l1_fee,
        operator_pricer: OperatorPricer = no_operator_fee,
    ) -> None:
        self.sender = sender
        self.l1_pricer = l1_pricer
        self.operator_pricer = operator_pricer
        self.timeout_s = timeout_s
        self.on_outcome = on_outcome or (lambda status: None)
        self.pending: dict[str, PendingTx] = {}
        self.next_nonce: int | None = None  # what the ledger expects next, from this run's sends
        self.sends = 0  # sends begun (a send runs beside the loop: see ``quiet``)
        self.sending = 0  # sends under way

    def _track(self, tx_hash: str, nonce: int, block: int) -> None:
        self.pending[tx_hash] = PendingTx(tx_hash, nonce, block)
        self.next_nonce = max(self.next_nonce or 0, nonce + 1)

    async def _sent(self, send: Awaitable[LedgerEntry]) -> LedgerEntry:
        self.sends += 1
        self.sending += 1
        try:
            return await send
        finally:
            self.sending -= 1

    def quiet(self, since: tuple[int, int]) -> bool:
        """No send under way now, and none begun or under way at ``since`` (``(sends, sending)`` read
        earlier): the ledger's next nonce and the chain's can only be compared over such a stretch; a
        send beside the loop may have reached the node and not yet been tracked, or the reverse."""
        return since[1] == 0 and self.sending == 0 and self.sends == since[0]

    def _settled(self, nonce: int) -> None:
        self.pending = {h: p for h, p in self.pending.items() if p.nonce != nonce}

    async def run(self, req: TxRequest, fees: Fees, *, block: int, bill: Bill) -> dict[str, Any]:
        """Simulate, send and wait; the receipt of a successful transaction, else LiveTradeFailed."""
        what = req.purpose or "transaction"
        try:
            # Simulate and estimate in one round trip; the Sender's gas limit has the headroom a V2
            # swap estimated on a pending block needs (Sender.gas_limit).
            entry = await self._sent(self.sender.submit(req, fees))
        except SimulationRevert as err:
            self.on_outcome("failed")
            raise LiveTradeFailed(
                f"{what} refused before sending: the simulation reverted ({err.reason or err}); "
                "nothing was signed",
                status="failed",
                cause=f"{what} simulation reverted: {err.reason or 'no reason'}",
            ) from None
        except TxRejected as err:
            self.on_outcome("failed")
            raise LiveTradeFailed(
                f"{what} refused by the node: {err}", status="failed", cause=f"{what} rejected by the node"
            ) from None
        self._track(entry.tx_hash, entry.nonce, block)
        bill.sent.append(entry.tx_hash)
        out = await self.sender.wait(entry.tx_hash, timeout_s=self.timeout_s)
        if out.status == "sent":
            out = await self._take_back(entry.tx_hash, entry.nonce, fees, block)
        return await self._conclude(out, what, bill)

    async def _take_back(self, tx_hash: str, nonce: int, fees: Fees, block: int) -> TxOutcome:
        """No receipt in time: replace the nonce with a cancel and see which of the two lands."""
        try:
            cancel = await self._sent(self.sender.cancel(tx_hash, fees))
            self._track(cancel.tx_hash, nonce, block)
        except (InputError, TxRejected):
            pass  # settled meanwhile, or a cancel is already in flight
        return await self.sender.wait(tx_hash, timeout_s=self.timeout_s)

    async def _conclude(self, out: TxOutcome, what: str, bill: Bill) -> dict[str, Any]:
        if out.status == "sent":
            self.on_outcome("failed")
            raise LiveTradeFailed(
                f"{what} {out.tx_hash} (nonce {out.nonce}) has no receipt and neither has its cancel; "
                "the stuck-transaction breaker watches it",
                status="pending",
                cause=f"{what} has no receipt",
                tx_hash=out.tx_hash,
            )
        self._settled(out.nonce)
        if out.status == "dropped":
            self.on_outcome("failed")
            raise LiveTradeFailed(
                f"{what} {out.tx_hash} was dropped: {out.reason}",
                status="failed",
                cause=f"{what} dropped",
                tx_hash=out.tx_hash,
            )
        winner, replaced = out.tx_hash, out.status == "replaced"
        if replaced:
            winner = out.replaced_by
        receipt = await self.sender.client.request("eth_getTransactionReceipt", [winner])
        if not isinstance(receipt, dict):
            raise ChainError(f"{what}: the node lost the receipt of {winner}")
        bill.add(receipt, *await self.fees(winner, receipt))
        reason = out.reason or "reverted"
        if replaced:
            entry = await get_entry(self.sender.ledger, winner)
            reason = entry.error if entry is not None and entry.error else "reverted"
            if entry is None or entry.purpose == CANCEL:
                self.on_outcome("failed")
                raise LiveTradeFailed(
                    f"{what} {out.tx_hash} was cancelled: nonce {out.nonce} was taken back by the 0-value "
                    f"self-transfer {winner} in block {block_of(receipt)}",
                    status="failed",
                    cause=f"{what} cancelled",
                    tx_hash=out.tx_hash,
                )
        if not succeeded(receipt):
            self.on_outcome("reverted")
            raise LiveTradeFailed(
                f"{what} {winner} reverted on chain in block {block_of(receipt)}: {reason}",
                status="reverted",
                cause=f"{what} reverted: {reason}",
                tx_hash=winner,
            )
        self.on_outcome("mined")
        return receipt

    async def rebill(self, bill: Bill) -> None:
        """Each earlier transaction of ``bill`` (a sell's approval) whose receipt now names another block
        (a reorg replaced its block and the rebook sent it again) billed from the receipt the chain has
        now: its gas is what the wallet paid on this chain."""
        for tx_hash, paid in list(bill.parts.items()):
            if tx_hash == bill.last_hash:
                continue  # just read
            r = await self.sender.client.request("eth_getTransactionReceipt", [tx_hash])
            if isinstance(r, dict) and str(r.get("blockHash") or "") != paid.block_hash:
                bill.add(r, *await self.fees(tx_hash, r), last=False)

    async def fees(self, tx_hash: str, receipt: dict[str, Any]) -> tuple[int, int]:
        """(L1 data fee, operator fee) the mined transaction paid on top of its execution gas (0, 0 off
        OP-stack chains). The operator fee is the oracle's for the receipt's gas used, at its block."""
        used = int(receipt.get("gasUsed", "0x0"), 16)
        return await self._l1_fee(tx_hash, receipt), await self.operator_pricer(used, block_of(receipt))

    async def _l1_fee(self, tx_hash: str, receipt: dict[str, Any]) -> int:
        """The L1 data fee the mined transaction paid: the receipt's own figure where the node gives one,
        else the chain's oracle pricing the very bytes we signed (from the ledger) at the state the
        block started from."""
        reported = receipt_l1_fee(receipt)
        if reported is not None:
            return reported
        entry = await get_entry(self.sender.ledger, tx_hash)
        if entry is None:
            return 0
        return await self.l1_pricer(bytes.fromhex(entry.raw_tx.removeprefix("0x")), block_of(receipt) - 1)

    async def cancel_pending(self, fees: Fees | None, block: int) -> list[tuple[str, str]]:
        """Take back every open nonce of the wallet (the kill switch): one 0-value self-transfer per
        nonce, replacing the highest-paying transaction there. Returns (replaced, cancel) hashes."""
        entries = await open_entries(self.sender.ledger, self.sender.chain_id, self.sender.address)
        by_nonce: dict[int, list[Any]] = {}
        for e in entries:
            by_nonce.setdefault(e.nonce, []).append(e)
        done = []
        for nonce in sorted(by_nonce):
            group = by_nonce[nonce]
            if any(e.purpose == CANCEL for e in group):
                continue
            newest = max(group, key=lambda e: (e.max_fee_per_gas, e.max_priority_fee_per_gas))
            try:
                cancel = await self._sent(self.sender.cancel(newest.tx_hash, fees))
            except (InputError, TxRejected):
                continue  # it landed meanwhile
            self._track(cancel.tx_hash, nonce, block)
            done.append((newest.tx_hash, cancel.tx_hash))
        return done

    async def speed_up_stuck(self, fees: Fees, base_fee: int, block: int) -> list[tuple[str, str]]:
        """Send again, at ``fees``, every open nonce whose best-paying transaction offers less than
        ``base_fee``. Returns (replaced, speed-up) hashes."""
        entries = await open_entries(self.sender.ledger, self.sender.chain_id, self.sender.address)
        by_nonce: dict[int, list[Any]] = {}
        for e in entries:
            by_nonce.setdefault(e.nonce, []).append(e)
        done = []
        for nonce in sorted(by_nonce):
            newest = max(by_nonce[nonce], key=lambda e: (e.max_fee_per_gas, e.max_priority_fee_per_gas))
            if newest.max_fee_per_gas >= base_fee:
                continue
            try:
                new = await self._sent(self.sender.speed_up(newest.tx_hash, fees))
            except (InputError, TxRejected):
                continue  # it landed meanwhile
            self._track(new.tx_hash, nonce, block)
            done.append((newest.tx_hash, new.tx_hash))
        return done

    async def settle_pending(self) -> None:
        """One look at what is still in flight (after a timeout); settled nonces stop being pending."""
        first: dict[int, str] = {}
        for tx_hash, p in list(self.pending.items()):
            first.setdefault(p.nonce, tx_hash)
        for nonce in sorted(first):
            out = await self.sender.wait(first[nonce], timeout_s=0)
            if out.final:
                self._settled(nonce)
