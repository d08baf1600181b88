"""Shared state of one CLI invocation: which config file, loaded once, and the rich consoles."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from dexbot.cli.json_schema import COMMANDS, Arr, encode
from dexbot.core.config import Config, load_config

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@dataclass
class CliState:
    config_path: Path | None = None
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def print_json(data: Any, command: str, *, line: bool = False) -> None:
    """Machine-readable output of ``dexbot COMMAND --json``, typed by its schema (amounts as decimal
    strings, see json_schema); ``line`` prints one row of the command's array as one compact line (for
    streams such as --follow)."""
    spec = COMMANDS[command]
    encoded = encode(data, spec.item if line and isinstance(spec, Arr) else spec)
    text = json.dumps(encoded, separators=(",", ":"), default=str) if line else None
    typer.echo(text or json.dumps(encoded, indent=2, default=str))
