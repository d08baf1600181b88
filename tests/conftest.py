"""Suite-wide fixtures: ONE devnet (anvil + Uniswap + seeded tokens) for the whole session, rolled back
with evm_snapshot/evm_revert around every test that uses ``chain`` so tests stay independent.

The devnet mines instantly (block time 0), so a transaction's receipt is there when ``transact`` returns.
Tests that take ``devnet`` (directly or through ``chain``, ``w3``, ``aw3``) get the ``chain`` marker
automatically, so ``-m "not chain"`` runs the suite without anvil.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from web3 import AsyncWeb3, Web3

from dexbot.chain.devnet import Anvil, Devnet, prepare_chain
from dexbot.chain.rpc import RpcClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/waits.py: ``from waits import ...``

from snapshot_base import SnapshotBase

DEVNET_SEED = 42
DEVNET_TOKENS = 6
DEVNET_FIXTURES = {"devnet", "chain", "w3", "aw3", "op_devnet"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DEVNET_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.chain)


@pytest.fixture(scope="session")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    """The session's devnet: instant mining, deployed with the default seed and token count."""
    data_dir: Path = tmp_path_factory.mktemp("devnet")
    anvil = Anvil(block_time_s=0, log_path=data_dir / "anvil.log")
    anvil.start()
    try:
        deployment, accounts = asyncio.run(
            prepare_chain(
                anvil.rpc_url,
                seed=DEVNET_SEED,
                token_count=DEVNET_TOKENS,
                block_time_s=0,
            )
        )
        yield Devnet(anvil.rpc_url, deployment, accounts, data_dir, anvil.pid)
    finally:
        anvil.stop()


@pytest.fixture(scope="session")
def op_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    """A second devnet configured as an OP-stack chain (anvil --optimism, our L1Block and GasPriceOracle
    predeploys): every transaction pays an L1 data fee. Started only for the tests that ask for it."""
    data_dir: Path = tmp_path_factory.mktemp("op_devnet")
    anvil = Anvil(block_time_s=0, log_path=data_dir / "anvil.log", optimism=True)
    anvil.start()
    try:
        deployment, accounts = asyncio.run(
            prepare_chain(anvil.rpc_url, seed=DEVNET_SEED, token_count=2, block_time_s=0, op_stack=True)
        )
        yield Devnet(anvil.rpc_url, deployment, accounts, data_dir, anvil.pid)
    finally:
        anvil.stop()


@pytest.fixture(scope="session")
def w3(devnet: Devnet) -> Web3:
    """A sync Web3 on the devnet (sends from anvil's unlocked accounts with ``transact``)."""
    return Web3(Web3.HTTPProvider(devnet.rpc_url, request_kwargs={"timeout": 30}))


@pytest.fixture(scope="session")
def genesis_hash(w3: Web3) -> str:
    """The session devnet's genesis block hash: with the chain id, the identity state is bound to."""
    return str(w3.eth.get_block(0)["hash"].to_0x_hex()).lower()


@pytest.fixture(scope="session")
def snapshot_base(w3: Web3) -> SnapshotBase:
    """Rolls the session devnet back around each test, keeping the starting block's state readable."""
    return SnapshotBase(lambda method, params: dict(w3.provider.make_request(method, params)))  # type: ignore[arg-type]


@pytest.fixture
def chain(devnet: Devnet, snapshot_base: SnapshotBase) -> Iterator[Devnet]:
    """The devnet, with every change this test makes rolled back afterwards, its mining mode too: a
    snapshot does not hold it, and a test that stopped automining (to put several transactions in one
    block) and failed before turning it back on would leave the next test's transactions unmined."""
    snap = snapshot_base.snapshot()
    try:
        yield devnet
    finally:
        snapshot_base.revert(snap)


@pytest.fixture
async def aw3(devnet: Devnet) -> AsyncIterator[AsyncWeb3]:
    """An AsyncWeb3 on the devnet, created inside the test's event loop."""
    provider = AsyncWeb3.AsyncHTTPProvider(devnet.rpc_url)
    try:
        yield AsyncWeb3(provider)
    finally:
        await provider.disconnect()


@pytest.fixture(scope="session")
def op_snapshot_base(op_devnet: Devnet) -> SnapshotBase:
    """Rolls the OP-stack devnet back around each test that uses it, as ``snapshot_base`` the session
    devnet: its starting block's state stays readable however many blocks the tests revert."""
    op_w3 = Web3(Web3.HTTPProvider(op_devnet.rpc_url))
    return SnapshotBase(lambda method, params: dict(op_w3.provider.make_request(method, params)))  # type: ignore[arg-type]


@pytest.fixture
async def op_rpc(op_devnet: Devnet, op_snapshot_base: SnapshotBase) -> AsyncIterator[RpcClient]:
    """An RpcClient on the OP-stack devnet, automining, with the test's changes reverted afterwards."""
    client = await RpcClient.connect([op_devnet.rpc_url], chain_id=op_devnet.chain_id)
    snap = op_snapshot_base.snapshot()
    await client.request("evm_setAutomine", [True])  # a snapshot does not hold the mining mode
    try:
        yield client
    finally:
        op_snapshot_base.revert(snap)  # the pool emptied and automine on too
        await client.close()
