"""Which chain this is: the chain id alone does not say, since every restarted devnet (and any fork)
reuses its id. The genesis block's hash does, so state is bound to the pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from dexbot.core.errors import ChainError


class _Requester(Protocol):
    async def request(self, method: str, params: Any = ()) -> Any: ...


@dataclass(frozen=True)
class ChainIdentity:
    chain_id: int
    genesis_hash: str  # 0x-hex, lower case; "" = unknown (rows written before chain identity)

    @property
    def short(self) -> str:
        return short_genesis(self.genesis_hash)

    def describe(self) -> str:
        return f"{self.chain_id}, genesis {self.short}"


def short_genesis(genesis_hash: str) -> str:
    return f"{genesis_hash[:8]}…" if genesis_hash else "unknown"


async def read_genesis(client: _Requester) -> str:
    """The hash of block 0, read once when the engine opens a chain."""
    block = await client.request("eth_getBlockByNumber", ["0x0", False])
    if not isinstance(block, dict) or not block.get("hash"):
        raise ChainError("the endpoint returned no genesis block (eth_getBlockByNumber 0x0)")
    h = block["hash"]
    return (h if isinstance(h, str) else "0x" + bytes(h).hex()).lower()
