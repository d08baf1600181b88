"""`dexbot breakers` through the real entry point: list, trip, reset, errors — and a registry (the
engine's) picking up what the operator wrote."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine

from dexbot.core.config import BreakersConfig
from dexbot.engine.breakers import BREAKER_TYPES, BreakerRegistry
from dexbot.store import repo
from dexbot.store.db import open_database

TOKEN = "0x" + "ab" * 20


def _db(tmp_path: Path) -> Engine:
    return open_database(f"sqlite:///{tmp_path / 'data' / 'dexbot.db'}")


def test_breakers_json_lists_every_breaker_closed_on_a_fresh_database(cli) -> None:
    res = cli("breakers", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["name"] for r in rows] == [cls.name for cls in BREAKER_TYPES]
    assert {r["state"] for r in rows} == {"closed"}
    daily = rows[0]
    assert daily == {
        "name": "daily_loss", "category": "portfolio", "severity": "critical", "scope": "global",
        "state": "closed", "reason": "", "cooldown_left_s": 0.0, "title": "daily loss limit",
        "latched": False,
    }  # fmt: skip


def test_trip_persists_a_latched_open_state_the_table_and_engine_see(cli, tmp_path: Path) -> None:
    res = cli("breakers", "trip", "kill_switch", "--reason", "going to lunch")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "kill_switch: open (going to lunch)"
    (row,) = repo.list_breaker_events(_db(tmp_path), name="kill_switch")
    assert (row.from_state, row.to_state, row.reason) == ("closed", "open", "going to lunch")
    assert row.evidence == {"action": "halt", "manual": True}

    listed = {r["name"]: r for r in json.loads(cli("breakers", "--json").stdout)}
    assert listed["kill_switch"]["state"] == "open"
    assert listed["kill_switch"]["latched"] is True
    table = cli("breakers", env={"COLUMNS": "200"}).stdout
    (line,) = [ln for ln in table.splitlines() if "kill_switch" in ln]
    assert "open" in line
    assert "until reset" in line
    assert "going to lunch" in line

    again = cli("breakers", "trip", "kill_switch")
    assert again.stdout.strip() == "kill_switch: already tripped by an operator"


async def test_a_running_registry_applies_cli_trips_and_resets_on_its_next_sync(cli, tmp_path: Path) -> None:
    db = _db(tmp_path)
    engine = BreakerRegistry(BreakersConfig(), db)
    await engine.start()
    assert cli("breakers", "trip", "liquidity_drop", "--scope", TOKEN, "--reason", "rugged").returncode == 0
    assert await engine.sync_from_store() == 1
    decision = engine.decision()
    assert decision.blocked_tokens == frozenset({TOKEN})
    assert not decision.entries_paused
    assert cli("breakers", "reset", "liquidity_drop").stdout.strip() == "liquidity_drop: 1 reset"
    assert await engine.sync_from_store() == 1
    assert engine.decision().open == ()


def test_reset_all_closes_everything_and_says_when_nothing_was_open(cli) -> None:
    cli("breakers", "trip", "daily_loss")
    cli("breakers", "trip", "reorg")
    res = cli("breakers", "reset", "--all")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "all breakers: 2 reset"
    assert {r["state"] for r in json.loads(cli("breakers", "--json").stdout)} == {"closed"}
    assert cli("breakers", "reset", "reorg").stdout.strip() == "reorg: nothing to reset (already closed)"


def test_unknown_breaker_is_one_line_and_exit_2(cli, tmp_path: Path) -> None:
    for args in (("trip", "dailyloss"), ("reset", "dailyloss")):
        res = cli("breakers", *args)
        assert res.returncode == 2
        assert res.stderr.count("\n") == 1
        assert "unknown breaker 'dailyloss'" in res.stderr
    assert repo.list_breaker_events(_db(tmp_path)) == []


def test_usage_errors_are_exit_2_with_the_fix(cli) -> None:
    both = cli("breakers", "reset", "reorg", "--all")
    assert both.returncode == 2
    assert "give one breaker NAME or --all" in both.stderr
    assert cli("breakers", "reset").returncode == 2
    scoped = cli("breakers", "trip", "daily_loss", "--scope", TOKEN)
    assert scoped.returncode == 2
    assert "has global scope (not per token or pool); give no scope" in scoped.stderr
    bad_key = cli("breakers", "trip", "liquidity_drop", "--scope", "0x12")
    assert bad_key.returncode == 2
    assert "'0x12' is not a 0x-prefixed 20-byte token address" in bad_key.stderr
