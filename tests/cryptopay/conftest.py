"""Fixtures: a CryptoPay twin on a hand-driven clock, and clients reaching it in process or over loopback."""

from collections.abc import AsyncIterator

import httpx
import pytest
import trio

from telegram.cryptopay import CryptoPayClient
from telegram.cryptopay.twin import CryptoPayTwin, serve_twin
from tests.support.clock import ManualClock

TOKEN = "12345:AAsecret-crypto-pay-token"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def twin(clock: ManualClock) -> CryptoPayTwin:
    return CryptoPayTwin(TOKEN, clock=clock)


@pytest.fixture(params=["in_process", "loopback"])
async def pay(
    request: pytest.FixtureRequest, twin: CryptoPayTwin, nursery: trio.Nursery
) -> AsyncIterator[CryptoPayClient]:
    """A client on the twin, once through the in-process transport and once over real HTTP (hypercorn)."""
    if request.param == "in_process":
        client = CryptoPayClient(TOKEN, "https://pay.crypt.bot", transport=twin.transport())
    else:
        port = await nursery.start(serve_twin, twin)
        client = CryptoPayClient(TOKEN, f"http://127.0.0.1:{port}", timeout=5)
    async with client:
        yield client


@pytest.fixture
async def raw(twin: CryptoPayTwin) -> AsyncIterator[httpx.AsyncClient]:
    """A plain httpx client on the twin, to see its wire answers rather than the client's mapping."""
    async with httpx.AsyncClient(transport=twin.transport(), base_url="https://pay.crypt.bot") as client:
        yield client
