"""Value types of the sending pipeline: the fee pair, what to send, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.typed_transactions import TypedTransaction
from eth_utils import to_checksum_address
from hexbytes import HexBytes

from dexbot.chain.ledger_port import TxStatus
from dexbot.core.errors import ChainError, InputError

BUMP_NUM, BUMP_DEN = 1125, 1000  # nodes refuse a same-nonce replacement paying less than +10 %; we add 12.5 %


def bump_fee(fee: int) -> int:
    """``fee`` + 12.5 %, rounded up, and at least one wei more (so a zero tip still rises)."""
    return max(fee + 1, -(-fee * BUMP_NUM // BUMP_DEN))


@dataclass(frozen=True)
class Fees:
    """An EIP-1559 fee pair in wei (gas.py suggests them; the sender only checks and bumps)."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __post_init__(self) -> None:
        if self.max_fee_per_gas < 0 or self.max_priority_fee_per_gas < 0:
            raise InputError(f"fees must not be negative (got {self})")
        if self.max_priority_fee_per_gas > self.max_fee_per_gas:
            raise InputError(
                f"max_priority_fee_per_gas {self.max_priority_fee_per_gas} exceeds max_fee_per_gas "
                f"{self.max_fee_per_gas}: raise the max fee or lower the tip"
            )

    def bumped(self, at_least: Fees | None = None) -> Fees:
        """Both fees +12.5 % (what a replacement must pay), or ``at_least`` where that is higher."""
        tip = bump_fee(self.max_priority_fee_per_gas)
        cap = bump_fee(self.max_fee_per_gas)
        if at_least is not None:
            tip = max(tip, at_least.max_priority_fee_per_gas)
            cap = max(cap, at_least.max_fee_per_gas)
        return Fees(max(cap, tip), tip)


@dataclass(frozen=True)
class TxRequest:
    """A call to make on chain. ``gas`` None means estimate it (with the sender's margin)."""

    to: str
    data: bytes = b""
    value: int = 0
    gas: int | None = None
    purpose: str = ""
    quoted_out: int = 0  # a swap's net quote, kept with the signed transaction in the ledger

    def call_params(self, sender: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "from": sender,
            "to": to_checksum_address(self.to),
            "data": "0x" + self.data.hex(),
            "value": hex(self.value),
        }
        if self.gas is not None:
            params["gas"] = hex(self.gas)
        return params


@dataclass(frozen=True)
class TxOutcome:
    """Where a transaction ended up. ``status`` "sent" means still pending when the wait timed out;
    ``replaced_by`` names the transaction that took the nonce when this one was replaced."""

    tx_hash: str
    nonce: int
    status: TxStatus
    block_number: int | None = None
    gas_used: int = 0
    effective_gas_price: int = 0
    reason: str = ""
    replaced_by: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "mined"

    @property
    def final(self) -> bool:
        return self.status not in ("signed", "sent")


class TxRejected(ChainError):
    """The node refused a signed transaction outright; its ledger entry is marked dropped."""

    def __init__(self, message: str, *, nonce_too_low: bool = False) -> None:
        super().__init__(message)
        self.nonce_too_low = nonce_too_low


def decode_raw(raw_tx: str) -> dict[str, Any]:
    """The fields of a signed EIP-1559 transaction (to re-simulate it or sign a replacement)."""
    fields = TypedTransaction.from_bytes(HexBytes(raw_tx)).as_dict()
    to = fields.get("to")
    return {
        "chainId": int(fields["chainId"]),
        "nonce": int(fields["nonce"]),
        "to": to_checksum_address(bytes(to)) if to else None,
        "value": int(fields["value"]),
        "data": bytes(fields["data"]),
        "gas": int(fields["gas"]),
        "maxFeePerGas": int(fields["maxFeePerGas"]),
        "maxPriorityFeePerGas": int(fields["maxPriorityFeePerGas"]),
    }


def hex0x(value: bytes) -> str:
    return "0x" + bytes(value).hex()
