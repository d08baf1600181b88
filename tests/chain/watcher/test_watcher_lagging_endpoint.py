"""An endpoint behind the watcher's head (a lagging node after a fallback) is not a reorg: the watcher
waits for news instead of rolling back to the old block."""

from __future__ import annotations

from typing import Any

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.chaos import ChaosProxy
from dexbot.chain.devnet.faults import Fault
from dexbot.chain.dex.events import NewBlock, Reorg
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
