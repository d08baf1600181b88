from __future__ import annotations

import json
from pathlib import Path

import pytest

CUSTOM = '[chain]\nnetwork = "custom"\nchain_id = 4242\nrpc_urls = ["http://127.0.0.1:1"]\n'
WETH = 'weth = "0x4200000000000000000000000000000000000006"\n'
V2 = (
    'v2_factory = "0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6"\n'
    'v2_router = "0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24"\n'
)

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
    "custom_without_table": (f"{CUSTOM}", 'chain.custom: required with chain.network = "custom"'),
    "custom_bad_address": (
        f'{CUSTOM}[chain.custom]\nweth = "0x42"\n{V2}',
        "chain.custom.weth = '0x42': must be a 0x-prefixed 20-byte hex address",
    ),
    "custom_bad_checksum": (
        f'{CUSTOM}[chain.custom]\nweth = "0x4200000000000000000000000000000000000006"\n'
        'v2_factory = "0x8909dc15e40173Ff4699343b6eB8132c65e18eC6"\n'
        'v2_router = "0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24"\n',
        "chain.custom.v2_factory = '0x8909dc15e40173Ff4699343b6eB8132c65e18eC6': has an invalid EIP-55 "
        "checksum",
    ),
    "custom_unknown_key": (
        f'{CUSTOM}[chain.custom]\n{WETH}{V2}v4_factory = "0x0000000000000000000000000000000000000001"\n',
        "chain.custom.v4_factory = '0x0000000000000000000000000000000000000001': unknown key",
    ),
    "custom_missing_weth": (f"{CUSTOM}[chain.custom]\n{V2}", "chain.custom.weth: required"),
    "custom_without_dex": (f"{CUSTOM}[chain.custom]\n{WETH}", "chain.custom: no DEX to trade on"),
    "custom_table_on_base": (
        f'[chain]\nnetwork = "base"\nrpc_urls = ["http://127.0.0.1:1"]\n[chain.custom]\n{WETH}{V2}',
        "chain.custom: only read with chain.network = \"custom\" (network is 'base')",
    ),
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


def test_a_custom_chain_is_validated_and_shown_with_checksummed_addresses(cli, tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(f'{CUSTOM}[chain.custom]\nname = "localnet"\n{WETH}{V2.lower()}')
    res = cli("config", "validate", str(path))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"ok: {path} is valid (network custom 'localnet', chain 4242, mode paper)"
    res = cli("--config", str(path), "config", "show", "--json")
    assert res.returncode == 0, res.stderr
    custom = json.loads(res.stdout)["chain"]["custom"]
    assert custom["v2_factory"] == "0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6"
    assert custom["multicall3"] == "0xcA11bde05977b3631167028862bE2a173976CA11"
    assert (custom["name"], custom["v3_factory"]) == ("localnet", None)
    res = cli("--config", str(path), "config", "show", env={"COLUMNS": "200"})
    assert res.returncode == 0, res.stderr
    assert "chain.custom.weth" in res.stdout
    assert "'0x4200000000000000000000000000000000000006'" in res.stdout


def test_a_bad_custom_address_from_the_environment_names_the_key(cli, tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(f"{CUSTOM}[chain.custom]\n{WETH}{V2}")
    res = cli("--config", str(path), "config", "show", env={"DEXBOT_CHAIN__CUSTOM__WETH": "0xdead"})
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1, res.stderr
    assert "chain.custom.weth = '0xdead': must be a 0x-prefixed 20-byte hex address" in res.stderr
    assert "DEXBOT_" in res.stderr


def test_config_show_gives_each_value_its_source(cli, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[intel]\nlevel = 3\n[exits]\ntake_profit_pct = 7.0\n[risk]\ncache_ttl_s = 30.0\n")
    env = {"DEXBOT_EXITS__TRAILING_PCT": "4", "DEXBOT_RISK__CACHE_TTL_S": "12.5"}
    res = cli("--config", str(path), "config", "show", "--json", env=env)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    sources = data["sources"]
    file = {"source": "file", "path": str(path.resolve())}
    assert (data["exits"]["take_profit_pct"], sources["exits.take_profit_pct"]) == (7.0, file)
    assert (data["intel"]["level"], sources["intel.level"]) == (3, file)
    trailing = {"source": "env", "variable": "DEXBOT_EXITS__TRAILING_PCT"}
    assert (data["exits"]["trailing_pct"], sources["exits.trailing_pct"]) == (4.0, trailing)
    ttl = {"source": "env", "variable": "DEXBOT_RISK__CACHE_TTL_S"}  # the environment wins over the file
    assert (data["risk"]["cache_ttl_s"], sources["risk.cache_ttl_s"]) == (12.5, ttl)
    level = {"source": "intel level", "level": 3}
    assert (data["exits"]["stop_loss_pct"], sources["exits.stop_loss_pct"]) == (-4.0, level)
    assert (data["risk"]["max_score"], sources["risk.max_score"]) == (32, level)
    assert (data["risk"]["min_liquidity_eth"], sources["risk.min_liquidity_eth"]) == ("10", level)
    assert (data["gas"]["urgency"], sources["gas.urgency"]) == ("normal", level)
    default = {"source": "default"}
    assert (data["exits"]["max_hold_s"], sources["exits.max_hold_s"]) == (3600.0, default)
    assert (data["metrics"]["port"], sources["metrics.port"]) == (9464, default)
    assert set(sources) == {f"{s}.{k}" for s, keys in data.items() if s != "sources" for k in _leaves(keys)}

    res = cli("--config", str(path), "config", "show", env=env | {"COLUMNS": "200"})
    assert res.returncode == 0, res.stderr
    rows = {
        line.split("│")[1].strip(): line.split("│")[3].strip()
        for line in res.stdout.splitlines()
        if "│" in line
    }
    assert rows["exits.take_profit_pct"] == "file"
    assert rows["exits.trailing_pct"] == "env DEXBOT_EXITS__TRAILING_PCT"
    assert rows["exits.stop_loss_pct"] == "intel level 3"
    assert rows["metrics.port"] == "default"


def test_the_shipped_config_leaves_the_level_backed_keys_to_the_level(cli) -> None:
    root = Path(__file__).resolve().parents[2]
    res = cli("--config", str(root / "config.toml"), "config", "show", "--json")
    assert res.returncode == 0, res.stderr
    sources = json.loads(res.stdout)["sources"]
    for key in ("risk.max_score", "risk.min_liquidity_eth", "exits.stop_loss_pct", "exits.take_profit_pct"):
        assert sources[key] == {"source": "intel level", "level": 5}, key
    assert sources["exits.trailing_pct"] == sources["gas.urgency"] == {"source": "intel level", "level": 5}


def _leaves(values: object, prefix: str = "") -> list[str]:
    if isinstance(values, dict):
        return [leaf for k, v in values.items() for leaf in _leaves(v, f"{prefix}.{k}" if prefix else k)]
    return [prefix]
