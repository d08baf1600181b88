"""A sell's approval mined in a block a reorg takes away while the sell is in flight: the approval is sent
again (the swap's nonce needs it), lands in another block at another price, and its gas is booked once,
with its sell, from the receipt the chain now has, never from the receipt of the block that went.
Driven at the executor, as the engine drives it on a reorg (``LiveExecutor.on_reorg``)."""

from __future__ import annotations

import asyncio
from typing import Any

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import eth_balance, token_balance
from dexbot.engine.execution.types import Market
from dexbot.engine.reorged import unbook_since
from dexbot.store import repo

from .conftest import ETH, WALLET, MakeExecutor, Sends, launch, rpc_call, spec


async def _receipt(client: RpcClient, tx_hash: str) -> dict[str, Any] | None:
    r = await client.request("eth_getTransactionReceipt", [tx_hash])
    return r if isinstance(r, dict) else None


def _gas(r: dict[str, Any]) -> int:
    return int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)


async def test_an_approval_reorged_away_under_an_in_flight_sell_is_billed_once_from_its_new_receipt(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, automine: Any
) -> None:
    (tok,) = await launch(chain, spec("APPRG"))
    ex = await make_executor()
    pf = ex.portfolio
    m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
    bought = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    pos, _ = await pf.apply_buy(bought, symbol="APPRG", decimals=18)
    ex.booked(bought)

    await automine(False)
    sends = Sends(ex.runner)
    block = await client.block_number()
    selling = asyncio.create_task(ex.sell(m, bought.amount_out, sell_tax_bps=0, block=block, gas_price=0))
    approve = await sends.next(selling)
    await rpc_call(chain, "evm_mine")  # the approval alone in block N
    n = block + 1
    swap = await sends.next(selling)  # its receipt seen: the swap is sent, and waits in the pool
    first = await _receipt(client, approve)
    assert first is not None
    assert int(first["blockNumber"], 16) == n

    # Block N replaced by one without the approval; the block it lands in next has a higher base fee.
    me = chain.accounts[0]
    await rpc_call(chain, "anvil_reorg", 1, [[{"from": me, "to": me, "value": "0x1"}, 0]])
    assert await _receipt(client, approve) is None
    await ex.on_reorg([], n - 1, n)  # what the engine does on the Reorg (nothing of this sell booked)
    base = int((await client.request("eth_getBlockByNumber", [hex(n), False]))["baseFeePerGas"], 16)
    await rpc_call(chain, "anvil_setNextBlockBaseFeePerGas", hex(base + 10**6))
    await rpc_call(chain, "evm_mine")  # the approval, sent again, in block N + 1; then the swap
    await automine(True)
    sold = await asyncio.wait_for(selling, 30)

    again = await _receipt(client, approve)
    swapped = await _receipt(client, swap)
    assert again is not None
    assert swapped is not None
    assert int(again["blockNumber"], 16) == n + 1 <= int(swapped["blockNumber"], 16)
    assert _gas(again) != _gas(first)  # another block, another price: the old receipt would be wrong
    assert sold.gas_cost == _gas(again) + _gas(swapped)
    assert sold.gas_used == int(again["gasUsed"], 16) + int(swapped["gasUsed"], 16)
    await pf.apply_sell(pos.id or 0, sold, reason="manual")
    ex.booked(sold)
    await ex.reconcile_filled()
    await ex.rebook.look()  # the engine's look of each block
    assert ex.rebook.held == {}  # the approval landed: nothing held, nothing booked for it there
    assert await ex._recovery().book() == 0  # the approval's gas is its sell's: not booked again
    head = await client.block_number()
    assert pf.cash == await eth_balance(client, WALLET, head)
    assert await token_balance(client, tok.address, WALLET, head) == 0
    assert [(t.side, t.status, t.tx_hash) for t in reversed(repo.list_trades(pf.db))] == [
        ("buy", "filled", bought.tx_hash),
        ("sell", "filled", swap),
    ]


async def test_a_booked_sells_approval_reorged_away_while_another_trade_is_in_flight_is_booked_once(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor, automine: Any
) -> None:
    """The sell and its approval are booked; a reorg takes both away while a buy of another token waits
    in the pool. Both are sent again and land; the sell is booked again with its approval's gas, from the
    new receipts (the buy in flight has its own bill: the approval is not its)."""
    sold_tok, other = await launch(chain, spec("APPRA"), spec("APPRB"))
    ex = await make_executor()
    pf = ex.portfolio
    m = Market(sold_tok.address, sold_tok.v2_pair or "", "uniswap_v2")
    bought = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
    pos, _ = await pf.apply_buy(bought, symbol="APPRA", decimals=18)
    ex.booked(bought)
    block = await client.block_number()
    sold = await ex.sell(m, bought.amount_out, sell_tax_bps=0, block=block, gas_price=0)
    await pf.apply_sell(pos.id or 0, sold, reason="manual")
    ex.booked(sold)
    await ex.reconcile_filled()
    approve = (await client.request("eth_getBlockByNumber", [hex(block + 1), False]))["transactions"][0]
    assert sold.block_number == block + 2

    await automine(False)
    sends = Sends(ex.runner)
    m2 = Market(other.address, other.v2_pair or "", "uniswap_v2")
    buying = asyncio.create_task(ex.buy(m2, ETH // 10, buy_tax_bps=0, block=sold.block_number, gas_price=0))
    buy2 = await sends.next(buying)  # in flight: waits in the pool
    me = chain.accounts[0]
    await rpc_call(chain, "anvil_reorg", 2, [[{"from": me, "to": me, "value": "0x1"}, 0]])
    assert await _receipt(client, approve) is None
    assert await _receipt(client, sold.tx_hash) is None
    undone = await unbook_since(pf, block)  # what the engine does first on the Reorg
    assert [(t.side, t.tx_hash) for t in undone] == [("sell", sold.tx_hash)]
    await ex.on_reorg(undone, block, block + 2)
    await rpc_call(chain, "evm_mine")  # the approval and the sell, sent again, and the buy in flight
    await automine(True)
    bought2 = await asyncio.wait_for(buying, 30)
    await pf.apply_buy(bought2, symbol="APPRB", decimals=18)
    ex.booked(bought2)
    await ex.rebook.look()  # the engine's look of each block: the sell landed, booked again
    await ex.reconcile_filled()

    a, s = await _receipt(client, approve), await _receipt(client, sold.tx_hash)
    assert a is not None
    assert s is not None
    rows = list(reversed(repo.list_trades(pf.db)))
    assert [(t.side, t.status, t.tx_hash) for t in rows] == [
        ("buy", "filled", bought.tx_hash),
        ("sell", "reorged", sold.tx_hash),
        ("buy", "filled", buy2),
        ("sell", "filled", sold.tx_hash),
    ]
    assert rows[3].gas_cost == _gas(a) + _gas(s)  # the approval's gas once, from the chain's receipt
    assert await ex._recovery().book() == 0  # nothing left unbooked
    head = await client.block_number()
    assert pf.cash == await eth_balance(client, WALLET, head)
