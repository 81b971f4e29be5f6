"""Fixtures: an emulator with one bot, a raw httpx client on its transport, and helpers."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from telegram.emulator import Emulator

TOKEN = "123456:TEST"
SPEC = Path(__file__).resolve().parents[3] / "shared" / "botapi" / "shop_subset.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The Bot API spec subset, when ../shared is there (it is not part of this repository)."""
    if not SPEC.exists():
        pytest.skip("shop_subset.json not present")
    return json.loads(SPEC.read_text())


@pytest.fixture
def emu() -> Emulator:
    emulator = Emulator()
    emulator.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    return emulator


@pytest.fixture
async def client(emu: Emulator):
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator") as c:
        yield c


class Api:
    """Tiny raw caller: returns (status, json) so tests see the wire answer, not a mapped error."""

    def __init__(self, client: httpx.AsyncClient, token: str = TOKEN) -> None:
        self.client = client
        self.token = token

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        r = await self.client.post(f"/bot{self.token}/{method}", json=params)
        return r.status_code, r.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        status, body = await self(method, **params)
        assert not body["ok"] and body["error_code"] == status, body
        return status, body["description"]


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def ann(emu: Emulator):
    user = emu.user(1001, first_name="Ann", username="ann", language_code="en")
    await user.send_text("/start")
    return user
