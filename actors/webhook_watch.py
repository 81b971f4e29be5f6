"""What Telegram says of the webhook, for /health and the pages (webhook mode only): the health watcher
asks getWebhookInfo now and then and keeps the last answer, judged.

The webhook is well when Telegram has one registered at telegram.webhook_url (at any address when
that key is unset: the operator registered it by other means, and the shop cannot know its public
address). Not registered, or registered elsewhere (another URL, as after a move), the operator is told
to run `shopkeeper webhook set`. The answer is asked for every ASK_EVERY seconds while it is well, and
at each of the watcher's rounds while it is not, so that `shopkeeper webhook set` shows within seconds.

Error handling: a call that fails (Telegram out of reach, the token refused, no answer in
ASK_TIMEOUT) is shown as the entry's detail, never raised: the watcher goes on, and asks again at its
next round.
"""

from collections.abc import Callable
from datetime import UTC, datetime

import msgspec
import trio

from telegram.client import BotClient
from telegram.config import TelegramSettings
from telegram.errors import TelegramError
from telegram.types import WebhookInfo
from webui import WebhookHealth

# A call is a cheap read, but every process asks: twice a minute each is plenty.
ASK_EVERY = 30.0
# The client's own retries (5xx, network) are cut short: the next round asks again.
ASK_TIMEOUT = 10.0
SET_IT = "run `shopkeeper webhook set`"


class WebhookWatch:
    """The last answer of getWebhookInfo, judged (`health`); `ask_when_due` asks again when it is time.

    Args:
      bot: the shop's Bot API client.
      settings: the `[telegram]` section (webhook_url is compared).
      redact: masks secrets in what is shown (the configuration's, and a token in a URL).
    """

    def __init__(self, bot: BotClient, settings: TelegramSettings, redact: Callable[[str], str]) -> None:
        self.bot = bot
        self.expected = settings.webhook_url
        self.redact = redact
        self.health = WebhookHealth(ok=False, detail="not asked yet")
        self._due = float("-inf")

    async def ask_when_due(self) -> None:
        if trio.current_time() < self._due:
            return
        try:
            with trio.fail_after(ASK_TIMEOUT):
                info = await self.bot.get_webhook_info()
        except (TelegramError, msgspec.ValidationError) as error:
            self.health = WebhookHealth(ok=False, detail=self.redact(f"getWebhookInfo failed: {error}"))
        except trio.TooSlowError:
            self.health = WebhookHealth(ok=False, detail=f"getWebhookInfo failed: no answer in {ASK_TIMEOUT:.0f} s")
        else:
            self.health = judge(info, self.expected, self.redact)
        self._due = trio.current_time() + ASK_EVERY if self.health.ok else float("-inf")


def judge(info: WebhookInfo, expected: str, redact: Callable[[str], str]) -> WebhookHealth:
    """The entry for `info`: ok when a webhook is registered at `expected` (anywhere when it is "")."""
    url = redact(info.url)
    pending = info.pending_update_count
    message = redact(info.last_error_message) if info.last_error_message is not None else None
    if not info.url:
        ok, detail = False, f"no webhook registered: {SET_IT}"
    elif expected and info.url != expected:
        ok, detail = False, f"registered at {url}, not at telegram.webhook_url ({redact(expected)}): {SET_IT}"
    else:
        ok, detail = True, f"{url}: {pending} pending"
        if info.last_error_date is not None:
            when = datetime.fromtimestamp(info.last_error_date, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            detail += f"; last error {when}: {message}"
    return WebhookHealth(
        ok=ok,
        detail=detail,
        url=url,
        pending_update_count=pending,
        last_error_date=info.last_error_date,
        last_error_message=message,
    )
