"""Planning: the agent summary description, the wake-up time, the day plan in broad
strokes, its hour-long chunks, and (shortly ahead of time) 5-15-minute actions, each
at a place in the town tree that the agent knows. Plans are memories too.

The day starts from the agent's routine where the scenario's habits give one
(routine.py): its usual hours, each at the place it names, with what it has committed to
laid over them; the model writes each hour's actions, and the next hour after something
changed its plans. Without a routine (or with `MindOptions.routine` off) the model
writes the day and its hours, the paper's way.

Where they happen is place choice's (places.py): an hour's chunk has its area (sector,
then arena) chosen once, and each of its actions the object there by meaning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from dataclasses import replace

from agent_server.clock import SECONDS_PER_DAY, day_of, weekday_of
from agent_server.detail import LevelOfDetail
from agent_server.llm.base import LLMRequest
from agent_server.mind import Mind, Step
from agent_server.options import MindOptions
from agent_server.places import ANYONE, PlaceChooser
from agent_server.prompts import day_plan, decompose, hourly_plan, summary
from agent_server.routine import DAY_PARTS, Routine, free_time, is_free_time, part_of_day, read as read_routine
from agent_server.scheduler import LLMScheduler, Priority, Urgency, WorkAhead, urgent_work

log = logging.getLogger(__name__)

BEDTIME_HOUR = 23
# Without planning ahead there is no wake-up decision either.
UNPLANNED_WAKE_HOUR = 7
# The memories a day plan starts from: the few most related to the day's intentions.
INTENTION_POOL = 8
INTENTION_BUDGET_TOKENS = 120
# The priority of planning an agent stands waiting for (it asked what to do next, and
# its hour is not ready): as urgent as a line in a conversation. Planning done ahead of
# time runs at PLANNING until then.
WAITED = Priority.CONVERSATION
# A wait for planning this long (real seconds) is logged.
SLOW_WAIT_S = 5.0
# What follows at once an item this short at a place (arriving there, opening it) and
# names no place of its own happens there too.
ARRIVAL_MINUTES = 30
# A host spends the hour before its event at the place, getting it ready.
PREPARE_HOURS = 1
# And an hour, this long before it gets ready, going round the homes of the people it
# knows to invite them (places.py's visits); on the evening before (at EVENING_HOUR) if
# that hour would come before EARLIEST_VISIT_HOUR. The same hour on each of the
# ROUND_DAYS - 1 days before too: one round reaches a few of the people it knows, and
# who was told is remembered (the visits go to those not told first).
INVITE_HOURS_BEFORE = 5
ROUND_DAYS = 3
# An agent that means to tell people some news of its own (a seed that seeks people,
# places.py's seeks: "He wants to tell his friends and neighbours about his candidacy")
# goes round to them at this hour on each of its first ROUND_DAYS days.
NEWS_ROUND_HOUR = 10
EARLIEST_VISIT_HOUR = 8
EVENING_HOUR = 18
# Free time this long (minutes) may be spent out (spend_free_time), an outing this long at most.
FREE_TIME_MINUTES = 120
OUTING_MINUTES = 120


def hosting(place_name: str, event: str, place_id: str, start: int, end: int) -> list[Step]:
    """The commitments of an agent who hosts `event` (its words: "the tea party") at a
    place from `start` to `end`: going round to invite the people it knows (an hour on
    the event's day and on each of the days before it, the earliest first; the caller
    drops those already past), getting the place ready the hour before, then the event.
    (A 135M model's plans for Grace, who was gathering her neighbours to search for her
    dog at 4 pm, were to walk the dog all morning: she met no one before the search.)"""
    ready = start - start % 3600 - PREPARE_HOURS * 3600
    invite = ready - INVITE_HOURS_BEFORE * 3600
    if invite % SECONDS_PER_DAY < EARLIEST_VISIT_HOUR * 3600:
        invite = (invite // SECONDS_PER_DAY - 1) * SECONDS_PER_DAY + EVENING_HOUR * 3600
    rounds = [Step(invite - days * SECONDS_PER_DAY, 60, f"go round to invite people to {event}", visiting=ANYONE)
              for days in reversed(range(ROUND_DAYS))]
    return rounds + [Step(ready, (start - ready) // 60, f"get {place_name} ready for {event}", place_id),
                     Step(start, max(1, (end - start) // 60), f"host {event} at {place_name}", place_id)]


def spreading(day: int, whom: str = ANYONE) -> list[Step]:
    """The commitments of an agent that means to tell people news of its own from `day`
    (a day number) on: an hour of visits to `whom` (an agent id, or everyone it knows
    who lives elsewhere, the untold first), at NEWS_ROUND_HOUR on each of ROUND_DAYS
    days; the caller drops those already past. The way a host goes round to invite
    people (hosting), for news that is no event; what it tells is the conversation's
    topic to choose (topics.py), not named here."""
    return [Step((day + d) * SECONDS_PER_DAY + NEWS_ROUND_HOUR * 3600, 60, "go round to tell people the news",
                 visiting=whom) for d in range(ROUND_DAYS)]


class Planner:
    def __init__(self, scheduler: LLMScheduler, detail: LevelOfDetail, start_date: str, places: PlaceChooser,
                 options: MindOptions = MindOptions(), concurrent_days: int = 3) -> None:
        """`scheduler`: the model's, whose work on an hour prepared ahead an agent waiting
        for it hastens; `detail`: how much detail each agent plans in (detail.py);
        `start_date`: the calendar date of day 1, whose weekdays routines follow;
        `places`: where each hour's chunk and each action happen (places.py)."""
        self._scheduler = scheduler
        self._detail = detail
        self._start_date = start_date
        # False: no day plan and no hourly plan; each hour is decomposed as it comes from
        # the agent's summary alone (the evaluation's ablation without planning).
        self.ahead = options.planning
        # False: the model writes every day plan, whatever the habits say.
        self.routines = options.routine
        # False: free time stays at home (spend_free_time).
        self.free_time = options.free_time
        self._routine_of: dict[str, Routine] = {}
        # Each agent's routine day as last made (agent id -> (day, its steps)): visits ask
        # for others' whereabouts at every step (usual_place).
        self._usual_of: dict[str, tuple[int, list[Step]]] = {}
        self.places = places
        # Hours being decomposed ahead of time: (agent id, hour start) -> the work.
        self._preparing: dict[tuple[str, int], WorkAhead[list[Step]]] = {}
        # A few agents plan their day at a time, so that in a large town they come to
        # life one after another instead of all together once every day is planned.
        self._day_planning = asyncio.Semaphore(concurrent_days)
        # Where agents' waiting goes: the real seconds that agents asking what to do next
        # (NextAction) spent on each kind of planning (a day to plan, an hour being
        # prepared, an hour decomposed on the spot), and how many asks met each.
        # Society.next_action adds "lock held by ..." (another task held the mind: a
        # reaction, a catch-up, an earlier ask) and "all".
        self.waited: Counter[str] = Counter()
        self.waits: Counter[str] = Counter()
        # The waits of SLOW_WAIT_S or more: (agent id, game time, cause, real seconds).
        self.slow_waits: deque[tuple[str, int, str, float]] = deque(maxlen=1000)

    async def step_at(self, mind: Mind, now: int, *, asked: bool = False) -> Step:
        """What the agent should be doing at `now`, planning whatever is not planned yet.
        `asked`: the agent stands waiting for the answer (NextAction): the planning it
        waits for is urgent (WAITED), and its wait is timed."""
        if not asked:
            return await self._step_at(mind, now, asked)
        with urgent_work(Urgency(WAITED)):
            return await self._step_at(mind, now, asked)

    async def _step_at(self, mind: Mind, now: int, asked: bool) -> Step:
        if day_of(now) != mind.state.day:
            with self._timed("day_plan", asked, mind, now):
                async with self._day_planning:
                    await self.plan_day(mind, now)
        day_start = day_of(now) * SECONDS_PER_DAY
        wake = day_start + mind.state.wake_hour * 3600
        bedtime = day_start + min(mind.state.bed_minute, 24 * 60) * 60
        if now < wake:
            return Step(day_start, (wake - day_start) // 60, "sleeping", mind.agent.home_place_id)
        if now >= bedtime:
            return Step(bedtime, (day_start + SECONDS_PER_DAY - bedtime) // 60, "sleeping", mind.agent.home_place_id)
        step = next((s for s in mind.state.actions if s.covers(now)), None)
        if step is not None and step.coarse and self._detail.full(mind.id):
            # Planned coarsely while the player was far; the player is near now.
            mind.state.actions = [s for s in mind.state.actions if not (s.coarse and s.end > now)]
            step = None
        if step is None:
            # The hour may be on its way (prepare_next_hour): wait for it rather than
            # decompose it a second time.
            steps = []
            if (mind.id, now - now % 3600) in self._preparing:
                with self._timed("hour_being_prepared", asked, mind, now):
                    steps = await self._prepared(mind, now - now % 3600, hasten=asked)
            if not any(s.covers(now) for s in steps):
                with self._timed("hour_decomposed_on_the_spot", asked, mind, now):
                    steps = await self._actions(mind, self._chunk_at(mind, now), start=now - now % 300)
            self._keep(mind, steps, now)
            step = next((s for s in steps if s.covers(now)), steps[0])
        return step

    @contextlib.contextmanager
    def _timed(self, what: str, asked: bool, mind: Mind, now: int):
        if not asked:
            yield
            return
        started = time.monotonic()
        try:
            yield
        finally:
            self.note_wait(mind, now, what, time.monotonic() - started)

    def note_wait(self, mind: Mind, now: int, what: str, seconds: float) -> None:
        """An agent asking what to do next waited `seconds` for `what`."""
        self.waited[what] += seconds
        self.waits[what] += 1
        if seconds >= SLOW_WAIT_S:
            self.slow_waits.append((mind.id, now, what, round(seconds, 1)))
            log.info("%s waited %.1f s for %s at %s", mind.name, seconds, what.replace("_", " "), _clock(now))

    async def prepare_next_hour(self, mind: Mind, now: int) -> None:
        """Decompose the coming hour shortly ahead of time, so the agent does not wait for
        it when the hour starts. Called without the mind's lock: the agent's next action
        (which takes the lock) never waits for the model working on the next hour. The
        lock is taken only to keep the result, unless the hour was replanned meanwhile."""
        start = now - now % 3600 + 3600
        key = (mind.id, start)
        chunk = mind.chunk_at(start)
        if chunk is None or key in self._preparing or any(s.covers(start) for s in mind.state.actions):
            return
        work = self._preparing[key] = WorkAhead()
        try:
            steps = await work.run(self._actions(mind, chunk, start=start))  # a failure is the caller's to see
        finally:
            del self._preparing[key]
        async with mind.lock:
            if mind.chunk_at(start) is chunk and not any(s.covers(start) for s in mind.state.actions):
                self._keep(mind, steps, now)

    async def _prepared(self, mind: Mind, hour: int, *, hasten: bool = False) -> list[Step]:
        """The steps of the hour starting at `hour` if they are being prepared; [] if not
        (or if preparing failed). `hasten`: the agent stands waiting for them, so the
        model work preparing them becomes urgent (WAITED)."""
        work = self._preparing.get((mind.id, hour))
        if work is None:
            return []
        return await work.wait(self._scheduler, WAITED if hasten else None) or []

    async def catch_up(self, mind: Mind, now: int) -> Step | None:
        """An agent the player has come near: the rest of a coarse hour (detail.py) is
        decomposed in full now; returns the step to do now, or None when it was not
        following a coarse hour."""
        current = next((s for s in mind.state.actions if s.covers(now)), None)
        if current is None or not current.coarse:
            return None
        return await self.step_at(mind, now)  # in full detail now, it decomposes the coarse hour

    async def _actions(self, mind: Mind, chunk: Step, *, start: int) -> list[Step]:
        """The chunk's actions from `start`: decomposed, or one coarse action for an
        agent the level of detail spares."""
        if self._detail.coarse(mind.id, "decompose"):
            return await self.coarse(mind, chunk, start=start, end=chunk.end)
        return await self.decompose(mind, chunk, start=start, end=chunk.end)

    @staticmethod
    def _chunk_at(mind: Mind, now: int) -> Step:
        return mind.chunk_at(now) or Step(now - now % 3600, 60, f"going about {mind.first_name}'s day")

    @staticmethod
    def _keep(mind: Mind, steps: list[Step], now: int) -> None:
        """Add decomposed steps, dropping those they replace and those long past."""
        first = steps[0].start
        kept = [s for s in mind.state.actions if s.end > now - 3600 and s.start < first]
        mind.state.actions = kept + steps

    # ---- the day ---------------------------------------------------------------------

    def usual_day(self, mind: Mind, now: int) -> list[Step]:
        """The agent's routine for the day of `now` as the day's plan in broad strokes,
        each item at the place it names (or none, for place choice to find); [] when the
        habits give no routine or routines are off."""
        if not self.routines:
            return []
        made = self._usual_of.get(mind.id)
        if made is not None and made[0] == day_of(now):
            return [replace(step) for step in made[1]]  # (a plan's steps may change; the routine does not)
        routine = self._routine_of.get(mind.id)
        if routine is None:
            routine = self._routine_of[mind.id] = read_routine(mind.identity.habits, mind.identity.first_name)
        if not routine.usable:
            return []
        day_start = day_of(now) * SECONDS_PER_DAY
        steps: list[Step] = []
        for start, end, text in routine.day(weekday_of(now, self._start_date)):
            place = self.places.named(mind, text)
            if not place and steps and steps[-1].minutes <= ARRIVAL_MINUTES and steps[-1].place_id:
                place = steps[-1].place_id  # "opens Hobbs Cafe at 8 am. She works at the counter ..."
            steps.append(Step(day_start + start * 60, end - start, text, place))
        self._usual_of[mind.id] = (day_of(now), [replace(step) for step in steps])
        return steps

    def usual_place(self, mind: Mind | None, at: int) -> str:
        """Where `mind`'s routine puts it at `at`: the place its habits name for that hour,
        or its free time's outing (_routine_day), "" where they name none."""
        if mind is None:
            return ""
        return next((step.place_id for step in self._routine_day(mind, at) if step.covers(at) and step.place_id), "")

    def _routine_day(self, mind: Mind, now: int) -> list[Step]:
        """The routine day of `now` as the agent planned it, its free time placed
        (spend_free_time), once it has; before that, usual_day."""
        usual = self.usual_day(mind, now)
        return mind.state.day_plan if usual and mind.state.day == day_of(now) and mind.state.day_plan else usual

    async def plan_day(self, mind: Mind, now: int) -> None:
        day = day_of(now)
        await self.refresh_summary(mind, now)
        if not self.ahead:
            mind.state.day, mind.state.wake_hour = day, UNPLANNED_WAKE_HOUR
            mind.state.bed_minute = BEDTIME_HOUR * 60
            mind.state.day_plan, mind.state.hourly, mind.state.actions = [], [], []
            return
        usual = self.usual_day(mind, now)
        day_start = day * SECONDS_PER_DAY
        if usual:
            wake = (usual[0].start - day_start) // 3600
            bed_minute = (usual[-1].end - day_start) // 60
            broad = await self.spend_free_time(mind, usual, now)
        else:
            hours = day_plan.WAKE_HOURS
            wake = int(hours[await mind.choose(day_plan.wake_request(mind.name, mind.summary), hours,
                                               Priority.PLANNING, "wake_up")])
            bed_minute = BEDTIME_HOUR * 60
        # Up in time for what it has committed to, whatever its habits or the model say.
        wake = min([wake] + [c.start % SECONDS_PER_DAY // 3600 for c in mind.state.commitments
                             if day_of(c.start) == day])
        if not usual:
            broad = await self._written_day(mind, now, wake)
        mind.state.day, mind.state.wake_hour, mind.state.day_plan = day, wake, broad
        mind.state.bed_minute = bed_minute
        mind.state.actions = []
        await self.plan_hours(mind, now, first_hour=wake)
        await mind.remember(
            "plan",
            [f"{mind.name}'s plan for day {day + 1}: wake up at {wake}:00 am, then "
             + "; ".join(f"{_clock(s.start)} {s.description}" for s in broad)],
            now, priority=Priority.PLANNING,
        )

    async def spend_free_time(self, mind: Mind, steps: list[Step], now: int) -> list[Step]:
        """`steps` (a routine day) with its free time placed. A stretch the habits leave
        open, at home (routine.is_free_time), is taken a part of the day at a time (the
        afternoon, the evening); each part FREE_TIME_MINUTES or longer is spent where the
        model finds the agent most likely to spend it, by its probabilities given who the
        agent is: at home, or at one of the town's public places (PlaceChooser.public) that
        its routine does not already take it to (out is elsewhere than its work), for
        OUTING_MINUTES at most, then at home. People who go out meet people; a town whose
        people only go to work and home knows few of its own."""
        usual = {step.place_id for step in steps}
        public = [p for p in self.places.public() if p.id not in usual] if self.free_time else []
        if not public:
            return steps
        options = day_plan.free_time_options([p.name for p in public])
        # The open stretches cut into parts of the day at home; those long enough to go
        # out in are asked about, all in one piece of work.
        laid: list[Step] = []
        asked: dict[int, LLMRequest] = {}
        for step in steps:
            if not is_free_time(step.description):
                laid.append(step)
                continue
            for start, end in _parts_of_day(step.start, step.end):
                first = start % SECONDS_PER_DAY // 60
                home = replace(step, start=start, minutes=(end - start) // 60, description=free_time(part_of_day(first)))
                if home.minutes >= FREE_TIME_MINUTES:
                    asked[len(laid)] = day_plan.free_time_request(
                        name=mind.name, summary=mind.summary, today=mind.today(now), start_minute=first,
                        end_minute=first + home.minutes)
                laid.append(home)
        chosen = dict(zip(asked, await mind.choose_many(list(asked.values()), options, Priority.PLANNING,
                                                         "choose_place", per_token=True))) if asked else {}
        placed: list[Step] = []
        for i, home in enumerate(laid):
            if not chosen.get(i):  # not asked, or at home
                placed.append(home)
                continue
            out = min(home.minutes, OUTING_MINUTES)
            place = public[chosen[i] - 1]
            first = home.start % SECONDS_PER_DAY // 60
            placed.append(Step(home.start, out, free_time(part_of_day(first), place.name), place.id))
            if home.minutes > out:
                placed.append(replace(home, start=home.start + out * 60, minutes=home.minutes - out))
        return placed

    async def _written_day(self, mind: Mind, now: int, wake: int) -> list[Step]:
        """The day in broad strokes as the model writes it, from the agent's summary,
        yesterday's plan and what it means to do today."""
        yesterday = "; ".join(s.description for s in mind.state.day_plan)
        # What the agent means to do today, from its memories (a party it throws, an
        # errand it promised): the day's plan starts from it, as a person's would.
        today = mind.today(now)
        intentions = [s.node.description for s in mind.recall(
            f"{mind.name}'s plans, promises and events on {today}", now, limit=3, budget=INTENTION_BUDGET_TOKENS,
            relevance_pool=INTENTION_POOL)]
        text = await mind.ask(
            day_plan.plan_request(name=mind.name, summary=mind.summary, yesterday=yesterday, today=today,
                                  wake_hour=wake, intentions=intentions),
            Priority.PLANNING, "day_plan",
        )
        items = day_plan.parse_plan(text)
        day_start = day_of(now) * SECONDS_PER_DAY
        return [
            Step(day_start + minute * 60, max(0, (nxt - minute)), description)
            for (minute, description), (nxt, _) in zip(items, items[1:] + [(BEDTIME_HOUR * 60, "")])
        ]

    async def plan_hours(self, mind: Mind, now: int, *, first_hour: int, context: str = "") -> None:
        """(Re)write the hour-long chunks from `first_hour` to bedtime. From a routine,
        each hour is the routine's item at its middle, at that item's place, and only a
        change of plans (`context`) has the model write the first of them."""
        day_start = day_of(now) * SECONDS_PER_DAY
        hours = list(range(first_hour, -(-min(mind.state.bed_minute, 24 * 60) // 60)))
        if not hours:
            return
        usual = self._routine_day(mind, now)
        written = hours if not usual else hours[:1] if context else []
        chunks = []
        if written:
            plan = "; ".join(f"{_clock(s.start)} {s.description}" for s in mind.state.day_plan)
            text = await mind.ask(
                hourly_plan.build(name=mind.name, summary=mind.summary, plan=plan, hours=written, context=context),
                Priority.PLANNING, "hourly_plan",
            )
            chunks = [Step(day_start + h * 3600, 60, d) for h, d in hourly_plan.parse(text, written, mind.name)]
        for hour in hours[len(written):]:
            middle = day_start + hour * 3600 + 1800
            item = next((s for s in usual if s.covers(middle)), None) \
                or min(usual, key=lambda s: abs(s.start - middle))
            chunks.append(Step(day_start + hour * 3600, 60, item.description, item.place_id))
        kept = [s for s in mind.state.hourly if s.start < day_start + first_hour * 3600 and day_of(s.start) == day_of(now)]
        mind.state.hourly = kept + chunks
        self.hold_commitments(mind, now)

    @staticmethod
    def hold_commitments(mind: Mind, now: int) -> None:
        """Each hour of today's plan that a commitment overlaps holds the commitment, at its
        place, from `now` on; the hour's actions planned otherwise are dropped, to be
        planned again for it. (A model-written plan need not keep what the agent means to
        do: a 135M model's plan for the morning of Isabella's tea party was to wake up,
        for an hour and a half, at home.)"""
        day = day_of(now)
        for commitment in mind.state.commitments:
            if day_of(commitment.start) != day or commitment.end <= now:
                continue
            for i, chunk in enumerate(mind.state.hourly):
                if chunk.start < commitment.end and commitment.start < chunk.end and chunk.end > now \
                        and chunk.description != commitment.description:
                    held = Step(chunk.start, chunk.minutes, commitment.description, commitment.place_id,
                                visiting=commitment.visiting)
                    mind.state.hourly[i] = held
                    mind.state.actions = [a for a in mind.state.actions
                                          if not (a.start >= max(now, held.start) and a.start < held.end)]

    def commit(self, mind: Mind, commitment: Step, now: int) -> None:
        """The agent commits to `commitment` (an event it will go to): its hours hold it."""
        if any(c.start == commitment.start and c.place_id == commitment.place_id for c in mind.state.commitments):
            return
        mind.state.commitments.append(commitment)
        self.hold_commitments(mind, now)

    async def replan(self, mind: Mind, now: int, because: str) -> None:
        """A reaction: rewrite the rest of the day from the next hour, and drop the
        current hour's remaining actions so they are decomposed again."""
        if day_of(now) != mind.state.day:
            return
        next_hour = now // 3600 % 24 + 1
        if self.ahead:
            await self.plan_hours(mind, now, first_hour=next_hour, context=f"Something changed: {because}")
        mind.state.actions = [s for s in mind.state.actions if s.start <= now]
        await mind.remember("plan", [f"{mind.name} changed plans because {because}; now: {mind.remaining_plan(now)}"],
                            now, priority=Priority.PLANNING)

    async def refresh_summary(self, mind: Mind, now: int) -> None:
        """The agent summary description, from three retrievals; refreshed once a day."""
        if mind.state.summary_day == day_of(now):
            return
        seen: dict[str, None] = {}
        for query in summary.QUERIES:
            for scored in mind.recall(query.format(name=mind.name), now, limit=6):
                seen.setdefault(scored.node.description)
        text = await mind.ask(summary.build(mind.name, list(seen)), Priority.PLANNING, "summary")
        core, occupation, feeling = summary.parse(text)
        mind.state.summary = f"{core} {occupation} {feeling}"
        mind.state.feeling = feeling
        mind.state.summary_day = day_of(now)

    # ---- the hour --------------------------------------------------------------------

    async def decompose(self, mind: Mind, chunk: Step, *, start: int, end: int) -> list[Step]:
        """The chunk from `start` to `end` as 5-15-minute actions, each at a known place:
        the chunk's area (sector and arena) is chosen once, each action's object in it;
        or, for a chunk that seeks people, each action at the home of the next one
        (places.py)."""
        minutes = max(5, (end - start) // 60)
        text = await mind.ask(
            decompose.build(name=mind.name, summary=mind.summary, clock=mind.clock(start), chunk=chunk.description),
            Priority.PLANNING, "decompose",
        )
        sought = self._sought(mind, chunk)
        # An event the agent is committed to keeps every action at its place.
        committed = any(c.place_id == chunk.place_id and c.description == chunk.description
                        for c in mind.state.commitments)
        area = None if sought else await self.places.area_for(mind, chunk)
        steps, at = [], start
        for duration, action in decompose.parse(text, minutes, chunk.description):
            # A chunk that seeks people goes from one to the next, an action at each; so
            # does an action that seeks them, in a chunk at a place of its habits too
            # ("ask her neighbours to help her search" in an hour of walking in the park).
            seeking = sought or (None if committed else self.places.seeks(mind, action))
            visit = await self.places.next_visit(mind, seeking, at) if seeking else None
            if visit is not None:
                steps.append(Step(at, duration, action, visit[0], visiting=visit[1]))
            else:
                if area is None:
                    area = await self.places.area_for(mind, chunk)
                steps.append(Step(at, duration, action, self.places.choose_object(mind, area, action,
                                                                                  chunk.description)))
            at += duration * 60
        await mind.remember(
            "plan", [f"At {_clock(start)} {mind.name} will " + "; then ".join(s.description for s in steps)], start,
            priority=Priority.PLANNING,
        )
        return steps

    def _sought(self, mind: Mind, chunk: Step) -> list[str] | None:
        """The people an hour's chunk goes to see (places.py): those a round of visits it
        committed to goes to (everyone it knows, for inviting people to what it hosts),
        those its words seek where it says no place; None if it seeks no one."""
        if chunk.visiting == ANYONE:
            return self.places.everyone(mind) or None
        if chunk.visiting:
            return [chunk.visiting]
        return None if chunk.place_id else self.places.seeks(mind, chunk.description)

    async def coarse(self, mind: Mind, chunk: Step, *, start: int, end: int) -> list[Step]:
        """The chunk from `start` to `end` as one action at its place: no decomposition
        (and, for a routine hour, no model call at all)."""
        sought = self._sought(mind, chunk)
        visit = await self.places.next_visit(mind, sought, start) if sought else None
        if visit is not None:
            return [Step(start, max(5, (end - start) // 60), chunk.description, visit[0], coarse=True,
                         visiting=visit[1])]
        area = await self.places.area_for(mind, chunk)
        place = self.places.choose_object(mind, area, chunk.description, chunk.description)
        return [Step(start, max(5, (end - start) // 60), chunk.description, place, coarse=True)]


def _parts_of_day(start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at noon and where the evening begins (routine.part_of_day)."""
    day_start = day_of(start) * SECONDS_PER_DAY
    cuts = [day_start + minute * 60 for minute in (DAY_PARTS["noon"], DAY_PARTS["evening"])]
    edges = [start] + [c for c in cuts if start < c < end] + [end]
    return list(zip(edges, edges[1:]))


def _clock(game_time: int) -> str:
    return f"{game_time % SECONDS_PER_DAY // 3600:02d}:{game_time % 3600 // 60:02d}"
