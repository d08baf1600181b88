"""deploy/ stays in step with the registry: every metric and label the Grafana dashboard and the alert
rules name is one the registry defines, and the scrape config targets the default side port."""

from __future__ import annotations

import json
import re

from metrics_harness import DASHBOARD, DEPLOY, dashboard_queries

from dexbot.core.config import MetricsConfig
from dexbot.metrics.registry import Metrics

TARGET_LABELS = {"instance", "job"}  # added by Prometheus to every scraped series
NAME = re.compile(r"\bdexbot_[a-z0-9_]+\b")
SELECTOR = re.compile(r"\b(dexbot_[a-z0-9_]+)\{([^}]*)\}")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
LEGEND = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def problems(expr: str, legend: str = "") -> list[str]:
    """What in one query does not exist in the registry (an empty list when all is well)."""
    known = Metrics().sample_names()
    names = NAME.findall(expr)
    found = [f"unknown metric {n}" for n in names if n not in known]
    if not names:
        found.append("names no dexbot metric")
    labels = TARGET_LABELS.union(*(known.get(n, ()) for n in names))
    for metric, matchers in SELECTOR.findall(expr):
        for label in re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers):
            if label not in TARGET_LABELS and label not in known.get(metric, ()):
                found.append(f"{metric} has no label {label}")
    for group in GROUPING.findall(expr):
        found += [f"no metric here has label {lb}" for lb in re.findall(r"\w+", group) if lb not in labels]
    found += [f"legend uses missing label {lb}" for lb in LEGEND.findall(legend) if lb not in labels]
    return found


def test_every_dashboard_query_names_metrics_and_labels_the_registry_defines() -> None:
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    checked = 0

    def walk(panels: list[dict[str, object]]) -> None:
        nonlocal checked
        for p in panels:
            for t in p.get("targets", []):  # type: ignore[attr-defined]
                assert problems(t["expr"], t.get("legendFormat", "")) == [], (p["title"], t["expr"])
                checked += 1
            walk(p.get("panels", []))  # type: ignore[arg-type]

    walk(dash["panels"])
    assert checked == len([q for t, q in dashboard_queries() if not t.startswith("$")]) >= 40
    for title, q in dashboard_queries():
        assert problems(q) == [], (title, q)


def test_the_checker_catches_unknown_metrics_and_labels() -> None:
    assert problems("rate(dexbot_trades_total[5m])") == []
    assert problems("rate(dexbot_trade_total[5m])") == ["unknown metric dexbot_trade_total"]
    assert problems('dexbot_trades_total{token="0xabc"}') == ["dexbot_trades_total has no label token"]
    assert problems("sum by (pool) (dexbot_trades_total)") == ["no metric here has label pool"]
    assert problems("dexbot_equity_weth", "{{side}}") == ["legend uses missing label side"]
    assert problems("up") == ["names no dexbot metric"]


def test_the_dashboard_covers_pnl_trades_latency_gas_rpc_and_breakers() -> None:
    titles = " | ".join(t for t, _ in dashboard_queries()).lower()
    for topic in ("p&l", "trades", "latency", "gas", "rpc", "breaker"):
        assert topic in titles, topic
    exprs = " ".join(q for _, q in dashboard_queries())
    for metric in (
        "dexbot_realised_pnl_weth",
        "dexbot_trades_total",
        "dexbot_decision_duration_seconds_bucket",
        "dexbot_gas_spent_wei_total",
        "dexbot_rpc_requests_total",
        "dexbot_breaker_state",
        "dexbot_breaker_trips_total",
    ):
        assert metric in exprs, metric


def test_alert_rules_name_registry_metrics() -> None:
    text = (DEPLOY / "dexbot-alerts.yml").read_text(encoding="utf-8")
    exprs = re.findall(r"expr: (?:\|\n)?((?:.+\n)+?)\s+(?:for|annotations):", text)
    assert len(exprs) == len(re.findall(r"- alert:", text)) >= 5
    for expr in exprs:
        if "dexbot_" in expr:
            assert problems(expr) == [], expr


def test_the_scrape_config_targets_the_default_side_port() -> None:
    text = (DEPLOY / "prometheus.yml").read_text(encoding="utf-8")
    cfg = MetricsConfig()
    assert re.findall(r'targets: \["([^"]+)"\]', text) == [f"{cfg.host}:{cfg.port}"]
    assert "metrics_path: /metrics" in text
