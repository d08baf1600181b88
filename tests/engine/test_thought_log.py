from __future__ import annotations

import json
from pathlib import Path

from dexbot.engine.api.events import EventBus, ThoughtRecorded
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


async def test_a_repeated_thought_is_one_row_with_a_count_and_last_block(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 't.db'}")
    bus = EventBus()
    q = bus.subscribe()
    log = ThoughtLog(db, bus, jsonl=tmp_path / "thoughts.jsonl")
    stuck = "Cannot sell GIGCA now: pair 0x57a4 getReserves returned 0 bytes."
    token = "0x" + "57" * 20
    for block in (10, 11, 12):
        await log.record("hold", stuck, token=token, symbol="GIGCA", block_number=block)
    await log.record("hold", stuck, token="0x" + "ca" * 20, symbol="CATTO", block_number=12)
    await log.record("exit", "Exiting GIGCA by stop_loss.", token=token, symbol="GIGCA", block_number=13)
    await log.record("hold", stuck, token=token, symbol="GIGCA", block_number=14)
    rows = [
        (t.symbol, t.decision, t.block_number, t.count, t.last_block)
        for t in reversed(repo.list_thoughts(db))
    ]
    assert rows == [
        ("GIGCA", "hold", 10, 3, 12),
        ("CATTO", "hold", 12, 1, 12),
        ("GIGCA", "exit", 13, 1, 13),
        ("GIGCA", "hold", 14, 1, 14),
    ]
    events = [q.get_nowait() for _ in range(6)]
    assert all(isinstance(e, ThoughtRecorded) for e in events)
    first = [(e.thought_id, e.count, e.last_block) for e in events[:3] if isinstance(e, ThoughtRecorded)]
    assert first == [(first[0][0], 1, 10), (first[0][0], 2, 11), (first[0][0], 3, 12)]
    assert q.empty()
    assert len((tmp_path / "thoughts.jsonl").read_text().splitlines()) == 4  # repeats are not re-exported
