"""The CLI's doors into the engine: ``engine_host`` runs it on a live chain (store + chain opened, engine run,
all closed), ``backtest_run`` on a recorded one, ``backtest`` reads what a backtest produced, and
``commands`` serves the one-shot commands that use the engine's parts without running it. Nothing is
imported here, so reaching the light doors does not load the engine."""
