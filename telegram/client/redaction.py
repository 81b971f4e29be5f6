"""Keep the bot token out of what the shop shows: error texts, logs, pages.

The token is part of every Bot API URL (`/bot<token>/<method>`, `/file/bot<token>/<path>`). The
client sends on httpx transports (telegram.connections), which log no URL: httpcore's debug traces
show the method, host and port, never the path. What remains is text that may quote a URL (a
transport error's message, a getWebhookInfo error): `redact` masks the token there.
"""

import re

# A Bot API token is "<bot id>:<35 url-safe chars>"; match it inside "/bot<token>" wherever it appears.
_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """Return `text` with any `/bot<token>` URL segment replaced by `/bot<token>`."""
    return _TOKEN_IN_URL.sub("/bot<token>", text)
