"""Who an agent is: a fixed identity block written from the scenario.

Every prompt an agent speaks or decides from begins with this block (`Mind.summary`):
its name, age, traits, occupation, home, habits, relationships and what it means to do
(its seeds), then the plan item it is on. It is written from the scenario, never by the
model: the daily model-written summary (planning.refresh_summary) adds how the agent
feels lately, and cannot replace who it is. A small model asked to rewrite a persona
loses what matters (a 135M model's summary of Isabella left out her Valentine's Day
party and called her a writer), and what is lost from the prompt is lost from the
agent's words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from simulacra.v1 import agents_pb2


@dataclass(frozen=True)
class Identity:
    name: str
    persona: str = ""
    age: int = 0
    traits: tuple[str, ...] = ()
    occupation: str = ""
    # Where the agent lives, in words: "Isabella Rodriguez's apartment, Oak Hill Apartments".
    home: str = ""
    # Who shares its home's room with it (a spouse in the same bedroom), by name: the
    # town says so (Scenario.housemates), and the agent answers "Who do you live with?"
    # from it.
    housemates: tuple[str, ...] = ()
    habits: str = ""
    # Each a sentence from the scenario: "Sam Moore and Jennifer Moore have been married ...".
    relationships: tuple[str, ...] = ()
    # What it means to do: its seeds ("Isabella Rodriguez is planning a party ...").
    intentions: tuple[str, ...] = ()
    # The names of the other people in its world (Scenario.identity).
    people: tuple[str, ...] = ()
    # Their pronouns where their scenario's text says ("she", "he"), by name: a pronoun
    # of the agent's own after the agent, where nobody it could be is named before it,
    # is the agent's (in_first_person).
    pronouns: tuple[tuple[str, str], ...] = ()

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @classmethod
    def of_agent(cls, agent: agents_pb2.Agent, home: str = "", relationships: tuple[str, ...] = (),
                 intentions: tuple[str, ...] = (), people: tuple[str, ...] = (),
                 housemates: tuple[str, ...] = (), pronouns: tuple[tuple[str, str], ...] = ()) -> "Identity":
        return cls(name=agent.name, persona=" ".join(agent.persona.split()), age=agent.age,
                   traits=tuple(agent.traits), occupation=agent.occupation, home=home, housemates=housemates,
                   habits=" ".join(agent.lifestyle.split()), relationships=relationships, intentions=intentions,
                   people=people, pronouns=pronouns)

    @cached_property
    def pronoun(self) -> str:
        """"she", "he", or "" where the scenario's text does not say (read once: the
        identity is fixed)."""
        return _pronoun_of(self.name, (self.persona, self.habits, *self.intentions))

    def of_self(self, text: str) -> str:
        """`text` (a memory, a plan item) as the agent says it of itself: in_first_person."""
        return in_first_person(text, self.name, self.pronoun, self.people, opens_on_self=True,
                               pronouns=self._pronouns_by_name)

    @cached_property
    def _pronouns_by_name(self) -> dict[str, str]:
        return dict(self.pronouns)

    def own_words(self) -> str:
        """The identity block in the first person, for the prompts the agent speaks to the
        player from (a model copies the person it reads)."""
        return "\n".join(label + said for label, said in self.own_lines())

    def own_lines(self) -> list[tuple[str, str]]:
        """own_words' lines, each as its label ("My days: ", or "") and what it says."""
        details = [str(self.age) if self.age else "", and_list(list(self.traits)) if self.traits else ""]
        lines = [("", f"I'm {', '.join([self.name, *(d for d in details if d)])}.")]
        facts = []
        if self.occupation:
            # Said as work: asked "What do you do for a living?", the default model read
            # "I'm the owner of Hobbs Cafe." as no likelier an answer than as one to
            # nothing asked (a mean of 0.2 nats over eight occupations and eight ways of
            # asking), and "As for work, I'm ..." as 3.5 (answering.py weighs both).
            facts.append(_resolved_to_self(f"As for work, I'm {with_article(self.occupation)}", self.pronoun,
                                           self._pronouns_by_name))
        if self.home:
            facts.append(f"I live at {self.of_self(self.home)}")
        if self.housemates:
            facts.append(f"I live with {and_list(list(self.housemates))}")
        if facts:
            # A sentence each: each answers a question of its own ("Where do you live?").
            lines.append(("", " ".join(f"{fact}." for fact in facts)))
        for label, texts in (("", (self.persona,)), ("My days: ", (self.habits,)),
                             ("The people in my life: ", self.relationships)):
            said = " ".join(_sentence(self.of_self(t)) for t in texts if t)
            if said:
                lines.append((label, said))
        # What it means to do, said as its plans where it speaks of what it will do (not
        # of what it knows: "I heard head office froze raises"): asked "Do you have any
        # plans?" and seven other ways, the default model read six seeds' first sentences
        # as a mean of -0.4 nats likelier an answer than to nothing asked, and "As for my
        # plans, I ..." as 1.0 (27% reaching answering.ANSWERS_NATS, against 6%), with
        # nothing else asked read as answered by it. Each seed is read on its own: one
        # that says what it knows before one that says what it means to do ("Jennifer and
        # I have been married ...", then "I have decided to run for mayor ...") leaves the
        # plan framed as a plan.
        seeds = [_sentence(self.of_self(t)) for t in self.intentions if t]
        known = " ".join(s for s in seeds if not _INTENDS.match(s))
        if known:
            lines.append(("What I mean to do: ", known))
        lines += [("", f"As for my plans, {s}") for s in seeds if _INTENDS.match(s)]
        return lines

    def block(self) -> str:
        """The identity in a few plain lines, third person (prompts say "You are <name>"
        before it where the agent speaks)."""
        who = self.name
        details = [str(self.age) if self.age else "", ", ".join(self.traits)]
        details = [d for d in details if d]
        if details:
            who += f" ({'; '.join(details)})"
        facts = []
        if self.occupation:
            facts.append(f"is {with_article(self.occupation)}")
        if self.home:
            with_whom = f" with {and_list(list(self.housemates))}" if self.housemates else ""
            facts.append(f"lives at {self.home}{with_whom}")
        lines = [f"{who} {' and '.join(facts)}." if facts else f"{who}."]
        if self.persona:
            lines.append(self.persona)
        if self.habits:
            lines.append(f"Habits: {self.habits}")
        if self.relationships:
            lines.append("People: " + " ".join(_sentence(r) for r in self.relationships))
        if self.intentions:
            lines.append("Intends: " + " ".join(_sentence(i) for i in self.intentions))
        return "\n".join(lines)

    def known_names(self) -> set[str]:
        """The capitalised words of the identity (names of people and places it knows),
        which an answer may use without inventing them."""
        words = set()
        for text in (self.name, self.persona, self.occupation, self.home, self.habits,
                     *self.relationships, *self.intentions):
            words.update(w.strip(".,;:'\"()") for w in text.split() if w[:1].isupper())
        return {w for w in words if w}


# A sentence in which the agent says what it is doing or will do ("I am holding a party
# ...", "I have decided to run for mayor ..."), not what it knows or did.
_INTENDS = re.compile(r"I(?:'m| am) (?:about to |going to |)\w+ing\b|I(?:'ve| have) decided\b|"
                      r"I(?:'ll| will| want| plan| intend| mean| hope)\b")


def and_list(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def with_article(occupation: str) -> str:
    """"the owner of Hobbs Cafe" stays; "pharmacist" becomes "a pharmacist", "engineer" "an
    engineer"."""
    head = occupation.split()[0].lower() if occupation.split() else ""
    if head in {"a", "an", "the", "my", "his", "her", "their"}:
        return occupation
    return ("an " if occupation[:1].lower() in "aeiou" else "a ") + occupation


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


# ---- the identity in the agent's own words ---------------------------------------------
#
# What the agent says to the player is read from prompts written about it in the third
# person ("Isabella Rodriguez is the owner of Hobbs Cafe. She ..."), and a model copies
# what it reads: asked "where do you live?", a 0.5B model answered "Isabella lives in the
# Oak Hill Apartments." (22 of 103 answers in the believability benchmark spoke of the
# agent in the third person). The prompts the agent speaks to the player from carry its
# identity and its memories of itself in the first person instead, rewritten by rule:
# sentences whose subject is the agent ("Isabella Rodriguez is", "She loves", "Sam Moore
# and Jennifer Moore have") get "I" and the verb agreeing with it; "Isabella's" and the
# agent's own "her"/"his" become "my"; its name after a preposition becomes "me". What
# the rule cannot tell (a "she" that may be someone else) stays as written.

_ADVERBS = {"also", "always", "often", "never", "still", "usually", "sometimes", "now", "just", "really",
            "quietly", "even", "already", "rarely", "seldom", "mostly", "generally", "currently"}
_IRREGULAR = {"is": "am", "has": "have", "does": "do", "goes": "go", "was": "was", "isn't": "am not",
              "doesn't": "don't", "hasn't": "haven't", "wasn't": "wasn't", "says": "say"}
# What follows a coordinated "-s" word when it is a verb ("and loves helping", "and runs
# a team", ", reads the paper"), not a plural noun ("streets and gardens of"): an object
# or a gerund; a preposition counts only where the word before the joiner is not itself
# a plural ("his friends and neighbours about").
_OBJECT_STARTS = {"the", "a", "an", "his", "her", "their", "its", "my", "him", "them", "it", "people", "everyone",
                  "everybody", "home", "up", "out", "most", "all", "some", "every", "each", "this", "that",
                  "there", "when", "what", "how", "why", "whether", "if", "as", "to"}
_LINKS = {"in", "at", "with", "on", "about", "from", "by", "for", "into", "over", "around", "through", "across",
          "along", "past", "down", "back", "until", "after", "before"}
# Plurals that end a phrase of time ("for twenty-five years", "most evenings"): a
# coordinated "-s" word after one is not a plural of a list with it ("... for years and
# lives in the house", "... most evenings and talks politics").
_TIMES = {"years", "months", "weeks", "days", "hours", "minutes", "decades", "mornings", "afternoons", "evenings",
          "nights", "weekends", "weekdays", "times", "ages"}
_PREPOSITIONS = {"to", "with", "at", "for", "about", "from", "by", "of", "asked", "told", "met", "saw",
                 "tells", "asks", "meets", "sees", "helps", "helped", "invited", "invites", "thanked", "like",
                 "than", "behind", "beside", "near", "after", "before", "against", "toward", "towards"}
# Words after "her" that make it an object ("ask her for advice"), not a possessive.
_NOT_OWNED = "|".join(sorted(_LINKS | {"to", "for", "of", "and", "or", "but", "a", "an", "the", "that", "this", "what",
                                       "how", "why", "when", "if", "so", "too", "again", "up", "out", "off", "away"}))
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
# A capitalised word, of a name or a place: names of several words are runs of it.
_NAME_WORD = r"[A-Z][\w'-]*"


def _agreeing(verb: str) -> str:
    """The verb of a third-person singular subject as it goes with "I"."""
    lower = verb.lower()
    if lower in _ADVERBS:
        return verb
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if not lower.endswith("s") or lower.endswith(("ss", "us", "is")) or len(lower) < 3:
        return verb  # "walked", "will", "can": the same with "I"
    if lower.endswith("ies") and len(lower) > 4:
        return verb[:-3] + "y"
    if lower.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def _with_i(rest: str) -> str:
    """`rest` (what follows the subject) with its verb agreeing with "I": adverbs before
    the verb are kept ("often has" → "often have")."""
    words = rest.split(" ")
    for i, word in enumerate(words):
        bare = word.strip(",;.!?")
        if not bare:
            continue
        if bare.lower() in _ADVERBS or (bare.lower().endswith("ly") and bare.lower() not in {"fly", "apply", "reply"}):
            continue
        words[i] = word.replace(bare, _agreeing(bare), 1) if bare[:1].islower() else word
        break
    return " ".join(words)


# A joiner ("and", "but", "or", "then", a comma), an adverb perhaps, the word joined, and
# the word after it (_joined_verbs).
_JOINED = re.compile(rf"(?:\b(\w+))?(?:,? \b(?:and|but|or|then)\b|,) ((?:{'|'.join(sorted(_ADVERBS))}) )?"
                     r"([a-z]\w*)(?:(?= (\w+)))?")


# Where a clause of another subject begins inside the agent's ("... told him the boiler is
# twenty years old and needs replacing", "... a cafe that opens at 8 and closes ..."): the
# verbs joined after it, up to a comma, are that subject's ("... until the cafe closes at
# 8 pm, then walks home": the agent's again).
_OTHER_CLAUSE = re.compile(r"\b(?:the|a|an|his|her|their|its|this|these)\s+(?:[a-z]+\s+)?"
                           r"(?:is|was|are|were|has|had|have|does|did|needs|needed|seems|looks)\b|"
                           r"\b(?:that|which|until|when|while|because|if|since|after|before|once)\s+"
                           r"(?:the|a|an|his|her|their|its|this|these|[A-Z][\w'-]*)\s+(?:[a-z]+\s+)?[a-z]+s\b")


# Words that may follow a plural noun directly ("pastries and cakes that ...", "friends
# and neighbours alike"): after a coordinated "-s" word, they do not make it a verb.
_AFTER_PLURALS = {"and", "or", "but", "nor", "that", "which", "who", "whom", "whose", "too", "alike", "here", "there",
                  "together", "of", "than", "as", "so", "then", "while", "when", "where", "because", "since", "if",
                  "though", "although", "online", "nearby", "abroad", "today", "tonight", "outside", "inside",
                  "downtown", "instead", "again", "galore", "aplenty"}
# A subject pronoun after a coordinated "-s" word begins its clause: the word is a verb
# ("... and wishes he knew more people").
_SUBJECTS = {"he", "she", "they", "we", "you", "i"}


def _joined_verbs(rest: str) -> str:
    """The verbs joined to the first agreeing with "I" too: "... and loves helping
    people", "..., reads the paper and walks home"; not those of another subject's clause
    within it (_OTHER_CLAUSE)."""
    others = []  # (where another subject's clause begins, the comma that ends it or the end)
    for m in _OTHER_CLAUSE.finditer(rest):
        comma = rest.find(",", m.end())
        others.append((m.start(), comma if comma >= 0 else len(rest)))

    def joined(m: re.Match) -> str:
        before, adverb, word, after = m.group(1) or "", m.group(2), m.group(3), m.group(4) or ""
        if any(start < m.start(3) < end for start, end in others):
            return m.group(0)
        lower, following = word.lower(), after.lower()
        # An adverb between the joiner and the word makes it a verb ("and sometimes has").
        # So does a plural object after it ("and bakes pastries", "and runs errands"),
        # unless the word before the joiner is a plural noun too ("cats and dogs ..."),
        # not one of time ("for years and lives in ...").
        # After a clock's time too ("wakes up at 8 am, studies biology ...").
        # A lowercase word after it that is neither a link nor what may follow a plural
        # ("and plays online chess", "and helps half the town", "and cooks simple meals")
        # makes it a verb too, where more of the clause follows that word; so does a
        # subject pronoun. A name before the joiner ("in the Oak Hill Apartments and
        # writes at ...") is no list of plural nouns with a lowercase word.
        further = m.string[m.end(3):].lstrip()
        more = re.match(r"[\w'-]+\s+[\w'-]", further) is not None
        content = (following.isalpha() and following.islower() and following not in _LINKS
                   and following not in _AFTER_PLURALS and not following.endswith("ly") and more)
        listed = before.lower().endswith("s") and before.lower() not in _TIMES and not before[:1].isupper()
        verb = lower in _IRREGULAR or (
            lower.endswith("s") and (bool(adverb) or before.lower() in ("am", "pm") or following in _OBJECT_STARTS
                                     or following.endswith("ing")
                                     or after[:1].isupper() or following in _SUBJECTS or content
                                     or ((following in _LINKS or following.endswith("s")) and not listed)))
        if not verb:
            return m.group(0)
        start = m.start(3) - m.start(0)
        return m.group(0)[:start] + _agreeing(word) + m.group(0)[start + len(word):]
    return _JOINED.sub(joined, rest)


# The pronoun each of its forms is of (_pronoun_of).
_PRONOUN_OF = {"she": "she", "her": "she", "herself": "she", "he": "he", "his": "he", "him": "he", "himself": "he"}


def _pronoun_of(name: str, texts: tuple[str, ...]) -> str:
    """"she", "he" or "" (unknown): the pronoun (or its possessive: "Her radiators have
    been cold ...") that opens the sentence after one about `name`; else the first that a
    sentence opening with `name` holds before anyone else is named in it ("Grace sleeps in
    the morning after her night shift")."""
    first = name.split()[0]
    split = [_SENTENCE.split(" ".join(text.split())) for text in texts]
    for sentences in split:
        for before, after in zip(sentences, sentences[1:]):
            if before.startswith((name, first)):
                head = after.split(" ", 1)[0].lower()
                if head in _PRONOUN_OF:
                    return _PRONOUN_OF[head]
    for sentences in split:
        for sentence in sentences:
            if sentence.startswith((name, first)):
                words = re.findall(r"[\w'-]+", sentence[len(name if sentence.startswith(name) else first):])
                for word in words:
                    if word[0].isupper():
                        break  # someone else named: whose pronoun follows is not known
                    if word in _PRONOUN_OF:
                        return _PRONOUN_OF[word]
    return ""


# A pronoun's possessive ("her regulars", "His shop ...").
_POSSESSIVE = {"she": "her", "he": "his"}


def _own_pronouns(text: str, pronoun: str) -> str:
    """`text` with the agent's pronoun ("she", "he"), its possessive before a noun
    ("her regulars") and its reflexive in the first person."""
    possessive = _POSSESSIVE[pronoun]
    reflexive = {"she": "herself", "he": "himself"}[pronoun]
    text = re.sub(rf"\b{pronoun} (\w+)", lambda m: "I " + _with_i(m.group(1)), text)
    text = re.sub(rf"\b{possessive} (?=[a-z])(?!(?:{_NOT_OWNED})\b)", "my ", text)
    return re.sub(rf"\b{reflexive}\b", "myself", text)


# A phrase of when or where that opens a sentence before its subject ("In the evening ",
# "On Saturdays, ", "After work ").
_OPENERS = ("In", "On", "At", "After", "Before", "During", "Every", "Most", "Each", "Some", "Once", "Later", "Then")
_OPENING_PHRASE = re.compile(rf"(?:{'|'.join(_OPENERS)}|Afterwards)"
                             r"\b[^,;.]{0,40}?(?:, | (?=(?:she|he|[A-Z][\w'-]*) ))")


def in_first_person(text: str, name: str, pronoun: str = "", people: tuple[str, ...] = (),
                    *, opens_on_self: bool = False, pronouns: Mapping[str, str] | None = None) -> str:
    """`text`, about the agent called `name` (whose pronoun is `pronoun`, "she" or "he",
    or "" if unknown), as the agent would say it of itself. `people`: the names of others
    in its world; after one of them in a sentence, "her" or "his" may be theirs, and is
    left as it is. `opens_on_self`: a first sentence that opens with the pronoun is about
    the agent (a memory split from its persona: "She loves making people feel welcome.").
    `pronouns`: the pronouns of those of `people` whose scenario says; with them, a
    pronoun of the agent's after the agent, where nobody it could be is named before it,
    is the agent's (_resolved_to_self)."""
    first = name.split()[0]
    own = rf"(?:{re.escape(name)}|{re.escape(first)})(?!\w)"
    other = rf"{_NAME_WORD}(?: {_NAME_WORD})*"
    subject_pronoun = pronoun.capitalize() if pronoun else None
    out = []
    about_self = opens_on_self
    # A clause after a semicolon whose subject is the agent's pronoun ("John Lin is Eddy
    # Lin's father; he wishes ...") is read as a sentence of its own, and joined back.
    pieces = []
    for sentence in _SENTENCE.split(" ".join(text.split())):
        parts = re.split(rf"; (?={pronoun} )", sentence) if pronoun else [sentence]
        pieces += [(part[:1].upper() + part[1:] if i else part, i > 0) for i, part in enumerate(parts)]
    for sentence, joined in pieces:
        rest = None
        subjects: list[str] = []  # others _their_clause found
        # A sentence may open on when or where ("In the evening she walks ..."): the
        # phrase is kept before the subject.
        lead = ""
        if (m := _OPENING_PHRASE.match(sentence)) and (re.match(rf"{own} ", sentence[m.end():]) or (
                subject_pronoun and about_self and sentence[m.end():].startswith(f"{pronoun} "))):
            lead, sentence = m.group(0), sentence[m.end():]
            sentence = sentence[:1].upper() + sentence[1:]
        if m := re.match(rf"{own}'s\b", sentence):
            sentence = "My" + sentence[m.end():]
            about_self = False
        elif m := re.match(rf"(?:{own} and ({other})|({other}) and {own})\b", sentence):
            # The two of them are "we" after: "Mei Lin and I ... with our son Eddy".
            after = re.sub(r"\b(?:their|them|themselves)\b",
                           lambda w: {"their": "our", "them": "us", "themselves": "ourselves"}[w.group(0)],
                           sentence[m.end():])
            sentence = f"{m.group(1) or m.group(2)} and I" + after
            about_self = False
        elif m := re.match(rf"{own} ", sentence):
            rest, about_self = sentence[m.end():], True
        elif subject_pronoun and about_self and (m := re.match(rf"{subject_pronoun} ", sentence)):
            rest = sentence[m.end():]
        elif subject_pronoun and about_self and (m := re.match(rf"{_POSSESSIVE[pronoun].capitalize()} (?=[a-z])",
                                                               sentence)):
            # Its own things after a sentence about it: "Her radiators have been cold ...".
            sentence = "My " + _own_pronouns(sentence[m.end():], pronoun)
        else:
            about_self = False
        if rest is not None:
            rest = _with_i(rest)
            rest = _joined_verbs(rest)
            if pronoun:
                # The agent's own "she loves ...", "her regulars" later in the sentence,
                # up to the first other person it names.
                others = [m.start() for n in people for w in {n, n.split()[0]} if w and w not in name.split()
                          for m in re.finditer(rf"\b{re.escape(w)}\b", rest)]
                cut = min(others, default=len(rest))
                # Someone the text names who is none of `people` (a son who is no agent), as
                # the subject of a clause before a helping verb ("he wishes Eddy would talk
                # to him more about his music"): that clause is theirs, up to its end.
                if (theirs := _their_clause(rest[:cut], name)) is not None:
                    start, end, who = theirs
                    subjects.append(who)
                    head = (_own_pronouns(rest[:start], pronoun) + rest[start:end]
                            + _own_pronouns(rest[end:cut], pronoun))
                else:
                    head = _own_pronouns(rest[:cut], pronoun)
                tail = rest[cut:]
                # The agent as the object of a clause of its own people ("..., and my
                # neighbours come to him", "..., and my friends ask her for advice"); a
                # "her" with a noun after it is a possessive, and was made "my".
                head = re.sub(rf"(, (?:and|but) my [a-z]+ [^,.;]*?)\b{'him' if pronoun == 'he' else 'her'}\b"
                              rf"(?!\s+(?!(?:{_NOT_OWNED})\b)[a-z])", r"\1me", head)
                rest = head + tail
            sentence = "I " + rest
        if lead:
            sentence = lead + (sentence if sentence.startswith("I ") else sentence[:1].lower() + sentence[1:])
        sentence = re.sub(rf"\b{own}'s\b", "my", sentence)
        # "..., and Isabella knows his order": a subject of its own.
        sentence = re.sub(rf"\b(and|but|so|while|when) {own} ([a-z]\w*)",
                          lambda m: f"{m.group(1)} I {_agreeing(m.group(2))}", sentence)
        objects = []

        def as_object(m: re.Match) -> str:
            if m.group(1).lower() in _PREPOSITIONS or m.group(1).lower().endswith("ed") or m.group(1) == "and":
                objects.append(m.start())
                return f"{m.group(1)} me"
            return m.group(0)

        sentence = re.sub(rf"\b(\w+) {own}", as_object, sentence)
        if objects and pronoun and rest is None:
            # Told something of itself ("Head office told Dana that raises are tight: she
            # can give one raise on her team"): its pronoun after, up to another person
            # named, is the agent's own, where nobody else is named before it.
            at = objects[0] + sentence[objects[0]:].index(" me") + 3
            others = [m.start() for n in people for w in {n, n.split()[0]} if w and w not in name.split()
                      for m in re.finditer(rf"\b{re.escape(w)}\b", sentence)]
            # Not where someone is named before ("Priya told Dana that she wants ...":
            # whose "she" is not known).
            cut = min([o for o in others if o >= at], default=len(sentence)) if not any(o < at for o in others) else at
            sentence = sentence[:at] + _own_pronouns(sentence[at:cut], pronoun) + sentence[cut:]
        if pronoun and (rest is not None or objects):
            sentence = _bound_to_self(sentence, pronoun, [n for n in people if n != name] + subjects)
        # The agent and its partner are "we" after: "with my wife Mei, a college
        # professor, and their son Eddy" is "our son".
        sentence = _OUR_CHILD.sub(r"\1our", sentence)
        if joined and out:
            # A clause after a semicolon goes on the sentence ("...; he wishes ...").
            sentence = re.sub(r"^(?:He|She|They)\b", lambda m: m.group(0).lower(), sentence)
            out[-1] = f"{out[-1]}; {sentence}"
        else:
            out.append(sentence)
        if pronoun and pronouns is not None:
            out[-1] = _resolved_to_self(out[-1], pronoun, pronouns)
    return " ".join(out)


# Words after "her" that make it the object, not a possessive ("lived with her since").
_NOT_A_NOUN = "|".join(sorted({"since", "because", "while", "as", "than", "though", "although", "unless", "once",
                               "twice", "more", "less", "very", "all", "both", "now", "then", "today", "tonight",
                               "yesterday", "tomorrow", "here", "there", "later", "soon", "still", "again", "who",
                               "which", "where", "whenever", "every", "each", "anything", "everything", "nothing",
                               "something", "well", "much", "enough", "alone", "herself"}))
# Where the agent is spoken of in a sentence in the first person already.
_OF_SELF = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|myself)(?![\w'])")


# A capitalised word or run of them (a name, a place, a sentence's first word).
_CAPITALISED = re.compile(rf"\b{_NAME_WORD}(?:\s+{_NAME_WORD})*")
# Before a capitalised run, what makes it a place ("at Hobbs Cafe", "the Oak Hill
# Apartments"), not someone.
_PLACE_BEFORE = re.compile(r"\b(?:the|at|in|into|from|near|by|of|outside|behind|beside|around|through|across)\s+$",
                           re.IGNORECASE)
# The last word of a place's name ("Hobbs Cafe", "Johnson Park").
_PLACE_NOUNS = {"cafe", "café", "park", "house", "store", "shop", "market", "pub", "bar", "inn", "hotel", "college",
                "school", "university", "library", "office", "offices", "hall", "street", "road", "square", "garden",
                "gardens", "apartments", "flats", "dorm", "space", "church", "hospital", "clinic", "station",
                "bakery", "restaurant", "pharmacy", "farm", "museum", "theatre", "theater", "gym", "club", "centre",
                "center", "building", "tower", "bridge", "beach", "lake", "river", "town", "city"}
# Capitalised words that are no one: the agent, and words that open a sentence or clause.
_NO_ONE = {"I", "I'm", "I've", "I'd", "I'll", "My", "The", "A", "An", *_OPENERS, "As", "When", "While", "What", "This",
           "That", "These", "Those", "Her", "His", "He", "She", "They", "It", "We", "Our", "Their", "Its"}


# Someone named as the subject of a clause, before a helping verb ("Eddy would talk").
_SUBJECT_NAMED = re.compile(rf"\b({_NAME_WORD}(?: {_NAME_WORD})?) (?=(?:would|will|could|can|should|might|may|"
                            r"must|does|did|is|was|has|had)\b)")


def _their_clause(text: str, name: str) -> tuple[int, int, str] | None:
    """Where in `text` (what follows the agent as a subject) a clause begins whose subject
    is someone named who is not the agent and may be a person (not a place: "Hobbs Cafe
    is ..."), and where it ends (a comma, semicolon, stop, "and" or "but"), with the
    name; None if none does."""
    own = set(name.split())
    for m in _SUBJECT_NAMED.finditer(text):
        words = m.group(1).split()
        if words[0] in _NO_ONE or set(words) & own or not _may_be_someone(m, set(), set()):
            continue
        end = re.search(r"[,;.]|\b(?:and|but)\b", text[m.end():])
        return m.start(), m.end() + (end.start() if end else len(text) - m.end()), m.group(1)
    return None


def _may_be_someone(run: re.Match, unlike: set[str], known: set[str]) -> bool:
    """Whether a capitalised run of a sentence may name someone whose pronoun is the
    agent's: not one known by the other pronoun, not a place (after "at", "the" ..., or
    named as one: "Hobbs Cafe") unless it is someone `known` ("Kim Park"), not the agent
    or a word that opens a sentence."""
    name = re.sub(r"'s$", "", run.group(0))
    words = name.split()
    if all(w in _NO_ONE or w in unlike for w in words) or name in unlike:
        return False
    if name in known or any(w in known for w in words if w not in _NO_ONE):
        return True
    return words[-1].lower() not in _PLACE_NOUNS and _PLACE_BEFORE.search(run.string[:run.start()]) is None


def _resolved_to_self(sentence: str, pronoun: str, pronouns: Mapping[str, str]) -> str:
    """`sentence` with each pronoun of the agent's ("she", "her", "herself") that
    follows the agent (I, me, my) made the agent's own ("I", "me", "my", "myself"),
    where no one it could be is named before it in the sentence: someone whose pronoun
    is the agent's or not known (`pronouns`, by name; a name not in it counts as one
    not known, a place does not). "I am married to Tom Moreno and live in the Moreno
    Family House, where she grows seedlings" is "where I grow seedlings"; in "I have
    managed Priya Sharma ... and trust her judgement" the "her" may be Priya's, and
    stays."""
    if pronoun not in ("she", "he"):
        return sentence
    forms = {"she": ("she", "her", "hers", "herself"), "he": ("he", "him", "his", "himself")}[pronoun]
    own_form = re.compile(rf"\b(?:{'|'.join(forms)})\b", re.IGNORECASE)
    other_gender = "he" if pronoun == "she" else "she"
    # Names known to be of the other pronoun: they are no one the agent's pronoun is.
    unlike = {w for n, p in pronouns.items() if p == other_gender for w in (n, *n.split())}
    known = {w for n, p in pronouns.items() if p != other_gender for w in (n, *n.split())}
    out, at = [], 0
    for m in own_form.finditer(sentence):
        before = sentence[:m.start()]
        if len(re.findall(r'["“”]', before)) % 2:
            continue  # Within what someone said: their words, not the agent's.
        if not _OF_SELF.search(before) or any(_may_be_someone(c, unlike, known) for c in _CAPITALISED.finditer(before)):
            continue
        word, after = m.group(0).lower(), sentence[m.end():]
        if word == pronoun:
            # Its verb agrees with "I" ("she grows" is "I grow").
            verb = re.match(r" (\S+)", after)
            out.append(sentence[at:m.start()] + "I" + (" " + _with_i(verb.group(1)) if verb else ""))
            at = m.end() + (verb.end() if verb else 0)
            continue
        owned = re.match(rf"\s+(?!(?:{_NOT_OWNED}|{_NOT_A_NOUN})\b)[a-z]", after) is not None  # "her work"
        if not owned and word in ("him", "her") and re.search(r"\bI\s+(?:[a-z]+\s+){1,3}$", before):
            continue  # "I also told him ...": the one told is not the agent (that is "myself").
        if word in ("herself", "himself"):
            replaced = "myself"
        elif word == "hers" or (word == "his" and not owned):
            replaced = "mine"
        elif word == "his" or (word == "her" and owned):
            replaced = "my"
        else:
            replaced = "me"
        if m.group(0)[:1].isupper():
            replaced = replaced[:1].upper() + replaced[1:]
        out.append(sentence[at:m.start()] + replaced)
        at = m.end()
    return "".join(out) + sentence[at:]


def _bound_to_self(sentence: str, pronoun: str, others: list[str]) -> str:
    """`sentence`, about the agent, with its object pronoun ("him", "her" not before a
    noun) made "me" where one other person is named before it in the sentence and is the
    subject of the clause it is in: that person it cannot be (they would be "himself"),
    and the agent is the only other one spoken of ("I am Eddy Lin's father; I wish Eddy
    would talk to him more about his music": "talk to me"; "his music" stays Eddy's)."""
    # "her" before a noun is a possessive ("her work"); "him" is always an object.
    objective = r"\bhim\b" if pronoun == "he" else rf"\bher\b(?!\s+(?!(?:{_NOT_OWNED})\b)[a-z])"
    out, at = [], 0
    for m in re.finditer(objective, sentence):
        before = sentence[:m.start()]
        named = {person for person in others for w in {person, person.split()[0]}
                 if re.search(rf"\b{re.escape(w)}\b", before)}
        if len(named) != 1:
            continue
        person = named.pop()
        last = max(x.end() for w in {person, person.split()[0]} for x in re.finditer(rf"\b{re.escape(w)}\b", before))
        # Their name, then a verb of their own ("Eddy would talk to"), and nothing that
        # ends the clause before the pronoun.
        if re.match(r"\s+(?!(?:and|or|but|who|whom|whose|which|that)\b)[a-z]+\b[^,.;:!?]*$", before[last:]):
            out.append(sentence[at:m.start()] + "me")
            at = m.end()
    return "".join(out) + sentence[at:]


# "with my wife Mei, a college professor, and their son": the couple's "their", in the
# list the partner heads.
_OUR_CHILD = re.compile(r"(\bwith my (?:wife|husband|partner|spouse) [A-Z][\w'-]*(?: [A-Z][\w'-]*)?"
                        r"(?:, [^,.;]+,)? and )their\b")
