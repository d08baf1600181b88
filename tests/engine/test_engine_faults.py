"""The fault drills on the session devnet: the engine behind chaos proxies, one fault each, showing the
behaviour the drill names (the same drills ``python -m bench faults`` tabulates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.engine.drills.catalogue import DRILLS, run_drill
from dexbot.engine.drills.rig import Node


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
async def test_the_engine_survives_the_fault(chain: Devnet, genesis_hash: str, tmp_path: Path, drill) -> None:
    row = await run_drill(drill, Node(chain.rpc_url, chain.deployment, genesis_hash), tmp_path)
    assert row.passed, f"{drill.name}: expected {drill.expected}; observed {row.observed}"
