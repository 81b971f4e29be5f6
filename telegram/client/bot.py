"""`BotClient`: typed Bot API methods on top of the call chain."""

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import httpx
import msgspec

from ..config import TelegramSettings
from ..connections import Connections, environment_proxy
from ..errors import BadRequest
from ..types import (
    BotCommand,
    ChatMember,
    File,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    StarTransactions,
    Update,
    User,
    WebhookInfo,
)
from .api import HttpCall
from .chain import Call, Transformer, compose
from .download import download
from .flood import FloodControl
from .retry import auto_retry

type ChatId = int | str


class BotClient:
    """A Bot API client for one bot token.

    Usage: `async with BotClient(settings) as bot: me = await bot.get_me()`.

    Args:
      settings: the `[telegram]` section (token, api_base_url, timeouts, rates, retry caps).
      transport: an httpx transport to use instead of the network (the emulator, a MockTransport).

    Resource handling: owns its HTTP connections (`telegram.connections`), closed when the `async with` block exits.

    Error handling: every method raises `telegram.errors.NetworkError` or a `BotAPIError` subclass,
    after the default transformers did their work: `flood_control` (the `FloodControl` instance, kept
    as an attribute), wrapped by `auto_retry`. Transformers added with `use()` wrap those.
    The token appears only in the base URL; no error message, log line or repr contains it.
    """

    def __init__(self, settings: TelegramSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._http = Connections(slots=settings.connections, proxy=environment_proxy(settings.api_base_url), transport=transport)
        self._raw: Call = HttpCall(
            self._http, f"{settings.api_base_url.rstrip('/')}/bot{settings.token}/", request_timeout=settings.request_timeout
        )
        self._transformers: list[Transformer] = []
        self._chain: Call = self._raw
        self.flood_control = FloodControl(
            global_rate=settings.global_rate, chat_rate=settings.chat_rate, chat_burst=settings.chat_burst
        )
        # auto_retry outermost: every retry goes through flood control again and waits out a pause.
        self.use(
            self.flood_control,
            auto_retry(max_retry_after=settings.max_retry_after, max_retries=settings.max_retries),
        )

    def __repr__(self) -> str:
        return f"<BotClient {self._settings.api_base_url}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def use(self, *transformers: Transformer) -> Self:
        """Install transformers; each wraps the chain built so far (the last one installed runs first)."""
        self._transformers.extend(transformers)
        self._chain = compose(self._raw, self._transformers)
        return self

    async def call(self, method: str, params: dict[str, Any], *, files: dict[str, Any] | None = None) -> Any:
        """Call any Bot API method through the chain; returns its `result` decoded to builtins.

        `params` values may be builtins or `telegram.types` Structs; None values are left out.
        `files` maps a field name to httpx's file tuple `(filename, bytes, mime_type)`; with files the
        request is multipart, without it is JSON.
        """
        return _decode(await self._chain(method, params, files), Any)

    async def _request[T](self, method: str, params: dict[str, Any], returns: type[T], files: dict[str, Any] | None = None) -> T:
        return _decode(await self._chain(method, params, files), returns)

    # --- typed methods -------------------------------------------------------------------------------

    async def get_me(self) -> User:
        return await self._request("getMe", {}, User)

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int = 100,
        timeout: int | None = None,
        allowed_updates: Sequence[str] | None = None,
    ) -> list[Update]:
        """Long-poll for updates; `timeout` defaults to settings.poll_timeout. Confirms all < offset."""
        params = {
            "offset": offset,
            "limit": limit,
            "timeout": self._settings.poll_timeout if timeout is None else timeout,
            "allowed_updates": list(allowed_updates) if allowed_updates is not None else None,
        }
        return await self._request("getUpdates", params, list[Update])

    async def send_message(
        self,
        chat_id: ChatId,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        parse_mode: str | None = "HTML",
        disable_web_page_preview: bool = False,
        disable_notification: bool = False,
        allow_paid_broadcast: bool = False,
    ) -> Message:
        params = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": parse_mode,
            "reply_markup": reply_markup,
            "link_preview_options": _no_preview(disable_web_page_preview),
            "disable_notification": disable_notification or None,
            "allow_paid_broadcast": allow_paid_broadcast or None,
        }
        return await self._request("sendMessage", params, Message)

    async def edit_message_text(
        self,
        chat_id: ChatId,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        parse_mode: str | None = "HTML",
        disable_web_page_preview: bool = False,
    ) -> Message | None:
        """Edit a message's text. Returns the edited Message, or None when Telegram answers "message is
        not modified" (it already shows exactly this text and markup): that counts as success."""
        params = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "parse_mode": parse_mode,
            "reply_markup": reply_markup,
            "link_preview_options": _no_preview(disable_web_page_preview),
        }
        return await self._edit("editMessageText", params)

    async def edit_message_reply_markup(
        self, chat_id: ChatId, message_id: int, reply_markup: InlineKeyboardMarkup | None = None
    ) -> Message | None:
        """Replace (None: remove) a message's inline keyboard. None when not modified, as above."""
        params = {"chat_id": chat_id, "message_id": message_id, "reply_markup": reply_markup}
        return await self._edit("editMessageReplyMarkup", params)

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None, show_alert: bool = False) -> bool:
        params = {"callback_query_id": callback_query_id, "text": text, "show_alert": show_alert or None}
        return await self._request("answerCallbackQuery", params, bool)

    async def send_document(
        self,
        chat_id: ChatId,
        filename: str,
        content: bytes,
        caption: str | None = None,
        *,
        parse_mode: str | None = "HTML",
        reply_markup: InlineKeyboardMarkup | None = None,
        mime_type: str = "application/octet-stream",
    ) -> Message:
        """Upload `content` as a document named `filename` (multipart)."""
        params = {
            "chat_id": chat_id,
            "caption": caption,
            "parse_mode": parse_mode if caption is not None else None,
            "reply_markup": reply_markup,
        }
        files = {"document": (filename, content, mime_type)}
        return await self._request("sendDocument", params, Message, files)

    async def send_document_id(
        self,
        chat_id: ChatId,
        file_id: str,
        caption: str | None = None,
        *,
        parse_mode: str | None = "HTML",
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """Send again a document Telegram keeps, by the `file_id` of an earlier message's document: nothing
        is uploaded. A file_id this bot cannot use (another bot's, or unknown) is a BadRequest ("wrong file
        identifier/HTTP URL specified": `BadRequest.wrong_file`)."""
        params = {
            "chat_id": chat_id,
            "document": file_id,
            "caption": caption,
            "parse_mode": parse_mode if caption is not None else None,
            "reply_markup": reply_markup,
        }
        return await self._request("sendDocument", params, Message)

    async def send_photo(
        self,
        chat_id: ChatId,
        photo: str,
        caption: str | None = None,
        *,
        parse_mode: str | None = "HTML",
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """Send a picture by `photo`: a file_id Telegram knows, or an HTTP(S) URL it fetches. The caption
        is at most 1024 characters after entity parsing; a file_id or URL Telegram cannot use is a
        BadRequest ("wrong file identifier/HTTP URL specified")."""
        params = {
            "chat_id": chat_id,
            "photo": photo,
            "caption": caption,
            "parse_mode": parse_mode if caption is not None else None,
            "reply_markup": reply_markup,
        }
        return await self._request("sendPhoto", params, Message)

    async def get_file(self, file_id: str) -> File:
        """Prepare a file for `download_file`: the answer's `file_path` stays valid for at least an hour.
        Telegram lets bots download up to 20 MB: a bigger file is `FileTooBig` ("file is too big"), an
        unknown file_id a BadRequest ("invalid file_id")."""
        return await self._request("getFile", {"file_id": file_id}, File)

    async def download_file(self, file_path: str, *, max_bytes: int) -> bytes:
        """The bytes of `file_path` (from `get_file`), refused with `FileTooBig` once they pass `max_bytes`.

        Streams `{api_base_url}/file/bot<token>/<file_path>` on this client's transport, outside the call
        chain (see `telegram.client.download`); an unknown or expired path is `NotFound`.
        """
        url = f"{self._settings.api_base_url.rstrip('/')}/file/bot{self._settings.token}/{file_path.lstrip('/')}"
        return await download(self._http, url, max_bytes=max_bytes, timeout=httpx.Timeout(self._settings.request_timeout))

    async def delete_message(self, chat_id: ChatId, message_id: int) -> bool:
        return await self._request("deleteMessage", {"chat_id": chat_id, "message_id": message_id}, bool)

    async def set_my_commands(self, commands: Sequence[BotCommand], language_code: str | None = None) -> bool:
        params = {"commands": list(commands), "language_code": language_code}
        return await self._request("setMyCommands", params, bool)

    async def get_chat_member(self, chat_id: ChatId, user_id: int) -> ChatMember:
        """A user's membership of a chat (`chat_id` may be "@channelname"); for a channel the bot must
        be an administrator, else Telegram answers BadRequest "member list is inaccessible"."""
        return await self._request("getChatMember", {"chat_id": chat_id, "user_id": user_id}, ChatMember)

    async def send_invoice(
        self,
        chat_id: ChatId,
        title: str,
        description: str,
        payload: str,
        currency: str,
        prices: Sequence[LabeledPrice],
        *,
        provider_token: str = "",
        max_tip_amount: int | None = None,
        suggested_tip_amounts: Sequence[int] | None = None,
        start_parameter: str | None = None,
        photo_url: str | None = None,
        need_name: bool = False,
        need_phone_number: bool = False,
        need_email: bool = False,
        need_shipping_address: bool = False,
        is_flexible: bool = False,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """Send an invoice; the returned Message carries `invoice`. Amounts are integers in the currency's
        smallest units. Telegram Stars: currency "XTR", `provider_token` "" and exactly one price (the
        need_* flags are ignored). `payload` (1-128 bytes) comes back in the pre-checkout query and the
        successful payment; title is 1-32 characters, description 1-255."""
        params = {
            "chat_id": chat_id,
            "title": title,
            "description": description,
            "payload": payload,
            "provider_token": provider_token,
            "currency": currency,
            "prices": list(prices),
            "max_tip_amount": max_tip_amount,
            "suggested_tip_amounts": list(suggested_tip_amounts) if suggested_tip_amounts is not None else None,
            "start_parameter": start_parameter,
            "photo_url": photo_url,
            "need_name": need_name or None,
            "need_phone_number": need_phone_number or None,
            "need_email": need_email or None,
            "need_shipping_address": need_shipping_address or None,
            "is_flexible": is_flexible or None,
            "reply_markup": reply_markup,
        }
        return await self._request("sendInvoice", params, Message)

    async def answer_pre_checkout_query(self, pre_checkout_query_id: str, ok: bool, error_message: str | None = None) -> bool:
        """Confirm (ok=True) or refuse a pre-checkout query; a refusal needs `error_message`, which the user
        sees. Telegram waits 10 s for the answer: a later one is a BadRequest ("query is too old...")."""
        params = {"pre_checkout_query_id": pre_checkout_query_id, "ok": ok, "error_message": error_message}
        return await self._request("answerPreCheckoutQuery", params, bool)

    async def refund_star_payment(self, user_id: int, telegram_payment_charge_id: str) -> bool:
        """Give a Stars payment back; the bot then gets a `refunded_payment` message. A second refund of one
        charge is a BadRequest ("CHARGE_ALREADY_REFUNDED")."""
        params = {"user_id": user_id, "telegram_payment_charge_id": telegram_payment_charge_id}
        return await self._request("refundStarPayment", params, bool)

    async def get_star_transactions(self, offset: int = 0, limit: int = 100) -> StarTransactions:
        """The bot's Stars transactions oldest first: `offset` of them skipped, at most `limit` (1–100)."""
        return await self._request("getStarTransactions", {"offset": offset, "limit": limit}, StarTransactions)

    async def get_webhook_info(self) -> WebhookInfo:
        """The webhook Telegram has registered for the bot (an empty `url` when none), with the updates
        waiting for it and its last delivery error."""
        return await self._request("getWebhookInfo", {}, WebhookInfo)

    async def _edit(self, method: str, params: dict[str, Any]) -> Message | None:
        try:
            # A union is no `type[T]` for _request: decoded here, to the same union.
            result: Message | bool = _decode(await self._chain(method, params, None), Message | bool)
        except BadRequest as e:
            if e.not_modified:
                return None
            raise
        # True is only returned for inline-mode messages, which these methods do not address.
        return result if isinstance(result, Message) else None


def _no_preview(disable: bool) -> dict[str, bool] | None:
    # disable_web_page_preview was replaced by link_preview_options in Bot API 7.0.
    return {"is_disabled": True} if disable else None


def _decode(value: Any, returns: Any) -> Any:
    # The chain yields msgspec.Raw from HttpCall; a transformer may also answer with plain Python values.
    if isinstance(value, msgspec.Raw):
        return msgspec.json.decode(value, type=returns)
    return msgspec.convert(value, returns)
