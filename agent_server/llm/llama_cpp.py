"""The default backend: a GGUF model run in process by llama-cpp-python."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from agent_server.errors import Unavailable
from agent_server.llm.base import LanguageModel, LLMRequest

log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _compiled_grammar(gbnf: str):  # -> llama_cpp.LlamaGrammar
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(gbnf, verbose=False)


class LlamaCppModel(LanguageModel):
    """Runs on the CPU, or offloads layers to a GPU where llama.cpp was built for one."""

    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        seed: int = 1234,
    ) -> None:
        path = Path(path)
        if not path.is_file():
            raise Unavailable(
                f"model file {path} not found: run `make setup`, drop a GGUF into models/, "
                "or set model_path"
            )
        from llama_cpp import Llama

        self.name = path.stem
        # Each request samples with the next seed: runs are reproducible, yet two
        # similar prompts do not get the same answer.
        self._seeds = itertools.count(seed)
        self._llm = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_gpu_layers=n_gpu_layers,
            seed=seed,
            verbose=False,
        )
        log.info("loaded model %s (context %d tokens)", self.name, n_ctx)

    def stream(self, request: LLMRequest) -> Iterator[str]:
        chunks = self._llm.create_chat_completion(
            messages=request.messages,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            grammar=_compiled_grammar(request.grammar) if request.grammar else None,
            stop=request.stop or None,
            seed=next(self._seeds),
            stream=True,
        )
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))
