"""Exact top-k by dynamic pruning (MaxScore with a coverage bound): the best passages under the full
scoring function while reading only what can still reach the page.

A passage's score is F(d) = s(d) · g(d): s is a sum over the query's terms of (the term's stored BM25
weight in d × the query's factor for the term); g is the ranking features' multiplier (ranking.py),
computed from which of the query's terms the passage holds (a bit per term, gathered here while s is
summed). g is bounded by the share c of the query a passage can cover (CoverBound): g ≤ exp(a + b·c),
times factors of its title/section and of its own features. c is known cheaply: the shares of the query's concepts whose key terms the passage holds (a concept is
only in a passage's text if the passage holds the rarest character pair of one of its forms) plus the
share its title/section path covers. Most passages of a common term cover little, so their F stays far
below the page even when s is high.

Every term brings candidates — none is dropped for being common. A query with few postings is scored
in full. Otherwise: the shortest key lists are read into per-passage accumulators and their passages
that the key terms rate best are scored exactly, which sets the threshold θ (the n-th best F found);
then the lists that cannot lift a passage holding none of the terms read to θ — with the best title/
section share and the unread key shares it may have — are left unread, as many as is cheapest (_plan),
and the rest are read. Candidates are cut by (s + the unread bounds) × their gain bound (when many passages
were read, those holding no key read outside the few contexts of highest gain first by s alone, in one pass over
the accumulators); when many lookups
remain, by the ranker's own bound (the term features exactly, the unread lists' pairs counted as held: a
term feature only falls as a passage holds more pairs); then looked up in the unread lists (largest bound
first, cutting again after each), and g is computed in descending order of the ranker's exact upper bound
only until no later passage can reach the page. The result
equals scoring every passage that shares a term with the query and sorting (tests/test_candidates.py
checks it on random queries, forcing each path, with filters).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from assistant.search import _kernel

SEED = 128  # passages scored exactly first (or the page, if larger), to set the pruning threshold
SEED_POSTINGS = 2048  # the shortest key lists read first, up to this many postings, to pick them
SMALL = 8192  # a query with fewer postings in all skips the seed (pruning would cost more than it saves)
CHUNK = 128  # candidates rescored at a time, best bound first (growing fourfold; a call costs ~45 µs + ~0.1 µs each)
AT_ONCE = 2048  # fewer candidates are all rescored in one call: cheaper than their upper bound and then a chunk
MAX_BITS = 52  # presence bits are summed in float64: exact up to 2**53
_SAFETY = 1 - 1e-9  # float sums in a different order may differ in the last bits
_scratch = threading.local()
_NOTHING = np.empty(0)  # (the kernel's stand-in for an accumulator not to be written)


@dataclass(eq=False, slots=True)  # (not frozen: a frozen dataclass's __init__ costs ~4x, and lists are made per query)
class TermList:
    """One query term's postings: passage numbers (sorted, intp), stored weights (uint16, positive), the query's factor."""

    docs: np.ndarray
    weights: np.ndarray
    factor: float
    bound: float  # factor × the largest stored weight: no passage gets more from this term
    bit: int = -1  # the bit marking passages that hold the term (-1: not tracked)


def score_all(lists: list[TermList], size: int) -> tuple[np.ndarray, np.ndarray]:
    """s and the term bits of every passage, every list read whole: what top_k's pruning must equal
    (tests/test_candidates.py) and what the weight fit scores (benchmarks/fit_ranking.py)."""
    s = np.zeros(size)
    bits = np.zeros(size, dtype=np.int64)
    for t in lists:
        s[t.docs] += t.weights * t.factor
        if t.bit >= 0:
            bits[t.docs] |= 1 << t.bit
    return s, bits


@dataclass(eq=False, slots=True)
class CoverBound:
    """g ≤ exp(a + b·c) · tilt · lift for a passage covering at most the share c ∈ [0, 1] of the query (b ≥ 0),
    tilt (≥ 1) being a factor of its title/section, its lift what its own features under the query's intents
    (figure asked, authority …) leave of the best.

    A passage's share is at most the sum of the shares of the `keys` it holds a bit of (a key: a share
    and the bits one of which every passage covering that share in its text holds) plus `base`, the
    share its title/section path covers (by context number; `context_of` gives a passage's, and
    `members[starts[c]:starts[c + 1]]` are the passages of context c, sorted)."""

    a: float
    b: float
    keys: tuple[tuple[float, int], ...]
    base: np.ndarray
    context_of: np.ndarray
    members: np.ndarray
    starts: np.ndarray
    lift: np.ndarray  # per class of passages: g ≤ exp(a + b·c) × tilt × lift, and F ≤ upper_bound × lift
    klass: np.ndarray  # the class of each passage
    context_lift: np.ndarray  # per context, the largest lift of its passages × its tilt
    tilt: np.ndarray  # per context

    def lift_of(self, cand: np.ndarray) -> np.ndarray:
        return self.lift.take(self.klass.take(cand))

    def gain(self, share: np.ndarray | float) -> np.ndarray:
        return np.exp(self.a + self.b * np.minimum(share, 1.0))

    def context_gains(self, shares: np.ndarray) -> np.ndarray:
        """gain(base + x) for each x of `shares` (rows) and each context (columns). Most contexts name none of the
        query's concepts and share the lowest base: their columns are one exp per row (an exp per element cost
        ~0.2 ms a query at 100× corpus)."""
        low = self.base.min()
        named = (self.base != low).nonzero()[0]
        out = np.empty((len(shares), len(self.base)))
        out[:] = self.gain(low + shares)[:, None]
        out[:, named] = self.gain(self.base.take(named)[None, :] + shares[:, None])
        return out

    def passages(self, contexts: np.ndarray) -> np.ndarray:
        """The passages of these contexts, sorted."""
        found = self.members_of(contexts)  # (a new array: sorted in place)
        found.sort()
        return found

    def members_of(self, contexts: np.ndarray) -> np.ndarray:
        """The passages of these contexts, context by context."""
        parts = [self.members[self.starts[c] : self.starts[c + 1]] for c in contexts.tolist()]
        return np.concatenate(parts) if parts else np.empty(0, np.intp)


Allowed = Callable[[np.ndarray], np.ndarray]  # passage numbers (any order) → mask of those that may be shown


class Scorer(Protocol):
    """What top-k needs of the ranking (ranking.QueryRanker)."""

    def rescore(self, cand: np.ndarray, s: np.ndarray, bits: np.ndarray) -> np.ndarray: ...  # F

    def upper_bound(self, cand: np.ndarray, s: np.ndarray, bits: np.ndarray, unknown: int = 0) -> np.ndarray:
        ...  # ≥ F, cheaper; with `unknown` bits, ≥ F whichever of them a passage holds

    def cover_bound(self) -> CoverBound: ...


@dataclass
class TopK:
    docs: np.ndarray  # passage numbers, best first
    scores: np.ndarray  # F of each
    matches: int | None = None  # count_matches's count uncapped, when every list was read (None: not known)


def count_matches(lists: list[TermList], allowed: Allowed, cap: int) -> int:
    """How many passages top_k can return (those holding a term that `allowed` admits), counted up to `cap`:
    a number that does not depend on pruning. Longest lists first, in growing slices, so a query with a
    common word stops after a few hundred postings."""
    found = np.empty(0, np.intp)
    for t in sorted(lists, key=lambda t: -len(t.docs)):
        start, step = 0, 2 * cap
        while t.bound > 0 and start < len(t.docs) and len(found) < cap:
            docs = t.docs[start : start + step][t.weights[start : start + step] > 0]
            docs = docs[allowed(docs)]
            found = np.union1d(found, docs) if len(found) else docs  # (a list holds a passage once)
            start, step = start + step, step * 4
    return min(len(found), cap)


FEW = 256  # candidates below this many are looked up in every unread list before they are cut
SORT_BELOW = 4096  # passages sorted by a stable argsort below this many, else by a pass over a mask of all passages
LOOKUP_COST = 8  # a binary-search lookup of one passage in one list, in dense additions of one posting
STEPS = 64  # the first cut bounds the gain of the keys read in steps of 1/STEPS of the query
HIGH = 1 / 16  # the share of all passages in the contexts of highest gain whose passages read are cut one by one
ADMITTED = 512  # a filter admitting at most this many passages has each of them scored (search's source, “phrase”)
BOUND_LOOKUPS = 4096  # candidates are cut by the ranker's bound before more lookups than this (it costs ~0.1 ms)


def top_k(lists: list[TermList], n: int, size: int, allowed: Allowed, scorer: Scorer,
          among: np.ndarray | None = None) -> TopK:
    """The `n` best passages (numbered below `size`) by F, ties broken by passage number; `among`, when given,
    the few passages (sorted) that `allowed` can admit: each is scored."""
    lists = [t for t in lists if len(t.docs) and t.bound > 0]
    if not lists or n <= 0:
        return TopK(np.empty(0, np.intp), np.empty(0))
    if among is not None:
        return _score_each(lists, n, among, allowed, scorer)
    if sum(len(t.docs) for t in lists) <= SMALL:  # every list read, nothing pruned: no bound needed
        dense = _dense(size)
        try:
            dense.add([(t, 0.0) for t in lists])  # (in the lists' order: each passage's s is summed as score_all sums it)
            cand = dense.read()
            s, bits = dense.s.take(cand), dense.bits.take(cand)
        finally:
            dense.clear()
        keep = allowed(cand)
        cand, s, bits = cand[keep], s[keep], bits[keep]
        top = _rescore_lazily(cand, s, bits, n, scorer, 0.0)
        top.matches = int(np.count_nonzero(s))  # (a passage holding only postings stored as 0 is no match)
        return top
    cover = scorer.cover_bound()
    keys = [(share, mask) for share, mask in cover.keys if mask]
    # the share of the query a passage may cover by holding each term (> 0 for key terms only)
    by_bit: dict[int, float] = {}  # the share of each bit's term (summed in the order of the keys, as before)
    for share, mask in keys:
        while mask:
            low = mask & -mask
            by_bit[low.bit_length() - 1] = by_bit.get(low.bit_length() - 1, 0) + share
            mask ^= low
    terms = [(t, by_bit.get(t.bit, 0) if t.bit >= 0 else 0) for t in lists]
    dense = _dense(size)
    try:
        first = _rarest_keys(terms)
        dense.add(first)
        read_first = {id(t) for t, _ in first}
        pending = [term for term in terms if id(term[0]) not in read_first]
        theta = _seed_threshold(pending, n, allowed, scorer, cover, dense)
        unread, rich = _plan(pending, theta, cover)
        skipped = {id(t) for t, _ in unread}
        dense.add([term for term in pending if id(term[0]) not in skipped])
        floor = theta * _SAFETY
        unread.sort(key=lambda term: -term[0].bound)  # largest bound first: prunes soonest
        rests = np.array([0.0] + [t.bound for t, _ in reversed(unread)]).cumsum()[::-1]  # bounds from i on
        unread_share = sum(sh for _, sh in unread)
        # the first cut over every passage read, then the filters
        # first by a table per context (the gain of its title/section and the unread keys, its largest lift) times
        # the gain of the keys read (exp(a + b·min(x + y, 1)) ≤ exp(a + b·min(x, 1))·exp(b·y)), then by its own
        per_context = cover.gain(cover.base + unread_share) * cover.context_lift
        extra = rich[dense.s.take(rich) == 0]  # those in no list read (stored weights are positive): their title/
        # section alone may lift them (their accumulators are 0); they are looked up in the unread lists
        # exp(b·x) ≤ exp(b·⌈x·STEPS⌉/STEPS) (b ≥ 0), from a table: no exp per passage read (most are cut here)
        most = sum(sh for t, sh in terms if id(t) not in skipped)  # the share of the keys read, all held
        steps = np.exp(cover.b * np.arange(int(most * STEPS) + 2) / STEPS)
        cand = dense.cut(*_to_cut(dense, cover, per_context, rests[0], floor), extra, cover.context_of, per_context,
                         steps, rests[0], floor)
        s = dense.s.take(cand)
        context = cover.context_of.take(cand)
        share = dense.share.take(cand) + cover.base.take(context)
        lift = cover.lift_of(cand)
        tilted = lift * cover.tilt.take(context)
        gain = cover.gain(share + unread_share) * tilted
        at = ((s + rests[0]) * gain >= floor).nonzero()[0]
        at = at[allowed(cand.take(at))]
        at = at[dense.sorting(cand.take(at))]  # the lookups go faster in passage order
        cand, s, share, lift, tilted, gain = cand[at], s[at], share[at], lift[at], tilted[at], gain[at]
        bits = dense.bits.take(cand)
    finally:
        dense.clear()
    if len(cand) * len(unread) > BOUND_LOOKUPS:  # the ranker's bound, whichever pairs of the unread lists it holds
        unknown = sum({1 << t.bit for t, _ in unread if t.bit >= 0})
        keep = scorer.upper_bound(cand, s + rests[0], bits, unknown) * lift >= floor
        cand, s, bits, share, gain, lift, tilted = (a[keep] for a in (cand, s, bits, share, gain, lift, tilted))
    i = 0
    while i < len(unread):  # looked up, cutting after each; a cut that would save few lookups is left to the last
        step = unread[i : i + 1] if len(cand) > FEW else unread[i:]
        _look_up(step, cand, s, bits, share)
        i += len(step)
        if any(sh for _, sh in step):
            gain = cover.gain(share + sum(sh for _, sh in unread[i:])) * tilted
        keep = (s + rests[i]) * gain >= floor
        if not keep.all():
            cand, s, bits, share, gain = cand[keep], s[keep], bits[keep], share[keep], gain[keep]
            lift, tilted = lift[keep], tilted[keep]
    keep = s > 0
    # F ≤ s·gain (CoverBound), no unread list left
    return _rescore_lazily(cand[keep], s[keep], bits[keep], n, scorer, theta, (s * gain)[keep], lift[keep])


def _score_each(lists: list[TermList], n: int, among: np.ndarray, allowed: Allowed, scorer: Scorer) -> TopK:
    """The n best of the passages `among` (sorted), each looked up in every list (s summed in the lists' order,
    as score_all sums it): a filter admitting few passages leaves nothing worth pruning."""
    s, bits = np.zeros(len(among)), np.zeros(len(among), dtype=np.int64)
    _look_up([(t, 0.0) for t in lists], among, s, bits, None)
    held = np.flatnonzero(s > 0)  # (a passage holding only postings stored as 0 is no match)
    held = held[allowed(among.take(held))]
    top = _rescore_lazily(among.take(held), s.take(held), bits.take(held), n, scorer, 0.0)
    top.matches = len(held)
    return top


Term = tuple[TermList, float]  # a list with the share of the query a passage holding its term may cover by it


class _Dense:
    """Per-passage accumulators (s, presence bits, key share) over all passages, reused across queries
    by one thread (a fresh 1.8 MB array per query at 100× corpus costs more in page faults than the
    scoring itself); only the slots of the lists added are touched, and cleared after. Lists are added,
    cleared and looked up by compiled loops (_kernel.c: one call per list, where numpy took several)."""

    def __init__(self, size: int) -> None:
        self.s, self.bits, self.share = np.zeros(size), np.zeros(size, dtype=np.int64), np.zeros(size)
        self.stamp = np.zeros(size, dtype=np.int32)  # for picking each passage once, never cleared
        self.mark = np.zeros(size, dtype=np.bool_)  # for sorting passages and the first cut, cleared after each use
        self.out = np.empty(size, dtype=np.intp)  # the passages the first cut keeps
        self.added: list[np.ndarray] = []
        self.narrow: tuple[np.ndarray, np.ndarray] | None = None  # (context_of, as int32): see narrow_contexts
        self.wrote_bits = self.wrote_share = False  # (most queries add no key share, some no bits: not cleared)

    def add(self, terms: list[Term]) -> None:
        """The lists into the accumulators, in order, each with its key share."""
        self.added.extend(t.docs for t, _ in terms)
        _kernel.add(_lists(terms), self.s, self.bits, self.share)
        self.wrote_bits |= any(t.bit >= 0 for t, _ in terms)
        self.wrote_share |= any(share != 0 for _, share in terms)

    def read(self) -> np.ndarray:
        """The passages of the lists added, each once (unsorted)."""
        if not self.added:
            return np.empty(0, np.intp)
        cand = self.passages()
        self.added = [cand]  # what clear() must zero
        return cand

    def passages(self) -> np.ndarray:
        """The passages of the lists added so far, each once (unsorted)."""
        if self.many():
            return self.nonzero()
        docs = np.concatenate(self.added)
        order = np.arange(len(docs), dtype=np.int32)
        self.stamp.put(docs, order)  # the last write per passage wins: keep that occurrence
        return docs[self.stamp.take(docs) == order]

    def many(self) -> bool:
        """Whether the lists added hold so many postings that a pass over all passages finds theirs cheapest."""
        return sum(map(len, self.added)) * 4 >= len(self.s)

    def reaching(self, least: float) -> np.ndarray:
        """The passages whose s reaches `least` (> 0) or that hold a key read (share > 0), sorted."""
        return ((self.s >= least) | (self.share > 0)).nonzero()[0]

    def passages_in(self, among: np.ndarray, least: float) -> np.ndarray:
        """Those of the passages `among` holding a list added that `reaching(least)` leaves out."""
        s = self.s.take(among)
        return among[(s != 0) & (s < least) & (self.share.take(among) <= 0)]

    def cut(self, tested: list[np.ndarray], distinct: bool, extra: np.ndarray, context_of: np.ndarray,
            per_context: np.ndarray, steps: np.ndarray, rest: float, floor: float) -> np.ndarray:
        """The first cut: the passages of the arrays `tested` (`distinct`: none in two), each once, then `extra`
        (those with s 0), that (s + rest) · steps[⌈key share · STEPS⌉] · per_context[their context] lets reach
        `floor`, in that order (one compiled pass, _kernel.first_cut, where numpy took some twenty calls; a view of
        scratch, valid until the next cut)."""
        room = sum(map(len, tested)) + len(extra)
        if room > len(self.out):  # (never at the sizes seen: a passage of a list read with weight 0 may be in both)
            self.out = np.empty(room, dtype=np.intp)
        n = _kernel.first_cut(tested, extra, self.s, self.share, self.narrow_contexts(context_of), per_context, steps,
                              STEPS, rest, floor, None if distinct else self.mark, self.out)
        return self.out[:n]

    def narrow_contexts(self, context_of: np.ndarray) -> np.ndarray:
        """context_of as int32, made once per array (the thread's accumulators may serve several searchers): the
        first cut reads a passage's context at random, and half the bytes took a fifth of its time at 100× corpus."""
        if self.narrow is None or self.narrow[0] is not context_of:
            self.narrow = (context_of, context_of.astype(np.int32))
        return self.narrow[1]

    def nonzero(self) -> np.ndarray:
        """The passages of the lists added, sorted (stored weights are positive; a float array's own
        nonzero() is ~10× slower than a mask's)."""
        return (self.s != 0).nonzero()[0]

    def sorting(self, cand: np.ndarray) -> np.ndarray:
        """The order that sorts `cand` (passages, each once): many are sorted through a mask."""
        if len(cand) <= SORT_BELOW:  # (stable: numpy's radix sort, 2x faster on a few thousand; the same order,
            return cand.argsort(kind="stable")  # passages being distinct)
        if (cand[1:] > cand[:-1]).all():
            return np.arange(len(cand))
        self.stamp.put(cand, np.arange(len(cand), dtype=np.int32))
        self.mark.put(cand, True)
        ordered = self.mark.nonzero()[0]
        self.mark.put(ordered, False)
        return self.stamp.take(ordered)

    def clear(self) -> None:
        bits = self.bits if self.wrote_bits else _NOTHING.view(np.int64)
        share = self.share if self.wrote_share else _NOTHING
        if sum(map(len, self.added)) * 16 >= len(self.s):  # many: one sequential pass is cheaper
            for a in (self.s, bits, share):
                a.view(np.uint8).fill(0)  # (byte zeros: a memset, ~2× faster than filling 8-byte ones)
        else:
            _kernel.clear(self.added, self.s, bits, share)
        self.added = []
        self.wrote_bits = self.wrote_share = False


def _dense(size: int) -> _Dense:
    dense = getattr(_scratch, "dense", None)
    if dense is None or len(dense.s) != size:
        dense = _scratch.dense = _Dense(size)
    return dense


def _rarest_keys(terms: list[Term]) -> list[Term]:
    """The shortest key lists, up to SEED_POSTINGS postings: read first, they pick the seed passages."""
    out, total = [], 0
    for t, share in sorted((term for term in terms if term[1] > 0), key=lambda term: len(term[0].docs)):
        total += len(t.docs)
        if total > SEED_POSTINGS:
            break
        out.append((t, share))
    return out


def _plan(pending: list[Term], theta: float, cover: CoverBound) -> tuple[list[Term], np.ndarray]:
    """Which lists to leave unread (the rest are read densely), and the passages that must then be looked
    up in them: those whose title/section share lifts the unread bounds to theta. Any other passage in
    no list read has s ≤ the unread bounds and share ≤ its title/section's + the unread keys', so F
    below theta. Lists are left unread least potent first; how many is the cheapest by LOOKUP_COST."""
    if theta <= 0 or not pending:
        return [], np.empty(0, np.intp)
    floor = theta * _SAFETY
    order = sorted(pending, key=lambda term: term[0].bound * math.exp(cover.b * term[1]))
    # leaving the first i lists unread, for every i at once: their bounds and key shares summed, the
    # passages of the contexts they would have to be looked up for, the postings still to read
    rest = np.array([0.0] + [t.bound for t, _ in order]).cumsum()
    key_share = np.array([0.0] + [share for _, share in order]).cumsum()
    rich = rest[:, None] * cover.context_gains(key_share) * cover.context_lift[None, :] >= floor
    counts = rich @ (cover.starts[1:] - cover.starts[:-1])
    to_read = np.array([0] + [len(t.docs) for t, _ in order][::-1]).cumsum()[::-1]
    best = int((to_read + LOOKUP_COST * counts * np.arange(len(order) + 1)).argmin())
    if best == 0:
        return [], np.empty(0, np.intp)
    return order[:best], cover.passages(rich[best].nonzero()[0])


def _to_cut(dense: _Dense, cover: CoverBound, per_context: np.ndarray, rest: float, floor: float
            ) -> tuple[list[np.ndarray], bool]:
    """The passages the first cut must test, as arrays, and whether no passage is in two: the lists read (each
    passage is tested once), or when many
    were read, the passages read less those the cut drops anyway: a passage holding no key read passes it only if
    (s + rest) · its context's gain reaches the floor. Most contexts' gains lie far below the few whose title/section
    names the query, so one pass over the accumulators with the gain of all but the passages of the highest contexts
    (HIGH of all, taken whole) drops most passages read, and the rest are tested one by one."""
    if not dense.many():
        return dense.added, False
    counts = cover.starts[1:] - cover.starts[:-1]
    order = (-per_context).argsort(kind="stable")
    cap = per_context[order[min(int(counts[order].cumsum().searchsorted(HIGH * len(dense.s))), len(order) - 1)]]
    least = floor / cap - rest  # (s + rest) · cap ≥ floor only when s ≥ least, up to rounding (the margin below)
    if not cap > 0 or not least > 0:
        return [dense.nonzero()], True
    least -= 1e-9 * (floor / cap + rest)
    return [dense.reaching(least), dense.passages_in(cover.members_of((per_context > cap).nonzero()[0]), least)], True


def _rescore_lazily(cand: np.ndarray, s: np.ndarray, bits: np.ndarray, n: int, scorer: Scorer, theta: float,
                    cheap: np.ndarray | None = None, lift: np.ndarray | None = None) -> TopK:
    """F for the candidates in descending upper bound, in growing chunks, until no later one can reach
    the n-th best F found: the full features are computed for few more than the page. With `cheap` (a
    coarser bound ≥ F of each, known already), the best by it are scored first, and only the rest whose
    cheap bound reaches their n-th best F get the upper bound (times their `lift`, CoverBound's, if given)."""
    docs, scores = [], []
    best, chunk = theta, max(CHUNK, n)
    if cheap is not None and len(cand) > 16 * chunk:
        first = np.sort(np.argpartition(-cheap, 4 * chunk)[: 4 * chunk])
        top = _rescore_lazily(cand[first], s[first], bits[first], n, scorer, theta,
                              lift=None if lift is None else lift[first])
        if len(top.scores) >= n:  # the n-th best of some: at most the n-th best of all
            best = max(best, float(top.scores[n - 1]))
        keep = cheap >= best * _SAFETY
        cand, s, bits, theta = cand[keep], s[keep], bits[keep], best
        lift = None if lift is None else lift[keep]
    if len(cand) <= max(chunk, AT_ONCE):  # all are scored at once
        f = scorer.rescore(cand, s, bits)
        top = best_first(cand, f, n)
        return TopK(cand[top], f[top])
    bound = scorer.upper_bound(cand, s, bits)
    if lift is not None:
        bound *= lift
    left = (bound >= theta * _SAFETY).nonzero()[0]
    while len(left):
        if len(left) > chunk:  # the chunk of largest bounds; the rest wait
            part = (-bound[left]).argpartition(chunk - 1)
            take, left = left[part[:chunk]], left[part[chunk:]]
        else:
            take, left = left, left[:0]
        take.sort()
        docs.append(cand[take])
        scores.append(scorer.rescore(cand[take], s[take], bits[take]))
        chunk *= 4
        f = np.concatenate(scores)
        if len(f) >= n:
            best = max(best, float(np.partition(f, len(f) - n)[len(f) - n]))
        left = left[bound[left] >= best * _SAFETY]
    if not docs:
        return TopK(np.empty(0, np.intp), np.empty(0))
    d, f = np.concatenate(docs), np.concatenate(scores)
    top = best_first(d, f, n)
    return TopK(d[top], f[top])


def best_first(docs: np.ndarray, f: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n largest f, ties by passage number: np.lexsort((docs, -f))[:n], sorting only those at
    least the n-th largest (a lexsort of a few hundred cost ~20 µs a query, most of them never shown)."""
    neg = -f
    if len(f) > 4 * n > 0:
        part = neg.copy()  # (np.partition's own steps, without its Python wrapper)
        part.partition(n - 1)
        nth = part[n - 1]  # (NaN sorts last here as in lexsort: a NaN n-th is left to it)
        if nth == nth:
            at = (neg <= nth).nonzero()[0]
            return at[np.lexsort((docs[at], neg[at]))[:n]]
    return np.lexsort((docs, neg))[:n]


def _seed_threshold(pending: list[Term], n: int, allowed: Allowed, scorer: Scorer, cover: CoverBound,
                    dense: _Dense) -> float:
    """A lower bound on the n-th best F: the n-th best of some passages scored exactly. They are the
    passages of the key lists read so far (in `dense`; with the heaviest postings of the rarest terms when
    those are few) that the key lists rate best: their s from the key terms times the gain of the share
    those cover."""
    seed = dense.passages() if dense.added else np.empty(0, np.intp)
    seed = seed[allowed(seed)]
    if len(seed) < max(SEED, n):  # few: (an all but absent key) the heaviest postings of the rarest terms too
        picked, total = [seed], len(seed)
        for t, _ in sorted(pending, key=lambda term: len(term[0].docs)):
            if total >= SEED:
                break
            picked.append(t.docs if len(t.docs) <= SEED else t.docs[np.argpartition(t.weights, -SEED)[-SEED:]])
            total += len(picked[-1])
        seed = np.unique(np.concatenate(picked))
        seed = seed[allowed(seed)]
    # looked up in passage order; the estimates go back to `seed`'s own order, which decides ties in picking the best
    keys = [term for term in pending if term[1]]
    order = dense.sorting(seed) if keys else np.arange(len(seed))
    ordered = seed[order]
    s, bits = dense.s.take(ordered), dense.bits.take(ordered)
    context = cover.context_of.take(ordered)
    share = dense.share.take(ordered) + cover.base.take(context)
    _look_up(keys, ordered, s, bits, share)
    m = max(SEED, n)
    if len(seed) > m:
        estimate = np.empty(len(seed))
        estimate[order] = -s * cover.gain(share) * cover.tilt.take(context) * cover.lift_of(ordered)
        at = np.empty(len(seed), dtype=np.intp)
        at[order] = np.arange(len(seed))  # position in `ordered` of each seed
        best = at[estimate.argpartition(m)[:m]]
        best = np.sort(best) if keys else best[ordered[best].argsort()]  # (picking undid the passage order)
        ordered, s, bits = ordered[best], s[best], bits[best]
    elif not keys:
        best = ordered.argsort()
        ordered, s, bits = ordered[best], s[best], bits[best]
    if len(ordered) < n:
        return 0.0
    _look_up([term for term in pending if not term[1]], ordered, s, bits, None)
    seed = ordered
    f = scorer.rescore(seed, s, bits)
    f.partition(len(f) - n)
    return float(f[len(f) - n])


def _look_up(terms: list[Term], cand: np.ndarray, s: np.ndarray, bits: np.ndarray, share: np.ndarray | None) -> None:
    """Add the terms' contributions to s, bits and share (None: key shares not counted) of the passages `cand`
    (sorted), in place."""
    if terms:
        _kernel.look_up(cand, _lists(terms if share is not None else [(t, 0.0) for t, _ in terms]), s, bits,
                        _NOTHING if share is None else share)


def _lists(terms: list[Term]) -> list[tuple[np.ndarray, np.ndarray, float, int, float]]:
    """Terms as the kernel reads posting lists: (docs, weights, factor, bit, key share)."""
    return [(t.docs, t.weights, t.factor, t.bit, share) for t, share in terms]
