"""A router tree with screens as leaves (the aiogram shape).

Each screen module defines `router = Router(name=__name__)` and registers handlers on it; one place
(`telegram.screens.build_router`) includes them. The first handler that matches wins; an update no
handler matches falls through and `route` returns False. Including a router twice, or into itself, is
refused.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.callback_data import CallbackData
from telegram.routing.context import Context

type Handler = Callable[..., Awaitable[None]]
type Match = Callable[[Context], tuple[Any, ...] | None]


class Router:
    def __init__(self, *, name: str) -> None:
        self.name = name
        self._routes: list[tuple[Match, Handler]] = []
        self._children: list[Router] = []
        self._parent: Router | None = None

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        """`/name` messages (also `/name@bot` and `/name args`); the handler gets the argument text."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            command = ctx.command
            if command is not None and command[0] in names:
                return (command[1],)
            return None

        return self._register(match)

    def callback(self, data_type: type[CallbackData]) -> Callable[[Handler], Handler]:
        """Button presses whose data unpacks as `data_type`; the handler gets the typed value."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            return (ctx.callback_data,) if isinstance(ctx.callback_data, data_type) else None

        return self._register(match)

    def pending(self, name: str) -> Callable[[Handler], Handler]:
        """The text answer to a question asked with `ctx.expect(name, **data)`; the handler gets the
        text and the data. Commands are not answers: they route as commands."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            if ctx.pending is None or ctx.pending.name != name or ctx.message is None or ctx.command is not None:
                return None
            return (ctx.message.text or ctx.message.caption or "", ctx.pending.data)

        return self._register(match)

    def pre_checkout(self) -> Callable[[Handler], Handler]:
        """Pre-checkout queries (the last step before a payment); the handler gets the query."""
        return self._register(lambda ctx: (ctx.pre_checkout,) if ctx.pre_checkout is not None else None)

    def message_with(self, field: str) -> Callable[[Handler], Handler]:
        """Messages carrying `field` (a service message such as "successful_payment"); the handler gets
        its value."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            value = getattr(ctx.message, field, None) if ctx.message is not None else None
            return (value,) if value is not None else None

        return self._register(match)

    def text(self) -> Callable[[Handler], Handler]:
        """Any message with text (commands included): for fallbacks, registered last."""
        return self._register(lambda ctx: () if ctx.message is not None else None)

    def any_callback(self) -> Callable[[Handler], Handler]:
        """Any button press, including data no CallbackData type accepts (stale or forged)."""
        return self._register(lambda ctx: () if ctx.callback is not None else None)

    def include_router(self, router: "Router") -> "Router":
        ancestor: Router | None = self
        while ancestor is not None:
            if ancestor is router:
                raise ValueError(f"including router {router.name!r} into {self.name!r} makes a cycle")
            ancestor = ancestor._parent
        if router._parent is not None:
            raise ValueError(f"router {router.name!r} is already included in {router._parent.name!r}")
        router._parent = self
        self._children.append(router)
        return router

    async def route(self, ctx: Context) -> bool:
        """Run the first matching handler in this tree; False when none matched."""
        for match, handler in self._routes:
            args = match(ctx)
            if args is not None:
                await handler(ctx, *args)
                return True
        for child in self._children:
            if await child.route(ctx):
                return True
        return False

    def _register(self, match: Match) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self._routes.append((match, handler))
            return handler

        return decorator
