"""The quart-trio web app: health, Prometheus metrics, signing in (webui.auth) and the pages, served by
hypercorn in the shop's nursery. Request bodies are limited on every route (webui.limits)."""

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import hypercorn.config
import msgspec
import trio
from hypercorn.middleware import ProxyFixMiddleware
from hypercorn.trio.run import worker_serve
from hypercorn.utils import wrap_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, generate_latest
from quart import Response, request
from quart_trio import QuartTrio

from storage import StorageError
from telegram.cryptopay import WebhookUpdate, verify
from telegram.payments import PaymentDesk
from webui import live
from webui.auth import Auth
from webui.config import WebSettings
from webui.error_book import ErrorBook
from webui.health import HealthReport
from webui.keepalive import ShieldedSends
from webui.limits import BodyLimit
from webui.live import closing
from webui.pages import dashboard, errors, events, metrics, notices, overview, performance
from webui.sampler import Sampler
from webui.status import ShopMode
from webui.telegram_webhook import TelegramWebhook, WebhookFront

log = logging.getLogger(__name__)

WEBHOOKS = Counter("shopkeeper_cryptopay_webhooks_total", "CryptoPay webhook requests, by outcome", ["outcome"])
# The path to give CryptoPay (Crypto Bot → Crypto Pay → My Apps → Webhooks) behind the shop's URL.
CRYPTOPAY_WEBHOOK = "/cryptopay/webhook"
# The most body a request may carry, in bytes (a larger one is answered 413 and not processed): a
# CryptoPay update is a few KB (an invoice's description and payload are at most 1 KB and 4 KB).
CRYPTOPAY_BODY_MAX = 32 * 1024
BODY_MAX = 64 * 1024
# What every page may load and run: our own files only, so that even a mistake in escaping runs
# nothing, and no other site may frame a page (clicks tricked through it). Styles may be inline:
# pygal's charts carry theirs in the SVG. A route that sets its own policy (the sandbox's) keeps it.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# On every answer (a route may set its own instead).
GUARD_HEADERS = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff"}
POLLING = ShopMode(updates="polling")
# What adds the sandbox's chat page to the app (webui.sandbox.sandbox_pages): only the sandbox has one.
type SandboxPages = Callable[[QuartTrio], None]


def create_app(
    health: Callable[[], HealthReport],
    auth: Auth,
    payments: PaymentDesk | None = None,
    *,
    errors_seen: ErrorBook | None = None,
    mode: ShopMode = POLLING,
    sampler: Sampler | None = None,
    sandbox: SandboxPages | None = None,
    telegram_webhook: TelegramWebhook | None = None,
) -> QuartTrio:
    """The app; `health` returns the current report (it is computed by the health watcher, not here).
    `auth` signs staff in and checks every page. With a payment desk that has CryptoPay on, the
    CryptoPay webhook is served too. Every route takes a small body at most (see webui.limits).
    `errors_seen` is the error book /errors shows (one on the root logger: see open_error_book;
    without it, a book no logger feeds); `mode` is how the shop runs, for the overview; `sampler` keeps
    /performance's last hour (by default one of this process's registry, every 10 s). With `sandbox`
    (run by `shopkeeper sandbox`), /sandbox is the chat page over the emulator; without it there is no
    such page (404). With `telegram_webhook` (webhook mode), Telegram's updates arrive on its path,
    answered in front of the Quart app (webui.telegram_webhook)."""
    # The root path holds templates/ (Quart looks for them beside the app's module).
    app = QuartTrio("shopkeeper", root_path=str(Path(__file__).parent))
    # Quart's documented way to wrap its ASGI app in middleware, which the checker takes for a method reassigned.
    app.asgi_app = BodyLimit(app.asgi_app, default=BODY_MAX, limits={CRYPTOPAY_WEBHOOK: CRYPTOPAY_BODY_MAX})  # type: ignore[method-assign]
    if auth.settings.proxy_hops:
        app.asgi_app = ProxyFixMiddleware(app.asgi_app, mode="legacy", trusted_hops=auth.settings.proxy_hops)  # type: ignore[method-assign]
    # Next to the server: see webui.keepalive (a stop would wait for idle keep-alive connections).
    app.asgi_app = ShieldedSends(app.asgi_app)  # type: ignore[method-assign]
    # Outermost, before all of the above: Telegram's updates (webui.telegram_webhook). Its sends need
    # no shield: it never listens for the client's disconnect, so nothing cancels them.
    if telegram_webhook is not None:
        app.asgi_app = WebhookFront(app.asgi_app, telegram_webhook, body_max=BODY_MAX, headers=GUARD_HEADERS.items())  # type: ignore[method-assign]

    @app.post(CRYPTOPAY_WEBHOOK)
    async def cryptopay_webhook() -> Response:
        if payments is None or payments.cryptopay is None:
            return _text(404, "CryptoPay is not configured")
        body = await request.get_data(cache=False, as_text=False, parse_form_data=False)
        if not verify(payments.settings.cryptopay_token, body, request.headers.get("crypto-pay-api-signature")):
            WEBHOOKS.labels("bad_signature").inc()
            await payments.store.record_event(
                "payment.webhook_bad_signature",
                actor_id=None,
                target=request.remote_addr or "",
                detail=f"{len(body)} bytes",
                security=True,
            )
            return _text(401, "bad signature")
        try:
            update = msgspec.json.decode(body, type=WebhookUpdate)
        except msgspec.DecodeError as error:
            WEBHOOKS.labels("malformed").inc()
            return _text(400, f"malformed update: {error}")
        if update.update_type != "invoice_paid":
            WEBHOOKS.labels("ignored").inc()
            return _text(200, "ignored")
        try:
            await payments.crypto_paid(update.payload)
        except StorageError as error:
            # CryptoPay delivers again later, and the reconciler polls meanwhile.
            WEBHOOKS.labels("failed").inc()
            log.warning("CryptoPay webhook for invoice %s not settled: %s", update.payload.invoice_id, error)
            return _text(503, "try again later")
        WEBHOOKS.labels("settled").inc()
        return _text(200, "ok")

    @app.after_request
    async def guard(response: Response) -> Response:
        for name, value in GUARD_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/health")
    async def health_route() -> Response:
        report = health()
        return Response(report.to_json(), status=200 if report.ok else 503, content_type="application/json")

    @app.get("/metrics/prometheus")
    async def metrics_route() -> Response:
        if not await auth.may_scrape():
            return Response("sign in, or give the bearer token (web.metrics_token)", status=401, content_type="text/plain")
        return Response(generate_latest(REGISTRY), status=200, content_type=CONTENT_TYPE_LATEST)

    # The latency-over-time samples, taken while the app serves (in its nursery); a shutdown does not wait for them.
    sampler = sampler if sampler is not None else Sampler()

    @app.before_serving
    async def start_sampling() -> None:
        app.add_background_task(sampler.run)

    @app.after_serving
    async def stop_sampling() -> None:
        sampler.stop()

    auth.register(app)
    overview.register(app, auth, health, mode)
    dashboard.register(app, auth, health)
    metrics.register(app, auth)
    performance.register(app, auth, sampler)
    errors.register(app, auth, errors_seen if errors_seen is not None else ErrorBook())
    events.register(app, auth)
    live.register(app, auth)
    notices.register(app, auth)
    if sandbox is not None:
        sandbox(app)

    return app


def _text(status: int, text: str) -> Response:
    return Response(text, status=status, content_type="text/plain; charset=utf-8")


class CannotListen(Exception):
    """The web server cannot listen at `address`: the port is taken, or not one this process may use."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"cannot listen at {address}: {reason}")
        self.address = address
        self.reason = reason


async def serve_web(
    app: QuartTrio,
    settings: WebSettings,
    shutdown_trigger: Callable[[], Awaitable[None]],
    *,
    task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `app` until `shutdown_trigger` returns. Supports the trio nursery start protocol:
    started with the bound addresses once the socket listens.

    Error handling: an address it cannot bind (a port another program holds) raises CannotListen
    before anything is served."""
    config = hypercorn.config.Config()
    config.bind = [f"{settings.host}:{settings.port}"]
    config.graceful_timeout = settings.graceful_timeout
    config.accesslog = None
    config.errorlog = log
    # What hypercorn.trio.serve does, with the socket bound here first: a bind failure inside it
    # surfaces from hypercorn's nurseries as a traceback, here it is one error naming the address.
    try:
        sockets = config.create_sockets()
    except OSError as error:
        raise CannotListen(config.bind[0], error.strerror or str(error)) from None
    for sock in sockets.insecure_sockets:
        sock.listen(config.backlog)

    async def stopping() -> None:
        await shutdown_trigger()
        # Open event streams end now: hypercorn would wait out graceful_timeout for them.
        closing(app)

    await worker_serve(
        wrap_app(app, config.wsgi_max_body_size, None),
        config,
        sockets=sockets,
        shutdown_trigger=stopping,
        task_status=task_status,
    )
