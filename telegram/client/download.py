"""Downloading a file's bytes from the Bot API file server, bounded by the caller's size limit.

The URL (`{api_base_url}/file/bot<token>/<file_path>`) carries the token, like every Bot API URL: no error
raised here contains it (see `telegram.client.redaction`).

Downloads bypass the call chain: they are not Bot API methods, so neither flood control nor auto-retry
applies, and a failed download is the caller's to repeat.
"""

import httpx
import msgspec

from ..connections import Connections, timeouts
from ..errors import BotAPIError, FileTooBig, NetworkError, error_for
from .api import _reason

# The method name download errors carry; it is not a Bot API method.
DOWNLOAD = "downloadFile"
# An error answer is a short JSON envelope; more than this is not one, and is not read further.
_ERROR_BODY_LIMIT = 64 * 1024


class _ErrorAnswer(msgspec.Struct):
    error_code: int | None = None
    description: str | None = None


async def download(http: Connections, url: str, *, max_bytes: int, timeout: httpx.Timeout) -> bytes:
    """GET `url` on `http` and return the body, refusing one larger than `max_bytes`.

    Resource handling: the response is streamed and closed as soon as the limit is passed, so no more than
    `max_bytes` plus one chunk is ever held. `timeout` bounds each network wait; there is no overall
    deadline because a large file on a slow link may rightly take longer than any single request.

    Error handling: raises `FileTooBig` when Content-Length or the bytes received pass `max_bytes`; the
    server's error answer mapped by `error_for` (404 `NotFound` for an unknown path or a wrong token,
    5xx `ServerError`); `NetworkError` when no answer arrives.
    """
    try:
        async with http.stream(httpx.Request("GET", url, extensions=timeouts(timeout))) as response:
            if response.status_code != 200:
                raise _error(response.status_code, await _read(response, _ERROR_BODY_LIMIT))
            announced = response.headers.get("content-length", "")
            if announced.isdigit() and int(announced) > max_bytes:
                raise _too_big(max_bytes)
            body = await _read(response, max_bytes)
            if body is None:
                raise _too_big(max_bytes)
            return body
    except httpx.TransportError as e:
        raise NetworkError(DOWNLOAD, _reason(e)) from e


async def _read(response: httpx.Response, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(max_bytes: int) -> FileTooBig:
    return FileTooBig(DOWNLOAD, 400, f"Bad Request: file is too big: more than max_bytes={max_bytes}")


def _error(status: int, body: bytes | None) -> BotAPIError:
    answer = _ErrorAnswer()
    if body:
        try:
            answer = msgspec.json.decode(body, type=_ErrorAnswer)
        except msgspec.DecodeError:
            pass  # a proxy's page, not the file server speaking: the HTTP status is all there is
    return error_for(DOWNLOAD, answer.error_code or status, answer.description or f"HTTP {status}", None)
