"""Routine: an agent's usual day, read from the scenario's habits, which a day plan
starts from.

A scenario says how each person usually lives ("Isabella wakes up around 6 am and
bakes pastries before she opens Hobbs Cafe at 8 am. She works at the counter until the
cafe closes at 8 pm, then walks home and goes to bed around 11 pm."). A person's day
is mostly that: people go to work, eat, and come home at their usual hours, and what
they mean to do today (a party they host, one they were invited to) is laid over it
(Planner.hold_commitments). A 135M model asked to write a day from such a text wrote
"07:00 wake up; 07:30 wake up; 08:00 wake up ..." and kept Smallville in bed until
noon; a routine read from the text keeps the day a person's, with any model, and the
model still writes each hour's actions, and the change of plan after a conversation.

The habits are read by rule, not by the model: sentences and clauses, each clause's
clock time ("at 8 am", "from 9 am to 3 pm", "until noon", "around midnight") or part of
the day ("in the afternoon"), the wake-up and bed times, and the days a clause holds
for ("on Saturdays", "on weekends"). A clause with no time follows the one before it.
What each clause says becomes a plan item in the plan's own form ("bake pastries",
"open Hobbs Cafe"). Habits without clock times give no routine, and the model plans the
day as before (`Routine.usable`). scenarios/README.md says how to write habits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Where a part of the day starts, in minutes after midnight.
DAY_PARTS = {"morning": 9 * 60, "noon": 12 * 60, "afternoon": 13 * 60, "evening": 18 * 60, "night": 21 * 60}
MEALS = {"breakfast": None, "lunch": 12 * 60, "dinner": 18 * 60, "supper": 18 * 60}  # breakfast: after getting up
MEAL_MINUTES = 60
# How long getting up takes before what follows it.
GETTING_UP_MINUTES = 45
DEFAULT_WAKE = 7 * 60
DEFAULT_BED = 23 * 60
# Items with no time share the time after one that has only a start: each but the last
# at most this long, or EVENT_MINUTES when the last says when it ends.
SHARE_MINUTES = 90
EVENT_MINUTES = 30
# An item shorter than this joins the next ("walk to the pharmacy, then work").
SHORTEST_MINUTES = 20
# A gap this long between items is spent at home; a shorter one continues the item before.
LONGEST_GAP_MINUTES = 60
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_CLOCK = r"(?:\b(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)|\b(noon|midday|midnight)\b)"
_TIME = re.compile(_CLOCK, re.I)
_RANGE = re.compile(rf"\bfrom\s+{_CLOCK}\s+(?:to|until|till)\s+{_CLOCK}", re.I)
# "until 5 pm", "until the cafe closes at 8 pm", "until noon", "until the evening".
_UNTIL = re.compile(rf"\b(?:until|till)\b(?:[^,;]*?\bat)?\s+(?:about\s+|around\s+)?{_CLOCK}", re.I)
_UNTIL_PART = re.compile(r"\b(?:until|till)\s+(?:the\s+)?(morning|noon|lunch|afternoon|evening|dinner|night)\b", re.I)
_AT = re.compile(rf"\b(?:at|around|about|by|for|after|before|from)\s+{_CLOCK}", re.I)
_PART = re.compile(r"\b(?:in the|the|every|most|all|late at|at|around|through the|after|in her|in his|in their|her|his|their)\s+"
                   r"(morning|noon|afternoon|evening|night)s?\b", re.I)
_MEAL = re.compile(r"(?<!until )(?<!till )(?<!before )(?<!after )\b(breakfast|lunch|dinner|supper)\b", re.I)
_AFTER_MEAL = re.compile(r"\bafter (lunch|dinner|supper)\b", re.I)
_WAKE = re.compile(r"\b(?:wakes? up|gets? up|rises|sleeps? until|is up)\b", re.I)
_BED = re.compile(rf"\b(?:(?:goes|go|gets|get|heads|head) (?:home and )?to bed|(?:before|in) bed)"
                  rf"(?:\s*(?:at|around|about|by)?\s*{_CLOCK})?", re.I)
_DAYS = re.compile(r"\b(?:on|every)\s+(weekends?|weekdays?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)\b", re.I)
_SENTENCES = re.compile(r"(?<=[.;!])\s+")
# Clauses: split before a new verb ("..., then walks home", "... and goes to bed"), a new
# part of the day, and "before she opens ...". A capitalised word after "and" is part of
# a name ("Willows Market and Pharmacy"): no split there.
_SPLIT = re.compile(
    r",\s*(?:then\s+|and\s+)?(?=[a-z]+s\b|then\b|in the\b|sometimes\b|often\b|usually\b)"
    r"|\s+and\s+(?:then\s+)?(?=[a-z]+s\b|in the\b|sometimes\b|often\b|usually\b)"
    r"|\s+before\s+(?=(?:she|he|they)\s)")
_ADVERBS = {"then", "sometimes", "often", "usually", "always", "also", "later", "mostly", "normally", "first"}
_SUBJECTS = {"she", "he", "they"}
_GET_UP = "wake up and get ready for the day"


@dataclass(frozen=True)
class RoutineItem:
    """A clause of the habits: what, and when where it says (minutes after midnight)."""

    text: str
    start: int | None = None
    end: int | None = None
    # A meal: it lasts MEAL_MINUTES and what it interrupts goes on after it.
    meal: str = ""
    # Part of the day it starts in, where no clock time says ("in the afternoon").
    part: int | None = None
    # The weekdays it holds on (0 Monday); empty: every day.
    days: frozenset[int] = frozenset()
    getting_up: bool = False


@dataclass(frozen=True)
class Routine:
    wake: int | None = None
    # Minutes after midnight; 24 * 60 and later: after midnight.
    bed: int | None = None
    items: tuple[RoutineItem, ...] = field(default_factory=tuple)

    @property
    def usable(self) -> bool:
        """Whether the habits said enough for a day to start from: a clock time somewhere,
        and something to do."""
        timed = self.wake is not None or any(i.start is not None or i.end is not None for i in self.items)
        return timed and any(not i.getting_up for i in self.items)

    def day(self, weekday: int | None) -> list[tuple[int, int, str]]:
        """The usual day as (start, end, what) in minutes after midnight, from getting up
        to bedtime, on a weekday (0 Monday; None: not known, and items said for some days
        only are left out)."""
        items = [i for i in self.items if not i.days or (weekday is not None and weekday in i.days)]
        if not items:
            return []
        wake = self.wake
        if wake is None:
            first = next((i.start for i in items if i.start is not None), None)
            wake = DEFAULT_WAKE if first is None else min(max(first - 60, 4 * 60), 9 * 60)
            items = [RoutineItem(_GET_UP, wake, getting_up=True)] + items
        bed = min(self.bed if self.bed is not None else DEFAULT_BED, 24 * 60)
        if bed <= wake:
            return []
        starts = _starts(items, wake, bed)
        spans: list[list] = []
        order = sorted(range(len(items)), key=lambda k: starts[k])
        carried = ""
        for n, k in enumerate(order):
            item, start = items[k], starts[k]
            if item.end is not None and item.end > start:
                end = item.end
            elif item.meal:
                end = start + MEAL_MINUTES
            elif item.getting_up:
                end = start + GETTING_UP_MINUTES
            else:  # until the next item that is not a meal
                end = next((starts[m] for m in order[n + 1:] if not items[m].meal), bed)
            text = f"{carried}, then {item.text}" if carried else item.text
            if end <= start:  # "opens Hobbs Cafe at 8 am" and what follows at once
                carried = text
                continue
            carried = ""
            spans.append([max(start, wake), min(end, bed), text])
        if carried and spans:
            spans[-1][2] += f", then {carried}"
        return _merged(_painted(spans, wake, bed))


def read(habits: str, first_name: str = "") -> Routine:
    """The routine `habits` describe (see the module's doc)."""
    wake: int | None = None
    bed: int | None = None
    items: list[RoutineItem] = []
    for sentence in _SENTENCES.split(" ".join(habits.split())):
        for clause in _SPLIT.split(sentence.strip().rstrip(".;!")):
            clause = clause.strip(" ,")
            days = _days(clause)
            bed_match = _BED.search(clause)
            if bed_match:
                at = _minutes(bed_match.groups()[-4:])
                if at is not None:
                    bed = at if at >= 12 * 60 else at + 24 * 60
                clause = clause[:bed_match.start()].strip(" ,")
                if not _without_subject(clause, first_name).strip(" ,") or clause.lower() in ("and", "then"):
                    continue  # "She goes to bed around 10 pm"
            wake_match = _WAKE.search(clause)
            if wake_match and not days:
                at = _first_time(clause)
                if at is not None:
                    wake = at
                    # What else it says: "rises at 5:30 am to catch the morning light".
                    rest = re.sub(r"^(?:to|and|then)\s+", "", _without_times(clause[wake_match.end():]), flags=re.I)
                    items.append(RoutineItem(f"get up and {rest}" if rest else _GET_UP, at, getting_up=not rest))
                    continue
            text = _as_plan(_without_subject(_without_times(clause), first_name))
            if not text:
                continue
            start, end = _span(clause)
            part = _PART.search(clause)
            after_meal = _AFTER_MEAL.search(clause)
            meal = _MEAL.search(clause)
            items.append(RoutineItem(
                text, start, end, meal=meal[1].lower() if meal else "", days=days,
                part=MEALS[after_meal[1].lower()] + MEAL_MINUTES if after_meal else
                DAY_PARTS[part[1].lower()] if part else None))
    return Routine(wake=wake, bed=bed, items=tuple(items))


def _starts(items: list[RoutineItem], wake: int, bed: int) -> list[int]:
    """When each item starts: where the habits say; else at its meal time or part of the
    day; else right after an item with an end. Items with no time that follow one with
    only a start share the time until the next item that has one (each but the last at
    most SHARE_MINUTES, or EVENT_MINUTES when the last says when it ends: "walks to the
    pharmacy for 8 am. He works until 5 pm")."""
    starts: list[int | None] = []
    for i, item in enumerate(items):
        before = items[i - 1] if i else None
        previous = starts[-1] if starts else wake
        meal_time = MEALS.get(item.meal)
        floor = previous if previous is not None else wake
        ended = before.end if before is not None else None
        if item.start is not None:
            starts.append(item.start)
        elif meal_time is not None and ended is not None and floor < meal_time < ended:
            starts.append(meal_time)  # lunch in the middle of the working day
        elif ended is not None:  # right after it, or at its part of the day if that is later
            starts.append(max(ended, floor, item.part or 0))
        elif meal_time is not None and meal_time >= floor:
            starts.append(meal_time)
        elif item.part is not None and item.part >= floor:
            starts.append(item.part)
        elif before is not None and previous is not None and (before.getting_up or before.meal):
            starts.append(previous + (GETTING_UP_MINUTES if before.getting_up else MEAL_MINUTES))
        else:
            starts.append(None)
    i = 0
    while i < len(starts):
        if starts[i] is not None:
            i += 1
            continue
        j = i
        while j < len(starts) and starts[j] is None:
            j += 1
        # The members sharing the time: the run, and the item before it if it has only a start.
        first = i - 1 if i and items[i - 1].end is None else i
        a = starts[first] if first < i else (starts[i - 1] if i else wake)
        b = max(a, starts[j] if j < len(starts) else bed)
        if items[j - 1].end is not None and items[j - 1].end > a:
            b, cap = min(b, items[j - 1].end), EVENT_MINUTES
        else:
            cap = SHARE_MINUTES
        members = j - first
        share = min((b - a) // members, cap)
        for k in range(i, j):
            starts[k] = a + share * (k - first)
        i = j
    return [max(s, 0) for s in starts]


def _painted(spans: list[list], wake: int, bed: int) -> list[tuple[int, int, str]]:
    """The day minute by minute: longer items first, shorter ones (a meal) over them;
    a short gap continues the item before it, a long one is spent at home."""
    slots: list[str | None] = [None] * (bed - wake)
    for start, end, text in sorted(spans, key=lambda s: s[0] - s[1]):
        for m in range(max(start, wake), min(end, bed)):
            slots[m - wake] = text
    segments: list[list] = []
    for m, text in enumerate(slots):
        if segments and segments[-1][2] == text:
            segments[-1][1] = wake + m + 1
        else:
            segments.append([wake + m, wake + m + 1, text])
    out: list[tuple[int, int, str]] = []
    for start, end, text in segments:
        if text is None:
            text = _gap(start, end, out[-1][2] if out else None, [s[2] for s in spans])
        if out and out[-1][2] == text:
            out[-1] = (out[-1][0], end, text)
        else:
            out.append((start, end, text))
    return out


def _gap(start: int, end: int, before: str | None, texts: list[str]) -> str:
    """What a time the habits leave open is spent on: a short one goes on with what came
    before; a long one is lunch or dinner at its time (unless the day has one), else time
    at home."""
    if before is not None and end - start < LONGEST_GAP_MINUTES:
        return before
    for meal, at in (("lunch", 12 * 60 + 30), ("dinner", 18 * 60 + 30)):
        said = any(_MEAL.search(t) and (_MEAL.search(t)[1].lower() == meal or
                                        (meal == "dinner" and _MEAL.search(t)[1].lower() == "supper")) for t in texts)
        if start <= at < end and not said and end - start <= 2 * MEAL_MINUTES:
            return f"have {meal}"
    return free_time(part_of_day(start))


def part_of_day(minute: int) -> str:
    """"morning", "afternoon" or "evening": the part of the day a minute after midnight
    falls in."""
    return "morning" if minute < DAY_PARTS["noon"] else "afternoon" if minute < DAY_PARTS["evening"] \
        else "evening"


def free_time(part: str, where: str = "home") -> str:
    """A time the habits leave open, as a plan item: at home, or where the agent chose to
    spend it (Planner.spend_free_time)."""
    return f"spend the {part} at {where}"


def is_free_time(text: str) -> bool:
    """Whether a routine item is a time the habits leave open, spent at home."""
    return text in _FREE_AT_HOME


_FREE_AT_HOME = frozenset(free_time(part) for part in ("morning", "afternoon", "evening"))


def _merged(segments: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Items shorter than SHORTEST_MINUTES join the next one ("walk to the pharmacy, then
    work"), or the one before at the end of the day."""
    out: list[tuple[int, int, str]] = []
    carried: tuple[int, str] | None = None
    for start, end, text in segments:
        if carried:
            start, text = carried[0], f"{carried[1]}, then {text}"
            carried = None
        if end - start < SHORTEST_MINUTES:
            carried = (start, text)
            continue
        out.append((start, end, text))
    if carried and out:
        out[-1] = (out[-1][0], out[-1][1], f"{out[-1][2]}, then {carried[1]}")
    elif carried:
        out.append((carried[0], carried[0] + SHORTEST_MINUTES, carried[1]))
    return out


def _span(clause: str) -> tuple[int | None, int | None]:
    """A clause's start and end in minutes after midnight, where it says them."""
    match = _RANGE.search(clause)
    if match:
        return _minutes(match.groups()[:4]), _minutes(match.groups()[4:])
    until = _UNTIL.search(clause)
    if until:
        return _first_time(clause[:until.start()] + " " + clause[until.end():]), _minutes(until.groups())
    until_part = _UNTIL_PART.search(clause)
    end = None
    if until_part:
        word = until_part[1].lower()
        end = DAY_PARTS.get(word) or MEALS.get(word) or DAY_PARTS["noon"]
    return _first_time(clause), end


def _first_time(text: str) -> int | None:
    match = _TIME.search(text)
    return _minutes(match.groups()) if match else None


def _minutes(groups) -> int | None:
    hour, minute, half, word = groups
    if word:
        return {"noon": 12 * 60, "midday": 12 * 60, "midnight": 24 * 60}[word.lower()]
    if hour is None:
        return None
    return (int(hour) % 12 + (12 if half.lower().startswith("p") else 0)) * 60 + int(minute or 0)


def _days(clause: str) -> frozenset[int]:
    days: set[int] = set()
    for match in _DAYS.finditer(clause):
        word = match[1].lower()
        if word.startswith("weekend"):
            days |= {5, 6}
        elif word.startswith("weekday"):
            days |= {0, 1, 2, 3, 4}
        else:
            days.add(next(i for i, d in enumerate(WEEKDAYS) if d.startswith(word[:3])))
    return frozenset(days)


def _without_times(clause: str) -> str:
    text = _RANGE.sub("", clause)
    text = re.sub(rf"\b(?:until|till)\s+(?:about\s+|around\s+)?{_CLOCK}", "", text, flags=re.I)
    text = _AT.sub("", text)
    text = _UNTIL_PART.sub("", text)
    text = _TIME.sub("", text)
    text = _DAYS.sub("", text)
    return re.sub(r"\s+,", ",", re.sub(r"\s+", " ", text)).strip(" ,")


def _without_subject(clause: str, first_name: str) -> str:
    """The clause from its verb: "In the evening she walks ..." -> "walks ... in the evening"."""
    words = clause.split()
    for i, word in enumerate(words[:6]):
        bare = word.lower().strip(",")
        if bare in _SUBJECTS or (first_name and bare == first_name.lower()):
            lead = " ".join(words[:i]).strip(" ,")
            rest = " ".join(words[i + 1:])
            return f"{rest} {lead[0].lower() + lead[1:]}".strip() if lead else rest
    return clause


def _as_plan(text: str) -> str:
    """A clause as a plan item: its verb in the base form ("bakes pastries" -> "bake
    pastries"), adverbs before it dropped."""
    words = text.split()
    while words and words[0].lower() in _ADVERBS:
        words = words[1:]
    if not words:
        return ""
    words[0] = _base_form(words[0].lower())
    return " ".join(words).strip(" ,;.")


def _base_form(verb: str) -> str:
    irregular = {"has": "have", "is": "be", "does": "do", "goes": "go", "was": "be"}
    if verb in irregular:
        return irregular[verb]
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if re.search(r"(?:ss|sh|ch|x|z|o)es$", verb):
        return verb[:-2]
    if verb.endswith("s") and not verb.endswith("ss"):
        return verb[:-1]
    return verb
