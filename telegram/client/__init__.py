"""The Bot API client: `BotClient` and its outgoing call chain.

Other rooms use only these names. Importing this package installs the log filter that redacts the bot
token from httpx's request lines (see `telegram.client.redaction`).
"""

from .api import HttpCall
from .bot import BotClient, ChatId
from .chain import Call, Transformer, compose
from .flood import LIMITED_METHODS, FloodControl, PacedRate, TokenBucket
from .redaction import install_log_redaction, redact
from .retry import auto_retry

install_log_redaction()

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
    "install_log_redaction",
    "redact",
]
