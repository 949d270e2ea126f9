"""One agent's mind: who it is, what it intends today, and the state its cognition keeps
between calls. The memories live in the memory stream (memory/); everything else an
agent's mind holds is here and is saved with the simulation (get_state / set_state).

The cognitive functions that read and change a mind are their own modules:
planning.py, places.py, reacting.py, reflection.py and dialogue.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from agent_server.clock import calendar_day, calendar_time, day_of, format_game_time
from agent_server.detail import LevelOfDetail
from agent_server.identity import Identity
from agent_server.importance import ImportanceRater
from agent_server.journal import Journal
from agent_server.llm.base import LLMRequest
from agent_server.memory import (MemoryNode, MemoryStore, NewMemory, PendingMemory, RetrievalWeights, Retriever,
                                 ScoredMemory)
from agent_server.prompts.phrases import progressive
from agent_server.scheduler import LLMScheduler, Priority, Urgency, urgent_work
from agent_server.town import Town
from simulacra.v1 import agents_pb2

# A retrieval for a prompt fits in this many tokens of memories; answering a person (the
# player, an interviewer) may draw on more, since the whole answer rests on recall.
MEMORY_BUDGET_TOKENS = 220
ANSWER_BUDGET_TOKENS = 700
# ...only the memories most related to the question compete for it, and relevance counts
# double: a person asking about one thing wants that, not the day's latest news.
ANSWER_RELEVANCE_POOL = 20
ANSWER_RELEVANCE_FACTOR = 2.0


@dataclass
class Step:
    """One item of a plan: a start (game seconds), a length, what, and where."""

    start: int
    minutes: int
    description: str
    place_id: str = ""
    # A whole chunk followed as one action, not decomposed (a distant agent: detail.py).
    coarse: bool = False
    # The agent it goes to see, on a visit (places.py): it talks with them there; for an
    # hour's chunk, places.ANYONE: a round of visits to everyone it knows.
    visiting: str = ""

    @property
    def end(self) -> int:
        return self.start + self.minutes * 60

    def covers(self, game_time: int) -> bool:
        return self.start <= game_time < self.end

    def to_proto(self) -> agents_pb2.PlanItem:
        return agents_pb2.PlanItem(
            start_time=self.start, duration_minutes=self.minutes, description=self.description, place_id=self.place_id
        )


@dataclass
class HeardEvent:
    """A gathering the agent heard of: what, who told it, where, when."""

    what: str
    teller: str
    place_id: str
    start: int
    end: int
    heard_at: int
    # Whether the agent decided to go (a commitment of its plan holds it).
    going: bool = False
    # Whom the agent has told of it since (what it may still pass on).
    told: list[str] = field(default_factory=list)


@dataclass
class MindState:
    # The daily model-written summary (shown in the inspector), and its last sentence,
    # how the agent feels about its recent progress, which prompts carry beside the
    # identity block.
    summary: str = ""
    feeling: str = ""
    summary_day: int = -1
    day: int = -1
    wake_hour: int = 7
    # When the agent goes to bed today, in minutes after midnight (24 * 60: not before
    # midnight): its routine's bedtime, else planning.BEDTIME_HOUR.
    bed_minute: int = 23 * 60
    day_plan: list[Step] = field(default_factory=list)
    hourly: list[Step] = field(default_factory=list)
    actions: list[Step] = field(default_factory=list)
    importance_since_reflection: int = 0
    # Sectors the agent knows (has lived in, heard of in its seed, or seen).
    known_sectors: list[str] = field(default_factory=list)
    # The last observation of each subject, so a repeated one is not stored again.
    last_seen: dict[str, str] = field(default_factory=dict)
    # Game time of the last conversation with each other agent.
    last_talked: dict[str, int] = field(default_factory=dict)
    # Cached place choices for routine actions: action text -> place id.
    place_cache: dict[str, str] = field(default_factory=dict)
    # What the agent has committed to be at, whatever its plans say: an event it hosts
    # (and the hour it gets the place ready), one it has decided to go to. Each holds
    # the hours it overlaps, at its place (Planner.hold_commitments).
    commitments: list[Step] = field(default_factory=list)
    # Gatherings it heard of (invitations.py).
    heard_events: list[HeardEvent] = field(default_factory=list)
    # Topics it has brought up, and with whom: topic key -> agent ids (topics.py).
    told: dict[str, list[str]] = field(default_factory=dict)
    # When it last set out to see each agent on a visit (places.py): agent id -> game time.
    visited: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MindState":
        data = dict(data)
        for key in ("day_plan", "hourly", "actions", "commitments"):
            data[key] = [Step(**s) for s in data.get(key, [])]
        data["heard_events"] = [HeardEvent(**e) for e in data.get("heard_events", [])]
        return cls(**data)


@dataclass
class Faculties:
    """What every mind thinks with: the model, the memory stream, retrieval, importance."""

    scheduler: LLMScheduler
    memory: MemoryStore
    retriever: Retriever
    importance: ImportanceRater
    town: Town
    # Where what happens is recorded (a run's replay log); no one listens by default.
    journal: Journal = field(default_factory=Journal)
    # The calendar date of day 1 ("2023-02-13"); empty: plain "Day N" clocks.
    start_date: str = ""
    # How much detail each agent thinks in (full unless the player is far: detail.py).
    detail: LevelOfDetail = field(default_factory=LevelOfDetail)


class Mind:
    def __init__(self, agent: agents_pb2.Agent, faculties: Faculties, state: MindState | None = None,
                 identity: Identity | None = None) -> None:
        self.agent = agent
        # Who the agent is, from the scenario (Scenario.identity); by default what the
        # agent's own message says.
        self.identity = identity or Identity.of_agent(agent)
        self.f = faculties
        self.state = state or MindState()
        # One cognitive process at a time per mind: plans are not rewritten under a
        # decision that is reading them.
        self.lock = asyncio.Lock()
        # Whoever holds the lock (holding()), and the urgency of its model work.
        self.holder = ""
        self.holder_urgency: Urgency | None = None
        self.in_conversation: str = ""
        self.current: Step | None = None

    @contextlib.asynccontextmanager
    async def holding(self, holder: str):
        """Hold the mind's lock for `holder` (what for, as a waiter would name it). The
        model work done meanwhile runs under an Urgency of its own, which the agent
        raises if it asks what to do next while it waits for the lock
        (Society.next_action): a reaction rewriting the plan, for instance."""
        async with self.lock:
            self.holder, self.holder_urgency = holder, Urgency()
            try:
                with urgent_work(self.holder_urgency):
                    yield
            finally:
                self.holder, self.holder_urgency = "", None

    @property
    def id(self) -> str:
        return self.agent.id

    @property
    def name(self) -> str:
        return self.agent.name

    @property
    def first_name(self) -> str:
        return self.agent.name.split()[0]

    def planned_for(self, now: int) -> bool:
        """Whether the agent has planned the day `now` falls in."""
        return self.state.day == day_of(now)

    @property
    def summary(self) -> str:
        """What every prompt the agent speaks or decides from begins with: its fixed
        identity block, how it feels lately (from the daily summary, which adds to the
        block and never replaces it), and the plan item it is on."""
        return self._summary(own_words=False)

    @property
    def own_summary(self) -> str:
        """`summary` in the agent's own words (Identity.own_words): what the prompts it
        answers the player and interviewers from begin with."""
        return self._summary(own_words=True)

    def _summary(self, *, own_words: bool) -> str:
        said = self.identity.of_self if own_words else (lambda text: text)
        lines = [self.identity.own_words() if own_words else self.identity.block()]
        if self.state.feeling:
            lines.append(f"Lately: {said(self.state.feeling)}")
        chunk = self.chunk_at(self.current.start) if self.current is not None else None
        if chunk is not None:
            lines.append(f"{'My plan' if own_words else 'Plan'} for this hour: {said(chunk.description)}")
        return "\n".join(lines)

    def of_self(self, memories: list[str]) -> list[str]:
        """Memories as the agent says them of itself ("I am planning a party ...")."""
        return [self.identity.of_self(m) for m in memories]

    # ---- memory ----------------------------------------------------------------

    async def remember(self, kind: str, descriptions: list[str], now: int,
                       evidence: list[tuple[int, ...]] | None = None,
                       priority: Priority = Priority.IMPORTANCE) -> list[MemoryNode]:
        """Rate and store memories; their importance counts towards the next reflection.
        `priority`: that of whoever waits for them (an agent's next action waits for the
        plan it will follow to be stored); by default, importance's own, the lowest.
        What is not a reflection is written at once, before it is rated (`hold`), so a
        crash while the model is busy loses none of it."""
        if not descriptions:
            return []
        if kind != "reflection":
            return await self.settle(self.hold(kind, descriptions, now), priority)
        ratings = await self.f.importance.rate(descriptions, priority)
        nodes = self.f.memory.add_many(
            [
                NewMemory(self.id, kind, text, now, rating, tuple(evidence[i]) if evidence else ())
                for i, (text, rating) in enumerate(zip(descriptions, ratings))
            ]
        )
        self._remembered(nodes)
        return nodes

    def hold(self, kind: str, descriptions: list[str], now: int,
             also: Callable[[sqlite3.Connection], object] | None = None) -> list[PendingMemory]:
        """Write memories now, before their importance is known (MemoryStore.hold), in one
        commit with `also` (the record they belong with); `settle` completes them."""
        return self.f.memory.hold([PendingMemory(self.id, kind, text, now) for text in descriptions], also=also)

    async def settle(self, pending: list[PendingMemory],
                     priority: Priority = Priority.IMPORTANCE) -> list[MemoryNode]:
        """Rate held memories and store them as memories (also those a crash left held:
        Society.open)."""
        if not pending:
            return []
        ratings = await self.f.importance.rate([p.description for p in pending], priority)
        nodes = self.f.memory.settle(pending, ratings)
        self._remembered(nodes)
        return nodes

    def _remembered(self, nodes: list[MemoryNode]) -> None:
        self.state.importance_since_reflection += sum(n.importance for n in nodes if n.kind != "reflection")
        for node in nodes:
            self.f.journal.record("memory", node.created_at, agent=self.id, kind=node.kind, text=node.description,
                                  importance=node.importance)

    def recall(self, query: str, now: int, *, limit: int = 12, touch: bool = True,
               kinds: set[str] | None = None, budget: int = MEMORY_BUDGET_TOKENS,
               relevance_pool: int | None = None) -> list[ScoredMemory]:
        return self.f.retriever.retrieve(
            self.id, query, now=now, limit=limit, token_budget=budget, kinds=kinds, touch=touch,
            relevance_pool=relevance_pool,
        )

    def recall_for_answer(self, query: str, now: int, *, touch: bool = True) -> list[ScoredMemory]:
        """Memories to answer a person's question or remark with (see ANSWER_*)."""
        w = self.f.retriever.weights
        return self.f.retriever.retrieve(
            self.id, query, now=now, limit=15, token_budget=ANSWER_BUDGET_TOKENS, touch=touch,
            relevance_pool=ANSWER_RELEVANCE_POOL,
            weights=RetrievalWeights(w.recency, w.importance, w.relevance * ANSWER_RELEVANCE_FACTOR),
        )

    # ---- the model ---------------------------------------------------------------

    async def ask(self, request: LLMRequest, priority: Priority, purpose: str) -> str:
        return (await self.f.scheduler.complete(request, priority, purpose)).text

    async def choose(self, request: LLMRequest, options: list[str], priority: Priority, purpose: str,
                     *, per_token: bool = False) -> int:
        """Index of the option the model finds most likely (per token: for names of
        different lengths)."""
        return (await self.choose_many([request], options, priority, purpose, per_token=per_token))[0]

    async def choose_many(self, requests: list[LLMRequest], options: list[str], priority: Priority, purpose: str,
                          *, per_token: bool = False) -> list[int]:
        """For each request, the index of the option the model finds most likely, all
        read as one piece of work (LLMScheduler.score_many)."""
        scores = await self.f.scheduler.score_many([(r, options) for r in requests], priority, purpose,
                                                   per_token=per_token)
        return [max(range(len(options)), key=s.__getitem__) for s in scores]

    # ---- describing the agent's situation -------------------------------------------

    def clock(self, now: int) -> str:
        return calendar_time(now, self.f.start_date)

    def today(self, now: int) -> str:
        return calendar_day(now, self.f.start_date)

    def doing(self) -> str:
        """What the agent is doing now, as others see it."""
        if self.in_conversation:
            return "in a conversation"
        return self.activity()

    def activity(self) -> str:
        """What the agent is about, a conversation aside: the prompts of that conversation
        describe the speaker and the listener by it (each is, of course, in the conversation)."""
        if self.current is None:
            return "idle"
        if not self.current.place_id:
            return f"{progressive(self.current.description)} somewhere"
        where = self.f.town.place(self.current.place_id).name
        # "at the stove", "at Sam's bed": a name of its own takes no article.
        return f"{progressive(self.current.description)} at {'' if where[:1].isupper() else 'the '}{where}"

    def chunk_at(self, now: int) -> Step | None:
        return next((s for s in self.state.hourly if s.covers(now)), None)

    def remaining_plan(self, now: int) -> str:
        upcoming = [s for s in self.state.hourly if s.end > now]
        return "; ".join(f"{format_game_time(s.start)[-5:]} {s.description}" for s in upcoming) or "nothing planned"
