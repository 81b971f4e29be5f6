"""t.me deep links: `https://t.me/<bot>?start=<payload>` opens the bot, which gets `/start <payload>`.

A referral link's payload is the referrer's Telegram user id in decimal. Payloads come from anyone
who edits a link, so reading one accepts a plain positive number only.
"""

import re

# A positive id written canonically (no sign, no leading zero), short enough for a 64-bit column.
_USER_ID = re.compile(r"[1-9][0-9]{0,17}")


def referral_link(bot_username: str, user_id: int) -> str:
    return f"https://t.me/{bot_username}?start={user_id}"


def start_payload(text: str | None) -> str | None:
    """ "123" for "/start 123" or "/start@shop_bot 123", "" for a bare /start, None for anything else."""
    if not text or not text.startswith("/"):
        return None
    head, _, payload = text[1:].partition(" ")
    if head.split("@", 1)[0].lower() != "start":
        return None
    return payload.strip()


def referrer_in(payload: str | None) -> int | None:
    """The referrer's user id carried by a /start payload; None when it carries none."""
    return int(payload) if payload and _USER_ID.fullmatch(payload) else None
