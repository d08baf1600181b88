"""A held position's sale is priced once and its gas re-used at later blocks' fees (no pricing round trips
per position per block), priced again when the amount changes, when 10 blocks have passed and when a rule
is about to act (``exact``); a sale priced at a block costs what the pricer says for it there, to the wei."""

from __future__ import annotations

from dexbot.chain.devnet import Devnet
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.engine.api.intel import policy
from dexbot.engine.execution.pricing import SwapPricer
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market
from dexbot.engine.exits.sale_cost import REPRICE_EVERY_BLOCKS, SaleCosts
from dexbot.engine.tick import Tick

HELD = 5 * 10**21
PID = 7


def _plain_v2_market(chain: Devnet) -> tuple[Market, DexAddresses]:
    """A plain seeded token's V2 pair, and the devnet's DEX addresses."""
    dep = chain.deployment
    token = next(t for t in dep.tokens if t.kind == "plain" and t.v2_pair)
    assert token.v2_pair is not None
    return Market(token.address, token.v2_pair, "uniswap_v2", None), DexAddresses.from_deployment(dep)


async def test_a_positions_sale_is_priced_once_then_its_gas_reused_until_it_changes(
    chain: Devnet, client: RpcClient
) -> None:
    m, addrs = _plain_v2_market(chain)
    pol = policy(5)
    gas = GasOracle(client)
    pricer = SwapPricer(client, addrs, gas, lambda: pol)
    quotes = QuoteSource(client, addrs)
    costs = SaleCosts(pricer)

    async def at(block: int, amount: int = HELD, *, exact: bool = False) -> tuple[int, int]:
        """(what SaleCosts charges the sale at ``block``, the block its gas was last priced at)."""
        fee = (await gas.suggest(pol.gas_urgency, head=block)).expected_fee_per_gas
        p = await quotes.sell(m, amount, 0, block)
        tick = Tick(block, 0, fee, pol)
        return await costs.cost(PID, m, amount, p, tick, exact=exact), costs.priced[PID].block

    first = await client.block_number()
    p = await quotes.sell(m, HELD, 0, first)
    priced = await pricer.price("sell", m, HELD, p.net_out, p.gas_units, first, held=HELD)
    assert await at(first) == (priced.gas_cost, first)
    assert priced.gas_used > p.gas_units  # the approval and the router's work: more than the quote says

    await client.request("anvil_mine", [hex(REPRICE_EVERY_BLOCKS - 1)])
    later = first + REPRICE_EVERY_BLOCKS - 1
    fee = (await gas.suggest(pol.gas_urgency, head=later)).expected_fee_per_gas
    assert await at(later) == (priced.gas_used * fee, first)  # re-used at this block's fee
    assert (await at(later, exact=True))[1] == later  # a rule about to act: priced at this block
    await client.request("evm_mine", [])
    assert (await at(later + 1))[1] == later  # re-used
    assert (await at(later + 1, HELD // 2))[1] == later + 1  # a slice sold: the rest is priced afresh

    await client.request("anvil_mine", [hex(REPRICE_EVERY_BLOCKS - 1)])
    assert (await at(later + REPRICE_EVERY_BLOCKS, HELD // 2))[1] == later + 1  # 9 blocks old: re-used
    await client.request("evm_mine", [])
    old = later + 1 + REPRICE_EVERY_BLOCKS
    assert (await at(old, HELD // 2))[1] == old  # 10 blocks old: priced again
    costs.forget(PID)
    assert PID not in costs.priced


async def test_a_paper_sale_priced_again_finds_the_tokens_storage_slots_once(
    chain: Devnet, client: RpcClient
) -> None:
    """Pricing a paper sale hands the pricing account the position by overriding the token's balance and
    allowance slots, found by an access list and trial calls; the pricer keeps them, so the same sale
    priced again costs the same to the wei in fewer requests (no access list, no trial calls)."""
    m, addrs = _plain_v2_market(chain)
    pol = policy(5)
    pricer = SwapPricer(client, addrs, GasOracle(client), lambda: pol)
    block = await client.block_number()
    p = await QuoteSource(client, addrs).sell(m, HELD, 0, block)

    def sent() -> int:
        return sum(client.stats.by_key.values())

    before = sent()
    first = await pricer.price("sell", m, HELD, p.net_out, p.gas_units, block, held=HELD)
    first_requests = sent() - before
    assert len(pricer.slots) == 2  # balanceOf(account) and allowance(account, router)
    before = sent()
    again = await pricer.price("sell", m, HELD, p.net_out, p.gas_units, block, held=HELD)
    assert again == first
    # per slot an access list and two trial calls at least were left out
    assert sent() - before <= first_requests - 2 * 3, (first_requests, sent() - before)
