"""The CryptoPay records we read: an invoice and a webhook update, as frozen msgspec Structs.

Amounts are decimal strings on the wire and `Decimal` here. Timestamps stay ISO 8601 strings as CryptoPay
sends them ("2026-06-01T12:00:00.000Z"). Unknown fields are ignored on decode (msgspec's default), because
CryptoPay adds fields (fee_amount, paid_usd_rate, ...) that the shop does not read.
"""

from decimal import Decimal

import msgspec


class CryptoInvoice(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One CryptoPay invoice.

    `status` is "active", "paid" or "expired". A fiat invoice (`currency_type` "fiat") has `fiat` set and
    `asset` unset; it is paid in one of its accepted assets, reported in `paid_asset` / `paid_amount`.
    Older answers carry the pay link only as `pay_url`; it is copied into `bot_invoice_url` on decode so
    readers need one field.
    """

    invoice_id: int
    hash: str
    status: str
    amount: Decimal
    currency_type: str
    fiat: str | None = None
    asset: str | None = None
    bot_invoice_url: str = ""
    pay_url: str | None = None
    description: str | None = None
    payload: str = ""
    created_at: str
    expiration_date: str | None = None
    paid_at: str | None = None
    paid_amount: Decimal | None = None
    paid_asset: str | None = None

    def __post_init__(self) -> None:
        if not self.bot_invoice_url and self.pay_url:
            msgspec.structs.force_setattr(self, "bot_invoice_url", self.pay_url)


class WebhookUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """The body CryptoPay POSTs to the app's webhook URL. `update_id` is not unique: deduplicate on invoice_id."""

    update_id: int
    update_type: str
    request_date: str
    payload: CryptoInvoice
