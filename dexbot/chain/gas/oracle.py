"""GasOracle: fee suggestions for the chain behind an RpcClient, from one batched read per block."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from dexbot.chain.chains import DEVNET, ChainInfo
from dexbot.chain.gas.basefee import BaseFeeRule, op_stack_rule
from dexbot.chain.gas.l1fee import (
    GET_L1_FEE_UPPER_BOUND,
    GET_OPERATOR_FEE,
    PARAM_GETTERS,
    L1FeeParams,
    decode_l1_fee,
    decode_word,
    encode_get_l1_fee,
    encode_getter,
)
from dexbot.chain.gas.strategy import (
    HISTORY_BLOCKS,
    REWARD_PERCENTILES,
    URGENCIES,
    FeeCeiling,
    FeeHistory,
    FeeSuggestion,
    HeadBlock,
    Urgency,
    projected_base_fee,
    suggest,
)
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.core.config import GasConfig
from dexbot.core.errors import ChainError

log = logging.getLogger(__name__)


KEPT_HEADS = 8  # snapshots kept by head: a block's decisions and the trades sent from them


@dataclass(frozen=True)
class FeeSnapshot:
    """The latest block, the fee history ending at it and the node's own tip answer
    (``eth_maxPriorityFeePerGas``; None when the node lacks the method): what a suggestion is made of."""

    head: HeadBlock
    history: FeeHistory
    rule: BaseFeeRule
    node_tip: int | None = None

    @property
    def projected_base_fee(self) -> int:
        return projected_base_fee(self.head, self.history, self.rule)


class GasOracle:
    """EIP-1559 suggestions for slow / normal / fast / fast-lane, capped by ``gas.max_fee_gwei`` and
    ``gas.max_priority_fee_gwei``, with the L1 data fee on chains that have one.

    Reads are cached for one block: pass ``head=`` (the block number the caller already knows) to reuse
    or refresh exactly per block; without it the cache lives ``cache_s`` (half a block by default).
    A head once read keeps its snapshot (the newest ``KEPT_HEADS``): the node's own tip is asked of the
    latest block, whatever the head, so a second read of the same head later could mix in another tip,
    and a transaction priced at a block would then be signed with other fee bytes than the one sent at
    that block (another L1 fee: the stress loop saw it).
    """

    def __init__(
        self,
        rpc: RpcClient,
        chain: ChainInfo = DEVNET,
        gas: GasConfig | None = None,
        *,
        history_blocks: int = HISTORY_BLOCKS,
        cache_s: float | None = None,
    ) -> None:
        self.rpc = rpc
        self.chain = chain
        self.gas = gas or GasConfig()
        self.ceiling = FeeCeiling.from_gwei(self.gas.max_fee_gwei, self.gas.max_priority_fee_gwei)
        self.history_blocks = history_blocks
        self.cache_s = chain.block_time_s / 2 if cache_s is None else cache_s
        self._cached: tuple[float, FeeSnapshot] | None = None  # the newest read, for head=None
        self._by_head: OrderedDict[int, FeeSnapshot] = OrderedDict()
        self._has_operator_fee: bool | None = None  # None: not probed yet

    def rule_for(self, head: HeadBlock) -> BaseFeeRule:
        """The chain's base-fee rule; an OP-stack header's own parameters win over the defaults."""
        fallback = BaseFeeRule(self.chain.eip1559_elasticity, self.chain.eip1559_denominator)
        if self.chain.op_stack:
            return op_stack_rule(head.extra_data) or fallback
        return fallback

    async def snapshot(self, *, head: int | None = None) -> FeeSnapshot:
        """The latest block plus ``eth_feeHistory`` ending at it and the node's tip, in one JSON-RPC batch."""
        if head is not None and head in self._by_head:
            return self._by_head[head]
        if head is None and self._cached is not None:
            fetched_at, snap = self._cached
            if time.monotonic() - fetched_at < self.cache_s:
                return snap
        percentiles = list(REWARD_PERCENTILES)
        count = hex(self.history_blocks)
        at = "latest" if head is None else hex(head)  # pinned: the head a block's decisions are made at
        block_raw, history_raw, tip_raw = await self.rpc.batch(
            [
                ("eth_getBlockByNumber", [at, False]),
                ("eth_feeHistory", [count, at, percentiles]),
                ("eth_maxPriorityFeePerGas", []),
            ]
        )
        for answer in (block_raw, history_raw):
            if isinstance(answer, RpcError):
                raise answer
        if not isinstance(block_raw, dict):  # a block a reorg took away: the node answers null
            raise ChainError(f"the node has no block {at}")
        latest = HeadBlock.from_rpc(block_raw)
        history = FeeHistory.from_rpc(history_raw)
        if history.newest_block != latest.number:  # a block landed between the two reads
            raw = await self.rpc.request("eth_feeHistory", [count, hex(latest.number), percentiles])
            history = FeeHistory.from_rpc(raw)
        node_tip = None if isinstance(tip_raw, RpcError) else int(str(tip_raw), 16)
        known = self._by_head.get(latest.number)  # a head=None read of a head read before: the same
        snap = known or FeeSnapshot(latest, history, self.rule_for(latest), node_tip)
        self._by_head[latest.number] = snap
        while len(self._by_head) > KEPT_HEADS:
            self._by_head.popitem(last=False)
        self._cached = (time.monotonic(), snap)
        return snap

    async def projected_base_fee(self, *, head: int | None = None) -> int:
        return (await self.snapshot(head=head)).projected_base_fee

    async def suggest(
        self,
        urgency: Urgency | None = None,
        *,
        tx: bytes | None = None,
        head: int | None = None,
        contested: bool = False,
    ) -> FeeSuggestion:
        """A suggestion for ``urgency`` (default: ``gas.urgency``, else normal). With ``tx`` (the
        RLP-encoded transaction) on a chain with an L1 fee, the suggestion carries that fee too.
        ``contested``: the caller knows of competing transactions (the fast lane pays only then)."""
        snap = await self.snapshot(head=head)
        l1 = await self.l1_fee(tx) if tx is not None else 0
        level: Urgency = urgency or self.gas.urgency or "normal"
        return suggest(
            snap.head,
            snap.history,
            level,
            snap.rule,
            self.ceiling,
            l1_fee_wei=l1,
            node_tip=snap.node_tip,
            contested=contested,
        )

    async def suggest_all(self, *, head: int | None = None) -> dict[Urgency, FeeSuggestion]:
        """Every urgency level from the same snapshot (what a UI shows side by side)."""
        snap = await self.snapshot(head=head)
        return {
            u: suggest(snap.head, snap.history, u, snap.rule, self.ceiling, node_tip=snap.node_tip)
            for u in URGENCIES
        }

    @property
    def charges_l1_fee(self) -> bool:
        """The chain charges an L1 data fee (an OP-stack chain, its GasPriceOracle known)."""
        return self.chain.l1_gas_oracle is not None

    async def l1_fee(self, tx: bytes, *, block: str = "latest") -> int:
        """The L1 data fee in wei for ``tx`` from the GasPriceOracle predeploy; 0 on chains without one."""
        if self.chain.l1_gas_oracle is None:
            return 0
        call = {"to": self.chain.l1_gas_oracle, "data": encode_get_l1_fee(tx)}
        return decode_l1_fee(str(await self.rpc.request("eth_call", [call, block])))

    async def l1_fee_upper_bound(self, unsigned_size: int, *, block: str = "latest") -> int:
        """The most the L1 data fee of an unsigned transaction of ``unsigned_size`` bytes can be
        (Fjord's ``getL1FeeUpperBound``): what an estimate made before any transaction exists can
        count on. 0 on chains without an L1 fee."""
        if self.chain.l1_gas_oracle is None:
            return 0
        data = "0x" + (GET_L1_FEE_UPPER_BOUND + unsigned_size.to_bytes(32, "big")).hex()
        call = {"to": self.chain.l1_gas_oracle, "data": data}
        return decode_word(str(await self.rpc.request("eth_call", [call, block])), "getL1FeeUpperBound")

    async def operator_fee(self, gas_used: int, *, block: str = "latest") -> int:
        """The operator fee an OP-stack chain charges a transaction that used ``gas_used`` gas, from the
        oracle's ``getOperatorFee`` (since Isthmus; the oracle knows its fork's rule). 0 on chains without
        an oracle, and on one whose oracle has no such function: probed once, and said once."""
        oracle = self.chain.l1_gas_oracle
        if oracle is None or self._has_operator_fee is False:
            return 0
        call = {"to": oracle, "data": "0x" + (GET_OPERATOR_FEE + gas_used.to_bytes(32, "big")).hex()}
        try:
            answer = str(await self.rpc.request("eth_call", [call, block]))
        except RpcError as err:
            if not err.is_revert or self._has_operator_fee:
                raise
            answer = "0x"
        if self._has_operator_fee is None:
            self._has_operator_fee = len(answer) == 66
            if not self._has_operator_fee:
                log.info(
                    "the GasPriceOracle at %s has no getOperatorFee (before Isthmus): operator fee 0", oracle
                )
                return 0
        return decode_word(answer, "getOperatorFee")

    async def l1_params(self, *, block: str = "latest") -> L1FeeParams | None:
        """The oracle's L1 prices and scalars at ``block`` (one batch); None on chains without an L1 fee
        or before Fjord, where only ``getL1Fee`` knows the rule."""
        oracle = self.chain.l1_gas_oracle
        if oracle is None:
            return None
        answers = await self.rpc.batch(
            [("eth_call", [{"to": oracle, "data": encode_getter(g)}, block]) for g in PARAM_GETTERS]
        )
        *prices, fjord = answers
        if isinstance(fjord, RpcError) or not decode_word(str(fjord), "isFjord"):
            return None  # an oracle without isFjord() predates it
        words = []
        for getter, answer in zip(PARAM_GETTERS, prices, strict=False):
            if isinstance(answer, RpcError):
                raise answer
            words.append(decode_word(str(answer), getter))
        return L1FeeParams(*words)

    async def l1_fee_signed(self, raw_tx: bytes, *, block: str = "latest") -> int:
        """The L1 fee the chain charges the signed transaction ``raw_tx``: the oracle's prices applied to
        its own bytes (0 on chains without an L1 fee; ``getL1Fee``'s estimate before Fjord)."""
        if self.chain.l1_gas_oracle is None:
            return 0
        params = await self.l1_params(block=block)
        return params.fee_of_signed(raw_tx) if params is not None else await self.l1_fee(raw_tx, block=block)
