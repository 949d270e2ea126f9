"""Wiring: one asyncio process with the model, the scheduler, the service and two doors."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from websockets.asyncio.server import Server

from agent_server.api.access import Access, check_exposure
from agent_server.api.gateway import Gateway
from agent_server.api.grpc_server import start_grpc
from agent_server.journal import Journal
from agent_server.llm.base import VOICE_PURPOSES, LanguageModel
from agent_server.llm.llama_cpp import LlamaCppModel
from agent_server.llm.llama_server import LlamaServer, spawn_llama_servers
from agent_server.llm.openai_http import OpenAIHTTPModel
from agent_server.llm.pool import ModelPool, Servers
from agent_server.memory import Embedder, MiniLMEmbedder, RetrievalWeights
from agent_server.options import MindOptions
from agent_server.scenario import Scenario
from agent_server.scheduler import LLMScheduler
from agent_server.service import SimulacraService
from agent_server.settings import Settings
from agent_server.simulation import Simulation
from agent_server.society import Society

log = logging.getLogger(__name__)


@dataclass
class RunningServer:
    service: SimulacraService
    simulation: Simulation
    scheduler: LLMScheduler
    grpc_server: grpc.aio.Server
    ws_server: Server
    grpc_port: int
    ws_port: int
    host: str
    # The schedulers the main one routes purposes to (the voice model in process, the
    # pools of model_routes and voice_base_urls), stopped with it.
    routed: list[LLMScheduler] = field(default_factory=list)
    tls: bool = False
    # llama-server processes this server started (spawn_llama_servers), stopped with it.
    llama_servers: list[LlamaServer] = field(default_factory=list)

    @property
    def society(self) -> Society:
        """The minds now open (a LoadGame replaces them)."""
        return self.simulation.society

    @property
    def voice(self) -> LLMScheduler | None:
        """The scheduler that speaks for the agents (the player's conversation), if it
        is not the main one."""
        serving = self.scheduler.serving("player_chat")
        return None if serving is self.scheduler else serving

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.ws_port}"

    async def stop(self) -> None:
        self.ws_server.close()
        await self.ws_server.wait_closed()
        await self.grpc_server.stop(grace=1.0)
        await self.simulation.close()
        await self.scheduler.close()
        for routed in self.routed:
            await routed.close()
        for server in self.llama_servers:
            await asyncio.to_thread(server.stop)


def load_voice_model(settings: Settings) -> LanguageModel:
    return _embedded(settings, settings.voice_model_path, parallel=settings.voice_parallel)


def _embedded(settings: Settings, path: Path, *, parallel: int) -> LanguageModel:
    """A GGUF run in process with the configured llama.cpp options."""
    return LlamaCppModel(
        path,
        n_ctx=settings.n_ctx,
        n_threads=settings.n_threads,
        n_gpu_layers=settings.n_gpu_layers,
        seed=settings.seed,
        parallel=parallel,
        kv_cache_type=settings.kv_cache_type,
        chat_template=settings.chat_template,
        kept_prompts_mb=settings.kept_prompts_mb,
    )


def load_model(settings: Settings, base_urls: list[str] | None = None, servers: Servers | None = None,
               ) -> LanguageModel:
    """The configured model: in process, or on the model servers named by the settings
    (or by `base_urls`, servers this process started); `servers`: as remote_model."""
    if base_urls or settings.llm_backend == "openai":
        return remote_model(settings, remote_urls(settings, base_urls), servers)
    return _embedded(settings, settings.model_path, parallel=settings.llm_parallel)


def remote_urls(settings: Settings, started: list[str] | None = None) -> list[str]:
    """The servers the main model runs on, when it runs on servers: those this process
    `started`, else those the settings name."""
    return started or settings.openai_base_urls or [settings.openai_base_url]


def remote_model(settings: Settings, base_urls: list[str], servers: Servers | None = None) -> LanguageModel:
    """One model server, or a pool of several (llm/pool.py), that have answered.
    `servers`: servers this model shares with other uses (the main model's, a purpose's
    route): always a pool then, whose endpoints, slots and failures are those of the
    other pools made with the same `servers`."""
    options = dict(
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        grammar_field=settings.openai_grammar_field,
        seed=settings.seed,
        read_timeout=settings.openai_read_timeout,
        max_in_flight=settings.openai_max_in_flight,
        options_at_once=settings.openai_options_at_once,
    )
    if servers is not None:
        return ModelPool.connect(base_urls, settings.openai_model, servers=servers, **options)
    if len(base_urls) == 1:
        return OpenAIHTTPModel.connect(base_urls[0], settings.openai_model, **options)
    return ModelPool.connect(base_urls, settings.openai_model, **options)


def shared_servers(settings: Settings, started: list[str]) -> set[str]:
    """The servers named by more than one use: the main model and the pools of the
    purposes routed elsewhere (Settings.purpose_routes; a set of servers named by
    several purposes is one pool). Their requests are counted together (llm/pool.py's
    Servers), so that a server takes no more at once than its slots."""
    uses = list(set(settings.purpose_routes().values()))
    if started or settings.llm_backend == "openai":
        uses.append(tuple(remote_urls(settings, started)))  # a pool apart from the purposes' even with their servers
    named = Counter(url for urls in uses for url in set(urls))
    return {url for url, count in named.items() if count > 1}


def start_llama_servers(settings: Settings) -> list[LlamaServer]:
    """The llama-server processes spawn_llama_servers asks for, serving model_path."""
    return spawn_llama_servers(
        settings.spawn_llama_servers, settings.model_path, threads=settings.n_threads,
        slots=settings.llama_server_slots, ctx_per_slot=settings.n_ctx, kv_cache_type=settings.kv_cache_type,
        log_dir=settings.data_dir, api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key
        else None)


def access_of(settings: Settings) -> Access:
    """Who may use the API, from the settings (api/access.py)."""
    token = settings.auth_token.get_secret_value() if settings.auth_token else None
    return Access(token=token, tls_cert=settings.tls_cert, tls_key=settings.tls_key)


def save_path(settings: Settings, scenario: Scenario) -> Path:
    return settings.data_dir / (settings.save_name or scenario.proto.name) / "simulation.db"


async def start_server(
    settings: Settings, model: LanguageModel | None = None, embedder: Embedder | None = None,
    journal: Journal | None = None,
) -> RunningServer:
    """Load the scenario, the model and the save, and open both doors. `model` and
    `embedder` replace the configured ones (tests pass doubles or shared instances);
    `journal` hears what happens (the headless runner's replay log). Refuses
    (ExposureError) to listen off this machine without a token."""
    access = access_of(settings)
    check_exposure(settings.host, access)
    scenario = Scenario.load(settings.scenario_path)
    llama_servers: list[LlamaServer] = []
    if model is None and settings.spawn_llama_servers:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        llama_servers = await asyncio.to_thread(start_llama_servers, settings)
    try:
        return await _start(settings, scenario, access, model, embedder, journal, llama_servers)
    except BaseException:
        for server in llama_servers:
            server.stop()
        raise


async def _start(settings: Settings, scenario: Scenario, access: Access, model: LanguageModel | None,
                 embedder: Embedder | None, journal: Journal | None, llama_servers: list[LlamaServer],
                 ) -> RunningServer:
    started = [s.base_url for s in llama_servers]
    servers = Servers()
    shared = shared_servers(settings, started) if model is None else set()
    if model is None:
        main_shared = bool(shared & set(remote_urls(settings, started)))  # (unread for a model in process)
        model = await asyncio.to_thread(load_model, settings, started, servers if main_shared else None)
    if embedder is None:
        embedder = await asyncio.to_thread(MiniLMEmbedder)
    limits = dict(max_pending=settings.max_model_queue, max_per_client=settings.max_waiting_per_client,
                  player_exclusive_s=settings.player_exclusive_s, town_share=settings.town_share)
    scheduler = LLMScheduler(model, **limits)
    await scheduler.start()
    routed: list[LLMScheduler] = []
    try:
        await _route(settings, scheduler, routed, limits, servers, shared)
    except BaseException:
        for other in [scheduler, *routed]:
            await other.close()
        raise

    simulation = Simulation(
        scenario, save_path(settings, scenario), scheduler, embedder,
        weights=RetrievalWeights(settings.weight_recency, settings.weight_importance, settings.weight_relevance),
        importance_method=settings.importance_method,
        options=MindOptions.from_settings(settings),
        journal=journal,
    )
    await simulation.open()
    service = SimulacraService(simulation, chat_clock_step=settings.chat_clock_step)
    grpc_server, grpc_port = await start_grpc(
        service, settings.host, settings.grpc_port, settings.max_frame_bytes, access)
    ws_server, ws_port = await Gateway(service, settings.max_frame_bytes, access).start(settings.host, settings.ws_port)
    log.info(
        "serving scenario %r (%d agents, town %r) with model %s",
        scenario.proto.name, len(scenario.agents), scenario.town.name, model.name,
    )
    if access.token is None:
        log.info("no token: the API is open to every program on this machine")
    return RunningServer(service, simulation, scheduler, grpc_server, ws_server, grpc_port, ws_port, settings.host,
                         routed, tls=access.tls, llama_servers=llama_servers)


async def _route(settings: Settings, scheduler: LLMScheduler, routed: list[LLMScheduler], limits: dict,
                 servers: Servers, shared: set[str]) -> None:
    """Give the purposes that have a model of their own their own schedulers (appended
    to `routed`): the voice model in process (voice_model_path), and a pool for each
    set of servers model_routes (and voice_base_urls) names, shared by the purposes
    that name the same servers. A server in `shared` (shared_servers) is one endpoint of
    `servers` in every pool that names it."""
    routes = settings.purpose_routes()
    if settings.voice_in_process and (spoken := VOICE_PURPOSES - set(routes)):
        voice = LLMScheduler(await asyncio.to_thread(load_voice_model, settings), **limits)
        routed.append(voice)
        await voice.start()
        scheduler.route(spoken, voice)
        log.info("the agents speak with %s", voice.model.name)
    pools: dict[tuple[str, ...], set[str]] = {}
    for purpose, urls in routes.items():
        pools.setdefault(urls, set()).add(purpose)
    for urls, purposes in pools.items():
        model = await asyncio.to_thread(remote_model, settings, list(urls), servers if shared & set(urls) else None)
        pool = LLMScheduler(model, **limits)
        routed.append(pool)
        await pool.start()
        scheduler.route(purposes, pool)
        log.info("%s go to %s at %s", ", ".join(sorted(purposes)), pool.model.name, ", ".join(urls))


async def serve(settings: Settings, ready_file: Path | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    running = await start_server(settings)
    ready = {"grpc": f"{settings.host}:{running.grpc_port}", "ws": running.ws_url}
    print(f"simulacra: serving gRPC on {ready['grpc']} and WebSocket on {ready['ws']}", flush=True)
    if ready_file:
        # Whole or not at all: whoever waits for the file to appear reads it at once.
        partial = ready_file.with_name(ready_file.name + ".partial")
        partial.write_text(json.dumps(ready))
        os.replace(partial, ready_file)
    await wait_for_stop_signal()
    log.info("stopping")
    await running.stop()


async def wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
