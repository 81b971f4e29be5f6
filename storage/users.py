"""Use cases about users: registration and lookup. Each function is one transaction."""

from decimal import Decimal

from tortoise.exceptions import IntegrityError

from storage.errors import UnknownUser
from storage.models import Role, User
from storage.records import UserRecord


def user_record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        username=user.username,
        first_name=user.first_name,
        language_code=user.language_code,
        language=user.language,
        role=str(user.role),
        balance=Decimal(user.balance).quantize(Decimal("0.01")),
    )


async def register_user(
    user_id: int, *, username: str | None, first_name: str, language_code: str | None, owner_id: int
) -> UserRecord:
    """Create the user on first contact, refresh their Telegram profile after.

    The configured owner gets the owner role; nobody else is promoted here.
    """
    user = await User.get_or_none(id=user_id)
    if user is None:
        try:
            user = await User.create(
                id=user_id,
                username=username,
                first_name=first_name[:128],
                language_code=language_code,
                role=Role.OWNER if user_id == owner_id else Role.USER,
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
    if changes:
        await User.filter(id=user_id).update(**changes)
        user = await User.get(id=user_id)
    return user_record(user)


async def get_user(user_id: int) -> UserRecord | None:
    user = await User.get_or_none(id=user_id)
    return None if user is None else user_record(user)


async def set_language(user_id: int, language: str) -> UserRecord:
    """Remember the user's chosen language; raises UnknownUser for an unknown id."""
    if not await User.filter(id=user_id).update(language=language):
        raise UnknownUser(user_id)
    return user_record(await User.get(id=user_id))
