"""The webhook signature: hex HMAC-SHA256 of the raw request body, keyed with SHA-256(API token).

CryptoPay sends it in the `crypto-pay-api-signature` header. The body must be verified exactly as
received (before any JSON decoding), and compared in constant time so a forger learns nothing from timing.
"""

import hashlib
import hmac
import re

HEADER = "crypto-pay-api-signature"
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def sign(token: str, body: bytes) -> str:
    """The signature CryptoPay computes for `body` under the app's API `token` (64 lowercase hex digits)."""
    key = hashlib.sha256(token.encode()).digest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(token: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` is the signature of `body` under `token`.

    A missing, empty or malformed signature (anything but 64 hex digits) is simply False, never an error.
    """
    if not signature or not _HEX_SHA256.fullmatch(signature):
        return False
    return hmac.compare_digest(sign(token, body), signature.lower())
