"""CryptoPay (Crypto Bot API): the client the shop pays through, webhook signatures, and the twin
(an in-memory CryptoPay for tests and the sandbox)."""

from .client import CryptoPayClient
from .errors import CryptoPayError, CryptoPayUnavailable
from .signature import sign, verify
from .twin import CryptoPayTwin, serve_twin
from .types import CryptoInvoice, WebhookUpdate

__all__ = [
    "CryptoInvoice",
    "CryptoPayClient",
    "CryptoPayError",
    "CryptoPayTwin",
    "CryptoPayUnavailable",
    "WebhookUpdate",
    "serve_twin",
    "sign",
    "verify",
]
