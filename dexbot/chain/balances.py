"""A wallet's native and ERC20 balances in one Multicall3 round trip, all read at one block.

``getEthBalance`` on Multicall3 puts the native balance in the same batch as the tokens'
``balanceOf``/``decimals``/``symbol``, so the figures shown together are from the same block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from dexbot.chain.abi import address_word, selector
from dexbot.chain.multicall import MULTICALL3, aggregate3, encode_call3
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import BALANCE_OF

GET_ETH_BALANCE = selector("getEthBalance(address)")
DECIMALS = selector("decimals()")
SYMBOL = selector("symbol()")


@dataclass(frozen=True)
class TokenBalance:
    """``token`` None is the chain's native coin. ``amount`` is raw units (wei / token units)."""

    symbol: str
    token: str | None
    decimals: int
    amount: int


@dataclass(frozen=True)
class Balances:
    owner: str
    block: int
    holdings: tuple[TokenBalance, ...]
    unreadable: tuple[str, ...] = ()  # tokens whose balanceOf failed (not an ERC20 at that address)


def _symbol(ok: bool, data: bytes, fallback: str) -> str:
    if not ok or not data:
        return fallback
    try:
        (text,) = decode(["string"], data)
        return str(text) or fallback
    except (DecodingError, ValueError, OverflowError):
        pass
    if len(data) == 32:  # some old tokens return bytes32
        return data.rstrip(b"\x00").decode("utf-8", errors="replace") or fallback
    return fallback


async def read_balances(
    client: RpcClient,
    owner: str,
    tokens: Sequence[str],
    *,
    native_symbol: str = "ETH",
    multicall: str = MULTICALL3,
    block: int | None = None,
) -> Balances:
    owner = str(to_checksum_address(owner))
    at = block if block is not None else await client.block_number()
    tokens = [str(to_checksum_address(t)) for t in tokens]
    elements = [encode_call3(multicall, GET_ETH_BALANCE + address_word(owner))]
    for token in tokens:
        elements += [
            encode_call3(token, BALANCE_OF + address_word(owner)),
            encode_call3(token, DECIMALS),
            encode_call3(token, SYMBOL),
        ]
    results = await aggregate3(client, elements, at, address=multicall)
    (ok, data), rest = results[0], results[1:]
    holdings = [TokenBalance(native_symbol, None, 18, int.from_bytes(data[:32], "big") if ok else 0)]
    unreadable = []
    for i, token in enumerate(tokens):
        (b_ok, b_data), (d_ok, d_data), (s_ok, s_data) = rest[3 * i : 3 * i + 3]
        if not b_ok or len(b_data) < 32:
            unreadable.append(token)
            continue
        decimals = int.from_bytes(d_data[:32], "big") if d_ok and len(d_data) >= 32 else 0
        symbol = _symbol(s_ok, s_data, token[:10])
        holdings.append(TokenBalance(symbol, token, decimals, int.from_bytes(b_data[:32], "big")))
    return Balances(owner, at, tuple(holdings), tuple(unreadable))
