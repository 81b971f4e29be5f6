"""What an update is to the intake, before any screen sees it: its chat, whether it moves money, and
whether the shop answers it at all."""

from telegram.types import Update


def chat_key(update: Update) -> int:
    """The chat whose order the update keeps (and whose conversation it belongs to): the chat, or the
    user for a button without a message and for a pre-checkout query; 0 for an update with neither."""
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        query = update.callback_query
        return query.message.chat.id if query.message is not None else query.from_.id
    if update.pre_checkout_query is not None:
        return update.pre_checkout_query.from_.id
    return 0


def is_payment(update: Update) -> bool:
    """A pre-checkout query, or a message reporting a payment or a refund."""
    return update.pre_checkout_query is not None or reports_payment(update)


def from_a_person_in_private(update: Update) -> bool:
    """Whether the shop answers this update: sent by a person (not a bot), in their private chat with
    the bot. Messages in groups, supergroups and channels, and presses of buttons on messages there,
    are not: goods and balances are never shown in a chat others read. A payment is always taken up
    (money was taken; what the shop says about it goes to the payer's private chat)."""
    if update.message is not None:
        sender = update.message.from_
        if sender is None or sender.is_bot:
            return False
        return update.message.chat.type == "private" or is_payment(update)
    if update.callback_query is not None:
        query = update.callback_query
        return not query.from_.is_bot and (query.message is None or query.message.chat.type == "private")
    if update.pre_checkout_query is not None:
        return not update.pre_checkout_query.from_.is_bot
    return False


def reports_payment(update: Update) -> bool:
    """A successful_payment or refunded_payment message: money moved, and the shop must record it
    even if that takes several tries."""
    message = update.message
    return message is not None and (message.successful_payment is not None or message.refunded_payment is not None)
