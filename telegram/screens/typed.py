"""Numbers as people type them in the chat, read before anything is compared with a limit."""

import re

# A whole number as it is typed: digits, perhaps signed.
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
# Digits past this many make a number larger than any count the shop takes; it is not read further.
MAX_DIGITS = 7


def whole_number(text: str) -> int | None:
    """The whole number typed (`-5`, `+3`, `007`), or None for anything else. One of more than
    MAX_DIGITS digits reads as ±10**MAX_DIGITS, beyond every limit on its side: the caller tells the
    allowed range, as for any number out of it, rather than that it is no number."""
    answer = text.strip()
    if not WHOLE_NUMBER.fullmatch(answer):
        return None
    if len(answer.lstrip("+-").lstrip("0")) > MAX_DIGITS:
        return -(10**MAX_DIGITS) if answer.startswith("-") else 10**MAX_DIGITS
    return int(answer)
