"""Tidying the short phrases small models write inside grammars: a length bound can cut a
phrase mid-way ("walk in", "have a lunch, a"), so trailing joining words and punctuation go."""

from __future__ import annotations

import re

_DANGLING = {"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with", "her", "his", "their",
             "my", "is", "then", "from", "by", "into", "will", "she", "he", "they", "be", "also",
             "but", "so", "that", "which", "who", "where", "when", "while", "until", "around", "after", "before",
             "as", "because", "if", "since", "than", "not", "some"}


def tidy(phrase: str) -> str:
    words = re.sub(r"\s+", " ", phrase).strip(" ,;:'-").split(" ")
    while len(words) > 1 and words[-1].lower().strip(",;:'-") in _DANGLING:
        words.pop()
    return " ".join(words).strip(" ,;:'-")
