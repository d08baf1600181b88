"""Every config.toml is a clean accept or a one-line reject naming the key, never a traceback: through
the Config model and through `dexbot config validate FILE`. The keys come from the model itself, so a
new key is fuzzed as soon as it exists; each gets values of its own type (around its limits) and of
every other TOML type."""

from __future__ import annotations

import json
import math
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dexbot.core.config import Config, load_config, parse_config
from dexbot.core.errors import ConfigError

from ..cli.fuzzing import ADDRESS_TEXT, EXAMPLES, SCALE, invoke


def _section(annotation: Any) -> type[BaseModel] | None:
    for a in (annotation, *typing.get_args(annotation)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def keys(model: type[BaseModel] = Config, prefix: str = "") -> dict[str, Any]:
    """Dotted key → annotation of every leaf key of the configuration."""
    found: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        section = _section(field.annotation)
        if section is not None:
            found |= keys(section, f"{prefix}{name}.")
        else:
            found[f"{prefix}{name}"] = field.annotation
    return found


KEYS = keys()
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, -1, 2, 100, 101, 10_000, 65_535, 65_536, 3_600_001, 10**9, 10**9 + 1]),
    st.floats(),
    st.sampled_from([0.0, -0.0, 1e-19, 0.5, 99.9, 100.0, 100.5, -100.0, -5.0, 1e300]),
    st.text(max_size=30),
    ADDRESS_TEXT,
    st.sampled_from(
        ["127.0.0.1", "::1", "0.0.0.0", "localhost", "not a host", "a..b", "-x.com", "256.1.1.1", "host.",
         "http://127.0.0.1:8545", "https://rpc.example.com/KEY", "ws://h:99999", "http://[::1", "ftp://x",
         "http://", "sqlite:///x.db", "sqlite:garbage", "postgresql://u:p@h/db", "postgresql://h:0/db",
         "0.5", "1e80", "NaN", "paper", "live", "devnet", "custom", "base", "json", "INFO", "impact"]
    ),
)  # fmt: skip
TOML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("ab"), inner)),
)


def _literals(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [v for a in typing.get_args(annotation) for v in _literals(a)]
    return []


def values_for(annotation: Any) -> st.SearchStrategy[Any]:
    """Values of the key's own kind (its choices, numbers, addresses) as often as any TOML value."""
    own = _literals(annotation)
    kind = str(annotation)
    mine: st.SearchStrategy[Any] = st.sampled_from(own) if own else st.nothing()
    if "list" in kind:
        mine = st.lists(st.one_of(ADDRESS_TEXT, SCALARS), max_size=3)
    elif "Decimal" in kind or "float" in kind or "int" in kind:
        mine = st.one_of(mine, st.integers(-10, 10**10), st.floats(), st.decimals().map(str))
    return st.one_of(mine, TOML_VALUES)


def toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"


CUSTOM_CHAIN = {
    "chain.network": "custom",
    "chain.chain_id": 777,
    "chain.rpc_urls": ["http://127.0.0.1:8545"],
    "chain.custom.weth": "0x4200000000000000000000000000000000000006",
    "chain.custom.v2_factory": "0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6",
    "chain.custom.v2_router": "0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24",
}


@st.composite
def config_files(draw: st.DrawFn) -> dict[str, Any]:
    base = draw(st.sampled_from([{}, CUSTOM_CHAIN]))
    chosen = draw(st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=4, unique=True))
    return base | {k: draw(values_for(KEYS[k])) for k in chosen}


def _named(message: str, written: dict[str, Any]) -> bool:
    """Whether a reject names one of the keys written (or its table, or an item of it)."""
    if ": not valid TOML: " in message:
        return True
    path = message.split(": ", 2)[1].split(" = ")[0]
    if any(path == k or k.startswith(path + ".") or path.startswith(k + ".") for k in written):
        return True
    # A key the written one needs ("v3_factory: required with v3_router_kind"): both are named.
    return path in KEYS and any(k.rsplit(".", 1)[-1] in message.split(path, 1)[1] for k in written)


def test_every_key_of_the_model_is_fuzzed() -> None:
    assert {"metrics.host", "chain.rpc_urls", "chain.custom.weth", "store.url", "breakers.cooldown_s"} <= set(
        KEYS
    )
    assert "chain.custom" not in KEYS
    assert "source" not in KEYS


@settings(max_examples=int(50 * SCALE))
@given(written=config_files())
def test_any_config_file_is_accepted_or_refused_in_one_line_naming_the_key(
    written: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    EXAMPLES["config files"] += 1
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text("".join(f"{k} = {toml(v)}\n" for k, v in written.items()), encoding="utf-8")
    try:
        load_config(path, use_env=False)
        refused = None
    except ConfigError as exc:
        refused = str(exc)
        assert "\n" not in refused
        assert refused.startswith(f"config error in {path}: "), refused
        assert _named(refused, written), refused
    outcome = invoke(["config", "validate", str(path)])
    outcome.assert_clean()
    if refused is None:
        assert outcome.code == 0
        assert outcome.stdout.startswith(f"ok: {path} is valid"), outcome
    else:
        assert (outcome.code, outcome.stderr) == (2, f"error: {refused}\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"metrics": {"host": "not a host"}}, "metrics.host = 'not a host': must be an IP address"),
        ({"metrics": {"host": "a..b"}}, "metrics.host = 'a..b': must be an IP address"),
        (
            {"breakers": {"cooldown_s": -1}},
            "breakers.cooldown_s = -1: Input should be greater than or equal to 0",
        ),
        (
            {"breakers": {"cooldown_s": math.inf}},
            "breakers.cooldown_s = inf: Input should be a finite number",
        ),
        ({"exits": {"twap_over_s": math.nan}}, "exits.twap_over_s = nan: Input should be a finite number"),
        (
            {"breakers": {"daily_loss_pct": 101}},
            "breakers.daily_loss_pct = 101: Input should be less than or",
        ),
        ({"exits": {"stop_loss_pct": 5}}, "exits.stop_loss_pct = 5: must be negative, between -100 and 0"),
        ({"intel": {"level": True}}, "intel.level = True: true/false is not allowed here"),
        (
            {"mode": {"max_trade_eth": 1e300}},
            "mode.max_trade_eth = 1e+300: Input should be less than or equal to",
        ),
        (
            {"store": {"busy_timeout_ms": 10**12}},
            "store.busy_timeout_ms = 1000000000000: Input should be less",
        ),
        (
            {"store": {"data_dir": "a\x00b"}},
            "store.data_dir = 'a\\x00b': must not contain control characters",
        ),
        ({"store": {"url": "sqlite:garbage"}}, "store.url = 'sqlite:garbage': is not a database URL"),
        (
            {"store": {"url": "postgresql://u:pw@h:99999/db"}},
            "store.url = 'postgresql://***@h:99999/***': port",
        ),
        ({"chain": {"rpc_urls": ["http://[::1"]}}, "chain.rpc_urls.0 = 'http://[::1': must be an http(s)://"),
        (
            {"chain": {"rpc_urls": ["http://h:99999"]}},
            "chain.rpc_urls.0 = 'http://h:99999': must be an http(s)",
        ),
        (
            {"strategy": {"watchlist": ["0xabc"]}},
            "strategy.watchlist.0 = '0xabc': must be a 0x-prefixed 20-byte",
        ),
        (
            {"strategy": {"watchlist": ["0xcA11bde05977b3631167028862bE2a173976cA11"]}},
            "strategy.watchlist.0 = '0xcA11bde05977b3631167028862bE2a173976cA11': has an invalid EIP-55 "
            "checksum",
        ),
    ],
)
def test_nonsense_is_refused_naming_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "config.toml")
    assert str(caught.value).startswith(f"config error in config.toml: {message}"), caught.value


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "0.0.0.0", "::1", "localhost", "metrics.internal", "host-1.example.com"]
)
def test_a_metrics_host_is_an_ip_or_a_host_name(host: str) -> None:
    assert parse_config({"metrics": {"host": host}}).metrics.host == host


def test_eth_amounts_stay_exact_in_wei() -> None:
    cfg = parse_config({"mode": {"max_trade_eth": "999999999.123456789012345678"}})
    assert cfg.mode.max_trade_eth == Decimal("999999999.123456789012345678")
    assert cfg.mode.max_trade_wei == 999_999_999_123_456_789_012_345_678


@pytest.fixture(scope="module")
def plain_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("env") / "config.toml"
    path.write_text('[mode]\ntrading = "paper"\n', encoding="utf-8")
    return path


@settings(max_examples=int(40 * SCALE))
@given(
    key=st.sampled_from(sorted(KEYS)),
    raw=st.one_of(SCALARS.map(toml), st.text(max_size=30), ADDRESS_TEXT).filter(lambda v: "\x00" not in v),
)
def test_any_environment_override_is_accepted_or_refused_naming_the_key(
    key: str, raw: str, plain_config: Path
) -> None:
    EXAMPLES["config env overrides"] += 1
    outcome = invoke(
        ["config", "validate", str(plain_config)], env={"DEXBOT_" + key.upper().replace(".", "__"): raw}
    )
    outcome.assert_clean()
    if outcome.code != 0:
        assert outcome.code == 2
        assert outcome.stderr.startswith(f"error: config error in {plain_config} + DEXBOT_* environment: ")
        assert _named(outcome.stderr.removeprefix("error: ").strip(), {key: raw}), outcome
