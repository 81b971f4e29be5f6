"""What the error book keeps of a log record passes through here first: nothing secret is kept.

Redacted are the configuration's secrets by value (the bot token, the payment provider's and
CryptoPay's tokens, the metrics token, the stock key, the database and Redis passwords: see
storage's ConfigSection.secret_values), and by their shape what no configuration names: a bot token in
a Bot API URL (telegram.client.redact) or on its own, a sign-in link's token, a session cookie, a
bearer token, a URL's password. Stock contents never reach the logs in the first place (the shop logs
what it does to a unit, never the unit; storage errors that may quote input are shortened).
"""

import re
from collections.abc import Iterable

from telegram.client import redact

MASK = "****"
# A value this short is no real secret, and masking it would garble every text it occurs in.
SHORTEST = 6
PATTERNS = (
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}"), "<token>"),  # a bot (or CryptoPay app) token
    (re.compile(r"(/sign-in/)[^\s/?#\"'<>]+"), r"\1<token>"),
    (re.compile(r"(shopkeeper_session=)[^;\s\"'<>]+"), r"\1<token>"),
    (re.compile(r"(Bearer\s+)[^\s\"'<>]+", re.IGNORECASE), r"\1<token>"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE), rf"\1{MASK}@"),
)


class Redactor:
    """Masks `secrets` (values) and the shapes of PATTERNS in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first: a secret that contains another is masked whole.
        self.secrets = sorted({secret for secret in secrets if len(secret) >= SHORTEST}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = redact(text)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text
