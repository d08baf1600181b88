"""Shared by the engine tests on the devnet (imported as ``from .engine_harness import ...``; the running
``engine`` fixture is in conftest.py): launching tokens in one block, their specs, the router calls a
test sends, and reading the thought log."""

from __future__ import annotations

from collections.abc import Callable

import waits

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.engine.engine import EngineService
from dexbot.store import repo

ETH = 10**18
DEADLINE = 2**40
BUY = "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)"
SELL = "swapExactTokensForETHSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)"
REMOVE = "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)"


async def launch(dn: Devnet, *specs: TokenSpec) -> list[DevToken]:
    """Launch in ONE block, so the engine never sees a half-configured token (taxes set a block later)."""
    async with DevRpc(dn.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            return await launch_tokens(rpc, dn.deployment, list(specs), mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)


def spec(symbol: str, kind: str = "plain", **kw: int) -> TokenSpec:
    """A V2-only token with 400k of its 1M supply against 20 WETH."""
    return TokenSpec(
        f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False, **kw
    )  # type: ignore[arg-type]


def thoughts(svc: EngineService, decision: str, symbol: str) -> list[str]:
    """The reasoning of the engine's thoughts with this decision about ``symbol``, newest first."""
    return [
        t.reasoning
        for t in repo.list_thoughts(svc.db, limit=500)
        if t.decision == decision and t.symbol == symbol
    ]


def debug(svc: EngineService) -> Callable[[], str]:
    """What the engine thought and where it is, for a failure message."""
    return lambda: (
        "\n".join(f"{t.decision} {t.symbol}: {t.reasoning}" for t in repo.list_thoughts(svc.db))
        + f"\nstate={svc.state} block={svc.block} pools={len(svc.trader.view.pools)}"
    )


async def until(svc: EngineService, cond: Callable[[], object], what: str = "the awaited outcome") -> None:
    """Wait until ``cond()`` holds, looked at after each block the engine handles."""
    await waits.until_block(svc, cond, what, debug(svc))


async def mine_until(
    svc: EngineService, cond: Callable[[], object], what: str = "the exit", blocks: int = 60
) -> None:
    """Mine blocks one at a time (the session devnet mines on demand), each handled, until ``cond()``."""
    await waits.mine_until(svc, cond, what, blocks, detail=debug(svc))


async def head_processed(svc: EngineService) -> int:
    """Wait until the engine has handled the chain's head: see ``waits.head_processed``."""
    return await waits.head_processed(svc, debug(svc))
