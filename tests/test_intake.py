"""Intake: one chat that floods the shop holds up nobody else, and the shop answers people in their
private chats only (never in groups, never bots)."""

import pytest
import trio
from prometheus_client import REGISTRY

from actors.lanes import BACKLOG
from telegram.emulator import Emulator, PaymentOutcome
from tests.support.chat import labels, press_when_shown
from tests.support.payments import STARS_10, choose_top_up, invoices
from tests.support.shop import TOKEN, open_shop
from tests.support.waiting import eventually, until_idle

FLOOD = 200
USE_BUTTONS = "Please use the buttons below."
SKIPPED = "I skipped some of them"


def answers(user_messages: list[dict], text: str) -> int:
    return sum(text in (m.get("text") or "") for m in user_messages)


def dropped() -> float:
    return REGISTRY.get_sample_value("shopkeeper_updates_dropped_total", {"reason": "backlog"}) or 0.0


async def test_a_flooding_buyer_holds_up_nobody_and_still_pays(sqlite_url: str) -> None:
    """Ann sends 200 messages in a burst. Bob's presses are answered and his invoice paid before
    Ann's 40th answer; Ann's own payment is taken at once (its pre-checkout query does not wait behind
    her backlog); Ann's excess is dropped with one notice. Replies are paced at 20/s per chat here
    (1/s in production) to keep the test short; what matters is the order, not the rate."""
    # Telegram gives the bot 10 s to answer a pre-checkout query; here 3 s, less than Ann's backlog takes.
    emu = Emulator(pre_checkout_timeout=3.0)
    emu.create_bot(token=TOKEN, username="shop_bot", first_name="Shop")
    dropped_before = dropped()
    async with open_shop(sqlite_url, emu, chat_rate=20.0) as shop:
        ann, bob = shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        await choose_top_up(ann)
        await ann.wait_for(lambda _: len(invoices(ann)) == 1)
        await bob.send_text("/start")
        for label in ("👤 Profile", "💳 Top up"):
            await press_when_shown(bob, label)
        await bob.wait_for(lambda m: "10.00 USD" in str(m.get("reply_markup")))

        for n in range(FLOOD):
            await ann.send_text(f"hello {n}")
        ann_paid: list[PaymentOutcome] = []
        async with trio.open_nursery() as nursery:

            async def ann_pays() -> None:
                ann_paid.append(await ann.pay())

            nursery.start_soon(ann_pays)
            await bob.press("10.00 USD")
            await bob.wait_for(lambda m: STARS_10 in labels(m), timeout=30)
            await bob.press(STARS_10)
            await bob.wait_for(lambda _: len(invoices(bob)) == 1, timeout=30)
            assert (await bob.pay()).status == "paid"
            await bob.wait_for_text("Payment received: 10.00 USD", timeout=30)
            answered_meanwhile = answers(ann.bot_messages(), USE_BUTTONS)
        assert answered_meanwhile < 40, f"Bob waited for {answered_meanwhile} of Ann's answers"
        assert ann_paid[0].status == "paid", "Ann's pre-checkout query waited behind her backlog"

        # Ann's payment is never dropped: it is credited after the answers she still has waiting.
        await ann.wait_for_text("Payment received: 10.00 USD", timeout=30)
        await until_idle(shop)
        ann_messages = ann.bot_messages()
        assert answers(ann_messages, SKIPPED) == 1, "one notice about the skipped messages"
        handled = answers(ann_messages, USE_BUTTONS)
        assert BACKLOG <= handled < FLOOD
        assert dropped() - dropped_before == FLOOD - handled
        profile = await shop.store.get_user(ann.id)
        assert profile is not None and str(profile.balance) == "10.00"


async def test_the_notice_about_skipped_messages_is_in_the_senders_language(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, chat_rate=20.0) as shop:
        vera = shop.emu.user(1003, "Вера", language_code="ru")
        for n in range(BACKLOG + 5):
            await vera.send_text(f"привет {n}")
        await vera.wait_for_text("часть из них я пропустил", timeout=10)


async def test_groups_and_bots_get_no_answer_and_leave_no_trace(sqlite_url: str) -> None:
    """A person writing in a group the bot is in, and another bot writing there, get nothing: no
    answer in the group, no user registered; the updates are only marked handled in the inbox."""
    async with open_shop(sqlite_url) as shop:
        emu = shop.emu
        group = emu.group(-1001234567890, title="Buyers", type="supergroup")
        small = emu.group(-4005006, title="Friends", type="group")
        carl = emu.user(1004, "Carl")
        other = emu.create_bot("777:other-bot", "other_bot", "Other")
        await group.send_text(carl, "/start")
        await group.send_text(carl, "/redeem GIFT5")
        await small.send_text(carl, "/menu")
        await group.send_text(other, "/start")
        ann = emu.user(1001, "Ann")
        await ann.send_text("/start")
        await ann.wait_for_text("Welcome")
        await until_idle(shop)
        assert [m["text"] for m in group.transcript()] == ["/start", "/redeem GIFT5", "/start"]
        assert [m["text"] for m in small.transcript()] == ["/menu"]
        assert not [params for _, method, params in emu.calls if int(params.get("chat_id") or 0) < 0]
        assert await shop.store.get_user(carl.id) is None
        assert await shop.store.get_user(777) is None


async def test_the_poller_fetches_no_more_while_the_lanes_are_full(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many chats flooding at once cannot fill memory: once the lanes hold `CAPACITY` updates the
    poller fetches nothing more until they have room (every update held is in the inbox already).
    With room for one, Bob's message, sent while Ann's five wait, is fetched (and answered) only
    after all of Ann's are handled; without the brake it would be answered beside them."""
    monkeypatch.setattr("actors.lanes.CAPACITY", 1)
    async with open_shop(sqlite_url, chat_rate=4.0, chat_burst=1) as shop:
        ann, bob = shop.emu.user(1001, "Ann"), shop.emu.user(1002, "Bob")
        for n in range(5):
            await ann.send_text(f"hello {n}")
        await eventually(lambda: answers(ann.bot_messages(), USE_BUTTONS) >= 1, what="Ann's first answer")
        await bob.send_text("hello")
        await bob.wait_for_text(USE_BUTTONS, timeout=10)
        assert answers(ann.bot_messages(), USE_BUTTONS) == 5
