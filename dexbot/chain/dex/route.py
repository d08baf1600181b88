"""The best route for a swap: V2 direct, each existing V3 fee tier, and two hops through WETH.

Every candidate is priced from the same block in two batched round trips (factory lookups, then
reserves + slot0 + QuoterV2 calls), so comparing them is fair and the whole search costs ~2 RTTs.
Mixed V2→V3 routes are left out: neither Router02 nor SwapRouter can execute them in one transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from dexbot.chain.abi import eth_calls, expect_bytes
from dexbot.chain.dex.errors import NoRoute, QuoteError
from dexbot.chain.dex.types import DexAddresses, Quote
from dexbot.chain.dex.uniswap_v2.math import UNISWAP_V2_FEE, FeeLike
from dexbot.chain.dex.uniswap_v2.pair import (
    GET_RESERVES,
    TOKEN0,
    PairReserves,
    decode_address_or_none,
    get_pair_calldata,
    pair_reserves,
)
from dexbot.chain.dex.uniswap_v2.quote import quote_from_pairs
from dexbot.chain.dex.uniswap_v3.pool import FEE_TIERS, SLOT0, decode_slot0, get_pool_calldata
from dexbot.chain.dex.uniswap_v3.quote import decode_quote, quote_calldata, quote_from_quoter
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError

Hop = tuple[str, str]


@dataclass(frozen=True)
class _Lookup:
    """One factory lookup: the V2 pair (fee None) or V3 pool (fee tier) for a hop."""

    hop: Hop
    fee: int | None


def _hops(token_in: str, token_out: str, weth: str) -> list[Sequence[str]]:
    paths: list[Sequence[str]] = [(token_in, token_out)]
    if weth.lower() not in (token_in.lower(), token_out.lower()):
        paths.append((token_in, weth, token_out))
    return paths


async def find_quotes(
    client: RpcClient,
    addrs: DexAddresses,
    token_in: str,
    token_out: str,
    amount_in: int,
    *,
    block: int | None = None,
    v2_fee: FeeLike = UNISWAP_V2_FEE,
    fee_tiers: Sequence[int] = FEE_TIERS,
) -> list[Quote]:
    """Every route that exists and returns something, best (largest amount out, then least gas) first."""
    if token_in.lower() == token_out.lower():
        raise QuoteError(f"token in and token out are the same token ({token_in})")
    if amount_in <= 0:
        raise QuoteError(f"amount in must be positive, got {amount_in}")
    if block is None:
        block = await client.block_number()
    paths = _hops(token_in, token_out, addrs.weth)
    found = await _lookup_pools(client, addrs, paths, fee_tiers, block)
    v2_routes, v3_routes = _candidates(paths, found, fee_tiers, addrs)
    quotes = await _price(client, addrs, v2_routes, v3_routes, amount_in, block, v2_fee)
    quotes = [q for q in quotes if q.amount_out > 0]
    return sorted(quotes, key=lambda q: (-q.amount_out, q.gas_estimate, q.hops))


async def best_quote(
    client: RpcClient,
    addrs: DexAddresses,
    token_in: str,
    token_out: str,
    amount_in: int,
    *,
    block: int | None = None,
    v2_fee: FeeLike = UNISWAP_V2_FEE,
    fee_tiers: Sequence[int] = FEE_TIERS,
) -> Quote:
    """The route delivering the most ``token_out``; NoRoute when no pool connects the tokens."""
    quotes = await find_quotes(
        client, addrs, token_in, token_out, amount_in, block=block, v2_fee=v2_fee, fee_tiers=fee_tiers
    )
    if not quotes:
        raise NoRoute(
            f"no Uniswap V2/V3 route from {token_in} to {token_out} (direct or via WETH) can fill {amount_in}"
        )
    return quotes[0]


async def _lookup_pools(
    client: RpcClient,
    addrs: DexAddresses,
    paths: list[Sequence[str]],
    fee_tiers: Sequence[int],
    block: int,
) -> dict[_Lookup, str]:
    lookups: list[_Lookup] = []
    calls: list[tuple[str, bytes]] = []
    hops = {(a, b) for path in paths for a, b in itertools.pairwise(path)}
    for a, b in sorted(hops):
        if addrs.has_v2:
            lookups.append(_Lookup((a, b), None))
            calls.append((addrs.v2_factory, get_pair_calldata(a, b)))
        if addrs.has_v3:
            for fee in fee_tiers:
                lookups.append(_Lookup((a, b), fee))
                calls.append((addrs.v3_factory, get_pool_calldata(a, b, fee)))
    results = await eth_calls(client, calls, block)
    found: dict[_Lookup, str] = {}
    for lookup, res in zip(lookups, results, strict=True):
        what = "V2 factory getPair" if lookup.fee is None else "V3 factory getPool"
        address = decode_address_or_none(expect_bytes(res, what), what)
        if address is not None:
            found[lookup] = address
    return found


V2Route = tuple[Sequence[str], list[str]]
V3Route = tuple[Sequence[str], tuple[int, ...], list[str]]


def _candidates(
    paths: list[Sequence[str]], found: dict[_Lookup, str], fee_tiers: Sequence[int], addrs: DexAddresses
) -> tuple[list[V2Route], list[V3Route]]:
    v2: list[V2Route] = []
    v3: list[V3Route] = []
    for path in paths:
        hops = list(itertools.pairwise(path))
        pairs = [found.get(_Lookup(h, None)) for h in hops]
        if all(pairs):
            v2.append((path, [p for p in pairs if p]))
        combos: list[tuple[int, ...]] = [()]
        for _ in hops:
            combos = [(*c, fee) for c in combos for fee in fee_tiers]
        for fees in combos:
            pools = [found.get(_Lookup(h, fee)) for h, fee in zip(hops, fees, strict=True)]
            if all(pools):
                v3.append((path, fees, [p for p in pools if p]))
    return v2, v3


async def _price(
    client: RpcClient,
    addrs: DexAddresses,
    v2_routes: list[V2Route],
    v3_routes: list[V3Route],
    amount_in: int,
    block: int,
    v2_fee: FeeLike,
) -> list[Quote]:
    pairs = sorted({p for _, ps in v2_routes for p in ps})
    pools = sorted({p for _, _, ps in v3_routes for p in ps})
    calls: list[tuple[str, bytes]] = [(p, sel) for p in pairs for sel in (TOKEN0, GET_RESERVES)]
    calls += [(p, SLOT0) for p in pools]
    calls += [(addrs.v3_quoter, quote_calldata(path, fees, amount_in)) for path, fees, _ in v3_routes]
    answers = await eth_calls(client, calls, block)
    states: dict[str, PairReserves] = {}
    for i, p in enumerate(pairs):
        t0, res = answers[2 * i], answers[2 * i + 1]
        if not isinstance(t0, RpcError) and not isinstance(res, RpcError):
            states[p] = pair_reserves(p, t0, res, block)
    base = 2 * len(pairs)
    prices: dict[str, int] = {}
    for i, p in enumerate(pools):
        ans = answers[base + i]
        if not isinstance(ans, RpcError):
            prices[p] = decode_slot0(ans, f"pool {p} slot0").sqrt_price_x96
    quotes: list[Quote] = []
    for path, ps in v2_routes:
        if all(p in states for p in ps):
            try:
                quotes.append(quote_from_pairs(path, [states[p] for p in ps], amount_in, v2_fee))
            except QuoteError:
                continue  # an empty pair on the way
    base += len(pools)
    for (path, fees, ps), ans in zip(v3_routes, answers[base:], strict=True):
        if isinstance(ans, RpcError) or not all(p in prices for p in ps):
            continue  # QuoterV2 reverts when a pool cannot fill the amount
        result = decode_quote(ans, len(fees))
        quotes.append(quote_from_quoter(path, fees, ps, [prices[p] for p in ps], result, amount_in, block))
    return quotes
