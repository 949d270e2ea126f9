"""The default backend: a GGUF model run in process by llama-cpp-python.

Generation goes through a continuous-batching engine (batching.py): the scheduler
decodes up to `parallel` requests together; `stream` on its own decodes one request
(with any others the engine already holds). Option scoring reads exact probabilities
on the library's own context, one request at a time.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import logging
import os
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import llama_cpp
import numpy as np

from agent_server.errors import Unavailable
from agent_server.llm.base import LanguageModel, LLMRequest
from agent_server.llm.batching import BatchEngine, Sequence, common_prefix, drive
from agent_server.llm.grounding import Grounding, Vocabulary, known_words

log = logging.getLogger(__name__)


# Prompt tokens evaluated between the pauses of option scoring: about a tenth of a
# second on two cores, the longest a player's answer waits for scoring to give way.
SCORE_CHUNK = 64
# A kept scoring prompt (LLMRequest.reread) is restored in place of evaluating at least
# this many tokens of another that begins as it does (answering's question, after the
# request asking nothing with the same system turn): a restore costs about half a
# millisecond, evaluating 16 tokens about 30 on two cores.
RESTORE_MIN_TOKENS = 16
# Prompt tokens the engine evaluates in one decode step, all sequences together. A
# player's line waits for the step in progress: with 512, a step evaluating another
# prompt took up to 2 s on two cores; with 128, about 0.5 s, at the same throughput
# (bench/throughput.py --prompt-chunk).
PROMPT_CHUNK = 128
# How keys may be kept in the generation engine's KV cache. Eight-bit keys take 8.5 bits
# a number instead of 16: with 8 sequences of 4096 tokens, about 170 MB less on the
# default model. Sampled text is as good (bench/throughput.py --answers shows both);
# read as scores, 8-bit keys lowered importance's rank agreement with people's ratings
# from 0.78 to 0.72 (bench/importance.py), which is why scoring keeps f16.
KV_CACHE_TYPES = {"f16": llama_cpp.GGML_TYPE_F16, "q8_0": llama_cpp.GGML_TYPE_Q8_0}
# Chat templates for a GGUF without its own (tokenizer.chat_template), named by the
# chat_template setting. Each lays out the system, user and assistant turns and, with
# add_generation_prompt, opens the assistant's turn. Gemma has no system turn: system
# text goes at the start of the next user turn, as Gemma's own template does.
CHAT_TEMPLATES = {
    "chatml": (
        "{% for message in messages %}"
        "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    ),
    "gemma": (
        "{{ bos_token }}{% set pending = namespace(system='') %}"
        "{% for message in messages %}"
        "{% if message['role'] == 'system' %}"
        "{% set pending.system = pending.system + message['content'] + '\n\n' %}"
        "{% elif message['role'] == 'assistant' %}"
        "{{ '<start_of_turn>model\n' + message['content'] | trim + '<end_of_turn>\n' }}"
        "{% else %}{{ '<start_of_turn>user\n' + pending.system + message['content'] | trim + '<end_of_turn>\n' }}"
        "{% set pending.system = '' %}{% endif %}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
    ),
    "llama3": (
        "{{ bos_token }}{% for message in messages %}"
        "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim"
        " + '<|eot_id|>' }}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
    ),
}


@dataclass
class _Kept:
    """A scoring prompt's evaluated state: its KV cells (llama_state_seq_get_data) and
    the log-probabilities of the token after it."""

    state: ctypes.Array
    first: np.ndarray

    @property
    def nbytes(self) -> int:
        return len(self.state) + self.first.nbytes


class LlamaCppModel(LanguageModel):
    """Runs on the CPU, or offloads layers to a GPU where llama.cpp was built for one."""

    reads_probabilities = True

    def __init__(
        self,
        path: Path,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        seed: int = 1234,
        parallel: int = 8,
        kv_cache_type: str = "q8_0",
        prompt_chunk: int = PROMPT_CHUNK,
        chat_template: str = "",
        kept_prompts_mb: float = 64,
    ) -> None:
        """`n_ctx` is each request's context (prompt and answer); `parallel` requests
        decode together, each with a KV cache of `n_ctx` tokens. `kv_cache_type`: how
        their cache keeps keys (KV_CACHE_TYPES); values are f16 (a quantized value cache
        needs flash attention, which the engine leaves off). Option scoring has its own
        context, which keeps f16 keys: scores are read as numbers (importance, places,
        interviews), so they are kept exact, and that cache is a single sequence's.
        `chat_template`: empty for the model's own, else a name in CHAT_TEMPLATES or the
        path of a Jinja file. `kept_prompts_mb`: the memory for scoring prompts kept
        evaluated (LLMRequest.reread), least recently used dropped first; about 1.2 MB a
        prompt of 40 tokens on the default model; 0 keeps none."""
        if kv_cache_type not in KV_CACHE_TYPES:
            raise ValueError(f"unknown KV cache type {kv_cache_type!r}; use one of {sorted(KV_CACHE_TYPES)}")
        path = Path(path)
        if not path.is_file():
            raise Unavailable(
                f"model file {path} not found: run `make setup`, drop a GGUF into models/, "
                "or set model_path"
            )
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = _configured_chat_template(chat_template)  # before the load: a wrong setting fails fast

        # The library's default for generation; batches (prompts, and every step of
        # batched decoding) use the same threads.
        n_threads = n_threads or max(1, (os.cpu_count() or 2) // 2)

        self.name = path.stem
        # Each request samples with the next seed: runs are reproducible, yet two
        # similar prompts do not get the same answer.
        self._seeds = itertools.count(seed)
        self._llm = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            n_gpu_layers=n_gpu_layers,
            seed=seed,
            verbose=False,
        )
        template = template or self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            self._llm.close()
            raise Unavailable(
                f"model {path.name} has no chat template (tokenizer.chat_template): set chat_template = "
                f'"chatml" (or {", ".join(repr(n) for n in CHAT_TEMPLATES if n != "chatml")}, or the path of '
                "a Jinja file) in simulacra.toml, or SIMULACRA_CHAT_TEMPLATE"
            )
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self._llm._model.token_get_text(self._llm.token_eos()),
            bos_token=self._llm._model.token_get_text(self._llm.token_bos()),
        )
        self.n_threads = n_threads
        self._kept: OrderedDict[tuple[int, ...], _Kept] = OrderedDict()
        self._kept_bytes = 0
        self._kept_limit = int(kept_prompts_mb * 2**20)
        # Scorings that restored a kept prompt whole, or one's beginning.
        self.restored = {"whole": 0, "beginning": 0}
        self.engine = BatchEngine(self._llm._model, slots=parallel, ctx_per_slot=n_ctx, n_threads=n_threads,
                                  n_batch=prompt_chunk, type_k=KV_CACHE_TYPES[kv_cache_type])
        log.info("loaded model %s (context %d tokens, %d requests in parallel)", self.name, n_ctx, parallel)

    def reseed(self, seed: int) -> None:
        """The next request samples with `seed`, the one after with seed + 1, ..."""
        self._seeds = itertools.count(seed)

    def close(self) -> None:
        self.engine.close()
        self._llm.close()

    def sequence(self, request: LLMRequest, tag: object = None) -> Sequence:
        """A request's generation state for the batching engine (`self.engine`); each
        request samples with the next seed."""
        return Sequence(
            prompt=self._prompt_tokens(request),
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            seed=next(self._seeds),
            grammar=request.grammar,
            stop=tuple(request.stop),
            repeat_penalty=request.repeat_penalty,
            logit_bias=self._token_bias(request.logit_bias),
            # (A prompt only kept warm, PrepareChat's, samples nothing to ground.)
            grounding=Grounding(self.vocabulary, known_words(m["content"] for m in request.messages))
            if request.grounded and request.max_tokens > 0 else None,
            tag=tag,
        )

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """The model's tokens as text, read by grounding (built at its first use)."""
        return Vocabulary([self.engine.piece(t).decode("utf-8", "replace") for t in range(self.engine.n_vocab)])

    def _token_bias(self, words: tuple[tuple[str, float], ...]) -> tuple[tuple[int, float], ...]:
        """The tokens that spell each word whole, alone or after a space, with its bias."""
        biased: dict[int, float] = {}
        for word, bias in words:
            for text in (word, " " + word):
                tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
                if len(tokens) == 1:
                    biased[tokens[0]] = bias
        return tuple(biased.items())

    def stream(self, request: LLMRequest) -> Iterator[str]:
        yield from drive(self.engine, self.sequence(request))

    def score_options(self, request: LLMRequest, options: list[str], *, per_token: bool = False) -> list[float]:
        """Exact log-probabilities of each option continuing the assistant's turn.

        The prompt is evaluated once (reusing the KV cache for a prefix shared with the
        previous request); each option is then decoded in one batch with logits at
        every position, so scoring many options costs little more than reading them.
        """
        *_, scores = self.score_options_in_steps(request, options, per_token=per_token)
        return scores

    def score_options_in_steps(self, request: LLMRequest, options: list[str], *,
                               per_token: bool = False) -> Iterator[list[float] | None]:
        """score_options, pausing (a None) after each chunk of the prompt and each
        option. Scoring has a context of its own, apart from the batching engine's, and
        that context is consistent at every pause: the engine may decode meanwhile."""
        base = self._prompt_tokens(request)
        kept = self._kept.get(key := tuple(base))
        if kept is not None and self._restore(base, kept):
            self._kept.move_to_end(key)
            self.restored["whole"] += 1
            first = kept.first
        else:
            self._restore_beginning(base)
            yield from self._eval_reusing_prefix(base)
            first = _log_softmax(self._last_logits())
            if request.reread:
                self._keep(key, first)
        scores = []
        for option in options:
            yield None
            tokens = self._llm.tokenize(option.encode("utf-8"), add_bos=False, special=False)
            total = float(first[tokens[0]])
            if len(tokens) > 1:
                rows = _log_softmax(self._decode_with_all_logits(tokens[:-1], n_past=len(base)))
                total += float(rows[np.arange(len(tokens) - 1), tokens[1:]].sum())
            scores.append(total / len(tokens) if per_token else total)
        self._llm.n_tokens = len(base)
        yield scores

    def _keep(self, key: tuple[int, ...], first: np.ndarray) -> None:
        """Keep the state the context holds, the prompt `key` evaluated, and `first`
        (the log-probabilities after it); drop the least recently used past the limit."""
        ctx = self._llm._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        kept = _Kept((ctypes.c_uint8 * size)(), first.astype(np.float32))
        if kept.nbytes > self._kept_limit or llama_cpp.llama_state_seq_get_data(ctx, kept.state, size, 0) != size:
            return
        if (old := self._kept.pop(key, None)) is not None:
            self._kept_bytes -= old.nbytes
        self._kept[key] = kept
        self._kept_bytes += kept.nbytes
        while self._kept_bytes > self._kept_limit:
            self._kept_bytes -= self._kept.popitem(last=False)[1].nbytes

    def _restore(self, tokens: tuple[int, ...] | list[int], kept: _Kept) -> bool:
        """Put the kept state of the prompt `tokens` in the context (in place of all it
        holds); False where llama.cpp could not (the context then holds nothing)."""
        llm = self._llm
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        llm.n_tokens = 0
        if llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, kept.state, len(kept.state), 0) != len(kept.state):
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            return False
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        return True

    def _restore_beginning(self, tokens: list[int]) -> None:
        """Where a kept prompt begins as `tokens` do for RESTORE_MIN_TOKENS more than
        what the context holds, restore it and cut it where they part: only the rest
        of `tokens` is evaluated."""
        llm = self._llm
        held = common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)
        # Only a kept prompt that begins with the first `need` tokens can serve: compared
        # whole first (in C), so that scoring no kept prompt can help (importance,
        # places) does not walk each one token by token.
        need = held + RESTORE_MIN_TOKENS
        start = tuple(tokens[:need])
        best, shared = None, held
        for key, kept in self._kept.items():
            if key[:need] == start and (n := common_prefix(key, tokens)) > shared:
                best, shared = (key, kept), n
        if best is None or len(start) < need or not self._restore(*best):
            return
        self._kept.move_to_end(best[0])
        llm._ctx.kv_cache_seq_rm(-1, shared, -1)
        llm.n_tokens = shared
        self.restored["beginning"] += 1

    def _eval_reusing_prefix(self, tokens: list[int]) -> Iterator[None]:
        """Evaluate `tokens` after the prefix the context already holds, SCORE_CHUNK at a
        time, pausing between chunks."""
        shared = common_prefix(self._llm.input_ids[: self._llm.n_tokens], tokens)
        # The last token is evaluated again so that its logits are current.
        start = min(shared, len(tokens) - 1)
        self._llm.n_tokens = start
        for at in range(start, len(tokens), SCORE_CHUNK):
            if at > start:
                yield None
            self._llm.eval(tokens[at:at + SCORE_CHUNK])

    def _last_logits(self) -> np.ndarray:
        return np.ctypeslib.as_array(self._llm._ctx.get_logits(), shape=(self._llm.n_vocab(),)).copy()

    def _decode_with_all_logits(self, tokens: list[int], n_past: int) -> np.ndarray:
        """Decode tokens after n_past, returning the logits at every position (n, vocab)."""
        llm = self._llm
        if len(tokens) > llm.n_batch:
            raise ValueError(f"an option of {len(tokens)} tokens exceeds the batch size {llm.n_batch}")
        llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
        llm._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
        llm._ctx.decode(llm._batch)
        llm.input_ids[n_past : n_past + len(tokens)] = tokens
        llm.n_tokens = n_past + len(tokens)
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(len(tokens), llm.n_vocab())).copy()

    def _prompt_tokens(self, request: LLMRequest) -> list[int]:
        prompt = self._formatter(messages=request.messages).prompt
        return self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def count_prompt_tokens(self, request: LLMRequest) -> int:
        return len(self._prompt_tokens(request))


def _configured_chat_template(setting: str) -> str | None:
    """The chat_template setting's Jinja template (a built-in name, or a file's
    contents), or None when it is empty: the model's own."""
    if not setting:
        return None
    if setting in CHAT_TEMPLATES:
        return CHAT_TEMPLATES[setting]
    file = Path(setting).expanduser()
    if not file.is_file():
        raise Unavailable(
            f"chat_template {setting!r} is neither a built-in template ({', '.join(CHAT_TEMPLATES)}) "
            "nor a Jinja file"
        )
    return file.read_text(encoding="utf-8")


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
