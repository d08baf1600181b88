"""A live start whose unbooked transaction the node no longer has a receipt for (anvil
--transaction-block-keeper, as a pruning full node): recovery cannot book it from the chain, so the
start is refused with one line naming the transaction, and nothing is written to the books."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from dexbot.chain.devnet import Devnet, start_devnet
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import MIN_TX_BLOCKS, parse_config
from dexbot.core.errors import ChainError
from dexbot.engine.execution.types import Market
from dexbot.store import repo

from .conftest import ETH, launch, new_executor, spec


@pytest.fixture
async def pruning(tmp_path: Path) -> AsyncIterator[Devnet]:
    devnet = {
        "block_time_s": 0,
        "tokens": 0,
        "tx_history_blocks": MIN_TX_BLOCKS,
        "market": {"enabled": False},
    }
    async with start_devnet(parse_config({"devnet": devnet}).devnet, tmp_path / "devnet") as dn:
        yield dn


async def test_an_unbooked_fill_whose_receipt_was_pruned_refuses_the_live_start_naming_it(
    pruning: Devnet, db: Engine
) -> None:
    async with await RpcClient.connect([pruning.rpc_url], chain_id=pruning.chain_id) as client:
        genesis = str((await client.request("eth_getBlockByNumber", ["0x0", False]))["hash"]).lower()
        (tok,) = await launch(pruning, spec("PRUNE"))
        ex = await new_executor(pruning, client, db, genesis)
        m = Market(tok.address, tok.v2_pair or "", "uniswap_v2")
        fill = await ex.buy(m, ETH // 10, buy_tax_bps=0, block=await client.block_number(), gas_price=0)
        # killed here: the fill is not booked; then the node forgets its receipt
        await client.request("anvil_mine", [hex(MIN_TX_BLOCKS + 2)])
        assert await client.request("eth_getTransactionReceipt", [fill.tx_hash]) is None
        before = repo.list_trades(db)

        with pytest.raises(ChainError) as refused:
            await new_executor(pruning, client, db, genesis)

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"live start refused: transaction {fill.tx_hash} (nonce ")
    assert f"buy, block {fill.block_number}) is in the ledger but not in the books" in message
    assert message.endswith("point chain.rpc_urls at a node that keeps them, then start again")
    assert repo.list_trades(db) == before == []
