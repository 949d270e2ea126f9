"""Agent-agent conversation: each utterance conditioned on the speaker's summary, what it
remembers of the other, the situation and the dialogue so far; and the decision to end."""

from __future__ import annotations

import re

from agent_server.character import avoid_bias
from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest
from agent_server.llm.grounding import whole_sentences
from agent_server.prompts.phrases import tidy

_SPEAK = """{summary}
It is {clock}. {name} is {doing}, and meets {other}.
What {name} remembers about {other}:
{memories}
{transcript}
{topic}What does {name} say to {other} next? One or two sentences."""

_TOPIC = """{summary}
It is {clock}. {name} is {doing}, and meets {other}.
What will {name} bring up with {other}?"""

_END = """{transcript}
Has the conversation between {a} and {b} come to an end?"""
END_OPTIONS = ("Yes", "No")

_SUMMARY = """{transcript}
Summarise this conversation between {a} and {b} in one sentence."""

UTTERANCE_CHARS = 160
# Small models fall into loops in free text ("I'm just, I'm just, ..."), which then
# run to the length limit; a mild penalty on the line's own recent tokens stops that.
REPEAT_PENALTY = 1.15


def transcript(lines: list[tuple[str, str]]) -> str:
    if not lines:
        return "They have not spoken yet."
    return "Conversation so far:\n" + "\n".join(f'{speaker}: "{text}"' for speaker, text in lines)


def topic_request(*, name: str, summary: str, clock: str, doing: str, other: str, options: list[str]) -> LLMRequest:
    """What the speaker brings up (topics.py); the options are scored, not listed."""
    return LLMRequest(messages=[{"role": "user", "content": _TOPIC.format(
        summary=summary, clock=clock, name=name, doing=doing, other=other)}])


def utterance_request(*, name: str, summary: str, clock: str, doing: str, other: str, memories: list[str],
                      lines: list[tuple[str, str]], topic: str = "") -> LLMRequest:
    """`topic`: what the speaker chose to talk about (topics.py), if anything."""
    remembered = "\n".join(f"- {m}" for m in memories) or "- nothing yet"
    return LLMRequest(
        messages=[{"role": "user", "content": _SPEAK.format(
            summary=summary, clock=clock, name=name, doing=doing, other=other, memories=remembered,
            transcript=transcript(lines), topic=f"{name} wants to talk about {topic}.\n" if topic else "",
        )}],
        max_tokens=len(name) + UTTERANCE_CHARS + 6,  # never cut short
        temperature=0.8,
        repeat_penalty=REPEAT_PENALTY,
        logit_bias=avoid_bias(set(name.split())),
        grounded=True,  # names and numbers only from what the speaker knows (llm/grounding.py)
        grammar=f"root ::= {grammar.literal(name + ': ' + chr(34))} said {grammar.literal(chr(34))}\n"
        f"said ::= [A-Z] [{grammar.SENTENCE_CHARS}.]{{1,{UTTERANCE_CHARS}}}",
    )


def parse_utterance(text: str, name: str) -> str:
    """The line said, without stage directions in brackets (_spoken); a line that stopped
    before its closing quote (where the model meant to name what it was not given:
    llm/grounding.py) keeps its whole sentences ("" if none, or if it stopped before its
    opening quote); one the model closed ends as a sentence ends (_ended)."""
    prefix = f'{name}: "'
    if prefix.startswith(text):
        return ""  # stopped inside the speaker's label, before a word was said
    if not text.startswith(prefix):
        raise ValueError(f"unexpected utterance {text!r}")
    if not text.endswith('"') or len(text) == len(prefix):
        return whole_sentences(_spoken(text[len(prefix):]))
    said = text[len(prefix):-1].strip()
    return _ended(_spoken(said), cut=len(said) >= UTTERANCE_CHARS)


def _spoken(said: str) -> str:
    """`said` without what is in brackets: no one speaks a stage direction ("What's up?
    (to Jane) I'm so glad you're here."), and an aside in brackets is written, not said."""
    said = re.sub(r"\s*\([^()]*\)", "", said)
    return said.split("(", 1)[0].rstrip() if "(" in said else said


def _ended(said: str, *, cut: bool) -> str:
    """`said`, a line the model closed, as it ends: as it is where it ends a sentence;
    else its whole sentences (a line run to its bound stops mid-word: "... and they're
    doing some kl"); with none, its words as a sentence, the last left out where the
    line ran to its bound (it may be cut), but "" where it stopped on a comma or colon,
    short of its bound: the model meant to go on with what its grammar does not let it
    write (the quotation after "Isabella Rodriguez told me,")."""
    if re.search(r"[.!?][\"'”)]*$", said):
        return said
    if whole := whole_sentences(said):
        return whole
    if not cut and re.search(r"[,;:]$", said):
        return ""
    words = tidy(said, cap=UTTERANCE_CHARS if cut else 0)
    return f"{words}." if words else ""


def end_request(a: str, b: str, lines: list[tuple[str, str]]) -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": _END.format(transcript=transcript(lines), a=a, b=b)}])


def summary_request(a: str, b: str, lines: list[tuple[str, str]]) -> LLMRequest:
    return LLMRequest(
        messages=[{"role": "user", "content": _SUMMARY.format(transcript=transcript(lines), a=a, b=b)}],
        max_tokens=150,  # never cut short
        temperature=0.3,
        grammar=f"root ::= {grammar.sentence(140)}",
    )
