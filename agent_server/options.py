"""The options the minds think with, typed: what the cognitive functions take from the
settings (settings.py describes each), built once from them (`MindOptions.from_settings`)
and given to the society, which passes it to the planner, place choice, reflection, the
level of detail and dialogue. The defaults are the settings' defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent_server.settings import Settings


@dataclass(frozen=True)
class MindOptions:
    # A day plan and an hourly plan, made ahead (planning.Planner); off: each hour is
    # decomposed as it comes (the evaluation's ablation without planning).
    planning: bool = True
    # The day plan starts from the agent's routine, read from the scenario's habits
    # (routine.py); off: the model writes every day (the paper's way).
    routine: bool = True
    # A routine's free time may be spent out, where the model chooses (Planner.spend_free_time).
    free_time: bool = True
    # Reflection, and the summed importance that triggers it (reflection.Reflector).
    reflection: bool = True
    reflection_threshold: int = 150
    # A topic chosen before a speaker's first line (topics.py); off: the paper's way.
    topic_choice: bool = True
    # Sentences the model writes read by the assistant-speech classifier before they
    # are said (assistant_speech.py; dialogue.Dialogue).
    assistant_speech: bool = True
    # One mind thinking at a time (society.Society), and every place chosen anew, routine
    # actions too (places.PlaceChooser): the baseline benchmark.
    sequential: bool = False
    cache_places: bool = True
    # Less detail for agents far from the player, and the reaction decisions each of them
    # may make per game hour (detail.LevelOfDetail).
    level_of_detail: bool = True
    lod_decisions_per_hour: int = 1
    # The player's chat: its longest answer in tokens, and free text's temperature.
    chat_max_tokens: int = 96
    temperature: float = 0.7

    @classmethod
    def from_settings(cls, settings: Settings) -> MindOptions:
        """The options `settings` give; the baseline thinks one mind at a time, chooses
        every place anew and thinks in full detail everywhere."""
        return cls(
            planning=settings.planning,
            routine=settings.routine,
            free_time=settings.free_time,
            reflection=settings.reflection,
            reflection_threshold=settings.reflection_threshold,
            topic_choice=settings.topic_choice,
            assistant_speech=settings.assistant_speech,
            sequential=settings.baseline,
            cache_places=not settings.baseline,
            level_of_detail=settings.level_of_detail and not settings.baseline,
            lod_decisions_per_hour=settings.lod_decisions_per_hour,
            chat_max_tokens=settings.chat_max_tokens,
            temperature=settings.temperature,
        )
