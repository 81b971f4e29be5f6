"""The bottom of the call chain: one HTTP request to the Bot API, mapped once to a result or an error.

`HttpCall` is the `Call` every transformer eventually reaches. It is the only place that sees httpx
exceptions and Bot API error JSON, and the only place that maps them (like aiogram's `check_response`):

    httpx transport error / timeout / dropped connection  -> NetworkError (reason without the URL)
    {"ok": false, "error_code": N, ...}                    -> telegram.errors.error_for(...), with
                                                              parameters.retry_after (or Retry-After)
    an answer that is not Bot API JSON                     -> ServerError for HTTP 5xx, else NetworkError

Metrics (prometheus_client default registry), one sample per HTTP attempt, so retries are visible:
`shopkeeper_bot_api_requests_total{method,outcome}` and `shopkeeper_bot_api_request_seconds{method}`.
"""

from typing import Any

import httpx
import msgspec
import trio
from prometheus_client import Counter, Histogram

from ..connections import Connections, timeouts
from ..errors import BotAPIError, NetworkError, ServerError, error_for
from ..types import ResponseParameters
from .redaction import redact

REQUESTS = Counter(
    "shopkeeper_bot_api_requests_total",
    "Bot API HTTP requests by method and outcome: ok, network_error, cancelled, or the error class in snake case.",
    ["method", "outcome"],
)
LATENCY = Histogram(
    "shopkeeper_bot_api_request_seconds",
    "Bot API HTTP request latency in seconds (getUpdates includes its long-poll wait).",
    ["method"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


class _Envelope(msgspec.Struct):
    ok: bool
    result: msgspec.Raw = msgspec.Raw()
    error_code: int | None = None
    description: str | None = None
    parameters: ResponseParameters | None = None


class HttpCall:
    """Send one request on `http` and return the undecoded `result` (msgspec.Raw) of a success.

    Args:
      http: the connections to send on.
      base_url: the Bot API's address for the token, ending in `/bot<token>/`.
      request_timeout: seconds a request may take; getUpdates gets its `timeout` param on top of it.

    Error handling: raises `NetworkError` or a `BotAPIError` subclass, chained (`from`) to the cause;
    never retries (that is `auto_retry`'s job). No message carries the URL, hence never the token.
    """

    def __init__(self, http: Connections, base_url: str, *, request_timeout: float) -> None:
        self._http = http
        self._base_url = httpx.URL(base_url)
        self._request_timeout = request_timeout
        # Each method's absolute URL, joined once: joining a relative URL to the base on every request
        # was a tenth of the shop's CPU under load.
        self._urls: dict[str, httpx.URL] = {}

    def _url(self, method: str) -> httpx.URL:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = self._base_url.join(method)
        return url

    async def __call__(self, method: str, params: dict[str, Any], files: dict[str, Any] | None) -> msgspec.Raw:
        started = trio.current_time()
        outcome = "cancelled"  # unless one of the branches below says otherwise
        try:
            result = await self._send(method, params, files)
        except NetworkError:
            outcome = "network_error"
            raise
        except BotAPIError as e:
            outcome = _snake(type(e).__name__)
            raise
        else:
            outcome = "ok"
            return result
        finally:
            REQUESTS.labels(method=method, outcome=outcome).inc()
            LATENCY.labels(method=method).observe(trio.current_time() - started)

    async def _send(self, method: str, params: dict[str, Any], files: dict[str, Any] | None) -> msgspec.Raw:
        read = self._request_timeout
        if method == "getUpdates":
            # The server holds a long poll open for `timeout` seconds before answering.
            read += float(params.get("timeout") or 0)
        timeout = httpx.Timeout(self._request_timeout, read=read)
        request = self._build(method, params, files, timeout)
        # httpx enforces its timeouts inside its own transport; this deadline is the backstop for any
        # injected transport that does not (the emulator, a MockTransport), so a call can never hang.
        with trio.move_on_after(read + self._request_timeout) as deadline:
            try:
                response = await self._http.send(request)
            except httpx.TransportError as e:
                raise NetworkError(method, _reason(e)) from e
        if deadline.cancelled_caught:
            raise NetworkError(method, "timed out")
        return _unwrap(method, response)

    def _build(self, method: str, params: dict[str, Any], files: dict[str, Any] | None, timeout: httpx.Timeout) -> httpx.Request:
        given = given_params(params)
        if files:
            # multipart/form-data fields are strings: plain strings as is, everything else as JSON
            # (Telegram reads reply_markup, entities... as JSON-serialized fields).
            data = {k: v if isinstance(v, str) else msgspec.json.encode(v).decode() for k, v in given.items()}
            return httpx.Request("POST", self._url(method), data=data, files=files, extensions=timeouts(timeout))
        return httpx.Request(
            "POST",
            self._url(method),
            content=msgspec.json.encode(given),
            headers={"content-type": "application/json"},
            extensions=timeouts(timeout),
        )


def given_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters given: None means "not given", and leaving it out lets the server apply its default."""
    return {k: v for k, v in params.items() if v is not None}


def _unwrap(method: str, response: httpx.Response) -> msgspec.Raw:
    status = response.status_code
    try:
        envelope = msgspec.json.decode(response.content, type=_Envelope)
    except msgspec.DecodeError as e:
        # A proxy's HTML error page, a truncated body...: not the Bot API speaking.
        if status >= 500:
            raise ServerError(method, status, f"HTTP {status} without a Bot API answer") from e
        raise NetworkError(method, f"HTTP {status} without a Bot API answer") from e
    if envelope.ok:
        return envelope.result
    retry_after: float | None = None
    if envelope.parameters is not None and envelope.parameters.retry_after is not None:
        retry_after = float(envelope.parameters.retry_after)
    elif "retry-after" in response.headers:
        try:
            retry_after = float(response.headers["retry-after"])
        except ValueError:
            retry_after = None
    raise error_for(method, envelope.error_code or status, envelope.description or "", retry_after)


def _reason(e: httpx.TransportError) -> str:
    # httpx transport messages do not contain the URL today; redact anyway in case a future one does.
    text = redact(str(e))
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
