"""The end-of-run interviews, as in the paper: each agent is asked, from outside the
world, what it knows (of each seed, of each other agent) and the five-category battery
(self-knowledge, memory, plans, reactions, reflections).

Yes/no questions are answered by reading the model's probabilities of "Yes" and "No"
after the agent's retrieved memories: a small model's sampled one-word answers are
noise, its probabilities are not. They are calibrated per agent and per question form
("contextual calibration", Zhao et al. 2021): the same question with its subject made
empty ("Do you know N/A?") gives the model's bias towards yes or no, and an agent
knows when the real question's log-odds of yes beat that bias. Open questions are answered in free text and saved
for people to read; where the run knows the truth, an automatic check says whether the
answer agrees with it (simple word matching, stated beside each check).

Interviews neither store memories nor touch their access times: they are not events
in the world.
"""

from __future__ import annotations

import asyncio
import math
import re
from typing import Any

from agent_server.clock import SECONDS_PER_DAY
from agent_server.identity import with_article
from agent_server.mind import Mind
from agent_server.prompts import interview
from agent_server.scheduler import Priority
from agent_server.society import Society

INTERVIEW_MAX_TOKENS = 64
# The subject of the content-free question that measures a model's bias to yes or no.
EMPTY_SUBJECT = "N/A"
# Interviews run together so the model can batch them.
CONCURRENT = 8
_STOP = {
    "about", "after", "again", "also", "been", "before", "being", "does", "doing", "from", "going", "have",
    "having", "here", "into", "just", "like", "made", "make", "more", "most", "much", "myself", "need", "only",
    "other", "over", "really", "some", "than", "that", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "today", "tomorrow", "very", "want", "wants", "were", "what", "when", "where",
    "which", "while", "will", "with", "would", "your", "yours", "know", "think", "time", "day", "things",
}
_DENIAL = re.compile(r"\b(don'?t know|do not know|not sure|no idea|never (met|heard)|don'?t remember|"
                     r"do not remember|haven'?t (met|heard)|not familiar|unfamiliar|who is that|don'?t recall)\b")


def content_words(text: str) -> set[str]:
    """Words that carry meaning (4+ letters, not common function words), lower case."""
    return {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP}


def denies(answer: str) -> bool:
    return bool(_DENIAL.search(answer.lower()))


def speaks_of(answer: str, topic: list[str]) -> bool:
    """Whether the answer names the topic (any of its words, at a word's start)."""
    return any(re.search(rf"\b{re.escape(t)}", answer.lower()) for t in topic)


class Interviewer:
    def __init__(self, society: Society) -> None:
        self.society = society
        self.now = society.world.game_time
        self._slots = asyncio.Semaphore(CONCURRENT)
        self._bias: dict[tuple[str, str], asyncio.Task] = {}

    async def yes_no(self, mind: Mind, form: str, subject: str) -> dict[str, Any]:
        """{"question", "knows", "p_yes", "log_odds", "bias"}: `form` with `subject` put in
        ("Do you know {}?"), answered from the probabilities of Yes and No, calibrated."""
        key = (mind.id, form)
        if key not in self._bias:
            self._bias[key] = asyncio.ensure_future(self._log_odds(mind, form.format(EMPTY_SUBJECT)))
        question = form.format(subject)
        log_odds = await self._log_odds(mind, question)
        bias = await self._bias[key]
        p_yes = 1.0 / (1.0 + math.exp(-log_odds))
        return {"question": question, "knows": log_odds > bias, "p_yes": round(p_yes, 4),
                "log_odds": round(log_odds, 3), "bias": round(bias, 3)}

    async def _log_odds(self, mind: Mind, question: str) -> float:
        """log P(Yes) - log P(No) as the answer to `question`."""
        async with self._slots:
            used = mind.recall_for_answer(question, self.now, touch=False)
            request = interview.build(name=mind.name, summary=mind.own_summary,
                                      memories=mind.of_self([s.node.description for s in used]),
                                      question=f"{question} Answer yes or no.", max_tokens=4)
            yes, no = await mind.f.scheduler.score_options(request, ["Yes", "No"], Priority.CONVERSATION,
                                                           "interview")
        if not (math.isfinite(yes) or math.isfinite(no)):
            return 0.0
        return max(-50.0, min(50.0, yes - no))  # a backend without probabilities gives 0 / -inf

    async def answer(self, mind: Mind, question: str) -> str:
        """The agent's answer in its own words, as the Interview RPC gives it; at a batchable
        priority, since many are asked together."""
        async with self._slots:
            answer, _ = await self.society.dialogue.interview(mind, question, self.now, priority=Priority.CONVERSATION,
                                                              max_tokens=INTERVIEW_MAX_TOKENS)
        return answer

    # ---- the measurements' questions ------------------------------------------------

    async def diffusion(self) -> list[dict[str, Any]]:
        """Per seed: each agent's answer to "Do you know anything about ...?", in its own
        words, read as the paper's judges read them: it knows when it speaks of the topic
        without saying it does not know. The calibrated yes/no probability is kept
        beside it ("by_probability")."""
        out = []
        for seed in self.society.scenario.proto.seeds:
            form, subject = seed_question(seed.topic, seed.text)
            question = form.format(subject)
            minds = list(self.society.minds.values())
            known = await asyncio.gather(*(self.yes_no(m, form, subject) for m in minds))
            said = await asyncio.gather(*(self.answer(m, question) for m in minds))
            topic = [t.lower() for t in seed.topic]
            out.append({"seed_agent": seed.agent_id, "question": question, "answers": {
                m.id: {"answer": a, "knows": speaks_of(a, topic) and not denies(a), "by_probability": k["knows"],
                       **{f: k[f] for f in ("p_yes", "log_odds", "bias")}}
                for m, k, a in zip(minds, known, said)}})
        return out

    async def relationships(self) -> dict[str, dict[str, Any]]:
        """For every ordered pair: does a say it knows b?"""
        minds = list(self.society.minds.values())
        pairs = [(a, b) for a in minds for b in minds if a is not b]
        results = await asyncio.gather(*(self.yes_no(a, "Do you know {}?", b.name) for a, b in pairs))
        out: dict[str, dict[str, Any]] = {a.id: {} for a in minds}
        for (a, b), result in zip(pairs, results):
            out[a.id][b.id] = {k: result[k] for k in ("knows", "p_yes", "log_odds", "bias")}
        return out

    async def battery(self) -> dict[str, list[dict[str, Any]]]:
        minds = list(self.society.minds.values())
        asked = await asyncio.gather(*(self._battery_for(m) for m in minds))
        return {m.id: qa for m, qa in zip(minds, asked)}

    async def _battery_for(self, mind: Mind) -> list[dict[str, Any]]:
        questions = self._battery_questions(mind)
        answers = await asyncio.gather(*(self.answer(mind, q["question"]) for q in questions))
        out = []
        for q, answer in zip(questions, answers):
            check = q.pop("check", None)
            item = {**q, "answer": answer}
            if check is not None:
                passed, rule = check(answer)
                item["check"] = {"passed": passed, "rule": rule}
            out.append(item)
        return out

    def _battery_questions(self, mind: Mind) -> list[dict[str, Any]]:
        society, first = self.society, mind.first_name
        questions: list[dict[str, Any]] = [
            {"category": "self-knowledge", "question": "Give an introduction of yourself.",
             "check": lambda a: (first.lower() in a.lower(), f"names itself ({first})")},
        ]
        occupation = content_words(mind.agent.occupation)
        questions.append({
            "category": "self-knowledge", "question": "What is your job?",
            "check": (lambda a: (bool(content_words(a) & occupation),
                                 f"shares a word with its occupation ({mind.agent.occupation})")) if occupation else None,
        })
        known = [r for r in society.scenario.proto.relationships
                 if r.a == mind.id or (r.mutual and r.b == mind.id)]
        if known:
            relation = known[0]
            other = society.minds[relation.b if relation.a == mind.id else relation.a]
            words = content_words(relation.description) - content_words(other.name) - content_words(mind.name)
            questions.append({
                "category": "memory", "question": f"Who is {other.name}?",
                "check": lambda a, w=words, d=relation.description: (
                    bool(content_words(a) & w) and not denies(a), f"recalls the relationship ({d})"),
            })
        stranger = self._stranger(mind)
        if stranger is not None:
            questions.append({
                "category": "memory", "question": f"Who is {stranger.name}?",
                "check": lambda a: (denies(a), f"says it does not know {stranger.name}, whom it never "
                                               "heard of in the run (no invented acquaintance)"),
            })
        ten = (self.now // SECONDS_PER_DAY) * SECONDS_PER_DAY + 10 * 3600
        planned = next((s for s in mind.state.hourly if s.covers(ten)), None)
        when = "today" if self.now < ten else "this morning"
        questions.append({
            "category": "plans", "question": f"What are you doing at 10 am {when}?",
            "check": (lambda a, p=planned: (bool(content_words(a) & content_words(p.description)),
                                            f"agrees with its plan ({p.description})")) if planned else None,
        })
        questions.append({"category": "plans", "question": "What is your plan for today?", "check": None})
        questions.append({"category": "reactions", "question": "Your breakfast is burning! What would you do?",
                          "check": None})
        questions.append({"category": "reactions",
                          "question": "A neighbour asks you for help carrying a heavy box. What do you say?",
                          "check": None})
        partners = self._partners(mind)
        partner_names = {society.minds[p].first_name.lower() for p in partners}
        questions.append({
            "category": "reflections",
            "question": "If you could spend time with one person you met recently, who would it be and why?",
            "check": (lambda a: (any(n in a.lower() for n in partner_names),
                                 "names someone it talked with in the run")) if partner_names else None,
        })
        questions.append({"category": "reflections", "question": "What has been on your mind lately?",
                          "check": None})
        return questions

    def _partners(self, mind: Mind) -> set[str]:
        return {p for c in self.society.conversations if mind.id in c.participant_ids and c.lines
                for p in c.participant_ids if p != mind.id and p in self.society.minds}

    def _stranger(self, mind: Mind) -> Mind | None:
        """Someone the agent has no memory of at all, if there is such a person."""
        for other in self.society.minds.values():
            if other is mind:
                continue
            if not any(other.name.lower() in m.description.lower() or other.first_name in m.description
                       for m in mind.f.memory.all(mind.id)):
                return other
        return None


def seed_question(topic: list[str] | Any, text: str) -> tuple[str, str]:
    """("Do you know anything about {}?", "a valentine party", "an election mayor") from a
    seed's topic words."""
    words = list(topic)
    if not words:
        return "Do you know about this: {}?", text.rstrip(".")
    return "Do you know anything about {}?", with_article(" ".join(words[:2]))


async def interview_everyone(society: Society) -> dict[str, Any]:
    interviewer = Interviewer(society)
    return {
        "game_time": interviewer.now,
        "diffusion": await interviewer.diffusion(),
        "relationships": await interviewer.relationships(),
        "battery": await interviewer.battery(),
    }
