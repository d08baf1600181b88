"""`dexbot token check ADDRESS [--json]`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from dexbot.cli.context import out, print_json, state
from dexbot.cli.render import cols, table
from dexbot.core.units import fmt_units

app = typer.Typer(help="Token risk assessment.", no_args_is_help=True)

VERDICT_STYLE = {
    "ok": "bold green",
    "risky": "bold yellow",
    "blocked": "bold red",
    "inconclusive": "bold magenta",
}


@app.command("check")
def check(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="token address (or a devnet symbol)")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    level: Annotated[
        int | None, typer.Option("--level", min=1, max=10, help="judge at this intel level")
    ] = None,
) -> None:
    """Assess a token: every risk factor with its contribution to the score.

    A round trip simulated in one call (taxes, limits, honeypot); owner privileges, holders, LP, age, gas."""
    from dexbot.cli.quote_service import quote_target, resolve_token
    from dexbot.cli.risk_check import check_token

    if address.strip().lower().startswith("0x"):
        resolve_token(address, {}, "ADDRESS")  # a malformed address is a usage error before any connection
    cfg = state(ctx).config()
    a = asyncio.run(check_token(cfg, quote_target(cfg), address, level=level))
    if as_json:
        print_json(a.to_json(), "token check")
        return
    style = VERDICT_STYLE.get(a.verdict, "bold")
    out.print(
        f"[bold]{a.symbol}[/] {a.token} at block {a.block_number} ({a.lane} lane, {a.elapsed_ms:.1f} ms)"
    )
    out.print(f"verdict [{style}]{a.verdict.upper()}[/]  risk score [bold]{a.score}[/]/100")
    taxes = f"buy {_bps(a.buy_tax_bps)}, sell {_bps(a.sell_tax_bps)}"
    out.print(f"taxes   {taxes}" + (f", transfer {a.transfer_tax_bps} bps" if a.transfer_tax_bps else ""))
    if a.max_buy_wei is not None:
        out.print(f"largest simulated buy that went through: {fmt_units(a.max_buy_wei, 18, 4)} WETH")
    if a.privileges:
        out.print(f"privileged functions (hints from bytecode): {', '.join(a.privileges)}")
    raised = [f.name for f in a.flags if f.value]
    if raised:
        out.print(f"flags raised: {', '.join(raised)}")
    if a.revert_reasons:
        out.print(f"revert reasons: {'; '.join(a.revert_reasons)}")
    if a.inconclusive:
        out.print(f"[magenta]inconclusive:[/] {a.inconclusive}")
    columns = cols(
        "factor", "value", "risk", "weight", "contribution", "note", right=("risk", "weight", "contribution")
    )
    cells = [
        [
            f"[red]{f.name} ✖[/]" if f.hard_block else f.name,
            f.value,
            str(f.risk),
            f"{f.weight:g}",
            f"{c:.1f}",
            f.note,
        ]
        for f, c in a.contributions()
    ]
    out.print(table(out, "factors", columns, cells))


def _bps(tax: int | None) -> str:
    """A measured tax, or why there is none (the simulated trade reverted, or none could run)."""
    return "unknown (not measured)" if tax is None else f"{tax} bps"
