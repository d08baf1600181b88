"""Money is raw ``int`` in the token's smallest unit everywhere; Decimal only at the edges (config, UI).

Conversions are exact for every int: Decimal's default context keeps 28 digits and would silently
round (or raise) on amounts a token with 18 decimals reaches at 10 billion units."""

from __future__ import annotations

from decimal import ROUND_DOWN, Context, Decimal, InvalidOperation

from dexbot.core.errors import InputError

WEI_PER_ETH = 10**18
UINT256_MAX = 2**256 - 1
_MAX_DIGITS = 400  # a literal longer than this is no amount anyone means (uint256 has 78 digits)


def parse_amount(amount: str | Decimal | int, *, field: str = "amount") -> Decimal:
    """A human amount as an exact, finite, non-negative Decimal; syntax only, so it can be checked
    before the token's decimals are known (before any network access)."""
    text = str(amount).strip()
    if len(text) > _MAX_DIGITS:
        raise InputError(f"{field}: {text[:20]!r}… is not a number ({len(text)} characters)")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise InputError(f"{field}: {amount!r} is not a number") from None
    if not value.is_finite():
        raise InputError(f"{field}: {amount!r} is not a finite number")
    if value < 0:
        raise InputError(f"{field}: {amount!r} must not be negative")
    return value


def to_units(
    amount: str | Decimal | int,
    decimals: int,
    *,
    field: str = "amount",
    unit: str = "",
    limit: int = UINT256_MAX,
) -> int:
    """Parse a human amount ("1.5") into integer units, refusing negatives, NaN, excess precision and
    anything above ``limit`` raw units (a uint256 by default: what a contract call can carry)."""
    value = parse_amount(amount, field=field)
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: parse_amount refused NaN and infinities
    text = "".join(map(str, digits))
    significant = text.rstrip("0")
    if not significant:
        return 0  # also "0e999999999", without computing its power of ten
    shift = exponent + len(text) - len(significant) + decimals
    if value.adjusted() + decimals >= len(str(limit)):
        raise InputError(_too_large(field, amount, decimals, unit, limit))
    if shift < 0:
        raise InputError(f"{field}: {amount!r} has more than {decimals} decimal places")
    raw = int(significant) * 10**shift
    if raw > limit:
        raise InputError(_too_large(field, amount, decimals, unit, limit))
    return raw


def _too_large(field: str, amount: object, decimals: int, unit: str, limit: int) -> str:
    most = Context(prec=3, rounding=ROUND_DOWN).create_decimal(limit).scaleb(-decimals)
    return f"{field}: {amount!r} is too large: at most {most:.2e}{' ' + unit if unit else ''}"


def from_units(raw: int, decimals: int) -> Decimal:
    """Exact Decimal value of a raw integer amount, however many digits it has."""
    return Decimal(raw).scaleb(-decimals, context=Context(prec=max(28, len(str(abs(raw))))))


def fmt_units(raw: int, decimals: int, places: int = 6) -> str:
    """Human display of a raw amount, truncated (never rounded up) to ``places`` decimals; integer
    arithmetic, so it never raises and never switches to exponents."""
    whole, frac = divmod(abs(raw), 10**decimals)
    sign = "-" if raw < 0 else ""
    if places <= 0:
        return f"{sign}{whole:,}"
    digits = (str(frac).rjust(decimals, "0") if decimals else "")[:places].ljust(places, "0")
    return f"{sign}{whole:,}.{digits}"


def swap_amounts(
    side: str, amount_in: int, amount_out: int, symbol: str, decimals: int, token_places: int = 4
) -> tuple[str, str]:
    """A swap's (in, out) with their units: WETH (6 places) on one side, the token in its own
    ``decimals`` on the other (a buy pays WETH, a sell is paid it); truncated, never rounded up."""

    def weth(raw: int) -> str:
        return f"{fmt_units(raw, 18, 6)} WETH"

    def tokens(raw: int) -> str:
        return f"{fmt_units(raw, decimals, token_places)} {symbol}"

    if side == "buy":
        return weth(amount_in), tokens(amount_out)
    return tokens(amount_in), weth(amount_out)
