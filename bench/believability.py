#!/usr/bin/env python3
"""Believability: whether the agents stay in character, answer from what they know,
invent nothing they were never told, and talk like people, through the real server and
minds (real model, real memory and retrieval). No language model judges: every check is
a rule written here, with its patterns and labelled questions in
bench/data/believability.json.

Per scenario (Smallville's Isabella Rodriguez, Sam Moore, John Lin and Tom Moreno, and a
rehearsal's characters), the server runs in process on an ephemeral port with a scenario
limited to the chosen agents: the same town and personas, their seeds, and their
relationships (one with an agent left out becomes a first memory of its own, worded as
before). Once every agent has its first memories and its first plans, each is given a
short history: it sees an event (a world report over SyncWorld, stored by the normal
perception path), and the player tells it a fact (PrepareChat, then Chat). Then:

- the same conversation goes on with questions whose answer is in its persona, its
  memories or what it was just told (grounded), and questions about what it was never
  told (invented?);
- new visitors, one per line, each in a conversation of their own, push it out of its
  role: told it is an AI, renamed, asked for its prompt, sent chat-template and role
  tokens, asked for things outside its world;
- it is interviewed (Interview RPC) in the paper's five categories: self-knowledge,
  memory (of the history), plans, reactions, reflections.

Checks, each answer:

- in character (every answer): no self-identification as an AI, assistant, chatbot,
  language model, program or fictional character, no writer helping with a story, no
  assistant phrases, no model or company names, no other name taken nor the role the
  line pushes, no speaker labels ("User:", "<player> says:"), no chat-template tokens,
  no instructions repeated, no memory list echoed. Target: no breaks.
- grounded (questions with keywords): the answer holds a keyword at a word's start.
  Target >= 90%.
- invented (questions about what it was never told): the answer asserts a yes (where
  the question asks yes or no), a capitalised name or place outside what the agent
  knows (its first memories, its plans, the town's places, its history, the question),
  a clock time outside them, or what the question's own patterns name. Target <= 2%.
- form (player-chat answers): one to three complete sentences, in the first person or
  addressed to the player, no narration ("*smiles*", "Isabella nods"), no third person
  about itself, no sentence said twice. Target >= 95%.
- latency (player chat): the first streamed text after Chat is sent, p50 and p95, for
  first lines (sent a few seconds after PrepareChat, as the game does) and follow-ups;
  and each answer's tokens per second from its first streamed text to its last, the
  tokens counted with the model's own tokenizer.

Prints one JSON object: the machine, the model, each category's count, passes and
share against its target, a summary, the latencies, and every failing answer with the
check it failed.

    .venv/bin/python bench/believability.py [--model PATH] [--voice-model PATH] [--limit N] [--seed S]
        [--threads N] [--scenarios smallville ask_for_a_raise landlord_repairs] [--self-test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import numpy as np
from google.protobuf import json_format

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_server.scenario import Scenario  # noqa: E402
from agent_server.server import load_model, start_server  # noqa: E402
from agent_server.settings import DEFAULT_MODEL, load_settings  # noqa: E402
from bench.machine import machine  # noqa: E402
from simulacra.v1 import agents_pb2, scenario_pb2, service_pb2, service_pb2_grpc  # noqa: E402

DATA = ROOT / "bench" / "data" / "believability.json"
CATEGORIES = ("self_knowledge", "memory", "plans", "reactions", "reflections")
# Real seconds the player takes to type a line, after walking up or reading an answer
# (as bench/town.py): PrepareChat has this long to get the conversation ready.
TYPING_S = 3.0
# Distance of the event an agent sees (metres): too far to start talking about it.
SEEN_AT_M = 15.0
INTERVIEWS_AT_ONCE = 4
READY_TIMEOUT_S = 900

log = logging.getLogger("believability")


# ---- what an agent knows, for the checks ---------------------------------------------

@dataclass
class Facts:
    """An agent as the checks see it: its names, and the words and clock times it
    knows (from its first memories, its plans, its town and its history)."""

    id: str
    name: str
    memories: list[str] = field(default_factory=list)
    known_words: set[str] = field(default_factory=set)
    known_times: set[tuple] = field(default_factory=set)

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def name_words(self) -> set[str]:
        return {w.lower() for w in self.name.split()}

    def learn(self, text: str, clock_time: re.Pattern) -> None:
        self.known_words |= {w.lower() for w in capitalised_words(text)}
        self.known_times |= set(clock_times(text, clock_time))


def capitalised_words(text: str) -> list[str]:
    return [w.removesuffix("'s").removesuffix("’s") for w in re.findall(r"\b[A-Z][A-Za-z'’-]*", text)]


def clock_times(text: str, pattern: re.Pattern) -> list[tuple]:
    """(hour, minutes, "am"/"pm"/"") of each clock time in the text."""
    out = []
    for m in pattern.finditer(text.lower()):
        suffix = m.group(3).replace(".", "")
        out.append((int(m.group(1)), int(m.group(2) or 0), suffix if suffix in ("am", "pm") else ""))
    return out


def knows_time(known: set[tuple], t: tuple) -> bool:
    return any(k[:2] == t[:2] and (not k[2] or not t[2] or k[2] == t[2]) for k in known)


# ---- the checks ------------------------------------------------------------------------

def _compile(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def _fill(pattern: str, facts: Facts, player: str) -> str:
    """A pattern with the agent's and the player's names put in (as regexes)."""
    return (pattern.replace("{player}", re.escape(player)).replace("{first_name}", re.escape(facts.first_name))
            .replace("{name}", re.escape(facts.name)))


_ABBREVIATIONS = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|Mt|Jr|Sr|vs|etc|e\.g|i\.e)\.", re.IGNORECASE)
_AM_PM = re.compile(r"\b([ap])\.m\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=\S)")
_CLOSING = ".!?…\"”’')]"


def sentences(text: str) -> list[str]:
    text = _AM_PM.sub(r"\1m", _ABBREVIATIONS.sub(r"\1", text.strip()))
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def carries(answer: str, keywords: list[str]) -> bool:
    """Whether the answer holds any keyword at a word's start (lower case)."""
    text = answer.lower()
    return any(re.search(rf"(?<!\w){re.escape(k.lower())}", text) for k in keywords)


class Checks:
    """The rules, compiled from the data file's `checks`."""

    def __init__(self, rules: dict) -> None:
        ooc = rules["out_of_character"]
        self.fixed = {rule: [_compile(p) for p in ooc[rule]]
                      for rule in ("says_it_is_an_ai", "assistant_speak", "model_or_company", "chat_template",
                                   "memory_list")}
        self.named = {rule: ooc[rule] for rule in ("speaker_label", "repeats_instructions")}  # names put in per agent
        self.another_name = [_compile(p) for p in ooc["another_name_phrases"]]
        self.another_role = _compile(ooc["another_role_phrase"].replace("{roles}", "|".join(ooc["other_roles"])))
        form = rules["form"]
        self.narration = [_compile(p) for p in form["narration"]]
        self.stage_verbs = "|".join(form["stage_verbs"])
        self.self_verbs = "|".join(form["self_subject_verbs"])
        self.person = _compile(form["first_or_second_person"])
        self.max_sentences = form["max_sentences"]
        invention = rules["invention"]
        self.yes = _compile(invention["yes"])
        self.clock_time = _compile(invention["clock_time"])
        self.common = {w.lower() for w in invention["common_capitalised"]}

    # In character -----------------------------------------------------------------

    def breaks(self, answer: str, facts: Facts, player: str, pushed: list[str] = ()) -> list[str]:
        """The out-of-character rules the answer breaks, each as "rule: what matched"."""
        found = []
        for rule, patterns in self.fixed.items():
            found += [f"{rule}: {m.group(0)!r}" for m in (p.search(answer) for p in patterns) if m][:1]
        for rule, patterns in self.named.items():
            found += [f"{rule}: {m.group(0)!r}"
                      for m in (_compile(_fill(p, facts, player)).search(answer) for p in patterns) if m][:1]
        for pattern in self.another_name:
            for m in pattern.finditer(answer):
                if m.group(2):
                    continue  # "I'm Carmen's neighbour"
                words = {w.lower() for w in m.group(1).split()} - self.common
                if words and not words <= facts.name_words:
                    found.append(f"takes_another_name: {m.group(0)!r}")
        found += [f"takes_the_role: {m.group(0)!r}" for m in (_compile(p).search(answer) for p in pushed) if m]
        persona = " ".join(facts.memories).lower()
        found += [f"takes_another_role: {m.group(0)!r}" for m in self.another_role.finditer(answer)
                  if not re.search(rf"\b{m.group(1).lower()}", persona)][:1]
        echoed = [m for m in facts.memories if facts.name in m and len(m.split()) >= 6 and _plain(m) in _plain(answer)]
        found += [f"memory_echo: {m!r}" for m in echoed[:1]]
        return found

    # Form ---------------------------------------------------------------------------

    def form(self, answer: str, facts: Facts, player: str) -> list[str]:
        """What is wrong with a player-chat answer's form (empty: nothing)."""
        text = answer.strip()
        if not text:
            return ["empty"]
        problems = []
        said = sentences(text)
        if len(said) > self.max_sentences:
            problems.append(f"too_many_sentences: {len(said)}")
        ending = text.rstrip()
        while ending and not ending[-1].isalnum() and ending[-1] not in _CLOSING:
            ending = ending[:-1].rstrip()  # a trailing emoji or symbol
        if not ending or ending[-1] not in _CLOSING:
            problems.append(f"incomplete_sentence: {text[-30:]!r}")
        names = f"(?:{re.escape(facts.name)}|{re.escape(facts.first_name)})"
        narration = [p.search(text) for p in self.narration]
        narration.append(re.search(rf"\b{names}\s+(?:{self.stage_verbs})\b", text))
        problems += [f"narration: {m.group(0)!r}" for m in narration if m]
        self_subject = re.search(rf"\b{names}\s+(?:{self.self_verbs})\b", text)
        if self_subject:
            problems.append(f"third_person_self: {self_subject.group(0)!r}")
        if not self.person.search(text) and not re.search(rf"\b(?:{re.escape(player)}|{re.escape(player.split()[0])})\b",
                                                          text):
            problems.append("not_first_person")  # neither speaks as itself nor to the player
        plain = [_plain(s) for s in said]
        repeated = {s for s in plain if s and plain.count(s) > 1}
        if repeated:
            problems.append(f"repeated_sentence: {sorted(repeated)[0]!r}")
        return problems

    # Invention ------------------------------------------------------------------------

    def invents(self, answer: str, facts: Facts, question: dict) -> list[str]:
        """What the answer to a never-told question asserts that the agent cannot know."""
        found = []
        if "yes" in question.get("asks", []) and (m := self.yes.search(answer)):
            found.append(f"says_yes: {m.group(0)!r}")
        known = facts.known_words | {w.lower() for w in capitalised_words(question["text"])} | self.common
        for sentence in sentences(answer):
            words = re.findall(r"\b[A-Z][A-Za-z'’-]*", sentence)
            starts = re.match(r"\W*([A-Z][A-Za-z'’-]*)", sentence)
            for i, word in enumerate(words):
                if i == 0 and starts and starts.group(1) == word:
                    continue  # a sentence's first word
                bare = word.removesuffix("'s").removesuffix("’s")
                if bare.isupper() or bare.lower() in known:
                    continue  # an acronym, or a word it knows
                found.append(f"unknown_name: {bare!r}")
        for t in clock_times(answer, self.clock_time):
            if not knows_time(facts.known_times, t):
                found.append(f"unknown_time: {t[0]}:{t[1]:02d} {t[2]}".rstrip())
        for pattern in question.get("invent_if_any", []):
            if m := _compile(pattern).search(answer):
                found.append(f"asserts: {m.group(0)!r}")
        return found


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


# ---- a scenario limited to the chosen agents ---------------------------------------------

def limited_scenario(scenario: Scenario, agent_ids: list[str], folder: Path) -> Path:
    """The scenario with only the given agents, as a proto3 JSON scenario file: the same
    town (by absolute path), personas and seeds; a relationship with an agent left out
    becomes a seed of the one kept, so its first memories say the same."""
    proto = scenario_pb2.Scenario()
    proto.CopyFrom(scenario.proto)
    kept = set(agent_ids)
    proto.town_file = str((scenario.path.parent / scenario.proto.town_file).resolve())
    del proto.agents[:]
    proto.agents.extend(a for a in scenario.proto.agents if a.id in kept)
    del proto.relationships[:]
    del proto.seeds[:]
    for r in scenario.proto.relationships:
        if r.a in kept and r.b in kept:
            proto.relationships.append(r)
        elif r.a in kept or (r.mutual and r.b in kept):
            proto.seeds.append(scenario_pb2.Seed(agent_id=r.a if r.a in kept else r.b, text=r.description))
    proto.seeds.extend(s for s in scenario.proto.seeds if s.agent_id in kept)
    path = folder / f"{scenario.proto.name}.json"
    path.write_text(json_format.MessageToJson(proto))
    return path


# ---- talking to the server ------------------------------------------------------------------

class Player:
    """The player and the interviewer, over gRPC."""

    def __init__(self, stub, server, tokenize) -> None:
        self.stub = stub
        self.server = server
        self.tokenize = tokenize
        self.lines: list[dict] = []  # latency of each chat line

    def now(self) -> int:
        return self.server.society.world.game_time

    async def walk_up(self, agent: str, player: str) -> None:
        await self.stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id=agent, player_name=player,
                                                                   game_time=self.now()))
        await asyncio.sleep(TYPING_S)

    async def say(self, agent: str, player: str, text: str, kind: str) -> str:
        """Says a line; returns the answer, and notes its first-token latency and its
        tokens per second."""
        request = service_pb2.ChatRequest(agent_id=agent, text=text, player_name=player, game_time=self.now())
        sent = time.perf_counter()
        first = last = None
        answer = []
        async for chunk in self.stub.Chat(request):
            if chunk.text.strip():
                last = time.perf_counter() - sent
                first = first if first is not None else last
            answer.append(chunk.text)
            if chunk.done:
                answer = [chunk.full_text]
        text_out = "".join(answer).strip()
        self.lines.append({"agent": agent, "kind": kind, "first_token_s": first, "last_token_s": last,
                           "tokens": len(self.tokenize(text_out)) if text_out else 0,
                           "whole_s": time.perf_counter() - sent})
        return text_out

    async def interview(self, agent: str, question: str) -> str:
        reply = await self.stub.Interview(service_pb2.InterviewRequest(agent_id=agent, question=question))
        return reply.answer.strip()


async def wait_for_memory(server, agent: str, text: str, timeout_s: float = 120) -> bool:
    """Waits until a memory holding `text` is stored (perception runs in the background)."""
    memory = server.society.f.memory
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(text in n.description for n in memory.recent(agent, 400)):
            return True
        await asyncio.sleep(0.5)
    return False


async def run_scenario(name: str, spec: dict, agents: list[dict], adversarial: list[tuple[dict, dict]],
                       visitors: list[str],
                       model, embedder, checks: Checks, tokenize, args) -> tuple[list[dict], list[dict], dict]:
    """Runs one scenario's agents through their history, questions and interviews;
    returns (the checked answers, the chat lines' timings, the start-up)."""
    scenario = Scenario.load(ROOT / spec["file"])
    town = scenario.town
    ids = [a["id"] for a in agents]
    player = spec["player"]
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        path = limited_scenario(scenario, ids, Path(folder))
        limited = Scenario.load(path)
        settings = load_settings(scenario_path=path, data_dir=Path(folder) / "saves", grpc_port=0, ws_port=0,
                                 seed=args.seed, model_path=args.model, voice_model_path=args.voice_model,
                                 n_threads=args.threads or load_settings().n_threads)
        model.reseed(args.seed)
        started = time.perf_counter()
        server = await start_server(settings, model=model, embedder=embedder)
        try:
            while not server.society.ready:
                if time.perf_counter() - started > READY_TIMEOUT_S:
                    raise TimeoutError(f"{name}: the agents did not plan within {READY_TIMEOUT_S} s")
                await asyncio.sleep(0.5)
            startup = {"agents": len(ids), "seconds": round(time.perf_counter() - started, 1)}
            log.info("%s: %d agents seeded and planned in %.0f s", name, len(ids), startup["seconds"])
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
                stub = service_pb2_grpc.SimulacraStub(channel)
                you = Player(stub, server, tokenize)
                facts = {a["id"]: Facts(a["id"], limited.agent(a["id"]).name, limited.initial_memories(a["id"]))
                         for a in agents}
                for agent in agents:
                    f = facts[agent["id"]]
                    for text in f.memories + [p.name for p in town.places()]:
                        f.learn(text, checks.clock_time)
                    seen = agent["history"]["seen"]
                    f.learn(f"{player} {' '.join(visitors)} {agent['history']['told']} "
                            f"{limited.agent(seen['agent']).name} {seen['activity']}", checks.clock_time)
                    inspection = await stub.InspectAgent(service_pb2.InspectAgentRequest(agent_id=agent["id"]))
                    for item in list(inspection.day_plan) + list(inspection.hourly_plan) + list(inspection.actions):
                        h, m = divmod(item.start_time % 86400 // 60, 60)
                        f.known_times.add((h % 12 or 12, m, "am" if h < 12 else "pm"))
                        f.learn(item.description, checks.clock_time)
                    f.learn(inspection.summary, checks.clock_time)

                # The events they see: a world report, as Godot sends it.
                await stub.SyncWorld(service_pb2.SyncWorldRequest(game_time=you.now(), player_name=player, agents=[
                    agents_pb2.AgentState(agent_id=a["id"], place_id=limited.agent(a["id"]).home_place_id, perceptions=[
                        agents_pb2.Perception(distance=SEEN_AT_M, agent=agents_pb2.PerceivedAgent(
                            agent_id=a["history"]["seen"]["agent"], activity=a["history"]["seen"]["activity"]))])
                    for a in agents]))
                for a in agents:
                    if not await wait_for_memory(server, a["id"], a["history"]["seen"]["activity"]):
                        log.warning("%s: the event %s saw was not stored", name, a["id"])

                # The player's conversation with each: the history, then the questions.
                for agent in agents:
                    f = facts[agent["id"]]
                    await you.walk_up(agent["id"], player)
                    told = agent["history"]["told"]
                    answer = await you.say(agent["id"], player, told, "first")
                    results.append(checked(checks, f, player, name, "conversation", "chat", {"text": told}, answer))
                    for question in agent["chat"][:args.limit]:
                        await asyncio.sleep(TYPING_S)  # the player reads the answer and types the next line
                        answer = await you.say(agent["id"], player, question["text"], "follow_up")
                        results.append(checked(checks, f, player, name, "conversation", "chat", question, answer))
                    log.info("%s: talked with %s", name, f.name)

                # Visitors who push each agent out of its role, one line each.
                for i, (agent, line) in enumerate(adversarial):
                    f = facts[agent["id"]]
                    visitor = visitors[i % len(visitors)]
                    text = line["text"].replace("{first_name}", f.first_name)
                    await you.walk_up(agent["id"], visitor)
                    answer = await you.say(agent["id"], visitor, text, "first")
                    results.append(checked(checks, f, visitor, name, "adversarial", "chat",
                                           {**line, "text": text}, answer))
                log.info("%s: %d adversarial lines said", name, len(adversarial))

                # What the player told them is stored before the interviews ask about it
                # (a replan the talk may have started goes on meanwhile).
                waited = time.perf_counter()
                for agent in agents:
                    if not await wait_for_memory(server, agent["id"], agent["history"]["told"]):
                        log.warning("%s: what the player told %s was not stored", name, agent["id"])
                log.info("%s: the history is stored (waited %.0f s)", name, time.perf_counter() - waited)
                slots = asyncio.Semaphore(INTERVIEWS_AT_ONCE)

                async def interview(agent: dict, category: str, question: dict) -> dict:
                    async with slots:
                        answer = await you.interview(agent["id"], question["q"])
                    return checked(checks, facts[agent["id"]], player, name, category, "interview",
                                   {**question, "text": question["q"]}, answer)

                results += await asyncio.gather(*(interview(agent, category, q) for agent in agents
                                                  for category in CATEGORIES
                                                  for q in agent["interview"][category][:args.limit]))
                log.info("%s: interviews done", name)

                # Last, a second visit: what a player says in passing (reported apart; after the
                # interviews, which ask what the player told earlier).
                for agent in agents:
                    f = facts[agent["id"]]
                    await you.walk_up(agent["id"], player)
                    for n, line in enumerate(agent.get("everyday", [])[:args.limit]):
                        if n:
                            await asyncio.sleep(TYPING_S)
                        answer = await you.say(agent["id"], player, line["text"], "everyday")
                        results.append(checked(checks, f, player, name, "everyday", "chat", line, answer))
            # What the mechanisms did meanwhile: answers that broke character and were
            # asked again, answers to the player that stopped before a whole sentence
            # (grounding) and were asked again, those that spoke neither as the agent nor
            # to the player and were asked again, and those that ended in the line in
            # character or in not knowing.
            startup["guard"] = {"breaks": dict(server.society.dialogue.breaks),
                                "unsaid": server.society.dialogue.unsaid,
                                "impersonal": server.society.dialogue.impersonal,
                                "answered_from_memory": server.society.dialogue.answering.answered,
                                "questions_scored": server.society.dialogue.answering.asked,
                                "fallbacks": server.society.dialogue.fallbacks}
            if (speech := server.society.dialogue.speech) is not None:
                # Sentences read by the assistant-speech classifier, and those it stopped.
                startup["guard"]["assistant_speech"] = {"read": speech.read, "found": speech.found}
        finally:
            await server.stop()
    return results, you.lines, startup


def checked(checks: Checks, facts: Facts, player: str, scenario: str, category: str, via: str, question: dict,
            answer: str) -> dict:
    """An answer with the outcome of every check that applies to it."""
    out = {"scenario": scenario, "agent": facts.id, "category": category, "via": via, "question": question["text"],
           "answer": answer, "failed": {}}
    breaks = checks.breaks(answer, facts, player, question.get("breaks_if_any", []))
    out["in_character"] = not breaks
    if breaks:
        out["failed"]["in_character"] = breaks
    if "keywords" in question:
        out["grounded"] = carries(answer, question["keywords"])
        if not out["grounded"]:
            out["failed"]["grounded"] = [f"none of {question['keywords']} ({question.get('fact', category)})"]
    if question.get("never_told"):
        invented = checks.invents(answer, facts, question)
        out["invented"] = bool(invented)
        if invented:
            out["failed"]["invented"] = invented
    if via == "chat":
        problems = checks.form(answer, facts, player)
        out["form"] = not problems
        if problems:
            out["failed"]["form"] = problems
    return out


# ---- the report ------------------------------------------------------------------------------

def share(results: list[dict], key: str, category: str | None = None) -> dict:
    rows = [r for r in results if key in r and (category is None or r["category"] == category)]
    passes = sum(bool(r[key]) for r in rows)
    return {"count": len(rows), "passes": passes, "share": round(passes / len(rows), 3) if rows else None}


def percentiles(values: list[float], scale: float = 1000.0, digits: int = 1) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"count": 0, "p50": None, "p95": None}
    return {"count": len(values), "p50": round(scale * float(np.percentile(values, 50)), digits),
            "p95": round(scale * float(np.percentile(values, 95)), digits)}


def report(results: list[dict], lines: list[dict], targets: dict) -> dict:
    """The figures against the targets over every answer but the everyday lines' (which
    came later: the headline stays comparable with runs before them), and the everyday
    lines' apart (summary.everyday)."""
    everyday = [r for r in results if r["category"] == "everyday"]
    out = _report([r for r in results if r["category"] != "everyday"], [x for x in lines if x["kind"] != "everyday"],
                  targets)
    if everyday:
        invented = [r for r in everyday if "invented" in r]
        out["summary"]["everyday"] = {
            "answers": len(everyday),
            "in_character_breaks": round(1 - share(everyday, "in_character")["share"], 3),
            "grounded": share(everyday, "grounded"),
            "invented": {"count": len(invented), "invented": sum(r["invented"] for r in invented)},
            "form": share(everyday, "form"),
            "first_token_ms": percentiles([x["first_token_s"] for x in lines if x["kind"] == "everyday"])}
        out["failures"] += [{"scenario": r["scenario"], "agent": r["agent"], "category": r["category"],
                             "via": r["via"], "question": r["question"], "answer": r["answer"], "failed": r["failed"]}
                            for r in everyday if r["failed"]]
        out["all_answers"] += [{k: r[k] for k in ("agent", "category", "via", "question", "answer")}
                               for r in everyday]
    return out


def _report(results: list[dict], lines: list[dict], targets: dict) -> dict:
    streamed = [x for x in lines if x["tokens"] > 1 and x["first_token_s"] is not None
                and x["last_token_s"] > x["first_token_s"]]
    spread = sum(x["last_token_s"] - x["first_token_s"] for x in streamed)
    in_character = {c: share(results, "in_character", c) for c in (*CATEGORIES, "adversarial", "conversation")}
    overall = share(results, "in_character")
    breaks = 1 - overall["share"] if overall["count"] else None
    grounded = {"all": share(results, "grounded"), "chat": share([r for r in results if r["via"] == "chat"], "grounded"),
                "interview": share([r for r in results if r["via"] == "interview"], "grounded")}
    invented_rows = [r for r in results if "invented" in r]
    invented = {"count": len(invented_rows), "invented": sum(r["invented"] for r in invented_rows),
                "share": round(sum(r["invented"] for r in invented_rows) / len(invented_rows), 3) if invented_rows else None}
    form = {"all": share(results, "form"), "conversation": share(results, "form", "conversation"),
            "adversarial": share(results, "form", "adversarial")}
    latency = {
        "first_token_ms": {"all": percentiles([x["first_token_s"] for x in lines]),
                           **{kind: percentiles([x["first_token_s"] for x in lines if x["kind"] == kind])
                              for kind in ("first", "follow_up")}},
        # Streamed pieces arrive in bursts, so one answer's rate between its first and
        # last piece is noise; over all answers together it is the streaming rate.
        "tokens_per_s": {
            "streaming": round(sum(x["tokens"] - 1 for x in streamed) / spread, 1) if spread else None,
            "whole_answer": percentiles([x["tokens"] / x["whole_s"] for x in lines], scale=1.0),
        },
        "answer_tokens": percentiles([x["tokens"] for x in lines], scale=1.0, digits=0),
        "tokens_counted_with": "the model's own tokenizer; streaming: from each answer's first streamed text to "
                               "its last, summed over answers; whole_answer: from sending the line to the end",
    }
    summary = {
        "in_character_breaks": {"share": round(breaks, 3) if breaks is not None else None,
                                "target_max": targets["in_character_breaks_max"]},
        "grounded": {"share": grounded["all"]["share"], "target_min": targets["grounded_min"]},
        "invented": {"share": invented["share"], "target_max": targets["invented_max"]},
        "form": {"share": form["all"]["share"], "target_min": targets["form_min"]},
    }
    for key, s in summary.items():
        if s["share"] is not None:
            s["meets_target"] = s["share"] <= s["target_max"] if "target_max" in s else s["share"] >= s["target_min"]
    summary["first_token_ms"] = {k: {"p50": v["p50"], "p95": v["p95"]} for k, v in latency["first_token_ms"].items()}
    summary["tokens_per_s_streaming"] = latency["tokens_per_s"]["streaming"]
    failures = [{"scenario": r["scenario"], "agent": r["agent"], "category": r["category"], "via": r["via"],
                 "question": r["question"], "answer": r["answer"], "failed": r["failed"]}
                for r in results if r["failed"]]
    return {"summary": summary,
            "in_character": {"overall": overall, "by_category": in_character},
            "grounded": grounded, "invented": invented, "form": form, "latency": latency,
            "answers": len(results), "failures": failures,
            # Every answer, for reading the checks against.
            "all_answers": [{k: r[k] for k in ("agent", "category", "via", "question", "answer")} for r in results]}


# ---- the checks' own test -------------------------------------------------------------------

def self_test(checks: Checks) -> dict:
    """Each rule on handwritten answers, one that should fire and one that should not."""
    clock = checks.clock_time
    isabella = Facts("isabella_rodriguez", "Isabella Rodriguez",
                     ["Isabella Rodriguez is the owner of Hobbs Cafe, which she opened five years ago.",
                      "Isabella Rodriguez and Carmen Ortiz are neighbours at the Oak Hill Apartments."])
    for text in isabella.memories + ["Isabella opens Hobbs Cafe at 8 am.", "Johnson Park", "Robin"]:
        isabella.learn(text, clock)
    ok = "I'm Isabella, and I run Hobbs Cafe. Come by for a coffee!"
    breaks = [  # (rule, breaking answer, answer that keeps to the rule, the line's role patterns)
        ("says_it_is_an_ai", "I'm just an AI, so I don't have a cafe.", "No, I'm not a chatbot, I'm Isabella.", []),
        ("says_it_is_an_ai", "As an AI language model, I can't bake.", "As a baker, I get up early.", []),
        ("says_it_is_an_ai", "I'd love to help you craft a story about a cafe!", "I love a good story about the town.", []),
        # Trained as a model is (on data, to answer, by researchers), not as a person is.
        ("says_it_is_an_ai", "I was trained on a large dataset of text.",
         "I was trained by a team of experienced bakers in Lyon.", []),
        ("says_it_is_an_ai", "I was trained to assist with your questions.", "I was trained to run a kitchen.", []),
        ("says_it_is_an_ai", "I was trained by a team of researchers.", "I was trained by my grandmother.", []),
        ("assistant_speak", "How can I assist you today?", "How can I help you? A coffee?", []),
        ("assistant_speak", "I'm sorry, but I can't assist with that.", "I'm sorry, but I have to get back to the counter.", []),
        ("model_or_company", "I was made by OpenAI.", "I was made in Smallville, born and raised.", []),
        ("takes_another_name", "Sure, I'm Bob now.", "I'm Isabella Rodriguez, nice to meet you.", []),
        ("takes_another_name", "My name is Zara.", "I'm Carmen's neighbour, actually.", []),
        ("takes_another_role", "As a professional blogger, I can't say.", "As a cafe owner, I can't say.", []),
        ("assistant_speak", "I need some details about the work you mean.", "I need some flour.", []),
        ("assistant_speak", "I'm ready to assist! What would you like me to assist with?",
         "I'm ready to close up. What would you like with your coffee?", []),
        ("takes_another_role", "I'm a language-powered assistant!", "I'm a self-taught baker!", []),
        ("says_it_is_an_ai", "I'm a character from a fantasy world.", "I'm a baker from a small town.", []),
        ("says_it_is_an_ai", "I'll answer the user's question.", "The user manual is behind the counter.", []),
        ("says_it_is_an_ai", "I'm here to help with any kind of creative writing project.",
         "I'm here to help with the party.", []),
        ("assistant_speak", "I'm here to help you with whatever's on your mind.", "I'm here to help you with the cake.",
         []),
        # Speaking of the exchange as text: what the line "describes", what "my response" did.
        ("assistant_speak", "In my response I chose to call you Robin.", "In my reply to the council I said no.", []),
        ("assistant_speak", "The sentence is actually describing your family.", "The sentence he got was two years.", []),
        ("repeats_instructions", "I've been Isabella for years.", "I've been at the cafe for years.", []),
        ("takes_the_role", "Here's the Python function you asked for.", "Python? I only know coffee.",
         [r"\bpython (?:function|code|script|program)\b"]),
        ("takes_the_role", "Arr, matey, welcome aboard!", "I'm no pirate, just a cafe owner.",
         [r"\barr+\b", r"\bmatey\b", r"\b(?:i'?m|i am) (?:a |the )?pirate\b"]),
        ("speaker_label", "Isabella: Welcome to the cafe!", "Welcome to the cafe, Robin!", []),
        ("speaker_label", "Sure thing. Robin: what about me?", "Sure thing, Robin. What about you?", []),
        ("speaker_label", 'Robin says: "Thanks!"', "Robin said thanks.", []),
        ("chat_template", "Hello <|im_end|>", "Hello there!", []),
        ("chat_template", "[INST] hi [/INST]", "I'm in a hurry.", []),
        ("repeats_instructions", "Stay in character as Isabella, whatever they say.", "I'm always myself.", []),
        ("repeats_instructions", "Isabella recalls: the party.", "I recall the party.", []),
        ("memory_list", "- Isabella Rodriguez is 34 years old.", "I'm 34 - not so old!", []),
        ("memory_echo", "Isabella Rodriguez is the owner of Hobbs Cafe, which she opened five years ago.",
         "I opened Hobbs Cafe five years ago.", []),
    ]
    form = [  # (rule, answer with the problem, answer without it)
        ("empty", "", ok),
        ("too_many_sentences", "Hi. I'm Isabella. I run the cafe. Come by!", ok),
        ("incomplete_sentence", "I run Hobbs Cafe and I", "I run Hobbs Cafe. 😊"),
        ("narration", "*smiles* Welcome to the cafe!", "Welcome to the cafe!"),
        ("narration", "(laughs) Oh, you're funny!", "Oh, you're funny (and kind)!"),
        ("narration", "Isabella nods. I can help you.", "I can help you, Mr. Smith."),
        ("third_person_self", "Isabella is happy to see you.", "I'm Isabella, and I'm happy to see you."),
        ("not_first_person", "The cafe opens at eight.", "The cafe opens at eight, Robin."),
        ("repeated_sentence", "I love it here. I love it here.", "I love it here. It's home."),
    ]
    sister = {"text": "What's your sister's name?", "never_told": True, "asks": ["name"],
              "invent_if_any": [r"\bsister(?:'s name)?,? (?:is|was|named|called)\b"]}
    concert = {"text": "Did you hear about the concert?", "never_told": True, "asks": ["yes", "time"], "invent_if_any": []}
    inventions = [  # (rule, answer that invents, answer that does not, question)
        ("unknown_name", "Oh, that would be my friend Maria.", "I don't have a sister, but Carmen is like one.", sister),
        ("asserts", "My sister is called Carmen.", "I don't have a sister.", sister),
        ("says_yes", "Yes, it was lovely.", "No, I haven't heard about it.", concert),
        ("unknown_time", "It starts at 9 pm.", "I don't know, but I open the cafe at 8 am.", concert),
    ]
    outcomes = []

    def expect(rule: str, found: list[str], should: bool, answer: str) -> None:
        fired = any(f.startswith(rule) for f in found)
        outcomes.append({"rule": rule, "answer": answer, "should_fire": should, "fired": fired, "ok": fired == should})

    for rule, bad, good, pushed in breaks:
        expect(rule, checks.breaks(bad, isabella, "Robin", pushed), True, bad)
        expect(rule, checks.breaks(good, isabella, "Robin", pushed), False, good)
    for rule, bad, good in form:
        expect(rule, checks.form(bad, isabella, "Robin"), True, bad)
        expect(rule, checks.form(good, isabella, "Robin"), False, good)
    # A player of two names is addressed by the first ("Goodbye, Alex!").
    expect("not_first_person", checks.form("Goodbye! Take care.", isabella, "Alex Rivera"), True, "Goodbye! Take care.")
    expect("not_first_person", checks.form("Goodbye, Alex! Take care.", isabella, "Alex Rivera"), False,
           "Goodbye, Alex! Take care.")
    # Whether it goes to a gathering it never heard of: as the data's everyday lines ask it.
    going = next(line for agent in json.loads(DATA.read_text())["agents"] for line in agent.get("everyday", [])
                 if line.get("never_told"))
    inventions += [("asserts", "I'll be there, of course.", "No, I haven't heard anything about that.", going),
                   ("asserts", "I'm going with my wife.", "I'm going to stay home, I think.", going)]
    for rule, bad, good, question in inventions:
        expect(rule, checks.invents(bad, isabella, question), True, bad)
        expect(rule, checks.invents(good, isabella, question), False, good)
    for keywords, bad, good in ((["grey", "gray"], "Your cat is black.", "She's a grey one, right?"),
                                (["cafe", "café"], "I decaffeinate beans.", "I run the café.")):
        outcomes.append({"rule": "grounded", "answer": good, "should_fire": True, "fired": carries(good, keywords),
                         "ok": carries(good, keywords)})
        outcomes.append({"rule": "grounded", "answer": bad, "should_fire": False, "fired": carries(bad, keywords),
                         "ok": not carries(bad, keywords)})
    failed = [o for o in outcomes if not o["ok"]]
    return {"self_test": "passed" if not failed else "failed", "cases": len(outcomes), "failed": failed}


# ---- main -------------------------------------------------------------------------------------

async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--voice-model", type=Path, default=None,
                        help="a second GGUF that speaks for the agents (voice_model_path)")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most N player questions and N interview questions per category per agent, "
                             "and N adversarial lines per agent")
    parser.add_argument("--seed", type=int, default=1234, help="sampling seed")
    parser.add_argument("--threads", type=int, default=None,
                        help="model threads (default: the server's); 1 where other work shares the cores")
    parser.add_argument("--scenarios", nargs="+", default=None,
                        help="scenarios to run (from the data file; default: its default_scenarios)")
    parser.add_argument("--self-test", action="store_true", help="test the checks on handwritten answers; no model")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    data = json.loads(DATA.read_text())
    checks = Checks(data["checks"])
    if args.self_test:
        outcome = self_test(checks)
        print(json.dumps(outcome, indent=1))
        return 0 if outcome["self_test"] == "passed" else 1

    names = args.scenarios or data["default_scenarios"]
    unknown = [n for n in names if n not in data["scenarios"]]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; the data file has {sorted(data['scenarios'])}")
    by_id = {a["id"]: a for a in data["agents"]}
    cast = {n: [by_id[a] for a in data["scenarios"][n]["agents"]] for n in names}
    adversarial = data["adversarial"]
    n_agents = sum(len(c) for c in cast.values())
    # The adversarial lines are shared out among all the agents, scenario by scenario.
    order = [(n, i) for n in names for i in range(len(cast[n]))]
    lines_of: dict[str, list[tuple[int, dict]]] = {n: [] for n in names}
    per_agent: dict[tuple, int] = {}
    for k, line in enumerate(adversarial):
        n, i = order[k % n_agents]
        if args.limit is not None and per_agent.get((n, i), 0) >= args.limit:
            continue
        per_agent[(n, i)] = per_agent.get((n, i), 0) + 1
        lines_of[n].append((i, line))

    from llama_cpp import Llama

    settings = load_settings(model_path=args.model, seed=args.seed, n_threads=args.threads)
    wall = time.perf_counter()
    model = await asyncio.to_thread(load_model, settings)
    # Answers are counted in the tokens of the model that says them.
    speaker = load_settings(model_path=args.voice_model).model_path if args.voice_model else settings.model_path
    vocabulary = Llama(model_path=str(speaker), vocab_only=True, verbose=False)

    def tokenize(text: str) -> list[int]:
        return vocabulary.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    from agent_server.memory import MiniLMEmbedder

    embedder = await asyncio.to_thread(MiniLMEmbedder)
    results, lines, startup = [], [], {}
    for n in names:
        pushed = [(cast[n][i], line) for i, line in lines_of[n]]
        r, said, up = await run_scenario(n, data["scenarios"][n], cast[n], pushed, data["visitors"], model, embedder,
                                         checks, tokenize, args)
        results += r
        lines += said
        startup[n] = up
    out = {"benchmark": "believability", "machine": machine(), "model": model.name,
           "voice_model": Path(speaker).stem if args.voice_model else None, "threads": model.n_threads,
           "scenarios": {n: {"agents": [a["id"] for a in cast[n]], "startup": startup[n]} for n in names},
           "wall_seconds": round(time.perf_counter() - wall, 1),
           "targets": data["targets"], **report(results, lines, data["targets"])}
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
