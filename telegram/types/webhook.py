"""`WebhookInfo`: what getWebhookInfo answers of the bot's webhook."""

from .base import TelegramType


class WebhookInfo(TelegramType, frozen=True):
    """The registered webhook: `url` is empty when none is (the bot polls). `pending_update_count`
    updates wait to be delivered; `last_error_date` (Unix time) and `last_error_message` tell of the
    most recent delivery that failed, and are missing when none did."""

    url: str
    has_custom_certificate: bool
    pending_update_count: int
    last_error_date: int | None = None
    last_error_message: str | None = None
