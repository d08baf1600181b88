"""A real Prometheus server (the Debian package) scrapes a running dexbot with a config derived from
deploy/prometheus.yml: its query API returns the trades series, every Grafana dashboard query and every
alert rule evaluates without error, and promtool accepts the exposition."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import waits
from metrics_harness import (
    DEPLOY,
    Running,
    dashboard_queries,
    grafana_to_promql,
    http_get,
    launch,
    spec,
)

from dexbot.store import repo

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
pytestmark = [
    pytest.mark.chain,
    pytest.mark.slow,
    pytest.mark.skipif(
        PROMETHEUS is None or PROMTOOL is None,
        reason="prometheus/promtool not installed (Debian package `prometheus`; `make system-deps` as root)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape_config(target: str) -> str:
    """deploy/prometheus.yml with the bot's actual port, one-second intervals and an absolute rules path."""
    text = (DEPLOY / "prometheus.yml").read_text(encoding="utf-8")
    for old, new in (
        ('"127.0.0.1:9464"', f'"{target}"'),
        ("  scrape_interval: 15s", "  scrape_interval: 1s"),
        ("  evaluation_interval: 15s", "  evaluation_interval: 1s"),
        ("    scrape_interval: 5s", "    scrape_interval: 1s"),
        ("    scrape_timeout: 4s", "    scrape_timeout: 1s"),
        ("  - dexbot-alerts.yml", f"  - {DEPLOY / 'dexbot-alerts.yml'}"),
    ):
        assert text.count(old) == 1, f"deploy/prometheus.yml no longer has {old!r}"
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def prometheus(config: Path, data: Path, port: int) -> Iterator[str]:
    assert PROMETHEUS is not None
    log = (data.parent / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
async def prom(running: Running, tmp_path: Path) -> AsyncIterator[str]:
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(scrape_config(f"127.0.0.1:{running.telemetry.port}"), encoding="utf-8")
    with prometheus(cfg, tmp_path / "tsdb", _free_port()) as url:

        async def ready() -> bool:
            with contextlib.suppress(aiohttp.ClientError):
                return (await http_get(url + "/-/ready"))[0] == 200
            return False

        try:
            await waits.observed(ready, "Prometheus ready")
        except AssertionError:
            raise AssertionError((tmp_path / "prometheus.log").read_text(errors="replace")[-2000:]) from None
        yield url


async def query(url: str, promql: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.get(url + "/api/v1/query", params={"query": promql}) as resp:
        body: dict[str, Any] = await resp.json()
        return body


async def test_prometheus_scrapes_dexbot_and_serves_the_trades_series(running: Running, prom: str) -> None:
    await launch(running.devnet, spec("GOOD"))
    await waits.until_block(running.svc, lambda: repo.list_trades(running.svc.db) != [], "a paper buy")
    target = f"127.0.0.1:{running.telemetry.port}"

    async def buy_seen() -> bool:
        res = await query(prom, "dexbot_trades_total")
        return any(r["metric"].get("side") == "buy" and r["value"][1] == "1" for r in res["data"]["result"])

    await waits.observed(buy_seen, "the buy in Prometheus")
    res = await query(prom, "dexbot_trades_total")
    assert res["status"] == "success"
    by_side = {r["metric"]["side"]: r for r in res["data"]["result"]}
    assert set(by_side) == {"buy", "sell"}
    assert by_side["buy"]["metric"] == {
        "__name__": "dexbot_trades_total",
        "job": "dexbot",
        "instance": target,
        "mode": "paper",
        "side": "buy",
        "status": "filled",
    }
    assert by_side["buy"]["value"][1] == "1"
    assert by_side["sell"]["value"][1] == "0"
    up = await query(prom, 'up{job="dexbot"}')
    assert [r["value"][1] for r in up["data"]["result"]] == ["1"]

    # Every dashboard query is valid PromQL that Prometheus evaluates against the live series.
    for title, expr in dashboard_queries():
        res = await query(prom, grafana_to_promql(expr))
        assert res["status"] == "success", (title, expr, res)
    (instances,) = [q for t, q in dashboard_queries() if t == "$instance"]
    res = await query(prom, grafana_to_promql(instances))
    assert [r["metric"] for r in res["data"]["result"]] == [{"instance": target}]

    # The alert rules loaded and evaluate without error.
    names = re.findall(r"- alert: (\w+)", (DEPLOY / "dexbot-alerts.yml").read_text(encoding="utf-8"))

    async def rules_evaluated() -> bool:
        async with aiohttp.ClientSession() as s, s.get(prom + "/api/v1/rules") as resp:
            rules = [r for g in (await resp.json())["data"]["groups"] for r in g["rules"]]
        return sorted(r["name"] for r in rules) == sorted(names) and all(r["health"] == "ok" for r in rules)

    await waits.observed(rules_evaluated, "alert rules evaluated")


async def test_promtool_accepts_the_exposition(running: Running) -> None:
    assert PROMTOOL is not None
    await launch(running.devnet, spec("GOOD"))
    await waits.until_block(running.svc, lambda: repo.list_trades(running.svc.db) != [], "a paper buy")
    await running.telemetry.sample()
    status, body = await http_get(running.url + "/metrics")
    assert status == 200
    assert "dexbot_trades_total{" in body
    assert "dexbot_db_write_duration_seconds_bucket{" in body
    proc = await asyncio.to_thread(
        subprocess.run,
        [PROMTOOL, "check", "metrics"],
        input=body,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout + proc.stderr == ""
