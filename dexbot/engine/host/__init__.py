"""The CLI's doors into the engine: ``EngineHost`` runs it (store + chain opened, engine run, all closed),
``commands`` serves the one-shot commands that use its parts without running it."""

from dexbot.engine.host.engine_host import EngineHost

__all__ = ["EngineHost"]
