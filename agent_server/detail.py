"""Level of detail for minds: what the model's time is spent on when the player cannot
see it.

The world says, with each SyncWorld, which agents are distant: far from the player and
off screen (AgentState.distant). An agent the player is near, or sees, thinks in full.
A distant one follows its plan more coarsely, within a budget:

- its hours are not decomposed into 5-15-minute actions: each hour's chunk is one
  action at the chunk's place (Planner.coarse), which costs no model call for a routine
  hour;
- it makes at most `decisions_per_hour` reaction decisions (keep to the plan, talk,
  or do something else) per game hour; beyond them it keeps to its plan;
- everything it perceives is still remembered, and it still reflects.

When the player comes near, the agent catches up: the rest of its coarse hour is
decomposed in full at once (Society._catch_up), so whoever the player walks up to is
doing something specific. The budget is the same mechanism for every kind of work, and
`enabled = False` (evaluation runs, the baseline) gives every agent full detail.
"""

from __future__ import annotations

from collections import Counter

from agent_server.options import MindOptions


class LevelOfDetail:
    def __init__(self, options: MindOptions = MindOptions()) -> None:
        self.enabled = options.level_of_detail
        self.decisions_per_hour = options.lod_decisions_per_hour
        self._distant: set[str] = set()
        # Agent -> (game hour, decisions made in it).
        self._spent: dict[str, tuple[int, int]] = {}
        # What was done coarsely or skipped, by kind: the model work saved.
        self.saved: Counter[str] = Counter()

    def report(self, agent_id: str, distant: bool) -> bool:
        """Note what the world says of an agent; True when it has just come near."""
        was = agent_id in self._distant
        if distant:
            self._distant.add(agent_id)
        else:
            self._distant.discard(agent_id)
        return self.enabled and was and not distant

    def full(self, agent_id: str) -> bool:
        """Whether the agent thinks in full now."""
        return not self.enabled or agent_id not in self._distant

    @property
    def distant(self) -> set[str]:
        return set(self._distant) if self.enabled else set()

    def allows(self, agent_id: str, now: int, what: str) -> bool:
        """Whether an optional decision may be made now: always in full detail, and
        for a distant agent while its budget for this game hour lasts."""
        if self.full(agent_id):
            return True
        hour = now // 3600
        spent_hour, spent = self._spent.get(agent_id, (hour, 0))
        if spent_hour != hour:
            spent = 0
        if spent < self.decisions_per_hour:
            self._spent[agent_id] = (hour, spent + 1)
            return True
        self.saved[what] += 1
        return False

    def coarse(self, agent_id: str, what: str) -> bool:
        """Whether work that has a coarse form (an hour's actions) is done coarsely."""
        if self.full(agent_id):
            return False
        self.saved[what] += 1
        return True
