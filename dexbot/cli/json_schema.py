"""The shape of every command's ``--json`` output, declared once: `encode` types the output by it (so an
amount is a string in every command, also when it is small) and `problems` checks an output against it
(the tests run each command and check). ``python -m dexbot.cli.json_schema`` writes docs/json.md.

The rule: an amount — wei, token units, P&L, balances, fees, gas used or estimated — is a decimal string
of an integer (``"-183141145919690592"``, ``"0"``), because JSON numbers lose exactness past 2**53 and a
field must not change type with its value. Counts, ids, block numbers, nonces, decimals, basis points,
scores and chain ids are JSON integers (a price impact, fractional, is a number); durations and weights
are JSON numbers; times are ISO 8601 strings; flags are booleans. Fields marked "free-form" carry engine
evidence as recorded, not typed here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dexbot.cli.json_backtest import BACKTEST, OPTIMISE
from dexbot.cli.json_types import (
    AMOUNT,
    AMOUNT_TEXT,
    BOOL,
    FREE,
    INT,
    NUM,
    STR,
    TIME,
    Arr,
    Kind,
    Obj,
    Scalar,
    Spec,
    _obj,
    opt,
)

FACTOR = _obj(name=STR, value=STR, risk=INT, weight=NUM, contribution=NUM, hard_block=BOOL, note=STR)
FLAG = _obj(name=STR, value=opt(BOOL), detail=STR, how=STR, factor=STR)
THOUGHT_FACTOR = Obj({**FACTOR.fields, "evidence": FREE})
ROUTE = _obj(
    dex=STR,
    path=Arr(STR),
    route=STR,
    pools=Arr(STR),
    fees=Arr(INT),
    amount_out=AMOUNT,
    amount_out_units=STR,
    price_impact_bps=NUM,
    gas_estimate=AMOUNT,
)
QUOTE_SIDE = _obj(address=STR, symbol=STR, decimals=INT, native=BOOL)
KEYSTORE = _obj(address=STR, path=STR)
DEV_TOKEN = _obj(
    address=STR,
    symbol=STR,
    name=STR,
    decimals=INT,
    kind=STR,
    owner=STR,
    v2_pair=opt(STR),
    v3_pool=opt(STR),
    v3_fee=opt(INT),
)
_DEPLOYMENT_ADDRESSES = (
    "deployer",
    "weth",
    "usdc",
    "usdc_v2_pair",
    "usdc_v3_pool",
    "v2_factory",
    "v2_router",
    "v3_factory",
    "v3_swap_router",
    "v3_quoter",
    "v3_position_manager",
    "multicall3",
)

COMMANDS: dict[str, Spec] = {
    "positions": Arr(
        _obj(
            id=INT,
            instance=STR,
            account_id=INT,
            token=STR,
            symbol=STR,
            decimals=INT,
            pool=STR,
            dex=STR,
            status=STR,
            size=AMOUNT,
            entry_cost=AMOUNT,
            exit_proceeds=AMOUNT,
            realised_pnl=AMOUNT,
            fees=AMOUNT,
            gas_cost=AMOUNT,
            l1_fee=AMOUNT,
            peak_value=AMOUNT,
            entry_value=AMOUNT,
            value_now=AMOUNT,
            marked_block=INT,
            exit_reason=STR,
            opened_at=TIME,
            closed_at=opt(TIME),
            opened_block=INT,
        )
    ),
    "trades": Arr(
        _obj(
            id=INT,
            instance=STR,
            account_id=INT,
            position_id=opt(INT),
            mode=STR,
            side=STR,
            status=STR,
            token=STR,
            pool=STR,
            dex=STR,
            token_in=STR,
            token_out=STR,
            amount_in=AMOUNT,
            amount_out=AMOUNT,
            quoted_out=AMOUNT,
            gas_used=AMOUNT,
            gas_cost=AMOUNT,
            l1_fee=AMOUNT,
            block_number=INT,
            block_hash=STR,
            tx_hash=STR,
            reason=STR,
            created_at=TIME,
        )
    ),
    "thoughts": Arr(
        _obj(
            id=INT,
            instance=STR,
            at=TIME,
            block_number=INT,
            token=STR,
            symbol=STR,
            lane=STR,
            intel_level=INT,
            decision=STR,
            confidence=NUM,
            risk_score=opt(INT),
            factors=Arr(THOUGHT_FACTOR),
            reasoning=STR,
            evidence=FREE,
            count=INT,
            last_block=INT,
        )
    ),
    "pnl": Arr(
        _obj(
            account_id=INT,
            instance=STR,
            kind=STR,
            chain_id=INT,
            genesis_hash=STR,
            starting_balance=AMOUNT,
            cash=AMOUNT,
            open_cost=AMOUNT,
            open_value=AMOUNT,
            marked_block=INT,
            realised_pnl=AMOUNT,
            unrealised_pnl=AMOUNT,
            equity=AMOUNT,
            gas_spent=AMOUNT,
            l1_fees=AMOUNT,
            trades=INT,
            wins=INT,
            losses=INT,
            open_positions=INT,
            return_bps=INT,
            win_rate_bps=INT,
        )
    ),
    "breakers": Arr(
        _obj(
            name=STR,
            category=STR,
            severity=STR,
            scope=STR,
            state=STR,
            reason=STR,
            cooldown_left_s=NUM,
            title=STR,
            latched=BOOL,
        )
    ),
    "token check": _obj(
        token=STR,
        symbol=STR,
        block_number=INT,
        verdict=STR,
        score=INT,
        lane=STR,
        buy_tax_bps=opt(INT),
        sell_tax_bps=opt(INT),
        transfer_tax_bps=opt(INT),
        max_buy_wei=opt(AMOUNT),
        privileges=Arr(STR),
        revert_reasons=Arr(STR),
        inconclusive=opt(STR),
        elapsed_ms=NUM,
        flags=Arr(FLAG),
        factors=Arr(FACTOR),
    ),
    "quote": Obj(
        {
            "chain_id": INT,
            "block_number": INT,
            "token_in": QUOTE_SIDE,
            "token_out": QUOTE_SIDE,
            "amount_in": AMOUNT,
            "amount_in_units": STR,
            **ROUTE.fields,
            "routes": Arr(ROUTE),
        }
    ),
    "wallet new": KEYSTORE,
    "wallet import": KEYSTORE,
    "wallet list": Arr(KEYSTORE),
    "wallet balance": _obj(
        address=STR,
        block=INT,
        unreadable=Arr(STR),
        balances=Arr(_obj(symbol=STR, token=opt(STR), decimals=INT, amount=AMOUNT)),
    ),
    "wallet history": Arr(
        _obj(
            tx_hash=STR,
            nonce=INT,
            status=STR,
            purpose=STR,
            block=opt(INT),
            gas_used=AMOUNT,
            fee_wei=AMOUNT,
            error=STR,
            replaces=STR,
            created_at=TIME,
        )
    ),
    "wallet approvals": Arr(_obj(token=STR, spender=STR, spender_name=STR, amount=AMOUNT, unlimited=BOOL)),
    "wallet sign-in": _obj(address=STR, message=STR, signature=STR),
    "db current": _obj(current=opt(STR), head=STR, up_to_date=BOOL),
    "devnet info": Obj(
        {
            "format": INT,
            "chain_id": INT,
            "rpc_url": STR,
            **dict.fromkeys(_DEPLOYMENT_ADDRESSES, STR),
            "l1_gas_oracle": opt(STR),
            "tokens": Arr(DEV_TOKEN),
            "block_number": INT,
        }
    ),
    "backtest": BACKTEST,
    "optimise": OPTIMISE,
    "config show": FREE,  # the config file's own sections and keys; ETH amounts there are decimal strings
}


def encode(value: Any, spec: Spec) -> Any:
    """``value`` as plain JSON data typed by ``spec``: amounts (int or digit string) become strings."""
    if isinstance(spec, Obj) and isinstance(value, Mapping):
        return {str(k): encode(v, spec.fields.get(str(k), FREE)) for k, v in value.items()}
    if isinstance(spec, Arr) and isinstance(value, list | tuple):
        return [encode(v, spec.item) for v in value]
    if value is None or not isinstance(spec, Scalar):
        return value
    if spec.kind == "amount" and not isinstance(value, bool):
        return str(int(value))
    if spec.kind == "free-form":
        return _plain(value)
    return value.isoformat() if isinstance(value, datetime) else value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def problems(value: Any, spec: Spec, where: str = "$") -> list[str]:
    """Every place ``value`` (parsed JSON) differs from ``spec``; empty when it conforms."""
    if isinstance(spec, Obj):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {value!r}"]
        found = [f"{where}.{k}: not in the schema" for k in value if k not in spec.fields]
        found += [f"{where}.{k}: missing" for k in spec.fields if k not in value]
        for k, s in spec.fields.items():
            if k in value:
                found += problems(value[k], s, f"{where}.{k}")
        return found
    if isinstance(spec, Arr):
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {value!r}"]
        return [p for i, v in enumerate(value) for p in problems(v, spec.item, f"{where}[{i}]")]
    if (value is None and spec.nullable) or _conforms(value, spec.kind):
        return []
    return [f"{where}: expected {spec.kind}{' or null' if spec.nullable else ''}, got {value!r}"]


def _conforms(value: Any, kind: Kind) -> bool:
    if kind == "amount":
        return isinstance(value, str) and AMOUNT_TEXT.fullmatch(value) is not None
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "time":
        try:
            return isinstance(value, str) and datetime.fromisoformat(value) is not None
        except ValueError:
            return False
    checks = {"string": str, "boolean": bool}
    return kind == "free-form" or isinstance(value, checks[kind])


def markdown() -> str:
    """docs/json.md: the rule, then each command's fields and their JSON types."""
    head = (__doc__ or "").split("\n\n", 1)[1].replace("\n", " ")
    lines = ["# `--json` output of every command", "", "Generated by `python -m dexbot.cli.json_schema`.", ""]
    lines += [head, ""]
    for command, spec in COMMANDS.items():
        lines += [f"## `dexbot {command} --json`", "", _shape(spec), ""]
        rows = _rows(spec.item if isinstance(spec, Arr) else spec, "")
        if rows:
            lines += ["| field | type |", "| --- | --- |", *(f"| `{p}` | {t} |" for p, t in rows), ""]
    return "\n".join(lines)


def _shape(spec: Spec) -> str:
    if isinstance(spec, Arr):
        return "An array of objects, one per row:"
    if isinstance(spec, Obj):
        return "One object:"
    return "An object with the config file's sections and keys (see config.example.toml)."


def _rows(spec: Spec, prefix: str) -> list[tuple[str, str]]:
    if isinstance(spec, Arr):
        inner = _rows(spec.item, f"{prefix}[]")
        return inner if isinstance(spec.item, Obj) else [(prefix, f"array of {_type(spec.item)}")]
    if isinstance(spec, Obj):
        rows: list[tuple[str, str]] = []
        for k, s in spec.fields.items():
            path = f"{prefix}.{k}" if prefix else k
            if isinstance(s, Scalar) or (isinstance(s, Arr) and isinstance(s.item, Scalar)):
                rows.append((path, _type(s)))
            else:
                rows += _rows(s, path)
        return rows
    return []


def _type(spec: Spec) -> str:
    if isinstance(spec, Arr):
        return f"array of {_type(spec.item)}"
    if isinstance(spec, Obj):
        return "object"
    name = "amount (decimal string)" if spec.kind == "amount" else spec.kind
    return f"{name} or null" if spec.nullable else name


if __name__ == "__main__":
    print(markdown(), end="")
