"""Referrals: the deep link sets the referrer once at registration; credited top-ups pay the referrer
their percent within both caps, in the same transaction; the referral screen and the CLI top-up."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import trio

from storage import ReferralTerms, StorageSettings, Store, open_store
from tests.support.chat import open_profile, start
from tests.support.shop import open_shop

SHOPKEEPER = str(Path(sys.executable).parent / "shopkeeper")
TERMS = {"referral_percent": "10", "referral_cap_per_referral": "5", "referral_cap_total": "7"}
# The same terms as storage takes them (what a payment or the CLI passes with a top-up).
TERMS_RECORD = ReferralTerms(percent=Decimal(10), cap_per_referral=Decimal(5), cap_total=Decimal(7))


async def referrals_of(store: Store, user_id: int) -> int:
    return (await store.profile(user_id)).referrals


async def register(store: Store, user_id: int, referrer_id: int | None = None) -> None:
    await store.register_user(
        user_id, username=None, first_name=f"User{user_id}", language_code="en", owner_id=1, referrer_id=referrer_id
    )


async def test_deep_link_sets_the_referrer_once(database_url: str) -> None:
    async with open_shop(database_url) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        carol = shop.emu.user(1003, first_name="Carol")
        await start(ann)
        await start(carol, "/start 1003")  # her own link: no referrer
        assert await referrals_of(shop.store, carol.id) == 0

        bob = shop.emu.user(1002, first_name="Bob")
        assert "Welcome" in (await start(bob, "/start 1001"))["text"]
        assert await referrals_of(shop.store, ann.id) == 1
        # A second /start with another code changes nothing.
        await start(bob, "/start 1003")
        assert (await referrals_of(shop.store, ann.id), await referrals_of(shop.store, carol.id)) == (1, 0)

        dan = shop.emu.user(1004, first_name="Dan")
        await start(dan, "/start@shop_bot 1001")
        assert await referrals_of(shop.store, ann.id) == 2

        # Unknown, non-numeric and malformed payloads: registered all the same, nobody's referral.
        payloads = ["999999", "abc", "01001", "-1001", "+1001", "1001abc", "1001 1002", "9" * 30, "１００１"]
        for offset, payload in enumerate(payloads):
            user = shop.emu.user(2000 + offset, first_name="Eve")
            assert "Welcome" in (await start(user, f"/start {payload}"))["text"], payload
            assert await shop.store.get_user(user.id) is not None
        assert await referrals_of(shop.store, ann.id) == 2

        # Someone who wrote to the bot before any /start was registered then: a later link is ignored.
        fred = shop.emu.user(1006, first_name="Fred")
        await start(fred, "hello")
        await start(fred, "/start 1001")
        assert await referrals_of(shop.store, ann.id) == 2


async def test_topups_pay_the_referrer_within_both_caps(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await register(store, 1001)
        await register(store, 1002, referrer_id=1001)
        await register(store, 1003, referrer_id=1001)

        async def topup(user_id: int, amount: str, kind: str = "topup") -> None:
            await store.credit_user(user_id, Decimal(amount), kind=kind, reason="paid", referral=TERMS_RECORD)

        await topup(1002, "33.33")  # 3.333 → 3.33, rounded down
        assert (await store.get_user(1001)).balance == Decimal("3.33")
        await topup(1002, "30")  # 3.00, but 1002 can earn only 5.00 in all: 1.67
        await topup(1002, "100")  # nothing left from 1002
        await topup(1002, "100", kind="adjustment")  # not a top-up
        assert (await store.get_user(1001)).balance == Decimal("5.00")
        await topup(1003, "50")  # 5.00, but 1001 can earn only 7.00 in all: 2.00
        await topup(1003, "10")
        ann = await store.profile(1001)
        assert (ann.user.balance, ann.referral_earned, ann.referrals) == (Decimal("7.00"), Decimal("7.00"), 2)
        rewards = [row for row in (await store.ledger_page(1001, 1, 10)).rows]
        assert [(row.kind, row.amount) for row in rewards] == [
            ("referral", Decimal("2.00")), ("referral", Decimal("1.67")), ("referral", Decimal("3.33"))
        ]
        assert rewards[0].reason == "User1003 (1003)" and rewards[2].reason == "User1002 (1002)"
        # The referred users' own balances are their top-ups, untouched by their referrer's rewards.
        assert (await store.get_user(1002)).balance == Decimal("263.33")
        assert await store.check_ledger() == []


async def test_no_reward_when_off_too_small_or_without_referrer(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await register(store, 1001)
        await register(store, 1002, referrer_id=1001)
        await register(store, 1003)
        await store.credit_user(1002, Decimal("100"), kind="topup", referral=ReferralTerms(percent=Decimal(0)))
        await store.credit_user(1002, Decimal("0.09"), kind="topup", referral=ReferralTerms(percent=Decimal(10)))
        await store.credit_user(1002, Decimal("100"), kind="topup")  # no terms given
        await store.credit_user(1003, Decimal("100"), kind="topup", referral=ReferralTerms(percent=Decimal(10)))
        assert (await store.ledger_page(1001, 1, 10)).total == 0
        assert (await store.get_user(1001)).balance == Decimal("0.00")
        # Uncapped: every top-up pays.
        await store.credit_user(1002, Decimal("1000"), kind="topup", referral=ReferralTerms(percent=Decimal("2.5")))
        assert (await store.get_user(1001)).balance == Decimal("25.00")
        assert await store.check_ledger() == []


async def test_concurrent_topups_never_pass_the_total_cap(database_url: str) -> None:
    async with open_store(StorageSettings(database_url=database_url)) as store:
        terms = ReferralTerms(percent=Decimal(10), cap_total=Decimal(25))
        await register(store, 1001)
        for user_id in range(1100, 1110):
            await register(store, user_id, referrer_id=1001)
        async with trio.open_nursery() as nursery:
            for user_id in range(1100, 1110):
                nursery.start_soon(lambda u=user_id: store.credit_user(u, Decimal(100), kind="topup", referral=terms))
        ann = await store.profile(1001)
        assert ann.user.balance == ann.referral_earned == Decimal("25.00")
        assert await store.check_ledger() == []


async def test_referral_screen_counts_and_earnings(sqlite_url: str) -> None:
    async with open_shop(sqlite_url, shop=TERMS) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        await start(ann)
        await shop.store.credit_user(ann.id, Decimal("1"), kind="topup")
        bob = shop.emu.user(1002, first_name="Bob")
        await start(bob, "/start 1001")
        await shop.store.credit_user(bob.id, Decimal("40"), kind="topup", referral=TERMS_RECORD)

        await open_profile(ann)
        await ann.press("👥 Referrals")
        card = await ann.wait_for_text("Referrals")
        text = card["text"]
        assert "https://t.me/shop_bot?start=1001" in text
        assert "1 friend joined through your link" in text and "Earned: 4.00 USD" in text
        assert "You get 10% of every top-up they make." in text
        assert "Up to 5.00 USD from each friend." in text and "Up to 7.00 USD in total." in text

        # Russian has three plural forms: 1 друг, 2 друга, 5 друзей.
        ivan = shop.emu.user(1010, first_name="Ivan", language_code="ru")
        await start(ivan)
        expected = {1: "пришёл 1 друг", 2: "пришли 2 друга", 5: "пришли 5 друзей"}
        invited = 0
        for count, phrase in expected.items():
            while invited < count:
                invited += 1
                await start(shop.emu.user(1010 + invited, first_name="Friend", language_code="ru"), "/start 1010")
            await open_profile(ivan, "ru")
            await ivan.press("👥 Рефералы")
            card = await ivan.wait_for_text(phrase)
            assert "Вы получаете 10% от каждого их пополнения." in card["text"]
            assert "Заработано: 0,00 USD" in card["text"]


async def test_referral_screen_says_when_rewards_are_off(sqlite_url: str) -> None:
    async with open_shop(sqlite_url) as shop:
        ann = shop.emu.user(1001, first_name="Ann")
        await start(ann)
        await open_profile(ann)
        await ann.press("👥 Referrals")
        card = await ann.wait_for_text("Referral rewards are off")
        assert "0 friends joined through your link" in card["text"]


async def test_cli_topup_pays_on_the_configured_terms(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path}/shop.db"
    config = tmp_path / "shop.toml"  # no [telegram]: operator commands need no bot token
    config.write_text(f'[storage]\ndatabase_url = "{database_url}"\n[shop]\nreferral_percent = 10\nreferral_cap_total = 3\n')
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await register(store, 1001)
        await register(store, 1002, referrer_id=1001)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SHOPKEEPER, "--config", str(config), "user", "credit", *args], capture_output=True, text=True, timeout=60
        )

    for args in (("1002", "20"), ("1002", "20", "--kind", "adjustment"), ("1002", "20", "--kind", "topup")):
        result = await trio.to_thread.run_sync(lambda a=args: cli(*a))
        assert result.returncode == 0, result.stderr
    async with open_store(StorageSettings(database_url=database_url)) as store:
        # 2.00 from the first top-up, nothing from the adjustment, 1.00 (the rest of the cap) from the last.
        assert (await store.get_user(1001)).balance == Decimal("3.00")
        assert (await store.get_user(1002)).balance == Decimal("60.00")
        kinds = [row.kind for row in (await store.ledger_page(1002, 1, 10)).rows]
        assert kinds == ["topup", "adjustment", "topup"]
        assert await store.check_ledger() == []
