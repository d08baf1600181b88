"""Every `--json` output has one type per field: amounts are decimal strings, small or large, zero or
negative; each command's output conforms to its schema in dexbot/cli/json_schema.py, which docs/json.md
is generated from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from store_rows import LOSS, seed
from web3 import Web3

from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.cli.json_schema import AMOUNT, COMMANDS, INT, Arr, _obj, encode, markdown, problems
from dexbot.engine.breakers import BREAKER_TYPES

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = {"DEXBOT_KEYSTORE_PASSWORD": "a long enough password"}


def _conforming(cli, command: str, *args: str, **kw: Any) -> Any:  # type: ignore[no-untyped-def]
    res = cli(*command.split(), *args, "--json", **kw)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert problems(data, COMMANDS[command]) == []
    return data


def test_an_amount_is_a_string_whatever_its_size_and_a_count_stays_a_number() -> None:
    spec = Arr(_obj(pnl=AMOUNT, trades=INT))
    rows = [{"pnl": 0, "trades": 3}, {"pnl": LOSS, "trades": 0}, {"pnl": "-5", "trades": 1}]
    assert encode(rows, spec) == [
        {"pnl": "0", "trades": 3},
        {"pnl": "-183141145919690592", "trades": 0},
        {"pnl": "-5", "trades": 1},
    ]


def test_problems_name_the_field_and_what_it_holds() -> None:
    spec = _obj(pnl=AMOUNT, trades=INT)
    assert problems({"pnl": 0, "trades": "3", "extra": 1}, spec) == [
        "$.extra: not in the schema",
        "$.pnl: expected amount, got 0",
        "$.trades: expected integer, got '3'",
    ]
    assert problems({"pnl": "1.5"}, spec) == ["$.trades: missing", "$.pnl: expected amount, got '1.5'"]


def test_the_json_doc_is_generated_from_the_schema() -> None:
    assert (ROOT / "docs" / "json.md").read_text(encoding="utf-8") == markdown()
    assert "docs/json.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_store_reads_conform_and_a_zero_pnl_is_a_string_like_a_large_one(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(tmp_path)
    positions = _conforming(cli, "positions", "--closed")
    assert {p["symbol"]: p["realised_pnl"] for p in positions} == {"ALPHA": "0", "BETA": str(LOSS)}
    trades = _conforming(cli, "trades")
    assert [(t["gas_used"], t["block_number"]) for t in trades] == [("150000", 110), ("150000", 101)]
    (report,) = _conforming(cli, "pnl")
    assert (report["realised_pnl"], report["unrealised_pnl"], report["trades"]) == (str(LOSS), "11", 2)
    (thought,) = _conforming(cli, "thoughts")
    assert thought["factors"][0]["evidence"] == {"reserve": str(400 * 10**18)}
    assert thought["at"] == "2025-12-02T18:04:05+00:00"
    assert [b["name"] for b in _conforming(cli, "breakers")] == [b.name for b in BREAKER_TYPES]
    assert _conforming(cli, "db current")["up_to_date"] is True
    assert _conforming(cli, "config show")["mode"]["max_trade_eth"] == "0.5"


@pytest.fixture
def on_devnet(chain: Devnet, tmp_path: Path) -> Devnet:
    chain.deployment.write(tmp_path / "data")
    return chain


def test_chain_reads_conform_on_the_devnet(cli, tmp_path: Path, on_devnet: Devnet, w3: Web3) -> None:  # type: ignore[no-untyped-def]
    dep = on_devnet.deployment
    token = next(t for t in dep.tokens if t.kind == "plain")
    quote = _conforming(cli, "quote", "ETH", "USDC", "1.5")
    assert quote["amount_in"] == str(15 * 10**17)
    assert isinstance(quote["price_impact_bps"], float)
    assert all(r["gas_estimate"].isdigit() for r in quote["routes"])
    check = _conforming(cli, "token check", token.address)
    assert check["token"] == token.address
    info = _conforming(cli, "devnet info")
    assert (info["chain_id"], info["weth"]) == (dep.chain_id, dep.weth)
    key = {**PASSWORD, "DEXBOT_IMPORT_KEY": dev_account(13).key.hex()}
    address = _conforming(cli, "wallet import", env=key)["address"]
    assert [k["address"] for k in _conforming(cli, "wallet list")] == [address]
    balance = _conforming(cli, "wallet balance")
    assert {b["symbol"]: b["amount"] for b in balance["balances"]}["USDC"] == "0"
    usdc = w3.eth.contract(address=Web3.to_checksum_address(dep.usdc), abi=load_own("PlainToken").abi)
    usdc.functions.approve(dep.v2_router, 5).transact({"from": address})
    (allowance,) = _conforming(cli, "wallet approvals")
    assert (allowance["amount"], allowance["unlimited"]) == ("5", False)
    assert cli("wallet", "approvals", "revoke", dep.usdc, dep.v2_router, env=PASSWORD).returncode == 0
    (tx,) = _conforming(cli, "wallet history")
    receipt = w3.eth.get_transaction_receipt(tx["tx_hash"])
    assert (tx["gas_used"], tx["block"]) == (str(receipt["gasUsed"]), receipt["blockNumber"])
    assert tx["fee_wei"] == str(receipt["gasUsed"] * receipt["effectiveGasPrice"])
    signed = _conforming(
        cli, "wallet sign-in", "--domain", "a.example", "--uri", "https://a.example", env=PASSWORD
    )
    assert signed["address"] == address
