"""Executing a planned rug with the launcher's (owner's) own transactions.

- ``pull``: the owner removes all its liquidity: its V2 LP tokens through Router02 and its V3 position
  through the position manager. Router02's ``removeLiquidityETH`` routes the tokens through the router,
  which a fee-on-transfer or reflection token taxes (so its ``SupportingFeeOnTransferTokens`` variant is
  used) and a max-tx or max-wallet token refuses (so that one is removed with ``removeLiquidity``, straight
  to the owner, as WETH).
- ``mint_dump``: the owner mints many times the pool's reserve and sells it all for WETH.
- ``tax_raise``: the sell tax jumps (e.g. to 90 %); holders can still sell, for almost nothing.
- ``pause``: all trading stops; every holder is stuck.
"""

from __future__ import annotations

from dexbot.chain.devnet import calldata
from dexbot.chain.devnet.deployment import Deployment
from dexbot.chain.devnet.launch import TAXED_KINDS
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.core.errors import DevnetError

from .actions import Rug
from .launches import LaunchedToken
from .pools import balance_call, decode_uint, eth_call, read
from .receipts import Receipt, ReceiptWatcher, execute_batch
from .traders import DEADLINE, MAX_UINT256

MAX_UINT128 = 2**128 - 1
REMOVE_GAS = 600_000


async def execute_rug(
    watcher: ReceiptWatcher, dep: Deployment, launched: LaunchedToken, rug: Rug, timeout_s: float
) -> list[Receipt]:
    token = launched.token
    owner = token.owner
    batch = TxBatch(owner, await pending_nonce(watcher.rpc, owner))
    if rug.kind == "pull":
        await _add_pull(batch, watcher, dep, launched)
    elif rug.kind == "mint_dump":
        await _add_mint_dump(batch, watcher, dep, launched, rug.dump_multiple)
    elif rug.kind == "tax_raise":
        batch.send(
            f"{token.symbol}.setTaxes",
            token.address,
            _token(token.kind).call("setTaxes", 0, rug.sell_tax_bps),
        )
    else:
        batch.send(f"{token.symbol}.pause", token.address, _token(token.kind).call("pause"))
    return await execute_batch(watcher, batch, timeout_s)


def _token(kind: str) -> calldata.Codec:
    names = {"tax": "TaxToken", "pausable": "PausableToken", "mint_rug": "MintableRugToken"}
    if kind not in names:
        raise DevnetError(f"a {kind} token has no owner function for this rug")
    return calldata.own(names[kind])


async def _add_pull(
    batch: TxBatch, watcher: ReceiptWatcher, dep: Deployment, launched: LaunchedToken
) -> None:
    token, owner = launched.token, launched.token.owner
    router = calldata.uniswap("UniswapV2Router02")
    if token.v2_pair is not None:
        lp = decode_uint(await read(watcher.rpc, balance_call(token.v2_pair, owner)))
        if lp > 0:
            pair = calldata.uniswap("UniswapV2Pair")
            batch.send(f"{token.symbol} LP approve", token.v2_pair, pair.call("approve", dep.v2_router, lp))
            args: tuple[str, ...] = (token.address,)
            if token.kind in (*TAXED_KINDS, "reflection"):
                name = "removeLiquidityETHSupportingFeeOnTransferTokens"
            elif token.kind in ("limits", "legacy_max_wallet"):  # the router may not hold that much
                name, args = "removeLiquidity", (token.address, dep.weth)
            else:
                name = "removeLiquidityETH"
            data = router.call(name, *args, lp, 0, 0, owner, DEADLINE)
            batch.send(f"{token.symbol} V2 {name}", dep.v2_router, data, gas=REMOVE_GAS)
    if launched.position_id is not None:
        npm = calldata.uniswap("NonfungiblePositionManager")
        position = eth_call(dep.v3_position_manager, npm.call("positions", launched.position_id))
        raw = await read(watcher.rpc, position)
        liquidity = int(npm.decode("positions", 1, bytes.fromhex(str(raw)[2:]))[7])
        if liquidity > 0:
            pid = launched.position_id
            decrease = npm.call("decreaseLiquidity", (pid, liquidity, 0, 0, DEADLINE))
            batch.send(
                f"{token.symbol} V3 decreaseLiquidity", dep.v3_position_manager, decrease, gas=REMOVE_GAS
            )
            collect = npm.call("collect", (pid, owner, MAX_UINT128, MAX_UINT128))
            batch.send(f"{token.symbol} V3 collect", dep.v3_position_manager, collect, gas=REMOVE_GAS)
    if not batch.txs:
        raise DevnetError(f"{token.symbol}: the owner has no liquidity left to pull")


async def _add_mint_dump(
    batch: TxBatch, watcher: ReceiptWatcher, dep: Deployment, launched: LaunchedToken, multiple: int
) -> None:
    token, owner = launched.token, launched.token.owner
    if token.v2_pair is None:
        raise DevnetError(f"{token.symbol}: no V2 pair to dump into")
    reserve = decode_uint(await read(watcher.rpc, balance_call(token.address, token.v2_pair)))
    amount = max(1, reserve) * multiple
    codec = _token(token.kind)
    batch.send(f"{token.symbol}.mint", token.address, codec.call("mint", owner, amount))
    batch.send(f"{token.symbol}.approve", token.address, codec.call("approve", dep.v2_router, MAX_UINT256))
    sell = calldata.uniswap("UniswapV2Router02").call(
        "swapExactTokensForETH", amount, 0, [token.address, dep.weth], owner, DEADLINE
    )
    batch.send(f"{token.symbol} dump", dep.v2_router, sell, gas=REMOVE_GAS)
