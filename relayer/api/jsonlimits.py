"""Parsing untrusted JSON within bounds: a nesting depth checked before the parser runs (CPython's parser recurses
per level, so a 30,000-deep body raises RecursionError, or worse, deep inside a handler)."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class JsonRefused(ValueError):
    """Not JSON, or JSON nested deeper than allowed."""


def nesting_depth(text: str | bytes, stop_at: int = MAX_DEPTH + 1) -> int:
    """The deepest bracket nesting in `text`, ignoring brackets inside strings; stops counting at `stop_at`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest >= stop_at:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads, refusing documents nested deeper than `max_depth` before parsing them."""
    if nesting_depth(text, max_depth + 1) > max_depth:
        raise JsonRefused(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise JsonRefused(f"not valid JSON: {exc}"[:200]) from None
