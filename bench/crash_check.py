"""The crash matrix's verdict: the store after every kill and restart, checked against the chain.

Everything is read from outside the bot: its SQLite file (ledger, trades, positions, account, the
start-up thoughts) and the devnet's JSON-RPC. What counts:

- lost: a transaction the wallet signed whose story the store does not finish — an entry still open
  after the last clean run, a nonce the chain used that no landed ledger entry accounts for, a mined
  or reverted swap without its trade row;
- duplicated: a trade row booked twice, a nonce landed twice in the ledger, or a token bought again on
  chain with no sell of it in between (the bot never buys a token it holds: a second buy is a decision
  executed twice);
- mismatched wei: the account's cash against the wallet's ETH, and every token's open position sizes
  against the wallet's token balance, after the last clean run;
- corrected wei: what the engine's start-up had to take from the chain because the store did not know
  it (the "chain wins" correction of the cash): money that moved while the books were not looking.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text

SWAPS = ("buy", "sell")
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f1163c4a11628f55a4df523b3ef"
BALANCE_OF = "0x70a08231"
CORRECTED = "Live wallet %the chain wins%"  # adopt_wallet's thought when the store's cash was wrong


def rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        answer = json.load(resp)
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def token_balance(url: str, token: str, owner: str) -> int:
    data = BALANCE_OF + owner.lower().removeprefix("0x").rjust(64, "0")
    return int(rpc(url, "eth_call", {"to": token, "data": data}, "latest"), 16)


@dataclass
class Verdict:
    lost: int = 0
    duplicated: int = 0
    mismatched_wei: int = 0
    corrected_wei: int = 0
    landed: int = 0  # the wallet's transactions on chain
    swaps: int = 0  # of them, buys and sells
    problems: list[str] = field(default_factory=list)

    def note(self, what: str, text_: str, n: int = 1) -> None:
        setattr(self, what, getattr(self, what) + n)
        self.problems.append(f"{what}: {text_}")


def _rows(db_url: str, wallet: str) -> tuple[list[Any], list[Any], list[Any], Any, list[Any]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            ledger = list(
                c.execute(
                    text(
                        "SELECT tx_hash, nonce, status, purpose, replaces FROM tx_ledger "
                        "WHERE lower(sender) = :w ORDER BY nonce, id"
                    ),
                    {"w": wallet.lower()},
                )
            )
            acct = c.execute(
                text("SELECT id, balance FROM accounts WHERE kind = 'live' AND lower(address) = :w"),
                {"w": wallet.lower()},
            ).one()
            trades = list(
                c.execute(
                    text("SELECT tx_hash, side, status, token FROM trades WHERE account_id = :a"),
                    {"a": acct.id},
                )
            )
            positions = list(
                c.execute(
                    text("SELECT token, size, status FROM positions WHERE account_id = :a"), {"a": acct.id}
                )
            )
            corrected = text("SELECT evidence FROM thoughts WHERE reasoning LIKE :t")
            starts = list(c.execute(corrected, {"t": CORRECTED}))
    finally:
        engine.dispose()
    return ledger, trades, positions, acct, starts


def _token_moves(receipt: dict[str, Any], wallet: str, weth: str) -> tuple[str, str] | None:
    """("buy" | "sell", token) from the receipt's Transfer logs to or from the wallet."""
    me = "0x" + wallet.lower().removeprefix("0x").rjust(64, "0")
    for log in receipt.get("logs", []):
        topics = [t.lower() for t in log.get("topics", [])]
        if len(topics) != 3 or topics[0] != TRANSFER or log["address"].lower() == weth.lower():
            continue
        if topics[2] == me:
            return "buy", log["address"].lower()
        if topics[1] == me:
            return "sell", log["address"].lower()
    return None


def verify(db_url: str, url: str, wallet: str, weth: str) -> Verdict:
    v = Verdict()
    ledger, trades, positions, acct, starts = _rows(db_url, wallet)
    booked: dict[str, int] = {}
    for t in trades:
        if t.tx_hash:
            booked[t.tx_hash] = booked.get(t.tx_hash, 0) + 1
    for h, n in booked.items():
        if n > 1:
            v.note("duplicated", f"trade {h} booked {n} times", n - 1)
    chain_nonce = int(rpc(url, "eth_getTransactionCount", wallet, "latest"), 16)
    landed = [e for e in ledger if e.status in ("mined", "reverted")]
    v.landed = chain_nonce
    for e in ledger:
        if e.status in ("signed", "sent"):
            v.note("lost", f"{e.purpose} {e.tx_hash} (nonce {e.nonce}) still {e.status} after the last run")
    nonces = [e.nonce for e in landed]
    for n in sorted(set(nonces)):
        if nonces.count(n) > 1:
            v.note("duplicated", f"nonce {n} landed twice in the ledger")
    for n in sorted(set(range(chain_nonce)) - set(nonces)):
        v.note("lost", f"nonce {n} is used on chain but no landed ledger entry has it")
    last: dict[str, str] = {}  # token -> side of its last swap on chain (every token the wallet swapped)
    for e in sorted(landed, key=lambda e: e.nonce):
        receipt = rpc(url, "eth_getTransactionReceipt", e.tx_hash)
        if receipt is None:
            v.note("lost", f"{e.purpose} {e.tx_hash} is {e.status} in the ledger, not on chain")
            continue
        if e.purpose not in SWAPS:
            continue
        v.swaps += 1
        if e.tx_hash not in booked and e.replaces not in booked:
            v.note("lost", f"{e.purpose} {e.tx_hash} (nonce {e.nonce}) is {e.status} on chain, not booked")
        moved = _token_moves(receipt, wallet, weth) if e.status == "mined" else None
        if moved is not None:
            side, token = moved
            if side == "buy" and last.get(token) == "buy":
                v.note("duplicated", f"{token} bought again ({e.tx_hash}) with no sell in between")
            last[token] = side
    eth = int(rpc(url, "eth_getBalance", wallet, "latest"), 16)
    cash = int(acct.balance)
    if cash != eth:
        v.note("mismatched_wei", f"cash {cash} != wallet {eth}", abs(cash - eth))
    tokens = {t.token.lower() for t in trades if t.token} | {p.token.lower() for p in positions} | set(last)
    for token in sorted(tokens):
        held = sum(int(p.size) for p in positions if p.token.lower() == token and p.status == "open")
        chain = token_balance(url, token, wallet)
        if held != chain:
            v.note("mismatched_wei", f"{token}: positions hold {held}, the wallet {chain}", abs(held - chain))
    for (evidence,) in starts:
        delta = abs(int((json.loads(evidence) if isinstance(evidence, str) else evidence).get("delta", 0)))
        if delta:
            v.corrected_wei += delta
            v.problems.append(f"corrected at start: cash moved by {delta} wei to the wallet's")
    return v
