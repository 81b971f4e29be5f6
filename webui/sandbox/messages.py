"""What one message of the emulator's chat looks like on the sandbox page: a MessageView for the
template (webui/templates/sandbox_message.html), built from the Bot API Message dict as it is now.

Text and captions are drawn by `entities_html` (escaped, then our own tags); everything else a
message carries reaches the template as plain strings, which Jinja escapes.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from babel.numbers import get_currency_precision
from markupsafe import Markup

from webui.sandbox.entities import entities_html

STARS = "XTR"


@dataclass(frozen=True)
class Button:
    """One button. `action`: "press" (a callback button), "url" (a link), "pay" (the invoice's own pay
    button), "cryptopay" (a link to an invoice the CryptoPay twin holds: paid through the twin), or
    "inert" (a kind the sandbox does not play, or a twin's invoice no longer payable: shown, not pressable)."""

    label: str
    action: str
    url: str = ""


@dataclass(frozen=True)
class Invoice:
    title: str
    description: str
    amount: str
    paid: bool


@dataclass(frozen=True)
class Document:
    name: str
    url: str | None  # None: sent by URL, so the emulator holds no bytes to serve
    size: int | None


@dataclass(frozen=True)
class MessageView:
    id: int
    mine: bool  # written by the person the page plays, not by the bot
    time: str
    edited: bool
    text: Markup | None = None
    photo: str | None = None
    document: Document | None = None
    invoice: Invoice | None = None
    service: str | None = None
    rows: list[list[Button]] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What a view needs beyond the message: which side is the bot, whether an invoice is paid, the
    CryptoPay twin's pay links, and the address of a stored file."""

    bot_id: int
    invoice_paid: Callable[[int], bool | None]  # message id → paid, or None when no invoice is recorded
    crypto_links: Mapping[str, bool]  # an invoice's pay link in the twin → whether it can still be paid
    file_url: Callable[[str], str | None]  # file_id → the page's address for its bytes, or None


def message_view(message: dict[str, Any], context: Context) -> MessageView:
    """The view of `message` (see the module docstring)."""
    mine = message.get("from", {}).get("id") != context.bot_id
    when = datetime.datetime.fromtimestamp(int(message.get("date", 0)), datetime.UTC).strftime("%H:%M")
    fields: dict[str, Any] = {}
    if "text" in message:
        fields["text"] = entities_html(message["text"], message.get("entities"))
    elif "caption" in message:
        fields["text"] = entities_html(message["caption"], message.get("caption_entities"))
    if message.get("photo"):
        # The largest size comes last; "" for a photo sent by its URL, which the emulator never fetched.
        fields["photo"] = context.file_url(message["photo"][-1]["file_id"]) or ""
    if "document" in message:
        document = message["document"]
        fields["document"] = Document(
            str(document.get("file_name") or "file"), context.file_url(document["file_id"]), document.get("file_size")
        )
    if "invoice" in message:
        invoice = message["invoice"]
        paid = context.invoice_paid(int(message["message_id"]))
        fields["invoice"] = Invoice(
            invoice["title"], invoice["description"], amount(invoice["currency"], invoice["total_amount"]), bool(paid)
        )
    for key, told in (("successful_payment", "Paid {}"), ("refunded_payment", "Refunded {}")):
        if key in message:
            fields["service"] = told.format(amount(message[key]["currency"], message[key]["total_amount"]))
    if not fields:
        fields["service"] = "(a kind of message the sandbox page does not draw)"
    rows = _rows(message, context)
    invoice_view = fields.get("invoice")
    if invoice_view is not None and not invoice_view.paid and not any(b.action == "pay" for row in rows for b in row):
        # Telegram's apps draw the pay button of an invoice sent without a keyboard.
        rows.insert(0, [Button(f"Pay {invoice_view.amount}", "pay")])
    return MessageView(int(message["message_id"]), mine, when, "edit_date" in message, rows=rows, **fields)


def _rows(message: dict[str, Any], context: Context) -> list[list[Button]]:
    markup = message.get("reply_markup") or {}
    rows = []
    for row in markup.get("inline_keyboard") or []:
        rows.append([_button(button, message, context) for button in row if isinstance(button, dict)])
    return rows


def _button(button: dict[str, Any], message: dict[str, Any], context: Context) -> Button:
    label = str(button.get("text", ""))
    if "callback_data" in button:
        return Button(label, "press")
    if button.get("pay") and "invoice" in message:
        return Button(label, "inert" if context.invoice_paid(int(message["message_id"])) else "pay")
    url = button.get("url")
    if isinstance(url, str) and url in context.crypto_links:
        # The twin's invoice: paid here (a real Crypto Bot link would lead nowhere), once.
        return Button(label, "cryptopay", url) if context.crypto_links[url] else Button(f"{label} (paid)", "inert")
    if isinstance(url, str) and urlsplit(url).scheme.lower() in ("http", "https", "tg"):
        return Button(label, "url", url)
    return Button(label, "inert")


def reply_keyboard(messages: list[dict[str, Any]], bot_id: int) -> list[list[str]]:
    """The reply keyboard the person sees under the text box: the newest bot message's that set or
    removed one decides (a keyboard stays until another replaces or removes it)."""
    for message in reversed(messages):
        markup = message.get("reply_markup") or {}
        if message.get("from", {}).get("id") != bot_id or not ("keyboard" in markup or "remove_keyboard" in markup):
            continue
        rows = markup.get("keyboard") or []
        return [[_key_label(key) for key in row] for row in rows if isinstance(row, list)]
    return []


def _key_label(key: Any) -> str:
    return str(key.get("text", "")) if isinstance(key, dict) else str(key)


def amount(currency: str, total: int) -> str:
    """An invoice's amount as the payer reads it: 500 ⭐, or 10.00 USD (Bot API amounts are integers
    in the currency's smallest units: cents for USD)."""
    if currency == STARS:
        return f"{total} ⭐"
    digits = get_currency_precision(currency)
    return f"{Decimal(total).scaleb(-digits):.{digits}f} {currency}"
