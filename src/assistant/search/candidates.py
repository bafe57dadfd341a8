"""Exact top-k by dynamic pruning (MaxScore): the best passages under the full scoring function while
reading only what can still reach the page.

A passage's score is F(d) = s(d) · g(d): s is a sum over the query's terms of (the term's stored BM25
weight in d × the query's factor for the term); g, never above `gain_bound`, is the ranking features'
multiplier (ranking.py), computed from which of the query's terms the passage holds (a bit per term,
gathered here while s is summed). Every term brings candidates — none is dropped for being common —
yet a term whose lists' upper bounds together cannot lift a passage to the n-th best score found so
far is only looked up for passages other terms brought in, and g is computed in descending order of
s only until no later passage can reach the page. The result equals scoring every passage that shares
a term with the query and sorting (tests/test_candidates.py checks it on random queries).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

SEED = 256  # postings of the rarest terms scored in full first, to set the pruning threshold
SMALL = 2048  # a query with fewer postings in all skips the seed (pruning would cost more than it saves)
CHUNK = 32  # candidates rescored at a time, best bound first (growing fourfold)
MAX_BITS = 52  # presence bits are summed in float64: exact up to 2**53
_SAFETY = 1 - 1e-9  # float sums in a different order may differ in the last bits
_scratch = threading.local()


@dataclass(frozen=True)
class TermList:
    """One query term's postings: passage numbers (sorted), stored weights, the query's factor."""

    docs: np.ndarray
    weights: np.ndarray
    factor: float
    bound: float  # factor × the largest stored weight: no passage gets more from this term
    bit: int = -1  # the bit marking passages that hold the term (-1: not tracked)

    def contribution(self, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """This term's share of s for each passage in `cand` (sorted), 0 where absent; and where present."""
        pos = np.searchsorted(self.docs, cand)
        found = self.docs.take(pos, mode="clip") == cand
        out = np.zeros(len(cand))
        out[found] = self.weights[pos[found]] * self.factor
        return out, found

    def mark(self, bits: np.ndarray, found: np.ndarray) -> np.ndarray:
        return bits | (found.astype(np.int64) << self.bit) if self.bit >= 0 else bits


@dataclass
class TopK:
    docs: np.ndarray  # passage numbers, best first
    scores: np.ndarray  # F of each
    considered: int  # passages whose bound reached the n-th best score


Allowed = Callable[[np.ndarray], np.ndarray]  # sorted passage numbers → mask of those that may be shown
Rescore = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (passages, s, presence bits) → F


def top_k(lists: list[TermList], n: int, size: int, allowed: Allowed, rescore: Rescore, gain_bound: float,
          upper: Rescore) -> TopK:
    """The `n` best passages (numbered below `size`) by F, ties broken by passage number.
    `upper` gives a cheap bound F ≤ upper(d) ≤ s(d) · gain_bound for each candidate."""
    lists = [t for t in lists if len(t.docs) and t.bound > 0]
    if not lists or n <= 0:
        return TopK(np.empty(0, np.int32), np.empty(0), 0)
    small = sum(len(t.docs) for t in lists) <= SMALL
    theta = 0.0 if small else _seed_threshold(lists, n, allowed, rescore)
    tau = theta / gain_bound * _SAFETY
    # MaxScore: lists by bound, ascending; the prefix whose bounds sum below tau is non-essential.
    lists = sorted(lists, key=lambda t: t.bound)
    bounds = np.cumsum([t.bound for t in lists])
    split = int(np.searchsorted(bounds, tau, side="left")) if tau > 0 else 0
    optional, essential = lists[:split], lists[split:]
    rest = float(bounds[split - 1]) if split else 0.0
    acc, dense_bits = _buffers(size)
    try:
        for t in essential:  # a passage is once in a list: fancy-indexed adds never collide
            acc[t.docs] += t.weights * t.factor
            if t.bit >= 0:
                dense_bits[t.docs] |= 1 << t.bit
        cand = np.flatnonzero(acc >= max(tau - rest, 1e-12)).astype(np.int32)
        cand = cand[allowed(cand)]
        s, bits = acc[cand], dense_bits[cand]
    finally:
        for t in essential:  # back to zeros for the next query, touching only what was written
            acc[t.docs] = 0
            dense_bits[t.docs] = 0
    for t in reversed(optional):  # largest bound first: prunes soonest
        keep = s + rest >= tau
        cand, s, bits = cand[keep], s[keep], bits[keep]
        add, found = t.contribution(cand)
        s, bits = s + add, t.mark(bits, found)
        rest -= t.bound
    keep = s >= tau
    return _rescore_lazily(cand[keep], s[keep], bits[keep], n, rescore, upper, theta)


def _buffers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """This thread's zeroed accumulators over all passages, reused across queries: a fresh 1.8 MB array
    per query at 100× corpus costs more in page faults than the scoring itself."""
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None or len(buffers[0]) != size:
        buffers = _scratch.buffers = (np.zeros(size), np.zeros(size, dtype=np.int64))
    return buffers


def _rescore_lazily(cand: np.ndarray, s: np.ndarray, bits: np.ndarray, n: int, rescore: Rescore,
                    upper: Rescore, theta: float) -> TopK:
    """F for the candidates in descending upper bound, in growing chunks, until no later one can reach
    the n-th best F found: the full features are computed for few more than the page."""
    bound = upper(cand, s, bits)
    order = np.lexsort((cand, -bound))
    docs, scores = [], []
    best = theta
    i, chunk = 0, max(CHUNK, n)
    while i < len(order) and bound[order[i]] >= best * _SAFETY:
        part = np.sort(order[i : i + chunk])
        docs.append(cand[part])
        scores.append(rescore(cand[part], s[part], bits[part]))
        i += chunk
        chunk *= 4
        f = np.concatenate(scores)
        if len(f) >= n:
            best = max(best, float(np.partition(f, len(f) - n)[len(f) - n]))
    if not docs:
        return TopK(np.empty(0, np.int32), np.empty(0), len(cand))
    d, f = np.concatenate(docs), np.concatenate(scores)
    top = np.lexsort((d, -f))[:n]
    return TopK(d[top], f[top], len(cand))


def _seed_threshold(lists: list[TermList], n: int, allowed: Allowed, rescore: Rescore) -> float:
    """A lower bound on the n-th best F: the n-th best among the passages of the rarest terms."""
    picked: list[TermList] = []
    size = 0
    for t in sorted(lists, key=lambda t: len(t.docs)):
        if size >= max(SEED, n):
            break
        picked.append(t)
        size += len(t.docs)
    if len(picked) == len(lists):
        return 0.0  # the seed would be the whole candidate set: score it once, unpruned
    # any passages give a lower bound; these lists' heaviest ones give a tight one at a bounded cost
    seed = np.unique(np.concatenate([_heaviest(t, max(SEED, n)) for t in picked]))
    seed = seed[allowed(seed)]
    if len(seed) < n:
        return 0.0
    s = np.zeros(len(seed))
    bits = np.zeros(len(seed), dtype=np.int64)
    for t in lists:
        add, found = t.contribution(seed)
        s, bits = s + add, t.mark(bits, found)
    f = rescore(seed, s, bits)
    return float(np.partition(f, len(f) - n)[len(f) - n])


def _heaviest(t: TermList, m: int) -> np.ndarray:
    """The (at most) m passages where the term weighs most."""
    if len(t.docs) <= m:
        return t.docs
    return t.docs[np.argpartition(t.weights, len(t.weights) - m)[-m:]]
