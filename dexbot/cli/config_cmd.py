"""`dexbot config show|validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dexbot.cli.context import out, print_json, state
from dexbot.cli.render import cols, table
from dexbot.core.config import load_config

app = typer.Typer(help="Show or validate the configuration.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False
) -> None:
    """Print the effective configuration, each value with its source, credentials redacted.

    A value's source is the file, the environment, the intel level or the built-in default."""
    from dexbot.engine.host.commands import effective_settings, effective_tree  # the engine loads slowly

    cfg = state(ctx).config()
    settings = effective_settings(cfg)
    if as_json:
        print_json(
            effective_tree(settings) | {"sources": {s.key: s.origin.to_json() for s in settings}},
            "config show",
        )
        return
    rows = [
        (s.key, repr(s.value) if isinstance(s.value, str) else str(s.value), s.origin.label())
        for s in settings
    ]
    title = f"effective config ({cfg.source or 'built-in defaults'})"
    out.print(table(out, title, cols("key", "value", "source"), rows))


@app.command("validate")
def validate(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="config file (default: --config or ./config.toml)")
    ] = None,
) -> None:
    """Check a config file; prints one line and exits 2 if it is invalid."""
    target = path or state(ctx).config_path or Path("config.toml")
    cfg = load_config(target)
    network: str = cfg.chain.network
    if cfg.chain.custom is not None:
        network += f" {cfg.chain.custom.name!r}, chain {cfg.chain.chain_id}"
    out.print(f"[green]ok[/]: {target} is valid (network {network}, mode {cfg.mode.trading})")
