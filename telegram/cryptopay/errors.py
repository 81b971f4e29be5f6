"""Errors of the CryptoPay client.

    CryptoPayError(code, name)        CryptoPay answered ok=false: {"error": {"code": 400, "name": "INVOICE_NOT_FOUND"}}
    └── CryptoPayUnavailable(0, name) no usable answer: network failure, timeout, HTTP 5xx

Callers retry on `CryptoPayUnavailable` and treat any other `CryptoPayError` as CryptoPay's final word.
Messages carry the method, code and name only: never the URL's query, a header, or the API token.
"""


class CryptoPayError(Exception):
    """CryptoPay refused the call: `code` is the HTTP-like error code, `name` the error name (e.g. UNAUTHORIZED)."""

    def __init__(self, code: int, name: str, *, method: str = "") -> None:
        super().__init__(f"{method or 'CryptoPay'}: {code} {name}")
        self.code = code
        self.name = name
        self.method = method


class CryptoPayUnavailable(CryptoPayError):
    """The call got no usable answer (connect/read failure, timeout, 5xx); it may or may not have taken effect.

    Raised with code 0 and a short name: NETWORK_ERROR, TIMEOUT or HTTP_<status>.
    """
