"""Promo codes: discounts inside the purchase, credits, every refusal, and the chat flows around them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from actors.cli import main
from storage import (
    Delivered,
    PriceChanged,
    PromoCredited,
    PromoDiscount,
    PromoRefusal,
    PromoRejected,
    PurchaseRequest,
    StorageSettings,
    Store,
    open_store,
)
from storage.models import Purchase
from tests.support.chat import labels, last_answer, open_card, press_when_shown, reply_to
from tests.support.processes import write_config
from tests.support.shop import open_shop
from tests.support.store import redemptions, shop_with_items

PAST = datetime.now(UTC) - timedelta(days=1)
FUTURE = datetime.now(UTC) + timedelta(days=1)


def request(key: str, user_id: int, item_id: int, quantity: int = 1, code: str | None = None, **more: object) -> PurchaseRequest:
    return PurchaseRequest(key=key, user_id=user_id, item_id=item_id, quantity=quantity, promo_code=code, **more)  # type: ignore[arg-type]


async def test_percent_and_fixed_discounts_are_charged_inside_the_purchase(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        ids = await shop_with_items(store)
        await store.create_promo("fifteen", "percent", Decimal("15"))
        await store.create_promo("big", "fixed", Decimal("50.00"))
        # 3 × 3.33 = 9.99; 15 % of it is 1.4985, rounded half up to 1.50.
        preview = await store.purchase_preview(700, ids["Quest"], 3, "Fifteen")
        assert preview.total == Decimal("8.49") and preview.promo == PromoDiscount(code="FIFTEEN", kind="percent", value=Decimal("15.00"), discount=Decimal("1.50"))
        (bought,) = await store.buy([request("a", 700, ids["Quest"], 3, "fifteen", expected_total=Decimal("8.49"))])
        assert isinstance(bought, Delivered) and bought.total == Decimal("8.49") and bought.discount == Decimal("1.50")
        assert len(set(bought.units)) == 3 and bought.balance == Decimal("91.51")
        # A fixed discount larger than the order makes it free, never negative.
        (free,) = await store.buy([request("b", 701, ids["Pong"], 1, "BIG")])
        assert isinstance(free, Delivered) and free.total == Decimal("0.00") and free.discount == Decimal("10.00")
        assert (await store.get_user(701)).balance == Decimal("100.00")
        assert await redemptions(store, "FIFTEEN") == [(700, Decimal("1.50"), bought.purchase_id)]
        assert await redemptions(store, "BIG") == [(701, Decimal("10.00"), free.purchase_id)]
        codes = {p.code: p for p in (await store.list_promos()).rows}
        assert codes["FIFTEEN"].uses == 1 and codes["BIG"].uses == 1
        assert await store.check_ledger() == []


async def test_every_refusal_charges_nothing(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        ids = await shop_with_items(store)
        await store.create_promo("OLD", "percent", Decimal("10"), expires_at=PAST)
        await store.create_promo("SOON", "percent", Decimal("10"), expires_at=FUTURE)
        await store.create_promo("OFF", "percent", Decimal("10"))
        await store.disable_promo("off")
        await store.create_promo("ONCE", "fixed", Decimal("1"), max_uses=1)
        await store.create_promo("MINE", "fixed", Decimal("1"))
        await store.create_promo("MANY", "fixed", Decimal("1"), once_per_user=False)
        await store.create_promo("PONG", "percent", Decimal("50"), item="Pong")
        await store.create_promo("GAMES", "percent", Decimal("50"), category="Games")
        await store.create_promo("GIFT", "credit", Decimal("5"))
        quest, pong, editor = ids["Quest"], ids["Pong"], ids["Editor"]

        async def refused(code: str, user_id: int, item_id: int) -> str:
            preview = (await store.purchase_preview(user_id, item_id, 1, code)).promo
            (result,) = await store.buy([request(f"{code}:{user_id}:{item_id}", user_id, item_id, 1, code)])
            assert isinstance(preview, PromoRefusal) and isinstance(result, PromoRejected), (preview, result)
            assert preview.reason == result.reason
            return result.reason

        assert await refused("NOPE", 700, quest) == "unknown"
        assert await refused("old", 700, quest) == "expired"
        assert await refused("OFF", 700, quest) == "inactive"
        assert await refused("GIFT", 700, quest) == "not_discount"
        assert await refused("PONG", 700, quest) == "not_for_item"
        assert await refused("GAMES", 700, editor) == "not_for_item"
        assert isinstance((await store.buy([request("once", 700, quest, 1, "ONCE")]))[0], Delivered)
        assert await refused("ONCE", 701, quest) == "used_up"
        assert isinstance((await store.buy([request("mine", 700, quest, 1, "MINE")]))[0], Delivered)
        assert await refused("MINE", 700, pong) == "already_used"
        balances = {u: (await store.get_user(u)).balance for u in (700, 701, 702)}
        assert balances == {700: Decimal("95.34"), 701: Decimal("100.00"), 702: Decimal("100.00")}

        # What applies: a future expiry, many uses per user, an item scope, a category with its subcategory.
        for key, user_id, item_id, code, total in (
            ("s", 701, quest, "SOON", "3.00"), ("m1", 702, quest, "MANY", "2.33"), ("m2", 702, quest, "MANY", "2.33"),
            ("p", 701, pong, "PONG", "5.00"), ("g1", 702, quest, "GAMES", "1.66"), ("g2", 700, pong, "GAMES", "5.00"),
        ):
            (result,) = await store.buy([request(key, user_id, item_id, 1, code)])
            assert isinstance(result, Delivered) and result.total == Decimal(total), (code, result)
        assert await store.check_ledger() == []


async def test_a_batch_never_overspends_a_code(database_url: str) -> None:
    """Requests in one transaction count the uses granted before them: max uses and once per user hold."""
    async with open_store(StorageSettings(database_url=database_url)) as store:
        ids = await shop_with_items(store)
        await store.create_promo("TWO", "fixed", Decimal("1"), max_uses=2, once_per_user=False)
        await store.create_promo("SOLO", "fixed", Decimal("1"))
        results = await store.buy(
            [request(f"t{n}", 700 + n % 3, ids["Quest"], 1, "TWO") for n in range(4)]
            + [request("s1", 700, ids["Pong"], 1, "SOLO"), request("s2", 700, ids["Editor"], 1, "SOLO")]
        )
        kinds = [type(r).__name__ for r in results]
        assert kinds == ["Delivered", "Delivered", "PromoRejected", "PromoRejected", "Delivered", "PromoRejected"]
        assert results[2].reason == "used_up" and results[5].reason == "already_used"
        assert {p.code: p.uses for p in (await store.list_promos()).rows} == {"SOLO": 1, "TWO": 2}
        assert await store.check_ledger() == []


async def test_the_agreed_total_is_what_is_charged(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        ids = await shop_with_items(store)
        await store.create_promo("HALF", "percent", Decimal("50"), max_uses=1)
        (changed,) = await store.buy([request("x", 700, ids["Pong"], 2, expected_total=Decimal("19.99"))])
        assert changed == PriceChanged(item_id=ids["Pong"], price=Decimal("10.00"), total=Decimal("20.00"))
        (ok,) = await store.buy([request("y", 700, ids["Pong"], 2, "half", expected_total=Decimal("10.00"))])
        assert isinstance(ok, Delivered) and ok.total == Decimal("10.00")
        # The code ran out between the screen and the press: refused, not charged the full price.
        (late,) = await store.buy([request("z", 701, ids["Pong"], 2, "half", expected_total=Decimal("10.00"))])
        assert late == PromoRejected(item_id=ids["Pong"], code="HALF", reason="used_up")
        assert (await store.get_user(701)).balance == Decimal("100.00")
        assert (await store.get_item(ids["Pong"])).stock_left == 8


async def test_credit_codes(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await shop_with_items(store)
        await store.create_promo("gift5", "credit", Decimal("5.00"), max_uses=2)
        await store.create_promo("TEN", "percent", Decimal("10"))
        await store.create_promo("LATE", "credit", Decimal("5.00"), expires_at=PAST)
        assert await store.redeem_promo(" Gift5 ", 700) == PromoCredited(code="GIFT5", amount=Decimal("5.00"), balance=Decimal("105.00"))
        assert await store.redeem_promo("GIFT5", 700) == PromoRefusal(code="GIFT5", reason="already_used")
        assert isinstance(await store.redeem_promo("GIFT5", 701), PromoCredited)
        assert await store.redeem_promo("GIFT5", 702) == PromoRefusal(code="GIFT5", reason="used_up")
        assert await store.redeem_promo("TEN", 702) == PromoRefusal(code="TEN", reason="not_credit")
        assert await store.redeem_promo("LATE", 702) == PromoRefusal(code="LATE", reason="expired")
        assert await store.redeem_promo("NOPE", 702) == PromoRefusal(code="NOPE", reason="unknown")
        await store.disable_promo("GIFT5")
        assert await store.redeem_promo("GIFT5", 702) == PromoRefusal(code="GIFT5", reason="inactive")
        gift = next(p for p in (await store.list_promos()).rows if p.code == "GIFT5")
        assert gift.uses == 2 and not gift.active
        assert (await store.get_user(702)).balance == Decimal("100.00")
        assert await store.check_ledger() == []



# --- in the chat -----------------------------------------------------------------------------------


async def only_purchase(store: Store, user_id: int) -> str:
    async def read() -> str:
        (purchase_id,) = await Purchase.filter(user_id=user_id).values_list("id", flat=True)
        return str(purchase_id)

    return await store.cross(read)


async def test_a_discount_code_on_the_order_screen(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        await shop_with_items(shop.store, users=range(1101, 1102), balance="50.00")
        await shop.store.create_promo("SAVE20", "percent", Decimal("20"))
        await shop.store.create_promo("OLD", "percent", Decimal("20"), expires_at=PAST)
        ann = shop.emu.user(1101, first_name="Ann")
        await open_card(ann, "Games (2)", "Quest · 3.33 USD")
        await ann.press("Buy")
        await press_when_shown(ann, "3")
        await press_when_shown(ann, "🎟 Promo code")
        await ann.wait_for_text("Send your promo code.")
        for typed, answer in (
            ("nothing", "There is no such promo code. Send another code or press Cancel."),
            ("old", "This promo code has expired. Send another code or press Cancel."),
        ):
            reply = await reply_to(ann, typed)
            assert reply["text"] == answer and labels(reply) == ["Cancel"], typed
        confirm = await reply_to(ann, "save20")
        assert confirm["text"] == (
            "Quest\nQuantity: 3\nUnit price: 3.33 USD\nPromo code SAVE20: −2.00 USD\nTotal: 7.99 USD\nYour balance: 50.00 USD"
        )
        await ann.press("✅ Confirm", confirm["message_id"])
        done = await ann.wait_for_text("Purchase complete")
        assert "Quest × 3 for 7.99 USD" in done["text"]
        assert (await shop.store.get_user(1101)).balance == Decimal("42.01")
        assert await redemptions(shop.store, "SAVE20") == [(1101, Decimal("2.00"), await only_purchase(shop.store, 1101))]

        # Once per user: the next order hears so, and Cancel gives it back at its full price.
        await press_when_shown(ann, "🛍 Shop")
        await press_when_shown(ann, "Games (2)")
        await press_when_shown(ann, "Retro (1)")
        await press_when_shown(ann, "Pong · 10.00 USD")
        await press_when_shown(ann, "Buy")
        await press_when_shown(ann, "1")
        await press_when_shown(ann, "🎟 Promo code")
        await ann.wait_for_text("Send your promo code.")
        again = await reply_to(ann, "SAVE20")
        assert again["text"] == "You have already used this promo code. Send another code or press Cancel."
        await ann.press("Cancel", again["message_id"])
        await ann.wait_for_text("Pong\nQuantity: 1\nUnit price: 10.00 USD\nTotal: 10.00 USD")
        assert await shop.store.check_ledger() == []


async def test_a_code_used_up_before_the_press_is_refused_and_nothing_is_charged(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ids = await shop_with_items(shop.store, users=range(1102, 1104), balance="50.00")
        await shop.store.create_promo("ONE", "fixed", Decimal("5.00"), max_uses=1)
        bea = shop.emu.user(1102, first_name="Bea")
        await open_card(bea, "Apps (1)", "Editor · 20.00 USD")
        await bea.press("Buy")
        await press_when_shown(bea, "1")
        await press_when_shown(bea, "🎟 Promo code")
        await bea.wait_for_text("Send your promo code.")
        confirm = await reply_to(bea, "one")
        assert "Total: 15.00 USD" in confirm["text"]
        (taken,) = await shop.store.buy([request("elsewhere", 1103, ids["Editor"], 1, "ONE")])
        assert isinstance(taken, Delivered)

        before = len(bea.callback_answers)
        await bea.press("✅ Confirm", confirm["message_id"])
        answer = await last_answer(bea, before)
        assert answer["show_alert"]
        assert answer["text"] == "This promo code has been used up. Nothing was charged: here is the order without the code."
        redrawn = await bea.wait_for_text("Total: 20.00 USD")
        assert "Promo code" not in redrawn["text"]
        assert (await shop.store.get_user(1102)).balance == Decimal("50.00")
        await bea.press("✅ Confirm", redrawn["message_id"])
        await bea.wait_for_text("Editor × 1 for 20.00 USD")
        assert (await shop.store.get_user(1102)).balance == Decimal("30.00")
        assert await shop.store.check_ledger() == []


async def test_credit_codes_in_russian(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        await shop.store.register_user(1104, username=None, first_name="Вера", language_code="ru", owner_id=1)
        await shop.store.create_promo("GIFT5", "credit", Decimal("5.00"))
        await shop.store.create_promo("SAVE20", "percent", Decimal("20"))
        vera = shop.emu.user(1104, first_name="Вера", language_code="ru")
        await vera.send_text("/start")
        await press_when_shown(vera, "🎁 Промокод")
        await vera.wait_for_text("Отправьте промокод — его сумма будет зачислена на ваш баланс.")
        discount = await reply_to(vera, "save20")
        assert discount["text"] == (
            "Этот код даёт скидку: примените его при покупке кнопкой «🎟 Промокод» на экране заказа. "
            "Отправьте другой код или нажмите «Отмена»."
        )
        credited = await reply_to(vera, "gift5")
        assert credited["text"] == "🎁 Промокод GIFT5 активирован: +5,00 USD.\nВаш баланс: 5,00 USD"
        twice = await reply_to(vera, "/redeem GIFT5")
        assert twice["text"] == "Вы уже использовали этот промокод. Отправьте другой код или нажмите «Отмена»."
        await vera.press("Отмена", twice["message_id"])
        await vera.wait_for_text("Выберите нужное ниже.")
        # Cancelled: text is no longer taken for a code.
        assert (await reply_to(vera, "GIFT5"))["text"] == "Пожалуйста, используйте кнопки ниже."
        assert (await shop.store.get_user(1104)).balance == Decimal("5.00")
        assert await shop.store.check_ledger() == []


# --- operator commands -------------------------------------------------------------------------------


def test_promo_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(write_config(tmp_path / "shop.toml"))

    def run(*args: str) -> tuple[int, str, str]:
        """The command in this process (a subprocess per command would cost a second each)."""
        try:
            main(["--config", config, *args])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        out, err = capsys.readouterr()
        return code, out, err.strip()

    assert run("catalog", "add-category", "Games")[0] == 0
    assert run("catalog", "add-item", "--category", "Games", "--title", "Quest", "--price", "5")[0] == 0
    made = run("promo", "add", "summer", "--kind", "percent", "--value", "15", "--max-uses", "100",
               "--expires", "2099-12-31", "--category", "Games")
    assert made[:2] == (0, "promo code created: SUMMER  percent 15.00%  uses 0/100  once per user  until 2099-12-31  category 'Games'  active\n")
    assert run("promo", "add", "GIFT", "--kind", "credit", "--value", "5", "--many-per-user")[0] == 0
    for args, code, message in (
        (("add", "summer", "--kind", "fixed", "--value", "1"), 1, "error: promo code 'SUMMER' already exists"),
        (("add", "ab", "--kind", "fixed", "--value", "1"), 2, "error: CODE: 3 to 32 letters, digits, '-' or '_', got 'ab'"),
        (("add", "BIG", "--kind", "percent", "--value", "150"), 2, "error: --value: a percentage is at most 100, got '150'"),
        (("add", "BIG", "--kind", "fixed", "--value", "-1"), 2, "error: --value: must be a positive amount, got '-1'"),
        (("add", "BIG", "--kind", "fixed", "--value", "1", "--max-uses", "x"), 2, "error: --max-uses: must be a positive whole number, got 'x'"),
        (("add", "BIG", "--kind", "fixed", "--value", "1", "--expires", "2000-01-01"), 2, "error: --expires: 2000-01-01 is in the past"),
        (("add", "BIG", "--kind", "fixed", "--value", "1", "--expires", "soon"), 2, "error: --expires: expected a date as YYYY-MM-DD, got 'soon'"),
        (("add", "BIG", "--kind", "fixed", "--value", "1", "--item", "Nope"), 1, "error: unknown item 'Nope'"),
        (("add", "BIG", "--kind", "credit", "--value", "1", "--category", "Games"), 2,
         "error: --category: a credit code adds to the balance; only discounts have a scope"),
        (("disable", "nope"), 1, "error: unknown promo code 'NOPE'"),
    ):
        result = run("promo", *args)
        assert (result[0], result[2]) == (code, message), args
    both = run("promo", "add", "BIG", "--kind", "fixed", "--value", "1", "--item", "Quest", "--category", "Games")
    assert both[0] == 2 and "argument --category: not allowed with argument --item" in both[2]
    disabled = run("promo", "disable", "Summer")
    assert disabled[0] == 0 and disabled[1].endswith("disabled\n")
    code, listed, _ = run("promo", "list")
    assert code == 0 and listed.splitlines() == [
        "GIFT  credit 5.00  uses 0/unlimited  many per user  no expiry  balance credit  active",
        "SUMMER  percent 15.00%  uses 0/100  once per user  until 2099-12-31  category 'Games'  disabled",
    ]
