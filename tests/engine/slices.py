"""Checks on exit slices recomputed from the pool itself, not from the engine's quote code: a V2 sale's
output from the pair's reserves at the slice's block (UniswapV2Library's formula), a V3 sale's from
QuoterV2, and the impact as 1 − (average price / marginal price), the marginal price net of the fee."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from math import ceil

from dexbot.chain.dex.uniswap_v2.pair import read_pair
from dexbot.chain.dex.uniswap_v3.pool import read_pool
from dexbot.chain.dex.uniswap_v3.quote import quote_exact_input_single
from dexbot.chain.rpc import RpcClient
from dexbot.store.models import Trade


async def v2_sale(client: RpcClient, pair: str, token: str, amount_in: int, block: int) -> tuple[int, int]:
    """(WETH out, impact in whole bps rounded up) of selling ``amount_in`` into the pair at ``block``."""
    res = await read_pair(client, pair, block)
    r_in, r_out = res.reserves_for(token)
    out = amount_in * 997 * r_out // (r_in * 1000 + amount_in * 997)
    marginal = Fraction(997 * r_out, 1000 * r_in)
    return out, ceil((1 - Fraction(out) / (marginal * amount_in)) * 10_000)


async def v3_sale(
    client: RpcClient, quoter: str, pool: str, token: str, weth: str, fee: int, amount_in: int, block: int
) -> tuple[int, int]:
    """The same on a V3 pool: QuoterV2's output, against the price in slot0 less the pool's fee."""
    (slot0, _), q = await asyncio.gather(
        read_pool(client, pool, block),
        quote_exact_input_single(client, quoter, token, weth, fee, amount_in, block),
    )
    price = Fraction(slot0.sqrt_price_x96**2, 2**192)  # token1 per token0
    marginal = (price if token.lower() < weth.lower() else 1 / price) * Fraction(10**6 - fee, 10**6)
    return q.amount_out, ceil((1 - Fraction(q.amount_out) / (marginal * amount_in)) * 10_000)


def sells(trades: list[Trade]) -> list[Trade]:
    """The sell trades, oldest first."""
    return sorted((t for t in trades if t.side == "sell"), key=lambda t: t.id or 0)
