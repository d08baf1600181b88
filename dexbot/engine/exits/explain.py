"""The thought text of an exit and of each slice of a sliced exit: what was sold, by which rule, at what
net value, and how much of the plan is left."""

from __future__ import annotations

from decimal import Decimal

from dexbot.core.units import fmt_units
from dexbot.engine.exits.plan import ExitPlan
from dexbot.engine.thoughts.explain import pct_text


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
    what = f"{fmt_units(sold, decimals, 4)} {symbol} at {pct_text(impact_bps)} price impact"
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
