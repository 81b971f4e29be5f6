"""Staff access, the one answer every front door asks (Store.authorize), on SQLite and PostgreSQL: who
is granted what, why the others are refused, and each refusal written to the audit log as a security
event while a grant writes nothing."""

from collections.abc import AsyncIterator

import pytest

from storage import Granted, Need, Permission, Refused, StorageSettings, Store, open_store

OWNER = 1
ANN = 1001
BOB = 1002
NEW_OWNER = 1003


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER, ANN, BOB, NEW_OWNER):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None
            )
        yield opened


async def refusals(store: Store) -> list[tuple[int | None, str, str]]:
    page = await store.audit_page(1, 50, security_only=True)
    assert all(row.action == "permission.refused" for row in page.rows)
    return [(row.actor_id, row.target, row.detail) for row in reversed(page.rows)]


async def test_the_owner_may_do_everything(store: Store) -> None:
    needs: list[Need] = ["staff", "owner", *Permission]
    for need in needs:
        access = await store.authorize(OWNER, need, "anything", owner_id=OWNER)
        assert isinstance(access, Granted) and access.user.id == OWNER
    assert await refusals(store) == []


async def test_an_admin_may_do_what_they_hold_and_no_more(store: Store) -> None:
    await store.grant_admin(ANN, ["stock"], actor_id=OWNER)
    for need in ("staff", Permission.STOCK):
        access = await store.authorize(ANN, need, "stock.view", owner_id=OWNER)
        assert isinstance(access, Granted) and access.user.permissions == ("stock",)
    assert await store.authorize(ANN, Permission.CATALOG, "catalog.view", owner_id=OWNER) == Refused(
        reason="permission", permission=Permission.CATALOG, user=await store.get_user(ANN)
    )
    refused = await store.authorize(ANN, "owner", "admins", owner_id=OWNER)
    assert isinstance(refused, Refused) and (refused.reason, refused.permission) == ("owner", None)
    assert await refusals(store) == [(ANN, "catalog.view", "catalog"), (ANN, "admins", "owner")]


async def test_the_role_is_read_afresh_each_time(store: Store) -> None:
    await store.grant_admin(ANN, ["stock"], actor_id=OWNER)
    assert isinstance(await store.authorize(ANN, Permission.STOCK, "stock.add", owner_id=OWNER), Granted)
    await store.grant_admin(ANN, ["catalog"], actor_id=OWNER)
    refused = await store.authorize(ANN, Permission.STOCK, "stock.add", owner_id=OWNER)
    assert isinstance(refused, Refused) and refused.reason == "permission"
    await store.revoke_admin(ANN, actor_id=OWNER)
    refused = await store.authorize(ANN, Permission.CATALOG, "catalog.view", owner_id=OWNER)
    assert isinstance(refused, Refused) and refused.reason == "staff"
    assert await refusals(store) == [(ANN, "stock.add", "stock"), (ANN, "catalog.view", "catalog")]


async def test_buyers_blocked_staff_former_owners_and_strangers_are_no_staff(store: Store) -> None:
    await store.grant_admin(ANN, ["users", "stock"], actor_id=OWNER)
    await store.set_blocked(ANN, True, actor_id=OWNER)
    cases: list[tuple[int, int]] = [
        (BOB, OWNER),  # a buyer
        (ANN, OWNER),  # a blocked former admin
        (OWNER, NEW_OWNER),  # the former owner once telegram.owner_id names another, before the start settles it
        (4242, OWNER),  # nobody the shop knows
    ]
    for user_id, owner_id in cases:
        refused = await store.authorize(user_id, Permission.STOCK, "stock.view", owner_id=owner_id)
        assert isinstance(refused, Refused) and (refused.reason, refused.permission) == ("staff", None)
        assert (refused.user.id if refused.user else None) == (None if user_id == 4242 else user_id)
    # The owner named now holds every right, whatever their row says until the next start.
    assert isinstance(await store.authorize(NEW_OWNER, "owner", "maintenance", owner_id=NEW_OWNER), Granted)
    assert await refusals(store) == [(user_id, "stock.view", "stock") for user_id, _ in cases]


async def test_a_refusal_repeated_within_a_minute_is_counted_not_written_again(store: Store) -> None:
    for _ in range(3):
        await store.authorize(BOB, "staff", "admin.panel", owner_id=OWNER)
    page = await store.audit_page(1, 10, security_only=True)
    assert [(row.actor_id, row.target, row.detail, row.count) for row in page.rows] == [(BOB, "admin.panel", "staff", 3)]
