"""Shop-wide switches kept in the database so every process sees them: those the staff change at run
time (maintenance mode), and the mark of a sandbox's database (see `claim_sandbox`)."""

from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.models import Category, Payment, Setting, User
from storage.records import ShopSwitches

MAINTENANCE = "maintenance"
SANDBOX = "sandbox"


async def shop_switches() -> ShopSwitches:
    values = dict(await Setting.all().values_list("key", "value"))
    return ShopSwitches(maintenance=values.get(MAINTENANCE) == "on")


async def set_maintenance(on: bool, *, actor_id: int | None) -> ShopSwitches:
    """Turn maintenance mode on or off (buyers see a notice; the staff keep working)."""
    async with in_transaction() as conn:
        await Setting.update_or_create(key=MAINTENANCE, defaults={"value": "on" if on else "off"}, using_db=conn)
        await write_event(conn, "maintenance.on" if on else "maintenance.off", actor_id=actor_id)
    return ShopSwitches(maintenance=on)


async def is_sandbox() -> bool:
    """True for a database a sandbox has run on (its demo goods, public promo codes and emulated
    payments are in it): a real shop must not run on it."""
    return await Setting.filter(key=SANDBOX).exists()


async def claim_sandbox() -> bool:
    """Mark this database as a sandbox's, unless it holds a real shop's data; True when it is (now) a
    sandbox's. A database with no users, categories or payments is taken and marked in the same
    transaction; one a sandbox marked before stays its own; any other one is a real shop's (False,
    nothing changed)."""
    async with in_transaction() as conn:
        if await Setting.filter(key=SANDBOX).using_db(conn).exists():
            return True
        for model in (User, Category, Payment):
            if await model.all().using_db(conn).exists():
                return False
        await Setting.create(key=SANDBOX, value="on", using_db=conn)
        return True
