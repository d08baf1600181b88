"""The side-port server on its own: /healthz status codes follow the report (and its age), /metrics
speaks both exposition formats, anything else is a 404, and a taken port is a clear config error."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from dexbot.core.errors import ConfigError
from dexbot.metrics.health import STALE_REPORT_S, Health, starting
from dexbot.metrics.registry import Metrics
from dexbot.metrics.server import MetricsServer


def healthy(**over: object) -> Health:
    facts: dict[str, object] = {
        "engine_state": "running",
        "chain_head_block": 100,
        "chain_head_age_s": 2.0,
        "chain_head_max_age_s": 60.0,
        "rpc_endpoints_ok": 2,
        "rpc_endpoints_total": 2,
        "rpc_ok": True,
        "breakers_open": (),
        "db_ok": True,
        "checked_at": time.monotonic(),
    }
    return Health.judge(**(facts | over))


def get(url: str, accept: str = "") -> tuple[int, str, str]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[], Health]], MetricsServer]]:
    started: list[MetricsServer] = []

    def start(source: Callable[[], Health]) -> MetricsServer:
        m = Metrics()
        m.trades.labels("paper", "buy", "filled").inc(3)
        server = MetricsServer(m.registry, source, port=0).start()
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


def test_healthz_is_200_with_the_report_when_healthy(serve: Callable[..., MetricsServer]) -> None:
    server = serve(healthy)
    status, ctype, body = get(server.url + "/healthz")
    data = json.loads(body)
    assert (status, ctype) == (200, "application/json")
    assert data["status"] == "ok"
    assert data["problems"] == []
    assert data["rpc_endpoints_ok"] == 2
    assert data["chain_head_age_s"] == 2.0
    assert data["db_ok"] is True


@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({"rpc_ok": False, "rpc_endpoints_ok": 0}, "RPC unreachable (0/2 endpoints ok)"),
        ({"chain_head_age_s": 75.0}, "chain head #100 is 75 s old (limit 60 s)"),
        ({"db_ok": False}, "database not answering or writes failing"),
        ({"engine_state": "halted", "breakers_open": ("kill_switch",)}, "engine is halted"),
        ({"engine_state": "stopped"}, "engine is stopped"),
    ],
)
def test_healthz_is_503_naming_the_problem(
    serve: Callable[..., MetricsServer], over: dict[str, object], problem: str
) -> None:
    server = serve(lambda: healthy(**over))
    status, _, body = get(server.url + "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == [problem]
    assert json.loads(body)["status"] == "unhealthy"


def test_a_paused_engine_is_healthy() -> None:
    assert healthy(engine_state="paused").ok


def test_a_report_the_engine_stopped_refreshing_is_a_503(serve: Callable[..., MetricsServer]) -> None:
    old = healthy(checked_at=time.monotonic() - STALE_REPORT_S - 5)
    server = serve(lambda: old)
    status, _, body = get(server.url + "/healthz")
    assert status == 503
    (problem,) = json.loads(body)["problems"]
    assert problem.startswith("engine loop has not reported for 1")


def test_before_the_first_report_healthz_says_starting(serve: Callable[..., MetricsServer]) -> None:
    server = serve(lambda: starting(time.monotonic()))
    status, _, body = get(server.url + "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == ["engine is starting"]


def test_a_failing_health_source_is_a_503_not_a_hang(serve: Callable[..., MetricsServer]) -> None:
    def broken() -> Health:
        raise RuntimeError("boom")

    server = serve(broken)
    status, _, body = get(server.url + "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == ["health report failed: boom"]


def test_metrics_in_text_and_openmetrics_formats(serve: Callable[..., MetricsServer]) -> None:
    server = serve(healthy)
    status, ctype, body = get(server.url + "/metrics")
    assert status == 200
    assert ctype.startswith("text/plain; version=0.0.4")
    assert 'dexbot_trades_total{mode="paper",side="buy",status="filled"} 3.0' in body
    status, ctype, body = get(server.url + "/metrics", accept="application/openmetrics-text; version=1.0.0")
    assert ctype.startswith("application/openmetrics-text")
    assert body.endswith("# EOF\n")


def test_unknown_paths_are_404(serve: Callable[..., MetricsServer]) -> None:
    server = serve(healthy)
    assert get(server.url + "/metrics/extra")[0] == 404
    assert get(server.url + "/")[0] == 200


def test_a_taken_port_is_a_config_error_naming_the_fix(serve: Callable[..., MetricsServer]) -> None:
    first = serve(healthy)
    with pytest.raises(
        ConfigError, match=rf"metrics.port {first.port} on 127.0.0.1: cannot listen .*metrics.enabled = false"
    ):
        MetricsServer(Metrics().registry, healthy, port=first.port).start()
