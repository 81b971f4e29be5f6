"""Small things a new user trips on (issue 12, #5), each through the chat or the command line: the
statistics' moment, an item card without a description or stock, removing a stock unit, money as the
reader writes numbers, placeholders left in the config, a busy web port, and the sandbox's banner."""

import shlex
import socket
import subprocess
import sys
from decimal import Decimal
from functools import partial
from pathlib import Path

import httpx
import trio

from tests.support.chat import entity_text, labels, open_profile, press_when_shown, reply_to, start
from tests.support.processes import environment, free_port, stop
from tests.support.shop import OWNER_ID, open_shop

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent
SHOPKEEPER = str(VENV / "bin" / "shopkeeper")
NBSP = "\xa0"


def shopkeeper(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHOPKEEPER, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=environment())


async def test_statistics_say_utc_once(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        owner = shop.emu.user(OWNER_ID, "Owner")
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "📊 Statistics")
        shown = await owner.wait_for_text("Statistics ·")
        title = shown["text"].splitlines()[0]
        assert title.endswith(" UTC") and title.count("UTC") == 1, title


async def test_a_card_without_description_has_no_blank_lines(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await shop.store.add_category("Games")
        await shop.store.add_item("Games", "Quest", Decimal("2.00"))
        await shop.store.add_stock("Quest", ["K1", "K2", "K3"])
        ann = shop.emu.user(1001, "Ann")
        await ann.send_text("/start")
        await press_when_shown(ann, "🛍 Shop")
        await press_when_shown(ann, "Games (1)")
        await press_when_shown(ann, "Quest · 2.00 USD")
        card = await ann.wait_for_text("Quest\n")
        # The title, one blank line, the facts.
        assert card["text"] == "Quest\n\nPrice: 2.00 USD\nIn stock: 3 units"


async def test_a_sold_out_card_says_so_in_the_readers_language(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await shop.store.add_category("Games")
        await shop.store.add_item("Games", "Pong", Decimal("1.00"), "Retro tennis.")
        for user, language in ((shop.emu.user(1001, "Ann"), "en"), (shop.emu.user(1002, "Вера", language_code="ru"), "ru")):
            english = language == "en"
            await user.send_text("/start")
            await press_when_shown(user, "🛍 Shop" if english else "🛍 Магазин")
            await press_when_shown(user, "Games (1)")
            await press_when_shown(user, "Pong · 1.00 USD" if english else "Pong · 1,00 USD")
            card = await user.wait_for_text("Retro tennis.")
            # Bold, in place of the stock line, and no Buy.
            sold_out, price = ("Sold out", "Price: 1.00 USD") if english else ("Распродано", "Цена: 1,00 USD")
            assert card["text"] == f"Pong\nRetro tennis.\n\n{price}\n{sold_out}"
            assert sold_out in [entity_text(card["text"], e) for e in card["entities"] if e["type"] == "bold"]
            assert labels(card) == ["‹ Back" if english else "‹ Назад"]


async def test_removing_a_stock_unit_asks_first(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=100.0, chat_burst=100) as shop:
        owner = shop.emu.user(OWNER_ID, "Owner")
        await reply_to(owner, "/start")
        await shop.store.add_category("Games")
        quest = await shop.store.add_item("Games", "Quest", Decimal("2.00"))
        await shop.store.add_stock("Quest", ["K1", "K2"])
        await reply_to(owner, "/admin")
        await press_when_shown(owner, "📦 Stock")
        await press_when_shown(owner, "Quest · 2 left")
        await press_when_shown(owner, "🗑 K1")
        asked = await owner.wait_for_text("Remove this unit")
        assert asked["text"] == "Remove this unit of “Quest”?\nK1"
        assert labels(asked) == ["🗑 Yes, remove", "‹ Back"]
        assert (await shop.store.unsold_units(quest.id, 1, 10)).total == 2
        # Back keeps it.
        await owner.press("‹ Back")
        await owner.wait_for_text("Quest · units left: 2")
        assert (await shop.store.unsold_units(quest.id, 1, 10)).total == 2
        await press_when_shown(owner, "🗑 K1")
        await press_when_shown(owner, "🗑 Yes, remove")
        await owner.wait_for_text("Quest · units left: 1")
        assert [unit.content for unit in (await shop.store.unsold_units(quest.id, 1, 10)).rows] == ["K2"]


async def test_money_is_written_as_the_reader_writes_numbers(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, payments={"max_topup": 5000}) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        vera = shop.emu.user(1002, first_name="Вера", language_code="ru")
        for user in (ann, vera):
            await start(user)
            await shop.store.credit_user(user.id, Decimal("1234.50"), kind="topup")
        assert "Balance: 1,234.50 USD" in (await open_profile(ann))["text"]
        assert f"Баланс: 1{NBSP}234,50 USD" in (await open_profile(vera, "ru"))["text"]
        # Typed amounts read as before: spaces and a decimal comma.
        await press_when_shown(ann, "💳 Top up")
        await ann.wait_for_text("from 1.00 USD to 5,000.00 USD")
        assert "Top up 1,000.00 USD" in (await reply_to(ann, "1 000"))["text"]


def test_config_check_refuses_the_example_placeholders(tmp_path: Path) -> None:
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config = tmp_path / "shop.toml"
    config.write_text(example, encoding="utf-8")
    token = shopkeeper("--config", str(config), "config", "check", cwd=tmp_path)
    assert token.returncode == 2 and token.stderr.strip().splitlines() == [
        "config error: telegram.token: still the example's placeholder: put your bot's token from @BotFather"
    ]
    config.write_text(example.replace("123456789:replace-with-your-bot-token", "777:real-token"), encoding="utf-8")
    owner = shopkeeper("--config", str(config), "config", "check", cwd=tmp_path)
    assert owner.returncode == 2 and owner.stderr.strip().splitlines() == [
        "config error: telegram.owner_id: still the example's placeholder: put your own Telegram user id"
    ]
    config.write_text(
        example.replace("123456789:replace-with-your-bot-token", "777:real-token").replace("owner_id = 123456789", "owner_id = 4242"),
        encoding="utf-8",
    )
    assert shopkeeper("--config", str(config), "config", "check", cwd=tmp_path).returncode == 0


def test_a_busy_web_port_is_one_line_naming_the_key(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "shop.toml"
        config.write_text(
            f'[telegram]\ntoken = "1:token"\nowner_id = 1\napi_base_url = "http://127.0.0.1:{free_port()}"\n'
            f'[storage]\ndatabase_url = "sqlite://{tmp_path}/shop.db"\n[web]\nport = {port}\n',
            encoding="utf-8",
        )
        result = shopkeeper("--config", str(config), "run", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"config error: web.port: cannot listen at 127.0.0.1:{port} (Address already in use)")
    assert "SHOPKEEPER_WEB_PORT" in line


async def test_the_sandbox_banner_names_the_program_as_the_shell_reaches_it(tmp_path: Path) -> None:
    # A project directory as `make run` sees it: its own .venv (here a link to the tests' one).
    (tmp_path / ".venv").symlink_to(VENV, target_is_directory=True)
    emulator, cryptopay = free_port(), free_port()
    process = subprocess.Popen(
        [".venv/bin/shopkeeper", "sandbox", "--emulator-port", str(emulator), "--cryptopay-port", str(cryptopay)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(SHOPKEEPER_WEB_PORT="0"),  # any free port: the banner's addresses must say which
    )
    try:
        assert process.stdout is not None
        stdout = process.stdout
        lines: list[str] = []

        def read_banner() -> None:
            while (line := stdout.readline()) and "Promo codes:" not in line:
                lines.append(line)

        with trio.fail_after(60):
            await trio.to_thread.run_sync(read_banner, abandon_on_cancel=True)
        # The metrics address wants a bearer token: the banner gives a command that carries this run's.
        metrics = next(line for line in lines if "Metrics:" in line).split("Metrics:", 1)[1].strip()
        scraped = await trio.to_thread.run_sync(
            partial(subprocess.run, shlex.split(metrics), capture_output=True, text=True, timeout=10)
        )
        assert "shopkeeper_updates_total" in scraped.stdout, metrics
        # The owner's sign-in link, at the port the web server really took, signs the owner in.
        web = next(line for line in lines if "Health:" in line).split()[1].removesuffix("/health")
        link = next(line for line in lines if "Web app:" in line).split()[2]
        assert link.startswith(f"{web}/sign-in/") and not web.endswith(":0"), (web, link)
        async with httpx.AsyncClient(timeout=10) as client:
            assert (await client.get(link)).status_code == 200  # the page with the "Sign in" button
            signed_in = await client.post(link)
            assert signed_in.status_code == 303 and "shopkeeper_session" in client.cookies
            overview = await client.get(f"{web}/")
        assert overview.status_code == 200 and "Signed in as Owner (the owner)" in overview.text
        # The command it prints for another link works beside it: the sandbox's owner, at its address.
        command = next(line for line in lines if "web link" in line).split("another terminal:", 1)[1].strip()
        printed = await trio.to_thread.run_sync(
            partial(subprocess.run, command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60, env=environment())
        )
        another = printed.stdout.strip().splitlines()[-1]
        assert another.startswith(f"{web}/sign-in/") and another != link, (printed.stdout, printed.stderr)
        async with httpx.AsyncClient(timeout=10) as client:
            assert (await client.post(another)).status_code == 303
    finally:
        await stop(process)
    credit = next(line.strip() for line in lines if "user credit 1001 50" in line)
    assert credit == (
        "SHOPKEEPER_STORAGE_DATABASE_URL=sqlite://data/sandbox/sandbox.db "
        '.venv/bin/shopkeeper user credit 1001 50 --reason "sandbox top-up"'
    )
