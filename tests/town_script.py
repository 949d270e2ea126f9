"""A responder for ScriptedModel that gives every cognitive prompt an answer of the
right shape, with knobs for the choices a test wants the agents to make. It drives
control-flow tests of the minds; the real model is tested separately."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent_server.llm.base import LLMRequest


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
        prompt = request.messages[-1]["content"]
        grammar = request.grammar or ""
        options = re.findall(r'"((?:[^"\\]|\\.)*)"', grammar) if grammar.startswith("root ::= \"") and "\n" not in grammar else []
        if options and "|" in grammar:
            return self._choose(prompt, [o.replace('\\"', '"') for o in options])
        if "rate the likely poignancy" in prompt:
            return self.importance
        if "Core characteristics: " in grammar:
            return ("Core characteristics: Warm and hard-working.\nOccupation: Runs the cafe.\n"
                    "Feeling: Content with how things go.\n")
        first = re.search(r"(\w+) will ", grammar)[1] if " will " in grammar else ""
        if "plan for today: 5 to 8 items" in prompt:
            return "".join(f"{i}. {h}:00 {ap}: {first} will {t}\n" for i, (h, ap, t) in enumerate(
                [(7, "am", "wake up and get ready"), (8, "am", "open the cafe"), (12, "pm", "have lunch"),
                 (3, "pm", "bake pastries"), (6, "pm", "go for a walk in the park")], 1))
        if "Write what" in prompt and "in each hour" in prompt:
            hours = re.findall(r'"(\d\d):00 ', grammar)
            return "".join(f"{h}:00 {first} will work at the cafe\n" for h in hours)
        if "step by step" in prompt:
            return "".join(f"{i}. {first} will {a} (15 minutes)\n" for i, a in enumerate(
                ["make coffee", "serve customers", "clean tables", "bake bread"], 1))
        if "most salient high-level questions" in prompt:
            return "1. What does Isabella care about?\n2. Who does Isabella meet?\n3. What is Isabella planning?\n"
        if "high-level insights" in prompt:
            return "1. Isabella cares about her cafe (because of 1, 2)\n2. Isabella is busy (because of 3)\n"
        if "What does" in prompt and "instead" in prompt:
            name = re.match(r'root ::= "([^"]+) will "', grammar)[1]
            return f"{name} will bake bread for the party."
        if "say to" in prompt and "next" in prompt:
            self.utterances += 1
            name = re.match(r'root ::= "([^"]+): \\""', grammar)[1]
            return f'{name}: "{self.lines[(self.utterances - 1) % len(self.lines)]}"'
        if "the gathering" in prompt and "spoke of is" in prompt:
            return self.gathering
        if "Summarise this conversation" in prompt:
            return "They talked about the party."
        return "I am fine, thank you."

    def _choose(self, prompt: str, options: list[str]) -> str:
        if options == [str(i) for i in range(1, 11)]:
            return self.importance
        if "Should" in prompt and "react" in prompt:
            return next(o for o in options if o.startswith(self.reaction.split()[0]))
        if "come to an end" in prompt:
            return "Yes" if self.utterances >= self.end_conversation_after else "No"
        if "change the plan" in prompt:
            return self.replan_after_talk
        if "bring up with" in prompt:
            return next((o for o in options if self.topic and self.topic in o), options[0])
        if "about a gathering" in prompt:
            return self.heard_of_gathering
        if "What will" in prompt and "do then?" in prompt:
            return options[0] if self.go_to_gathering == "Yes" else options[1]
        return options[0]
