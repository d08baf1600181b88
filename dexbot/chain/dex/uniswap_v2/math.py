"""UniswapV2Library's integer math, bit for bit, with the swap fee configurable per DEX.

``get_amount_out`` floors and ``get_amount_in`` floors then adds one, exactly as the library does, so a
quote equals what Router02 and the pair deliver to the wei. Forks differ only in the fee (e.g. 25 bps as
9975/10000), which ``V2Fee`` carries as the kept numerator over a denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dexbot.chain.dex.errors import InsufficientLiquidity, QuoteError


@dataclass(frozen=True)
class V2Fee:
    """The share of the input a pair keeps as input: Uniswap V2's is 997/1000 (30 bps)."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if not 0 < self.numerator <= self.denominator:
            raise ValueError(f"V2 fee {self.numerator}/{self.denominator}: need 0 < numerator <= denominator")

    @classmethod
    def from_bps(cls, bps: int) -> V2Fee:
        if bps == 30:
            return UNISWAP_V2_FEE
        return cls(10_000 - bps, 10_000)

    @property
    def pips(self) -> int:
        """The fee in hundredths of a bip (V3's unit): 3000 for 0.3 %."""
        return (self.denominator - self.numerator) * 1_000_000 // self.denominator


UNISWAP_V2_FEE = V2Fee(997, 1000)
FeeLike = int | V2Fee


def as_fee(fee: FeeLike) -> V2Fee:
    return fee if isinstance(fee, V2Fee) else V2Fee.from_bps(fee)


def _check_reserves(reserve_in: int, reserve_out: int) -> None:
    if reserve_in <= 0 or reserve_out <= 0:
        raise InsufficientLiquidity(
            f"V2 pool is empty (reserves {reserve_in} / {reserve_out}): nothing can be swapped"
        )


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: FeeLike = 30) -> int:
    """UniswapV2Library.getAmountOut: the output for an exact input, rounded down."""
    if amount_in <= 0:
        raise QuoteError(f"V2 amount in must be positive, got {amount_in}")
    _check_reserves(reserve_in, reserve_out)
    fee = as_fee(fee_bps)
    amount_in_with_fee = amount_in * fee.numerator
    return amount_in_with_fee * reserve_out // (reserve_in * fee.denominator + amount_in_with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: FeeLike = 30) -> int:
    """UniswapV2Library.getAmountIn: the input needed for an exact output (floor + 1, like the library)."""
    if amount_out <= 0:
        raise QuoteError(f"V2 amount out must be positive, got {amount_out}")
    _check_reserves(reserve_in, reserve_out)
    if amount_out >= reserve_out:
        raise InsufficientLiquidity(
            f"V2 pool holds {reserve_out} of the output token; {amount_out} cannot be bought"
        )
    fee = as_fee(fee_bps)
    return reserve_in * amount_out * fee.denominator // ((reserve_out - amount_out) * fee.numerator) + 1


def _fees(fees: FeeLike | Sequence[FeeLike], hops: int) -> list[FeeLike]:
    if isinstance(fees, int | V2Fee):
        return [fees] * hops
    if len(fees) != hops:
        raise ValueError(f"{len(fees)} fees for {hops} hops")
    return list(fees)


def get_amounts_out(
    amount_in: int, reserves_path: Sequence[tuple[int, int]], fees: FeeLike | Sequence[FeeLike] = 30
) -> list[int]:
    """UniswapV2Library.getAmountsOut over ``(reserve_in, reserve_out)`` per hop: ``[amount_in, …, out]``."""
    if not reserves_path:
        raise ValueError("a V2 path needs at least one hop")
    amounts = [amount_in]
    for (r_in, r_out), fee in zip(reserves_path, _fees(fees, len(reserves_path)), strict=True):
        amounts.append(get_amount_out(amounts[-1], r_in, r_out, fee))
    return amounts


def get_amounts_in(
    amount_out: int, reserves_path: Sequence[tuple[int, int]], fees: FeeLike | Sequence[FeeLike] = 30
) -> list[int]:
    """UniswapV2Library.getAmountsIn: the inputs needed per hop for an exact final output."""
    if not reserves_path:
        raise ValueError("a V2 path needs at least one hop")
    hop_fees = _fees(fees, len(reserves_path))
    amounts = [amount_out]
    for (r_in, r_out), fee in zip(reversed(reserves_path), reversed(hop_fees), strict=True):
        amounts.append(get_amount_in(amounts[-1], r_in, r_out, fee))
    return amounts[::-1]
