"""The staff's screen of users: find one by id or @username; their profile, purchases, payments and
ledger; adjust the balance with a reason (a ledger entry, never a raw edit); block or unblock.

Needs the users permission (payments: the payments permission; a balance adjustment: the money
permission, and never on one's own balance, the owner's neither); the owner's own role is changed in
Admins, and only the owner blocks an admin (blocking ends the admin role). The store checks the money
and admin rules again in its transaction. Blocking takes effect in this process at once and in others
within the user cache's minute.
"""

from decimal import Decimal
from typing import Any

from storage import InsufficientBalance, OwnerProtected, Permission, StaffRefused, may
from telegram.amounts import parse_change
from telegram.routing import Context, Router, Row, keyboard
from telegram.screens.admin.access import answer_refused, refuse
from telegram.screens.admin.admins import who
from telegram.screens.admin.callbacks import (
    AdjustBalance,
    EditAdmin,
    FindUser,
    OpenUser,
    SetBlocked,
    UserLedger,
    UserPayments,
    UserPurchases,
)
from telegram.screens.admin.panel import back_row, cancel_row
from telegram.screens.paging import pager
from telegram.screens.user.dates import date_time
from telegram.screens.user.ledger import kind_name

router = Router(name=__name__, need=Permission.USERS)

ROLE_NAME = {"owner": "admin.users.role.owner", "admin": "admin.users.role.admin", "user": "admin.users.role.user"}
# How many purchases and payments the card's lists show, newest first.
RECENT = 10
LEDGER_PAGE = 10
MAX_REASON = 200


@router.callback(FindUser, action="users.find")
async def find_user(ctx: Context, _data: FindUser) -> None:
    await ctx.expect("admin_find_user")
    await ctx.show(ctx.t("admin.users.ask"), keyboard(cancel_row(ctx)))


@router.pending("admin_find_user", action="users.find")
async def user_named(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    user = await ctx.shop.store.find_user(text)
    if user is None:
        await ctx.reply(ctx.t("admin.users.not_found", query=text[:64]), keyboard(cancel_row(ctx)))
        return
    await ctx.forget()
    await _show_user(ctx, user.id)


@router.callback(OpenUser, action="users.open")
async def open_user(ctx: Context, data: OpenUser) -> None:
    await _show_user(ctx, data.user_id)


async def _show_user(ctx: Context, user_id: int) -> None:
    user = await ctx.shop.store.get_user(user_id)
    if user is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    found = await ctx.shop.store.profile(user_id)
    lines = [
        ctx.t(
            "admin.users.card",
            who=who(user),
            role=ctx.t.plain(ROLE_NAME.get(user.role, "admin.users.role.user")),
            balance=user.balance,
            purchases=found.purchases,
            spent=found.spent,
            referrals=found.referrals,
        ),
    ]
    if user.blocked:
        lines.append(ctx.t("admin.users.blocked"))
    owner = may(ctx.user, "owner", ctx.shop.owner_id)
    # What this staff member may do to this user: the store refuses the rest anyway.
    actions: Row = []
    if user.id != ctx.user.id and may(ctx.user, Permission.MONEY, ctx.shop.owner_id):
        actions.append((ctx.t.plain("admin.users.button.adjust"), AdjustBalance(user_id=user.id)))
    if user.role != "admin" or owner:
        actions.append(
            (
                ctx.t.plain("admin.users.button.unblock" if user.blocked else "admin.users.button.block"),
                SetBlocked(user_id=user.id, blocked=not user.blocked),
            )
        )
    rows: list[Row] = [
        *([actions] if actions else []),
        [
            (ctx.t.plain("admin.users.button.purchases"), UserPurchases(user_id=user.id)),
            (ctx.t.plain("admin.users.button.ledger"), UserLedger(user_id=user.id)),
            (ctx.t.plain("admin.users.button.payments"), UserPayments(user_id=user.id)),
        ],
    ]
    if owner and user.role != "owner":
        rows.append([(ctx.t.plain("admin.users.button.role"), EditAdmin(user_id=user.id))])
    rows.append([(ctx.t.plain("admin.users.button.find"), FindUser())])
    rows.append(back_row(ctx))
    await ctx.show("\n".join(lines), keyboard(*rows))


@router.callback(SetBlocked, action="users.block")
async def set_blocked(ctx: Context, data: SetBlocked) -> None:
    try:
        user = await ctx.shop.store.set_blocked(data.user_id, data.blocked, actor_id=ctx.user.id)
    except OwnerProtected:
        await ctx.notify(ctx.t.plain("admin.users.owner_protected"), alert=True)
        return
    except StaffRefused as refused:  # an admin: the owner alone blocks one
        await answer_refused(ctx, refused, owner="block_admin")
        return
    ctx.shop.users.drop(user.id)
    await ctx.notify(ctx.t.plain("admin.users.now_blocked" if user.blocked else "admin.users.now_unblocked"))
    await _show_user(ctx, user.id)


@router.callback(AdjustBalance, need=Permission.MONEY, action="users.balance")
async def adjust_balance(ctx: Context, data: AdjustBalance) -> None:
    if data.user_id == ctx.user.id:
        await refuse(ctx, "own_balance", "users.balance", f"own_balance: {data.user_id}")
        return
    await ctx.expect("admin_adjust", user_id=data.user_id)
    await ctx.show(ctx.t("admin.users.adjust_ask", user_id=data.user_id), keyboard(cancel_row(ctx)))


@router.pending("admin_adjust", need=Permission.MONEY, action="users.balance")
async def adjustment_typed(ctx: Context, text: str, data: dict[str, Any]) -> None:
    user_id = data.get("user_id")
    if not isinstance(user_id, int):
        await ctx.forget()
        return
    parsed = parse_adjustment(text)
    if parsed is None:
        await ctx.reply(ctx.t("admin.users.adjust_bad"), keyboard(cancel_row(ctx)))
        return
    amount, reason = parsed
    try:
        balance = await ctx.shop.store.adjust_balance(user_id, amount, reason, actor_id=ctx.user.id, once=ctx.update.update_id)
    except InsufficientBalance as error:
        await ctx.reply(ctx.t("admin.users.adjust_short", balance=error.balance), keyboard(cancel_row(ctx)))
        return
    except StaffRefused as refused:
        await ctx.forget()
        await answer_refused(ctx, refused)
        return
    await ctx.forget()
    await ctx.reply(ctx.t("admin.users.adjusted", amount=ctx.t.number(amount, signed=True), balance=balance))
    await _show_user(ctx, user_id)


def parse_adjustment(text: str) -> tuple[Decimal, str] | None:
    """ "+10 goodwill", "-2.50 typo" (a comma works as the point): a non-zero change read as every typed
    amount is (telegram.amounts), then a reason of at most MAX_REASON characters; else None."""
    head, _, reason = text.strip().partition(" ")
    amount, reason = parse_change(head), reason.strip()
    if not reason or len(reason) > MAX_REASON or not amount:
        return None
    return amount, reason


@router.callback(UserPurchases, action="users.purchases")
async def user_purchases(ctx: Context, data: UserPurchases) -> None:
    page = await ctx.shop.store.purchase_history(data.user_id, 1, RECENT)
    lines = [ctx.t("admin.users.purchases_title", user_id=data.user_id, count=page.total)]
    lines += [
        ctx.t(
            "admin.users.purchase_row",
            date=date_time(ctx, row.created_at),
            title=row.item_title,
            quantity=row.quantity,
            total=row.total,
        )
        for row in page.rows
    ]
    await ctx.show("\n".join(lines), keyboard(_back_to(ctx, data.user_id)))


@router.callback(UserPayments, need=Permission.PAYMENTS, action="users.payments")
async def user_payments(ctx: Context, data: UserPayments) -> None:
    payments = await ctx.shop.store.recent_payments(data.user_id, RECENT)
    lines = [ctx.t("admin.users.payments_title", user_id=data.user_id)]
    lines += [
        ctx.t(
            "admin.users.payment_row",
            date=date_time(ctx, payment.created_at),
            method=payment.method,
            status=payment.status,
            amount=payment.amount,
            charge=payment.external_id or payment.id,
        )
        for payment in payments
    ]
    if not payments:
        lines.append(ctx.t("admin.users.none"))
    await ctx.show("\n".join(lines), keyboard(_back_to(ctx, data.user_id)))


@router.callback(UserLedger, action="users.ledger")
async def user_ledger(ctx: Context, data: UserLedger) -> None:
    page = await ctx.shop.store.ledger_page(data.user_id, data.page, LEDGER_PAGE)
    lines = [ctx.t("admin.users.ledger_title", user_id=data.user_id)]
    lines += [
        ctx.t(
            "admin.users.ledger_row",
            date=date_time(ctx, row.created_at),
            amount=ctx.t.number(row.amount, signed=True),
            kind=kind_name(ctx, row.kind),
            reason=row.reason[:80],
        )
        for row in page.rows
    ]
    if not page.total:
        lines.append(ctx.t("admin.users.none"))
    pages = pager(ctx, page, lambda number: UserLedger(user_id=data.user_id, page=number))
    await ctx.show("\n".join(lines), keyboard(*([pages] if pages else []), _back_to(ctx, data.user_id)))


def _back_to(ctx: Context, user_id: int) -> list[tuple[str, Any]]:
    return [(ctx.t.plain("button.back"), OpenUser(user_id=user_id))]
