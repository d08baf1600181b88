"""A transaction the bot did not send takes the nonce of a live buy in flight (the wallet's key used
elsewhere: another bot, a wallet app). The buy never lands and nothing of it is booked; the trade ends
with a thought that says why; and since money left the wallet that the books did not move, the wallet
breaker halts trading, naming the difference to the wei. The ledger keeps no gap: its next nonce is
the chain's."""

from __future__ import annotations

from typing import Any

import waits

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.breakers.base import fmt_eth
from dexbot.engine.engine import EngineService
from dexbot.store import repo

from .conftest import ETH, WALLET, debug, rpc_call, stuck_buy, thoughts_of
from .test_live_engine import _gas, _receipt

ELSEWHERE = "0x" + "e1" * 20
SENT = ETH // 100  # what the foreign transaction moves out of the wallet


async def test_a_foreign_transaction_on_an_in_flight_buys_nonce_books_nothing_and_halts_trading(
    chain: Devnet, live_engine: EngineService, client: RpcClient, automine: Any
) -> None:
    svc = live_engine
    live = svc.live
    assert live is not None
    ledger = live.sender.ledger
    cash = svc.portfolio.cash
    assert cash == await eth_balance(client, WALLET, "latest")

    # A launch mined alone, then the miner is held: the engine's buy of it waits in the pool.
    tok, buy, launched, _ = await stuck_buy(chain, svc, client, "FRGN")
    buy_hash = buy.tx_hash

    # Someone else with the key sends a transfer on the buy's nonce at higher fees: it takes the nonce.
    foreign_tx = {
        "from": WALLET,
        "to": ELSEWHERE,
        "value": hex(SENT),
        "nonce": hex(buy.nonce),
        "gas": hex(21_000),
        "maxFeePerGas": hex(2 * buy.max_fee_per_gas),
        "maxPriorityFeePerGas": hex(2 * buy.max_priority_fee_per_gas),
    }
    foreign = str(await client.request("eth_sendTransaction", [foreign_tx]))
    await rpc_call(chain, "evm_mine")
    r = await _receipt(client, foreign)
    mined = int(r["blockNumber"], 16)
    assert mined == launched + 1
    await waits.processed(svc, mined, debug(svc))
    await automine(True)
    await rpc_call(chain, "evm_mine")
    head = await waits.head_processed(svc, debug(svc))
    assert head > mined

    # The buy never landed and nothing of it is booked.
    assert await client.request("eth_getTransactionByHash", [buy_hash]) is None
    assert (await ledger.get(buy_hash)).status == "dropped"  # type: ignore[union-attr]
    assert not svc.trades.busy(tok.address)
    assert svc.portfolio.position_for(tok.address) is None
    assert repo.list_trades(svc.db) == []
    assert await token_balance(client, tok.address, WALLET, "latest") == 0
    assert thoughts_of(svc, "skip", "FRGN") == [
        f"Entry into FRGN failed: buy {buy_hash} was dropped: nonce {buy.nonce} was used by a "
        "transaction that is not in the ledger."
    ]

    # Money left the wallet that the books did not move: the wallet breaker halts, to the wei.
    wallet = await eth_balance(client, WALLET, "latest")
    assert wallet == cash - SENT - _gas(r)
    assert svc.portfolio.cash == cash
    assert svc.state == "halted"
    (trip,) = [e for e in repo.list_breaker_events(svc.db) if e.to_state == "open"]
    assert trip.name == "wallet_balance"
    assert trip.reason.startswith(
        f"the wallet holds {fmt_eth(wallet, 'ETH')} on chain but the ledger expects {fmt_eth(cash, 'ETH')} "
        f"(-{fmt_eth(SENT + _gas(r), 'ETH')})"
    )

    # The ledger's next nonce is the chain's: the bot's next transaction would not collide or leave a gap.
    chain_nonce = int(await client.request("eth_getTransactionCount", [WALLET, "pending"]), 16)
    assert live.runner.next_nonce == chain_nonce == buy.nonce + 1
