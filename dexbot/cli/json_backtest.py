"""The ``--json`` shapes of `dexbot backtest` and `dexbot optimise`."""

from __future__ import annotations

from dexbot.cli.json_types import AMOUNT, FREE, INT, NUM, STR, Arr, _obj, opt

BACKTEST_RUN = _obj(
    label=STR,
    chain_id=INT,
    first_block=INT,
    last_block=INT,
    blocks=INT,
    trades=INT,
    buys=INT,
    sells=INT,
    round_trips=INT,
    wins=INT,
    win_rate=opt(NUM),
    start_equity=AMOUNT,
    end_equity=AMOUNT,
    pnl=AMOUNT,
    return_pct=opt(NUM),
    max_drawdown=AMOUNT,
    max_drawdown_pct=NUM,
    sharpe=opt(NUM),
    sortino=opt(NUM),
    gas=AMOUNT,
    taxes=AMOUNT,
    pool_fees=AMOUNT,
    fees=AMOUNT,
    skipped=INT,
    skips=Arr(_obj(reason=STR, count=INT)),
    tokens=Arr(
        _obj(
            token=STR,
            symbol=STR,
            buys=INT,
            sells=INT,
            spent=AMOUNT,
            received=AMOUNT,
            gas=AMOUNT,
            taxes=AMOUNT,
            round_trips=INT,
            wins=INT,
            realised_pnl=AMOUNT,
            held=AMOUNT,
            decimals=INT,
        )
    ),
    fills=Arr(
        _obj(
            block=INT,
            timestamp=INT,
            token=STR,
            symbol=STR,
            side=STR,
            amount_in=AMOUNT,
            amount_out=AMOUNT,
            gas_cost=AMOUNT,
            tax=AMOUNT,
            reason=STR,
            l1_fee=AMOUNT,
            pool_fee=AMOUNT,
            decimals=INT,
        )
    ),
    equity=Arr(_obj(block=INT, timestamp=INT, equity=AMOUNT, drawdown=AMOUNT)),
)
BACKTEST = _obj(recording=STR, runs=Arr(BACKTEST_RUN), best=Arr(_obj(metric=STR, labels=Arr(STR))))
OPTIMISE = _obj(
    study=STR,
    storage=STR,
    objective=STR,
    in_sample_first=INT,
    in_sample_last=INT,
    held_out_first=INT,
    held_out_last=INT,
    trials_run=INT,
    complete=INT,
    pruned=INT,
    failed=INT,
    best_trial=INT,
    best_value=NUM,
    best_params=FREE,  # config key -> the value the best trial used
    runs=Arr(BACKTEST_RUN),  # the best trial in-sample, held-out, and the base config held-out
)
