"""The optimiser's search space: a TOML file whose keys name config fields, each a range or a list.

    [intel.level]
    low = 2
    high = 9            # integer key: integers, step 1 unless given

    [exits.stop_loss_pct]
    low = -12.0
    high = -3.0
    step = 0.5          # optional for a number key

    [exits.method]
    choices = ["impact", "twap"]

Every bound and choice is checked against the config model before anything runs (a stop-loss bound
above 0 is refused with the model's own words), so a trial never samples a config that cannot load.
"""

from __future__ import annotations

import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from dexbot.core.config import Config
from dexbot.core.errors import InputError

# What the bot trades is decided by these sections; the rest (chain, store, devnet…) describe the place.
TUNABLE = ("intel", "risk", "exits", "breakers", "strategy", "mode", "gas")
SETTINGS = ("low", "high", "step", "choices")
Kind = Literal["int", "float", "choice"]


@dataclass(frozen=True)
class Param:
    key: str  # section.field
    kind: Kind
    low: int | float = 0
    high: int | float = 0
    step: int | float | None = None
    choices: tuple[Any, ...] = ()

    @property
    def places(self) -> int | None:
        """Decimals of the step, so a sampled 0.30000000000000004 is the 0.3 the step means."""
        if self.step is None or self.kind != "float":
            return None
        exponent = Decimal(repr(self.step)).normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else None


@dataclass(frozen=True)
class SearchSpace:
    params: tuple[Param, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.params)


def load_space(path: Path, base: Config) -> SearchSpace:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"--space: {path} does not exist") from None
    except (OSError, ValueError) as err:  # a folder, unreadable, a NUL in the name
        raise InputError(
            f"--space: cannot read {str(path)!r}: {getattr(err, 'strerror', None) or err}"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"space error in {path}: not valid TOML: {err}") from None
    return parse_space(data, base, str(path))


def parse_space(data: Mapping[str, Any], base: Config, origin: str = "space") -> SearchSpace:
    specs = _flatten(data, "", origin)
    if not specs:
        raise InputError(f"space error in {origin}: no key to tune (e.g. [intel.level] low = 2, high = 9)")
    return SearchSpace(tuple(_param(key, spec, base, origin) for key, spec in specs))


def _flatten(node: Mapping[str, Any], prefix: str, origin: str) -> list[tuple[str, dict[str, Any]]]:
    """``[exits.stop_loss_pct]`` and ``["exits.stop_loss_pct"]`` both name one key; a table holding any
    of low/high/step/choices is that key's settings."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, value in node.items():
        key = f"{prefix}.{name}" if prefix else name
        if not isinstance(value, dict):
            raise InputError(f"space error in {origin}: {key}: expected a table with low/high or choices")
        if any(s in value for s in SETTINGS):
            if key in (k for k, _ in found):
                raise InputError(f"space error in {origin}: {key}: given twice")
            found.append((key, value))
        else:
            found += _flatten(value, key, origin)
    return found


def _section(key: str, origin: str) -> tuple[str, str, type[BaseModel]]:
    parts = key.split(".")
    section = parts[0]
    model = Config.model_fields.get(section)
    annotation = model.annotation if model is not None else None
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        raise InputError(f"space error in {origin}: {key}: unknown key (not a config section)")
    if len(parts) != 2 or parts[1] not in annotation.model_fields:
        raise InputError(f"space error in {origin}: {key}: unknown key (no such field in [{section}])")
    if section not in TUNABLE:
        raise InputError(
            f"space error in {origin}: {key}: not tunable "
            f"(only {', '.join(TUNABLE)} keys change what the bot trades)"
        )
    return section, parts[1], annotation


def _inner(annotation: Any) -> Any:
    """``X | None`` → ``X`` (a key left to the intel level still takes an X when tuned), and the bare
    type of an ``Annotated`` one (an ETH amount is a Decimal)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = inner[0] if len(inner) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _kind(annotation: Any) -> Kind:
    ann = _inner(annotation)
    if ann is int:
        return "int"
    return "float" if ann in (float, Decimal) else "choice"


def _param(key: str, spec: dict[str, Any], base: Config, origin: str) -> Param:
    where = f"space error in {origin}: {key}"
    section, name, model = _section(key, origin)
    unknown = [s for s in spec if s not in SETTINGS]
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown setting (use low, high, step or choices)")
    kind = _kind(model.model_fields[name].annotation)
    if "choices" in spec:
        if any(s in spec for s in ("low", "high", "step")):
            raise InputError(f"{where}: give either choices or low/high, not both")
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise InputError(f"{where}.choices: must be a non-empty list")
        for c in choices:
            _check_value(base, section, name, c, f"{where}: choice {c!r}")
        return Param(key, "choice", choices=tuple(choices))
    if kind == "choice":
        raise InputError(f"{where}: takes choices = [...] (its values are not a numeric range)")
    if "low" not in spec or "high" not in spec:
        raise InputError(f"{where}: needs both low and high (or choices)")
    low, high, step = spec["low"], spec["high"], spec.get("step")
    number = int if kind == "int" else (int, float)
    for setting, value in (("low", low), ("high", high), ("step", step)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, number):
            wanted = "an integer" if kind == "int" else "a number"
            raise InputError(f"{where}.{setting}: {value!r} is not {wanted} ({key} is {kind}-valued)")
    if low > high:
        raise InputError(f"{where}: low {low} is above high {high}")
    if step is not None and step <= 0:
        raise InputError(f"{where}.step: {step} must be above 0")
    if step is not None and (Decimal(repr(high)) - Decimal(repr(low))) % Decimal(repr(step)) != 0:
        raise InputError(f"{where}.step: high - low ({high} - {low}) is not a multiple of {step}")
    for setting, value in (("low", low), ("high", high)):
        _check_value(base, section, name, value, f"{where}: {setting} {value!r}")
    return Param(key, kind, low, high, step if step is not None or kind == "float" else 1)


def _check_value(base: Config, section: str, name: str, value: Any, where: str) -> None:
    try:
        apply(base, {f"{section}.{name}": value})
    except ValidationError as err:
        msg = err.errors()[0]["msg"].removeprefix("Value error, ")
        raise InputError(f"{where} is not allowed: {msg}") from None


def apply(base: Config, params: Mapping[str, Any]) -> Config:
    """``base`` with each ``section.field`` set to its value, validated by the section's model (raises
    pydantic's ValidationError). Numbers bound for a Decimal field go through their text, so 0.3 is
    0.3 and not the float's binary expansion."""
    by_section: dict[str, dict[str, Any]] = {}
    for key, value in params.items():
        section, name = key.split(".", 1)
        by_section.setdefault(section, {})[name] = value
    update = {}
    for section, changes in by_section.items():
        current = getattr(base, section)
        fields = type(current).model_fields
        typed = {
            name: repr(v) if isinstance(v, float) and _inner(fields[name].annotation) is Decimal else v
            for name, v in changes.items()
        }
        update[section] = type(current).model_validate({**current.model_dump(), **typed})
    return base.model_copy(update=update)
