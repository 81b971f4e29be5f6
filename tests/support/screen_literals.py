"""Finds string literals in screen code that a user would see without going through the catalogs.

A literal is reported when it holds a letter and reaches a place users read:
  * any positional argument, or `text=`/`caption=`/`label=`/`description=`, of `reply`, `show`, `notify`,
    `send_long`, `answer`, `send_message`, `answer_callback_query` and the `edit_*` methods;
  * `caption=`/`text=` of `send_document`, `send_photo`, ... (their positional file name and data are data);
  * the rows given to `keyboard(...)`, a `(label, SomeCallbackData(...))` tuple anywhere, and
    `InlineKeyboardButton`/`KeyboardButton`/`BotCommand` texts;
  * the values (not the message id) passed to a translation call: `ctx.t("k", name=user.name or "friend")`.
It follows a value through `a or b`, `a if c else b`, `+`/`%`, f-strings, lists and tuples, `"sep".join(...)`,
`.format(...)` and names assigned in the same function or at module level; other calls are opaque.
Not reported: docstrings, logging, callback prefixes and keys, `filename=`, message ids (the first
argument of t/plain/n/n_plain), strings without letters.
"""

import ast
from collections.abc import Iterator

from telegram.message_ids import callee_name, name_bindings

DISPLAY_METHODS = frozenset(
    {
        "reply", "show", "notify", "send_long", "answer", "send_message", "answer_callback_query",
        "edit_message_text", "edit_message_caption", "edit_text", "edit_caption",
    }
)
CAPTION_METHODS = frozenset({"send_document", "send_document_id", "send_photo", "send_video", "send_animation", "send_audio"})
DISPLAY_KEYWORDS = frozenset({"text", "caption", "label", "description"})
BUTTONS = frozenset({"InlineKeyboardButton", "KeyboardButton", "BotCommand"})
TRANSLATING = frozenset({"t", "texts", "plain", "n", "n_plain"})
# How far a value is followed through names and expressions.
MAX_DEPTH = 12

type Scope = dict[str, list[ast.expr]]


def find_literals(source: str, filename: str) -> list[str]:
    """`filename:line: literal` for every user-visible literal in `source`, in source order."""
    tree = ast.parse(source)
    found: dict[tuple[int, int], str] = {}
    for node, scopes in _walk(tree, []):
        for expr in _display_values(node):
            for literal in _literals(expr, scopes, 0, frozenset()):
                text = ast.get_source_segment(source, literal) or repr(getattr(literal, "value", ""))
                found[(literal.lineno, literal.col_offset)] = f"{filename}:{literal.lineno}: {text}"
    return [found[place] for place in sorted(found)]


def _walk(node: ast.AST, scopes: list[Scope]) -> Iterator[tuple[ast.AST, list[Scope]]]:
    if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
        scopes = [_assignments(node), *scopes]
    yield node, scopes
    for child in ast.iter_child_nodes(node):
        yield from _walk(child, scopes)


def _assignments(scope: ast.Module | ast.FunctionDef | ast.AsyncFunctionDef) -> Scope:
    """name -> what it is given in `scope` (assigned, or iterated over by a loop), as the catalog
    extractor sees it."""
    return {
        name: [node for kind, node in bound if node is not None and kind in ("value", "each")]
        for name, bound in name_bindings(scope).items()
    }


def _display_values(node: ast.AST) -> list[ast.expr]:
    """The expressions `node` puts in front of users."""
    if isinstance(node, ast.Tuple) and len(node.elts) == 2 and _is_constructor(node.elts[1]):
        return [node.elts[0]]
    if not isinstance(node, ast.Call):
        return []
    name = callee_name(node.func)
    shown = [k.value for k in node.keywords if k.arg in DISPLAY_KEYWORDS]
    if name in DISPLAY_METHODS and isinstance(node.func, ast.Attribute) or name in BUTTONS or name == "keyboard":
        return [*node.args, *shown]
    if name in CAPTION_METHODS:
        return shown
    if name in TRANSLATING:
        return [*node.args[1:], *(k.value for k in node.keywords)]
    return []


def _is_constructor(expr: ast.expr) -> bool:
    """`OpenItem(item_id=1)`: a class called, as the data half of a (label, data) button."""
    return isinstance(expr, ast.Call) and callee_name(expr.func)[:1].isupper()


def _literals(expr: ast.expr, scopes: list[Scope], depth: int, following: frozenset[str]) -> Iterator[ast.expr]:
    """The literals with letters that `expr` can show; `following` names the variables on the way here
    (`text = text + "..."` is followed once)."""
    if depth > MAX_DEPTH:
        return
    deeper = depth + 1
    match expr:
        case ast.Constant(value=str() as text):
            if any(ch.isalpha() for ch in text):
                yield expr
        case ast.JoinedStr(values=parts):
            if any(isinstance(p, ast.Constant) and any(ch.isalpha() for ch in str(p.value)) for p in parts):
                yield expr
            for part in parts:
                if isinstance(part, ast.FormattedValue):
                    yield from _literals(part.value, scopes, deeper, following)
        case ast.BoolOp(values=values) | ast.List(elts=values) | ast.Tuple(elts=values) | ast.Set(elts=values):
            for value in values:
                yield from _literals(value, scopes, deeper, following)
        case ast.IfExp(body=body, orelse=orelse):
            yield from _literals(body, scopes, deeper, following)
            yield from _literals(orelse, scopes, deeper, following)
        case ast.BinOp(left=left, right=right):
            yield from _literals(left, scopes, deeper, following)
            yield from _literals(right, scopes, deeper, following)
        case ast.Starred(value=value):
            yield from _literals(value, scopes, deeper, following)
        case ast.Name(id=name) if name not in following:
            assigned = next((scope[name] for scope in scopes if name in scope), [])
            for value in assigned:
                yield from _literals(value, scopes, deeper, following | {name})
        case ast.Call(func=ast.Attribute(attr="join" | "format", value=receiver), args=args, keywords=keywords):
            for value in [receiver, *args, *(k.value for k in keywords)]:
                yield from _literals(value, scopes, deeper, following)
        case ast.Call(func=func, args=args, keywords=keywords) if callee_name(func) in TRANSLATING:
            for value in [*args[1:], *(k.value for k in keywords)]:
                yield from _literals(value, scopes, deeper, following)
