"""Paraphrase from word vectors: which corpus words stand for a query word, how the parser adds them, the shipped
vectors, and the restricted reading of the pickle they are derived from."""
from __future__ import annotations

import importlib.util
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from assistant.search.bm25 import build_field
from assistant.search.engine import Searcher
from assistant.search.lexicon import QueryWords
from assistant.search.neighbours import VECTORS_DIR, Neighbours, WordVectors, word_vectors
from assistant.search.query import EXPANSION_WEIGHT, QueryParser
from assistant.search.tokenizer import Tokenizer

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "derive_word_vectors.py"


def vectors(table: dict[str, list[float]]) -> WordVectors:
    """Unit-length int8 vectors as the shipped file stores them."""
    raw = np.array(list(table.values()), dtype=np.float64)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    return WordVectors(dict(zip(table, range(len(table)))), np.rint(raw * 127).astype(np.int8))


# 房子 ~ 房产 (cosine ~0.94), ~ 房屋 (~0.83), far from 车辆 and 苹果
TABLE = {"房子": [1, 0.1, 0], "房产": [1, 0.4, 0], "房屋": [1, 0, 0.7], "车辆": [0, 1, 0], "苹果": [0, 0, 1]}


def field(docs: list[list[str]]):
    return build_field(docs), len(docs)


def test_a_query_word_gets_the_nearest_corpus_words_the_corpus_uses_more():
    words, n = field([["房产"], ["房产", "登记"], ["房屋"], ["车辆"], ["苹果"]] + [["其他"]] * 200)
    near = Neighbours(words, n, vectors(TABLE))
    assert near(["房子"]) == {"房子": ("房产", "房屋")}  # nearest first
    assert near(["苹果", "不在词表"]) == {}  # nothing near enough; a word without a vector


def test_a_rarer_or_common_key_gets_no_neighbours():
    # 房屋 is near 房产 but the corpus uses 房屋 more: the user's word is already the document's wording
    words, n = field([["房产"], ["房屋"], ["房屋"], ["房屋"]] + [["其他"]] * 400)
    near = Neighbours(words, n, vectors(TABLE))
    assert near(["房屋"]) == {}
    assert near(["房产"]) == {"房产": ("房屋",)}
    # a key in more than 1% of the passages gets none
    common, n = field([["房子"]] * 5 + [["房产"]] * 6 + [["其他"]] * 100)
    assert Neighbours(common, n, vectors(TABLE))(["房子"]) == {}


def test_neighbours_expand_below_the_users_words_and_stand_for_the_concept():
    def neighbours(keys):
        return {k: ("房产",) for k in keys if k == "房子"}

    parser = QueryParser(Tokenizer(), {}, QueryWords(), related={"房子": ("住宅",)})
    assert parser.parse("房子 登记").words.get("住宅") == EXPANSION_WEIGHT  # a mined expansion comes first
    parser = QueryParser(Tokenizer(), {}, QueryWords(), neighbours=neighbours)
    parsed = parser.parse("房子 登记")
    assert parsed.words["房产"] == EXPANSION_WEIGHT < parsed.words["房子"]
    assert ("房子", "房产") in parsed.concepts
    assert "房产" not in parsed.highlight  # a guess is searched for, not bolded as the user's word


def test_shipped_vectors_are_whole_and_licensed():
    v = word_vectors()
    assert v.vectors.dtype == np.int8 and v.vectors.shape == (len(v.rows), 75)
    norms = np.linalg.norm(v.vectors[:1000].astype(np.float64) / 127, axis=1)
    assert np.all(np.abs(norms - 1) < 0.05)
    assert "Apache License" in (VECTORS_DIR / "LICENSE").read_text(encoding="utf-8")


def test_a_query_word_the_corpus_lacks_finds_the_corpus_wording(db_path):
    searcher = Searcher.open(db_path)
    assert "放假" not in searcher.parser.synonyms and not searcher.index.fields["words"].df("放假")
    parsed = searcher.parser.parse("放假安排")
    assert parsed.words["休假"] == EXPANSION_WEIGHT < parsed.words["放假"]
    assert any("休假" in h.passage.text for h in searcher.search("职工放假", k=3).hits)


def _script():
    spec = importlib.util.spec_from_file_location("derive_word_vectors", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Shell:
    def __reduce__(self):
        return (os.system, ("echo unsafe",))


def test_the_pickle_is_read_without_running_what_it_names():
    script = _script()
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        script.RestrictedUnpickler(io.BytesIO(pickle.dumps({"x": _Shell()}))).load()


def test_derived_vectors_keep_words_with_their_own_vector_at_unit_length():
    script = _script()
    words = ["房子", "房产", "ab", "甲乙", "丙丁"]
    raw = np.array([[3.0, 4.0], [1.0, 1.0], [2.0, 0.0], [5.0, 5.0], [5.0, 5.0]])  # 甲乙, 丙丁: one shared vector
    kept, packed = script.compact(words, raw)
    assert kept == ["房子", "房产"]
    assert packed.dtype == np.int8 and packed[0].tolist() == [76, 102]  # (0.6, 0.8) × 127
