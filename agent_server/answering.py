"""Answering from what one knows: before an agent answers a question (the player's, an
interviewer's) in words the model writes, it looks among what it knows for a statement
that answers it, and if one does, that statement is its answer, said as it would say it.

Why: given the right memory in its prompt, the 135M default model still answered "What
do you do for work?" with "I'm happy to help!" and "Who do you live with?" with a family
it made up; with the statement placed last in the prompt it did no better. The model
reads better than it writes. The embedder finds the statements closest to the question;
whether one answers the question is read from the model's probabilities as their
pointwise mutual information (in nats; prompts/evidence.py), which the model reads two
ways: how much likelier the question becomes after the statement than after one that
says nothing (the query likelihood of retrieval rerankers), and how much likelier the
statement becomes as the answer to the question than as the answer to a request that
asks nothing. The two are estimates of one quantity (PMI is symmetric), each noisy in
its own way from a small model; their mean is weighed. A statement whose mean reaches
ANSWERS_NATS answers; below that (a line pushing the character out of its role, a
question about what it was never told, most reactions and opinions) the model answers
in its own words. Two pieces of scoring work on scoring's own context (the player's kept
prompt stays warm), each one request to the scheduler: the POOL closest statements,
the OWN_POOL closest of its identity's and of those it said already to another
question in the conversation, as answers to the question and, those not
read before, as answers to nothing asked (kept), with the question after a statement
that says nothing; then the question after each candidate: the closest, the likeliest
as its answer (and the likeliest of those said already), and the closest of its
identity's added (a plain fact of itself, "I'm the owner of Hobbs Cafe.", is likely as
the answer to anything, "Tell me something." included, so that reading finds it last).

What an agent knows, as statements it could say: its identity block's sentences, the
memories recalled for the question (what it saw someone doing, as "I saw ..."; a line
someone said to it, one sentence at a time;
told back to the one who said it: "You told me you lost your cat ..."), and what the
asker told it earlier in the conversation; a sentence joining a second clause of its
speaker's ("I'm a carpenter, and I've just moved here ...") as each clause, for the
question each answers. Its own earlier lines are not evidence (what it said may have
been wrong), nor labels and plan lists ("My plan for day 1: ...", "At 07:00 ... will
...; then ..."), nor questions, nor what speaks neither as the agent nor to the asker
(it would not be said); nor a statement it has already said in this conversation,
unless the same question is asked again (answered_before: then "As I said, ...").

Backends that cannot read probabilities (a remote server) never answer this way.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from agent_server.character import speaks_in_person
from agent_server.clock import DAY_WORDS, TIME_WORDS
from agent_server.identity import Identity
from agent_server.llm.grounding import ALWAYS
from agent_server.memory import Embedder
from agent_server.mind import Mind
from agent_server.prompts import evidence
from agent_server.scheduler import LLMScheduler, Priority

log = logging.getLogger(__name__)

# The mean of the two readings (nats: e^4.5, about 90 times likelier) a statement must
# reach to answer. On the believability benchmark's questions, captured in two runs (163
# weighed in each) and replayed against the default model, answerable ones (54 a run)
# got a statement carrying the fact / a wrong one: with the question's likelihood alone
# from the two closest statements at 2.5 nats (as before), 39/7 and 42/6; with both
# readings as below at a mean of 4.5, 42/4 and 44/4, while those about what the agent
# was never told got a statement as often (4 of 19) and reactions less often. The
# statements carrying the fact were the embedder's closest for 43 of the 54: the
# model's reading, not the candidates, is the limit. Reading the statement as the
# answer found "I am planning a Valentine's Day party ..." for "Are you planning
# anything special soon?" over "I wake up around 6 am and bake pastries ...".
ANSWERS_NATS = 4.5
# A statement the agent said already in the conversation answers again where nothing
# unsaid answers and it answers at least as well as when it was said, or reaches this
# (e^9: answering beyond doubt): "I got a raise last year after asking Dana Whitfield
# twice.", said at 17.8 nats to "Did Dana ever give you a raise?", still answers
# "Someone told me you got a raise last year, is that right?" at 14.5.
AGAIN_NATS = 2 * ANSWERS_NATS
# The statements closest to the question by the embedder that are read as its answer
# (their cost grows with their tokens, a few tens of milliseconds each with the
# default model), and of them the CANDIDATES closest and the CANDIDATES likeliest
# as its answer, weighed both ways. A pool of 4 to 6, and 1 or 2 candidates of each,
# did as well on the captured questions within one answer.
POOL = 4
CANDIDATES = 1
# Of the statements not said yet, the LIKELIEST likeliest are weighed both ways: the
# likeliest as the answer may be read worse the other way than the next ("Jane Moreno
# and I have been married for twenty-five years." 6.3 then 2.0 for "Who do you live
# with?", where "... and live in the Moreno Family House" was next at 3.4 and never
# read the other way; Sam's like sentence read 1.1 then 8.5).
LIKELIEST = 2
# Beside them, the OWN_POOL closest of the agent's identity sentences: what it is asked
# most ("What's your line of work?") is said there in words the embedder may not find
# close ("I'm the owner of Harvey Oak Supply Store."), and memories that share the
# question's words ("I work at the counter until ...") fill the pool before them.
OWN_POOL = 2
# Readings done ahead (Answering.ahead) go to the model this many at a time, so that
# other work of the same priority waits for no more than a few of them.
AHEAD_PIECE = 4
# Statements longer than this (words) are not said as an answer.
MAX_WORDS = 40
MIN_WORDS = 3

# Who a question is about: the asker ("what colour did I say my cat is?") or the one
# asked. "Can I ask ...", "I wonder ..." frame a question and say nothing of the asker.
_FRAMES = re.compile(r"\b(?:(?:can|may|could|might) I ask|I (?:wonder|was wondering|'d like to know|would like to know|"
                     r"want to know|'m curious|am curious)|"
                     # Asking leave, advice or the way ("Can I come to your party?", "Why should
                     # I vote for you?", "How do I get to the park?"), asking to be told ("Can
                     # you tell me where ..."): what the asker is or did is not asked.
                     r"(?:can|could|should|would|might|may|shall) I \w+|do I (?:get|go|find|buy)|"
                     r"(?:(?:can|could|would|will) you )?(?:tell|show) me|"
                     # What the asker heard or believes of the one asked ("I heard you're
                     # throwing a party, is that true?", "Sam told me you fix bikes?"): it
                     # asks of them, not of the asker.
                     r"(?:I(?:'ve| have)? (?:hear|heard|read|saw|seen|noticed|understand|gather|think|thought|believe|"
                     r"guess|suppose|bet|assume|was told)|I(?:'m| am) told|[\w'-]+ told me)(?: that)?"
                     r"(?= you\b| your\b))\b",
                     re.IGNORECASE)
# The asker as the one something is done for, or asked of the one asked ("Is there
# anything you could do for me about a raise?", "Could you sell me some rope?", "Can you
# help me?"): what the one asked can do is asked, not what the asker is or did ("Could you
# remind me what I do?" still asks of the asker, by its "I").
_FOR_ASKER = re.compile(r"\b(?:for|to) me\b|\b(?:(?:can|could|would|will|might)(?:n't)? you|"
                        r"you (?:can|could|would|will|might))\b(?: [\w']+){0,2} me\b", re.IGNORECASE)
# Words by which a sentence speaks in the first person (of the asker, in a question).
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|[Mm]y|[Mm]e|[Mm]ine|[Mm]yself)(?![\w'])")
TOLD_BACK = "You told me"
# A name as statements write it: capitalised words ("Tom Moreno").
_NAME = r"[A-Z][\w'-]*(?: [A-Z][\w'-]*)*"
# How one says one was told something by someone else, as heard_from words it: 'Abigail
# Chen told me, "', 'Tom Moreno told me Sam Moore said, "'.
_TELLER = rf'(?P<who>{_NAME}) told me(?: (?P<origin>{_NAME}) said)?, "'
# A statement of what someone told the agent: told back to the asker, or heard from
# another.
_TOLD = re.compile(rf'^(?:{TOLD_BACK}\b|{_TELLER})')
# What the agent saw someone doing, as perception remembers it: "Tom Moreno is carrying
# a ladder" (said as "I saw Tom Moreno carrying a ladder.").
_DOING = re.compile(rf"^(?P<who>[A-Z][\w'-]* {_NAME}) is (?P<doing>[a-z]+ing\b.*)$")
# A line heard, as a dialogue memory keeps it: 'Tom Moreno said to Isabella Rodriguez: "..."'.
QUOTED = re.compile(r'^(?P<who>.+?) (?:said|says) to (?P<whom>.+?): "(?P<said>.*)"\s*$')
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”]?\s+(?=[\"'“]?[A-Z0-9])")
# A sentence opening with a label: "My plan for day 1: ...", "Conversation with Tom: ...";
# not a sentence whose colon comes later ("Head office told me that raises are tight this
# year: ...", which answers "Is there money for raises?"), nor a clock's "5:30".
_LABEL = re.compile(r"^(?:[^\s:]+\s+){0,5}[^\s:]+:\s")
# Where a sentence joins a second clause whose subject is its speaker ("I'm a carpenter,
# and I've just moved here ..."): each clause is a statement of its own, which answers
# a question of its own. A clause of "she", "they", "it" is not split off (whom they
# mean is in the clause before).
_OWN_CLAUSE = re.compile(r"(?:,|;)\s+(?:and\s+|but\s+|so\s+)?(?=(?:I|I'm|I've|I'd|I'll|[Mm]y)\s)")
# A clause whose subject is its speaker, at its start.
_OWN_SUBJECT = re.compile(r"(?:I|I'm|I've|I'd|I'll|My)\b")
# Words that point back to someone or something named before.
_BACK = re.compile(r"\b(?:he|him|his|she|her|hers|they|them|their|it|its|there|that|this|these|those)\b",
                   re.IGNORECASE)
# Words by which a question points back to what was said before it: a pronoun, "there"
# but the one that says something is ("Is there money for raises?"), and "that" or "this"
# standing alone ("When is that?"; not "this week", "that shop").
_POINTER = re.compile(r"\b(?:he|him|his|she|her|hers|they|them|their|it|its)\b|"
                      r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(?:is|are|was|were|'s|be|been|will|"
                      r"any|a|an|some|many|much)\b)|\b(?:that|this|these|those)(?=\s*(?:[?.!,]|$))", re.IGNORECASE)
# Something named in words a pointing word could point to ("the landlord", "a friend").
_SOMETHING = re.compile(r"\b(?:the|a|an|your|my|our|his|her|their)\s+\w+", re.IGNORECASE)
# A statement of the identity said in a frame ("As for work, I'm ...", "As for my plans, I ...").
_FRAMED = re.compile(r"^As for [^,]+, (.+)$")
# A plan's list of steps as memory keeps it ("At 07:00 Sam Moore will ...; then ...").
_STEPS = "; then "
# An hour planned for one day, as the agent says it ("At 08:00 I will bake pastries.",
# from planning.decompose's memory): what it will do that day, not what it does.
_ONE_DAY = re.compile(r"^At \d{1,2}:\d{2} I will\b")
# A question of a day or of what is ahead ("What are you doing this afternoon?", "Will you
# be at the shop tomorrow?"), which one day's plan may answer; one in the plain present
# ("How early do you start baking?", "When do you usually leave?") asks what the agent
# does, which its habits answer: Isabella's plan for one morning read 0.5 nats likelier
# than "I wake up around 6 am and bake pastries ..." as the answer to the first.
_OF_A_DAY = re.compile(r"(?:\b(?:will|won't|going to|gonna|plan|plans|planning|planned|now|later|next|soon|"
                       + DAY_WORDS + r"|this (?:week|weekend))\b|'ll\b|\b(?:are|aren't) you \w+ing\b|"
                       r"'re \w+ing\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    text: str
    # How much likelier the statement made the question (nats).
    nats: float


def is_question(text: str) -> bool:
    return "?" in text


# Words a line greets or takes leave with, before a name ("Hello John, ...").
_GREETING = r"(?i:hi|hello|hey|morning|afternoon|evening|good\s+(?:morning|afternoon|evening|day|night)|thanks|" \
            r"thank\s+you|cheers|bye|goodbye|see\s+you|dear)"


def unaddressed(text: str, name: str) -> str:
    """`text` without the name it calls the one spoken to by (`name`: full, first or last,
    with a title or not): "Hello John, how's the family?" -> "Hello, how's the family?",
    "Morning, Dana. Do you have five minutes?" -> "Morning. Do you have five minutes?".
    Why: read as a question, the name made the agent's self-introduction ("I'm John Lin,
    45, patient, kind and organized.") its likeliest answer."""
    forms = sorted({name, *name.split()} - {""}, key=len, reverse=True)
    if not forms:
        return text
    called = r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?(?:" + "|".join(map(re.escape, forms)) + r")\b"
    text = re.sub(rf",\s*{called}(?=\s*[.!?,])", "", text)
    text = re.sub(rf"(?:^|(?<=[.!?]\s)){called}\s*,\s*", "", text)
    return re.sub(rf"\b({_GREETING})\s+{called}", r"\1", text)


# Where a question's asking begins: a line's or a sentence's start, or after a comma
# ("Hey, when ..."), past a word that leads in ("So, who ...", "Tell me, where ...").
_LEAD = r"(?:^|[.!?,]\s+)(?:(?:and|so|but|then|hey|say|tell me),?\s+)?"
# A question asking who ("Who do you live with?", "Whose idea was it?"), not who the one
# asked is ("Who are you?").
_WHO = re.compile(_LEAD + r"(?:who|whom|whose)\b(?!\s+(?:are|were)\s+you\s*\?)",
                  re.IGNORECASE)
# Words that speak of someone without naming them: kin, a household, those one works or
# lives beside.
_SOMEONE = re.compile(
    r"\b(?:wife|husband|spouse|partner|married|son|sons|daughter|daughters|child|children|kids|baby|mother|father|"
    r"mom|mum|dad|parents|brother|brothers|sister|sisters|grand(?:mother|father|son|daughter|ma|pa|parents|children)|"
    r"aunt|uncle|cousin|nephew|niece|fianc[ée]e?|girlfriend|boyfriend|roommate|flatmate|housemate|family|friend|"
    r"friends|neighbou?rs?|colleagues?|boss|landlord|tenants?|alone|myself|nobody|no one)\b")


# What is only a name, to the line's end ("... about Hobbs Cafe?"): asking of it is asking
# whether one knows who or what it is, not of news of it.
_NAMES_ONLY = r"(?:(?-i:[A-Z])[\w'-]*\s*)+[?.!]?\s*$"
# A question whether the agent knows of something ("Did you hear about the fire?", "Do
# you know anything about a search?", "Have you heard that ...?"); not one whether it
# knows someone ("Do you know Tom Moreno?"), nor what it remembers of the asker.
_IF_KNOWN = re.compile(_LEAD + r"(?:did|have|do|had|has)\s+you\s+"
                       r"(?:ever\s+|already\s+|just\s+|perhaps\s+|maybe\s+)?"
                       r"(?:hear|heard|(?:know|knew|learn|learned|learnt)\s+(?:about|anything|of|that|something|much))\b"
                       r"(?!\s+(?:me|my|him|her|them|it|you|your|each other|anyone|someone)\b)"
                       r"(?!\s+(?:(?:of|about)\s+)?" + _NAMES_ONLY + ")", re.IGNORECASE)
# The agent's answer to such a question when nothing it knows answers it.
NOT_HEARD = "No, I haven't heard anything about that."
# Asked to tell of something ("Tell me about the stock market in 2025.", "Can you tell me
# more about the new bakery?"): not of the one asked nor the asker, nor of what was just
# said ("Tell me more about that."). Left to the model, the 135M model told of the stock
# market in 2025 as an expert would.
_TELL_ABOUT = re.compile(r"\btell\s+me\s+(?:more\s+|a\s+bit\s+|a\s+little\s+|something\s+|anything\s+|everything\s+|"
                         r"all\s+|a\s+lot\s+)?about\s+"
                         r"(?!(?:it|that|this|those|these|them|him|her|me|my|mine|myself|you|your|yours|yourself|us|our|"
                         r"ours|what|how|why|when|where|who|which|whether|if)\b|" + _NAMES_ONLY + ")", re.IGNORECASE)
# What the agent says to such a line when nothing it knows names what it asks about.
KNOWS_NOTHING = "I don't know anything about that, I'm afraid."


def asks_to_be_told(line: str) -> bool:
    """Whether `line` asks the agent to tell of something of the world, asked or not
    ("Tell me about the stock market in 2025."): where nothing it knows names it
    (naming), it knows nothing of it (KNOWS_NOTHING)."""
    return bool(_TELL_ABOUT.search(line)) and not of_asker(line)


def asks_if_known(question: str) -> bool:
    """Whether `question` asks if the agent has heard of, or knows of, something: then,
    where nothing it knows answers it, it has not (NOT_HEARD), rather than the model
    telling of something it never heard ("the fire was in the building next door"). Only
    a question: a line that asks nothing is not weighed, so nothing was found to answer it."""
    return is_question(question) and bool(_IF_KNOWN.search(question)) and not of_asker(question)


# A question about the world, not about the one asked, nor the one asking: who did
# something, when or where something is, how much or how many, what happened, what
# someone or something is called ("Who painted the mural?", "When does the library
# open?", "How much does a flu shot cost at your pharmacy?": the asked one's things are
# of the world). Not a bare "what" or "how" ("What's up?", "How's it going?"), which is
# as often small talk as a question of fact.
_OF_WORLD = re.compile(_LEAD + r"(?:who|whom|whose|when|where|which|how\s+(?:much|many|long|old|far)|"
                       r"what\s+(?:time|day|date|year|happened)|"
                       r"what(?:'s|\s+is|\s+was)\s+(?:the|his|her|their|its)\s+name)\b", re.IGNORECASE)
# The one asked, as the question's subject or object ("Where do you live?", "Which house
# is yours?"); not "your" before a thing of theirs.
_ASKED = re.compile(r"\b(?:you|yours|yourself|you're|you've|you'd|you'll|ya)\b", re.IGNORECASE)
# The agent's answer to such a question when nothing it knows answers it; also what it
# says when the model twice meant to name what it was never given (dialogue.py).
NOT_KNOWING = "I couldn't tell you, I'm afraid."


# The one asked's people: "Who's your best friend?", "What's your wife's name?" ask of it,
# not of the world (asks_about_world), though "your" says nothing of it elsewhere.
_THEIR_PEOPLE = re.compile(r"\byour\s+(?:\w+\s+)?" + _SOMEONE.pattern.removeprefix(r"\b"), re.IGNORECASE)


def asks_about_world(question: str) -> bool:
    """Whether `question` asks a fact of the world (_OF_WORLD) and nothing of the one
    asked ("you") or the one asking: then, where nothing the agent knows answers it, it
    does not know (NOT_KNOWING), rather than the model telling what it was never told ("the
    mural was painted by a local artist", a flu shot's price at its own pharmacy), as
    asks_if_known is answered NOT_HEARD."""
    return (is_question(question) and bool(_OF_WORLD.search(question)) and not _ASKED.search(question)
            and not _THEIR_PEOPLE.search(question) and not of_asker(question))


# Kin one may not have, as a question asks of the one asked's ("What's your brother's
# name?", "Do you have any kids?"): the words that would say it has them, and what it
# says if its identity says none of them.
_KIN = (
    (r"brothers?", ("brother", "brothers", "siblings"), "I don't have a brother."),
    (r"sisters?", ("sister", "sisters", "siblings"), "I don't have a sister."),
    (r"siblings?", ("brother", "brothers", "sister", "sisters", "siblings"), "I don't have any brothers or sisters."),
    (r"sons?", ("son", "sons", "child", "children", "kids"), "I don't have a son."),
    (r"daughters?", ("daughter", "daughters", "child", "children", "kids"), "I don't have a daughter."),
    (r"child|children|kids?", ("son", "sons", "daughter", "daughters", "child", "children", "kids"),
     "I don't have any children."),
    (r"grand(?:son|daughter|child|children|kids?)s?", ("grandson", "granddaughter", "grandchild", "grandchildren",
                                                        "grandkids"), "I don't have any grandchildren."),
    (r"wife|husband|spouse", ("wife", "husband", "spouse", "married"), "I'm not married."),
)
_OF_ONES_KIN = [(re.compile(rf"\b(?:your|you\s+have\s+(?:a|an|any)|you\s+got\s+(?:a|an|any))\s+(?:\w+\s+)?"
                            rf"(?:{kin})\b" + (r"|\bare\s+you\s+married\b" if "married" in has else ""),
                            re.IGNORECASE), has, none) for kin, has, none in _KIN]


def no_such_kin(question: str, identity: Identity) -> str | None:
    """What the agent says to a question asking of its kin (a brother, a daughter, a
    spouse ...) that its identity says nothing of: that it has none ("I don't have a
    brother."), as its persona, which says who its family are, has it. None where the
    question asks of no such kin, or the identity speaks of them. Why: asked "What's the
    name of your brother?" and "What is your daughter's name?", the default model gave
    Tom a brother-in-law and John the player's daughter."""
    asked = [(has, none) for asks, has, none in _OF_ONES_KIN if asks.search(question)] if is_question(question) else []
    if not asked:
        return None  # most lines: the identity's words are not read
    said = set(re.findall(r"[a-z]+", " ".join((identity.own_words(), identity.persona, *identity.relationships))
                          .lower()))
    return next((none for has, none in asked if not said & set(has)), None)


# Words for a gathering one may be asked to go to, in any town.
GATHERINGS = frozenset("""party parties event gathering celebration bash meeting concert festival fair show dance
wedding ceremony parade match game tournament rally reading exhibition opening reception potluck picnic fundraiser
auction funeral debate gig recital screening premiere contest competition barbecue""".split())
# Whether the one asked goes to something: "Are you going to the party?", "Will you be at
# the concert?", "Are you coming?"; "going to" a verb ("Are you going to buy paint?") asks
# what it will do, and is told apart by what follows (asks_if_going).
_IF_GOING = re.compile(r"\b(?:are|will|would|were)\s+you\s+(?:still\s+|also\s+|really\s+|even\s+)?"
                       r"(?:going|coming|attending|be\s+(?:going|coming|attending|there|at)|go|come|attend)\b",
                       re.IGNORECASE)

# What follows "going to", "be at" ...: a thing, with a word before it that makes it one
# ("the search for Rascal", "Sam's wedding", "a big concert"; not a verb: "to show me"),
# up to where the words go on to where or when it is ("in the park", "tonight").
_A_THING = re.compile(r"\s+(?:(?:to|at|for)\s+)?(?:the|a|an|this|that|your|my|our|his|her|their|tonight's|"
                      r"tomorrow's|(?-i:[A-Z])[\w-]*'s)\s+(?P<what>[\w'-]+(?:\s+[\w'-]+){0,3}?)"
                      r"(?=\s*(?:[?.!,;]|$)|\s+(?:in|at|on|for|with|this|next|tonight|tomorrow|today|later|after|"
                      r"before|by|near|up|over|down)\b)", re.IGNORECASE)


def going_to(question: str) -> str | None:
    """What `question` asks whether the one asked goes to, in its words ("Are you going to
    the search for Rascal?" -> "search", "Will you be at the town meeting tonight?" ->
    "town meeting"); "" where it asks so of nothing named ("Are you going?", "Will you be
    there?"); None where it does not ask whether they go, or asks to come to the asker's
    own ("Will you come to my wedding?", an invitation), or what they will do ("Are you
    going to buy paint?": no thing follows)."""
    found = _IF_GOING.search(question) if is_question(question) else None
    if found is None or speaks_of_self(question):
        return None
    thing = _A_THING.match(question, found.end())
    if thing is not None:
        return thing["what"]
    rest = question[found.end():].strip()
    return "" if not rest or rest[0] in "?.!," or re.match(r"(?:there|to it|to that)\b", rest, re.IGNORECASE) \
        else None


def asks_if_going(question: str, *, named: bool = True) -> bool:
    """Whether `question` asks if the one asked goes to something it names (going_to:
    "Are you going to the party at the cafe?", "Will you be at the search?"), or, `named`
    False, to anything ("Are you going?", "Will you be there?")."""
    what = going_to(question)
    return what is not None and (bool(what) or not named)


# Where anyone goes, in any town, that is no gathering ("Are you going to the doctor?").
_DESTINATIONS = frozenset("""doctor doctors dentist hospital clinic beach pool gym church temple mosque school college
university work office bank shop shops store market supermarket library station airport city town bed home class
lake river mountains country hairdresser barber vet pharmacy post park garden restaurant cafe pub bar kitchen
toilet bathroom""".split())


def unanswered(question: str, known: Iterable[str] = (), places: Iterable[str] = ()) -> str | None:
    """What the agent says to `question` when nothing it knows answers it and nothing it
    knows names what it asks about (naming): NOT_HEARD to whether it heard of something,
    or goes to a gathering it knows nothing of (what it is, the last word of what the
    question names: a word of GATHERINGS, or of no place, none of the words of the
    `places` of its town nor _DESTINATIONS, "the search"; and not a word of what it
    knows, `known`: "the office party" is unheard of by one who knows an office and no
    party);
    NOT_KNOWING to a fact of the world; None to anything else (the model answers)."""
    if asks_if_known(question):
        return NOT_HEARD
    if asks_to_be_told(question):
        return KNOWS_NOTHING
    if what := going_to(question):
        # What it is, by its last word ("the office party": a party, whatever the office).
        words = _content_words(what.split()[-1])
        place_words = _content_words(" ".join(places)) | _DESTINATIONS
        if (words & GATHERINGS or words and not words & place_words) and not words & _content_words(" ".join(known)):
            return NOT_HEARD
    return NOT_KNOWING if asks_about_world(question) else None


def _content_words(text: str) -> set[str]:
    """The words of four letters or more of `text`, lower case, a possessive's "'s" aside."""
    return {re.sub(r"'s?$", "", w) for w in re.findall(r"[a-z][a-z'-]{3,}", text.lower())}


# Words a question whether one knows of something asks with, which say nothing of what
# it asks about.
_ASKING_WORDS = frozenset("""about anything something heard hear know knew learn learned learnt have what that
this there these those lately recently news going happened happening with from your they them their been were does
could would should into over also just then than when where which while will much more some very whose many long
name named called tell please everything little""".split())


def _stem(word: str) -> str:
    """`word` in lower case without an ending of inflection ("searching", "walks"), where
    four letters or more are left (character._trade_stem also strips a doer's ending, to
    match a trade with its work)."""
    word = word.lower()
    stem = re.sub(r"(?:ing|ed|es|s)$", "", word)
    return stem if len(stem) >= 4 else word


def naming(question: str, known: Iterable[str], *, asker: str = "") -> str | None:
    """Asked whether it heard of something (asks_if_known), or a fact of the world
    (asks_about_world), and finding no statement that answers by the readings, the agent
    still knows of it if a statement it knows names everything the question asks about
    (its words of 4 letters or more but the words of asking and the asker's name: "Do
    you know anything about a rascal search?" is about "rascal" and "search"): the
    shortest such statement, which it tells; None if none does (it has not heard, or
    does not know: unanswered). A small model reads a question in words no one would use
    ("a rascal search") as answered by nothing, though the agent knows "Grace asked me
    to help her search Johnson Park for Rascal ..."."""
    about = {_stem(w) for w in _words(question) if len(w) >= 4 and w.lower() not in _ASKING_WORDS}
    about -= {_stem(w) for w in asker.split()}
    if not about:
        return None
    holding = [k for k in known if about <= {_stem(w) for w in _words(k)} and len(k.split()) <= MAX_WORDS
               and not k.startswith(f"{TOLD_BACK} you")]
    return min(holding, key=len, default=None)


# A question asking the way: where something is or can be had, how to get there, whether
# the town has one ("Where's the pub?", "Where can I get a coffee around here?", "How do I
# get to Johnson Park?", "Is there a pharmacy nearby?", "Do you know a good place for
# lunch?"); after "do you know", "can you tell me" and their kin, which ask nothing of
# the one asked.
_THE_WAY = re.compile(_LEAD + r"(?:where\b(?!\s+(?:did|was|were|had|have|has)\b)|how (?:do|can|would|could|should|might) (?:I|we|one) (?:get|go|find)\b|"
                      r"(?:is|are) there (?:a|an|any|some)\b(?=.*\b(?:near|nearby|around|close|here|anywhere|town)\b)|"
                      r"(?:a|any|some) (?:good |nice )?place (?:to|for|where)\b)", re.IGNORECASE)
_TELL_ME = re.compile(r"\b(?:do|would|did) you (?:happen to )?know|\b(?:can|could|would) you (?:tell me|recommend|"
                      r"suggest|point me to|show me)", re.IGNORECASE)


def asks_the_way(question: str) -> bool:
    """Whether `question` asks the way (_THE_WAY), and nothing of the one asked ("Where
    do you live?", "Where do you work?" ask of it, and its identity answers them): then
    what the agent knows of its town's places (PlaceChooser.directions) may answer it.
    Not where its own things are ("Where's your shop?"), nor where something was."""
    asked = _TELL_ME.sub("", question).strip()
    return (is_question(question) and bool(_THE_WAY.search(asked)) and not _ASKED.search(asked)
            and not re.search(r"\byour\b", asked, re.IGNORECASE))


# A question asking the time or the day: "What time is it?", "What's the date today?",
# "Do you have the time?", "What day is it?"; not when something is ("What time is it
# happening?", "What day is it on?").
_THE_TIME = re.compile(_LEAD + r"(?:what\s+(?:time|day|date)\s+is\s+(?:it|today)\b(?!\s+(?:\w+ing|on|at|in|for)\b)|"
                       r"what(?:'s|\s+is)\s+(?:the\s+)?(?:time|date|day)(?:\s+(?:today|now|it is))?\s*\?|"
                       r"(?:do|would) you (?:know|have) (?:what time it is|the time)\b)", re.IGNORECASE)


def asks_the_time(question: str) -> bool:
    """Whether `question` asks the time or the day: the agent knows it (its clock), and
    says it (Dialogue.player_chat), rather than "I couldn't tell you" or a time the model
    makes up."""
    return is_question(question) and bool(_THE_TIME.search(question))


# A question asking when, or how long ("What time does it start?", "When is that?").
_WHEN = re.compile(_LEAD + r"(?:when|what\s+(?:time|day|date)|(?:till|until)\s+when|how\s+long)\b", re.IGNORECASE)
# A time said in words that says when (clock.TIME_WORDS but a bare "today", "tonight" or
# "tomorrow", which a sentence may hold without telling when anything is: "it's a little
# different today").
_A_TIME = re.compile(r"\b(?!(?:today|tonight|tomorrow)\b)" + TIME_WORDS.pattern.removeprefix(r"\b"), re.IGNORECASE)
# A time past, or a length of time, in words (clock.TIME_WORDS has the times to come).
_TIME_PAST = re.compile(r"\b(?:yesterday|last (?:night|week|month|year|\w+day)|(?:a|an|\d+|one|two|three|four|five|"
                        r"six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty) (?:minutes?|hours?|days?|weeks?|"
                        r"months?|years?))\b", re.IGNORECASE)
# A question asking where ("Where is it?"), and a place in a sentence: a name after a word
# of place ("at Hobbs Cafe", "in the Moore Family House").
_WHERE = re.compile(_LEAD + r"where\b", re.IGNORECASE)
_AT_A_PLACE = re.compile(r"\b(?:at|in|to|by|near|behind|beside|outside)\s+(?:the\s+)?(?-i:[A-Z])[\w'-]*")
# A sentence's opening that answered the question before it ("Yes, I'm holding ..."): not
# said again.
_AFFIRMED = re.compile(r"^(?:yes|yeah|of course|sure|absolutely|oh|well),\s+(?=\S)", re.IGNORECASE)
# How an agent says again what it said ("As I said, ...").
AS_I_SAID = "As I said, "


def points_back(question: str, speakers: Iterable[str] = ()) -> bool:
    """Whether `question` points back to what was said before ("What time does it start?",
    "Who's going to be there?"): one sentence, with a word such as "it", "there", "they"
    (_POINTER) and nothing before it that the word could point to ("Did the landlord say
    he's selling?"), and no name of its own but those of the two talking (`speakers`:
    "When is it, Isabella?")."""
    pointer = _POINTER.search(question)
    return (is_question(question) and len(sentences(question)) == 1 and pointer is not None
            and not _SOMETHING.search(question[:pointer.start()])
            and not named(question) - {w for name in speakers for w in name.split()})


def said_again(question: str, line: str, people: Iterable[str] = (), names: Iterable[str] = (),
               speakers: Iterable[str] = ()) -> str | None:
    """What the agent said last (`line`), said again ("As I said, I'm planning a party at
    Hobbs Cafe on February 14, from 5 pm to 7 pm."), where `question` points back to it
    (a word such as "it", "there", "they", and no name of its own: "What time does it
    start?") and asks what a sentence of it holds: when (a time said in words), where (a
    place), who (someone: names_someone, of `people`); None else. The sentence goes on in
    lower case after "As I said, " unless it opens with "I" or one of `names` (the words
    of its world's names: "Hobbs Cafe opens at 8 am."). `speakers`: the names of the two
    talking, which the question may call them by ("When is it, Isabella?"). Why: answering leaves
    out what the agent has said in the conversation (lest it answer every question with
    one line), so a follow-up on its own words found nothing, and the agent said "I
    couldn't tell you" of the party it had just described."""
    if not points_back(question, speakers):
        return None
    if _WHEN.search(question):
        def holds(sentence: str) -> bool:
            return bool(_A_TIME.search(sentence) or _TIME_PAST.search(sentence))
    elif _WHERE.search(question):
        holds = _AT_A_PLACE.search
    elif asks_who(question):
        def holds(sentence: str) -> bool:
            return names_someone(sentence, people)
    else:
        return None
    for sentence in sentences(line.removeprefix(AS_I_SAID)):
        if holds(sentence):
            return as_said(sentence, people, names)
    return None


def as_said(sentence: str, people: Iterable[str] = (), names: Iterable[str] = ()) -> str:
    """`sentence`, which the agent said before, said again: "As I said, ..." before it,
    without its frame ("As for my plans, ") or the "Yes, " that answered the line before;
    it goes on in lower case unless it opens with "I" or a name (of `people`, or one of
    `names`, the words of its world's names)."""
    sentence = sentence.removeprefix(AS_I_SAID)
    framed = _FRAMED.match(sentence)
    said = _AFFIRMED.sub("", framed[1] if framed else sentence)
    first = re.split(r"[\s,']", said, maxsplit=1)[0]
    if first != "I" and first not in set(names) | {w for p in people for w in p.split()}:
        said = said[0].lower() + said[1:]
    return AS_I_SAID + said


def answered_before(question: str, lines: Iterable[tuple[bool, str]]) -> list[str]:
    """What the agent answered when the same question was asked before in the
    conversation (`lines`: whether the player said it, and what was said, in order): the
    same words, whatever their case and stops ("What does your son study?" again on a
    second visit). Such an answer may be given again (answering leaves out what the agent
    said in the conversation, so asked again, the agent found nothing and the model
    wrote of a son "with an amazing talent for playing guitar")."""
    asked = _words(question.lower())
    out, after = [], False
    for by_player, text in lines:
        if not by_player and after:
            out.append(text)
        after = by_player and is_question(text) and _words(text.lower()) == asked
    return out


def asks_who(question: str) -> bool:
    """Whether `question` asks who someone is, or who did or does something: an answer to
    it names someone, or says how they are kin (names_someone)."""
    return bool(_WHO.search(question))


def names_someone(statement: str, people: Iterable[str], known: Iterable[str] = ()) -> bool:
    """Whether `statement` names one of `people` (full name or first name), or speaks of
    someone by what they are to the speaker ("my wife", "married", "alone"); or, told by
    someone, names one its world does not know: a name in mid-sentence that is none of
    the `known` names (its identity's people and places), as those the asker told of
    ('You told me, "I've been training the two new hires, Omar and Bea."')."""
    if _SOMEONE.search(statement):
        return True
    if any(re.search(rf"\b{re.escape(n)}\b", statement) for p in people for n in {p, p.split()[0]} if n):
        return True
    return bool(_TOLD.match(statement)) and any(not w[:1].isdigit() for w in named(statement) - set(known))


def named(text: str) -> set[str]:
    """The names and numbers `text` holds: words with a capital in mid-sentence (without
    a possessive "'s"), and numbers; not "I", days, months or titles (grounding.ALWAYS)."""
    out = set()
    for sentence in sentences(text):
        for i, word in enumerate(_words(sentence)):
            if word[:1].isdigit() or (i and word[:1].isupper() and not word.startswith("I'")):
                out.add(word)
    return out - ALWAYS


def _words(text: str) -> list[str]:
    return [re.sub(r"'s$", "", w) for w in re.findall(r"[\w'-]+", text)]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def clauses(sentence: str) -> list[str]:
    """`sentence` as its clauses that have the speaker as their subject, each a sentence;
    [sentence] where there is no such joint, where what comes before it is no clause of
    the speaker's ("As for my plans, I'm ..."), or where a later clause speaks of
    someone the clause before names ("..., and I know his order by heart")."""
    parts = [p.strip() for p in _OWN_CLAUSE.split(sentence) if p.strip()]
    if (len(parts) < 2 or any(len(p.split()) < MIN_WORDS for p in parts)
            or any(_BACK.search(p) for p in parts[1:]) or not _OWN_SUBJECT.match(parts[0])):
        return [sentence]
    return [as_sentence(p[0].upper() + p[1:]) for p in parts]


def as_sentence(text: str) -> str:
    """`text` unquoted, ending as a sentence ends."""
    text = text.strip().strip('"“”').strip()
    return text if text.endswith((".", "!", "?")) else text + "."


# What someone said of themselves, said back to them: "I lost my cat" -> "you lost your cat".
_YOU = {"i": "you", "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "me": "you",
        "my": "your", "mine": "yours", "myself": "yourself", "am": "are", "was": "were"}
_OURS = re.compile(r"\b(?:[Ww]e|[Uu]s|[Oo]ur|[Oo]urs|[Ww]e're|[Ww]e've)\b")


def of_asker(question: str) -> bool:
    """Whether `question` asks about the one asking it (they speak of themselves in what
    it asks, its sentences that ask): then only what they told can answer it, and else
    nothing they told. What they say of themselves before they ask is no part of it ("My
    fence is falling apart. Do you sell anything that could help?" asks what the agent
    sells; read as asking of the asker, nothing the agent knew could answer it). Nor
    does one who asks what the one asked can do for them ("Is there anything you could do
    for me about a raise?": read as of the asker, only what they told was weighed)."""
    asking = " ".join(s for s in sentences(question) if is_question(s)) or question
    return speaks_of_self(_FOR_ASKER.sub("", asking))


def speaks_of_self(line: str) -> bool:
    """Whether the one saying `line` speaks of themselves anywhere in it, a frame aside
    ("I'm having a party on Friday. Are you coming?": whether the one asked comes to the
    asker's own)."""
    return bool(FIRST_PERSON.search(_FRAMES.sub("", line)))


# What one says one was told by someone else, whole (the closing quote may be lost where
# a line was cut short).
_HEARSAY = re.compile(rf'^(?!You\b){_TELLER}(?P<said>.*?)"?$')


def is_hearsay(said: str) -> bool:
    """Whether `said` passes on what another said ('Sam Moore told me, "..."')."""
    return _HEARSAY.match(said.strip()) is not None


def is_news(sentence: str) -> bool:
    """Whether a sentence one heard says something one could tell on: not a question,
    and more than a greeting's few words ("Hello, I'm Robin.", "Awesome, eh?")."""
    return "?" not in sentence and len(sentence.split()) > MIN_WORDS


def heard_from(who: str, said: str) -> str:
    """What `who` said to the agent, as the agent tells it on: 'Sam Moore told me, "I have
    decided to run for mayor."'. Where `who` was passing on what another told them, the
    one who first said it is named and the tellers between are left out: 'Tom Moreno told
    me Sam Moore said, "I have decided to run for mayor."' (quoted whole, each teller's
    line held the last one's, 'Abigail Chen told me, "Hailey Johnson told me, "Francisco
    Lopez told me, ...', and the "I" of the words said read as the teller's)."""
    origin = None
    while (passed := _HEARSAY.match(said.strip())) is not None:
        origin, said = passed["origin"] or passed["who"], passed["said"]
    if origin is not None:
        said = said.split('"', 1)[0]  # the words quoted, not what the teller said after them
    said = as_sentence(said.strip())
    if origin is None or origin == who:
        return f'{who} told me, "{said}"'
    return f'{who} told me {origin} said, "{said}"'


def told_back(sentence: str) -> str:
    """A sentence the asker said, as the agent tells it back to them: "You told me you lost
    your grey cat ..." where it begins with the asker speaking of themselves (and says
    nothing of "we"), else quoted: 'You told me, "Lily has a cough."'."""
    sentence = as_sentence(sentence)
    if _OURS.search(sentence) or not re.match(r"(?:I|I'm|I've|I'd|I'll|My)\b", sentence):
        return f'{TOLD_BACK}, "{sentence}"'

    def you(match: re.Match) -> str:
        word = match.group(0)
        after_i = match.start() > 0 and re.search(r"\bI\s+$", sentence[:match.start()])
        if word.lower() in ("am", "was") and not after_i:
            return word
        return _YOU[word.lower()]

    said = re.sub(r"\b(?:I'm|I've|I'd|I'll|I|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself|am|was)\b", you, sentence)
    return f"{TOLD_BACK} {said}"


def statements(mind: Mind, memories: Iterable[str], asker: str, told: Iterable[str] = ()) -> list[str]:
    """What `mind` knows that it could say to `asker` as an answer: sentences of its
    identity, of `memories` (descriptions, in the third person as stored) and of what
    `asker` `told` it in this conversation; without questions, labels, its own lines."""
    out: list[str] = []
    # What a statement of its identity says after its frame ("As for my plans, I have
    # decided to run for mayor."): a memory that says only that (the seed it was made
    # from) is the same statement, and would take a place in the pool of candidates.
    framed = {_plainly(m[1]) for s in own_statements(mind) if (m := _FRAMED.match(s))}

    def add(sentence: str) -> None:
        words = len(sentence.split())
        # Said to the asker, it must speak as the agent or to them (a sentence about the
        # agent in the third person is not said: character.speaks_in_person).
        if (MIN_WORDS <= words <= MAX_WORDS and "?" not in sentence and not _LABEL.search(sentence)
                and speaks_in_person(sentence) and sentence not in out and _plainly(sentence) not in framed):
            out.append(sentence)

    def heard(who: str, said: str) -> None:
        passed = is_hearsay(said)
        for s in [said] if passed else sentences(said):
            if not is_news(s):
                continue
            for c in [s] if passed else clauses(s):
                add(told_back(c) if who == asker else heard_from(who, c))

    for s in own_statements(mind):
        add(s)
    for description in memories:
        if _STEPS in description:
            continue
        quoted = QUOTED.match(description)
        if quoted is None:
            for s in sentences(mind.identity.of_self(description)):
                doing = _DOING.match(s)
                add(as_sentence(f"I saw {doing['who']} {doing['doing']}" if doing else s))
        elif quoted["who"] not in (mind.name, mind.first_name) and quoted["whom"] in (mind.name, mind.first_name):
            heard(quoted["who"], quoted["said"])
    for text in told:
        heard(asker, text)
    return out


def _plainly(sentence: str) -> str:
    """`sentence` in lower case, its "I'm" and "I've" written out: two ways of saying
    the same statement read alike."""
    return re.sub(r"\bi've\b", "i have", re.sub(r"\bi'm\b", "i am", sentence.lower()))


# The one asked, anywhere in a question ("What's your line of work?").
_OF_ASKED = re.compile(r"\b(?:you|your|yours|yourself|you're|you've|you'd|you'll)\b", re.IGNORECASE)


def last_resort(question: str, read: Iterable[Answer], mind: Mind) -> str | None:
    """What the agent says to `question` where the model twice wrote nothing it may say,
    rather than that it does not know: of the statements `read` (Answering.find's
    under_bar), one of its own identity's, read likelier an answer than not (nats > 0),
    where the question asks of the agent itself and not of the world or the asker ("What's
    your line of work?": "As for work, I'm the owner of Harvey Oak Supply Store.", read at
    2.4 nats, against "I couldn't tell you, I'm afraid." of its own work). None else."""
    if not is_question(question) or not _OF_ASKED.search(question) or of_asker(question) \
            or asks_about_world(question):
        return None
    own = set(own_statements(mind))
    return next((a.text for a in read if a.nats > 0 and a.text in own), None)


def own_statements(mind: Mind) -> tuple[str, ...]:
    """The sentences (and clauses: `clauses`) of `mind`'s identity, as it says them."""
    return _own_statements(mind.identity)


@functools.lru_cache(maxsize=1024)
def _own_statements(identity: Identity) -> tuple[str, ...]:
    # The identity is fixed (a frozen dataclass), and every question asked of an agent
    # needs its statements twice (statements(), and Answering.find's pool): read once.
    return tuple(as_sentence(c) for _, line in identity.own_lines() for s in sentences(line) for c in clauses(s))


class Answering:
    """Finds a statement that answers a question (see the module's doc)."""

    def __init__(self, scheduler: LLMScheduler, embedder: Embedder, *, cache: int = 4096) -> None:
        """`scheduler`: the model's, which reads whether a statement answers; `embedder`:
        which finds the statements closest to a question."""
        self._scheduler = scheduler
        self._embedder = embedder
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        # Each statement's log-probability as the answer to a request that asks nothing,
        # by the model that reads it.
        self._unasked: OrderedDict[tuple[int, str], float] = OrderedDict()
        self._cache = cache
        # Answers given from what the agent knows, and questions scored and not.
        self.answered = 0
        self.asked = 0

    def reads(self, purpose: str) -> bool:
        """Whether the model serving `purpose` can read whether a statement answers (a
        remote server may not): where it cannot, nothing is found by `find`."""
        return self._scheduler.reads_probabilities(purpose)

    async def _embedded(self, texts: list[str]) -> np.ndarray:
        """The texts' embeddings; those not kept yet are embedded on a worker thread (the
        first question to an agent embeds its identity's sentences: a few hundred
        milliseconds on a busy machine, which the event loop must not wait out)."""
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            for text, vector in zip(new, await asyncio.to_thread(self._embedder.embed_batch, new)):
                self._vectors[text] = vector
        _keep_recent(self._vectors, texts, self._cache)
        return np.stack([self._vectors[t] for t in texts])

    async def ahead(self, mind: Mind, *, priority: Priority, purpose: str) -> None:
        """Read ahead, while the asker is yet to ask, what any question to `mind` is read
        against: the statements of its identity, embedded, read as the answer to a
        request asking nothing, and each evaluated as what a question follows (kept by a
        model that keeps scoring prompts: LLMRequest.reread). Then a question evaluates
        only itself and what it recalled. In pieces of a few statements, each one request
        at `priority` (below the player's: the player's line never waits for them)."""
        if not self.reads(purpose):
            return
        own = statements(mind, [], asker="")
        await self._embedded(own)
        reader = id(self._scheduler.serving(purpose))
        new = [s for s in own if (reader, s) not in self._unasked]
        # The request asking nothing first, with the statements not read against it yet
        # (and evaluated even where none is new: a question's request begins as it does).
        (unasked,) = await self._scheduler.score_many([(evidence.asking(evidence.NOTHING), new)], priority, purpose)
        self._unasked.update(zip(((reader, s) for s in new), unasked))
        _keep_recent(self._unasked, [(reader, s) for s in new], self._cache)
        work = [evidence.probe(evidence.NOTHING), *(evidence.probe(s) for s in own)]
        for at in range(0, len(work), AHEAD_PIECE):
            await self._scheduler.score_many([(request, []) for request in work[at:at + AHEAD_PIECE]], priority,
                                             purpose)

    async def find(self, mind: Mind, question: str, known: list[str], *, priority: Priority, purpose: str,
                   asker: str = "", unsaid: Iterable[str] = (), context: str = "",
                   said_before: Mapping[str, float] | None = None,
                   under_bar: list[Answer] | None = None) -> Answer | None:
        """The statement of `known` that answers `question` (from `asker`) best, if the
        mean of the model's two readings of it reaches ANSWERS_NATS; None else. A
        statement that answers holds every name and number the question holds but the
        agent's and the asker's ("Did you approve Priya's transfer to the Berlin office?" is not answered by "I
        have managed Priya Sharma for five years": nothing the agent knows of Berlin).
        A question about the asker ("Do you remember what I do?") is answered only by
        what they told ("You told me you're a carpenter ..."), and any other not by what
        they told of themselves (a question about the agent is not answered with the
        asker's job; 'You told me, "Lily has a cough."' may answer "Is Lily ill?").
        A question asking who is answered only by a statement naming someone (asks_who).
        One day's plan ("At 08:00 I will ...") answers only a question of a day or of
        what is ahead (_OF_A_DAY), not one of what the agent does.
        `unsaid`: statements not to give again (its lines so far in this conversation).
        `said_before`: statements said already as answers, with how well they answered
        (nats; -inf for one that may be said again as any other, to the same question
        asked again): each may be given again where nothing unsaid answers and it answers
        this question at least as well as the one it was said for (the opening hour, said
        to "When is the big sale?", again to "When do you open in the morning?"), or
        beyond doubt (AGAIN_NATS); not to a question it answers worse (lest one statement
        answer every question).
        `context`: what the question follows on from (the asker's line before, for a
        question pointing back to it: "I heard you're throwing a party." then "When is
        it?"), read with the question for which statements are closest and which answers;
        who and what the question asks of is the question's own.
        `under_bar`: where given, the statement read likeliest is put in it where it does
        not reach ANSWERS_NATS (a last resort for the dialogue: last_resort)."""
        if not is_question(question) or not self.reads(purpose):
            return None
        said_before = said_before or {}
        again = {" ".join(s.split()).lower() for s in unsaid if s not in said_before}
        needed = named(question) - set(mind.name.split()) - set(asker.split())
        about_asker = of_asker(question)
        of_people = asks_who(question)
        names = mind.identity.known_names() if of_people else set()
        of_a_day = bool(_OF_A_DAY.search(question))
        known = [k for k in known if " ".join(k.split()).lower() not in again and needed <= set(_words(k))
                 and (k.startswith(TOLD_BACK) if about_asker else not k.startswith(f"{TOLD_BACK} you"))
                 and (not of_people or names_someone(k, mind.identity.people, names))
                 and (of_a_day or not _ONE_DAY.match(k))]
        if not known:
            return None
        self.asked += 1
        started = time.perf_counter()
        read = unaddressed(" ".join(f"{context} {question}".split()), mind.name)
        vectors = await self._embedded([read, *known])
        ranked = [known[i] for i in np.argsort(-(vectors[1:] @ vectors[0]))]
        # Statements said already to another question (the OWN_POOL closest) are weighed
        # beside the pool, not in its places: they answer only where nothing unsaid does.
        held = {s for s, bar in said_before.items() if bar > -np.inf}
        closest = [s for s in ranked if s not in held]
        said = [s for s in ranked if s in held][:OWN_POOL]
        own = set(own_statements(mind))
        added = [s for s in closest[POOL:] if s in own][:OWN_POOL]
        pool = closest[:POOL] + added + said
        option = [evidence.asked(read)]
        # One piece of work: the pool as the question's answer, against as the answer to
        # a request asking nothing (those not kept yet), and the question after nothing.
        reader = id(self._scheduler.serving(purpose))
        new = [s for s in pool if (reader, s) not in self._unasked]
        as_answer, unasked_new, (base,) = await self._scheduler.score_many(
            [(evidence.asking(read), pool), (evidence.asking(evidence.NOTHING), new),
             (evidence.probe(evidence.NOTHING), option)], priority, purpose)
        self._unasked.update(zip(((reader, s) for s in new), unasked_new))
        keys = [(reader, s) for s in pool]
        answering = {s: a - self._unasked[k] for s, a, k in zip(pool, as_answer, keys)}
        _keep_recent(self._unasked, keys, self._cache)
        likeliest = sorted(closest[:POOL] + added, key=lambda s: -answering[s])[:LIKELIEST]
        likeliest += sorted(said, key=lambda s: -answering[s])[:CANDIDATES]
        # Then the question after each candidate, in one piece of work.
        candidates = list(dict.fromkeys(closest[:CANDIDATES] + likeliest + added[:CANDIDATES]))
        after = await self._scheduler.score_many([(evidence.probe(s), option) for s in candidates], priority,
                                                 purpose)
        best: Answer | None = None
        # A statement said already (to another question) answers only where nothing
        # unsaid does: one says something new to a new question where one can.
        said_best: Answer | None = None
        asked: dict[str, float] = {}
        for statement, (score,) in zip(candidates, after):
            asked[statement] = score - base
            nats = (asked[statement] + answering[statement]) / 2
            if statement in held:
                if nats >= min(said_before[statement], AGAIN_NATS) and (said_best is None or nats > said_best.nats):
                    said_best = Answer(statement, nats)
            elif best is None or nats > best.nats:
                best = Answer(statement, nats)
        if said_best is not None and (best is None or best.nats < ANSWERS_NATS):
            best = said_best
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: %r is answered best by %r (%.1f nats; read in %.0f ms); pool (answering) %s; "
                      "read (asking) %s", mind.name, read, best and best.text, best.nats if best else 0.0,
                      (time.perf_counter() - started) * 1000,
                      {s: round(float(answering[s]), 1) for s in pool},
                      {s: round(float(a), 1) for s, a in asked.items()})
        if best is None or best.nats < ANSWERS_NATS:
            if best is not None and under_bar is not None:
                under_bar.append(best)
            return None
        self.answered += 1
        return best


def _keep_recent(cache: OrderedDict, used: Iterable, limit: int) -> None:
    """Mark `used` keys of `cache` as used last, and drop the least recently used beyond
    `limit`."""
    for key in used:
        cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)
