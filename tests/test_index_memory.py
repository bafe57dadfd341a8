"""The compact forms the search index is held in (bm25.Vocabulary, 16-bit document numbers, index._Blobs): each
must give exactly what the plain form gave."""
from __future__ import annotations

import random
import sqlite3

import numpy as np
import pytest

from assistant.search.bm25 import Field, Vocabulary, build_field
from assistant.search.index import TABLE, _Blobs

ALPHABET = "共同富裕示范区ab1 \t\x00" + chr(0xFFFF) + chr(0x10000) + chr(0x10FFFF)


def test_vocabulary_answers_as_a_dict():
    rng = random.Random(9)
    for _ in range(200):
        words = ["".join(rng.choice(ALPHABET) for _ in range(rng.choice([0, 1, 2, 2, 3, 3, 4, 9])))
                 for _ in range(rng.randint(0, 300))]
        terms = list(dict.fromkeys(words))
        if terms == [""]:  # (stored as an empty blob: no terms, as before)
            continue
        vocab, plain = Vocabulary.of(terms), {t: i for i, t in enumerate(terms)}
        assert len(vocab) == len(plain) and list(vocab) == terms
        for _ in range(300):
            t = "".join(rng.choice(ALPHABET) for _ in range(rng.choice([0, 1, 2, 3, 4])))
            assert vocab.get(t) == plain.get(t) and (t in vocab) == (t in plain)
        assert all(vocab[t] == i for i, t in enumerate(terms))
    with pytest.raises(ValueError):
        Vocabulary.of(["a\nb"])


def _lists(n_docs: int, n_terms: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    terms = [f"t{i}" for i in range(n_terms)]
    return [[terms[j] for j in rng.integers(0, n_terms, int(rng.integers(0, 4)))] for _ in range(n_docs)]


@pytest.mark.parametrize("n_docs", [1, 3, 65536, 65537, 300_000])
def test_sixteen_bit_documents_give_the_int32_lists(n_docs):
    docs = _lists(n_docs, 30, n_docs)
    field = build_field(docs)
    truth: dict[str, list[int]] = {}
    for d, tokens in enumerate(docs):
        for t in dict.fromkeys(tokens):
            truth.setdefault(t, []).append(d)
    stored = Field.from_blobs(field.to_blobs("f"), "f")
    for f in (field, stored):
        assert f.low.dtype == np.uint16
        for t, want in truth.items():
            got, weights = f.postings(t)
            assert got.dtype == np.int32 and got.tolist() == want
            assert f.entry(t)[0].tolist() == want and len(weights) == len(want)
        assert f.postings("absent") is None
    assert np.array_equal(stored.docs, field.docs) and np.array_equal(stored.weights, field.weights)


def test_document_numbers_up_to_the_index_bound():
    """Documents up to 2**24 − 1 (build_field's limit): 255 steps of the high part, which a uint8 holds."""
    top = (1 << 24) - 1
    lists = [np.array([0, 5, 65535, 65536, 1 << 20, top - 1, top]), np.array([top]), np.array([7, 1 << 23])]
    indptr = np.concatenate(([0], np.cumsum([len(x) for x in lists])))
    docs = np.concatenate(lists).astype(np.int32)
    field = Field(Vocabulary.of(["a", "b", "c"]), indptr, docs, np.ones(len(docs), dtype=np.uint16), 1.0)
    assert field.cuts.shape == (3, 255)
    for term, want in zip("abc", lists):
        assert field.postings(term)[0].tolist() == want.tolist()
    assert np.array_equal(field.docs, docs)
    with pytest.raises(ValueError):
        Field(Vocabulary.of(["a"]), np.array([0, 1]), np.array([1 << 24], dtype=np.int32),
              np.ones(1, dtype=np.uint16), 1.0)


class _SmallReads(_Blobs):
    def chunks(self, name, dtype, size=40):  # a few postings a read: every list crosses reads
        return super().chunks(name, dtype, size)


def test_blobs_read_in_parts_give_the_same_field():
    field = build_field(_lists(70_000, 50, 1))
    blobs = field.to_blobs("words")
    conn = sqlite3.connect(":memory:")
    conn.execute(f"create table {TABLE} (name text primary key, data blob)")
    conn.executemany(f"insert into {TABLE} values (?, ?)", blobs.items())
    for read in (_Blobs(conn), _SmallReads(conn)):
        assert set(read) == set(blobs) and read["words.vocab"] == blobs["words.vocab"]
        loaded = Field.from_blobs(read, "words")
        assert np.array_equal(loaded.low, field.low) and np.array_equal(loaded.cuts, field.cuts)
        assert np.array_equal(loaded.weights, field.weights) and not loaded.weights.flags.writeable
        assert np.array_equal(loaded.max_weights, field.max_weights)
    with pytest.raises(KeyError):
        _Blobs(conn)["absent"]
