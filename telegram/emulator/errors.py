"""Errors of the emulator.

    ApiError          a Bot API call fails: becomes {"ok": false, "error_code", "description", "parameters"?}
    EmulatorError     misuse of the test-side API (unknown bot, no bot created, ...)
    └── ButtonNotFound  press() found no pressable inline button with that label

ApiError never escapes to callers of the emulator: the core request handler turns it into the Bot API
error envelope with the same HTTP status, exactly as the official server does.
"""

from typing import Any


class ApiError(Exception):
    """One Bot API error answer; `description` is the exact text the official server sends."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


# Late or unknown answers to a callback query or a pre-checkout query (the server's QUERY_ID_INVALID).
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


class EmulatorError(Exception):
    """The test code asked the emulator for something impossible."""


class ButtonNotFound(EmulatorError):
    """No pressable inline button with `label` (url buttons are not pressable: `reason` says so).

    `available` lists the callback-button labels of the message that was searched (the given one, or the
    newest bot message with an inline keyboard), so a failing test shows what the user could press.
    """

    def __init__(self, label: str, available: list[str], reason: str = "no such button") -> None:
        super().__init__(f"button {label!r} not pressable ({reason}); available: {available!r}")
        self.label = label
        self.available = available
        self.reason = reason
