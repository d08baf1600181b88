"""Read commands show one instance's rows: the config's ``[instance] name`` by default, another with
``--instance NAME``; `pnl --all` lists every instance's accounts (or one instance's with --instance). A
malformed name is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine

from dexbot.chain.devnet import Devnet
from dexbot.store import repo
from dexbot.store.db import open_database
from dexbot.store.models import Account, Position, Thought, Trade

from .conftest import CliRun

ETH = 10**18
INSTANCES = ("default", "alpha", "beta")


def _config(tmp_path: Path, rpc_url: str, instance: str | None = None) -> None:
    head = f'[instance]\nname = "{instance}"\n' if instance else ""
    (tmp_path / "config.toml").write_text(
        f'{head}[chain]\nnetwork = "devnet"\nrpc_urls = ["{rpc_url}"]\n\n'
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n'
    )


def _rows(db: Engine, genesis: str, instance: str, n: int) -> int:
    """An account of ``instance`` with a position, a trade and a thought, its amounts marked by ``n``."""
    acct = repo.add(
        db,
        Account(instance=instance, kind="paper", chain_id=31337, genesis_hash=genesis, balance=n * ETH),
    )
    token = "0x" + f"{n:02x}" * 20
    pos = repo.add(
        db,
        Position(
            instance=instance, account_id=acct.id, token=token, symbol=instance.upper(), pool="0xp",
            dex="uniswap_v2", size=n, entry_cost=n,
        ),
    )  # fmt: skip
    repo.add(
        db,
        Trade(
            instance=instance, account_id=acct.id, position_id=pos.id, mode="paper", side="buy", token=token,
            pool="0xp", dex="uniswap_v2", token_in="WETH", token_out=token, amount_in=n, amount_out=n,
        ),
    )  # fmt: skip
    repo.add(db, Thought(instance=instance, decision="enter", symbol=instance.upper(), reasoning=instance))
    return int(acct.id or 0)


def _json(cli: CliRun, *args: str) -> list[dict[str, object]]:
    res = cli(*args, "--json")
    assert res.returncode == 0, res.stderr
    return list(json.loads(res.stdout))


def test_reads_show_the_configured_instance_or_the_one_named(
    cli: CliRun, devnet: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    _config(tmp_path, devnet.rpc_url)
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'dexbot.db'}")
    ids = {name: _rows(db, genesis_hash, name, n) for n, name in enumerate(INSTANCES, start=1)}
    db.dispose()

    assert [(p["instance"], p["symbol"]) for p in _json(cli, "positions")] == [("default", "DEFAULT")]
    alpha = _json(cli, "positions", "--instance", "alpha")
    assert [(p["instance"], p["account_id"], p["size"]) for p in alpha] == [("alpha", ids["alpha"], "2")]
    beta = _json(cli, "trades", "--instance", "beta")
    assert [(t["instance"], t["account_id"], t["amount_in"]) for t in beta] == [("beta", ids["beta"], "3")]
    assert [t["reasoning"] for t in _json(cli, "thoughts", "--instance", "alpha")] == ["alpha"]
    assert [(r["instance"], r["account_id"]) for r in _json(cli, "pnl", "--instance", "beta")] == [
        ("beta", ids["beta"])
    ]
    every = _json(cli, "pnl", "--all")
    assert [(r["instance"], r["account_id"]) for r in every] == [(n, ids[n]) for n in INSTANCES]
    assert [r["account_id"] for r in _json(cli, "pnl", "--all", "--instance", "alpha")] == [ids["alpha"]]

    table = cli("pnl", "--all")
    assert table.returncode == 0, table.stderr
    assert f"alpha: paper #{ids['alpha']} (chain 31337" in table.stdout
    assert f" paper #{ids['default']} (chain 31337" in table.stdout

    _config(tmp_path, devnet.rpc_url, instance="beta")  # the config names the instance reads default to
    assert [t["reasoning"] for t in _json(cli, "thoughts")] == ["beta"]
    assert [p["account_id"] for p in _json(cli, "positions")] == [ids["beta"]]
    assert _json(cli, "positions", "--instance", "gamma") == []
    missing = cli("positions", "--instance", "gamma")
    assert (missing.returncode, missing.stdout.strip()) == (0, "no positions yet")
    assert missing.stderr.strip() == (
        "no account of instance 'gamma'; instances in this database: alpha, beta, default (--instance NAME)"
    )


def test_a_malformed_instance_name_is_one_line_and_exit_2(cli: CliRun, tmp_path: Path) -> None:
    res = cli("trades", "--instance", "Alpha!")
    assert (res.returncode, res.stdout) == (2, "")
    assert res.stderr.strip() == (
        "error: --instance 'Alpha!': an instance name is 1-32 characters: lowercase letters, digits, '-' "
        "and '_', starting with a letter or digit"
    )
    (tmp_path / "config.toml").write_text('[instance]\nname = "has space"\n')
    bad = cli("pnl")
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.strip().startswith(
        "error: config error in config.toml: instance.name = 'has space': must"
    )
