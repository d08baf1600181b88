"""What the CLI's one-shot commands use of the engine without running it: the risk assessor behind
`token check`, the effective config, the breaker registry behind `breakers`, and the live signer.

The CLI imports the engine only through ``dexbot.engine.api`` and ``dexbot.engine.host`` (a test
checks it), so moving things inside the engine never reaches a command. The TUI does not
import this module: it pulls in the engine's internals, which the panes have no business with.
"""

from dexbot.engine.breakers import BreakerRegistry
from dexbot.engine.effective_config import effective_settings, effective_tree
from dexbot.engine.execution.live.signer import is_devnet, keystore_signer
from dexbot.engine.risk.assess import RiskAssessor
from dexbot.engine.risk.score import Assessment
from dexbot.engine.token_faults import describe as describe_token_fault

__all__ = [
    "Assessment",
    "BreakerRegistry",
    "RiskAssessor",
    "describe_token_fault",
    "effective_settings",
    "effective_tree",
    "is_devnet",
    "keystore_signer",
]
