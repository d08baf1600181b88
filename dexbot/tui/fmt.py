"""Display formatting for the panes: exact integers in, short strings out. Truncation never rounds a
value up, so the screen never shows more money than the engine holds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from dexbot.core.units import fmt_units

WETH_DECIMALS = 18
USD_DECIMALS = 6

DECISION_STYLES: dict[str, str] = {
    "enter": "bold green",
    "exit": "bold cyan",
    "skip": "yellow",
    "hold": "blue",
    "level": "magenta",
    "breaker": "bold red",
    "pause": "bold yellow",
    "resume": "green",
    "error": "bold white on red",
}

BREAKER_STATE_STYLES: dict[str, str] = {
    "open": "bold white on red",
    "half_open": "bold black on yellow",
    "closed": "green",
}

STATE_STYLES: dict[str, str] = {
    "running": "bold black on green",
    "paused": "bold black on yellow",
    "halted": "bold white on red",
    "starting": "bold black on cyan",
    "stopping": "bold black on cyan",
    "stopped": "bold white on grey37",
}


def units(raw: int, decimals: int, places: int = 4) -> str:
    """Fixed-point, truncated toward zero: ``core.units.fmt_units`` with the panes' four places."""
    return fmt_units(raw, decimals, places)


def weth(wei: int, places: int = 4) -> str:
    """Signed WETH amount: ``-0.0123``; the sign is kept for negatives that truncate to zero."""
    text = units(abs(wei), WETH_DECIMALS, places)
    return f"-{text}" if wei < 0 else text


def price(wei: int, significant: int = 4) -> str:
    """A WETH price with ``significant`` digits whatever its size: fresh tokens trade at 1e-8 WETH."""
    if wei <= 0:
        return units(0, WETH_DECIMALS, 4)
    places = max(4, min(WETH_DECIMALS, significant - (len(str(wei)) - WETH_DECIMALS)))
    return units(wei, WETH_DECIMALS, places)


def signed_weth(wei: int, places: int = 4) -> str:
    return weth(wei, places) if wei < 0 else f"+{weth(wei, places)}"


def usd(wei: int, eth_usd_e6: int) -> str:
    """USD value of a WETH amount at a 6-decimal price; empty when the price is unknown."""
    if eth_usd_e6 <= 0:
        return ""
    cents = abs(wei) * eth_usd_e6 // 10**22  # wei·(usd·1e6)/1e18 → usd·1e6 → cents: /1e4
    sign = "-" if wei < 0 else ""
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


def bps_pct(bps: int, places: int = 2, signed: bool = False) -> str:
    value = (Decimal(bps) / 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    sign = "+" if signed and bps > 0 else ""
    return f"{sign}{value}%"


def token_amount(raw: int, decimals: int, places: int = 4) -> str:
    return units(raw, decimals, places)


def compact_amount(raw: int, decimals: int) -> str:
    """Token sizes span 1e-6 to 1e12 whole units: 1.23M / 88.0K / 12.5 / 0.0042, truncated."""
    whole = abs(raw) // 10**decimals
    for exponent, suffix in ((12, "T"), (9, "B"), (6, "M"), (3, "K")):
        if whole >= 10**exponent:
            return units(raw, decimals + exponent, 2) + suffix
    return units(raw, decimals, 4 if whole < 1 else 2)


def age(seconds: float) -> str:
    if seconds < 0:
        return "?"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def short_addr(address: str) -> str:
    return address if len(address) < 12 else f"{address[:6]}…{address[-4:]}"


def pnl_style(value: int) -> str:
    return "green" if value > 0 else "red" if value < 0 else ""


def int_ticks(values: Sequence[float], count: int = 5) -> tuple[list[float], list[str]]:
    """Whole-number axis ticks (block numbers, seconds) spread over ``values``, at most ``count``; plotext's
    own ticks would label block 8 as ``8.8``."""
    if not values:
        return [], []
    low, high = math.floor(min(values)), math.ceil(max(values))
    step = max(1, math.ceil((high - low) / max(1, count - 1)))
    ticks = list(range(low, high + 1, step))
    if ticks[-1] != high and high - ticks[-1] >= step / 2:
        ticks.append(high)
    return [float(t) for t in ticks], [f"{t:,}" for t in ticks]
