"""Revert reasons a human can act on: ``decode_revert`` plus the custom errors dexbot meets most
(OpenZeppelin 5 ERC20/Ownable/Pausable), decoded with their arguments instead of a bare selector."""

from __future__ import annotations

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak, to_checksum_address

from dexbot.chain.rpc_errors import decode_revert

_KNOWN = (
    "ERC20InsufficientBalance(address sender,uint256 balance,uint256 needed)",
    "ERC20InsufficientAllowance(address spender,uint256 allowance,uint256 needed)",
    "ERC20InvalidSender(address sender)",
    "ERC20InvalidReceiver(address receiver)",
    "ERC20InvalidApprover(address approver)",
    "ERC20InvalidSpender(address spender)",
    "OwnableUnauthorizedAccount(address account)",
    "OwnableInvalidOwner(address owner)",
    "EnforcedPause()",
    "ExpectedPause()",
)


def _parse(signature: str) -> tuple[bytes, str, list[str], list[str]]:
    name, _, rest = signature.partition("(")
    params = [p.strip().split(" ") for p in rest.rstrip(")").split(",") if p.strip()]
    types = [p[0] for p in params]
    names = [p[1] for p in params]
    selector = keccak(text=f"{name}({','.join(types)})")[:4]
    return selector, name, types, names


CUSTOM_ERRORS = {sel: (name, types, names) for sel, name, types, names in map(_parse, _KNOWN)}


def revert_reason(data: bytes) -> str:
    """``Error(string)`` text, a decoded panic, a known custom error with its arguments, or the selector."""
    known = CUSTOM_ERRORS.get(data[:4]) if len(data) >= 4 else None
    if known is None:
        return decode_revert(data)
    name, types, names = known
    try:
        values = decode(types, data[4:])
    except (DecodingError, ValueError, OverflowError):
        return f"{name} (malformed arguments)"
    shown = [
        f"{n}={to_checksum_address(v) if t == 'address' else v}"
        for t, n, v in zip(types, names, values, strict=True)
    ]
    return f"{name}({', '.join(shown)})"
