"""`dexbot token check` measures ages with the chain's block time: a known chain's own (Ethereum 12 s)
unless ``chain.block_time_s`` is set, a custom chain's from ``[chain]``; not the config default 2 s."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.cli.quote_service import quote_target
from dexbot.cli.risk_check import check_token
from dexbot.core.config import parse_config

URL = "http://127.0.0.1:9"
ETH = 10**18


@pytest.mark.parametrize(
    ("chain", "block_time_s"),
    [
        ({"network": "ethereum"}, 12.0),
        ({"network": "sepolia"}, 12.0),
        ({"network": "base"}, 2.0),
        ({"network": "ethereum", "block_time_s": 11}, 11.0),
    ],
)
def test_the_quote_target_carries_the_chains_block_time(
    chain: dict[str, object], block_time_s: float
) -> None:
    cfg = parse_config({"chain": chain | {"rpc_urls": [URL]}})
    assert quote_target(cfg).block_time_s == block_time_s


def test_a_custom_chains_block_time_comes_from_the_chain_table() -> None:
    custom = {"weth": "0x" + "11" * 20, "v2_factory": "0x" + "22" * 20, "v2_router": "0x" + "33" * 20}
    chain = {"network": "custom", "chain_id": 99, "rpc_urls": [URL], "block_time_s": 5, "custom": custom}
    assert quote_target(parse_config({"chain": chain})).block_time_s == 5.0


async def test_token_check_ages_use_the_targets_block_time(chain: Devnet, tmp_path: Path) -> None:
    chain.deployment.write(tmp_path / "data")
    cfg = parse_config({"store": {"data_dir": str(tmp_path / "data")}}, source=str(tmp_path / "config.toml"))
    assert cfg.chain.block_time_s == 2.0
    target = dataclasses.replace(quote_target(cfg), block_time_s=12.0)
    spec = TokenSpec("Aged", "AGED", 10**6 * ETH, 400_000 * ETH, 20 * ETH, v3=False)
    async with DevRpc(chain.rpc_url) as rpc:
        (token,) = await launch_tokens(rpc, chain.deployment, [spec])
        await rpc.call("anvil_mine", hex(30))  # the launch's last transaction is 30 blocks back now

    a = await check_token(cfg, target, token.address)

    (age,) = [f for f in a.factors if f.name == "token_age"]
    assert age.value == "30 blocks (~6 min)"  # the pair's PairCreated block, 12 s a block
