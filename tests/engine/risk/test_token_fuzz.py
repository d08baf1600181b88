"""No token behaviour crashes the token check: hypothesis draws FuzzToken behaviours (taxes 0–100 % per
direction, a reverting stage, absurd answers from its views and its transfer, gas burnt per transfer),
launches each on the devnet and assesses it. The check returns a verdict — blocked wherever a trade
reverts, the taxes to the basis point where nothing else is wrong — or, for a token that does not even
answer like an ERC20, one ChainError line naming it. FUZZ_SCALE scales the example count."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dexbot.chain.devnet import Devnet, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.launch import token_calls
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import RiskConfig
from dexbot.core.errors import ChainError
from dexbot.engine.api.intel import policy
from dexbot.engine.risk.assess import RiskAssessor
from dexbot.engine.risk.flags import FLAGS
from dexbot.engine.risk.score import Assessment

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))  # FUZZ_SCALE=10 for a longer hunt
EXAMPLES = max(1, int(12 * SCALE))
ETH = 10**18
BUYS_REVERT, SELLS_REVERT, TRANSFERS_REVERT = 1, 2, 3
EVERY_TRANSFER_REVERTS = (4, 5, 6)  # no data, a panic, a custom error
BAD_DECIMALS, ZERO_SUPPLY = 4, 5  # answer modes the ERC20 metadata read refuses


@dataclass(frozen=True)
class Behaviour:
    buy_bps: int
    sell_bps: int
    transfer_bps: int
    stage: int
    answer: int
    loops: int


behaviours = st.builds(
    Behaviour,
    buy_bps=st.sampled_from([0, 1, 300, 2_500, 9_999, 10_000]) | st.integers(0, 10_000),
    sell_bps=st.sampled_from([0, 1, 700, 5_000, 9_999, 10_000]) | st.integers(0, 10_000),
    transfer_bps=st.sampled_from([0, 100, 10_000]) | st.integers(0, 10_000),
    stage=st.integers(0, 6),
    answer=st.integers(0, 7),
    loops=st.sampled_from([0, 0, 0, 500, 5_000, 60_000]),
)


async def _launch_and_assess(chain: Devnet, b: Behaviour) -> Assessment:
    spec = TokenSpec("Fuzz", "FUZZ", 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind="fuzz", v3=False)
    async with DevRpc(chain.rpc_url) as rpc:
        (token,) = await launch_tokens(rpc, chain.deployment, [spec])
        batch = TxBatch(token.owner, await pending_nonce(rpc, token.owner))
        args = (b.buy_bps, b.sell_bps, b.transfer_bps, b.stage, b.answer, b.loops)
        batch.send("configure", token.address, token_calls("fuzz").call("configure", *args))
        await batch.execute(rpc, mine=False)
    client = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    try:
        addrs = DexAddresses.from_deployment(chain.deployment)
        assessor = RiskAssessor(client, addrs, RiskConfig(), block_time_s=2)
        block = await client.block_number()
        return await assessor.assess(
            token.address, policy=policy(5), size_wei=ETH // 2, block=block, gas_price_wei=10**9
        )
    finally:
        await client.close()


async def _outcome(chain: Devnet, b: Behaviour) -> Assessment | ChainError:
    try:
        return await _launch_and_assess(chain, b)
    except ChainError as err:
        return err


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(b=behaviours)
def test_no_token_behaviour_crashes_the_check(chain: Devnet, b: Behaviour) -> None:
    a = asyncio.run(_outcome(chain, b))
    if isinstance(a, ChainError):  # only a token that does not answer like an ERC20 may end the check
        assert b.answer in (BAD_DECIMALS, ZERO_SUPPLY, 6), str(a)
        assert "\n" not in str(a)
        return
    assert b.answer != BAD_DECIMALS  # decimals() = 255 is refused as not an ERC20
    assert [f.name for f in a.flags] == list(FLAGS)
    assert a.verdict in ("ok", "risky", "blocked", "inconclusive")
    if b.stage in (BUYS_REVERT, *EVERY_TRANSFER_REVERTS):
        assert a.verdict in ("blocked", "inconclusive"), a.to_json()
        if a.verdict == "blocked":  # by the refused buy, or the ladder's refused buys when gas ran short
            assert {f.name for f in a.blockers} & {"round_trip", "limits"}
    plain = b.stage == 0 and b.answer in (0, 2) and b.loops == 0
    untaxable = max(b.buy_bps, b.sell_bps, b.transfer_bps) < 10_000
    if plain and untaxable:
        assert (a.buy_tax_bps, a.sell_tax_bps, a.transfer_tax_bps) == (b.buy_bps, b.sell_bps, b.transfer_bps)
    if b.stage == SELLS_REVERT and b.answer in (0, 2) and b.loops == 0 and b.buy_bps < 10_000:
        assert a.verdict == "blocked"
        assert "FUZZ: sell refused" in a.revert_reasons
