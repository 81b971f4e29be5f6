"""Telegram counts a text's length in UTF-16 code units after entity parsing (an emoji outside the
Basic Multilingual Plane counts twice; HTML tags do not count), and so does every limit the shop
checks: cutting, invoices, button answers, broadcast texts. The emulator enforces Telegram's limits
the same way, so a text measured otherwise is refused there as it would be by Telegram."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from telegram.emulator.entities import utf16_len
from telegram.limits import cut, html_units, units
from telegram.screens.admin.callbacks import RevokeAdmin
from tests.support.chat import press_when_shown
from tests.support.payments import invoices
from tests.support.shop import OWNER_ID, open_shop
from tests.support.waiting import eventually

SHOPKEEPER = str(Path(sys.executable).parent / "shopkeeper")


def test_measure_and_cut_as_telegram_counts() -> None:
    assert (units("abc"), units("é😀"), units("😀" * 3)) == (3, 3, 6)
    assert html_units("<b>😀</b> &lt;&amp;&#128512;&#x41; &copy;") == 2 + 1 + 1 + 1 + 2 + 1 + 1 + 6
    assert cut("short", 5) == "short"
    # Whole characters only: a limit that falls inside an emoji leaves the emoji out.
    for limit in range(1, 12):
        shown = cut("a" + "😀" * 6, limit)
        assert units(shown) <= limit and shown.endswith("…")
        shown.encode("utf-8")  # a lone surrogate (half an emoji) would not encode
    assert cut("😀😀😀", 4) == "😀…" and cut("😀😀😀", 5) == "😀😀…"
    assert cut("😀😀😀", 0) == ""


async def test_an_emoji_title_is_cut_to_the_invoice_limit(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        title = "🎮" * 20  # 20 characters, 40 UTF-16 code units: over an invoice title's 32
        await shop.store.add_category("Games")
        await shop.store.add_item("Games", title, Decimal("1.00"), "A game")
        await shop.store.add_stock(title, ["KEY-1"])
        ann = shop.emu.user(1001, "Ann")
        await ann.send_text("/start")
        for label in ("🛍 Shop", "Games (1)", f"{title} · 1.00 USD", "Buy"):
            await press_when_shown(ann, label)
        await press_when_shown(ann, "⭐ Pay with Stars: 50")
        await ann.wait_for(lambda _: bool(invoices(ann)))
        invoice = invoices(ann)[-1]["invoice"]
        assert invoice["title"] == "🎮" * 15 + "…" and utf16_len(invoice["title"]) == 31
        assert (await ann.pay()).status == "paid"
        await ann.wait_for_text("KEY-1")


async def test_a_button_answer_naming_someone_is_cut_to_telegrams_limit(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        name = "😀" * 100  # the toast "<name> (…) is no longer an admin." would be over 200 code units
        await shop.store.register_user(1002, username="bob", first_name=name, language_code=None, owner_id=OWNER_ID)
        await shop.store.grant_admin(1002, ["stock"], actor_id=None)
        owner = shop.emu.user(OWNER_ID, "Owner")
        await owner.send_text("/start")
        await owner.wait_for_text("Welcome")
        await owner.press_data(RevokeAdmin(user_id=1002).pack())
        await eventually(lambda: bool(owner.callback_answers), what="the answer")
        answer = owner.callback_answers[0]["text"]
        assert answer.startswith("😀" * 90) and answer.endswith("…") and utf16_len(answer) <= 200
        assert (await shop.store.get_user(1002)).role == "user"


def test_a_broadcast_from_the_command_line_is_measured_as_telegram_counts(tmp_path: Path) -> None:
    config = tmp_path / "shop.toml"
    config.write_text(f'[storage]\ndatabase_url = "sqlite://{tmp_path}/shop.db"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEPER_")}

    def broadcast(text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHOPKEEPER, "--config", str(config), "broadcast", "send", "--text", text],
                              capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)

    # 4800 characters of markup, 600 shown: Telegram takes it.
    assert broadcast("<b>x</b>" * 600).returncode == 0
    # 2049 emoji are 4098 code units: Telegram would refuse every message.
    refused = broadcast("😀" * 2049)
    assert (refused.returncode, refused.stderr.strip()) == (2, "error: --text: 1 to 4096 characters")
