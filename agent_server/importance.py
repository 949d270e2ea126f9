"""Importance: the model rates each memory from 1 (mundane) to 10 (poignant).

Ratings read the model's probabilities over fixed answers (prompts/importance.py),
so they discriminate even on a 135M-parameter model, and a batch of memories costs
two prompt evaluations in the contrast method.
"""

from __future__ import annotations

import math

from agent_server.prompts import importance as prompts
from agent_server.scheduler import LLMScheduler, Priority

# Contrast scores (log-likelihood ratios, about -8..+9 for the default model) map
# linearly onto 1..10; fitted on bench/data/importance_labelled.json with SmolLM2-135M
# (bench/importance.py prints the fit for another model).
CONTRAST_OFFSET = 5.8
CONTRAST_SCALE = 0.57


class ImportanceRater:
    def __init__(
        self,
        scheduler: LLMScheduler,
        *,
        method: str = "contrast",
        offset: float = CONTRAST_OFFSET,
        scale: float = CONTRAST_SCALE,
    ) -> None:
        if method not in ("contrast", "rating"):
            raise ValueError(f"unknown importance method {method!r}; use 'contrast' or 'rating'")
        self._scheduler = scheduler
        self._method = method
        self._offset = offset
        self._scale = scale

    async def rate(self, descriptions: list[str]) -> list[int]:
        """One rating from 1 to 10 per description, in order."""
        if not descriptions:
            return []
        scores = await self.raw_scores(descriptions)
        if self._method == "rating":
            return [_clamp(round(s)) for s in scores]
        return [_clamp(round(self._offset + self._scale * s)) for s in scores]

    async def raw_scores(self, descriptions: list[str]) -> list[float]:
        """The unrounded signal: the contrast score, or the expected rating."""
        if self._method == "rating":
            return [await self._expected_rating(d) for d in descriptions]
        answers = [prompts.as_answer(d) for d in descriptions]
        vivid = await self._scheduler.score_options(prompts.VIVID, answers, Priority.IMPORTANCE, "importance")
        ordinary = await self._scheduler.score_options(prompts.ORDINARY, answers, Priority.IMPORTANCE, "importance")
        return [v - o for v, o in zip(vivid, ordinary)]

    async def _expected_rating(self, description: str) -> float:
        scores = await self._scheduler.score_options(
            prompts.rating_request(description), prompts.RATING_OPTIONS, Priority.IMPORTANCE, "importance"
        )
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        return sum(w * int(o) for w, o in zip(weights, prompts.RATING_OPTIONS)) / sum(weights)


def _clamp(value: int) -> int:
    return max(1, min(10, value))
