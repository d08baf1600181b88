"""Price impact: how far a swap moves the pools' price against the trader, exactly.

Kept as exact fractions (price after / price before, per hop) and turned into basis points only at the
end, so a multi-hop route combines hop impacts without rounding twice and no float ever touches money.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

BPS = 10_000
_CENT_BPS = Decimal("0.01")


def v2_price_ratio(reserve_in: int, reserve_out: int, amount_in: int, amount_out: int) -> Fraction:
    """Price of the input token (in output tokens) after the swap over before: (r_out'/r_in')/(r_out/r_in).

    The whole ``amount_in`` stays in the pair (the fee too), so r_in' = r_in + amount_in."""
    return Fraction((reserve_out - amount_out) * reserve_in, reserve_out * (reserve_in + amount_in))


def v3_price_ratio(sqrt_price_before_x96: int, sqrt_price_after_x96: int) -> Fraction:
    """A swap always moves the price against the trader, whichever token is token0, so the ratio of the
    squared sqrt prices, smaller over larger, is the input token's price after over before."""
    lo, hi = sorted((sqrt_price_before_x96, sqrt_price_after_x96))
    if hi == 0:
        return Fraction(1)
    return Fraction(lo * lo, hi * hi)


def impact_bps(ratios: Iterable[Fraction]) -> Decimal:
    """Combined impact of consecutive hops, in bps rounded up to 0.01 (never understated)."""
    combined = Fraction(1)
    for r in ratios:
        combined *= r
    loss = (1 - combined) * BPS
    cents = -((-loss.numerator * 100) // loss.denominator)  # ceil(loss * 100)
    return (Decimal(cents) / 100).quantize(_CENT_BPS, rounding=ROUND_CEILING)


def net_of_tax(amount: int, bps: int) -> int:
    """What arrives after a fee-on-transfer token takes ``bps``: ``amount - amount * bps // 10000``,
    the rounding the usual tax tokens (and the devnet's TaxToken) use. Routers' getAmountsOut ignore it."""
    if not 0 <= bps <= BPS:
        raise ValueError(f"tax bps {bps} outside 0..10000")
    return amount - amount * bps // BPS
