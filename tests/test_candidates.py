"""The pruned top k equals exhaustive scoring of the same score, on random queries over the real corpus."""
import random

import numpy as np
import pytest

from assistant.search import _kernel, candidates, ranking, vectors
from assistant.search.candidates import count_matches, top_k
from assistant.search.engine import SHORTLIST, TOTAL_CAP, Searcher
from assistant.search.ranking import QueryRanker


@pytest.fixture(scope="module")
def searcher(db_path) -> Searcher:
    return Searcher.open(db_path)


def matching(lists, allowed):
    """Every passage holding a term that the filters admit, and its s and bits: what top k is picked from."""
    s, bits = candidates.score_all(lists, max(int(t.docs.max()) for t in lists) + 1)
    cand = np.nonzero(s > 0)[0].astype(np.int32)
    cand = cand[allowed(cand)]
    return cand, s, bits


def exhaustive(lists, n, allowed, rescore):
    """Score every passage holding any term, then sort: the reference the pruned search must match."""
    cand, s, bits = matching(lists, allowed)
    f = rescore(cand, s[cand], bits[cand])
    order = np.lexsort((cand, -f))[:n]
    return cand[order], f[order]


def random_queries(searcher, count, seed=9):
    rng = random.Random(seed)
    words = [w for w in searcher.index.fields["words"].vocab if len(w) > 1]
    common = sorted(words, key=lambda w: -searcher.index.fields["words"].df(w))[:200]
    scaffolds = ["", "是什么", "有哪些", "目标是多少", "今年", "2023年", "怎么理解"]
    for _ in range(count):
        picked = rng.sample(words, rng.randint(1, 4)) + rng.sample(common, rng.randint(0, 3))
        rng.shuffle(picked)
        yield "".join(picked) if rng.random() < 0.5 else " ".join(picked) + rng.choice(scaffolds)


def check_equal(searcher, query, source_id=None, sizes=(1, 10, SHORTLIST), meaning=None):
    q = searcher.parser.parse(query)
    lists, gram_bits = searcher.term_lists(q)
    if not lists:
        return False
    ranker = QueryRanker(q, searcher.table, searcher.weights, gram_bits, meaning)
    allowed = searcher._allowed(q, source_id, None)
    # the total: every match counted, up to the cap (small caps stop inside a list, or after a few)
    matches = len(matching(lists, allowed)[0])
    for cap in (1, 7, 150, TOTAL_CAP, 10**9):
        assert count_matches(lists, allowed, cap) == min(cap, matches), query
    admitted = np.flatnonzero(searcher._mask(q, source_id, None))  # what a narrow filter has top_k score each of
    for n in sizes:
        want, scores = exhaustive(lists, n, allowed, ranker.rescore)
        for got in (top_k(lists, n, searcher.index.size, allowed, ranker),
                    top_k(lists, n, searcher.index.size, allowed, ranker, admitted)):
            assert got.matches is None or got.matches == matches, query  # (known when every list was read)
            assert np.allclose(got.scores, scores, rtol=1e-9), query
            # equal scores may swap places only among themselves
            assert got.docs.tolist() == want.tolist() or np.allclose(np.sort(got.scores), np.sort(scores)), query
    return True


def test_pruned_top_k_equals_exhaustive_scoring_on_random_queries(searcher):
    assert sum(check_equal(searcher, query) for query in random_queries(searcher, 150)) > 100


def test_pruned_top_k_equals_exhaustive_scoring_with_sentence_vectors(searcher, monkeypatch):
    """The dissimilar features (vectors.py) are applied in the rescoring only: the bounds must still hold. Random
    vectors stand in for the model's (the property does not depend on what they mean), with the semantic weights."""
    rng = np.random.default_rng(5)
    codes = rng.integers(-127, 128, size=(searcher.index.size, 48), dtype=np.int8)
    codes = np.hstack([codes, rng.integers(-127, 128, size=codes.shape, dtype=np.int8)])  # with its context, alone
    found = vectors.PassageVectors(codes, np.column_stack([1 / np.linalg.norm(c.astype(np.float32), axis=1)
                                                           for c in (codes[:, :48], codes[:, 48:])]).astype(np.float32))
    monkeypatch.setattr(searcher, "weights", ranking.load_weights(semantic=True))
    checked = 0
    for query in random_queries(searcher, 80, seed=5):
        direction = rng.normal(size=48).astype(np.float32)
        meaning = vectors.Meaning(found, direction / np.linalg.norm(direction), -0.2, 0.4, (-0.3, 0.5))
        checked += check_equal(searcher, query, meaning=meaning)
    assert checked > 50


# Every pruning path on the small test corpus: the threshold seeded for every query (SMALL 0), and the
# plan's three outcomes: every list read (lookups dear), as many left unread as can be (lookups free, so
# the passages whose title/section share lifts the unread bounds are looked up), and the cost model's.
# Sorting passages through a mask (SORT_BELOW 0) is forced too: the small corpus never reaches it; cutting
# candidates after every lookup (FEW 0) or only after the last; scoring first the best by the cover bound
# (CHUNK 1: from 16 candidates up, as at 100x); cutting by the ranker's bound before the lookups always
# (BOUND_LOOKUPS 0) or never. Candidates are rescored in chunks by their bound however few (AT_ONCE 0). The
# passages read are cut one by one in no context, in every one, or in the highest (HIGH 0, 1, default).
@pytest.mark.parametrize("lookup_cost, sort_below, few, chunk, bound_lookups, high", [
    (10**9, 0, 0, 1, 0, 0), (0, candidates.SORT_BELOW, 0, candidates.CHUNK, 0, 1), (0, 0, 10**9, 1, 10**9, 0),
    (candidates.LOOKUP_COST, 0, candidates.FEW, 1, 0, 1),
    (candidates.LOOKUP_COST, candidates.SORT_BELOW, candidates.FEW, candidates.CHUNK, candidates.BOUND_LOOKUPS,
     candidates.HIGH)])
def test_every_pruning_path_equals_exhaustive_scoring(searcher, monkeypatch, lookup_cost, sort_below, few, chunk,
                                                      bound_lookups, high):
    monkeypatch.setattr(candidates, "SMALL", 0)
    monkeypatch.setattr(candidates, "HIGH", high)
    monkeypatch.setattr(candidates, "BOUND_LOOKUPS", bound_lookups)
    monkeypatch.setattr(candidates, "LOOKUP_COST", lookup_cost)
    monkeypatch.setattr(candidates, "SORT_BELOW", sort_below)
    monkeypatch.setattr(candidates, "FEW", few)
    monkeypatch.setattr(candidates, "CHUNK", chunk)
    monkeypatch.setattr(candidates, "AT_ONCE", 0)
    assert sum(check_equal(searcher, query) for query in random_queries(searcher, 60, seed=lookup_cost % 97 + sort_below + few % 89 + chunk)) > 40


def test_lift_is_what_the_passage_features_leave_of_the_upper_bound(searcher):
    """F = upper_bound × lift (the features after TERM_FEATURES depend on the passage and the query's intents
    alone; lift is rounded up to float32), and a context's lift is the largest of its passages'."""
    rng = np.random.default_rng(4)
    checked = 0
    for query in [*random_queries(searcher, 40, seed=4), "去年全省出口增长了多少", "今年有哪些民生实事", "拖欠工资怎么处罚"]:
        q = searcher.parser.parse(query)
        lists, gram_bits = searcher.term_lists(q)
        if not lists:
            continue
        ranker = QueryRanker(q, searcher.table, searcher.weights, gram_bits)
        cover = ranker.cover_bound()
        cand, s, bits = matching(lists, lambda c: np.ones(len(c), dtype=np.bool_))
        cand = np.sort(rng.choice(cand, min(len(cand), 300), replace=False))
        f = ranker.rescore(cand, s[cand], bits[cand])
        bound = ranker.upper_bound(cand, s[cand], bits[cand]) * cover.lift_of(cand)
        assert (bound >= f).all() and np.allclose(f, bound, rtol=1e-6), query
        every = cover.lift_of(np.arange(searcher.index.size))
        assert (cover.context_lift[searcher.table.context_of] >= every).all() and (every <= 1 + 1e-6).all()
        checked += 1
    assert checked > 30


def test_upper_bound_holds_whichever_unknown_pairs_a_passage_holds(searcher, monkeypatch):
    """upper_bound with some pairs unknown (lists not yet looked up) is ≥ F whichever of them a passage holds:
    each term feature only falls as a passage holds more pairs. Weights of either sign, and the bound computed
    once per distinct (bits, title/section) as for many candidates, or for each."""
    rng = np.random.default_rng(6)
    checked = 0
    for round, query in enumerate(random_queries(searcher, 60, seed=6)):
        q = searcher.parser.parse(query)
        lists, gram_bits = searcher.term_lists(q)
        if not gram_bits:
            continue
        weights = searcher.weights * (rng.choice([-1.0, 1.0], len(searcher.weights)) if round % 2 else 1.0)
        ranker = QueryRanker(q, searcher.table, weights, gram_bits)
        cand, s, bits = matching(lists, lambda c: np.ones(len(c), dtype=np.bool_))
        cand = np.sort(rng.choice(cand, min(len(cand), 400), replace=False))
        s, bits = s[cand], bits[cand]
        f = ranker.rescore(cand, s, bits)
        lift = ranker.cover_bound().lift_of(cand)
        unknown = sum(1 << b for b in gram_bits.values() if rng.random() < 0.5)
        for shared_above in (ranking.SHARED_ABOVE, 10**9):
            monkeypatch.setattr(ranking, "SHARED_ABOVE", shared_above)
            assert (ranker.upper_bound(cand, s, bits & ~unknown, unknown) * lift >= f * (1 - 1e-9)).all(), query
            assert np.allclose(ranker.upper_bound(cand, s, bits) * lift, f, rtol=1e-6), query
        checked += 1
    assert checked > 40


def test_the_kernel_adds_looks_up_and_clears_as_numpy_does():
    """_kernel.add equals score_all's numpy sums to the last bit (with the bits, and the key share); look_up finds each
    candidate in a list shorter or far longer than the candidates, at either end of it; clear zeroes what was added."""
    rng = np.random.default_rng(3)
    size = 5000
    s, bits, share = np.zeros(size), np.zeros(size, dtype=np.int64), np.zeros(size)
    lists = []
    for i, length in enumerate((1, 40, 300, 4999, 5000)):
        docs = np.sort(rng.choice(size, length, replace=False)).astype(np.intp)
        lists.append(candidates.TermList(docs, rng.integers(1, 65535, length).astype(np.uint16), rng.random(), 1.0,
                                         i if i != 2 else -1))
    as_lists = [(t.docs, t.weights, t.factor, t.bit, 0.25 if t.bit == 1 else 0.0) for t in lists]
    _kernel.add(as_lists[:2], s, bits, share)
    _kernel.add(as_lists[2:], s, bits, share)
    want_s, want_bits = candidates.score_all(lists, size)
    assert s.tobytes() == want_s.tobytes() and bits.tolist() == want_bits.tolist()
    assert share.tolist() == [0.25 * (d in set(lists[1].docs.tolist())) for d in range(size)]
    for count in (0, 1, 10, 300, 3000, size):
        cand = np.sort(rng.choice(size, count, replace=False)).astype(np.intp)
        got_s, got_bits, got_share = np.full(count, 0.5), np.zeros(count, dtype=np.int64), np.zeros(count)
        _kernel.look_up(cand, as_lists, got_s, got_bits, got_share)
        expect = np.full(count, 0.5)
        for t in lists:  # (score_all's sums, from 0.5: added in the same order)
            where = dict(zip(t.docs.tolist(), (t.weights * t.factor).tolist()))
            expect += np.array([where.get(d, 0.0) for d in cand.tolist()])
        assert got_s.tobytes() == expect.tobytes()
        assert got_bits.tolist() == want_bits[cand].tolist() and got_share.tolist() == share[cand].tolist()
    _kernel.clear([t.docs for t in lists[:3]], s, bits, np.empty(0))  # (an accumulator left out: not written)
    assert not s[lists[0].docs].any() and not bits[lists[2].docs].any() and s[lists[3].docs].any()
    _kernel.clear([t.docs for t in lists[3:]], s, bits, np.empty(0))
    assert not s.any() and not bits.any() and share.any()
    _kernel.clear([lists[1].docs], s, bits, share)
    assert not share.any()


def test_the_kernels_dot_products_are_numpys_and_do_not_depend_on_the_rows_asked_with():
    """_kernel.dots (vectors.PassageVectors): each part of each row against the query, the same number asked alone or
    among others; out-of-range rows and shapes that do not fit raise."""
    rng = np.random.default_rng(3)
    codes = rng.integers(-127, 128, size=(50, 2 * 7), dtype=np.int8)  # two vectors of 7 (not a multiple of 4) a row
    query = rng.normal(size=7)
    rows = np.array([3, 49, 0, 3], dtype=np.int64)
    out = np.empty(8)
    _kernel.dots(codes.reshape(-1), 14, rows, query, 2, out)
    wide = codes.astype(np.float64)
    assert np.allclose(out.reshape(4, 2), np.column_stack([wide[rows, :7] @ query, wide[rows, 7:] @ query]), rtol=1e-12)
    for i, row in enumerate(rows.tolist()):
        alone = np.empty(2)
        _kernel.dots(codes.reshape(-1), 14, np.array([row], dtype=np.int64), query, 2, alone)
        assert alone.tobytes() == out[2 * i : 2 * i + 2].tobytes()
    first = np.empty(4)
    _kernel.dots(codes.reshape(-1), 14, rows, query, 1, first)  # the first part only
    assert first.tobytes() == out[0::2].tobytes()
    with pytest.raises(IndexError):
        _kernel.dots(codes.reshape(-1), 14, np.array([50], dtype=np.int64), query, 2, out)
    with pytest.raises(ValueError):
        _kernel.dots(codes.reshape(-1), 14, rows, query, 3, out)  # a row holds two vectors
    with pytest.raises(ValueError):
        _kernel.dots(codes.reshape(-1), 14, rows, query, 2, out[:7])  # no room for every product
    with pytest.raises(TypeError):
        _kernel.dots(codes.astype(np.int16).reshape(-1), 14, rows, query, 2, out)


def test_the_kernel_refuses_what_it_cannot_read():
    """Wrong element types, lengths, out-of-range passages and unsorted candidates raise; nothing is read past an end."""
    s, bits, share = np.zeros(10), np.zeros(10, dtype=np.int64), np.zeros(10)
    docs, weights = np.array([1, 4], dtype=np.intp), np.array([3, 5], dtype=np.uint16)
    with pytest.raises(TypeError):
        _kernel.add([(docs.astype(np.int32), weights, 1.0, 0, 0.0)], s, bits, share)
    with pytest.raises(TypeError):
        _kernel.add([(docs, weights.astype(np.float64), 1.0, 0, 0.0)], s, bits, share)
    with pytest.raises(TypeError):
        _kernel.add([[docs, weights, 1.0, 0, 0.0]], s, bits, share)  # (a list is no tuple)
    with pytest.raises(ValueError):
        _kernel.add([(docs, weights[:1], 1.0, 0, 0.0)], s, bits, share)
    with pytest.raises(ValueError):
        _kernel.add([(docs, weights, 1.0, 63, 0.0)], s, bits, share)
    with pytest.raises(IndexError):
        _kernel.add([(docs, weights, 1.0, 0, 0.0), (np.array([1, 10], dtype=np.intp), weights, 1.0, 0, 0.0)], s, bits,
                    share)
    with pytest.raises(IndexError):
        _kernel.clear([docs, np.array([-1], dtype=np.intp)], s, bits, share)
    with pytest.raises(ValueError):  # (read-only: numpy refuses a writable buffer)
        _kernel.add([(docs, weights, 1.0, 0, 0.0)], np.broadcast_to(s, (10,)), bits, share)
    with pytest.raises(ValueError):
        _kernel.look_up(np.array([4, 1], dtype=np.intp), [(docs, weights, 1.0, 0, 0.0)], s[:2], bits[:2], share[:2])
    with pytest.raises(ValueError):
        _kernel.look_up(docs, [(docs, weights, 1.0, 0, 0.0), (docs, weights, 1.0, 0, 0.5)], s[:2], bits[:2], share[:1])
    for call in (_kernel.add, _kernel.clear):
        with pytest.raises(TypeError, match="must be a sequence"):
            call(5, s, bits, share)
        with pytest.raises(ValueError, match="lengths differ"):
            call([], s, bits[:2], share)


def test_the_kernel_reads_the_term_bits_as_numpy_does():
    """_kernel.term_bits: a concept is held in the text when the bits hold every bit of one of its masks (none: never;
    a mask 0: always), covered when held or named by the passage's title/section; pairs held; apart as numpy's
    1 - count / n_pairs to the bit. Out of range contexts, unordered groups and wrong lengths are refused."""
    rng = np.random.default_rng(5)
    n, n_contexts = 500, 9
    bits = rng.integers(0, 1 << 12, n).astype(np.int64)
    contexts = rng.integers(0, n_contexts, n).astype(np.int64)
    masks = np.array([1, 6, 0, 1 << 11 | 3, 5, 1 << 40, 12, 2], dtype=np.int64)
    ends = np.array([2, 2, 3, 6, 8], dtype=np.int64)
    named_in = rng.random((n_contexts, len(ends))) < 0.3
    pair_masks, word_pairs = np.array([1, 2, 4, 1 << 9], dtype=np.int64), np.array([3, 12, 1 << 5 | 1], dtype=np.int64)
    covered, named = np.empty((n, len(ends)), dtype=np.bool_), np.empty((n, len(ends)), dtype=np.bool_)
    pairs, apart = np.empty((n, len(pair_masks)), dtype=np.bool_), np.empty(n)
    _kernel.term_bits(bits, contexts, named_in.reshape(-1), masks, ends, pair_masks, word_pairs, 5, covered.reshape(-1),
                      named.reshape(-1), pairs.reshape(-1), apart)
    in_text = np.zeros((n, len(ends)), dtype=np.bool_)
    for g, (lo, hi) in enumerate(zip([0, *ends[:-1].tolist()], ends.tolist())):
        for m in masks[lo:hi].tolist():
            in_text[:, g] |= (bits & m) == m
    in_ctx = named_in[contexts]
    assert covered.tolist() == (in_text | in_ctx).tolist() and named.tolist() == in_ctx.tolist()
    assert in_text[:, 2].all() and not in_text[:, 1].any()
    assert pairs.tolist() == ((bits[:, None] & pair_masks) != 0).tolist()
    want = 1 - ((word_pairs[:, None] & bits) == word_pairs[:, None]).sum(axis=0) / 5
    assert apart.tobytes() == want.tobytes()
    args = [bits, contexts, named_in.reshape(-1), masks, ends, pair_masks, word_pairs, 5, covered.reshape(-1),
            named.reshape(-1), pairs.reshape(-1), apart]
    with pytest.raises(IndexError):
        _kernel.term_bits(*args[:1], contexts + n_contexts, *args[2:])
    with pytest.raises(ValueError, match="rise"):
        _kernel.term_bits(*args[:4], ends[::-1].copy(), *args[5:])
    with pytest.raises(ValueError, match="lengths differ"):
        _kernel.term_bits(*args[:-1], apart[:-1])
    with pytest.raises(TypeError):
        _kernel.term_bits(*args[:2], named_in.reshape(-1).astype(np.uint8), *args[3:])


def test_the_kernel_finds_distinct_keys_as_numpy_unique_does():
    """_kernel.distinct gives np.unique's distinct keys (rising), first places and inverse, whether the keys are few or
    all distinct (sorted by insertion or by qsort), negative or near the top of int64."""
    rng = np.random.default_rng(11)
    for n in (0, 1, 7, 300, 5000):
        for high in (1, 3, 40, 10**6, 1 << 62):
            keys = rng.integers(-2 if high < 10**6 else 0, high, n).astype(np.int64)
            first, inverse = np.empty(n, dtype=np.intp), np.empty(n, dtype=np.intp)
            count = _kernel.distinct(keys, first, inverse)
            values, want_first, want_inverse = np.unique(keys, return_index=True, return_inverse=True)
            assert count == len(values) and first[:count].tolist() == want_first.tolist()
            assert inverse.tolist() == want_inverse.ravel().tolist()
    with pytest.raises(ValueError, match="places"):
        _kernel.distinct(np.arange(5), np.empty(4, dtype=np.intp), np.empty(5, dtype=np.intp))
    with pytest.raises(TypeError):
        _kernel.distinct(np.arange(5, dtype=np.int32), np.empty(5, dtype=np.intp), np.empty(5, dtype=np.intp))


def test_the_first_cut_keeps_what_numpy_keeps():
    """_kernel.first_cut tests each passage of the lists once (a passage in several lists, or in none: `extra`), in
    numpy's arithmetic, to the last bit of the bound: the passages kept are those the same expression keeps in numpy,
    first come first; `seen` is left all False."""
    rng = np.random.default_rng(8)
    size, n_contexts = 3000, 17
    s, share = np.zeros(size), np.zeros(size)
    lists = [np.sort(rng.choice(size, length, replace=False)).astype(np.intp) for length in (5, 400, 2500)]
    for docs in lists:
        s[docs] += rng.random(len(docs)) * 3
        share[docs[: len(docs) // 3]] += 0.3
    extra = np.setdiff1d(np.arange(0, size, 7), np.concatenate(lists))
    context_of = rng.integers(0, n_contexts, size).astype(np.int32)
    per_context = rng.random(n_contexts) * 2
    steps = np.exp(0.8 * np.arange(int(0.6 * candidates.STEPS) + 2) / candidates.STEPS)
    seen, out = np.zeros(size, dtype=np.bool_), np.empty(size, dtype=np.intp)
    order = np.concatenate([*lists, extra])
    first = np.sort(np.unique(order, return_index=True)[1])
    tested = order[first]
    for floor in (0.0, 1.5, 3.0, 1e9):
        count = _kernel.first_cut(lists, extra, s, share, context_of, per_context, steps, candidates.STEPS, 0.25, floor,
                                  seen, out)
        at = np.ceil(share.take(tested) * candidates.STEPS).astype(np.intp)
        bound = (s.take(tested) + 0.25) * steps.take(at, mode="clip") * per_context.take(context_of.take(tested))
        assert out[:count].tolist() == tested[bound >= floor].tolist() and not seen.any()
        every = np.unique(order)
        apart = [every[: len(every) // 3], every[len(every) // 3 :]]  # (no passage in two arrays: no marks needed)
        count = _kernel.first_cut(apart, extra[:0], s, share, context_of, per_context, steps, candidates.STEPS, 0.25,
                                  floor, None, out)
        assert sorted(out[:count].tolist()) == sorted(tested[bound >= floor].tolist())
    assert count == 0 and _kernel.first_cut([], extra[:0], s, share, context_of, per_context, steps, 64.0, 0.0, 0.0,
                                            seen, out) == 0
    with pytest.raises(TypeError, match="must be a sequence"):
        _kernel.first_cut(5, extra, s, share, context_of, per_context, steps, 64.0, 0.0, 0.0, seen, out)
    with pytest.raises(TypeError):  # (marks must be bool)
        _kernel.first_cut(lists, extra, s, share, context_of, per_context, steps, 64.0, 0.0, 0.0, seen.view(np.uint8), out)
    with pytest.raises(TypeError, match="int32"):  # (contexts as int32: half the memory read)
        _kernel.first_cut(lists, extra, s, share, context_of.astype(np.intp), per_context, steps, 64.0, 0.0, 0.0, seen,
                          out)
    with pytest.raises(ValueError, match="lengths differ"):
        _kernel.first_cut(lists, extra, s, share[:10], context_of, per_context, steps, 64.0, 0.0, 0.0, seen, out)
    with pytest.raises(IndexError):  # out too small: refused, marks cleared
        _kernel.first_cut(lists, extra, s, share, context_of, per_context, steps, 64.0, 0.0, 0.0, seen, out[:10])
    assert not seen.any()
    with pytest.raises(IndexError):  # a context out of range
        _kernel.first_cut(lists, extra, s, share, context_of, per_context[:3], steps, 64.0, 0.0, 0.0, seen, out)
    with pytest.raises(IndexError):
        _kernel.first_cut([np.array([size], dtype=np.intp)], extra, s, share, context_of, per_context, steps, 64.0, 0.0,
                          0.0, seen, out)
    assert not seen.any()


def test_best_first_is_the_head_of_a_lexsort():
    """Ties (by passage number), NaN (last) and pages longer than what was scored, as np.lexsort gives them."""
    rng = np.random.default_rng(7)
    for _ in range(3000):
        m, n = int(rng.integers(0, 200)), int(rng.integers(0, 30))
        f = rng.integers(0, 5, m) / rng.integers(1, 4)
        f[rng.random(m) < 0.1 * rng.integers(0, 2)] = np.nan
        docs = rng.permutation(10 * m + 1)[:m]
        assert candidates.best_first(docs, f, n).tolist() == np.lexsort((docs, -f))[:n].tolist()


def test_filters_and_ties_equal_exhaustive_scoring(searcher, monkeypatch):
    """@source, -excluded and “phrase” filters cut candidates at any stage; repeated sentences tie."""
    monkeypatch.setattr(candidates, "SMALL", 0)
    rng = random.Random(5)
    sources = searcher.index.source_ids
    checked = 0
    for query in random_queries(searcher, 60, seed=11):
        words = [w for w in searcher.parser.parse(query).words if len(w) > 1]
        if not words:
            continue
        kind = rng.choice(["source", "exclude", "phrase"])
        if kind == "source":
            checked += check_equal(searcher, query, source_id=rng.choice(sources))
        elif kind == "exclude":
            checked += check_equal(searcher, f"{query} -{rng.choice(words)[:2]}")
        else:
            checked += check_equal(searcher, f"{query} “{rng.choice(words)}”")
    assert checked > 40
    # a sentence repeated across sources: equal scores, ordered by passage number
    assert check_equal(searcher, "共同富裕", sizes=(1, 3, 50))


def test_a_common_word_still_brings_candidates(searcher):
    # every word of the question is common or absent, yet passages holding it are found
    assert searcher.search("“共同富裕”到底是什么意思", k=3).hits


def test_a_quoted_single_character_is_not_a_phrase_filter(searcher):
    q = searcher.parser.parse("共同富裕示范区要建成哪几个“区”？")
    assert q.phrases == () and q.wants_list
    assert searcher.parser.parse("“山海协作”").phrases == ("山海协作",)


def test_pruned_top_k_equals_exhaustive_scoring_with_the_cited_field(tmp_path):
    """A question on a penalty also searches the words of the provisions passages name (index field "cited"):
    more lists of the same score, so pruning must still match exhaustive scoring. On a regulation whose penalties
    name the articles they punish (the seeds name none)."""
    from tests.regulation_support import REGULATIONS
    from tests.test_ranking import regulation_searcher

    dogs = regulation_searcher(tmp_path, "dogs", (REGULATIONS / "shanghai-dog-keeping.md").read_text(encoding="utf-8"))
    cited = dogs.index.fields["cited"]
    checked = reaching = 0
    for query in random_queries(dogs, 120, seed=11):
        asked = dogs.parser.parse(query + "罚多少")
        assert asked.wants_sanction
        reaching += any(cited.entry(w, np.intp) is not None for w in asked.words)
        checked += check_equal(dogs, query + "罚多少")
    assert checked > 100 and reaching > 80  # (the cited lists were searched, not only the passages' own)
