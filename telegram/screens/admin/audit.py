"""The audit log viewer (owner only): every admin action and security event, newest first; a row that
stands for several of one source's security events within a minute shows how many ("×12")."""

from storage import AuditRecord
from telegram.limits import cut
from telegram.routing import Context, Router, keyboard
from telegram.screens.admin.callbacks import OpenAudit
from telegram.screens.admin.panel import back_row
from telegram.screens.paging import pager
from telegram.screens.user.dates import date_time

router = Router(name=__name__, need="owner")

PAGE_SIZE = 10
MAX_DETAIL = 120


@router.callback(OpenAudit, action="audit")
async def audit_log(ctx: Context, data: OpenAudit) -> None:
    page = await ctx.shop.store.audit_page(data.page, PAGE_SIZE, security_only=data.security)
    lines = [ctx.t("admin.audit.title_security" if data.security else "admin.audit.title")]
    lines += [_row(ctx, event) for event in page.rows]
    if not page.total:
        lines.append(ctx.t("admin.users.none"))
    pages = pager(ctx, page, lambda number: OpenAudit(page=number, security=data.security))
    switch = (
        (ctx.t.plain("admin.audit.button.all"), OpenAudit())
        if data.security
        else (ctx.t.plain("admin.audit.button.security"), OpenAudit(security=True))
    )
    await ctx.show("\n".join(lines), keyboard(*([pages] if pages else []), [switch], back_row(ctx)))


def _row(ctx: Context, event: AuditRecord) -> str:
    """One row; one that stands for several security events shows how many ("×12")."""
    detail = cut(event.detail, MAX_DETAIL)
    key = "admin.audit.row_repeated" if event.count > 1 else "admin.audit.row_security" if event.security else "admin.audit.row"
    return ctx.t(
        key,
        date=date_time(ctx, event.created_at),
        actor=event.actor_id if event.actor_id is not None else "—",
        action=event.action,
        target=event.target,
        detail=detail,
        count=event.count,
    )
