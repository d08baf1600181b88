"""Price impact, exactly, in two senses: how far a swap moves the pools' price against the trader
(price after / price before, per hop: what ``dexbot quote`` shows), and how much worse a fill's average
price is than the pool's marginal price before it (``fill_impact_bps``: what an exit slice is held to).

Kept as exact fractions and turned into basis points only at the end, so a multi-hop route combines hop
impacts without rounding twice and no float ever touches money.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from dexbot.chain.dex.errors import InsufficientLiquidity
from dexbot.chain.dex.uniswap_v2.math import UNISWAP_V2_FEE, V2Fee

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


def v2_spot(reserve_in: int, reserve_out: int, fee: V2Fee = UNISWAP_V2_FEE) -> Fraction:
    """What the first wei into a pair gets, per unit in, net of the pair's fee: d(out)/d(in) at in = 0
    of getAmountOut. The price a sale's average is held against."""
    if reserve_in <= 0 or reserve_out <= 0:
        raise InsufficientLiquidity(f"V2 reserves {reserve_in}/{reserve_out}: no price")
    return Fraction(reserve_out * fee.numerator, reserve_in * fee.denominator)


def v3_spot(sqrt_price_x96: int, fee_pips: int, *, zero_for_one: bool) -> Fraction:
    """The same for a V3 pool at its current sqrtPriceX96: token1 per token0 is (√P / 2^96)², the pool
    keeps ``fee_pips`` millionths of the input."""
    if sqrt_price_x96 <= 0:
        raise InsufficientLiquidity("V3 pool has no price (sqrtPriceX96 = 0)")
    price = Fraction(sqrt_price_x96 * sqrt_price_x96, 1 << 192)
    return (price if zero_for_one else 1 / price) * Fraction(1_000_000 - fee_pips, 1_000_000)


def fill_impact_bps(amount_in: int, amount_out: int, spot: Fraction) -> int:
    """How much worse than ``spot`` a swap's average price is, 1 − (out / in) / spot, in whole bps
    rounded up (never understated), within 0..10000."""
    if amount_in <= 0:
        return 0
    fair = spot * amount_in
    if fair <= 0:
        return BPS
    loss = (1 - amount_out / fair) * BPS
    return max(0, min(BPS, -((-loss.numerator) // loss.denominator)))
