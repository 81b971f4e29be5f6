"""Payments: invoices, the pre-checkout handshake, Stars charges and refunds.

    msg = await api.ok("sendInvoice", chat_id=1001, title="Key", description="One key", payload="order:7",
                       currency="XTR", prices=[{"label": "Key", "amount": 50}])
    outcome = await ann.pay()          # pre_checkout_query → the bot answers → successful_payment
    outcome.status, outcome.charge_id  # "paid", "stx…"

The flow is Telegram's: the user confirms, the bot gets a `pre_checkout_query` update and must answer
`answerPreCheckoutQuery` within `PRE_CHECKOUT_TIMEOUT` seconds of trio time; only an "ok" answer charges
the user, who then sends a `successful_payment` service message (an update for the bot). A refusal shows
the bot's error_message to the user; no answer in time fails the payment. `refundStarPayment` returns
the Stars once and posts a `refunded_payment` message.

`getStarTransactions` lists the bot's Stars transactions oldest first (Bot API: "in chronological
order"), `offset` of them skipped (at least 0) and at most `limit` (clamped to 1–100, default 100), as
the official server clamps them. An incoming invoice payment is a StarTransaction whose `id` is the
payment's telegram_payment_charge_id and whose `source` is a TransactionPartnerUser (transaction_type
"invoice_payment", the payer, the invoice_payload); a refund is a transaction of its own with the same
`id` (Bot API: it "coincides with the identifier of the original transaction for refund
transactions") and that partner as its `receiver`.

Each user holds a Stars balance (`EmulatedUser.stars`); a Stars payment the user cannot afford never
reaches the bot (Telegram would offer to buy Stars first).

Error texts: the facts (../shared/botapi/README.md) give "query is too old…" and CHARGE_ALREADY_REFUNDED;
the others are the server's own: tdlib's checks ("parameter … is required", "total price must be
positive", "can't parse prices JSON object") and MTProto error names (INVOICE_PAYLOAD_INVALID,
STARS_INVOICE_INVALID, PAYMENT_PROVIDER_INVALID, CHARGE_NOT_FOUND, ERROR_TEXT_EMPTY). For an over-long
title or description no source gives the text: TITLE_INVALID and DESCRIPTION_INVALID follow that naming.
"""

import copy
import itertools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import trio

from .entities import utf16_len
from .errors import QUERY_TOO_OLD, EmulatorError, bad_request
from .markup import validate_markup
from .params import chat_id_of, get_bool, get_int, get_json, get_str, require_int
from .replies import bot_view, reply_fields
from .state import BotRecord, Chat

if TYPE_CHECKING:
    from .core import Emulator
    from .user import EmulatedUser

PRE_CHECKOUT_TIMEOUT = 10.0  # Bot API: "must receive an answer within 10 seconds"
STARS = "XTR"
STARTING_STARS = 10_000  # each emulated user's Stars balance until a test sets another
# Title and description in UTF-16 code units, like message texts; the payload in bytes.
TITLE_LIMIT, DESCRIPTION_LIMIT, PAYLOAD_LIMIT = 32, 255, 128
MAX_AMOUNT = 9_999_999_999_999  # tdlib's check_currency_amount

type Status = Literal["paid", "refused", "timeout", "insufficient_stars"]

_query_ids = itertools.count(5_000_000_000_000_000_001)


@dataclass(eq=False)
class InvoiceRecord:
    """What a bot asked for: in a message (`message_id`) or behind a link (`link`)."""

    bot_id: int
    title: str
    description: str
    payload: str
    currency: str
    prices: list[dict[str, Any]]
    total_amount: int
    start_parameter: str
    provider_token: str
    message_id: int | None = None
    link: str | None = None
    paid: bool = False

    def as_invoice(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "start_parameter": self.start_parameter,
            "currency": self.currency,
            "total_amount": self.total_amount,
        }


@dataclass(eq=False)
class PreCheckout:
    """One pre_checkout_query waiting for answerPreCheckoutQuery."""

    id: str
    bot_id: int
    created_at: float
    answered: trio.Event = field(default_factory=trio.Event)
    ok: bool = False
    error_message: str | None = None
    closed: bool = False  # answered, or given up after the timeout: a later answer is "too old"


@dataclass(eq=False)
class Charge:
    """A completed payment; Stars charges can be refunded once."""

    id: str
    bot_id: int
    user_id: int
    currency: str
    total_amount: int
    payload: str
    provider_charge_id: str
    refunded: bool = False


@dataclass
class PaymentOutcome:
    """How one `EmulatedUser.pay()` ended, as the user saw it.

    status: "paid"; "refused" (the bot answered ok=False: `error_message` is what the user was shown);
    "timeout" (no answer within PRE_CHECKOUT_TIMEOUT); "insufficient_stars" (never reached the bot).
    `message` is the successful_payment service message when paid; `update_id` the update carrying it.
    """

    status: Status
    currency: str
    total_amount: int
    invoice_payload: str
    query_id: str | None = None
    error_message: str | None = None
    charge_id: str | None = None
    message: dict[str, Any] | None = None
    update_id: int | None = None


class Payments:
    """The emulator's payment records: invoices, open pre-checkout queries, charges and each bot's Stars
    transactions (StarTransaction objects, oldest first)."""

    def __init__(self) -> None:
        self.invoices: dict[tuple[int, int, int], InvoiceRecord] = {}  # (bot id, chat id, message id)
        self.links: dict[str, InvoiceRecord] = {}
        self.queries: dict[str, PreCheckout] = {}
        self.charges: dict[str, Charge] = {}
        self.star_transactions: dict[int, list[dict[str, Any]]] = {}

    def record_star_transaction(self, charge: Charge, user: dict[str, Any], date: int, *, refund: bool) -> None:
        """A Stars charge (or its refund) in its bot's transaction history."""
        partner = {"type": "user", "transaction_type": "invoice_payment", "user": user, "invoice_payload": charge.payload}
        self.star_transactions.setdefault(charge.bot_id, []).append(
            {"id": charge.id, "amount": charge.total_amount, "date": date, "receiver" if refund else "source": partner}
        )

    def invoice_in(self, chat: Chat, message_id: int | None) -> InvoiceRecord:
        """The invoice on bot message `message_id`, or the newest unpaid invoice in the chat."""
        if message_id is None:
            unpaid = (
                self.invoices.get((chat.bot.id, chat.user_id, m["message_id"]))
                for m in reversed(chat.messages.values())
                if "invoice" in m
            )
            found = next((invoice for invoice in unpaid if invoice is not None and not invoice.paid), None)
            if found is None:
                raise EmulatorError(f"no unpaid invoice in the chat with {chat.user_id}")
            return found
        found = self.invoices.get((chat.bot.id, chat.user_id, message_id))
        if found is None:
            raise EmulatorError(f"no invoice message {message_id} in the chat with {chat.user_id}")
        if found.paid:
            raise EmulatorError(f"invoice message {message_id} is already paid (Telegram shows a receipt instead)")
        return found

    def invoice_at(self, link: str) -> InvoiceRecord:
        found = self.links.get(link)
        if found is None:
            raise EmulatorError(f"no invoice link {link!r}")
        return found


# ----- validation ---------------------------------------------------------------------------------------
def _required(p: dict[str, Any], name: str) -> str:
    value = get_str(p, name) or ""
    if not value:
        raise bad_request(f'parameter "{name}" is required')
    return value


def _prices(p: dict[str, Any]) -> list[dict[str, Any]]:
    prices = get_json(p, "prices", "can't parse prices JSON object")
    if not isinstance(prices, list) or not prices:
        raise bad_request("can't parse prices JSON object")
    out = []
    for price in prices:
        amount = price.get("amount") if isinstance(price, dict) else None
        label = price.get("label") if isinstance(price, dict) else None
        if not isinstance(label, str) or not isinstance(amount, int) or isinstance(amount, bool):
            raise bad_request("can't parse prices JSON object")  # amounts are integers in the smallest units
        if abs(amount) > MAX_AMOUNT:
            raise bad_request("too big amount of the currency specified")
        out.append({"label": label, "amount": amount})
    return out


def validate_invoice(bot: BotRecord, p: dict[str, Any]) -> InvoiceRecord:
    """The invoice sendInvoice / createInvoiceLink describe, checked as Telegram checks it."""
    title = _required(p, "title")
    description = _required(p, "description")
    payload = _required(p, "payload")
    currency = _required(p, "currency")
    prices = _prices(p)
    if utf16_len(title) > TITLE_LIMIT:
        raise bad_request("TITLE_INVALID")
    if utf16_len(description) > DESCRIPTION_LIMIT:
        raise bad_request("DESCRIPTION_INVALID")
    if len(payload.encode()) > PAYLOAD_LIMIT:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    total = sum(price["amount"] for price in prices)
    if total <= 0:
        raise bad_request("total price must be positive")
    max_tip = get_int(p, "max_tip_amount", 0) or 0
    if max_tip < 0 or max_tip > MAX_AMOUNT:
        raise bad_request("invalid max_tip_amount of the currency specified")
    provider_token = get_str(p, "provider_token") or ""
    if currency == STARS:
        if len(prices) != 1:
            raise bad_request("STARS_INVOICE_INVALID")
        if provider_token:
            raise bad_request("PAYMENT_PROVIDER_INVALID")
    elif not provider_token:
        raise bad_request("PAYMENT_PROVIDER_INVALID")  # fiat needs a provider; only Stars go without
    return InvoiceRecord(
        bot.id, title, description, payload, currency, prices, total, get_str(p, "start_parameter") or "", provider_token
    )


# ----- Bot API methods ----------------------------------------------------------------------------------
async def send_invoice(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    chat = emu.chat_for_bot(bot, chat_id_of(p))
    invoice = validate_invoice(bot, p)
    fields: dict[str, Any] = {**reply_fields(chat, p), "invoice": invoice.as_invoice()}
    markup = validate_markup(get_json(p, "reply_markup", "can't parse reply keyboard markup JSON object"))
    if markup is not None:
        fields["reply_markup"] = markup
    message = chat.add(bot.as_user(), emu.unix_now(), fields)
    invoice.message_id = message["message_id"]
    emu.payments.invoices[(bot.id, chat.user_id, invoice.message_id)] = invoice
    return bot_view(message)


async def create_invoice_link(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    invoice = validate_invoice(bot, p)
    invoice.link = "https://t.me/$" + secrets.token_urlsafe(16)
    emu.payments.links[invoice.link] = invoice
    return invoice.link


async def answer_pre_checkout_query(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    query = emu.payments.queries.get(get_str(p, "pre_checkout_query_id") or "")
    if (
        query is None
        or query.bot_id != bot.id
        or query.closed
        or trio.current_time() - query.created_at > emu.pre_checkout_timeout
    ):
        raise bad_request(QUERY_TOO_OLD)
    ok = get_bool(p, "ok")
    error_message = get_str(p, "error_message") or None
    if not ok and error_message is None:
        raise bad_request("ERROR_TEXT_EMPTY")
    query.ok, query.error_message, query.closed = ok, None if ok else error_message, True
    query.answered.set()
    return True


async def refund_star_payment(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    user_id = require_int(p, "user_id")
    charge = emu.payments.charges.get(get_str(p, "telegram_payment_charge_id") or "")
    if charge is None or charge.bot_id != bot.id or charge.user_id != user_id or charge.currency != STARS:
        raise bad_request("CHARGE_NOT_FOUND")
    if charge.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    charge.refunded = True
    user = emu.user(user_id)
    user.stars += charge.total_amount
    emu.payments.record_star_transaction(charge, user.as_user(), emu.unix_now(), refund=True)
    refunded = {
        "currency": charge.currency,
        "total_amount": charge.total_amount,
        "invoice_payload": charge.payload,
        "telegram_payment_charge_id": charge.id,
    }
    chat = emu.chat(bot, user_id)
    message = chat.add(user.as_user(), emu.unix_now(), {"refunded_payment": refunded})
    bot.queue.push("message", dict(message))
    return True


async def get_star_transactions(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    offset = max(get_int(p, "offset", 0) or 0, 0)
    limit = min(max(get_int(p, "limit", 100) or 0, 1), 100)  # a given 0 is 1, as on the official server
    await trio.lowlevel.checkpoint()
    return {"transactions": copy.deepcopy(emu.payments.star_transactions.get(bot.id, [])[offset : offset + limit])}


# ----- the user's side --------------------------------------------------------------------------------
def _charge_ids(currency: str) -> tuple[str, str]:
    """(telegram_payment_charge_id, provider_payment_charge_id). Stars charges look like Telegram's
    "stx…" ids and have no provider; fiat ones get a provider id as a card processor would."""
    if currency == STARS:
        return "stx" + secrets.token_urlsafe(48), ""
    return f"{secrets.randbelow(10**10)}_{secrets.randbelow(10**10)}", "ch_" + secrets.token_hex(12)


async def pay(
    emu: "Emulator",
    user: "EmulatedUser",
    chat: Chat,
    invoice: InvoiceRecord,
    before_charge: Callable[[], Awaitable[None]] | None = None,
    *,
    deliver: bool = True,
) -> PaymentOutcome:
    """Run one payment of `invoice` by `user` in `chat` (see the module docstring); waits for the bot.
    `before_charge` is awaited once the bot accepted the pre-checkout query, before the charge and
    the successful_payment update: a test's hook into that moment. With `deliver=False` the charge
    is made (and listed by getStarTransactions) but its successful_payment update never reaches the
    bot, as when an update is lost."""
    outcome = PaymentOutcome("insufficient_stars", invoice.currency, invoice.total_amount, invoice.payload)
    if invoice.currency == STARS and user.stars < invoice.total_amount:
        await trio.lowlevel.checkpoint()
        return outcome
    query = PreCheckout(str(next(_query_ids)), chat.bot.id, trio.current_time())
    emu.payments.queries[query.id] = query
    outcome.query_id = query.id
    chat.bot.queue.push(
        "pre_checkout_query",
        {
            "id": query.id,
            "from": user.as_user(),
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
        },
    )
    try:
        with trio.move_on_after(emu.pre_checkout_timeout):
            await query.answered.wait()
    finally:
        query.closed = True  # also when the payer is cancelled: a late answer must not look accepted
    if not query.answered.is_set():
        outcome.status = "timeout"
        return outcome
    if not query.ok:
        outcome.status, outcome.error_message = "refused", query.error_message
        return outcome
    if before_charge is not None:
        await before_charge()
    charge_id, provider_id = _charge_ids(invoice.currency)
    charge = Charge(charge_id, chat.bot.id, user.id, invoice.currency, invoice.total_amount, invoice.payload, provider_id)
    emu.payments.charges[charge_id] = charge
    if invoice.currency == STARS:
        user.stars -= invoice.total_amount
        emu.payments.record_star_transaction(charge, user.as_user(), emu.unix_now(), refund=False)
    invoice.paid = invoice.link is None  # an invoice message is paid once; a link may be paid again
    paid = {
        "currency": invoice.currency,
        "total_amount": invoice.total_amount,
        "invoice_payload": invoice.payload,
        "telegram_payment_charge_id": charge_id,
        "provider_payment_charge_id": provider_id,
    }
    message = chat.add(user.as_user(), emu.unix_now(), {"successful_payment": paid})
    update = chat.bot.queue.push("message", dict(message)) if deliver else None
    outcome.status, outcome.charge_id = "paid", charge_id
    outcome.message = copy.deepcopy(message)
    outcome.update_id = update["update_id"] if update is not None else None
    return outcome
