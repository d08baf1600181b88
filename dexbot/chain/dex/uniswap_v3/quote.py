"""V3 quotes from QuoterV2 through raw ``eth_call``.

QuoterV2 is not a view contract: it runs the real pool swap and reverts with the result, which makes the
quote exact (ticks crossed included) and costs nothing through ``eth_call``. Single-hop calldata and
results are static and handled at fixed offsets; the multi-hop variant returns arrays (eth_abi decodes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import decode, encode

from dexbot.chain.abi import (
    address_word,
    eth_calls,
    expect_bytes,
    expect_words,
    selector,
    uint_word,
    word_uint,
)
from dexbot.chain.dex.errors import NoRoute
from dexbot.chain.dex.impact import impact_bps, v3_price_ratio
from dexbot.chain.dex.types import DexAddresses, Quote
from dexbot.chain.dex.uniswap_v2.pair import decode_address_or_none
from dexbot.chain.dex.uniswap_v3.pool import SLOT0, decode_slot0, get_pool_calldata
from dexbot.chain.rpc import RpcClient

QUOTE_EXACT_INPUT_SINGLE = selector("quoteExactInputSingle((address,address,uint256,uint24,uint160))")
QUOTE_EXACT_INPUT = selector("quoteExactInput(bytes,uint256)")
# QuoterV2's gasEstimate covers the pool swaps; SwapRouter adds its own work (transfers, callback checks).
V3_ROUTER_GAS = 40_000


@dataclass(frozen=True)
class V3QuoterResult:
    """QuoterV2's answer; the per-hop lists have one entry per pool on the path."""

    amount_out: int
    sqrt_price_x96_after: tuple[int, ...]
    initialized_ticks_crossed: tuple[int, ...]
    gas_estimate: int


def encode_path(tokens: Sequence[str], fees: Sequence[int]) -> bytes:
    """The packed V3 path: token (20 bytes), fee (3 bytes), token, … ."""
    if len(tokens) != len(fees) + 1 or not fees:
        raise ValueError(f"a V3 path needs one more token than fees, got {len(tokens)} and {len(fees)}")
    out = bytearray(address_word(tokens[0])[12:])
    for fee, token in zip(fees, tokens[1:], strict=True):
        out += fee.to_bytes(3, "big") + address_word(token)[12:]
    return bytes(out)


def quote_single_calldata(
    token_in: str, token_out: str, fee: int, amount_in: int, sqrt_price_limit_x96: int = 0
) -> bytes:
    return (
        QUOTE_EXACT_INPUT_SINGLE
        + address_word(token_in)
        + address_word(token_out)
        + uint_word(amount_in)
        + uint_word(fee)
        + uint_word(sqrt_price_limit_x96)
    )


def quote_path_calldata(tokens: Sequence[str], fees: Sequence[int], amount_in: int) -> bytes:
    return QUOTE_EXACT_INPUT + encode(["bytes", "uint256"], [encode_path(tokens, fees), amount_in])


def decode_quote_single(data: bytes, what: str = "quoteExactInputSingle") -> V3QuoterResult:
    expect_words(data, 4, what)
    return V3QuoterResult(
        word_uint(data, 0), (word_uint(data, 32),), (word_uint(data, 64),), word_uint(data, 96)
    )


def decode_quote_path(data: bytes) -> V3QuoterResult:
    amount_out, prices, ticks, gas = decode(["uint256", "uint160[]", "uint32[]", "uint256"], data)
    return V3QuoterResult(int(amount_out), tuple(prices), tuple(ticks), int(gas))


def quote_calldata(tokens: Sequence[str], fees: Sequence[int], amount_in: int) -> bytes:
    """Single-hop through the static call, longer paths through ``quoteExactInput``."""
    if len(fees) == 1:
        return quote_single_calldata(tokens[0], tokens[1], fees[0], amount_in)
    return quote_path_calldata(tokens, fees, amount_in)


def decode_quote(data: bytes, hops: int) -> V3QuoterResult:
    return decode_quote_single(data) if hops == 1 else decode_quote_path(data)


async def quote_exact_input_single(
    client: RpcClient,
    quoter: str,
    token_in: str,
    token_out: str,
    fee: int,
    amount_in: int,
    block: int,
    sqrt_price_limit_x96: int = 0,
) -> V3QuoterResult:
    """QuoterV2.quoteExactInputSingle at ``block``; SimulationRevert if the pool is missing or empty."""
    data = quote_single_calldata(token_in, token_out, fee, amount_in, sqrt_price_limit_x96)
    (result,) = await eth_calls(client, [(quoter, data)], block)
    return decode_quote_single(expect_bytes(result, f"QuoterV2 quoteExactInputSingle (fee {fee})"))


async def quote_exact_input(
    client: RpcClient, quoter: str, tokens: Sequence[str], fees: Sequence[int], amount_in: int, block: int
) -> V3QuoterResult:
    """QuoterV2.quoteExactInput along ``tokens``/``fees`` at ``block``."""
    (result,) = await eth_calls(client, [(quoter, quote_path_calldata(tokens, fees, amount_in))], block)
    return decode_quote_path(expect_bytes(result, f"QuoterV2 quoteExactInput (fees {list(fees)})"))


def quote_from_quoter(
    tokens: Sequence[str],
    fees: Sequence[int],
    pools: Sequence[str],
    sqrt_prices_before: Sequence[int],
    result: V3QuoterResult,
    amount_in: int,
    block: int,
) -> Quote:
    """A Quote from QuoterV2's answer and each pool's sqrtPriceX96 before the swap (same block)."""
    ratios = [
        v3_price_ratio(before, after)
        for before, after in zip(sqrt_prices_before, result.sqrt_price_x96_after, strict=True)
    ]
    return Quote(
        dex="uniswap_v3",
        path=tuple(tokens),
        pools=tuple(pools),
        fees=tuple(fees),
        amount_in=amount_in,
        amount_out=result.amount_out,
        price_impact_bps=impact_bps(ratios),
        gas_estimate=result.gas_estimate + V3_ROUTER_GAS,
        block_number=block,
    )


async def quote_v3(
    client: RpcClient,
    addrs: DexAddresses,
    tokens: Sequence[str],
    fees: Sequence[int],
    amount_in: int,
    block: int,
) -> Quote:
    """Quote ``amount_in`` along ``tokens``/``fees`` on the V3 factory's pools: two batched round trips."""
    hops = list(zip(tokens, tokens[1:], fees, strict=False))
    lookups = await eth_calls(
        client, [(addrs.v3_factory, get_pool_calldata(a, b, fee)) for a, b, fee in hops], block
    )
    pools: list[str] = []
    for (a, b, fee), res in zip(hops, lookups, strict=True):
        what = f"V3 factory {addrs.v3_factory} getPool"
        pool = decode_address_or_none(expect_bytes(res, what), what)
        if pool is None:
            raise NoRoute(f"no Uniswap V3 pool for {a} / {b} at fee {fee}")
        pools.append(pool)
    answers = await eth_calls(
        client,
        [(addrs.v3_quoter, quote_calldata(tokens, fees, amount_in)), *((p, SLOT0) for p in pools)],
        block,
    )
    result = decode_quote(expect_bytes(answers[0], f"QuoterV2 quote along fees {list(fees)}"), len(fees))
    befores = [
        decode_slot0(expect_bytes(a, f"pool {p} slot0")).sqrt_price_x96
        for p, a in zip(pools, answers[1:], strict=True)
    ]
    return quote_from_quoter(tokens, fees, pools, befores, result, amount_in, block)
