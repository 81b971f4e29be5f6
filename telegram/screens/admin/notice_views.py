"""The staff's notices as they read them (actors.notifier sends them), each in the reader's language.

What a round found is one message per kind and reader, a line per sale, item or payment (ROWS at most,
then how many more), so a busy minute costs a staff member one message, not one per sale.
"""

from collections.abc import Sequence

from storage import KpiCards, RunningLow, SaleNotice, StuckPaymentNotice
from telegram.texts import Texts

ROWS = 20


def _listed(t: Texts, title: str, rows: Sequence[str]) -> str:
    lines = [title, *rows[:ROWS]]
    if len(rows) > ROWS:
        lines.append(t("notices.more", count=len(rows) - ROWS))
    return "\n".join(lines)


def sales_view(t: Texts, sales: Sequence[SaleNotice]) -> str:
    rows = [
        t(
            "notices.sales.row",
            buyer=f"{sale.buyer_name} (@{sale.buyer_username})" if sale.buyer_username else sale.buyer_name,
            user_id=sale.buyer_id,
            quantity=sale.quantity,
            title=sale.item_title,
            total=sale.total,
        )
        for sale in sales
    ]
    return _listed(t, t("notices.sales.title"), rows)


def running_low_view(t: Texts, items: Sequence[RunningLow], days: int) -> str:
    rows = [
        t("notices.low_stock.row", title=item.title, left=item.stock_left, days=f"{item.days_left}", sold=item.sold_7d)
        for item in items
    ]
    return _listed(t, t("notices.low_stock.title", days=days), rows)


def stuck_view(t: Texts, payments: Sequence[StuckPaymentNotice]) -> str:
    return _listed(t, t("notices.stuck.title"), [_stuck_row(t, payment) for payment in payments])


def _stuck_row(t: Texts, payment: StuckPaymentNotice) -> str:
    facts = {"payment": payment.payment_id, "method": payment.method, "amount": payment.amount, "user_id": payment.user_id}
    if payment.status == "refunding":
        return t("notices.stuck.refunding", **facts)
    return t("notices.stuck.row", expired=payment.expires_at.strftime(t.plain("account.datetime_format")), **facts)


def refused_view(t: Texts, action: str, reference: str) -> str:
    """A payment the shop refused to credit: one it could not match to an order ("payment.rejected"),
    or a Stars transaction passed over after failing round after round ("payment.reconcile_failed")."""
    key = "notices.refused.rejected" if action == "payment.rejected" else "notices.refused.reconcile"
    return t(key, reference=reference)


def digest_view(t: Texts, day: KpiCards, week: KpiCards) -> str:
    """The daily digest: the dashboard's KPI cards of the last whole UTC date (`day`) and of the 7
    dates ending with it (`week`), each against the same span before."""
    title = t("notices.digest.title", day=day.last.strftime(t.plain("account.date_format")))
    return "\n\n".join([title, _cards(t, t("notices.digest.day"), day), _cards(t, t("notices.digest.week"), week)])


def _cards(t: Texts, heading: str, cards: KpiCards) -> str:
    return "\n".join(
        [
            heading,
            t("notices.digest.revenue", value=cards.revenue, previous=cards.previous_revenue),
            t("notices.digest.purchases", value=cards.purchases, previous=cards.previous_purchases),
            t("notices.digest.new_users", value=cards.new_users, previous=cards.previous_new_users),
            t("notices.digest.paying_users", value=cards.paying_users, previous=cards.previous_paying_users),
            t("notices.digest.average_order", value=cards.average_order, previous=cards.previous_average_order),
        ]
    )
