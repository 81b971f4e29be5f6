"""Shop-wide switches the staff change at run time, kept in the database so every process sees them."""

from tortoise.transactions import in_transaction

from storage.audit import write_event
from storage.models import Setting
from storage.records import ShopSwitches

MAINTENANCE = "maintenance"


async def shop_switches() -> ShopSwitches:
    values = dict(await Setting.all().values_list("key", "value"))
    return ShopSwitches(maintenance=values.get(MAINTENANCE) == "on")


async def set_maintenance(on: bool, *, actor_id: int | None) -> ShopSwitches:
    """Turn maintenance mode on or off (buyers see a notice; the staff keep working)."""
    async with in_transaction() as conn:
        await Setting.update_or_create(key=MAINTENANCE, defaults={"value": "on" if on else "off"}, using_db=conn)
        await write_event(conn, "maintenance.on" if on else "maintenance.off", actor_id=actor_id)
    return ShopSwitches(maintenance=on)
