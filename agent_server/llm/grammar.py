"""Builders for llama.cpp GBNF grammars, so every parsed output has a known shape."""

from __future__ import annotations

from collections.abc import Iterable


def literal(text: str) -> str:
    """A GBNF string literal matching `text` exactly."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def one_of(options: Iterable[str]) -> str:
    """An alternation of literals; duplicates are refused so a choice maps back to one option."""
    options = list(options)
    if not options:
        raise ValueError("a choice needs at least one option")
    if len(set(options)) != len(options):
        raise ValueError("choice options must be distinct")
    return " | ".join(literal(o) for o in options)


def short_text(max_chars: int, charset: str = "a-z ,'") -> str:
    """A run of 1..max_chars characters from a character class (bounded so it always ends)."""
    return f"[{charset}]{{1,{max_chars}}}"


SENTENCE_CHARS = "a-zA-Z0-9 ,;:'!?()-"


def sentence(max_chars: int) -> str:
    """One plain sentence: a capital or digit first, no line breaks, a full stop last."""
    return f'[A-Z0-9] [{SENTENCE_CHARS}]{{1,{max_chars}}} "."'


def numbered_lines(count_min: int, count_max: int, rule: str) -> str:
    """`count_min`..`count_max` lines "1. <rule>", "2. <rule>", ..., each ending in a line
    break; the numbers are fixed by the grammar, so they are always in order."""
    parts = [f'"{i}. " {rule} "\\n"' for i in range(1, count_min + 1)]
    optional = "".join(f' ("{i}. " {rule} "\\n"' for i in range(count_min + 1, count_max + 1))
    return " ".join(parts) + optional + ")?" * (count_max - count_min)
