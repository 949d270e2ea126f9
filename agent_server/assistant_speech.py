"""Telling an assistant's sentence from a person's: a classifier on sentence embeddings
that reads each sentence an agent's model writes before anyone reads it.

Why: the character guard (character.py) knows the phrases a model uses to say what it
is ("I'm an AI", "as a language model"); the 135M default model breaks character far
more often in an assistant's register than in any phrase a list can hold: "as a support
system I don't have the ability to provide that", "you can reach me through the
website", "Do let me know if there's anything else we can do to assist you or answer any
questions", "Here is a JSON with the keys name and occupation", instructions for a VPN.
Each new phrase added to the guard caught the last answer seen and not the next. What
these sentences share is their register (service offered to a user, talk of requests,
responses, prompts, formats, code, stories to write), which a sentence embedding holds:
a logistic regression on the embedder's vectors, trained on sentences the default
model wrote on the believability benchmark's lines over many runs
(`data/assistant_speech_labels.json`: a sentence a person of a town could say, or one
only an assistant, a program or a writer's helper would), reads a sentence in one
embedding (a few milliseconds). How they were labelled: every sentence holding a word
of an assistant's trade (assist, provide, information, user, story, program ...: 974)
was read and labelled by hand, as were a random 150 of the rest and the 206 of the rest
that a first model trained on these read likeliest an assistant's; the others (about
3,000) are a person's unread, except those holding a word of a program's work (Python,
a terminal, a VPN, a request, a format ...), which were left out.

Labelled: "assistant" for a sentence no person in a town would say in a conversation:
an assistant's service ("I'm here to help you with whatever's on your mind", "feel free
to ask"), its work (code, JSON, text rewritten, steps to install something), talk of
the conversation as a task (prompts, users, requests, responses, the character it
plays, the story being written); a person's otherwise, odd or off the point as it may
be. Sentences a person might say and an assistant too ("I'd be happy to help.", "How
can I help you today?" from a shopkeeper) were left out of the data: the classifier is
for what is plainly not a person's, at a threshold chosen for few false alarms (its
cross-validated precision and recall are in the model file), since a sentence it stops
is not said.

`python -m agent_server.assistant_speech` trains the model again from the labels and
writes `data/assistant_speech.json` with its cross-validated figures. The model is for
the embedder it was trained with; with another it reads nothing (`applies`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent_server.memory import Embedder

DATA = Path(__file__).with_name("data")
MODEL_PATH = DATA / "assistant_speech.json"
LABELS_PATH = DATA / "assistant_speech_labels.json"

# L2 penalty of the regression (on the sum of the weighted log-losses), and the share of
# false alarms allowed in choosing the threshold: the lowest threshold whose
# cross-validated precision reaches TARGET_PRECISION.
PENALTY = 0.3
TARGET_PRECISION = 0.995
FOLDS = 5
# The cosine of a sentence's embedding to one of its speaker's identity sentences from
# which it is the speaker's own voice, never an assistant's.
OWN_VOICE = 0.7


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class SpeechModel:
    """The regression's weights over an embedder's vectors, and the threshold."""

    embedder: str
    weights: np.ndarray
    bias: float
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> SpeechModel:
        data = json.loads(path.read_text())
        return cls(embedder=data["embedder"], weights=np.asarray(data["weights"], dtype=np.float32),
                   bias=float(data["bias"]), threshold=float(data["threshold"]))

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """The probability that each row's sentence is an assistant's."""
        return _logistic(np.asarray(vectors, dtype=np.float32) @ self.weights + self.bias)


class AssistantSpeech:
    """Reads whether a sentence is an assistant's (see the module's doc)."""

    def __init__(self, embedder: Embedder, model: SpeechModel | None = None, *, cache: int = 1024) -> None:
        self._embedder = embedder
        self._model = model if model is not None else SpeechModel.load()
        self._seen: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._cache = cache
        # Sentences read, and of them those found an assistant's.
        self.read = 0
        self.found = 0

    @property
    def applies(self) -> bool:
        """Whether the model was trained on this embedder's vectors (with another it
        finds nothing)."""
        return self._model.embedder == self._embedder.name and len(self._model.weights) == self._embedder.dim

    def _vector(self, text: str) -> np.ndarray:
        """`text`'s embedding, kept for the last `cache` texts read. Embeds on the calling
        thread (a few milliseconds); several threads may read at once (says_async)."""
        key = " ".join(text.split())
        with self._lock:
            vector = self._seen.get(key)
        if vector is None:
            vector = self._embedder.embed(key)
        with self._lock:
            self._seen[key] = vector
            self._seen.move_to_end(key)
            while len(self._seen) > self._cache:
                self._seen.popitem(last=False)
        return vector

    def probability(self, sentence: str) -> float:
        """The probability that `sentence` is an assistant's (0 where the model does not
        apply)."""
        if not self.applies or not sentence.strip():
            return 0.0
        return float(self._model.probabilities(self._vector(sentence)[None, :])[0])

    def says(self, sentence: str, own: tuple[str, ...] = ()) -> bool:
        """Whether `sentence` is plainly an assistant's, not a person's. `own`: what the
        speaker says of itself (its identity's sentences); a sentence close to one of
        them in meaning (OWN_VOICE) is its own, whatever its trade ("I test software
        from home", said by a software tester)."""
        found = self.probability(sentence) >= self._model.threshold
        if found and own:
            vector = self._vector(sentence)
            found = not any(float(vector @ self._vector(s)) >= OWN_VOICE for s in own)
        with self._lock:
            self.read += 1
            self.found += found
        return found

    async def says_async(self, sentence: str, own: tuple[str, ...] = ()) -> bool:
        """`says`, embedding on a worker thread (the event loop does not wait it out)."""
        return await asyncio.to_thread(self.says, sentence, own)


# ---- training ----------------------------------------------------------------------


def fit(vectors: np.ndarray, labels: np.ndarray, penalty: float = PENALTY) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method, the two classes weighted
    equally (assistant sentences are the fewer); the bias is not penalised."""
    n, dim = vectors.shape
    x = np.hstack([vectors.astype(np.float64), np.ones((n, 1))])
    y = labels.astype(np.float64)
    weight = np.where(y == 1, (y == 0).sum() / max(1, (y == 1).sum()), 1.0)
    ridge = penalty * np.diag(np.r_[np.ones(dim), 0.0])
    w = np.zeros(dim + 1)
    for _ in range(50):
        p = _logistic(x @ w)
        gradient = x.T @ (weight * (p - y)) + ridge @ w
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w[:-1], float(w[-1])


def cross_validated(vectors: np.ndarray, labels: np.ndarray, *, folds: int = FOLDS, seed: int = 0,
                    penalty: float = PENALTY) -> np.ndarray:
    """Each sentence's probability from a model trained on the other folds."""
    order = np.random.default_rng(seed).permutation(len(labels))
    out = np.zeros(len(labels))
    for held in np.array_split(order, folds):
        kept = np.setdiff1d(order, held)
        w, b = fit(vectors[kept], labels[kept], penalty)
        out[held] = _logistic(vectors[held] @ w + b)
    return out


def precision_recall(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    said = probabilities >= threshold
    hits = int((said & (labels == 1)).sum())
    return hits / max(1, int(said.sum())), hits / max(1, int((labels == 1).sum()))


def choose_threshold(probabilities: np.ndarray, labels: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """The lowest threshold (of 0.50, 0.51, ... 0.99) whose precision reaches `target`."""
    for threshold in np.arange(0.50, 1.0, 0.01):
        if precision_recall(probabilities, labels, float(threshold))[0] >= target:
            return round(float(threshold), 2)
    return 0.99


def train(embedder: Embedder, labelled: list[dict], *, penalty: float = PENALTY) -> dict:
    """The model file's content, trained on `labelled` ({"text", "assistant"} each)."""
    texts = [item["text"] for item in labelled]
    labels = np.array([1 if item["assistant"] else 0 for item in labelled])
    vectors = np.asarray(embedder.embed_batch(texts), dtype=np.float64)
    held_out = cross_validated(vectors, labels, penalty=penalty)
    threshold = choose_threshold(held_out, labels)
    precision, recall = precision_recall(held_out, labels, threshold)
    weights, bias = fit(vectors, labels, penalty)
    return {
        "embedder": embedder.name,
        "penalty": penalty,
        "threshold": threshold,
        "sentences": {"assistant": int(labels.sum()), "person": int(len(labels) - labels.sum())},
        "cross_validated": {"folds": FOLDS, "precision": round(precision, 3), "recall": round(recall, 3),
                            "target_precision": TARGET_PRECISION},
        "bias": round(bias, 6),
        "weights": [round(float(w), 6) for w in weights],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the assistant-speech classifier from its labels.")
    parser.add_argument("--labels", type=Path, default=LABELS_PATH)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    from agent_server.memory import MiniLMEmbedder

    labelled = json.loads(args.labels.read_text())["sentences"]
    model = train(MiniLMEmbedder(intra_op_threads=2), labelled)
    args.out.write_text(json.dumps(model, indent=1) + "\n")
    print(json.dumps({k: v for k, v in model.items() if k != "weights"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
