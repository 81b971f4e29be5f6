"""Sales in a running sandbox, made as buyers make them: through the emulator's test API (send, press),
with money credited by the operator command. For the browser tests and `make screenshots`."""

import httpx

from tests.support.browser import SandboxShop

# The demo catalog's path to a key, as README's walkthrough presses it.
STARFALL = ["🛍 Shop", "Game keys (2)", "Starfall Odyssey · 10.00 USD", "Buy", "1", "✅ Confirm"]
NAMES = ["Ann", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gia", "Hal"]


def chat(shop: SandboxShop, user_id: int, first_name: str, steps: list[str]) -> list[dict]:
    """User `user_id` sends /start, then presses `steps`; the chat's transcript afterwards."""
    with httpx.Client(base_url=f"{shop.emulator}/_emulator", timeout=30) as client:
        sent = client.post(f"/users/{user_id}/send", json={"text": "/start", "first_name": first_name})
        assert sent.status_code == 200, sent.text
        for label in steps:
            pressed = client.post(f"/users/{user_id}/press", json={"label": label})
            assert pressed.status_code == 200, f"{label}: {pressed.text}"
        return client.get(f"/chats/{user_id}/transcript").json()


def buy_a_key(shop: SandboxShop, user_id: int, first_name: str) -> str:
    """Credit `user_id` 50.00 and buy Starfall Odyssey with it; the key the chat shows."""
    chat(shop, user_id, first_name, [])
    credited = shop.operator("user", "credit", str(user_id), "50", "--reason", "demo top-up")
    assert credited.returncode == 0, credited.stderr
    texts = [message.get("text") or "" for message in chat(shop, user_id, first_name, STARFALL)]
    (key,) = [word for text in texts for word in text.split() if word.startswith("STAODY-DEMO-")][:1]
    return key


def pay_stars(shop: SandboxShop, user_id: int, first_name: str) -> None:
    """`user_id` tops up 10.00 USD with Telegram Stars: Profile → Top up, then pays the invoice."""
    transcript = chat(shop, user_id, first_name, ["👤 Profile", "💳 Top up", "10.00 USD", "⭐ Telegram Stars (500 ⭐)"])
    assert any(message.get("invoice") for message in transcript), transcript[-1]
    with httpx.Client(base_url=f"{shop.emulator}/_emulator", timeout=30) as client:
        paid = client.post(f"/users/{user_id}/pay", json={}).json()
    assert paid["status"] == "paid", paid


def demo_sales(shop: SandboxShop, buyers: int = 4) -> None:
    """A few buyers, each buying a key; and a visitor who only looks."""
    for offset in range(buyers):
        buy_a_key(shop, 2001 + offset, NAMES[offset % len(NAMES)])
    chat(shop, 2900, "Ivy", ["🛍 Shop", "Game keys (2)"])
