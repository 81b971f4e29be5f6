"""The staff's use cases about people, on SQLite and PostgreSQL: admins with permissions, blocking,
the owner's protection, and the audit event each change writes with it."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import trio

from actors.housekeeper import Housekeeper

from storage import (
    InsufficientBalance, OwnerProtected, StaffRefused, StorageSettings, Store, UnknownPermission, UnknownUser, open_store,
)

OWNER = 1
ANN = 1001
BOB = 1002


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with open_store(StorageSettings(database_url=database_url)) as opened:
        for user_id in (OWNER, ANN, BOB):
            await opened.register_user(
                user_id, username=None, first_name=f"u{user_id}", language_code="en", owner_id=OWNER, referrer_id=None
            )
        yield opened


async def actions(store: Store) -> list[tuple[str | None, str, str]]:
    page = await store.audit_page(1, 50)
    return [(row.action, row.target, row.detail) for row in reversed(page.rows)]


async def test_an_admin_gets_exactly_the_permissions_granted_and_loses_them_on_revoke(store: Store) -> None:
    ann = await store.grant_admin(ANN, ["stock", "catalog"], actor_id=OWNER)
    assert (ann.role, ann.permissions) == ("admin", ("catalog", "stock"))
    # A second grant replaces the set.
    assert (await store.grant_admin(ANN, ["statistics"], actor_id=OWNER)).permissions == ("statistics",)
    ann = await store.revoke_admin(ANN, actor_id=OWNER)
    assert (ann.role, ann.permissions) == ("user", ())
    # Revoking someone who is no admin changes and records nothing.
    await store.revoke_admin(BOB, actor_id=OWNER)
    assert await actions(store) == [
        ("admin.grant", str(ANN), "user→admin: catalog,stock"),
        ("admin.grant", str(ANN), "admin→admin: statistics"),
        ("admin.revoke", str(ANN), "statistics"),
    ]


async def test_bad_grants_change_nothing(store: Store) -> None:
    with pytest.raises(UnknownPermission, match="'refunds'"):
        await store.grant_admin(ANN, ["stock", "refunds"], actor_id=OWNER)
    with pytest.raises(UnknownUser):
        await store.grant_admin(4242, ["stock"], actor_id=OWNER)
    with pytest.raises(OwnerProtected):
        await store.grant_admin(OWNER, ["stock"], actor_id=OWNER)
    with pytest.raises(OwnerProtected):
        await store.revoke_admin(OWNER, actor_id=OWNER)
    ann = await store.get_user(ANN)
    owner = await store.get_user(OWNER)
    assert ann is not None and owner is not None
    assert (ann.role, owner.role) == ("user", "owner")
    assert await actions(store) == []


async def test_the_owner_cannot_be_blocked_and_a_blocked_admin_is_no_admin(store: Store) -> None:
    with pytest.raises(OwnerProtected):
        await store.set_blocked(OWNER, True, actor_id=ANN)
    await store.grant_admin(ANN, ["users"], actor_id=OWNER)
    ann = await store.set_blocked(ANN, True, actor_id=OWNER)
    assert (ann.blocked, ann.role, ann.permissions) == (True, "user", ())
    # Blocking twice records once; unblocking gives no role back.
    await store.set_blocked(ANN, True, actor_id=OWNER)
    ann = await store.set_blocked(ANN, False, actor_id=OWNER)
    assert (ann.blocked, ann.role) == (False, "user")
    assert [action for action, _, _ in await actions(store)] == ["admin.grant", "user.block", "user.unblock"]


async def test_a_user_is_found_by_id_or_username_in_any_case(store: Store) -> None:
    await store.register_user(
        2001, username="Ann_Shop", first_name="Ann", language_code="en", owner_id=OWNER, referrer_id=None
    )
    for query in ("2001", " 2001 ", "@ann_shop", "ANN_SHOP"):
        found = await store.find_user(query)
        assert found is not None and found.id == 2001, query
    for query in ("9999", "@nobody", "@", "", "9" * 40):
        assert await store.find_user(query) is None, query


async def test_a_balance_adjustment_is_a_ledger_entry_with_its_reason_and_never_goes_below_zero(store: Store) -> None:
    assert await store.adjust_balance(ANN, Decimal("12.50"), "goodwill", actor_id=OWNER) == Decimal("12.50")
    assert await store.adjust_balance(ANN, Decimal("-2.50"), "typo", actor_id=OWNER) == Decimal("10.00")
    with pytest.raises(InsufficientBalance):
        await store.adjust_balance(ANN, Decimal("-10.01"), "too much", actor_id=OWNER)
    ledger = await store.ledger_page(ANN, 1, 10)
    assert [(row.kind, row.amount, row.reason) for row in ledger.rows] == [
        ("adjustment", Decimal("-2.50"), "typo"), ("adjustment", Decimal("12.50"), "goodwill")
    ]
    assert await store.check_ledger() == []
    assert await actions(store) == [
        ("balance.adjust", str(ANN), "+12.50 goodwill"), ("balance.adjust", str(ANN), "-2.50 typo")
    ]


async def test_the_housekeeper_deletes_audit_events_past_the_retention_only(store: Store) -> None:
    await store.record_event("old.one", actor_id=OWNER)
    # The wall clock moves on, so that `between` falls strictly between the two events' times.
    await trio.sleep(0.02)
    between = datetime.now(UTC)
    await trio.sleep(0.02)
    await store.record_event("new.one", actor_id=OWNER)
    assert await Housekeeper(store, 0).tidy(between + timedelta(days=365)) == 0  # 0 keeps everything
    assert await Housekeeper(store, 30).tidy(between + timedelta(days=29)) == 0
    assert await Housekeeper(store, 30).tidy(between + timedelta(days=30)) == 1
    assert [action for action, _, _ in await actions(store)] == ["new.one"]


async def refusals(store: Store) -> list[tuple[int | None, str, str]]:
    page = await store.audit_page(1, 50, security_only=True)
    return [(row.actor_id, row.target, row.detail) for row in reversed(page.rows)]


async def test_money_is_made_by_the_owner_or_an_admin_holding_money_never_for_oneself(store: Store) -> None:
    await store.grant_admin(ANN, ["users", "catalog"], actor_id=OWNER)
    with pytest.raises(StaffRefused, match="money"):
        await store.adjust_balance(BOB, Decimal("5"), "gift", actor_id=ANN)
    with pytest.raises(StaffRefused, match="money"):
        await store.create_promo("FREE50", "credit", Decimal("50"), actor_id=ANN)
    assert (await store.create_promo("SAVE5", "percent", Decimal("5"), actor_id=ANN)).code == "SAVE5"

    await store.grant_admin(ANN, ["users", "catalog", "money"], actor_id=OWNER)
    assert await store.adjust_balance(BOB, Decimal("5"), "gift", actor_id=ANN) == Decimal("5.00")
    assert (await store.create_promo("FREE50", "credit", Decimal("50"), actor_id=ANN)).kind == "credit"
    # Nobody their own balance, the owner neither; the operator (the CLI, no actor) has no balance here.
    for actor in (ANN, OWNER):
        with pytest.raises(StaffRefused, match="own_balance"):
            await store.adjust_balance(actor, Decimal("5"), "for me", actor_id=actor)
    assert await store.adjust_balance(OWNER, Decimal("1"), "operator", actor_id=None) == Decimal("1.00")
    # A blocked admin, or a buyer, makes no money.
    for actor in (BOB, ANN):
        if actor == ANN:
            await store.set_blocked(ANN, True, actor_id=OWNER)
        with pytest.raises(StaffRefused, match="money"):
            await store.adjust_balance(OWNER, Decimal("5"), "gift", actor_id=actor)

    balances = [await store.get_user(user_id) for user_id in (OWNER, ANN, BOB)]
    assert [user.balance for user in balances if user] == [Decimal("1.00"), Decimal("0.00"), Decimal("5.00")]
    assert [p.code for p in (await store.list_promos()).rows] == ["FREE50", "SAVE5"]
    assert await store.check_ledger() == []
    assert await refusals(store) == [
        (ANN, "balance.adjust", f"money: {BOB}"),
        (ANN, "promo.create", "money: FREE50"),
        (ANN, "balance.adjust", f"own_balance: {ANN}"),
        (OWNER, "balance.adjust", f"own_balance: {OWNER}"),
        (BOB, "balance.adjust", f"money: {OWNER}"),
        (ANN, "balance.adjust", f"money: {OWNER}"),
    ]


async def test_only_the_owner_grants_money_and_blocks_or_demotes_an_admin(store: Store) -> None:
    await store.grant_admin(ANN, ["users"], actor_id=OWNER)
    await store.grant_admin(BOB, ["stock"], actor_id=OWNER)
    with pytest.raises(StaffRefused, match="owner"):
        await store.grant_admin(BOB, ["stock", "money"], actor_id=ANN)
    with pytest.raises(StaffRefused, match="owner"):
        await store.set_blocked(BOB, True, actor_id=ANN)
    with pytest.raises(StaffRefused, match="owner"):
        await store.revoke_admin(BOB, actor_id=ANN)
    bob = await store.get_user(BOB)
    assert bob is not None and (bob.role, bob.permissions, bob.blocked) == ("admin", ("stock",), False)
    # The owner and the operator may.
    assert (await store.grant_admin(BOB, ["stock", "money"], actor_id=OWNER)).permissions == ("stock", "money")
    assert (await store.grant_admin(ANN, ["money"], actor_id=None)).permissions == ("money",)
    bob = await store.set_blocked(BOB, True, actor_id=OWNER)
    assert (bob.role, bob.blocked) == ("user", True)
    assert await refusals(store) == [
        (ANN, "admin.grant", f"owner: {BOB}"), (ANN, "user.block", f"owner: {BOB}"), (ANN, "admin.revoke", f"owner: {BOB}"),
    ]


async def test_a_former_owner_is_a_plain_user_once_the_owner_changes(store: Store) -> None:
    # Nothing to do for the owner the users were registered with.
    assert not await store.settle_owner(OWNER)
    await store.grant_admin(ANN, ["users"], actor_id=OWNER)
    await store.set_blocked(BOB, True, actor_id=OWNER)
    # BOB becomes the owner: the former owner is a plain user, BOB the owner (unblocked), in one event.
    assert await store.settle_owner(BOB)
    roles = [await store.get_user(user_id) for user_id in (OWNER, ANN, BOB)]
    assert [(u.role, u.permissions, u.blocked) for u in roles if u] == [
        ("user", (), False), ("admin", ("users",), False), ("owner", (), False),
    ]
    changes = [(action, target, detail) for action, target, detail in await actions(store) if action == "owner.change"]
    assert changes == [("owner.change", str(BOB), f"owner is now {BOB}; former owner {OWNER} demoted to user")]
    # The same owner again changes and logs nothing; an owner who never wrote to the bot has no row yet.
    assert not await store.settle_owner(BOB)
    assert await store.settle_owner(4242)
    assert [u.role for u in [await store.get_user(user_id) for user_id in (OWNER, BOB)] if u] == ["user", "user"]
    assert [action for action, _, _ in await actions(store)].count("owner.change") == 2
