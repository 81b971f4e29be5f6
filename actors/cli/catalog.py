"""`shopkeeper catalog …`: categories, items and stock, one at a time or from a CSV file. Each command
is audited as the operator's ("category.create", "item.create", "stock.add", "catalog.import")."""

import argparse
import sys
from pathlib import Path

from actors.catalog_csv import CsvRejected, parse_catalog
from actors.cli.common import OPERATOR, Commands, UsageError, amount, text, with_store
from storage import PHOTO_REF, CatalogRowRejected


def register(commands: Commands) -> None:
    catalog = commands.add_parser("catalog", help="categories, items and stock").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add_category = catalog.add_parser("add-category", help="create a category, or a subcategory with --parent")
    add_category.add_argument("name")
    add_category.add_argument("--parent", metavar="NAME", help="a top-level category (subcategories go one level deep)")
    add_category.set_defaults(handler=_add_category)
    add_item = catalog.add_parser("add-item", help="create an item in a category")
    add_item.add_argument("--category", required=True, metavar="NAME")
    add_item.add_argument("--title", required=True)
    add_item.add_argument("--price", required=True, metavar="AMOUNT")
    add_item.add_argument("--description", default="", metavar="TEXT")
    add_item.add_argument(
        "--kind",
        choices=("unique", "unlimited", "file"),
        default="unique",
        help="unique (default: units added with add-stock, each sold once), unlimited (--content to every buyer) "
        "or file (--file to every buyer)",
    )
    add_item.add_argument("--content", metavar="TEXT", help="what every buyer of an unlimited item gets")
    add_item.add_argument("--file", metavar="PATH", help="the document every buyer of a file item gets")
    add_item.add_argument("--photo", metavar="FILE_ID_OR_URL", help="a Telegram file_id or an https URL of a picture")
    add_item.add_argument("--hidden", action="store_true", help="not shown to buyers yet")
    add_item.set_defaults(handler=_add_item)
    add_stock = catalog.add_parser("add-stock", help="add units: one per non-empty line of --file or stdin")
    add_stock.add_argument("--item", required=True, metavar="TITLE")
    add_stock.add_argument("--file", metavar="PATH")
    add_stock.set_defaults(handler=_add_stock)
    import_catalog = catalog.add_parser(
        "import", help="categories, items and stock from one CSV file, all or nothing (see the README)"
    )
    import_catalog.add_argument("file", metavar="FILE.csv")
    import_catalog.set_defaults(handler=_import_catalog)


def _add_category(args: argparse.Namespace) -> None:
    name = text("NAME", args.name, 128)
    parent = text("--parent", args.parent, 128) if args.parent is not None else None
    category = with_store(args, lambda store: store.add_category(name, parent, actor_id=OPERATOR))
    under = f" under {parent!r}" if parent is not None else ""
    print(f"category {category.name!r} created{under} (id {category.id})")


def _add_item(args: argparse.Namespace) -> None:
    price = amount("--price", args.price)
    title = text("--title", args.title, 128)
    if args.content is not None and args.kind != "unlimited":
        raise UsageError("--content: only an unlimited item (--kind unlimited) has content")
    if args.file is not None and args.kind != "file":
        raise UsageError("--file: only a file item (--kind file) has a file")
    content = (args.content or "").strip()
    if args.kind == "unlimited" and not content:
        raise UsageError("--content: an unlimited item needs the content every buyer gets")
    file_name, file_data = _item_file(args.file) if args.kind == "file" else (None, None)
    if args.photo is not None and not PHOTO_REF.fullmatch(args.photo):
        raise UsageError(f"--photo: a Telegram file_id or an https:// URL, got {args.photo!r}")
    item = with_store(
        args,
        lambda store: store.add_item(
            args.category,
            title,
            price,
            args.description,
            kind=args.kind,
            content=content,
            file_name=file_name,
            file_data=file_data,
            photo=args.photo,
            hidden=args.hidden,
            actor_id=OPERATOR,
        ),
    )
    hidden = ", hidden" if args.hidden else ""
    print(f"item {item.title!r} created (id {item.id}) at {item.price}, {item.kind}{hidden}")


def _item_file(path: str | None) -> tuple[str, bytes]:
    """The name and bytes of a file item's document, read from --file."""
    if path is None:
        raise UsageError("--file: a file item needs the document every buyer gets (--file PATH)")
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"--file: cannot read {path}: {error.strerror}") from None
    if not data:
        raise UsageError(f"--file: {path} is empty")
    name = Path(path).name
    if len(name) > 128:
        raise UsageError(f"--file: the file name is over 128 characters: {name!r}")
    return name, data


def _add_stock(args: argparse.Namespace) -> None:
    if args.file:
        try:
            lines_text = Path(args.file).read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"--file: cannot read {args.file}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"--file: {args.file} is not UTF-8 text") from None
    else:
        lines_text = sys.stdin.read()
    lines = lines_text.splitlines()
    if not any(line.strip() for line in lines):
        raise UsageError("--file: no units (one per non-empty line)" if args.file else "stdin: no units (one per non-empty line)")
    done = with_store(args, lambda store: store.add_stock(args.item, lines, actor_id=OPERATOR))
    print(f"added {done.added} unit(s) to {args.item!r}, skipped {done.duplicates} duplicate(s); {done.stock_left} in stock")


def _import_catalog(args: argparse.Namespace) -> None:
    """See storage/catalog_import.py for what the rows mean, actors/catalog_csv.py for the file."""
    try:
        # utf-8-sig: spreadsheets save UTF-8 CSV with a byte-order mark.
        rows_text = Path(args.file).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UsageError(f"FILE: cannot read {args.file}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"FILE: {args.file} is not UTF-8 text") from None
    try:
        rows = parse_catalog(rows_text)
        if not rows:
            raise UsageError(f"FILE: {args.file} has no rows after its header")
        done = with_store(args, lambda store: store.import_catalog(rows, actor_id=OPERATOR))
    except (CsvRejected, CatalogRowRejected) as error:
        raise UsageError(f"{args.file}, {error}") from None
    print(
        f"imported {args.file}: {done.categories_created} categories created, {done.items_created} items created, "
        f"{done.units_added} units added, {done.duplicates} duplicates skipped"
    )
