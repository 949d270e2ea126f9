"""Dialogue: conversations between agents, the player talking to an agent, and
interviews.

In a conversation each utterance is conditioned on the speaker's summary, what it
remembers of the other, the situation and the dialogue so far; it ends when the model
says it has ended, or at a turn cap. Both agents remember every line and a summary, so
what one says becomes what the other knows: that is how news and invitations spread.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import logging
import math
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

from agent_server import character
from agent_server.assistant_speech import AssistantSpeech
from agent_server.answering import (FIRST_PERSON, NOT_KNOWING, QUOTED, Answer, Answering, answered_before, as_said,
                                    asks_the_time, asks_the_way, heard_from, is_question, last_resort, naming,
                                    no_such_kin, own_statements, points_back, said_again, sentences, statements,
                                    told_back, unanswered)
from agent_server.clock import spoken_time
from agent_server.identity import Identity, with_article
from agent_server.invitations import Invitations
from agent_server.llm.grounding import whole_sentences
from agent_server.topics import Topic, Topics, gist_of, news_in
from agent_server.memory import MemoryStore, PendingMemory
from agent_server.mind import Mind
from agent_server.options import MindOptions
from agent_server.planning import Planner
from agent_server.prompts import converse, debrief, interview, player_chat, react
from agent_server.scheduler import LLMScheduler, Priority, WorkAhead
from agent_server.town import Town
from simulacra.v1 import agents_pb2

log = logging.getLogger(__name__)

MAX_TURNS = 6
MIN_TURNS = 2
PLAYER_ID = "player"
# A conversation with the player keeps this many exchanges in its prompt; each line
# adds at most LINE_RECALL memories the agent had not recalled yet in it.
PLAYER_EXCHANGES = 8
LINE_RECALL = 5
# A sentence of a line in the first person holding this share of the words (of 4 letters
# or more, common words and the two speakers' names aside; ECHO_WORDS at least) of a
# first-person sentence someone else said to the speaker says it again as its own.
ECHO_SHARE = 0.8
ECHO_WORDS = 3
# A sentence of a line holding this many words in a row of the description of what its
# speaker wants to talk about says the prompt back (without_topic).
TOPIC_RUN = 5


@dataclass
class Conversation:
    id: str
    participant_ids: list[str]
    started_at: int
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # (speaker id, speaker name, text)
    ended_at: int = 0
    summary: str = ""
    # With the player: the prompt so far, which only grows (prompts/player_chat.py):
    # the preamble, then each exchange's turns as they were asked and answered; and
    # the memories already in it.
    preamble: list[dict[str, str]] = field(default_factory=list)
    exchanges: list[list[dict[str, str]]] = field(default_factory=list)
    recalled: set[str] = field(default_factory=set)
    # With the player: the statements it answered with from what it knows, and how well
    # each answered (answering.Answering.find's said_before); not kept in a save.
    answered: dict[str, float] = field(default_factory=dict)
    # A PrepareChat in progress (the player's line, when it comes, hastens it and
    # starts from what it evaluated).
    preparing: WorkAhead | None = None

    def record(self) -> dict:
        """What a save keeps (Conversation(**record) restores it): the conversation, not
        the prompt it was held in, which is written anew when it goes on."""
        return {"id": self.id, "participant_ids": list(self.participant_ids), "started_at": self.started_at,
                "lines": [list(line) for line in self.lines], "ended_at": self.ended_at, "summary": self.summary}

    def named_lines(self) -> list[tuple[str, str]]:
        return [(name, text) for _, name, text in self.lines]

    def to_proto(self) -> agents_pb2.ConversationView:
        return agents_pb2.ConversationView(
            conversation_id=self.id,
            participant_ids=self.participant_ids,
            started_at=self.started_at,
            ended_at=self.ended_at,
            lines=[agents_pb2.Utterance(text=t, speaker_id=s) for s, _, t in self.lines],
            summary=self.summary,
        )


class Dialogue:
    def __init__(self, planner: Planner, scheduler: LLMScheduler, memory: MemoryStore, town: Town,
                 options: MindOptions = MindOptions(), *, topics: Topics, answering: Answering,
                 invitations: Invitations | None = None, town_names: set[str] | None = None,
                 speech: AssistantSpeech | None = None) -> None:
        """`planner`: who replans after a conversation; `scheduler`: the model's, which
        the player's and interviewers' answers are asked of directly; `memory`: the stream
        both agents' memories of a conversation are written to together; `town`: whose
        name agents talking to the player live in; `topics`: what each speaker chooses to
        talk about; `answering`: a question one knows the answer to is answered with what
        one knows; `invitations`: what one hears of a gathering is kept, and may become a
        plan; `town_names`: the names anyone in the town may use without inventing them
        (the people's and the places'); `speech`: reads whether a sentence the model
        wrote is an assistant's rather than a person's (none: only the character guard
        reads it)."""
        self._planner = planner
        self._scheduler = scheduler
        self._memory = memory
        self._town = town
        self._chat_max_tokens = options.chat_max_tokens
        self._temperature = options.temperature
        self._ids = itertools.count(1)
        self.town_names: set[str] = town_names or set()
        # Answers that broke character (character.py), by what was asked: each was asked
        # again once; `fallbacks`, those whose second answer broke too.
        self.breaks: dict[str, int] = {}
        self.fallbacks = 0
        # Answers to the player that stopped before their first whole sentence (the
        # model meant to name what it was never given: llm/grounding.py), each asked again.
        self.unsaid = 0
        # Answers to the player that spoke neither as the agent nor to the player ("The
        # library's opening times vary ..."), each asked again (character.speaks_in_person).
        self.impersonal = 0
        # Sentences of conversation lines that said as the speaker's own what someone
        # else had said of themselves, said as heard instead (as_heard).
        self.attributed = 0
        # Conversation lines that said back the description of their topic (without_topic):
        # those sentences left out, the line asked again once where nothing else was said.
        self.topic_said_back = 0
        # Conversation lines that spoke of their speaker by its own name (in_own_voice):
        # "I'm happy to meet you and Carmen Ortiz." said by Carmen, "I think Sam's going to
        # make the right decision." said by Sam; those sentences left out, and what was
        # said to it by name said to "me" ('Eddy Lin said to Carlos, "..."' by Carlos).
        self.spoke_of_itself = 0
        # Conversation lines that opened by calling someone other than the listener by
        # name, said to the listener instead (addressed); and pieces of answers to the
        # player that called them by the agent's own name or another's (to_the_player).
        self.readdressed = 0
        # Lines asking the agent to play at being someone else, or speaking to the model
        # behind it, answered as itself without the model (character.asks_to_play,
        # character.addresses_the_model).
        self.declined = 0
        # Where each of the last player lines' wait went (seconds): reading whether what
        # the agent knows answers it (answering.find), and until its first words were
        # shown; and how it was answered ("declined", "farewell", "known", "unknown",
        # "model", "fallback"). The town benchmark reports them.
        self.player_timings: collections.deque[dict] = collections.deque(maxlen=256)
        self.invitations = invitations
        self.topics = topics
        self.answering = answering
        self.speech = speech

    @functools.cached_property
    def _place_names(self) -> list[str]:
        """The names of the town's places."""
        return [p.name for p in self._town.places()]

    @staticmethod
    def _known_of(mind: Mind, knows: list[str]) -> list[str]:
        """What `mind` knows that a question may ask of: the statements read for it, and
        the gatherings it heard of."""
        return [*knows, *(e.what for e in mind.state.heard_events)]

    def known_names(self, mind: Mind, other: str = "") -> set[str]:
        """The names `mind` may use: its identity's, the town's, the other's; the words
        of its occupation (an assistant by trade may say it is one), and of the kin its
        identity speaks of (a father may speak of his son, whoever calls him son)."""
        return _own_names(mind.identity) | self.town_names | {w for w in other.split() if w}

    async def _checked(self, text: str, mind: Mind, other: str, purpose: str, asked: str = "") -> str:
        """`text` (an answer to `asked`) if it keeps `mind` in character, else "" (counted
        in `breaks`). Its sentences up to the first an assistant would say (`speech`) are
        what it says; none, if that is the first."""
        broken = character.breaks_character(text, self.known_names(mind, other), asked, name=mind.name,
                                            listener=other, others=mind.identity.people)
        if not broken:
            text, broken = await self._as_a_person(text, mind)
            if text:
                return text
        self.breaks[purpose] = self.breaks.get(purpose, 0) + 1
        log.info("%s broke character (%s: %r); asking again", mind.name, purpose, broken)
        return ""

    async def _as_shown(self, more: str, taken: list[str], mind: Mind) -> tuple[str, str]:
        """`more`, the next whole sentences of `mind`'s answer whose sentences `taken` were
        shown, as far as a person would say them, and the first an assistant would (see
        _as_a_person), as they join what was shown."""
        kept, assistant = await self._as_a_person(more, mind)
        if assistant and kept and taken:
            kept = " " + kept
        return kept, assistant

    async def _as_a_person(self, text: str, mind: Mind) -> tuple[str, str]:
        """`text`'s sentences before the first that an assistant would say and a person
        would not (`speech`; `mind`'s identity in its own words is its own voice), and
        that sentence ("" if none is)."""
        if self.speech is None or not self.speech.applies:
            return text, ""
        kept: list[str] = []
        own = own_statements(mind)
        for sentence in sentences(text):
            if await self.speech.says_async(sentence, own):
                return " ".join(kept), sentence
            kept.append(sentence)
        return text, ""

    def new_conversation(self, participant_ids: list[str], now: int) -> Conversation:
        return Conversation(f"c{next(self._ids)}-{now}", participant_ids, now)

    # ---- agent and agent -----------------------------------------------------------

    async def converse(self, a: Mind, b: Mind, conversation: Conversation, clock: Callable[[], int],
                       on_line: Callable[[Mind, Mind, str], None],
                       record: Callable[[sqlite3.Connection], object] | None = None) -> Conversation:
        """Run a conversation to its end; `on_line` hears each utterance as it is said.
        Each speaker chooses what to talk about before its first line (topics.py). Both
        agents' memories of it are written in one commit with its `record`."""
        topics: dict[str, Topic | None] = {}
        for turn in range(MAX_TURNS):
            speaker, listener = (a, b) if turn % 2 == 0 else (b, a)
            now = clock()
            if speaker.id not in topics:
                topics[speaker.id] = await self.topics.choose(speaker, listener, now)
            topic = topics[speaker.id]
            memories = [s.node.description for s in speaker.recall(
                listener.name if topic is None else f"{listener.name}; {topic.text}", now, limit=6)]
            request = converse.utterance_request(
                name=speaker.name, summary=speaker.summary, clock=speaker.clock(now), doing=speaker.activity(),
                other=listener.name, memories=memories, lines=conversation.named_lines(),
                topic=topic.text if topic is not None else "",
            )
            for _ in range(2):
                said = await self._utterance(speaker, listener.name, request)
                voiced = in_own_voice(said, speaker.name, listener.name)
                if (text := without_topic(voiced, topic)) or not said:
                    break  # asked again once where the line said nothing but that
            if voiced != said:
                self.spoke_of_itself += 1
                log.info("%s's line to %s spoke of itself by name (%r): said as its own", speaker.name,
                         listener.name, said)
            if text != voiced:
                self.topic_said_back += 1
                log.info("%s's line to %s said its topic back (%r): left out", speaker.name, listener.name, voiced)
            present = [f'{name} said to {speaker.name}: "{said}"' for sid, name, said in conversation.lines
                       if sid == listener.id]
            if text and (spoken_to := addressed(text, listener.name, (*speaker.identity.people, speaker.name))) != text:
                self.readdressed += 1
                log.info("%s's line to %s opened on someone else's name (%r): said to %s", speaker.name,
                         listener.name, text, listener.first_name)
                text = spoken_to
            if text and (owned := as_heard(text, memories + present, speaker, listener,
                                           own=self.topics.own_gists(speaker, listener), present=present)) != text:
                self.attributed += 1
                log.info("%s said to %s as its own what it heard (%r): said as heard", speaker.name, listener.name,
                         text)
                text = owned
            if all(sid != speaker.id for sid, _, _ in conversation.lines):
                # Its first line: what it chose to tell is told (topics.py).
                told = self.topics.told_in(text, topic) if text else (topic.statement if topic is not None else "")
                if told != text:
                    self.topics.stated += 1
                    log.info("%s's first line to %s did not tell %r (%r): said as known", speaker.name,
                             listener.name, topic.key, text)
                    text = told
            if not text or _said_before(text, conversation):
                break  # the talk is going round in circles: that is an end too
            conversation.lines.append((speaker.id, speaker.name, text))
            on_line(speaker, listener, text)
            if turn + 1 >= MIN_TURNS:
                ended = await speaker.choose(converse.end_request(a.name, b.name, conversation.named_lines()),
                                             list(converse.END_OPTIONS), Priority.CONVERSATION, "conversation")
                if ended == 0:
                    break
        now = clock()
        conversation.ended_at = now
        for speaker, listener in ((a, b), (b, a)):
            topic = topics.get(speaker.id)
            if topic is not None and any(sid == speaker.id for sid, _, _ in conversation.lines):
                self.topics.shared(speaker, listener, topic)
        if not conversation.lines:
            return conversation
        conversation.summary = (await a.ask(converse.summary_request(a.name, b.name, conversation.named_lines()),
                                            Priority.CONVERSATION, "conversation")).strip()
        heard: list[PendingMemory] = []
        for mind, other in ((a, b), (b, a)):
            heard += [PendingMemory(mind.id, "dialogue", description, now) for description in
                      [f'{name} said to {other.name if sid == mind.id else mind.name}: "{text}"'
                       for sid, name, text in conversation.lines]
                      + [f"Conversation with {other.name}: {conversation.summary}"]]
        held = self._memory.hold(heard, also=record)  # both agents' memories and the record: one commit
        for mind, other in ((a, b), (b, a)):
            await mind.settle([p for p in held if p.agent_id == mind.id])
            mind.state.last_talked[other.id] = now
        if self.invitations is not None:
            for mind, other in ((a, b), (b, a)):
                topic = topics.get(other.id)
                await self.invitations.hear(mind, other.name, [t for sid, _, t in conversation.lines if sid == other.id],
                                            now, about=topic.event if topic is not None else None)
        return conversation

    async def _utterance(self, speaker: Mind, listener: str, request, purpose: str = "conversation") -> str:
        """A line `speaker` says to `listener`; asked again once if it breaks character,
        and "" if it breaks it again (the conversation then ends). `purpose`: a
        conversation's, or a greeting's (to the player)."""
        for _ in range(2):
            text = converse.parse_utterance(await speaker.ask(request, Priority.CONVERSATION, purpose), speaker.name)
            if text := await self._checked(text, speaker, listener, purpose):
                return text
        self.fallbacks += 1
        return ""

    # ---- the player ------------------------------------------------------------------

    def _player_prompt(self, mind: Mind, conversation: Conversation, player: str, now: int) -> list[dict[str, str]]:
        """The conversation's prompt so far, its preamble written at its first use."""
        if not conversation.preamble:
            memories = [s.node.description for s in mind.recall_for_answer(player, now)]
            occupation = mind.identity.occupation
            conversation.preamble = [player_chat.preamble(
                name=mind.name, identity=mind.own_summary, town=self._town.name,
                self_line=f"I'm {with_article(occupation)}." if occupation else f"I live here in {self._town.name}.",
                clock=mind.clock(now), doing=mind.doing(), player=player, memories=mind.of_self(memories))]
            conversation.recalled = set(memories)
        del conversation.exchanges[:-PLAYER_EXCHANGES]
        return conversation.preamble + [turn for turns in conversation.exchanges for turn in turns]

    async def prepare_player_chat(self, mind: Mind, conversation: Conversation, player: str, now: int) -> None:
        """The player is about to speak to the agent (they walked up, or the agent has
        just answered): evaluate the conversation's prompt so far and keep it warm, so
        that the line, when it comes, evaluates only itself. At the player's priority:
        the player is the one who will wait, and a busy town would otherwise leave a
        preparation unstarted by the time they have typed their line."""
        if conversation.preparing is not None:
            return  # already on its way
        messages = self._player_prompt(mind, conversation, player, now)
        conversation.preparing = work = WorkAhead()
        try:
            await work.run(self._scheduler.prepare(
                player_chat.build(messages, max_tokens=0, temperature=self._temperature),
                Priority.PLAYER, "player_chat_prepare"))
        except Exception as exc:  # only a head start: the line works without it
            log.warning("could not prepare %s's conversation with %s: %s", mind.name, player, exc)
        finally:
            conversation.preparing = None
        # Then, below the player's priority (their line never waits for it) and above the
        # town's, what any question is read against (Answering.ahead): the first question
        # otherwise reads the agent's identity from nothing; later ones find it kept.
        try:
            await self.answering.ahead(mind, priority=Priority.INTERVIEW, purpose="player_chat_prepare")
        except Exception as exc:  # only a head start, as the preparation
            log.warning("could not read ahead for %s's conversation with %s: %s", mind.name, player, exc)

    async def player_chat(self, mind: Mind, conversation: Conversation, player: str, text: str,
                          now: int, *, here: str = "") -> AsyncIterator[str]:
        """Stream the agent's answer; the exchange joins the conversation. Remembering it
        (after_player_chat) is left to the caller, so the answer is complete at once.
        `here`: the place id the agent is at, as the world last reported it."""
        timing = {"preparing_s": 0.0, "reading_s": 0.0, "model_first_s": None, "first_shown_s": None, "tries": 0,
                  "how": "model"}
        started = time.perf_counter()
        if conversation.preparing is not None:
            # The player spoke before the preparation was done: it is finished first, at
            # the player's priority, and the line starts from what it evaluated, rather
            # than evaluating the whole prompt again beside it.
            await conversation.preparing.wait(self._scheduler, Priority.PLAYER)
            timing["preparing_s"] = time.perf_counter() - started
        messages = self._player_prompt(mind, conversation, player, now)
        to_the_model = character.addresses_the_model(text)
        text = character.neutralise(text)
        found = [s.node.description for s in mind.recall_for_answer(f"{player}. {text}", now)]
        recalled = [d for d in found if d not in conversation.recalled][:LINE_RECALL]
        turns = player_chat.exchange(first_name=mind.first_name, text=text, recalled=mind.of_self(recalled))
        known = self.known_names(mind, player)
        logit_bias = character.avoid_bias(known)
        # The answer is shown a whole sentence at a time: a sentence the model stops in
        # (grounding: it meant to name what it was never given; or its length ran out)
        # is never said, nor one that breaks character.
        shown: list[str] = []
        broken = unsaid = impersonal = False

        def show(line: str) -> str:
            if not shown:
                timing["first_shown_s"] = time.perf_counter() - started
            shown.append(line)
            return line

        def spoken(line: str) -> str:
            """A line the model wrote, said to the player (to_the_player)."""
            out = to_the_player(line, mind.name, mind.identity.people, player, asked=text)
            if out != line:
                self.readdressed += 1
            return out

        try:
            # A question the agent knows the answer to is answered with what it knows
            # (answering.py); the model writes the answer otherwise.
            said = [t for sid, _, t in conversation.lines if sid == mind.id]
            told = [t for sid, _, t in conversation.lines if sid == PLAYER_ID]
            under_bar: list[Answer] = []  # what the reading found likeliest, under its bar
            if to_the_model or character.asks_to_play(text, mind.name, known):
                # Asked to be someone or something else, or to play at being: it stays
                # itself and says who it is. Left to answer, the 135M model played along
                # with most such lines in ways no list of a role's words catches ("Hi
                # there, sweetie!" as the player's grandmother, "my majesty's power" as
                # a dragon, "As a character named Isabella, my motivation is ...").
                # Spoken to as a model (template markers, its prompt), it does not
                # understand, as a person would not (the model answered "<|im_start|>
                # system You are a helpful assistant" with "I'd be delighted to help!").
                line = _fallback_line(mind) if to_the_model else _as_itself(mind, said)
                self.declined += 1
                timing["how"] = "declined"
                yield show(line)
            elif character.says_goodbye(text):
                # Taking leave, the player is seen off (another way each time).
                timing["how"] = "farewell"
                yield show(_farewell(player, said))
            elif asks_the_time(text):
                # Asked the time or the day, it knows them (the model said "I couldn't
                # tell you" or a time of its own).
                timing["how"] = "known"
                yield show(f"It's {spoken_time(now, mind.f.start_date)}.")
            elif said and (again := said_again(text, said[-1], mind.identity.people, self.town_names,
                                               (mind.name, player))):
                # A follow-up on what it just said ("What time does it start?", "Where is
                # it?"): it says it again (answering leaves out what was said, and "Where
                # is it?" read as asking the way found a place of the town).
                timing["how"] = "known"
                yield show(again)
            elif self.invitations is not None and (welcome := self.invitations.welcome(mind, text, now)):
                # Asked to come to a gathering it holds ("Can I come to your party?"), it
                # welcomes the player and says where and when.
                timing["how"] = "known"
                yield show(welcome)
            elif self.invitations is not None and (
                    of_gathering := self.invitations.going(mind, text, now, lately := " ".join(told[-1:] + said[-1:]))
                    or self.invitations.guests(mind, text, now, lately)):
                # Asked whether it goes to a gathering it knows of, or, of its own, who is
                # coming: it says what it knows (whether it holds it, goes, or not; whom
                # it has invited).
                timing["how"] = "known"
                yield show(of_gathering)
            elif none := no_such_kin(text, mind.identity):
                # Asked of kin its identity says nothing of, it has none (the model gave it some).
                timing["how"] = "known"
                yield show(none)
            else:
                knows = statements(mind, found, player, told)
                if asks_the_way(text):
                    # Asked the way, it knows its town: where its places are, and its people live.
                    knows += [s for s in self._planner.places.directions(mind, here) if s not in knows]
                reading = time.perf_counter()
                # A question pointing back ("When is it?") is read with the player's line
                # before, which it may point to ("I heard you're throwing a party.").
                before = told[-1] if told and points_back(text, (mind.name, player)) else ""
                # What it answered with before it may say again where nothing new answers
                # and it answers this question as well; asked the same question again,
                # what it knew then, as anything it knows.
                again = dict(conversation.answered) | dict.fromkeys(
                    answered_before(text, [(sid == PLAYER_ID, t) for sid, _, t in conversation.lines]), -math.inf)
                answer = await self.answering.find(mind, text, knows, priority=Priority.PLAYER, purpose="player_chat",
                                                   asker=player, unsaid=said, context=before, said_before=again,
                                                   under_bar=under_bar)
                timing["reading_s"] = time.perf_counter() - reading
                statement = answer.text if answer is not None else ""
                if answer is not None and statement in again:
                    answer = Answer(as_said(statement, mind.identity.people, self.town_names), answer.nats)
                if (answer is not None and character.speaks_in_person(answer.text, player)
                        and not character.breaks_character(answer.text, known, text, name=mind.name, listener=player,
                                                           pushed=tuple(told))):
                    timing["how"] = "known"
                    conversation.answered[statement] = max(answer.nats, conversation.answered.get(statement, -math.inf))
                    yield show(answer.text)
                elif answer is None and (unknown := unanswered(text, self._known_of(mind, knows), self._place_names)) \
                        and self.answering.reads("player_chat"):
                    # Asked whether it heard of something, or a fact of the world, and nothing
                    # it knows answers: it tells what it knows that names it, or it has not
                    # heard, or does not know (the model would tell of what it never heard).
                    line = naming(text, [k for k in knows if k not in said], asker=player)
                    if line is None and (again := naming(text, [k for k in knows if k in said], asker=player)):
                        # What it said already names it: it says so again, rather than
                        # that it never heard of it.
                        line = as_said(again, mind.identity.people, self.town_names)
                    line = line if line and character.speaks_in_person(line, player) and not character.breaks_character(
                        line, known, text, name=mind.name, listener=player, pushed=tuple(told)) else unknown
                    timing["how"] = "unknown"
                    yield show(line)
            for attempt in range(0 if shown else 2):
                # A second try, at the player's priority: after an answer that broke
                # character, the same prompt sampled anew and warmer (a reminder in the
                # prompt, "Tom is not a computer", was parroted back by a small model as
                # the answer); after one that stopped before its first whole sentence,
                # sampled anew. (Greedy, the 135M model's likeliest answer was an
                # assistant's more often than a grounded one.)
                temperature = self._temperature + (0.3 if broken else 0.0)
                request = player_chat.build(messages + turns, max_tokens=self._chat_max_tokens,
                                            temperature=temperature, logit_bias=logit_bias)
                guard = character.CharacterGuard(known=known, asked=text, name=mind.name, listener=player,
                                                 pushed=tuple(told), others=mind.identity.people,
                                                 said=tuple(said))
                passed = ""  # what the guard let through
                taken: list[str] = []  # what of it was shown, as written (then said to the player: spoken)
                assistant = ""  # a sentence only an assistant would say (`speech`), not said
                async with contextlib.aclosing(self._scheduler.stream(
                        request, Priority.PLAYER, "player_chat", keep_prompt=not attempt)) as pieces:
                    timing["tries"] += 1
                    async for piece in pieces:
                        if timing["model_first_s"] is None:
                            timing["model_first_s"] = time.perf_counter() - started
                        passed += guard.feed(piece)
                        if out := _in_person(passed, taken, player):
                            out, assistant = await self._as_shown(out, taken, mind)
                            if out:
                                taken.append(out)
                                yield show(spoken(out))
                        if guard.broken or assistant:
                            break
                if not guard.broken and not assistant:
                    passed += guard.finish()
                    if out := _in_person(passed, taken, player):
                        out, assistant = await self._as_shown(out, taken, mind)
                        if out:
                            taken.append(out)
                            yield show(spoken(out))
                broken = bool(guard.broken or assistant)
                if broken:
                    self.breaks["player_chat"] = self.breaks.get("player_chat", 0) + 1
                    log.info("%s broke character with %s (%r)%s", mind.name, player,
                             guard.broken or f"an assistant's sentence: {assistant}", "" if shown else "; asking again")
                elif not shown and _more_sentences(passed, shown):
                    impersonal = True
                    self.impersonal += 1
                    log.info("%s's answer to %s spoke neither as itself nor to them (%r); asking again",
                             mind.name, player, passed[:60])
                elif not shown:
                    unsaid = True
                    self.unsaid += 1
                    log.info("%s's answer to %s stopped before a whole sentence (%r); asking again",
                             mind.name, player, passed[-60:])
                if shown:
                    break  # what was shown stands
            if not shown:
                # Nothing whole was said twice: the agent does not know, if the model
                # once meant to make something up or, asked something, answered it as
                # no person would; else the line in character. Asked whether it is a
                # machine, it knows it is not: "I couldn't tell you" would say it might be.
                self.fallbacks += 1
                timing["how"] = "fallback"
                line = (NOT_KNOWING if (unsaid or (impersonal and is_question(text)))
                        and not character.asks_if_machine(text) else _fallback_line(mind))
                # Asked of itself, what it read likeliest of its own identity, rather than
                # that it does not know ("What's your line of work?").
                if line == NOT_KNOWING and (own := last_resort(text, under_bar, mind)):
                    timing["how"] = "known"
                    line = own
                yield show(line)
        finally:
            self.player_timings.append({**timing, "whole_s": time.perf_counter() - started})
            answer = whole_sentences("".join(shown)) or "".join(shown).strip()
            conversation.lines.append((PLAYER_ID, player, text))
            conversation.lines.append((mind.id, mind.name, answer))
            conversation.exchanges.append(turns + [{"role": "assistant", "content": answer}])
            conversation.recalled.update(recalled)

    def hold_player_exchange(self, mind: Mind, conversation: Conversation, player: str, now: int,
                             record: Callable[[sqlite3.Connection], object]) -> list[PendingMemory]:
        """The agent's memories of the player's last line and its answer, written at once
        in one commit with the conversation's `record` (Mind.hold), rated later."""
        text, answer = conversation.lines[-2][2], conversation.lines[-1][2]
        return mind.hold("dialogue", [f'{player} said to {mind.name}: "{text}"',
                                      f'{mind.name} said to {player}: "{answer}"'], now, also=record)

    async def after_player_chat(self, mind: Mind, conversation: Conversation, player: str, now: int,
                                held: list[PendingMemory]) -> None:
        """The agent remembers the player's last line and its answer (`held`:
        hold_player_exchange), and may replan."""
        text = conversation.lines[-2][2]
        await mind.settle(held)
        if self.invitations is not None:
            await self.invitations.hear(mind, player, [text], now)
        await self.maybe_replan(mind, player, conversation, now)

    async def greet(self, mind: Mind, player: str, conversation: Conversation, now: int,
                    record: Callable[[sqlite3.Connection], object] | None = None) -> str:
        """One line the agent says to the player it has noticed, remembered as said: the
        memory is written in one commit with the conversation's `record`, and rated after."""
        memories = [s.node.description for s in mind.recall(player, now, limit=6)]
        request = converse.utterance_request(
            name=mind.name, summary=mind.summary, clock=mind.clock(now), doing=mind.doing(),
            other=player, memories=memories, lines=conversation.named_lines(),
        )
        text = await self._utterance(mind, player, request, "greeting")
        if not text or _said_before(text, conversation):
            return ""
        conversation.lines.append((mind.id, mind.name, text))
        conversation.exchanges.append([{"role": "assistant", "content": text}])
        conversation.ended_at = now
        held = mind.hold("dialogue", [f'{mind.name} said to {player}: "{text}"'], now, also=record)
        await mind.settle(held)
        return text

    async def maybe_replan(self, mind: Mind, other: str, conversation: Conversation, now: int) -> bool:
        request = react.replan_request(
            name=mind.name, summary=mind.summary, clock=mind.clock(now), other=other,
            transcript=converse.transcript(conversation.named_lines()[-6:]), plan=mind.remaining_plan(now),
        )
        if await mind.choose(request, list(react.REPLAN_OPTIONS), Priority.REACTION, "react") != 0:
            return False
        last = conversation.lines[-2][2] if len(conversation.lines) >= 2 else ""
        await self._planner.replan(mind, now, because=f'{other} said "{last}"')
        return True

    async def debrief(self, mind: Mind, player: str, goal: str, lines: list[tuple[str, str]], now: int):
        """The character's feedback to the player on a rehearsal, from what it remembers of
        them (the lines said, what it made of them, its reflections), and the memories it
        drew on. Nothing is stored: the debrief is outside the world."""
        used = mind.recall_for_answer(f"{player}: what they said and asked, and what {mind.first_name} thinks "
                                      "of them", now, touch=False)
        request = debrief.build(name=mind.name, summary=mind.own_summary, player=player, goal=goal,
                                memories=mind.of_self([s.node.description for s in used]), lines=lines[-12:],
                                max_tokens=self._chat_max_tokens * 2)
        text = (await self._scheduler.complete(request, Priority.PLAYER, "debrief")).text
        return interview.clean(text, mind.name), used

    # ---- interviews --------------------------------------------------------------------

    async def interview(self, mind: Mind, question: str, now: int, *, priority: Priority = Priority.PLAYER,
                        max_tokens: int | None = None):
        """The agent's answer and the memories it drew on. Nothing is stored, and the
        memories' last-access times are left as they were: not an in-world event. A
        person waits for it (the player's priority) unless `priority` says otherwise."""
        used = mind.recall_for_answer(question, now, touch=False)
        memories = [s.node.description for s in used]
        question = character.neutralise(question)
        if none := no_such_kin(question, mind.identity):
            return none, used  # kin its identity says nothing of: it has none
        # A question the agent knows the answer to is answered with what it knows.
        knows = statements(mind, memories, "")
        answer = await self.answering.find(mind, question, knows, priority=priority, purpose="interview")
        if answer is not None and not character.breaks_character(answer.text, self.known_names(mind), question,
                                                                 name=mind.name):
            return answer.text, used
        if answer is None and (unknown := unanswered(question, self._known_of(mind, knows), self._place_names)) \
                and self.answering.reads("interview"):
            # Nothing it knows answers: what it knows that names it, or it has not heard,
            # or does not know.
            line = naming(question, knows)
            if line and not character.breaks_character(line, self.known_names(mind), question, name=mind.name):
                return line, used
            return unknown, used
        for attempt in range(2):
            request = interview.build(name=mind.name, summary=mind.own_summary,
                                      memories=mind.of_self(memories), question=question,
                                      max_tokens=max_tokens or self._chat_max_tokens, again=bool(attempt))
            answer = interview.clean((await self._scheduler.complete(request, priority, "interview")).text,
                                     mind.name)
            if kept := await self._checked(answer, mind, "", "interview", asked=question):
                return kept, used
        self.fallbacks += 1
        # An empty answer stopped before its first whole sentence (llm/grounding.py).
        return ("I'd rather not answer that." if answer else NOT_KNOWING), used


# A line's opening words that call the one spoken to by name: "May, ...", "Hi May! ...",
# "Oh, hello May, ...".
_CALLING = re.compile(r"^((?:(?:oh|ah|well|hi|hey|hello|good (?:morning|afternoon|evening)|morning|evening),?\s+){0,2})"
                      r"([A-Z][\w'-]*)(?=[!.?]|,(?!\s+(?:my|the|a|an|our|his|her|their|who|whose|which)\b))",
                      re.IGNORECASE)


def addressed(text: str, listener: str, people: Iterable[str]) -> str:
    """`text`, a line said to `listener`, calling them by their first name where it opens
    by calling someone else of `people` (the speaker's world) by theirs: a small model
    copies the line it said to the last one it spoke to ("May, I'm holding a party ...",
    said to Diego). A name that is not someone's ("Wow, ..."), and one that is the subject
    of the sentence ("Sam, my neighbour, is running for mayor."), are left as they are."""
    m = _CALLING.match(text)
    first = listener.split()[0] if listener.split() else ""
    if m is None or not first or m[2] == first or not m[2][:1].isupper():
        return text
    others = {n.split()[0] for n in people if n.split() and n.split()[0] != first}
    return text[:m.start(2)] + first + text[m.end(2):] if m[2] in others else text


# How one calls someone by their surname.
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"


def to_the_player(text: str, name: str, people: Iterable[str], player: str, asked: str = "") -> str:
    """`text`, sentences of an answer to `player` by the agent called `name`, calling the
    player by their first name where a sentence opens by calling them by its own or
    another's of `people` ("Good morning, Sam." said by Sam), or ends by calling them by
    its own, or by the title and surname the player's line `asked` called the agent by
    ("It's a pleasure to have you, Sam."; "Good evening, Mr. Kowalski!" said by Stanislaw
    Kowalski to "Good evening, Mr Kowalski."); an ending name of someone else may be said
    of them ("I live with my wife, Jane.", "... my wife, Mrs. Moreno." said by Tom Moreno
    to one who did not call him so) and is left."""
    first, own = (player.split() or [""])[0], (name.split() or [""])[0]
    if not first:
        return text
    surname = name.split()[-1] if len(name.split()) > 1 else ""
    titled = rf"{_TITLES}\s+{re.escape(surname)}"
    calls = "|".join([re.escape(own)] * bool(own and own != first)
                     + [titled] * bool(surname and re.search(rf"\b{titled}\b", asked)))
    parts = re.split(r"(?<=[.!?])(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bMx\.)(?<!\bDr\.)(\s+)", text)
    for i in range(0, len(parts), 2):
        lead = parts[i][:len(parts[i]) - len(parts[i].lstrip())]
        parts[i] = lead + addressed(parts[i].lstrip(), player, (*people, name))
        if calls:
            parts[i] = re.sub(rf",\s+(?:{calls})(?=\s*[.!?]+[\"'”]?\s*$)", f", {first}", parts[i])
    return "".join(parts)


def as_heard(text: str, heard: list[str], speaker: Mind, listener: Mind,
             own: list[frozenset[str]] = (), present: Iterable[str] = ()) -> str:
    """`text`, a line of `speaker`'s to `listener`, with each of its sentences in the first
    person that says again what someone else said to it of themselves (a dialogue
    memory of `heard`; ECHO_SHARE of its words) said as heard: 'Sam Moore told me, "I
    have decided to run for mayor."', or to the one who said it, "You told me you have
    decided ...". A small model copies a line it recalls into the mouth of one who only
    heard it: Tom Moreno told Arthur "I have decided to run for mayor of Smallville",
    which Sam had told him that morning. A sentence holding the gist words of one of
    `own` (what is the speaker's own to tell: Topics.own_gists) stays its own: the host
    of a party says "I'm holding the party" however many guests have said it back.
    A sentence that says again what the listener said in this conversation (`present`:
    its lines, as `heard` holds them) is left out, not told back to them ("You told me
    you have decided to run for mayor", said to the one who had just said so, is the
    line parroted); so is one that says again what a third said to the speaker in the
    second person (topics.news_in: 'Rajiv Patel told me, "I just love your style."' is
    no news to pass on). "" where nothing else is said."""
    present = set(present)
    theirs = [(quoted["who"], said, description in present) for description in heard
              if (quoted := QUOTED.match(description)) and quoted["who"] != speaker.name
              and quoted["whom"] == speaker.name
              for said in sentences(quoted["said"]) if FIRST_PERSON.search(said)]
    if not theirs:
        return text
    out = []
    for sentence in sentences(text):
        words = gist_of(sentence, speaker, listener) if FIRST_PERSON.search(sentence) else frozenset()
        if len(words) >= ECHO_WORDS and not any(gist and gist <= words for gist in own):
            for who, said, just_said in theirs:
                if len(words & gist_of(said, speaker, listener)) >= ECHO_SHARE * len(words):
                    if who == listener.name:
                        sentence = "" if just_said else told_back(said)
                    else:
                        sentence = heard_from(who, said) if news_in(said) else ""
                    break
        if sentence:
            out.append(sentence)
    return " ".join(out)


def without_topic(text: str, topic: Topic | None) -> str:
    """`text` without its sentences that say back the description of what the speaker
    chose to talk about, where that is a description and not what to tell (a topic with
    no statement: how things are between the two, what the other is doing, small talk):
    TOPIC_RUN of its words in a row, those in brackets aside. "I want to talk about how
    things are between them." is the prompt's "X wants to talk about <topic>." copied,
    not something a person says. "" where nothing else is said."""
    if topic is None or topic.statement:
        return text
    runs = _runs(_words_of(re.sub(r"\([^()]*\)", " ", topic.text)))
    if not runs:
        return text
    return " ".join(s for s in sentences(text) if not runs & _runs(_words_of(s)))


# What a line says to its speaker, by name: the memory stream's 'Eddy Lin said to Carlos:'
# copied into a line of Carlos's; said to "me" (not after "I": "I told me" says nothing).
_TO_SELF = r"(?<!\bI )\b(said to|says to|told|asked|wrote to) {name}\b"
# Where a speaker names itself as itself: "I'm Carmen.", "My name is Carmen Ortiz".
_INTRODUCING = r"\b(?:I'm|I am|[Mm]y name is|[Cc]all me|[Tt]his is|[Ii]t's me,?) {name}\b"
# A span in single quotes: what someone said, ending as a clause ends ('Awesome, eh?').
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'(?=\w).*?[.!?,]'(?![\w'])")


def in_own_voice(text: str, name: str, listener: str) -> str:
    """`text`, a line the agent called `name` says to `listener`, without its sentences
    that speak of the agent by its own name, outside what they quote: a person speaks of
    itself as "I" ("I'm happy to meet you and Carmen Ortiz." said by Carmen, "I think
    Sam's going to make the right decision." by Sam, "I don't know Maria." by Maria).
    What was said to it by name is said to "me" ('Eddy Lin said to Carlos, "Awesome,
    eh?"' by Carlos: 'Eddy Lin said to me, ...'); a sentence where it gives its name
    ("Hi, I'm Carmen.") is its own. Its first name is not looked for where the listener
    shares it (it may be theirs). "" where nothing else is said."""
    if not name.strip():
        return text
    first, listener_first = name.split()[0], (listener.split() or [""])[0]
    forms = [name] + ([first] if first != listener_first and first != name else [])
    called = "(?:" + "|".join(re.escape(f) for f in forms) + ")"
    named = re.compile(rf"\b{called}\b")
    to_self = re.compile(_TO_SELF.format(name=called))
    introducing = re.compile(_INTRODUCING.format(name=called))

    def names_itself(outside: str) -> bool:
        return named.search(introducing.sub(" ", outside)) is not None

    kept, quoting, changed = [], False, False
    for sentence in _pieces(text):
        outside, after = _outside_quotes(sentence, quoting)
        if names_itself(outside):
            changed = True
            sentence = to_self.sub(r"\1 me", sentence)  # touches no quote: `after` holds
            if names_itself(_outside_quotes(sentence, quoting)[0]):
                sentence = ""
        quoting = after
        if sentence:
            kept.append(sentence)
    return " ".join(kept) if changed else text


# Where a sentence ends: after its stop and a closing quote, before the next one's start.
_PIECE_END = re.compile(r"[.!?][\"'\u201d]?(?=\s+[\"'\u201c]?[A-Z0-9])")


def _pieces(text: str) -> list[str]:
    """`text`'s sentences as written, each with its closing quote (answering.sentences
    leaves that out: whole sentences of what was said, not of what quotes it)."""
    out, start = [], 0
    for end in _PIECE_END.finditer(text):
        out.append(text[start:end.end()].strip())
        start = end.end()
    out.append(text[start:].strip())
    return [p for p in out if p]


def _outside_quotes(sentence: str, quoting: bool) -> tuple[str, bool]:
    """What of `sentence` is outside double quotes (entered inside them where `quoting`)
    and outside single-quoted speech, and whether a quote is still open at its end."""
    out = []
    for ch in sentence:
        if ch in '"\u201c\u201d':
            quoting = ch == "\u201c" or (ch == '"' and not quoting)
        elif not quoting:
            out.append(ch)
    return _SINGLE_QUOTED.sub(" ", "".join(out)), quoting


def _words_of(text: str) -> list[str]:
    """`text`'s words in order, in lower case."""
    return re.findall(r"[a-z']+", text.lower())


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    """Every TOPIC_RUN of `words` in a row."""
    return {tuple(words[i:i + TOPIC_RUN]) for i in range(len(words) - TOPIC_RUN + 1)}


def _said_before(text: str, conversation: Conversation) -> bool:
    words = set(_words_of(text))
    for _, _, earlier in conversation.lines:
        before = set(_words_of(earlier))
        if words and len(words & before) / len(words | before) > 0.8:
            return True
    return False


def _more_sentences(text: str, shown: list[str]) -> str:
    """The whole sentences of `text` beyond those already `shown` (with the space before)."""
    whole = whole_sentences(text)
    return whole[len("".join(shown)):]


def _in_person(text: str, shown: list[str], player: str) -> str:
    """_more_sentences, held back until the answer, so far, speaks as the agent or to
    the player (character.speaks_in_person): sentences before that are shown with the
    one that does, or never."""
    out = _more_sentences(text, shown)
    return out if out and character.speaks_in_person("".join(shown) + out, player) else ""


# What the agent says to a player taking leave: a different way each time in one
# conversation (character.says_goodbye).
_FAREWELLS = ("Goodbye, {first}! Take care.", "See you around, {first}.", "Bye now, {first}. Come by again soon.")


def _farewell(player: str, said: list[str]) -> str:
    """A farewell to `player`, other than the ones the agent `said` in the conversation."""
    first = (player.split() or [""])[0]
    lines = [f.format(first=first) if first else f.replace(", {first}", "") for f in _FAREWELLS]
    return next((line for line in lines if line not in said), lines[len(said) % len(lines)])


def _who(mind: Mind) -> str:
    """ "I'm Tom, the owner of Harvey Oak Supply Store": who the agent is, said plainly."""
    occupation = mind.identity.occupation
    return f"I'm {mind.first_name}, {with_article(occupation)}" if occupation else f"I'm {mind.first_name}"


def _fallback_line(mind: Mind) -> str:
    """What the agent says when two answers in a row broke character: in its own
    character, from its identity, and plainly not an answer (counted in
    Dialogue.fallbacks)."""
    return f"Sorry, I'm not sure what you mean. {_who(mind)}."


# What the agent says, asked to play at being someone else: a different way each time in
# one conversation (character.asks_to_play).
_AS_ITSELF = ("I'm not one for games, I'm afraid. {who}.", "I'd rather just be myself. {who}.",
              "No, I'm still just me. {who}.")


def _as_itself(mind: Mind, said: list[str]) -> str:
    """The agent's answer to a line asking it to be someone else (`said`: its lines so far
    in the conversation)."""
    who = _who(mind)
    return _AS_ITSELF[sum(1 for s in said if s.endswith(f" {who}.")) % len(_AS_ITSELF)].format(who=who)


@functools.lru_cache(maxsize=1024)
def _own_names(identity: Identity) -> frozenset[str]:
    """The names and words an identity lets its agent use (Dialogue.known_names): read
    for every line checked, so read once for each identity."""
    return frozenset(identity.known_names() | set(re.findall(r"[a-z]+", (identity.occupation or "").lower()))
                     | character.kin_words(identity.own_words()) | character.trade_words(identity.own_words()))
