"""The game's clock and the scenario's calendar: game time is whole seconds since the
start of day 1; a scenario with a `start_date` gives day 1 a date, and its days are
told as dates ("Tuesday February 14"), else as "day 2".

(Not named `calendar`: run as a script, a module in agent_server/ would take the place
of the standard library's, which protobuf imports.)
"""

from __future__ import annotations

import datetime
import re

SECONDS_PER_DAY = 24 * 3600
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# Words naming a day by where it lies from today, or a part of today, or a weekday.
DAY_WORDS = r"tonight|tomorrow|today|this (?:morning|afternoon|evening)|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
# A time in words: a clock time, a part of a day, a weekday, a date.
TIME_WORDS = re.compile(
    r"\b(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)|\d{1,2}:\d{2}|noon|midnight|" + DAY_WORDS
    + r"|(?:" + MONTHS + r") \d{1,2})\b",
    re.IGNORECASE)


def day_of(game_time: int) -> int:
    """The day a game time falls on, counted from 0."""
    return game_time // SECONDS_PER_DAY


def format_game_time(seconds: int) -> str:
    """Game seconds since the epoch as "Day 1 08:05"."""
    day, rest = divmod(int(seconds), SECONDS_PER_DAY)
    return f"Day {day + 1} {rest // 3600:02d}:{rest % 3600 // 60:02d}"


def calendar_day(seconds: int, start_date: str) -> str:
    """The day of a game time in words: "Tuesday February 14" when the scenario keeps a
    calendar (`start_date` is day 1), else "day 2"."""
    day = int(seconds) // SECONDS_PER_DAY
    if not start_date:
        return f"day {day + 1}"
    date = datetime.date.fromisoformat(start_date) + datetime.timedelta(days=day)
    return f"{date:%A} {date:%B} {date.day}"


def weekday_of(seconds: int, start_date: str) -> int | None:
    """The weekday of a game time (0 Monday), or None when the scenario keeps no calendar."""
    if not start_date:
        return None
    return (datetime.date.fromisoformat(start_date) + datetime.timedelta(days=int(seconds) // SECONDS_PER_DAY)).weekday()


def calendar_time(seconds: int, start_date: str) -> str:
    """ "Tuesday February 14, 17:05" (or "Day 2 17:05" without a calendar)."""
    if not start_date:
        return format_game_time(seconds)
    rest = int(seconds) % SECONDS_PER_DAY
    return f"{calendar_day(seconds, start_date)}, {rest // 3600:02d}:{rest % 3600 // 60:02d}"


def spoken_time(seconds: int, start_date: str) -> str:
    """The time as one tells it: "10:15 am on Monday, February 13" (without a calendar,
    "10:15 am")."""
    rest = int(seconds) % SECONDS_PER_DAY
    hour, minute = rest // 3600, rest % 3600 // 60
    said = f"{(hour + 11) % 12 + 1}:{minute:02d} {'am' if hour < 12 else 'pm'}"
    if not start_date:
        return said
    date = datetime.date.fromisoformat(start_date) + datetime.timedelta(days=int(seconds) // SECONDS_PER_DAY)
    return f"{said} on {date:%A}, {date:%B} {date.day}"


def parse_clock(value: str) -> int:
    """ "07:00" -> seconds after midnight. Raises ValueError."""
    match = _TIME.match(value)
    if not match:
        raise ValueError(value)
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError(value)
    return hours * 3600 + minutes * 60
