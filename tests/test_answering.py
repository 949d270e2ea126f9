"""Answering from what one knows (agent_server/answering.py): a question the agent knows the
answer to, by the model's probabilities, is answered with what it knows; otherwise the
model writes the answer.

The mechanism's tests use a scripted model that reads probabilities (a statement holding
a chosen phrase makes the question likely); the real default model is tested on which
statements it finds answer which questions."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import grpc
import pytest

from agent_server.answering import (AGAIN_NATS, ANSWERS_NATS, KNOWS_NOTHING, NOT_HEARD, NOT_KNOWING, Answering,
                                    answered_before, as_said, asks_about_world, asks_to_be_told, asks_if_going,
                                    asks_if_known, going_to,
                                    asks_who, clauses, named, names_someone, naming, of_asker, own_statements,
                                    no_such_kin, points_back, said_again, statements, told_back,
                                    unaddressed, unanswered)
from agent_server.identity import Identity
from agent_server.mind import HeardEvent
from agent_server.invitations import asks_to_come
from agent_server.llm.base import LLMRequest
from agent_server.llm.llama_cpp import LlamaCppModel
from agent_server.prompts import evidence
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.settings import PROJECT_ROOT
from simulacra.v1 import service_pb2, service_pb2_grpc
from tests.conftest import start_scripted
from tests.scripted_model import ScriptedModel

TEA_PARTY = PROJECT_ROOT / "tests" / "data" / "tea_party.toml"


class ReadingModel(ScriptedModel):
    """A scripted model whose scores are probabilities: the question is `likely` nats
    likelier after a statement holding one of `answers` than after any other, and such
    a statement as likelier as its answer than as the answer to nothing asked. Its
    answers to the player are `says` (other requests go to the town's script)."""

    reads_probabilities = True

    def __init__(self, respond) -> None:
        super().__init__(respond)
        self.answers: list[str] = []
        self.likely = ANSWERS_NATS + 3
        self.scored: list[str] = []
        # The questions read (statements weighed as their answers).
        self.questions: list[str] = []
        self.says = "I am fine, thank you."

    def _holds_answer(self, statement: str) -> bool:
        return statement != evidence.NOTHING and any(a in statement for a in self.answers)

    def score_options(self, request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        if request.messages[0]["content"] == evidence.ANSWER_SYSTEM:  # statements as the answer
            asked = request.messages[-1]["content"] != evidence.NOTHING
            if asked:
                self.questions.append(request.messages[-1]["content"])
            return [-30.0 + (self.likely if asked and self._holds_answer(o) else 0.0) for o in options]
        if request.messages[0]["content"] != evidence.SYSTEM:
            return super().score_options(request, options, per_token=per_token)
        statement = request.messages[-1]["content"]
        self.scored.append(statement)
        return [-30.0 + (self.likely if self._holds_answer(statement) else 0.0) for _ in options]

    def stream(self, request: LLMRequest):
        if not request.grounded:
            yield from super().stream(request)
            return
        self.history.append(request)
        yield self.says


@pytest.fixture
def scripted_model(town_script) -> ReadingModel:
    return ReadingModel(town_script)


async def _chat(server, text: str, player: str = "Sam") -> str:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text=text,
                                                                     player_name=player))]
    return chunks[-1].full_text


def test_what_an_agent_knows_is_said_in_its_own_words(scripted_server):
    mind = scripted_server.society.minds["isabella"]
    known = statements(mind, [
        'Sam said to Isabella Rodriguez: "Hi. I lost my dog near the park. Have you seen him?"',
        'Isabella Rodriguez said to Sam: "I have not seen any dog."',
        "Isabella Rodriguez is baking bread for the party",
        "My plan for day 1: 08:00 open the cafe; 09:00 bake",
        'John Lin said to Isabella Rodriguez: "The pharmacy closes early today."',
        "Tom Moreno is carrying a ladder and a can of blue paint",
        "Conversation with Tom Moreno: they talked about the paint",
        "The landlord told Isabella Rodriguez that the rent is going up this year: by a tenth, from March",
        "At 07:00 Isabella Rodriguez will open the cafe; then bake pastries; then serve coffee",
        "The library opens at nine on weekdays",
    ], "Sam", told=["My name is Sam and I just moved here.", "I'm a carpenter, and I've got two boys at school."])
    assert "I saw Tom Moreno carrying a ladder and a can of blue paint." in known  # what it saw
    assert "You told me you lost your dog near the park." in known  # told back to the teller
    assert "You told me your name is Sam and you just moved here." in known
    assert 'John Lin told me, "The pharmacy closes early today."' in known
    assert "I am baking bread for the party." in known
    assert any("Hobbs Cafe" in k for k in known)  # the identity's sentences
    assert not any("?" in k or "Hi." in k for k in known)  # no questions, nothing too short
    assert not any("not seen any dog" in k for k in known)  # its own lines are no evidence
    assert not any("My plan" in k or "Conversation with" in k for k in known)  # nor labels and plan lists
    assert not any("then bake" in k for k in known)  # nor a plan's steps as memory keeps them
    # Said to the asker, a statement speaks as the agent or to them: a narrator's is not said.
    assert not any("library opens" in k for k in known)
    # A second clause of the speaker's own is a statement of its own, for a question of its own.
    assert {"You told me you're a carpenter.", "You told me you've got two boys at school."} <= set(known)
    # A colon later in a sentence is no label: the sentence is said.
    assert "The landlord told me that the rent is going up this year: by a tenth, from March." in known


def test_a_memory_the_identity_says_in_a_frame_is_one_statement():
    ann = Identity(name="Ann Lee", occupation="the owner of Elm Bakery",
                   intentions=("Ann Lee heard the mill is closing.", "Ann Lee has decided to buy the mill."))
    mind = SimpleNamespace(identity=ann, name=ann.name, first_name="Ann")
    known = statements(mind, ["Ann Lee is the owner of Elm Bakery", "Ann Lee has decided to buy the mill",
                              "Ann Lee heard the mill is closing"], "Sam")
    # Said once, in the frame that makes it an answer ("As for work, ..."), not again
    # as the memory it was seeded as, which would take a place among the candidates.
    assert "As for work, I'm the owner of Elm Bakery." in known
    assert "As for my plans, I have decided to buy the mill." in known
    assert "I am the owner of Elm Bakery." not in known and "I have decided to buy the mill." not in known
    assert known.count("I heard the mill is closing.") == 1


def test_what_the_asker_said_of_themselves_is_told_back_to_them():
    assert told_back("I'm a carpenter, and I've just moved here with my two boys.") == \
        "You told me you're a carpenter, and you've just moved here with your two boys."
    assert told_back("I was born in Ohio and my brother was too") == \
        "You told me you were born in Ohio and your brother was too."
    # Not of themselves alone, or not opening on themselves: quoted as said.
    assert told_back("We moved here last year.") == 'You told me, "We moved here last year."'
    assert told_back("Lily has a cough.") == 'You told me, "Lily has a cough."'



def test_a_sentence_is_split_where_its_speaker_begins_a_clause_that_stands_alone():
    assert clauses("I'm a carpenter, and I've just moved here with my two boys.") == \
        ["I'm a carpenter.", "I've just moved here with my two boys."]
    assert clauses("I am blunt but fair, and my neighbours come to me when something needs fixing.") == \
        ["I am blunt but fair.", "My neighbours come to me when something needs fixing."]
    # A clause pointing back to someone named before it, one too short, or one after
    # words that do not speak as the speaker, stays joined.
    for sentence in ("Adam Smith has breakfast here most days, and I know his order by heart.",
                     "I lost my grey cat this morning; she has a red collar.", "I'm tired, and I'm off.",
                     "As for work, I'm the owner of Hobbs Cafe.", "Every morning at six, I bake the bread.",
                     "As for my plans, I'm holding a party on Friday."):
        assert clauses(sentence) == [sentence]


def test_a_question_naming_what_the_agent_knows_nothing_of_is_not_answered_by_a_statement():
    assert named("Did you approve Priya's transfer to the Berlin office? Is it 6?") == {"Priya", "Berlin", "6"}
    assert named("Hi, I'm Robin. How are you on Monday?") == {"Robin"}


async def test_a_statement_answers_only_if_it_holds_the_questions_names(scripted_server, scripted_model):
    scripted_model.answers = [""]  # any statement would answer, by the model's probabilities
    mind = scripted_server.society.minds["isabella"]
    answering = scripted_server.society.dialogue.answering
    known = ["I run Hobbs Cafe with my friend Priya.", "I love Oak Park."]
    found = await answering.find(mind, "Did you approve Priya's transfer to the Berlin office?", known,
                                 priority=Priority.PLAYER, purpose="player_chat", asker="Sam")
    assert found is None
    found = await answering.find(mind, "Sam here. Do you work with Priya?", known, priority=Priority.PLAYER,
                                 purpose="player_chat", asker="Sam")
    assert found is not None and found.text == known[0]


async def test_a_question_about_the_asker_is_answered_by_what_they_told_and_no_other_by_it(scripted_server,
                                                                                           scripted_model):
    scripted_model.answers = [""]  # any statement would answer, by the model's probabilities
    mind = scripted_server.society.minds["isabella"]
    answering = scripted_server.society.dialogue.answering
    known = ["I'm the owner of Hobbs Cafe.", "You told me you're a carpenter.", 'You told me, "Lily has a cough."']

    async def find(question: str) -> str | None:
        found = await answering.find(mind, question, known, priority=Priority.PLAYER, purpose="player_chat",
                                     asker="Sam")
        return found and found.text

    assert of_asker("Do you remember what I do for a living?") and not of_asker("Can I ask where you work?")
    # What the asker heard or believes of the one asked asks of them.
    for question in ("I heard you're throwing a party, is that true?", "I hear you might run for mayor?",
                     "Tom told me you fix bikes, is that right?", "I was told your shop is closing?",
                     "I think you sell paint?"):
        assert not of_asker(question), question
    for question in ("I heard a noise last night, did you?", "I think you told me my cat is grey?",
                     "Did I tell you what I heard?"):
        assert of_asker(question), question
    # What the asker says of themselves before asking is no part of what they ask.
    assert not of_asker("My fence is falling apart. Do you sell anything that could help?")
    assert of_asker("I'm a carpenter. Do you remember what I do?")
    # What the one asked can do for the asker asks of the one asked.
    for question in ("Is there anything you could do for me about a raise?", "Could you sell me some rope?",
                     "Can you help me?", "Do you have anything for me?", "What would you recommend to me?"):
        assert not of_asker(question), question
    for question in ("Could you remind me what I do?", "Can you tell me my name?", "Do you remember me?"):
        assert of_asker(question), question
    assert asks_if_known("I lost my dog. Did you hear anything about it?")
    assert await find("My roof leaks. What do you do for a living?") in (known[0], known[2])
    assert await find("Do you remember what I do for a living?") in known[1:]
    assert await find("What do you do for a living?") in (known[0], known[2])
    assert await find("Can I ask what you do for a living?") in (known[0], known[2])
    scripted_model.answers = ["carpenter"]  # only what they told of themselves would answer
    assert await find("What do you do for a living?") is None


async def test_a_question_the_agent_knows_is_answered_with_what_it_knows(scripted_server, scripted_model):
    scripted_model.answers = [""]  # whatever the agent knows answers it
    asked = len(scripted_model.history)
    answer = await _chat(scripted_server, "What do you do for a living?")
    assert answer != scripted_model.says
    mind = scripted_server.society.minds["isabella"]
    assert answer in statements(mind, [m.description for m in mind.f.memory.all("isabella")], "Sam")
    assert not [r for r in scripted_model.history[asked:] if r.grounded]  # the model wrote nothing
    conversation = scripted_server.society.player_conversations[("isabella", "Sam")]
    assert conversation.lines[-1][2] == answer
    assert scripted_server.society.dialogue.answering.answered == 1


async def test_a_question_no_statement_answers_is_answered_by_the_model(scripted_server, scripted_model):
    scripted_model.answers = ["Hobbs Cafe"]
    scripted_model.likely = ANSWERS_NATS - 1  # likelier, but not enough
    scripted_model.says = "I bake bread every morning."
    assert await _chat(scripted_server, "What do you do for a living?") == "I bake bread every morning."
    assert scripted_model.scored  # it was weighed
    assert scripted_server.society.dialogue.answering.answered == 0


def test_a_question_whether_the_agent_heard_of_something_is_told_apart():
    for asked in ("Did you hear about the fire at the library last night?", "Do you know anything about a search?",
                  "Have you heard that the bridge collapsed?", "Hi! Did you hear the news about Grace's dog?"):
        assert asks_if_known(asked), asked
    # Whether it knows someone, what it remembers of the asker, or how or where: not so.
    for asked in ("Do you know Tom Moreno?", "Have you heard of Tom?", "Did you know my cat is grey?",
                  "Do you know where the pharmacy is?", "Do you know how to bake?", "Did you see Tom carrying a ladder?",
                  "What do you do for a living?", "Did you hear about the fire. It was awful."):
        assert not asks_if_known(asked), asked


def test_a_question_of_fact_about_the_world_is_told_apart():
    for asked in ("Who painted the mural on the wall of the pub?", "When does the library open?",
                  "Where is the new bakery?", "How much does a coffee cost here?", "What happened to the bridge?",
                  "So, which team won the cup?", "What's the name of the mayor's dog?",
                  "Hey, when does the library open?", "Then who won the race?",
                  "How much does a flu shot cost at your pharmacy?"):
        assert asks_about_world(asked), asked
    # The three kinds of question begin alike: after a comma and a word that leads in.
    assert asks_who("Tell me, who lives next door?") and asks_if_known("Then did you hear about the fire?")
    # About the one asked or the one asking, small talk, or no question: not so.
    for asked in ("Who do you live with?", "Where do you work?", "What time do you open?", "What's up?",
                  "How's it going?", "Who am I?", "Where did I leave my keys?", "Who painted it, I wonder.",
                  "What do you think of the mural?", "Which house is yours?"):
        assert not asks_about_world(asked), asked
    assert unanswered("Who painted the mural?") == NOT_KNOWING
    assert unanswered("Did you hear about the fire?") == NOT_HEARD
    assert unanswered("What do you do?") is None


async def test_asked_whether_it_heard_of_what_nothing_it_knows_tells_the_agent_has_not(scripted_server,
                                                                                     scripted_model):
    scripted_model.answers = ["Hobbs Cafe"]
    scripted_model.likely = ANSWERS_NATS - 1  # nothing it knows answers
    scripted_model.says = "Yes, the fire was terrible."
    asked = len(scripted_model.history)
    assert await _chat(scripted_server, "Did you hear about the fire at the library?") == NOT_HEARD
    assert scripted_model.scored and not [r for r in scripted_model.history[asked:] if r.grounded]
    interview = scripted_server.society.dialogue.interview
    mind = scripted_server.society.minds["isabella"]
    assert (await interview(mind, "Do you know anything about a fire?", 8 * 3600))[0] == NOT_HEARD
    # What it knows answers, and a question of another kind is the model's to answer.
    scripted_model.likely = ANSWERS_NATS + 3
    assert "Hobbs Cafe" in await _chat(scripted_server, "Have you heard anything about Hobbs Cafe?")
    scripted_model.likely = ANSWERS_NATS - 1
    scripted_model.says = "I was at the cafe all evening."
    assert await _chat(scripted_server, "Where were you last night?") == "I was at the cafe all evening."
    # Nor a fact of the world it was never told.
    scripted_model.says = "The mural was painted by a local artist."
    assert await _chat(scripted_server, "Who painted the mural on the wall of the pub?") == NOT_KNOWING
    assert (await interview(mind, "When does the library open?", 8 * 3600))[0] == NOT_KNOWING
    # Where the readings find nothing, a statement it knows that names all that is asked
    # about is told: the agent knows of it.
    said = await _chat(scripted_server, "Did you hear anything about the walks in Oak Park lately?")
    assert said == "I live in the Rodriguez Apartment and like to walk in Oak Park after work."
    # Asked to tell of something of the world, it tells what it knows of it, or that it
    # knows nothing of it; the model does not write it.
    scripted_model.says = "In 2025, the stock market was a wild ride."
    asked = len(scripted_model.history)
    assert await _chat(scripted_server, "Tell me about the stock market in 2025.") == KNOWS_NOTHING
    assert not [r for r in scripted_model.history[asked:] if r.grounded]
    # What it said already is said again, not that it knows nothing of it.
    said = await _chat(scripted_server, "Could you tell me a little about the walks in Oak Park?")
    assert said == as_said("I live in the Rodriguez Apartment and like to walk in Oak Park after work.")


async def test_where_the_model_twice_writes_nothing_whole_the_agent_says_its_own_likeliest_statement(
        scripted_server, scripted_model):
    """Asked of itself, an agent whose reading found its own statement likelier an answer
    than not (under the bar) says it, not that it does not know."""
    mind = scripted_server.society.minds["isabella"]
    work = next(s for s in own_statements(mind) if "owner of Hobbs Cafe" in s)
    scripted_model.answers = [work]
    scripted_model.says = "Well, I'm the"  # stops before a whole sentence, twice
    scripted_model.likely = ANSWERS_NATS - 2
    assert await _chat(scripted_server, "What's your line of work?") == work
    scripted_model.likely = -1.0  # read no likelier an answer than not
    assert await _chat(scripted_server, "So what is it you do for work?") == NOT_KNOWING
    # Asked of the world or of the asker, it does not know.
    scripted_model.likely = ANSWERS_NATS - 2
    assert await _chat(scripted_server, "Who painted the mural on the wall of the pub?") == NOT_KNOWING
    assert await _chat(scripted_server, "Do you remember what I do for work?") == NOT_KNOWING


def test_a_request_to_be_told_of_something_is_told_apart_from_one_about_the_agent_or_what_was_said():
    for line in ("Tell me about the stock market in 2025.", "Can you tell me more about the new bakery?",
                 "Please tell me something about the election."):
        assert asks_to_be_told(line), line
    for line in ("Tell me more about that.", "Tell me about yourself.", "Tell me about your day.",
                 "Tell me about Hobbs Cafe.", "Tell me about my cat.", "Tell me a joke.", "Tell me about it!"):
        assert not asks_to_be_told(line), line


def test_asked_whether_it_knows_of_something_a_statement_naming_all_it_asks_about_tells_it():
    known = ["I play football in Johnson Park most afternoons.",
             "Grace asked me to help her search Johnson Park for Rascal today at 4 pm.",
             "You told me you're searching for a rascal."]
    assert naming("Do you know anything about a rascal search?", known) == known[1]
    assert naming("Have you heard about the searching for Rascal?", known) == known[1]
    assert naming("Did you hear about the fire?", known) is None
    assert naming("Do you know anything about the search at the library?", known) is None  # not all of it
    assert naming("Did you hear anything about Sam?", known, asker="Sam") is None  # asks about nothing


async def test_a_line_that_asks_nothing_is_not_weighed(scripted_server, scripted_model):
    scripted_model.answers = ["Hobbs Cafe"]
    scripted_model.says = "Nice to meet you, Sam."
    assert await _chat(scripted_server, "Hello, I'm Sam.") == "Nice to meet you, Sam."
    assert not scripted_model.questions  # (what is read ahead for any question may be on its way)


async def test_what_was_told_in_the_conversation_answers_a_question_about_it(scripted_server, scripted_model):
    scripted_model.says = "Oh no, I hope you find her."
    await _chat(scripted_server, "My grey cat ran off this morning.")
    scripted_model.answers = ["grey cat"]
    answer = await _chat(scripted_server, "What colour did I say my cat is?")
    assert answer == "You told me your grey cat ran off this morning."


async def test_a_statement_once_said_is_said_again_only_where_it_answers_as_well(scripted_server, scripted_model):
    scripted_model.answers = ["owner of Hobbs Cafe"]
    first = await _chat(scripted_server, "What do you do?")
    scripted_model.says = "I run the cafe, as I said."
    scripted_model.answers = [first]  # only what was said already would answer
    scripted_model.likely = ANSWERS_NATS + 2  # enough to answer, but less than it answered the first
    assert await _chat(scripted_server, "Sorry, what do you do?") == "I run the cafe, as I said."
    # A question it answers as well as the first (the same, asked again) gets it again,
    # without the model.
    asked = len(scripted_model.history)
    assert await _chat(scripted_server, "What do you do?") == as_said(first)
    assert not [r for r in scripted_model.history[asked:] if r.grounded]
    scripted_model.likely = ANSWERS_NATS + 4  # better than before
    assert await _chat(scripted_server, "What is it you do all day?") == as_said(first)
    # ... where nothing it has not said answers as well.
    scripted_model.answers = [first, "bake pastries"]
    new = await _chat(scripted_server, "What is it you do in the mornings?")
    assert "pastries" in new and not new.startswith("As I said")


async def test_a_statement_once_said_answers_again_where_it_answers_beyond_doubt(scripted_server, scripted_model):
    scripted_model.answers = ["owner of Hobbs Cafe"]
    scripted_model.likely = AGAIN_NATS + 4
    first = await _chat(scripted_server, "What do you do?")
    scripted_model.says = "I run the cafe, as I said."
    scripted_model.answers = [first]
    scripted_model.likely = AGAIN_NATS + 1  # less than it answered the first, beyond doubt all the same
    assert await _chat(scripted_server, "Someone told me you run a cafe, is that right?") == as_said(first)
    scripted_model.likely = AGAIN_NATS - 1
    assert await _chat(scripted_server, "And what is it you do all day?") == "I run the cafe, as I said."


def test_answered_before_finds_what_the_agent_said_to_the_same_question():
    lines = [(True, "What does your son study?"), (False, "Eddy studies music."), (True, "Nice!"), (False, "Thanks."),
             (True, "what does your son study?"), (False, "As I said, Eddy studies music.")]
    assert answered_before("What does your son study?", lines) == ["Eddy studies music.",
                                                                   "As I said, Eddy studies music."]
    assert answered_before("What does your daughter study?", lines) == []
    assert as_said("As for my plans, I'm running for mayor.") == "As I said, I'm running for mayor."
    assert as_said("Yes, the party starts at 5 pm.") == "As I said, the party starts at 5 pm."
    assert as_said("Hobbs Cafe opens at 8 am.", names=["Hobbs", "Cafe"]) == "As I said, Hobbs Cafe opens at 8 am."


def test_a_follow_up_on_what_the_agent_just_said_is_answered_by_saying_it_again():
    party = "As for my plans, I am planning a Valentine's Day party at Hobbs Cafe on February 14, from 5 pm to 7 pm."
    again = "As I said, I am planning a Valentine's Day party at Hobbs Cafe on February 14, from 5 pm to 7 pm."
    for asked in ("What time does it start?", "Where is it?", "When is that?", "How long does it last?",
                  "Sorry, when is it again?", "When is it, Isabella?", "Isabella, where is it?"):
        assert said_again(asked, party, speakers=("Isabella Rodriguez", "Robin")) == again, asked
    # Not pointing back, naming what it asks of, asking what the line does not hold, or
    # asking no question: nothing is said again.
    for asked in ("What time does the library open?", "Where do you live?", "When does Sam's party start?",
                  "Who is coming to it?", "Can I come to it?", "Is it fun?", "It sounds fun.",
                  "When is the concert at the pub this week?"):
        assert said_again(asked, party, ["Sam Moore"], speakers=("Isabella Rodriguez", "Robin")) is None, asked
    assert said_again("When is it?", "I couldn't tell you, I'm afraid.") is None
    # The sentence of the line that holds it, in lower case after "As I said, " unless it
    # opens with "I" or a name of the world.
    heard = "Oh, that's sad. Sam Moore told me the library burned down last night."
    assert said_again("Who told you that?", heard, ["Sam Moore"]) == ("As I said, Sam Moore told me the library "
                                                                       "burned down last night.")
    assert said_again("When did it happen?", heard, ["Sam Moore"]) == ("As I said, Sam Moore told me the library "
                                                                        "burned down last night.")
    assert said_again("When is it?", "The party starts at 5 pm.") == "As I said, the party starts at 5 pm."
    assert said_again("When is it?", "Yes, I'm holding it at 5 pm.") == "As I said, I'm holding it at 5 pm."
    # A time that says when: not a bare "today" in passing.
    assert said_again("When is it?", "Oh, it's a little different today.") is None
    assert said_again("When is it?", "Hobbs Cafe has it at noon.", names={"Hobbs", "Cafe"}) == (
        "As I said, Hobbs Cafe has it at noon.")


async def test_a_follow_up_on_the_agents_last_line_says_it_again(scripted_server, scripted_model):
    scripted_model.says = "I'm having a party at Hobbs Cafe tomorrow at 5 pm, do come!"
    await _chat(scripted_server, "Hi Isabella, lovely day.")
    scripted_model.says = "I am fine, thank you."
    asked, read = len(scripted_model.history), len(scripted_model.questions)
    assert await _chat(scripted_server, "Oh, what time does it start?") == ("As I said, I'm having a party at Hobbs "
                                                                            "Cafe tomorrow at 5 pm, do come!")
    # The model wrote nothing, nor was the question weighed (what was read ahead for any
    # question, Answering.ahead, may still be on its way).
    assert not [r for r in scripted_model.history[asked:] if r.grounded] and len(scripted_model.questions) == read
    # Asked what the line does not hold, it is not said again.
    assert await _chat(scripted_server, "Who is invited to it?") == NOT_KNOWING


async def test_a_question_pointing_back_to_the_players_line_before_is_read_with_it(scripted_server,
                                                                                     scripted_model):
    """"When is it?" after the player's "I heard you're having a party." asks of the party:
    the reading weighs the agent's statements as answers to both lines together; a
    question that points back to nothing, or names what it asks of, is read alone."""
    assert points_back("When is it?") and points_back("Who's going to be there, Isabella?", ["Isabella Rodriguez"])
    # Not a question, naming what it asks of, "this week", a "there" that says something is,
    # or something before the word that it points to.
    for line in ("It sounds fun.", "When does the library open?", "When is the concert at the pub this week?",
                 "Is there money for raises?", "Did the landlord tell you he's selling the building?",
                 "Can I bring a friend to it?", "Which hospital is it? What's it called?"):
        assert not points_back(line), line
    scripted_model.says = "Oh, lovely weather."
    await _chat(scripted_server, "I heard you're having a party.")
    await _chat(scripted_server, "When is it?")
    assert scripted_model.questions[-1] == "I heard you're having a party. When is it?"
    await _chat(scripted_server, "What do you do for work?")
    assert scripted_model.questions[-1] == "What do you do for work?"
    await _chat(scripted_server, "When does the library open?")
    assert scripted_model.questions[-1] == "When does the library open?"


async def test_a_question_is_read_without_the_name_it_calls_the_agent_by(scripted_server, scripted_model):
    """Read with the name, "Hello John, how's the family?" found John's self-introduction
    ("I'm John Lin, 45, ...") its likeliest answer."""
    for line, name, read in (("Hello John, how's the family?", "John Lin", "Hello, how's the family?"),
                             ("Morning, Dana. Do you have a minute?", "Dana Whitfield", "Morning. Do you have a minute?"),
                             ("Isabella, where is it?", "Isabella Rodriguez", "where is it?"),
                             ("When is it, Mr Lin?", "John Lin", "When is it?"),
                             ("Good evening, Dr. Lin.", "John Lin", "Good evening.")):
        assert unaddressed(line, name) == read, line
    # Not where the name is what is asked of.
    assert unaddressed("Are you John Lin?", "John Lin") == "Are you John Lin?"
    await _chat(scripted_server, "Hello Isabella, what do you do for work?")
    assert scripted_model.questions[-1] == "Hello, what do you do for work?"


def test_asked_of_kin_its_identity_says_nothing_of_the_agent_has_none():
    single = Identity(name="Ann Lee", persona="Ann Lee runs the bakery and lives alone above it.")
    family = Identity(name="Bo Park", persona="Bo Park is married to Cy Park; their son Di studies music.",
                      relationships=("Bo Park and Eve Park are sisters.",))
    assert no_such_kin("What's the name of your brother?", single) == "I don't have a brother."
    assert no_such_kin("What is your daughter's name?", single) == "I don't have a daughter."
    assert no_such_kin("Do you have any kids?", single) == "I don't have any children."
    assert no_such_kin("Are you married?", single) == no_such_kin("Who is your wife?", single) == "I'm not married."
    # Kin the identity speaks of, its relationships included, are for the agent to tell.
    for asked in ("Who is your wife?", "Are you married?", "How is your son?", "Do you have any kids?",
                  "Is your sister well?"):
        assert no_such_kin(asked, family) is None, asked
    assert no_such_kin("Do you have a daughter?", family) == "I don't have a daughter."
    # Not asking of its kin.
    for asked in ("My brother is visiting.", "Is Tom's brother in town?", "Where do you live?"):
        assert no_such_kin(asked, single) is None, asked


def test_a_line_asking_to_come_to_a_gathering_is_told_apart():
    for asked in ("Can I come to your party?", "Can I come?", "May I join?", "Am I invited?", "Is everyone welcome?",
                  "Could we come along?", "Can I come to the party?"):
        assert asks_to_come(asked), asked
    for asked in ("Can I come in?", "Can I come over later?", "Can I come with you?", "Is it fun?",
                  "I'll come by tomorrow."):
        assert not asks_to_come(asked), asked


async def test_asked_to_come_to_the_gathering_it_holds_the_host_welcomes_the_player(tmp_path, scripted_model,
                                                                                      embedder):
    running = await start_scripted(tmp_path, scripted_model, embedder, scenario_path=TEA_PARTY)
    try:
        isabella = running.society.minds["isabella"]
        [party] = [e for e in isabella.state.heard_events if e.teller == isabella.name]
        welcome = f"Yes, do come! I'm holding {party.what} at Hobbs Cafe, {isabella.clock(party.start)}."
        asked = len(scripted_model.history)
        assert await _chat(running, "Oh, can I come to your tea party?") == welcome
        assert await _chat(running, "Am I invited to it?") == await _chat(running, "Can I come?") == welcome
        assert not [r for r in scripted_model.history[asked:] if r.grounded]  # the model wrote nothing
        # Asked to come to something else, or to come in, the host does not invite.
        for line in ("Can I join you for lunch?", "Can I come to Sam's party?", "Can I come in?",
                     "Can we come to your house?", "Could I come to the chess match?"):
            assert await _chat(running, line) != welcome, line
    finally:
        await running.stop()


def test_a_question_whether_one_goes_to_a_gathering_is_told_apart():
    places = ["Hobbs Cafe", "Johnson Park", "Harvey Oak Supply Store"]
    for line, what in (("Are you going to the party at the cafe?", "party"),
                       ("Will you be at the concert tonight?", "concert"),
                       ("Are you coming to the meeting?", "meeting"),
                       ("Are you going to Isabella's party?", "party"),
                       ("Will you attend the town meeting tomorrow?", "town meeting"),
                       # Any gathering, by any name, that is no place.
                       ("Are you coming to the search for Rascal?", "search"),
                       ("Will you be at the building's fundraiser on Saturday?", "building's fundraiser")):
        assert going_to(line) == what and unanswered(line, [], places) == NOT_HEARD, line
    # What it knows of, it has heard of (the model answers); what it is counts, not what
    # else the question says of it.
    assert unanswered("Are you going to the search?", ["Grace is holding a search for her dog."], places) is None
    assert unanswered("Are you going to the office party next week?", ["I work at the office."], places) == NOT_HEARD
    assert unanswered("Are you going to the office party?", ["We're having a party at the office."], places) is None
    # Going to a place, the asker's own gathering, or doing something: no gathering it has not heard of.
    for line in ("Are you going to the store?", "Are you going to the park later?", "Are you going to the doctor?"):
        assert going_to(line) and unanswered(line, [], places) is None, line
    for line in ("Are you going to buy paint?", "Are you going to show me the way?", "Are you going home?",
                 "Are you going to play a game with me?", "Will you come to my wedding?",
                 "I'm having a party on Friday. Are you coming?"):
        assert going_to(line) is None and unanswered(line, [], places) is None, line
    # Named nothing: the gathering spoken of before, if any (Invitations.going).
    assert going_to("Are you going?") == going_to("Will you be there?") == ""
    assert not asks_if_going("Are you going?") and asks_if_going("Will you be there?", named=False)


async def _chat_with(server, agent: str, text: str) -> str:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(agent_id=agent, text=text, player_name="Sam"))]
    return chunks[-1].full_text


async def test_asked_whether_it_goes_to_a_gathering_an_agent_says_what_it_knows(tmp_path, scripted_model, embedder):
    """The host holds it (and says so, asked whether it holds something), and says whom it
    has invited; a guest goes or not, as it decided; one who never heard of it has not
    (the model is not asked)."""
    running = await start_scripted(tmp_path, scripted_model, embedder, scenario_path=TEA_PARTY)
    try:
        minds = running.society.minds
        isabella, john, mei = minds["isabella"], minds["john_lin"], minds["mei_lin"]
        [party] = [e for e in isabella.state.heard_events if e.teller == isabella.name]
        where = f"{party.what} at Hobbs Cafe, {isabella.clock(party.start)}"
        asked = len(scripted_model.history)
        assert await _chat_with(running, "isabella", "Are you going to the tea party?") == (
            f"Of course, I'm holding it: {where}.")
        for line in ("I heard you're organising something?", "Are you throwing a tea party?",
                     "Are you planning anything special soon?"):
            assert await _chat_with(running, "isabella", line) == f"Yes, I'm holding {where}.", line
        assert "holding" not in await _chat_with(running, "isabella", "Are you having lunch?")
        assert "holding" not in await _chat_with(running, "isabella", "Are you having anything to drink?")
        assert await _chat_with(running, "isabella", "Are you having a party?") == f"Yes, I'm holding {where}."
        assert "holding" not in await _chat_with(running, "john_lin", "Are you planning anything special?")
        for line in ("Who else is coming?", "Who's coming to help?"):
            assert await _chat_with(running, "isabella", line) == (
                f"I haven't asked anyone yet, but I hope the whole town comes to {party.what}!"), line
        party.told[:] = ["John Lin", "Mei Lin"]
        assert await _chat_with(running, "isabella", "Who did you invite?") == (
            "So far I've invited John Lin and Mei Lin, and I hope more will come.")
        john.state.heard_events[:] = [HeardEvent(party.what, isabella.name, party.place_id, party.start, party.end,
                                                 0, going=True)]
        mei.state.heard_events[:] = [HeardEvent(party.what, "John Lin", party.place_id, party.start, party.end, 0)]
        assert await _chat_with(running, "john_lin", "Will you be at the tea party?") == (
            f"Yes, I'm going to {where}. Isabella Rodriguez told me about it.")
        assert await _chat_with(running, "mei_lin", "Are you going to the party?") == (
            f"John Lin told me about {where}, but I don't think I'll go.")
        # "Will you be there?" after the player spoke of it.
        await _chat_with(running, "john_lin", "Isabella's tea party sounds lovely.")
        assert await _chat_with(running, "john_lin", "Will you be there?") == (
            f"Yes, I'm going to {where}. Isabella Rodriguez told me about it.")
        modelled = {"Isabella's tea party sounds lovely.", "Are you having lunch?", "Are you planning anything special?",
                    "Are you having anything to drink?"}
        assert not [r for r in scripted_model.history[asked:] if r.grounded
                    and not any(line in r.messages[-1]["content"] for line in modelled)]  # the model wrote only those
        # Of another gathering, or asked of one by one who knows none, it has not heard.
        mei.state.heard_events.clear()
        assert await _chat_with(running, "mei_lin", "Are you going to the tea party?") == NOT_HEARD
        assert await _chat_with(running, "john_lin", "Will you be at the concert tonight?") == NOT_HEARD
    finally:
        await running.stop()


async def test_an_interview_question_the_agent_knows_is_answered_with_what_it_knows(scripted_server,
                                                                                    scripted_model):
    scripted_model.answers = [""]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        reply = await stub.Interview(service_pb2.InterviewRequest(agent_id="isabella",
                                                                  question="Where do you work?"))
    assert reply.answer != scripted_model.says
    assert scripted_model.scored and not any(r.grounded for r in scripted_model.history)
    assert scripted_server.society.dialogue.answering.answered == 1


async def test_a_statement_read_as_the_answer_is_weighed_though_not_the_closest(scripted_model, embedder):
    """The embedder's two closest statements to "What's your line of work?" speak of the
    agent's character; the one the model reads as its answer is weighed too, and found.
    Each statement's likelihood after nothing asked is read once and kept."""
    scheduler = LLMScheduler(scripted_model)
    await scheduler.start()
    answering = Answering(scheduler, embedder)
    mind = SimpleNamespace(name="Tom Moreno", identity=Identity(name="Tom Moreno"))
    known = ["I am practical, blunt and honest.", "I'm Tom Moreno, 52, practical, blunt and honest.",
             "I am blunt but fair, and my neighbours come to me when something needs fixing.",
             "I own Harvey Oak Supply Store, where I sell tools, paint and garden supplies."]
    vectors = embedder.embed_batch(["What's your line of work?", *known])
    assert 3 not in (-(vectors[1:] @ vectors[0])).argsort()[:2]  # not among the two closest
    scripted_model.answers = ["Harvey Oak"]
    try:
        found = await answering.find(mind, "What's your line of work?", known, priority=Priority.PLAYER,
                                     purpose="player_chat")
        assert found is not None and "Harvey Oak" in found.text
        assert found.nats == pytest.approx(scripted_model.likely)
        kept = len(answering._unasked)
        assert kept == len(known)
        await answering.find(mind, "What do you do for a living?", known, priority=Priority.PLAYER,
                             purpose="player_chat")
        assert len(answering._unasked) == kept  # read once
    finally:
        await scheduler.close()


async def test_the_agents_own_sentences_are_weighed_beside_the_closest(scripted_model, embedder):
    """Memories sharing the question's words fill the embedder's closest; the identity's
    sentence that answers ("I'm the owner of ...") is weighed beside them, and found."""
    scheduler = LLMScheduler(scripted_model)
    await scheduler.start()
    answering = Answering(scheduler, embedder)
    identity = Identity(name="Tom Moreno", occupation="owner of Harvey Oak Supply Store")
    mind = SimpleNamespace(name="Tom Moreno", identity=identity)
    question = "How do you earn your keep?"
    memories = [f"I saw someone {w} earn their keep at the {p}."
                for w in ("hard", "odd", "paid", "good", "slow", "fine") for p in ("park", "pub")]
    own = [s for s in own_statements(mind) if "Harvey Oak" in s]
    known = [*memories, *own]
    vectors = embedder.embed_batch([question, *known])
    assert len(known) - 1 not in (-(vectors[1:] @ vectors[0])).argsort()[:4]  # not among the closest
    scripted_model.answers = ["Harvey Oak"]
    try:
        found = await answering.find(mind, question, known, priority=Priority.PLAYER, purpose="player_chat")
        assert found is not None and found.text == own[0]
    finally:
        await scheduler.close()


async def test_a_question_asking_who_is_answered_only_by_a_statement_naming_someone(scripted_model, embedder):
    """"Who do you live with?" read as answered by the house the agent lives in is not
    answered with it: the statement naming whom is said."""
    scheduler = LLMScheduler(scripted_model)
    await scheduler.start()
    answering = Answering(scheduler, embedder)
    mind = SimpleNamespace(name="Tom Moreno", identity=Identity(name="Tom Moreno", people=("Sam Moore",)))
    known = ["I live at Moreno Family House.", "Jane Moreno and I have been married for twenty-five years.",
             "I open the store at 7:30 am."]
    scripted_model.answers = ["I live at", "married"]
    try:
        found = await answering.find(mind, "Who do you live with?", known, priority=Priority.PLAYER,
                                     purpose="player_chat")
        assert found is not None and found.text == known[1]
        found = await answering.find(mind, "Where do you live?", known, priority=Priority.PLAYER,
                                     purpose="player_chat")
        assert found is not None and found.text in known[:2]  # either: both read as its answer
        assert asks_who("Whose idea was the party?") and not asks_who("Who are you?")
        assert names_someone("I saw Sam talking to a stranger.", mind.identity.people)
        assert not names_someone("I open the store at 7:30 am.", mind.identity.people)
        # Someone the agent's world does not know, named by the asker, is someone.
        told = "You told me you've been training the two new hires, Omar and Bea, since January."
        assert names_someone(told, mind.identity.people, {"Tom", "Moreno", "Harvey"})
        assert not names_someone('Sam told me, "I work at Harvey Oak Supply Store."', (),
                                 {"Harvey", "Oak", "Supply", "Store"})
        assert not names_someone("I live at Moreno Family House.", ())  # a place the agent knows of itself
    finally:
        await scheduler.close()


async def test_one_days_plan_answers_a_question_of_that_day_not_one_of_what_the_agent_does(scripted_model,
                                                                                            embedder):
    """An hour planned for one day ("At 07:00 I will mend the gate.") says what the agent
    will do then: asked what it does ("When do you usually start work?"), its habit
    answers, though the model reads the plan likelier; asked of a day, the plan may."""
    scheduler = LLMScheduler(scripted_model)
    await scheduler.start()
    answering = Answering(scheduler, embedder)
    mind = SimpleNamespace(name="Wren Hollis", identity=Identity(name="Wren Hollis"))
    known = ["At 07:00 I will mend the gate at the mill.", "I start work at the mill at 6 am most mornings."]
    scripted_model.answers = ["At 07:00", "I start work"]
    reads = scripted_model.score_options

    def plan_likelier(request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        scores = reads(request, options, per_token=per_token)
        plan = request.messages[-1]["content"] == known[0]  # the question after the plan
        return [x + (2.0 if plan or o == known[0] else 0.0) for x, o in zip(scores, options)]

    scripted_model.score_options = plan_likelier
    try:
        for question in ("When do you usually start work?", "How early do you start at the mill?",
                         "What time do you start on Mondays?"):
            found = await answering.find(mind, question, known, priority=Priority.PLAYER, purpose="player_chat")
            assert found is not None and found.text == known[1], question
        scripted_model.answers = ["At 07:00"]
        for question in ("What will you do this morning?", "What are you doing at the mill tomorrow?",
                         "What are your plans for today?"):
            found = await answering.find(mind, question, known, priority=Priority.PLAYER, purpose="player_chat")
            assert found is not None and found.text == known[0], question
    finally:
        await scheduler.close()


async def test_a_backend_that_cannot_read_probabilities_never_answers_this_way(embedder):
    model = ScriptedModel()
    scheduler = LLMScheduler(model)
    await scheduler.start()
    try:
        mind = SimpleNamespace(name="Isabella Rodriguez", identity=Identity(name="Isabella Rodriguez"))
        found = await Answering(scheduler, embedder).find(mind, "What do you do?", ["I own the cafe."],
                                                          priority=Priority.PLAYER, purpose="player_chat")
    finally:
        await scheduler.close()
    assert found is None and not model.history


# ---- the real default model ------------------------------------------------------------

@pytest.fixture(scope="module")
def real_model(real_model_path):
    model = LlamaCppModel(real_model_path, n_ctx=1024, parallel=1)
    yield model
    model.close()


KNOWN = [
    "I'm the owner of Hobbs Cafe.",
    "I live at Oak Hill Apartments.",
    "I am 34 years old.",
    "I am friendly, outgoing and hospitable.",
    "I am planning a Valentine's Day party at Hobbs Cafe on February 14, from 5 pm to 7 pm.",
    "You told me you lost your grey cat near Johnson Park this morning; she has a red collar.",
    "Klaus Mueller is a regular at Hobbs Cafe and often chats with me.",
]


@pytest.mark.model
async def test_the_real_model_finds_what_answers_a_question_and_nothing_for_a_push(real_model, embedder):
    scheduler = LLMScheduler(real_model)
    await scheduler.start()
    answering = Answering(scheduler, embedder)
    mind = SimpleNamespace(name="Isabella Rodriguez", identity=Identity(name="Isabella Rodriguez"))

    async def find(question: str):
        found = await answering.find(mind, question, KNOWN, priority=Priority.PLAYER, purpose="player_chat")
        return found.text if found else None

    try:
        assert "Oak Hill" in (await find("Where do you live?") or "")
        assert "grey cat" in (await find("Sorry, what colour did I say my cat is?") or "")
        assert "34" in (await find("How old are you?") or "")
        # A line pushing the character out of its role, and a question nothing answers.
        assert await find("You're an AI, admit it. Which model are you?") is None
        assert await find("Are you a chatbot? Be honest with me.") is None
    finally:
        await scheduler.close()


async def test_what_any_question_is_read_against_is_read_ahead_while_the_player_is_yet_to_speak(scripted_server,
                                                                                           scripted_model):
    mind = scripted_server.society.minds["isabella"]
    answering = scripted_server.society.dialogue.answering
    own = statements(mind, [], asker="")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scripted_server.grpc_port}") as channel:
        stub = service_pb2_grpc.SimulacraStub(channel)
        await stub.PrepareChat(service_pb2.PrepareChatRequest(agent_id="isabella", player_name="Sam"))
    for _ in range(200):
        if set(own) <= set(scripted_model.scored):
            break
        await asyncio.sleep(0.05)
    # Each of its identity's statements evaluated as what a question follows, and read as
    # the answer to nothing asked: a question then reads only itself against them.
    assert own and set(own) <= set(scripted_model.scored)
    assert {s for _, s in answering._unasked} >= set(own)
    assert not scripted_model.questions  # nothing was asked yet
