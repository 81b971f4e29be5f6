"""CryptoPay (Crypto Bot API): the client the shop pays through, and webhook signatures.

The twin (an in-memory CryptoPay for tests and the sandbox) is `telegram.cryptopay.twin`, imported
only by those: importing this package brings neither the twin nor an HTTP server.
"""

from .client import CryptoPayClient
from .errors import CryptoPayError, CryptoPayUnavailable
from .signature import sign, verify
from .types import CryptoInvoice, WebhookUpdate

__all__ = [
    "CryptoInvoice",
    "CryptoPayClient",
    "CryptoPayError",
    "CryptoPayUnavailable",
    "WebhookUpdate",
    "sign",
    "verify",
]
