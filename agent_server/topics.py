"""What to talk about: before an agent's first line in a conversation, its candidate
topics are gathered from what it knows, and the model chooses among them by its
probabilities (as Mind.choose does), given who it is, the other and the situation.

The candidates: a gathering it hosts or heard of (invitations.py) that this listener has
not heard of from it; its own news (a scenario seed without an event: "has decided to
run for mayor"); the weightiest thing it was told lately by someone else; the
relationship; what the other is doing; and small talk, always. A topic shared with a
listener is not offered again for that listener. What one heard is passed on only where
it is news: a sentence speaking to the one who heard it ("I'm so glad you want to talk
about our friendship.") is not.

A topic with something to tell (a gathering, news, what one heard) carries what the
speaker knows of it as it would say it (`Topic.statement`), and the words that mark a
line as telling it (`Topic.gist`: what the gathering is and where, the news's words).
The model writes the line; a first line on the topic that holds fewer than two of those
words ("I'm so excited for tonight!", or a line about something else altogether), or,
for a gathering, none of what it is ("Bake pastries at Hobbs Cafe") or none of where
and when ("It's just a small-town chess club!"), is replaced by the statement
(Topics.told_in): the model reads better than it writes, and
what was chosen to be told is told, with its place and time as the speaker knows them.

Without topic choice (the paper's way, an ablation), lines are conditioned on the
summary and the memories of the listener alone, and what the speaker means to do
reaches them only through the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent_server.answering import QUOTED, as_sentence, heard_from, is_hearsay, is_news, sentences
from agent_server.journal import Journal
from agent_server.memory import MemoryStore
from agent_server.mind import HeardEvent, Mind
from agent_server.prompts import converse
from agent_server.scheduler import Priority
from agent_server.town import Town

# A line one heard this lately, this weighty (importance 1-10), is news one may pass on.
NEWS_WINDOW_S = 24 * 3600
NEWS_MIN_IMPORTANCE = 5
SMALL_TALK = "small talk about the day"
# Words too common to mark a line as telling something.
_COMMON = frozenset("""about after again also been before being could does doing from have here
into just know like more most much only other over said says some that their them then there
these they this those told very want were what when where which while will with would your
you're""".split())
# A line tells a topic when it has this many of the topic's gist words (all, if fewer).
GIST_WORDS = 2


@dataclass(frozen=True)
class Topic:
    # What marks it as shared with a listener ("event:hobbs_cafe:147600", "news:...").
    key: str
    # The topic in words, as the speaker's line is asked for it.
    text: str
    event: HeardEvent | None = None
    # What the speaker knows of it, as it would tell it (first person); "" where there is
    # nothing to tell (the relationship, what the other is doing, small talk).
    statement: str = ""
    # Words a line telling it holds (lower case, 4 letters or more, common words aside).
    gist: frozenset[str] = field(default_factory=frozenset)
    # For a gathering, the gist words of what it is, and those of where and when it is: a
    # line telling it holds one of each (an invitation that says only where, or only
    # what, does not tell it). Empty for the rest (news, what one heard: the gist is all).
    what: frozenset[str] = field(default_factory=frozenset)
    where: frozenset[str] = field(default_factory=frozenset)
    # The speaker's own to tell (a gathering it holds, its own news): a line that tells it
    # as the listener's ("I'm so glad you're running for mayor!" said by the one who is)
    # does not tell it.
    own: bool = False


class Topics:
    def __init__(self, town: Town, memory: MemoryStore, journal: Journal, *, enabled: bool = True,
                 news: dict[str, list[str]] | None = None) -> None:
        """`town`: where gatherings are; `memory`: the stream what one heard lately is
        found in; `journal`: where each choice is recorded (the replay log)."""
        self._town = town
        self._memory = memory
        self._journal = journal
        # Each agent's own news: its seeds that are not about an event.
        self.news: dict[str, list[str]] = news if news is not None else {}
        # False: no topic is chosen (the ablation without topic choice).
        self.enabled = enabled
        # First lines on a topic that did not tell it, said as the topic's statement.
        self.stated = 0

    def candidates(self, speaker: Mind, listener: Mind, now: int) -> list[Topic]:
        told = speaker.state.told
        out: list[Topic] = []

        def offer(topic: Topic) -> None:
            if listener.id not in told.get(topic.key, []) and all(t.key != topic.key for t in out):
                out.append(topic)

        for event in speaker.state.heard_events:
            if event.end <= now:
                continue
            place, when = self._town.place(event.place_id).name, speaker.clock(event.start)
            if event.teller == speaker.name:
                text = f"inviting {listener.name} to {event.what} at {place}, {when}"
                statement = f"{listener.first_name}, I'm holding {event.what} at {place}, {when}. I'd love you to come."
            elif event.teller == listener.name:
                continue  # the listener told it
            else:
                text = f"{event.what} at {place}, {when}, which {event.teller} told {speaker.first_name} about"
                statement = f"{event.teller} told me about {event.what} at {place}, {when}."
            offer(Topic(f"event:{event.place_id}:{event.start}", text, event, statement,
                        *_event_gist(event.what, place, when, speaker, listener), own=event.teller == speaker.name))
        for news in self.news.get(speaker.id, []):
            fact = _fact(news)
            offer(Topic("news:" + _key(news), f"{speaker.first_name}'s news: {news}",
                        statement=as_sentence(speaker.identity.of_self(fact)), gist=gist_of(fact, speaker, listener),
                        own=True))
        heard = [m for m in self._memory.recent(speaker.id, 60)
                 if m.kind == "dialogue" and m.created_at >= now - NEWS_WINDOW_S
                 and m.importance >= NEWS_MIN_IMPORTANCE and not m.description.startswith(
                     (speaker.name, listener.name, f"Conversation with"))]
        tellable = [(m, quoted["who"], news) for m in heard if (quoted := QUOTED.match(m.description))
                    and (news := news_in(quoted["said"]))]
        if tellable:
            weightiest, who, news = max(tellable, key=lambda t: (t[0].importance, t[0].created_at))
            offer(Topic("heard:" + _key(weightiest.description), f"what {speaker.first_name} heard: "
                        f"{weightiest.description}",
                        statement=heard_from(who, news), gist=gist_of(news, speaker, listener)))
        for relationship in speaker.identity.relationships:
            if listener.name in relationship or listener.first_name in relationship.split():
                offer(Topic("relationship:" + listener.id, f"how things are between them ({relationship})"))
                break
        doing = listener.activity()
        offer(Topic("doing:" + listener.id + ":" + doing, f"what {listener.first_name} is doing ({doing})"))
        offer(Topic("small talk", SMALL_TALK))
        return out

    async def choose(self, speaker: Mind, listener: Mind, now: int) -> Topic | None:
        """The topic `speaker` brings up with `listener` (None when topics are not chosen);
        the choice and its candidates go to the journal (the replay log)."""
        if not self.enabled:
            return None
        candidates = self.candidates(speaker, listener, now)
        texts = [t.text for t in candidates]
        if len(candidates) == 1:
            chosen = candidates[0]
        else:
            request = converse.topic_request(name=speaker.name, summary=speaker.summary, clock=speaker.clock(now),
                                             doing=speaker.activity(), other=listener.name, options=texts)
            chosen = candidates[await speaker.choose(request, texts, Priority.CONVERSATION, "conversation",
                                                     per_token=True)]
        self._journal.record("topic", now, agent=speaker.id, listener=listener.id, topic=chosen.text,
                             key=chosen.key, candidates=texts)
        return chosen

    def own_gists(self, speaker: Mind, listener: Mind) -> list[frozenset[str]]:
        """The gist words of what is `speaker`'s own to tell `listener` (gist_of, as a
        topic's are): the events it holds, its own news (a line telling them in the
        first person is its own, whoever else has said it since)."""
        return ([_gathering_gist(e.what, self._town.place(e.place_id).name, speaker, listener)
                 for e in speaker.state.heard_events if e.teller == speaker.name]
                + [gist_of(_fact(news), speaker, listener) for news in self.news.get(speaker.id, [])])

    @staticmethod
    def told_in(line: str, topic: Topic | None) -> str:
        """`line`, a speaker's first on `topic`, if it tells the topic (holds GIST_WORDS of
        its gist words, all of them if fewer, and for a gathering one of what it is and
        one of where or when; for the speaker's own, none of its sentences that hold them
        telling it as the listener's) or the topic has nothing to tell; else the topic's
        statement."""
        if topic is None or not topic.statement or not topic.gist:
            return line
        words = _words(line)
        tells = len(words & topic.gist) >= min(GIST_WORDS, len(topic.gist)) and all(
            words & part for part in (topic.what, topic.where) if part)
        if tells and topic.own:
            tells = not any(_YOU_DO.search(s) for s in sentences(line) if _words(s) & topic.gist)
        return line if tells else topic.statement

    @staticmethod
    def shared(speaker: Mind, listener: Mind, topic: Topic) -> None:
        """`speaker` has brought `topic` up with `listener`: not offered for it again (small
        talk always is)."""
        if topic.key == "small talk":
            return
        speaker.state.told.setdefault(topic.key, []).append(listener.id)
        if topic.event is not None and listener.name not in topic.event.told:
            topic.event.told.append(listener.name)


_WORD = re.compile(r"[a-z][a-z'-]*[a-z]")
# "You" as the one who does or is something: what the speaker's own news says of it, said
# of the listener ("you're running for mayor", "you have a party at the cafe").
_YOU_DO = re.compile(r"\byou(?:'re|\u2019re| are|'ve|\u2019ve| have|'ll|\u2019ll| will| were)\b", re.IGNORECASE)


def gist_of(text: str, *people: Mind) -> frozenset[str]:
    """The words of `text` that mark a line as telling it: 4 letters or more, not common
    words, not the names of `people` (the speaker and the listener say those anyway);
    a possessive's "'s" aside ("Valentine's" -> "valentine")."""
    names = {w.lower() for mind in people for w in mind.name.split()}
    return frozenset(w for w in _words(text) if len(w) >= 4 and w not in _COMMON and w not in names)


def _event_gist(what: str, place: str, when: str, *people: Mind) -> tuple[frozenset[str], ...]:
    """A gathering's gist words (what it is and where), and the Topic's `what` and
    `where`: the words of what it is alone, and of its place and day ("Hobbs Cafe,
    Tuesday February 14": hobbs, cafe, tuesday, february)."""
    return _gathering_gist(what, place, *people), gist_of(what, *people), gist_of(f"{place} {when}", *people)


def _gathering_gist(what: str, place: str, *people: Mind) -> frozenset[str]:
    """A gathering's gist words: of what it is and where."""
    return gist_of(f"{what} {place}", *people)


def _words(text: str) -> set[str]:
    """The words of `text`, lower case, a possessive's "'s" aside."""
    return {re.sub(r"'s$", "", w) for w in _WORD.findall(text.lower())}


def _fact(news: str) -> str:
    """What a piece of news tells: its first sentence (what follows is what the holder
    means to do about it: "He wants to tell his friends ...")."""
    return (sentences(news) or [news])[0]


# Words that speak to the one who hears a sentence.
_TO_HEARER = re.compile(r"\b(?:you|your|yours|yourself|you're|you've|you'd|you'll)(?![\w'])", re.IGNORECASE)


def news_in(said: str) -> str:
    """What of a line one heard is news one may pass on: its sentences that do not speak
    to the one who heard them ("I'm so glad you want to talk about our friendship." is
    about the two of them, and no news to anyone else) and are news at all (not a
    question, not an exclamation of a few words: "Awesome, eh?"); a line passing on what
    another said, whole (heard_from tells it on)."""
    if is_hearsay(said):
        return said
    return " ".join(s for s in sentences(said) if is_news(s) and not _TO_HEARER.search(s))


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()[:80]
