"""Decoding Bot API parameters the way the official server accepts them.

`decode_params(query, content_type, body)` merges the query string with a urlencoded, JSON or
multipart/form-data body into one dict. Form values arrive as strings, so methods read them through the
typed getters below (`get_int`, `get_json`, ...), which accept either the JSON value or its string form
and raise the official 400 texts on bad input. Uploaded files become `UploadedFile`.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from .errors import bad_request


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes
    content_type: str | None = None


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split `form-data; name="x"; filename="y"` into its main value and parameters."""
    head, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, _, val = item.strip().partition("=")
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1].replace('\\"', '"')
        params[key.lower()] = val
    return head.strip().lower(), params


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    _, ct_params = _header_params(content_type)
    boundary = ct_params.get("boundary")
    if not boundary:
        raise bad_request("wrong multipart boundary")
    result: dict[str, Any] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break  # closing delimiter
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, val = line.partition(":")
            if colon:
                headers[key.strip().lower()] = val.strip()
        _, disp = _header_params(headers.get("content-disposition", ""))
        name = disp.get("name")
        if name is None:
            continue
        if "filename" in disp:
            result[name] = UploadedFile(disp["filename"], content, headers.get("content-type"))
        else:
            result[name] = content.decode("utf-8")
    return result


def decode_params(query: bytes, content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True)) if query else {}
    if not body:
        return params
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError as e:
            raise bad_request("can't parse JSON object") from e
        if not isinstance(decoded, dict):
            raise bad_request("can't parse JSON object")
        params.update(decoded)
    elif kind == "multipart/form-data":
        params.update(_multipart(content_type, body))
    else:  # application/x-www-form-urlencoded, and what curl sends without a type
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


def get_str(params: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = params.get(name, default)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise bad_request(f'field "{name}" must be of type String')


def get_int(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise bad_request(f'field "{name}" must be of type Integer')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be of type Integer') from None


def require_int(params: dict[str, Any], name: str) -> int:
    value = get_int(params, name)
    if value is None:
        raise bad_request(f"{name} is empty" if name != "chat_id" else "chat_id is empty")
    return value


def get_bool(params: dict[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1")


def get_json(params: dict[str, Any], name: str, error: str) -> Any:
    """A JSON-serialized parameter: the JSON value itself (JSON body) or its string form (form body)."""
    value = params.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            raise bad_request(error) from None
    return value


def chat_id_of(params: dict[str, Any]) -> int:
    """Private chats only: the chat id must be an integer; `@username` chats are not emulated."""
    value = params.get("chat_id")
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None


def describe(params: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy for the call log: uploads become {"filename", "size"}."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, UploadedFile):
            out[key] = {"filename": value.filename, "size": len(value.content)}
        else:
            out[key] = value
    return out
