"""The vocabulary every ``--json`` shape is written in (see json_schema for the rule on amounts)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["amount", "integer", "number", "string", "boolean", "time", "free-form"]
AMOUNT_TEXT = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Scalar:
    kind: Kind
    nullable: bool = False


@dataclass(frozen=True)
class Obj:
    fields: Mapping[str, Spec] = field(default_factory=dict)


@dataclass(frozen=True)
class Arr:
    item: Spec


Spec = Scalar | Obj | Arr

AMOUNT, INT, NUM, STR = Scalar("amount"), Scalar("integer"), Scalar("number"), Scalar("string")
BOOL, TIME, FREE = Scalar("boolean"), Scalar("time"), Scalar("free-form")


def opt(s: Scalar) -> Scalar:
    return Scalar(s.kind, nullable=True)


def _obj(**fields: Spec) -> Obj:
    return Obj(fields)
