"""`dexbot wallet …` through the real entry point: keystores, sign-in, balances, history, approvals.

The private key must never show up in what the CLI prints, in the database or anywhere else on disk
except (encrypted) in the keystore.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.siwe import recover_signer

PASSWORD = "a long enough password"
DEV = dev_account(12)
KEY_HEX = DEV.key.hex().removeprefix("0x")


def env(**extra: str) -> dict[str, str]:
    return {"DEXBOT_KEYSTORE_PASSWORD": PASSWORD, **extra}


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert KEY_HEX not in text.lower()


def assert_key_nowhere_on_disk(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert KEY_HEX.encode() not in data.lower(), path
            assert bytes(DEV.key) not in data, path


def imported(cli, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    res = cli("wallet", "import", "--json", env=env(DEXBOT_IMPORT_KEY="0x" + KEY_HEX))
    assert res.returncode == 0, res.stderr
    assert_no_key(res.stdout, res.stderr)
    return str(json.loads(res.stdout)["address"])


def test_new_writes_a_private_scrypt_keystore_and_list_shows_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("wallet", "new", "--json", env=env())
    assert res.returncode == 0, res.stderr
    created = json.loads(res.stdout)
    path = Path(created["path"])

    assert path.parent == tmp_path / "data" / "keystore"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["crypto"]["kdf"] == "scrypt"
    listed = cli("wallet", "list", "--json")
    assert json.loads(listed.stdout) == [created]


def test_import_keeps_the_address_and_the_key_appears_nowhere(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    address = imported(cli, tmp_path)
    signed = cli("wallet", "sign-in", "--domain", "example.com", "--uri", "https://example.com", env=env())
    history = cli("wallet", "history", "--json")  # opens (creates) the database too

    assert address == DEV.address
    assert signed.returncode == 0, signed.stderr
    assert history.returncode == 0, history.stderr
    assert json.loads(history.stdout) == []
    assert_no_key(signed.stdout, signed.stderr, history.stdout, history.stderr)
    assert (tmp_path / "data" / "dexbot.db").exists()
    assert_key_nowhere_on_disk(tmp_path)


def test_sign_in_prints_an_eip4361_message_whose_signature_recovers_the_address(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    address = imported(cli, tmp_path)
    res = cli(
        "wallet", "sign-in", "--domain", "dash.example.org", "--uri", "https://dash.example.org/login",
        "--statement", "Sign in to the dashboard", "--nonce", "n0nce1234", "--chain-id", "8453", "--json",
        env=env(),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    lines = data["message"].splitlines()

    assert lines[:4] == [
        "dash.example.org wants you to sign in with your Ethereum account:",
        address,
        "",
        "Sign in to the dashboard",
    ]
    assert lines[5:9] == [
        "URI: https://dash.example.org/login",
        "Version: 1",
        "Chain ID: 8453",
        "Nonce: n0nce1234",
    ]
    assert lines[9].startswith("Issued At: ")
    assert recover_signer(data["message"], data["signature"]) == address
    text = cli("wallet", "sign-in", "--domain", "a.example", "--uri", "https://a.example", env=env())
    message, _, sig_line = text.stdout.rstrip("\n").rpartition("\n\n")
    assert recover_signer(message, sig_line.removeprefix("signature: ")) == address


def test_wrong_password_is_one_line_and_exit_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    address = imported(cli, tmp_path)
    res = cli(
        "wallet", "sign-in", "--domain", "example.com", "--uri", "https://example.com",
        env={"DEXBOT_KEYSTORE_PASSWORD": "not the password"},
    )  # fmt: skip
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.startswith(f"error: wrong password for keystore {address} (")
    assert res.stderr.count("\n") == 1


def test_password_and_key_are_read_from_hidden_prompts(tmp_path: Path) -> None:
    """No terminal (new session) and no environment variables: the prompts read stdin."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    res = subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", "wallet", "import", "--json"],
        input=f"{KEY_HEX}\n{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean,
        timeout=120,
        start_new_session=True,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout[res.stdout.index("{") :])["address"] == DEV.address
    assert_no_key(res.stdout, res.stderr)


def test_password_on_the_command_line_is_not_an_option(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("wallet", "new", "--password", PASSWORD)
    assert res.returncode == 2
    assert "No such option: --password" in res.stderr


@pytest.fixture
def devnet_dir(chain: Devnet, tmp_path: Path) -> Devnet:
    """The session devnet, announced to the CLI the way `dexbot devnet up` does: data/devnet.json."""
    chain.deployment.write(tmp_path / "data")
    return chain


def test_balance_reads_native_and_token_balances_of_the_wallet(
    cli, tmp_path: Path, devnet_dir: Devnet, w3: Web3
) -> None:  # type: ignore[no-untyped-def]
    address = imported(cli, tmp_path)
    res = cli("wallet", "balance", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    by_symbol = {b["symbol"]: b for b in data["balances"]}

    assert data["address"] == address
    assert by_symbol["ETH"]["amount"] == str(w3.eth.get_balance(address, data["block"]))
    assert by_symbol["USDC"] == {
        "symbol": "USDC",
        "token": devnet_dir.deployment.usdc,
        "decimals": 6,
        "amount": "0",
    }
    assert {t.symbol for t in devnet_dir.deployment.tokens} <= set(by_symbol)


def test_approvals_are_listed_revoked_and_the_revoke_shows_in_history(
    cli, tmp_path: Path, devnet_dir: Devnet, w3: Web3
) -> None:  # type: ignore[no-untyped-def]
    address = imported(cli, tmp_path)
    dep = devnet_dir.deployment
    usdc = w3.eth.contract(address=Web3.to_checksum_address(dep.usdc), abi=load_own("PlainToken").abi)
    usdc.functions.approve(dep.v2_router, 5_000_000).transact({"from": address})

    listed = cli("wallet", "approvals", "--json")
    revoked = cli("wallet", "approvals", "revoke", dep.usdc, dep.v2_router, env=env())
    after = cli("wallet", "approvals", "--json")
    history = cli("wallet", "history", "--json")

    assert json.loads(listed.stdout) == [
        {
            "token": dep.usdc,
            "spender": dep.v2_router,
            "spender_name": "v2_router",
            "amount": "5000000",
            "unlimited": False,
        }
    ]
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(after.stdout) == []
    assert usdc.functions.allowance(address, dep.v2_router).call() == 0
    (tx,) = json.loads(history.stdout)
    receipt = w3.eth.get_transaction_receipt(tx["tx_hash"])
    assert (tx["status"], tx["purpose"], tx["block"]) == ("mined", "revoke", receipt["blockNumber"])
    assert tx["fee_wei"] == str(receipt["gasUsed"] * receipt["effectiveGasPrice"])
    assert_no_key(revoked.stdout, revoked.stderr, history.stdout)
    assert_key_nowhere_on_disk(tmp_path)
