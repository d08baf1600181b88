"""Readable paragraphs for the thought log, generated from a decision's factors, exit rule or slice plan:
the "why" a trader reads next to each decision."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from dexbot.core.units import fmt_units
from dexbot.engine.exits.plan import ExitPlan
from dexbot.engine.risk.score import Assessment, Factor, contributions


def _pct(bps: int | None) -> str:
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
        f"the simulated round trip works (buy tax {_pct(a.buy_tax_bps)}, sell tax {_pct(a.sell_tax_bps)}). "
        f"Buying with {fmt_units(size_wei, 18, 4)} WETH ({share:.1f}% of equity) for about "
        f"{fmt_units(expected_out, decimals, 2)} {a.symbol} after tax. Watch: {top_concerns(a.factors)}."
    )


def explain_exit(symbol: str, rule: str, value_wei: int, cost_wei: int, detail: str = "") -> str:
    pnl = value_wei - cost_wei
    pct = Decimal(pnl * 100) / Decimal(cost_wei) if cost_wei else Decimal(0)
    sign = "+" if pnl >= 0 else "-"
    extra = f" {detail}" if detail else ""
    return (
        f"Exiting {symbol} by {rule}: selling now would net {fmt_units(value_wei, 18, 6)} WETH after tax "
        f"against {fmt_units(cost_wei, 18, 6)} WETH paid ({sign}{abs(pct):.2f}%).{extra}"
    )


def explain_slice(
    plan: ExitPlan,
    rule: str,
    symbol: str,
    decimals: int,
    sold: int,
    left: int,
    impact_bps: int,
    budget_bps: int,
) -> str:
    """What one sale of an exit was: its size, its measured price impact (average price against the pool's
    marginal price) and, for a sliced exit, how it stands against the budget and what is carried on."""
    what = f"{fmt_units(sold, decimals, 4)} {symbol} at {_pct(impact_bps)} price impact"
    if not plan.budgeted:
        return f"Sold {what} at once: a {rule} exit does not wait for the {budget_bps} bps impact budget."
    if impact_bps <= budget_bps:
        within = f" (within the {budget_bps} bps budget)"
    else:
        within = f", over the {budget_bps} bps budget: the pool is too thin for any slice within it"
    if left > 0:
        return (
            f"Slice {plan.fills}: {what}{within}; {fmt_units(left, decimals, 4)} {symbol} carried to the "
            f"next blocks ({plan.describe()})."
        )
    if plan.fills == 1:
        return f"Sold {what} in one slice{within}."
    return f"Slice {plan.fills}, the last: {what}{within}; sold in {plan.fills} slices."
