"""Execution breakers: transactions that fail, revert, slip, stick or race the ledger."""
