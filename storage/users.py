"""Use cases about users: registration, lookup, language and the profile's numbers, and who the owner is."""

from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.errors import UnknownUser
from storage.feed import add_event
from storage.kinds import ShopEventKind
from storage.models import CENT, Purchase, Role, User
from storage.records import Profile, UserRecord


def user_record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        username=user.username,
        first_name=user.first_name,
        language_code=user.language_code,
        language=user.language,
        role=Role(user.role),
        balance=Decimal(user.balance).quantize(CENT),
        blocked=user.blocked,
        permissions=tuple(user.permissions.split(",")) if user.permissions else (),
    )


async def register_user(
    user_id: int,
    *,
    username: str | None,
    first_name: str,
    language_code: str | None,
    owner_id: int,
    referrer_id: int | None = None,
) -> UserRecord:
    """Create the user on first contact, refresh their Telegram profile after.

    The configured owner gets the owner role; nobody else is promoted here. `referrer_id` (who
    invited them) counts only when the user is created, and only for another, existing user: it is
    ignored otherwise, and registration goes on.
    """
    user = await User.get_or_none(id=user_id)
    if user is None:
        if referrer_id == user_id or (referrer_id is not None and not await User.exists(id=referrer_id)):
            referrer_id = None
        try:
            # The user and their feed row commit together: one more INSERT at the first /start.
            async with in_transaction() as conn:
                user = await User.create(
                    id=user_id,
                    username=username,
                    first_name=first_name[:128],
                    language_code=language_code,
                    role=Role.OWNER if user_id == owner_id else Role.USER,
                    referrer_id=referrer_id,
                    using_db=conn,
                )
                invited = f", invited by {referrer_id}" if referrer_id is not None else ""
                await add_event(
                    conn,
                    ShopEventKind.REGISTRATION,
                    f"user {user_id} joined{invited}",
                    user_id=user_id,
                    subject=f"user:{user_id}",
                )
            return user_record(user)
        except IntegrityError:  # registered by another process between our read and write
            user = await User.get(id=user_id)
    changes: dict[str, object] = {}
    if user.username != username:
        changes["username"] = username
    if user.first_name != first_name[:128]:
        changes["first_name"] = first_name[:128]
    if user_id == owner_id and user.role != Role.OWNER:
        changes["role"] = Role.OWNER
    if user.bot_blocked:  # they had blocked the bot and are back: broadcasts reach them again
        changes["bot_blocked"] = False
    if changes:
        await User.filter(id=user_id).update(**changes)
        user = await User.get(id=user_id)
    return user_record(user)


async def settle_owner(owner_id: int) -> bool:
    """Make the configured owner (telegram.owner_id) the only owner, at the shop's start.

    Anyone else who holds the owner role (a former owner, before telegram.owner_id changed) becomes a
    plain user with no permissions; the configured owner's row, if they registered, becomes the
    owner (unblocked and without an admin's permission list: the owner is never blocked and holds
    everything). One transaction, with one "owner.change" audit event when anything changed; a start
    with the same owner changes nothing and logs nothing. Returns whether anything changed.
    """
    async with in_transaction() as conn:
        others = User.filter(role=Role.OWNER).exclude(id=owner_id).using_db(conn)
        former = list(await others.order_by("id").values_list("id", flat=True))
        # Conditional updates: of processes starting together, one changes the rows and logs it.
        demoted = await User.filter(id__in=former, role=Role.OWNER).using_db(conn).update(role=Role.USER, permissions="")
        promoted = await (
            User.filter(id=owner_id)
            .exclude(Q(role=Role.OWNER, blocked=False, permissions=""))
            .using_db(conn)
            .update(role=Role.OWNER, blocked=False, permissions="")
        )
        if not (demoted or promoted):
            return False
        detail = f"owner is now {owner_id}"
        if demoted:
            detail += f"; former owner {', '.join(map(str, former))} demoted to user"
        await write_event(conn, "owner.change", actor_id=None, target=str(owner_id), detail=detail)
    return True


async def get_user(user_id: int) -> UserRecord | None:
    user = await User.get_or_none(id=user_id)
    return None if user is None else user_record(user)


async def set_language(user_id: int, language: str) -> UserRecord:
    """Remember the user's chosen language; raises UnknownUser for an unknown id."""
    if not await User.filter(id=user_id).update(language=language):
        raise UnknownUser(user_id)
    return user_record(await User.get(id=user_id))


async def profile(user_id: int) -> Profile:
    """The user with what they spent, how many purchases they made (revoked ones, credited back,
    count for neither), whom they invited and what that earned them; raises UnknownUser for an
    unknown id."""
    async with in_transaction() as conn:
        user = await User.get_or_none(id=user_id, using_db=conn)
        if user is None:
            raise UnknownUser(user_id)
        bought = (
            await Purchase.filter(user_id=user_id, revoked_at=None)
            .using_db(conn)
            .annotate(spent=Sum("total"), count=Count("id"))
            .first()
            .values("spent", "count")
        )
        referrals = await User.filter(referrer_id=user_id).using_db(conn).count()
    return Profile(
        user=user_record(user),
        # SQLite sums decimals as floats: back to cents.
        spent=Decimal(bought["spent"] or 0).quantize(CENT) if bought else Decimal("0.00"),
        purchases=bought["count"] if bought else 0,
        referrals=referrals,
        referral_earned=Decimal(user.referral_earned).quantize(CENT),
    )
