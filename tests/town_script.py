"""A responder for ScriptedModel that gives every cognitive prompt an answer of the
right shape, with knobs for the choices a test wants the agents to make. It drives
control-flow tests of the minds; the real model is tested separately.

Answers are keyed on each request's purpose (the cognitive function it is for, which the
scheduler sets), and, where one function asks more than one thing, on the request's
structure: a choice's options, or the answer's grammar. Never on a prompt's wording, so
that rewording a prompt changes no test's answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent_server.llm.base import LLMRequest
from agent_server.prompts import converse, day_plan, invitation, react, reflection
from agent_server.prompts.importance import RATING_OPTIONS
from tests.scripted_model import choice_options

# Where a cognitive function asks more than one thing, the answers' grammars tell them
# apart: reflection's questions and insights; a conversation's lines (and a greeting to
# the player), which begin with their speaker, and its summary; what an agent does
# instead of its plan, and what a gathering it heard of is.
_QUESTIONS_GRAMMAR = reflection.questions_request([]).grammar
_INSIGHT_RULE = "\ninsight ::= "
_SPEAKER = re.compile(r'root ::= "([^"]+): \\""')
_SUMMARY_GRAMMAR = converse.summary_request("", "", []).grammar
_INSTEAD = re.compile(r'root ::= "([^"]+) will "')
_GATHERING = 'root ::= "a " '


@dataclass
class TownScript:
    # Option picked by choices (score_options falls back to a grammar choice here).
    reaction: str = "Keep going with the plan."
    importance: str = "3"
    end_conversation_after: int = 4
    replan_after_talk: str = "No"
    # Whether a line told of a gathering, the gathering in words, and whether to go.
    heard_of_gathering: str = "Yes"
    gathering: str = "a dinner."
    go_to_gathering: str = "Yes"
    # What a speaker brings up: the first topic holding these words ("": the first offered).
    topic: str = ""
    # Where free time is spent: the first place holding these words ("": at home).
    free_time: str = ""
    lines: tuple[str, ...] = (
        "Good morning, are you coming to the party?",
        "Which party do you mean?",
        "The one I am hosting at Hobbs Cafe at five tonight.",
        "Then I will be there, thank you for telling me!",
        "Wonderful, see you later.",
        "Goodbye for now.",
    )
    utterances: int = field(default=0, init=False)

    def __call__(self, request: LLMRequest) -> str:
        options = choice_options(request)
        if options:
            return self.choose(request, options)
        purpose, grammar = request.purpose, request.grammar or ""
        if purpose == "importance":
            return self.importance
        if purpose == "summary":
            return ("Core characteristics: Warm and hard-working.\nOccupation: Runs the cafe.\n"
                    "Feeling: Content with how things go.\n")
        first = re.search(r"(\w+) will ", grammar)[1] if " will " in grammar else ""
        if purpose == "day_plan":
            return "".join(f"{i}. {h}:00 {ap}: {first} will {t}\n" for i, (h, ap, t) in enumerate(
                [(7, "am", "wake up and get ready"), (8, "am", "open the cafe"), (12, "pm", "have lunch"),
                 (3, "pm", "bake pastries"), (6, "pm", "go for a walk in the park")], 1))
        if purpose == "hourly_plan":
            hours = re.findall(r'"(\d\d):00 ', grammar)
            return "".join(f"{h}:00 {first} will work at the cafe\n" for h in hours)
        if purpose == "decompose":
            return "".join(f"{i}. {first} will {a} (15 minutes)\n" for i, a in enumerate(
                ["make coffee", "serve customers", "clean tables", "bake bread"], 1))
        if purpose == "reflection" and grammar == _QUESTIONS_GRAMMAR:
            return "1. What does Isabella care about?\n2. Who does Isabella meet?\n3. What is Isabella planning?\n"
        if purpose == "reflection" and _INSIGHT_RULE in grammar:
            return "1. Isabella cares about her cafe (because of 1, 2)\n2. Isabella is busy (because of 3)\n"
        if purpose == "react" and (instead := _INSTEAD.match(grammar)):
            return f"{instead[1]} will bake bread for the party."
        if purpose in ("conversation", "greeting") and (speaker := _SPEAKER.match(grammar)):
            self.utterances += 1
            return f'{speaker[1]}: "{self.lines[(self.utterances - 1) % len(self.lines)]}"'
        if purpose == "conversation" and grammar == _SUMMARY_GRAMMAR:
            return self.conversation_summary(request)
        if purpose == "invitation" and grammar.startswith(_GATHERING):
            return self.gathering
        return "I am fine, thank you."

    def conversation_summary(self, request: LLMRequest) -> str:
        return "They talked about the party."

    def choose(self, request: LLMRequest, options: list[str]) -> str:
        purpose = request.purpose
        if purpose == "importance" and options == RATING_OPTIONS:
            return self.importance
        if purpose == "react":
            if options == list(react.REPLAN_OPTIONS):
                return self.replan_after_talk
            return self.react_choice(options)
        if purpose == "conversation":
            if options == list(converse.END_OPTIONS):
                return "Yes" if self.utterances >= self.end_conversation_after else "No"
            return next((o for o in options if self.topic and self.topic in o), options[0])
        if purpose == "choose_place" and options[0] == day_plan.AT_HOME:
            return next((o for o in options if self.free_time and self.free_time in o), options[0])
        if purpose == "invitation":
            if options == invitation.YES_NO:
                return self.heard_of_gathering
            if len(options) == 2:  # invitation.go_options: going, or what was planned
                return options[0] if self.go_to_gathering == "Yes" else options[1]
        return options[0]

    def react_choice(self, options: list[str]) -> str:
        """Keep going, talk, or do something else (react.OPTIONS)."""
        return next(o for o in options if o.startswith(self.reaction.split()[0]))
