"""The rooms keep their arrows: actors → telegram → storage, webui → storage, nothing points up,
and asyncio stays inside storage (the one bridge)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("actors", "storage", "telegram", "webui")
MAY_IMPORT = {
    "storage": set(),
    "telegram": {"storage"},
    "webui": {"storage", "telegram"},
    "actors": {"storage", "telegram", "webui"},
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def sources(room: str) -> list[Path]:
    return sorted((ROOT / room).rglob("*.py"))


@pytest.mark.parametrize("room", ROOMS)
def test_arrows_point_down(room: str) -> None:
    allowed = MAY_IMPORT[room] | {room}
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(room)
        for name in imports(path)
        if name.split(".")[0] in ROOMS and name.split(".")[0] not in allowed
    ]
    assert wrong == []


def test_asyncio_only_inside_storage() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for room in ROOMS
        if room != "storage"
        for path in sources(room)
        for name in imports(path)
        if name.split(".")[0] in ("asyncio", "trio_asyncio", "tortoise", "redis", "asyncpg", "aiosqlite")
    ]
    assert wrong == []


def test_storage_hands_out_records_not_models() -> None:
    import storage

    assert not any(name in storage.__all__ for name in ("User", "Item", "Purchase", "StockUnit", "LedgerEntry"))
    outside = [
        f"{path.relative_to(ROOT)}"
        for room in ROOMS
        if room != "storage"
        for path in sources(room)
        if any(name.startswith("storage.") for name in imports(path))
    ]
    assert outside == [], "other rooms use `from storage import …` only"
