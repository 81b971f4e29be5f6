"""The staff's promo codes: the list (by code, a page at a time) with a Disable button on each active
code, and a new code in three steps: the code, its kind (buttons), its value. Needs the catalog
permission, checked on every press and every typed answer; a credit code (balance credit: it makes
money) needs the money permission as well, which the store checks again.

A code made here has the defaults a shop usually wants: unlimited uses, once per user, no expiry, any
item (the CLI sets the rest). Creating and disabling are audited by the store, in the same transaction.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from storage import PROMO_CODE, Duplicate, Permission, PromoRecord, StaffRefused, UnknownPromo, may
from telegram.amounts import parse_amount
from telegram.routing import Context, Router, admit, keyboard
from telegram.screens.admin.access import answer_refused
from telegram.screens.admin.callbacks import DisablePromo, NewPromo, OpenPromos, PromoKindChosen
from telegram.screens.admin.panel import back_row, cancel_row
from telegram.screens.paging import pager
from telegram.screens.user.dates import short_date

router = Router(name=__name__, need=Permission.CATALOG)

PAGE = 10
KIND_LABEL = {
    "percent": "admin.promo.kind.percent",
    "fixed": "admin.promo.kind.fixed",
    "credit": "admin.promo.kind.credit",
}
VALUE_QUESTION = {
    "percent": "admin.promo.ask_percent",
    "fixed": "admin.promo.ask_fixed",
    "credit": "admin.promo.ask_credit",
}
VALUE_TEXT = {
    "percent": "admin.promo.value.percent",
    "fixed": "admin.promo.value.fixed",
    "credit": "admin.promo.value.credit",
}
HUNDRED = Decimal(100)


@router.callback(OpenPromos, action="promo.list")
async def promos(ctx: Context, data: OpenPromos) -> None:
    await _show_list(ctx, data.page)


async def _show_list(ctx: Context, page_number: int, *, head: str | None = None) -> None:
    """The page `page_number` of the codes, under `head` when given."""
    page = await ctx.shop.store.list_promos(page_number, PAGE)
    lines = [head, ""] if head else []
    lines.append(ctx.t("admin.promo.title", count=page.total))
    lines += [_row(ctx, promo) for promo in page.rows]
    if not page.total:
        lines.append(ctx.t("admin.promo.none"))
    rows = [
        [(ctx.t.plain("admin.promo.button.disable", code=promo.code), DisablePromo(code=promo.code, page=page.number))]
        for promo in page.rows
        if promo.active
    ]
    pages = pager(ctx, page, lambda number: OpenPromos(page=number))
    markup = keyboard(*rows, *([pages] if pages else []), [(ctx.t.plain("admin.promo.button.new"), NewPromo())], back_row(ctx))
    await ctx.show("\n".join(lines), markup)


def _row(ctx: Context, promo: PromoRecord) -> str:
    if promo.max_uses is None:
        uses = ctx.t.plain("admin.promo.uses_unlimited", uses=promo.uses)
    else:
        uses = ctx.t.plain("admin.promo.uses", uses=promo.uses, limit=promo.max_uses)
    if promo.expires_at is None:
        expiry = ctx.t.plain("admin.promo.no_expiry")
    else:
        # expires_at is the first moment it no longer works: the day before is the last one it does.
        expiry = ctx.t.plain("admin.promo.expires", date=short_date(ctx, promo.expires_at - timedelta(microseconds=1)))
    if promo.item_title:
        scope = ctx.t.plain("admin.promo.scope.item", title=promo.item_title)
    elif promo.category_name:
        scope = ctx.t.plain("admin.promo.scope.category", name=promo.category_name)
    else:
        scope = ""
    return ctx.t(
        "admin.promo.row",
        state=ctx.t.plain("admin.promo.active" if promo.active else "admin.promo.disabled"),
        code=promo.code,
        value=_value(ctx, promo.kind, promo.value),
        uses=uses,
        expiry=expiry,
        scope=scope,
    )


def _value(ctx: Context, kind: str, value: Decimal) -> str:
    shown = f"{value.normalize():f}" if kind == "percent" else ctx.t.money(value)
    return ctx.t.plain(VALUE_TEXT.get(kind, "admin.promo.value.fixed"), value=shown)


# --- a new code --------------------------------------------------------------------------------------


@router.callback(NewPromo, action="promo.create")
async def new_promo(ctx: Context, _data: NewPromo) -> None:
    await ctx.expect("admin_promo_code")
    await ctx.show(ctx.t("admin.promo.ask_code"), keyboard(cancel_row(ctx)))


@router.pending("admin_promo_code", action="promo.create")
async def code_typed(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    code = text.strip().upper()
    if not PROMO_CODE.fullmatch(code):
        await ctx.reply(ctx.t("admin.promo.bad_code"), keyboard(cancel_row(ctx)))
        return
    if await ctx.shop.store.get_promo(code) is not None:
        await ctx.reply(ctx.t("admin.promo.duplicate", code=code), keyboard(cancel_row(ctx)))
        return
    # The kind is a press, and a press ends the question anyway.
    await ctx.forget()
    rows = [
        [(ctx.t.plain(KIND_LABEL[kind]), PromoKindChosen(code=code, kind=kind))]
        for kind in KIND_LABEL
        if kind != "credit" or may(ctx.user, Permission.MONEY, ctx.shop.owner_id)
    ]
    await ctx.reply(ctx.t("admin.promo.ask_kind", code=code), keyboard(*rows, cancel_row(ctx)))


@router.callback(PromoKindChosen, action="promo.create")
async def kind_chosen(ctx: Context, data: PromoKindChosen) -> None:
    if data.kind not in KIND_LABEL or not PROMO_CODE.fullmatch(data.code):
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    if data.kind == "credit" and not await admit(ctx, Permission.MONEY, "promo.credit"):
        return
    await ctx.expect("admin_promo_value", code=data.code, kind=data.kind)
    await ctx.show(ctx.t(VALUE_QUESTION[data.kind], code=data.code), keyboard(cancel_row(ctx)))


@router.pending("admin_promo_value", action="promo.create")
async def value_typed(ctx: Context, text: str, data: dict[str, Any]) -> None:
    code, kind = data.get("code"), data.get("kind")
    if not isinstance(code, str) or kind not in KIND_LABEL:
        await ctx.forget()
        return
    if kind == "credit" and not await admit(ctx, Permission.MONEY, "promo.credit"):
        await ctx.forget()
        return
    value = parse_amount(text)
    if kind == "percent" and (value is None or not 0 < value <= HUNDRED):
        await ctx.reply(ctx.t("admin.promo.bad_percent"), keyboard(cancel_row(ctx)))
        return
    if value is None or value <= 0:
        await ctx.reply(ctx.t("admin.promo.bad_amount"), keyboard(cancel_row(ctx)))
        return
    try:
        promo = await ctx.shop.store.create_promo(code, kind, value, actor_id=ctx.user.id)
    except Duplicate:
        # Made meanwhile (another staff member, the CLI): back to the first step.
        await ctx.expect("admin_promo_code")
        await ctx.reply(ctx.t("admin.promo.duplicate", code=code), keyboard(cancel_row(ctx)))
        return
    except StaffRefused as refused:  # the money permission went between the check and the store
        await ctx.forget()
        await answer_refused(ctx, refused)
        return
    await ctx.forget()
    created = ctx.t("admin.promo.created", code=promo.code, value=_value(ctx, promo.kind, promo.value))
    await _show_list(ctx, 1, head=created)


# --- disabling ---------------------------------------------------------------------------------------


@router.callback(DisablePromo, action="promo.disable")
async def disable_promo(ctx: Context, data: DisablePromo) -> None:
    promo = await ctx.shop.store.get_promo(data.code)
    if promo is None or not promo.active:
        # A stale or forged press: say so, change nothing.
        await ctx.notify(ctx.t.plain("admin.promo.not_active"), alert=True)
        await _show_list(ctx, data.page)
        return
    try:
        promo = await ctx.shop.store.disable_promo(promo.code, actor_id=ctx.user.id)
    except UnknownPromo:
        await ctx.notify(ctx.t.plain("admin.promo.not_active"), alert=True)
    else:
        await ctx.notify(ctx.t.plain("admin.promo.now_disabled", code=promo.code))
    await _show_list(ctx, data.page)
