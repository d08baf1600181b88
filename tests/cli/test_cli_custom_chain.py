"""A custom chain configured from config.toml alone: the session devnet described as ``network =
"custom"`` with its contract addresses in ``[chain.custom]`` answers the real CLI exactly as the devnet
does, and goes through the remote-RPC path (the custom config's data dir has no devnet.json)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from custom_chain import custom_toml  # tests/custom_chain.py

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.deployment import Deployment

pytestmark = pytest.mark.chain
CliRun = Callable[..., subprocess.CompletedProcess[str]]


def _toml(dep: Deployment, rpc_url: str, *, chain_id: int = 31337, **overrides: str) -> str:
    return custom_toml(dep, [rpc_url], chain_id=chain_id, **overrides) + "[metrics]\nenabled = false\n"


@pytest.fixture
def dirs(devnet: Devnet, tmp_path: Path) -> tuple[Path, Path]:
    """A working directory where a running devnet is found through data/devnet.json, and one that
    knows the same chain only from its config.toml."""
    on_devnet, on_custom = tmp_path / "devnet", tmp_path / "custom"
    on_devnet.mkdir()
    on_custom.mkdir()
    devnet.deployment.write(on_devnet / "data")
    (on_custom / "config.toml").write_text(_toml(devnet.deployment, devnet.rpc_url))
    return on_devnet, on_custom


def _json(res: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert res.returncode == 0, res.stderr
    data: dict[str, Any] = json.loads(res.stdout)
    return data


def _routed_token(dep: Deployment) -> str:
    """A plain seeded token, with a V3 pool beside its V2 pair when there is one (more routes)."""
    plain = [t for t in dep.tokens if t.kind == "plain"]
    return next((t for t in plain if t.v3_pool), plain[0]).address


def test_a_quote_on_the_custom_chain_equals_the_devnet_quote_to_the_wei(
    cli: CliRun, devnet: Devnet, dirs: tuple[Path, Path]
) -> None:
    on_devnet, on_custom = dirs
    token = _routed_token(devnet.deployment)
    for args in (("ETH", token, "1.5"), (token, "USDC", "1000"), ("WETH", "USDC", "2")):
        from_devnet = _json(cli("quote", *args, "--json", cwd=on_devnet))
        from_custom = _json(cli("quote", *args, "--json", cwd=on_custom))
        assert from_custom == from_devnet
        assert from_custom["chain_id"] == 31337
        assert int(from_custom["amount_out"]) > 0
    assert not (on_custom / "data" / "devnet.json").exists()


def test_a_token_check_on_the_custom_chain_equals_the_devnet_check(
    cli: CliRun, devnet: Devnet, dirs: tuple[Path, Path]
) -> None:
    on_devnet, on_custom = dirs
    honeypot = next(t for t in devnet.deployment.tokens if t.kind == "honeypot").address
    verdicts = []
    for token in (_routed_token(devnet.deployment), honeypot):
        from_devnet = _json(cli("token", "check", token, "--json", cwd=on_devnet))
        from_custom = _json(cli("token", "check", token, "--json", cwd=on_custom))
        from_devnet.pop("elapsed_ms")
        from_custom.pop("elapsed_ms")
        assert from_custom == from_devnet
        verdicts.append(from_custom["verdict"])
    assert verdicts[0] in ("ok", "risky")
    assert verdicts[1] == "blocked"


def test_a_custom_chain_id_the_endpoint_does_not_serve_is_refused(
    cli: CliRun, devnet: Devnet, tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text(_toml(devnet.deployment, devnet.rpc_url, chain_id=8453))
    res = cli("quote", "ETH", "USDC", "1")
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr.strip().splitlines() == [
        f"error: chain.chain_id: endpoint {devnet.rpc_url} serves chain 31337, expected 8453; refusing to "
        "connect (check chain.network / chain.rpc_urls)"
    ]


def test_a_custom_multicall3_address_without_the_contract_is_named_in_the_error(
    cli: CliRun, devnet: Devnet, tmp_path: Path
) -> None:
    nowhere = "0x000000000000000000000000000000000000dEaD"
    (tmp_path / "config.toml").write_text(_toml(devnet.deployment, devnet.rpc_url, multicall3=nowhere))
    res = cli("quote", "ETH", "USDC", "1")
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert f"Multicall3 at {nowhere} returned no result at block" in line
    assert "set the chain's multicall3 address" in line


def test_the_custom_weth_can_come_from_the_environment(
    cli: CliRun, devnet: Devnet, dirs: tuple[Path, Path]
) -> None:
    _, on_custom = dirs
    text = (on_custom / "config.toml").read_text()
    (on_custom / "config.toml").write_text(text.replace(f'weth = "{devnet.deployment.weth}"\n', ""))
    res = cli("config", "validate", cwd=on_custom)
    assert res.returncode == 2
    assert "chain.custom.weth: required" in res.stderr
    env = {"DEXBOT_CHAIN__CUSTOM__WETH": devnet.deployment.weth.lower()}
    shown = _json(cli("config", "show", "--json", cwd=on_custom, env=env))
    assert shown["chain"]["custom"]["weth"] == devnet.deployment.weth
    quoted = _json(cli("quote", "ETH", "USDC", "1", "--json", cwd=on_custom, env=env))
    assert quoted["token_in"] == {
        "address": devnet.deployment.weth,
        "symbol": "ETH",
        "decimals": 18,
        "native": True,
    }
