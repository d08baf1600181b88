"""Where the DEX contracts come from: a known chain's table or the devnet's deployment."""

from __future__ import annotations

from decimal import Decimal

from dexbot.chain.abi import ZERO_ADDRESS
from dexbot.chain.chains import BASE, BASE_SEPOLIA, ETHEREUM
from dexbot.chain.devnet import Devnet
from dexbot.chain.dex import MULTICALL3, DexAddresses, Quote
from dexbot.chain.dex.uniswap_v2.pair import predicted_pair


def test_known_chains_fill_what_they_have_and_zero_the_rest() -> None:
    base = DexAddresses.from_chain(BASE)
    assert (base.weth, base.v3_quoter, base.v3_router_kind) == (BASE.weth, BASE.v3_quoter, "swap_router02")
    assert base.has_v2
    assert base.has_v3
    sepolia = DexAddresses.from_chain(BASE_SEPOLIA)
    assert sepolia.v2_factory == ZERO_ADDRESS
    assert not sepolia.has_v2
    assert sepolia.has_v3
    assert DexAddresses.from_chain(ETHEREUM).v3_router_kind == "swap_router"
    assert base.multicall3 == MULTICALL3


def test_the_devnet_deployment_maps_field_by_field(devnet: Devnet) -> None:
    dep = devnet.deployment
    addrs = DexAddresses.from_deployment(dep)
    assert addrs == DexAddresses(
        dep.weth,
        dep.v2_factory,
        dep.v2_router,
        dep.v3_factory,
        dep.v3_quoter,
        dep.v3_swap_router,
        dep.multicall3,
    )
    assert addrs.v3_router_kind == "swap_router"


def test_a_quote_describes_its_route() -> None:
    a, w, b = "0xA", "0xW", "0xB"
    two_hop = Quote("uniswap_v3", (a, w, b), ("p1", "p2"), (500, 3000), 1, 2, Decimal("1.5"), 1, 1)
    assert two_hop.hops == 2
    assert two_hop.describe() == "uniswap_v3 0.05 %/0.3 % via 0xW"
    assert (
        Quote("uniswap_v2", (a, b), ("p",), (3000,), 1, 2, Decimal(0), 1, 1).describe() == "uniswap_v2 0.3 %"
    )


def test_the_predicted_v2_pair_is_where_the_factory_put_it(devnet: Devnet) -> None:
    # Ethereum mainnet's USDC/WETH pair, either token order
    factory, usdc, weth = ETHEREUM.v2_factory, ETHEREUM.usdc, ETHEREUM.weth
    assert predicted_pair(factory, usdc, weth) == "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"
    assert predicted_pair(factory, weth, usdc) == "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"
    dep = devnet.deployment
    pairs = [t.v2_pair for t in dep.tokens if t.v2_pair]
    assert pairs
    assert [predicted_pair(dep.v2_factory, t.address, dep.weth) for t in dep.tokens if t.v2_pair] == pairs
