"""The `[telegram]` and `[shop]` configuration sections."""

from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from storage import ConfigSection, ReferralTerms, hidden


def mask_token(token: str) -> str:
    """A bot token with its secret part hidden: "123456:****" (the part before ":" is the bot's id,
    which is public); anything not shaped like a token is hidden whole."""
    bot_id, colon, _ = token.partition(":")
    return f"{bot_id}:****" if colon and bot_id.isdigit() else hidden(token)


class TelegramSettings(ConfigSection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How to reach the Bot API and how hard to use it.

    `token` and `webhook_secret` are secrets: never logged, printed or put in an error message (the
    repr masks them).
    """

    secrets = {"token": mask_token, "webhook_secret": hidden}

    token: str
    owner_id: int
    api_base_url: str = "https://api.telegram.org"
    # getUpdates long-poll timeout in seconds (Telegram clamps it to 50).
    poll_timeout: int = 30
    # Seconds an HTTP request may take beyond the long-poll timeout.
    request_timeout: float = 10.0
    # Outgoing flood control: messages per second overall and per chat (Bot FAQ: ~30/s, ~1/s).
    global_rate: float = 30.0
    chat_rate: float = 1.0
    # A chat may send this many messages back to back before chat_rate applies.
    chat_burst: int = 3
    # A retry_after longer than this is not waited for: the call fails with RetryAfter.
    max_retry_after: float = 120.0
    # How many times a 5xx or network failure is retried before the call fails.
    max_retries: int = 5
    # Concurrent chats handled at once (each chat is one ordered lane).
    lanes: int = 64
    # Bot API connections kept open; a call finding all busy waits for one (getUpdates holds one).
    connections: Annotated[int, Meta(ge=2, le=100)] = 16
    # How updates arrive: "polling" (getUpdates; one process per bot) or "webhook" (Telegram POSTs
    # them to the web app at `webhook_path`; several processes may share one bot).
    mode: Literal["polling", "webhook"] = "polling"
    # The public HTTPS address Telegram posts to (`shopkeeper webhook set` registers it, /health compares
    # Telegram's registration with it): the reverse proxy's https://shop.example.com/telegram/webhook.
    webhook_url: str = ""
    # The X-Telegram-Bot-Api-Secret-Token every webhook request must carry: 1-256 of A-Z a-z 0-9 _ -
    # (required in webhook mode).
    webhook_secret: str = ""
    webhook_path: str = "/telegram/webhook"
    # How many webhook requests Telegram may have open at once (setWebhook's max_connections).
    webhook_max_connections: Annotated[int, Meta(ge=1, le=100)] = 40


class ShopSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[shop]` section: what buyers see and the shop's rules."""

    name: str = "Shopkeeper"
    # Balance and price currency, shown after every amount.
    currency: str = "USD"
    # Who buyers write to (e.g. "@shop_support"); shown on the Support page.
    support_contact: str = ""
    # Rows per page in every list (a keyboard holds at most 100 buttons).
    page_size: Annotated[int, Meta(ge=1, le=50)] = 8
    # The most units one order may take.
    max_quantity: Annotated[int, Meta(ge=1, le=1000)] = 10
    # Longest review text, in UTF-16 code units as Telegram counts them (an emoji can count twice).
    review_max_length: Annotated[int, Meta(ge=1, le=3000)] = 500
    # Staff who chose low-stock notices are told when an item's stock lasts fewer days than this at
    # its last 7 days' sales rate.
    low_stock_days: Annotated[int, Meta(ge=1, le=365)] = 3
    # Percent of each credited top-up paid to the buyer's referrer; 0 turns referral rewards off.
    referral_percent: Decimal = Decimal(0)
    # Caps on referral rewards (0: no cap): what one referred user can earn their referrer, and
    # what one referrer can earn in all.
    referral_cap_per_referral: Decimal = Decimal(0)
    referral_cap_total: Decimal = Decimal(0)
    # A channel buyers must join first ("@name" or a numeric chat id); empty: no gate. The bot must
    # be an administrator of the channel to check membership. `required_channel_link` is the join
    # link shown (default: https://t.me/<name> for an @name).
    required_channel: str = ""
    required_channel_link: str = ""
    # The language for users whose Telegram language the shop does not speak.
    default_language: str = "en"
    # Page texts (Telegram HTML); empty: the built-in text in the user's language.
    help_text: str = ""
    rules_text: str = ""
    terms_text: str = ""
    privacy_text: str = ""
    paysupport_text: str = ""

    def referral_terms(self) -> ReferralTerms:
        """The referral keys as storage takes them with every credited top-up."""
        return ReferralTerms(
            percent=self.referral_percent,
            cap_per_referral=self.referral_cap_per_referral,
            cap_total=self.referral_cap_total,
        )


class PaymentSettings(ConfigSection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[payments]` section: how buyers top up their balance (in the shop's currency) or pay
    for an item directly.

    Telegram's terms: digital goods are sold for Telegram Stars, so Stars are on by default; card
    payments (a Telegram Payments provider token) and CryptoPay are off until configured.
    `provider_token` and `cryptopay_token` are secrets (the repr masks them).
    """

    secrets = {"provider_token": hidden, "cryptopay_token": hidden}

    # Telegram Stars; one unit of the shop's currency costs `stars_per_unit` Stars (rounded up).
    stars: bool = True
    stars_per_unit: Decimal = Decimal(50)
    # Telegram Payments (cards) through this provider, charged in the shop's currency; empty: off.
    provider_token: str = ""
    # CryptoPay (Crypto Bot) API token; empty: off. `cryptopay_url` is https://pay.crypt.bot, or
    # https://testnet-pay.crypt.bot for the testnet. Invoices are in the shop's currency, paid in
    # any of `cryptopay_assets`.
    cryptopay_token: str = ""
    cryptopay_url: str = "https://pay.crypt.bot"
    cryptopay_assets: list[str] = msgspec.field(default_factory=lambda: ["USDT", "TON", "BTC"])
    # How often the reconciler asks CryptoPay about open invoices, seconds (payments arrive without
    # a public webhook URL, or when a webhook was missed).
    cryptopay_poll_interval: Annotated[float, Meta(gt=0)] = 15.0
    # Unpaid CryptoPay invoices one buyer may hold at once: asking for the same amount again shows
    # the invoice held, and a new one past this many is refused until one is paid or expires.
    cryptopay_open_invoices: Annotated[int, Meta(ge=1, le=100)] = 3
    # "Check payment" asks CryptoPay at most once per buyer in this many seconds (0: at every press).
    cryptopay_check_interval: Annotated[float, Meta(ge=0, le=600)] = 5.0
    # Top-up bounds, in the shop's currency.
    min_topup: Decimal = Decimal(1)
    max_topup: Decimal = Decimal(1000)
    # An unpaid order (and its invoice) expires after this many seconds.
    order_ttl: Annotated[int, Meta(ge=60, le=2678400)] = 3600

    def methods(self) -> list[str]:
        """The enabled methods, Stars first."""
        enabled = [("stars", self.stars), ("fiat", bool(self.provider_token)), ("cryptopay", bool(self.cryptopay_token))]
        return [name for name, on in enabled if on]


class AdminSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[admin]` section: broadcasts and the audit log."""

    # Broadcast messages per second. Without paid broadcasts Telegram allows about 30/s for the whole
    # bot, so this may not exceed telegram.global_rate; buyers' answers share that budget.
    broadcast_rate: Annotated[float, Meta(gt=0, le=1000)] = 30.0
    # allow_paid_broadcast: up to 1000 messages/s, each charged 0.1 Star to the bot's balance.
    paid_broadcast: bool = False
    # How often a running broadcast's progress message is edited, seconds.
    broadcast_progress_interval: Annotated[float, Meta(ge=1)] = 5.0
    # Audit events older than this many days are deleted; 0 keeps them forever.
    audit_retention_days: Annotated[int, Meta(ge=0)] = 0
