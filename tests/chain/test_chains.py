"""Known chains: checksummed, unique, consistent with the config model and the devnet launcher."""

from __future__ import annotations

import dataclasses

import pytest
from eth_utils import is_checksum_address

from dexbot.chain.chains import (
    ADDRESS_FIELDS,
    BASE,
    DEVNET_CHAIN_ID,
    KNOWN_CHAINS,
    OP_GAS_PRICE_ORACLE,
    ChainInfo,
    chain_by_id,
    chain_info,
    custom_chain,
    with_deployment,
)
from dexbot.chain.devnet.anvil import DEFAULT_CHAIN_ID
from dexbot.chain.devnet.deployment import Deployment
from dexbot.core.config import NETWORKS, ChainConfig, CustomChainConfig
from dexbot.core.errors import ConfigError

RPC = ["https://rpc.invalid"]


def test_every_configurable_network_except_custom_is_known() -> None:
    assert set(KNOWN_CHAINS) == set(NETWORKS) - {"custom"}


def test_chain_ids_are_unique_and_the_real_ones() -> None:
    ids = {c.name: c.chain_id for c in KNOWN_CHAINS.values()}
    assert len(set(ids.values())) == len(ids)
    assert ids == {"devnet": 31337, "base": 8453, "base-sepolia": 84532, "ethereum": 1, "sepolia": 11155111}
    assert DEVNET_CHAIN_ID == DEFAULT_CHAIN_ID


@pytest.mark.parametrize("chain", list(KNOWN_CHAINS.values()), ids=list(KNOWN_CHAINS))
def test_addresses_are_eip55_checksummed(chain: ChainInfo) -> None:
    for name in ADDRESS_FIELDS:
        value = getattr(chain, name)
        assert value is None or is_checksum_address(value), f"{chain.name}.{name} = {value}"


@pytest.mark.parametrize("chain", list(KNOWN_CHAINS.values()), ids=list(KNOWN_CHAINS))
def test_no_address_is_reused_for_two_roles_on_one_chain(chain: ChainInfo) -> None:
    values = list(chain.addresses().values())
    assert len(values) == len(set(values)), chain.addresses()


def test_public_chains_have_multicall3_and_weth_and_v3() -> None:
    for chain in KNOWN_CHAINS.values():
        if chain.name == "devnet":
            continue
        assert chain.multicall3 == "0xcA11bde05977b3631167028862bE2a173976CA11"
        assert chain.weth is not None
        assert chain.usdc is not None
        assert chain.has_v3
        assert chain.v3_router_kind is not None


def test_only_op_stack_chains_have_the_l1_fee_oracle() -> None:
    for chain in KNOWN_CHAINS.values():
        assert (chain.l1_gas_oracle == OP_GAS_PRICE_ORACLE) == chain.op_stack == chain.name.startswith("base")


def test_unverified_base_sepolia_v2_is_left_unset() -> None:
    base_sepolia = KNOWN_CHAINS["base-sepolia"]
    assert base_sepolia.v2_factory is None
    assert not base_sepolia.has_v2
    assert KNOWN_CHAINS["base"].has_v2
    assert KNOWN_CHAINS["ethereum"].has_v2


def test_chain_info_resolves_a_known_network() -> None:
    info = chain_info(ChainConfig(network="base", rpc_urls=RPC))
    assert info is BASE
    assert info.block_time_s == 2.0
    assert info.v3_router_kind == "swap_router02"


def test_chain_info_applies_explicit_block_time_and_poa_only() -> None:
    info = chain_info(ChainConfig(network="ethereum", rpc_urls=RPC))
    assert info.block_time_s == 12.0
    assert info.poa is False
    tuned = chain_info(ChainConfig(network="ethereum", rpc_urls=RPC, block_time_s=3.0, poa=True))
    assert tuned.block_time_s == 3.0
    assert tuned.poa is True
    assert tuned.weth == info.weth


def test_chain_info_refuses_a_contradicting_chain_id() -> None:
    with pytest.raises(ConfigError, match=r"chain.chain_id = 1 contradicts chain.network = 'base'"):
        chain_info(ChainConfig(network="base", rpc_urls=RPC, chain_id=1))
    assert chain_info(ChainConfig(network="base", rpc_urls=RPC, chain_id=8453)) is BASE


def test_custom_chain_comes_entirely_from_config() -> None:
    table = CustomChainConfig(
        name="localnet",
        native_symbol="XDAI",
        weth=BASE.weth,
        v2_factory=BASE.v2_factory,
        v2_router=BASE.v2_router,
        eip1559_denominator=50,
    )
    cfg = ChainConfig(network="custom", rpc_urls=RPC, chain_id=4242, block_time_s=1.0, poa=True, custom=table)
    info = chain_info(cfg)
    assert (info.name, info.chain_id, info.native_symbol) == ("localnet", 4242, "XDAI")
    assert (info.block_time_s, info.poa, info.eip1559_denominator) == (1.0, True, 50)
    assert info.addresses() == {
        "weth": BASE.weth,
        "v2_factory": BASE.v2_factory,
        "v2_router": BASE.v2_router,
        "multicall3": "0xcA11bde05977b3631167028862bE2a173976CA11",
    }
    assert info.has_v2
    assert not info.has_v3


def test_custom_chain_checksums_addresses_and_refuses_unknown_keys() -> None:
    info = custom_chain(
        10,
        block_time_s=2,
        weth="0x4200000000000000000000000000000000000006",
        v3_router="0x2626664c2603336e57b271c5c0b26f421741e481",
        v3_router_kind="swap_router02",
    )
    assert info.v3_router == "0x2626664c2603336E57B271c5C0b26F421741e481"
    with pytest.raises(ConfigError, match="unknown key 'wet'"):
        custom_chain(10, block_time_s=2, wet="0x4200000000000000000000000000000000000006")
    with pytest.raises(ConfigError, match="v3_router_kind: required with v3_router"):
        custom_chain(10, block_time_s=2, v3_router="0x2626664c2603336E57B271c5C0b26F421741e481")
    with pytest.raises(ConfigError, match=r"invalid EIP-55 checksum"):
        custom_chain(10, block_time_s=2, weth="0x2626664c2603336E57B271c5C0b26F421741e482")


def test_with_deployment_fills_the_devnet_addresses() -> None:
    addr = [f"0x{i:040x}" for i in range(1, 12)]
    deployment = Deployment(
        chain_id=31337,
        rpc_url="http://127.0.0.1:1",
        deployer=addr[0],
        weth=addr[1],
        usdc=addr[2],
        usdc_v2_pair=addr[3],
        usdc_v3_pool=addr[4],
        v2_factory=addr[5],
        v2_router=addr[6],
        v3_factory=addr[7],
        v3_swap_router=addr[8],
        v3_quoter=addr[9],
        v3_position_manager=addr[10],
        multicall3="0xcA11bde05977b3631167028862bE2a173976CA11",
    )
    info = with_deployment(KNOWN_CHAINS["devnet"], deployment)
    assert info.v3_router == "0x0000000000000000000000000000000000000009"
    assert info.v3_router_kind == "swap_router"
    assert info.has_v2
    assert info.has_v3
    with pytest.raises(ConfigError, match="deployment is for chain 31337"):
        with_deployment(BASE, deployment)


def test_chain_by_id() -> None:
    assert chain_by_id(84532) is KNOWN_CHAINS["base-sepolia"]
    assert chain_by_id(999) is None


def test_chain_info_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        BASE.chain_id = 1  # type: ignore[misc]
