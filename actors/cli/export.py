"""`shopkeeper export`: one table to a CSV file (reads only; nothing to audit)."""

import argparse
from pathlib import Path

from actors.cli.common import Commands, UsageError, with_store
from actors.csv_export import NOUNS, open_replacing, write_table
from storage import EXPORT_TABLES


def register(commands: Commands) -> None:
    export = commands.add_parser("export", help="write a table to a CSV file for a spreadsheet (formulas neutralised)")
    export.add_argument("table", metavar="TABLE", help=", ".join(EXPORT_TABLES))
    export.add_argument("--out", required=True, metavar="PATH", help="the CSV file: replaced whole, or left as it was on failure")
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> None:
    """See actors/csv_export.py for the file's format and the spreadsheet-safety rule."""
    if args.table not in EXPORT_TABLES:
        raise UsageError(f"TABLE: unknown table {args.table!r}: use {', '.join(EXPORT_TABLES)}")
    out = Path(args.out)
    try:
        with open_replacing(out) as file:
            count = with_store(args, lambda store: write_table(store, args.table, file))
    except OSError as error:
        raise UsageError(f"--out: cannot write {out}: {error.strerror or error}") from None
    print(f"exported {count} {NOUNS[args.table]} to {out}")
