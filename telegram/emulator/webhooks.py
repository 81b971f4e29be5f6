"""Webhooks: setWebhook, deleteWebhook and getWebhookInfo with Telegram's checks and wording, and the
delivery of a bot's updates to its webhook as Telegram does it.

Delivery (`deliver_webhooks`, run by whoever runs the emulator: it owns tasks, the emulator does not):
one POST per update, its JSON as the body, the secret in X-Telegram-Bot-Api-Secret-Token when one
was set; a 2xx answer delivers the update (gone from pending_update_count, counted in `deliveries`),
anything else or a failed connection is retried after a backoff and recorded as getWebhookInfo's
last_error_date / last_error_message. A 2xx answer may carry one Bot API call (a JSON object or a
form with `method`), which is run then, its result told to nobody. A chat's next update is sent only
once the request with its previous one finished, and at most `max_connections` requests are open at
once. Telegram gives up on an update after many hours of failures; the emulator keeps trying (its runs
are shorter), until the webhook is deleted or changed, when the update stays pending for getUpdates.

`local` (the sandbox's and the tests' emulator): an http:// URL on a loopback address is accepted
besides Telegram's https:// ones, since that is where a shop on this machine listens.
"""

import itertools
import json
import re
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

import httpx
import trio

from ..connections import Connections, timeouts
from .errors import bad_request
from .params import get_bool, get_int, get_json, get_str
from .state import DEFAULT_MAX_CONNECTIONS, BotRecord, Webhook

if TYPE_CHECKING:
    from .core import Emulator

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
PORTS = (443, 80, 88, 8443)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0)
TIMEOUT = httpx.Timeout(60.0)
# setWebhook's max_connections at most.
MOST_CONNECTIONS = 100


def check_url(url: str, *, local: bool) -> None:
    parts = urlsplit(url)
    if local and parts.scheme == "http" and parts.hostname in LOOPBACK:
        return
    if parts.scheme != "https" or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parts.port or 443
    except ValueError:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known") from None
    if port not in PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


async def set_webhook(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    url = get_str(p, "url") or ""
    if not url:
        return await delete_webhook(emu, bot, p)
    check_url(url, local=emu.local_webhooks)
    secret = get_str(p, "secret_token") or ""
    if secret and not SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    connections = get_int(p, "max_connections", DEFAULT_MAX_CONNECTIONS) or DEFAULT_MAX_CONNECTIONS
    allowed = get_json(p, "allowed_updates", "can't parse allowed_updates JSON object")
    # Telegram keeps the old list when a call gives none.
    if allowed is not None:
        bot.queue.allowed_updates = list(allowed)
    if get_bool(p, "drop_pending_updates"):
        bot.queue.drop_pending()
    bot.webhook = Webhook(
        url=url, secret=secret, max_connections=min(max(connections, 1), MOST_CONNECTIONS), ip_address=get_str(p, "ip_address")
    )
    bot.queue.notify()
    return True


async def delete_webhook(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    bot.webhook = None
    bot.queue.notify()
    if get_bool(p, "drop_pending_updates"):
        bot.queue.drop_pending()
    return True


async def get_webhook_info(emu: "Emulator", bot: BotRecord, p: dict[str, Any]) -> Any:
    hook = bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": bot.queue.pending_count,
    }
    if hook is None:
        return info
    info["max_connections"] = hook.max_connections
    if hook.ip_address:
        info["ip_address"] = hook.ip_address
    if hook.last_error_date is not None:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    if bot.queue.allowed_updates:
        info["allowed_updates"] = bot.queue.allowed_updates
    return info


async def deliver_webhooks(emu: "Emulator", *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> NoReturn:
    """Deliver every bot's updates to its webhook while one is set, until cancelled. Supports the
    trio nursery start protocol. Bots created later are served too."""
    async with trio.open_nursery() as nursery:
        served: set[int] = set()
        task_status.started()
        while True:
            for bot in emu.bots:
                if bot.id not in served:
                    served.add(bot.id)
                    nursery.start_soon(_serve_bot, emu, bot)
            await emu.bots_changed().wait()


async def _serve_bot(emu: "Emulator", bot: BotRecord) -> NoReturn:
    busy: set[int | str] = set()  # the chats (or lone updates) with a request open
    # Telegram keeps a webhook's connections open between requests, up to 100 a bot (a slot each:
    # telegram.connections says why not one httpx pool). An idle one is given up before the 5 s after
    # which servers commonly close it (hypercorn's keep-alive timeout): reusing one the server closes
    # at that moment fails the request (a ReadError).
    client = Connections(slots=MOST_CONNECTIONS, keepalive=4.0)
    async with client, trio.open_nursery() as nursery:
        while True:
            changed = bot.queue.changed()
            hook = bot.webhook
            if hook is not None:
                for update in bot.queue.waiting():
                    if len(busy) >= hook.max_connections:
                        break
                    lane = _lane(update)
                    if lane not in busy:
                        busy.add(lane)
                        nursery.start_soon(_deliver, emu, bot, hook, update, client, busy, lane)
            await changed.wait()


async def _deliver(
    emu: "Emulator",
    bot: BotRecord,
    hook: Webhook,
    update: dict[str, Any],
    client: Connections,
    busy: set[int | str],
    lane: int | str,
) -> None:
    headers = {"Content-Type": "application/json"}
    if hook.secret:
        headers[SECRET_HEADER] = hook.secret
    body = json.dumps(update, ensure_ascii=False).encode()
    try:
        for attempt in itertools.count():
            try:
                request = httpx.Request("POST", hook.url, content=body, headers=headers, extensions=timeouts(TIMEOUT))
                response = await client.send(request)
            except httpx.TransportError as error:
                problem = "Connection refused" if isinstance(error, httpx.ConnectError) else f"{type(error).__name__}"
            else:
                if 200 <= response.status_code < 300:
                    bot.queue.delivered(update["update_id"])
                    carried = _carried_call(response)
                    if carried is not None:
                        # Run as Telegram does, its outcome told to nobody (the call log has it).
                        await emu.call_api(bot.token, *carried)
                    return
                status = response.status_code
                problem = f"Wrong response from the webhook: {status} {httpx.codes.get_reason_phrase(status)}"
            hook.last_error_date = emu.unix_now()
            hook.last_error_message = problem
            await trio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            if bot.webhook is not hook:
                return  # deleted or replaced: the update stays pending
    finally:
        busy.discard(lane)
        bot.queue.notify()


def _carried_call(response: httpx.Response) -> tuple[str, dict[str, Any]] | None:
    """The Bot API call a webhook's answer carries: a JSON object or a form with a `method` field,
    the rest its parameters; None for any other answer."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    params: Any = None
    if kind == "application/json":
        try:
            params = json.loads(response.content)
        except ValueError:
            return None
    elif kind == "application/x-www-form-urlencoded":
        params = dict(parse_qsl(response.text))
    if not isinstance(params, dict) or not isinstance(params.get("method"), str):
        return None
    method = params.pop("method")
    return method, params


def _lane(update: dict[str, Any]) -> int | str:
    """The chat whose order the update keeps; an update of no chat is a lane of its own."""
    for key, payload in update.items():
        if key == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"])
        if "from" in payload:
            return int(payload["from"]["id"])
    return f"update:{update['update_id']}"
