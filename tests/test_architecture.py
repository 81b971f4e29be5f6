"""The rooms keep their arrows: actors → telegram → storage, webui → storage, nothing points up,
asyncio stays inside storage (the one bridge), no modules import each other (round any circle), and
the shop loads neither its stand-ins (the emulator, the CryptoPay twin) nor its translation tools, and
no module grows past 400 lines (migrations aside)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.frontend import parse_mapping_cfg

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


# ----- no import circles -------------------------------------------------------------------------------
# A module of the rooms names each module it imports at run time: at module level or inside a function
# (a late import only hides a circle), but not under `if TYPE_CHECKING:` (never run).


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def run_time_imports(name: str, source: str, modules: set[str], *, package: bool = False) -> set[str]:
    """The modules of `modules` that module `name` (`package`: an `__init__`) imports when it runs:
    `from a.b import c` names the module a.b.c when there is one, else a.b (whose `__init__` hands out c)."""
    here = name if package else name.rpartition(".")[0]
    found: set[str] = set()

    def known(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(module for alias in node.names if (module := known(alias.name)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = here.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            for alias in node.names:
                named = f"{base}.{alias.name}"
                module = named if named in modules else known(base)
                if module:
                    found.add(module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of the rooms it imports at run time."""
    paths = [path for room in ROOMS for path in sources(room)]
    modules = {module_name(path) for path in paths}
    return {
        module_name(path): run_time_imports(
            module_name(path), path.read_text(encoding="utf-8"), modules, package=path.name == "__init__.py"
        )
        for path in paths
    }


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules (Tarjan), each as [a, b, ..., a]."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_circle_in(group, graph) for group in groups]


def _circle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest circle through the group's first module, found breadth first inside the group."""
    start = min(group)
    came_from = {start: start}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"{sorted(group)} holds no circle")


def test_no_import_circles() -> None:
    """No two modules import each other, directly or round a longer circle (TYPE_CHECKING aside)."""
    circles = [" → ".join(circle) for circle in import_cycles(import_graph())]
    assert circles == [], "import circles:\n" + "\n".join(circles)


def test_the_circle_check_sees_late_imports_and_skips_type_checking() -> None:
    """Guards the guard: a function-level import makes a circle, a TYPE_CHECKING one does not."""
    late = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(late) == [["a", "b", "c", "a"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from storage.x import Y\n"
        "def f():\n    from . import z\n    import telegram.q.r\n"
    )
    modules = {"storage", "storage.x", "telegram", "telegram.z", "telegram.q", "telegram.sample"}
    assert run_time_imports("telegram.sample", source, modules) == {"telegram.z", "telegram.q"}


# ----- the stand-ins stay out of the shop --------------------------------------------------------------
STAND_INS = ("telegram.emulator", "telegram.cryptopay.twin", "telegram.doors")


def loaded_by(module: str) -> set[str]:
    """The modules a fresh interpreter holds after `import <module>`."""
    done = subprocess.run(
        [sys.executable, "-c", f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=60,
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", ["telegram", "telegram.cryptopay", "actors.shop", "actors.cli"])
def test_the_shop_loads_no_stand_in(module: str) -> None:
    """The emulator and the CryptoPay twin (and the HTTP doors they share) are the sandbox's and the
    tests': importing the shop's packages, its client of CryptoPay or its command line loads none of them."""
    loaded = loaded_by(module)
    assert sorted(name for name in loaded if name.startswith(STAND_INS)) == []


def test_the_cryptopay_client_needs_no_http_server() -> None:
    assert "hypercorn" not in loaded_by("telegram.cryptopay")


def test_the_catalogs_leave_the_extraction_tool_out() -> None:
    """The extraction method `make messages` runs (babel.cfg) is a tool in a module of its own: the
    runtime catalogs (telegram.i18n) do not load it."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, _ = parse_mapping_cfg(f)
    tools = {method.partition(":")[0] for _, method in method_map if method != "ignore"}
    assert tools and not tools & loaded_by("telegram.i18n")


# Small modules named for what they hold; migrations are written by `tortoise makemigrations`, not by us.
MODULE_LINES_MAX = 400


def test_no_module_outgrows_one_concept() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for room in (*ROOMS, "bench")
        for path in sources(room)
        if "migrations" not in path.parts and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES_MAX
    }
    assert too_long == {}, f"over {MODULE_LINES_MAX} lines: split by concept"
