"""Every scanner flag answered from the chain, one test per flag, each on a token written to have it and
launched on the devnet the way its launcher would (a plain token answers every flag with a no)."""

from __future__ import annotations

from pathlib import Path

from eth_utils import to_checksum_address

from dexbot.chain.devnet import Devnet, DevToken, calldata
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.launch import token_calls
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.rpc import RpcClient
from dexbot.engine.risk.flags import FLAGS, Flag, readme_table

from .test_risk_assessor import ETH, _assess, _launch, spec


async def flags_of(chain: Devnet, client: RpcClient, token: DevToken) -> dict[str, Flag]:
    a = await _assess(client, chain, token)
    assert [f.name for f in a.flags] == list(FLAGS)
    return {f.name: f for f in a.flags}


async def owner_sends(chain: Devnet, token: DevToken, function: str, *args: object) -> None:
    async with DevRpc(chain.rpc_url) as rpc:
        batch = TxBatch(token.owner, await pending_nonce(rpc, token.owner))
        batch.send(function, token.address, token_calls(token.kind).call(function, *args))
        await batch.execute(rpc, mine=False)


async def test_a_plain_token_answers_every_flag(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("plain"))

    flags = await flags_of(chain, client, token)

    raised = {name for name, f in flags.items() if f.value}
    # the launcher keeps 60 % of supply and all of the LP: true of the token, and said
    assert raised == {
        "holder_concentration",
        "creator_share",
        "owner_share",
        "lp_owner_share",
        "lp_holder_concentration",
    }
    assert [name for name, f in flags.items() if f.value is None] == []
    assert flags["creator_share"].detail == f"{token.owner} holds 60%"
    assert flags["gas_abuse"].detail == "a wallet transfer used 26409 gas (plain ~30000)"
    assert flags["tax_modifiable"].how == "bytecode dispatcher"


async def test_max_tx_percent_setter_is_proven_modifiable_and_its_rug_freezes_buys(
    chain: Devnet, client: RpcClient
) -> None:
    (token,) = await _launch(chain, spec("max_tx_percent"))

    f = (await flags_of(chain, client, token))["limits_modifiable"]

    assert (f.value, f.factor) == (True, "owner_privileges")
    assert f.how.startswith("proven by eth_call")
    assert f.detail == (
        "the owner can set the max transaction to 0 (proven): "
        "every buy reverts ('Transfer amount exceeds the maxTxAmount.')"
    )


async def test_uncapped_fee_setter_is_tax_modifiable_with_the_sell_revert_rug(
    chain: Devnet, client: RpcClient
) -> None:
    (token,) = await _launch(chain, spec("fee_setter"))

    f = (await flags_of(chain, client, token))["tax_modifiable"]

    assert f.value is True
    assert f.detail == (
        "the owner can set the fees to (0,0,20,100) (proven): "
        "every sell reverts ('panic 0x11: arithmetic overflow/underflow')"
    )


async def test_personal_fee_setter_is_a_personal_tax(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("fee_setter"))

    f = (await flags_of(chain, client, token))["personal_tax"]

    assert f.value is True
    assert f.detail == (
        "the owner can put a 100 % fee on one holder (proven): the chosen holder's buy loses 100 % to tax"
    )


async def test_bot_list_is_a_proven_blacklist(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("bot_list"))

    f = (await flags_of(chain, client, token))["blacklist"]

    assert f.value is True
    assert f.detail.endswith("the chosen holder's buy reverts ('TOKEN: Your account is blacklisted!')")


async def test_whitelist_only_sellers_are_a_honeypot_with_a_whitelist(
    chain: Devnet, client: RpcClient
) -> None:
    (token,) = await _launch(chain, spec("honeypot"))

    flags = await flags_of(chain, client, token)

    assert (flags["honeypot"].value, flags["honeypot"].detail) == (True, "HP: trading not enabled")
    assert (flags["whitelist"].value, flags["whitelist"].detail) == (
        True,
        "the owner can choose who may trade (proven)",
    )
    # no sale at all, not a partial one: the transfer into the pair is refused as well
    assert flags["cannot_sell_all"].value is False


async def test_upgradeable_proxy_and_its_admin(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("upgradeable"))

    flags = await flags_of(chain, client, token)

    assert flags["proxy"].value is True
    assert flags["proxy"].detail.startswith("EIP-1967 proxy, implementation 0x")
    assert (flags["proxy_admin"].value, flags["proxy_admin"].detail) == (
        True,
        f"admin {token.owner} (upgradeTo proven)",
    )
    assert flags["external_call"].value is False  # its delegatecall to its own implementation is not one


async def test_a_hook_called_in_transfer_is_an_external_call(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("hook"))

    f = (await flags_of(chain, client, token))["external_call"]

    hook = to_checksum_address(
        calldata.own("HookToken").decode("hook", 0, await _read(client, token, "hook"))[0]
    )
    assert (f.value, f.detail, f.factor) == (True, hook, "code_hazards")


async def test_a_gas_burning_transfer_is_gas_abuse(chain: Devnet, client: RpcClient) -> None:
    (token,) = await _launch(chain, spec("gas_burner"))

    a = await _assess(client, chain, token)
    f = next(f for f in a.flags if f.name == "gas_abuse")

    assert (f.value, f.detail) == (True, "a wallet transfer used 173551 gas (plain ~30000)")
    code = next(x for x in a.factors if x.name == "code_hazards")
    assert (code.value, code.risk) == ("gas_abuse", 40)


async def test_safemoon_lock_is_a_hidden_owner_who_can_reclaim_ownership(
    chain: Devnet, client: RpcClient
) -> None:
    (token,) = await _launch(chain, spec("max_tx_percent"))
    await owner_sends(chain, token, "lock", 0)

    flags = await flags_of(chain, client, token)

    assert flags["hidden_owner"].value is True
    assert flags["ownership_reclaimable"].value is True
    assert flags["ownership_reclaimable"].detail == "the creator can take ownership back (unlock) (proven)"


async def test_pause_mint_and_cooldown_switches(chain: Devnet, client: RpcClient) -> None:
    pausable, mintable, delay = await _launch(
        chain, spec("pausable"), spec("mint_rug"), spec("transfer_delay")
    )

    assert (await flags_of(chain, client, pausable))["pausable"].value is True
    assert (await flags_of(chain, client, mintable))[
        "mintable"
    ].detail == "the owner can mint new tokens (proven)"
    cooldown = (await flags_of(chain, client, delay))["cooldown"]
    assert (cooldown.value, cooldown.how) == (True, "proven by eth_call: " + FLAGS["cooldown"][1])


async def test_taxes_and_a_max_tx_limit_are_measured(chain: Devnet, client: RpcClient) -> None:
    tax, limits = await _launch(
        chain,
        spec("tax", buy_tax_bps=300, sell_tax_bps=500),
        spec("limits", max_tx=1_000 * ETH),
    )

    t = await flags_of(chain, client, tax)
    lim = (await flags_of(chain, client, limits))["max_tx_or_wallet"]

    assert [(t[n].value, t[n].detail) for n in ("buy_tax", "sell_tax", "transfer_tax")] == [
        (True, "3%"),
        (True, "5%"),
        (False, "0%"),
    ]
    assert lim.value is True
    assert lim.detail.endswith("('LIM: max tx')")


async def _read(client: RpcClient, token: DevToken, function: str) -> bytes:
    data = token_calls(token.kind).call(function)
    raw = await client.request("eth_call", [{"to": token.address, "data": "0x" + data.hex()}, "latest"])
    return bytes.fromhex(raw[2:])


def test_the_readme_table_lists_every_flag_with_its_factor() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme
    factors = {factor for factor, _ in FLAGS.values()}
    assert factors == {
        "round_trip",
        "taxes",
        "limits",
        "owner_privileges",
        "code_hazards",
        "holder_concentration",
        "lp_locked",
    }
