"""What one hears of a gathering is kept as knowledge, and an invitation becomes a plan.

When someone tells an agent of a gathering (in a conversation, or the player in a chat),
the agent keeps, besides the dialogue memory, a structured one: what, who said it, where
and when (`HeardEvent`, in its state and so in the save; and a sentence in its memory
stream that retrieval, planning and interviews find). Where and when are read from the
words where they say them (a place of the town by its name, "tomorrow", "Tuesday",
"February 14", "5 pm", "17:30"), from the model's probabilities where they do not, and
set to the scenario's calendar where an event of it is on that day at that place. The
agent then decides whether to go (the model's probabilities, given who it is, who told
it and what it has planned); if it goes, the event is a commitment its plan holds
(Planner.commit), and the world walks it there.

Nothing here knows a scenario's words: a gathering is found by the model's reading of
the lines, only when they carry a time at all.
"""

from __future__ import annotations

import datetime
import logging
import re

from agent_server.answering import GATHERINGS, asks_if_going, points_back
from agent_server.clock import MONTHS, SECONDS_PER_DAY, TIME_WORDS, calendar_day, calendar_time, day_of
from agent_server.identity import and_list
from agent_server.mind import HeardEvent, Mind, Step
from agent_server.planning import Planner
from agent_server.prompts import invitation
from agent_server.scenario import Scenario
from agent_server.scheduler import Priority
from agent_server.town import SECTOR

log = logging.getLogger(__name__)

# Lines that carry no time at all hold no invitation to plan for: the model is not asked.
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)|\b([01]?\d|2[0-3]):(\d{2})\b", re.IGNORECASE)
_DATE = re.compile(r"\b(" + MONTHS + r") (\d{1,2})\b", re.IGNORECASE)
# The days an invitation may be for, from today; and its hours, when the words do not say.
DAYS_AHEAD = 7
HOURS = list(range(7, 23))
# How long a gathering lasts when nothing says (the calendar's own length otherwise).
DEFAULT_MINUTES = 120


# Someone asking to come to a gathering ("Can I come to your party?", "May I join?", "Am I
# invited?"); not to come in, over or back, nor along with someone.
_ASKS_TO_COME = re.compile(r"\b(?:(?:can|could|may|might) (?:I|we) (?:come|join|attend|be there|drop by|stop by)"
                           r"(?!\s+(?:in|inside|over|back|home|here|closer|with|along with)\b)|"
                           r"(?:am I|are we|is everyone|is anyone) (?:invited|welcome)|(?:can|could|may) (?:anyone|everyone) "
                           r"come)\b", re.IGNORECASE)
# What a line asking to come asks to come to ("to your party", "for lunch", "to it"): a
# gathering held is asked of only by "it" or "that", a word of what it is, or a word for
# any gathering; "Can I come to your house?", "Can I join you for lunch?" ask of none.
_COME_TO = re.compile(r"\b(?:come|join|attend|invited|welcome|be there)\b.*?\b(?:to|at|for|on)\s+"
                      r"(?:(?:your|yours|the|a|an)\s+)?([\w']+)", re.IGNORECASE)
# Asking who is invited to or coming to a gathering ("Who else is coming?", "Who's going to
# be there?", "Who's coming to help?", "Who did you invite?"); not who is going to do
# something ("Who is going to win?").
_WHO_COMES = re.compile(r"\bwho(?:'s|\s+is|\s+are|\s+will|\s+else)?(?:\s+else)?(?:\s+(?:is|will|be|'s))?\s+"
                        r"(?:invited|attending|be\s+there|(?:going|coming)(?=\s*(?:[?.!,]|$|\s+(?:to\s+(?:it|the|your|"
                        r"be\s+there)|there)\b))|coming(?=\s+to\s+[a-z]+\b))|"
                        r"\bwho\s+(?:did|have|will)\s+you\s+(?:invite|invited|ask|asked)\b", re.IGNORECASE)
# Asking whether one holds something ("Are you throwing a party?", "I heard you're
# organising something in the park?").
_HOLDING = re.compile(r"\b(?:(?:are|were|will)\s+you\s+(?:still\s+|really\s+|also\s+)?(?:be\s+)?|you(?:'re|\s+are)\s+)"
                      r"(organi[sz]ing|holding|hosting|throwing|planning|putting\s+on|having|arranging)\b",
                      re.IGNORECASE)
_ANY_GATHERING = frozenset("it this that party event gathering celebration do bash meeting thing".split())


def _words_of(text: str) -> set[str]:
    """The words of four letters or more of `text`, in lower case: what a gathering is
    called by ("valentine's", "party")."""
    return set(re.findall(r"[a-z']{4,}", text.lower()))


def _held(mind: Mind, now: int) -> list[HeardEvent]:
    """The gatherings to come that `mind` holds."""
    return [e for e in mind.state.heard_events if e.teller == mind.name and e.end > now]


def _owners(text: str) -> set[str]:
    """The names `text` says something is of ("Sam's party" -> Sam); not a word with "is"
    or "has" ("Who's coming?", "That's Sam's")."""
    return set(re.findall(r"\b(?!(?:Who|What|Where|When|Why|How|It|That|There|Here|He|She|This|Let|Everyone|Nobody)'s)"
                          r"((?-i:[A-Z])\w+)'s\b", text))


def asks_to_come(text: str) -> bool:
    """Whether `text` asks to come to a gathering (Invitations.welcome)."""
    return bool(_ASKS_TO_COME.search(text))


class Invitations:
    def __init__(self, planner: Planner, scenario: Scenario, start_date: str) -> None:
        self._planner = planner
        self._scenario = scenario
        self._start_date = start_date
        town = scenario.town
        # The places a gathering may be at, named in words: the town's sectors, longest
        # name first (so "Oak Hill College Dorm" wins over "Oak Hill College").
        self._places = sorted(((p.name, p.id) for p in town.places(SECTOR)), key=lambda named: -len(named[0]))
        # The scenario's calendar: (start, end, place id, name) of every seeded event.
        self._calendar = [event for agent in scenario.agents for event in scenario.hosted_events(agent.id)]
        self.heard = 0
        self.accepted = 0

    async def hear(self, mind: Mind, teller: str, lines: list[str], now: int,
                   about: HeardEvent | None = None) -> HeardEvent | None:
        """`teller` said `lines` to `mind`: if they tell of a gathering to come, keep it (and
        decide whether to go). `about`: the gathering the teller chose to talk about
        (topics.py), if one: lines that name its place, what it is or a time tell of it,
        and carry what the teller knows of it (a 135M model's line garbles the day, "a
        dinner tonight" for tomorrow's, and cannot tell an invitation from small talk by
        its probabilities: on five of each, "was a gathering spoken of?" favoured "No" for
        all ten). Other lines are read by the model. Returns what was kept, or None."""
        text = " ".join(lines)
        if not lines:
            return None
        if about is not None and about.end > now and self._mentions(text, about):
            # The teller set out to tell of it, and its lines name its place, what it is
            # or a time: what the listener learns is what the teller knows of it.
            return await self._keep(mind, HeardEvent(about.what, teller, about.place_id, about.start, about.end,
                                                     now), now)
        if not TIME_WORDS.search(text):
            return None
        fields = dict(teller=teller, listener=mind.name, lines=lines[-4:])
        if await mind.choose(invitation.heard_request(**fields), invitation.YES_NO, Priority.REACTION,
                             "invitation") != 0:
            log.info("%s heard no gathering in what %s said", mind.name, teller)
            return None
        place_id = self._named_place(text)
        if not place_id:
            place_id = await self._planner.places.choose_area(mind, f"a gathering {teller} spoke of", text)
            place_id = self._scenario.town.sector_of(place_id).id
        day = self._named_day(text, now)
        if day is None:
            options = [calendar_day((day_of(now) + d) * SECONDS_PER_DAY, self._start_date) for d in range(DAYS_AHEAD)]
            labels = [("today, " if d == 0 else "tomorrow, " if d == 1 else "") + o for d, o in enumerate(options)]
            day = day_of(now) + await mind.choose(
                invitation.day_request(today=mind.today(now), **fields), labels, Priority.REACTION, "invitation")
        scheduled = next((e for e in self._calendar if day_of(e[0]) == day
                          and self._scenario.town.sector_of(e[2]).id == self._scenario.town.sector_of(place_id).id),
                         None)
        if scheduled is not None:
            start, end, place_id, what = scheduled
        else:
            what = await self._what(mind, fields)
            clock = self._named_clock(text)
            if clock is None:
                labels = [_hour_label(h) for h in HOURS]
                hour = HOURS[await mind.choose(invitation.hour_request(what=what, **fields), labels,
                                               Priority.REACTION, "invitation")]
                clock = hour * 3600
            start = day * SECONDS_PER_DAY + clock
            end = start + DEFAULT_MINUTES * 60
        return await self._keep(mind, HeardEvent(what, teller, place_id, start, end, now), now)

    async def _keep(self, mind: Mind, event: HeardEvent, now: int) -> HeardEvent | None:
        if event.start <= now or any(e.start == event.start and e.place_id == event.place_id
                                     for e in mind.state.heard_events):
            log.info("%s heard of %s, past or known already", mind.name, event.what)
            return None
        mind.state.heard_events.append(event)
        self.heard += 1
        place = self._scenario.town.place(event.place_id).name
        when = calendar_time(event.start, self._start_date)
        log.info("%s heard from %s of %s at %s, %s", mind.name, event.teller, event.what, place, when)
        await mind.remember("observation", [f"{event.teller} told {mind.name} about {event.what} at {place}, {when}."],
                            now, priority=Priority.REACTION)
        if any(c.start < event.end and event.start < c.end and c.place_id == event.place_id
               for c in mind.state.commitments):
            event.going = True  # its own event, or one it already means to go to
            return event
        await self._decide(mind, event, place, when, now)
        return event

    async def _decide(self, mind: Mind, event: HeardEvent, place: str, when: str, now: int) -> None:
        planned = [s.description for s in mind.state.hourly if s.start < event.end and event.start < s.end
                   and s.description != event.what]
        memories = [s.node.description for s in mind.recall(event.teller, now, limit=4)]
        request = invitation.go_request(summary=mind.summary, name=mind.name, teller=event.teller, what=event.what,
                                        place=place, when=when, planned="; ".join(planned) or "nothing in particular",
                                        memories=memories)
        options = invitation.go_options(name=mind.name, what=event.what, planned=planned[0] if planned else "")
        if await mind.choose(request, options, Priority.REACTION, "invitation", per_token=True) != 0:
            log.info("%s will not go to %s (%s)", mind.name, event.what, when)
            return
        event.going = True
        self.accepted += 1
        going = f"go to {event.what} at {place}"
        self._planner.commit(mind, Step(event.start, (event.end - event.start) // 60, going, event.place_id), now)
        await mind.remember("plan", [f"{mind.name} will {going}, {when}."], now, priority=Priority.REACTION)

    async def _what(self, mind: Mind, fields: dict) -> str:
        text = await mind.ask(invitation.what_request(**fields), Priority.REACTION, "invitation")
        try:
            return invitation.parse_what(text)
        except ValueError:
            return "a gathering"

    def welcome(self, mind: Mind, asked: str, now: int) -> str | None:
        """`mind`'s answer to someone asking to come (asks_to_come: "Can I come to your
        party?", "Am I invited?") where it holds a gathering to come and the line asks of
        it (speaks of it by a word of what it is, or as "your" or "it", or of nothing in
        particular): "Yes, do come! I'm holding the Valentine's Day party at Hobbs Cafe,
        Tuesday February 14, 17:00." (the soonest, if it holds several the line fits);
        None else. Why: asked by the player, the default model answered the host of a
        party with "I don't have the ability to visit your party" or an assistant's
        excuses, though it invites other agents (topics.py)."""
        if not asks_to_come(asked) or any(name not in mind.name.split()
                                          for name in _owners(asked)):
            return None  # not asking to come, or to someone else's ("Sam's party")
        held = _held(mind, now)
        words = _words_of(asked)
        named = [e for e in held if words & _words_of(e.what)]
        if (to := _COME_TO.search(asked)) and to[1].lower() not in _ANY_GATHERING and not named:
            return None  # asking to come to something else
        event = min(named or held, key=lambda e: e.start, default=None)
        if event is None:
            return None
        place = self._place_of(event)
        return f"Yes, do come! I'm holding {event.what} at {place}, {mind.clock(event.start)}."

    def going(self, mind: Mind, asked: str, now: int, before: str = "") -> str | None:
        """`mind`'s answer to whether it holds a gathering ("Are you throwing a party?", "I
        heard you're organising something?"), where it holds one, or goes to one it knows
        of (asks_if_going: "Are you going to the party?"; "Will you be there?" where the
        lines `before` speak of it): that it holds it, goes, or was told of it and does
        not go, with where and when; None where the line asks of none it knows (then, if
        it names one, the agent has not heard of it: answering.unanswered). Why: asked
        "Are you going to the party at the cafe?", John, who had not heard of it, told of
        "a big party with my friends at my house tonight"; a guest's answer came from the
        model whether it meant to go or not."""
        if (holding := _HOLDING.search(asked)) and "?" in asked:
            # Asked whether it holds something ("I heard you're organising something in
            # the park?"): of a gathering it holds, it does. "Having something" is not
            # holding it ("Are you having anything to drink?").
            held = _held(mind, now)
            words = _words_of(asked[holding.end():])
            vague = set() if holding[1].lower() == "having" else {"something", "anything"}
            event = min((e for e in held if words & (_words_of(e.what) | GATHERINGS | vague)),
                        key=lambda e: e.start, default=None)
            if event is not None:
                place = self._place_of(event)
                return f"Yes, I'm holding {event.what} at {place}, {mind.clock(event.start)}."
        if not asks_if_going(asked, named=False):
            return None
        event = self._asked_of(mind, asked, now, before)
        if event is None:
            return None
        place, when = self._place_of(event), mind.clock(event.start)
        if event.teller == mind.name:
            return f"Of course, I'm holding it: {event.what} at {place}, {when}."
        if event.going:
            return f"Yes, I'm going to {event.what} at {place}, {when}. {event.teller} told me about it."
        return f"{event.teller} told me about {event.what} at {place}, {when}, but I don't think I'll go."

    def guests(self, mind: Mind, asked: str, now: int, before: str = "") -> str | None:
        """The host's answer to who is invited to, or coming to, a gathering it holds ("Who
        else is coming?", "Who did you invite?"): whom it has told of it so far (the
        topics it chose: Topics.shared); None where the line asks no such thing, or of no
        gathering it holds. Why: the host said "I couldn't tell you" of its own guests."""
        if not _WHO_COMES.search(asked):
            return None
        event = self._asked_of(mind, asked, now, before, held_only=True)
        if event is None:
            return None
        if not event.told:
            return f"I haven't asked anyone yet, but I hope the whole town comes to {event.what}!"
        return f"So far I've invited {and_list(event.told)}, and I hope more will come."

    def _asked_of(self, mind: Mind, asked: str, now: int, before: str, held_only: bool = False) -> HeardEvent | None:
        """The gathering to come that `asked` speaks of, of those `mind` knows (holds, if
        `held_only`): by a word of what it is; else, where the line points back, by what
        the lines `before` say of it (what it is, or its place); else, if the line names
        no gathering and the agent holds one, the one it holds. The soonest of several;
        None where it names another's ("Sam's party") or something else."""
        known = [e for e in mind.state.heard_events if e.end > now and (e.teller == mind.name or not held_only)]
        if not known:
            return None
        owners = _owners(asked)
        known = [e for e in known if all(o in e.teller.split() or o.lower() in _words_of(e.what) for o in owners)]
        words = _words_of(asked)
        named = [e for e in known if words & _words_of(e.what)]
        if not named and points_back(asked, (mind.name,)) and before:
            lowered = before.lower()
            named = [e for e in known if _words_of(before) & _words_of(e.what)
                     or self._place_of(e).lower() in lowered]
        if not named and held_only and not words & GATHERINGS and not owners:
            named = known
        return min(named, key=lambda e: e.start, default=None)

    def _place_of(self, event: HeardEvent) -> str:
        """The name of the building or area `event` is at ("Hobbs Cafe")."""
        return self._scenario.town.sector_of(event.place_id).name

    def _mentions(self, text: str, event: HeardEvent) -> bool:
        """Whether `text` speaks of `event`: its place's name, a word of what it is, or a time."""
        lowered = text.lower()
        words = _words_of(event.what)
        place = self._place_of(event).lower()
        return place in lowered or any(re.search(rf"\b{re.escape(w)}", lowered) for w in words) \
            or bool(TIME_WORDS.search(text))

    def _named_place(self, text: str) -> str:
        lowered = text.lower()
        for name, place_id in self._places:
            if re.search(rf"\b{re.escape(name.lower())}\b", lowered):
                return place_id
        return ""

    def _named_day(self, text: str, now: int) -> int | None:
        """The day the words name, counted from the game's day 0; None if they name none."""
        today = day_of(now)
        lowered = text.lower()
        if re.search(r"\btomorrow\b", lowered):
            return today + 1
        if self._start_date:
            start = datetime.date.fromisoformat(self._start_date)
            date = _DATE.search(text)
            if date:
                month = MONTHS.split("|").index(date.group(1).lower()) + 1
                for d in range(DAYS_AHEAD):
                    day = start + datetime.timedelta(days=today + d)
                    if (day.month, day.day) == (month, int(date.group(2))):
                        return today + d
            for d in range(DAYS_AHEAD):
                weekday = _WEEKDAYS[(start + datetime.timedelta(days=today + d)).weekday()]
                if re.search(rf"\b{weekday}\b", lowered):
                    return today + d
        if re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", lowered):
            return today
        return None

    @staticmethod
    def _named_clock(text: str) -> int | None:
        """Seconds after midnight of the first time the words name ("5 pm", "5:30 p.m.",
        "17:00"); None if they name none."""
        m = _CLOCK.search(text)
        if m is None:
            return 12 * 3600 if re.search(r"\bnoon\b", text, re.IGNORECASE) else None
        if m.group(3):
            hour, minute = int(m.group(1)) % 12, int(m.group(2) or 0)
            if m.group(3).lower().startswith("p"):
                hour += 12
        else:
            hour, minute = int(m.group(4)), int(m.group(5))
        return hour * 3600 + minute * 60 if hour < 24 and minute < 60 else None


def _hour_label(hour: int) -> str:
    return "noon" if hour == 12 else f"{hour % 12 or 12} {'am' if hour < 12 else 'pm'}"
