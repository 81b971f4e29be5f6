"""Tortoise models. Nothing outside `storage/` sees these: store functions return records.

Money is `Decimal` with two decimal places. A user's `balance` is a running total kept in step with the
ledger inside the same transaction as every entry, so reading a balance costs one row, and
`balance == sum(ledger entries)` is checked by `storage.check_ledger`.
"""

from enum import StrEnum

from tortoise import fields, models

MONEY = {"max_digits": 18, "decimal_places": 2}


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"
    OWNER = "owner"


class LedgerKind(StrEnum):
    TOPUP = "topup"
    PURCHASE = "purchase"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class User(models.Model):
    id = fields.BigIntField(primary_key=True, generated=False)  # the Telegram user id
    username = fields.CharField(max_length=64, null=True)
    first_name = fields.CharField(max_length=128, default="")
    language_code = fields.CharField(max_length=16, null=True)
    role = fields.CharEnumField(Role, default=Role.USER, max_length=16)
    balance = fields.DecimalField(**MONEY, default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class Category(models.Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "categories"


class Item(models.Model):
    id = fields.IntField(primary_key=True)
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "shop.Category", related_name="items", on_delete=fields.RESTRICT
    )
    title = fields.CharField(max_length=128, unique=True)
    description = fields.TextField(default="")
    price = fields.DecimalField(**MONEY)
    hidden = fields.BooleanField(default=False)
    # Unsold units, kept in step with stock_units in the same transactions; the purchase gate.
    stock_left = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "items"


class Purchase(models.Model):
    # Random, so a purchase id shown to a user says nothing about other purchases.
    id = fields.UUIDField(primary_key=True)
    # The idempotency key of the request (a callback query id): a request replayed after a crash or
    # seen twice buys once.
    request_key = fields.CharField(max_length=128, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "shop.User", related_name="purchases", on_delete=fields.RESTRICT
    )
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "shop.Item", related_name="purchases", on_delete=fields.RESTRICT
    )
    quantity = fields.IntField(default=1)
    total = fields.DecimalField(**MONEY)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "purchases"
        indexes = (("user_id", "created_at"),)


class StockUnit(models.Model):
    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "shop.Item", related_name="units", on_delete=fields.RESTRICT
    )
    content = fields.TextField()
    sold = fields.BooleanField(default=False)
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "shop.Purchase", related_name="units", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_units"
        # The next unit to sell is found by (item, unsold, lowest id): an index seek whatever the stock.
        indexes = (("item_id", "sold", "id"),)


class LedgerEntry(models.Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "shop.User", related_name="ledger", on_delete=fields.RESTRICT
    )
    amount = fields.DecimalField(**MONEY)  # signed: credits > 0, debits < 0
    kind = fields.CharEnumField(LedgerKind, max_length=16)
    reason = fields.CharField(max_length=256, default="")
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "shop.Purchase", related_name="ledger_entries", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_entries"
        indexes = (("user_id", "id"),)
