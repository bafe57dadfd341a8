"""The pruned top k equals exhaustive scoring of the same score, on random queries over the real corpus."""
import random

import numpy as np
import pytest

from assistant.search.candidates import top_k
from assistant.search.engine import SHORTLIST, Searcher
from assistant.search.ranking import QueryRanker


@pytest.fixture(scope="module")
def searcher(db_path) -> Searcher:
    return Searcher.open(db_path)


def exhaustive(lists, n, allowed, rescore):
    """Score every passage holding any term, then sort: the reference the pruned search must match."""
    size = max(int(t.docs.max()) for t in lists) + 1
    s = np.zeros(size)
    bits = np.zeros(size, dtype=np.int64)
    for t in lists:
        s[t.docs] += t.weights * t.factor
        if t.bit >= 0:
            bits[t.docs] |= 1 << t.bit
    cand = np.nonzero(s > 0)[0].astype(np.int32)
    cand = cand[allowed(cand)]
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


def test_pruned_top_k_equals_exhaustive_scoring_on_random_queries(searcher):
    checked = 0
    for query in random_queries(searcher, 150):
        q = searcher.parser.parse(query)
        lists, gram_bits = searcher.term_lists(q)
        if not lists:
            continue
        ranker = QueryRanker(q, searcher.table, searcher.weights, gram_bits)
        allowed = searcher._allowed(q, None, None)
        for n in (1, 10, SHORTLIST):
            got = top_k(lists, n, searcher.index.size, allowed, ranker)
            want, scores = exhaustive(lists, n, allowed, ranker.rescore)
            assert np.allclose(got.scores, scores, rtol=1e-9), query
            # equal scores may swap places only among themselves
            assert got.docs.tolist() == want.tolist() or np.allclose(np.sort(got.scores), np.sort(scores)), query
        checked += 1
    assert checked > 100


def test_a_common_word_still_brings_candidates(searcher):
    # every word of the question is common or absent, yet passages holding it are found
    assert searcher.search("“共同富裕”到底是什么意思", k=3).hits


def test_a_quoted_single_character_is_not_a_phrase_filter(searcher):
    q = searcher.parser.parse("共同富裕示范区要建成哪几个“区”？")
    assert q.phrases == () and q.wants_list
    assert searcher.parser.parse("“山海协作”").phrases == ("山海协作",)
