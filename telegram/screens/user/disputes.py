"""Payment disputes: from /paysupport a buyer describes a payment problem, and the owner and the admins
who keep dispute notices on get it in their chats with who wrote and the buyer's latest payments; it is also audited."""

from typing import Any

from storage import PaymentRecord
from telegram.limits import units
from telegram.routing import Context, Router, keyboard
from telegram.screens.user.callbacks import OpenDispute, OpenMenu
from telegram.screens.user.dates import date_time
from telegram.staff_send import send_to_staff
from telegram.texts import Texts

router = Router(name=__name__)

# In UTF-16 code units, as Telegram counts (telegram.limits): the staff's message must fit it with the rest.
MAX_TEXT = 1000
RECENT = 5


@router.callback(OpenDispute)
async def open_dispute(ctx: Context, _data: OpenDispute) -> None:
    await ctx.expect("dispute")
    await ctx.show(ctx.t("dispute.ask", limit=MAX_TEXT), keyboard([(ctx.t.plain("button.cancel"), OpenMenu())]))


@router.pending("dispute")
async def typed_dispute(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    text = text.strip()
    cancel = keyboard([(ctx.t.plain("button.cancel"), OpenMenu())])
    if not text:
        await ctx.reply(ctx.t("dispute.empty"), cancel)
        return
    if units(text) > MAX_TEXT:
        await ctx.reply(ctx.t("dispute.too_long", limit=MAX_TEXT, length=units(text)), cancel)
        return
    store = ctx.shop.store
    # Recorded once per update, and the question forgotten only once the staff were told: a crash in
    # between neither loses the dispute nor, at the replay, opens it twice.
    payments = await store.open_dispute(ctx.user.id, text, recent=RECENT, once=ctx.update.update_id)
    # The staff who kept dispute notices on (storage.staff_notices: on until one turns it off).
    staff = await store.notice_recipients("disputes", owner_id=ctx.shop.owner_id)
    desk = ctx.shop.payments
    for staff_user in staff:
        if staff_user.id == ctx.user.id:
            continue
        staff_id = staff_user.id
        # Staff read it in their own language.
        t = desk.texts_for(staff_user) if desk is not None else ctx.t
        lines = [
            t(
                "dispute.to_staff",
                name=ctx.user.first_name,
                username=f"@{ctx.user.username}" if ctx.user.username else "—",
                user_id=ctx.user.id,
                text=text,
            )
        ]
        lines += [_payment_line(ctx, t, payment) for payment in payments] or [t("dispute.no_payments")]
        # One staff member who blocked the bot (marked so, as the notifier does) or never started it
        # must not keep it from the others.
        await send_to_staff(ctx.bot, store, staff_id, "disputes", "\n".join(lines))
    await ctx.forget()
    await ctx.reply(ctx.t("dispute.sent"), keyboard([(ctx.t.plain("button.main_menu"), OpenMenu())]))


def _payment_line(ctx: Context, t: Texts, payment: PaymentRecord) -> str:
    return t(
        "dispute.payment",
        date=date_time(ctx, payment.created_at),
        method=payment.method,
        amount=payment.amount,
        status=payment.status,
        reference=payment.external_id or payment.id,
    )
