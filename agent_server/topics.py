"""What to talk about: before an agent's first line in a conversation, its candidate
topics are gathered from what it knows, and the model chooses among them by its
probabilities (as Mind.choose does), given who it is, the other and the situation.

The candidates: a gathering it hosts or heard of (invitations.py) that this listener has
not heard of from it; its own news (a scenario seed without an event: "has decided to
run for mayor"); the weightiest thing it was told lately by someone else; the
relationship; what the other is doing; and small talk, always. A topic shared with a
listener is not offered again for that listener. Without topic choice (the paper's way,
an ablation), lines are conditioned on the summary and the memories of the listener
alone, and what the speaker means to do reaches them only through the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent_server.mind import HeardEvent, Mind
from agent_server.prompts import converse
from agent_server.scheduler import Priority

# A line one heard this lately, this weighty (importance 1-10), is news one may pass on.
NEWS_WINDOW_S = 24 * 3600
NEWS_MIN_IMPORTANCE = 5
SMALL_TALK = "small talk about the day"


@dataclass(frozen=True)
class Topic:
    # What marks it as shared with a listener ("event:hobbs_cafe:147600", "news:...").
    key: str
    # The topic in words, as the speaker's line is asked for it.
    text: str
    event: HeardEvent | None = None


class Topics:
    def __init__(self) -> None:
        # Each agent's own news: its seeds that are not about an event (Society sets it).
        self.news: dict[str, list[str]] = {}
        # False: no topic is chosen (the ablation without topic choice).
        self.enabled = True

    def candidates(self, speaker: Mind, listener: Mind, now: int) -> list[Topic]:
        told = speaker.state.told
        out: list[Topic] = []

        def offer(topic: Topic) -> None:
            if listener.id not in told.get(topic.key, []) and all(t.key != topic.key for t in out):
                out.append(topic)

        for event in speaker.state.heard_events:
            if event.end <= now:
                continue
            place, when = speaker.f.town.place(event.place_id).name, speaker.clock(event.start)
            if event.teller == speaker.name:
                text = f"inviting {listener.name} to {event.what} at {place}, {when}"
            elif event.teller == listener.name:
                continue  # the listener told it
            else:
                text = f"{event.what} at {place}, {when}, which {event.teller} told {speaker.first_name} about"
            offer(Topic(f"event:{event.place_id}:{event.start}", text, event))
        for news in self.news.get(speaker.id, []):
            offer(Topic("news:" + _key(news), f"{speaker.first_name}'s news: {news}"))
        heard = [m for m in speaker.f.memory.recent(speaker.id, 60)
                 if m.kind == "dialogue" and m.created_at >= now - NEWS_WINDOW_S
                 and m.importance >= NEWS_MIN_IMPORTANCE and not m.description.startswith(
                     (speaker.name, listener.name, f"Conversation with"))]
        if heard:
            weightiest = max(heard, key=lambda m: (m.importance, m.created_at))
            offer(Topic("heard:" + _key(weightiest.description), f"what {speaker.first_name} heard: "
                        f"{weightiest.description}"))
        for relationship in speaker.identity.relationships:
            if listener.name in relationship or listener.first_name in relationship.split():
                offer(Topic("relationship:" + listener.id, f"how things are between them ({relationship})"))
                break
        doing = listener.activity()
        offer(Topic("doing:" + listener.id + ":" + doing, f"what {listener.first_name} is doing ({doing})"))
        offer(Topic("small talk", SMALL_TALK))
        return out

    async def choose(self, speaker: Mind, listener: Mind, now: int) -> Topic | None:
        """The topic `speaker` brings up with `listener` (None when topics are not chosen);
        the choice and its candidates go to the journal (the replay log)."""
        if not self.enabled:
            return None
        candidates = self.candidates(speaker, listener, now)
        texts = [t.text for t in candidates]
        if len(candidates) == 1:
            chosen = candidates[0]
        else:
            request = converse.topic_request(name=speaker.name, summary=speaker.summary, clock=speaker.clock(now),
                                             doing=speaker.activity(), other=listener.name, options=texts)
            chosen = candidates[await speaker.choose(request, texts, Priority.CONVERSATION, "conversation",
                                                     per_token=True)]
        speaker.f.journal.record("topic", now, agent=speaker.id, listener=listener.id, topic=chosen.text,
                                 key=chosen.key, candidates=texts)
        return chosen

    @staticmethod
    def shared(speaker: Mind, listener: Mind, topic: Topic) -> None:
        """`speaker` has brought `topic` up with `listener`: not offered for it again (small
        talk always is)."""
        if topic.key == "small talk":
            return
        speaker.state.told.setdefault(topic.key, []).append(listener.id)
        if topic.event is not None and listener.name not in topic.event.told:
            topic.event.told.append(listener.name)


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()[:80]
