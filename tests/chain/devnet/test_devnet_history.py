"""The embedded devnet bounds anvil's memory by keeping only the newest blocks' states and transactions
(``devnet.history_blocks`` / ``tx_history_blocks``). With the default bound, after more blocks than it
keeps, everything dexbot reads at recent blocks still works: revert traces, the round-trip probe at a
block, reorgs and rollbacks the watcher re-reads, and snapshots inside the window. Older blocks are gone.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from dexbot.chain.abi import address_word, uint_word
from dexbot.chain.devnet import Anvil, Devnet, prepare_chain, start_devnet
from dexbot.chain.devnet.anvil import ALLOCATOR_ENV
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.dex.events import NewBlock, Reorg
from dexbot.chain.dex.uniswap_v2.swap import TxCall
from dexbot.chain.revert_trace import RevertExplainer
from dexbot.chain.roundtrip import simulate_round_trip
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.watcher import PoolWatcher
from dexbot.core.config import DevnetConfig, parse_config
from dexbot.core.errors import ChainError, ConfigError, DevnetError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "dex"))
from devchain import TRANSFER, DevChain

HISTORY_CONTRACT = "0x0000F90827F1C53a10cb7A02335B175320002935"  # EIP-2935's block-hash history

pytestmark = pytest.mark.chain

DEFAULTS = DevnetConfig()
KEPT = DEFAULTS.history_blocks
E18 = 10**18


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    """A devnet of its own, started as ``start_devnet`` starts it with the default config, then run past
    the bound so the oldest blocks really are pruned."""
    data_dir = tmp_path_factory.mktemp("bounded")
    anvil = Anvil(
        block_time_s=0,
        log_path=data_dir / "anvil.log",
        history_blocks=DEFAULTS.history_blocks,
        tx_history_blocks=DEFAULTS.tx_history_blocks,
    )
    anvil.start()
    try:
        deployment, accounts = asyncio.run(
            prepare_chain(anvil.rpc_url, seed=7, token_count=2, block_time_s=0)
        )
        yield Devnet(anvil.rpc_url, deployment, accounts, data_dir, anvil.pid)
    finally:
        anvil.stop()


@pytest.fixture
async def dev(bounded: Devnet) -> AsyncIterator[DevChain]:
    client = await RpcClient.connect([bounded.rpc_url], chain_id=bounded.chain_id)
    try:
        d = DevChain(client, bounded)
        await client.request("anvil_mine", [hex(KEPT + 20)])
        yield d
    finally:
        await client.close()


async def test_the_embedded_devnet_runs_anvil_with_both_bounds_and_they_hold_with_a_block_time(
    tmp_path: Path,
) -> None:
    """A block time used to be anvil's interval mining, which silently lifts the bound to 1,500 states:
    the devnet mines by itself instead, so block 1 is gone once the chain is past the bound."""
    devnet = {"block_time_s": 60, "tokens": 0, "tx_history_blocks": 300, "market": {"enabled": False}}
    cfg = parse_config({"devnet": devnet}).devnet

    async with start_devnet(cfg, tmp_path) as dn, DevRpc(dn.rpc_url) as rpc:
        assert dn.pid is not None
        cmd = (await asyncio.to_thread(Path(f"/proc/{dn.pid}/cmdline").read_text)).split("\0")
        account = dn.accounts[0]
        assert int(await rpc.call("eth_getBalance", account, "0x1"), 16) > 0
        await rpc.call("anvil_mine", hex(KEPT + 1))
        with pytest.raises(DevnetError, match="requested was 1"):
            await rpc.call("eth_getBalance", account, "0x1")

    at = cmd.index("--prune-history")
    assert cmd[at : at + 2] == ["--prune-history", str(KEPT)]
    at = cmd.index("--transaction-block-keeper")
    assert cmd[at : at + 2] == ["--transaction-block-keeper", "300"]
    assert "--block-time" not in cmd
    unbounded = Anvil().command(1)  # 0: anvil's own in-memory history, never a state on disk
    assert "--prune-history" not in unbounded
    assert unbounded[unbounded.index("--max-persisted-states") + 1] == "0"
    replay = Anvil(extra_args=("--prune-history", "64")).command(1)  # anvil refuses both flags together
    assert "--max-persisted-states" not in replay
    assert "--max-persisted-states" not in cmd


def test_the_devnet_runs_cancun_rules_unless_told_otherwise_and_op_stack_runs_anvils_own() -> None:
    def rules(cmd: list[str]) -> str | None:
        return cmd[cmd.index("--hardfork") + 1] if "--hardfork" in cmd else None

    assert rules(Anvil().command(1)) == DevnetConfig().hardfork == "cancun"
    assert rules(Anvil(hardfork="prague").command(1)) == "prague"
    assert rules(Anvil(hardfork="").command(1)) is None  # a public chain's fork: its own rules
    assert rules(Anvil(optimism=True).command(1)) is None


async def test_a_devnet_block_adds_no_state_of_its_own(dev: DevChain) -> None:
    """Under Prague every block writes its parent's hash into the EIP-2935 history contract (8,191 slots),
    and anvil 1.7.1 rebuilds its whole state trie per block: each block then cost more than the last. The
    devnet's rules have no such contract, so an empty block leaves the state as it was."""
    await dev.client.request("anvil_mine", [hex(20)])
    head = await dev.block()
    code = await dev.client.request("eth_getCode", [HISTORY_CONTRACT, hex(head)])
    slot = await dev.client.request("eth_getStorageAt", [HISTORY_CONTRACT, hex((head - 1) % 8191), hex(head)])
    assert (code, int(slot, 16)) == ("0x", 0)


@pytest.mark.parametrize(("key", "value", "least"), [("history_blocks", 7, 8), ("tx_history_blocks", 63, 64)])
def test_a_bound_too_small_for_recent_reads_is_refused(key: str, value: int, least: int) -> None:
    with pytest.raises(ConfigError, match=f"devnet.{key}.*at least {least}"):
        parse_config({"devnet": {key: value}})


async def test_blocks_older_than_the_bound_are_gone_and_recent_ones_readable(dev: DevChain) -> None:
    head = await dev.block()
    holder = dev.trader(3)

    with pytest.raises(RpcError, match=f"block height is {head} but requested was 1"):
        await dev.eth_balance(holder, 1)
    assert await dev.eth_balance(holder, head - KEPT + 2) == await dev.eth_balance(holder, head)


async def test_a_recent_revert_is_traced_to_its_reason(dev: DevChain) -> None:
    sender = dev.trader(4)  # holds no USDC
    usdc = dev.dep.usdc
    call = TxCall(usdc, TRANSFER + address_word(dev.trader(5)) + uint_word(1_000_000))
    receipt = await dev.send(sender, call, ok=False)
    assert int(receipt["status"], 16) == 0
    await dev.mine(5)

    reason = await RevertExplainer(dev.client).from_trace(receipt["transactionHash"], 3_000_000)

    assert reason == f"ERC20InsufficientBalance(sender={sender}, balance=0, needed=1000000)"


async def test_the_round_trip_probe_runs_at_a_recent_block(dev: DevChain) -> None:
    token = next(t for t in dev.dep.tokens if t.kind == "plain" and t.v2_pair)
    assert token.v2_pair is not None
    head = await dev.block()

    async def probe(block: int) -> object:
        result = await simulate_round_trip(
            dev.client,
            router=dev.dep.v2_router,
            weth=dev.dep.weth,
            token=token.address,
            pair=token.v2_pair or "",
            buy_wei=E18 // 100,
            block=block,
        )
        return (result.can_buy, result.can_sell, result.inconclusive, result.buy_tax_bps)

    assert await probe(head - KEPT // 2) == (True, True, None, 0)
    with pytest.raises(ChainError):
        await probe(1)


async def test_the_watcher_re_reads_a_reorg_and_a_rollback(dev: DevChain) -> None:
    pair = dev.dep.usdc_v2_pair
    watcher = PoolWatcher(dev.client, dev.addrs, block_time_s=0)
    watcher.watch_v2([pair])
    start = await watcher.start()
    await dev.swap_v2(dev.trader(6), [dev.addrs.weth, dev.dep.usdc], E18, native_in=True)
    await dev.mine(9)
    await watcher.poll()

    transfer = {"from": dev.trader(8), "to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"}
    await dev.client.request("anvil_reorg", [6, [[transfer, 0]]])  # the kept states reach 7 blocks back
    events = await watcher.poll()
    reorg = events[0]
    assert isinstance(reorg, Reorg)
    assert (reorg.common_ancestor, reorg.depth, reorg.new_head) == (start + 4, 6, start + 10)

    await dev.client.request("anvil_rollback", [4])
    # A tip below the head on known blocks reads as a lagging endpoint until the chain moves: the next
    # block on top of the rolled-back chain (a transfer in it, so it is not the old empty block again)
    # shows the rollback.
    assert await watcher.poll() == []
    await dev.send(dev.trader(8), TxCall("0x000000000000000000000000000000000000dEaD", b"", 1))
    events = await watcher.poll()
    reorg = events[0]
    assert isinstance(reorg, Reorg)
    assert (reorg.common_ancestor, reorg.depth, reorg.new_head) == (start + 6, 4, start + 7)
    assert isinstance(events[-1], NewBlock)
    assert watcher.states[pair].block == start + 7


async def test_a_snapshot_reverts_but_history_pruned_meanwhile_stays_gone(dev: DevChain) -> None:
    """Why the test suite's own devnet keeps every block: after a test that mines more blocks than the
    bound, ``evm_revert`` restores the head, but the states before it were pruned meanwhile, so the next
    test could neither read a recent block nor roll one back."""
    holder, sink = dev.trader(2), dev.trader(9)
    head = await dev.block()
    snapshot = await dev.client.request("evm_snapshot", [])
    inside = KEPT // 4  # blocks mined after the snapshot, and read back before it: all in the window
    await dev.send(holder, TxCall(sink, b"", E18))
    await dev.mine(inside)
    assert await dev.client.request("evm_revert", [snapshot]) is True
    assert await dev.block() == head
    assert await dev.eth_balance(holder, head - inside) == await dev.eth_balance(holder, head)

    snapshot = await dev.client.request("evm_snapshot", [])
    await dev.send(holder, TxCall(sink, b"", E18))
    await dev.client.request("anvil_mine", [hex(KEPT + 10)])
    assert await dev.client.request("evm_revert", [snapshot]) is True
    assert await dev.block() == head

    with pytest.raises(RpcError, match=f"requested was {head - 1}"):
        await dev.eth_balance(holder, head - 1)
    with pytest.raises(RpcError, match="Required data unavailable"):
        await dev.client.request("anvil_rollback", [1])


async def test_a_reorg_past_the_states_anvil_holds_is_refused_and_never_empties_the_contracts(
    tmp_path: Path,
) -> None:
    """anvil's disk cache hands a state back without contract code: a reorg to such a block used to empty
    every contract while answering success. With no state on disk the node refuses instead, and a reorg
    within the states it holds keeps the code."""
    code, where = "0x6001600055", "0x00000000000000000000000000000000000000aa"
    with Anvil(log_path=tmp_path / "anvil.log") as anvil:
        async with DevRpc(anvil.rpc_url) as rpc:
            me = (await rpc.call("eth_accounts"))[0]
            await rpc.call("anvil_setCode", where, code)
            await rpc.call("anvil_mine", hex(700))  # past anvil's 500 states in memory
            marker = [[{"from": me, "to": me, "value": "0x1"}, 0]]
            with pytest.raises(DevnetError, match="BlockOutOfRange"):
                await rpc.call("anvil_reorg", 650, marker)
            assert await rpc.call("eth_getCode", where, "latest") == code
            before = await rpc.call("eth_getBlockByNumber", "latest", False)
            await rpc.call("anvil_reorg", 3, marker)
            after = await rpc.call("eth_getBlockByNumber", "latest", False)
            assert after["number"] == before["number"]
            assert after["hash"] != before["hash"]
            assert await rpc.call("eth_getCode", where, "latest") == code


def test_anvil_returns_freed_pages_at_once_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """anvil frees a state copy per block; its allocator is told to hand those pages back at once."""

    def environ_of(anvil: Anvil) -> dict[str, str]:
        assert anvil.pid is not None
        raw = Path(f"/proc/{anvil.pid}/environ").read_bytes().split(b"\0")
        return dict(entry.decode().split("=", 1) for entry in raw if b"=" in entry)

    monkeypatch.delenv(ALLOCATOR_ENV, raising=False)
    with Anvil(log_path=tmp_path / "a.log") as anvil:
        assert environ_of(anvil)[ALLOCATOR_ENV] == "dirty_decay_ms:0,muzzy_decay_ms:0"
    monkeypatch.setenv(ALLOCATOR_ENV, "narenas:1")
    with Anvil(log_path=tmp_path / "b.log") as anvil:
        assert environ_of(anvil)[ALLOCATOR_ENV] == "narenas:1"
