"""The invoices the twin holds, and their JSON as CryptoPay sends it.

Expiry is read, not scheduled: an active invoice whose `expires_in` has passed on the clock reads as
"expired" from then on. The default clock is unix time that advances with trio's clock, so
`trio.testing.MockClock` drives expiry.

The JSON has every field CryptoPay always sends (the three pay links, allow_comments, allow_anonymous...)
and, once paid, what it adds (paid_asset, paid_amount, the fee, the rates, paid_at, paid_anonymously), in
the order of observed answers; optional fields are left out when unset, as CryptoPay does.
"""

import itertools
import secrets
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import trio

from . import market
from .market import PLACES, amount_text

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


@dataclass(frozen=True)
class Terms:
    """What createInvoice asked for, its parameters already checked."""

    currency_type: str
    fiat: str | None
    asset: str | None
    accepted_assets: tuple[str, ...]
    amount: Decimal
    description: str | None = None
    hidden_message: str | None = None
    paid_btn_name: str | None = None
    paid_btn_url: str | None = None
    payload: str = ""
    allow_comments: bool = True
    allow_anonymous: bool = True
    expires_in: int | None = None
    swap_to: str | None = None


@dataclass
class InvoiceRecord:
    invoice_id: int
    hash: str
    terms: Terms
    created: float
    status: str = "active"  # as set by a payment or an expiry; the clock may make an active one expired
    paid_at: float | None = None
    paid_amount: Decimal | None = None
    paid_asset: str | None = None
    paid_fiat_rate: Decimal | None = None  # fiat invoices: units of the fiat currency per unit of paid_asset

    @property
    def expires_at(self) -> float | None:
        return None if self.terms.expires_in is None else self.created + self.terms.expires_in

    @property
    def payment(self) -> tuple[str, Decimal, float] | None:
        """(asset, amount, unix time) once paid, else None."""
        if self.paid_asset is None or self.paid_amount is None or self.paid_at is None:
            return None
        return self.paid_asset, self.paid_amount, self.paid_at

    @property
    def fee(self) -> Decimal:
        """What CryptoPay keeps of the payment, in the paid asset (0 while unpaid)."""
        return ((self.paid_amount or Decimal(0)) * market.FEE).quantize(PLACES)


class Invoices:
    """The twin's invoices by id, numbered from 1, read as CryptoPay's JSON with their status as of `clock()`."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._records: dict[int, InvoiceRecord] = {}
        self._ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._records)

    def create(self, terms: Terms) -> dict[str, Any]:
        """A new active invoice, created now."""
        record = InvoiceRecord(
            invoice_id=next(self._ids),
            hash="IV" + "".join(secrets.choice(_HASH_CHARS) for _ in range(10)),
            terms=terms,
            created=self.clock(),
        )
        self._records[record.invoice_id] = record
        return self._json(record)

    def delete(self, invoice_id: int) -> bool:
        """Forget the invoice; False when there was none."""
        return self._records.pop(invoice_id, None) is not None

    def all(self) -> list[dict[str, Any]]:
        """Every invoice's JSON, in the order created."""
        return [self._json(r) for r in self._records.values()]

    def get(self, invoice_id: int) -> dict[str, Any]:
        return self._json(self._record(invoice_id))

    def records(self) -> Iterator[InvoiceRecord]:
        """Every invoice's record, for the app's balance and statistics (a paid one has its `payment`)."""
        yield from self._records.values()

    def pay(self, invoice_id: int, *, asset: str, paid_amount: Decimal | None) -> dict[str, Any]:
        """Pay an active invoice in `asset` (one it accepts). `paid_amount` defaults to the amount for a crypto
        invoice and to the amount at the twin's rate for a fiat one (1:1 for USD in USDT).

        Raises UnknownInvoice, or ValueError when the invoice is not active or does not accept `asset`.
        """
        record = self._record(invoice_id)
        status = self._status(record)
        if status != "active":
            raise ValueError(f"invoice {invoice_id} is {status}, not active")
        if asset not in record.terms.accepted_assets:
            raise ValueError(f"invoice {invoice_id} accepts {', '.join(record.terms.accepted_assets)}, not {asset}")
        fiat = record.terms.fiat
        if fiat is not None:
            # At the twin's rate unless the test says what was paid; then the rate is what that amount implies.
            if paid_amount is None:
                record.paid_fiat_rate = market.rate(asset, fiat)
                paid_amount = (record.terms.amount / record.paid_fiat_rate).quantize(PLACES)
            elif paid_amount:
                record.paid_fiat_rate = (record.terms.amount / paid_amount).quantize(PLACES)
        record.status = "paid"
        record.paid_at = self.clock()
        record.paid_asset = asset
        record.paid_amount = record.terms.amount if paid_amount is None else Decimal(paid_amount)
        return self._json(record)

    def expire(self, invoice_id: int) -> dict[str, Any]:
        """Expire an active invoice now, whatever its expires_in. Raises UnknownInvoice, or ValueError if paid."""
        record = self._record(invoice_id)
        if record.status == "paid":
            raise ValueError(f"invoice {invoice_id} is paid")
        record.status = "expired"
        return self._json(record)

    def _record(self, invoice_id: int) -> InvoiceRecord:
        try:
            return self._records[invoice_id]
        except KeyError:
            raise UnknownInvoice(f"no invoice {invoice_id}") from None

    def _status(self, record: InvoiceRecord) -> str:
        expires_at = record.expires_at
        if record.status == "active" and expires_at is not None and self.clock() >= expires_at:
            return "expired"
        return record.status

    def _json(self, r: InvoiceRecord) -> dict[str, Any]:
        t = r.terms
        out: dict[str, Any] = {"invoice_id": r.invoice_id, "hash": r.hash, "currency_type": t.currency_type}
        if t.fiat is None:
            out["asset"] = t.asset
        else:
            out["fiat"] = t.fiat
        out["amount"] = format(t.amount, "f")
        if t.fiat is not None:
            out["accepted_assets"] = list(t.accepted_assets)
        payment = r.payment
        if payment is not None:
            paid_asset, paid_amount, _ = payment
            out |= {"paid_asset": paid_asset, "paid_amount": amount_text(paid_amount)}
            if r.paid_fiat_rate is not None:
                out["paid_fiat_rate"] = amount_text(r.paid_fiat_rate)
            fee_in_usd = (r.fee * market.usd_price(paid_asset)).quantize(PLACES)
            out |= {"fee_asset": paid_asset, "fee_amount": amount_text(r.fee), "fee_in_usd": amount_text(fee_in_usd)}
        bot_url = f"https://t.me/CryptoBot?start={r.hash}"
        out |= {
            "pay_url": bot_url,  # deprecated by CryptoPay for bot_invoice_url, and still sent
            "bot_invoice_url": bot_url,
            "mini_app_invoice_url": f"https://t.me/CryptoBot/app?startapp=invoice-{r.hash}&mode=compact",
            "web_app_invoice_url": f"https://app.send.tg/invoices/{r.hash}",
        }
        optional = {
            "description": t.description,
            "hidden_message": t.hidden_message,
            "paid_btn_name": t.paid_btn_name,
            "paid_btn_url": t.paid_btn_url,
            "swap_to": t.swap_to,
        }
        out |= {key: value for key, value in optional.items() if value is not None}
        out |= {
            "status": self._status(r),
            "created_at": iso(r.created),
            "allow_comments": t.allow_comments,
            "allow_anonymous": t.allow_anonymous,
        }
        if r.expires_at is not None:
            out["expiration_date"] = iso(r.expires_at)
        if payment is not None:
            paid_asset, _, paid_at = payment
            usd_rate = amount_text(market.usd_price(paid_asset))
            out |= {"paid_usd_rate": usd_rate, "paid_at": iso(paid_at), "paid_anonymously": False}
        if t.payload:
            out["payload"] = t.payload
        return out
