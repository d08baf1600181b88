"""`dexbot token check` through the real entry point against the devnet."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet, TokenSpec, calldata, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.engine.risk.flags import FLAGS

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
    assert [f["name"] for f in data["flags"]] == list(FLAGS)
    honeypot = next(f for f in data["flags"] if f["name"] == "honeypot")
    assert honeypot == {
        "name": "honeypot",
        "value": True,
        "detail": "HP: trading not enabled",
        "how": FLAGS["honeypot"][1],
        "factor": "round_trip",
    }
    assert data["sell_tax_bps"] is None  # its sale reverted: no tax measured
    table = cli("token", "check", honey, env={"COLUMNS": "120"}).stdout
    assert "taxes   buy 0 bps, sell unknown (not measured)" in table
    assert "None" not in table
    res = cli("token", "check", taxed, "--json")
    data = json.loads(res.stdout)
    assert (data["buy_tax_bps"], data["sell_tax_bps"]) == (300, 700)
    table = cli("token", "check", taxed, env={"COLUMNS": "120"}).stdout
    assert "taxes   buy 300 bps, sell 700 bps" in table
    assert data["verdict"] in ("ok", "risky")
    assert {f["name"] for f in data["factors"]} >= {"taxes", "liquidity", "owner_privileges", "lp_locked"}
    (age,) = [f for f in data["factors"] if f["name"] == "token_age"]
    assert age["value"] == "0 blocks (~0 min)"  # launched in the head block: its PairCreated log says so


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


def test_token_check_of_a_swap_back_token_reports_the_sellers_tax(cli, chain: Devnet, tmp_path: Path) -> None:
    """The token sells 50 000 collected tokens into the pair on the first sell: the seller still loses
    exactly its 3 % (not the -25 000 % the pair's whole intake once read as, which crashed the check)."""
    (token,) = _setup(
        chain, tmp_path, _spec("SWB", "swapback", buy_tax_bps=800, sell_tax_bps=300, swap_back_at=ETH)
    )
    _owner_send(chain, token, "transfer", token, 50_000 * ETH)
    res = cli("token", "check", token, "--json")
    assert (res.returncode, res.stderr) == (0, "")
    data = json.loads(res.stdout)
    assert (data["buy_tax_bps"], data["sell_tax_bps"], data["transfer_tax_bps"]) == (800, 300, 0)
    (taxes,) = [f for f in data["factors"] if f["name"] == "taxes"]
    assert taxes["value"] == "buy 8% / sell 3%"


def test_token_check_of_a_token_that_answers_no_erc20_call_is_one_line(
    cli, chain: Devnet, tmp_path: Path
) -> None:
    (token,) = _setup(chain, tmp_path, _spec("GONE"))
    code = "0x" + load_own("ProbeWallet").deployed_bytecode.hex()

    async def swap_code() -> None:
        async with DevRpc(chain.rpc_url) as rpc:
            await rpc.call("anvil_setCode", token, code)

    asyncio.run(swap_code())
    res = cli("token", "check", token)
    assert (res.returncode, res.stdout) == (1, "")
    assert res.stderr == f"error: token {token}: decimals()/totalSupply() failed: not an ERC20 token?\n"


def _owner_send(chain: Devnet, token: str, function: str, *args: object) -> None:
    """The token's owner (the devnet deployer, which launched it) calls ``function`` and it is mined."""
    dep = chain.deployment

    async def send() -> None:
        async with DevRpc(chain.rpc_url) as rpc:
            batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
            batch.send(function, token, calldata.own("SwapBackToken").call(function, *args))
            await batch.execute(rpc, mine=False)

    asyncio.run(send())
