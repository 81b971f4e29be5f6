"""What a bench hands to `make bench`: with `--json FILE`, its main figures as one JSON object.

Keys name the figure and its unit (`updates_per_s`, `p99_ms`, `idle_rss_mb`); values are numbers, or
null for a figure the run could not take. The bench prints them for people as well, its own way.
"""

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

Figures = Mapping[str, float | int | str | None]


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="FILE", help="also write the main figures to FILE as JSON (for make bench)")


def write_figures(args: argparse.Namespace, figures: Figures) -> None:
    """Write `figures` to the --json file, if one was given."""
    if args.json:
        Path(args.json).write_text(json.dumps(dict(figures), indent=2) + "\n")
