"""Moments as the buyer reads them: in UTC, in the format of their language's catalog."""

from datetime import UTC, datetime

from telegram.routing import Context


def date_time(ctx: Context, moment: datetime) -> str:
    return _utc(moment).strftime(ctx.t.plain("account.datetime_format"))


def short_date(ctx: Context, moment: datetime) -> str:
    return _utc(moment).strftime(ctx.t.plain("account.date_format"))


def _utc(moment: datetime) -> datetime:
    # Both backends store UTC; a naive value (a driver that drops the zone) is UTC too.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
