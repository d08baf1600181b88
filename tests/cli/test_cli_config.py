from __future__ import annotations

import json
from pathlib import Path

import pytest

MALFORMED = {
    "intel_level_11": ("[intel]\nlevel = 11\n", "intel.level = 11"),
    "intel_level_text": ('[intel]\nlevel = "high"\n', "intel.level = 'high'"),
    "negative_balance": ('[paper]\nstarting_balance_eth = "-5"\n', "paper.starting_balance_eth"),
    "unknown_key": ("[risk]\nmax_scroe = 10\n", "risk.max_scroe"),
    "unknown_section": ("[rsik]\nmax_score = 10\n", "rsik"),
    "bad_mode": ('[mode]\ntrading = "yolo"\n', "mode.trading = 'yolo'"),
    "bad_rpc_url": ('[chain]\nnetwork = "base"\nrpc_urls = ["localhost:8545"]\n', "chain.rpc_urls.0"),
    "remote_without_rpc": ('[chain]\nnetwork = "base"\n', "chain"),
    "bad_network": ('[chain]\nnetwork = "solana"\n', "chain.network = 'solana'"),
    "short_address": ('[strategy]\nwatchlist = ["0x1234"]\n', "strategy.watchlist.0 = '0x1234'"),
    "bad_checksum": (
        '[strategy]\nwatchlist = ["0x52908400098527886e0F7030069857D2E4169EE7"]\n',
        "strategy.watchlist.0",
    ),
    "positive_stop_loss": ("[exits]\nstop_loss_pct = 5\n", "exits.stop_loss_pct = 5"),
    "metrics_port_range": ("[metrics]\nport = 70000\n", "metrics.port = 70000"),
    "bad_toml": ("[intel\nlevel = 5\n", "not valid TOML"),
    "bad_store_url": ('[store]\nurl = "mysql://x"\n', "store.url = 'mysql://x'"),
    "custom_without_chain_id": ('[chain]\nnetwork = "custom"\nrpc_urls = ["http://127.0.0.1:1"]\n', "chain"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_config_gives_one_line_naming_the_key_and_exit_2(cli, tmp_path: Path, name: str) -> None:
    text, expected = MALFORMED[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    res = cli("config", "validate", str(path))
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1, res.stderr
    assert expected in res.stderr
    assert not (tmp_path / "data").exists()


def test_shipped_config_is_valid(cli) -> None:
    root = Path(__file__).resolve().parents[2]
    res = cli("config", "validate", str(root / "config.toml"))
    assert res.returncode == 0, res.stderr
    assert "is valid" in res.stdout


def test_config_show_json_is_valid_json_with_env_override(cli) -> None:
    res = cli("config", "show", "--json", env={"DEXBOT_INTEL__LEVEL": "8", "DEXBOT_CHAIN__QUORUM": "2"})
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["intel"]["level"] == 8
    assert data["chain"]["quorum"] == 2
    assert data["metrics"]["host"] == "127.0.0.1"


def test_config_show_redacts_rpc_credentials(cli, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[chain]\nnetwork = "base"\nrpc_urls = ["https://user:pw@rpc.example/v2/SECRETKEY"]\n'
        '[store]\nurl = "postgresql://bot:hunter2@db.local/dexbot"\n'
    )
    res = cli("--config", str(path), "config", "show", "--json")
    assert res.returncode == 0, res.stderr
    assert "SECRETKEY" not in res.stdout
    assert "pw@" not in res.stdout
    assert "hunter2" not in res.stdout
    assert "rpc.example" in res.stdout


def test_bad_env_override_names_the_key(cli) -> None:
    res = cli("config", "show", env={"DEXBOT_INTEL__LEVEL": "0"})
    assert res.returncode == 2
    assert "intel.level = 0" in res.stderr
    assert "DEXBOT_" in res.stderr


def test_missing_config_file_is_a_config_error(cli, tmp_path: Path) -> None:
    res = cli("--config", str(tmp_path / "nope.toml"), "config", "show")
    assert res.returncode == 2
    assert "does not exist" in res.stderr
