"""What a mined swap really did, read from its receipt: tokens that reached (or left) the wallet by their
Transfer logs, the ETH the router spent by WETH's Deposit log and paid out by its Withdrawal log, and
what the gas cost.

Logs, not quotes: a fee-on-transfer token's tax shows up as a second Transfer to someone else, so the
Transfer to us is the after-tax amount; the router wraps exactly the ETH the pool takes (a V3 pool
short of liquidity takes less than the exact input, and the rest is refunded), so its Deposit is the
ETH we spent; it unwraps exactly what it pays us, so its Withdrawal is the ETH we received.
"""

from __future__ import annotations

from typing import Any

from dexbot.chain.abi import address_word, topic

TRANSFER = topic("Transfer(address,address,uint256)")
WITHDRAWAL = topic("Withdrawal(address,uint256)")
DEPOSIT = topic("Deposit(address,uint256)")


def _word(address: str) -> str:
    return "0x" + address_word(address).hex()


def _logs(receipt: dict[str, Any], contract: str, topic0: str) -> list[dict[str, Any]]:
    return [
        log
        for log in receipt.get("logs", [])
        if str(log.get("address", "")).lower() == contract.lower()
        and log.get("topics")
        and str(log["topics"][0]).lower() == topic0
    ]


def _amount(log: dict[str, Any]) -> int:
    data = str(log.get("data", "0x"))
    return int(data, 16) if data not in ("0x", "") else 0


def token_flow(receipt: dict[str, Any], token: str, owner: str) -> tuple[int, int]:
    """(units of ``token`` transferred to ``owner``, units transferred from ``owner``) in this receipt."""
    me = _word(owner)
    received = sent = 0
    for log in _logs(receipt, token, TRANSFER):
        topics = [str(t).lower() for t in log["topics"]]
        if len(topics) != 3:
            continue  # not an ERC20 Transfer (ERC721's has the id indexed too)
        if topics[2] == me:
            received += _amount(log)
        if topics[1] == me:
            sent += _amount(log)
    return received, sent


def _weth_moved(receipt: dict[str, Any], weth: str, topic0: str, by: str) -> int:
    who = _word(by)
    return sum(
        _amount(log)
        for log in _logs(receipt, weth, topic0)
        if len(log["topics"]) >= 2 and str(log["topics"][1]).lower() == who
    )


def weth_unwrapped(receipt: dict[str, Any], weth: str, by: str) -> int:
    """WETH that ``by`` (the router) unwrapped in this receipt: the ETH it then paid to the recipient."""
    return _weth_moved(receipt, weth, WITHDRAWAL, by)


def weth_wrapped(receipt: dict[str, Any], weth: str, by: str) -> int:
    """ETH that ``by`` (the router) wrapped in this receipt: what the swap took of the ETH sent."""
    return _weth_moved(receipt, weth, DEPOSIT, by)


def gas_paid(receipt: dict[str, Any]) -> tuple[int, int]:
    """(gas used, wei paid): gasUsed × effectiveGasPrice, plus the L1 data fee on OP-stack chains."""
    used = int(receipt.get("gasUsed", "0x0"), 16)
    price = int(receipt.get("effectiveGasPrice", "0x0"), 16)
    l1 = receipt.get("l1Fee")
    return used, used * price + (int(l1, 16) if isinstance(l1, str) else 0)


def receipt_l1_fee(receipt: dict[str, Any]) -> int | None:
    """The L1 data fee an OP-stack node reports in the receipt (``l1Fee``); None when it reports none."""
    l1 = receipt.get("l1Fee")
    return int(l1, 16) if isinstance(l1, str) else None


def succeeded(receipt: dict[str, Any]) -> bool:
    return int(receipt.get("status", "0x1"), 16) == 1


def block_of(receipt: dict[str, Any]) -> int:
    return int(receipt["blockNumber"], 16)
