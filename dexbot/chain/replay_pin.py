"""A replayed engine's reads pinned to the block it is handling, so the replay chain can mine on meanwhile
(the mining is half of a replay's time; overlapped with the engine's Python, a replay runs about as fast as
anvil alone). The engines' block must be below the head by then: anvil answers a read at its head block
from the state it is mining the next block into (a pool's reserves read "at" block N came back with block
N+1's swap in them), while a block below the head is read from the state kept for it.

Reads that name a block number see that block whatever the head is. The others are answered as the node
answered them with that block as its head:

- a head tag ("latest", "pending", or none given) becomes the block's number: "pending" too, since the
  replay node's pool is empty between blocks (every transaction it is sent is in the block it mines next,
  or the block is a ``ReplayMismatch``), so the pending state is the head's;
- ``eth_blockNumber`` is the block; ``txpool_content`` an empty pool (as above);
- ``eth_chainId`` (the endpoint check asks it every block), ``eth_maxPriorityFeePerGas``,
  ``eth_gasPrice`` and the next block's base fee (the last entry of ``eth_feeHistory``) come from the
  node's own answers read right after it mined the block (``HeadView``), before anything of the next
  block was set.

A safe or finalized tag stays as it is: the node places those by its head, and the engine asks neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# where each method takes its block (a number, a tag, or an EIP-1898 object); absent means "latest"
BLOCK_PARAM = {
    "eth_call": 1,
    "eth_estimateGas": 1,
    "eth_createAccessList": 1,
    "eth_simulateV1": 1,
    "debug_traceCall": 1,
    "eth_getBalance": 1,
    "eth_getCode": 1,
    "eth_getTransactionCount": 1,
    "eth_getStorageAt": 2,
    "eth_getProof": 2,
    "eth_feeHistory": 1,
    "eth_getBlockByNumber": 0,
    "eth_getBlockTransactionCountByNumber": 0,
    "eth_getBlockReceipts": 0,
}
HEAD_TAGS = frozenset({"latest", "pending"})

# what a HeadView is read from, in one batch right after the block is mined
HEAD_VIEW_CALLS: list[tuple[str, list[Any]]] = [
    ("eth_chainId", []),
    ("eth_maxPriorityFeePerGas", []),
    ("eth_gasPrice", []),
    ("eth_feeHistory", ["0x1", "latest", []]),
]


@dataclass(frozen=True)
class HeadView:
    """What the replay node said of its head right after mining ``block``."""

    block: int
    chain_id: str
    max_priority_fee: str
    gas_price: str
    next_base_fee: str
    next_blob_base_fee: str | None

    @classmethod
    def from_answers(cls, block: int, answers: list[Any]) -> HeadView:
        """From the answers to ``HEAD_VIEW_CALLS``, asked when ``block`` was the head."""
        chain_id, tip, price, history = answers
        blob = history.get("baseFeePerBlobGas")
        next_base_fee = str(history["baseFeePerGas"][-1])
        return cls(block, str(chain_id), str(tip), str(price), next_base_fee, str(blob[-1]) if blob else None)

    def answer(self, method: str) -> tuple[bool, Any]:
        """(True, the answer) for a call answered from the view alone; (False, None) for the others."""
        local = {
            "eth_blockNumber": hex(self.block),
            "eth_chainId": self.chain_id,
            "eth_maxPriorityFeePerGas": self.max_priority_fee,
            "eth_gasPrice": self.gas_price,
            "txpool_content": {"pending": {}, "queued": {}},
        }
        return (True, local[method]) if method in local else (False, None)

    def params(self, method: str, params: list[Any]) -> list[Any]:
        """``params`` with a head tag (or none) replaced by the block's number."""
        at = hex(self.block)
        if method in ("eth_getLogs", "eth_newFilter"):
            return [self._range(params[0]), *params[1:]] if params and isinstance(params[0], dict) else params
        pos = BLOCK_PARAM.get(method)
        if pos is None:
            return params
        if len(params) <= pos:
            return [*params, at] if len(params) == pos else params
        block = params[pos]
        if isinstance(block, str) and block in HEAD_TAGS:
            block = at
        elif isinstance(block, dict) and block.get("blockNumber") in HEAD_TAGS:
            block = {**block, "blockNumber": at}
        return [*params[:pos], block, *params[pos + 1 :]]

    def _range(self, flt: dict[str, Any]) -> dict[str, Any]:
        if "blockHash" in flt:
            return flt
        at = hex(self.block)
        return {**flt, **{k: at for k in ("fromBlock", "toBlock") if flt.get(k, "latest") in HEAD_TAGS}}

    def fee_history(self, params: list[Any], answer: dict[str, Any]) -> dict[str, Any]:
        """An ``eth_feeHistory`` answer ending at the block with the next block's base fees as the node
        gave them then (once the next block is set up or mined, the node gives that one's instead)."""
        if len(params) < 2 or params[1] != hex(self.block) or not answer.get("baseFeePerGas"):
            return answer
        out = {**answer, "baseFeePerGas": [*answer["baseFeePerGas"][:-1], self.next_base_fee]}
        if answer.get("baseFeePerBlobGas") and self.next_blob_base_fee is not None:
            out["baseFeePerBlobGas"] = [*answer["baseFeePerBlobGas"][:-1], self.next_blob_base_fee]
        return out
