"""The building blocks of the configuration model: the section base class (unknown keys refused,
frozen, defaults validated), the checked value types, and the error a table raises about one key."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

KEY_ERROR = "dexbot_key"  # a rule about one key of a table, raised by the table's model validator


def _check_address(value: str) -> str:
    v = value.strip()
    if len(v) != 42 or not v.startswith("0x"):
        raise ValueError("must be a 0x-prefixed 20-byte hex address")
    try:
        int(v[2:], 16)
    except ValueError:
        raise ValueError("must be a 0x-prefixed 20-byte hex address") from None
    from eth_utils import is_checksum_address, to_checksum_address

    mixed = v[2:] != v[2:].lower() and v[2:] != v[2:].upper()
    if mixed and not is_checksum_address(v):
        raise ValueError("has an invalid EIP-55 checksum")
    return str(to_checksum_address(v))


def _check_url(value: str) -> str:
    v = value.strip()
    scheme, sep, rest = v.partition("://")
    if not sep or scheme not in ("http", "https", "ws", "wss") or not rest or " " in rest:
        raise ValueError("must be an http(s):// or ws(s):// URL")
    return v


def _check_web_url(value: str) -> str:
    if not value.strip().startswith(("http://", "https://")):
        raise ValueError("must be an http(s):// URL")
    return _check_url(value)


def key_error(key: str, message: str, value: Any = None) -> PydanticCustomError:
    """An error a model validator raises about one of its keys; the error line then names that key."""
    return PydanticCustomError(KEY_ERROR, message, {"key": key, "value": value})


Address = Annotated[str, AfterValidator(_check_address)]
Url = Annotated[str, AfterValidator(_check_url)]
WebUrl = Annotated[str, AfterValidator(_check_web_url)]
EthAmount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
