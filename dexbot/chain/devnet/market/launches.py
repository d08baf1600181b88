"""Executing a planned launch: the same deploy → pools → liquidity → hazard sequence as the seeded
tokens (``add_launch``), sent by the market's launcher account so the launcher owns the LP tokens and
the V3 position it may later pull.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.chain.devnet.deployment import Deployment, DevToken
from dexbot.chain.devnet.launch import TokenSpec, add_launch
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce

from .receipts import Receipt, ReceiptWatcher, block_of, execute_batch

# keccak("Transfer(address,address,uint256)"); the ERC721 variant indexes the token id (4 topics).
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


@dataclass(frozen=True)
class LaunchedToken:
    """A launched token with what its owner needs to rug it later: the V3 position NFT's id."""

    token: DevToken
    position_id: int | None
    tx_hashes: tuple[str, ...]
    block: int


async def execute_launch(
    watcher: ReceiptWatcher, dep: Deployment, owner: str, spec: TokenSpec, timeout_s: float
) -> LaunchedToken:
    batch = TxBatch(owner, await pending_nonce(watcher.rpc, owner))
    token = add_launch(batch, dep, spec)
    receipts = await execute_batch(watcher, batch, timeout_s)
    return LaunchedToken(
        token=token,
        position_id=minted_position(receipts, dep.v3_position_manager) if spec.v3 else None,
        tx_hashes=tuple(str(r["transactionHash"]) for r in receipts),
        block=max(block_of(r) for r in receipts),
    )


def minted_position(receipts: list[Receipt], position_manager: str) -> int | None:
    """The id of the position NFT minted in ``receipts`` (its Transfer from the zero address)."""
    for receipt in receipts:
        for entry in receipt["logs"]:
            topics = entry["topics"]
            if (
                entry["address"].lower() == position_manager.lower()
                and len(topics) == 4
                and topics[0] == TRANSFER_TOPIC
                and int(topics[1], 16) == 0
            ):
                return int(topics[3], 16)
    return None
