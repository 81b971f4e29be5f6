"""Errors of the Telegram room.

    TelegramError
    ├── NetworkError            the request did not get an answer (connect/read timeout, dropped connection)
    └── BotAPIError             the server answered ok=false: method, error_code, description
        ├── BadRequest          400
        │   └── FileTooBig      getFile's "file is too big" (over 20 MB), or a download over its max_bytes
        ├── Unauthorized        401 (bad token)
        ├── Forbidden           403 (e.g. the user blocked the bot)
        ├── NotFound            404 (unknown method)
        ├── Conflict            409 (another getUpdates poller, or a webhook is set)
        ├── RetryAfter          429, carries retry_after seconds
        └── ServerError         5xx

Raw httpx errors and Bot API error JSON are mapped once, in the client (`telegram.client.api`).
Messages never contain the bot token: the request URL is not part of any error.
"""


class TelegramError(Exception):
    """Base of every error raised by the Telegram room."""


class NetworkError(TelegramError):
    def __init__(self, method: str, reason: str) -> None:
        super().__init__(f"{method}: network error: {reason}")
        self.method = method
        self.reason = reason


class BotAPIError(TelegramError):
    def __init__(self, method: str, error_code: int, description: str) -> None:
        super().__init__(f"{method}: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description


class BadRequest(BotAPIError):
    @property
    def not_modified(self) -> bool:
        return "message is not modified" in self.description

    @property
    def wrong_file(self) -> bool:
        """Telegram cannot use the file_id (or URL) sent: unknown, malformed, or another bot's (file_ids
        belong to the bot they were given to): "wrong file identifier/HTTP URL specified"."""
        description = self.description.lower()
        return "wrong file identifier" in description or "wrong remote file identifier" in description


class FileTooBig(BadRequest):
    """The file is larger than the bot may take: Telegram's 20 MB for getFile, or the caller's `max_bytes`
    for `BotClient.download_file` (refused locally, method "downloadFile", before the rest is read)."""


class Unauthorized(BotAPIError):
    pass


class Forbidden(BotAPIError):
    pass


class NotFound(BotAPIError):
    pass


class Conflict(BotAPIError):
    pass


class RetryAfter(BotAPIError):
    def __init__(self, method: str, error_code: int, description: str, retry_after: float) -> None:
        super().__init__(method, error_code, description)
        self.retry_after = retry_after


class ServerError(BotAPIError):
    pass


def error_for(method: str, error_code: int, description: str, retry_after: float | None) -> BotAPIError:
    """Map one Bot API error answer to its typed error."""
    if error_code == 429:
        return RetryAfter(method, error_code, description, retry_after if retry_after is not None else 1.0)
    if error_code >= 500:
        return ServerError(method, error_code, description)
    if error_code == 400 and "file is too big" in description:
        return FileTooBig(method, error_code, description)
    cls = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict}.get(error_code, BotAPIError)
    return cls(method, error_code, description)
