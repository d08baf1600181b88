"""Live execution on a real chain: the executor, the swap calldata it signs, the transaction runner (fees,
replacement, cancel), the book that keeps the store equal to the wallet, and the signing account."""
