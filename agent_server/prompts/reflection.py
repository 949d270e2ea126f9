"""Reflection: from recent memories, the salient questions; for each question, insights
that cite the numbered memories they rest on."""

from __future__ import annotations

import re

from agent_server.llm import grammar
from agent_server.llm.base import LLMRequest

_QUESTIONS = """{memories}

Given only the information above, what are the 3 most salient high-level questions we can \
answer about the subjects in the statements?"""

_INSIGHTS = """Statements about {name}:
{statements}

What 1 to 5 high-level insights can you infer from the above statements? Give each with the \
numbers of the statements it rests on, like: insight (because of 1, 5, 3)"""

QUESTION_CHARS = 90
INSIGHT_CHARS = 90
_INSIGHT = re.compile(r"^\d+\. (.+) \(because of ([\d, ]+)\)$")
# Small models label their insights ("The 1st insight is that the 1st insight is that ...").
_LABEL = re.compile(r"^(?:(?:the )?(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth) insight is(?: that)?[:,]? *)+",
                    re.IGNORECASE)
_NUMERAL = re.compile(r"^\d+(?:st|nd|rd|th)?$")


def numbered(statements: list[str]) -> str:
    return "\n".join(f"{i}. {s}" for i, s in enumerate(statements, 1))


def questions_request(memories: list[str]) -> LLMRequest:
    return LLMRequest(
        messages=[{"role": "user", "content": _QUESTIONS.format(memories=numbered(memories))}],
        max_tokens=3 * (QUESTION_CHARS + 6),  # never cut short
        temperature=0.5,
        grammar="\n".join(
            [
                f"root ::= {grammar.numbered_lines(3, 3, 'question')}",
                f'question ::= [A-Z] [{grammar.SENTENCE_CHARS}]{{1,{QUESTION_CHARS}}} "?"',
            ]
        ),
    )


def parse_questions(text: str) -> list[str]:
    questions = [re.sub(r"^\d+\. ", "", line).strip() for line in text.strip().split("\n")]
    if len(questions) != 3 or not all(q.endswith("?") for q in questions):
        raise ValueError(f"unexpected questions {text!r}")
    return questions


def insights_request(name: str, statements: list[str]) -> LLMRequest:
    """Evidence numbers are limited by the grammar to the statements offered."""
    evidence = grammar.one_of([str(i) for i in range(1, len(statements) + 1)])
    return LLMRequest(
        messages=[{"role": "user", "content": _INSIGHTS.format(name=name, statements=numbered(statements))}],
        max_tokens=5 * (INSIGHT_CHARS + 40),  # never cut short
        temperature=0.5,
        grammar="\n".join(
            [
                f"root ::= {grammar.numbered_lines(1, 5, 'insight')}",
                f'insight ::= [A-Z] [{grammar.SENTENCE_CHARS}]{{1,{INSIGHT_CHARS}}} " (because of " n (", " n){{0,4}} ")"',
                f"n ::= {evidence}",
            ]
        ),
    )


def parse_insights(text: str, count: int) -> list[tuple[str, list[int]]]:
    """(insight, 0-based indices of the statements cited) pairs, without the labels small
    models put before them; a label with nothing after it is no insight."""
    result = []
    for line in text.strip().split("\n"):
        match = _INSIGHT.match(line.strip())
        if not match:
            raise ValueError(f"unexpected insight {line!r}")
        cited = sorted({int(n) - 1 for n in match[2].split(",")})
        if any(not 0 <= i < count for i in cited):
            raise ValueError(f"insight cites a statement that was not offered: {line!r}")
        insight = _LABEL.sub("", match[1].strip()).strip(" .:,")
        if insight:
            result.append((insight[0].upper() + insight[1:], cited))
    return result


def gist(insight: str) -> tuple[str, ...]:
    """The insight's words, lower-case, without numbers: two insights with the same gist
    are one ("... the most memorable one of 1", "... of 5")."""
    return tuple(w for w in re.findall(r"[a-z0-9']+", insight.lower()) if not _NUMERAL.match(w))
