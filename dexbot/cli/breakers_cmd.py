"""`dexbot breakers`: list every circuit breaker with its persisted state, and let an operator trip or
reset one. Works without a running engine: it reads and writes ``breaker_events``; a running engine
applies operator transitions on its next tick (``BreakerRegistry.sync_from_store``)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Annotated

import typer

from dexbot.cli.context import err, out, print_json, state
from dexbot.cli.render import cols, table
from dexbot.core.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from dexbot.core.config import Config
    from dexbot.engine.host.commands import BreakerRegistry

app = typer.Typer(
    help="Circuit breakers: list their state (default), trip or reset one.",
    invoke_without_command=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output")]
STATE_STYLE = {"closed": "green", "open": "bold red", "half_open": "yellow"}


def _registry(ctx: typer.Context) -> BreakerRegistry:
    from dexbot.engine.host.commands import BreakerRegistry
    from dexbot.store.db import open_database

    cfg = state(ctx).config()
    db = open_database(cfg.database_url, busy_timeout_ms=cfg.store.busy_timeout_ms)
    reg = BreakerRegistry(cfg.breakers, db, instance=cfg.instance.name, chain=_chain(cfg, db))
    reg.load()
    return reg


def _chain(cfg: Config, db: Engine) -> tuple[int, str] | None:
    """The chain whose breakers are shown, tripped or reset: the configured one (its RPC read), else
    the chain of the instance's most recent account (said on stderr), else any chain (None)."""
    from dexbot.chain.identity import short_genesis
    from dexbot.cli.account_pick import chain_identity
    from dexbot.store import repo

    ident, why = chain_identity(cfg)
    if ident is not None:
        return ident.chain_id, ident.genesis_hash
    accounts = repo.list_accounts(db, instance=cfg.instance.name)
    if not accounts:
        return None
    last = accounts[-1]
    err.print(
        f"chain not reachable ({why}): the breakers of the most recent account's chain ({last.chain_id}, "
        f"genesis {short_genesis(last.genesis_hash)})",
        highlight=False,
        soft_wrap=True,
    )
    return last.chain_id, last.genesis_hash


@app.callback()
def breakers(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Circuit breakers and their state (from the store; no running engine needed)."""
    if ctx.invoked_subcommand is not None:
        return
    reg = _registry(ctx)
    views = reg.views()
    if as_json:
        print_json(
            [
                {**dataclasses.asdict(v), "title": reg.breakers[v.name].title, "latched": reg.latched(v)}
                for v in views
            ],
            "breakers",
        )
        return
    cells = [
        [
            v.name,
            v.severity,
            v.scope,
            f"[{STATE_STYLE.get(v.state, '')}]{v.state}[/]",
            "until reset" if reg.latched(v) else f"{v.cooldown_left_s:.0f} s" if v.cooldown_left_s else "",
            v.reason if v.state != "closed" else "",
        ]
        for v in views
    ]
    out.print(
        table(
            out, "circuit breakers", cols("name", "severity", "scope", "state", "cooldown", "reason"), cells
        )
    )


@app.command("trip")
def trip(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="breaker name (see `dexbot breakers`)")],
    reason: Annotated[str, typer.Option("--reason", help="why; shown in the thought log")] = "",
    scope: Annotated[
        str, typer.Option("--scope", help="token or pool address, for per-token/per-pool breakers")
    ] = "",
) -> None:
    """Trip a breaker by hand; it stays open until `dexbot breakers reset`."""
    reg = _registry(ctx)
    why = reason or "tripped by the operator from the command line"
    if asyncio.run(reg.trip(name, why, scope_key=scope)):
        out.print(f"{name}{' ' + scope if scope else ''}: open ({why})")
    else:
        out.print(f"{name}{' ' + scope if scope else ''}: already tripped by an operator")


@app.command("reset")
def reset(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="breaker name (or use --all)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="reset every breaker")] = False,
    reason: Annotated[str, typer.Option("--reason", help="why; shown in the thought log")] = "",
) -> None:
    """Close a tripped breaker (every token/pool of it), or all of them with --all."""
    if (name is None) == (not all_):
        raise InputError("breakers reset: give one breaker NAME or --all, not both or neither")
    reg = _registry(ctx)
    target = "all" if all_ else str(name)
    if target != "all":
        reg.get(target)
    changed = asyncio.run(reg.reset(target, reason or "reset by the operator from the command line"))
    label = "all breakers" if all_ else target
    out.print(f"{label}: {changed} reset" if changed else f"{label}: nothing to reset (already closed)")
