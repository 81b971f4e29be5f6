"""Broadcasts from the chat: write the text (Telegram HTML), see it as buyers will, choose the audience
and an optional link button, confirm; then one progress message the broadcaster keeps up to date,
with Pause / Resume / Cancel.

The draft is conversation state in the key-value store (memory, or Redis when configured), kept for
DRAFT_SECONDS. Sending is the broadcaster's job (actors.broadcaster): this screen only creates the
persisted broadcast and rings its doorbell.
"""

from typing import Any

import msgspec

from storage import BroadcastRecord, Permission
from telegram.errors import BadRequest
from telegram.i18n import LANGUAGES
from telegram.limits import TEXT_LIMIT, html_units
from telegram.routing import Context, Router, Row, StateSlot, keyboard
from telegram.screens.admin.callbacks import (
    BroadcastAudience,
    BroadcastButton,
    MoveBroadcast,
    NewBroadcast,
    OpenBroadcast,
    OpenBroadcasts,
    SendBroadcast,
)
from telegram.screens.admin.panel import back_row, cancel_row
from telegram.texts import Texts
from telegram.types import InlineKeyboardButton, InlineKeyboardMarkup

router = Router(name=__name__, need=Permission.BROADCAST)

DRAFT_SECONDS = 3600.0
MAX_LABEL = 64
RECENT = 5
BAR = 10
AUDIENCE_LABEL = {"all": "admin.broadcast.audience.all", "buyers": "admin.broadcast.audience.buyers"}
LANGUAGE_LABEL = {"en": "admin.broadcast.audience.en", "ru": "admin.broadcast.audience.ru"}
STATUS_LABEL = {
    "running": "admin.broadcast.status.running",
    "paused": "admin.broadcast.status.paused",
    "cancelled": "admin.broadcast.status.cancelled",
    "done": "admin.broadcast.status.done",
}
LINK_SCHEMES = ("https://", "http://", "tg://")


class Draft(msgspec.Struct, kw_only=True):
    text: str
    audience: str = "all"
    button_text: str | None = None
    button_url: str | None = None


DRAFT = StateSlot("broadcast-draft", Draft, ttl=DRAFT_SECONDS)


async def _load_draft(ctx: Context) -> Draft | None:
    return await DRAFT.load(ctx.shop.store.kv, ctx.user.id)


async def _save_draft(ctx: Context, draft: Draft) -> None:
    await DRAFT.save(ctx.shop.store.kv, ctx.user.id, draft)


def storage_audience(choice: str) -> str:
    return f"lang:{choice}" if choice in LANGUAGES else choice


def link_markup(button_text: str | None, button_url: str | None) -> InlineKeyboardMarkup | None:
    """The broadcast's own button, as every recipient gets it."""
    if not button_text or not button_url:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=button_text, url=button_url)]])


@router.callback(OpenBroadcasts, action="broadcast.list")
async def broadcasts(ctx: Context, _data: OpenBroadcasts) -> None:
    recent = await ctx.shop.store.recent_broadcasts(RECENT)
    lines = [ctx.t("admin.broadcast.title")]
    lines += [_summary(ctx.t, job) for job in recent]
    if not recent:
        lines.append(ctx.t("admin.users.none"))
    rows = [
        [(ctx.t.plain("admin.broadcast.button.open", id=job.id), OpenBroadcast(broadcast_id=job.id))]
        for job in recent
        if job.status in ("running", "paused")
    ]
    await ctx.show(
        "\n".join(lines), keyboard(*rows, [(ctx.t.plain("admin.broadcast.button.new"), NewBroadcast())], back_row(ctx))
    )


@router.callback(NewBroadcast, action="broadcast.create")
async def new_broadcast(ctx: Context, _data: NewBroadcast) -> None:
    await ctx.expect("broadcast_text")
    await ctx.show(ctx.t("admin.broadcast.ask_text"), keyboard(cancel_row(ctx)))


@router.pending("broadcast_text", action="broadcast.create")
async def text_typed(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    if not text.strip() or html_units(text) > TEXT_LIMIT:
        await ctx.reply(ctx.t("admin.broadcast.bad_text"), keyboard(cancel_row(ctx)))
        return
    draft = Draft(text=text)
    if not await _preview(ctx, draft):
        return
    await ctx.forget()
    await _save_draft(ctx, draft)
    await _show_draft(ctx, draft, new=True)


@router.callback(BroadcastAudience, action="broadcast.create")
async def choose_audience(ctx: Context, data: BroadcastAudience) -> None:
    draft = await _load_draft(ctx)
    if draft is None or (data.audience not in AUDIENCE_LABEL and data.audience not in LANGUAGES):
        await ctx.notify(ctx.t.plain("admin.broadcast.draft_gone"), alert=True)
        return
    draft.audience = data.audience
    await _save_draft(ctx, draft)
    await _show_draft(ctx, draft)


@router.callback(BroadcastButton, action="broadcast.create")
async def ask_button(ctx: Context, _data: BroadcastButton) -> None:
    await ctx.expect("broadcast_button")
    await ctx.reply(ctx.t("admin.broadcast.ask_button"), keyboard(cancel_row(ctx)))


@router.pending("broadcast_button", action="broadcast.create")
async def button_typed(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    draft = await _load_draft(ctx)
    if draft is None:
        await ctx.forget()
        await ctx.reply(ctx.t("admin.broadcast.draft_gone"))
        return
    label, _, url = text.strip().rpartition(" ")
    label = label.strip()
    if not label or len(label) > MAX_LABEL or not url.startswith(LINK_SCHEMES) or len(url) > 512:
        await ctx.reply(ctx.t("admin.broadcast.bad_button"), keyboard(cancel_row(ctx)))
        return
    draft.button_text, draft.button_url = label, url
    if not await _preview(ctx, draft):
        return
    await ctx.forget()
    await _save_draft(ctx, draft)
    await _show_draft(ctx, draft, new=True)


@router.callback(SendBroadcast, action="broadcast.create")
async def send(ctx: Context, _data: SendBroadcast) -> None:
    draft = await _load_draft(ctx)
    if draft is None:
        await ctx.notify(ctx.t.plain("admin.broadcast.draft_gone"), alert=True)
        return
    await DRAFT.clear(ctx.shop.store.kv, ctx.user.id)
    pressed = ctx.callback.message if ctx.callback is not None else None
    job = await ctx.shop.store.create_broadcast(
        ctx.user.id,
        draft.text,
        storage_audience(draft.audience),
        button_text=draft.button_text,
        button_url=draft.button_url,
        paid=ctx.shop.paid_broadcast,
        progress_chat_id=ctx.chat_id if pressed is not None else None,
        progress_message_id=pressed.message_id if pressed is not None else None,
        once=ctx.update.update_id,
    )
    await ctx.show(*progress_view(ctx.t, job))
    ctx.shop.broadcast_doorbell()


@router.callback(OpenBroadcast, action="broadcast.list")
async def open_broadcast(ctx: Context, data: OpenBroadcast) -> None:
    job = await ctx.shop.store.get_broadcast(data.broadcast_id)
    if job is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    pressed = ctx.callback.message if ctx.callback is not None else None
    if pressed is not None and job.status in ("running", "paused"):
        # The broadcaster keeps this message up to date from now on.
        await ctx.shop.store.set_progress_message(job.id, ctx.chat_id, pressed.message_id)
    await ctx.show(*progress_view(ctx.t, job))


@router.callback(MoveBroadcast, action=lambda data: f"broadcast.{data.move}"[:64])
async def move_broadcast(ctx: Context, data: MoveBroadcast) -> None:
    if data.move not in ("pause", "resume", "cancel"):
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    job = await ctx.shop.store.move_broadcast(data.broadcast_id, data.move, actor_id=ctx.user.id)
    if job is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    ctx.shop.broadcast_doorbell()
    await ctx.show(*progress_view(ctx.t, job))


async def _preview(ctx: Context, draft: Draft) -> bool:
    """Send the message as recipients will see it; False (and why, and the question stays) when
    Telegram cannot parse its HTML."""
    await ctx.reply(ctx.t("admin.broadcast.preview_head"))
    try:
        await ctx.bot.send_message(ctx.chat_id, draft.text, reply_markup=link_markup(draft.button_text, draft.button_url))
    except BadRequest as error:
        await ctx.reply(ctx.t("admin.broadcast.bad_html", reason=error.description), keyboard(cancel_row(ctx)))
        return False
    return True


async def _show_draft(ctx: Context, draft: Draft, *, new: bool = False) -> None:
    size = await ctx.shop.store.audience_size(storage_audience(draft.audience))
    choices = [*AUDIENCE_LABEL, *LANGUAGES]
    audience_row = [
        (_mark(ctx, choice == draft.audience, _audience_name(ctx, choice)), BroadcastAudience(audience=choice))
        for choice in choices
    ]
    text = ctx.t("admin.broadcast.draft", audience=_audience_name(ctx, draft.audience), count=size)
    markup = keyboard(
        audience_row[:2],
        audience_row[2:],
        [(ctx.t.plain("admin.broadcast.button.link"), BroadcastButton())],
        [(ctx.t.plain("admin.broadcast.button.send", count=size), SendBroadcast())],
        cancel_row(ctx),
    )
    if new:
        await ctx.reply(text, markup)
    else:
        await ctx.show(text, markup)


def _audience_name(ctx: Context, choice: str) -> str:
    if choice in LANGUAGE_LABEL:
        return ctx.t.plain(LANGUAGE_LABEL[choice])
    return ctx.t.plain(AUDIENCE_LABEL.get(choice, "admin.broadcast.audience.all"))


def _mark(ctx: Context, chosen: bool, label: str) -> str:
    return ctx.t.plain("admin.broadcast.chosen", label=label) if chosen else label


def _summary(t: Texts, job: BroadcastRecord) -> str:
    return t(
        "admin.broadcast.summary",
        id=job.id,
        status=t.plain(STATUS_LABEL.get(job.status, "admin.broadcast.status.done")),
        delivered=job.delivered,
        blocked=job.blocked,
        failed=job.failed,
        total=job.total,
    )


def progress_view(t: Texts, job: BroadcastRecord) -> tuple[str, InlineKeyboardMarkup]:
    """The progress message: a bar, the counts, and the controls its status allows."""
    done = job.delivered + job.blocked + job.failed
    percent = 100 if job.status == "done" else min(100, done * 100 // max(job.total, 1))
    filled = percent * BAR // 100
    text = t(
        "admin.broadcast.progress",
        id=job.id,
        status=t.plain(STATUS_LABEL.get(job.status, "admin.broadcast.status.done")),
        bar="▓" * filled + "░" * (BAR - filled),
        percent=percent,
        done=done,
        total=max(job.total, done),
        delivered=job.delivered,
        blocked=job.blocked,
        failed=job.failed,
    )
    rows: list[Row] = []
    if job.status == "running":
        rows.append(
            [
                (t.plain("admin.broadcast.button.pause"), MoveBroadcast(broadcast_id=job.id, move="pause")),
                (t.plain("admin.broadcast.button.cancel"), MoveBroadcast(broadcast_id=job.id, move="cancel")),
            ]
        )
    elif job.status == "paused":
        rows.append(
            [
                (t.plain("admin.broadcast.button.resume"), MoveBroadcast(broadcast_id=job.id, move="resume")),
                (t.plain("admin.broadcast.button.cancel"), MoveBroadcast(broadcast_id=job.id, move="cancel")),
            ]
        )
    rows.append([(t.plain("admin.button.broadcasts"), OpenBroadcasts())])
    return text, keyboard(*rows)


def final_report(t: Texts, job: BroadcastRecord) -> str:
    return t(
        "admin.broadcast.report",
        id=job.id,
        status=t.plain(STATUS_LABEL.get(job.status, "admin.broadcast.status.done")),
        delivered=job.delivered,
        blocked=job.blocked,
        failed=job.failed,
    )
