from __future__ import annotations

import json
from pathlib import Path

from dexbot.engine.events import EventBus, ThoughtRecorded
from dexbot.engine.risk.score import Assessment, Factor
from dexbot.engine.thoughts import ThoughtLog, explain_skip
from dexbot.store import repo
from dexbot.store.db import open_database


def _honeypot() -> Assessment:
    return Assessment(
        token="0x" + "ab" * 20,
        symbol="HONEY",
        block_number=12,
        score=100,
        verdict="blocked",
        factors=(
            Factor(
                "round_trip",
                "sell reverted",
                100,
                3.0,
                "sell reverted: 'HP: trading not enabled' (honeypot)",
                True,
            ),
            Factor("liquidity", "40 WETH", 5, 1.0, "deep enough"),
        ),
        revert_reasons=("HP: trading not enabled",),
    )


def test_skip_reasoning_names_the_hard_block() -> None:
    text = explain_skip(_honeypot(), 45)
    assert "HONEY" in text
    assert "honeypot" in text
    assert "HP: trading not enabled" in text


async def test_thought_is_stored_published_and_exported(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 't.db'}")
    bus = EventBus()
    q = bus.subscribe()
    log = ThoughtLog(db, bus, jsonl=tmp_path / "thoughts.jsonl")
    a = _honeypot()
    saved = await log.record(
        "skip",
        explain_skip(a, 45),
        token=a.token,
        symbol=a.symbol,
        lane="smart",
        intel_level=5,
        risk_score=a.score,
        factors=a.factors,
        evidence={"reserves": [2**200, 5]},
        block_number=a.block_number,
    )
    (row,) = repo.list_thoughts(db)
    assert row.id == saved.id
    assert row.factors[0]["name"] == "round_trip"
    assert row.factors[0]["contribution"] == 75.0
    assert row.evidence == {"reserves": [str(2**200), 5]}
    event = q.get_nowait()
    assert isinstance(event, ThoughtRecorded)
    assert event.thought_id == saved.id
    assert event.decision == "skip"
    line = json.loads((tmp_path / "thoughts.jsonl").read_text().splitlines()[0])
    assert line["symbol"] == "HONEY"


def test_bus_drops_oldest_for_a_slow_subscriber() -> None:
    bus = EventBus(maxsize=3)
    q = bus.subscribe()
    for i in range(5):
        bus.publish(ThoughtRecorded(i, "skip", "", "", "", 1, None, 0.0, ""))
    assert bus.dropped == 2
    assert [q.get_nowait().thought_id for _ in range(3)] == [2, 3, 4]  # type: ignore[attr-defined]
