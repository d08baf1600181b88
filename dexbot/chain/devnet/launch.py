"""Launching a token the way real launches happen: deploy, open WETH pools on V2 and V3, add liquidity
through the official routers, then switch on the token's hazard (taxes, limits).

Used for the seeded tokens at start-up, for the stablecoin, by the tests (a fresh hostile token per
test) and by the market simulator for periodic launches. Everything is appended to a ``TxBatch`` so a
launch costs one round trip however many steps it has.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.core.errors import DevnetError

from . import calldata
from .addresses import sort_tokens, v2_pair_address, v3_pool_address
from .deployment import Deployment, DevToken, TokenKind
from .jsonrpc import DevRpc
from .pricing import full_range_ticks, sqrt_price_x96
from .txbatch import TxBatch, pending_nonce

MAX_UINT256 = 2**256 - 1
DEADLINE = 2**64 - 1
DEFAULT_V3_FEE = 3000
CONTRACT_OF_KIND: dict[TokenKind, str] = {
    "plain": "PlainToken",
    "tax": "TaxToken",
    "honeypot": "HoneypotToken",
    "blacklist": "BlacklistToken",
    "limits": "LimitsToken",
    "pausable": "PausableToken",
    "mint_rug": "MintableRugToken",
    "swapback": "SwapBackToken",
    "transfer_delay": "TransferDelayToken",
    "max_tx_percent": "MaxTxPercentToken",
    "fee_setter": "FeeSetterToken",
    "bot_list": "BotListToken",
    "upgradeable": "UpgradeableToken",
    "hook": "HookToken",
    "gas_burner": "GasBurnerToken",
    "fuzz": "FuzzToken",
    "legacy_max_wallet": "LegacyMaxWalletToken",
    "reflection": "ReflectionToken",
}
# Proxies: the contract deployed answers its implementation's functions as well.
IMPLEMENTATION_OF_KIND: dict[TokenKind, str] = {"upgradeable": "UpgradeableTokenLogic"}
TAXED_KINDS: tuple[TokenKind, ...] = ("tax", "swapback")  # both have setTaxes(buyBps, sellBps)


@dataclass(frozen=True)
class TokenSpec:
    """A token to launch. Liquidity amounts are per pool (raw token units and wei), and set its price."""

    name: str
    symbol: str
    supply: int
    token_liquidity: int
    weth_liquidity: int
    kind: TokenKind = "plain"
    decimals: int = 18
    v2: bool = True
    v3: bool = True
    v3_fee: int = DEFAULT_V3_FEE
    buy_tax_bps: int = 0
    sell_tax_bps: int = 0
    max_tx: int = 0
    max_wallet: int = 0
    swap_back_at: int = 0  # swapback: the fee balance that triggers the token's own sale (0: never)

    def __post_init__(self) -> None:
        pools = int(self.v2) + int(self.v3)
        if self.token_liquidity * pools > self.supply:
            raise DevnetError(
                f"token {self.symbol}: liquidity {self.token_liquidity} x {pools} exceeds supply"
            )
        if pools and (self.token_liquidity <= 0 or self.weth_liquidity <= 0):
            raise DevnetError(f"token {self.symbol}: pool liquidity must be positive")


def token_calls(kind: TokenKind) -> calldata.Codec:
    """Calldata for a token of ``kind``: its contract's functions (and its implementation's, for a proxy)."""
    return calldata.own(CONTRACT_OF_KIND[kind], IMPLEMENTATION_OF_KIND.get(kind))


def add_launch(batch: TxBatch, dep: Deployment, spec: TokenSpec) -> DevToken:
    """Append the transactions launching ``spec`` (owner: the batch's sender); returns the token-to-be."""
    token_codec = token_calls(spec.kind)
    weth = calldata.uniswap("WETH9")
    sym = spec.symbol
    token = batch.deploy(
        f"deploy {sym}",
        token_codec.deploy(spec.name, sym, spec.decimals, spec.supply),
        gas=3_000_000,
    )
    pair = v2_pair_address(dep.v2_factory, token, dep.weth) if spec.v2 else None
    pool = v3_pool_address(dep.v3_factory, token, dep.weth, spec.v3_fee) if spec.v3 else None
    for amm in (pair, pool):
        if amm is not None and spec.kind != "plain":
            batch.send(f"{sym}.setPair", token, token_codec.call("setPair", amm, True))
    if spec.v2:
        batch.send(
            f"{sym}.approve(v2 router)", token, token_codec.call("approve", dep.v2_router, MAX_UINT256)
        )
        add = calldata.uniswap("UniswapV2Router02").call(
            "addLiquidityETH", token, spec.token_liquidity, spec.token_liquidity, spec.weth_liquidity,
            batch.sender, DEADLINE,
        )  # fmt: skip
        batch.send(f"{sym} V2 addLiquidityETH", dep.v2_router, add, value=spec.weth_liquidity, gas=4_000_000)
    if spec.v3:
        npm = calldata.uniswap("NonfungiblePositionManager")
        batch.send(
            f"{sym} WETH deposit", dep.weth, weth.call("deposit"), value=spec.weth_liquidity, gas=100_000
        )
        batch.send(
            f"{sym} WETH approve", dep.weth, weth.call("approve", dep.v3_position_manager, MAX_UINT256)
        )
        batch.send(
            f"{sym}.approve(npm)", token, token_codec.call("approve", dep.v3_position_manager, MAX_UINT256)
        )
        t0, t1 = sort_tokens(token, dep.weth)
        a0, a1 = (
            (spec.token_liquidity, spec.weth_liquidity)
            if t0 == token
            else (spec.weth_liquidity, spec.token_liquidity)
        )
        create = npm.call("createAndInitializePoolIfNecessary", t0, t1, spec.v3_fee, sqrt_price_x96(a0, a1))
        batch.send(f"{sym} V3 create pool", dep.v3_position_manager, create, gas=6_000_000)
        lower, upper = full_range_ticks(spec.v3_fee)
        params = (t0, t1, spec.v3_fee, lower, upper, a0, a1, 0, 0, batch.sender, DEADLINE)
        batch.send(f"{sym} V3 mint", dep.v3_position_manager, npm.call("mint", params), gas=1_000_000)
    if spec.kind in TAXED_KINDS and (spec.buy_tax_bps or spec.sell_tax_bps):
        batch.send(
            f"{sym}.setTaxes", token, token_codec.call("setTaxes", spec.buy_tax_bps, spec.sell_tax_bps)
        )
    if spec.kind == "swapback" and spec.swap_back_at:
        batch.send(
            f"{sym}.setSwapBack", token, token_codec.call("setSwapBack", dep.v2_router, spec.swap_back_at)
        )
    if spec.kind == "limits" and (spec.max_tx or spec.max_wallet):
        batch.send(f"{sym}.setLimits", token, token_codec.call("setLimits", spec.max_tx, spec.max_wallet))
    return DevToken(
        address=token,
        symbol=sym,
        name=spec.name,
        decimals=spec.decimals,
        kind=spec.kind,
        owner=batch.sender,
        v2_pair=pair,
        v3_pool=pool,
        v3_fee=spec.v3_fee if spec.v3 else None,
    )


async def launch_tokens(
    rpc: DevRpc, dep: Deployment, specs: list[TokenSpec], *, owner: str | None = None, mine: bool = False
) -> list[DevToken]:
    """Launch ``specs`` from ``owner`` (an unlocked account; default the deployer) on a running devnet.

    ``mine=True`` forces a block with ``evm_mine``; leave it False when the node automines or mines on
    an interval, and this waits until every transaction is included.
    """
    sender = owner or dep.deployer
    batch = TxBatch(sender, await pending_nonce(rpc, sender))
    tokens = [add_launch(batch, dep, spec) for spec in specs]
    await batch.execute(rpc, mine=mine)
    return tokens
