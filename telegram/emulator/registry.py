"""The Bot API methods the emulator answers: `METHODS` maps each lower-cased name (the server is
case-insensitive) to (canonical name, function). Any other method is 404 "Not Found: method not found", as
the official server answers an unknown one; audio, voice and the other sends, and the methods of groups'
administration among them. Inline and shipping queries are never asked (see unasked.py).
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .channels import get_chat_member
from .chat_actions import (
    copy_message,
    delete_messages,
    forward_message,
    pin_chat_message,
    send_chat_action,
    set_message_reaction,
    unpin_all_chat_messages,
    unpin_chat_message,
)
from .files import get_file
from .media import edit_message_media, send_animation, send_media_group, send_sticker, send_video
from .methods import (
    answer_callback_query,
    delete_message,
    delete_my_commands,
    edit_message_caption,
    edit_message_reply_markup,
    edit_message_text,
    get_me,
    get_my_commands,
    get_updates,
    log_out,
    send_document,
    send_message,
    send_photo,
    set_my_commands,
)
from .payments import answer_pre_checkout_query, create_invoice_link, get_star_transactions, refund_star_payment, send_invoice
from .profile import (
    get_chat,
    get_chat_menu_button,
    get_my_description,
    get_my_short_description,
    get_my_star_balance,
    set_chat_menu_button,
    set_my_description,
    set_my_short_description,
)
from .state import BotRecord
from .unasked import answer_unasked_query, create_chat_invite_link, get_user_profile_photos
from .webhooks import delete_webhook, get_webhook_info, set_webhook

if TYPE_CHECKING:
    from .core import Emulator

Method = Callable[["Emulator", BotRecord, dict[str, Any]], Awaitable[Any]]


def _table(*items: tuple[str, Method]) -> dict[str, tuple[str, Method]]:
    return {name.lower(): (name, fn) for name, fn in items}


METHODS = _table(
    ("getMe", get_me),
    ("getUpdates", get_updates),
    ("sendMessage", send_message),
    ("editMessageText", edit_message_text),
    ("editMessageReplyMarkup", edit_message_reply_markup),
    ("deleteMessage", delete_message),
    ("answerCallbackQuery", answer_callback_query),
    ("sendDocument", send_document),
    ("sendPhoto", send_photo),
    ("setMyCommands", set_my_commands),
    ("getMyCommands", get_my_commands),
    ("deleteMyCommands", delete_my_commands),
    ("setWebhook", set_webhook),
    ("deleteWebhook", delete_webhook),
    ("getWebhookInfo", get_webhook_info),
    ("logOut", log_out),
    ("close", log_out),
    ("getChatMember", get_chat_member),
    ("sendInvoice", send_invoice),
    ("createInvoiceLink", create_invoice_link),
    ("answerPreCheckoutQuery", answer_pre_checkout_query),
    ("refundStarPayment", refund_star_payment),
    ("getStarTransactions", get_star_transactions),
    ("getFile", get_file),
    ("editMessageCaption", edit_message_caption),
    ("sendChatAction", send_chat_action),
    ("setMessageReaction", set_message_reaction),
    ("pinChatMessage", pin_chat_message),
    ("unpinChatMessage", unpin_chat_message),
    ("unpinAllChatMessages", unpin_all_chat_messages),
    ("deleteMessages", delete_messages),
    ("copyMessage", copy_message),
    ("forwardMessage", forward_message),
    ("getChat", get_chat),
    ("setMyDescription", set_my_description),
    ("getMyDescription", get_my_description),
    ("setMyShortDescription", set_my_short_description),
    ("getMyShortDescription", get_my_short_description),
    ("setChatMenuButton", set_chat_menu_button),
    ("getChatMenuButton", get_chat_menu_button),
    ("getMyStarBalance", get_my_star_balance),
    ("sendVideo", send_video),
    ("sendAnimation", send_animation),
    ("sendSticker", send_sticker),
    ("sendMediaGroup", send_media_group),
    ("editMessageMedia", edit_message_media),
    ("answerInlineQuery", answer_unasked_query),
    ("answerShippingQuery", answer_unasked_query),
    ("getUserProfilePhotos", get_user_profile_photos),
    ("createChatInviteLink", create_chat_invite_link),
)
