"""The token's own reason for a failed buy, from a trace of the probe's buy step.

A router or pair replaces the token's revert with its own ("UniswapV2: TRANSFER_FAILED"), and the probe's
diagnostic transfer of the same amount can only show the token's reason when the probe holds the tokens:
before a buy it holds none, so a max-wallet rule checked after the balance (SafeMath-era order) answers
"subtraction overflow" there. The call tracer sees every frame: the innermost frame of the token that
reverted with a reason of its own (not a balance complaint) is the label.

Traced only when a buy or a ladder rung failed without such a reason, so healthy tokens pay nothing.
"""

from __future__ import annotations

import functools
from typing import Any

from eth_utils import function_signature_to_4byte_selector
from eth_utils.abi import function_abi_to_4byte_selector

from dexbot.chain.contracts import load_own
from dexbot.chain.reverts import revert_reason
from dexbot.chain.roundtrip_decode import informative
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError

PROBE_STEP = function_signature_to_4byte_selector("probeStep(uint8,bytes)")


@functools.cache
def _ladder_rung() -> bytes:
    """The selector of the probe's ladderRung (from its ABI: the struct argument is long to spell)."""
    return next(
        function_abi_to_4byte_selector(f)
        for f in load_own("RoundTripProbe").abi
        if f.get("type") == "function" and f.get("name") == "ladderRung"
    )


async def buy_reasons(
    client: RpcClient, call: dict[str, str], override: dict[str, Any], tag: str, token: str, probe: str
) -> dict[str, str]:
    """Stage name ("buy", "ladder[i]") → the token's innermost reason, from a trace of ``call`` (the probe
    call running the buy step); empty where the node cannot trace or no token frame gave a reason."""
    try:
        frame = await client.request(
            "debug_traceCall", [call, tag, {"tracer": "callTracer", "stateOverrides": override}]
        )
    except RpcError:
        return {}
    if not isinstance(frame, dict):
        return {}
    body = _probe_body(frame, probe.lower())
    if body is None:
        return {}
    found: dict[str, str] = {}
    rungs = [c for c in _calls(body) if _selector(c) == _ladder_rung()]
    for i, rung in enumerate(rungs):
        reason = innermost_token_reason(rung, token)
        if reason:
            found[f"ladder[{i}]"] = reason
    buys = [c for c in _calls(body) if _int(c.get("value")) > 0 and c.get("error")]
    if buys:
        reason = innermost_token_reason(buys[0], token)
        if reason:
            found["buy"] = reason
    return found


def innermost_token_reason(frame: dict[str, Any], token: str) -> str | None:
    """The reason of the deepest failed frame of ``token`` under ``frame`` whose revert data is the
    token's own (Error(string), a custom error, a panic other than a balance underflow)."""
    best: tuple[int, str] | None = None
    stack: list[tuple[dict[str, Any], int]] = [(frame, 0)]
    while stack:
        node, depth = stack.pop()
        data = _bytes(node.get("output"))
        if (
            node.get("error")
            and str(node.get("to") or "").lower() == token.lower()
            and data
            and informative(data)
            and (best is None or depth > best[0])
        ):
            best = (depth, revert_reason(data))
        stack += [(c, depth + 1) for c in _calls(node)]
    return best[1] if best else None


def _probe_body(frame: dict[str, Any], probe: str) -> dict[str, Any] | None:
    """The frame running the probe's round trip: the traced call itself, or for a probeStep call the
    call it makes to the probe."""
    if _selector(frame) != PROBE_STEP:
        return frame
    inner = [c for c in _calls(frame) if str(c.get("to") or "").lower() == probe]
    return inner[0] if inner else None


def _calls(frame: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in frame.get("calls") or [] if isinstance(c, dict)]


def _selector(frame: dict[str, Any]) -> bytes:
    return _bytes(frame.get("input"))[:4]


def _bytes(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        return b""
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        return b""


def _int(value: Any) -> int:
    try:
        return int(str(value or "0x0"), 16)
    except ValueError:
        return 0
