"""`dexbot config show|validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dexbot.cli.context import out, print_json, state
from dexbot.cli.render import kv_table
from dexbot.core.config import load_config

app = typer.Typer(help="Show or validate the configuration.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False
) -> None:
    """Print the effective configuration (file + DEXBOT_* overrides), credentials redacted."""
    cfg = state(ctx).config()
    data = cfg.redacted()
    if as_json:
        print_json(data, "config show")
        return
    pairs = [
        (key, repr(value) if isinstance(value, str) else str(value))
        for section, values in data.items()
        for key, value in _flatten(values, section)
    ]
    out.print(kv_table(out, f"effective config ({cfg.source or 'built-in defaults'})", pairs))


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


def _flatten(values: object, prefix: str) -> list[tuple[str, object]]:
    if isinstance(values, dict):
        rows: list[tuple[str, object]] = []
        for k, v in values.items():
            rows.extend(_flatten(v, f"{prefix}.{k}"))
        return rows
    return [(prefix, values)]
