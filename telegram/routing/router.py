"""A router tree with screens as leaves (the aiogram shape).

Each screen module defines `router = Router(name=__name__)` and registers handlers on it; one place
(`telegram.screens.build_router`) includes them. The first handler that matches wins; an update no
handler matches falls through and `route` returns False. Including a router twice, or into itself, is
refused.

Staff access is declared, not written in handlers: `Router(name=__name__, need=Permission.STOCK)`
covers every handler of the router and of the routers included in it, and a handler may declare its
own (`@router.callback(ToggleMaintenance, need="owner", action="maintenance")`), which wins. Before a
handler with a need runs, the router asks storage's one answer (telegram.routing.access.admit) at that
moment, for every press, command and typed answer; a refusal is shown and audited, the handler does
not run, and a typed answer's question is forgotten. `action` names the attempt in the audit log (by
default "<module>.<handler>"). `routes()` lists the tree's routes with their needs, for the test that
no staff handler goes without one.
"""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from storage import Need
from telegram.callback_data import CallbackData
from telegram.routing.access import admit
from telegram.routing.context import Context

type Handler = Callable[..., Awaitable[None]]
type Match = Callable[[Context], tuple[Any, ...] | None]
type Kind = Literal["command", "callback", "pending", "pre_checkout", "message_with", "text", "any_callback"]


@dataclass(frozen=True, kw_only=True)
class Route:
    """One handler and what it answers: `trigger` is the command names, (the CallbackData type,), (the
    question's name,), (the message field,) or () by `kind`. `need` is the handler's own declaration
    (None: the routers' around it); `action` names an attempt from the handler's arguments."""

    kind: Kind
    trigger: tuple[Any, ...]
    handler: Handler
    match: Match
    need: Need | None
    action: Callable[[tuple[Any, ...]], str]


@dataclass(frozen=True, kw_only=True)
class Declared:
    """A route as `Router.routes()` lists it: in which router, and what it needs in effect."""

    router: str
    route: Route
    need: Need | None


class Router:
    def __init__(self, *, name: str, need: Need | None = None) -> None:
        self.name = name
        self.need = need
        self._routes: list[Route] = []
        self._children: list[Router] = []
        self._parent: Router | None = None

    def command(self, *names: str, need: Need | None = None, action: str | None = None) -> Callable[[Handler], Handler]:
        """`/name` messages (also `/name@bot` and `/name args`); the handler gets the argument text."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            command = ctx.command
            if command is not None and command[0] in names:
                return (command[1],)
            return None

        return self._register("command", names, match, need, action)

    def callback[D: CallbackData](
        self, data_type: type[D], *, need: Need | None = None, action: str | Callable[[D], str] | None = None
    ) -> Callable[[Handler], Handler]:
        """Button presses whose data unpacks as `data_type`; the handler gets the typed value. A
        callable `action` names the attempt from that value."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            return (ctx.callback_data,) if isinstance(ctx.callback_data, data_type) else None

        if callable(action):
            named = action
            return self._register("callback", (data_type,), match, need, lambda args: named(args[0]))
        return self._register("callback", (data_type,), match, need, action)

    def pending(self, name: str, *, need: Need | None = None, action: str | None = None) -> Callable[[Handler], Handler]:
        """The text answer to a question asked with `ctx.expect(name, **data)`; the handler gets the
        text and the data. Commands are not answers: they route as commands."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            if ctx.pending is None or ctx.pending.name != name or ctx.message is None or ctx.command is not None:
                return None
            return (ctx.message.text or ctx.message.caption or "", ctx.pending.data)

        return self._register("pending", (name,), match, need, action)

    def pre_checkout(self) -> Callable[[Handler], Handler]:
        """Pre-checkout queries (the last step before a payment); the handler gets the query."""
        return self._register("pre_checkout", (), lambda ctx: (ctx.pre_checkout,) if ctx.pre_checkout is not None else None)

    def message_with(self, field: str) -> Callable[[Handler], Handler]:
        """Messages carrying `field` (a service message such as "successful_payment"); the handler gets
        its value."""

        def match(ctx: Context) -> tuple[Any, ...] | None:
            value = getattr(ctx.message, field, None) if ctx.message is not None else None
            return (value,) if value is not None else None

        return self._register("message_with", (field,), match)

    def text(self) -> Callable[[Handler], Handler]:
        """Any message with text (commands included): for fallbacks, registered last."""
        return self._register("text", (), lambda ctx: () if ctx.message is not None else None)

    def any_callback(self) -> Callable[[Handler], Handler]:
        """Any button press, including data no CallbackData type accepts (stale or forged)."""
        return self._register("any_callback", (), lambda ctx: () if ctx.callback is not None else None)

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
        """Run the first matching handler in this tree, once its need (if any) is met; False when none
        matched. A matched handler whose need is not met is refused (see the module docstring)."""
        return await self._route(ctx, self._inherited())

    def routes(self) -> Iterator[Declared]:
        """Every route of this tree, in the order they are tried, with the need each runs under."""
        yield from self._declared(self._inherited())

    async def _route(self, ctx: Context, inherited: Need | None) -> bool:
        need_here = self.need if self.need is not None else inherited
        for route in self._routes:
            args = route.match(ctx)
            if args is None:
                continue
            need = route.need if route.need is not None else need_here
            if need is not None and not await admit(ctx, need, route.action(args)):
                if route.kind == "pending":
                    await ctx.forget()
                return True
            await route.handler(ctx, *args)
            return True
        for child in self._children:
            if await child._route(ctx, need_here):
                return True
        return False

    def _declared(self, inherited: Need | None) -> Iterator[Declared]:
        need_here = self.need if self.need is not None else inherited
        for route in self._routes:
            yield Declared(router=self.name, route=route, need=route.need if route.need is not None else need_here)
        for child in self._children:
            yield from child._declared(need_here)

    def _inherited(self) -> Need | None:
        """The need declared by the nearest router this one is included in."""
        ancestor = self._parent
        while ancestor is not None and ancestor.need is None:
            ancestor = ancestor._parent
        return ancestor.need if ancestor is not None else None

    def _register(
        self,
        kind: Kind,
        trigger: tuple[Any, ...],
        match: Match,
        need: Need | None = None,
        action: str | Callable[[tuple[Any, ...]], str] | None = None,
    ) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            named = action if action is not None else f"{self.name.rpartition('.')[2]}.{handler.__name__}"
            by_args = named if callable(named) else lambda _args: named
            self._routes.append(Route(kind=kind, trigger=trigger, handler=handler, match=match, need=need, action=by_args))
            return handler

        return decorator
