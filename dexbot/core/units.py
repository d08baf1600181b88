"""Money is raw ``int`` in the token's smallest unit everywhere; Decimal only at the edges (config, UI)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from dexbot.core.errors import InputError

WEI_PER_ETH = 10**18


def to_units(amount: str | Decimal | int, decimals: int, *, field: str = "amount") -> int:
    """Parse a human amount ("1.5") into integer units, refusing negatives, NaN and excess precision."""
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise InputError(f"{field}: {amount!r} is not a number") from None
    if not value.is_finite():
        raise InputError(f"{field}: {amount!r} is not a finite number")
    if value < 0:
        raise InputError(f"{field}: {amount!r} must not be negative")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise InputError(f"{field}: {amount!r} has more than {decimals} decimal places")
    return int(scaled)


def from_units(raw: int, decimals: int) -> Decimal:
    """Exact Decimal value of a raw integer amount."""
    return Decimal(raw).scaleb(-decimals)


def fmt_units(raw: int, decimals: int, places: int = 6) -> str:
    """Human display of a raw amount, truncated (never rounded up) to ``places`` decimals."""
    value = from_units(raw, decimals)
    quant = Decimal(1).scaleb(-places)
    return f"{value.quantize(quant, rounding=ROUND_DOWN):,f}"
