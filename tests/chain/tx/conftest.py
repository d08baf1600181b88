"""Fixtures for the sending tests: a real SQLite ledger, an RpcClient on the devnet, dev-account
senders, and manual mining for stuck-transaction scenarios."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy.engine import Engine
from web3 import Web3

from dexbot.chain.devnet import Devnet
from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.rpc import RpcClient
from dexbot.chain.sender import Sender
from dexbot.store.db import open_database
from dexbot.store.ledger import LedgerStore

SenderFactory = Callable[..., Sender]
SENDER_INDEX = 7  # a dev account nothing else in the devnet setup uses


@pytest.fixture
def db_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def ledger(db_engine: Engine, genesis_hash: str) -> LedgerStore:
    return LedgerStore(db_engine, genesis_hash=genesis_hash)


@pytest.fixture
async def client(chain: Devnet) -> AsyncIterator[RpcClient]:
    rpc = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    try:
        yield rpc
    finally:
        await rpc.close()


@pytest.fixture
def account() -> LocalAccount:
    return dev_account(SENDER_INDEX)


@pytest.fixture
def make_sender(client: RpcClient, account: LocalAccount, ledger: LedgerStore) -> SenderFactory:
    """A fresh Sender (as after a restart) on the same ledger unless told otherwise."""

    def make(**kwargs: Any) -> Sender:
        kwargs.setdefault("poll_s", 0.05)
        kwargs.setdefault("receipt_timeout_s", 30.0)
        who = kwargs.pop("account", account)
        return Sender(kwargs.pop("client", client), who, kwargs.pop("ledger", ledger), **kwargs)

    return make


NodeCall = Callable[..., Any]


@pytest.fixture
def node(chain: Devnet, w3: Web3) -> NodeCall:
    """``node(method, *params)``: one call to the devnet's anvil (cheat codes too), asserted to succeed."""

    def call(method: str, *params: Any) -> Any:
        reply = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        assert "error" not in reply, reply
        return reply.get("result")

    return call


@pytest.fixture
def manual_mining(node: NodeCall) -> Iterator[Callable[[], None]]:
    """Automine off for this test (evm_revert does not restore the mining mode, so we do); yields a
    function that mines one block."""
    rpc = node
    rpc("evm_setAutomine", False)
    try:
        yield lambda: rpc("evm_mine")
    finally:
        rpc("evm_setAutomine", True)
