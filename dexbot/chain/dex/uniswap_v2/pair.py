"""Reading V2 pairs with raw calldata: the factory's ``getPair`` and a pair's ``getReserves``/``token0``.

The calldata is built once at import and results are decoded at fixed byte offsets; every read takes a
block number so a quote (or a refresh of many pools) sees one consistent state.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from eth_utils import keccak

from dexbot.chain.abi import (
    ZERO_ADDRESS,
    address_word,
    checksum,
    eth_calls,
    expect_bytes,
    expect_words,
    selector,
    word_address,
    word_uint,
)
from dexbot.chain.rpc import RpcClient

GET_PAIR = selector("getPair(address,address)")
GET_RESERVES = selector("getReserves()")
TOKEN0 = selector("token0()")
# keccak of Uniswap V2's UniswapV2Pair creation code: mainnet's, and the devnet's official npm build. A fork
# with its own pair code has another; a guess made with this one then names no pair and is not used.
UNISWAP_V2_INIT_CODE_HASH = bytes.fromhex("96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f")
TOKEN1 = selector("token1()")


@dataclass(frozen=True)
class PairReserves:
    """A V2 pair's reserves at ``block``; token0 is the numerically smaller token address."""

    pair: str
    token0: str
    reserve0: int
    reserve1: int
    block_timestamp_last: int
    block: int

    def reserves_for(self, token_in: str) -> tuple[int, int]:
        """(reserve of ``token_in``, reserve of the other token)."""
        if token_in.lower() == self.token0.lower():
            return self.reserve0, self.reserve1
        return self.reserve1, self.reserve0


def get_pair_calldata(token_a: str, token_b: str) -> bytes:
    return GET_PAIR + address_word(token_a) + address_word(token_b)


def decode_address_or_none(data: bytes, what: str) -> str | None:
    """A factory's lookup answer: the address, or None for the zero address (no such pool)."""
    address = word_address(expect_words(data, 1, what), 0)
    return None if address == ZERO_ADDRESS else address


def decode_reserves(data: bytes, what: str = "getReserves") -> tuple[int, int, int]:
    """(reserve0, reserve1, blockTimestampLast) from ``getReserves()`` return data."""
    expect_words(data, 3, what)
    return word_uint(data, 0), word_uint(data, 32), word_uint(data, 64)


@functools.lru_cache(maxsize=4096)
def predicted_pair(factory: str, token_a: str, token_b: str) -> str:
    """Where a Uniswap V2 factory puts the pair of two tokens (CREATE2 with the canonical pair code): a
    guess to read before the factory has confirmed it, never an answer by itself."""
    t0, t1 = sorted((token_a, token_b), key=lambda t: int(t, 16))
    salt = keccak(address_word(t0)[12:] + address_word(t1)[12:])  # abi.encodePacked(token0, token1)
    return checksum(keccak(b"\xff" + address_word(factory)[12:] + salt + UNISWAP_V2_INIT_CODE_HASH)[12:])


async def get_pair(client: RpcClient, factory: str, token_a: str, token_b: str, block: int) -> str | None:
    """The factory's pair for the two tokens, or None when nobody has created it."""
    (result,) = await eth_calls(client, [(factory, get_pair_calldata(token_a, token_b))], block)
    what = f"V2 factory {factory} getPair"
    return decode_address_or_none(expect_bytes(result, what), what)


def pair_reserves(pair: str, token0_data: bytes, reserves_data: bytes, block: int) -> PairReserves:
    """Assemble a PairReserves from the answers to ``token0()`` and ``getReserves()``."""
    r0, r1, ts = decode_reserves(reserves_data, f"pair {pair} getReserves")
    return PairReserves(
        pair, word_address(expect_words(token0_data, 1, f"pair {pair} token0"), 0), r0, r1, ts, block
    )


async def read_pair(client: RpcClient, pair: str, block: int) -> PairReserves:
    """``token0`` and ``getReserves`` of one pair, in one batch pinned to ``block``."""
    t0, res = await eth_calls(client, [(pair, TOKEN0), (pair, GET_RESERVES)], block)
    return pair_reserves(
        pair, expect_bytes(t0, f"pair {pair} token0"), expect_bytes(res, f"pair {pair} getReserves"), block
    )
