"""Which message ids the code uses: Babel's extraction method for `make messages` (babel.cfg) and the
translation tests, kept apart from the runtime catalogs (`telegram.i18n`), which the shop loads without it.

`message_uses` reads the first argument of every `t`/`texts`/`plain`/`n`/`n_plain` call and resolves it
to the literal keys it can take; `extract_message_ids` hands the resolved ones to Babel, plural ones
(n, n_plain) as (key, key) since a key is both msgid and msgid_plural.
"""

import ast
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

# Translation calls: `ctx.t(key)`, `texts(key)`, `ctx.t.plain(key)`, `ctx.t.n(key, count)`, ...
TRANSLATING = frozenset({"t", "texts", "plain", "n", "n_plain"})
PLURAL = frozenset({"n", "n_plain"})


class MessageUse(NamedTuple):
    line: int
    function: str  # one of TRANSLATING
    key: str | None  # None: the first argument does not resolve to literal keys
    values: frozenset[str] | None  # the keyword arguments' names; None when a **mapping is passed too


def message_uses(source: str) -> list[MessageUse]:
    """Every message id a module's translation calls can use.

    A first argument counts when it resolves to literal keys: a string literal; `a if c else b`; a
    name assigned only such values in the function or at module level (`key = "x" if c else "y"`);
    an item or `.get(k, default)` of a module-level dict (its values) or tuple/list of literal keys;
    or a loop variable over such a collection (a dict's keys). So keys built at run time are listed in
    one place: `KIND_TEXT = {"topup": "ledger.kind.topup", ...}` and `ctx.t(KIND_TEXT[kind])`.
    Anything else (an f-string, a parameter, a call) is a use with `key=None`.
    """
    uses: list[MessageUse] = []
    _visit(ast.parse(source), [], uses)
    return uses


def extract_message_ids(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str | tuple[str, str], list[str]]]:
    """Babel extraction method (babel.cfg): the resolved uses, plural ones as (key, key)."""
    for use in message_uses(fileobj.read().decode(options.get("encoding", "utf-8"))):
        if use.key is not None and use.function in keywords:
            yield use.line, use.function, (use.key, use.key) if use.function in PLURAL else use.key, []


type Scope = dict[str, list[tuple[str, ast.expr | None]]]  # name -> ("value" | "each" | "param", node)


def _visit(node: ast.AST, scopes: list[Scope], uses: list[MessageUse]) -> None:
    if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        scopes = [name_bindings(node), *scopes]
    if isinstance(node, ast.Call) and node.args and callee_name(node.func) in TRANSLATING:
        keys = _resolve(node.args[0], scopes, 0)
        names = [k.arg for k in node.keywords]
        values = frozenset(n for n in names if n is not None) if None not in names else None
        for key in sorted(keys) if keys is not None else [None]:
            uses.append(MessageUse(node.lineno, callee_name(node.func), key, values))
    for child in ast.iter_child_nodes(node):
        _visit(child, scopes, uses)


def callee_name(func: ast.expr) -> str:
    """`plain` for `ctx.t.plain(...)`, `keyboard` for `keyboard(...)`."""
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def name_bindings(scope: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Scope:
    """What each name of `scope` is bound to, not looking into nested functions and classes."""
    found: Scope = {}
    if not isinstance(scope, ast.Module):
        arguments = scope.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]:
            if arg is not None:
                found.setdefault(arg.arg, []).append(("param", None))
    pending: list[ast.AST] = list(scope.body) if isinstance(scope.body, list) else [scope.body]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(("value", node.value))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(("value", node.value))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(("each", node.iter))
        pending.extend(ast.iter_child_nodes(node))
    return found


# Deep enough for any honest chain of names; stops a name defined through itself.
_MAX_DEPTH = 8


def _resolve(expr: ast.expr, scopes: list[Scope], depth: int) -> set[str] | None:
    """The literal keys `expr` can evaluate to, or None if it is not resolvable."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _union([_resolve(expr.body, scopes, depth + 1), _resolve(expr.orelse, scopes, depth + 1)])
    if isinstance(expr, ast.Subscript):
        return _members(expr.value, scopes, depth + 1, iterating=False)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get" and expr.args:
        default = [_resolve(expr.args[1], scopes, depth + 1)] if len(expr.args) > 1 else []
        return _union([_members(expr.func.value, scopes, depth + 1, iterating=False), *default])
    if isinstance(expr, ast.Name):
        bound = next((scope[expr.id] for scope in scopes if expr.id in scope), None)
        if bound is None:
            return None
        return _union(
            [
                _resolve(node, scopes, depth + 1)
                if how == "value" and node is not None
                else _members(node, scopes, depth + 1, iterating=True)
                if how == "each" and node is not None
                else None
                for how, node in bound
            ]
        )
    return None


def _members(expr: ast.expr, scopes: list[Scope], depth: int, *, iterating: bool) -> set[str] | None:
    """The keys in a literal collection: a dict's keys when iterated, its values when indexed."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, ast.Tuple | ast.List | ast.Set):
        return _union([_resolve(e, scopes, depth + 1) for e in expr.elts])
    if isinstance(expr, ast.Dict):
        chosen = expr.keys if iterating else expr.values
        return _union([_resolve(e, scopes, depth + 1) if e is not None else None for e in chosen])
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and len(expr.args) == 1:
        if expr.func.id in ("tuple", "list", "set", "frozenset"):
            return _members(expr.args[0], scopes, depth + 1, iterating=True)
    if isinstance(expr, ast.Name):
        bound = next((scope[expr.id] for scope in scopes if expr.id in scope), None)
        if bound is None:
            return None
        return _union(
            [
                _members(node, scopes, depth + 1, iterating=iterating) if how == "value" and node is not None else None
                for how, node in bound
            ]
        )
    return None


def _union(parts: list[set[str] | None]) -> set[str] | None:
    if any(part is None for part in parts):
        return None
    return set().union(*parts)  # type: ignore[arg-type]  # none is None: checked just above
