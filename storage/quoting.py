"""Quoting what people typed in a log line: shortened, with the cut marked.

Anything a buyer or a staff member typed (a promo code, a title, a photo reference) and anything
built from it (an error message that echoes the value) goes into a log line through `shortened`: a
5,000-character message costs the log a line of about a hundred characters, and the reader still
sees how long it was. It lives in the lowest room so that every room's log lines use the same one.
"""

# Characters a log line keeps of a typed value, and of an error message that may echo one.
QUOTE_LIMIT = 100
ERROR_LIMIT = 300


def shortened(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`str(value)` when it is at most `limit` characters; otherwise its first `limit` characters
    followed by "…(+N chars)", N being how many were left out."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…(+{len(text) - limit} chars)"
