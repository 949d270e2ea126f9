"""Continuous batching on the real default model: batched answers equal one-at-a-time
answers, every sequence keeps to its own grammar, player dialogue takes a slot from
background work at once, and usage is shared out rather than counted twice."""

import asyncio
import re
import time

import pytest

from agent_server.llm.base import LLMRequest
from agent_server.llm.grammar import numbered_lines, one_of, short_text
from agent_server.llm.llama_cpp import LlamaCppModel
from agent_server.scheduler import LLMScheduler, Priority, Urgency, urgent_work

pytestmark = pytest.mark.model

TOPICS = ["the sea", "a bakery", "winter", "a clock", "the moon", "a garden", "trains", "a library", "rain"]


@pytest.fixture(scope="module")
def model(real_model_path):
    model = LlamaCppModel(real_model_path, n_ctx=512, parallel=8)
    yield model
    model.close()


def greedy(topic: str, max_tokens: int = 16, **extra) -> LLMRequest:
    return LLMRequest(
        messages=[{"role": "user", "content": f"Write two sentences about {topic}."}],
        max_tokens=max_tokens, temperature=0.0, **extra,
    )


async def with_scheduler(model, body, **options):
    scheduler = LLMScheduler(model, **options)
    await scheduler.start()
    try:
        result = await body(scheduler)
    finally:
        await scheduler.close()
    assert not model.engine.active  # every sequence left the engine and freed its slot
    return result


async def test_greedy_answers_are_the_same_batched_or_one_at_a_time(model):
    requests = [greedy(topic, max_tokens=12) for topic in TOPICS[:4]]
    alone = ["".join(model.stream(r)) for r in requests]

    async def batched(scheduler):
        return await asyncio.gather(*(scheduler.complete(r, Priority.PLANNING, "plan") for r in requests))

    answers = await with_scheduler(model, batched)
    assert [a.text for a in answers] == alone
    assert all(alone)


async def test_sampled_answers_under_grammars_depend_only_on_their_seeds(model):
    requests = [
        LLMRequest(messages=[{"role": "user", "content": f"List what to do about {topic}."}], max_tokens=24,
                   temperature=0.8, grammar=f"root ::= {numbered_lines(2, 3, short_text(20))}")
        for topic in TOPICS[:4]
    ]

    def alone():
        model.reseed(7)
        return ["".join(model.stream(r)) for r in requests]

    async def batched(scheduler):
        model.reseed(7)  # the same seeds, in the same order
        return [a.text for a in await asyncio.gather(*(scheduler.complete(r, Priority.PLANNING, "plan")
                                                       for r in requests))]

    first = alone()
    assert alone() == first
    assert len(set(first)) == len(first)
    assert await with_scheduler(model, batched) == await with_scheduler(model, batched)


async def test_a_repeat_penalty_breaks_loops_and_answers_still_depend_only_on_their_seeds(model):
    def chant(penalty: float, grammar: str | None = None) -> LLMRequest:
        return LLMRequest(messages=[{"role": "user", "content": "Repeat after me: " + "yes " * 12}], max_tokens=40,
                          temperature=0.8, grammar=grammar, repeat_penalty=penalty)

    def yeses(penalty: float) -> int:
        model.reseed(3)
        return sum(len(re.findall(r"\byes\b", "".join(model.stream(chant(penalty))).lower())) for _ in range(3))

    plain, penalised = yeses(1.0), yeses(1.5)
    assert penalised < plain / 2, (plain, penalised)

    # Under a grammar too (the chain's first pick refused, then chosen again), batched
    # or alone: the same seeds give the same answers.
    requests = [chant(1.3, f"root ::= {numbered_lines(2, 3, short_text(20))}"), chant(1.3), chant(1.0)]

    def alone():
        model.reseed(11)
        return ["".join(model.stream(r)) for r in requests]

    async def batched(scheduler):
        model.reseed(11)
        return [a.text for a in await asyncio.gather(*(scheduler.complete(r, Priority.PLANNING, "chant")
                                                       for r in requests))]

    first = alone()
    assert alone() == first
    assert re.fullmatch(r"(1\. .+\n){1}(2\. .+\n)(3\. .+\n)?", first[0]), first[0]
    assert await with_scheduler(model, batched) == first


async def test_every_sequence_keeps_to_its_own_grammar(model):
    colours = ["red", "green", "blue", "yellow"]
    grammars = {
        "colour": (f"root ::= {one_of(colours)}", re.compile(r"^(red|green|blue|yellow)$")),
        "steps": (f"root ::= {numbered_lines(2, 3, short_text(12))}", re.compile(r"^(\d\. [a-z ,']{1,12}\n){2,3}$")),
        "number": ('root ::= [1-9] [0-9] [0-9]? " apples"', re.compile(r"^[1-9][0-9]{1,2} apples$")),
    }
    requests = {
        name: LLMRequest(messages=[{"role": "user", "content": f"Answer about {topic}."}], max_tokens=48,
                         temperature=0.8, grammar=gbnf)
        for topic in ("a farm", "a city") for name, (gbnf, _) in grammars.items()
    }

    async def batched(scheduler):
        names = list(requests)
        answers = await asyncio.gather(*(scheduler.complete(requests[n], Priority.PLANNING, n) for n in names))
        return dict(zip(names, answers, strict=True))

    answers = await with_scheduler(model, batched)
    for name, answer in answers.items():
        assert grammars[name][1].match(answer.text), (name, answer.text)


async def test_a_player_request_pauses_background_work_and_decodes_alone(model):
    background = [greedy(topic, max_tokens=16) for topic in TOPICS[:8]]
    player = greedy("a friendly greeting", max_tokens=8)
    alone = "".join(model.stream(background[-1]))  # the one that will be paused

    async def scenario(scheduler):
        first_piece: dict[int, float] = {}
        finished: dict[int, float] = {}

        async def run(index, request, priority, purpose):
            pieces = []
            async for piece in scheduler.stream(request, priority, purpose):
                first_piece.setdefault(index, time.monotonic())
                pieces.append(piece)
            finished[index] = time.monotonic()
            return "".join(pieces)

        tasks = [asyncio.create_task(run(i, r, Priority.PLANNING, "plan")) for i, r in enumerate(background)]
        while len(first_piece) < len(background):  # every slot is decoding background work
            await asyncio.sleep(0.01)
        player_text = await run(99, player, Priority.PLAYER, "player")
        texts = await asyncio.gather(*tasks)
        return first_piece[99], finished, player_text, texts, scheduler.preemptions

    player_first, finished, player_text, texts, preemptions = await with_scheduler(model, scenario)
    background_done = [finished[i] for i in range(len(background))]
    assert player_first < max(background_done), "the player waited for the background work to finish"
    assert player_text
    # The player's answer decodes alone: every background sequence is paused for it and
    # finishes after it, resuming where it stopped.
    assert preemptions == len(background)
    assert finished[99] < min(background_done)
    assert texts[-1] == alone


async def test_hastened_work_takes_a_slot_before_work_that_was_more_urgent(model):
    """Work done ahead of time runs at its own priority until someone waits for it:
    hastened, its request takes the next slot (here the only one) before a request that
    was more urgent than it, and its answer is the same."""
    prepared = greedy("a plan for the next hour", max_tokens=8)
    alone = "".join(model.stream(prepared))

    async def scenario(scheduler):
        finished: list[str] = []
        started = asyncio.Event()

        async def run(name, request, priority):
            pieces = []
            async for piece in scheduler.stream(request, priority, name):
                started.set()
                pieces.append(piece)
            finished.append(name)
            return "".join(pieces)

        occupier = asyncio.create_task(run("occupier", greedy("the sea", max_tokens=24), Priority.PLANNING))
        await started.wait()
        reaction = asyncio.create_task(run("reaction", greedy("winter", max_tokens=8), Priority.REACTION))
        urgency = Urgency()
        with urgent_work(urgency):  # the task it starts runs under the urgency
            ahead = asyncio.create_task(run("prepared", prepared, Priority.PLANNING))
        await asyncio.sleep(0.05)
        scheduler.hasten(urgency, Priority.CONVERSATION)  # an agent now waits for it
        texts = await asyncio.gather(ahead, reaction, occupier)
        return finished, texts[0]

    finished, text = await with_scheduler(model, scenario, max_batch=1)
    assert finished == ["prepared", "reaction", "occupier"]
    assert text == alone


async def test_scoring_gives_way_to_the_player_and_goes_on_where_it_stopped(model):
    """Option scoring cannot be batched and holds the model while it runs; it pauses
    between chunks of its prompt and between options for the player's answer."""
    question = LLMRequest(messages=[{"role": "user", "content": "Which of these places would you visit first? "
                                     + " ".join(f"The {t} is lovely in spring." for t in TOPICS * 6)}])
    options = [f"the {topic} near the old town hall" for topic in TOPICS * 4]
    player = greedy("a friendly greeting", max_tokens=8)
    alone = model.score_options(question, options)

    async def scenario(scheduler):
        scored = {}
        scoring = asyncio.create_task(scheduler.score_options(question, options, Priority.REACTION, "react"))
        scoring.add_done_callback(lambda _: scored.setdefault("at", time.monotonic()))
        while scheduler.stats["react"].calls == 0:  # the scoring has begun
            await asyncio.sleep(0.005)
        first = None
        async for _ in scheduler.stream(player, Priority.PLAYER, "player"):
            first = first or time.monotonic()
        answered = time.monotonic()
        scores = await scoring
        return first, answered, scored["at"], scores

    first, answered, scored, scores = await with_scheduler(model, scenario)
    assert first is not None and answered < scored, "the player waited for the scoring to finish"
    assert scores == pytest.approx(alone, abs=1e-4)


PREAMBLE = {"role": "system", "content": "You are Mei Lin, a professor of philosophy in a small town. "
            + " ".join(f"You remember a day at {topic}." for topic in TOPICS * 4)}


async def test_a_kept_prompt_makes_the_next_line_evaluate_only_what_it_adds(model):
    first = [PREAMBLE, {"role": "user", "content": "Alex says: \"Hello! Who are you?\""}]
    follow = [{"role": "user", "content": "Alex says: \"What do you teach?\""}]
    model.engine.forget()

    def cold(messages):
        model.engine.forget()
        return "".join(model.stream(LLMRequest(messages=messages, max_tokens=12, temperature=0.0)))

    async def conversation(scheduler):
        answer = "".join([p async for p in scheduler.stream(
            LLMRequest(messages=first, max_tokens=12, temperature=0.0), Priority.PLAYER, "chat", keep_prompt=True)])
        evaluated = scheduler.stats["chat"].prompt_tokens
        second = first + [{"role": "assistant", "content": answer}] + follow
        started = time.monotonic()
        pieces = [p async for p in scheduler.stream(
            LLMRequest(messages=second, max_tokens=12, temperature=0.0), Priority.PLAYER, "chat", keep_prompt=True)]
        return answer, second, "".join(pieces), evaluated, scheduler.stats["chat"], time.monotonic() - started

    answer, second, reply, evaluated, stats, warm_s = await with_scheduler(model, conversation)
    full = model.count_prompt_tokens(LLMRequest(messages=second))
    assert stats.reused_tokens > 0.8 * evaluated  # the second line found the first one's prompt warm
    assert stats.prompt_tokens - evaluated < 0.2 * full  # and evaluated little beyond it
    # The same answers as with nothing warm.
    assert answer == cold(first)
    started = time.monotonic()
    assert reply == cold(second)
    cold_s = time.monotonic() - started
    assert warm_s < cold_s


async def test_a_kept_prompt_survives_a_full_batch_of_background_work(model):
    """While the player types, the town's work fills the batch; the slot kept for the
    conversation stays free (pinned), so the next line still finds it warm."""
    first = [PREAMBLE, {"role": "user", "content": "Alex says: \"Hello!\""}]
    model.engine.forget()

    async def scenario(scheduler):
        answer = "".join([p async for p in scheduler.stream(
            LLMRequest(messages=first, max_tokens=8, temperature=0.0), Priority.PLAYER, "chat", keep_prompt=True)])
        kept = scheduler.stats["chat"].prompt_tokens
        await asyncio.gather(*(scheduler.complete(greedy(topic, max_tokens=12), Priority.PLANNING, "plan")
                               for topic in TOPICS))
        second = first + [{"role": "assistant", "content": answer}, {"role": "user", "content": "Alex says: \"Bye!\""}]
        "".join([p async for p in scheduler.stream(
            LLMRequest(messages=second, max_tokens=8, temperature=0.0), Priority.PLAYER, "chat", keep_prompt=True)])
        return kept, scheduler.stats["chat"].reused_tokens

    kept, reused = await with_scheduler(model, scenario)
    assert reused > 0.8 * kept


async def test_preparing_a_prompt_ahead_makes_its_request_start_sooner(model):
    messages = [PREAMBLE, {"role": "user", "content": "Alex says: \"Good morning!\""}]
    request = LLMRequest(messages=messages, max_tokens=1, temperature=0.0)

    async def first_token(scheduler, prepare: bool) -> tuple[float, str]:
        model.engine.forget()
        if prepare:
            await scheduler.prepare(LLMRequest(messages=messages[:1]), Priority.CONVERSATION, "prepare")
        started = time.monotonic()
        text = "".join([p async for p in scheduler.stream(request, Priority.PLAYER, "chat")])
        return time.monotonic() - started, text

    cold_s, cold_text = await with_scheduler(model, lambda s: first_token(s, False))
    warm_s, warm_text = await with_scheduler(model, lambda s: first_token(s, True))
    assert warm_text == cold_text
    assert warm_s < cold_s / 2, (warm_s, cold_s)


async def test_streaming_yields_pieces_in_order_and_honours_stop_strings(model):
    request = greedy("a lighthouse", max_tokens=24)
    whole = "".join(model.stream(request))
    stop = whole.split()[3]  # a word from the middle of the answer

    async def streamed(scheduler):
        pieces = [p async for p in scheduler.stream(request, Priority.PLAYER, "player")]
        stopped = await scheduler.complete(greedy("a lighthouse", max_tokens=24, stop=[stop]), Priority.PLAYER, "x")
        return pieces, stopped.text

    pieces, stopped = await with_scheduler(model, streamed)
    assert len(pieces) > 5 and "".join(pieces) == whole
    assert stopped == whole[: whole.index(stop)]


async def test_usage_is_shared_out_among_batched_requests(model):
    requests = [greedy(topic, max_tokens=12) for topic in TOPICS[:8]]

    async def batched(scheduler):
        started = time.monotonic()
        await asyncio.gather(*(scheduler.complete(r, Priority.REFLECTION, f"p{i % 2}") for i, r in enumerate(requests)))
        return scheduler.stats, time.monotonic() - started

    stats, wall = await with_scheduler(model, batched)
    assert stats["p0"].calls == stats["p1"].calls == 4
    assert stats["p0"].prompt_tokens == sum(model.count_prompt_tokens(r) for r in requests[0::2])
    assert 0 < stats["p0"].completion_tokens <= 4 * 12
    model_seconds = stats["p0"].model_seconds + stats["p1"].model_seconds
    assert 0 < model_seconds <= wall  # each step's time is split, not counted once per request


async def test_a_listener_that_leaves_frees_its_slot(model):
    async def leave_early(scheduler):
        async for _ in scheduler.stream(greedy("a river", max_tokens=64), Priority.PLANNING, "plan"):
            break
        await asyncio.sleep(0.3)
        return await scheduler.complete(greedy("a hill", max_tokens=4), Priority.PLANNING, "plan")

    answer = await with_scheduler(model, leave_early, max_batch=1)
    assert answer.text
    assert not model.engine.active


async def test_the_players_scoring_takes_the_scoring_context_from_paused_background_scoring(model):
    """Background scoring pauses for the player; when the player waits for scoring of its
    own (answering a question from what the agent knows), that takes the scoring context
    at once and the paused work starts over after it, with the same scores."""
    long = LLMRequest(messages=[{"role": "user", "content": "Is this about the sea? " + " ".join(TOPICS * 20)}])
    unhurried = model.score_options(long, ["Yes", "No"])
    short = LLMRequest(messages=[{"role": "user", "content": "Name a colour."}])

    async def body(scheduler):
        background = asyncio.create_task(
            scheduler.score_options(long, ["Yes", "No"], Priority.IMPORTANCE, "importance"))
        await asyncio.sleep(0.01)
        player = await asyncio.wait_for(
            scheduler.score_options(short, ["Red."], Priority.PLAYER, "player_chat"), 30)
        return player, await asyncio.wait_for(background, 60)

    player, background = await with_scheduler(model, body)
    # The same scores as alone, to rounding: a prompt's prefix already in the scoring
    # context is reused, and its keys and values round by the batch they were evaluated
    # in, so a score depends a little on what the context held before ("Red." read
    # -7.110 after the long prompt, -7.021 after the short one). A wrong context or a
    # lost pause is off by nats.
    assert player == pytest.approx(model.score_options(short, ["Red."]), abs=0.15)
    assert background == pytest.approx(unhurried, abs=0.15)
