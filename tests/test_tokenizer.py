"""The on-demand word table (dictionary.py) segments exactly as jieba's full table, on the real corpus."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.search import dictionary
from assistant.search.index import load_index
from assistant.search.normalize import normalize
from assistant.search.tokenizer import _CONTENT, Tokenizer, cut, new_jieba
from assistant.storage import Corpus

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def texts_and_words(db_path) -> tuple[list[str], dict]:
    """Every passage, section and title of the corpus and every labelled query (normalised), with the
    corpus's user words; plus windows across sentence ends, so pairs meet that no passage holds."""
    corpus = Corpus(db_path)
    texts = [normalize(r[0]) for r in corpus.db.execute("select text from passages").fetchall()]
    texts += [normalize(" ".join((s.title, s.short))) for s in corpus.sources()]
    for path in sorted((ROOT / "tests" / "data" / "eval").glob("*.jsonl")):
        texts += [normalize(json.loads(line)["query"]) for line in path.open(encoding="utf-8") if line.strip()]
    rng = random.Random(9)
    joined = "".join(texts)
    texts += [joined[i : i + rng.randint(2, 40)] for i in (rng.randrange(len(joined)) for _ in range(3000))]
    return texts, load_index(corpus.conn).user_words


def test_on_demand_table_segments_like_the_full_table(texts_and_words):
    texts, user_words = texts_and_words
    full = Tokenizer(user_words, base=new_jieba())
    lazy = Tokenizer(user_words)
    for text in texts:
        assert lazy.words(text) == full.words(text), text
    for text in texts[::97]:  # a fresh table, filled by this text alone
        assert Tokenizer(user_words).words(text) == full.words(text), text


def test_on_demand_frequencies_equal_the_full_table(texts_and_words):
    texts, user_words = texts_and_words
    full, lazy = Tokenizer(user_words, base=new_jieba()), Tokenizer(user_words)
    rng = random.Random(3)
    looked_up = [t[i : i + n] for t in texts[::5] for n in (1, 2, 3, 4) for i in [rng.randrange(len(t) or 1)]]
    looked_up += list(user_words)
    assert sum(1 for w in looked_up if full.dictionary.get(w)) > len(looked_up) // 4  # not all misses
    for word in looked_up:
        assert lazy.dictionary.get(word) == full.dictionary.get(word), word
        assert (word in lazy.dictionary) == (word in full.dictionary), word


def test_table_cache_is_written_once_and_read_back(tmp_path):
    built = dictionary._load(tmp_path)
    stored = list(tmp_path.iterdir())  # one directory, no temporary one left
    assert len(stored) == 1 and stored[0].is_dir() and stored[0].name.startswith("jieba-words-")
    read = dictionary._load(tmp_path)
    for name in ("keys", "starts", "offsets", "freqs", "text"):
        np.testing.assert_array_equal(getattr(read, name), getattr(built, name))
    assert (read.total, read.places) == (built.total, built.places)
    assert "杭州" in read.places and read.total == new_jieba().total
    import jieba

    assert dictionary._dict_path() == Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME  # found without jieba


def test_jieba_imported_without_pkg_resources():
    """jieba falls back to opening its files by path; pkg_resources cost a sixth of a searcher's start."""
    code = ("import sys, assistant.ingest.structure, assistant.study.quiz, jieba\n"
            "print('pkg_resources' in sys.modules, 'jieba.posseg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False True"


def test_cut_is_jiebas_cut(texts_and_words):
    """tokenizer.cut gives jieba's own tokens (accurate mode, no HMM) with the corpus's user words: on every
    text, on the on-demand table as on the full one, and on mixed scripts, spaces and punctuation."""
    texts, user_words = texts_and_words
    jb = new_jieba()
    for word, (freq, _) in user_words.items():
        jb.add_word(word, freq)
    lazy = Tokenizer(user_words)
    texts = [*texts, "abc 12 3 a1b2 ，。\r\n x%y -z 中国a人 2024年GDP增长5.5% 共同富裕\t示范区 ｆｕｌｌ 四下基层", " ", ""]
    for text in texts:
        expected = list(jb.cut(text, HMM=False))
        assert cut(text, jb.FREQ, jb.total) == expected, text
        assert lazy.segments(text) == [w for w in expected if _CONTENT.search(w)], text
