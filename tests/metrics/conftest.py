"""Metrics test fixtures: an EngineHost on its own fresh embedded devnet (instant mining, no synthetic
market) with the metrics side port on a free loopback port. Helpers live in metrics_harness.py."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dexbot.core.config import parse_config
from dexbot.engine.host.engine_host import EngineHost

sys.path.insert(0, str(Path(__file__).resolve().parent))

import waits
from metrics_harness import Running


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    cfg = parse_config(
        {
            "store": {"data_dir": str(tmp_path)},
            "devnet": {"block_time_s": 0, "market": {"enabled": False}},
            "exits": {"max_hold_s": 3600},
            "intel": {"level": 5},
            "metrics": {"port": 0},
        },
        source=str(tmp_path / "config.toml"),
    )
    host = EngineHost(cfg)
    task = asyncio.create_task(host.run())
    # the host builds its service once its devnet is up: nothing to subscribe to before that
    await waits.observed(
        lambda: task.done() or (host.service is not None and host.service.state == "running"),
        "the engine running",
    )
    if task.done():
        task.result()
    assert host.service is not None
    assert host.telemetry is not None
    assert host.service.rt.devnet is not None
    try:
        yield Running(host, host.service, host.telemetry, host.service.rt.devnet)
    finally:
        await host.stop()
        await waits.within(task, "the host stopping")
