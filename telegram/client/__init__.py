"""The Bot API client: `BotClient` and its outgoing call chain.

Other rooms use only these names.
"""

from .api import HttpCall
from .bot import BotClient, ChatId
from .chain import Call, Transformer, compose
from .flood import LIMITED_METHODS, FloodControl, PacedRate, TokenBucket
from .redaction import redact
from .retry import auto_retry

__all__ = [
    "LIMITED_METHODS",
    "BotClient",
    "Call",
    "ChatId",
    "FloodControl",
    "HttpCall",
    "PacedRate",
    "TokenBucket",
    "Transformer",
    "auto_retry",
    "compose",
    "redact",
]
