"""What each staff member is told in the chat as it happens: every sale, a daily digest at a chosen
UTC hour, low stock, a payment stuck or refused, a dispute opened.

The choices are changed in one use case (`choose_notices`), from the chat's panel or the web form: the
staff-access layer decides in the same transaction (storage.access: "staff" to choose at all, and
each notice turned on needs what its figures need, NOTICE_NEED), and the change is audited with it.
Who gets a notice is read fresh when it is sent (`notice_recipients`): a staff member since revoked,
blocked, or without the permission any more gets none, and one who blocked the bot is skipped.

The notifier (actors.notifier) keeps its progress in the settings table, so that a restart, or a
second process, neither tells anything twice nor skips it: the daily digest is claimed per person and
date (`claim_digest`), and the items running low and the payments stuck that were told are remembered
(`claim_running_low`, `claim_stuck_payments`) until they are no longer so, when they may be told again.
"""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage.access import Need, Refused, authorize_in, may
from storage.audit import write_event
from storage.kinds import Permission, Role
from storage.models import Payment, PaymentStatus, Purchase, Setting, User
from storage.notice_models import StaffNotices
from storage.records import NOTICE_KINDS, NoticeChoices, NoticeKind, RunningLow, SaleNotice, StuckPaymentNotice, UserRecord
from storage.runway import RUNWAY_DAYS, runways
from storage.users import user_record

# What a staff member must be allowed to see to be told of it.
NOTICE_NEED: dict[NoticeKind, Need] = {
    "sales": Permission.STATISTICS,
    "digest": Permission.STATISTICS,
    "low_stock": Permission.STOCK,
    "payments": Permission.PAYMENTS,
    "disputes": "staff",
}
# A pending payment this long past its expiry is stuck: the reconciler expires orders every round.
STUCK_AFTER = timedelta(minutes=10)
# A refund still unfinished this long after it was first seen so is stuck: the reconciler finishes an
# interrupted one within a round. A time, not a count of looks: two processes look within seconds.
REFUND_STUCK_AFTER = timedelta(minutes=1)
LOW_TOLD = "notices.low_stock_told"
STUCK_TOLD = "notices.stuck_told"
REFUNDS_SEEN = "notices.refunds_seen"
# Bounds what one round reads: the items or payments told at once.
ROUND_LIMIT = 100


def _choices(row: StaffNotices | None) -> NoticeChoices:
    if row is None:
        return NoticeChoices()
    return NoticeChoices(
        sales=row.sales,
        digest=row.digest,
        digest_hour=row.digest_hour,
        low_stock=row.low_stock,
        payments=row.payments,
        disputes=row.disputes,
    )


async def notice_choices(user_id: int) -> NoticeChoices:
    """`user_id`'s choices (the defaults when they never chose)."""
    return _choices(await StaffNotices.get_or_none(user_id=user_id))


async def choose_notices(user_id: int, choices: NoticeChoices, *, owner_id: int, now: datetime) -> NoticeChoices | Refused:
    """Staff member `user_id` chooses what they are told. Refused (audited by storage.access) for
    anyone who is not staff now, or for a notice they turn on without what it needs (NOTICE_NEED);
    nothing changes then. The change is audited ("notices.choose") in the same transaction.

    A digest turned on, or moved, to an hour of today already past comes first tomorrow.
    ValueError for an hour outside 0..23."""
    if not 0 <= choices.digest_hour <= 23:
        raise ValueError("digest_hour must be 0 to 23")
    today = now.astimezone(UTC).date()
    async with in_transaction() as conn:
        access = await authorize_in(conn, user_id, "staff", "notices.choose", owner_id=owner_id)
        if isinstance(access, Refused):
            return access
        for kind in NOTICE_KINDS:
            need = NOTICE_NEED[kind]
            if choices.wants(kind) and need != "staff":
                access = await authorize_in(conn, user_id, need, f"notices.{kind}", owner_id=owner_id)
                if isinstance(access, Refused):
                    return access
        row = await StaffNotices.get_or_none(user_id=user_id, using_db=conn)
        before = _choices(row)
        sent_on = row.digest_sent_on if row is not None else None
        moved = choices.digest and (not before.digest or before.digest_hour != choices.digest_hour)
        if moved and now.astimezone(UTC).hour >= choices.digest_hour:
            sent_on = today
        values: dict[str, Any] = {kind: choices.wants(kind) for kind in NOTICE_KINDS}
        values |= {"digest_hour": choices.digest_hour, "digest_sent_on": sent_on}
        if row is None:
            await StaffNotices.create(user_id=user_id, using_db=conn, **values)
        else:
            await StaffNotices.filter(id=row.id).using_db(conn).update(**values)
        await write_event(conn, "notices.choose", actor_id=user_id, target=str(user_id), detail=_summary(choices))
    return choices


def _summary(choices: NoticeChoices) -> str:
    """The audit's detail: "sales, digest@09, disputes" (or "none")."""
    on = [f"digest@{choices.digest_hour:02d}" if kind == "digest" else kind for kind in NOTICE_KINDS if choices.wants(kind)]
    return ", ".join(on) or "none"


async def _staff(conn: BaseDBAsyncClient, owner_id: int) -> list[tuple[UserRecord, NoticeChoices, StaffNotices | None]]:
    """Every staff member the bot can reach, as read now, with their choices."""
    people = (
        await User.filter(Q(role__in=(Role.OWNER, Role.ADMIN)) | Q(id=owner_id), blocked=False, bot_blocked=False)
        .using_db(conn)
        .order_by("id")
    )
    rows = {row.user_id: row for row in await StaffNotices.filter(user_id__in=[p.id for p in people]).using_db(conn)}
    found = [(user_record(person), rows.get(person.id)) for person in people]
    return [(user, _choices(row), row) for user, row in found if may(user, "staff", owner_id)]


async def notice_recipients(kind: NoticeKind, *, owner_id: int) -> list[UserRecord]:
    """The staff members to tell of `kind` now: staff, reachable (not blocking the bot), with it
    chosen and allowed what it needs, as read now."""
    async with in_transaction() as conn:
        staff = await _staff(conn, owner_id)
    return [user for user, choices, _ in staff if choices.wants(kind) and may(user, NOTICE_NEED[kind], owner_id)]


async def due_digests(now: datetime, *, owner_id: int) -> list[UserRecord]:
    """The staff members whose digest hour of `now`'s UTC date has come and who had no digest that date."""
    moment = now.astimezone(UTC)
    async with in_transaction() as conn:
        staff = await _staff(conn, owner_id)
    return [
        user
        for user, choices, row in staff
        if choices.digest
        and choices.digest_hour <= moment.hour
        and (row is None or row.digest_sent_on is None or row.digest_sent_on < moment.date())
        and may(user, NOTICE_NEED["digest"], owner_id)
    ]


async def claim_digest(user_id: int, day: date) -> bool:
    """Claim telling `user_id` the digest of `day`: True for the one caller that is to send it."""
    return bool(
        await StaffNotices.filter(
            Q(digest_sent_on__isnull=True) | Q(digest_sent_on__lt=day), user_id=user_id, digest=True
        ).update(digest_sent_on=day)
    )


async def release_digest(user_id: int, day: date) -> None:
    """The digest of `day` could not be sent: give the claim up, so the next round tries again."""
    await StaffNotices.filter(user_id=user_id, digest_sent_on=day).update(digest_sent_on=None)


async def mark_bot_blocked(user_id: int) -> None:
    """`user_id` blocked the bot (Telegram answered 403): no notice is tried until they write again
    (storage.users clears the mark then), as broadcasts do."""
    await User.filter(id=user_id).update(bot_blocked=True)


async def running_low(now: datetime, days: int) -> list[RunningLow]:
    """Items on sale whose stock lasts under `days` days at the rate of the week before `now`
    (storage.runway, the dashboard's rule), soonest out first (at most ROUND_LIMIT)."""
    return [
        RunningLow(
            item_id=item.item_id,
            title=item.title,
            stock_left=item.units_left,
            sold_7d=item.sold_7d,
            days_left=item.days_left,
        )
        for item in await runways(None, now, ROUND_LIMIT)
        if item.days_left is not None and item.units_left * RUNWAY_DAYS < days * item.sold_7d
    ]


async def claim_running_low(now: datetime, days: int) -> list[RunningLow]:
    """The items running low (see `running_low`) that were not told of yet, claimed for telling; an
    item that is no longer low is forgotten, so that it is told again if it runs low again."""
    low = await running_low(now, days)
    told = await _claim(LOW_TOLD, {str(item.item_id) for item in low})
    return [item for item in low if str(item.item_id) in told]


async def stuck_payments(now: datetime) -> list[StuckPaymentNotice]:
    """Payments still pending STUCK_AFTER past their expiry, then refunds not finished, oldest first
    (at most ROUND_LIMIT of each)."""
    pending = (
        await Payment.filter(status=PaymentStatus.PENDING, expires_at__lt=now - STUCK_AFTER)
        .order_by("expires_at")
        .limit(ROUND_LIMIT)
    )
    refunding = await Payment.filter(status=PaymentStatus.REFUNDING).order_by("created_at").limit(ROUND_LIMIT)
    return [
        StuckPaymentNotice(
            payment_id=str(p.id), user_id=p.user_id, method=p.method, status=p.status, amount=p.amount, expires_at=p.expires_at
        )
        for p in [*pending, *refunding]
    ]


async def claim_stuck_payments(now: datetime) -> list[StuckPaymentNotice]:
    """The stuck payments (see `stuck_payments`) not told of yet, claimed for telling. A refund is
    stuck once it is unfinished REFUND_STUCK_AFTER after it was first seen so (most are done in a
    second): when each unfinished refund was first seen is kept from one look to the next."""
    found = await stuck_payments(now)
    refunding = {p.payment_id for p in found if p.status == PaymentStatus.REFUNDING}
    first_seen = await _first_seen(REFUNDS_SEEN, refunding, now)
    stuck = [p for p in found if p.status != PaymentStatus.REFUNDING or first_seen[p.payment_id] <= now - REFUND_STUCK_AFTER]
    told = await _claim(STUCK_TOLD, {payment.payment_id for payment in stuck})
    return [payment for payment in stuck if payment.payment_id in told]


async def _first_seen(key: str, current: set[str], now: datetime) -> dict[str, datetime]:
    """When each of `current` was first seen (`now` for the new ones), kept under `key` for the next
    look; what is no longer current is forgotten. Two processes at once may both write: each keeps the
    earlier time it read, so at worst a refund is first seen a look later."""
    async with in_transaction() as conn:
        row = await Setting.get_or_none(key=key, using_db=conn)
        # A list: what an older version kept (ids without times), taken as seen now.
        kept = json.loads(row.value) if row is not None else {}
        before = cast(dict[str, str], kept) if isinstance(kept, dict) else {}
        seen = {payment_id: datetime.fromisoformat(before[payment_id]) if payment_id in before else now for payment_id in current}
        value = json.dumps({payment_id: at.isoformat() for payment_id, at in sorted(seen.items())})
        if row is None:
            await Setting.create(key=key, value=value, using_db=conn)
        else:
            await Setting.filter(key=key).using_db(conn).update(value=value)
        return seen


async def _claim(key: str, current: set[str]) -> set[str]:
    """Record `current` as what `key` has told of, and return what of it had not been: a conditional
    update on the value read, so of two processes at once only one claims (the other gets nothing;
    so too when both would create the row)."""
    try:
        async with in_transaction() as conn:
            row = await Setting.get_or_none(key=key, using_db=conn)
            before = set(cast(list[str], json.loads(row.value))) if row is not None else set()
            after = json.dumps(sorted(current))
            if row is None:
                await Setting.create(key=key, value=after, using_db=conn)
            elif row.value != after and not await Setting.filter(key=key, value=row.value).using_db(conn).update(value=after):
                return set()
    except IntegrityError:
        return set()
    return current - before


async def sales_of(subjects: list[str]) -> list[SaleNotice]:
    """The purchases the feed's subjects name ("purchase:<id>"), with their buyers, in the order given;
    anything else (and a purchase since gone) is left out. The goods are not read."""
    ids: list[uuid.UUID] = []
    for subject in subjects:
        kind, _, key = subject.partition(":")
        if kind != "purchase":
            continue
        try:
            ids.append(uuid.UUID(key))
        except ValueError:
            continue
    found = {p.id: p for p in await Purchase.filter(id__in=ids).select_related("user")}
    return [
        SaleNotice(
            purchase_id=str(p.id),
            buyer_id=p.user_id,
            buyer_name=p.user.first_name,
            buyer_username=p.user.username,
            item_title=p.item_title,
            quantity=p.quantity,
            total=p.total,
        )
        for p in (found.get(key) for key in ids)
        if p is not None
    ]


FEED_SEEN = "notices.feed_seen"


async def notice_cursor() -> int | None:
    """The last business event the notifier went through (None: it never ran)."""
    value = cast(str | None, await Setting.filter(key=FEED_SEEN).first().values_list("value", flat=True))
    return int(value) if value is not None else None


async def advance_notice_cursor(seen: int | None, to: int) -> bool:
    """Move the notifier's cursor from `seen` to `to`: True for the one caller that moved it (it tells
    of the events in between), False when another process moved it first."""
    if seen is not None:
        return bool(await Setting.filter(key=FEED_SEEN, value=str(seen)).update(value=str(to)))
    try:
        await Setting.create(key=FEED_SEEN, value=str(to))
    except IntegrityError:  # another process started the cursor first
        return False
    return True
