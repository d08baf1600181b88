"""`dexbot quote TOKEN_IN TOKEN_OUT AMOUNT`: the best route, the exact amount out and the alternatives,
all read at one block."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dexbot.cli.context import out, print_json, state
from dexbot.cli.render import cols, table
from dexbot.core.errors import InputError
from dexbot.core.units import fmt_units, from_units, parse_amount

if TYPE_CHECKING:
    from dexbot.chain.dex.types import Quote
    from dexbot.cli.quote_service import QuoteReport


def quote(
    ctx: typer.Context,
    token_in: Annotated[str, typer.Argument(help="token to sell: address or symbol (ETH, WETH, USDC, …)")],
    token_out: Annotated[str, typer.Argument(help="token to buy: address or symbol")],
    amount: Annotated[str, typer.Argument(help="amount of TOKEN_IN in its own units, e.g. 1.5")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    rpc: Annotated[str | None, typer.Option("--rpc", help="RPC URL instead of the configured ones")] = None,
) -> None:
    """Best route and exact amount out for a swap (V2, each V3 fee tier, two hops via WETH)."""
    from dexbot.cli.quote_service import quote_target, quote_tokens, resolve_token

    if rpc is not None and not rpc.startswith(("http://", "https://")):
        raise InputError(f"--rpc: {rpc!r} is not an http(s):// URL")
    for what, value in (("TOKEN_IN", token_in), ("TOKEN_OUT", token_out)):
        if value.strip().lower().startswith("0x"):
            resolve_token(value, {}, what)  # a malformed address is a usage error before any connection
    parse_amount(amount, field="AMOUNT")
    target = quote_target(state(ctx).config(), rpc)
    report = asyncio.run(quote_tokens(target, token_in, token_out, amount))
    if as_json:
        print_json(_json(report), "quote")
    else:
        _render(report)


PLAIN = ("ETH", "WETH", "USDC")  # the chain's own coins: no transfer rules of a launch


def _route(report: QuoteReport, q: Quote) -> str:
    return " → ".join(report.symbol(a) for a in q.path)


def _fee(q: Quote) -> str:
    return " + ".join(f"{f / 10_000:g} %" for f in q.fees)


def _render(report: QuoteReport) -> None:
    best, tin, tout = report.best, report.token_in, report.token_out
    places = min(tout.decimals, 8)
    sold = fmt_units(best.amount_in, tin.decimals, min(tin.decimals, 8))
    bought = fmt_units(best.amount_out, tout.decimals, places)
    out.print(f"[bold]{sold} {tin.symbol}[/] → [bold green]{bought} {tout.symbol}[/]")
    out.print(f"route         {best.dex} {_fee(best)}: {_route(report, best)}")
    out.print(f"pools         {', '.join(best.pools)}")
    out.print(f"price impact  {best.price_impact_bps / 100:.2f} % ({best.price_impact_bps} bps)")
    out.print(f"gas estimate  {best.gas_estimate:,}")
    out.print(f"block         {best.block_number} (chain {report.chain_id})")
    others = [t.symbol for t in (tin, tout) if t.symbol.upper() not in PLAIN]
    if others:  # the pools' math: what a token's own transfer rules do to the swap is not in it
        out.print(
            f"[dim]pool math only: {others[0]}'s own transfer rules (a tax, a block on selling) are not in "
            f"it; `dexbot token check {others[0]}` simulates them[/]"
        )
    if len(report.quotes) > 1:
        headers = ("dex", "fee", "route", f"amount out ({tout.symbol})", "impact (bps)", "gas")
        cells = [
            [
                q.dex,
                _fee(q),
                _route(report, q),
                fmt_units(q.amount_out, tout.decimals, places),
                str(q.price_impact_bps),
                f"{q.gas_estimate:,}",
            ]
            for q in report.quotes
        ]
        out.print(table(out, "every route at this block", cols(*headers, right=headers[3:]), cells))


def _quote_json(report: QuoteReport, q: Quote) -> dict[str, Any]:
    return {
        "dex": q.dex,
        "path": list(q.path),
        "route": _route(report, q),
        "pools": list(q.pools),
        "fees": list(q.fees),
        "amount_out": str(q.amount_out),
        "amount_out_units": str(from_units(q.amount_out, report.token_out.decimals)),
        "price_impact_bps": float(q.price_impact_bps),
        "gas_estimate": q.gas_estimate,
    }


def _json(report: QuoteReport) -> dict[str, Any]:
    best = report.best
    sides = {
        name: {"address": s.address, "symbol": s.symbol, "decimals": s.decimals, "native": s.native}
        for name, s in (("token_in", report.token_in), ("token_out", report.token_out))
    }
    return {
        "chain_id": report.chain_id,
        "block_number": best.block_number,
        **sides,
        "amount_in": str(best.amount_in),
        "amount_in_units": str(from_units(best.amount_in, report.token_in.decimals)),
        **_quote_json(report, best),
        "routes": [_quote_json(report, q) for q in report.quotes],
    }
