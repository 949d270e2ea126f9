"""Grounded names (agent_server/llm/grounding.py): in mid-sentence a capitalised word, and
anywhere a number, only if the prompt holds it; and an answer that stops where the model
meant to make one up says none of its unfinished sentence.

The rule's tests use a vocabulary of a few pieces, as a tokenizer splits words; the
engine's and the dialogue's use the real default model and the scripted one."""

from __future__ import annotations

import dataclasses
import re

import grpc
import numpy as np
import pytest

from agent_server.answering import NOT_KNOWING
from agent_server.llm.grounding import whole_sentences
from agent_server.llm.base import LLMRequest
from agent_server.llm.batching import drive
from agent_server.llm.grounding import Grounding, Vocabulary, known_words
from agent_server.llm.llama_cpp import LlamaCppModel
from simulacra.v1 import service_pb2, service_pb2_grpc

PIECES = [" Max", " Ma", "x", " Lin", " L", "in", "nie", " Lily", " is", " my", " dog", ".", " The", "The",
          " 4", "4", "5", "45", " 12", ":", "30", " pm", " I", " Dr", ". He", " Monday", "'s", " called", " M"]


def grounding(*texts: str) -> Grounding:
    return Grounding(Vocabulary(PIECES), known_words(texts))


def allowed(g: Grounding, text: str) -> set[str]:
    return {PIECES[t] for t in np.flatnonzero(~g.banned(text))}


def test_known_words_are_a_prompts_capitalised_words_and_numbers():
    known = known_words(["I'm Mei Lin, 45, of the Lin Family House.", "It is 12:30 pm on Monday."])
    assert {"Mei", "Lin", "Family", "House", "45", "12", "30", "I", "Monday"} <= known
    assert "Max" not in known and "pm" not in known


def test_in_mid_sentence_a_name_must_be_one_the_prompt_holds():
    g = grounding("I live with Mei Lin.")
    after = allowed(g, "I live with")
    assert " Lin" in after and " L" in after  # a known name, or the start of one
    assert " Max" not in after and " Lily" not in after  # (" Ma" may begin "May")
    assert " dog" in after and " my" in after  # words in lower case are free


def test_a_sentence_begins_with_any_capital_but_a_number_is_always_checked():
    g = grounding("I live with Mei Lin.")
    assert {" Max", " The", " Lily"} <= allowed(g, "Hello.")
    assert "The" in allowed(g, "")
    assert " 4" not in allowed(g, "Hello.") and "45" not in allowed(g, "")
    assert ". He" in allowed(g, "I see")  # a piece that ends the sentence begins the next


def test_a_name_under_way_goes_on_only_towards_a_known_name_and_ends_only_when_whole():
    g = grounding("I live with Mei Lin.")
    under_way = allowed(g, "I live with L")
    assert "in" in under_way and "nie" not in under_way  # towards "Lin", not "Lnie"
    assert "." not in under_way and " is" not in under_way  # "L" is no name yet
    whole = allowed(g, "I live with Lin")
    assert "." in whole and " is" in whole and "nie" not in whole


def test_numbers_only_from_the_prompt_whole_or_on_their_way():
    g = grounding("I'm 45. The party is at 12:30 pm.")
    assert {"4", "45"} <= allowed(g, "I'm ")
    assert "5" not in allowed(g, "I'm ")
    assert "5" in allowed(g, "I'm 4")  # towards 45
    assert "4" not in allowed(g, "I'm 4") and " is" not in allowed(g, "I'm 4")
    assert {":", " pm"} <= allowed(g, "At 12")


def test_titles_days_and_i_are_known_and_a_title_does_not_end_a_sentence():
    g = grounding("Nothing here.")
    assert {" I", " Monday", " Dr"} <= allowed(g, "See you")
    assert " Max" not in allowed(g, "I saw Dr.")  # "Dr." is no sentence's end
    assert "'s" in allowed(g, "I saw Dr")
    assert whole_sentences("The doctor is Dr.") == "" and whole_sentences("I saw Dr. Lin. And") == "I saw Dr. Lin."


# ---- the real default model -------------------------------------------------------------

PERSON = ("You are Tom Moreno, 52, who runs the Harvey Oak Supply Store in Smallville with his wife Jane "
          "Moreno. Answer in one or two sentences, as Tom.")
NEVER_TOLD = ["What's the name of your brother?", "Which football team won the cup last year?",
              "What's the name of the doctor in town?", "How much does a hammer cost?"]


def _inventions(answer: str, prompt: str) -> list[str]:
    """Capitalised words in mid-sentence, and numbers, of `answer` that `prompt` lacks."""
    known = known_words([prompt])
    found = re.findall(r"\d+", answer)
    for sentence in re.split(r"(?<=[.!?])\s+", answer):
        found += re.findall(r"(?<=[\s,;(])([A-Z][a-z]+)", sentence)
    return [w for w in found if w not in known]


@pytest.fixture(scope="module")
def real_model(real_model_path):
    model = LlamaCppModel(real_model_path, n_ctx=1024, parallel=1)
    yield model
    model.close()


@pytest.mark.model
def test_grounded_answers_of_the_real_model_name_nothing_they_were_not_given(real_model):
    """Without grounding the 135M model names people and figures it was never told; with
    it, no answer does, and some stop where the model meant to make one up."""
    made_up, stopped = 0, 0
    for question in NEVER_TOLD:
        request = LLMRequest(messages=[{"role": "system", "content": PERSON}, {"role": "user", "content": question}],
                             max_tokens=48, temperature=0.7)
        for seed in range(3):
            real_model.reseed(seed)
            free = real_model.complete(request).text
            made_up += bool(_inventions(free, PERSON + question))
            real_model.reseed(seed)
            sequence = real_model.sequence(dataclasses.replace(request, grounded=True))
            text = "".join(drive(real_model.engine, sequence))
            assert not _inventions(text, PERSON + question), text
            stopped += sequence.ungrounded
    assert made_up >= 3  # the model does make things up: the test could fail
    assert stopped >= 1


# ---- the dialogue ---------------------------------------------------------------------------

async def test_an_answer_stopped_before_a_whole_sentence_is_asked_again_then_not_known(scripted_server,
                                                                                       scripted_model):
    """No word of an unfinished sentence is shown; the line is asked again, and two such
    answers end in the agent not knowing."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        scripted_model.enqueue("My cat's name is", "Her name")
        seen = len(scripted_model.history)
        chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(
            agent_id="isabella", text="What's your cat's name?", player_name="Sam"))]
    assert "cat" not in "".join(c.text for c in chunks).lower()
    assert chunks[-1].full_text == NOT_KNOWING
    asked = [r for r in scripted_model.history[seen:] if r.grounded]
    assert len(asked) == 2
    assert scripted_server.society.player_conversations[("isabella", "Sam")].lines[-1][2] == NOT_KNOWING
    assert scripted_server.society.dialogue.unsaid == 2


async def test_an_answer_meant_to_be_made_up_then_breaking_character_ends_in_not_knowing(scripted_server,
                                                                                          scripted_model):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        scripted_model.enqueue("My cat's name is", "I am an AI language model.")
        chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(
            agent_id="isabella", text="What's your cat's name?", player_name="Sam"))]
    assert chunks[-1].full_text == NOT_KNOWING


async def test_the_whole_sentences_before_a_stop_stand(scripted_server, scripted_model):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        scripted_model.enqueue("I have a brother. His name is")
        chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(
            agent_id="isabella", text="Any family?", player_name="Sam"))]
    assert "".join(c.text for c in chunks[:-1]) == "I have a brother."
    assert chunks[-1].full_text == "I have a brother."


def test_a_line_stopped_before_its_opening_quote_says_nothing():
    """A conversation line whose generation stopped inside the speaker's forced label
    (grounding stopped it before a word was said) is an empty line, not an error."""
    from agent_server.prompts.converse import parse_utterance
    assert parse_utterance("Walter Smith:", "Walter Smith") == ""
    assert parse_utterance('Walter Smith: "', "Walter Smith") == ""
    assert parse_utterance('Walter Smith: "Good morning. I was', "Walter Smith") == "Good morning."
    assert parse_utterance('Walter Smith: "Good morning."', "Walter Smith") == "Good morning."
    # A line the model closed where it does not end a sentence: cut at its bound, its
    # whole sentences, or its words but the last (which may be cut); stopped on a comma
    # where a quotation was to follow, nothing.
    from agent_server.prompts.converse import UTTERANCE_CHARS
    long = "I have been at the market all morning and the stalls were full of apples and pears " * 3
    cut = long[:UTTERANCE_CHARS - 7] + " tomorr"  # at the bound, mid-word
    assert parse_utterance(f'Walter Smith: "Fine day. {cut}"', "Walter Smith") == "Fine day."
    said = parse_utterance(f'Walter Smith: "{cut}"', "Walter Smith")
    assert said.endswith(".") and not said.endswith("tomorr.") and said.startswith("I have been at the market")
    assert parse_utterance('Walter Smith: "Nora Moore told me,"', "Walter Smith") == ""
    assert parse_utterance('Walter Smith: "Hi Nora"', "Walter Smith") == "Hi Nora."
    # Stage directions and asides in brackets are not said.
    assert parse_utterance('Walter Smith: "Hey, Nora! (to Nora) Good to see you. (smiles)"', "Walter Smith") == \
        "Hey, Nora! Good to see you."
    assert parse_utterance('Walter Smith: "Good to see you. (waves to', "Walter Smith") == "Good to see you."
    with pytest.raises(ValueError):
        parse_utterance('Nora Moore: "Hello."', "Walter Smith")
