"""The invoices the twin holds, and how a client reads them.

Expiry is read, not scheduled: an active invoice whose `expires_in` has passed on the clock reads as
"expired" from then on. The default clock is unix time that advances with trio's clock, so
`trio.testing.MockClock` drives expiry.
"""

import itertools
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import trio

from ..types import CryptoInvoice

_HASH_CHARS = string.ascii_letters + string.digits


class UnknownInvoice(LookupError):
    """A control method named an invoice the twin does not hold (never created, or deleted)."""


class UnixClockOnTrio:
    """Unix seconds: wall time when first read, plus the trio time elapsed since (MockClock moves it)."""

    def __init__(self) -> None:
        self._base: tuple[float, float] | None = None

    def __call__(self) -> float:
        now = trio.current_time()
        if self._base is None:
            self._base = (time.time(), now)
        wall, trio_start = self._base
        return wall + (now - trio_start)


def iso(unix: float) -> str:
    """CryptoPay's timestamp format: ISO 8601 in UTC with milliseconds, e.g. 2026-06-01T12:00:00.000Z."""
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def invoice_json(invoice: CryptoInvoice) -> dict[str, Any]:
    """The invoice as CryptoPay's JSON: amounts as decimal strings, unset optional fields left out."""
    return msgspec.to_builtins(invoice)


@dataclass
class InvoiceRecord:
    invoice_id: int
    hash: str
    currency_type: str
    fiat: str | None
    asset: str | None
    accepted_assets: tuple[str, ...]
    amount: Decimal
    description: str | None
    payload: str
    created: float
    expires_at: float | None
    status: str = "active"  # as set by a payment or an expiry; the clock may make an active one expired
    paid_at: float | None = None
    paid_amount: Decimal | None = None
    paid_asset: str | None = None


class Invoices:
    """The twin's invoices by id, numbered from 1, read as `CryptoInvoice`s with their status as of `clock()`."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._records: dict[int, InvoiceRecord] = {}
        self._ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._records)

    def create(
        self,
        *,
        currency_type: str,
        fiat: str | None,
        asset: str | None,
        accepted_assets: tuple[str, ...],
        amount: Decimal,
        description: str | None,
        payload: str,
        expires_in: int | None,
    ) -> CryptoInvoice:
        """A new active invoice (its parameters already checked), created now."""
        now = self.clock()
        record = InvoiceRecord(
            invoice_id=next(self._ids),
            hash="IV" + "".join(secrets.choice(_HASH_CHARS) for _ in range(10)),
            currency_type=currency_type,
            fiat=fiat,
            asset=asset,
            accepted_assets=accepted_assets,
            amount=amount,
            description=description,
            payload=payload,
            created=now,
            expires_at=None if expires_in is None else now + expires_in,
        )
        self._records[record.invoice_id] = record
        return self._render(record)

    def delete(self, invoice_id: int) -> bool:
        """Forget the invoice; False when there was none."""
        return self._records.pop(invoice_id, None) is not None

    def all(self) -> dict[int, CryptoInvoice]:
        """Every invoice, by id in the order created."""
        return {invoice_id: self._render(r) for invoice_id, r in self._records.items()}

    def get(self, invoice_id: int) -> CryptoInvoice:
        return self._render(self._record(invoice_id))

    def pay(self, invoice_id: int, *, asset: str, paid_amount: Decimal | None) -> CryptoInvoice:
        """Pay an active invoice in `asset` (one it accepts); `paid_amount` defaults to the invoice amount.

        Raises UnknownInvoice, or ValueError when the invoice is not active or does not accept `asset`.
        """
        record = self._record(invoice_id)
        status = self._status(record)
        if status != "active":
            raise ValueError(f"invoice {invoice_id} is {status}, not active")
        if asset not in record.accepted_assets:
            raise ValueError(f"invoice {invoice_id} accepts {', '.join(record.accepted_assets)}, not {asset}")
        record.status = "paid"
        record.paid_at = self.clock()
        record.paid_asset = asset
        record.paid_amount = record.amount if paid_amount is None else Decimal(paid_amount)
        return self._render(record)

    def expire(self, invoice_id: int) -> CryptoInvoice:
        """Expire an active invoice now, whatever its expires_in. Raises UnknownInvoice, or ValueError if paid."""
        record = self._record(invoice_id)
        if record.status == "paid":
            raise ValueError(f"invoice {invoice_id} is paid")
        record.status = "expired"
        return self._render(record)

    def _record(self, invoice_id: int) -> InvoiceRecord:
        try:
            return self._records[invoice_id]
        except KeyError:
            raise UnknownInvoice(f"no invoice {invoice_id}") from None

    def _status(self, record: InvoiceRecord) -> str:
        if record.status == "active" and record.expires_at is not None and self.clock() >= record.expires_at:
            return "expired"
        return record.status

    def _render(self, r: InvoiceRecord) -> CryptoInvoice:
        url = f"https://t.me/CryptoBot?start={r.hash}"
        return CryptoInvoice(
            invoice_id=r.invoice_id,
            hash=r.hash,
            status=self._status(r),
            amount=r.amount,
            currency_type=r.currency_type,
            fiat=r.fiat,
            asset=r.asset,
            bot_invoice_url=url,
            pay_url=url,
            description=r.description,
            payload=r.payload,
            created_at=iso(r.created),
            expiration_date=None if r.expires_at is None else iso(r.expires_at),
            paid_at=None if r.paid_at is None else iso(r.paid_at),
            paid_amount=r.paid_amount,
            paid_asset=r.paid_asset,
        )
