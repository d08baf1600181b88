"""Fault drills: the engine on a devnet behind chaos proxies, one fault at a time, each with the behaviour
it must show. ``python -m bench faults`` runs them all and prints the fault × expected × observed table;
the test suite runs each one on the session devnet."""
