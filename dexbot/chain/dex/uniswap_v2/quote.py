"""Exact V2 quotes: pair lookups and reserves read at one block, then the library math in Python."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from dexbot.chain.abi import eth_calls, expect_bytes
from dexbot.chain.dex.errors import NoRoute
from dexbot.chain.dex.impact import impact_bps, v2_price_ratio
from dexbot.chain.dex.types import DexAddresses, Quote
from dexbot.chain.dex.uniswap_v2.math import UNISWAP_V2_FEE, FeeLike, as_fee, get_amounts_out
from dexbot.chain.dex.uniswap_v2.pair import (
    GET_RESERVES,
    TOKEN0,
    PairReserves,
    decode_address_or_none,
    get_pair_calldata,
    pair_reserves,
)
from dexbot.chain.rpc import RpcClient

# Typical Router02 gas for swapExact*, measured on the devnet with the pair's price oracle already live
# (as on a real chain; tests/chain/dex checks it stays within a quarter of a real swap). A V2 quote has no
# simulator to ask; the first swap after a pair's creation pays ~44k more for its first oracle write.
V2_GAS_FIRST_HOP = 120_000
V2_GAS_PER_EXTRA_HOP = 65_000


def v2_gas_estimate(hops: int) -> int:
    return V2_GAS_FIRST_HOP + V2_GAS_PER_EXTRA_HOP * (hops - 1)


def quote_from_pairs(
    path: Sequence[str], pairs: Sequence[PairReserves], amount_in: int, fee: FeeLike = UNISWAP_V2_FEE
) -> Quote:
    """The quote along ``path`` through ``pairs`` (one per hop, read at the same block)."""
    if len(pairs) != len(path) - 1 or not pairs:
        raise ValueError(f"{len(pairs)} pairs for a path of {len(path)} tokens")
    v2_fee = as_fee(fee)
    reserves = [pair.reserves_for(token) for pair, token in zip(pairs, path, strict=False)]
    amounts = get_amounts_out(amount_in, reserves, v2_fee)
    ratios = [
        v2_price_ratio(r_in, r_out, a_in, a_out)
        for (r_in, r_out), a_in, a_out in zip(reserves, amounts[:-1], amounts[1:], strict=True)
    ]
    return Quote(
        dex="uniswap_v2",
        path=tuple(path),
        pools=tuple(p.pair for p in pairs),
        fees=(v2_fee.pips,) * len(pairs),
        amount_in=amount_in,
        amount_out=amounts[-1],
        price_impact_bps=impact_bps(ratios),
        gas_estimate=v2_gas_estimate(len(pairs)),
        block_number=pairs[0].block,
    )


async def quote_v2(
    client: RpcClient,
    addrs: DexAddresses,
    path: Sequence[str],
    amount_in: int,
    block: int,
    fee: FeeLike = UNISWAP_V2_FEE,
) -> Quote:
    """Quote ``amount_in`` along ``path`` on the V2 factory's pairs: two batched round trips."""
    hops = list(itertools.pairwise(path))
    lookups = await eth_calls(client, [(addrs.v2_factory, get_pair_calldata(a, b)) for a, b in hops], block)
    pairs: list[str] = []
    for (a, b), res in zip(hops, lookups, strict=True):
        what = f"V2 factory {addrs.v2_factory} getPair"
        pair = decode_address_or_none(expect_bytes(res, what), what)
        if pair is None:
            raise NoRoute(f"no Uniswap V2 pair for {a} / {b}")
        pairs.append(pair)
    reads = await eth_calls(client, [(p, sel) for p in pairs for sel in (TOKEN0, GET_RESERVES)], block)
    states = [
        pair_reserves(
            p,
            expect_bytes(reads[2 * i], f"pair {p} token0"),
            expect_bytes(reads[2 * i + 1], f"pair {p} getReserves"),
            block,
        )
        for i, p in enumerate(pairs)
    ]
    return quote_from_pairs(path, states, amount_in, fee)
