"""Who an agent is: a fixed identity block written from the scenario.

Every prompt an agent speaks or decides from begins with this block (`Mind.summary`):
its name, age, traits, occupation, home, habits, relationships and what it means to do
(its seeds), then the plan item it is on. It is written from the scenario, never by the
model: the daily model-written summary (planning.refresh_summary) adds how the agent
feels lately, and cannot replace who it is. A small model asked to rewrite a persona
loses what matters (a 135M model's summary of Isabella left out her Valentine's Day
party and called her a writer), and what is lost from the prompt is lost from the
agent's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulacra.v1 import agents_pb2


@dataclass(frozen=True)
class Identity:
    name: str
    persona: str = ""
    age: int = 0
    traits: tuple[str, ...] = ()
    occupation: str = ""
    # Where the agent lives, in words: "Isabella Rodriguez's apartment, Oak Hill Apartments".
    home: str = ""
    habits: str = ""
    # Each a sentence from the scenario: "Sam Moore and Jennifer Moore have been married ...".
    relationships: tuple[str, ...] = ()
    # What it means to do: its seeds ("Isabella Rodriguez is planning a party ...").
    intentions: tuple[str, ...] = ()

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @classmethod
    def of_agent(cls, agent: agents_pb2.Agent, home: str = "", relationships: tuple[str, ...] = (),
                 intentions: tuple[str, ...] = ()) -> "Identity":
        return cls(name=agent.name, persona=" ".join(agent.persona.split()), age=agent.age,
                   traits=tuple(agent.traits), occupation=agent.occupation, home=home,
                   habits=" ".join(agent.lifestyle.split()), relationships=relationships, intentions=intentions)

    def block(self) -> str:
        """The identity in a few plain lines, third person (prompts say "You are <name>"
        before it where the agent speaks)."""
        who = self.name
        details = [str(self.age) if self.age else "", ", ".join(self.traits)]
        details = [d for d in details if d]
        if details:
            who += f" ({'; '.join(details)})"
        facts = []
        if self.occupation:
            facts.append(f"is {_article(self.occupation)}")
        if self.home:
            facts.append(f"lives at {self.home}")
        lines = [f"{who} {' and '.join(facts)}." if facts else f"{who}."]
        if self.persona:
            lines.append(self.persona)
        if self.habits:
            lines.append(f"Habits: {self.habits}")
        if self.relationships:
            lines.append("People: " + " ".join(_sentence(r) for r in self.relationships))
        if self.intentions:
            lines.append("Intends: " + " ".join(_sentence(i) for i in self.intentions))
        return "\n".join(lines)

    def known_names(self) -> set[str]:
        """The capitalised words of the identity (names of people and places it knows),
        which an answer may use without inventing them."""
        words = set()
        for text in (self.name, self.persona, self.occupation, self.home, self.habits,
                     *self.relationships, *self.intentions):
            words.update(w.strip(".,;:'\"()") for w in text.split() if w[:1].isupper())
        return {w for w in words if w}


def _article(occupation: str) -> str:
    """"the owner of Hobbs Cafe" stays; "pharmacist" becomes "a pharmacist"."""
    head = occupation.split()[0].lower() if occupation.split() else ""
    if head in {"a", "an", "the", "my", "his", "her", "their"}:
        return occupation
    return ("an " if occupation[:1].lower() in "aeiou" else "a ") + occupation


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."
