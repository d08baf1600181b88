"""The engine's metrics over HTTP, checked against what the engine did: trades, P&L, RPC traffic and
breakers on a fresh devnet, and /healthz turning 503 when the chain's RPC dies."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter

import pytest
import waits
from metrics_harness import (
    ETH,
    Running,
    count_rows,
    http_get,
    launch,
    scrape,
    series,
    spec,
    value,
    whale_buy,
)

from dexbot.core.errors import ChainError
from dexbot.metrics.registry import BREAKER_STATE_VALUE
from dexbot.store import repo
from dexbot.store.models import TokenAssessment

pytestmark = [pytest.mark.chain, pytest.mark.slow]
WEI = 10**18


async def test_metrics_match_trades_pnl_rpc_and_breakers(running: Running) -> None:
    svc, dn = running.svc, running.devnet
    (good,) = await launch(dn, spec("GOOD"))
    await waits.until_block(svc, lambda: repo.list_positions(svc.db, status="open") != [], "entry into GOOD")
    # A whale buys hard: the position's net value passes +20 % and take-profit sells it all, in slices
    # within the impact budget, one a block.
    await whale_buy(dn, good.address, 4 * ETH)

    await waits.mine_until(
        svc,
        lambda: repo.list_positions(svc.db, status="open") == [] and repo.list_positions(svc.db) != [],
        "take-profit exit",
    )
    trades = repo.list_trades(svc.db)
    buys = [t for t in trades if t.side == "buy"]
    sells = [t for t in trades if t.side == "sell"]
    assert len(buys) == 1
    assert len(sells) >= 1

    async def settled() -> bool:
        s = await scrape(running.url)
        return (
            value(s, "dexbot_trades_total", mode="paper", side="sell", status="filled") == len(sells)
            and value(s, "dexbot_open_positions") == 0
        )

    await waits.observed(settled, "metrics catching up with the trades")
    await running.telemetry.sample()  # the once-a-second part (fee suggestions, health) now, not later
    before = dict(svc.rt.client.stats.by_key)
    s = await scrape(running.url)
    after = dict(svc.rt.client.stats.by_key)
    snap = svc.snapshot()
    (pos,) = repo.list_positions(svc.db)

    # trades, volume, gas: exactly what the store recorded
    assert value(s, "dexbot_trades_total", mode="paper", side="buy", status="filled") == 1
    assert value(s, "dexbot_trades_total", mode="paper", side="sell", status="filled") == len(sells)
    assert value(s, "dexbot_gas_spent_wei_total", mode="paper") == float(sum(t.gas_cost for t in trades))
    assert value(s, "dexbot_l1_fee_spent_wei_total", mode="paper") == 0.0  # not an OP-stack chain
    assert value(s, "dexbot_trade_volume_weth_total", mode="paper", side="buy") == buys[0].amount_in / WEI
    assert value(s, "dexbot_trade_volume_weth_total", mode="paper", side="sell") == pytest.approx(
        sum(t.amount_out for t in sells) / WEI, rel=1e-12
    )
    assert value(s, "dexbot_trade_latency_seconds_count", mode="paper", side="buy") == 1
    assert value(s, "dexbot_trade_latency_seconds_count", mode="paper", side="sell") == len(sells)
    assert value(s, "dexbot_positions_closed_total", outcome="win") == 1
    assert value(s, "dexbot_positions_closed_total", outcome="loss") == 0

    # P&L: the portfolio's exact integers, as WETH
    assert pos.status == "closed"
    assert pos.realised_pnl > 0
    assert snap.realised_pnl == pos.realised_pnl
    assert value(s, "dexbot_realised_pnl_weth") == pos.realised_pnl / WEI
    assert value(s, "dexbot_unrealised_pnl_weth") == 0
    assert value(s, "dexbot_equity_weth") == snap.equity / WEI
    assert value(s, "dexbot_cash_weth") == snap.cash / WEI
    assert value(s, "dexbot_open_positions") == 0
    price = value(s, "dexbot_weth_price_usd")
    assert price == snap.eth_usd_e6 / 10**6
    assert price > 0
    assert value(s, "dexbot_equity_usd") == pytest.approx(snap.equity / WEI * price, rel=1e-12)
    assert value(s, "dexbot_realised_pnl_usd") == pytest.approx(pos.realised_pnl / WEI * price, rel=1e-12)

    # decisions: one judgement of GOOD (a plain token: no taxes), its price impact, every thought
    thoughts = repo.list_thoughts(svc.db, limit=1000)
    by_kind = Counter((t.decision, t.lane or "none") for t in thoughts)
    exported = {
        (dict(k)["decision"], dict(k)["lane"]): v for k, v in series(s, "dexbot_thoughts_total").items()
    }
    assert exported == dict(by_kind)
    judged = [t for t in thoughts if t.risk_score is not None]
    assert len(judged) == 1
    assert count_rows(svc.db, TokenAssessment) == 1
    assert value(s, "dexbot_risk_score_count") == 1
    assert value(s, "dexbot_risk_score_sum") == judged[0].risk_score
    assert value(s, "dexbot_token_tax_bps_count", side="sell") == 1
    assert value(s, "dexbot_token_tax_bps_sum", side="sell") == 0
    (enter,) = [t for t in thoughts if t.decision == "enter"]
    assert value(s, "dexbot_slippage_bps_count", side="buy") == 1
    assert value(s, "dexbot_slippage_bps_sum", side="buy") == enter.evidence["impact_bps"]
    assert value(s, "dexbot_decision_duration_seconds_count") == len(svc.decision_ms) >= 1
    assert (
        value(s, "dexbot_cache_misses_total", cache="risk_assessment")
        == svc.counters().risk_cache_misses
        == 1
    )
    assert value(s, "dexbot_cache_hits_total", cache="risk_assessment") == svc.counters().risk_cache_hits
    assert value(s, "dexbot_db_write_duration_seconds_count", statement="insert") >= len(trades)

    # RPC: the exported counters are the client's own, read between the two snapshots around the scrape
    rpc = {
        (int(dict(k)["endpoint"]), dict(k)["method_class"], dict(k)["status"]): v
        for k, v in series(s, "dexbot_rpc_requests_total").items()
    }
    assert set(before) <= set(rpc) <= set(after)
    for key, n in rpc.items():
        assert before.get(key, 0) <= n <= after[key], key
    assert rpc[(0, "batch", "ok")] > 0
    assert rpc[(0, "call", "ok")] > 0
    assert value(s, "dexbot_rpc_request_duration_seconds_count", endpoint="0", method_class="call") > 0
    assert value(s, "dexbot_rpc_endpoint_up", endpoint="0") == 1

    # chain, gas, engine state
    assert value(s, "dexbot_chain_head_block") == svc.block
    assert value(s, "dexbot_gas_base_fee_wei") == svc.base_fee > 0
    assert value(s, "dexbot_gas_price_wei") == svc.counters().gas_price > 0
    fees = series(s, "dexbot_gas_fee_suggestion_wei")
    assert {(dict(k)["urgency"], dict(k)["field"]) for k in fees} == {
        (u, f) for u in ("slow", "normal", "fast", "fast-lane") for f in ("max_fee", "priority_fee")
    }
    assert value(s, "dexbot_engine_up") == 1
    assert value(s, "dexbot_engine_halted") == 0
    assert value(s, "dexbot_intel_level") == 5
    assert value(s, "dexbot_healthy") == 1

    # breakers: one series per breaker, each as the engine has it. The whale's pump (+40 % in one block)
    # may trip the volatility warning while the exit is still selling its slices; nothing else trips.
    names = {v.name for v in snap.breakers}
    tripped = Counter(e.name for e in repo.list_breaker_events(svc.db) if e.to_state == "open")
    assert set(tripped) <= {"volatility_spike"}
    states = {dict(k)["name"]: v for k, v in series(s, "dexbot_breaker_state").items()}
    assert states == {v.name: float(BREAKER_STATE_VALUE[v.state]) for v in snap.breakers}
    assert {dict(k)["name"]: v for k, v in series(s, "dexbot_breaker_trips_total").items()} == {
        n: float(tripped[n]) for n in names
    }


async def test_kill_switch_shows_as_an_open_breaker_and_a_503(running: Running) -> None:
    await running.host.kill()

    async def tripped() -> bool:
        s = await scrape(running.url)
        return (
            value(s, "dexbot_breaker_state", name="kill_switch") == 2
            and value(s, "dexbot_engine_halted") == 1
        )

    await waits.observed(tripped, "kill switch in the metrics")
    s = await scrape(running.url)
    assert value(s, "dexbot_breaker_trips_total", name="kill_switch") == 1
    assert value(s, "dexbot_healthy") == 0
    status, body = await http_get(running.url + "/healthz")
    health = json.loads(body)
    assert status == 503
    assert health["status"] == "unhealthy"
    assert health["breakers_open"] == ["kill_switch"]
    assert health["engine_state"] == "halted"

    await running.host.reset_breaker("kill_switch")

    async def healthy() -> bool:
        return (await http_get(running.url + "/healthz"))[0] == 200

    await waits.observed(healthy, "healthy again after the reset")
    s = await scrape(running.url)
    assert value(s, "dexbot_breaker_state", name="kill_switch") == 0
    assert value(s, "dexbot_breaker_trips_total", name="kill_switch") == 1
    assert value(s, "dexbot_engine_halted") == 0


async def test_healthz_counts_a_failed_endpoint_at_its_failure_not_at_the_next_sample(
    running: Running,
) -> None:
    """The report follows the RPC client's word as it comes: an observer called right after the
    telemetry's, on the first request that fails once anvil is gone, already reads an unhealthy report
    naming the endpoint (before, it stayed ok until the once-a-second sample, ~1 s)."""
    client = running.svc.rt.client
    await running.telemetry.sample()
    assert running.telemetry.health().ok, running.telemetry.health().problems
    seen: list[tuple[bool, tuple[str, ...]]] = []

    def after_telemetry(index: int, method_class: str, status: str, seconds: float) -> None:
        if status == "transport_error" and not seen:
            h = running.telemetry.health()
            seen.append((h.ok, h.problems))

    client.observers.append(after_telemetry)
    assert running.devnet.pid is not None
    os.kill(running.devnet.pid, signal.SIGKILL)
    with pytest.raises(ChainError):
        await client.block_number()
    assert seen, "no request failed"
    ok, problems = seen[0]
    assert not ok
    assert any("RPC unreachable (0/1 endpoints ok)" in p for p in problems), problems
    (status, body) = await http_get(running.url + "/healthz")
    assert status == 503, body
    assert value(await scrape(running.url), "dexbot_rpc_endpoint_up", endpoint="0") == 0


async def test_healthz_turns_503_when_the_rpc_dies(running: Running) -> None:
    async def ok() -> bool:
        return (await http_get(running.url + "/healthz"))[0] == 200

    await waits.observed(ok, "healthy engine")
    _status, body = await http_get(running.url + "/healthz")
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["problems"] == []
    assert health["rpc_endpoints_ok"] == health["rpc_endpoints_total"] == 1
    assert health["db_ok"] is True
    assert health["breakers_open"] == []
    assert health["chain_head_block"] == running.svc.block > 0

    assert running.devnet.pid is not None
    os.kill(running.devnet.pid, signal.SIGKILL)  # the anvil this engine started: its chain is gone

    async def down() -> bool:  # the endpoint's failure counts at once; the engine's failed read follows
        status, body = await http_get(running.url + "/healthz")
        return status == 503 and json.loads(body)["rpc_ok"] is False

    await waits.observed(down, "/healthz 503, the engine's read failed, after the RPC died")
    health = json.loads((await http_get(running.url + "/healthz"))[1])
    assert health["status"] == "unhealthy"
    assert health["rpc_ok"] is False
    assert health["rpc_endpoints_ok"] == 0
    assert any("RPC unreachable" in p for p in health["problems"]), health["problems"]
    s = await scrape(running.url)
    assert value(s, "dexbot_healthy") == 0
    assert value(s, "dexbot_rpc_endpoint_up", endpoint="0") == 0
    failed = [
        v for k, v in series(s, "dexbot_rpc_requests_total").items() if ("status", "transport_error") in k
    ]
    assert sum(failed) > 0
