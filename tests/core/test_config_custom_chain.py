"""``[chain.custom]``: a chain dexbot does not know by name, configured from config.toml alone. Every
refused table gives one line naming ``chain.custom.<key>`` (or the table) and what to do."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from dexbot.chain import multicall
from dexbot.chain.chains import ADDRESS_FIELDS, BASE, ChainInfo, chain_info
from dexbot.core.config import (
    MULTICALL3,
    OP_GAS_PRICE_ORACLE,
    CustomChainConfig,
    env_overrides,
    load_config,
    parse_config,
)
from dexbot.core.config_chain import CUSTOM_ADDRESS_KEYS
from dexbot.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
# Base's V2 factory with one letter's case flipped.
BAD_CHECKSUM = "0x8909dc15e40173Ff4699343b6eB8132c65e18eC6"
# Base mainnet's real contracts, so every value below is a correctly checksummed address.
WETH = BASE.weth
V2 = {"v2_factory": BASE.v2_factory, "v2_router": BASE.v2_router}
V3 = {
    "v3_factory": BASE.v3_factory,
    "v3_router": BASE.v3_router,
    "v3_router_kind": "swap_router02",
    "v3_quoter": BASE.v3_quoter,
}


def _chain(table: dict[str, Any] | None, **chain: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"network": "custom", "chain_id": 4242, "rpc_urls": ["http://127.0.0.1:1"]}
    data |= chain
    if table is not None:
        data["custom"] = table
    return {"chain": data}


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(data, "c.toml")
    message = str(err.value)
    assert "\n" not in message
    return message.removeprefix("config error in c.toml: ")


def test_a_v2_only_table_builds_the_chain_with_defaults_for_the_rest() -> None:
    cfg = parse_config(_chain({"weth": WETH, **V2, "v2_factory": BASE.v2_factory.lower()}))
    custom = cfg.chain.custom
    assert custom is not None
    assert custom.v2_factory == BASE.v2_factory  # lower-case input comes back checksummed
    info = chain_info(cfg.chain)
    assert (info.name, info.chain_id, info.native_symbol) == ("custom", 4242, "ETH")
    assert info.addresses() == {"weth": WETH, **V2, "multicall3": MULTICALL3}
    assert (info.has_v2, info.has_v3) == (True, False)
    assert (info.eip1559_elasticity, info.eip1559_denominator, info.op_stack, info.poa) == (
        2,
        8,
        False,
        False,
    )
    assert info.block_time_s == 2.0


def test_a_full_op_stack_table_reproduces_base_field_for_field() -> None:
    table = {
        "name": "base-fork",
        "native_symbol": "ETH",
        **{k: v for k in ADDRESS_FIELDS if (v := getattr(BASE, k)) is not None},
        "v3_router_kind": "swap_router02",
        "op_stack": True,
        "explorer": "https://basescan.org",
    }
    info = chain_info(parse_config(_chain(table, chain_id=8453, poa=False)).chain)
    assert dataclasses.replace(info, name="base") == BASE


def test_a_v3_only_table_is_tradable() -> None:
    info = chain_info(parse_config(_chain({"weth": WETH, **V3}, block_time_s=0.5)).chain)
    assert (info.has_v2, info.has_v3, info.v3_router_kind, info.block_time_s) == (
        False,
        True,
        "swap_router02",
        0.5,
    )


BAD = {
    "bad_address": (
        {"weth": "0x1234", **V2},
        "chain.custom.weth = '0x1234': must be a 0x-prefixed 20-byte hex address",
    ),
    "bad_checksum": (
        {
            "weth": "0x4200000000000000000000000000000000000006",
            "v2_factory": BAD_CHECKSUM,
            "v2_router": BASE.v2_router,
        },
        f"chain.custom.v2_factory = '{BAD_CHECKSUM}': has an invalid EIP-55 checksum",
    ),
    "unknown_key": (
        {"weth": WETH, "wet": WETH, **V2},
        f"chain.custom.wet = '{WETH}': unknown key (check spelling; see config.toml for the allowed keys)",
    ),
    "missing_weth": (V2, "chain.custom.weth: required: the wrapped native token every route goes through"),
    "no_dex": (
        {"weth": WETH},
        "chain.custom: no DEX to trade on: set v2_factory and v2_router (Uniswap V2), or v3_factory, "
        "v3_router, v3_router_kind and v3_quoter (Uniswap V3)",
    ),
    "v2_without_router": (
        {"weth": WETH, "v2_factory": BASE.v2_factory},
        "chain.custom.v2_router: required with v2_factory (a V2 DEX needs v2_factory and v2_router)",
    ),
    "v2_router_alone": (
        {"weth": WETH, "v2_router": BASE.v2_router, **V3},
        "chain.custom.v2_factory: required with v2_router (a V2 DEX needs v2_factory and v2_router)",
    ),
    "v3_without_kind": (
        {"weth": WETH, **{k: v for k, v in V3.items() if k != "v3_router_kind"}},
        "chain.custom.v3_router_kind: required with v3_factory (a V3 DEX needs v3_factory, v3_router, "
        "v3_router_kind and v3_quoter)",
    ),
    "v3_quoter_missing": (
        {"weth": WETH, **V2, **{k: v for k, v in V3.items() if k != "v3_quoter"}},
        "chain.custom.v3_quoter: required with v3_factory (a V3 DEX needs v3_factory, v3_router, "
        "v3_router_kind and v3_quoter)",
    ),
    "bad_router_kind": (
        {"weth": WETH, **V3, "v3_router_kind": "router02"},
        "chain.custom.v3_router_kind = 'router02': Input should be 'swap_router' or 'swap_router02'",
    ),
    "op_stack_without_oracle": (
        {"weth": WETH, **V2, "op_stack": True},
        "chain.custom.l1_gas_oracle: required with op_stack = true (the L1 data fee comes from it; "
        f"OP-stack chains have the GasPriceOracle predeploy at {OP_GAS_PRICE_ORACLE})",
    ),
    "one_address_two_roles": (
        {"weth": WETH, "v2_factory": BASE.v2_factory, "v2_router": BASE.v2_factory},
        f"chain.custom.v2_router = '{BASE.v2_factory}': same address as v2_factory "
        "(each contract has its own)",
    ),
    "zero_elasticity": (
        {"weth": WETH, **V2, "eip1559_elasticity": 0},
        "chain.custom.eip1559_elasticity = 0: Input should be greater than or equal to 1",
    ),
    "known_name": (
        {"name": "ethereum", "weth": WETH, **V2},
        "chain.custom.name = 'ethereum': is a known network: set chain.network = \"ethereum\" instead, or "
        "pick another name",
    ),
    "name_with_space": (
        {"name": "my chain", "weth": WETH, **V2},
        "chain.custom.name = 'my chain': must be 1-32 letters, digits, '.', '_' or '-', starting with a "
        "letter or digit",
    ),
    "explorer_not_http": (
        {"weth": WETH, **V2, "explorer": "ftp://scan.example"},
        "chain.custom.explorer = 'ftp://scan.example': must be an http(s):// URL",
    ),
    "not_a_table": (
        "0x42",
        "chain.custom = '0x42': Input should be a valid dictionary or instance of CustomChainConfig",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_custom_table_is_one_line_naming_the_key(name: str) -> None:
    table, expected = BAD[name]
    assert _error(_chain(table)) == expected


def test_network_custom_needs_the_table() -> None:
    assert _error(_chain(None)) == (
        'chain.custom: required with chain.network = "custom": a [chain.custom] table with weth and one '
        "DEX (see the example in config.toml)"
    )


@pytest.mark.parametrize("network", ["devnet", "base"])
def test_the_table_is_refused_on_a_named_network_whatever_it_holds(network: str) -> None:
    # Its content is not looked at (weth is malformed here): its presence on that network is the error.
    data = _chain({"weth": "nope"}, network=network)
    del data["chain"]["chain_id"]
    assert _error(data) == (
        f'chain.custom: only read with chain.network = "custom" (network is {network!r}): remove the '
        'table or set chain.network = "custom"'
    )


def test_an_address_in_the_environment_stays_an_address(tmp_path: Path) -> None:
    # TOML would read 0x + 40 hex digits as an integer; overrides of other types still parse as TOML.
    env = {"DEXBOT_CHAIN__CUSTOM__WETH": WETH, "DEXBOT_CHAIN__CHAIN_ID": "4242"}
    assert env_overrides(env) == {"chain": {"custom": {"weth": WETH}, "chain_id": 4242}}
    path = tmp_path / "config.toml"
    path.write_text(
        '[chain]\nnetwork = "custom"\nchain_id = 1\nrpc_urls = ["http://127.0.0.1:1"]\n[chain.custom]\n'
        + "".join(f'{k} = "{v}"\n' for k, v in V2.items())
    )
    with pytest.raises(ConfigError, match=r"chain.custom.weth: required"):
        load_config(path, use_env=False)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        cfg = load_config(path)
    assert cfg.chain.custom is not None
    assert (cfg.chain.chain_id, cfg.chain.custom.weth) == (4242, WETH)


def test_every_chain_info_field_is_configurable_from_the_table_or_chain_section() -> None:
    from_chain_section = {"chain_id", "block_time_s", "poa"}
    fields = {f.name for f in dataclasses.fields(ChainInfo)}
    assert set(CustomChainConfig.model_fields) == fields - from_chain_section
    assert CUSTOM_ADDRESS_KEYS == ADDRESS_FIELDS


def test_the_canonical_multicall3_default_is_the_one_the_chain_layer_uses() -> None:
    assert MULTICALL3 == multicall.MULTICALL3 == CustomChainConfig.model_fields["multicall3"].default


def test_the_commented_example_in_config_toml_lists_every_key() -> None:
    text = (ROOT / "config.toml").read_text()
    block = text.split("# [chain.custom]\n", 1)[1].split("\n\n", 1)[0]
    keys = [m.group(1) for m in re.finditer(r"^# (\w+) = ", block, flags=re.MULTILINE)]
    assert keys == list(CustomChainConfig.model_fields)


def test_the_chain_is_called_by_its_custom_name_or_its_network() -> None:
    assert parse_config(_chain({"weth": WETH, "name": "localnet"} | V2)).chain.name == "localnet"
    assert parse_config(_chain({"weth": WETH} | V2)).chain.name == "custom"
    assert (
        parse_config({"chain": {"network": "base", "rpc_urls": ["http://127.0.0.1:1"]}}).chain.name == "base"
    )
    assert parse_config({}).chain.name == "devnet"
