"""Model files the embedded backend may be given: a GGUF without a chat template (a base
model's, such as Gemma 3 270M) fails with an error that names the fix, and the
chat_template setting lays its prompts out instead.

The template-less GGUF is the default model's file with the one metadata entry
`tokenizer.chat_template` left out (everything else, tensors included, byte for byte),
written by the small GGUF reader below."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from agent_server.errors import Unavailable
from agent_server.llm.base import LLMRequest
from agent_server.llm.llama_cpp import CHAT_TEMPLATES, LlamaCppModel
from agent_server.server import load_model
from tests.conftest import make_settings

pytestmark = pytest.mark.model

TEMPLATE_KEY = "tokenizer.chat_template"
# GGUF metadata value types by number: the fixed-size ones' struct formats; 8 is a
# string, 9 an array.
_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str):
        (value,) = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return value

    def string(self) -> str:
        length = self.take("Q")
        self.at += length
        return self.data[self.at - length:self.at].decode("utf-8")

    def value(self, kind: int):
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item, count = self.take("I"), self.take("Q")
            return [self.value(item) for _ in range(count)]
        return self.take(_FORMATS[kind])


def gguf_metadata_keys(path: Path) -> list[str]:
    data = path.read_bytes()
    reader = _Reader(data)
    assert data[:4] == b"GGUF"
    reader.at = 8
    reader.take("Q")
    keys = []
    for _ in range(reader.take("Q")):
        keys.append(reader.string())
        reader.value(reader.take("I"))
    return keys


def without_metadata(source: Path, target: Path, drop: str) -> None:
    """Copy a GGUF (version 2 or 3) leaving out one metadata entry. Tensor offsets count
    from the start of the data section, so the tensor infos and the data are copied as
    they are; only the data section's start is aligned again."""
    data = source.read_bytes()
    reader = _Reader(data)
    assert data[:4] == b"GGUF" and struct.unpack_from("<I", data, 4)[0] in (2, 3)
    reader.at = 8
    n_tensors, n_kv = reader.take("Q"), reader.take("Q")
    kept, alignment, dropped = [], 32, 0
    for _ in range(n_kv):
        start = reader.at
        key = reader.string()
        value = reader.value(reader.take("I"))
        if key == "general.alignment":
            alignment = value
        if key == drop:
            dropped += 1
        else:
            kept.append(data[start:reader.at])
    assert dropped == 1, f"{source} has no {drop}"
    infos_start = reader.at
    for _ in range(n_tensors):
        reader.string()
        n_dims = reader.take("I")
        reader.at += 8 * n_dims
        reader.at += 4 + 8  # type and offset
    infos = data[infos_start:reader.at]
    data_start = -(-reader.at // alignment) * alignment
    head = data[:8] + struct.pack("<QQ", n_tensors, n_kv - 1) + b"".join(kept) + infos
    with target.open("wb") as out:
        out.write(head)
        out.write(b"\0" * (-len(head) % alignment))
        out.write(memoryview(data)[data_start:])


@pytest.fixture(scope="module")
def untemplated_model(real_model_path, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("models") / "no-template.gguf"
    without_metadata(real_model_path, target, TEMPLATE_KEY)
    keys = gguf_metadata_keys(target)
    assert TEMPLATE_KEY not in keys and TEMPLATE_KEY in gguf_metadata_keys(real_model_path)
    assert len(keys) == len(gguf_metadata_keys(real_model_path)) - 1
    return target


REQUEST = LLMRequest(
    messages=[
        {"role": "system", "content": "You are Isabella Rodriguez, who runs Hobbs Cafe."},
        {"role": "user", "content": "Hello! What do you do here?"},
    ],
    max_tokens=24,
    temperature=0.0,
)


def test_a_model_without_a_chat_template_names_the_fix(untemplated_model):
    with pytest.raises(Unavailable) as raised:
        LlamaCppModel(untemplated_model, n_ctx=512, parallel=1)
    message = str(raised.value)
    assert "no-template.gguf has no chat template (tokenizer.chat_template)" in message
    assert 'chat_template = "chatml"' in message and "simulacra.toml" in message


def test_the_chatml_fallback_lays_out_prompts_as_the_models_own_template_did(untemplated_model, real_model_path):
    own = LlamaCppModel(real_model_path, n_ctx=512, parallel=1)
    try:
        own_prompt, own_answer = own._prompt_tokens(REQUEST), own.complete(REQUEST).text
    finally:
        own.close()
    model = LlamaCppModel(untemplated_model, n_ctx=512, parallel=1, chat_template="chatml")
    try:
        # SmolLM2's own template is ChatML: the same tokens, so the same greedy answer.
        assert model._prompt_tokens(REQUEST) == own_prompt
        answer = model.complete(REQUEST).text
        assert answer.strip() and answer == own_answer
        scores = model.score_options(REQUEST, ["I run the cafe.", "I am a robot."])
        assert all(score < 0 for score in scores)
    finally:
        model.close()
    print(f"answer with chat_template = chatml: {answer!r}")


def test_the_setting_reaches_the_model_and_takes_a_jinja_file(untemplated_model, tmp_path):
    template = tmp_path / "chatml.jinja"
    template.write_text(CHAT_TEMPLATES["chatml"], encoding="utf-8")
    model = load_model(make_settings(tmp_path, model_path=untemplated_model, chat_template=str(template),
                                     llm_parallel=1, n_ctx=512))
    try:
        assert model.complete(REQUEST).text.strip()
    finally:
        model.close()


def test_an_unknown_chat_template_fails_before_the_model_loads(tmp_path):
    empty = tmp_path / "empty.gguf"  # llama.cpp would fail on it: the setting is checked first
    empty.touch()
    with pytest.raises(Unavailable, match="'chatm1' is neither a built-in template"):
        LlamaCppModel(empty, chat_template="chatm1")
