"""The fault drills on the session devnet: the engine behind chaos proxies, one fault each, showing the
behaviour the drill names (the same drills ``python -m bench faults`` tabulates)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.engine.drills.catalogue import DRILLS, drill, run_drill
from dexbot.engine.drills.rig import Node


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
async def test_the_engine_survives_the_fault(chain: Devnet, genesis_hash: str, tmp_path: Path, drill) -> None:
    row = await run_drill(drill, Node(chain.rpc_url, chain.deployment, genesis_hash), tmp_path)
    assert row.passed, f"{drill.name}: expected {drill.expected}; observed {row.observed}"


async def test_a_live_fill_whose_block_is_reorged_away_is_sent_again_and_booked_from_the_chain(
    chain: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    """The reorged_fill drill in live mode (the bench runs every paper drill in both modes)."""
    live = dataclasses.replace(drill("reorged_fill"), mode="live")
    row = await run_drill(live, Node(chain.rpc_url, chain.deployment, genesis_hash), tmp_path)
    assert row.passed, f"expected {live.expected}; observed {row.observed}"


@pytest.mark.parametrize("name", [d.name for d in DRILLS if d.paper_too])
async def test_a_live_drill_the_bench_also_runs_in_paper_passes_there(
    chain: Devnet, genesis_hash: str, tmp_path: Path, name: str
) -> None:
    paper = dataclasses.replace(drill(name), mode="paper")
    row = await run_drill(paper, Node(chain.rpc_url, chain.deployment, genesis_hash), tmp_path)
    assert row.passed, f"expected {paper.expected}; observed {row.observed}"
    assert row.observed.startswith("nothing in flight in paper")
