"""`File`: what getFile answers, the way to a file's bytes."""

from .base import TelegramType


class File(TelegramType, frozen=True):
    """A file ready for download from `{api_base_url}/file/bot<token>/<file_path>` (valid for at least an hour;
    call getFile again for a fresh path). `file_path` is missing when Telegram cannot serve the file."""

    file_id: str
    file_unique_id: str
    file_size: int | None = None
    file_path: str | None = None
