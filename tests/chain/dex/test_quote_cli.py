"""`dexbot quote` end to end: the real entry point in a subprocess against the session devnet, found
through a devnet.json in the data dir the way `dexbot devnet up` leaves it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.anvil import free_port
from dexbot.chain.dex import DexAddresses
from dexbot.chain.dex.route import find_quotes
from dexbot.chain.rpc import RpcClient

pytestmark = pytest.mark.chain


def dexbot(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
        | {"COLUMNS": "200"}
        | (env or {})
    )
    return subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", "quote", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture
def running(devnet: Devnet, tmp_path: Path) -> Path:
    devnet.deployment.write(tmp_path / "data")
    return tmp_path


async def expected_routes(
    devnet: Devnet, token_in: str, token_out: str, amount: int, block: int
) -> list[int]:
    client = await RpcClient.connect([devnet.rpc_url])
    try:
        addrs = DexAddresses.from_deployment(devnet.deployment)
        quotes = await find_quotes(client, addrs, token_in, token_out, amount, block=block)
    finally:
        await client.close()
    return [q.amount_out for q in quotes]


def test_json_quote_of_eth_to_usdc_is_the_best_route_at_its_block(devnet: Devnet, running: Path) -> None:
    res = dexbot(running, "ETH", "usdc", "1.5", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    dep = devnet.deployment
    assert data["token_in"] == {"address": dep.weth, "symbol": "ETH", "decimals": 18, "native": True}
    assert data["token_out"]["symbol"] == "USDC"
    assert data["amount_in"] == str(15 * 10**17)
    amounts = asyncio.run(expected_routes(devnet, dep.weth, dep.usdc, 15 * 10**17, data["block_number"]))
    assert [int(r["amount_out"]) for r in data["routes"]] == amounts
    assert int(data["amount_out"]) == amounts[0] == max(amounts)
    assert Decimal(data["amount_out_units"]) == Decimal(amounts[0]).scaleb(-6)


def test_a_seeded_symbol_is_routed_through_weth_and_rendered(devnet: Devnet, running: Path) -> None:
    token = next(t for t in devnet.deployment.tokens if t.kind == "plain")
    res = dexbot(running, token.symbol.lower(), "USDC", "1000")
    assert res.returncode == 0, res.stderr
    assert f"{token.symbol} → WETH → USDC" in res.stdout
    assert "price impact" in res.stdout
    assert "every route at this block" in res.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("ETH", "USDC", "1.2.3"), "AMOUNT: '1.2.3' is not a number"),
        (("USDC", "ETH", "0.0000001"), "more than 6 decimal places"),
        (("ETH", "USDC", "0"), "must be more than zero"),
        (("0x1234", "USDC", "1"), "TOKEN_IN: '0x1234' is not a 20-byte hex address"),
        (("ETH", "DOGE", "1"), "TOKEN_OUT: 'DOGE' is not an address or a known symbol"),
        (("ETH", "WETH", "1"), "same token"),
        (("WETH", "USDC", "1e80"), "AMOUNT: '1e80' is too large: at most 1.15e+59 WETH"),
        (("USDC", "ETH", "1e999999999"), "AMOUNT: '1e999999999' is too large: at most 1.15e+71 USDC"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(running: Path, args: tuple[str, ...], field: str) -> None:
    res = dexbot(running, *args)
    assert res.returncode == 2
    assert field in res.stderr
    assert res.stderr.count("\n") == 1


def test_an_amount_beyond_decimals_precision_is_quoted_and_printed_exactly(
    devnet: Devnet, running: Path
) -> None:
    """1e30 WETH has 49 digits in wei: more than Decimal's default 28, which used to raise on display."""
    res = dexbot(running, "WETH", "USDC", "1e30", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["amount_in"] == str(10**48)
    assert data["amount_in_units"] == "1" + "0" * 30 + "." + "0" * 18
    res = dexbot(running, "WETH", "USDC", "1e30")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("1," + ",".join(["000"] * 10) + ".00000000 WETH → ")


def test_without_a_running_devnet_it_says_how_to_start_one(devnet: Devnet, tmp_path: Path) -> None:
    res = dexbot(tmp_path, "ETH", "USDC", "1")
    assert res.returncode == 1
    assert "no devnet running: start one with `dexbot devnet up`" in res.stderr

    stale = dataclasses.replace(devnet.deployment, rpc_url=f"http://127.0.0.1:{free_port()}")
    stale.write(tmp_path / "data")
    res = dexbot(tmp_path, "ETH", "USDC", "1")
    assert res.returncode == 1
    assert "no devnet running" in res.stderr


def test_a_public_network_uses_its_rpc_urls_and_refuses_the_wrong_chain(
    devnet: Devnet, tmp_path: Path
) -> None:
    env = {"DEXBOT_CHAIN__NETWORK": "base", "DEXBOT_CHAIN__RPC_URLS": f'["{devnet.rpc_url}"]'}
    res = dexbot(tmp_path, "ETH", "USDC", "1", env=env)
    assert res.returncode == 1
    assert "serves chain 31337, expected 8453" in res.stderr
