"""Reading the model's probabilities over a fixed set of answers."""

import math

import pytest

from agent_server.llm.base import LLMRequest
from agent_server.llm.llama_cpp import LlamaCppModel
from agent_server.scheduler import LLMScheduler, Priority
from tests.scripted_model import ScriptedModel


@pytest.fixture(scope="module")
def model(real_model_path):
    return LlamaCppModel(real_model_path, n_ctx=1024)


@pytest.mark.model
def test_options_get_log_probabilities_that_follow_the_prompt(model):
    yes = LLMRequest(messages=[{"role": "user", "content": "Reply with exactly this word: Yes"}])
    scores = model.score_options(yes, ["Yes", "No", "Yes, it is"])
    assert all(s < 0 for s in scores)
    assert scores[0] > scores[1]
    assert scores[2] < scores[0]  # a longer continuation can only be less likely than its first token


@pytest.mark.model
def test_scoring_is_the_same_with_a_warm_or_cold_cache(model):
    request = LLMRequest(messages=[{"role": "user", "content": "Name a fruit."}])
    options = ["An apple.", "A banana.", "A car."]
    cold = model.score_options(request, options)
    model.score_options(LLMRequest(messages=[{"role": "user", "content": "Name a colour."}]), ["Red."])
    warm = model.score_options(request, options)
    assert warm == pytest.approx(cold, abs=1e-3)


async def test_backends_without_probabilities_fall_back_to_a_constrained_choice():
    model = ScriptedModel()
    model.enqueue("No")
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        scores = await scheduler.score_options(
            LLMRequest(messages=[{"role": "user", "content": "?"}]), ["Yes", "No"], Priority.IMPORTANCE, "test"
        )
    finally:
        await scheduler.close()
    assert scores == [-math.inf, 0.0]
    assert model.history[0].grammar == 'root ::= "Yes" | "No"'


@pytest.mark.model
async def test_several_requests_scored_as_one_piece_of_work_read_as_each_alone(model):
    questions = [LLMRequest(messages=[{"role": "user", "content": q}])
                 for q in ("What do you do for work?", "Who do you live with?")]
    requests = [(questions[0], ["I bake bread.", "I live with my sister."]), (questions[1], ["My sister Ana."]),
                (questions[0], [])]
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        alone = [await scheduler.score_options(r, o, Priority.PLAYER, "player_chat") for r, o in requests]
        calls = scheduler.stats["player_chat"].calls
        together = await scheduler.score_many(requests, Priority.PLAYER, "player_chat")
        assert scheduler.stats["player_chat"].calls == calls + 1  # one request to the model
    finally:
        await scheduler.close()
    assert together == alone and together[2] == []


@pytest.mark.model
def test_a_kept_prompt_is_restored_and_reads_as_when_it_was_evaluated(real_model_path):
    model = LlamaCppModel(real_model_path, n_ctx=1024, parallel=1)
    system = {"role": "system", "content": "Someone says something, and someone asks about it."}

    def said(text: str, reread: bool = True) -> LLMRequest:
        return LLMRequest(messages=[system, {"role": "user", "content": text}], max_tokens=0, reread=reread)

    options = ["Question: What do you do for a living?", "Question: Where do you live?"]
    first = model.score_options(said("I mend nets for the fishing boats in the harbour."), options)
    other = model.score_options(said("Tell me something."), options)
    assert model.restored == {"whole": 0, "beginning": 0}
    # Read again after another prompt, the first is restored whole: the same numbers.
    again = model.score_options(said("I mend nets for the fishing boats in the harbour."), options)
    assert again == first and model.restored["whole"] == 1
    # A prompt beginning as a kept one (the system turn) evaluates only what follows it,
    # and reads as evaluated whole, to rounding.
    model.score_options(LLMRequest(messages=[{"role": "user", "content": "Name a colour."}], max_tokens=0), ["Red."])
    started = model.score_options(said("My brother Olle lives above the chandlery.", reread=False), options)
    assert model.restored["beginning"] == 1
    cold = LlamaCppModel(real_model_path, n_ctx=1024, parallel=1, kept_prompts_mb=0)
    assert cold.score_options(said("My brother Olle lives above the chandlery."), options) == \
        pytest.approx(started, abs=0.15)
    assert cold.score_options(said("Tell me something."), options) == pytest.approx(other, abs=0.15)
    assert cold.restored == {"whole": 0, "beginning": 0}
    # Past its memory, the least recently used prompt is dropped.
    model._kept_limit = max(k.nbytes for k in model._kept.values()) + 1
    model.score_options(said("The ferry leaves at six."), options)
    assert len(model._kept) == 1
