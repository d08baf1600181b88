"""The chains dexbot knows by name, with the public contract addresses it trades through.

Every address here was checked against the Uniswap docs' deployment pages (v2 "V2 Deployment Addresses",
v3 "<chain> Deployments"), Base's own contract list, and Circle's USDC list; an address no official page
confirms is ``None`` rather than a guess. The devnet's addresses exist only once it is deployed, so
``with_deployment`` fills them in at run time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_args

from eth_utils import is_address, is_checksum_address, to_checksum_address

from dexbot.core.config import MULTICALL3, OP_GAS_PRICE_ORACLE, ChainConfig, V3RouterKind
from dexbot.core.config_chain import CUSTOM_ADDRESS_KEYS
from dexbot.core.errors import ConfigError

if TYPE_CHECKING:
    from dexbot.chain.devnet.deployment import Deployment

V3_ROUTER_KINDS: tuple[V3RouterKind, ...] = get_args(V3RouterKind)

DEVNET_CHAIN_ID = 31337  # anvil's default; the devnet launcher uses it too (a test keeps them equal)
OP_WETH = "0x4200000000000000000000000000000000000006"  # OP-stack predeploy

ADDRESS_FIELDS = CUSTOM_ADDRESS_KEYS  # the contract-address fields, one list for config and ChainInfo


def _checksum(value: str, field: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise ConfigError(f"{field} = {value!r}: not a 0x-prefixed 20-byte address")
    digits = value[2:]
    if digits not in (digits.lower(), digits.upper()) and not is_checksum_address(value):
        raise ConfigError(f"{field} = {value!r}: invalid EIP-55 checksum (copy the address again)")
    return str(to_checksum_address(value))


@dataclass(frozen=True)
class ChainInfo:
    """What dexbot needs to know about a chain before it talks to it.

    ``v3_router_kind`` matters for calldata: the original SwapRouter takes a deadline inside its params
    struct, SwapRouter02 does not. ``eip1559_*`` are the base-fee rule's parameters (Ethereum's 2 and 8);
    on OP-stack chains (``op_stack``) each block header carries its own, which the gas oracle reads.
    """

    name: str
    chain_id: int
    native_symbol: str
    weth: str | None
    usdc: str | None
    v2_factory: str | None
    v2_router: str | None
    v3_factory: str | None
    v3_router: str | None
    v3_router_kind: V3RouterKind | None
    v3_quoter: str | None
    v3_position_manager: str | None
    multicall3: str | None
    block_time_s: float
    poa: bool
    l1_gas_oracle: str | None
    explorer: str | None
    eip1559_elasticity: int = 2
    eip1559_denominator: int = 8
    op_stack: bool = False

    def __post_init__(self) -> None:
        for name in ADDRESS_FIELDS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _checksum(value, f"{self.name}.{name}"))
        if self.v3_router_kind is not None and self.v3_router_kind not in V3_ROUTER_KINDS:
            raise ConfigError(
                f"{self.name}.v3_router_kind = {self.v3_router_kind!r}: "
                f"use one of {', '.join(V3_ROUTER_KINDS)}"
            )
        if self.v3_router is not None and self.v3_router_kind is None:
            raise ConfigError(
                f"{self.name}.v3_router_kind: required with v3_router (swap_router has a deadline in "
                "its params, swap_router02 does not)"
            )
        if self.eip1559_elasticity < 1 or self.eip1559_denominator < 1:
            raise ConfigError(f"{self.name}: EIP-1559 elasticity and denominator must be at least 1")

    @property
    def has_v2(self) -> bool:
        return self.v2_factory is not None and self.v2_router is not None

    @property
    def has_v3(self) -> bool:
        return None not in (self.v3_factory, self.v3_router, self.v3_quoter)

    def addresses(self) -> dict[str, str]:
        """The known contract addresses by field name (None left out)."""
        return {n: v for n in ADDRESS_FIELDS if (v := getattr(self, n)) is not None}


DEVNET = ChainInfo(
    name="devnet",
    chain_id=DEVNET_CHAIN_ID,
    native_symbol="ETH",
    weth=None,
    usdc=None,
    v2_factory=None,
    v2_router=None,
    v3_factory=None,
    v3_router=None,
    v3_router_kind=None,
    v3_quoter=None,
    v3_position_manager=None,
    multicall3=None,
    block_time_s=2.0,
    poa=False,
    l1_gas_oracle=None,
    explorer=None,
)

ETHEREUM = ChainInfo(
    name="ethereum",
    chain_id=1,
    native_symbol="ETH",
    weth="0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    usdc="0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    v2_factory="0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
    v2_router="0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D",
    v3_factory="0x1F98431c8aD98523631AE4a59f267346ea31F984",
    # The original SwapRouter, like the devnet's: one calldata path for both.
    v3_router="0xE592427A0AEce92De3Edee1F18E0157C05861564",
    v3_router_kind="swap_router",
    v3_quoter="0x61fFE014bA17989E743c5F6cB21bF9697530B21e",
    v3_position_manager="0xC36442b4a4522E871399CD717aBDD847Ab11FE88",
    multicall3=MULTICALL3,
    block_time_s=12.0,
    poa=False,
    l1_gas_oracle=None,
    explorer="https://etherscan.io",
)

SEPOLIA = ChainInfo(
    name="sepolia",
    chain_id=11155111,
    native_symbol="ETH",
    weth="0xfFf9976782d46CC05630D1f6eBAb18b2324d6B14",
    usdc="0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
    v2_factory="0xF62c03E08ada871A0bEb309762E260a7a6a880E6",
    v2_router="0xeE567Fe1712Faf6149d80dA1E6934E354124CfE3",
    v3_factory="0x0227628f3F023bb0B980b67D528571c95c6DaC1c",
    v3_router="0x3bFA4769FB09eefC5a80d6E87c3B9C650f7Ae48E",  # no original SwapRouter on Sepolia
    v3_router_kind="swap_router02",
    v3_quoter="0xEd1f6473345F45b75F8179591dd5bA1888cf2FB3",
    v3_position_manager="0x1238536071E1c677A632429e3655c799b22cDA52",
    multicall3=MULTICALL3,
    block_time_s=12.0,
    poa=False,
    l1_gas_oracle=None,
    explorer="https://sepolia.etherscan.io",
)

BASE = ChainInfo(
    name="base",
    chain_id=8453,
    native_symbol="ETH",
    weth=OP_WETH,
    usdc="0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    v2_factory="0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6",
    v2_router="0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24",
    v3_factory="0x33128a8fC17869897dcE68Ed026d694621f6FDfD",
    v3_router="0x2626664c2603336E57B271c5C0b26F421741e481",
    v3_router_kind="swap_router02",
    v3_quoter="0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a",
    v3_position_manager="0x03a520b32C04BF3bEEf7BEb72E919cf822Ed34f1",
    multicall3=MULTICALL3,
    block_time_s=2.0,
    poa=False,
    l1_gas_oracle=OP_GAS_PRICE_ORACLE,
    explorer="https://basescan.org",
    op_stack=True,
)

BASE_SEPOLIA = ChainInfo(
    name="base-sepolia",
    chain_id=84532,
    native_symbol="ETH",
    weth=OP_WETH,
    usdc="0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    # Uniswap's v2 deployment page lists no Base Sepolia deployment: left unset rather than guessed.
    v2_factory=None,
    v2_router=None,
    v3_factory="0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24",
    v3_router="0x94cC0AaC535CCDB3C01d6787D6413C739ae12bc4",
    v3_router_kind="swap_router02",
    v3_quoter="0xC5290058841028F1614F3A6F0F5816cAd0df5E27",
    v3_position_manager="0x27F971cb582BF9E50F397e4d29a5C7A34f11faA2",
    multicall3=MULTICALL3,
    block_time_s=2.0,
    poa=False,
    l1_gas_oracle=OP_GAS_PRICE_ORACLE,
    explorer="https://sepolia.basescan.org",
    op_stack=True,
)

KNOWN_CHAINS: dict[str, ChainInfo] = {c.name: c for c in (DEVNET, BASE, BASE_SEPOLIA, ETHEREUM, SEPOLIA)}


def chain_info(cfg: ChainConfig) -> ChainInfo:
    """The chain the configuration names, with ``chain.block_time_s`` / ``chain.poa`` applied when set.

    A known network refuses a contradicting ``chain.chain_id`` here, before any endpoint is asked.
    ``custom`` is built from configuration alone: chain id, block time and POA from ``[chain]``, the
    name, native symbol, contract addresses and fee rules from ``[chain.custom]`` (whose model already
    refused anything untradable, so ``ChainInfo``'s own checks cannot fail on it).
    """
    if cfg.network == "custom":
        if cfg.chain_id is None:
            raise ConfigError('chain.chain_id: required with chain.network = "custom"')
        if cfg.custom is None:
            raise ConfigError('chain.custom: required with chain.network = "custom"')
        return custom_chain(
            cfg.chain_id,
            block_time_s=cfg.block_time_s,
            poa=bool(cfg.poa),
            **cfg.custom.model_dump(),
        )
    known = KNOWN_CHAINS[cfg.network]
    if cfg.chain_id is not None and cfg.chain_id != known.chain_id:
        raise ConfigError(
            f"chain.chain_id = {cfg.chain_id} contradicts chain.network = {cfg.network!r} (chain "
            f'{known.chain_id}); remove chain.chain_id or set chain.network = "custom"'
        )
    changes: dict[str, Any] = {}
    if "block_time_s" in cfg.model_fields_set:
        changes["block_time_s"] = cfg.block_time_s
    if cfg.poa is not None:
        changes["poa"] = cfg.poa
    return dataclasses.replace(known, **changes) if changes else known


def custom_chain(
    chain_id: int,
    *,
    block_time_s: float,
    poa: bool = False,
    name: str = "custom",
    native_symbol: str = "ETH",
    **fields: Any,
) -> ChainInfo:
    """A chain described entirely by configuration; unknown keys are refused by name."""
    allowed = {f.name for f in dataclasses.fields(ChainInfo)} - {
        "name",
        "chain_id",
        "native_symbol",
        "block_time_s",
        "poa",
    }
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ConfigError(f"chain.custom: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    values: dict[str, Any] = dict.fromkeys(ADDRESS_FIELDS)
    values.update(v3_router_kind=None, explorer=None)
    values.update(fields)
    return ChainInfo(
        name=name,
        chain_id=chain_id,
        native_symbol=native_symbol,
        block_time_s=block_time_s,
        poa=poa,
        **values,
    )


def with_deployment(info: ChainInfo, deployment: Deployment) -> ChainInfo:
    """The devnet's ChainInfo with the addresses its deployment produced."""
    if deployment.chain_id != info.chain_id:
        raise ConfigError(
            f"devnet deployment is for chain {deployment.chain_id}, not {info.name} ({info.chain_id})"
        )
    return dataclasses.replace(
        info,
        weth=deployment.weth,
        usdc=deployment.usdc,
        v2_factory=deployment.v2_factory,
        v2_router=deployment.v2_router,
        v3_factory=deployment.v3_factory,
        v3_router=deployment.v3_swap_router,
        v3_router_kind="swap_router",
        v3_quoter=deployment.v3_quoter,
        v3_position_manager=deployment.v3_position_manager,
        multicall3=deployment.multicall3,
        l1_gas_oracle=deployment.l1_gas_oracle,
        op_stack=deployment.l1_gas_oracle is not None,
    )


def chain_by_id(chain_id: int) -> ChainInfo | None:
    return next((c for c in KNOWN_CHAINS.values() if c.chain_id == chain_id), None)
