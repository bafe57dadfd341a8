"""Chinese tokenization: jieba's segmentation with the corpus user dictionary, in search mode, plus character bigrams.

Search mode means a word is indexed whole *and* by its parts (八八战略 → 八八战略, 八八, 战略), so a
query for the slogan and a query for one of its parts both match. The parts of user-dictionary
words are computed once at index time with the default dictionary and stored, so tokenizing at
query time gives exactly the tokens the index was built with.

Segmenting is jieba's accurate mode without HMM (`cut`, below) on a word table this module holds: a searcher
never imports jieba (~30 ms of its start, with jieba's HMM tables and logging); index time uses jieba's
dictionary reader, `suggest_freq` and search-mode parts (new_jieba, user_word_entries).
"""
from __future__ import annotations

import math
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from assistant import import_jieba
from assistant.search.dictionary import CACHE_DIR, word_table
from assistant.search.normalize import normalize

if TYPE_CHECKING:
    import jieba

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:\.[0-9]+)?%?")
_CONTENT = re.compile(r"[\u3400-\u9fffa-z0-9]")
# jieba.Tokenizer.cut's patterns: runs of these are segmented, whitespace kept, anything else one character a token
_HAN = re.compile(r"([\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_ENG = re.compile(r"[a-zA-Z0-9]")


def _load_jieba(cache_dir: Path) -> jieba.Tokenizer:
    tok = import_jieba().Tokenizer()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tok.tmp_dir = str(cache_dir)
    except OSError:
        pass  # fall back to jieba's default temp dir
    tok.initialize()
    return tok


_default: jieba.Tokenizer | None = None  # the default dictionary as loaded once; never given out itself
_default_lock = threading.Lock()


def new_jieba(cache_dir: Path = CACHE_DIR) -> jieba.Tokenizer:
    """A jieba tokenizer on the default dictionary, free to take user words.

    The dictionary is read once per process (its cache in a known place); later tokenizers get a copy of
    its word table (~30 ms). Reading it again took ~1–2.5 s of marshal.load holding the interpreter, which
    stalled answers for up to ~0.3 s while a re-ingested corpus was loaded beside the running one."""
    global _default
    with _default_lock:
        if _default is None:
            _default = _load_jieba(cache_dir)
    tok = import_jieba().Tokenizer()
    tok.FREQ, tok.total, tok.tmp_dir = dict(_default.FREQ), _default.total, _default.tmp_dir
    tok.initialized = True
    return tok


class Tokenizer:
    """Word tokens (search mode, user dictionary) and character bigrams of normalised text.

    Without a `base`, the word table is filled on demand from the compact default table (dictionary.py):
    before a text is segmented, the entries of its characters and those starting with its character pairs
    are copied in, with the user words starting with those pairs, so a searcher starts without loading any
    table and segments exactly as with the whole one. With a `base` (index time), its full table is used
    and takes the user words.
    """

    def __init__(self, user_words: Mapping[str, tuple[int, tuple[str, ...]]] | None = None,
                 base: jieba.Tokenizer | None = None, cache_dir: Path = CACHE_DIR) -> None:
        self._table = None if base is not None else word_table(cache_dir)
        self._freq: dict[str, int] = {} if base is None else base.FREQ
        self._total = self._table.total if base is None else base.total
        self._filled: set[str] = set()  # characters and character pairs whose entries are in the word table
        self._waiting: dict[str, list[tuple[str, int]]] = {}  # lazy: user words by their first pair, in order
        self._parts: dict[str, tuple[str, ...]] = {}
        for word, (freq, parts) in (user_words or {}).items():
            self._parts[word] = parts
            if self._table is None:
                self._add_word(word, freq)
            else:  # added once its pair's default entries are in: none of those overwrites it
                self._waiting.setdefault(word[:2], []).append((word, freq))
                self._total += freq
                self._freq.setdefault(word[0], 0)  # as add_word would; the character's own entry replaces it
        self.dictionary = _Frequencies(self)  # jieba's word frequencies, with the user words

    def _add_word(self, word: str, freq: int) -> None:
        """jieba's add_word: the word with its frequency (added to the total), each of its prefixes known."""
        self._freq[word] = freq
        self._total += freq
        for i in range(1, len(word) + 1):
            self._freq.setdefault(word[:i], 0)

    def _fill(self, text: str) -> None:
        """Copy into the word table the entries of the characters of `text` and those starting with its
        character pairs, then the user words starting with those pairs (lazy mode)."""
        if self._table is None:
            return
        keys = ({*text} | {text[i : i + 2] for i in range(len(text) - 1)}) - self._filled
        if keys:
            self._freq.update(self._table.entries(list(keys)))
            for pair in keys:
                for word, freq in self._waiting.get(pair, ()):
                    self._freq[word] = freq
                    for i in range(2, len(word)):
                        self._freq.setdefault(word[:i], 0)
            self._filled |= keys  # after the entries: another thread may read the table meanwhile

    def words(self, text: str) -> list[str]:
        """Word tokens of already-normalised text, each followed by its parts (search mode)."""
        return self.with_parts(self.segments(text))

    def with_parts(self, segments: list[str]) -> list[str]:
        """Each segment followed by its parts: user words by their stored parts, others as jieba does."""
        out: list[str] = []
        for w in segments:
            out.append(w)
            parts = self._parts.get(w)
            if parts is not None:
                out.extend(parts)
            elif len(w) > 2:
                self._fill(w)
                out.extend(sub_words(w, self._freq))
        return out

    def segments(self, text: str) -> list[str]:
        """Plain segmentation (no parts) of already-normalised text, punctuation dropped."""
        self._fill(text)
        return [w for w in cut(text, self._freq, self._total) if _CONTENT.search(w)]

    def tokenize(self, text: str) -> list[str]:
        return self.words(normalize(text))


class _Frequencies(Mapping[str, int]):
    """A tokenizer's word table as a read-only mapping: a word's entries are filled in before it is read."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer

    def __getitem__(self, word: str) -> int:
        self._tokenizer._fill(word)
        return self._tokenizer._freq[word]

    def __iter__(self):
        raise TypeError("the word table is filled on demand: look words up, do not list them")

    def __len__(self) -> int:
        raise TypeError("the word table is filled on demand: look words up, do not count them")


def cut(text: str, freq: Mapping[str, int], total: int) -> list[str]:
    """jieba.Tokenizer.cut(text, HMM=False) on the word table `freq` (jieba's: each word and word prefix, a
    prefix alone 0) whose frequencies sum to `total`: the same tokens, with the same ties (tests compare it
    with jieba's own on the corpus), without jieba's generator layers."""
    out: list[str] = []
    log_total = math.log(total)
    for block in _HAN.split(text):
        if not block:
            continue
        if _HAN.match(block):
            _cut_block(block, freq, log_total, out)
        else:
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    out.append(piece)
                else:
                    out.extend(piece)
    return out


def _cut_block(block: str, freq: Mapping[str, int], log_total: float, out: list[str]) -> None:
    """The most probable words of a block (jieba's DAG and route, built from the end), a run of single
    letters or digits joined into one token."""
    n = len(block)
    route: list[tuple[float, int]] = [(0, 0)] * (n + 1)  # from k: (log probability of the rest, end of k's word)
    for k in range(n - 1, -1, -1):
        best = None
        i, f = k, freq.get(block[k])
        while f is not None:  # the words starting at k (jieba's DAG), shortest first
            if f:
                option = (math.log(f) - log_total + route[i + 1][0], i)
                if best is None or option > best:
                    best = option
            i += 1
            f = freq.get(block[k : i + 1]) if i < n else None
        route[k] = best if best is not None else (math.log(1) - log_total + route[k + 1][0], k)
    x, letters = 0, ""
    while x < n:
        y = route[x][1] + 1
        word = block[x:y]
        if len(word) == 1 and _ENG.match(word):
            letters += word
        else:
            if letters:
                out.append(letters)
                letters = ""
            out.append(word)
        x = y
    if letters:
        out.append(letters)


def sub_words(word: str, freq: Mapping[str, int]) -> list[str]:
    """jieba's search-mode parts: dictionary 2- and 3-grams inside a longer word."""
    out = []
    for n in (2, 3):
        if len(word) > n:
            out.extend(g for g in (word[i : i + n] for i in range(len(word) - n + 1)) if freq.get(g))
    return out


def bigrams(text: str) -> list[str]:
    """Character bigrams of each CJK run (a lone character stands for itself); ASCII runs whole."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        if run[0].isascii():
            out.append(run)
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def user_word_entries(words: Iterable[str], base: jieba.Tokenizer) -> dict[str, tuple[int, tuple[str, ...]]]:
    """For each user word: the frequency that makes jieba keep it whole, and its parts.

    Parts are the default dictionary's words (computed before any user word is added) plus the other
    user words inside it, so a slogan is also found by a curated term it contains (亩均论英雄 → 亩均).
    """
    words = list(dict.fromkeys(words))
    known = set(words)
    entries = {}
    for w in words:
        parts = [p for p in base.cut_for_search(w, HMM=False) if p != w and len(p) > 1 and _CONTENT.search(p)]
        inner = (w[i:j] for i in range(len(w)) for j in range(i + 2, min(len(w), i + 12) + 1))
        parts += [p for p in inner if p != w and p in known and p not in parts]
        entries[w] = (base.suggest_freq(w, tune=False), tuple(parts))
    return entries
