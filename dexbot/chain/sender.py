"""Sending transactions signed locally: build → simulate → sign → write to the ledger → broadcast →
wait → classify, plus speed-up and cancel of a stuck transaction and the reconciliation at start.

The ledger write comes before the broadcast, always: a crash after it leaves a signed transaction that
``reconcile`` either finds on chain or broadcasts (the same bytes, so at most once); a crash before it
leaves nothing that was ever sent.
"""

from __future__ import annotations

from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from dexbot.chain.ledger_port import Ledger, LedgerEntry, get_entry
from dexbot.chain.nonce import NonceManager
from dexbot.chain.receipts import ReceiptTracker, TxClient, broadcast
from dexbot.chain.reverts import revert_reason
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.txtypes import Fees, TxOutcome, TxRejected, TxRequest, decode_raw, hex0x
from dexbot.core.crashpoints import crashpoint
from dexbot.core.errors import ChainError, InputError, SimulationRevert

GAS_MARGIN_BPS = 12_000  # estimate × 1.2, for costs that grow with the work done (loops, hops)
GAS_HEADROOM = 60_000  # plus a fixed amount, for branches that were cheaper when estimated
TRANSFER_GAS = 21_000
NONCE_RETRIES = 3


class ChainClient(TxClient, Protocol):
    """An RPC client that knows its chain id (``RpcClient``)."""

    chain_id: int


class Sender:
    """Sends from one local account. ``ledger`` must be durable (``dexbot.store.ledger.LedgerStore``)."""

    def __init__(
        self,
        client: ChainClient,
        account: LocalAccount,
        ledger: Ledger,
        *,
        nonces: NonceManager | None = None,
        gas_margin_bps: int = GAS_MARGIN_BPS,
        gas_headroom: int = GAS_HEADROOM,
        receipt_timeout_s: float = 120.0,
        poll_s: float = 1.0,
        drop_after_blocks: int = 20,
    ) -> None:
        if not client.chain_id:
            raise ChainError("the RPC client has no chain id: create it with RpcClient.connect")
        self.client = client
        self.account = account
        self.address = str(to_checksum_address(account.address))
        self.ledger = ledger
        self.chain_id = client.chain_id
        self.nonces = nonces or NonceManager(client, ledger, self.chain_id)
        self.gas_margin_bps = gas_margin_bps
        self.gas_headroom = gas_headroom
        self.receipt_timeout_s = receipt_timeout_s
        self.tracker = ReceiptTracker(
            client, ledger, self.chain_id, poll_s=poll_s, drop_after_blocks=drop_after_blocks
        )

    # -- preparing -------------------------------------------------------------------------------------

    async def simulate(self, req: TxRequest, block: str = "pending") -> bytes:
        """``eth_call`` the request; a revert raises SimulationRevert with the decoded reason."""
        try:
            out = await self.client.request("eth_call", [req.call_params(self.address), block])
        except RpcError as err:
            raise _simulation_revert(req, err) from None
        return bytes.fromhex(str(out)[2:])

    async def prepare(self, req: TxRequest, *, simulate: bool = True) -> int:
        """Simulate (optionally) and estimate in one round trip; returns the gas limit to use
        (``gas_limit`` of the estimate, or ``req.gas`` as given)."""
        params = req.call_params(self.address)
        calls: list[tuple[str, list[Any]]] = []
        if simulate:
            calls.append(("eth_call", [params, "pending"]))
        if req.gas is None:
            calls.append(("eth_estimateGas", [params, "pending"]))
            calls.append(("eth_getBlockByNumber", ["latest", False]))
        results = await self.client.batch(calls) if calls else []
        if req.gas is None:
            *results, block = results
        for res in results:
            if isinstance(res, RpcError):
                if res.is_revert:
                    raise _simulation_revert(req, res)
                raise res
        if req.gas is not None:
            return req.gas
        return self.gas_limit(int(results[-1], 16), block_gas_limit(block))

    def gas_limit(self, estimate: int, block_gas_limit: int | None = None) -> int:
        """``estimate`` × the margin + the headroom, capped at the block gas limit (never below the
        estimate: a limit the block cannot hold would be refused by the node, not mined).

        The estimate is made on the pending state, but the transaction runs on whatever state precedes
        it in its block, and some branches cost a fixed amount more on one state than on another:
        writing a storage slot from zero costs 22,100 gas (cold) against 5,000 for a non-zero one (an
        ERC-20 transfer to a holder who emptied their balance meanwhile: 34,476 estimated, 51,576
        used), and a V2 pair writes its two cumulative prices only in the first swap of a new block
        timestamp (~44k gas while they are still zero), which an estimate on a pending block of the
        same second does not see. Such costs do not scale with the estimate: ×1.2 of that transfer is
        6.9k, well short of 17.1k, so a proportional margin alone runs small transactions out of gas.
        Unused gas is not charged, so the headroom costs nothing but a larger balance check.
        """
        return padded_gas_limit(estimate, block_gas_limit, self.gas_margin_bps, self.gas_headroom)

    def build(self, req: TxRequest, fees: Fees, *, nonce: int, gas: int) -> dict[str, Any]:
        """The EIP-1559 transaction dict to sign."""
        return eip1559_tx(req, fees, chain_id=self.chain_id, nonce=nonce, gas=gas)

    def sign(
        self, tx: dict[str, Any], *, purpose: str = "", replaces: str = "", quoted_out: int = 0
    ) -> LedgerEntry:
        signed = self.account.sign_transaction(tx)
        return LedgerEntry(
            chain_id=self.chain_id,
            sender=self.address,
            nonce=int(tx["nonce"]),
            tx_hash=hex0x(signed.hash),
            raw_tx=hex0x(signed.raw_transaction),
            purpose=purpose[:32],
            max_fee_per_gas=int(tx["maxFeePerGas"]),
            max_priority_fee_per_gas=int(tx["maxPriorityFeePerGas"]),
            replaces=replaces,
            quoted_out=quoted_out,
        )

    # -- sending ---------------------------------------------------------------------------------------

    async def submit(self, req: TxRequest, fees: Fees, *, simulate: bool = True) -> LedgerEntry:
        """Simulate, sign, write to the ledger, broadcast; returns the entry (status sent) without
        waiting. A nonce the node says was used already is given up and the send retried."""
        gas = await self.prepare(req, simulate=simulate)
        crashpoint(f"before_sign.{req.purpose}")
        for attempt in range(NONCE_RETRIES):
            nonce = await self.nonces.reserve(self.address)
            try:
                tx = self.build(req, fees, nonce=nonce, gas=gas)
                entry = self.sign(tx, purpose=req.purpose, quoted_out=req.quoted_out)
                await self.ledger.record_signed(entry)
            finally:
                self.nonces.release(self.address, nonce)
            crashpoint(f"after_ledger_write.{req.purpose}")
            try:
                await broadcast(self.client, self.ledger, entry)
            except TxRejected as err:
                if not err.nonce_too_low or attempt == NONCE_RETRIES - 1:
                    raise
                continue
            crashpoint(f"after_broadcast.{req.purpose}")
            return entry
        raise AssertionError("unreachable")

    async def send(
        self, req: TxRequest, fees: Fees, *, simulate: bool = True, timeout_s: float | None = None
    ) -> TxOutcome:
        """``submit`` and wait for the outcome (status "sent" if no receipt within the timeout)."""
        entry = await self.submit(req, fees, simulate=simulate)
        return await self.wait(entry.tx_hash, timeout_s=timeout_s)

    async def wait(self, tx_hash: str, *, timeout_s: float | None = None) -> TxOutcome:
        timeout = self.receipt_timeout_s if timeout_s is None else timeout_s
        return await self.tracker.wait(tx_hash, timeout_s=timeout)

    async def reconcile(self) -> list[TxOutcome]:
        """Settle this account's open ledger entries against the chain (call at start)."""
        return await self.tracker.reconcile(self.address)

    # -- replacing -------------------------------------------------------------------------------------

    async def _open_entry(self, tx_hash: str) -> LedgerEntry:
        entry = await get_entry(self.ledger, tx_hash)
        if entry is None:
            raise InputError(f"transaction {tx_hash} is not in the ledger")
        if entry.sender.lower() != self.address.lower():
            raise InputError(f"transaction {tx_hash} was sent by {entry.sender}, not {self.address}")
        if not entry.is_open:
            raise InputError(f"transaction {tx_hash} is already {entry.status}; nothing to replace")
        return entry

    async def _replace(self, entry: LedgerEntry, tx: dict[str, Any], purpose: str) -> LedgerEntry:
        quote = entry.quoted_out if purpose == entry.purpose else 0  # a cancel swaps nothing
        new = self.sign(tx, purpose=purpose, replaces=entry.tx_hash, quoted_out=quote)
        await self.ledger.record_signed(new)
        await broadcast(self.client, self.ledger, new)
        return new

    async def speed_up(self, tx_hash: str, fees: Fees | None = None) -> LedgerEntry:
        """The same transaction (same nonce, call and gas) with both fees raised by at least 12.5 %
        (or to ``fees`` where those are higher). The old entry is settled as replaced once the new
        one is mined."""
        entry = await self._open_entry(tx_hash)
        tx = decode_raw(entry.raw_tx)
        new_fees = Fees(tx["maxFeePerGas"], tx["maxPriorityFeePerGas"]).bumped(fees)
        tx.update(
            type=2,
            maxFeePerGas=new_fees.max_fee_per_gas,
            maxPriorityFeePerGas=new_fees.max_priority_fee_per_gas,
        )
        return await self._replace(entry, tx, entry.purpose or "speed-up")

    async def cancel(self, tx_hash: str, fees: Fees | None = None) -> LedgerEntry:
        """Take the nonce back with a 0-value transfer to ourselves at fees +12.5 %."""
        entry = await self._open_entry(tx_hash)
        old = decode_raw(entry.raw_tx)
        new_fees = Fees(old["maxFeePerGas"], old["maxPriorityFeePerGas"]).bumped(fees)
        tx = self.build(TxRequest(self.address), new_fees, nonce=entry.nonce, gas=TRANSFER_GAS)
        return await self._replace(entry, tx, "cancel")


def padded_gas_limit(
    estimate: int,
    block_gas_limit: int | None = None,
    margin_bps: int = GAS_MARGIN_BPS,
    headroom: int = GAS_HEADROOM,
) -> int:
    """The gas limit a send uses for ``estimate`` (see :meth:`Sender.gas_limit`)."""
    padded = estimate * margin_bps // 10_000 + headroom
    if block_gas_limit is not None:
        padded = min(padded, block_gas_limit)
    return max(padded, estimate)


def eip1559_tx(req: TxRequest, fees: Fees, *, chain_id: int, nonce: int, gas: int) -> dict[str, Any]:
    """The EIP-1559 transaction dict to sign: one definition, so what a paper fill prices and what the
    live path signs are the same bytes."""
    if req.value < 0:
        raise InputError(f"value {req.value} is negative")
    return {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "to": to_checksum_address(req.to),
        "value": req.value,
        "data": req.data,
        "gas": gas,
        "maxFeePerGas": fees.max_fee_per_gas,
        "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
    }


def block_gas_limit(block: Any) -> int | None:
    """The gas limit of a block answer; None when the node did not give one (then nothing is capped)."""
    if isinstance(block, dict) and isinstance(block.get("gasLimit"), str):
        try:
            return int(block["gasLimit"], 16)
        except ValueError:
            return None
    return None


def _simulation_revert(req: TxRequest, err: RpcError) -> SimulationRevert:
    reason = revert_reason(err.data) if err.data else (err.message or "reverted without a reason")
    what = req.purpose or "transaction"
    return SimulationRevert(f"simulation of {what} to {req.to} reverted: {reason}", reason, err.data)
