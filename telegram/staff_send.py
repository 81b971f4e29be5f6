"""Sending one notice to a staff member (the notifier's, the dispute screen's), handled the same way:
one who blocked the bot (403) is marked as broadcasts mark them (storage: mark_bot_blocked) and gets
no more notices until they write to the bot again; any other failure costs that one message, and is
told apart as passing (the network, a 5xx, a 429: worth another try) or a refusal (it would fare the same)."""

import logging
from typing import Literal

from prometheus_client import Counter

from storage import NoticeKind, Store
from telegram.client import BotClient
from telegram.errors import Forbidden, NetworkError, RetryAfter, ServerError, TelegramError

log = logging.getLogger(__name__)

SENT = Counter("shopkeeper_staff_notices_total", "Staff notices sent, by kind and outcome", ["kind", "outcome"])

TRANSIENT = (NetworkError, ServerError, RetryAfter)

type Outcome = Literal["sent", "blocked", "refused", "transient"]


async def send_to_staff(bot: BotClient, store: Store, user_id: int, kind: NoticeKind, text: str) -> Outcome:
    """Send `text` to staff member `user_id`, and say how it went."""
    try:
        await bot.send_message(user_id, text)
    except Forbidden:
        SENT.labels(kind, "blocked").inc()
        log.info("staff member %d blocked the bot: no more notices until they write again", user_id)
        await store.mark_bot_blocked(user_id)
        return "blocked"
    except TelegramError as error:
        SENT.labels(kind, "failed").inc()
        log.warning("%s notice to staff member %d not sent: %s", kind, user_id, error)
        return "transient" if isinstance(error, TRANSIENT) else "refused"
    SENT.labels(kind, "sent").inc()
    return "sent"
