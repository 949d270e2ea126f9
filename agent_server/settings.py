"""Every server option in one typed place.

Values come, lowest priority first, from the defaults below, a TOML settings file
(`simulacra.toml` in the working directory, or the file named by SIMULACRA_CONFIG),
environment variables (SIMULACRA_<NAME>, for example SIMULACRA_WS_PORT), and
command-line flags.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "skeleton.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIMULACRA_", extra="forbid")

    host: str = Field(
        "127.0.0.1",
        description="Address both doors bind to. Loopback by default: the API has no authentication.",
    )
    grpc_port: int = Field(50051, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    ws_port: int = Field(8765, ge=0, le=65535, description="WebSocket gateway port; 0 picks a free one.")
    model_path: Path = Field(
        DEFAULT_MODEL,
        description="GGUF model file, or a file name inside models/.",
    )
    n_ctx: int = Field(2048, ge=256, le=131072, description="Model context length, tokens.")
    n_threads: int = Field(
        max(1, os.cpu_count() or 1), ge=1, le=256, description="CPU threads for the model."
    )
    n_gpu_layers: int = Field(
        0, ge=-1, description="Layers to offload to a GPU, if llama.cpp was built with one; -1 for all."
    )
    seed: int = Field(1234, description="Sampling seed, for reproducible runs.")
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="Sampling temperature for free text.")
    scenario_path: Path = Field(DEFAULT_SCENARIO, description="Scenario file (JSON) to load.")
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Where simulation saves are kept.")
    max_frame_bytes: int = Field(
        1 << 20, ge=1024, le=64 << 20, description="Largest WebSocket frame or gRPC message accepted."
    )
    chat_max_tokens: int = Field(96, ge=8, le=2048, description="Longest player-chat answer, tokens.")
    log_level: str = Field("INFO", description="Python logging level.")

    @field_validator("model_path")
    @classmethod
    def _resolve_model(cls, value: Path) -> Path:
        if not value.is_absolute() and value.parent == Path("."):
            in_models = PROJECT_ROOT / "models" / value
            if in_models.exists():
                return in_models
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
