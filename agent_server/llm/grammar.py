"""Builders for llama.cpp GBNF grammars, so every parsed output has a known shape."""

from __future__ import annotations

import json
from collections.abc import Iterable


def literal(text: str) -> str:
    """A GBNF string literal matching `text` exactly."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def json_string_literal(text: str) -> str:
    """A GBNF literal matching `text` written as a JSON string, quotes included."""
    return literal(json.dumps(text, ensure_ascii=False))


def one_of(options: Iterable[str], *, as_json_string: bool = False) -> str:
    """An alternation of literals; duplicates are refused so a choice maps back to one option."""
    options = list(options)
    if not options:
        raise ValueError("a choice needs at least one option")
    if len(set(options)) != len(options):
        raise ValueError("choice options must be distinct")
    make = json_string_literal if as_json_string else literal
    return " | ".join(make(o) for o in options)


def short_text(max_chars: int, charset: str = "a-z ,'") -> str:
    """A run of 1..max_chars characters from a character class (bounded so it always ends)."""
    return f"[{charset}]{{1,{max_chars}}}"


def quoted(expression: str) -> str:
    """A JSON string whose content matches a GBNF expression."""
    return f'"\\"" {expression} "\\""'


def json_object(fields: list[tuple[str, str]]) -> str:
    """A one-line JSON object with these keys, in this order, each value a GBNF expression."""
    parts = []
    for i, (key, value) in enumerate(fields):
        prefix = ("{" if i == 0 else ", ") + json.dumps(key) + ": "
        parts.append(f"{literal(prefix)} {value}")
    return " ".join(parts) + ' "}"'
