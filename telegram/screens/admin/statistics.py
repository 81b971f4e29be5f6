"""The staff's statistics: users, buyers, revenue by day and week, top items, low stock, pending
payments, read in one use case. Needs the statistics permission."""

from datetime import UTC, datetime

from storage import Permission, ShopStatistics
from telegram.routing import Context, Router, keyboard
from telegram.screens.admin.callbacks import OpenStatistics
from telegram.screens.admin.panel import back_row

router = Router(name=__name__, need=Permission.STATISTICS)

DAYS = 7
TOP = 5
LOW_STOCK = 5


@router.callback(OpenStatistics, action="statistics")
async def statistics(ctx: Context, _data: OpenStatistics) -> None:
    now = datetime.now(UTC)
    found = await ctx.shop.store.shop_statistics(now, days=DAYS, top=TOP, low_stock=LOW_STOCK)
    refresh = [(ctx.t.plain("admin.stats.button.refresh"), OpenStatistics())]
    await ctx.show(render(ctx, found, now), keyboard(refresh, back_row(ctx)))


def render(ctx: Context, found: ShopStatistics, now: datetime) -> str:
    lines = [
        ctx.t("admin.stats.title", moment=now.strftime(ctx.t.plain("account.datetime_format"))),
        ctx.t("admin.stats.users", users=found.users, today=found.new_today, week=found.new_week, blocked=found.blocked),
        ctx.t("admin.stats.buyers", buyers=found.buyers),
        ctx.t("admin.stats.revenue", week=found.week_revenue, previous=found.previous_week_revenue),
    ]
    lines += [
        ctx.t(
            "admin.stats.day",
            day=day.day.strftime(ctx.t.plain("account.date_format")),
            revenue=day.revenue,
            purchases=day.purchases,
        )
        for day in reversed(found.days)
    ]
    lines.append(ctx.t("admin.stats.top_title"))
    lines += [
        ctx.t("admin.stats.top_row", place=place, title=item.title, units=item.units, revenue=item.revenue)
        for place, item in enumerate(found.top_items, start=1)
    ] or [ctx.t("admin.users.none")]
    lines.append(ctx.t("admin.stats.low_title", limit=LOW_STOCK))
    lines += [ctx.t("admin.stats.low_row", title=item.title, left=item.stock_left) for item in found.low_stock] or [
        ctx.t("admin.users.none")
    ]
    lines.append(ctx.t("admin.stats.pending", count=found.pending_payments, amount=found.pending_amount))
    return "\n".join(lines)
