"""The town's minds together: it seeds or restores every agent's mind from the save,
turns the world's reports into perceptions, runs the background thinking (reactions,
reflections, conversations) so the game never waits on it, and hands the world the
commands that come of it.

Per agent, one cognitive process runs at a time (Mind.lock); different agents think
concurrently, and the scheduler orders their model calls by priority.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Coroutine

from agent_server.answering import Answering
from agent_server.assistant_speech import AssistantSpeech
from agent_server.clock import day_of, format_game_time
from agent_server.dialogue import PLAYER_ID, Conversation, Dialogue
from agent_server.emoji import emoji_for
from agent_server.invitations import Invitations
from agent_server.memory import PendingMemory
from agent_server.mind import Faculties, HeardEvent, Mind, MindState, Step
from agent_server.options import MindOptions
from agent_server.places import ANYONE, PlaceChooser
from agent_server.planning import WAITED, Planner, hosting, spreading
from agent_server.reacting import Reaction, Reactor
from agent_server.reflection import Reflector
from agent_server.errors import ResourceExhausted
from agent_server.saves import SaveFile
from agent_server.scenario import Scenario
from agent_server.scheduler import Priority, background_context
from agent_server.topics import Topics
from agent_server.town import SECTOR
from agent_server.world import World
from simulacra.v1 import agents_pb2

log = logging.getLogger(__name__)


class Society:
    def __init__(self, scenario: Scenario, faculties: Faculties, save: SaveFile,
                 options: MindOptions = MindOptions()) -> None:
        self.scenario = scenario
        self.town = scenario.town
        self.f = faculties
        self.save = save
        # The cognitive functions, each given the faculties it thinks with.
        f = faculties
        places = PlaceChooser(f.scheduler, f.retriever.embedder, f.town, options, scenario.residents(),
                              homes={a.id: (a.name, a.home_place_id) for a in scenario.agents})
        self.planner = Planner(f.scheduler, f.detail, f.start_date, places, options)
        # A visit goes where the one sought usually is at that hour (places.py).
        places.whereabouts = lambda agent_id, at: self.planner.usual_place(self.minds.get(agent_id), at)
        self.reactor = Reactor(places, f.town, f.detail)
        self.reflector = Reflector(f.memory, options)
        # Each agent's own news (its seeds that are not about an event), which it may
        # choose to tell.
        news: dict[str, list[str]] = {}
        for seed in scenario.proto.seeds:
            if not seed.event.place_id:
                news.setdefault(seed.agent_id, []).append(" ".join(seed.text.split()))
        town_names = {word for text in [a.name for a in scenario.agents] + [p.name for p in scenario.town.places()]
                      for word in text.replace("'s", " ").split() if word[:1].isupper()}
        self.dialogue = Dialogue(self.planner, f.scheduler, f.memory, f.town, options,
                                 topics=Topics(f.town, f.memory, f.journal, enabled=options.topic_choice, news=news),
                                 answering=Answering(f.scheduler, f.retriever.embedder),
                                 speech=AssistantSpeech(f.retriever.embedder) if options.assistant_speech else None,
                                 invitations=Invitations(self.planner, scenario, f.start_date), town_names=town_names)
        self.world = World(scenario.agents, scenario.proto.start_time)
        self.minds: dict[str, Mind] = {}
        self.conversations: list[Conversation] = []
        self.player_conversations: dict[tuple[str, str], Conversation] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._closing = False
        self._perceiving: set[str] = set()
        self._reflecting: set[str] = set()
        self.ready = False
        # The name agents know the player by (the world reports it with SyncWorld).
        self.player_name = "a visitor"
        # Background work that stores what the player said: a save waits for it.
        self._remembering: set[asyncio.Task] = set()
        # True: one mind thinks at a time, all sharing one lock (the baseline benchmark:
        # the original code ran its agents one after another).
        self.sequential = options.sequential
        self._journaled_step = -1

    # ---- lifecycle ------------------------------------------------------------------

    async def open(self) -> None:
        """Restore the minds from the save, or seed them from the scenario."""
        saved = self.save.minds()
        self.world.game_time = int(self.save.get("game_time", str(self.world.game_time)))
        self.player_name = self.save.get("player_name", self.player_name) or self.player_name
        new: list[Mind] = []
        for agent in self.scenario.agents:
            if agent.id in saved:
                self.minds[agent.id] = Mind(agent, self.f, MindState.from_dict(saved[agent.id]),
                                            self.scenario.identity(agent.id))
                continue
            mind = Mind(agent, self.f, MindState(known_sectors=sectors_known_from_seed(self.scenario, agent)),
                        self.scenario.identity(agent.id))
            self.minds[agent.id] = mind
            new.append(mind)
        for mind in self.minds.values():
            self._commit_to_seeds(mind)

        if self.sequential:
            shared = asyncio.Lock()
            for mind in self.minds.values():
                mind.lock = shared
        # A new mind is held until its first memories are stored: its first NextAction
        # waits for them, but the server opens its doors at once.
        for lock in {id(m.lock): m.lock for m in new}.values():  # one, when the minds share it
            await lock.acquire()
        self._spawn(self._seed_and_plan(new, self.world.game_time))
        self._spawn(self._settle_pending())
        for data in self.save.conversations():
            data["lines"] = [tuple(line) for line in data["lines"]]
            self.conversations.append(Conversation(**data))
        # New conversations' ids (c<n>-<game time>) go on from the saved ones: a server
        # restarted at the same game time would otherwise give a new conversation the id
        # of a saved one, and its record would replace the saved record.
        numbers = [int(m[1]) for c in self.conversations if (m := re.match(r"c(\d+)-", c.id))]
        self.dialogue._ids = itertools.count(max(numbers, default=0) + 1)
        log.info("%d minds open (%d new, seeding and planning in the background)", len(self.minds), len(new))

    async def settle(self) -> None:
        """Wait until no background thinking is left (tests, and a clean save)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        # No new background thinking from here on: a request that finishes while the
        # society closes (a player's answer streamed to its end during a LoadGame) has
        # its exchange stored, and its rating left to the next start (MemoryStore.hold).
        self._closing = True
        while self._tasks:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.checkpoint()

    def set_player_name(self, name: str) -> None:
        if name != self.player_name:
            self.player_name = name
            self.save.set("player_name", name)

    async def remembered(self) -> None:
        """Wait until what the player said is stored (before a save is taken)."""
        while self._remembering:
            await asyncio.gather(*list(self._remembering), return_exceptions=True)

    def checkpoint(self) -> None:
        """Write every mind's state and the clock to the save (it is written as things
        change too; this makes sure the latest is there before a copy is taken)."""
        for mind in self.minds.values():
            self._save_mind(mind)
        self.save.set("game_time", str(self.world.game_time))

    # ---- what the world asks ----------------------------------------------------------

    async def next_action(self, agent_id: str, now: int) -> agents_pb2.AgentCommand:
        mind = self.minds[agent_id]
        self.world.observe_time(now)
        asked = time.monotonic()
        held = mind.lock.locked()
        holder = mind.holder or "start-up"  # first memories are stored under the bare lock
        if held and mind.holder_urgency is not None:
            self.f.scheduler.hasten(mind.holder_urgency, WAITED)  # whatever holds the mind, the agent waits for it
        async with mind.holding("an earlier ask"):
            if held:
                self.planner.note_wait(mind, now, f"lock held by {holder}", time.monotonic() - asked)
            step = await self.planner.step_at(mind, now, asked=True)
            mind.current = step
            self._save_mind(mind)
        self.planner.waited["all"] += time.monotonic() - asked
        self.planner.waits["all"] += 1
        self._spawn(self._prepare_next_hour(mind, now))
        command = self._command_for(mind, step, now)
        self.world.record_command(command)
        self._journal_command(command, now)
        log.info("[%s] %s -> %s: %s %s (%d min) - %s", format_game_time(now), mind.name,
                 self.town.label(command.move_to.place_id), command.activity.emoji,
                 command.activity.description, command.activity.duration_minutes, command.reason)
        return command

    def sync(self, states: list[agents_pb2.AgentState], now: int) -> list[agents_pb2.AgentCommand]:
        """Record the world's report, start perceiving in the background, and hand back
        the commands waiting for each agent."""
        self.world.observe_time(now)
        self.save.set("game_time", str(self.world.game_time))
        commands = []
        # One step per game time: a world held still (lockstep) reports the same moment again.
        if self.f.journal.listening and now != self._journaled_step:
            self._journaled_step = now
            self.f.journal.record("step", now, agents=[self._step_view(s) for s in states])
        for state in states:
            self.world.agents[state.agent_id].state.CopyFrom(state)
            if self.f.detail.report(state.agent_id, state.distant):
                self._spawn(self._catch_up(self.minds[state.agent_id], now))
            if state.agent_id not in self._perceiving and state.perceptions:
                self._perceiving.add(state.agent_id)
                snapshot = agents_pb2.AgentState()
                snapshot.CopyFrom(state)
                self._spawn(self._perceive(self.minds[state.agent_id], snapshot, now),
                            done=lambda a=state.agent_id: self._perceiving.discard(a))
            commands.extend(self.world.take_outbox(state.agent_id))
        return commands

    def prepare_chat(self, agent_id: str, player: str, now: int) -> None:
        """The player is about to speak to the agent: its side of the conversation is
        made ready in the background (Dialogue.prepare_player_chat)."""
        mind = self.minds[agent_id]
        conversation = self._player_conversation(agent_id, player, now, listed=False)
        self._spawn(self.dialogue.prepare_player_chat(mind, conversation, player, now))

    async def chat(self, agent_id: str, player: str, text: str, now: int) -> AsyncIterator[str]:
        mind = self.minds[agent_id]
        conversation = self._player_conversation(agent_id, player, now)
        mind.state.last_talked[PLAYER_ID] = now
        self.f.journal.record("utterance", now, conversation=conversation.id, speaker=PLAYER_ID, to=mind.id, text=text)
        said = len(conversation.lines)
        finished = False
        try:
            async with contextlib.aclosing(self.dialogue.player_chat(
                    mind, conversation, player, text, now, here=self.world.agents[agent_id].state.place_id)) as pieces:
                async for piece in pieces:
                    yield piece
            finished = True
        finally:
            if not finished:
                # Cut off (the player disconnected, the model failed): the exchange
                # leaves no turn behind, neither the line nor a partial answer.
                _take_back_exchange(conversation, mind.id, said)
        self.f.journal.record("utterance", now, conversation=conversation.id, speaker=mind.id, to=PLAYER_ID,
                              text=self.last_answer(agent_id, player))
        conversation.ended_at = now
        # The record and the agent's memories of the exchange are committed together, so
        # a crash leaves the exchange in both or in neither; rating them comes later.
        held = self.dialogue.hold_player_exchange(mind, conversation, player, now, self._record(conversation))
        # The player reads the answer and types the next line meanwhile: the prompt with
        # the answer in it is made ready for that line (the cells the answer was sampled
        # into are not its words as the prompt writes them, so they are evaluated anew).
        self._spawn(self.dialogue.prepare_player_chat(mind, conversation, player, now))
        # The answer is complete now; remembering it (importance ratings) and maybe
        # replanning happen in the background, so the player never waits on them.
        task = self._spawn(self._after_chat(mind, conversation, player, now, held))
        self._remembering.add(task)
        task.add_done_callback(self._remembering.discard)

    def last_answer(self, agent_id: str, player: str) -> str:
        """The agent's last answer to the player as it stands: what was streamed, less
        anything taken back (dialogue.player_chat: a break before a fallback line)."""
        conversation = self.player_conversations.get((agent_id, player))
        return conversation.lines[-1][2] if conversation and conversation.lines else ""

    async def _after_chat(self, mind: Mind, conversation: Conversation, player: str, now: int,
                          held: list[PendingMemory]) -> None:
        await self.dialogue.after_player_chat(mind, conversation, player, now, held)
        self._save_mind(mind)

    async def debrief(self, agent_ids: list[str]) -> list[tuple[str, str, list, int]]:
        """Each character's feedback on the player's rehearsal: (agent id, feedback, the
        memories used, lines exchanged), for the given characters or, with none given,
        every one the player has talked with."""
        await self.remembered()  # the player's last words belong in what they recall
        talks: dict[str, list[tuple[str, str]]] = {}
        player = self.player_name
        for conversation in self.conversations:
            if PLAYER_ID in conversation.participant_ids and conversation.lines:
                other = next(p for p in conversation.participant_ids if p != PLAYER_ID)
                talks.setdefault(other, []).extend((name, text) for _, name, text in conversation.lines)
                player = next((name for speaker, name, _ in conversation.lines if speaker == PLAYER_ID), player)
        chosen = agent_ids or list(talks)
        goal = self.scenario.proto.player_goal
        now = self.world.game_time
        results = await asyncio.gather(*(
            self.dialogue.debrief(self.minds[a], player, goal, talks.get(a, []), now) for a in chosen))
        return [(a, text, used, len(talks.get(a, []))) for a, (text, used) in zip(chosen, results)]

    async def interview(self, agent_id: str, question: str):
        """An API client's question: at the interviews' own priority, below the player's."""
        return await self.dialogue.interview(self.minds[agent_id], question, self.world.game_time,
                                             priority=Priority.INTERVIEW)

    # ---- background thinking -----------------------------------------------------------

    async def _perceive(self, mind: Mind, state: agents_pb2.AgentState, now: int) -> None:
        names = {a: self.minds[a].name for a in self.minds if a != mind.id} | {PLAYER_ID: self.player_name}
        # Talking waits for a planned day: an agent that has not yet planned it (a town
        # waking up) neither starts nor joins conversations, which would otherwise take
        # the model from the planning that every idle agent is waiting for.
        busy = {a for a, m in self.minds.items() if m.in_conversation or not m.planned_for(now)}
        # Nor does anyone while the town is still waking (not everyone has planned): a
        # conversation's lines come before planning in the model's queue, and would hold
        # up the agents who are still standing still, waiting for their day.
        if not mind.planned_for(now):
            busy |= set(names)
        elif not self.ready:
            busy |= set(self.minds)  # the player may still be greeted
        # Not under the mind's lock: rating and storing observations must not hold up
        # the agent's next action (importance is the scheduler's lowest priority).
        reaction = await self.reactor.perceive(mind, state, now, names, busy)
        self._save_mind(mind)
        if reaction:
            await self._act_on(mind, reaction, now)
        if self.reflector.due(mind) and mind.id not in self._reflecting:
            self._reflecting.add(mind.id)
            self._spawn(self._reflect(mind), done=lambda: self._reflecting.discard(mind.id))

    async def _act_on(self, mind: Mind, reaction: Reaction, now: int) -> None:
        if reaction.kind == "change":
            async with mind.holding("a reaction"):
                await self.reactor.change_course(mind, reaction.instead, now, because=reaction.because)
                self._save_mind(mind)
            self._start(mind, mind.state.actions[0], now, "reacts")
            return
        if reaction.other_id == PLAYER_ID:
            await self._greet_player(mind, now)
            return
        other = self.minds[reaction.other_id]
        if mind.in_conversation or other.in_conversation:
            return
        conversation = self.dialogue.new_conversation([mind.id, other.id], now)
        mind.in_conversation = other.in_conversation = conversation.id
        self.conversations.append(conversation)
        self._announce(conversation, agents_pb2.ConversationEvent.KIND_START)
        log.info("[%s] %s starts talking to %s", format_game_time(now), mind.name, other.name)
        self._spawn(self._converse(mind, other, conversation))

    async def _converse(self, a: Mind, b: Mind, conversation: Conversation) -> None:
        def on_line(speaker: Mind, listener: Mind, text: str) -> None:
            self._say(speaker, listener.id, listener.name, conversation, text, self.world.game_time)

        # The record is written with both agents' memories of the lines (Dialogue.converse).
        write, remembered = self._record(conversation), False

        def record(db: sqlite3.Connection) -> None:
            nonlocal remembered
            write(db)
            remembered = True

        try:
            await self.dialogue.converse(a, b, conversation, lambda: self.world.game_time, on_line, record=record)
            for mind, other in ((a, b), (b, a)):
                await self.dialogue.maybe_replan(mind, other.name, conversation, self.world.game_time)
        finally:
            a.in_conversation = b.in_conversation = ""
            conversation.ended_at = conversation.ended_at or self.world.game_time
            self._announce(conversation, agents_pb2.ConversationEvent.KIND_END)
            # Cut short before it was remembered (the model failed, the server stopped):
            # its lines are not recorded either, so the record never holds what no one
            # remembers hearing.
            if remembered or not conversation.lines:
                self._save_conversation(conversation)
            self._save_mind(a)
            self._save_mind(b)

    async def _greet_player(self, mind: Mind, now: int) -> None:
        """The agent says a line to the player it has noticed; it opens (or continues)
        their conversation, so the player's answer follows on from it."""
        player = self.player_name
        conversation = self._player_conversation(mind.id, player, now)
        # The record is written with the agent's memory of its line (Dialogue.greet).
        text = await self.dialogue.greet(mind, player, conversation, now, record=self._record(conversation))
        if not text:
            return
        mind.state.last_talked[PLAYER_ID] = now
        self._say(mind, PLAYER_ID, player, conversation, text, now)
        self._save_mind(mind)

    def _player_conversation(self, agent_id: str, player: str, now: int, *, listed: bool = True) -> Conversation:
        """The agent's conversation with the player: the one under way, or a new one
        when they last spoke more than an hour ago. `listed`: it joins the conversations
        (InspectAgent, saves) now, rather than when a line is said in it."""
        key = (agent_id, player)
        conversation = self.player_conversations.get(key)
        if conversation is None or now - (conversation.ended_at or conversation.started_at) > 3600:
            conversation = self.dialogue.new_conversation([agent_id, PLAYER_ID], now)
            self.player_conversations[key] = conversation
        if listed and not any(c is conversation for c in reversed(self.conversations)):
            self.conversations.append(conversation)
        return conversation

    def _commit_to_seeds(self, mind: Mind) -> None:
        """A host's events (its seeds': Scenario.hosted_events) are its commitments: it goes
        round to invite people, it is at the place, and gets it ready the hour before
        (planning.hosting); news of its own that it means to tell people (a seed that
        seeks people: places.py's seeks) takes it round to them each morning
        (planning.spreading). Those over before the game began are not added. Kept in the
        save; added to a mind restored from a save made before it had them."""
        steps = []
        for start, end, place_id, event in self.scenario.hosted_events(mind.id):
            steps += hosting(self.f.town.place(place_id).name, event, place_id, start, end)
            # ... and what it may invite others to (topics.py).
            if not any(e.start == start and e.place_id == place_id for e in mind.state.heard_events):
                mind.state.heard_events.append(HeardEvent(event, mind.name, place_id, start, end,
                                                          self.world.game_time, going=True))
        places = self.planner.places
        for text in self.scenario.news_of(mind.id):
            if sought := places.seeks(mind, text):  # the one it names, or everyone
                steps += spreading(day_of(self.scenario.proto.start_time),
                                   ANYONE if sought == places.everyone(mind) else sought[0])
        for step in steps:
            if step.end <= self.world.game_time:
                continue  # before the simulation began (a round of invitations the evening before)
            if not any(c.start == step.start and c.place_id == step.place_id for c in mind.state.commitments):
                mind.state.commitments.append(step)

    async def _seed_and_plan(self, new: list[Mind], now: int) -> None:
        """Store the new minds' first memories (the seed paragraph, traits, occupation,
        habits, relationships and seeds: Scenario.initial_memories), all at once so the
        scheduler can batch their importance ratings; then everyone plans ahead, so that
        the first NextAction finds the day planned."""

        async def seed(mind: Mind) -> None:
            try:
                # A save killed between storing the memories and the mind is not seeded twice.
                if self.f.memory.count(mind.id) == 0 and not self.f.memory.pending(mind.id):
                    await mind.remember("observation", self.scenario.initial_memories(mind.id), now)
                mind.state.importance_since_reflection = 0
                self._save_mind(mind)
            finally:
                if not self.sequential:
                    mind.lock.release()

        try:
            await asyncio.gather(*(seed(mind) for mind in new))
        finally:
            if self.sequential and new:
                new[0].lock.release()
        if new:
            log.info("first memories stored: %s", ", ".join(f"{m.name} ({self.f.memory.count(m.id)})" for m in new))
        await self._plan_everyone_ahead(now)

    async def _settle_pending(self) -> None:
        """Rate and store the memories a crash left held before they were rated (what
        was heard is in the file from the moment it was: MemoryStore.hold)."""
        pending = [p for p in self.f.memory.pending() if p.agent_id in self.minds]
        if not pending:
            return
        log.info("rating %d memories held when the server last stopped", len(pending))
        by_agent: dict[str, list[PendingMemory]] = {}
        for memory in pending:
            by_agent.setdefault(memory.agent_id, []).append(memory)

        async def settle(mind: Mind, held: list[PendingMemory]) -> None:
            await mind.settle(held)
            self._save_mind(mind)

        # Together, so their ratings are batched.
        await asyncio.gather(*(settle(self.minds[agent_id], held) for agent_id, held in by_agent.items()))

    async def _plan_everyone_ahead(self, now: int) -> None:
        await asyncio.gather(*(self._plan_ahead(mind, now) for mind in self.minds.values()))
        self.ready = True
        log.info("every agent has planned ahead")

    async def _plan_ahead(self, mind: Mind, now: int) -> None:
        async with mind.holding("planning ahead"):
            await self.planner.step_at(mind, now)
            self._save_mind(mind)
        # And the next hour: otherwise every agent's next hour is decomposed at once when
        # the town starts, and those who reach it first stand waiting for the model (the
        # town benchmark: 8 of 25 agents for 30-40 s each at 08:00, the first hour after
        # a 07:00 start).
        await self._prepare_next_hour(mind, now)

    async def _prepare_next_hour(self, mind: Mind, now: int) -> None:
        if self.sequential:  # the baseline decomposes an hour when it comes, as the original code did
            return
        await self.planner.prepare_next_hour(mind, now)
        self._save_mind(mind)

    async def _catch_up(self, mind: Mind, now: int) -> None:
        """The player has come near an agent that was following a coarse hour: it
        decomposes the rest of the hour and starts on its first action at once."""
        if mind.in_conversation:
            return
        async with mind.holding("a catch-up"):
            step = await self.planner.catch_up(mind, now)
            if step is None:
                return
            self._save_mind(mind)
        self._start(mind, step, now, "catches up")

    async def _reflect(self, mind: Mind) -> None:
        # Reflection only adds memories: it runs beside the agent's planning, not before it.
        await self.reflector.reflect(mind, self.world.game_time)
        self._save_mind(mind)

    # ---- helpers -------------------------------------------------------------------

    def _command_for(self, mind: Mind, step: Step, now: int) -> agents_pb2.AgentCommand:
        place = self.town.place(step.place_id or mind.agent.home_place_id)
        chunk = mind.chunk_at(now)
        remaining = max(5, (step.end - now) // 60)
        return agents_pb2.AgentCommand(
            agent_id=mind.id,
            command_id=self._command_id(mind.id),
            issued_at=now,
            move_to=agents_pb2.MoveTo(place_id=place.id, position=place.position),
            activity=agents_pb2.Activity(description=step.description, emoji=emoji_for(step.description, place.name),
                                         duration_minutes=remaining),
            reason=f"part of: {chunk.description}" if chunk else "",
        )

    def _announce(self, conversation: Conversation, kind: int) -> None:
        self.f.journal.record(
            "conversation", self.world.game_time, conversation=conversation.id,
            event="start" if kind == agents_pb2.ConversationEvent.KIND_START else "end",
            participants=list(conversation.participant_ids))
        for agent_id in conversation.participant_ids:
            self.world.send(agents_pb2.AgentCommand(
                agent_id=agent_id, command_id=self._command_id(agent_id), issued_at=self.world.game_time,
                conversation=agents_pb2.ConversationEvent(
                    kind=kind, conversation_id=conversation.id, participant_ids=conversation.participant_ids),
            ))

    def _start(self, mind: Mind, step: Step, now: int, why: str) -> None:
        """The agent starts on a step the world did not ask for (a reaction, a catch-up):
        it becomes the agent's current step and is sent to its body."""
        mind.current = step
        command = self._command_for(mind, step, now)
        self.world.send(command)
        self._journal_command(command, now)
        log.info("[%s] %s %s: %s", format_game_time(now), mind.name, why, step.description)

    def _say(self, speaker: Mind, to_id: str, to_name: str, conversation: Conversation, text: str, now: int) -> None:
        """A line said in the world: logged, journaled, and sent to the speaker's body."""
        log.info('[%s] %s to %s: "%s"', format_game_time(now), speaker.name, to_name, text)
        self.f.journal.record("utterance", now, conversation=conversation.id, speaker=speaker.id, to=to_id, text=text)
        self.world.send(agents_pb2.AgentCommand(
            agent_id=speaker.id, command_id=self._command_id(speaker.id), issued_at=now,
            utterance=agents_pb2.Utterance(text=text, to_agent_id=to_id, speaker_id=speaker.id),
        ))

    def _step_view(self, state: agents_pb2.AgentState) -> dict:
        """An agent in a replay log step (docs/replay_log.md)."""
        mind = self.minds[state.agent_id]
        current = self.world.agents[state.agent_id].current
        activity = current.activity if current is not None else agents_pb2.Activity()
        p = state.position
        return {"id": state.agent_id, "position": {"x": round(p.x, 3), "y": round(p.y, 3), "z": round(p.z, 3)},
                "place": state.place_id, "moving": state.moving, "doing": activity.description,
                "emoji": activity.emoji, "conversation": mind.in_conversation}

    def _journal_command(self, command: agents_pb2.AgentCommand, now: int) -> None:
        self.f.journal.record(
            "command", now, agent=command.agent_id, place=command.move_to.place_id,
            doing=command.activity.description, emoji=command.activity.emoji,
            minutes=command.activity.duration_minutes, reason=command.reason)

    def _command_id(self, agent_id: str) -> str:
        return f"{agent_id}-{next(self._ids)}"

    def _save_mind(self, mind: Mind) -> None:
        self.save.save_mind(mind.id, mind.state.to_dict())

    def _save_conversation(self, conversation: Conversation) -> None:
        self.save.save_conversation(conversation.id, conversation.record())

    def _record(self, conversation: Conversation) -> Callable[[sqlite3.Connection], None]:
        """Writes the conversation's record as it then is, in another connection's
        transaction (the memory stream's: MemoryStore.hold)."""
        return lambda db: self.save.save_conversation(conversation.id, conversation.record(), db)

    def _spawn(self, coroutine: Coroutine, done=None) -> asyncio.Future:
        # Background thinking is no client's request, though a request may start it.
        if self._closing:
            coroutine.close()
            if done:
                done()
            task = asyncio.get_running_loop().create_future()
            task.cancel()
            return task
        task = asyncio.create_task(coroutine, context=background_context())
        self._tasks.add(task)

        def finished(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if done:
                done()
            if t.cancelled() or not t.exception():
                return
            if isinstance(t.exception(), ResourceExhausted):  # shed from a full model queue
                log.warning("background thinking given up: %s", t.exception())
            else:
                log.error("background thinking failed", exc_info=t.exception())

        task.add_done_callback(finished)
        return task


def _take_back_exchange(conversation: Conversation, agent_id: str, said: int) -> None:
    """Remove the player's line and the agent's answer that Dialogue.player_chat added
    to `conversation` (it adds both together, last) after it had `said` lines."""
    lines = conversation.lines
    if len(lines) >= said + 2 and lines[-2][0] == PLAYER_ID and lines[-1][0] == agent_id:
        answer = lines[-1][2]
        del lines[-2:]
        if conversation.exchanges and conversation.exchanges[-1][-1] == {"role": "assistant", "content": answer}:
            conversation.exchanges.pop()


def sectors_known_from_seed(scenario: Scenario, agent: agents_pb2.Agent) -> list[str]:
    """An agent knows its home, the town's public places (the sectors that are no one's
    home: a cafe, a park, a shop), and every other sector its first memories name: by its
    full name, without a leading "The", or by the part before " and " ("Willows Market")."""
    home = scenario.town.sector_of(agent.home_place_id).id
    homes = {scenario.town.sector_of(a.home_place_id).id for a in scenario.agents}
    text = " ".join(scenario.initial_memories(agent.id)).lower()
    named = []
    for sector in scenario.town.places(SECTOR):
        full = sector.name.lower()
        short = full.removeprefix("the ")
        forms = {full, short}
        head = short.split(" and ")[0]
        if head != short and " " in head:
            forms.add(head)
        if sector.id not in homes or any(re.search(rf"\b{re.escape(form)}\b", text) for form in forms):
            named.append(sector.id)
    return [home] + [s for s in named if s != home]
