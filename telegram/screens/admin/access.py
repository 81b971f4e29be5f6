"""The staff screens' refusals beyond the declared permission checks.

Who may open a staff screen is declared on its router or handler and checked by the router, at every
press and typed answer, through storage's one answer (see telegram.routing.access): a hidden button is
no check, and no staff handler runs without its declaration (tests/test_authorization.py).

What is left here: the refusals a screen makes itself (a rule about what was pressed, such as one's own
balance), and the answers to refusals the store made and audited inside a use case (the money and admin
rules of storage.staff_rules).
"""

from storage import Permission, StaffRefused, UserRecord
from telegram.routing import Context, Refusal, permission_name, show_refusal


def is_staff(user: UserRecord) -> bool:
    """By the (possibly cached) record: for what to show, never for what to allow."""
    return user.role in ("owner", "admin") and not user.blocked


async def refuse(ctx: Context, refusal: Refusal, action: str, detail: str, **values: str) -> None:
    """Refuse `action` by a screen's own rule: audited as a security event, answered as an alert on a
    press, else a reply."""
    await ctx.shop.store.record_event("permission.refused", actor_id=ctx.user.id, target=action, detail=detail, security=True)
    await show_refusal(ctx, refusal, **values)


async def answer_refused(ctx: Context, refused: StaffRefused, *, owner: Refusal = "owner") -> None:
    """Answer a refusal the store made and audited; `owner` is the answer to its "owner" rule."""
    if refused.rule == "own_balance":
        await show_refusal(ctx, "own_balance")
    elif refused.rule == "money":
        await show_refusal(ctx, "permission", permission=permission_name(ctx, Permission.MONEY))
    else:
        await show_refusal(ctx, owner)
