"""Tortoise models (their kinds are in storage.kinds). Nothing outside `storage/` sees these: store functions return records.

Money is `Decimal` with two decimal places. A user's `balance` is a running total kept in step with the
ledger inside the same transaction as every entry, so reading a balance costs one row, and
`balance == sum(ledger entries)` is checked by `storage.check_ledger`.
Beside each foreign key, `<name>_id: <key type>` declares the column Tortoise sets, for the type checker
(an annotation, not a field: no schema change).
"""

from decimal import Decimal
from uuid import UUID

from tortoise import fields, models

# The kinds are imported from here by the migrations and the use cases as well.
from storage.kinds import BroadcastStatus, ItemKind, LedgerKind, PaymentMethod, PaymentStatus, PromoKind, Role

# DecimalField's (max_digits, decimal_places) for money: a tuple, so `DecimalField(*MONEY)` is type-checked.
MONEY = (18, 2)
# The money scale as a Decimal, for quantize().
CENT = Decimal("0.01")


class User(models.Model):
    id = fields.BigIntField(primary_key=True, generated=False)  # the Telegram user id
    username = fields.CharField(max_length=64, null=True)
    first_name = fields.CharField(max_length=128, default="")
    language_code = fields.CharField(max_length=16, null=True)
    # The language the user chose in Profile; None means "follow language_code".
    language = fields.CharField(max_length=8, null=True)
    role = fields.CharEnumField(Role, default=Role.USER, max_length=16)
    balance = fields.DecimalField(*MONEY, default=0)
    # Who invited this user: set once, at registration.
    referrer: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "shop.User", related_name="referrals", null=True, on_delete=fields.SET_NULL
    )
    referrer_id: int | None
    # Rewards this user's top-ups have paid their referrer, and rewards this user earned as a referrer:
    # the two running totals the referral caps are checked against.
    referral_paid = fields.DecimalField(*MONEY, default=0, db_default=0)
    referral_earned = fields.DecimalField(*MONEY, default=0, db_default=0)
    # Blocked by the staff: answered once with a short notice, and pays for nothing.
    blocked = fields.BooleanField(default=False, db_default=False)
    # An admin's permissions, comma-separated Permission values (empty for others).
    permissions = fields.CharField(max_length=128, default="", db_default="")
    # The user blocked the bot (Telegram answered 403): broadcasts skip them until they write again.
    bot_blocked = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"
        # The referral screen counts a referrer's users; the dashboard, those who registered lately.
        indexes = (("referrer_id",), ("created_at",))


class Category(models.Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    # One level of subcategories: a category with a parent has no children.
    parent: fields.ForeignKeyNullableRelation["Category"] = fields.ForeignKeyField(
        "shop.Category", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    hidden = fields.BooleanField(default=False, db_default=False)
    # A deleted category that still holds (deleted) items with sales: kept for them, shown nowhere.
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "categories"
        indexes = (("parent_id", "name"),)


class Item(models.Model):
    id = fields.IntField(primary_key=True)
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "shop.Category", related_name="items", on_delete=fields.RESTRICT
    )
    category_id: int
    title = fields.CharField(max_length=128, unique=True)
    # casefold(title): search is a LIKE on this column, case-insensitive for every script (SQLite's
    # own LOWER() folds ASCII only).
    title_folded = fields.CharField(max_length=128, default="", db_default="")
    description = fields.TextField(default="")
    price = fields.DecimalField(*MONEY)
    hidden = fields.BooleanField(default=False)
    kind = fields.CharEnumField(ItemKind, default=ItemKind.UNIQUE, db_default=ItemKind.UNIQUE, max_length=16)
    # UNLIMITED: what every buyer gets. FILE: the document's name and bytes.
    content = fields.TextField(default="", db_default="")
    file_name = fields.CharField(max_length=128, null=True)
    file_data = fields.BinaryField(null=True)
    # FILE: the file_id Telegram gave the document's first upload by this shop's bot, sent instead of
    # the bytes from then on (storage.item_files). Whatever replaces file_data sets it to None too.
    file_id = fields.CharField(max_length=512, null=True)
    # A Telegram file_id or an https URL of the item's picture.
    photo = fields.CharField(max_length=512, null=True)
    # Unsold units of a UNIQUE item, kept in step with stock_units in the same transactions; the
    # purchase gate. Other kinds never run out.
    stock_left = fields.IntField(default=0)
    # Kept in step with reviews in the same transactions, so a card needs no aggregate query.
    rating_sum = fields.IntField(default=0, db_default=0)
    rating_count = fields.IntField(default=0, db_default=0)
    # A deleted item that has sales: kept (hidden) so every purchase of it stays readable.
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "items"
        # A category's page of visible items, by title: an index range, whatever the page number.
        indexes = (("category_id", "hidden", "title"), ("hidden", "title_folded"))


class Purchase(models.Model):
    # Random, so a purchase id shown to a user says nothing about other purchases.
    id = fields.UUIDField(primary_key=True)
    # The idempotency key of the request (a callback query id): a request replayed after a crash or
    # seen twice buys once.
    request_key = fields.CharField(max_length=128, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "shop.User", related_name="purchases", on_delete=fields.RESTRICT
    )
    user_id: int
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "shop.Item", related_name="purchases", on_delete=fields.RESTRICT
    )
    item_id: int
    # The item as sold: history stays readable after the item is renamed or deleted.
    item_title = fields.CharField(max_length=128, default="", db_default="")
    kind = fields.CharEnumField(ItemKind, default=ItemKind.UNIQUE, db_default=ItemKind.UNIQUE, max_length=16)
    # UNLIMITED: the content delivered (the item's content may change later).
    content = fields.TextField(null=True)
    quantity = fields.IntField(default=1)
    price = fields.DecimalField(*MONEY, default=0, db_default=0)  # per unit
    discount = fields.DecimalField(*MONEY, default=0, db_default=0)
    total = fields.DecimalField(*MONEY)  # price × quantity − discount: what was debited
    # Set when an admin took the purchase back (refunding the payment that paid for it): the total
    # was credited back; the units stay sold, since the buyer has seen them.
    revoked_at = fields.DatetimeField(null=True)
    # The payment whose refund revoked it: a refund Telegram refuses restores exactly these.
    revoked_for = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "purchases"
        # (created_at, …): the statistics and the dashboard read the last weeks of sales, from the index alone.
        sales = ("created_at", "revoked_at", "item_id", "user_id", "quantity", "total")
        indexes = (("user_id", "created_at"), sales, ("revoked_for",))


class StockUnit(models.Model):
    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField("shop.Item", related_name="units", on_delete=fields.RESTRICT)
    item_id: int
    # Sealed (storage.vault): never the secret itself.
    content = fields.TextField()
    # HMAC of the secret, to find an item's duplicates without opening units; null only for a unit
    # stored before sealing existed, until the next start seals it.
    fingerprint = fields.CharField(max_length=64, null=True)
    sold = fields.BooleanField(default=False)
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "shop.Purchase", related_name="units", null=True, on_delete=fields.RESTRICT
    )
    purchase_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_units"
        # The next unit to sell is found by (item, unsold, lowest id): an index seek whatever the stock.
        # (purchase_id): a purchase's units, re-sent from its history or its payment's notice.
        indexes = (("item_id", "sold", "id"), ("item_id", "fingerprint"), ("purchase_id",))


class LedgerEntry(models.Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("shop.User", related_name="ledger", on_delete=fields.RESTRICT)
    user_id: int
    amount = fields.DecimalField(*MONEY)  # signed: credits > 0, debits < 0
    kind = fields.CharEnumField(LedgerKind, max_length=16)
    reason = fields.CharField(max_length=256, default="")
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "shop.Purchase", related_name="ledger_entries", null=True, on_delete=fields.RESTRICT
    )
    purchase_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_entries"
        # A user's balance history, newest first: a page is an index range, however long the ledger.
        indexes = (("user_id", "id"),)


class Payment(models.Model):
    """An order paid through a provider: a top-up, or a direct purchase of an item (`item` set).

    The id is the invoice payload. `external_id` is the provider's id of the payment (Stars and fiat:
    telegram_payment_charge_id, set when paid; CryptoPay: the invoice id, set when the invoice is
    created), unique per method: a payment reported twice is credited once.
    """

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "shop.User", related_name="payments", on_delete=fields.RESTRICT
    )
    user_id: int
    method = fields.CharEnumField(PaymentMethod, max_length=16)
    status = fields.CharEnumField(PaymentStatus, default=PaymentStatus.PENDING, max_length=16)
    amount = fields.DecimalField(*MONEY)  # in the shop's currency: what is credited
    # What the provider charges: its currency ("XTR" for Stars) and the amount in that currency's
    # smallest units (whole Stars, cents).
    currency = fields.CharField(max_length=8)
    provider_amount = fields.BigIntField()
    item: fields.ForeignKeyNullableRelation[Item] = fields.ForeignKeyField(
        "shop.Item", related_name="payments", null=True, on_delete=fields.RESTRICT
    )
    item_id: int | None
    quantity = fields.IntField(default=1)
    promo_code = fields.CharField(max_length=32, null=True)
    external_id = fields.CharField(max_length=128, null=True)
    provider_charge_id = fields.CharField(max_length=256, null=True)
    pay_url = fields.CharField(max_length=512, null=True)  # CryptoPay: where the buyer pays
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "shop.Purchase", related_name="payments", null=True, on_delete=fields.RESTRICT
    )
    purchase_id: UUID | None
    # A direct purchase paid from an order's confirmation screen: the purchase key that screen's
    # Confirm buys with (so that either route buys the order once: see storage.orders), and the
    # screen's message, which becomes the receipt once the payment bought the order.
    purchase_key = fields.CharField(max_length=128, null=True)
    screen_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    paid_at = fields.DatetimeField(null=True)
    refunded_at = fields.DatetimeField(null=True)
    # Telling the payer (and sending a direct purchase's goods) once: a teller claims the payment
    # (`notice_claimed_at`), and `notified_at` is set once they were told (see storage.notices).
    notice_claimed_at = fields.DatetimeField(null=True)
    notified_at = fields.DatetimeField(null=True)
    # What crediting this payment paid the payer's referrer, and how much of it a refund took back.
    referral_reward = fields.DecimalField(*MONEY, default=0, db_default=0)
    referral_reversed = fields.DecimalField(*MONEY, default=0, db_default=0)

    class Meta:
        table = "payments"
        unique_together = (("method", "external_id"),)
        # The reconciler's scans (pending by expiry, CryptoPay's open invoices, payers not yet told)
        # and a user's payments.
        indexes = (("status", "expires_at"), ("method", "status"), ("user_id", "created_at"), ("notified_at", "paid_at"))


class PromoCode(models.Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)  # stored upper-case; matched case-insensitively
    kind = fields.CharEnumField(PromoKind, max_length=16)
    value = fields.DecimalField(*MONEY)  # percent (0–100] or an amount
    # None: unlimited. `uses` is the gate: a redemption is a conditional increment below max_uses.
    max_uses = fields.IntField(null=True)
    uses = fields.IntField(default=0)
    once_per_user = fields.BooleanField(default=True)
    expires_at = fields.DatetimeField(null=True)
    # Optional scope of a discount: one item or one category (its subcategories included).
    item: fields.ForeignKeyNullableRelation[Item] = fields.ForeignKeyField(
        "shop.Item", related_name="promo_codes", null=True, on_delete=fields.CASCADE
    )
    item_id: int | None
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "shop.Category", related_name="promo_codes", null=True, on_delete=fields.CASCADE
    )
    category_id: int | None
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "promo_codes"


class PromoRedemption(models.Model):
    id = fields.BigIntField(primary_key=True)
    promo: fields.ForeignKeyRelation[PromoCode] = fields.ForeignKeyField(
        "shop.PromoCode", related_name="redemptions", on_delete=fields.CASCADE
    )
    promo_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "shop.User", related_name="redemptions", on_delete=fields.RESTRICT
    )
    user_id: int
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "shop.Purchase", related_name="redemptions", null=True, on_delete=fields.RESTRICT
    )
    purchase_id: UUID | None
    amount = fields.DecimalField(*MONEY)  # the discount given or the balance credited
    # "<promo id>:<user id>" for once-per-user codes, else NULL: the database refuses a second use by
    # the same user even from two processes at once.
    once_key = fields.CharField(max_length=64, unique=True, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "promo_redemptions"


class Review(models.Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("shop.User", related_name="reviews", on_delete=fields.CASCADE)
    user_id: int
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField("shop.Item", related_name="reviews", on_delete=fields.CASCADE)
    item_id: int
    rating = fields.SmallIntField()
    text = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "reviews"
        unique_together = (("user", "item"),)
        indexes = (("item_id", "updated_at"),)


class AuditEvent(models.Model):
    """Who did what to what, and when. `security` marks refused or suspicious attempts; `count` is how
    many of one source's security events within a minute the row stands for (see storage.audit)."""

    id = fields.BigIntField(primary_key=True)
    actor_id = fields.BigIntField(null=True)  # a Telegram user id; None for the system
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=128, default="")
    detail = fields.TextField(default="")
    security = fields.BooleanField(default=False)
    count = fields.IntField(default=1, db_default=1)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_events"
        indexes = (("created_at",), ("security", "created_at"))


class InboxUpdate(models.Model):
    """An update from Telegram, kept from before Telegram is told it arrived to a day after it was handled.

    A day is Telegram's redelivery window; the housekeeper deletes the row then.

    `handled_at` stays NULL until the update is handled: a crash loses nothing (the replay takes the
    unhandled rows), a replay skips what was handled, and an update Telegram delivers again is
    recognised by its id. An effect that must happen once per update sets `handled_at` in its own
    transaction (storage.inbox.claim_update), so a crash between the effect and the poller's mark
    does not repeat it. `chat_id` is the chat whose order the update keeps (0: none)."""

    id = fields.BigIntField(primary_key=True, generated=False)  # the update_id
    chat_id = fields.BigIntField(default=0, db_default=0)
    payload = fields.BinaryField()  # the update as the Bot API sent it (JSON)
    created_at = fields.DatetimeField(auto_now_add=True)
    handled_at = fields.DatetimeField(null=True)
    # The process that handles it (its holder id, alive while its lease named so is: storage.inbox).
    owner = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "inbox_updates"
        # (handled_at): the replay reads the unhandled rows, the housekeeper the old handled ones;
        # (chat_id, id): one chat's updates in order, for processes sharing the inbox (webhook mode).
        indexes = (("handled_at",), ("chat_id", "id"))


class Broadcast(models.Model):
    """A message to an audience, sent by the broadcaster in user id order. `cursor` is the highest
    user id handled: a restart goes on after it, so nobody is skipped and only the batch that was in
    flight can be sent twice."""

    id = fields.IntField(primary_key=True)
    created_by = fields.BigIntField()
    text = fields.TextField()  # Telegram HTML
    button_text = fields.CharField(max_length=64, null=True)
    button_url = fields.CharField(max_length=512, null=True)
    # "all", "buyers", or "lang:<code>"
    audience = fields.CharField(max_length=16)
    paid = fields.BooleanField(default=False)  # allow_paid_broadcast
    status = fields.CharEnumField(BroadcastStatus, default=BroadcastStatus.RUNNING, max_length=16)
    cursor = fields.BigIntField(default=0)
    total = fields.IntField(default=0)
    delivered = fields.IntField(default=0)
    blocked = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    # The message the broadcaster edits with the progress bar.
    progress_chat_id = fields.BigIntField(null=True)
    progress_message_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "broadcasts"
        indexes = (("status",),)


class Setting(models.Model):
    """Shop-wide switches the staff change at run time (maintenance mode), shared by every process."""

    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.TextField()

    class Meta:
        table = "settings"
