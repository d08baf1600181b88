"""The registry's own behaviour: the catalogue, operator trips and resets, picking up another process's
transitions, failing safe, scoped states and the store failing underneath it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from breaker_harness import ETH, T0, Lifecycle, healthy, snapshot
from sqlalchemy import text

from dexbot.core.config import BreakersConfig
from dexbot.engine.api.events import BreakerChanged
from dexbot.engine.breakers import (
    BREAKER_TYPES,
    Breaker,
    BreakerContext,
    BreakerRegistry,
    HeldToken,
    PoolObs,
    Trip,
    UnknownBreaker,
)
from dexbot.engine.breakers.base import CLOSED, HALF_OPEN, OPEN
from dexbot.store import repo
from dexbot.store.models import BreakerEvent

TOKEN_A = "0x" + "a1" * 20
TOKEN_B = "0x" + "b2" * 20


def test_catalogue_has_every_issue_breaker_with_valid_metadata() -> None:
    names = [cls.name for cls in BREAKER_TYPES]
    assert len(names) == len(set(names)) >= 27
    critical = {cls.name for cls in BREAKER_TYPES if cls.severity == "critical"}
    assert critical == {
        "daily_loss", "max_drawdown", "nonce_mismatch", "rpc_disagree", "chain_id_mismatch",
        "db_write_failure", "wallet_balance", "kill_switch",
    }  # fmt: skip
    for cls in BREAKER_TYPES:
        assert cls.scope in ("global", "chain", "dex", "token")
        assert len(f"{cls.scope}:0x{'0' * 40}") <= 64, "the scope column holds scope:address"
        assert len(cls.name) <= 48, "breaker_events.name is 48 characters"
        assert sys.modules[cls.__module__].__doc__, f"{cls.name}: the module says why the breaker exists"
    categories = [cls.category for cls in BREAKER_TYPES]
    assert {c: categories.count(c) for c in set(categories)} == {
        "portfolio": 6, "execution": 6, "gas": 4, "chain": 5, "market": 5, "system": 3,
    }  # fmt: skip


async def test_operator_trip_is_latched_through_cooldowns_until_reset(life: Lifecycle) -> None:
    reg = life.registry()
    await reg.start()
    assert await reg.trip("max_open_positions", "maintenance window")
    assert not await reg.trip("max_open_positions", "again"), "a second manual trip is a no-op"
    life.clock.advance(10 * life.cfg.cooldown_s)
    decision = await reg.check_all(healthy(life.clock()))
    assert reg.state_of("max_open_positions") == OPEN
    assert decision.entries_paused
    (view,) = [v for v in reg.views() if v.name == "max_open_positions"]
    assert reg.latched(view)
    assert view.cooldown_left_s == 0

    restarted = life.registry()
    await restarted.start()
    assert restarted.state_of("max_open_positions") == OPEN, "a restart keeps the latch"
    assert await restarted.reset("max_open_positions") == 1
    assert (await restarted.check_all(healthy(life.clock()))).open == ()
    thoughts = [t.reasoning for t in repo.list_thoughts(life.db, decision="breaker")]
    assert thoughts[0] == "Max open positions breaker reset by the operator: reset by the operator."
    assert thoughts[1].startswith("Max open positions breaker tripped by the operator (new entries paused)")


async def test_reset_all_closes_every_open_state_and_counts_them(life: Lifecycle) -> None:
    reg = life.registry()
    await reg.start()
    bad = replace(healthy(T0), reorg_depth=3, kill_switch=True, gas_spent_today=ETH)
    d = await reg.check_all(bad)
    assert {o.name for o in d.open} == {"reorg", "kill_switch", "gas_budget"}
    assert await reg.reset("all", "incident over") == 3
    assert reg.decision().open == ()
    assert await reg.reset("all") == 0


async def test_kill_switch_halts_at_once_and_asks_for_pending_txs_to_be_cancelled(life: Lifecycle) -> None:
    reg = life.registry()
    await reg.start()
    d = await reg.kill_switch()
    assert d.halted
    assert d.kill_switch
    assert d.reason == "kill_switch: kill switch engaged by the operator"
    (row,) = repo.list_breaker_events(life.db, name="kill_switch")
    assert (row.from_state, row.to_state, row.evidence["manual"], row.evidence["action"]) == (
        CLOSED, OPEN, True, "halt",
    )  # fmt: skip


async def test_engine_picks_up_an_operator_trip_written_by_another_process(life: Lifecycle) -> None:
    engine = life.registry()
    await engine.start()
    await engine.check_all(replace(healthy(T0), reorg_depth=1))  # the engine's own transition
    assert await engine.sync_from_store() == 0, "its own writes are not replayed"
    life.drain()

    operator = BreakerRegistry(life.cfg, life.db, clock=life.clock)  # like `dexbot breakers trip`
    operator.load()
    await operator.trip("daily_loss", "operator: bad fills on the devnet")
    assert not engine.decision().halted
    assert await engine.sync_from_store() == 1
    assert engine.decision().halted
    assert engine.state_of("daily_loss") == OPEN
    changed = [e for e in life.drain() if isinstance(e, BreakerChanged)]
    assert [(e.name, e.new_state) for e in changed] == [("daily_loss", OPEN)]
    (thought,) = repo.list_thoughts(life.db, decision="breaker", limit=1)
    assert "operator: bad fills on the devnet" in thought.reasoning
    assert len(repo.list_breaker_events(life.db, name="daily_loss")) == 1, "applied, not written twice"

    operator.load()
    assert await operator.reset("all") == 2
    assert await engine.sync_from_store() == 2
    assert engine.decision().open == ()


async def test_a_chains_tripped_breakers_stay_with_that_chain(life: Lifecycle) -> None:
    """A restarted devnet is another chain (same id, new genesis): it starts with none of the last
    chain's tripped breakers, and the last chain's are still there when it comes back. A transition
    written for no chain in particular (an operator with no chain known) applies to every chain."""
    old, new = (31337, "0x" + "0a" * 32), (31337, "0x" + "0b" * 32)
    first = BreakerRegistry(life.cfg, life.db, clock=life.clock, chain=old)
    await first.start()
    await first.trip("daily_loss", "operator: the old devnet lost too much")
    await first.trip("liquidity_drop", "rugged", scope_key=TOKEN_A)
    assert first.decision().halted

    fresh = BreakerRegistry(life.cfg, life.db, clock=life.clock, chain=new)
    await fresh.start()
    assert fresh.decision().open == ()
    assert await fresh.sync_from_store() == 0  # the old chain's rows are not this chain's news
    await fresh.check_all(healthy(T0))
    assert fresh.decision().open == ()

    again = BreakerRegistry(life.cfg, life.db, clock=life.clock, chain=old)
    await again.start()
    assert (again.state_of("daily_loss"), again.state_of("liquidity_drop", TOKEN_A)) == (OPEN, OPEN)
    (row, *_) = repo.list_breaker_events(life.db, name="daily_loss")
    assert (row.chain_id, row.genesis_hash) == old

    anywhere = BreakerRegistry(life.cfg, life.db, clock=life.clock)  # no chain known
    anywhere.load()
    await anywhere.trip("kill_switch", "operator: stop everything")
    assert await fresh.sync_from_store() == 1
    assert fresh.decision().halted
    assert [o.name for o in fresh.decision().open] == ["kill_switch"]


async def test_a_registry_on_a_store_only_it_knows_does_not_look_for_operator_writes(life: Lifecycle) -> None:
    private = BreakerRegistry(life.cfg, life.db, clock=life.clock, shared_store=False)  # a replay's
    await private.start()
    operator = BreakerRegistry(life.cfg, life.db, clock=life.clock)
    operator.load()
    await operator.trip("daily_loss", "operator: bad fills on the devnet")
    assert await private.sync_from_store() == 0
    assert not private.decision().halted
    shared = BreakerRegistry(life.cfg, life.db, clock=life.clock)
    await shared.start()
    await operator.reset("all")
    await operator.trip("daily_loss", "operator: again")
    assert await shared.sync_from_store() > 0  # the same write, seen by a registry that looks
    assert shared.decision().halted


async def test_a_breaker_whose_check_raises_fails_closed(tmp_path: Path) -> None:
    class Broken(Breaker):
        name = "broken"
        title = "broken check"
        category = "system"
        severity = "warning"

        def check(self, ctx: BreakerContext) -> Trip | None:
            raise ZeroDivisionError("division by zero")

    life = Lifecycle(tmp_path)
    reg = BreakerRegistry(life.cfg, life.db, clock=life.clock, breakers=[Broken(life.cfg)])
    d = await reg.check_all(healthy(T0))
    assert d.entries_paused
    assert d.open[0].reason == "its check failed (ZeroDivisionError: division by zero); failing safe"


async def test_disabled_breakers_only_keep_the_kill_switch(tmp_path: Path) -> None:
    life = Lifecycle(tmp_path, BreakersConfig(enabled=False))
    reg = life.registry()
    await reg.start()
    d = await reg.check_all(replace(healthy(T0), chain_id_observed=1, gas_spent_today=ETH))
    assert d.open == ()
    d = await reg.check_all(replace(healthy(T0), kill_switch=True))
    assert [o.name for o in d.open] == ["kill_switch"]


async def test_scoped_breaker_keeps_one_state_per_token_across_a_restart(life: Lifecycle) -> None:
    both = (
        HeldToken(TOKEN_A, "AAA", ETH, 0, 0, 0, 5000),
        HeldToken(TOKEN_B, "BBB", ETH, 0, 0, 0, 2000),
    )
    reg = life.registry()
    await reg.start()
    d = await reg.check_all(replace(healthy(T0), held=both))
    assert d.exit_positions == frozenset({TOKEN_A, TOKEN_B})
    scopes = sorted(v.scope for v in reg.views() if v.name == "tax_changed")
    assert scopes == [f"token:{TOKEN_A}", f"token:{TOKEN_B}"]

    life.clock.advance(life.cfg.cooldown_s)
    restarted = life.registry()
    await restarted.start()
    assert restarted.state_of("tax_changed", TOKEN_A) == HALF_OPEN
    assert restarted.state_of("tax_changed", TOKEN_B) == HALF_OPEN
    # B was sold (no longer held); A still is, with its raised tax: A re-opens, B closes
    d = await restarted.check_all(replace(healthy(life.clock()), held=both[:1]))
    assert restarted.state_of("tax_changed", TOKEN_A) == OPEN
    assert restarted.state_of("tax_changed", TOKEN_B) == CLOSED
    assert d.exit_positions == frozenset({TOKEN_A})
    assert [v.scope for v in restarted.views() if v.name == "tax_changed"] == [f"token:{TOKEN_A}"]


async def test_liquidity_drop_exits_a_held_token_but_only_blocks_one_not_held(life: Lifecycle) -> None:
    pools = (
        PoolObs("0x" + "01" * 20, TOKEN_A, "AAA", 10**12, 2 * ETH, 20 * ETH),
        PoolObs("0x" + "02" * 20, TOKEN_B, "BBB", 10**12, 2 * ETH, 20 * ETH),
    )
    held = (HeldToken(TOKEN_A, "AAA", ETH // 10),)
    reg = life.registry()
    await reg.start()
    d = await reg.check_all(replace(healthy(T0), pools=pools, held=held))
    assert d.exit_positions == frozenset({TOKEN_A})
    assert d.blocked_tokens == frozenset({TOKEN_A, TOKEN_B})
    assert not d.entries_paused


async def test_store_failure_under_the_registry_trips_the_database_breaker(life: Lifecycle) -> None:
    reg = life.registry()
    await reg.start()
    with life.db.begin() as conn:
        conn.execute(text("DROP TABLE breaker_events"))
    d = await reg.check_all(replace(healthy(T0), reorg_depth=1))  # this transition cannot be stored
    assert not d.halted
    d = await reg.check_all(healthy(T0))
    assert d.halted
    (db_breaker,) = [o for o in d.open if o.name == "db_write_failure"]
    assert "no such table: breaker_events" in db_breaker.reason


def test_unknown_names_are_refused_with_the_fix(life: Lifecycle) -> None:
    reg = life.registry()
    with pytest.raises(UnknownBreaker, match=r"unknown breaker 'dailyloss'; `dexbot breakers` lists"):
        reg.get("dailyloss")


async def test_views_count_the_cooldown_down_with_the_clock(life: Lifecycle) -> None:
    reg = life.registry()
    await reg.start()
    await reg.check_all(replace(healthy(T0), snapshot=snapshot(cash=5 * ETH), day_start_equity=10 * ETH))
    life.clock.advance(100)
    (view,) = [v for v in reg.views() if v.name == "daily_loss"]
    assert (view.state, view.cooldown_left_s) == (OPEN, life.cfg.cooldown_s - 100)


def test_events_after_an_id_are_the_instances_newer_ones_oldest_first_however_many(tmp_path: Path) -> None:
    life = Lifecycle(tmp_path)
    for i in range(260):  # more than one page of the old newest-200 read
        for instance in ("alpha", "beta") if i % 50 == 0 else ("alpha",):
            repo.add(life.db, BreakerEvent(instance=instance, name="daily_loss", from_state=CLOSED,
                                           to_state=OPEN, reason=f"{instance} {i}"))  # fmt: skip
    alpha = repo.breaker_events_after(life.db, 0, "alpha")
    assert [e.reason for e in alpha] == [f"alpha {i}" for i in range(260)]
    tenth = alpha[9].id or 0
    assert [e.reason for e in repo.breaker_events_after(life.db, tenth, "alpha")] == [
        f"alpha {i}" for i in range(10, 260)
    ]
    assert [e.reason for e in repo.breaker_events_after(life.db, tenth, "beta")] == [
        f"beta {i}" for i in range(50, 260, 50)
    ]
    assert repo.breaker_events_after(life.db, alpha[-1].id or 0, "alpha") == []
