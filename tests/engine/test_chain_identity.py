"""State is bound to its chain: (chain id, genesis hash). A fresh devnet keeps the chain id 31337 but is a
new chain: a paper run on it opens a new account, never resumes (or marks) the positions of the devnet
before, and says so in one line; live mode refuses a chain whose identity does not match its rows."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment, open_chain
from dexbot.core.config import Config, parse_config
from dexbot.core.errors import ChainIdentityMismatch
from dexbot.engine.api.events import EventBus, ThoughtRecorded
from dexbot.engine.engine import EngineService
from dexbot.engine.execution.live.signer import DEVNET_SIGNER_INDEX
from dexbot.engine.execution.types import Fill, Market
from dexbot.engine.exits.holding import Holding
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.tick import Tick
from dexbot.store import repo
from dexbot.store.db import open_database
from dexbot.store.models import Account, TxLedger

ETH = 10**18
WALLET = str(dev_account(DEVNET_SIGNER_INDEX).address)
OTHER_GENESIS = "0x" + "5e" * 32
GONE_POOL = "0x57A4000000000000000000000000000000000057"  # no code on this chain


def _cfg(tmp_path: Path, **extra: object) -> Config:
    return parse_config(
        {
            "devnet": {"block_time_s": 0, "tokens": 0, "market": {"enabled": False}},
            "store": {"data_dir": str(tmp_path)},
            "metrics": {"enabled": False},
            "breakers": {"block_stall_s": 86_400},
        }
        | extra,
        source=str(tmp_path / "config.toml"),
    )


async def _old_chain_position(db: Engine, chain: Devnet, genesis_hash: str) -> Portfolio:
    """A paper account on the session devnet holding one token: what the previous `make run` left."""
    old = Portfolio.load(
        db,
        kind="paper",
        chain_id=chain.chain_id,
        genesis_hash=genesis_hash,
        address="",
        starting_balance=10 * ETH,
    )
    tok = chain.deployment.tokens[0]
    fill = Fill("buy", tok.address, str(tok.v2_pair), "uniswap_v2", ETH, 5_000, 5_000, 100_000, 7, 10)
    await old.apply_buy(fill, symbol=tok.symbol, decimals=tok.decimals)
    return old


async def _started(svc: EngineService, bus: EventBus) -> tuple[asyncio.Task[None], list[ThoughtRecorded]]:
    """Run the engine until its first block is processed; the thoughts it published on the way."""
    q = bus.subscribe()
    task = asyncio.create_task(svc.run())
    seen: list[ThoughtRecorded] = []
    while True:
        ev = await q.get()
        if isinstance(ev, ThoughtRecorded):
            seen.append(ev)
        if getattr(ev, "state", None) == "running":
            return task, seen


async def test_a_fresh_devnet_opens_a_new_paper_account_and_leaves_the_old_positions_alone(
    chain: Devnet, genesis_hash: str, tmp_path: Path
) -> None:
    cfg = _cfg(tmp_path)
    db = open_database(cfg.database_url)
    old = await _old_chain_position(db, chain, genesis_hash)
    async with open_chain(cfg) as rt:
        assert rt.chain_id == chain.chain_id == 31337
        assert len(rt.genesis_hash) == 66
        assert rt.genesis_hash != genesis_hash  # same id, another chain

        bus = EventBus()
        svc = EngineService(cfg, rt, db, bus=bus)
        task, seen = await _started(svc, bus)
        await svc.stop()
        await task
        new_id = svc.portfolio.account.id
        assert new_id not in (None, old.account.id)
        assert svc.portfolio.open_positions() == []
        assert svc.portfolio.cash == cfg.paper.starting_balance_wei
        note = (
            f"New paper account #{new_id} for devnet (31337, genesis {rt.genesis_hash[:8]}…); "
            "1 account on other chains kept (dexbot pnl --all)."
        )
        assert [(t.decision, t.reasoning) for t in seen if t.decision == "start"] == [("start", note)]
        assert [t.reasoning for t in repo.list_thoughts(db, decision="start")] == [note]

        again = EngineService(cfg, rt, db)  # a restart on the same devnet resumes its own account
        assert (again.portfolio.account.id, again.portfolio.new_account) == (new_id, False)
        assert again.start_note == note.replace("New", "Resumed")

    (pos,) = repo.list_positions(db, status="open")  # never resumed, never marked against the new chain
    assert (pos.account_id, pos.size, pos.value_now, pos.marked_block) == (old.account.id, 5_000, 0, 0)
    accounts = {a.id: (a.chain_id, a.genesis_hash, a.balance) for a in repo.list_accounts(db)}
    assert accounts == {
        old.account.id: (31337, genesis_hash, 10 * ETH - ETH - 7),
        new_id: (31337, rt.genesis_hash, cfg.paper.starting_balance_wei),
    }


def _live(tmp_path: Path) -> Config:
    return _cfg(tmp_path, mode={"trading": "live", "max_trade_eth": "0.2"})


async def test_live_refuses_a_chain_whose_genesis_differs_from_the_wallets_rows(
    chain: Devnet, client: RpcClient, genesis_hash: str, tmp_path: Path
) -> None:
    cfg = _live(tmp_path)
    db = open_database(cfg.database_url)
    row = Account(kind="live", chain_id=31337, genesis_hash=OTHER_GENESIS, address=WALLET, balance=3)
    old = repo.add(db, row)
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    with pytest.raises(ChainIdentityMismatch) as err:
        EngineService(cfg, rt, db)
    assert str(err.value) == (
        f"live account #{old.id} of {WALLET} belongs to chain (31337, genesis 0x5e5e5e…) but the endpoint "
        f"serves (31337, genesis {genesis_hash[:8]}…): a different chain under the same id; refusing to "
        "trade live on it"
    )
    assert err.value.exit_code == 2
    assert [a.id for a in repo.list_accounts(db)] == [old.id]  # nothing written


async def test_live_refuses_to_start_over_open_transactions_signed_for_another_genesis(
    chain: Devnet, client: RpcClient, genesis_hash: str, tmp_path: Path
) -> None:
    cfg = _live(tmp_path)
    db = open_database(cfg.database_url)
    tx = TxLedger(
        chain_id=31337, sender=WALLET, nonce=4, tx_hash="0x" + "77" * 32, raw_tx="0x", status="sent"
    )
    repo.ledger_insert(db, tx)  # written before chain identity: genesis unknown
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    with pytest.raises(ChainIdentityMismatch) as err:
        EngineService(cfg, rt, db)
    assert str(err.value) == (
        f"1 open transaction(s) of {WALLET} (first 0x7777777777…, nonce 4) were signed for chain (31337, "
        f"genesis unknown) but the endpoint serves (31337, genesis {genesis_hash[:8]}…); refusing to start "
        "live until they are settled"
    )
    assert repo.list_accounts(db) == []


async def test_a_position_whose_pool_vanished_is_one_thought_and_is_not_retried_every_block(
    chain: Devnet, client: RpcClient, genesis_hash: str, tmp_path: Path
) -> None:
    cfg = _cfg(tmp_path, exits={"max_hold_s": 3600})
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    await svc.start()
    tok = chain.deployment.tokens[0]
    fill = Fill("buy", tok.address, GONE_POOL, "uniswap_v2", ETH, 5_000, 5_000, 100_000, 7, svc.block)
    pos, _ = await svc.portfolio.apply_buy(fill, symbol=tok.symbol, decimals=tok.decimals)
    pid = pos.id or 0
    rules = svc.trader.exit_rules(svc.policy())
    h = Holding(Market(tok.address, GONE_POOL, "uniswap_v2", None), 0, 0, rules, time.time())
    svc.trader.holdings[pid] = h
    for block in range(svc.block + 1, svc.block + 4):  # three blocks of exits
        svc.trader.on_tick(Tick(block, svc.block_ts, svc.trader.gas_price, svc.policy()))
        await svc.trader.manage_exits(svc.policy())
    (thought,) = repo.list_thoughts(svc.db, decision="hold")
    assert thought.reasoning == (
        f"{tok.symbol}'s pool {GONE_POOL} has no code on this chain: it vanished. The position cannot be "
        "valued or sold here; it is kept at 0 and no longer retried."
    )
    assert (thought.count, thought.block_number) == (1, svc.block + 1)
    assert h.vanished
    assert svc.portfolio.values[pid] == 0
    assert [p.exit_rule for p in svc.snapshot().positions if p.id == pid] == ["pool vanished"]
    assert [t.side for t in repo.list_trades(svc.db)] == ["buy"]
