"""Deploying Uniswap V2 and V3, Multicall3, the stablecoin and the seeded tokens onto a fresh anvil.

Every contract comes from the official npm artifacts (our own only for the test tokens and Multicall3).
The deployer is anvil's first unlocked account, so no local signing; all addresses are computed up
front, the whole deployment goes out as one batch and is mined in one block, which is how a cold start
stays well under the 5 s goal.
"""

from __future__ import annotations

import dataclasses

from eth_utils import to_checksum_address

from dexbot.chain.contracts import load_own
from dexbot.core.errors import DevnetError

from . import calldata
from .addresses import MULTICALL3, ZERO_ADDRESS
from .deployment import Deployment
from .jsonrpc import DevRpc
from .launch import TokenSpec, add_launch
from .seed import seeded_specs, usdc_spec
from .txbatch import BATCH_BLOCK_GAS, NORMAL_BLOCK_GAS, TxBatch, pending_nonce

# The deployer funds every pool; give it far more than anvil's default 10 000 ETH.
DEPLOYER_BALANCE = 10**6 * 10**18


async def deploy_devnet(
    rpc: DevRpc,
    *,
    rpc_url: str,
    seed: int,
    token_count: int,
    extra_specs: list[TokenSpec] | None = None,
) -> Deployment:
    """Deploy everything and return the Deployment.

    The batch is mined here with ``evm_mine`` under a temporarily raised block gas limit, whatever
    mining mode the node is in: with interval mining alone, full blocks would push the base fee above
    the fee cap the node gave the later transactions and strand them in the pool.
    """
    chain_id, accounts = await rpc.batch([("eth_chainId", []), ("eth_accounts", [])])
    if not accounts:
        raise DevnetError("the devnet node has no unlocked accounts (is this anvil?)")
    deployer = _checksum(accounts[0])
    multicall_code = load_own("Multicall3").deployed_bytecode
    setup = [
        ("anvil_setBalance", [deployer, hex(DEPLOYER_BALANCE)]),
        ("anvil_setCode", [MULTICALL3, "0x" + multicall_code.hex()]),
        ("evm_setBlockGasLimit", [hex(BATCH_BLOCK_GAS)]),
    ]
    await rpc.batch(setup)

    batch = TxBatch(deployer, await pending_nonce(rpc, deployer))
    dep = _add_uniswap(batch, deployer, rpc_url=rpc_url, chain_id=int(chain_id, 16))
    usdc = add_launch(batch, dep, usdc_spec())
    dep = dataclasses.replace(
        dep, usdc=usdc.address, usdc_v2_pair=str(usdc.v2_pair), usdc_v3_pool=str(usdc.v3_pool)
    )
    specs = [*seeded_specs(seed, token_count), *(extra_specs or [])]
    dep = dep.with_tokens(*(add_launch(batch, dep, spec) for spec in specs))
    try:
        await batch.execute(rpc, mine=True)
    finally:
        await rpc.call("evm_setBlockGasLimit", hex(NORMAL_BLOCK_GAS))
    return dep


def _add_uniswap(batch: TxBatch, deployer: str, *, rpc_url: str, chain_id: int) -> Deployment:
    """WETH9, V2 factory + Router02, V3 factory + SwapRouter + QuoterV2 + NonfungiblePositionManager."""
    uni = calldata.uniswap
    weth = batch.deploy("deploy WETH9", uni("WETH9").deploy(), gas=1_500_000)
    v2_factory = batch.deploy(
        "deploy UniswapV2Factory", uni("UniswapV2Factory").deploy(deployer), gas=5_000_000
    )
    v2_router = batch.deploy("deploy UniswapV2Router02", uni("UniswapV2Router02").deploy(v2_factory, weth))
    v3_factory = batch.deploy("deploy UniswapV3Factory", uni("UniswapV3Factory").deploy())
    swap_router = batch.deploy("deploy SwapRouter", uni("SwapRouter").deploy(v3_factory, weth))
    quoter = batch.deploy("deploy QuoterV2", uni("QuoterV2").deploy(v3_factory, weth))
    npm = batch.deploy(
        "deploy NonfungiblePositionManager",
        uni("NonfungiblePositionManager").deploy(v3_factory, weth, ZERO_ADDRESS),
        gas=10_000_000,
    )
    return Deployment(
        chain_id=chain_id,
        rpc_url=rpc_url,
        deployer=deployer,
        weth=weth,
        usdc=ZERO_ADDRESS,
        usdc_v2_pair=ZERO_ADDRESS,
        usdc_v3_pool=ZERO_ADDRESS,
        v2_factory=v2_factory,
        v2_router=v2_router,
        v3_factory=v3_factory,
        v3_swap_router=swap_router,
        v3_quoter=quoter,
        v3_position_manager=npm,
        multicall3=MULTICALL3,
    )


def _checksum(address: str) -> str:
    return str(to_checksum_address(address))
