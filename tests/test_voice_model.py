"""A second model that speaks for the agents (voice_model_path): what the player reads
goes to it, the background thinking stays with the main model, and the main model
gives way while the voice answers the player."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest

from agent_server.llm.base import LLMRequest
from agent_server.scheduler import LLMScheduler, Priority
from agent_server.server import VOICE_PURPOSES, start_server
from simulacra.v1 import service_pb2, service_pb2_grpc
from tests.conftest import make_settings
from tests.scripted_model import ScriptedModel
from tests.town_script import TownScript


async def test_what_the_player_reads_goes_to_the_voice_and_the_rest_to_the_main_model(tmp_path, embedder,
                                                                                      monkeypatch):
    main, voice = ScriptedModel(TownScript()), ScriptedModel(lambda request: "I'm Isabella, I run the cafe.")
    monkeypatch.setattr("agent_server.server.load_voice_model", lambda settings: voice)
    running = await start_server(make_settings(tmp_path, importance_method="rating", voice_model_path=tmp_path / "v"),
                                 model=main, embedder=embedder)
    try:
        await running.society.settle()
        assert main.history and not voice.history  # planning and importance: the main model's
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.grpc_port}") as channel:
            stub = service_pb2_grpc.SimulacraStub(channel)
            chunks = [c async for c in stub.Chat(service_pb2.ChatRequest(agent_id="isabella", text="Hi!",
                                                                         player_name="Sam"))]
            interview = await stub.Interview(service_pb2.InterviewRequest(agent_id="isabella", question="Job?"))
        assert chunks[-1].full_text == interview.answer == "I'm Isabella, I run the cafe."
        assert [m["content"] for m in voice.history[0].messages][-1] == "Hi!"
        assert not any(m["content"] in ("Hi!", "Job?") for r in main.history for m in r.messages)
        stats = running.scheduler.stats  # one account of usage for both models
        assert stats["player_chat"].calls == 1 and stats["interview"].calls == 1
        assert running.scheduler.serving("player_chat") is running.voice
        assert running.scheduler.serving("day_plan") is running.scheduler
    finally:
        await running.stop()


@pytest.mark.model
async def test_the_main_model_gives_way_while_the_voice_answers_the_player(real_model_path):
    """Two real models in process: while the voice streams the player's answer, the main
    model's batch takes no decode step (one already begun may finish)."""
    from agent_server.llm.llama_cpp import LlamaCppModel

    main_model = LlamaCppModel(real_model_path, n_ctx=1024, parallel=2, n_threads=2)
    voice_model = LlamaCppModel(real_model_path, n_ctx=1024, parallel=2, n_threads=2)
    main, voice = LLMScheduler(main_model), LLMScheduler(voice_model)
    await main.start()
    await voice.start()
    main.route(VOICE_PURPOSES, voice)
    try:
        long = LLMRequest(messages=[{"role": "user", "content": "Write a long story about a town."}], max_tokens=400,
                          temperature=0.7)
        background = asyncio.create_task(main.complete(long, Priority.PLANNING, "day_plan"))
        while main_model.engine.steps < 20:
            await asyncio.sleep(0.01)
        line = LLMRequest(messages=[{"role": "user", "content": "Say hello to me in one sentence."}],
                          max_tokens=40, temperature=0)
        steps: list[int] = []
        pieces = []
        started = time.monotonic()
        async for piece in main.stream(line, Priority.PLAYER, "player_chat"):
            pieces.append(piece)
            steps.append(main_model.engine.steps)
        assert pieces and time.monotonic() - started < 60
        assert steps[-1] - steps[0] <= 1  # the background waited while the voice spoke
        answer = await background
        assert answer.text and main.stats["day_plan"].calls == 1 and main.stats["player_chat"].calls == 1
        assert voice_model.engine.steps > 0
    finally:
        await main.close()
        await voice.close()
        main_model.close()
        voice_model.close()
