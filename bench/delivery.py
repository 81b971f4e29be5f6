"""How updates reach the shop in bench/updates.py, `--mode polling` or `--mode webhook`, set up and
counted so that the two modes' figures compare: same emulator, same users, same latency clock.

- polling: the shop long-polls the emulator with getUpdates (its default). Traffic: getUpdates calls
  and the updates their answers carried.
- webhook: the shop runs with telegram.mode = "webhook", a secret, and its web server on a loopback
  port the bench picked. Once its /health answers 200 (the intake takes updates) the bench registers
  the webhook with the emulator as `shopkeeper webhook set` would with Telegram: setWebhook with the
  secret and max_connections, at an http:// loopback URL, which the emulator accepts with
  `local_webhooks`. The emulator then posts the updates there as Telegram does
  (`Emulator.deliver_webhooks`: one POST per update, a chat's next only once its previous was
  answered, at most max_connections open). Traffic: the webhook requests the shop answered, by
  outcome, read from the shop's own counter (shopkeeper_telegram_webhook_requests_total, through
  /metrics/prometheus with a bearer token), and the emulator's last failed delivery, if any.
"""

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

import httpx
import trio
from prometheus_client.parser import text_string_to_metric_families

from bench.processes import STARTUP_TIMEOUT, TOKEN, BrokenRun, free_port, wait_healthy
from bench.timing import TimedEmulator

type Mode = Literal["polling", "webhook"]
MODES: tuple[Mode, ...] = ("polling", "webhook")
WEBHOOK_PATH = "/telegram/webhook"
# Neither is a secret: the shop and the emulator live and die with the run, on loopback.
WEBHOOK_SECRET = "bench-webhook-secret"
METRICS_TOKEN = "bench-metrics-token"
WEBHOOK_REQUESTS = "shopkeeper_telegram_webhook_requests"


@dataclass
class Traffic:
    """How the updates of one window reached the shop."""

    polls: int = 0  # getUpdates calls
    updates_carried: int = 0  # and the updates their answers carried (one fetched twice counts twice)
    webhook_requests: Counter[str] = field(default_factory=Counter)  # the shop's outcome → requests
    webhook_error: str | None = None  # the emulator's last failed delivery, if any failed in the run


@dataclass
class Delivery:
    """One mode's set-up: the shop's settings for it, then `wait_ready` and `snapshot` around the run."""

    mode: Mode
    connections: int
    web_port: int = field(default_factory=free_port)

    def shop_settings(self) -> dict[str, str]:
        """The shop's environment for the mode (its web server at a port the bench knows, to reach it)."""
        env = {"SHOPKEEPER_WEB_PORT": str(self.web_port), "SHOPKEEPER_WEB_METRICS_TOKEN": METRICS_TOKEN}
        if self.mode == "webhook":
            env |= {
                "SHOPKEEPER_TELEGRAM_MODE": "webhook",
                "SHOPKEEPER_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "SHOPKEEPER_TELEGRAM_WEBHOOK_PATH": WEBHOOK_PATH,
                "SHOPKEEPER_TELEGRAM_WEBHOOK_MAX_CONNECTIONS": str(self.connections),
            }
        return env

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    async def wait_ready(self, emu: TimedEmulator) -> None:
        """Return once updates reach the shop: its first getUpdates, or its webhook registered.

        Error handling: BrokenRun when the shop is not ready within STARTUP_TIMEOUT."""
        if self.mode == "polling":
            with trio.move_on_after(STARTUP_TIMEOUT):
                await emu.polled.wait()
            if not emu.polled.is_set():
                raise BrokenRun(f"the shop did not call getUpdates within {STARTUP_TIMEOUT:.0f} s")
            return
        await wait_healthy(f"{self.web_url}/health")
        registered = await emu.call_api(
            TOKEN,
            "setWebhook",
            {"url": self.web_url + WEBHOOK_PATH, "secret_token": WEBHOOK_SECRET, "max_connections": self.connections},
        )
        if registered.status != 200:
            raise BrokenRun(f"setWebhook failed: {registered.body.get('description')}")

    async def snapshot(self, emu: TimedEmulator) -> Traffic:
        """The traffic so far (subtract two to get a window's): the emulator's counts, and in webhook mode the shop's."""
        traffic = Traffic(polls=emu.polls, updates_carried=emu.updates_carried)
        if self.mode == "webhook":
            traffic.webhook_requests = await self._webhook_outcomes()
            hook = emu.bot().webhook
            traffic.webhook_error = None if hook is None else hook.last_error_message
        return traffic

    async def _webhook_outcomes(self) -> Counter[str]:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(f"{self.web_url}/metrics/prometheus", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        answer.raise_for_status()
        outcomes: Counter[str] = Counter()
        for family in text_string_to_metric_families(answer.text):
            if family.name == WEBHOOK_REQUESTS:
                for sample in family.samples:
                    if sample.name.endswith("_total"):
                        outcomes[sample.labels["outcome"]] += int(sample.value)
        return outcomes


def window(before: Traffic, after: Traffic) -> Traffic:
    """What happened between two snapshots."""
    return Traffic(
        polls=after.polls - before.polls,
        updates_carried=after.updates_carried - before.updates_carried,
        webhook_requests=after.webhook_requests - before.webhook_requests,
        webhook_error=after.webhook_error,
    )


@asynccontextmanager
async def open_delivery(emu: TimedEmulator, delivery: Delivery) -> AsyncIterator[None]:
    """For the block: in webhook mode the emulator posting updates to webhooks; nothing when polling."""
    if delivery.mode == "polling":
        yield
        return
    async with trio.open_nursery() as nursery:
        await nursery.start(emu.deliver_webhooks)
        yield
        nursery.cancel_scope.cancel()


def describe(mode: Mode, traffic: Traffic, handled: int) -> str:
    """The traffic line of the report."""
    if mode == "polling":
        fetched = traffic.updates_carried / max(1, handled)
        return (
            f"getUpdates in the window: {traffic.polls} calls carrying {traffic.updates_carried} updates "
            f"({fetched:.1f} fetched per update handled; over 1 means updates were fetched again)"
        )
    requests = traffic.webhook_requests
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in requests.most_common()) or "none"
    line = f"webhook requests in the window: {requests.total()} ({outcomes}; all 'taken' is right)"
    if traffic.webhook_error:
        line += f"; the emulator's last failed delivery: {traffic.webhook_error}"
    return line


def refused(mode: Mode, traffic: Traffic) -> int:
    """Webhook requests the shop did not take in the window (each an update delivered late)."""
    return 0 if mode == "polling" else traffic.webhook_requests.total() - traffic.webhook_requests["taken"]
