"""The owner's screen of admins: make a user an admin, choose each admin's permissions, revoke.

Owner only, declared on the router and checked on every press and typed answer. The storage use
cases refuse to touch the owner's own role and write each change to the audit log with it.
"""

from typing import Any

from storage import PERMISSIONS, OwnerProtected, UserRecord
from telegram.routing import Context, Router, Row, keyboard, permission_name
from telegram.screens.admin.callbacks import AddAdmin, EditAdmin, OpenAdmins, OpenUser, RevokeAdmin, TogglePermission
from telegram.screens.admin.panel import back_row, cancel_row

router = Router(name=__name__, need="owner")


def who(user: UserRecord) -> str:
    """How the staff screens name a user: "Ann (@ann, 1001)"."""
    handle = f"@{user.username}, " if user.username else ""
    return f"{user.first_name or '—'} ({handle}{user.id})"


@router.callback(OpenAdmins, action="admins")
async def admins(ctx: Context, _data: OpenAdmins) -> None:
    found = await ctx.shop.store.list_admins()
    lines = [ctx.t("admin.admins.title")]
    lines += [ctx.t("admin.admins.row", who=who(user), permissions=_permissions(ctx, user)) for user in found]
    if not found:
        lines.append(ctx.t("admin.admins.none"))
    rows = [[(who(user), EditAdmin(user_id=user.id))] for user in found]
    await ctx.show("\n".join(lines), keyboard(*rows, [(ctx.t.plain("admin.admins.button.add"), AddAdmin())], back_row(ctx)))


@router.callback(AddAdmin, action="admins")
async def add_admin(ctx: Context, _data: AddAdmin) -> None:
    await ctx.expect("admin_add")
    await ctx.show(ctx.t("admin.admins.ask"), keyboard(cancel_row(ctx)))


@router.pending("admin_add", action="admins")
async def admin_named(ctx: Context, text: str, _data: dict[str, Any]) -> None:
    user = await ctx.shop.store.find_user(text)
    if user is None:
        await ctx.reply(ctx.t("admin.users.not_found", query=text[:64]), keyboard(cancel_row(ctx)))
        return
    await ctx.forget()
    try:
        if user.role != "admin":
            user = await ctx.shop.store.grant_admin(user.id, [], actor_id=ctx.user.id)
            ctx.shop.users.drop(user.id)
    except OwnerProtected:
        await ctx.reply(ctx.t("admin.admins.is_owner"), keyboard(back_row(ctx)))
        return
    await _show_admin(ctx, user)


@router.callback(EditAdmin, action="admins")
async def edit_admin(ctx: Context, data: EditAdmin) -> None:
    user = await ctx.shop.store.get_user(data.user_id)
    if user is None:
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    await _show_admin(ctx, user)


@router.callback(TogglePermission, action="admins")
async def toggle_permission(ctx: Context, data: TogglePermission) -> None:
    user = await ctx.shop.store.get_user(data.user_id)
    if user is None or data.permission not in PERMISSIONS or user.role == "owner":
        await ctx.notify(ctx.t.plain("error.stale_button"))
        return
    wanted = set(user.permissions if user.role == "admin" else ()) - {data.permission}
    if data.on:
        wanted.add(data.permission)
    user = await ctx.shop.store.grant_admin(user.id, sorted(wanted), actor_id=ctx.user.id)
    ctx.shop.users.drop(user.id)
    await _show_admin(ctx, user)


@router.callback(RevokeAdmin, action="admins")
async def revoke_admin(ctx: Context, data: RevokeAdmin) -> None:
    try:
        user = await ctx.shop.store.revoke_admin(data.user_id, actor_id=ctx.user.id)
    except OwnerProtected:
        await ctx.notify(ctx.t.plain("admin.admins.is_owner"), alert=True)
        return
    ctx.shop.users.drop(user.id)
    await ctx.notify(ctx.t.plain("admin.admins.revoked", who=who(user)))
    await admins(ctx, OpenAdmins())


async def _show_admin(ctx: Context, user: UserRecord) -> None:
    is_admin = user.role == "admin"
    rows: list[Row] = []
    for permission in PERMISSIONS:
        held = is_admin and permission in user.permissions
        label = ctx.t.plain("admin.admins.held" if held else "admin.admins.not_held", permission=permission_name(ctx, permission))
        rows.append([(label, TogglePermission(user_id=user.id, permission=permission, on=not held))])
    if is_admin:
        rows.append([(ctx.t.plain("admin.admins.button.revoke"), RevokeAdmin(user_id=user.id))])
    rows.append([(ctx.t.plain("admin.users.button.open"), OpenUser(user_id=user.id))])
    rows.append([(ctx.t.plain("admin.admins.button.list"), OpenAdmins())])
    text = ctx.t(
        "admin.admins.card",
        who=who(user),
        permissions=_permissions(ctx, user) if is_admin else ctx.t.plain("admin.admins.not_admin"),
    )
    await ctx.show(text, keyboard(*rows))


def _permissions(ctx: Context, user: UserRecord) -> str:
    return ", ".join(permission_name(ctx, name) for name in PERMISSIONS if name in user.permissions) or ctx.t.plain(
        "admin.role.none"
    )
