"""What a staff member is told in the chat as it happens: every sale, a daily digest at a chosen hour,
low stock, a payment stuck or refused, a dispute opened. Each toggle is the staff member's own.

Any staff member may open it (declared on the router); a notice is offered only when they may see
what it tells (storage's NOTICE_NEED), and the store checks that again when the choice is saved
(storage.staff_notices.choose_notices, audited with the change). The hours are UTC: the shop keeps no
time zone per person, and the screen says so.
"""

from datetime import UTC, datetime

import msgspec

from storage import NOTICE_KINDS, NOTICE_NEED, NoticeChoices, NoticeKind, Refused, may
from telegram.routing import Button, Context, Router, Row, keyboard, permission_name, show_refusal
from telegram.screens.admin.callbacks import DigestHours, OpenNotices, SetDigestHour, ToggleNotice
from telegram.screens.admin.panel import back_row

router = Router(name=__name__, need="staff")

KIND_LABEL: dict[NoticeKind, str] = {
    "sales": "notices.kind.sales",
    "digest": "notices.kind.digest",
    "low_stock": "notices.kind.low_stock",
    "payments": "notices.kind.payments",
    "disputes": "notices.kind.disputes",
}
HOURS_PER_ROW = 6


@router.callback(OpenNotices, action="notices")
async def open_notices(ctx: Context, _data: OpenNotices) -> None:
    await _show(ctx, await ctx.shop.store.notice_choices(ctx.user.id))


@router.callback(ToggleNotice, action="notices.choose")
async def toggle_notice(ctx: Context, data: ToggleNotice) -> None:
    if data.kind not in NOTICE_KINDS:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    current = await ctx.shop.store.notice_choices(ctx.user.id)
    await _choose(ctx, msgspec.structs.replace(current, **{data.kind: data.on}))


@router.callback(DigestHours, action="notices")
async def digest_hours(ctx: Context, _data: DigestHours) -> None:
    buttons: list[Button] = [(f"{hour:02d}:00", SetDigestHour(hour=hour)) for hour in range(24)]
    rows: list[Row] = [buttons[start : start + HOURS_PER_ROW] for start in range(0, 24, HOURS_PER_ROW)]
    rows.append([(ctx.t.plain("notices.button.back"), OpenNotices())])
    await ctx.show(ctx.t("notices.hours"), keyboard(*rows))


@router.callback(SetDigestHour, action="notices.choose")
async def set_digest_hour(ctx: Context, data: SetDigestHour) -> None:
    if not 0 <= data.hour <= 23:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    current = await ctx.shop.store.notice_choices(ctx.user.id)
    await _choose(ctx, msgspec.structs.replace(current, digest=True, digest_hour=data.hour))


async def _choose(ctx: Context, chosen: NoticeChoices) -> None:
    saved = await ctx.shop.store.choose_notices(ctx.user.id, chosen, owner_id=ctx.shop.owner_id, now=datetime.now(UTC))
    if isinstance(saved, Refused):  # audited by the store
        if saved.permission is not None:
            await show_refusal(ctx, saved.reason, permission=permission_name(ctx, saved.permission))
        else:
            await show_refusal(ctx, saved.reason)
        return
    await ctx.notify(ctx.t.plain("notices.saved"))
    await _show(ctx, saved)


def offered(ctx: Context) -> list[NoticeKind]:
    """The notices this staff member may choose: those whose figures they may see."""
    return [kind for kind in NOTICE_KINDS if may(ctx.user, NOTICE_NEED[kind], ctx.shop.owner_id)]


async def _show(ctx: Context, choices: NoticeChoices) -> None:
    rows: list[Row] = []
    for kind in offered(ctx):
        on = choices.wants(kind)
        name = ctx.t.plain(KIND_LABEL[kind], hour=f"{choices.digest_hour:02d}")
        rows.append([(ctx.t.plain("notices.on" if on else "notices.off", name=name), ToggleNotice(kind=kind, on=not on))])
        if kind == "digest":
            rows.append([(ctx.t.plain("notices.button.hour", hour=f"{choices.digest_hour:02d}"), DigestHours())])
    rows.append(back_row(ctx))
    await ctx.show(ctx.t("notices.title"), keyboard(*rows))
