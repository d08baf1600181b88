"""Errors answered by an RPC endpoint (as opposed to endpoints failing), and revert-data decoding."""

from __future__ import annotations

from typing import Any

from dexbot.core.errors import ChainError, UntrustedState

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
PANIC_CODES = {
    0x01: "assert failed",
    0x11: "arithmetic overflow/underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x31: "pop on empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to uninitialised function",
}


def decode_revert(data: bytes) -> str:
    """Human reason for revert data: Error(string), Panic(uint256), a custom error's selector, or empty."""
    if not data:
        return "reverted without a reason"
    if data[:4] == ERROR_SELECTOR and len(data) >= 68:
        try:
            length = int.from_bytes(data[36:68], "big")
            return data[68 : 68 + length].decode("utf-8", errors="replace")
        except (ValueError, OverflowError):
            return f"malformed Error(string) 0x{data.hex()[:80]}"
    if data[:4] == PANIC_SELECTOR and len(data) >= 36:
        code = int.from_bytes(data[4:36], "big")
        return f"panic 0x{code:02x}: {PANIC_CODES.get(code, 'unknown panic')}"
    if len(data) >= 4:
        return f"custom error 0x{data[:4].hex()}"
    return f"revert data 0x{data.hex()}"


def _hex_bytes(value: Any) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            return b""
    if isinstance(value, dict):  # some nodes nest it: {"data": "0x…"}
        return _hex_bytes(value.get("data"))
    return b""


class RpcError(ChainError):
    """The endpoint answered with a JSON-RPC error (e.g. execution reverted, nonce too low)."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.method = method
        self.code = int(error.get("code", 0) or 0)
        self.message = str(error.get("message", ""))
        self.data = _hex_bytes(error.get("data"))
        super().__init__(f"{method}: {self.message}" + (f" ({self.reason})" if self.is_revert else ""))

    @property
    def is_revert(self) -> bool:
        return bool(self.data) or "revert" in self.message.lower()

    @property
    def reason(self) -> str:
        return decode_revert(self.data)


class RpcQuorumError(ChainError):
    """RPC endpoints disagree on a critical read, or too few answered."""


# What nodes say when they lack a block (lagging behind the head another answer came from, or pruned)...
BLOCK_MISSING = ("header not found", "unknown block", "block not found", "missing trie node")
# ...or turn a caller away (rate limits): nothing about the contract that was called.
NODE_SIDE = (*BLOCK_MISSING, "rate limit", "too many requests")


def node_side(err: BaseException) -> bool:
    """Is ``err`` the node's failure, not a contract's, so that asking again at the next block can
    succeed? A revert never is; a timeout is not taken as one (a token's code can cause it)."""
    if isinstance(err, UntrustedState):
        return True
    if isinstance(err, RpcError) and err.is_revert:
        return False
    text = str(err).lower()
    return "revert" not in text and any(s in text for s in NODE_SIDE)
