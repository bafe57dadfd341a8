"""Vocabulary the tokenizer and the query parser need: terms mined from the corpus plus curated data.

Curated data lives in corpus/ as plain files maintainers edit (see the comments in each):
  dictionary.txt     extra words jieba must keep whole (one per line)
  synonyms.toml      abbreviation / colloquial term → corpus wording, expanded at query time
  query_words.toml   question scaffolding to strip, and context words that describe a document
The package ships register.toml beside this module: everyday words → the legal/official register (开车 → 驾驶,
老板 → 用人单位), applied to every corpus; a corpus's synonyms.toml replaces its entries key by key. It ships
query_words.toml too (怎么, 是什么, 今年 … are how anyone asks): a corpus's query_words.toml adds to it, so a
corpus made by `add --new`, which has none, still strips the question's scaffolding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from assistant.search.normalize import normalize

DICTIONARY_FILE = "dictionary.txt"
SYNONYMS_FILE = "synonyms.toml"
QUERY_WORDS_FILE = "query_words.toml"
REGISTER_FILE = Path(__file__).with_name("register.toml")
PACKAGE_QUERY_WORDS = Path(__file__).with_name(QUERY_WORDS_FILE)

_QUOTED = re.compile(r"[“\"]([^“”\"]{2,40})[”\"]")
_TITLE = re.compile(r"《([^《》]{2,40})》")
_LIST_SEP = re.compile(r"[、，,；;：:/·\s]+")
_HAS_CJK = r"[\u3400-\u9fff]"  # patterns, compiled when terms are mined: a searcher never mines
# jieba only ever yields words made of these characters; a term is kept as the runs of them it holds.
_JIEBA_RUN = r"[\u4e00-\u9fd5a-z0-9+#&._%\-]+"

MIN_TERM, MAX_TERM = 2, 16
# In a synonym key, "…" (NFKC-normalised to "..." like every key): a few characters of the question may stand
# between its parts (狗…叫 → 犬吠).
GAP = "..."


class LexiconError(ValueError):
    """A curated data file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class QueryWords:
    scaffolding: frozenset[str] = frozenset()
    context: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    user_words: tuple[str, ...] = ()
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    query_words: QueryWords = QueryWords()


def mine_terms(texts: Iterable[str]) -> list[str]:
    """Terms the corpus itself marks as units: “…” terms (numbered slogans such as 三服务 and
    四下基层 are written this way), the items of a quoted 、-list, and 《…》 titles."""
    quoted: set[str] = set()
    titles: set[str] = set()
    for text in texts:
        for m in _QUOTED.finditer(text):
            parts = [p for p in _LIST_SEP.split(m.group(1)) if p]
            quoted.update(parts if len(parts) > 1 else [m.group(1)])
        titles.update(m.group(1) for m in _TITLE.finditer(text))
    keep = {t for t in quoted if MIN_TERM <= len(t) <= MAX_TERM} | titles
    runs = {run for t in keep for run in re.findall(_JIEBA_RUN, normalize(t))}
    return sorted(r for r in runs if len(r) >= MIN_TERM and re.search(_HAS_CJK, r))


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(normalize(line))
    return out


def _toml(path: Path) -> dict:
    import tomllib  # here: only indexing reads TOML (a searcher starts without it)

    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path} 格式错误：{exc}") from exc


def load_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
    data = _toml(path).get("synonyms", {})
    out: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise LexiconError(f"{path} 第 {_line_of(path, key)} 行：“{key}”的取值应为字符串或字符串列表")
        out[normalize(key)] = tuple(normalize(v) for v in values)
    return out


def _line_of(path: Path, key: str) -> int | str:
    """The line defining `key` (tomllib reports positions only for syntax errors)."""
    assignment = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((n for n, line in enumerate(lines, 1) if assignment.match(line)), "?")


def merged_synonyms(curated_dir: Path | None) -> dict[str, tuple[str, ...]]:
    """The package's register lexicon with the corpus's synonyms.toml over it: a corpus key replaces the
    package entry of the same key, and an empty list removes it."""
    merged = load_synonyms(REGISTER_FILE)
    if curated_dir is not None:
        merged.update(load_synonyms(curated_dir / SYNONYMS_FILE))
    return {k: v for k, v in merged.items() if v}


def held_by(synonyms: dict[str, tuple[str, ...]], texts: list[str], chunk: int = 512) -> dict[str, tuple[str, ...]]:
    """The synonyms with only the values some passage holds (an expansion nothing holds only costs time).
    Passages are searched a few hundred at a time, joined by a line break no value holds: most values of the
    register lexicon are in no passage, so each is looked for once per chunk, not once per passage."""
    pending = {v for values in synonyms.values() for v in values}
    held: set[str] = set()
    for start in range(0, len(texts), chunk):
        joined = "\n".join(texts[start : start + chunk])
        found = {v for v in pending if v in joined}
        held |= found
        pending -= found
        if not pending:
            break
    kept = {k: tuple(v for v in values if v in held and not _narrows(k, v, texts, chunk))
            for k, values in synonyms.items()}
    return {k: values for k, values in kept.items() if values}


def _narrows(key: str, value: str, texts: list[str], chunk: int) -> bool:
    """The value is one compound of the key (物业 → 物业管理, 政府 → 人民政府) and the corpus also uses the key
    outside it (物业用房, 物业费): expanding would only favour that compound over the user's other meanings."""
    if key == value or key not in value:
        return False
    return any(key in "\n".join(texts[s : s + chunk]).replace(value, "\n") for s in range(0, len(texts), chunk))


def load_query_words(path: Path) -> QueryWords:
    data = _toml(path)
    return QueryWords(
        scaffolding=frozenset(normalize(w) for w in data.get("scaffolding", {}).get("words", [])),
        context=frozenset(normalize(w) for w in data.get("context", {}).get("words", [])),
    )


def merged_query_words(curated_dir: Path | None) -> QueryWords:
    """The package's query words with the corpus's query_words.toml added."""
    words = load_query_words(PACKAGE_QUERY_WORDS)
    if curated_dir is None:
        return words
    extra = load_query_words(curated_dir / QUERY_WORDS_FILE)
    return QueryWords(words.scaffolding | extra.scaffolding, words.context | extra.context)


def build_lexicon(texts: list[str], curated_dir: Path | None) -> Lexicon:
    """Mined corpus terms + curated words + synonym keys and values, as one user dictionary."""
    mined = mine_terms(texts)
    synonyms = held_by(merged_synonyms(curated_dir), texts)
    curated = [] if curated_dir is None else _lines(curated_dir / DICTIONARY_FILE)
    query_words = merged_query_words(curated_dir)
    extra = [w for key, values in synonyms.items() for w in (key, *values) if len(w) <= MAX_TERM and GAP not in w]
    words = tuple(sorted({*mined, *curated, *extra}))
    return Lexicon(words, synonyms, query_words)
