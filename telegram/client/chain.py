"""The outgoing call chain: transformers in the style of grammY's `api.config.use`.

A `Call` sends one Bot API request and returns the undecoded `result` of a successful answer
(`msgspec.Raw`), or raises a `telegram.errors.TelegramError`. A `Transformer` wraps a Call:

    async def transformer(prev: Call, method: str, params: dict, files: dict | None) -> Any:
        ...  # act before, call `await prev(method, params, files)` zero or more times, act after

`compose(call, transformers)` builds the chain. Each transformer wraps everything installed before it,
so the one installed last runs first (outermost) - the same order as grammY.
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

type Call = Callable[[str, dict[str, Any], dict[str, Any] | None], Awaitable[Any]]
type Transformer = Callable[[Call, str, dict[str, Any], dict[str, Any] | None], Awaitable[Any]]


def compose(call: Call, transformers: Iterable[Transformer]) -> Call:
    """Return `call` wrapped by each transformer in turn; the last one given is the outermost."""
    for transformer in transformers:
        call = _bind(transformer, call)
    return call


def _bind(transformer: Transformer, prev: Call) -> Call:
    # A separate function so each closure captures its own `prev`, not the loop variable.
    async def bound(method: str, params: dict[str, Any], files: dict[str, Any] | None) -> Any:
        return await transformer(prev, method, params, files)

    return bound
