"""telegram.emulator: an in-memory Telegram that speaks the real Bot API (the sandbox).

    emu = Emulator()
    bot = emu.create_bot(token="123456:TEST", username="shop_bot", first_name="Shop")
    client = httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator")
    user = emu.user(1001, first_name="Ann")
    await user.send_text("/start")
    await user.wait_for_text("Welcome")
    outcome = await user.pay()   # the newest invoice; see payments.py

What it answers (the table is `registry.METHODS`; each module's docstring gives its rules and errors):
updates and webhooks (getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, logOut, close);
messages (sendMessage, sendPhoto, sendDocument, sendVideo, sendAnimation, sendSticker, sendMediaGroup
(media.py), sendChatAction, copyMessage, forwardMessage, editMessageText, editMessageCaption,
editMessageMedia, editMessageReplyMarkup, deleteMessage, deleteMessages, pin and unpin,
setMessageReaction, answerCallbackQuery), with parse_mode HTML (entities.py), MarkdownV2 and Markdown
(markdown.py), reply_parameters and only inline keyboards in Message.reply_markup (replies.py); chats,
users and files (getChat, getChatMember, createChatInviteLink, getUserProfilePhotos, getFile); the bot's
profile (commands per scope, descriptions, the menu button); payments in Stars and by card (sendInvoice,
createInvoiceLink, answerPreCheckoutQuery, refundStarPayment, getStarTransactions, getMyStarBalance).

What it deliberately does not: inline mode and shipping (no such query is ever asked, so
answerInlineQuery and answerShippingQuery get 400 "query is too old and response timeout expired or query
ID is invalid", see unasked.py); audio and voice sends and every other method, answered 404 "Not Found:
method not found" as Telegram answers an unknown method; inline messages (inline_message_id: 400
MESSAGE_ID_INVALID); `@username` chat ids but a channel's (400 "chat not found"); replies to another chat
and quotes (400 "message to be replied not found").

Self-contained: it works on plain dicts and JSON and imports nothing else from the project but the
HTTP doors it shares with the CryptoPay twin (`telegram.doors`) and the connection slots it delivers
webhooks on (`telegram.connections`, plain HTTP plumbing), so the client and the bot are tested
against it rather than against themselves. The shop never imports it: the sandbox, the tests and the
benchmarks do.
"""

from .core import CALLBACK_ANSWER_TIMEOUT, ApiOutcome, Emulator
from .errors import ButtonNotFound, EmulatorError
from .faults import Fault, FaultPlan
from .groups import Group
from .http import serve_emulator
from .payments import PRE_CHECKOUT_TIMEOUT, PaymentOutcome
from .state import BotRecord
from .user import EmulatedUser

__all__ = [
    "CALLBACK_ANSWER_TIMEOUT",
    "ApiOutcome",
    "BotRecord",
    "ButtonNotFound",
    "EmulatedUser",
    "Emulator",
    "EmulatorError",
    "Fault",
    "FaultPlan",
    "Group",
    "PRE_CHECKOUT_TIMEOUT",
    "PaymentOutcome",
    "serve_emulator",
]
