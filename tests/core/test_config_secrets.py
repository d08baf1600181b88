"""Credentials in URLs never reach a person: the effective config hides them, a config error line shows a
URL by scheme and host only, and a key named like a secret has its value left out."""

from __future__ import annotations

from typing import Any

import pytest

from dexbot.core.config import parse_config
from dexbot.core.errors import ConfigError
from dexbot.core.urls import mask, redact_url, url_credentials

KEY = "Sup3rSecretApiKey"
CUSTOM = {
    "weth": "0x" + "11" * 20,
    "v2_factory": "0x" + "22" * 20,
    "v2_router": "0x" + "33" * 20,
}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"https://eth.example/v2/{KEY}", "https://eth.example/***"),
        (f"https://eth.example:8545?apikey={KEY}", "https://eth.example:8545?***"),
        (f"https://eth.example/?apikey={KEY}", "https://eth.example/***"),
        (f"https://user:{KEY}@eth.example", "https://***@eth.example"),
        (f"wss://eth.example/ws#{KEY}", "wss://eth.example/***"),
        (f"eth.example/v2/{KEY}", "eth.example/***"),
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("http://127.0.0.1:8545/", "http://127.0.0.1:8545/"),
    ],
)
def test_a_redacted_url_keeps_scheme_and_host_only(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_an_endpoints_credentials_are_masked_in_text_it_echoes() -> None:
    url = f"https://rpcuser:{KEY}@eth.example/v2/{KEY}x?apikey={KEY}y&chain=base"
    echoed = f"Cannot POST /v2/{KEY}x?apikey={KEY}y&chain=base as rpcuser (password {KEY})"
    assert mask(echoed, url_credentials(url)) == "Cannot POST /v2/***?*** as *** (password ***)"


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, "config.toml")
    return str(info.value)


def test_a_typo_in_an_rpc_urls_scheme_names_the_field_but_not_the_key() -> None:
    line = _error({"chain": {"network": "base", "rpc_urls": [f"htps://eth.example/v2/{KEY}"]}})
    assert line == (
        "config error in config.toml: chain.rpc_urls.0 = 'htps://eth.example/***': "
        "must be an http(s):// or ws(s):// URL"
    )


def test_rpc_urls_given_as_one_string_is_refused_without_the_key() -> None:
    line = _error({"chain": {"network": "base", "rpc_urls": f"https://eth.example/v2/{KEY}"}})
    assert line == (
        "config error in config.toml: chain.rpc_urls = 'https://eth.example/***': "
        "Input should be a valid list"
    )


def test_a_misspelled_url_key_shows_its_value_redacted() -> None:
    line = _error({"chain": {"network": "base", "rpc_url": f"https://u:{KEY}@eth.example/v2/{KEY}"}})
    assert line == (
        "config error in config.toml: chain.rpc_url = 'https://***@eth.example/***': "
        "unknown key (check spelling; see config.toml for the allowed keys)"
    )


def test_a_password_under_an_unknown_key_is_not_repeated() -> None:
    line = _error({"chain": {"network": "custom", "chain_id": 1, "custom": {**CUSTOM, "api_key": KEY}}})
    assert line == (
        "config error in config.toml: chain.custom.api_key: "
        "unknown key (check spelling; see config.toml for the allowed keys)"
    )
    assert KEY not in _error({"store": {"password": KEY}})


def test_config_show_hides_a_query_key_on_a_url_without_a_path() -> None:
    cfg = parse_config({"chain": {"network": "base", "rpc_urls": [f"https://eth.example?apikey={KEY}"]}})
    assert cfg.redacted()["chain"]["rpc_urls"] == ["https://eth.example?***"]
