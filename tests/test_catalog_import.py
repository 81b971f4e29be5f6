"""`shopkeeper catalog import FILE.csv`, on SQLite and PostgreSQL: a good file creates categories,
items and stock (and importing it again changes nothing); a bad line is named with its column, exits 2
and leaves the shop exactly as it was."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
import trio

from actors.cli import main
from storage import AdminItem, StorageSettings, open_store
from tests.support.processes import shopkeeper
from tests.support.shop import storage_section

HEADER = "category,subcategory,title,price,kind,description,content,unit"
GOOD = "\r\n".join([
    HEADER,
    'Games,,Starfall,10.00,,"Steam key, global",,STAR-1',
    "Games,,Starfall,10.00,,\"Steam key, global\",,STAR-2",
    ",,Starfall,,,,,STAR-3",
    ",,Starfall,,,,,STAR-1",
    "",
    'Games,RPG,Dragon Quest,4.5,unique,"Two lines:',
    'region free",,',
    ",,Dragon Quest,,,,,  DQ-1  ",
    "Books,,Guide,2.00,UNLIMITED,,READ-ME-123,",
    ",,Old,,,,,OLD-1",
    ",,Old,,,,,OLD-2",
]) + "\r\n"


def write_config(tmp_path: Path, database_url: str) -> str:
    path = tmp_path / "shop.toml"
    path.write_text(storage_section(database_url))
    return str(path)


def catalog(config: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, list[str]]:
    try:
        main(["--config", config, "catalog", *args])
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err.strip().splitlines()


def shop_contents(database_url: str) -> tuple[list[tuple[str, str | None]], list[tuple[AdminItem, str | None, list[str]]]]:
    """Every category with its parent's name, and every item with its category's name and unsold units."""

    async def read() -> tuple[list[tuple[str, str | None]], list[tuple[AdminItem, str | None, list[str]]]]:
        async with open_store(StorageSettings(database_url=database_url), migrate=False) as store:
            categories = await store.list_categories()
            names = {category.id: category.name for category in categories}
            items = []
            for category_id in [None, *names]:
                tree = await store.category_tree(category_id)
                assert tree is not None
                for item in tree.items:
                    units = [unit.content for unit in (await store.unsold_units(item.id, 1, 100)).rows]
                    items.append((item, names.get(category_id) if category_id else None, units))
            return [(c.name, names.get(c.parent_id) if c.parent_id else None) for c in categories], items

    return trio.run(read)


def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("SHOPKEEPER_")]:
        monkeypatch.delenv(name)


def test_a_good_file_creates_everything_once(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env(monkeypatch)
    config = write_config(tmp_path, database_url)
    assert catalog(config, capsys, "add-category", "Archive")[0] == 0
    assert catalog(config, capsys, "add-item", "--category", "Archive", "--title", "Old", "--price", "1.00")[0] == 0
    (tmp_path / "old.txt").write_text("OLD-1\n")
    assert catalog(config, capsys, "add-stock", "--item", "Old", "--file", str(tmp_path / "old.txt"))[0] == 0
    # The real binary, as an operator runs it; the file as a spreadsheet saves it (BOM, CRLF).
    (tmp_path / "shop.csv").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    first = shopkeeper("--config", config, "catalog", "import", "shop.csv", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        "imported shop.csv: 3 categories created, 3 items created, 5 units added, 2 duplicates skipped\n"
    )

    categories, items = shop_contents(database_url)
    assert sorted(categories) == [("Archive", None), ("Books", None), ("Games", None), ("RPG", "Games")]
    found = {item.title: (item.kind, item.price, item.description, where, item.stock_left, units) for item, where, units in items}
    assert found == {
        "Starfall": ("unique", Decimal("10.00"), "Steam key, global", "Games", 3, ["STAR-1", "STAR-2", "STAR-3"]),
        "Dragon Quest": ("unique", Decimal("4.50"), "Two lines:\nregion free", "RPG", 1, ["DQ-1"]),
        "Guide": ("unlimited", Decimal("2.00"), "", "Books", 0, []),
        "Old": ("unique", Decimal("1.00"), "", "Archive", 2, ["OLD-1", "OLD-2"]),
    }

    again = catalog(config, capsys, "import", str(tmp_path / "shop.csv"))
    assert again[0] == 0 and "0 categories created, 0 items created, 0 units added, 7 duplicates skipped" in again[1]
    assert shop_contents(database_url) == (categories, items)


BAD = [
    ("Games,,Starfall,ten,,,,K1", 2, "price", "'ten' is not an amount"),
    ("Games,,Starfall,-5,,,,K1", 2, "price", "positive"),
    ("Games,,Starfall,1.005,,,,K1", 2, "price", "two decimal places"),
    ("Games,,Starfall,1e3,,,,K1", 2, "price", "'1e3' is not an amount"),
    ("Games,,Starfall,99999999999999999,,,,K1", 2, "price", "is not an amount"),
    ("Games,,Starfall,5.00,bundle,,,K1", 2, "kind", "unknown kind 'bundle'"),
    ("Games,,Starfall,5.00,file,,,", 2, "kind", "add-item --kind file"),
    ("Games,,,5.00,,,,K1", 2, "title", "required"),
    (",,Starfall,5.00,,,,K1", 2, "category", "required to define 'Starfall'"),
    ("Games,,Starfall,,,,,K1", 2, "price", "required to define 'Starfall'"),
    ("Games,,Starfall,5.00,unlimited,,,", 2, "content", "unlimited"),
    ("Games,,Fresh,5.00,,,,F1\nGames,,Fresh,6.00,,,,F2", 3, "price", "another price on line 2"),
    ("Games,,Fresh,5.00,,,,F1\n,,Nothing,,,,,N1", 3, "title", "no item 'Nothing'"),
    ("Games,,Fresh,5.00,,,,F1\nFresh,Games,Other,5.00,,,,O1", 3, "subcategory", "'Games' is a top-level category on line 2"),
    ("Games,,Fresh,5.00,,,,F1\n,,Guide,,,,,G1", 3, "unit", "'Guide' is of kind 'unlimited'"),
    ("Games,,Fresh,5.00,,,,F1\nRPG,,Other,5.00,,,,O1", 3, "category", "'RPG' is a subcategory under 'Games'"),
    ("Books,Games,Other,5.00,,,,O1", 2, "subcategory", "'Games' is a top-level category in the shop"),
    ("Games,,Fresh,5.00,,,,F1,extra", 2, "9", "9 fields"),
]


def test_a_bad_line_is_named_and_changes_nothing(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env(monkeypatch)
    config = write_config(tmp_path, database_url)
    shop = tmp_path / "shop.csv"
    shop.write_text(f"{HEADER}\nGames,RPG,Quest,3.00,,,,Q1\nGames,,Starter,1.00,,,,S1\nBooks,,Guide,2.00,unlimited,,READ,\n")
    assert catalog(config, capsys, "import", str(shop))[0] == 0
    before = shop_contents(database_url)

    bad = tmp_path / "bad.csv"
    for rows, line, column, words in BAD:
        # Where good rows come first, they must leave nothing behind either.
        bad.write_text(f"{HEADER}\n{rows}\n")
        code, out, err = catalog(config, capsys, "import", str(bad))
        assert (code, out, len(err)) == (2, "", 1), (rows, err)
        assert err[0].startswith(f"error: {bad}, line {line}, column {column}: ") and words in err[0], (rows, err)
    assert shop_contents(database_url) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "line 1, column -: the file is empty"),
        (b"title,price,colour\n", "line 1, column colour: unknown column"),
        (b"price,unit\n", "line 1, column title: missing"),
        (b"title,unit,title\n", "line 1, column title: named twice"),
        (f"{HEADER}\n\n".encode(), "has no rows after its header"),
        ("title\nCaf\xe9\n".encode("latin-1"), "odd.csv is not UTF-8 text"),
        (b"title\n\"open,quote\n", "line 2, column -: not readable as CSV"),
    ],
)
def test_a_file_that_is_not_a_catalog(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: bytes, words: str
) -> None:
    clean_env(monkeypatch)
    config = write_config(tmp_path, sqlite_url)
    (tmp_path / "odd.csv").write_bytes(data)
    code, _, err = catalog(config, capsys, "import", str(tmp_path / "odd.csv"))
    assert code == 2 and len(err) == 1 and words in err[0], err
