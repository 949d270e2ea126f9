"""Grounded names: an answer names only the people, places and numbers its prompt holds.

A small model asked what it was never told makes something up, and what it makes up is
mostly names and numbers: "My daughter's name is Lily", "a slice is $2.50", "the bridge
collapsed at 4:58 am near Redwood Creek", "I work at the Marine Life Conservation
Research Center in Portland". Asked what its prompt does hold, the same model often
writes a name of its own rather than the one it read ("I live in Portland" for "I live
at Oak Hill College").

So, while an answer is sampled, a word that begins with a capital letter in the middle
of a sentence (a name, a place, a title), and every number, must be one the prompt
holds (or a word every speaker capitalises: "I", the days, the months). Tokens that
would begin or go on with any other are not sampled. Where they held little of the
model's probability, it takes its next likeliest way on. Where they held most of it
(GIVE_UP), the model meant to name something it was not given, and a name it was given
in its place would be a wrong fact ("My daughter is named Eddy", for a son): the answer
stops there, and the sentence under way is not said. A sentence's first word is free,
capitalised anyway.

It is a decoding constraint, for any model and any scenario: nothing here knows the
prompt's language beyond capital letters and digits. `Vocabulary` is built once per
model (each token's leading separator, its first word, whether more follows);
`Grounding` is one answer's: the words its prompt allows and, at each step, the mask of
tokens that would break the rule after the text so far (numpy, over the whole
vocabulary, a millisecond or two).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Words any speaker capitalises in the middle of a sentence, known without a prompt.
ALWAYS = frozenset(
    "I OK Mr Mrs Ms Dr Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mondays Tuesdays Wednesdays "
    "Thursdays Fridays Saturdays Sundays January February March April May June July August September October "
    "November December".split()
)
# Words after which a full stop does not end the sentence.
ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "Mt", "Jr", "Sr"})
# A word is a run of letters, or a run of digits ("5pm" is "5" and "pm"; "12:30", "12" and "30").
_WORD = re.compile(r"[^\W\d_]+|\d+")
_NAME = re.compile(r"[^\W\d_]*[A-Z][^\W\d_]*|\d+")  # words with a capital letter in them, and numbers
_ENDS = ".!?\"“”¿¡("  # after one of these a word begins a sentence

LETTERS, DIGITS = 1, 2


def _class(ch: str) -> int:
    if ch.isdigit():
        return DIGITS
    if ch.isalpha():
        return LETTERS
    return 0


def known_words(texts: Iterable[str]) -> frozenset[str]:
    """The capitalised words and the numbers in `texts` (a prompt's messages), with ALWAYS."""
    found = set(ALWAYS)
    for text in texts:
        for word in _NAME.findall(text):
            found.update(_WORD.findall(word))
    return frozenset(found)


class Vocabulary:
    """A model's tokens as text, split the way the constraint reads them: the separator
    before a token's first word ("", " ", ". "), that word, and whether anything follows
    it in the token."""

    def __init__(self, pieces: list[str]) -> None:
        n = len(pieces)
        self.pieces = pieces
        self.first: list[str] = [""] * n
        self.cls = np.zeros(n, dtype=np.int8)  # the first word's class (0: the token has none)
        self.joined = np.zeros(n, dtype=bool)  # no separator: the token goes on with the word before it
        self.ends = np.zeros(n, dtype=bool)  # its separator ends a sentence
        self.capital = np.zeros(n, dtype=bool)  # its first word begins with a capital letter
        self.more = np.zeros(n, dtype=bool)  # something follows its first word
        self.by_text: dict[str, list[int]] = {}
        for token, piece in enumerate(pieces):
            self.by_text.setdefault(piece, []).append(token)
            match = _WORD.search(piece)
            if match is None:
                continue
            sep, word = piece[:match.start()], match.group(0)
            self.first[token] = word
            self.cls[token] = _class(word[0])
            self.joined[token] = sep == ""
            self.ends[token] = any(ch in _ENDS for ch in sep)
            self.capital[token] = word[0].isupper()
            self.more[token] = match.end() < len(piece)


# When the tokens ruled out hold more of the model's probability than this, it is not a
# word it happened to reach for but what it means to say: it would name what it was not
# given. The answer stops there (BatchEngine), and what reads it keeps its whole
# sentences before (dialogue.py): a sentence the model meant to make up is not said.
GIVE_UP = 0.5


@dataclass
class Grounding:
    """One answer's constraint: `banned(text)` is the mask of tokens not to sample next."""

    vocabulary: Vocabulary
    known: frozenset[str]
    give_up: float = GIVE_UP

    def __post_init__(self) -> None:
        v = self.vocabulary
        self._prefixes = {w[:i] for w in self.known for i in range(1, len(w) + 1)}
        # Whether each token's first word, begun anew, fails: not a prefix of a known word
        # if the token ends with it, not a known word if more follows it in the token.
        fails = np.zeros(len(v.pieces), dtype=bool)
        for token in np.flatnonzero((v.cls == DIGITS) | v.capital):
            word = v.first[token]
            fails[token] = word not in (self.known if v.more[token] else self._prefixes)
        self._fails_initial = fails & (v.cls == DIGITS)  # at a sentence's start, numbers only
        self._fails_mid = fails & ((v.cls == DIGITS) | ((v.cls == LETTERS) & v.capital))

    def banned(self, text: str) -> np.ndarray:
        """The tokens that, after `text` (the answer so far), would write a capitalised word
        in mid-sentence or a number that the prompt does not hold."""
        v = self.vocabulary
        tail = re.search(r"(?:[^\W\d_]+|\d+)$", text)
        word = tail.group(0) if tail else ""
        before = text[:len(text) - len(word)]
        at_start = _begins_sentence(before)
        # A token with no separator goes on with the word being written (if of its class).
        new_word_initial = _begins_sentence(text) if not word else False
        ban = np.where(v.ends, self._fails_initial,
                       self._fails_initial if new_word_initial else self._fails_mid)
        if not word:
            return ban
        cls = _class(word[0])
        same = v.joined & (v.cls == cls)
        constrained = cls == DIGITS or (word[0].isupper() and not at_start)
        if not constrained:
            return np.where(same, False, ban)
        # A name or number under way: it may go on only towards a known word, and end
        # only if it is one.
        ban = ban | same if word in self.known else np.ones_like(ban)
        for known in self.known:
            if len(known) > len(word) and known.startswith(word):
                rest = known[len(word):]
                for i in range(1, len(rest) + 1):
                    for token in v.by_text.get(rest[:i], ()):
                        ban[token] = False
        return ban


def _begins_sentence(text: str) -> bool:
    """Whether a word written right after `text` begins a sentence."""
    text = text.rstrip()
    if not text:
        return True
    if text[-1] not in _ENDS:
        return False
    if text[-1] == ".":
        last = re.search(r"([^\W\d_]+)\.$", text)
        return not (last and last.group(1) in ABBREVIATIONS)
    return True


def whole_sentences(text: str) -> str:
    """`text` up to the end of its last whole sentence ("" if it has none): what stands of
    an answer that stopped where the model meant to make a name up (or ran out of
    length). "Dr." and the like end no sentence."""
    text = text.strip()
    ends = [m.end() for m in re.finditer(r"[.!?][\"'”]?(?=\s|$)", text)
            if not m.group(0).startswith(".") or _begins_sentence(text[:m.start() + 1])]
    return text[:ends[-1]] if ends else ""

