"""Chain/RPC breakers, driven by the RPC client's and watcher's reports (the chain-id and stall
breakers also read a real anvil in test_breakers_devnet)."""

from __future__ import annotations

from dataclasses import replace

from breaker_harness import T0, Lifecycle, healthy


async def test_rpc_error_rate_above_a_quarter_pauses_entries(life: Lifecycle) -> None:
    bad = replace(healthy(T0), rpc_requests=40, rpc_errors=10)
    await life.run("rpc_error_rate", bad, blocks="pause_entries", reason_has=("10 of 40", "25.00%"))


async def test_rpc_endpoints_disagreeing_halts(life: Lifecycle) -> None:
    bad = replace(healthy(T0), rpc_disagreement="eth_getBalance at block 1000: 5 vs 7 wei")
    await life.run("rpc_disagree", bad, blocks="halt", reason_has=("5 vs 7 wei",))


async def test_stalled_block_production_pauses_entries(life: Lifecycle) -> None:
    bad = replace(healthy(T0), block_number=1000, block_timestamp=int(T0) - 61)
    await life.run("block_stall", bad, blocks="pause_entries", reason_has=("61 s old",))


async def test_reorg_pauses_entries_for_a_cooldown(life: Lifecycle) -> None:
    bad = replace(healthy(T0), reorg_depth=2)
    await life.run("reorg", bad, blocks="pause_entries", reason_has=("2 block(s) deep",))


async def test_chain_id_mismatch_halts(life: Lifecycle) -> None:
    bad = replace(healthy(T0), chain_id_expected=8453, chain_id_observed=1)
    await life.run("chain_id_mismatch", bad, blocks="halt", reason_has=("chain id 1", "expects 8453"))
