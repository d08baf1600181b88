"""``[chain]`` and ``[chain.custom]``: which chain dexbot talks to, and for a chain it does not know by
name, every contract address and fee rule it needs."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from dexbot.core.config_fields import Address, Section, Url, WebUrl, key_error

NETWORKS = ("devnet", "base", "base-sepolia", "ethereum", "sepolia", "custom")
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"  # the canonical deployment, same on most EVM chains
OP_GAS_PRICE_ORACLE = "0x420000000000000000000000000000000000000F"  # OP-stack predeploy
V3RouterKind = Literal["swap_router", "swap_router02"]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_SYMBOL = re.compile(r"[A-Za-z0-9]{1,11}")
V2_KEYS = ("v2_factory", "v2_router")
V3_KEYS = ("v3_factory", "v3_router", "v3_router_kind", "v3_quoter")
CUSTOM_ADDRESS_KEYS = (
    "weth",
    "usdc",
    "v2_factory",
    "v2_router",
    "v3_factory",
    "v3_router",
    "v3_quoter",
    "v3_position_manager",
    "multicall3",
    "l1_gas_oracle",
)


class CustomChainConfig(Section):
    """``[chain.custom]``: what dexbot needs to know about a chain it does not know by name, so such a
    chain is configured from config.toml alone. The rules are what trading needs: WETH (every route goes
    through it) and at least one complete DEX; a half-described DEX is refused here rather than silently
    skipped at run time. Multicall3 has a default, its canonical address, because every batched read
    goes through it and most chains have it there."""

    name: str = "custom"  # shown in the UI and logs, and typed to confirm live trading
    native_symbol: str = "ETH"
    weth: Address | None = None
    usdc: Address | None = None
    v2_factory: Address | None = None
    v2_router: Address | None = None
    v3_factory: Address | None = None
    v3_router: Address | None = None
    v3_router_kind: V3RouterKind | None = None
    v3_quoter: Address | None = None
    v3_position_manager: Address | None = None
    multicall3: Address = MULTICALL3
    op_stack: bool = False
    l1_gas_oracle: Address | None = None
    eip1559_elasticity: int = Field(default=2, ge=1, le=1000)
    eip1559_denominator: int = Field(default=8, ge=1, le=1000)
    explorer: WebUrl | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.fullmatch(v):
            raise ValueError("must be 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit")
        if v in NETWORKS and v != "custom":
            raise ValueError(f'is a known network: set chain.network = "{v}" instead, or pick another name')
        return v

    @field_validator("native_symbol")
    @classmethod
    def _symbol(cls, v: str) -> str:
        if not _SYMBOL.fullmatch(v):
            raise ValueError("must be 1-11 letters or digits, e.g. ETH")
        return v

    @property
    def has_v2(self) -> bool:
        return all(getattr(self, k) is not None for k in V2_KEYS)

    @property
    def has_v3(self) -> bool:
        return all(getattr(self, k) is not None for k in V3_KEYS)

    @model_validator(mode="after")
    def _tradable(self) -> CustomChainConfig:
        if self.weth is None:
            raise key_error("weth", "required: the wrapped native token every route goes through")
        for needed, optional, dex in (
            (V2_KEYS, (), "a V2 DEX"),
            (V3_KEYS, ("v3_position_manager",), "a V3 DEX"),
        ):
            given = [k for k in (*needed, *optional) if getattr(self, k) is not None]
            missing = [k for k in needed if getattr(self, k) is None]
            if given and missing:
                raise key_error(missing[0], f"required with {given[0]} ({dex} needs {_and(needed)})")
        if not (self.has_v2 or self.has_v3):
            raise ValueError(
                f"no DEX to trade on: set {_and(V2_KEYS)} (Uniswap V2), or {_and(V3_KEYS)} (Uniswap V3)"
            )
        if self.op_stack and self.l1_gas_oracle is None:
            raise key_error(
                "l1_gas_oracle",
                f"required with op_stack = true (the L1 data fee comes from it; OP-stack chains have "
                f"the GasPriceOracle predeploy at {OP_GAS_PRICE_ORACLE})",
            )
        seen: dict[str, str] = {}
        for key in CUSTOM_ADDRESS_KEYS:
            value = getattr(self, key)
            if value is None:
                continue
            if value in seen:
                raise key_error(key, f"same address as {seen[value]} (each contract has its own)", value)
            seen[value] = key
        return self


def _and(keys: tuple[str, ...]) -> str:
    return ", ".join(keys[:-1]) + f" and {keys[-1]}" if len(keys) > 1 else keys[0]


class ChainConfig(Section):
    network: Literal["devnet", "base", "base-sepolia", "ethereum", "sepolia", "custom"] = "devnet"
    chain_id: int | None = Field(default=None, gt=0)
    rpc_urls: list[Url] = Field(default_factory=list)
    send_url: Url | None = None
    block_time_s: float = Field(default=2.0, gt=0, le=600)
    poa: bool | None = None
    request_timeout_s: float = Field(default=10.0, gt=0, le=300)
    quorum: int = Field(default=1, ge=1, le=10)
    custom: CustomChainConfig | None = None

    @property
    def name(self) -> str:
        """What the UI, the logs and the live opt-in call the chain: a custom chain by its own name."""
        return self.custom.name if self.network == "custom" and self.custom is not None else self.network

    @model_validator(mode="before")
    @classmethod
    def _custom_table_only_for_custom(cls, data: Any) -> Any:
        # Before the table's own rules: on another network its content is not the problem, its presence is.
        if isinstance(data, dict) and data.get("custom") is not None:
            network = data.get("network", "devnet")
            if network in NETWORKS and network != "custom":
                raise key_error(
                    "custom",
                    f'only read with chain.network = "custom" (network is {network!r}): remove the '
                    'table or set chain.network = "custom"',
                )
        return data

    @model_validator(mode="after")
    def _network_needs(self) -> ChainConfig:
        if self.network != "devnet" and not self.rpc_urls:
            raise ValueError(f"network {self.network!r} needs chain.rpc_urls (at least one URL)")
        if self.network == "custom" and self.chain_id is None:
            raise ValueError("network 'custom' needs chain.chain_id")
        if self.network == "custom" and self.custom is None:
            raise key_error(
                "custom",
                'required with chain.network = "custom": a [chain.custom] table with weth and one DEX '
                "(see the example in config.toml)",
            )
        return self
