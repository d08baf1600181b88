"""The configuration as the engine will use it, each value with where it came from: what the user gave
(file or environment), else the intel level's value for a level-backed key, else the built-in default.
`dexbot config show` renders this; the engine reads the same values through ``effective_policy``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dexbot.core.config import Config
from dexbot.core.config_sources import DEFAULT, Origin, leaves
from dexbot.engine.api.intel import LEVEL_KEYS, effective_policy


@dataclass(frozen=True)
class Setting:
    key: str  # dotted, e.g. exits.take_profit_pct
    value: Any  # as JSON would carry it; credentials in URLs redacted
    origin: Origin


def effective_settings(cfg: Config) -> list[Setting]:
    """Every key of the model, in the model's order."""
    level_values = _level_values(cfg)
    out = []
    for key, value in leaves(cfg.redacted()):
        origin = cfg.given.get(key)
        if origin is None and key in level_values:
            value, origin = level_values[key], Origin("intel level", str(cfg.intel.level))
        out.append(Setting(key, value, origin or DEFAULT))
    return out


def effective_tree(settings: list[Setting]) -> dict[str, Any]:
    """The settings as nested tables (the shape of config.toml)."""
    tree: dict[str, Any] = {}
    for s in settings:
        *tables, name = s.key.split(".")
        node = tree
        for t in tables:
            node = node.setdefault(t, {})
        node[name] = s.value
    return tree


def _level_values(cfg: Config) -> dict[str, Any]:
    """The configured level's value for each level-backed key, typed as the config key would hold it."""
    p = effective_policy(cfg)
    out = {}
    for key, field in LEVEL_KEYS.items():
        section, name = key.split(".")
        model = type(getattr(cfg, section))
        out[key] = model.model_validate({name: getattr(p, field)}).model_dump(mode="json")[name]
    return out
