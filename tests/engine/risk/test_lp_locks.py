"""Who can pull a token's liquidity: its LP burned, locked in a time-lock contract, or kept by the deployer
— three launches on the devnet, three different answers in the flags and the lp_locked factor."""

from __future__ import annotations

from dexbot.chain.contracts import load_own
from dexbot.chain.devnet import Devnet, DevToken, calldata
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import DEAD, token_balance
from dexbot.engine.risk.score import Assessment

from .test_risk_assessor import _assess, _launch, spec

YEAR_S = 365 * 86_400
PAIR = calldata.uniswap("UniswapV2Pair")


async def _lp_of(client: RpcClient, token: DevToken) -> int:
    assert token.v2_pair is not None
    return await token_balance(client, token.v2_pair, token.owner, "latest")


def _lp_view(a: Assessment) -> tuple[dict[str, tuple[bool | None, str]], tuple[str, int, str]]:
    flags = {f.name: (f.value, f.detail) for f in a.flags if f.name.startswith("lp_")}
    (factor,) = [f for f in a.factors if f.name == "lp_locked"]
    return flags, (factor.value, factor.risk, factor.note)


async def test_lp_sent_to_the_dead_address_is_burned_and_nobody_can_pull_it(
    chain: Devnet, client: RpcClient
) -> None:
    (token,) = await _launch(chain, spec("plain"))
    assert token.v2_pair is not None
    async with DevRpc(chain.rpc_url) as rpc:
        batch = TxBatch(token.owner, await pending_nonce(rpc, token.owner))
        batch.send("burn LP", token.v2_pair, PAIR.call("transfer", DEAD, await _lp_of(client, token)))
        await batch.execute(rpc, mine=False)

    flags, factor = _lp_view(await _assess(client, chain, token))

    assert flags == {
        "lp_burned": (True, "99.99% of LP burned"),
        "lp_locked": (False, "no LP held by a time-locked contract"),
        "lp_owner_share": (False, "owner holds 0% of LP"),
        "lp_holder_concentration": (False, "no holder can pull any LP"),
    }
    assert factor == ("99.99% burned, 0% locked, top holder 0%", 0, "LP 99.99% burned")


async def test_lp_in_a_locker_is_locked_until_its_unlock_time(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("plain"))
    assert token.v2_pair is not None
    lp = await _lp_of(client, token)
    async with DevRpc(chain.rpc_url) as rpc:
        now = int((await rpc.call("eth_getBlockByNumber", "latest", False))["timestamp"], 16)
        until = now + YEAR_S
        batch = TxBatch(token.owner, await pending_nonce(rpc, token.owner))
        locker = batch.deploy("deploy the locker", load_own("LpLocker").bytecode)
        batch.send("approve LP", token.v2_pair, PAIR.call("approve", locker, lp))
        codec = calldata.own("LpLocker")
        batch.send("lock LP", locker, codec.call("lock", token.v2_pair, lp, until))
        await batch.execute(rpc, mine=False)

    a = await _assess(client, chain, token)

    block = await client.request("eth_getBlockByNumber", [hex(a.block_number), False])
    left = until - int(block["timestamp"], 16)
    assert 0 < left <= YEAR_S
    locked = f"99.99% locked in {locker} until time {until} (in {left} s)"
    flags, factor = _lp_view(a)
    assert flags == {
        "lp_burned": (False, "0% of LP burned"),
        "lp_locked": (True, locked),
        "lp_owner_share": (False, "owner holds 0% of LP"),
        "lp_holder_concentration": (False, "no holder can pull any LP"),
    }
    assert factor == ("0% burned, 99.99% locked, top holder 0%", 0, f"LP 0% burned; {locked}")


async def test_lp_kept_by_the_deployer_can_be_pulled_at_any_moment(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("plain"))

    flags, factor = _lp_view(await _assess(client, chain, token))

    assert flags == {
        "lp_burned": (False, "0% of LP burned"),
        "lp_locked": (False, "no LP held by a time-locked contract"),
        "lp_owner_share": (True, "owner holds 99.99% of LP"),
        "lp_holder_concentration": (True, f"{token.owner} can pull 99.99% of LP"),
    }
    assert factor == (
        "0% burned, 0% locked, top holder 99.99%",
        100,
        "LP 0% burned; the owner holds 99.99% of LP unlocked and can pull the liquidity",
    )
