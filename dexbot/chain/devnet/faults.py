"""The faults the chaos proxy injects, as values: what goes wrong, for which methods, how often.

A fault is a frozen description; the proxy keeps the live bookkeeping (hits, the event a test awaits).
``parse_fault`` reads the command-line form, ``kind[:arg][@probability][xtimes][/method,method]``:
``http:429@0.3``, ``lag:5``, ``send_error:nonce too low x1``, ``latency:0.5/eth_call``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from dexbot.core.errors import InputError

FaultKind = Literal[
    "latency",  # answer late (delay_s)
    "timeout",  # never answer, until the fault is cleared or the proxy stops
    "http",  # answer an HTTP error status (429, 5xx) instead of forwarding
    "drop",  # close the connection without an answer
    "garbage",  # answer 200 with a body that is not JSON
    "lag",  # a node ``blocks`` behind the head: ``latest`` is an old block, newer blocks are unknown
    "chain_id",  # a node of another chain (eth_chainId / net_version answer ``chain_id``)
    "wrong_data",  # getReserves answers (direct or inside Multicall3), reserve0 scaled; a hit is one such
    "rpc_error",  # a JSON-RPC error answer (code, message); ``forward`` first when the node did act
    "rewrite",  # ``rewrite(call)`` returns the call to forward, or a whole JSON-RPC answer to give
]
KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]
HTTP_LEVEL = frozenset({"latency", "timeout", "http", "drop", "garbage"})
SEND_METHODS = frozenset({"eth_sendRawTransaction", "eth_sendTransaction"})
SEND_ERRORS = {  # the messages geth-style nodes give, as ``send_error:<name>`` on the command line
    "nonce_too_low": "nonce too low",
    "underpriced": "replacement transaction underpriced",
    "already_known": "already known",
}

Rewrite = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    methods: frozenset[str] = frozenset()  # empty: every method
    probability: float = 1.0
    times: int | None = None  # requests it hits before it clears itself; None: until cleared
    delay_s: float = 0.0
    status: int = 503
    blocks: int = 0
    chain_id: int = 0
    scale_bps: int = 20_000
    code: int = -32000
    message: str = ""
    forward: bool = False
    rewrite: Rewrite | None = field(default=None, compare=False)

    def matches(self, method: str) -> bool:
        return not self.methods or method in self.methods

    def describe(self) -> str:
        arg = {
            "latency": f"{self.delay_s:g} s",
            "http": f"HTTP {self.status}",
            "lag": f"{self.blocks} blocks behind",
            "chain_id": f"chain {self.chain_id}",
            "wrong_data": f"reserve0 x{self.scale_bps / 10_000:g}",
            "rpc_error": self.message or str(self.code),
        }.get(self.kind, "")
        where = f" on {','.join(sorted(self.methods))}" if self.methods else ""
        odds = f" p={self.probability:g}" if self.probability < 1 else ""
        return f"{self.kind}{f' ({arg})' if arg else ''}{where}{odds}"


def send_error(message: str, *, forward: bool = False, times: int | None = None) -> Fault:
    """A refusal of a broadcast; ``forward``: the node took the transaction and still said no (the
    answer to a retried send whose first try got through)."""
    return Fault("rpc_error", SEND_METHODS, code=-32000, message=message, forward=forward, times=times)


_SPEC = re.compile(
    r"^(?P<kind>[a-z_]+)(?::(?P<arg>[^@/]+?))?\s*(?:@(?P<p>[0-9.]+))?\s*(?:x(?P<n>\d+))?\s*(?:/(?P<m>[\w,]+))?$"
)


def parse_fault(spec: str) -> Fault:
    """The command-line form of a fault; a bad one is an InputError naming the spec and the fix."""
    m = _SPEC.match(spec.strip())
    if m is None or m["kind"] not in (*KINDS, "send_error") or m["kind"] == "rewrite":
        names = ", ".join(k for k in KINDS if k != "rewrite")
        raise InputError(
            f"--fault {spec!r}: expected kind[:arg][@p][xN][/methods] with kind one of {names}, send_error"
        )
    kind, arg = m["kind"], (m["arg"] or "").strip()
    try:
        probability = float(m["p"]) if m["p"] else 1.0
    except ValueError:
        raise InputError(f"--fault {spec!r}: probability {m['p']!r} is not a number") from None
    if not 0 < probability <= 1:
        raise InputError(f"--fault {spec!r}: probability {probability:g} is outside (0, 1]")
    common: dict[str, Any] = {
        "probability": probability,
        "times": int(m["n"]) if m["n"] else None,
        "methods": frozenset(m["m"].split(",")) if m["m"] else frozenset(),
    }
    try:
        if kind == "send_error":
            message = SEND_ERRORS.get(arg, arg) or SEND_ERRORS["nonce_too_low"]
            return Fault("rpc_error", common.pop("methods") or SEND_METHODS, message=message, **common)
        extra = _argument(kind, arg)
    except ValueError:
        raise InputError(f"--fault {spec!r}: {arg!r} is not a number") from None
    return Fault(cast(FaultKind, kind), **common, **extra)


def _argument(kind: str, arg: str) -> dict[str, Any]:
    if kind == "latency":
        return {"delay_s": float(arg or 1)}
    if kind == "http":
        return {"status": int(arg or 503)}
    if kind == "lag":
        return {"blocks": int(arg or 5)}
    if kind == "chain_id":
        return {"chain_id": int(arg or 1)}
    if kind == "wrong_data":
        return {"scale_bps": int(arg or 20_000)}
    if kind == "rpc_error":
        return {"message": arg or "internal error"}
    return {}
