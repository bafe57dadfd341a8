"""Paraphrase from general word vectors: the corpus words nearest in meaning to a word of the query.

Users say 房子, 老板, 放假 where documents say 房产, 用人单位, 节假日; no curated list can hold every such
pair of a new document. The vectors (word_vectors/: ~83k general-domain words × 75 dimensions from the
cnsyn package, Apache-2.0, derived by benchmarks/derive_word_vectors.py) place such words near each other.
A query word's neighbours are the corpus's own words within MIN_SIMILARITY of it that the corpus uses more
than the word itself (a document's wording, not a rarer variant of the user's), at most MAX_NEIGHBOURS; the
parser adds them like an abbreviation's expansions, below the user's own words.

The vectors are read once per process (memory-mapped); each index's corpus words with a vector are gathered
into one matrix on first use, so a query costs one small matrix product for its words found in the vectors.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from assistant.search.bm25 import Field

VECTORS_DIR = Path(__file__).with_name("word_vectors")
MIN_SIMILARITY = 0.7  # cosine; 0.6 and 0.8 both gained less out-of-fold on the tuning queries
MAX_NEIGHBOURS = 2
_SCALE = 127.0  # the vectors are unit length, stored as int8 × 127
COMMON_SHARE = 0.01  # a key in more of the passages is the corpus's own wording: no neighbours (none helped)
_CACHE = 4096  # neighbour lists kept per index


@dataclass(frozen=True)
class WordVectors:
    rows: dict[str, int]  # word → row of `vectors`
    vectors: np.ndarray  # int8, one unit-length vector × 127 per word


_loaded: WordVectors | None = None
_lock = threading.Lock()


def word_vectors(directory: Path = VECTORS_DIR) -> WordVectors:
    """The shipped vectors, read once per process."""
    global _loaded
    with _lock:
        if _loaded is None:
            words = (directory / "words.txt").read_text(encoding="utf-8").split()
            _loaded = WordVectors(dict(zip(words, range(len(words)))), np.load(directory / "vectors.npy", mmap_mode="r"))
    return _loaded


class Neighbours:
    """Nearest corpus words of query words, over one index's word field."""

    def __init__(self, words: Field, size: int, vectors: WordVectors | None = None) -> None:
        self._field = words
        self._size = size  # passages in the index
        self._vectors = vectors
        self._matrix: np.ndarray | None = None  # the corpus words' vectors (float32, unit length)
        self._words: list[str] = []
        self._df = np.zeros(0, dtype=np.int64)
        self._cache: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def _prepare(self) -> WordVectors:
        with self._lock:
            if self._vectors is None:
                self._vectors = word_vectors()
            if self._matrix is None:
                rows = self._vectors.rows
                vocab = [(w, rows[w]) for w in self._field.vocab if len(w) > 1 and w in rows]
                self._words = [w for w, _ in vocab]
                self._df = np.array([self._field.df(w) for w in self._words], dtype=np.int64)
                self._matrix = np.asarray(self._vectors.vectors[[r for _, r in vocab]], dtype=np.float32) / _SCALE
        return self._vectors

    def __call__(self, keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Each key with neighbours → its neighbours, nearest first. A key the corpus already uses in more
        than COMMON_SHARE of its passages is its own wording: it gets none (and costs nothing)."""
        vectors = self._prepare()
        out = {}
        for key in dict.fromkeys(keys):
            found = self._cache.get(key)
            if found is None:
                found = self._cache[key] = self._nearest(vectors, key)
            if found:
                out[key] = found
        return out

    def _nearest(self, vectors: WordVectors, key: str) -> tuple[str, ...]:
        row = vectors.rows.get(key)
        df = self._field.df(key)
        if row is None or not self._words or df > COMMON_SHARE * self._size:
            return ()
        if len(self._cache) > _CACHE:
            self._cache.clear()
        # one matrix-vector product per key: a matrix-matrix one starts BLAS threads that cost more than it saves
        sims = self._matrix @ (np.asarray(vectors.vectors[row], dtype=np.float32) / _SCALE)
        near = np.flatnonzero(sims >= MIN_SIMILARITY)
        near = near[np.argsort(-sims[near], kind="stable")][:MAX_NEIGHBOURS + 1]  # the key itself among them
        return tuple(self._words[i] for i in near.tolist() if self._df[i] > df and self._words[i] != key)[:MAX_NEIGHBOURS]
