"""Where each configured value came from, recorded while the config is loaded: the user asks "why is
this the value?" and the answer (the file, a DEXBOT_* variable, the intel level, the built-in default)
must be exact, so it is taken from the very dicts the model was validated from, not guessed later."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

ENV_PREFIX = "DEXBOT_"

Kind = Literal["file", "env", "intel level", "default"]


@dataclass(frozen=True)
class Origin:
    kind: Kind
    where: str = ""  # the file's path, the DEXBOT_* variable's name, or the intel level's number

    def label(self) -> str:
        return f"{self.kind} {self.where}" if self.kind in ("env", "intel level") else self.kind

    def to_json(self) -> dict[str, Any]:
        if self.kind == "file":
            return {"source": "file", "path": self.where}
        if self.kind == "env":
            return {"source": "env", "variable": self.where}
        if self.kind == "intel level":
            return {"source": "intel level", "level": int(self.where)}
        return {"source": "default"}


DEFAULT = Origin("default")


def env_key(name: str) -> list[str] | None:
    """``DEXBOT_INTEL__LEVEL`` → ``["intel", "level"]``; None for a variable that is not an override."""
    if not name.startswith(ENV_PREFIX) or "__" not in name:
        return None
    return [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]


def leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every value of a nested table as (dotted key, value); lists are values, tables are walked."""
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            yield from leaves(value, dotted)
        else:
            yield dotted, value


def given(file_data: Mapping[str, Any], file: str, env: Mapping[str, Any]) -> dict[str, Origin]:
    """Dotted key → where the user gave it; ``env`` maps each DEXBOT_* variable to its parsed value.
    The environment wins over the file, as it does when the two are merged."""
    out = {key: Origin("file", file) for key, _ in leaves(file_data)}
    for name, value in env.items():
        path = env_key(name)
        if path is None:
            continue
        base = ".".join(path)
        if isinstance(value, Mapping):
            out.update({key: Origin("env", name) for key, _ in leaves(value, base)})
        else:
            out[base] = Origin("env", name)
    return out
