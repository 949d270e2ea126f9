"""Every server option in one typed place.

Values come, lowest priority first, from the defaults below, a TOML settings file
(`simulacra.toml` in the working directory, or the file named by SIMULACRA_CONFIG),
environment variables (SIMULACRA_<NAME>, for example SIMULACRA_WS_PORT), and
command-line flags.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from agent_server.llm.base import PURPOSE_GROUPS, PURPOSES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "SmolLM2-135M-Instruct.Q8_0.gguf"
SCENARIOS_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = SCENARIOS_DIR / "smallville.toml"
# The shortest token the API accepts: long enough that guessing it is hopeless.
MIN_TOKEN_CHARS = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIMULACRA_", extra="forbid")

    host: str = Field(
        "127.0.0.1",
        description="Address both doors bind to. Loopback by default; any other address needs auth_token.",
    )
    auth_token: SecretStr | None = Field(
        None,
        description="Token both doors ask every client for (gRPC metadata 'authorization: Bearer <token>'; the "
        "WebSocket handshake's Authorization header or its first frame's \"token\"). Required when host is not "
        "loopback; prefer the environment (SIMULACRA_AUTH_TOKEN) to a file. The Godot town reads the same variable.",
    )
    tls_cert: Path | None = Field(
        None, description="PEM certificate (chain) for TLS on both doors (wss://, a secure gRPC port); with tls_key.",
    )
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert.")
    grpc_port: int = Field(50051, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    ws_port: int = Field(8765, ge=0, le=65535, description="WebSocket gateway port; 0 picks a free one.")
    llm_backend: Literal["llama_cpp", "openai"] = Field(
        "llama_cpp",
        description="Where the model runs: in process from model_path (llama_cpp), or behind an "
        "OpenAI-compatible HTTP server that accepts GBNF grammars (openai: llama-server, "
        "llama-cpp-python's server, vLLM; not Ollama).",
    )
    openai_base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="The model server's API root, where /chat/completions starts."
    )
    openai_base_urls: list[str] = Field(
        [], description="Several model servers of the same model, used as one pool (their API roots; overrides "
        "openai_base_url): each request goes to the least loaded, and one that fails is left alone for a while "
        "and its requests re-sent to the others.",
    )
    openai_max_in_flight: int = Field(
        0, ge=0, le=64,
        description="Requests sent to each model server at once; 0: its slot count where it reports one "
        "(llama-server), else 1. One place is always kept for the player's work.",
    )
    openai_options_at_once: int = Field(
        0, ge=0, le=64,
        description="Options of one scoring (importance, place choice, yes/no questions) sent to a model server "
        "together, one request each: 0, as many as it has free places (one kept for the player's work); 1, one "
        "after another. Together, each option's request takes a slot of its own, which evaluates the shared prompt "
        "unless it holds it already: fewer round trips, more prompt evaluation (a CPU server may do better with 1).",
    )
    spawn_llama_servers: int = Field(
        0, ge=0, le=16,
        description="Start this many llama-server processes (scripts/llama-server) on model_path, on free loopback "
        "ports, and use them as the pool; they share n_threads. 0: none (the model runs in process, or on the "
        "servers named by openai_base_url(s)).",
    )
    llama_server_slots: int = Field(
        8, ge=1, le=64, description="Requests each spawned llama-server decodes together (its --parallel), each "
        "with n_ctx tokens of context.",
    )
    voice_base_urls: list[str] = Field(
        [], description="Model servers (a pool, as openai_base_urls) that speak for the agents: the player's "
        "conversation, greetings, interviews and debriefs; the model or servers above do the background thinking. "
        "Shorthand for model_routes' \"voice\" entry (which wins where both are set).",
    )
    model_routes: dict[str, list[str]] = Field(
        {}, description="Cognitive functions served by model servers of their own: each request purpose "
        "(importance, decompose, conversation, interview, ...; \"voice\" for everything the player reads) mapped "
        "to the API roots of a pool (one URL, or several as openai_base_urls). Purposes named with the same "
        "servers share one pool; the others go to the model or servers above. A purpose's own entry wins over "
        "\"voice\", and \"voice\" over voice_base_urls; a voice_model_path in process keeps the voice's "
        "purposes no entry names. In a TOML file, a [model_routes] table.",
    )
    openai_model: str = Field("", description="Model name on that server; empty: the first model it lists.")
    openai_api_key: SecretStr | None = Field(None, description="Bearer token, if the model server wants one.")
    openai_grammar_field: str = Field(
        "grammar",
        pattern=r"^\w+(\.\w+)*$",
        description="Request field carrying the GBNF grammar: grammar (llama-server, llama-cpp-python), "
        "structured_outputs.grammar (vLLM 0.12+), guided_grammar (older vLLM).",
    )
    openai_read_timeout: float = Field(
        120.0, gt=0, le=3600, description="Longest wait for the model server, first token included, seconds."
    )
    model_path: Path = Field(
        DEFAULT_MODEL,
        description="GGUF model file, or a file name inside models/.",
    )
    voice_model_path: Path | None = Field(
        None,
        description="A second GGUF (or a file name inside models/) that speaks for the agents: the player's "
        "conversation, greetings, interviews and debriefs, what the player reads. Empty: model_path does "
        "everything. Both run in process; the main model gives way whenever this one has player work.",
    )
    voice_parallel: int = Field(
        3, ge=1, le=16, description="Requests the voice model decodes together (a kept conversation, a line).",
    )
    chat_template: str = Field(
        "",
        description="How the embedded model's prompts are laid out: empty for the model's own chat template "
        "(the GGUF's tokenizer.chat_template; the default), a built-in one (chatml, gemma, llama3) for a GGUF "
        "without one, or the path of a Jinja template file.",
    )
    n_ctx: int = Field(4096, ge=256, le=131072, description="Model context length, tokens.")
    n_threads: int = Field(
        max(1, os.cpu_count() or 1), ge=1, le=256, description="CPU threads for the model."
    )
    n_gpu_layers: int = Field(
        0, ge=-1, description="Layers to offload to a GPU, if llama.cpp was built with one; -1 for all."
    )
    kv_cache_type: Literal["f16", "q8_0"] = Field(
        "q8_0",
        description="How the embedded model keeps attention keys in the KV cache of the requests it generates "
        "together: q8_0 (8-bit, about 45% less memory for keys; the default) or f16 (llama.cpp's own). "
        "Values, and option scoring's cache, stay f16.",
    )
    kept_prompts_mb: float = Field(
        64, ge=0, le=65536,
        description="Memory for scoring prompts the embedded model keeps evaluated (answering's readings of a "
        "statement, question after question), restored instead of evaluated again; about 1.2 MB a prompt on "
        "the default model. 0 keeps none.",
    )
    llm_parallel: int = Field(
        8, ge=1, le=64, description="Requests the embedded model decodes together (continuous batching)."
    )
    seed: int = Field(1234, description="Sampling seed, for reproducible runs.")
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="Sampling temperature for free text.")
    scenario_path: Path = Field(
        DEFAULT_SCENARIO,
        description="Scenario to run: a scenario file (TOML, or proto3 JSON), or a bare name for "
        "scenarios/<name>.toml (smallville).",
    )
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Where simulation saves are kept.")
    save_name: str = Field(
        "", pattern=r"^[A-Za-z0-9_.-]*$",
        description="Which save to run in data_dir (created if new, resumed if it exists); "
        "default: the scenario's name.",
    )
    importance_method: Literal["contrast", "rating"] = Field(
        "contrast",
        description="How the model rates importance: 'contrast' (best for small models) or 'rating' (the paper's 1-10 prompt, for large ones).",
    )
    weight_recency: float = Field(1.0, ge=0, description="Retrieval weight of recency (the paper: 1).")
    weight_importance: float = Field(1.0, ge=0, description="Retrieval weight of importance (the paper: 1).")
    weight_relevance: float = Field(1.0, ge=0, description="Retrieval weight of relevance (the paper: 1).")
    reflection_threshold: int = Field(150, ge=1, description="Summed importance that triggers a reflection.")
    reflection: bool = Field(True, description="Agents reflect; off for the evaluation's ablation without reflection.")
    baseline: bool = Field(
        False, description="Think the way the original research code did, for benchmarks: one agent at a time "
        "(every mind waits for the one thinking), and no cached place choices. Pair with llm_parallel = 1.",
    )
    planning: bool = Field(
        True, description="Agents plan their day and its hours ahead; off for the evaluation's ablation without "
        "planning (each hour is decided as it comes, from who the agent is).",
    )
    routine: bool = Field(
        True, description="An agent's day plan starts from its routine, read from the scenario's habits (its "
        "usual hours and places); off: the model writes each day from the agent's summary (the paper's way).",
    )
    free_time: bool = Field(
        True, description="A long stretch the habits leave open is spent where the model finds the agent most "
        "likely to spend it: at home or at one of the town's public places (off: at home).",
    )
    topic_choice: bool = Field(
        True, description="Before its first line in a conversation an agent chooses what to talk about (an event "
        "it hosts or heard of, its news, the relationship, small talk); off for the evaluation's ablation without "
        "topic choice (the paper's way).",
    )
    assistant_speech: bool = Field(
        True, description="Each sentence an agent's model writes for the player, an interviewer or another agent "
        "is read by a classifier of an assistant's speech (agent_server/assistant_speech.py) before it is said: one "
        "that only an assistant, a program or a writer's helper would say is not said, and the answer is asked "
        "again as one that broke character. Off: only the character guard's phrases are caught.",
    )
    level_of_detail: bool = Field(
        True, description="Agents far from the player and off screen think in less detail: they follow their "
        "hours without decomposing them and make few decisions (lod_decisions_per_hour), and catch up when the "
        "player comes near. Off for evaluation runs and the baseline.",
    )
    lod_decisions_per_hour: int = Field(
        1, ge=0, le=100, description="Reaction decisions a distant agent may make per game hour.",
    )
    max_frame_bytes: int = Field(
        1 << 20, ge=1024, le=64 << 20, description="Largest WebSocket frame or gRPC message accepted."
    )
    chat_max_tokens: int = Field(96, ge=8, le=2048, description="Longest player-chat answer, tokens.")
    chat_clock_step: int = Field(
        3600, ge=0, le=7 * 86400,
        description="Furthest a Chat or PrepareChat may move the server's clock ahead of the last time the world "
        "reported, game seconds; a game time further ahead is refused (INVALID_ARGUMENT). SyncWorld moves the clock.",
    )
    max_model_queue: int = Field(
        256, ge=1, le=100_000,
        description="Model requests that may wait; a full queue sheds its lowest-priority waiting request for a "
        "newcomer of higher priority, else refuses the newcomer (RESOURCE_EXHAUSTED). The player's line, its "
        "preparation and greetings are always admitted.",
    )
    max_waiting_per_client: int = Field(
        64, ge=1, le=100_000,
        description="Model requests one client (a gRPC or WebSocket connection) may have waiting; more are refused "
        "(RESOURCE_EXHAUSTED). More than the town's agents: the game's own connection asks for each one's next action.",
    )
    player_exclusive_s: float = Field(
        3.0, ge=0.0, le=600.0,
        description="Seconds player work may hold the embedded model alone while other work waits "
        "(with several players talking there is always player work, and the town would starve); then the town's "
        "waiting work joins the batch beside the player's for its turn (town_share), and the player decodes alone "
        "again. A player's line shorter than this decodes alone. 0: the player never holds the model alone.",
    )
    town_share: float = Field(
        0.25, ge=0.0, le=0.9,
        description="The share of the embedded model's time the town's turns come to while player work keeps it "
        "busy: each turn lasts player_exclusive_s * town_share / (1 - town_share) (1 s at the defaults). "
        "0: no turns, the player's work always decodes alone.",
    )
    log_level: str = Field("INFO", description="Python logging level.")

    @field_validator("model_path", "voice_model_path")
    @classmethod
    def _resolve_model(cls, value: Path | None) -> Path | None:
        if value is None or str(value) in ("", "."):
            return None
        if not value.is_absolute() and value.parent == Path("."):
            in_models = PROJECT_ROOT / "models" / value
            if in_models.exists():
                return in_models
        return value

    @field_validator("model_routes", mode="before")
    @classmethod
    def _one_url_is_a_pool(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("model_routes")
    @classmethod
    def _known_purposes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - PURPOSES - set(PURPOSE_GROUPS))
        if unknown:
            groups = "; ".join(f"{g} for {', '.join(sorted(p))}" for g, p in PURPOSE_GROUPS.items())
            raise ValueError(f"model_routes names no such purpose: {', '.join(unknown)}. The purposes are "
                             f"{', '.join(sorted(PURPOSES))}; and {groups}")
        empty = sorted(k for k, urls in value.items() if not urls)
        if empty:
            raise ValueError(f"model_routes gives no server for {', '.join(empty)}")
        return value

    @property
    def voice_in_process(self) -> bool:
        """Whether the agents speak with a voice model of their own loaded in process
        (voice_model_path, with the in-process backend): then voice_base_urls is unused."""
        return self.voice_model_path is not None and self.llm_backend != "openai"

    def purpose_routes(self) -> dict[str, tuple[str, ...]]:
        """Each routed purpose and the servers (API roots) that serve it, from
        model_routes and its shorthand voice_base_urls (left to the voice model when
        it runs in process: voice_in_process): a purpose's own entry first, then its
        group's, then voice_base_urls."""
        routes: dict[str, tuple[str, ...]] = {}
        if self.voice_base_urls and not self.voice_in_process:
            routes.update(dict.fromkeys(sorted(PURPOSE_GROUPS["voice"]), tuple(self.voice_base_urls)))
        for name, urls in self.model_routes.items():
            if name in PURPOSE_GROUPS:
                routes.update(dict.fromkeys(sorted(PURPOSE_GROUPS[name]), tuple(urls)))
        for name, urls in self.model_routes.items():
            if name not in PURPOSE_GROUPS:
                routes[name] = tuple(urls)
        return routes

    @field_validator("auth_token", "tls_cert", "tls_key", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("auth_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < MIN_TOKEN_CHARS:
            raise ValueError(f"auth_token must be at least {MIN_TOKEN_CHARS} characters (for example: openssl rand -hex 16)")
        return value

    @field_validator("scenario_path")
    @classmethod
    def _resolve_scenario(cls, value: Path) -> Path:
        if not value.is_absolute() and value.parent == Path(".") and not value.suffix and not value.exists():
            return SCENARIOS_DIR / f"{value}.toml"
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("SIMULACRA_CONFIG", "simulacra.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))


def load_settings(**overrides: Any) -> Settings:
    """Settings from file and environment, with explicit overrides (flags) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
