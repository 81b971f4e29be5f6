"""The sandbox's chat page and its routes, served only when the sandbox hands the app its emulator.

    GET  /sandbox                          → the first buyer's chat (/sandbox/1001)
    GET  /sandbox/<user>                   the chat page, server-rendered
    GET  /sandbox/<user>/events            Server-Sent Events: `message` {id, version, html} for each
                                           message drawn anew, `state` {ids, keyboard, stars} after
                                           each change, `toast` {text} for a button's answer
    POST /sandbox/<user>/send   {text}     write to the bot (text and /commands)
    POST /sandbox/<user>/press  {message_id, label}   press an inline button
    POST /sandbox/<user>/pay    {message_id}          pay an invoice (Stars or card, through the emulator)
    POST /sandbox/<user>/cryptopay {url}   pay a CryptoPay invoice in the twin, which tells the shop
    GET  /sandbox/files/<file_id>          a photo's or a document's bytes, as stored by the emulator

The POST routes are unauthenticated on purpose: the sandbox is a local demo whose people are
simulated, and anyone who can open the page may play them. What they must not allow is another site
driving them from a visitor's browser: they take JSON only (a cross-site form cannot send it without a
CORS preflight, which is never answered) and refuse a request whose Origin or Sec-Fetch-Site says it
came from another site. Every /sandbox route also answers only at the sandbox's own host names
(loopback, web.host, web.public_url's host): a site whose name an attacker points at 127.0.0.1 (DNS
rebinding) is same-origin to the browser, but not a name the sandbox answers to. A sandbox listening on
every address (web.host 0.0.0.0) answers at any name.

A reconnecting stream (the browser's EventSource does it by itself, with Last-Event-ID) gets every
message again with its version: the page keeps what it already shows, so resuming needs no log.
"""

import json
from collections.abc import AsyncIterator, Awaitable
from typing import Any, NoReturn
from urllib.parse import urlsplit

import trio
from quart import Response, abort, redirect, render_template, request
from quart_trio import QuartTrio
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from webui.config import WebSettings
from webui.sandbox.chat import Drawn, Persona, Refusal, SandboxChat

# A comment line this often keeps an idle stream open through proxies, and shows a gone browser.
KEEP_ALIVE = 15.0
# What a page may load and run: our own files only, so that even a mistake in escaping runs nothing.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MESSAGE_TEMPLATE = "sandbox_message.html"
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::"})


def page_hosts(web: WebSettings) -> frozenset[str] | None:
    """The host names the page answers at (see the module docstring); None: any."""
    if web.host in EVERY_ADDRESS:
        return None
    names = {"localhost", "127.0.0.1", "::1", web.host.strip("[]").lower()}
    public = urlsplit(web.public_url).hostname
    return frozenset(names | ({public} if public else set()))


def register(app: QuartTrio, sandbox: SandboxChat, hosts: frozenset[str] | None = None) -> None:
    """Add the sandbox's routes to `app`, answering at `hosts` only (None: any; see the module docstring)."""

    @app.before_request
    async def sandbox_host() -> None:
        if request.path.startswith("/sandbox") and hosts is not None and urlsplit(f"//{request.host}").hostname not in hosts:
            _abort(403, "refused: open the sandbox at its own address (http://127.0.0.1:<port>/sandbox)")

    def persona_of(user_id: int) -> Persona:
        persona = sandbox.persona(user_id)
        if persona is None:
            raise NotFound()
        return persona

    @app.get("/sandbox")
    async def sandbox_home() -> WerkzeugResponse:
        return redirect(f"/sandbox/{sandbox.personas[0].user_id}")

    @app.get("/sandbox/<int:user_id>")
    async def sandbox_page(user_id: int) -> Response:
        persona = persona_of(user_id)
        page = await render_template(
            "sandbox.html",
            persona=persona,
            personas=sandbox.personas,
            drawn=sandbox.draw(persona),
            commands=sandbox.commands(),
            crypto=sandbox.twin is not None,
        )
        return _guarded(Response(page, content_type="text/html; charset=utf-8"))

    @app.get("/sandbox/<int:user_id>/events")
    async def sandbox_events(user_id: int) -> Response:
        persona = persona_of(user_id)
        template = app.jinja_env.get_template(MESSAGE_TEMPLATE)

        async def stream() -> AsyncIterator[bytes]:
            yield b"retry: 2000\n: stream open\n\n"
            shown: dict[int, str] = {}
            state: dict[str, Any] = {}
            answers = sandbox.draw(persona).answers  # answers from before the page opened are not news
            while True:
                touched = sandbox.chat(persona).touched()  # taken before drawing: no change slips by
                drawn = sandbox.draw(persona)
                for view, version in drawn.messages:
                    if shown.get(view.id) != version:
                        html = await template.render_async(message=view, version=version)
                        shown[view.id] = version
                        yield _event("message", {"id": view.id, "version": version, "html": html}, drawn.revision)
                now = _state(drawn)
                if now != state:
                    state = now
                    yield _event("state", now, drawn.revision)
                for text in sandbox.answers_since(persona, answers):
                    yield _event("toast", {"text": text}, drawn.revision)
                answers = drawn.answers
                with trio.move_on_after(KEEP_ALIVE) as idle:
                    await touched.wait()
                if idle.cancelled_caught:
                    yield b": keep-alive\n\n"

        response = Response(
            stream(),
            content_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        response.timeout = None  # a stream lasts as long as the page is open
        return response

    @app.post("/sandbox/<int:user_id>/send")
    async def sandbox_send(user_id: int) -> Response:
        persona, data = persona_of(user_id), await _json_from_this_site()
        return await _done(sandbox.send(persona, _field(data, "text", str)))

    @app.post("/sandbox/<int:user_id>/press")
    async def sandbox_press(user_id: int) -> Response:
        persona, data = persona_of(user_id), await _json_from_this_site()
        return await _done(sandbox.press(persona, _field(data, "message_id", int), _field(data, "label", str)))

    @app.post("/sandbox/<int:user_id>/pay")
    async def sandbox_pay(user_id: int) -> Response:
        persona, data = persona_of(user_id), await _json_from_this_site()
        try:
            told = await sandbox.pay(persona, _field(data, "message_id", int))
        except Refusal as refusal:
            return _json(409, {"error": refusal.reason})
        return _json(200, {"ok": not told, "told": told})

    @app.post("/sandbox/<int:user_id>/cryptopay")
    async def sandbox_cryptopay(user_id: int) -> Response:
        persona, data = persona_of(user_id), await _json_from_this_site()
        return await _done(sandbox.pay_crypto(persona, _field(data, "url", str)))

    @app.get("/sandbox/files/<file_id>")
    async def sandbox_file(file_id: str) -> Response:
        stored = sandbox.file(file_id)
        if stored is None or stored.content is None:
            raise NotFound()
        picture = stored.kind == "photos" and (stored.mime_type or "image/jpeg").startswith("image/")
        response = Response(
            stored.content, content_type=(stored.mime_type or "image/jpeg") if picture else "application/octet-stream"
        )
        if not picture:
            # A document is downloaded, never shown as a page of this site (it may hold HTML).
            response.headers["Content-Disposition"] = f'attachment; filename="{_safe_name(stored.file_name)}"'
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


async def _json_from_this_site() -> dict[str, Any]:
    """The request's JSON object, or an error answer (raised) when it came from another site or is
    not JSON (see the module docstring)."""
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if (site is not None and site not in ("same-origin", "none")) or (
        origin is not None and urlsplit(origin).netloc != request.host
    ):
        _abort(403, "refused: the sandbox's page sends these requests from its own site only")
    if request.mimetype != "application/json":
        _abort(415, "send JSON (content-type: application/json)")
    data = await request.get_json(silent=True)
    if not isinstance(data, dict):
        _abort(400, "send a JSON object")
    return data


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        _abort(400, f"{name}: expected {kind.__name__}")
    return value


def _abort(status: int, error: str) -> NoReturn:
    abort(_json(status, {"error": error}))


async def _done(action: Awaitable[None]) -> Response:
    try:
        await action
    except Refusal as refusal:
        return _json(409, {"error": refusal.reason})
    return _json(200, {"ok": True})


def _state(drawn: Drawn) -> dict[str, Any]:
    return {"ids": [view.id for view, _ in drawn.messages], "keyboard": drawn.keyboard, "stars": drawn.stars}


def _event(name: str, data: dict[str, Any], revision: int) -> bytes:
    return f"id: {revision}\nevent: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _json(status: int, data: dict[str, Any]) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _guarded(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_name(name: str | None) -> str:
    return "".join(ch for ch in name or "file" if ch.isalnum() or ch in "._- ") or "file"
