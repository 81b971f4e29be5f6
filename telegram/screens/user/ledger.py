"""Balance history: every change of the buyer's balance, newest first, with why it happened."""

from storage import LedgerRow
from telegram.limits import cut
from telegram.routing import Context, Router, keyboard
from telegram.screens.paging import pager
from telegram.screens.user.callbacks import BalanceHistory, OpenProfile
from telegram.screens.user.dates import date_time

router = Router(name=__name__)

# Why the balance changed, by ledger kind.
KIND_TEXT = {
    "topup": "ledger.kind.topup",
    "purchase": "ledger.kind.purchase",
    "refund": "ledger.kind.refund",
    "adjustment": "ledger.kind.adjustment",
    "referral": "ledger.kind.referral",
    "promo": "ledger.kind.promo",
    "reversal": "ledger.kind.reversal",
}
# Kinds whose stored reason the buyer may read (an item title, a referred user, a promo code). Other
# reasons are the operator's or a payment provider's notes.
SHOWN_REASONS = frozenset({"purchase", "refund", "referral", "promo"})
# The entries are lines of one message (at most 4096 characters), so a page holds a few, each reason
# cut short.
MAX_PER_PAGE = 10
MAX_REASON = 64


@router.callback(BalanceHistory)
async def balance_history(ctx: Context, data: BalanceHistory) -> None:
    size = min(ctx.shop.settings.page_size, MAX_PER_PAGE)
    page = await ctx.shop.store.ledger_page(ctx.user.id, data.page, size)
    back = [(ctx.t.plain("button.back"), OpenProfile())]
    if not page.total:
        await ctx.show(ctx.t("ledger.empty"), keyboard(back))
        return
    lines = [ctx.t("ledger.title"), *(_entry(ctx, row) for row in page.rows)]
    pages = pager(ctx, page, lambda number: BalanceHistory(page=number))
    await ctx.show("\n\n".join(lines), keyboard(*([pages] if pages else []), back))


def kind_name(ctx: Context, kind: str) -> str:
    return ctx.t.plain(KIND_TEXT.get(kind, "ledger.kind.adjustment"))


def _entry(ctx: Context, row: LedgerRow) -> str:
    amount = ctx.t.plain("ledger.credit" if row.amount >= 0 else "ledger.debit", amount=abs(row.amount))
    kind = kind_name(ctx, row.kind)
    if row.kind in SHOWN_REASONS and row.reason:
        detail = cut(row.reason, MAX_REASON)
        kind = ctx.t.plain("ledger.with_detail", kind=kind, detail=detail)
    return ctx.t("ledger.row", amount=amount, date=date_time(ctx, row.created_at), reason=kind)
