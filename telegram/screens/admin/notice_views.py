"""The staff's notices as they read them (actors.notifier sends them), each in the reader's language."""

from datetime import datetime

from storage import RunningLow, ShopStatistics, StuckPaymentNotice
from telegram.texts import Texts


def running_low_view(t: Texts, item: RunningLow) -> str:
    return t("notices.low_stock", title=item.title, left=item.stock_left, days=f"{item.days_left}", sold=item.sold_7d)


def stuck_view(t: Texts, payment: StuckPaymentNotice) -> str:
    return t(
        "notices.stuck",
        payment=payment.payment_id,
        method=payment.method,
        amount=payment.amount,
        user_id=payment.user_id,
        expired=payment.expires_at.strftime(t.plain("account.datetime_format")),
    )


def digest_view(t: Texts, found: ShopStatistics, now: datetime) -> str:
    """The daily digest from the Statistics screen's figures: yesterday's sales (the last whole UTC
    date), the last 7 dates against the 7 before, new users, buyers, and payments waiting."""
    yesterday = found.days[-2]
    return "\n".join(
        [
            t("notices.digest.title", day=yesterday.day.strftime(t.plain("account.date_format"))),
            t("notices.digest.yesterday", revenue=yesterday.revenue, purchases=yesterday.purchases),
            t("notices.digest.week", week=found.week_revenue, previous=found.previous_week_revenue),
            t("notices.digest.users", today=found.new_today, week=found.new_week, buyers=found.buyers),
            t("notices.digest.pending", count=found.pending_payments, amount=found.pending_amount),
            t("notices.digest.at", moment=now.strftime(t.plain("account.datetime_format"))),
        ]
    )
