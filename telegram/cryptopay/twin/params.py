"""The Crypto Bot API's parameters as the twin reads them, and its refusals.

CryptoPay takes parameters in the query string, a JSON body or a urlencoded form (`decode_params`),
so a value may arrive as a JSON number or list or as a string; the readers below accept either and
raise `ApiError` with CryptoPay's error name (its NAME_INVALID pattern) on anything else.
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from .market import ASSETS

MAX_EXPIRES_IN = 2_678_400  # 31 days
MAX_PAYLOAD_BYTES = 4096
MAX_DESCRIPTION_CHARS = 1024
MAX_HIDDEN_MESSAGE_CHARS = 2048
MAX_COUNT = 1000


class ApiError(Exception):
    """A refused API call: the HTTP status and CryptoPay's error name (UNAUTHORIZED, AMOUNT_INVALID, ...)."""

    def __init__(self, code: int, name: str) -> None:
        super().__init__(name)
        self.code = code
        self.name = name


def bad(name: str) -> ApiError:
    return ApiError(400, name)


def decode_params(query: bytes, content_type: str, body: bytes) -> dict[str, Any]:
    """The query string merged with a JSON or urlencoded body. Raises ValueError when the body is neither."""
    params: dict[str, Any] = dict(parse_qsl(query.decode("latin-1")))
    if not body:
        return params
    if content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
        return params
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise ValueError("body is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("body is not a JSON object")
    params.update(data)
    return params


def integer(value: Any, error: str) -> int:
    # Parameters arrive as JSON numbers or as strings (query string, form); bools are not numbers here.
    if isinstance(value, bool):
        raise bad(error)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(error) from None


def amount(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        raise bad("AMOUNT_INVALID")
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise bad("AMOUNT_INVALID") from None
    if not parsed.is_finite() or parsed <= 0:
        raise bad("AMOUNT_INVALID")
    return parsed


def boolean(value: Any, error: str) -> bool:
    """A JSON boolean, or "true" / "false" as a query string or form sends it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad(error)


def text(value: Any, limit: int, what: str) -> str | None:
    """An optional string of at most `limit` characters: longer is `<what>_TOO_LONG`, an object or list
    `<what>_INVALID`; a number sent as text (a query string has no other kind) is text."""
    if value is None:
        return None
    if isinstance(value, dict | list | bool):
        raise bad(f"{what}_INVALID")
    value = str(value)
    if len(value) > limit:
        raise bad(f"{what}_TOO_LONG")
    return value


def iso_date(value: Any, error: str) -> datetime:
    """An ISO 8601 date (a naive one is UTC), as getStats takes start_at and end_at."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        raise bad(error) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def choice(value: Any, allowed: frozenset[str], what: str) -> str:
    """One of `allowed`: absent is `<what>_REQUIRED`, anything else `<what>_INVALID`."""
    if not value:
        raise bad(f"{what}_REQUIRED")
    if not isinstance(value, str) or value not in allowed:
        raise bad(f"{what}_INVALID")
    return value


def accepted_assets(value: Any) -> tuple[str, ...]:
    """accepted_assets: a comma-separated string (or a JSON list); absent means every asset."""
    if value is None or value == "":
        return tuple(sorted(ASSETS))
    # Any: a JSON list may hold anything, which the check below refuses.
    names: list[Any]
    if isinstance(value, str):
        names = [name.strip() for name in value.split(",")]
    elif isinstance(value, list):
        names = value
    else:
        raise bad("ACCEPTED_ASSETS_INVALID")
    if not names or any(not isinstance(name, str) or name not in ASSETS for name in names):
        raise bad("ACCEPTED_ASSETS_INVALID")
    return tuple(names)


def invoice_ids(value: Any) -> set[int] | None:
    """invoice_ids: a comma-separated string (or a JSON list) of ids; absent means no filter."""
    if value is None or value == "":
        return None
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, list):
        raise bad("INVOICE_IDS_INVALID")
    return {integer(part, "INVOICE_IDS_INVALID") for part in parts}
