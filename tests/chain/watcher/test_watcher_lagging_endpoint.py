"""An endpoint behind the watcher's head (a lagging node after a fallback) is not a reorg: the watcher
waits for news instead of rolling back to the old block."""

from __future__ import annotations

from typing import Any

from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet, calldata
from dexbot.chain.devnet.chaos import ChaosProxy
from dexbot.chain.devnet.faults import Fault
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex.events import NewBlock, PairCreated, Reorg, WatchEvent
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.rpc import RpcClient
from dexbot.chain.watcher import PoolWatcher


async def test_a_lagging_answer_is_no_reorg_and_no_step_back(chain: Devnet) -> None:
    async with ChaosProxy(chain.rpc_url) as proxy, RpcClient([proxy.url]) as client:
        await client.request("anvil_mine", [hex(6)])
        watcher = PoolWatcher(client, DexAddresses.from_deployment(chain.deployment), block_time_s=0)
        head = await watcher.start()
        proxy.inject(Fault("lag", blocks=4))
        assert await watcher.poll() == []
        assert watcher.head == head
        proxy.clear()
        await client.request("anvil_mine", [hex(1)])
        events = await watcher.poll()
    assert [type(e) for e in events if isinstance(e, NewBlock | Reorg)] == [NewBlock]
    assert (events[-1].number, watcher.head) == (head + 1, head + 1)


async def test_a_read_the_node_lacks_the_block_for_is_read_again_within_the_poll(chain: Devnet) -> None:
    """A load-balanced node names a head one backend does not have yet: that read says "header not
    found"; the poll reads again instead of failing."""
    async with ChaosProxy(chain.rpc_url) as proxy, RpcClient([proxy.url]) as client:
        watcher = PoolWatcher(client, DexAddresses.from_deployment(chain.deployment), block_time_s=0)
        watcher.watch_v2([t.v2_pair for t in chain.deployment.tokens if t.v2_pair][:1])
        head = await watcher.start()
        await client.request("anvil_mine", [hex(1)])
        lag = proxy.inject(Fault("lag", frozenset({"eth_call"}), blocks=1, times=1))
        events = await watcher.poll()
    assert lag.hits == 1  # the states' read at the new head was answered by a node a block behind
    assert [type(e) for e in events if isinstance(e, NewBlock | Reorg)] == [NewBlock]
    assert watcher.head == head + 1


async def test_a_header_a_node_behind_the_head_left_out_is_read_again_so_no_false_reorg_follows(
    chain: Devnet,
) -> None:
    """Load-balanced backends answer one batch's headers from different heights: one missing header used
    to be committed as unknown, and a later lagging "latest" at that height looked like a reorg."""
    async with ChaosProxy(chain.rpc_url) as proxy, RpcClient([proxy.url]) as client:
        watcher = PoolWatcher(client, DexAddresses.from_deployment(chain.deployment), block_time_s=0)
        head = await watcher.start()
        await client.request("anvil_mine", [hex(2)])
        gaps: list[int] = []

        def leave_out(call: dict[str, Any]) -> dict[str, Any]:
            if not gaps and (call.get("params") or [None])[0] == hex(head + 1):
                gaps.append(head + 1)
                return {"jsonrpc": "2.0", "id": call.get("id"), "result": None}
            return call

        proxy.inject(Fault("rewrite", frozenset({"eth_getBlockByNumber"}), rewrite=leave_out))
        events = await watcher.poll()
        assert gaps == [head + 1]
        assert watcher.hash_of(head + 1) is not None
        proxy.clear()
        proxy.inject(Fault("lag", frozenset({"eth_getBlockByNumber"}), blocks=1, times=1))
        later = await watcher.poll()  # "latest" from a node a block behind: nothing new, no reorg
    assert [type(e) for e in events if isinstance(e, NewBlock | Reorg)] == [NewBlock]
    assert later == []
    assert watcher.head == head + 2


async def test_a_launch_a_node_behind_the_head_left_out_of_the_logs_is_delivered_at_the_next_poll(
    chain: Devnet,
) -> None:
    """eth_getLogs from a node behind the head answers up to its own head without saying so: the new pair
    of a block it lacks comes with the next poll (the overlap), once, and nothing else twice."""
    dep = chain.deployment
    async with (
        ChaosProxy(chain.rpc_url) as proxy,
        RpcClient([proxy.url]) as client,
        DevRpc(chain.rpc_url) as rpc,
    ):
        snapshot = await rpc.call("evm_snapshot")
        try:
            watcher = PoolWatcher(client, DexAddresses.from_deployment(dep), block_time_s=0)
            head = await watcher.start()
            batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
            odd = batch.deploy("a contract to pair", load_own("ProbeWallet").bytecode)
            factory = calldata.uniswap("UniswapV2Factory")
            batch.send("pair it", dep.v2_factory, factory.call("createPair", odd, dep.weth), gas=5_000_000)
            receipts = await batch.execute(rpc, mine=True)
            launched = int(receipts[-1]["blockNumber"], 16)
            proxy.inject(Fault("lag", frozenset({"eth_getLogs"}), blocks=2))  # the launch's block and after
            first = await watcher.poll()
            proxy.clear()
            await client.request("anvil_mine", [hex(1)])
            second = await watcher.poll()
            await client.request("anvil_mine", [hex(1)])
            third = await watcher.poll()
            tip = watcher.head
        finally:
            await rpc.call("evm_revert", snapshot)

    def created(events: list[WatchEvent]) -> list[PairCreated]:
        return [e for e in events if isinstance(e, PairCreated)]

    assert (created(first), len(created(second)), created(third)) == ([], 1, [])
    assert created(second)[0].block_number == launched
    assert tip > launched > head
