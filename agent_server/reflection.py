"""Reflection: when the summed importance of what an agent has experienced since its
last reflection passes a threshold (150, as in the paper), it asks itself the three
most salient questions about its 100 most recent memories, retrieves for each, and
stores up to five insights per question as reflections citing their evidence, so
reflections form trees over observations and earlier reflections. An insight already
stored (in this reflection, or among the recent memories it started from) is not stored
again: small models give the same insight to every question."""

from __future__ import annotations

import logging

from agent_server.memory import MemoryStore
from agent_server.mind import Mind
from agent_server.options import MindOptions
from agent_server.prompts import reflection
from agent_server.scheduler import Priority

log = logging.getLogger(__name__)

THRESHOLD = 150  # the paper's; MindOptions.reflection_threshold by default
RECENT = 100
# The recent memories shown when asking for questions are cut to fit the prompt.
RECENT_CHARS = 5000
EVIDENCE_PER_QUESTION = 10


class Reflector:
    def __init__(self, memory: MemoryStore, options: MindOptions = MindOptions()) -> None:
        """`memory`: the stream whose recent memories a reflection starts from."""
        self._memory = memory
        self.threshold = options.reflection_threshold
        # False: agents never reflect (the evaluation's ablation without reflection).
        self.enabled = options.reflection

    def due(self, mind: Mind) -> bool:
        return self.enabled and mind.state.importance_since_reflection > self.threshold

    async def reflect(self, mind: Mind, now: int) -> list[int]:
        """Reflect once; returns the ids of the reflections stored."""
        mind.state.importance_since_reflection = 0
        recent = self._memory.recent(mind.id, RECENT)
        if not recent:
            return []
        statements, size = [], 0
        for memory in recent:  # newest first, so the newest are kept
            size += len(memory.description) + 5
            if size > RECENT_CHARS:
                break
            statements.insert(0, memory.description)
        text = await mind.ask(reflection.questions_request(statements), Priority.REFLECTION, "reflection")
        stored: list[int] = []
        seen = {reflection.gist(m.description) for m in recent if m.kind == "reflection"}
        for question in reflection.parse_questions(text):
            evidence = [s.node for s in mind.recall(question, now, limit=EVIDENCE_PER_QUESTION)]
            if not evidence:
                continue
            answer = await mind.ask(reflection.insights_request(mind.name, [n.description for n in evidence]),
                                    Priority.REFLECTION, "reflection")
            insights = []
            for insight, cited in reflection.parse_insights(answer, len(evidence)):
                gist = reflection.gist(insight)
                if gist not in seen:
                    seen.add(gist)
                    insights.append((insight, cited))
            if not insights:
                continue
            nodes = await mind.remember(
                "reflection", [insight for insight, _ in insights], now,
                evidence=[tuple(evidence[i].id for i in cited) for _, cited in insights],
            )
            stored.extend(n.id for n in nodes)
            log.info("%s reflected on %r: %s", mind.name, question, [n.description for n in nodes])
        return stored
