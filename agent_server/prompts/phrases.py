"""Tidying the short phrases small models write inside grammars: a length bound can cut a
phrase mid-way ("walk in", "have a lunch, a"), so trailing joining words and punctuation go."""

from __future__ import annotations

import re

_DANGLING = {"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with", "her", "his", "their",
             "my", "is", "then", "from", "by", "into", "will", "she", "he", "they", "be", "also",
             "but", "so", "that", "which", "who", "where", "when", "while", "until", "around", "after", "before",
             "as", "because", "if", "since", "than", "not", "some"}


def tidy(phrase: str, cap: int = 0) -> str:
    """`phrase` without trailing joining words and punctuation; where it reached `cap`
    characters (its grammar's bound), without its last word too, which may be cut
    ("spend the evening in my flat on the f")."""
    words = re.sub(r"\s+", " ", phrase).strip(" ,;:'-").split(" ")
    if cap and len(phrase) >= cap and len(words) > 1:
        words.pop()
    while len(words) > 1 and words[-1].lower().strip(",;:'-") in _DANGLING:
        words.pop()
    return " ".join(words).strip(" ,;:'-")


# Words an action may open with that are not a verb to put in the progressive: what one
# is at ("lunch at the cafe": having lunch), or already says how ("at work", "on a walk").
_MEALS = {"breakfast", "brunch", "lunch", "dinner", "supper", "tea", "coffee", "snack", "drinks"}
_NOT_VERBS = {"a", "an", "the", "at", "in", "on", "out", "off", "away", "home", "idle", "asleep", "awake", "busy",
              "with", "by", "from", "to", "for", "about", "around", "still", "just", "not", "no", "some", "my",
              "her", "his", "their", "our", "its", "all", "both", "each", "every", "another", "other"}
# Where a second verb follows in an action ("wake up and get ready; then walk to work"):
# after "then" or a semicolon, and after "and" where an everyday verb follows ("bread
# and cakes" is no second action).
_EVERYDAY_VERBS = ("get|go|have|make|take|walk|read|eat|chat|talk|write|bake|clean|do|see|meet|sit|come|buy|sell|"
                   "open|close|fix|help|check|prepare|finish|start|visit|leave|return|relax|wash|tidy|practise|"
                   "practice|greet|serve|listen|think|sing|sweep|grab")  # none often a noun ("food and drink")
_THEN = re.compile(rf"(\b(?:and )?then |; |\band (?=(?:{_EVERYDAY_VERBS})\b))(?=[a-z])")
_VOWELS = set("aeiou")


def _ing(verb: str) -> str:
    """`verb` (a base form) with -ing: bake -> baking, sit -> sitting, lie -> lying,
    see -> seeing, visit -> visiting."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    vowels = [c for c in verb if c in _VOWELS]
    if (len(vowels) == 1 and len(verb) >= 3 and verb[-1] not in _VOWELS | set("wxy") and verb[-2] in _VOWELS
            and verb[-3] not in _VOWELS):
        return verb + verb[-1] + "ing"  # one syllable ending consonant, vowel, consonant: sit, plan, chat
    return verb + "ing"


def _progressive_clause(clause: str) -> str:
    first, space, rest = clause.partition(" ")
    word = first.lower()
    if not word.isalpha() or word.endswith("ing") or word in _NOT_VERBS:
        return clause
    if word in _MEALS:
        return f"having {clause}"
    return _ing(word) + space + rest


def progressive(action: str) -> str:
    """An action as a plan says it after "will" ("bake pastries for the party", "wake up
    and get ready; then walk to work"), as one says what someone is doing ("baking
    pastries for the party", "waking up and getting ready; then walking to work"): the
    verb that opens it, and each after "then" (or "and", of an everyday verb), in -ing.
    Said as it was, "Isabella is bake pastries" and "You are bake pastries" went into
    memories and prompts, and the model wrote that way. What opens with no verb ("at
    work", "idle") or already in -ing is left as it is; a meal is had ("having lunch at
    the cafe")."""
    parts = _THEN.split(action.strip())
    return "".join(_progressive_clause(p) if i % 2 == 0 else p for i, p in enumerate(parts))
