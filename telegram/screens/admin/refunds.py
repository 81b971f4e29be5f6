"""`/refund <charge id or order id> [revoke]`: the owner or an admin gives a Stars payment back.

Only the owner and admins with the payments permission may; anyone else is refused plainly and the
attempt is written to the audit log as a security event. The desk does the work
(ledger first, then Telegram; see telegram.payments.desk) and tells the buyer.
"""

from storage import Permission, RefundRefused
from telegram.payments import RefundDeferred, RefundFailed
from telegram.routing import Context, Router

router = Router(name=__name__, need=Permission.PAYMENTS)

REVOKE = "revoke"
REFUSAL_TEXT = {
    "unknown": "admin.refund.unknown",
    "not_paid": "admin.refund.not_paid",
    "already_refunded": "admin.refund.already",
    "not_refundable": "admin.refund.not_refundable",
    "balance_spent": "admin.refund.balance_spent",
}


@router.command("refund", action="refund")
async def refund(ctx: Context, args: str) -> None:
    desk = ctx.shop.payments
    words = args.split()
    if desk is None or not words or len(words) > 2 or (len(words) == 2 and words[1].lower() != REVOKE):
        await ctx.reply(ctx.t("admin.refund.usage"))
        return
    reference, revoke = words[0], len(words) == 2
    try:
        outcome = await desk.refund(reference, admin_id=ctx.user.id, revoke=revoke)
    except RefundFailed as error:
        await ctx.reply(ctx.t("admin.refund.failed", reason=str(error), amount=error.payment.amount))
        return
    except RefundDeferred as error:
        await ctx.reply(ctx.t("admin.refund.deferred", amount=error.payment.amount, user_id=error.payment.user_id))
        return
    if isinstance(outcome, RefundRefused):
        needed = outcome.needed
        await ctx.reply(
            ctx.t(
                REFUSAL_TEXT[outcome.reason],
                reference=reference,
                needed=needed,
                balance=outcome.balance,
                user_id=outcome.payment.user_id if outcome.payment else 0,
            )
        )
        return
    payment = outcome.payment
    lines = [ctx.t("admin.refund.done", amount=payment.amount, stars=payment.provider_amount, user_id=payment.user_id)]
    if outcome.revoked:
        lines.append(ctx.t.n("admin.refund.revoked", len(outcome.revoked)))
    await ctx.reply("\n".join(lines))
