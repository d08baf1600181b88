"""Reading V3 pools with raw calldata: the factory's ``getPool``, a pool's ``slot0``, ``liquidity`` and
``fee``."""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.chain.abi import (
    address_word,
    eth_calls,
    expect_bytes,
    expect_words,
    selector,
    uint_word,
    word_int,
    word_uint,
)
from dexbot.chain.dex.uniswap_v2.pair import decode_address_or_none
from dexbot.chain.rpc import RpcClient

GET_POOL = selector("getPool(address,address,uint24)")
SLOT0 = selector("slot0()")
LIQUIDITY = selector("liquidity()")
FEE = selector("fee()")
FEE_TIERS = (500, 3000, 10_000)


@dataclass(frozen=True)
class Slot0:
    """The parts of ``slot0()`` quoting and watching need."""

    sqrt_price_x96: int
    tick: int
    unlocked: bool


def get_pool_calldata(token_a: str, token_b: str, fee: int) -> bytes:
    return GET_POOL + address_word(token_a) + address_word(token_b) + uint_word(fee)


def decode_slot0(data: bytes, what: str = "slot0") -> Slot0:
    """slot0 returns 7 static words: sqrtPriceX96, tick (int24), …, unlocked (word 6)."""
    expect_words(data, 7, what)
    return Slot0(word_uint(data, 0), word_int(data, 32), word_uint(data, 192) != 0)


def decode_liquidity(data: bytes, what: str = "liquidity") -> int:
    return word_uint(expect_words(data, 1, what), 0)


async def get_pool(
    client: RpcClient, factory: str, token_a: str, token_b: str, fee: int, block: int
) -> str | None:
    """The factory's pool for the tokens and fee tier, or None when it does not exist."""
    (result,) = await eth_calls(client, [(factory, get_pool_calldata(token_a, token_b, fee))], block)
    what = f"V3 factory {factory} getPool"
    return decode_address_or_none(expect_bytes(result, what), what)


async def read_pool(client: RpcClient, pool: str, block: int) -> tuple[Slot0, int]:
    """(slot0, liquidity) of one pool, in one batch pinned to ``block``."""
    s0, liq = await eth_calls(client, [(pool, SLOT0), (pool, LIQUIDITY)], block)
    return (
        decode_slot0(expect_bytes(s0, f"pool {pool} slot0"), f"pool {pool} slot0"),
        decode_liquidity(expect_bytes(liq, f"pool {pool} liquidity"), f"pool {pool} liquidity"),
    )


async def pool_fee(client: RpcClient, pool: str, block: int | str = "latest") -> int:
    """The pool's fee tier (immutable, so any block will do): what a swap on it must name."""
    (result,) = await eth_calls(client, [(pool, FEE)], block)
    what = f"pool {pool} fee"
    return word_uint(expect_words(expect_bytes(result, what), 1, what), 0)
