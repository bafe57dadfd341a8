"""BM25 as a term-major sparse matrix with precomputed per-posting weights.

The formula is rank-bm25's BM25Okapi (the reference, checked by a test): idf = ln((N-df+0.5)/(df+0.5)),
negative idf replaced by epsilon × mean idf (and never ≤ 0: see okapi_idf), term weight idf·tf·(k1+1)/(tf + k1·(1-b+b·dl/avgdl)).
Scoring a query touches only the postings of its terms: cost follows the query, not the corpus.
Weights are stored quantised to 16-bit integers (weight ≈ stored × Field.scale, error < 1e-4 of the
largest weight): half the memory of float32, and unlike float16 they convert to floats at SIMD speed.
"""
from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Iterable

import numpy as np

K1, B, EPSILON = 1.5, 0.75, 0.25
MIN_IDF = 1e-3  # far below any idf a real corpus gives a term (ln(51/49) ≈ 0.04 at 49 % of passages)
WEIGHT_DTYPE = np.uint16
_LEVELS = np.iinfo(WEIGHT_DTYPE).max


_CODE_BITS = 21  # a code point + 1 (1 … 0x110000) fits 21 bits, so a term of at most 3 characters packs into 63
_PACKED = 3  # characters packed into one integer key
_MULT = 0x9E3779B97F4A7C15  # Fibonacci hashing: a key's bucket is the top bits of key × this (mod 2**64)
_M64 = (1 << 64) - 1
RECENT_TERMS = 1 << 14  # terms kept with their numbers by Vocabulary.get (~2 MB): the memo starts again when full


class Vocabulary(Mapping[str, int]):
    """A field's terms → term numbers, in ~16 bytes a term. A dict of str keys took ~150 (at 100× the corpus the
    bigram field's 120k terms held 17 MB): a term of at most three characters (nearly every character pair) is an
    integer key packing its code points, kept in flat arrays bucketed by a hash of the key; longer terms, few, stay
    in a dict. Iterating gives the terms in number order (as the dict it replaces)."""

    def __init__(self, text: bytes) -> None:
        """`text`: the terms in number order, UTF-8, each ended by a newline but the last (Field's blob)."""
        self._text = text
        codes = np.frombuffer(text.decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
        ends = np.append(np.flatnonzero(codes == 10), len(codes)) if len(text) else np.zeros(0, dtype=np.int64)
        starts = np.concatenate(([0], ends[:-1] + 1))[: len(ends)].astype(np.int64)
        lengths = ends - starts
        self._n = len(ends)
        packed = (lengths >= 1) & (lengths <= _PACKED)
        short = np.flatnonzero(packed)
        keys = np.zeros(len(short), dtype=np.uint64)
        for pos in range(_PACKED):
            has = lengths[short] > pos
            keys[has] = (keys[has] << np.uint64(_CODE_BITS)) | (codes[starts[short[has]] + pos].astype(np.uint64) + 1)
        self._long = {codes[starts[i] : ends[i]].tobytes().decode("utf-32-le"): i
                      for i in np.flatnonzero(~packed).tolist()}
        bits = max(1, len(short).bit_length())  # about one key a bucket
        self._shift = 64 - bits
        bucket = (keys * np.uint64(_MULT) >> np.uint64(self._shift)).astype(np.int64)
        order = np.lexsort((keys, bucket))
        self._keys = array("Q", keys[order].tobytes())
        self._ids = array("i", short[order].astype(np.int32).tobytes())
        self._starts = array("i", np.searchsorted(bucket[order], np.arange((1 << bits) + 1)).astype(np.int32).tobytes())
        self._recent: dict[str, int | None] = {}  # terms looked up lately (see get)

    @classmethod
    def of(cls, terms: Iterable[str]) -> "Vocabulary":
        terms = list(terms)
        if any("\n" in t for t in terms):
            raise ValueError("a term holds a newline")
        return cls("\n".join(terms).encode("utf-8"))

    def get(self, term: str, default: int | None = None) -> int | None:  # type: ignore[override]
        """The term's number, kept for RECENT_TERMS terms: queries look up the same few thousand terms again and
        again (a batch of distinct queries: each term ~4 times), a dict hit costs ~1/20 of the hashed search."""
        found = self._recent.get(term, -1)
        if found == -1:
            if len(self._recent) >= RECENT_TERMS:
                self._recent.clear()
            found = self._recent[term] = self._find(term)
        return default if found is None else found

    def _find(self, term: str) -> int | None:
        n = len(term)
        if n == 2:
            key = (ord(term[0]) + 1) << _CODE_BITS | (ord(term[1]) + 1)
        elif n == 1:
            key = ord(term) + 1
        elif n == 3:
            key = ((ord(term[0]) + 1) << _CODE_BITS | (ord(term[1]) + 1)) << _CODE_BITS | (ord(term[2]) + 1)
        else:
            return self._long.get(term)
        b = (key * _MULT & _M64) >> self._shift
        starts, keys = self._starts, self._keys
        j, end = starts[b], starts[b + 1]
        while j < end:
            if keys[j] == key:
                return self._ids[j]
            j += 1
        return None

    def __getitem__(self, term: str) -> int:
        found = self.get(term)
        if found is None:
            raise KeyError(term)
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._text.decode("utf-8").split("\n") if self._n else ())

    def __len__(self) -> int:
        return self._n


_LOW_BITS = 16  # a posting's document number is kept as its low 16 bits; the high part follows from per-list cuts


@dataclass(init=False)
class Field:
    """One indexed field: vocabulary and, per term, the sorted documents holding it with their weights.

    Document numbers are kept in 16 bits each (half of int32; at 100× the corpus the two big fields' lists held
    66 MB): a term's list is sorted, so its high part (document >> 16, 0 … 3 at 100×, never more than 255) only
    steps up along the list, at positions kept in `cuts` (per term, per step). A list is expanded to int32 when
    read (postings, entry): the same numbers as before, in a copy callers may keep."""

    vocab: Mapping[str, int]  # a Vocabulary (a dict works too)
    indptr: np.ndarray  # int64, len(vocab)+1
    low: np.ndarray  # uint16 low bits of the document numbers, grouped by term
    cuts: np.ndarray  # int32 terms × steps: cuts[t, h] = how many of t's documents are below (h + 1) << 16
    weights: np.ndarray  # quantised BM25 weight of the term in that document
    scale: float  # BM25 weight = weights × scale

    def __init__(self, vocab: Mapping[str, int], indptr: np.ndarray, docs: np.ndarray | Iterable[np.ndarray],
                 weights: np.ndarray, scale: float) -> None:
        """`docs`: int32 document numbers, grouped by term (sorted within a term), whole or as consecutive chunks
        (a stored index is read a few MB at a time: its int32 copy is never held whole)."""
        self.vocab, self.indptr, self.weights, self.scale = vocab, indptr, weights, scale
        n = int(indptr[-1]) if len(indptr) else 0
        self.low = np.empty(n, dtype=np.uint16)
        high = np.empty(n, dtype=np.uint8)  # (documents < 1 << _DOC_BITS = 1 << 24, see build_field)
        at = 0
        for part in [docs] if isinstance(docs, np.ndarray) else docs:
            if len(part) and (int(part.max()) >> _DOC_BITS or int(part.min()) < 0):
                raise ValueError(f"document numbers must be within 0 … {(1 << _DOC_BITS) - 1}")
            self.low[at : at + len(part)] = part.astype(np.uint16)  # (the low 16 bits: astype wraps)
            high[at : at + len(part)] = part >> _LOW_BITS
            at += len(part)
        if at != n:
            raise ValueError(f"{at} document numbers for {n} postings")
        self._n_steps = int(high.max()) if n else 0
        self.cuts = _cuts(high, indptr, self._n_steps)
        del high
        self._steps = array("i", self.cuts.tobytes())  # (one term's cuts read as Python ints, no numpy call)
        # Each term's largest stored weight: the bound dynamic pruning needs (computed on load, ~ms).
        self.max_weights = (
            np.maximum.reduceat(self.weights, self.indptr[:-1]) if len(self.weights) else np.zeros(0, WEIGHT_DTYPE)
        )

    def _docs(self, t: int, lo: int, hi: int, dtype: type = np.int32) -> np.ndarray:
        """Term t's document numbers (int32, or `dtype`), from its low bits and cuts."""
        docs = self.low[lo:hi].astype(dtype)
        if self._n_steps:
            n = hi - lo
            for c in self._steps[t * self._n_steps : (t + 1) * self._n_steps]:
                if c < n:
                    docs[c:] += 1 << _LOW_BITS
        return docs

    @property
    def docs(self) -> np.ndarray:
        """All document numbers (int32), grouped by term (expanded: for storing the index, not for searching)."""
        step = np.zeros(len(self.low) + 1, dtype=np.int32)
        for h in range(self.cuts.shape[1]):
            np.add.at(step, self.indptr[:-1] + self.cuts[:, h], 1 << _LOW_BITS)
            np.add.at(step, self.indptr[1:], -(1 << _LOW_BITS))
        return self.low.astype(np.int32) + np.cumsum(step[:-1], dtype=np.int32)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(documents, quantised weights) of `term`; multiply the weights by `scale` for BM25 weights."""
        t = self.vocab.get(term)
        if t is None:
            return None
        lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
        return self._docs(t, lo, hi), self.weights[lo:hi]

    def entry(self, term: str, dtype: type = np.int32) -> tuple[np.ndarray, np.ndarray, int] | None:
        """postings(term) and max_weight(term) in one look-up (None when absent); the documents as `dtype` (intp
        for indexing: expanded to it directly, not copied again)."""
        t = self.vocab.get(term)
        if t is None:
            return None
        lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
        return self._docs(t, lo, hi, dtype), self.weights[lo:hi], int(self.max_weights[t])

    def max_weight(self, term: str) -> int:
        """The largest quantised weight of `term` in any document (0 when absent)."""
        t = self.vocab.get(term)
        return 0 if t is None else int(self.max_weights[t])

    def df(self, term: str) -> int:
        t = self.vocab.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def to_blobs(self, prefix: str) -> dict[str, bytes]:
        return {
            f"{prefix}.vocab": "\n".join(self.vocab).encode("utf-8"),
            f"{prefix}.indptr": self.indptr.astype(np.int64).tobytes(),
            f"{prefix}.docs": self.docs.astype(np.int32).tobytes(),
            f"{prefix}.weights": self.weights.astype(WEIGHT_DTYPE).tobytes(),
            f"{prefix}.scale": np.float64(self.scale).tobytes(),
        }

    @classmethod
    def from_blobs(cls, blobs: Mapping[str, bytes], prefix: str) -> "Field":
        """The field stored in `blobs`; when they can be read in parts (index._Blobs: `chunks`, `array`), the
        document numbers are read a few MB at a time and the weights into their array, with no second copy."""
        chunks = getattr(blobs, "chunks", None)
        whole = getattr(blobs, "array", lambda name, dtype: np.frombuffer(blobs[name], dtype=dtype))
        return cls(
            vocab=Vocabulary(blobs[f"{prefix}.vocab"]),
            indptr=np.frombuffer(blobs[f"{prefix}.indptr"], dtype=np.int64),
            docs=chunks(f"{prefix}.docs", np.int32) if chunks else np.frombuffer(blobs[f"{prefix}.docs"], dtype=np.int32),
            weights=whole(f"{prefix}.weights", WEIGHT_DTYPE),
            scale=float(np.frombuffer(blobs[f"{prefix}.scale"], dtype=np.float64)[0]),
        )


def _cuts(high: np.ndarray, indptr: np.ndarray, steps: int, chunk: int = 1 << 20) -> np.ndarray:
    """cuts[t, h]: how many of term t's postings have a high part ≤ h (the lists are sorted). Counted over about
    `chunk` postings at a time: reduceat copies its input into the int32 it sums in."""
    n_terms = len(indptr) - 1
    cuts = np.zeros((n_terms, steps), dtype=np.int32)
    t = 0
    while steps and t < n_terms:
        u = min(max(t + 1, int(np.searchsorted(indptr, indptr[t] + chunk, side="right")) - 1), n_terms)
        lo, hi = int(indptr[t]), int(indptr[u])
        if hi > lo:
            part, df = high[lo:hi], np.diff(indptr[t : u + 1])
            starts = np.minimum(indptr[t:u] - lo, hi - lo - 1)
            for h in range(steps):
                cuts[t:u, h] = np.where(df > 0, np.add.reduceat(part <= h, starts, dtype=np.int32), 0)
        t = u
    return cuts


def okapi_idf(df: np.ndarray, n_docs: int, epsilon: float = EPSILON) -> np.ndarray:
    """Okapi idf, floored at MIN_IDF: in a corpus of a few passages a term in half of them has idf 0 and the
    mean idf can be negative, and a query sharing words with passages would find nothing."""
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    if len(idf):
        idf = np.where(idf < 0, epsilon * idf.mean(), idf)
    return np.maximum(idf, MIN_IDF)


# A posting is packed into one int64 sort key: term (23 bits) | document (24 bits) | tf (16 bits), so
# one in-place sort orders the postings by term, then document, with no separate permutation array.
_TF_BITS, _DOC_BITS = 16, 24
_CHUNK = 1 << 20  # postings unpacked at a time (bounds the temporaries)


def build_field(token_lists: Iterable[list[str]], k1: float = K1, b: float = B) -> Field:
    """Index documents given as token lists (document number = position in the iterable).

    Postings are collected as packed int64 keys and sorted in place; the weights are computed in
    float32 chunk by chunk, so the build needs about 14 bytes per posting beyond its result."""
    vocab: dict[str, int] = {}
    keys, lengths = array("q"), array("i")
    for d, tokens in enumerate(token_lists):
        if d >> _DOC_BITS:
            raise ValueError(f"too many documents for one index (at most {1 << _DOC_BITS})")
        lengths.append(len(tokens))
        base = d << _TF_BITS
        for term, tf in Counter(tokens).items():
            keys.append((vocab.setdefault(term, len(vocab)) << (_DOC_BITS + _TF_BITS)) | base | min(tf, 0xFFFF))
    if len(vocab) >> (63 - _DOC_BITS - _TF_BITS):
        raise ValueError("vocabulary too large for one index")
    n_docs, n_post = len(lengths), len(keys)
    packed = np.frombuffer(keys, dtype=np.int64)
    packed.sort()  # in place: by term, then document
    docs = np.empty(n_post, dtype=np.int32)
    terms = np.empty(n_post, dtype=np.int32)
    tf = np.empty(n_post, dtype=np.float32)
    for lo in range(0, n_post, _CHUNK):
        part = packed[lo : lo + _CHUNK]
        tf[lo : lo + len(part)] = part & 0xFFFF
        docs[lo : lo + len(part)] = (part >> _TF_BITS) & ((1 << _DOC_BITS) - 1)
        terms[lo : lo + len(part)] = part >> (_DOC_BITS + _TF_BITS)
    del packed, keys
    df = np.bincount(terms, minlength=len(vocab))
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    idf = okapi_idf(df.astype(np.float64), n_docs).astype(np.float32)
    dl = np.frombuffer(lengths, dtype=np.int32).astype(np.float32)
    avgdl = float(dl.mean()) if n_docs else 1.0
    norm = dl * (k1 * b / max(avgdl, 1e-9)) + k1 * (1 - b)  # k1·(1-b+b·dl/avgdl) per document
    weights = tf  # computed in place: idf·tf·(k1+1)/(tf + norm)
    for lo in range(0, n_post, _CHUNK):
        w, hi = weights[lo : lo + _CHUNK], min(lo + _CHUNK, n_post)
        w *= (k1 + 1) / (w + norm[docs[lo:hi]])
        w *= idf[terms[lo:hi]]
    del terms
    top = float(weights.max()) if n_post else 0.0
    scale = top / _LEVELS if top > 0 else 1.0
    weights /= scale
    return Field(Vocabulary.of(vocab), indptr, docs, np.rint(weights).astype(WEIGHT_DTYPE), scale)
