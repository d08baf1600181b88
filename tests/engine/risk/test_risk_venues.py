"""Liquidity of a token's V2 and V3 pools as the assessor judges it: a V3 pool counts with its depth
within the level's price impact (as a V2 pair's reserve), never with its virtual reserve."""

from __future__ import annotations

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.dex.states import V3State
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v3.pool import read_pool
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import RiskConfig
from dexbot.engine.api.intel import policy
from dexbot.engine.market.pricing import price_and_liquidity
from dexbot.engine.risk.assess import RiskAssessor
from dexbot.engine.risk.score import Assessment, Factor

from ..live.v3pools import thin_v3_pool

ETH = 10**18


async def _launch(dn: Devnet, *specs: TokenSpec) -> list[DevToken]:
    async with DevRpc(dn.rpc_url) as rpc:
        return await launch_tokens(rpc, dn.deployment, list(specs))


def _assessor(client: RpcClient, dn: Devnet) -> RiskAssessor:
    return RiskAssessor(client, DexAddresses.from_deployment(dn.deployment), RiskConfig(), block_time_s=2)


def _liquidity(factors: tuple[Factor, ...]) -> Factor:
    return next(f for f in factors if f.name == "liquidity")


async def test_a_v3_only_pool_counts_with_its_depth(chain: Devnet, client: RpcClient) -> None:
    spec = TokenSpec("Deep", "DEEPV3", 10**6 * ETH, 400_000 * ETH, 20 * ETH, v2=False, v3=True)
    (tok,) = await _launch(chain, spec)
    assessor = _assessor(client, chain)
    block = await client.block_number()
    facts = await assessor.facts(tok.address, block, policy(5).max_slippage_bps)
    assert facts.pair is None
    (venue,) = facts.venues
    assert (venue.pool, venue.dex, venue.fee, venue.impact_bps) == (tok.v3_pool, "uniswap_v3", 3000, 150)
    assert facts.venue == venue
    # the full-range pool holds 20 WETH and is as deep as a 20 WETH pair (to 0.01 %)
    assert abs(facts.weth_reserve - 20 * ETH) * 10_000 < 20 * ETH
    a = await assessor.assess(tok.address, policy=policy(5), size_wei=ETH // 2, block=block, facts=facts)
    liq = _liquidity(a.factors)
    assert not liq.hard_block
    assert liq.value == "19.9999 WETH"  # truncated, never rounded up
    assert "depth of the V3 0.3% pool within 1.5% price impact" in liq.note


async def test_a_narrow_v3_band_is_judged_by_the_weth_it_holds_not_its_virtual_reserve(
    chain: Devnet, client: RpcClient
) -> None:
    tok = await thin_v3_pool(chain, "NARROW")  # 1 WETH in a ± 6 % band
    assert tok.v3_pool is not None
    block = await client.block_number()
    slot0, liq = await read_pool(client, tok.v3_pool, block)
    first = tok.address.lower() < chain.deployment.weth.lower()
    _, virtual = price_and_liquidity(
        V3State(tok.v3_pool, slot0.sqrt_price_x96, slot0.tick, liq, block), token_is_token0=first, decimals=18
    )
    p = policy(5)  # minimum 5 WETH
    assert virtual > int(p.min_liquidity_eth) * ETH  # what the old measure saw: plenty
    a = await _assessor(client, chain).assess(tok.address, policy=p, size_wei=ETH // 2, block=block)
    f = _liquidity(a.factors)
    assert f.hard_block
    assert a.verdict == "blocked"
    assert f.value == "1.0000 WETH"
    assert "below this level's minimum 5.0000 WETH (depth of the V3 0.3% pool" in f.note


async def test_a_token_on_both_dexes_is_judged_by_its_deepest_pool(chain: Devnet, client: RpcClient) -> None:
    spec = TokenSpec("Both", "BOTH", 10**6 * ETH, 400_000 * ETH, 20 * ETH, v2=True, v3=True)
    (tok,) = await _launch(chain, spec)
    block = await client.block_number()
    facts = await _assessor(client, chain).facts(tok.address, block, 150)
    assert {(v.dex, v.pool) for v in facts.venues} == {
        ("uniswap_v2", tok.v2_pair),
        ("uniswap_v3", tok.v3_pool),
    }
    # the round trip runs on the pair (the only pool where a fee-on-transfer token can be sold)
    assert facts.venue is not None
    assert (facts.venue.dex, facts.pair) == ("uniswap_v2", tok.v2_pair)
    assert facts.weth_reserve == max(v.liquidity_wei for v in facts.venues)
    assert facts.weth_reserve == 20 * ETH  # the pair's reserve is exact; the V3 depth a hair below


def _v3_only(kind: str, **kw: int) -> TokenSpec:
    return TokenSpec(
        f"V3 {kind}", f"V3{kind.upper()[:4]}", 10**6 * ETH, 400_000 * ETH, 20 * ETH,
        kind=kind, v2=False, v3=True, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_v3_only_tokens_are_judged_by_a_round_trip_on_their_pool(
    chain: Devnet, client: RpcClient
) -> None:
    plain, honey, black, taxed = await _launch(
        chain, _v3_only("plain"), _v3_only("honeypot"), _v3_only("blacklist"),
        _v3_only("tax", buy_tax_bps=300, sell_tax_bps=500),
    )  # fmt: skip
    assessor = _assessor(client, chain)
    block = await client.block_number()

    async def assess(tok: DevToken) -> Assessment:
        return await assessor.assess(tok.address, policy=policy(5), size_wei=ETH // 2, block=block)

    ok = await assess(plain)
    assert (ok.verdict, ok.buy_tax_bps, ok.sell_tax_bps, ok.inconclusive) == ("ok", 0, 0, None), ok.to_json()
    rt = next(f for f in ok.factors if f.name == "round_trip")
    assert rt.note == "the simulated round trip works"

    hp = await assess(honey)
    assert (hp.verdict, hp.score) == ("blocked", 100)
    assert hp.blockers[0].note == "sell reverted: 'HP: trading not enabled' — a honeypot"

    bl = await assess(black)
    assert bl.verdict == "blocked"
    assert "'BL: blacklisted' (blacklist or block)" in bl.blockers[0].note

    tx = await assess(taxed)
    assert (tx.verdict, tx.buy_tax_bps) == ("blocked", 300)
    assert "a fee-on-transfer token cannot be sold there" in tx.blockers[0].note
