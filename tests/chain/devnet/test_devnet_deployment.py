"""The deployment: every contract is there, addresses are where the routers will look for them, and the
deployment JSON round-trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from eth_utils import is_checksum_address
from web3 import Web3
from web3.contract import Contract

from dexbot.chain.devnet import Devnet, load_deployment
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.devnet.addresses import (
    MULTICALL3,
    V2_PAIR_INIT_CODE_HASH,
    V3_POOL_INIT_CODE_HASH,
    v2_pair_address,
    v2_pair_init_code_hash,
    v3_pool_address,
    v3_pool_init_code_hash,
)
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.devnet.seed import seeded_specs
from dexbot.core.errors import DevnetError

pytestmark = pytest.mark.chain
ContractFactory = Callable[[str, str], Contract]

CORE_FIELDS = (
    "weth",
    "usdc",
    "usdc_v2_pair",
    "usdc_v3_pool",
    "v2_factory",
    "v2_router",
    "v3_factory",
    "v3_swap_router",
    "v3_quoter",
    "v3_position_manager",
    "multicall3",
)


def test_every_deployed_address_has_code_and_is_checksummed(devnet: Devnet, w3: Web3) -> None:
    dep = devnet.deployment
    addresses = [getattr(dep, f) for f in CORE_FIELDS]
    for t in dep.tokens:
        addresses += [t.address, t.v2_pair, t.v3_pool]
    for address in addresses:
        assert is_checksum_address(address), address
        assert len(w3.eth.get_code(address)) > 0, f"no code at {address}"
    assert dep.chain_id == 31337 == w3.eth.chain_id
    assert dep.deployer == devnet.accounts[0]


def test_seeded_tokens_follow_the_config(devnet: Devnet) -> None:
    tokens = devnet.deployment.tokens
    assert len(tokens) == 6
    assert [t.symbol for t in tokens] == [s.symbol for s in seeded_specs(42, 6)]
    assert sum(t.hostile for t in tokens) == 2
    assert all(t.v3_fee == 3000 for t in tokens)


def test_seeded_set_is_deterministic_in_the_seed() -> None:
    assert seeded_specs(7, 9) == seeded_specs(7, 9)
    assert seeded_specs(7, 9) != seeded_specs(8, 9)
    assert len({s.symbol for s in seeded_specs(7, 50)}) == 50


def test_npm_init_code_hashes_match_the_ones_the_routers_hardcode() -> None:
    assert "0x" + v2_pair_init_code_hash().hex() == V2_PAIR_INIT_CODE_HASH
    assert "0x" + v3_pool_init_code_hash().hex() == V3_POOL_INIT_CODE_HASH


def test_factories_created_pairs_and_pools_at_the_create2_addresses(
    devnet: Devnet, contract: ContractFactory
) -> None:
    dep = devnet.deployment
    v2 = contract("UniswapV2Factory", dep.v2_factory)
    v3 = contract("UniswapV3Factory", dep.v3_factory)
    for t in dep.tokens:
        assert v2.functions.getPair(t.address, dep.weth).call() == t.v2_pair
        assert v2_pair_address(dep.v2_factory, dep.weth, t.address) == t.v2_pair
        assert v3.functions.getPool(dep.weth, t.address, 3000).call() == t.v3_pool
        assert v3_pool_address(dep.v3_factory, t.address, dep.weth, 3000) == t.v3_pool
    assert v2.functions.getPair(dep.usdc, dep.weth).call() == dep.usdc_v2_pair
    assert v3.functions.getPool(dep.usdc, dep.weth, 3000).call() == dep.usdc_v3_pool


def test_usdc_is_a_six_decimal_stablecoin_at_3000_per_weth(devnet: Devnet, contract: ContractFactory) -> None:
    dep = devnet.deployment
    usdc = contract("PlainToken", dep.usdc)
    assert (usdc.functions.symbol().call(), usdc.functions.decimals().call()) == ("USDC", 6)
    pair = contract("UniswapV2Pair", dep.usdc_v2_pair)
    r0, r1, _ = pair.functions.getReserves().call()
    usdc_reserve, weth_reserve = (r0, r1) if pair.functions.token0().call() == dep.usdc else (r1, r0)
    assert (usdc_reserve, weth_reserve) == (3_000_000 * 10**6, 1000 * 10**18)


def test_multicall3_answers_at_the_canonical_address(
    devnet: Devnet, w3: Web3, contract: ContractFactory
) -> None:
    mc = contract("Multicall3", MULTICALL3)
    assert mc.functions.getBlockNumber().call() == w3.eth.block_number
    weth = contract("WETH9", devnet.deployment.weth)
    calls = [
        (weth.address, False, weth.encode_abi("symbol")),
        (weth.address, True, b"\xde\xad\xbe\xef"),
        (mc.address, False, mc.encode_abi("getEthBalance", [devnet.deployment.deployer])),
    ]
    results = mc.functions.aggregate3(calls).call()
    assert results[0][0] is True
    assert w3.codec.decode(["string"], results[0][1]) == ("WETH",)
    assert results[1][0] is False
    assert int.from_bytes(results[2][1], "big") == w3.eth.get_balance(devnet.deployment.deployer)


def test_deployment_json_round_trips_through_the_data_dir(devnet: Devnet, tmp_path: Path) -> None:
    path = devnet.deployment.write(tmp_path)
    assert path == tmp_path / "devnet.json"
    assert load_deployment(tmp_path) == devnet.deployment
    assert load_deployment(path) == devnet.deployment
    assert Deployment.from_json(devnet.deployment.to_json()) == devnet.deployment


def test_loading_a_missing_or_broken_deployment_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DevnetError, match="dexbot devnet up"):
        load_deployment(tmp_path)
    (tmp_path / "devnet.json").write_text('{"format": 1, "weth": "0x12"}')
    with pytest.raises(DevnetError, match="invalid devnet deployment JSON"):
        load_deployment(tmp_path)


def test_token_lookup_by_symbol_or_address(devnet: Devnet) -> None:
    first = devnet.deployment.tokens[0]
    assert devnet.deployment.token(first.symbol.lower()) == first
    assert devnet.deployment.token(first.address.lower()) == first
    with pytest.raises(DevnetError, match="no devnet token"):
        devnet.deployment.token("NOPE")


def test_dev_account_keys_belong_to_the_unlocked_accounts(devnet: Devnet) -> None:
    assert dev_account(0).address == devnet.accounts[0] == devnet.deployment.deployer
    assert dev_account(7).address == devnet.accounts[7]
    assert len(devnet.accounts) == 20
