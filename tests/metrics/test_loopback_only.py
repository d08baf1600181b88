"""The metrics side port listens on loopback only by default: from another address of this machine the
connection is refused, while a server explicitly bound to all interfaces is reachable there."""

from __future__ import annotations

import asyncio

import pytest
from metrics_harness import Running, connect, http_get, non_loopback_ipv4

from dexbot.core.config import MetricsConfig
from dexbot.metrics.health import starting
from dexbot.metrics.registry import Metrics
from dexbot.metrics.server import MetricsServer


@pytest.fixture
def outside_addr() -> str:
    addr = non_loopback_ipv4()
    if addr is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect from")
    return addr


def test_the_default_metrics_host_is_loopback() -> None:
    assert MetricsConfig().host == "127.0.0.1"
    assert MetricsConfig().enabled is True
    assert MetricsConfig().port == 9464


@pytest.mark.chain
async def test_engine_metrics_port_refuses_non_loopback_connections(
    running: Running, outside_addr: str
) -> None:
    port = running.telemetry.port
    await asyncio.to_thread(connect, "127.0.0.1", port)
    status, _ = await http_get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    with pytest.raises(ConnectionRefusedError):
        await asyncio.to_thread(connect, outside_addr, port)


def test_the_outside_address_is_reachable_when_bound_to_all_interfaces(outside_addr: str) -> None:
    """The control: the refusal above comes from the loopback binding, not from an unusable address."""
    server = MetricsServer(Metrics().registry, lambda: starting(0.0), host="0.0.0.0", port=0).start()
    try:
        connect(outside_addr, server.port)
    finally:
        server.stop()
    with pytest.raises(ConnectionRefusedError):
        connect(outside_addr, server.port)  # and stopped means closed
