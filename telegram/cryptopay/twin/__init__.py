"""The CryptoPay twin: an in-memory CryptoPay for tests and the sandbox (never imported by the shop).

    twin = CryptoPayTwin("app-token")
    pay = CryptoPayClient("app-token", transport=twin.transport())     # in process
    port = await nursery.start(serve_twin, twin)                         # or over loopback HTTP

core.py      the twin: its log of calls and webhooks, playing the payer (mark_paid, mark_expired, send_webhook)
api.py       the Crypto Bot API's invoice methods, with CryptoPay's envelope and error names
reports.py   the app's figures (getBalance, getStats) and its market (getExchangeRates, getCurrencies)
market.py    the twin's fixed currencies, exchange rates and fee
params.py    reading the API's parameters (query string, JSON or form) and refusing bad ones
invoices.py  the invoices held, their status on the twin's clock, and their JSON
webhooks.py  the signed (or deliberately unsigned) invoice_paid updates it POSTs
http.py      its routes (/api/, the /_twin/ test API) behind the shared doors, and `serve_twin`
"""

from .core import CryptoPayTwin
from .http import serve_twin
from .invoices import UnknownInvoice
from .webhooks import SentWebhook

__all__ = ["CryptoPayTwin", "SentWebhook", "UnknownInvoice", "serve_twin"]
