"""Continuous batching for the embedded llama.cpp model.

Several requests decode together: every step builds one `llama_batch` holding, for each
active sequence, either the next chunk of its prompt or the token it sampled last, each
under its own sequence id in one KV cache; one `llama_decode` then advances them all
(one per size of piece, so that each prompt chunk is evaluated as it is alone: with Q8_0
weights, batched logits are the logits alone to the bit).
On a CPU the weights are read once per step however many sequences share it, so eight
sequences cost little more per step than one. Requests join between steps, as soon as
a slot is free, and leave when they finish; a sequence can be evicted between steps
(its KV cells are dropped) and resumed later: its prompt and the tokens it already
generated are decoded again, and its sampler carries on where it stopped, so the
answer continues as if it had never been interrupted.

Prefixes stay warm. A slot that a sequence leaves keeps the KV cells it holds when
the sequence was evicted (it resumes there at no cost if the slot is still warm), or
when it asked to keep its prompt (`keep_prompt`: the preamble of a conversation with
the player, whose next line then only evaluates what was added). A sequence is
admitted to the warm slot sharing the longest prefix with its tokens, else to a cold
slot, else to the warm slot least worth keeping; it evaluates only what follows the
shared prefix. A sequence with `max_tokens` 0 only evaluates its prompt and keeps it:
it warms a slot ahead of a request known to come.

Each sequence samples with its own sampler chain (temperature, seed, llama.cpp's
top-k/top-p/min-p defaults, and a repetition penalty over its own recent tokens when
the request asks for one) and its own GBNF grammar. The grammar is checked against
the token the chain picks first and applied to the whole vocabulary only when that
token is refused, as llama.cpp's own server does: for greedy decoding the result is
the same as constraining first, and most steps skip the cost of matching every token
of the vocabulary against the grammar.

Not thread safe: one thread owns an engine (the model scheduler's worker).
"""

from __future__ import annotations

import codecs
import ctypes
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import llama_cpp
import numpy as np
from llama_cpp._internals import LlamaBatch, LlamaContext

from agent_server.llm.grounding import Grounding

# llama-cpp-python's defaults for chat completions, so that batched answers are
# sampled like the library's own.
TOP_K = 40
TOP_P = 0.95
MIN_P = 0.05
# A repetition penalty looks back this many generated tokens.
PENALTY_LAST_N = 64

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)
assert _TOKEN_DATA.itemsize == ctypes.sizeof(llama_cpp.llama_token_data)


# A warm prefix shorter than this is not worth a slot: a cold slot is taken instead.
MIN_REUSE_TOKENS = 16
# Tokens at the end of a warm slot's cells that a request may differ in and still count
# as going on from them: a chat template's turn header (a prompt kept for the player
# ends "<|im_start|>assistant\n"; the next line's goes on "<|im_start|>user\n").
TAIL_SLACK = 4
# A prompt kept on purpose is pinned this many seconds after it was kept: its slot is
# given up only when every other is in use, and the scheduler leaves it free meanwhile
# (the player typing the next line).
PIN_SECONDS = 60.0
# Kept prompts pinned at once at most (the newest): a player walking past several
# people must not take the batch from the town.
MAX_PINNED = 2


class ContextFull(ValueError):
    """A prompt that does not fit a sequence's share of the context."""


@dataclass
class StepEvent:
    """What one decode step did for one sequence."""

    sequence: Sequence
    piece: str = ""  # new text (possibly empty: a partial character, or text held back by a stop string)
    finished: bool = False
    error: BaseException | None = None


@dataclass(eq=False)
class Sequence:
    """One request's generation state; lives across evictions."""

    prompt: list[int]
    max_tokens: int
    temperature: float
    seed: int
    grammar: str | None = None
    stop: tuple[str, ...] = ()
    repeat_penalty: float = 1.0  # > 1: tokens generated lately become less likely (sampled answers only)
    logit_bias: tuple[tuple[int, float], ...] = ()  # (token, bias added to its logit)
    grounding: Grounding | None = None  # names and numbers only from the prompt (llm/grounding.py)
    ungrounded: bool = False  # it stopped where the model would rather have named what it was not given
    keep_prompt: bool = False  # when it finishes, its slot keeps the prompt's cells warm
    rank: int = 0  # prompts of lower rank are fed first when a step cannot take them all
    tag: object = None  # the owner's handle (the scheduler's job)

    generated: list[int] = field(default_factory=list)
    text: str = ""  # emitted text
    finished: bool = False
    seq_id: int | None = None  # the KV sequence while active
    n_cached: int = 0  # tokens of prompt + generated held in the KV cache
    started_at: float | None = None
    first_token_at: float | None = None
    evictions: int = 0
    reused: int = 0  # prompt tokens found warm in the KV cache instead of evaluated
    model_seconds: float = 0.0  # this sequence's share of decode and sampling time
    _held: str = ""  # decoded text not yet emitted (could begin a stop string)
    _decoder: codecs.IncrementalDecoder = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    _chain: object = None
    _grammar_sampler: object = None
    _penalties: object = None

    @property
    def tokens(self) -> list[int]:
        return self.prompt + self.generated

    @property
    def to_feed(self) -> int:
        """Tokens not yet in the KV cache: the prompt at first, then the last sampled token."""
        return len(self.prompt) + len(self.generated) - self.n_cached


class BatchEngine:
    """A llama.cpp context with `slots` sequences decoding together.

    `ctx_per_slot` tokens of KV cache are kept per sequence (prompt plus answer);
    prompts are fed in chunks of up to `n_batch` tokens, one step decoding at most a
    chunk's worth of prompts and a token for every sequence that is generating.
    `type_k`: the ggml type keys are cached in (llama.cpp's default is f16).
    `unified` puts every sequence in one shared KV buffer of `ctx_per_slot` tokens
    (less memory, but each token's attention then spans every sequence's cells: on a
    CPU, 8 sequences of 350 tokens decode about 25% slower than with a stream each).
    """

    def __init__(
        self,
        model,  # llama_cpp._internals.LlamaModel
        *,
        slots: int = 8,
        ctx_per_slot: int = 2048,
        n_batch: int = 512,
        n_threads: int | None = None,
        n_threads_batch: int | None = None,
        unified: bool = False,
        type_k: int | None = None,
    ) -> None:
        if slots < 1:
            raise ValueError("a batch needs at least one slot")
        self.slots = slots
        self.ctx_per_slot = ctx_per_slot
        self.chunk = n_batch  # prompt tokens per step
        self.n_batch = n_batch + slots  # and a token for every generating sequence
        self._model = model
        self._vocab = model.vocab
        self.n_vocab = model.n_vocab()
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = ctx_per_slot * (1 if unified else slots)
        params.n_batch = self.n_batch
        params.n_ubatch = self.n_batch
        params.n_seq_max = slots
        # By default one KV stream per sequence: each token attends only to its own
        # sequence's cells, not to every cell of the batch (the sequences share no prefix).
        params.kv_unified = unified
        # Flash attention on the CPU accumulates in half precision, in an order that
        # depends on where a sequence's cells lie: answers would change with the batch.
        params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
        if type_k is not None:
            params.type_k = type_k  # keys may be quantized without flash attention; values may not
        if n_threads:
            params.n_threads = n_threads
            params.n_threads_batch = n_threads_batch or n_threads
        # The library's wrappers free the context before the model, and the batch.
        self._context = LlamaContext(model=model, params=params, verbose=False)
        self._ctx = self._context.ctx
        self._memory = self._context.memory
        self.ctx_per_slot = llama_cpp.llama_n_ctx_seq(self._ctx)
        self._batch_owner = LlamaBatch(n_tokens=self.n_batch, embd=0, n_seq_max=1, verbose=False)
        self._batch = self._batch_owner.batch
        self._free_ids = list(range(slots))
        # Free slots whose cells still hold tokens: slot -> (tokens, kept on purpose,
        # order of warming, monotonic time it was kept).
        self._warm: dict[int, tuple[list[int], bool, int, float]] = {}
        self._warmed = 0
        self.reused_tokens = 0
        self.active: list[Sequence] = []
        self._candidates = np.zeros(self.n_vocab, dtype=_TOKEN_DATA)
        self._token_ids = np.arange(self.n_vocab, dtype=np.int32)
        self._one = np.zeros(1, dtype=_TOKEN_DATA)
        self._piece_buffer = ctypes.create_string_buffer(64)
        self.decode_seconds = 0.0
        self.sample_seconds = 0.0
        self.steps = 0
        self.decodes = 0  # llama_decode calls: a step makes one per size of piece in it

    def close(self) -> None:
        for sequence in list(self.active):
            self._release(sequence)
        self._batch_owner.close()
        self._context.close()

    # ---- sequences joining and leaving -------------------------------------------

    @property
    def free_slots(self) -> int:
        return len(self._free_ids)

    def admit(self, sequence: Sequence) -> None:
        """Start (or resume) a sequence in a free slot; it decodes from the next step."""
        if sequence.finished:
            raise ValueError("the sequence has finished")
        if not self._free_ids:
            raise RuntimeError("no free slot")
        if len(sequence.prompt) + 1 > self.ctx_per_slot:
            raise ContextFull(
                f"the prompt has {len(sequence.prompt)} tokens; a sequence holds {self.ctx_per_slot}"
            )
        if sequence._chain is None:
            self._make_samplers(sequence)
        tokens = sequence.tokens
        slot, shared = self._pick_slot(tokens)
        self._free_ids.remove(slot)
        self._warm.pop(slot, None)
        # At least the last token is evaluated again, so that its logits are current.
        keep = min(shared, len(tokens) - 1)
        llama_cpp.llama_memory_seq_rm(self._memory, slot, keep, -1)
        sequence.seq_id = slot
        sequence.n_cached = keep
        if sequence.evictions == 0:
            sequence.reused = min(keep, len(sequence.prompt))
        self.reused_tokens += keep
        if sequence.started_at is None:
            sequence.started_at = time.monotonic()
        self.active.append(sequence)

    def forget(self) -> None:
        """Let every warm slot go cold (their cells dropped)."""
        for slot in list(self._warm):
            llama_cpp.llama_memory_seq_rm(self._memory, slot, -1, -1)
        self._warm.clear()

    def _pick_slot(self, tokens: list[int]) -> tuple[int, int]:
        """The free slot for `tokens`, and how many of them it already holds. A warm
        slot whose cells `tokens` continue (a paused sequence, a kept prompt; all but up
        to TAIL_SLACK of its last cells) is taken first; one that shares only a beginning with them (a chat template's
        opening) only when no slot is cold, since its other cells are then lost."""
        whole, partial = (None, 0), (None, 0)
        for slot, (held, _, _, _) in self._warm.items():
            common = common_prefix(held, tokens)
            if common < MIN_REUSE_TOKENS:
                continue
            if common >= len(held) - TAIL_SLACK and common > whole[1]:
                whole = (slot, common)
            elif common > partial[1] and not self._pinned(slot):
                partial = (slot, common)
        if whole[0] is not None:
            return whole
        cold = sorted(s for s in self._free_ids if s not in self._warm)
        if cold:
            return cold[0], 0
        if partial[0] is not None:
            return partial
        # Every free slot is warm: give up the one least worth keeping (not pinned
        # first, then not kept on purpose, then the one warm the longest).
        slot = min(self._warm, key=lambda s: (self._pinned(s), self._warm[s][1], self._warm[s][2]))
        return slot, 0

    def _pinned(self, slot: int) -> bool:
        _, kept, _, at = self._warm[slot]
        return kept and time.monotonic() - at < PIN_SECONDS

    @property
    def pinned(self) -> int:
        """Free slots holding a prompt kept on purpose lately (see PIN_SECONDS)."""
        return sum(self._pinned(slot) for slot in self._warm)

    def evict(self, sequence: Sequence) -> None:
        """Take an unfinished sequence out between steps; `admit` resumes it (where its
        cells are, if its slot is still warm then)."""
        self._leave(sequence, sequence.tokens[: sequence.n_cached], keep=False)
        sequence.evictions += 1

    def cancel(self, sequence: Sequence) -> None:
        """Stop a sequence for good and free its slot (which keeps its cells warm if
        the sequence asked to keep its prompt and the prompt is in the cache)."""
        sequence.finished = True
        # The prompt only: a request that goes on from it writes the answer in its own
        # words (stripped, tokenized anew), which need not match the tokens sampled.
        held = sequence.prompt if sequence.keep_prompt and sequence.n_cached >= len(sequence.prompt) else []
        self._leave(sequence, held, keep=True)
        self._release(sequence)

    def _leave(self, sequence: Sequence, held: list[int], *, keep: bool) -> None:
        """Free the sequence's slot; its cells after `held` are dropped, and `held` stays
        warm there (`keep`: kept on purpose, given up last)."""
        if sequence.seq_id is None:
            return
        slot = sequence.seq_id
        llama_cpp.llama_memory_seq_rm(self._memory, slot, len(held), -1)
        if held:
            self._warmed += 1
            self._warm[slot] = (list(held), keep, self._warmed, time.monotonic())
            kept = sorted((w[2], s) for s, w in self._warm.items() if w[1])
            for _, older in kept[:-MAX_PINNED]:
                tokens, _, order, at = self._warm[older]
                self._warm[older] = (tokens, False, order, at)
        self._free_ids.append(slot)
        sequence.seq_id = None
        sequence.n_cached = 0
        self.active.remove(sequence)

    def _release(self, sequence: Sequence) -> None:
        self._leave(sequence, [], keep=False)
        for name in ("_chain", "_grammar_sampler", "_penalties"):
            sampler = getattr(sequence, name)
            if sampler is not None:
                llama_cpp.llama_sampler_free(sampler)
                setattr(sequence, name, None)

    def _make_samplers(self, sequence: Sequence) -> None:
        if sequence.grammar:
            grammar = llama_cpp.llama_sampler_init_grammar(
                self._vocab, sequence.grammar.encode("utf-8"), b"root"
            )
            if not grammar:
                raise ValueError("the grammar does not parse")
            sequence._grammar_sampler = grammar
        chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
        add = llama_cpp.llama_sampler_chain_add
        if sequence.logit_bias:
            biases = (llama_cpp.llama_logit_bias * len(sequence.logit_bias))(
                *(llama_cpp.llama_logit_bias(token=t, bias=b) for t, b in sequence.logit_bias))
            add(chain, llama_cpp.llama_sampler_init_logit_bias(self.n_vocab, len(biases), biases))
        if sequence.temperature <= 0:
            add(chain, llama_cpp.llama_sampler_init_greedy())
        else:
            add(chain, llama_cpp.llama_sampler_init_top_k(TOP_K))
            if sequence.repeat_penalty != 1.0:
                # Its own sampler, not in the chain: it learns only the tokens the answer
                # keeps (the chain's first pick may be refused by the grammar).
                sequence._penalties = llama_cpp.llama_sampler_init_penalties(
                    self.n_vocab, PENALTY_LAST_N, sequence.repeat_penalty, 0.0, 0.0)
            add(chain, llama_cpp.llama_sampler_init_top_p(TOP_P, 1))
            add(chain, llama_cpp.llama_sampler_init_min_p(MIN_P, 1))
            add(chain, llama_cpp.llama_sampler_init_temp(sequence.temperature))
            add(chain, llama_cpp.llama_sampler_init_dist(sequence.seed & 0xFFFFFFFF))
        sequence._chain = chain

    # ---- one decode step ---------------------------------------------------------

    def step(self) -> list[StepEvent]:
        """Decode one step: a token for every generating sequence, then prompt chunks
        for the others, by rank and then in the order they were admitted, up to one
        chunk in all."""
        if not self.active:
            return []
        generating = [s for s in self.active if s.to_feed == 1]
        prefilling = sorted((s for s in self.active if s.to_feed > 1), key=lambda s: s.rank)
        planned: list[tuple[Sequence, int]] = [(s, 1) for s in generating]
        # Prompts are fed in chunks of `chunk` tokens counted from their start, whatever
        # else shares the step, so that a prompt is evaluated the same way batched or
        # alone (and so are the answers).
        room = self.chunk
        for sequence in prefilling:
            count = min(sequence.to_feed, self.chunk - sequence.n_cached % self.chunk)
            if count > room:
                break
            planned.append((sequence, count))
            room -= count
        # One llama_decode per size of piece: llama.cpp cuts a batch over separate KV
        # streams into micro-batches holding as many tokens of every sequence in them
        # (the fewest any has left), so pieces of different sizes in one batch would be
        # evaluated in other pieces than alone. A token evaluated as its stream's only
        # row goes through other attention arithmetic than one among several, and the logits
        # then differ by up to a few tenths (bench/README.md, "Batched or alone"):
        # batched answers would part from answers alone. Grouped by size, every
        # sequence's piece is one micro-batch row block, as it is alone. Within a
        # group, ids in order: llama.cpp also cuts at every gap between sequence ids.
        groups: dict[int, list[tuple[Sequence, int]]] = {}
        for item in sorted(planned, key=lambda item: (item[1], item[0].seq_id)):
            groups.setdefault(item[1], []).append(item)
        self.steps += 1
        events: list[StepEvent] = []
        for group in groups.values():
            events += self._decode(group)
        return events

    def _decode(self, planned: list[tuple[Sequence, int]]) -> list[StepEvent]:
        """Evaluate each sequence's next `count` tokens in one llama_decode, then sample
        for every sequence whose tokens are then all in the cache."""
        batch = self._batch
        n = 0
        outputs: list[tuple[Sequence, int]] = []  # sequences sampling after this decode, batch index
        warmed: list[Sequence] = []  # prompt-only sequences whose prompt is in the cache after it
        for sequence, count in planned:
            tokens = sequence.tokens
            start = sequence.n_cached
            for offset in range(count):
                batch.token[n] = tokens[start + offset]
                batch.pos[n] = start + offset
                batch.n_seq_id[n] = 1
                batch.seq_id[n][0] = sequence.seq_id
                batch.logits[n] = 0
                n += 1
            sequence.n_cached += count
            if sequence.n_cached == len(tokens):
                if sequence.max_tokens == 0:
                    warmed.append(sequence)
                else:
                    batch.logits[n - 1] = 1
                    outputs.append((sequence, n - 1))
        batch.n_tokens = n
        started = time.monotonic()
        status = llama_cpp.llama_decode(self._ctx, batch)
        decoded = time.monotonic()
        self.decode_seconds += decoded - started
        self.decodes += 1
        if status != 0:
            raise RuntimeError(f"llama_decode returned {status}")
        decode_seconds = decoded - started
        for sequence, count in planned:
            sequence.model_seconds += decode_seconds * count / n
        events = [self._finish(sequence) for sequence in warmed]
        for sequence, index in outputs:
            sampled_at = time.monotonic()
            try:
                events.append(self._advance(sequence, index))
            except RuntimeError as exc:  # a sampler that cannot go on fails its own request only
                self.cancel(sequence)
                events.append(StepEvent(sequence, finished=True, error=exc))
            sequence.model_seconds += time.monotonic() - sampled_at
        self.sample_seconds += time.monotonic() - decoded
        return events

    def _advance(self, sequence: Sequence, index: int) -> StepEvent:
        banned = None
        if sequence.grounding is not None:
            banned = sequence.grounding.banned(sequence.text + sequence._held)
            if banned.any() and self._mass(index, banned) > sequence.grounding.give_up:
                # The model would rather name what it was not given: the answer stops
                # here, and whoever reads it keeps what was whole before.
                sequence.ungrounded = True
                return self._finish(sequence)
        token = self._sample(sequence, index, banned)
        if sequence.first_token_at is None:
            sequence.first_token_at = time.monotonic()
        if llama_cpp.llama_vocab_is_eog(self._vocab, token):
            return self._finish(sequence)
        for sampler in (sequence._grammar_sampler, sequence._penalties):
            if sampler is not None:
                llama_cpp.llama_sampler_accept(sampler, token)
        sequence.generated.append(token)
        sequence._held += sequence._decoder.decode(self.piece(token))
        for stop in sequence.stop:
            at = sequence._held.find(stop)
            if at >= 0:
                sequence._held = sequence._held[:at]
                return self._finish(sequence)
        out_of_room = sequence.n_cached + 1 >= self.ctx_per_slot
        if len(sequence.generated) >= sequence.max_tokens or out_of_room:
            return self._finish(sequence)
        keep = _stop_prefix(sequence._held, sequence.stop)
        piece = sequence._held[: len(sequence._held) - keep]
        sequence._held = sequence._held[len(piece):]
        sequence.text += piece
        return StepEvent(sequence, piece)

    def _finish(self, sequence: Sequence) -> StepEvent:
        piece = sequence._held + sequence._decoder.decode(b"", final=True)
        if sequence.stop:
            for stop in sequence.stop:
                at = piece.find(stop)
                if at >= 0:
                    piece = piece[:at]
        sequence._held = ""
        sequence.text += piece
        self.cancel(sequence)
        return StepEvent(sequence, piece, finished=True)

    def piece(self, token: int) -> bytes:
        size = llama_cpp.llama_token_to_piece(self._vocab, token, self._piece_buffer, len(self._piece_buffer), 0, False)
        if size < 0:  # a longer piece than the buffer: grow it
            self._piece_buffer = ctypes.create_string_buffer(-size)
            return self.piece(token)
        return self._piece_buffer.raw[:size]

    def _mass(self, index: int, tokens: np.ndarray) -> float:
        """The probability the model gives `tokens` (a mask) at `index`, at temperature 1."""
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self._ctx, index), shape=(self.n_vocab,))
        p = np.exp(logits - logits.max())
        return float(p[tokens].sum() / p.sum())

    def _sample(self, sequence: Sequence, index: int, banned: np.ndarray | None = None) -> int:
        """The next token, by the chain, the grammar, and not one of `banned` (grounding)."""
        grammar = sequence._grammar_sampler
        if sequence._penalties is None:
            token = llama_cpp.llama_sampler_sample(sequence._chain, self._ctx, index)
            if (grammar is None or self._allowed(grammar, token)) and (banned is None or not banned[token]):
                return token
        else:
            token = self._choose(sequence, index, constrained=False, banned=banned)
            if grammar is None or self._allowed(grammar, token):
                llama_cpp.llama_sampler_accept(sequence._chain, token)
                return token
        # The chain's choice breaks the grammar (or grounding): constrain the whole
        # vocabulary, then let the chain choose among what is left.
        token = self._choose(sequence, index, constrained=grammar is not None, banned=banned)
        llama_cpp.llama_sampler_accept(sequence._chain, token)
        return token

    def _choose(self, sequence: Sequence, index: int, *, constrained: bool, banned: np.ndarray | None = None) -> int:
        """The chain's pick from the whole vocabulary's logits at `index`, less the
        `banned` tokens, after the grammar (when `constrained`) and the repetition
        penalty; nothing is accepted. Should grounding and the grammar together leave
        nothing, grounding gives way."""
        logits = llama_cpp.llama_get_logits_ith(self._ctx, index)
        candidates = self._candidates  # the samplers sort it in place: refill every field
        candidates["id"] = self._token_ids
        candidates["logit"] = np.ctypeslib.as_array(logits, shape=(self.n_vocab,))
        if banned is not None:
            candidates["logit"][banned] = -np.inf
        candidates["p"] = 0.0
        array = llama_cpp.llama_token_data_array(
            data=candidates.ctypes.data_as(llama_cpp.llama_token_data_p),
            size=self.n_vocab,
            selected=-1,
            sorted=False,
        )
        if constrained:
            llama_cpp.llama_sampler_apply(sequence._grammar_sampler, ctypes.byref(array))
        if sequence._penalties is not None:
            llama_cpp.llama_sampler_apply(sequence._penalties, ctypes.byref(array))
        llama_cpp.llama_sampler_apply(sequence._chain, ctypes.byref(array))
        if array.selected < 0 or not np.isfinite(array.data[array.selected].logit):
            if banned is not None:
                return self._choose(sequence, index, constrained=constrained)
            raise RuntimeError("the grammar allows no token here")
        return int(array.data[array.selected].id)

    def _allowed(self, grammar, token: int) -> bool:
        one = self._one
        one["id"] = token
        one["logit"] = 0.0
        array = llama_cpp.llama_token_data_array(
            data=one.ctypes.data_as(llama_cpp.llama_token_data_p), size=1, selected=-1, sorted=False
        )
        llama_cpp.llama_sampler_apply(grammar, ctypes.byref(array))
        return bool(np.isfinite(one["logit"][0]))


def common_prefix(a: Iterable[int], b: Iterable[int]) -> int:
    """How many tokens two token lists share from their start."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _stop_prefix(text: str, stops: tuple[str, ...]) -> int:
    """Length of the longest end of `text` that begins one of `stops` (held back)."""
    longest = 0
    for stop in stops:
        for length in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:length]):
                longest = length
                break
    return longest


def drive(engine: BatchEngine, sequence: Sequence, on_event: Callable[[StepEvent], None] | None = None):
    """Yield `sequence`'s pieces, stepping the engine (and so every other active
    sequence, whose events go to `on_event`) until it finishes."""
    engine.admit(sequence)
    while True:
        events = engine.step()
        for event in events:
            if event.sequence is sequence:
                if event.error is not None:
                    raise event.error
                if event.piece:
                    yield event.piece
                if event.finished:
                    return
            elif on_event is not None:
                on_event(event)
