"""Read commands pick the account of the chain the config points at (chain id AND genesis hash); older
chains' accounts stay readable with --account N and `pnl --all`; an unreachable chain falls back to the
most recent account and says so in one line."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine

from dexbot.chain.devnet import Devnet
from dexbot.store import repo
from dexbot.store.db import open_database
from dexbot.store.models import Account, Position, Trade

from .conftest import CliRun

OLD_GENESIS = "0x" + "5e" * 32
ETH = 10**18


def _config(tmp_path: Path, rpc_url: str) -> None:
    (tmp_path / "config.toml").write_text(
        f'[chain]\nnetwork = "devnet"\nrpc_urls = ["{rpc_url}"]\n\n'
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n'
    )


def _account(db: Engine, genesis: str, symbol: str) -> int:
    acct = repo.add(db, Account(kind="paper", chain_id=31337, genesis_hash=genesis, balance=9 * ETH))
    pos = repo.add(
        db,
        Position(
            account_id=acct.id, token="0x" + "aa" * 20, symbol=symbol, pool="0xp", dex="uniswap_v2", size=5
        ),
    )
    repo.add(
        db,
        Trade(
            account_id=acct.id,
            position_id=pos.id,
            mode="paper",
            side="buy",
            token=pos.token,
            pool="0xp",
            dex="uniswap_v2",
            token_in="WETH",
            token_out=pos.token,
            amount_in=ETH,
            amount_out=5,
        ),
    )
    return int(acct.id or 0)


def test_reads_default_to_the_current_chains_account_and_keep_the_old_ones_readable(
    cli: CliRun, devnet: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    _config(tmp_path, devnet.rpc_url)
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'dexbot.db'}")
    old = _account(db, OLD_GENESIS, "GIGCA")
    new = _account(db, genesis_hash, "CATTO")

    def json_of(*args: str) -> list[dict[str, object]]:
        res = cli(*args, "--json")
        assert res.returncode == 0, res.stderr
        assert res.stderr == ""
        return list(json.loads(res.stdout))

    assert [p["symbol"] for p in json_of("positions")] == ["CATTO"]
    assert [p["symbol"] for p in json_of("positions", "--account", str(old))] == ["GIGCA"]
    assert [t["account_id"] for t in json_of("trades", "--account", str(old))] == [old]
    assert [(r["account_id"], r["genesis_hash"]) for r in json_of("pnl")] == [(new, genesis_hash)]
    every = json_of("pnl", "--all")
    assert [(r["account_id"], r["genesis_hash"], r["open_positions"]) for r in every] == [
        (old, OLD_GENESIS, 1),
        (new, genesis_hash, 1),
    ]
    table = cli("pnl", "--all", env={"COLUMNS": "250"}).stdout
    assert "paper #1 (chain 31337, genesis 0x5e5e5e…)" in table
    assert f"paper #2 (chain 31337, genesis {genesis_hash[:8]}…)" in table

    missing = cli("positions", "--account", "99")
    assert (missing.returncode, missing.stderr.count("\n")) == (2, 1)
    assert "--account 99: no such account (dexbot pnl --all lists them)" in missing.stderr


def test_an_unreachable_chain_shows_the_most_recent_account_and_says_which(
    cli: CliRun, genesis_hash: str, tmp_path: Path
) -> None:
    _config(tmp_path, "http://127.0.0.1:9")  # nothing listens on the discard port
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'dexbot.db'}")
    _account(db, OLD_GENESIS, "GIGCA")
    _account(db, genesis_hash, "CATTO")
    res = cli("positions", "--json")
    assert res.returncode == 0, res.stderr
    assert [p["symbol"] for p in json.loads(res.stdout)] == ["CATTO"]
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith("chain not reachable (")
    assert res.stderr.rstrip().endswith(
        f"showing the most recent account #2 (paper, chain 31337, genesis {genesis_hash[:8]}…); "
        "--account N picks another"
    )


def test_live_run_on_a_chain_whose_genesis_differs_from_the_wallets_rows_exits_2(
    cli: CliRun, devnet: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    from dexbot.chain.devnet.accounts import dev_account
    from dexbot.engine.execution.live.signer import DEVNET_SIGNER_INDEX

    wallet = str(dev_account(DEVNET_SIGNER_INDEX).address)
    _config(tmp_path, devnet.rpc_url)
    with (tmp_path / "config.toml").open("a") as fh:
        fh.write('\n[mode]\ntrading = "live"\nmax_trade_eth = 0.05\n\n[metrics]\nenabled = false\n')
    devnet.deployment.write(tmp_path / "data")
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'dexbot.db'}")
    old = repo.add(db, Account(kind="live", chain_id=31337, genesis_hash=OLD_GENESIS, address=wallet))
    res = cli("run", "--live", "--no-ui", env={"COLUMNS": "400"})
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.strip() == (
        f"error: live account #{old.id} of {wallet} belongs to chain (31337, genesis 0x5e5e5e…) but the "
        f"endpoint serves (31337, genesis {genesis_hash[:8]}…): a different chain under the same id; "
        "refusing to trade live on it"
    )
    assert [a.id for a in repo.list_accounts(db)] == [old.id]


def test_thoughts_show_how_often_a_collapsed_thought_was_had(cli: CliRun, tmp_path: Path) -> None:
    from dexbot.store.models import Thought

    db = open_database(f"sqlite:///{tmp_path / 'data' / 'dexbot.db'}")
    t = repo.add(
        db, Thought(block_number=10, symbol="GIGCA", decision="hold", reasoning="Cannot sell GIGCA now.")
    )
    repo.repeat_thought(db, t.id, 11)
    repo.repeat_thought(db, t.id, 12)
    text = cli("thoughts", env={"COLUMNS": "250"})
    assert text.returncode == 0, text.stderr
    assert text.stdout.rstrip().endswith("hold GIGCA L0 : Cannot sell GIGCA now. (×3, last #12)")
    (row,) = json.loads(cli("thoughts", "--json").stdout)
    assert (row["count"], row["last_block"], row["block_number"]) == (3, 12, 10)
