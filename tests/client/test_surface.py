"""The public surface of the client rooms: other rooms may rely on exactly these names."""

import telegram.client
import telegram.types


def test_client_surface() -> None:
    assert sorted(telegram.client.__all__) == sorted([
        "LIMITED_METHODS", "BotClient", "Call", "ChatId", "FloodControl", "HttpCall", "PacedRate", "TokenBucket",
        "Transformer", "auto_retry", "compose", "redact",
    ])  # fmt: skip
    assert all(hasattr(telegram.client, name) for name in telegram.client.__all__)


def test_types_surface() -> None:
    assert sorted(telegram.types.__all__) == sorted([
        "BotCommand", "CallbackQuery", "Chat", "ChatMember", "Document", "File", "InlineKeyboardButton", "InlineKeyboardMarkup",
        "Invoice", "LabeledPrice", "Message", "MessageEntity", "PhotoSize", "PreCheckoutQuery", "RefundedPayment", "ResponseParameters",
        "StarTransaction", "StarTransactions", "SuccessfulPayment", "TelegramType", "TransactionPartner", "Update", "User",
            "WebhookInfo",
    ])  # fmt: skip
    assert all(hasattr(telegram.types, name) for name in telegram.types.__all__)
