"""The registry: every metric the issue asks for, named dexbot_* with bounded labels, in a registry of
its own so several engines (and tests) can coexist in one process."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY, generate_latest

from dexbot.metrics.registry import Metrics

REQUIRED = {
    "dexbot_trades": ("counter", ("mode", "side", "status")),
    "dexbot_decision_duration_seconds": ("histogram", ()),
    "dexbot_trade_latency_seconds": ("histogram", ("mode", "side")),
    "dexbot_realised_pnl_weth": ("gauge", ()),
    "dexbot_unrealised_pnl_weth": ("gauge", ()),
    "dexbot_equity_weth": ("gauge", ()),
    "dexbot_realised_pnl_usd": ("gauge", ()),
    "dexbot_unrealised_pnl_usd": ("gauge", ()),
    "dexbot_equity_usd": ("gauge", ()),
    "dexbot_open_positions": ("gauge", ()),
    "dexbot_gas_spent_wei": ("counter", ("mode",)),
    "dexbot_l1_fee_spent_wei": ("counter", ("mode",)),
    "dexbot_gas_fee_suggestion_wei": ("gauge", ("urgency", "field")),
    "dexbot_slippage_bps": ("histogram", ("side",)),
    "dexbot_fill_error_wei": ("histogram", ("side",)),
    "dexbot_token_tax_bps": ("histogram", ("side",)),
    "dexbot_risk_score": ("histogram", ()),
    "dexbot_thoughts": ("counter", ("decision", "lane")),
    "dexbot_intel_level": ("gauge", ()),
    "dexbot_rpc_requests": ("counter", ("endpoint", "method_class", "status")),
    "dexbot_rpc_request_duration_seconds": ("histogram", ("endpoint", "method_class")),
    "dexbot_chain_head_block": ("gauge", ()),
    "dexbot_chain_block_age_seconds": ("gauge", ()),
    "dexbot_chain_reorgs": ("counter", ()),
    "dexbot_breaker_state": ("gauge", ("name",)),
    "dexbot_breaker_trips": ("counter", ("name",)),
    "dexbot_cache_hits": ("counter", ("cache",)),
    "dexbot_cache_misses": ("counter", ("cache",)),
    "dexbot_db_write_duration_seconds": ("histogram", ("statement",)),
    "dexbot_engine_up": ("gauge", ()),
    "dexbot_engine_paused": ("gauge", ()),
    "dexbot_engine_halted": ("gauge", ()),
}
# Labels whose values would grow without bound (one series per token, pool or transaction).
UNBOUNDED = {
    "token",
    "address",
    "pool",
    "pair",
    "symbol",
    "tx",
    "tx_hash",
    "hash",
    "wallet",
    "account",
    "url",
}


def test_every_required_metric_is_defined_with_its_labels() -> None:
    schema = Metrics().schema
    for name, (kind, labels) in REQUIRED.items():
        assert schema.get(name) == (kind, labels), name


def test_names_are_dexbot_snake_case_and_labels_bounded() -> None:
    m = Metrics()
    families = list(m.registry.collect())
    assert {f.name for f in families} == set(m.schema)
    for f in families:
        assert re.fullmatch(r"dexbot_[a-z0-9]+(_[a-z0-9]+)*", f.name), f.name
        assert f.documentation, f.name
    for name, (_, labels) in m.schema.items():
        assert not UNBOUNDED & set(labels), name


def test_each_metrics_object_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()
    a.trades.labels("paper", "buy", "filled").inc()
    assert (
        a.registry.get_sample_value(
            "dexbot_trades_total", {"mode": "paper", "side": "buy", "status": "filled"}
        )
        == 1
    )
    assert (
        b.registry.get_sample_value(
            "dexbot_trades_total", {"mode": "paper", "side": "buy", "status": "filled"}
        )
        is None
    )
    assert b"dexbot_" not in generate_latest(REGISTRY)


def test_sample_names_cover_the_exposition() -> None:
    m = Metrics()
    m.trades.labels("paper", "sell", "filled").inc()
    m.rpc_latency.labels("0", "call").observe(0.01)
    m.engine.info({"version": "1", "mode": "paper", "chain": "devnet", "instance_name": "default"})
    exposed = {line.split("{")[0].split(" ")[0] for line in generate_latest(m.registry).decode().splitlines()}
    exposed -= {"#"}
    known = m.sample_names()
    assert exposed <= set(known)
    assert known["dexbot_rpc_request_duration_seconds_bucket"] == ("endpoint", "method_class", "le")
    assert known["dexbot_trades_total"] == ("mode", "side", "status")
