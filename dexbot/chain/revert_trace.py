"""Why a mined transaction reverted. A receipt carries no reason, so it is recovered from the node.

The trace of the transaction itself (``debug_traceTransaction`` with the call tracer) is the truth: it
ran on the exact state at the transaction's position in its block. Replaying the call on the state
before the block (``eth_call`` at block − 1) is the fallback for nodes that do not trace, and it can be
wrong: an earlier transaction in the same block (a front-runner emptying a pool, a spender pulling
tokens) changed what the transaction read, so the replay may succeed or revert for another reason.
Reasons from a replay say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from dexbot.chain.ledger_port import LedgerEntry
from dexbot.chain.reverts import revert_reason
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.txtypes import decode_raw, hex0x
from dexbot.core.errors import RpcUnavailable

TRACE_METHOD = "debug_traceTransaction"
CALL_TRACER = {"tracer": "callTracer"}
_NO_METHOD = (
    "method not found",
    "does not exist",
    "not available",
    "not supported",
    "unsupported method",
    "not whitelisted",
)


class RequestClient(Protocol):
    async def request(self, method: str, params: Sequence[Any] = ()) -> Any: ...


class RevertExplainer:
    """Finds revert reasons for one node, remembering whether it can trace (``can_trace``: None until
    the first trace is asked for, False once the node said it has no such method, so it is not asked
    again)."""

    def __init__(self, client: RequestClient) -> None:
        self.client = client
        self.can_trace: bool | None = None

    async def reason(self, entry: LedgerEntry, block: int, gas_used: int) -> str:
        """The reason ``entry``, mined in ``block`` with status 0, reverted."""
        gas_limit = int(decode_raw(entry.raw_tx)["gas"])
        if self.can_trace is not False:
            traced = await self.from_trace(entry.tx_hash, gas_limit)
            if traced is not None:
                return traced
        return await self.from_replay(entry, block, gas_used)

    async def from_trace(self, tx_hash: str, gas_limit: int) -> str | None:
        """The reason from the transaction's own trace; None when there is no usable trace."""
        try:
            trace = await self.client.request(TRACE_METHOD, [tx_hash, CALL_TRACER])
        except RpcError as err:
            if err.code == -32601 or any(k in err.message.lower() for k in _NO_METHOD):
                self.can_trace = False
            return None  # other errors (a tracing timeout, a pruned state) may pass: ask next time
        except RpcUnavailable:
            return None
        self.can_trace = True
        return trace_reason(trace, gas_limit)

    async def from_replay(self, entry: LedgerEntry, block: int, gas_used: int) -> str:
        """The call replayed on the state before ``block``; the reason says it is a replay."""
        tx = decode_raw(entry.raw_tx)
        params = {
            "from": entry.sender,
            "to": tx["to"],
            "data": hex0x(tx["data"]),
            "value": hex(tx["value"]),
            "gas": hex(tx["gas"]),
        }
        before = max(block - 1, 0)
        try:
            await self.client.request("eth_call", [params, hex(before)])
        except RpcError as err:
            why = revert_reason(err.data) if err.data else err.message or "reverted without a reason"
            return f"{why} (from a replay of the call at block {before}, not a trace of the transaction)"
        if gas_used >= tx["gas"]:
            return f"out of gas (used all {tx['gas']})"
        return (
            f"reverted on chain for a reason the node did not give: it has no trace of the transaction "
            f"and the call replayed at block {before} does not revert (a transaction before it in block "
            f"{block} may have changed the state it depends on)"
        )


def trace_reason(trace: Any, gas_limit: int) -> str | None:
    """The reason in a call-tracer frame (its ``output`` revert data, ``revertReason``, or ``error``);
    None when ``trace`` is not such a frame or shows no failure."""
    if not isinstance(trace, dict) or "type" not in trace:
        return None  # e.g. a struct-log answer for a transaction the node does not have
    error = str(trace.get("error") or "")
    output = trace.get("output")
    data = b""
    if isinstance(output, str) and output.startswith("0x"):
        try:
            data = bytes.fromhex(output[2:])
        except ValueError:
            data = b""
    if data:
        return revert_reason(data)
    if trace.get("revertReason"):
        return str(trace["revertReason"])
    if "out of gas" in error.lower() or error.lower() == "outofgas":
        return f"out of gas (used all {gas_limit})"
    if "revert" in error.lower():
        return "reverted without a reason"
    return error or None
