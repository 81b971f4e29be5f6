"""The error book: this process's recent errors, grouped by kind, for the /errors page.

A logging handler on the root logger (`open_error_book`, entered where the shop starts) takes every
record of ERROR and above and counts it under its kind: an exception's type and where it was raised
(the innermost frame of the shop's own code, else the innermost), or else the logger and the
message's template (its text before the arguments are put in, so one kind however the values vary).
Each kind keeps its count, when it was first and last seen, and its last message and traceback, all
redacted before they are kept (webui.redactor), whole, and only then cut to length: a secret across a
cut would no longer match by value and would leave its head or tail on the page. The book is bounded:
past KINDS kinds, the one seen least recently is forgotten. It lives in this process only and starts empty with it.
"""

import logging
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType

import msgspec
from cachetools import LRUCache

from webui.redactor import Redactor

KINDS = 200
MESSAGE_MAX = 1_000
# A traceback's end is where the error is: a longer one keeps its last TRACEBACK_MAX characters.
TRACEBACK_MAX = 10_000
OUR_ROOMS = ("actors", "storage", "telegram", "webui")


class ErrorKind(msgspec.Struct, kw_only=True):
    kind: str
    logger: str
    level: str
    count: int
    first_seen: float  # seconds since the epoch
    last_seen: float
    message: str  # the last one, redacted
    traceback: str  # the last one, redacted; empty for a record without an exception


class ErrorBook(logging.Handler):
    """A logging handler counting ERROR records (and above) by kind; `kinds()` reads them, newest first."""

    def __init__(self, redactor: Redactor | None = None, *, size: int = KINDS, level: int = logging.ERROR) -> None:
        super().__init__(level)
        self.redact = redactor or Redactor()
        self._kinds: LRUCache[tuple[str, ...], ErrorKind] = LRUCache(maxsize=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            key, kind = _kind_of(record)
            message = _cut(self.redact(record.getMessage()), MESSAGE_MAX)
            trace = _last(self.redact(_trace(record.exc_info)), TRACEBACK_MAX)
        except Exception:  # a record that cannot be rendered; logging's own way to say so
            self.handleError(record)
            return
        known = self._kinds.get(key)
        if known is None:
            self._kinds[key] = ErrorKind(
                kind=_cut(self.redact(kind), MESSAGE_MAX),
                logger=record.name,
                level=record.levelname,
                count=1,
                first_seen=record.created,
                last_seen=record.created,
                message=message,
                traceback=trace,
            )
            return
        known.count += 1
        known.last_seen = record.created
        known.level = record.levelname
        known.message = message
        known.traceback = trace

    def kinds(self) -> list[ErrorKind]:
        """Every kind kept, the one seen last first (copies: the book goes on counting)."""
        # emit runs under the handler's lock (Handler.handle takes it): a record logged from another
        # thread is not counted while the book is read.
        self.acquire()
        try:
            kept = [msgspec.structs.replace(kind) for kind in self._kinds.values()]
        finally:
            self.release()
        return sorted(kept, key=lambda kind: kind.last_seen, reverse=True)


@contextmanager
def open_error_book(secrets: Iterable[str] = ()) -> Iterator[ErrorBook]:
    """An error book on the root logger for the life of the block, masking `secrets` (and the shapes
    webui.redactor knows)."""
    book = ErrorBook(Redactor(secrets))
    root = logging.getLogger()
    root.addHandler(book)
    try:
        yield book
    finally:
        root.removeHandler(book)


type ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None] | None


def _kind_of(record: logging.LogRecord) -> tuple[tuple[str, ...], str]:
    """The record's kind, as a key and as a line to show."""
    error = record.exc_info[1] if record.exc_info else None
    if error is None:
        template = str(record.msg)
        return ("log", record.name, template), f"{record.name}: {template}"
    cls = type(error)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    where = _where(error.__traceback__) or f"{record.name}:{record.lineno}"
    return ("exception", name, where), f"{name} at {where}"


def _where(tb: TracebackType | None) -> str | None:
    """module:line in function, of the innermost frame of our own code (else of the innermost)."""
    ours = last = None
    while tb is not None:
        last = tb
        if str(tb.tb_frame.f_globals.get("__name__", "")).split(".")[0] in OUR_ROOMS:
            ours = tb
        tb = tb.tb_next
    chosen = ours or last
    if chosen is None:
        return None
    code = chosen.tb_frame.f_code
    return f"{chosen.tb_frame.f_globals.get('__name__', code.co_filename)}:{chosen.tb_lineno} in {code.co_name}"


def _trace(exc_info: ExcInfo) -> str:
    if not exc_info or exc_info[1] is None:
        return ""
    return "".join(traceback.format_exception(exc_info[1])).rstrip()


def _last(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
