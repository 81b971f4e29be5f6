"""Keep the bot token out of logs.

The token is part of every request URL (`/bot<token>/<method>`), and httpx logs that URL at INFO level
("HTTP Request: POST https://.../bot123:ABC/sendMessage ..."). We chose to *redact* rather than silence:
the request lines stay useful for debugging, with the token replaced by `<token>`.

Only the "httpx" logger needs this: httpcore's debug traces show the request method, host and port, never
the path. The filter is installed on import of `telegram.client` (idempotent) and rewrites the rendered
message of every record created by the "httpx" logger.
"""

import logging
import re

# A Bot API token is "<bot id>:<35 url-safe chars>"; match it inside "/bot<token>" wherever it appears.
_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """Return `text` with any `/bot<token>` URL segment replaced by `/bot<token>`."""
    return _TOKEN_IN_URL.sub("/bot<token>", text)


class RedactTokenFilter(logging.Filter):
    """A logging filter that renders the record and strips bot tokens from it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            # Freeze the rendered text: the args (httpx.URL) would otherwise be formatted again by handlers.
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    """Attach `RedactTokenFilter` to the "httpx" logger once."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactTokenFilter) for f in logger.filters):
        logger.addFilter(RedactTokenFilter())
