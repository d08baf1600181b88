"""`dexbot token check` through the real entry point against the devnet."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from dexbot.chain.devnet import Devnet, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc

ETH = 10**18


def _setup(chain: Devnet, tmp_path: Path, *specs: TokenSpec) -> list[str]:
    chain.deployment.write(tmp_path / "data")

    async def launch() -> list[str]:
        async with DevRpc(chain.rpc_url) as rpc:
            await rpc.call("evm_setAutomine", False)
            try:
                toks = await launch_tokens(rpc, chain.deployment, list(specs), mine=True)
            finally:
                await rpc.call("evm_setAutomine", True)
        return [t.address for t in toks]

    return asyncio.run(launch())


def _spec(sym: str, kind: str = "plain", **kw: int) -> TokenSpec:
    return TokenSpec(sym, sym, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False, **kw)  # type: ignore[arg-type]


def test_token_check_json_names_the_honeypot_and_measures_taxes(cli, chain: Devnet, tmp_path: Path) -> None:
    honey, taxed = _setup(
        chain, tmp_path, _spec("HNY", "honeypot"), _spec("TXD", "tax", buy_tax_bps=300, sell_tax_bps=700)
    )
    res = cli("token", "check", honey, "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert (data["verdict"], data["score"]) == ("blocked", 100)
    assert "HP: trading not enabled" in data["revert_reasons"]
    rt = next(f for f in data["factors"] if f["name"] == "round_trip")
    assert rt["hard_block"] is True
    res = cli("token", "check", taxed, "--json")
    data = json.loads(res.stdout)
    assert (data["buy_tax_bps"], data["sell_tax_bps"]) == (300, 700)
    assert data["verdict"] in ("ok", "risky")
    assert {f["name"] for f in data["factors"]} >= {"taxes", "liquidity", "owner_privileges", "lp_locked"}


def test_token_check_renders_a_table(cli, chain: Devnet, tmp_path: Path) -> None:
    (plain,) = _setup(chain, tmp_path, _spec("PLN"))
    res = cli("token", "check", plain, env={"COLUMNS": "160"})
    assert res.returncode == 0, res.stderr
    assert "verdict OK" in res.stdout
    assert "round_trip" in res.stdout


def test_token_check_bad_input_and_no_devnet(cli, chain: Devnet, tmp_path: Path) -> None:
    res = cli("token", "check", "0x1234")
    assert res.returncode == 2
    assert "ADDRESS" in res.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    res = cli("token", "check", "0x" + "11" * 20, cwd=empty)
    assert res.returncode == 1
    assert "no devnet running" in res.stderr
