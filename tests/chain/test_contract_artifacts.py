"""The compiled artifacts: our own contracts match their sources, and the official Uniswap builds are the
ones whose init-code hashes the routers hard-code."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_utils import keccak

from dexbot.chain.contracts import artifacts as artifacts_module
from dexbot.chain.contracts import load_own, load_uniswap, own_names
from dexbot.core import paths
from dexbot.core.errors import DevnetError

COMMITTED = Path(artifacts_module.__file__).parent / "artifacts"

OWN_CONTRACTS = [
    "BlacklistToken",
    "BotListToken",
    "DevGasPriceOracle",
    "DevL1Block",
    "FeeSetterToken",
    "FuzzToken",
    "GasBurnerToken",
    "HoneypotToken",
    "HookToken",
    "LegacyMaxWalletToken",
    "LimitsToken",
    "LpLocker",
    "MaxTxPercentToken",
    "MintableRugToken",
    "Multicall3",
    "PausableToken",
    "PlainToken",
    "ProbeWallet",
    "ReflectionToken",
    "RoundTripProbe",
    "SwapBackToken",
    "TaxToken",
    "TransferCounter",
    "TransferDelayToken",
    "UpgradeableToken",
    "UpgradeableTokenLogic",
]
UNISWAP_CONTRACTS = [
    "WETH9",
    "UniswapV2Factory",
    "UniswapV2Router02",
    "UniswapV2Pair",
    "UniswapV3Factory",
    "UniswapV3Pool",
    "SwapRouter",
    "QuoterV2",
    "NonfungiblePositionManager",
]


@pytest.mark.slow
def test_committed_artifacts_match_a_fresh_compile(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    subprocess.run(
        [node, "scripts/compile-contracts.mjs", "--out", str(tmp_path)],
        cwd=paths.PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=240,
    )
    fresh = sorted(p.name for p in tmp_path.glob("*.json"))
    assert fresh == sorted(p.name for p in COMMITTED.glob("*.json")), "run make contracts"
    for name in fresh:
        # Byte-for-byte: the script's output is deterministic, so any difference means a stale commit.
        assert (tmp_path / name).read_text() == (COMMITTED / name).read_text(), f"{name}: run make contracts"


def test_every_own_contract_is_committed_with_code() -> None:
    assert own_names() == OWN_CONTRACTS
    hashes = set()
    for name in OWN_CONTRACTS:
        artifact = load_own(name)
        assert artifact.name == name
        assert artifact.bytecode
        assert artifact.deployed_bytecode
        hashes.add(json.loads((COMMITTED / f"{name}.json").read_text())["sourceHash"])
    assert len(hashes) == 1


def test_tokens_share_the_uniform_constructor() -> None:
    for name in OWN_CONTRACTS:
        if not name.endswith("Token"):
            continue
        (ctor,) = [e for e in load_own(name).abi if e["type"] == "constructor"]
        assert [(i["name"], i["type"]) for i in ctor["inputs"]] == [
            ("name_", "string"),
            ("symbol_", "string"),
            ("decimals_", "uint8"),
            ("supply_", "uint256"),
        ]


def test_multicall3_has_the_canonical_abi_and_no_constructor() -> None:
    abi = load_own("Multicall3").abi
    functions = {e["name"] for e in abi if e["type"] == "function"}
    assert {
        "aggregate",
        "aggregate3",
        "aggregate3Value",
        "tryAggregate",
        "getBlockNumber",
        "getCurrentBlockTimestamp",
        "getEthBalance",
        "getBlockHash",
        "getBasefee",
        "getChainId",
    } <= functions
    assert not [e for e in abi if e["type"] == "constructor"]


def test_unknown_own_contract_names_the_fix() -> None:
    with pytest.raises(DevnetError, match="make contracts"):
        load_own("NoSuchToken")


@pytest.mark.parametrize("name", UNISWAP_CONTRACTS)
def test_load_uniswap_returns_code(name: str) -> None:
    artifact = load_uniswap(name)
    assert artifact.name == name
    assert len(artifact.bytecode) > 1000
    assert len(artifact.deployed_bytecode) > 1000
    assert any(e["type"] == "function" for e in artifact.abi)


def test_v2_pair_init_code_hash_is_the_one_the_router_hard_codes() -> None:
    assert keccak(load_uniswap("UniswapV2Pair").bytecode).hex().startswith("96e8ac42")


def test_v3_pool_init_code_hash_is_the_one_the_periphery_hard_codes() -> None:
    assert keccak(load_uniswap("UniswapV3Pool").bytecode).hex().startswith("e34f199b")


def test_missing_node_modules_says_run_make_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths, "NODE_MODULES", tmp_path / "node_modules")
    load_uniswap.cache_clear()
    try:
        with pytest.raises(DevnetError, match="run make setup"):
            load_uniswap("UniswapV2Pair")
    finally:
        load_uniswap.cache_clear()
