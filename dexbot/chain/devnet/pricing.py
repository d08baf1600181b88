"""Exact integer pool pricing for seeding liquidity.

A pool's price comes from the two raw amounts put into it, so the V3 start price is derived from those
integers with ``math.isqrt`` (no floats): the V2 and V3 pools of a token then quote the same price.
"""

from __future__ import annotations

import math

from dexbot.core.errors import DevnetError

MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342
FEE_TICK_SPACING = {100: 1, 500: 10, 3000: 60, 10000: 200}


def sqrt_price_x96(amount0: int, amount1: int) -> int:
    """floor(sqrt(amount1 / amount0) * 2**96): the V3 price of token0 in token1, from raw amounts."""
    if amount0 <= 0 or amount1 <= 0:
        raise DevnetError(f"pool amounts must be positive, got {amount0} and {amount1}")
    price = math.isqrt((amount1 << 192) // amount0)
    if not MIN_SQRT_RATIO <= price < MAX_SQRT_RATIO:
        raise DevnetError(f"price {amount1}/{amount0} is outside the range Uniswap V3 can represent")
    return price


def full_range_ticks(fee: int) -> tuple[int, int]:
    """The widest tick range usable at ``fee``: the extreme ticks rounded in to the tick spacing."""
    try:
        spacing = FEE_TICK_SPACING[fee]
    except KeyError:
        raise DevnetError(f"unsupported V3 fee tier {fee} (use one of {sorted(FEE_TICK_SPACING)})") from None
    return -(-MIN_TICK // spacing) * spacing, (MAX_TICK // spacing) * spacing
