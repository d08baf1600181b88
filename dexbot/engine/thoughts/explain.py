"""Readable paragraphs for the thought log, generated from a decision's factors (exits
explain themselves in ``exits/explain.py``):
the "why" a trader reads next to each decision."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from dexbot.core.units import fmt_units
from dexbot.engine.risk.score import Assessment, Factor, contributions


def pct_text(bps: int | None) -> str:
    return "?" if bps is None else f"{Decimal(bps) / 100:g}%"


def top_concerns(factors: Iterable[Factor], n: int = 2) -> str:
    ranked = sorted(contributions(tuple(factors)), key=lambda fc: -fc[1])
    parts = [f"{f.name.replace('_', ' ')} {f.value} (+{c:.0f})" for f, c in ranked[:n] if c >= 1]
    return ", ".join(parts) if parts else "none worth naming"


def explain_skip(a: Assessment, max_risk: int) -> str:
    """Why a token was not bought, most decisive reason first."""
    if a.blockers:
        first = a.blockers[0]
        others = f" Also: {', '.join(b.note for b in a.blockers[1:])}." if len(a.blockers) > 1 else ""
        return f"Skipping {a.symbol}: {first.note} — a hard block at every level.{others}"
    if a.verdict == "inconclusive":
        return (
            f"Skipping {a.symbol}: the round-trip simulation was inconclusive ({a.inconclusive}); "
            "no money goes into a token whose exit was not shown to work."
        )
    return (
        f"Skipping {a.symbol}: risk {a.score}/100 is above this level's limit of {max_risk}. "
        f"Main concerns: {top_concerns(a.factors, 3)}."
    )


def explain_enter(
    a: Assessment, max_risk: int, size_wei: int, equity_wei: int, expected_out: int, decimals: int
) -> str:
    share = Decimal(size_wei * 100) / Decimal(equity_wei) if equity_wei else Decimal(0)
    return (
        f"Entering {a.symbol}: risk {a.score}/100 is within the limit of {max_risk}; "
        f"the simulated round trip works (buy tax {pct_text(a.buy_tax_bps)}, "
        f"sell tax {pct_text(a.sell_tax_bps)}). "
        f"Buying with {fmt_units(size_wei, 18, 4)} WETH ({share:.1f}% of equity) for about "
        f"{fmt_units(expected_out, decimals, 2)} {a.symbol} after tax. Watch: {top_concerns(a.factors)}."
    )
