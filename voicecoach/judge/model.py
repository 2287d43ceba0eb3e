"""The judge's network at inference: a fine-tuned MiniLM encoder run by CTranslate2 (int8,
CPU, no PyTorch) with three small heads applied in NumPy.

Three readings, all mean-pooled over the encoder's last hidden states:

* ``read_windows(question, windows)``: each window with the question before it, giving the
  red-flag class probabilities (:data:`voicecoach.judge.labels.CATEGORIES`) and, pooled over
  the window's own tokens, an embedding used to find the windows likely to make a point;
* ``embed_labels(labels)``: the key-point labels alone, for that search;
* ``cover(pairs)``: a (label, window) pair read together (a cross-encoder): the probability
  that the window makes the point.

Training (``training/train.py``) pools in exactly the same way.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import UserError

MODEL_DIR = Path(__file__).resolve().parent / "model"
ENV_MODEL = "VOICECOACH_JUDGE_MODEL"  # another model folder (experiments, leave-question-out)


def model_dir() -> Path:
    """The shipped model folder, or the one ``VOICECOACH_JUDGE_MODEL`` names."""
    env = os.environ.get(ENV_MODEL, "").strip()
    return Path(env).expanduser() if env else MODEL_DIR


MAX_TOKENS = 128
CACHE_SIZE = 4096
THREADS: int | None = None  # set by batch workers before the first load
FILES = ("model.bin", "config.json", "vocabulary.json", "tokenizer.json", "heads.npz", "judge.json")


class JudgeError(UserError):
    """The judge's model files are missing or damaged."""


@dataclass(frozen=True)
class Reading:
    """What the judge reads in each window of one answer."""

    flag_probs: np.ndarray  # (windows, categories)
    embeddings: np.ndarray  # (windows, hidden), unit length


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


class JudgeModel:
    """The loaded judge (thread-safe). ``folder`` holds the files in :data:`FILES`."""

    def __init__(self, folder: Path | None = None, threads: int | None = None) -> None:
        folder = folder or model_dir()
        missing = [f for f in FILES if not (folder / f).is_file()]
        if missing:
            raise JudgeError(
                f"the judge's model files are missing from {folder} "
                f"({', '.join(missing)}); reinstall voicecoach"
            )
        import ctranslate2
        from tokenizers import Tokenizer

        self.folder = folder
        self.config: dict[str, Any] = json.loads((folder / "judge.json").read_text("utf-8"))
        threads = threads or THREADS or max(1, min(2, os.cpu_count() or 1))
        self.encoder = ctranslate2.Encoder(
            str(folder), device="cpu", compute_type="int8", intra_threads=threads
        )
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        heads = np.load(folder / "heads.npz")
        self.flag_w, self.flag_b = heads["flag_w"], heads["flag_b"]
        self.cover_w, self.cover_b = heads["cover_w"], heads["cover_b"]
        self._lock = threading.Lock()
        self._labels: dict[str, np.ndarray] = {}
        self._read: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cover: OrderedDict[tuple[str, str], float] = OrderedDict()

    def _hidden(
        self, first: list[str], second: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Last hidden states (B, T, H), the attention mask and the segment ids (B, T)."""
        encs = (
            self.tokenizer.encode_batch(list(zip(first, second, strict=True)))
            if second is not None
            else self.tokenizer.encode_batch(first)
        )
        ids = [e.ids for e in encs]
        types = [e.type_ids for e in encs]
        with self._lock:
            out = self.encoder.forward_batch(ids, token_type_ids=types)
        hidden = np.asarray(out.last_hidden_state, dtype=np.float32)
        mask = np.zeros(hidden.shape[:2], np.float32)
        seg = np.zeros(hidden.shape[:2], np.float32)
        for i, (row, t) in enumerate(zip(ids, types, strict=True)):
            mask[i, : len(row)] = 1.0
            seg[i, : len(t)] = t
        return hidden, mask, seg

    @staticmethod
    def _pool(hidden: np.ndarray, weights: np.ndarray) -> np.ndarray:
        w = weights[..., None]
        return (hidden * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1.0)

    def read_windows(self, question: str, windows: list[str]) -> Reading:
        if not windows:
            h = self.flag_w.shape[1]
            return Reading(np.zeros((0, len(self.flag_b)), np.float32), np.zeros((0, h)))
        todo = [w for w in dict.fromkeys(windows) if (question, w) not in self._read]
        if todo:
            hidden, mask, seg = self._hidden([question] * len(todo), todo)
            probs = _softmax(self._pool(hidden, mask) @ self.flag_w.T + self.flag_b)
            emb = _unit(self._pool(hidden, seg * mask))
            for w, p, e in zip(todo, probs, emb, strict=True):
                self._remember(self._read, (question, w), (p, e))
        got = [self._read[(question, w)] for w in windows]
        return Reading(np.stack([p for p, _ in got]), np.stack([e for _, e in got]))

    def embed_labels(self, labels: list[str]) -> np.ndarray:
        todo = [lb for lb in dict.fromkeys(labels) if lb not in self._labels]
        if todo:
            hidden, mask, _ = self._hidden(todo)
            for lb, e in zip(todo, _unit(self._pool(hidden, mask)), strict=True):
                self._labels[lb] = e
        return np.stack([self._labels[lb] for lb in labels]) if labels else np.zeros((0, 1))

    def cover(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0, np.float32)
        todo = [pr for pr in dict.fromkeys(pairs) if pr not in self._cover]
        if todo:
            hidden, mask, _ = self._hidden([a for a, _ in todo], [b for _, b in todo])
            logits = self._pool(hidden, mask) @ self.cover_w + self.cover_b
            for pr, p in zip(todo, 1.0 / (1.0 + np.exp(-logits)), strict=True):
                self._remember(self._cover, pr, float(p))
        return np.array([self._cover[pr] for pr in pairs], np.float32)

    @staticmethod
    def _remember(cache: OrderedDict, key: Any, value: Any) -> None:
        """Readings are cached (a live answer is judged piece by piece as it is spoken, so
        the final judgement reads only what is new)."""
        cache[key] = value
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)


@cache
def get_model() -> JudgeModel:
    """The process-wide judge, loaded on first use."""
    return JudgeModel()
