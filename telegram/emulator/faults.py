"""Injected faults: the emulator's way to make the network and the Bot API misbehave on purpose.

A `Fault` hits the next `times` Bot API calls whose method matches (None = any method). Kinds:

- "retry_after": 429 `Too Many Requests: retry after N`, parameters.retry_after = N, header Retry-After: N
- "server_error": HTTP `status` (default 502) with the matching reason phrase as description
- "unauthorized": 401 `Unauthorized`, what Telegram answers a revoked token
- "bad_request": 400 `Bad Request: <detail>`, Telegram's exact refusal text; `detail` defaults to what it
  answers an answerCallbackQuery (or answerPreCheckoutQuery) that comes too late, `query is too old and
  response timeout expired or query ID is invalid`
- "timeout": no answer. The httpx transport waits the client's read timeout then raises httpx.ReadTimeout;
  over ASGI the request hangs until the client gives up (is cancelled).
- "drop": the connection closes without an answer (httpx.RemoteProtocolError from the transport).

With `after=True` the call is executed first and only its answer is lost or replaced, which is how a
client learns that "no answer" does not mean "not done" (a sendMessage whose response was dropped still
delivered the message).
"""

from dataclasses import dataclass

from .errors import QUERY_TOO_OLD

KINDS = frozenset({"retry_after", "server_error", "unauthorized", "bad_request", "timeout", "drop"})

REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(kw_only=True)
class Fault:
    method: str | None = None
    kind: str = "server_error"
    times: int = 1
    retry_after: int = 1
    status: int = 502
    detail: str = QUERY_TOO_OLD
    after: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.times < 1:
            raise ValueError("times must be >= 1")

    def matches(self, method: str) -> bool:
        return self.method is None or self.method.lower() == method.lower()


class FaultPlan:
    """The queue of injected faults; the first matching fault with calls left is consumed per call."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def inject(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        return list(self._faults)

    def take(self, method: str) -> Fault | None:
        """Consume one hit of the first fault matching `method`, if any."""
        if not self._faults:  # fast path: benchmarks run with no faults at all
            return None
        for fault in self._faults:
            if fault.matches(method):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None
