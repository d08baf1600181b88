"""The loop never waits on a receipt: a live buy the fee market leaves behind stays in flight while the
engine goes on handling blocks, another position's stop-loss is decided and sent in the very next block,
the stuck buy is sent again on its nonce at the new fees, and both trades are booked when their receipts
arrive, the store equal to the chain to the wei."""

from __future__ import annotations

from typing import Any

import waits

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.engine import EngineService
from dexbot.store import repo

from ..conftest import calldata
from .conftest import ETH, WALLET, debug, launch, rpc_call, spec, stuck_buy, until
from .test_live_engine import DEADLINE, SELL, _gas, _receipt

HOLD_S = 30  # chain time the stuck buy waits, with blocks mined meanwhile


async def _send_priced(client: RpcClient, frm: str, to: str, data: str, max_fee: int) -> str:
    """An unlocked account's transaction at an explicit fee (automine off: it waits in the pool)."""
    tx = {
        "from": frm,
        "to": to,
        "data": data,
        "gas": hex(3_000_000),
        "maxFeePerGas": hex(max_fee),
        "maxPriorityFeePerGas": hex(10**9),
    }
    return str(await client.request("eth_sendTransaction", [tx]))


async def test_a_stuck_buy_never_holds_back_another_positions_stop_loss_and_its_speed_up_is_booked(
    chain: Devnet, live_engine: EngineService, client: RpcClient, send_tx: Any, automine: Any
) -> None:
    svc = live_engine
    live = svc.live
    assert live is not None
    dep = chain.deployment
    ledger = live.sender.ledger

    # A position to protect, bought while the chain still mines every transaction at once.
    (held,) = await launch(chain, spec("HELD"))
    await until(svc, lambda: svc.portfolio.position_for(held.address) is not None)
    held_pos = svc.portfolio.position_for(held.address)
    assert held_pos is not None
    await send_tx(held.owner, held.address, "approve(address,uint256)", dep.v2_router, 100_000 * ETH)
    await waits.head_processed(svc, debug(svc))

    # A launch mined alone, then the miner is held: the engine's buy of it waits in the pool.
    stuck, buy, launched, sends = await stuck_buy(chain, svc, client, "STUCK")
    buy_hash = buy.tx_hash

    # The next block's base fee rises past what the buy offers (it cannot be mined as it is), and the
    # owner of HELD dumps 100k tokens in it, HOLD_S seconds of chain time later.
    high = 4 * buy.max_fee_per_gas
    ts = int((await client.request("eth_getBlockByNumber", [hex(launched), False]))["timestamp"], 16)
    dump = _sell_calldata(held.address, dep.weth, held.owner)
    dump_hash = await _send_priced(client, held.owner, dep.v2_router, dump, 2 * high)
    await rpc_call(chain, "anvil_setNextBlockBaseFeePerGas", hex(high))
    await rpc_call(chain, "evm_setNextBlockTimestamp", hex(ts + HOLD_S))
    await rpc_call(chain, "evm_mine")
    dumped = launched + 1
    assert int((await _receipt(client, dump_hash))["blockNumber"], 16) == dumped
    assert await client.request("eth_getTransactionReceipt", [buy_hash]) is None  # held back

    # The engine handles the dump's block while its buy is in flight: the stuck buy is sent again on
    # its nonce at this block's fees, and HELD's stop-loss is decided and its first transaction (the
    # approval of exactly the tokens to sell) sent, on the next nonce, in that same block.
    await waits.processed(svc, dumped, debug(svc))
    assert svc.trades.busy(stuck.address)
    assert svc.portfolio.position_for(stuck.address) is None  # nothing booked without a receipt
    sent = [await waits.within(sends.queue.get(), "two transactions sent", detail=debug(svc)) for _ in "ab"]
    entries = {e.purpose: e for e in [await ledger.get(h) for h in sent] if e is not None}
    speed_up, approve = entries["buy"], entries["approve"]
    assert (speed_up.nonce, speed_up.replaces, speed_up.status) == (buy.nonce, buy_hash, "sent")
    assert speed_up.max_fee_per_gas > high > buy.max_fee_per_gas
    assert (approve.nonce, live.runner.pending[approve.tx_hash].sent_block) == (buy.nonce + 1, dumped)
    assert live.runner.pending[speed_up.tx_hash].sent_block == dumped
    assert svc.portfolio.position_for(held.address) is not None  # the sale is booked on its receipt

    # The miner is released: the speed-up and the approval land, the sale follows, each is booked.
    await automine(True)
    await rpc_call(chain, "evm_mine")
    await until(
        svc,
        lambda: (
            svc.portfolio.position_for(stuck.address) is not None
            and svc.portfolio.position_for(held.address) is None
        ),
        "the stuck buy and the stop-loss booked",
    )
    await waits.within(svc.trades.settled(), "every trade booked")

    # Exactly one transaction on the buy's nonce reached the chain: the speed-up.
    assert (await ledger.get(buy_hash)).status == "replaced"  # type: ignore[union-attr]
    assert (await ledger.get(speed_up.tx_hash)).status == "mined"  # type: ignore[union-attr]
    assert await client.request("eth_getTransactionByHash", [buy_hash]) is None
    r = await _receipt(client, speed_up.tx_hash)
    (row,) = [t for t in repo.list_trades(svc.db) if t.token.lower() == stuck.address.lower()]
    assert (row.side, row.status, row.tx_hash) == ("buy", "filled", speed_up.tx_hash)
    assert row.gas_cost == _gas(r)
    assert row.block_number == int(r["blockNumber"], 16) > dumped
    pos = svc.portfolio.position_for(stuck.address)
    assert pos is not None
    assert pos.size == row.amount_out == await token_balance(client, stuck.address, WALLET, "latest")

    (closed,) = [p for p in repo.list_positions(svc.db) if p.id == held_pos.id]
    assert (closed.status, closed.exit_reason) == ("closed", "stop_loss")
    assert await token_balance(client, held.address, WALLET, "latest") == 0

    # The books equal the wallet to the wei, every mined transaction's gas is in a trade, and the
    # nonces have no gap: the chain's count is the ledger's mined (and cancelled-over) entries.
    mined = [e for e in await ledger.history(sender=WALLET) if e.status == "mined"]
    nonce = int(await client.request("eth_getTransactionCount", [WALLET, "latest"]), 16)
    assert sorted(e.nonce for e in mined) == list(range(nonce - len(mined), nonce))
    receipts = [await _receipt(client, e.tx_hash) for e in mined]
    assert sum(t.gas_cost for t in repo.list_trades(svc.db)) == sum(_gas(r) for r in receipts)
    assert svc.portfolio.cash == await eth_balance(client, WALLET, "latest")
    tripped = {e.name for e in repo.list_breaker_events(svc.db) if e.to_state == "open"}
    assert not tripped & {"wallet_balance", "nonce_mismatch"}, tripped


def _sell_calldata(token: str, weth: str, to: str) -> str:
    return calldata(SELL, 100_000 * ETH, 0, [token, weth], to, DEADLINE)
