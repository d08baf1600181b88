"""System breakers: the bot's own machinery (database, wallet accounting, the operator's kill switch)."""
