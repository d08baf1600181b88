"""What crash safety costs: transfers per second through ``Sender.send`` (simulate + estimate, nonce
reservation, signed tx written to SQLite before broadcast, receipt, ledger update) against a bare loop
that only signs, broadcasts and polls the receipt, both on a fresh automining anvil in the same run.
Then the same Sender with all sends in flight at once (the nonce manager under concurrency)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.devnet.anvil import Anvil, set_mining
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.identity import read_genesis
from dexbot.chain.rpc import RpcClient
from dexbot.chain.sender import Sender
from dexbot.chain.txtypes import Fees, TxRequest
from dexbot.store.db import open_database
from dexbot.store.ledger import LedgerStore

N = 100
FEES = Fees(20 * 10**9, 10**9)
GOAL_RATIO = 0.5  # the safe path may cost at most twice the bare one


async def _bare(client: RpcClient, account: LocalAccount, to: str) -> float:
    nonce = int(await client.request("eth_getTransactionCount", [account.address, "pending"]), 16)
    started = time.perf_counter()
    for i in range(N):
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": client.chain_id,
            "nonce": nonce + i,
            "to": to,
            "value": 1,
            "gas": 21_000,
            "maxFeePerGas": FEES.max_fee_per_gas,
            "maxPriorityFeePerGas": FEES.max_priority_fee_per_gas,
        }
        signed = account.sign_transaction(tx)
        tx_hash = await client.send_raw("0x" + bytes(signed.raw_transaction).hex())
        receipt = None
        while receipt is None:
            receipt = await client.request("eth_getTransactionReceipt", [tx_hash])
            if receipt is None:
                await asyncio.sleep(0.01)
    return N / (time.perf_counter() - started)


async def _safe(sender: Sender, to: str, *, concurrent: bool) -> float:
    started = time.perf_counter()
    if concurrent:
        outcomes = await asyncio.gather(*(sender.send(TxRequest(to, value=1), FEES) for _ in range(N)))
    else:
        outcomes = [await sender.send(TxRequest(to, value=1), FEES) for _ in range(N)]
    seconds = time.perf_counter() - started
    if any(o.status != "mined" for o in outcomes):
        raise RuntimeError("a benchmark transfer did not mine")
    return N / seconds


async def _measure(rpc_url: str, db_url: str) -> dict[str, float]:
    async with DevRpc(rpc_url) as dev:
        await set_mining(dev, 0)
    client = await RpcClient.connect([rpc_url])
    engine = open_database(db_url)
    try:
        to = dev_account(2).address
        ledger = LedgerStore(engine, genesis_hash=await read_genesis(client))
        bare = await _bare(client, dev_account(3), to)
        sender = Sender(client, dev_account(4), ledger, poll_s=0.01)
        safe = await _safe(sender, to, concurrent=False)
        concurrent = await _safe(Sender(client, dev_account(5), ledger, poll_s=0.01), to, concurrent=True)
    finally:
        await client.close()
        engine.dispose()
    return {"bare": bare, "safe": safe, "concurrent": concurrent}


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        anvil = Anvil(block_time_s=0, log_path=Path(tmp) / "anvil.log")
        anvil.start()
        try:
            m = asyncio.run(_measure(anvil.rpc_url, f"sqlite:///{Path(tmp) / 'bench.db'}"))
        finally:
            anvil.stop()
    ratio = m["safe"] / m["bare"]
    return [
        {
            "name": "sender_safe_sequential",
            "value": round(m["safe"], 1),
            "unit": "tx/s",
            "baseline": round(m["bare"], 1),
            "ratio": round(ratio, 3),
            "goal": f">= {GOAL_RATIO:g}x the bare sign+send+receipt loop",
            "met": ratio >= GOAL_RATIO,
        },
        {
            "name": "sender_safe_concurrent",
            "value": round(m["concurrent"], 1),
            "unit": "tx/s",
            "baseline": round(m["bare"], 1),
            "ratio": round(m["concurrent"] / m["bare"], 3),
            "goal": f"{N} sends in flight, gap-free nonces, all mined",
            "met": True,
        },
    ]


if __name__ == "__main__":
    for entry in run():
        print(entry)
