"""The building blocks of the configuration model: the section base class (unknown keys refused,
frozen, defaults validated), the checked value types, and the error a table raises about one key."""

from __future__ import annotations

import ipaddress
import re
import types
import typing
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

KEY_ERROR = "dexbot_key"  # a rule about one key of a table, raised by the table's model validator
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    try:
        parts = urlsplit(v)
        host, _ = parts.hostname, parts.port  # .port raises on a port that is not 0-65535
    except ValueError as err:
        raise ValueError(f"must be an http(s):// or ws(s):// URL ({err})") from None
    if not host:
        raise ValueError("must be an http(s):// or ws(s):// URL with a host")
    return v


def _check_web_url(value: str) -> str:
    if not value.strip().startswith(("http://", "https://")):
        raise ValueError("must be an http(s):// URL")
    return _check_url(value)


def _check_host(value: str) -> str:
    """An IP address or an RFC 1123 host name: what an HTTP server can bind to."""
    v = value.strip()
    try:
        return str(ipaddress.ip_address(v))
    except ValueError:
        pass
    name = v.removesuffix(".")
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(part) for part in name.split(".")):
        raise ValueError("must be an IP address (127.0.0.1, ::1, 0.0.0.0) or a host name (localhost)")
    if name.rsplit(".", 1)[-1].isdigit():
        raise ValueError("must be an IP address (127.0.0.1, ::1, 0.0.0.0) or a host name (localhost)")
    return v


def key_error(key: str, message: str, value: Any = None) -> PydanticCustomError:
    """An error a model validator raises about one of its keys; the error line then names that key."""
    return PydanticCustomError(KEY_ERROR, message, {"key": key, "value": value})


Address = Annotated[str, AfterValidator(_check_address)]
Url = Annotated[str, AfterValidator(_check_url)]
WebUrl = Annotated[str, AfterValidator(_check_web_url)]
Host = Annotated[str, AfterValidator(_check_host)]
# At most a billion: more than all the ether there is, and small enough that * 10**18 stays exact.
EthAmount = Annotated[Decimal, Field(ge=0, le=10**9, decimal_places=18, allow_inf_nan=False)]


def _takes_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_takes_bool(a) for a in typing.get_args(annotation))
    return False


class Section(BaseModel):
    """Floats are finite (TOML has inf and nan), a true/false is only accepted where a switch is meant
    (pydantic would read it as 1 or 0), and text has no control characters (a NUL in a path or URL
    fails far from the config, in the OS)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _plain_values(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            field = cls.model_fields.get(key) if isinstance(key, str) else None
            if field is None:
                continue
            if isinstance(value, bool) and not _takes_bool(field.annotation):
                raise key_error(key, "true/false is not allowed here: the key takes a number or text", value)
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and _CONTROL.search(t) for t in texts):
                raise key_error(key, "must not contain control characters (newline, tab, NUL…)", value)
        return data
