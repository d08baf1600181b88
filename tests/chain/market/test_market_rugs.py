"""Each rug the market can pull, executed on the session devnet against a fresh launch (rolled back).

A pull must work for every token kind (the fee-on-transfer and max-tx tokens need their own removal
path), and the other rugs must leave exactly the on-chain state a victim then meets.
"""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.contract import Contract

from dexbot.chain.contracts import load_own, load_uniswap
from dexbot.chain.devnet import Devnet, TokenSpec
from dexbot.chain.devnet.deployment import TOKEN_KINDS, TokenKind
from dexbot.chain.devnet.market import Rug, RugKind
from dexbot.chain.devnet.market.launches import LaunchedToken, execute_launch
from dexbot.chain.devnet.market.receipts import ReceiptWatcher
from dexbot.chain.devnet.market.rugs import execute_rug
from dexbot.core.errors import DevnetError

pytestmark = pytest.mark.chain

WEI = 10**18
SUPPLY = 10**9 * WEI
TOKEN_LIQUIDITY = 3 * 10**8 * WEI
WETH_LIQUIDITY = 10 * WEI
MINIMUM_LIQUIDITY = 1000
TIMEOUT_S = 30.0
UNISWAP = {"UniswapV2Pair", "UniswapV3Pool", "NonfungiblePositionManager"}


def contract(w3: Web3, name: str, address: str) -> Contract:
    artifact = load_uniswap(name) if name in UNISWAP else load_own(name)
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)


async def launch(chain: Devnet, watcher: ReceiptWatcher, kind: TokenKind) -> LaunchedToken:
    hazard = {"tax": {"buy_tax_bps": 300, "sell_tax_bps": 500}, "limits": {"max_tx": SUPPLY // 100}}
    spec = TokenSpec(
        name=f"Rug {kind}",
        symbol=f"RUG{kind.upper()[:4]}",
        kind=kind,
        supply=SUPPLY,
        token_liquidity=TOKEN_LIQUIDITY,
        weth_liquidity=WETH_LIQUIDITY,
        **hazard.get(kind, {}),  # type: ignore[arg-type]
    )
    return await execute_launch(watcher, chain.deployment, chain.accounts[6], spec, TIMEOUT_S)


def rug(launched: LaunchedToken, kind: RugKind, **extra: int) -> Rug:
    return Rug(at_s=0.0, launch=0, pool=f"{launched.token.symbol}/WETH", kind=kind, **extra)


def weth_reserve(w3: Web3, chain: Devnet, pair_address: str) -> int:
    pair = contract(w3, "UniswapV2Pair", pair_address)
    r0, r1, _ = pair.functions.getReserves().call()
    return int(r0 if pair.functions.token0().call() == chain.deployment.weth else r1)


@pytest.mark.parametrize("kind", TOKEN_KINDS)
async def test_pull_removes_all_of_the_owners_v2_and_v3_liquidity(
    chain: Devnet, w3: Web3, watcher: ReceiptWatcher, kind: TokenKind
) -> None:
    launched = await launch(chain, watcher, kind)
    token = launched.token
    assert token.v2_pair is not None
    assert token.v3_pool is not None
    assert launched.position_id is not None
    pair = contract(w3, "UniswapV2Pair", token.v2_pair)
    supply = pair.functions.totalSupply().call()
    weth_before = weth_reserve(w3, chain, token.v2_pair)

    receipts = await execute_rug(watcher, chain.deployment, launched, rug(launched, "pull"), TIMEOUT_S)

    assert all(int(r["status"], 16) == 1 for r in receipts)
    assert pair.functions.totalSupply().call() == MINIMUM_LIQUIDITY
    assert pair.functions.balanceOf(token.owner).call() == 0
    owner_share = (supply - MINIMUM_LIQUIDITY) * weth_before // supply
    assert weth_reserve(w3, chain, token.v2_pair) == weth_before - owner_share
    assert contract(w3, "UniswapV3Pool", token.v3_pool).functions.liquidity().call() == 0
    npm = contract(w3, "NonfungiblePositionManager", chain.deployment.v3_position_manager)
    assert npm.functions.ownerOf(launched.position_id).call() == token.owner
    assert npm.functions.positions(launched.position_id).call()[7] == 0


async def test_mint_dump_sells_freshly_minted_supply_into_the_pool(
    chain: Devnet, w3: Web3, watcher: ReceiptWatcher
) -> None:
    launched = await launch(chain, watcher, "mint_rug")
    token = launched.token
    assert token.v2_pair is not None
    erc20 = contract(w3, "MintableRugToken", token.address)
    token_reserve = erc20.functions.balanceOf(token.v2_pair).call()
    weth_before = weth_reserve(w3, chain, token.v2_pair)

    await execute_rug(
        watcher, chain.deployment, launched, rug(launched, "mint_dump", dump_multiple=20), TIMEOUT_S
    )

    dumped = 20 * token_reserve
    fee_in = dumped * 997
    paid = fee_in * weth_before // (token_reserve * 1000 + fee_in)
    assert weth_reserve(w3, chain, token.v2_pair) == weth_before - paid
    assert erc20.functions.totalSupply().call() == SUPPLY + dumped
    assert erc20.functions.balanceOf(token.v2_pair).call() == token_reserve + dumped


async def test_tax_raise_sets_the_planned_sell_tax(chain: Devnet, w3: Web3, watcher: ReceiptWatcher) -> None:
    launched = await launch(chain, watcher, "tax")
    taxed = contract(w3, "TaxToken", launched.token.address)
    assert taxed.functions.sellTaxBps().call() == 500

    await execute_rug(
        watcher, chain.deployment, launched, rug(launched, "tax_raise", sell_tax_bps=9000), TIMEOUT_S
    )

    assert taxed.functions.buyTaxBps().call() == 0
    assert taxed.functions.sellTaxBps().call() == 9000


async def test_pause_freezes_trading(chain: Devnet, w3: Web3, watcher: ReceiptWatcher) -> None:
    launched = await launch(chain, watcher, "pausable")
    pausable = contract(w3, "PausableToken", launched.token.address)
    assert pausable.functions.paused().call() is False

    await execute_rug(watcher, chain.deployment, launched, rug(launched, "pause"), TIMEOUT_S)

    assert pausable.functions.paused().call() is True


async def test_a_rug_the_token_cannot_do_is_refused_before_sending(
    chain: Devnet, watcher: ReceiptWatcher
) -> None:
    launched = await launch(chain, watcher, "plain")
    with pytest.raises(DevnetError, match="no owner function"):
        await execute_rug(watcher, chain.deployment, launched, rug(launched, "pause"), TIMEOUT_S)
