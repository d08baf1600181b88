"""What one token transfer does besides moving balances: the contracts it calls out to (a hook the owner
can swap for one that reverts, a fee swap, a tracker) and the gas it burns, from ONE ``debug_traceCall``
with the call tracer of a transfer out of the pool (a buy's transfer, sent by nobody: nothing is mined).

Nodes without tracing answer "method not found"; the result is then None and the flags say unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from dexbot.chain.abi import checksum
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError

TRANSFER = function_signature_to_4byte_selector("transfer(address,uint256)")
TRACE_GAS = 3_000_000
PRECOMPILE_TOP = 0x100  # addresses below this are precompiles (ecrecover, sha256 …), not contracts


@dataclass(frozen=True)
class TransferTrace:
    """``external`` are the contracts the transfer called (CALL, DELEGATECALL, CALLCODE, CREATE; static
    reads excluded) apart from the token itself and ``ignore`` (a proxy's implementation); ``gas_used`` is
    the whole call's; ``error`` is set when the transfer itself failed."""

    external: tuple[str, ...]
    gas_used: int
    error: str | None = None


async def trace_transfer(
    client: RpcClient,
    token: str,
    *,
    sender: str,
    recipient: str,
    amount: int,
    block: int | str,
    ignore: tuple[str, ...] = (),
) -> TransferTrace | None:
    """Trace ``sender`` transferring ``amount`` of ``token`` to ``recipient`` at ``block``; None when the
    node cannot trace (or answers something that is not a call frame)."""
    tag = hex(block) if isinstance(block, int) else block
    data = TRANSFER + encode(["address", "uint256"], [recipient, amount])
    call = {"from": sender, "to": token, "data": "0x" + data.hex(), "gas": hex(TRACE_GAS)}
    try:
        frame = await client.request("debug_traceCall", [call, tag, {"tracer": "callTracer"}])
    except RpcError:
        return None
    if not isinstance(frame, dict) or "type" not in frame:
        return None
    skip = {token.lower(), *(a.lower() for a in ignore)}
    found: dict[str, None] = {}
    _walk(frame.get("calls") or [], skip, found)
    error = frame.get("error")
    return TransferTrace(tuple(found), _int(frame.get("gasUsed")), str(error) if error else None)


def _walk(calls: list[Any], skip: set[str], found: dict[str, None]) -> None:
    for call in calls:
        if not isinstance(call, dict):
            continue
        to = str(call.get("to") or "")
        kind = str(call.get("type") or "").upper()
        if kind != "STATICCALL" and to and to.lower() not in skip and _int(to) >= PRECOMPILE_TOP:
            found[checksum(to)] = None
        _walk(call.get("calls") or [], skip, found)


def _int(value: Any) -> int:
    try:
        return int(str(value or "0x0"), 16)
    except ValueError:
        return 0
