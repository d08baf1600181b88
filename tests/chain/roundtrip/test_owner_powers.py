"""Owner powers proven live: the rug call succeeds from the owner and reverts from a stranger (nothing
sent), and the round trip simulated after it says what the rug would do. One test per power."""

from __future__ import annotations

import pytest

from dexbot.chain.bytecode import owner_privileges
from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.owner_powers import (
    OwnerPower,
    first_minted_to,
    prove_powers,
    rug_call,
    rug_effect,
    rug_of,
)
from dexbot.chain.rpc import RpcClient

from .conftest import Launcher, OwnerCall, Simulate

pytestmark = pytest.mark.chain
BUY = 10**16


async def powers(client: RpcClient, token: DevToken) -> dict[str, OwnerPower]:
    block = await client.block_number()
    priv = await owner_privileges(client, token.address, block)
    creator = await first_minted_to(client, token.address, 0, block)
    found = await prove_powers(
        client,
        token.address,
        priv.all_selectors,
        owner=priv.owner,
        admin=priv.proxy_admin,
        creator=creator,
        code=priv.proxy_impl or token.address,
        block=block,
    )
    return {p.signature: p for p in found}


async def effect(simulate: Simulate, token: DevToken, power: OwnerPower) -> str:
    assert power.caller is not None
    rug = rug_of(power)
    rt = await simulate(
        token, buy_wei=BUY, prelude=[rug_call(rug, token.address, power.caller, token.address)]
    )
    return rug_effect(rt, rug)


async def test_max_tx_percent_to_zero_is_proven_and_freezes_every_buy(
    client: RpcClient, launch: Launcher, simulate: Simulate
) -> None:
    token = await launch("max_tx_percent")

    power = (await powers(client, token))["setMaxTxPercent(uint256)"]

    assert (power.status, power.caller, power.hidden) == ("proven", token.owner, False)
    said = await effect(simulate, token, power)
    assert said == "every buy reverts ('Transfer amount exceeds the maxTxAmount.')"
    assert power.describe() == "the owner can set the max transaction to 0 (proven)"


async def test_the_four_argument_fee_setter_rug_makes_every_sell_revert(
    client: RpcClient, launch: Launcher, simulate: Simulate
) -> None:
    token = await launch("fee_setter")

    found = await powers(client, token)
    power = found["setFee(uint256,uint256,uint256,uint256)"]

    assert (power.status, power.caller) == ("proven", token.owner)
    assert await effect(simulate, token, power) == (
        "every sell reverts ('panic 0x11: arithmetic overflow/underflow')"
    )
    personal = found["setPersonalFee(address,uint256)"]
    assert personal.status == "proven"
    assert await effect(simulate, token, personal) == "the chosen holder's buy loses 100 % to tax"


async def test_a_bot_list_filled_by_block_bots_stops_the_chosen_holder(
    client: RpcClient, launch: Launcher, simulate: Simulate
) -> None:
    token = await launch("bot_list")

    power = (await powers(client, token))["blockBots(address[])"]

    assert (power.status, power.category) == ("proven", "blacklist")
    assert await effect(simulate, token, power) == (
        "the chosen holder's buy reverts ('TOKEN: Your account is blacklisted!')"
    )


async def test_a_capped_tax_setter_still_takes_the_whole_sell(
    client: RpcClient, launch: Launcher, simulate: Simulate
) -> None:
    token = await launch("tax")

    power = (await powers(client, token))["setTaxes(uint16,uint16)"]

    assert power.status == "proven"
    assert await effect(simulate, token, power) == (
        "every sell reverts ('UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT')"
    )


async def test_pause_is_proven_and_stops_every_buy(
    client: RpcClient, launch: Launcher, simulate: Simulate
) -> None:
    token = await launch("pausable")

    power = (await powers(client, token))["pause()"]

    assert power.status == "proven"
    assert (await effect(simulate, token, power)).startswith("every buy reverts")


async def test_ownership_locked_safemoon_style_is_a_hidden_owner_the_creator_can_reclaim(
    client: RpcClient, launch: Launcher, owner_call: OwnerCall
) -> None:
    token = await launch("max_tx_percent")
    await owner_call(token, "lock", 0)

    found = await powers(client, token)

    assert (await owner_privileges(client, token.address)).owner is None
    unlock = found["unlock()"]
    assert (unlock.status, unlock.caller, unlock.hidden) == ("proven", token.owner, True)
    assert unlock.describe() == "the creator can take ownership back (unlock) (proven)"
    # while locked, the owner-only setter is refused to the creator too: only unlock is the hidden door
    assert found["setMaxTxPercent(uint256)"].status == "selector only"


async def test_really_renounced_ownership_proves_nothing(
    client: RpcClient, launch: Launcher, owner_call: OwnerCall
) -> None:
    token = await launch("max_tx_percent")
    await owner_call(token, "renounceOwnership")

    found = await powers(client, token)

    assert {s: p.status for s, p in found.items()} == {
        "setMaxTxPercent(uint256)": "selector only",
        "unlock()": "selector only",
        "transferOwnership(address)": "selector only",
    }
    assert found["unlock()"].detail == "reverts for its creator: You don't have permission to unlock"
    assert found["setMaxTxPercent(uint256)"].detail == (
        f"reverts for its creator: OwnableUnauthorizedAccount(account={token.owner})"
    )


async def test_an_upgradeable_proxy_admin_can_swap_the_code(
    chain: Devnet, client: RpcClient, launch: Launcher
) -> None:
    token = await launch("upgradeable")

    priv = await owner_privileges(client, token.address)
    power = (await powers(client, token))["upgradeTo(address)"]

    assert (priv.is_proxy, priv.proxy_kind, priv.proxy_admin) == (True, "EIP-1967", token.owner)
    assert (power.status, power.caller) == ("proven", token.owner)
