"""Help and the shop's pages in both languages, the owner's texts from [shop], and the command menu
registered per language at start-up."""

from actors.shop import COMMANDS
from telegram.emulator import EmulatedUser
from tests.support.shop import open_shop
from tests.support.waiting import eventually

# Many replies to one chat: per-chat flood control would make the test wait a second for each.
FAST = {"chat_rate": 100.0, "chat_burst": 100}
PAGES_EN = {
    "/help": "/paysupport — help with a payment",
    "/rules": "One account per person.",
    "/support": "Questions about an item or an order? Write to @help_desk.",
    "/terms": "Goods are digital and are delivered in this chat",
    "/privacy": "your Telegram id, name, username and language;",
    "/paysupport": "A problem with a payment or a purchase? Write to @help_desk.",
}
PAGES_RU = {
    "/help": "/paysupport — помощь с оплатой",
    "/rules": "Один аккаунт на человека.",
    "/support": "Вопросы о товаре или заказе? Напишите @help_desk.",
    "/terms": "Товары цифровые и приходят в этот чат",
    "/privacy": "ваш Telegram ID, имя, имя пользователя и язык;",
    "/paysupport": "Проблема с оплатой или покупкой? Напишите @help_desk.",
}


async def ask(user: EmulatedUser, command: str, expected: str) -> dict:
    await user.send_text(command)
    return await user.wait_for_text(expected)


async def test_every_page_command_in_english_and_russian(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop={"support_contact": "@help_desk", "name": "Gadget <Shop>"}, **FAST) as shop:
        ann = shop.emu.user(1001, first_name="Ann", language_code="en")
        ivan = shop.emu.user(1002, first_name="Иван", language_code="ru")
        for user, pages in ((ann, PAGES_EN), (ivan, PAGES_RU)):
            for command, expected in pages.items():
                await ask(user, command, expected)
        privacy = await ask(ann, "/privacy", "balance")
        assert "the history of your balance (top-ups, purchases, refunds);" in privacy["text"]
        assert "your purchases and what was delivered;" in privacy["text"]
        assert "Gadget <Shop> stores:" in privacy["text"]  # the shop's name, escaped
        paysupport = await ask(ivan, "/paysupport", "номер покупки")
        assert paysupport["text"].startswith("Помощь с оплатой\n")
        labels = [b["text"] for row in paysupport["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["📝 Открыть спор о платеже", "ℹ️ Помощь", "🏠 Главное меню"]


async def test_the_help_button_opens_the_pages_in_place(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        bob = shop.emu.user(1003, first_name="Bob")
        await bob.send_text("/start")
        await bob.wait_for_text("Welcome")
        await bob.press("ℹ️ Help")
        help_screen = await bob.wait_for_text("/support — contact support")
        assert [[b["text"] for b in row] for row in help_screen["reply_markup"]["inline_keyboard"]] == [
            ["📜 Rules", "💬 Support"], ["📄 Terms", "🔒 Privacy"], ["🏠 Main menu"]]
        for label, expected in (("📜 Rules", "Rules\n"), ("📄 Terms", "Terms of sale\n"), ("🔒 Privacy", "Privacy policy\n")):
            await bob.press(label)
            await bob.wait_for_text(expected)
            await bob.press("ℹ️ Help")
            await bob.wait_for_text("/support — contact support")
        await bob.press("💬 Support")
        # No contact configured: the page says so instead of showing an empty one.
        await bob.wait_for_text("The shop has not published a support contact yet")
        await bob.press("🏠 Main menu")
        await bob.wait_for_text("Choose what you need below.")
        # Everything was one message, edited in place.
        assert len(bob.bot_messages()) == 1


async def test_the_owners_texts_replace_the_built_in_ones(sqlite_url: str) -> None:
    owner_texts = {
        "help_text": "<b>Need help?</b> Ask us.",
        "rules_text": "<b>House rules</b>: be nice.",
        "terms_text": "<i>Our terms</i> & conditions",
        "privacy_text": "We keep <u>nothing</u> but your id.",
        "paysupport_text": "Payment trouble? Mail <code>pay@example.com</code>.",
        "support_contact": "@help_desk",
    }
    async with open_shop(sqlite_url, shop=owner_texts, **FAST) as shop:
        for user in (shop.emu.user(1004, first_name="Cy"), shop.emu.user(1005, first_name="Юля", language_code="ru")):
            help_page = await ask(user, "/help", "Need help? Ask us.")
            assert help_page["entities"][0]["type"] == "bold"  # the owner's HTML, used as given
            await ask(user, "/rules", "House rules: be nice.")
            terms = await ask(user, "/terms", "Our terms & conditions")
            assert terms["entities"][0]["type"] == "italic"
            await ask(user, "/privacy", "We keep nothing but your id.")
            await ask(user, "/paysupport", "Payment trouble? Mail pay@example.com.")
        await ask(shop.emu.user(1004), "/support", "Write to @help_desk.")


async def test_the_command_menu_is_registered_per_language(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        bot = shop.emu.bot()
        await eventually(lambda: {("default", ""), ("default", "en"), ("default", "ru")} <= set(bot.commands), what="menus")
        default, russian = bot.commands[("default", "")], bot.commands[("default", "ru")]
        assert bot.commands[("default", "en")] == default
        names = list(COMMANDS)
        assert {"start", "menu", "search", "help", "terms", "privacy", "paysupport"} <= set(names)
        assert [c["command"] for c in default] == names and [c["command"] for c in russian] == names
        assert {c["command"]: c["description"] for c in default}["privacy"] == "Privacy policy"
        assert {c["command"]: c["description"] for c in russian}["paysupport"] == "Помощь с оплатой"


async def test_every_command_in_the_menu_is_answered(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, **FAST) as shop:
        eve = shop.emu.user(1006, first_name="Eve")
        for command in COMMANDS:
            await eve.send_text(f"/{command}")
        await eve.wait_for(lambda _: len(eve.bot_messages()) == len(COMMANDS))
        assert not [m["text"] for m in eve.bot_messages() if "I don't know that command" in m["text"]]
