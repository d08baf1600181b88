"""An instance's name: what every row a running engine writes carries, so several bots (different
wallets, strategies or chains) can share one database and each read back only its own. A short slug:
it is typed in `--instance NAME`, shown in lock refusals and put in PostgreSQL's application name."""

from __future__ import annotations

import re

DEFAULT_INSTANCE = "default"  # rows written before instances existed belong to it
NAME_RULE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
NAME_HELP = "1-32 characters: lowercase letters, digits, '-' and '_', starting with a letter or digit"


def check_instance_name(name: str) -> str:
    """The name, or ValueError saying what a name may be."""
    if not NAME_RULE.match(name):
        raise ValueError(f"must be {NAME_HELP}")
    return name
