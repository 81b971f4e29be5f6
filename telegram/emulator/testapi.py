"""The test API under /_emulator/: drive the emulator from another process (e.g. a bot under test).

Routes (JSON in, JSON out; errors are {"error": "...", ...} with status 400/404):

    POST   /bots                       {token, username, first_name?}      → {id, token, username}
    POST   /users/{id}/send            {text, first_name?, username?, language_code?, bot?, wait?} → Message
    POST   /users/{id}/send_document   {file_name, content (base64), caption?, mime_type?, bot?, wait?} → Message
    POST   /users/{id}/send_photo      {content (base64), caption?, bot?, wait?} → Message
    POST   /users/{id}/press           {label, message_id?, bot?, wait?}   → {callback_query_id}
                                       404 {error, label, available} when no such pressable button
    POST   /users/{id}/block  | /unblock  {bot?}                           → {ok: true}
    POST   /groups/{id}/send           {text, user? | from_bot?, first_name?, title?, type?, bot?} → Message
                                       in the group (created on first use; negative id), from user id
                                       `user` or from another bot `from_bot` (token, username or id)
    GET    /groups/{id}/transcript     ?bot=                               → [Message]
    POST   /users/{id}/pay             {message_id?, link?, bot?, wait?}   → {status, charge_id?, error_message?, ...}
                                       waits (up to 10 s) for the bot's answerPreCheckoutQuery
    PUT    /channels/{chat}/members/{user id}  {status, is_member?, title?}  → {ok: true}
                                       `chat` is "@username" or a negative id; the channel is created on
                                       first use; status: creator administrator member restricted left kicked
    GET    /users/{id}/stars                                               → {stars}
    GET    /users/{id}/callback_answers                                    → [answer]
    GET    /chats/{id}/transcript      ?bot=                               → [Message]
    POST   /faults                     {method?, kind, times?, retry_after?, status?, after?} → {ok: true}
    DELETE /faults                                                         → {ok: true}
    GET    /calls                                                          → [{time, method, params, bot}]
                                       `bot`: the id of the bot that made the call (null: an unknown token)
    GET    /deliveries                 ?bot=                               → {pending, delivered: {update_id: n}}

`bot` may be a token, username or id; default is the first bot created.

send, press and pay answer once the bot has answered what the user did, so that a script's next
line (a press on the button the answer brings) finds it: after the bot's first message, edit,
deletion or button answer in the chat (for a press: its answerCallbackQuery, which a bot sends once
it has drawn its screen), and then ANSWER_QUIET seconds without another (a screen may take several
calls). `wait` bounds that, in seconds (default ANSWER_WAIT, at most ANSWER_WAIT_MAX): when it runs
out the answer is what there is; `"wait": 0` answers at once (a test driving the bot by hand).
A payment the bot refused, or one that never reached it, has no answer to wait for.
"""

import base64
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import trio

from telegram.doors import Reply, Request, json_reply, read_test_call

from .errors import ButtonNotFound, EmulatorError
from .faults import Fault

if TYPE_CHECKING:
    from .core import Emulator
    from .state import Chat

# How long send, press and pay wait for the bot's answer unless told (`wait`), and the most they wait.
ANSWER_WAIT = 10.0
ANSWER_WAIT_MAX = 60.0
# The bot's answer is complete once its chat has been still this long.
ANSWER_QUIET = 0.5


async def handle_test_api(emu: "Emulator", request: Request) -> Reply:
    """Answer one request to the test API (`request.path` is what follows /_emulator/)."""
    call = read_test_call(request)
    if isinstance(call, Reply):
        return call
    try:
        return await _route(emu, request.method, call.parts, call.data, call.args)
    except ButtonNotFound as e:
        return json_reply(404, {"error": "button not found", "label": e.label, "available": e.available, "reason": e.reason})
    except (EmulatorError, ValueError, TypeError, KeyError) as e:  # a bad base64 content is a ValueError too
        return json_reply(400, {"error": str(e)})


def _wait(data: dict[str, Any]) -> float:
    wait = data.get("wait", ANSWER_WAIT)
    if isinstance(wait, bool) or not isinstance(wait, int | float) or not 0 <= wait <= ANSWER_WAIT_MAX:
        raise ValueError(f"wait: seconds from 0 to {ANSWER_WAIT_MAX:g}, got {wait!r}")
    return float(wait)


async def _bot_answer(chat: "Chat", before: trio.Event, wait: float, answered: Callable[[], bool] | None = None) -> None:
    """Return once the bot has answered in `chat` since `before` (its changed() event taken before the
    user acted) and `answered()` holds, and then the chat stayed still for ANSWER_QUIET; or after
    `wait` seconds, whatever the bot did by then (see the module docstring)."""
    with trio.move_on_after(wait):
        await before.wait()
        while answered is not None and not answered():
            await chat.changed().wait()
        while True:
            changed = chat.changed()
            with trio.move_on_after(ANSWER_QUIET) as still:
                await changed.wait()
            if still.cancelled_caught:
                return


def _bot_ref(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


async def _route(emu: "Emulator", method: str, parts: list[str], data: dict[str, Any], args: dict[str, str]) -> Reply:
    match method, parts:
        case "POST", ["bots"]:
            bot = emu.create_bot(
                token=data["token"], username=data.get("username", "test_bot"), first_name=data.get("first_name", "Bot")
            )
            return json_reply(200, {"id": bot.id, "token": bot.token, "username": bot.username})
        case "POST", ["users", uid, "send"]:
            wait = _wait(data)
            user = emu.user(
                int(uid), data.get("first_name"), username=data.get("username"), language_code=data.get("language_code")
            )
            chat = emu.chat(emu.bot(_bot_ref(data.get("bot"))), user.id)
            before = chat.changed()
            message = await user.send_text(data["text"], bot=chat.bot)
            await _bot_answer(chat, before, wait)
            return json_reply(200, message)
        case "POST", ["users", uid, "send_document" | "send_photo" as kind]:
            wait = _wait(data)
            user = emu.user(int(uid))
            chat = emu.chat(emu.bot(_bot_ref(data.get("bot"))), user.id)
            before = chat.changed()
            content = base64.b64decode(data["content"], validate=True)
            if kind == "send_document":
                sent = await user.send_document(
                    data["file_name"], content, caption=data.get("caption"), mime_type=data.get("mime_type"), bot=chat.bot
                )
            else:
                sent = await user.send_photo(content, caption=data.get("caption"), bot=chat.bot)
            await _bot_answer(chat, before, wait)
            return json_reply(200, sent)
        case "PUT", ["channels", channel, "members", uid]:
            chat_ref: str | int = channel if channel.startswith("@") else int(channel)
            if "title" in data:
                emu.channel(chat_ref, title=data["title"])
            emu.set_chat_member(chat_ref, int(uid), data["status"], is_member=data.get("is_member"))
            return json_reply(200, {"ok": True})
        case "POST", ["users", uid, "press"]:
            wait = _wait(data)
            user = emu.user(int(uid))
            chat = emu.chat(emu.bot(_bot_ref(data.get("bot"))), user.id)
            before = chat.changed()
            query_id = await user.press(data["label"], data.get("message_id"), bot=chat.bot)
            await _bot_answer(chat, before, wait, answered=lambda: emu.queries[query_id].answered)
            return json_reply(200, {"callback_query_id": query_id})
        case "POST", ["users", uid, "block" | "unblock" as action]:
            user = emu.user(int(uid))
            (user.block_bot if action == "block" else user.unblock_bot)(bot=_bot_ref(data.get("bot")))
            return json_reply(200, {"ok": True})
        case "POST", ["users", uid, "pay"]:
            wait = _wait(data)
            user = emu.user(int(uid))
            outcome = await user.pay(data.get("message_id"), link=data.get("link"), bot=_bot_ref(data.get("bot")))
            if outcome.update_id is not None:
                # Taken as the payment message is queued (no checkpoint since): the bot's answer follows it.
                chat = emu.chat(emu.bot(emu.payments.charges[str(outcome.charge_id)].bot_id), user.id)
                await _bot_answer(chat, chat.changed(), wait)
            return json_reply(200, {k: v for k, v in dataclasses.asdict(outcome).items() if v is not None})
        case "POST", ["groups", gid, "send"]:
            group = emu.group(
                int(gid), title=data.get("title", "Group"), type=data.get("type", "supergroup"), bot=_bot_ref(data.get("bot"))
            )
            if "from_bot" in data:
                sender: Any = emu.bot(_bot_ref(data["from_bot"]))
            else:
                sender = emu.user(int(data["user"]), data.get("first_name"))
            return json_reply(200, await group.send_text(sender, data["text"]))
        case "GET", ["groups", gid, "transcript"]:
            return json_reply(200, emu.group(int(gid), bot=_bot_ref(args.get("bot"))).transcript())
        case "GET", ["users", uid, "stars"]:
            return json_reply(200, {"stars": emu.user(int(uid)).stars})
        case "GET", ["users", uid, "callback_answers"]:
            return json_reply(200, emu.user(int(uid)).callback_answers)
        case "GET", ["chats", cid, "transcript"]:
            return json_reply(200, emu.user(int(cid)).transcript(bot=_bot_ref(args.get("bot"))))
        case "POST", ["faults"]:
            fields = {k: data[k] for k in ("method", "kind", "times", "retry_after", "status", "after") if k in data}
            emu.faults.inject(Fault(**fields))
            return json_reply(200, {"ok": True})
        case "DELETE", ["faults"]:
            emu.faults.clear()
            return json_reply(200, {"ok": True})
        case "GET", ["calls"]:
            return json_reply(200, [{"time": c[0], "method": c[1], "params": c[2], "bot": c.bot} for c in emu.calls])
        case "GET", ["deliveries"]:
            bot = _bot_ref(args.get("bot"))
            return json_reply(
                200,
                {"pending": emu.pending_updates(bot), "delivered": {str(k): v for k, v in emu.updates_delivered(bot).items()}},
            )
    return json_reply(404, {"error": f"no route {method} /_emulator/{'/'.join(parts)}"})
