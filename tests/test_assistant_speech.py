"""An assistant's sentence told from a person's (assistant_speech.py): the committed
model, trained on its labels, on sentences it never saw; and what dialogue does with
one (a scripted model where the wording is not the point; the real embedder and the
committed classifier throughout)."""

from __future__ import annotations

import json

import grpc
import numpy as np
import pytest

from agent_server import assistant_speech
from agent_server.answering import own_statements
from agent_server.assistant_speech import AssistantSpeech, SpeechModel
from agent_server.identity import Identity
from agent_server.scenario import Scenario
from agent_server.settings import PROJECT_ROOT
from simulacra.v1 import service_pb2, service_pb2_grpc

# Sentences the default model wrote as agents' answers to ordinary player lines ("Can I
# come to your party?", "What should I bring?", "Hello! What's good here?"), none of
# them in the labels.
UNSEEN_ASSISTANT = (
    "I'm sorry for the misunderstanding, but as a dedicated team of developers and programmers we are not able to "
    "provide access to your personal accounts.",
    "However, you can reach me through the website, which is here's how it works...",
    "I'm sorry for your loss, but as a support system I don't have the ability to provide that.",
    "However, I can still assist you in other ways such as answering questions and providing additional information "
    "related to your assistance request or plans.",
    "You're referring to a new product or service available in this realm of the internet.",
)
# What people say, in the same answers and elsewhere.
UNSEEN_PERSON = (
    "I wake up at six and open the store at half past seven.", "Goodbye, Robin! Take care.",
    "Nice weather today, I'm glad you're having a nice day.", "I love my job.", "Take care.",
    "My favourite pastry is chocolate cake.", "I couldn't say, I'm afraid.", "What?",
    "Sam and I have known each other for years and argue about how the town is run.",
    "I'm quite fond of my own pastry, I just love making croissants.", "Can I get you a coffee while you wait?",
    "The party starts at five, and you're welcome to bring a friend.", "Watch your step, the floor is wet.",
)

# What people of trades near an assistant's would say of themselves, in no scenario.
UNSEEN_PERSONAS = (
    "I'm Nadia Petrova, 38, meticulous, patient and warm.", "As for work, I'm a software developer at a small studio.",
    "I answer calls at the town's help desk and sort out people's problems with their bills.",
    "I'm a librarian, and I help people find the books they need.", "I write a column for the town paper every week.",
    "I teach maths at the primary school and tutor students in the evenings.",
    "I fix computers and phones in my little shop on Main Street.",
    "I work nights at the call centre helping customers with their accounts.",
    "I'm writing a novel about my grandmother's village.", "I translate documents for the town hall.",
    "As for work, I'm a data analyst for the logistics company.", "I design websites for the shops in town.",
    "I run the front desk at the hotel and I'm happy to help guests with anything.",
)


@pytest.fixture(scope="module")
def speech(embedder) -> AssistantSpeech:
    return AssistantSpeech(embedder)


def test_the_committed_model_is_the_embedders_and_rarely_false(speech):
    data = json.loads(assistant_speech.MODEL_PATH.read_text())
    assert speech.applies and data["embedder"] == "all-MiniLM-L6-v2-onnx-int8" and len(data["weights"]) == 384
    # Chosen for few false alarms: cross-validated precision at the threshold.
    assert data["cross_validated"]["precision"] >= 0.99 and data["cross_validated"]["recall"] >= 0.6
    labels = json.loads(assistant_speech.LABELS_PATH.read_text())["sentences"]
    texts = {item["text"] for item in labels}
    assert not texts & set(UNSEEN_ASSISTANT + UNSEEN_PERSON)


def test_sentences_it_never_saw_are_told_apart(speech):
    assert all(speech.says(s) for s in UNSEEN_ASSISTANT), [s for s in UNSEEN_ASSISTANT if not speech.says(s)]
    person = UNSEEN_PERSON + UNSEEN_PERSONAS
    assert not any(speech.says(s) for s in person), [s for s in person if speech.says(s)]


def test_what_is_close_to_the_speakers_own_identity_is_its_own_voice(speech):
    """An editor may speak of helping writers with their stories: an assistant's words,
    and its own."""
    said = "I help writers shape their stories and characters."
    assert speech.says(said)
    assert not speech.says(said, ("As for work, I'm an editor who helps writers shape their novels.",))
    assert speech.says(said, ("I run the bakery on the square.",))


def test_no_persona_speaks_as_an_assistant_of_itself(speech):
    """What each persona says of itself (its identity in its own words), the scenarios'
    (in the labels) and the tests' (not), reads as a person's: by the classifier alone
    all but a writer's "writing my senior thesis on Shakespeare's comedies" (a story's
    writing is an assistant's work), and every sentence in the persona's own voice."""
    personas = [own_statements_of(agent) for folder in (PROJECT_ROOT / "scenarios", PROJECT_ROOT / "tests" / "data")
                for path in sorted(folder.glob("*.toml")) for agent in Scenario.load(path).agents]
    said = [s for own in personas for s in own]
    assert len(said) > 350
    flagged = [s for s in said if speech.says(s)]
    assert len(flagged) <= 0.005 * len(said), flagged
    assert not [s for own in personas for s in own if speech.says(s, own)]


def own_statements_of(agent) -> tuple[str, ...]:
    class _Mind:  # own_statements reads only the identity: persona, occupation, habits
        identity = Identity.of_agent(agent)
    return own_statements(_Mind())


def test_sentences_read_on_many_threads_at_once_keep_the_cache_whole(embedder):
    """Agents' lines are read on worker threads, several at a time (says_async)."""
    from concurrent.futures import ThreadPoolExecutor

    speech = AssistantSpeech(embedder, cache=4)
    said = list(UNSEEN_ASSISTANT + UNSEEN_PERSON) * 4
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(speech.says, said))
    assert found == [s in UNSEEN_ASSISTANT for s in said]
    assert speech.read == len(said) and speech.found == 4 * len(UNSEEN_ASSISTANT) and len(speech._seen) <= 4


def test_another_embedder_reads_nothing(embedder):
    model = SpeechModel.load()
    other = SpeechModel(embedder="another-embedder", weights=model.weights, bias=model.bias, threshold=model.threshold)
    speech = AssistantSpeech(embedder, other)
    assert not speech.applies and not speech.says(UNSEEN_ASSISTANT[0]) and speech.probability("Hi") == 0.0


@pytest.mark.slow
def test_training_again_from_the_labels_gives_the_committed_model(embedder):
    labels = json.loads(assistant_speech.LABELS_PATH.read_text())["sentences"]
    committed = json.loads(assistant_speech.MODEL_PATH.read_text())
    trained = assistant_speech.train(embedder, labels)
    assert trained["threshold"] == committed["threshold"]
    assert trained["cross_validated"] == committed["cross_validated"]
    assert np.allclose(trained["weights"], committed["weights"], atol=1e-3)


async def test_an_answer_opening_as_an_assistant_is_asked_again_and_one_turning_to_it_is_cut(scripted_server,
                                                                                              scripted_model):
    society = scripted_server.society
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)

        async def say(text: str) -> tuple[str, str]:
            chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text=text,
                                                                         player_name="Sam"))]
            return "".join(c.text for c in chunks[:-1]), chunks[-1].full_text

        # The first sentence an assistant's: nothing of it shown, the line asked again.
        # (Not [2], whose condolences for a loss never spoken of the guard stops first.)
        scripted_model.enqueue(UNSEEN_ASSISTANT[0] + " Ask me anything.", "Bring a friend, we'll have cake.")
        assert await say("Anything I should bring along?") == ("Bring a friend, we'll have cake.",) * 2
        assert society.dialogue.breaks == {"player_chat": 1}
        await society.settle()  # the exchange remembered before the next line is scripted
        # A person's sentence, then an assistant's: the first stands, the rest is not said.
        scripted_model.enqueue("Come by at five. " + UNSEEN_ASSISTANT[1] + " See you there.")
        assert await say("When should I come round?") == ("Come by at five.",) * 2
        assert society.dialogue.breaks == {"player_chat": 2} and society.dialogue.fallbacks == 0
    assert society.dialogue.speech.found == 2
    conversation = society.player_conversations[("isabella", "Sam")]
    assert [line for _, _, line in conversation.lines[1::2]] == ["Bring a friend, we'll have cake.", "Come by at five."]


async def test_an_interview_answer_keeps_its_sentences_before_an_assistants(scripted_server, scripted_model):
    society = scripted_server.society
    scripted_model.enqueue("I bake every morning before dawn. " + UNSEEN_ASSISTANT[3])
    answer, _ = await society.dialogue.interview(society.minds["isabella"], "Tell me about your mornings, honestly.",
                                                 society.world.game_time)
    assert answer == "I bake every morning before dawn."
