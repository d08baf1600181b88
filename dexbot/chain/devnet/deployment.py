"""What a devnet deployment produced: every address anyone needs to talk to it.

Written to ``<data_dir>/devnet.json`` so another process (``dexbot devnet info``, a second bot, a
wallet) can find the contracts of a running devnet; read back only through ``load_deployment``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from eth_utils import is_address, to_checksum_address

from dexbot.core.errors import DevnetError

TokenKind = Literal[
    "plain", "tax", "honeypot", "blacklist", "limits", "pausable", "mint_rug", "swapback", "transfer_delay"
]
TOKEN_KINDS: tuple[TokenKind, ...] = get_args(TokenKind)
# What the seeded tokens and the market simulator draw from. Kinds added later are launched by tests only
# until they join here: adding one reshuffles every seeded devnet (its names, kinds and prices).
HOSTILE_KINDS: tuple[TokenKind, ...] = ("tax", "honeypot", "blacklist", "limits", "pausable", "mint_rug")
DEPLOYMENT_FILE = "devnet.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class DevToken:
    """A token on the devnet with its WETH pools. ``kind`` is ground truth for testing risk checks."""

    address: str
    symbol: str
    name: str
    decimals: int
    kind: TokenKind
    owner: str
    v2_pair: str | None
    v3_pool: str | None
    v3_fee: int | None

    @property
    def hostile(self) -> bool:
        return self.kind != "plain"


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    rpc_url: str
    deployer: str
    weth: str
    usdc: str
    usdc_v2_pair: str
    usdc_v3_pool: str
    v2_factory: str
    v2_router: str
    v3_factory: str
    v3_swap_router: str
    v3_quoter: str
    v3_position_manager: str
    multicall3: str
    l1_gas_oracle: str | None = None  # an OP-stack devnet's GasPriceOracle
    tokens: tuple[DevToken, ...] = ()

    def token(self, symbol_or_address: str) -> DevToken:
        """A seeded token by symbol (case-insensitive) or address."""
        key = symbol_or_address.lower()
        for t in self.tokens:
            if key in (t.symbol.lower(), t.address.lower()):
                return t
        raise DevnetError(
            f"no devnet token {symbol_or_address!r} (known: {', '.join(t.symbol for t in self.tokens)})"
        )

    def with_tokens(self, *tokens: DevToken) -> Deployment:
        """A copy that also lists ``tokens`` (e.g. launched after the initial deployment)."""
        return dataclasses.replace(self, tokens=(*self.tokens, *tokens))

    def to_json(self) -> str:
        data = {"format": FORMAT_VERSION, **dataclasses.asdict(self)}
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        try:
            data = json.loads(text)
            if data.pop("format", None) != FORMAT_VERSION:
                raise ValueError(f"unknown format (expected format {FORMAT_VERSION})")
            tokens = tuple(_token(t) for t in data.pop("tokens"))
            fields = {f.name for f in dataclasses.fields(cls)} - {"tokens"}
            optional = {"l1_gas_oracle"}
            if not fields - optional <= set(data) <= fields:
                raise ValueError(f"fields differ: {sorted(set(data) ^ fields - optional)}")
            if not isinstance(data["chain_id"], int) or not isinstance(data["rpc_url"], str):
                raise ValueError("chain_id must be an integer and rpc_url a string")
            for name in fields - optional - {"chain_id", "rpc_url"}:
                data[name] = _address(data[name])
            for name in optional & set(data):
                data[name] = _optional_address(data[name])
            return cls(**data, tokens=tokens)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise DevnetError(f"invalid devnet deployment JSON: {err}") from None

    def write(self, data_dir: Path) -> Path:
        """Write ``devnet.json`` atomically (readers never see half a file)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / DEPLOYMENT_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        os.replace(tmp, path)
        return path


def load_deployment(path: Path) -> Deployment:
    """The deployment in ``path`` (a devnet.json file or the data dir holding one)."""
    file = path / DEPLOYMENT_FILE if path.is_dir() else path
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DevnetError(f"no devnet deployment at {file}: start one with `dexbot devnet up`") from None
    except OSError as err:
        raise DevnetError(f"cannot read devnet deployment {file}: {err}") from None
    return Deployment.from_json(text)


def _address(value: Any) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise ValueError(f"{value!r} is not an address")
    return str(to_checksum_address(value))


def _optional_address(value: Any) -> str | None:
    return None if value is None else _address(value)


def _token(raw: dict[str, Any]) -> DevToken:
    if raw["kind"] not in TOKEN_KINDS:
        raise ValueError(f"unknown token kind {raw['kind']!r}")
    return DevToken(
        address=_address(raw["address"]),
        symbol=str(raw["symbol"]),
        name=str(raw["name"]),
        decimals=int(raw["decimals"]),
        kind=raw["kind"],
        owner=_address(raw["owner"]),
        v2_pair=_optional_address(raw["v2_pair"]),
        v3_pool=_optional_address(raw["v3_pool"]),
        v3_fee=None if raw["v3_fee"] is None else int(raw["v3_fee"]),
    )
