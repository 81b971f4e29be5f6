"""The health report the web app serves at /health.

/health answers 503 when this process cannot serve (its database, its actors...), so that a load
balancer takes it out and an orchestrator may restart it. Some entries tell of what every process
shares instead: the webhook's registration at Telegram is one for the bot, not one per process. Such
an entry (`advisory`) shows on /health and the pages, but never makes /health a 503: a missing
registration would otherwise take every replica out at once, and the web app with them (the
dashboard, the CryptoPay webhook), for a fault no restart mends. /health then says "degraded".
"""

from typing import Any, ClassVar

import msgspec


class ComponentHealth(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    detail: str = ""  # what the public /health says
    reason: str = ""  # more, for the signed-in overview only (a crash's redacted message)
    # Shared by every process (see the module docstring): shown, never a 503.
    advisory: ClassVar[bool] = False

    def public(self) -> dict[str, Any]:
        """The entry as the public /health shows it."""
        return {"ok": self.ok, "detail": self.detail}


class WebhookHealth(ComponentHealth, frozen=True, kw_only=True):
    """What Telegram last answered getWebhookInfo (webhook mode): ok when the webhook is registered at
    telegram.webhook_url. The figures are None when Telegram has not answered (yet)."""

    advisory: ClassVar[bool] = True
    # The registered URL ("" when none is), redacted like every text shown.
    url: str | None = None
    pending_update_count: int | None = None
    # Unix time and Telegram's words of the last delivery that failed; None when none did.
    last_error_date: int | None = None
    last_error_message: str | None = None

    @property
    def state(self) -> str:
        """In a word, for the pages: registered, not registered, elsewhere (another URL) or unknown."""
        if self.url is None:
            return "unknown"
        if not self.url:
            return "not registered"
        return "registered" if self.ok else "elsewhere"

    def public(self) -> dict[str, Any]:
        figures = {
            "url": self.url,
            "pending_update_count": self.pending_update_count,
            "last_error_date": self.last_error_date,
            "last_error_message": self.last_error_message,
        }
        return {**super().public(), **{name: value for name, value in figures.items() if value is not None}}


class HealthReport(msgspec.Struct, frozen=True, kw_only=True):
    components: dict[str, ComponentHealth]

    @property
    def ok(self) -> bool:
        """Whether this process serves: every entry of its own is ok (advisory ones aside)."""
        return all(c.ok for c in self.components.values() if not c.advisory)

    @property
    def all_ok(self) -> bool:
        """Whether every entry is ok, advisory ones too (what the signed-in overview calls all well)."""
        return all(c.ok for c in self.components.values())

    @property
    def webhook(self) -> WebhookHealth | None:
        """The webhook's entry (webhook mode), or None (polling)."""
        entry = self.components.get("webhook")
        return entry if isinstance(entry, WebhookHealth) else None

    def to_json(self) -> bytes:
        status = "unhealthy" if not self.ok else "ok" if self.all_ok else "degraded"
        components = {name: c.public() for name, c in self.components.items()}
        return msgspec.json.encode({"status": status, "components": components})
