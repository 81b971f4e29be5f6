"""/admin and the panel: one button per section the staff member may use, maintenance mode.

The buttons shown follow the (cached) role; each section's router checks the permission afresh when
used (telegram.routing.access).
"""

from storage import PERMISSIONS, Need, Permission, may
from telegram.callback_data import CallbackData
from telegram.routing import Context, Router, Row, keyboard, permission_name
from telegram.screens.admin.callbacks import (
    AdminCancel,
    AdminCatalog,
    AdminPanel,
    FindUser,
    OpenAdmins,
    OpenAudit,
    OpenBroadcasts,
    OpenNotices,
    OpenPromos,
    OpenStatistics,
    OpenStock,
    ToggleMaintenance,
)

router = Router(name=__name__, need="staff")

# (section, button, what it needs), in the panel's order.
SECTIONS: list[tuple[str, CallbackData, Need]] = [
    ("statistics", OpenStatistics(), Permission.STATISTICS),
    ("catalog", AdminCatalog(), Permission.CATALOG),
    ("stock", OpenStock(), Permission.STOCK),
    ("users", FindUser(), Permission.USERS),
    ("broadcasts", OpenBroadcasts(), Permission.BROADCAST),
    ("promos", OpenPromos(), Permission.CATALOG),
    ("admins", OpenAdmins(), "owner"),
    ("audit", OpenAudit(), "owner"),
    ("notices", OpenNotices(), "staff"),
]
SECTION_LABEL = {
    "statistics": "admin.button.statistics",
    "catalog": "admin.button.catalog",
    "stock": "admin.button.stock",
    "users": "admin.button.users",
    "broadcasts": "admin.button.broadcasts",
    "promos": "admin.button.promos",
    "admins": "admin.button.admins",
    "audit": "admin.button.audit",
    "notices": "admin.button.notices",
}


@router.command("admin", action="admin.panel")
async def admin_command(ctx: Context, _args: str) -> None:
    await _show_panel(ctx)


@router.callback(AdminPanel, action="admin.panel")
async def admin_panel(ctx: Context, _data: AdminPanel) -> None:
    await _show_panel(ctx)


@router.callback(AdminCancel, action="admin.panel")
async def cancel(ctx: Context, _data: AdminCancel) -> None:
    # The press itself made the dispatcher forget the question.
    await ctx.notify(ctx.t.plain("admin.cancelled"))
    await _show_panel(ctx)


@router.callback(ToggleMaintenance, need="owner", action="maintenance")
async def toggle_maintenance(ctx: Context, data: ToggleMaintenance) -> None:
    switches = await ctx.shop.store.set_maintenance(data.on, actor_id=ctx.user.id)
    ctx.shop.switches.put(switches)
    await ctx.notify(ctx.t.plain("admin.maintenance.on" if switches.maintenance else "admin.maintenance.off"), alert=True)
    await _show_panel(ctx)


async def _show_panel(ctx: Context) -> None:
    user = ctx.user
    if may(user, "owner", ctx.shop.owner_id):
        role = ctx.t.plain("admin.role.owner")
    else:
        names = ", ".join(permission_name(ctx, name) for name in PERMISSIONS if name in user.permissions)
        role = ctx.t.plain("admin.role.admin", permissions=names or ctx.t.plain("admin.role.none"))
    rows = [[(ctx.t.plain(SECTION_LABEL[name]), data)] for name, data, need in SECTIONS if may(user, need, ctx.shop.owner_id)]
    if may(user, "owner", ctx.shop.owner_id):
        maintenance = (await ctx.shop.switches.get(ctx.shop.store)).maintenance
        label = "admin.button.maintenance_off" if maintenance else "admin.button.maintenance_on"
        rows.append([(ctx.t.plain(label), ToggleMaintenance(on=not maintenance))])
    await ctx.show(ctx.t("admin.panel", role=role), keyboard(*rows))


def back_row(ctx: Context) -> Row:
    return [(ctx.t.plain("admin.button.back"), AdminPanel())]


def cancel_row(ctx: Context) -> Row:
    return [(ctx.t.plain("admin.button.cancel"), AdminCancel())]
