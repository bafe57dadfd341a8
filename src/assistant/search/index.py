"""The search index: built once at ingest time, stored in the corpus database, loaded in milliseconds.

Tables written here (beside the corpus tables):
  search_index(name, data)   numpy arrays as blobs and JSON documents, see SearchIndex
Fields: `words` (jieba search-mode tokens of each passage), `bigrams` (character bigrams of each
passage), `context` (tokens of each distinct source title + section path, so a heading lends its words
to the sentences under it and a document's title lends its words to the document's sentences; a list item's
also holds its lead-in, a penalty's the provisions it names).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from assistant.ingest.lists import lead_in
from assistant.search.bm25 import K1, Field, build_field
from assistant.search.crossrefs import Row, referenced_texts
from assistant.search.lexicon import Lexicon, QueryWords, build_lexicon
from assistant.search.normalize import normalize
from assistant.search.ranking import RANKING_FILE, RankingConfig, load_config, section_flags
from assistant.storage import NotACorpus
from assistant.search.tokenizer import Tokenizer, bigrams, new_jieba, user_word_entries

if TYPE_CHECKING:  # only ingest writes an index: a searcher starts without sqlite_utils
    import sqlite_utils

TABLE = "search_index"
INDEX_VERSION = "18"  # 18: a list of departments ending in 市场监督管理等部门 oversees nothing (ranking._OVERSEES); 17: a policy document's preamble (…作出如下决定) is a purpose clause; 16: passage flags mark an
# article assigning a field's oversight and a purpose clause (ranking.OVERSEES, PURPOSE)
# 15: the words of the provisions a passage names are a field of their own ("cited")
FIELDS = ("words", "bigrams", "context", "cited")
# BM25 parameters per field. b below the usual 0.75 because a long sentence that answers the question
# should not lose to a short heading that merely repeats its words (measured on the dev set).
BM25_PARAMS = {"words": (K1, 0.3), "bigrams": (K1, 0.5), "context": (K1, 0.75), "cited": (K1, 0.75)}
# Curated data ships in the repository's corpus/ folder.
DEFAULT_CURATED_DIR = Path(__file__).resolve().parents[3] / "corpus"


@dataclass
class SearchIndex:
    fields: dict[str, Field]
    passage_rows: np.ndarray  # int64 rowid of each passage in the passages table
    source_ids: list[str]  # source number → id
    passage_source: np.ndarray  # int32 source number per passage
    passage_context: np.ndarray  # int32 context number per passage
    context_section: np.ndarray  # int32 per context: its source's section (contexts differ within one by the
    # provisions a passage names, crossrefs.py; a list and its lead-in are told apart by section, not context)
    is_heading: np.ndarray  # bool
    dup_global: np.ndarray  # bool: an earlier passage has the same text
    dup_in_source: np.ndarray  # bool: an earlier passage of the same source has the same text
    user_words: dict[str, tuple[int, tuple[str, ...]]]
    synonyms: dict[str, tuple[str, ...]]
    related: dict[str, tuple[str, ...]]  # abbreviations and numbered slogans mined from the corpus → its wordings
    # (abbreviations.py, slogans.py)
    terms: tuple[str, ...]  # the corpus's terms, most used first: what a word no passage holds may abbreviate
    query_words: QueryWords
    flags: np.ndarray  # uint8 per passage: ranking.FIGURE | DEFINES | … (ranking.section_flags)
    contexts: list[str]  # title + section text of each context number
    ranking: RankingConfig

    @property
    def size(self) -> int:
        return len(self.passage_rows)

    def tokenizer(self) -> Tokenizer:
        return Tokenizer(self.user_words)

    def to_blobs(self) -> dict[str, bytes]:
        blobs: dict[str, bytes] = {"version": INDEX_VERSION.encode()}
        for name, f in self.fields.items():
            blobs.update(f.to_blobs(name))
        blobs["passage.rows"] = self.passage_rows.astype(np.int64).tobytes()
        blobs["sources"] = json.dumps(self.source_ids).encode()
        blobs["passage.source"] = self.passage_source.astype(np.int32).tobytes()
        blobs["passage.context"] = self.passage_context.astype(np.int32).tobytes()
        blobs["context.section"] = self.context_section.astype(np.int32).tobytes()
        for name in ("is_heading", "dup_global", "dup_in_source"):
            blobs[f"passage.{name}"] = getattr(self, name).astype(np.bool_).tobytes()
        blobs["passage.flags"] = self.flags.astype(np.uint8).tobytes()
        blobs["contexts"] = json.dumps(self.contexts, ensure_ascii=False).encode()
        blobs["ranking"] = json.dumps(self.ranking.to_json(), ensure_ascii=False).encode()
        blobs["lexicon"] = json.dumps(
            {
                "user_words": self.user_words,
                "synonyms": self.synonyms,
                "related": self.related,
                "terms": self.terms,
                "scaffolding": sorted(self.query_words.scaffolding),
                "context": sorted(self.query_words.context),
            },
            ensure_ascii=False,
        ).encode()
        return blobs

    @classmethod
    def from_blobs(cls, blobs: Mapping[str, bytes]) -> "SearchIndex":
        lexicon = json.loads(blobs["lexicon"])
        return cls(
            fields={name: Field.from_blobs(blobs, name) for name in FIELDS},
            passage_rows=np.frombuffer(blobs["passage.rows"], dtype=np.int64),
            source_ids=json.loads(blobs["sources"]),
            passage_source=np.frombuffer(blobs["passage.source"], dtype=np.int32),
            passage_context=np.frombuffer(blobs["passage.context"], dtype=np.int32),
            context_section=np.frombuffer(blobs["context.section"], dtype=np.int32),
            is_heading=np.frombuffer(blobs["passage.is_heading"], dtype=np.bool_),
            dup_global=np.frombuffer(blobs["passage.dup_global"], dtype=np.bool_),
            dup_in_source=np.frombuffer(blobs["passage.dup_in_source"], dtype=np.bool_),
            user_words={w: (f, tuple(p)) for w, (f, p) in lexicon["user_words"].items()},
            synonyms={k: tuple(v) for k, v in lexicon["synonyms"].items()},
            related={k: tuple(v) for k, v in lexicon["related"].items()},
            terms=tuple(lexicon.get("terms", ())),  # an index built before terms were kept has none
            query_words=QueryWords(frozenset(lexicon["scaffolding"]), frozenset(lexicon["context"])),
            flags=np.frombuffer(blobs["passage.flags"], dtype=np.uint8),
            contexts=json.loads(blobs["contexts"]),
            ranking=RankingConfig.from_json(json.loads(blobs["ranking"])),
        )


class IndexMissing(NotACorpus):
    """The database holds no (current) search index; re-ingest."""


def build_index(
    db: sqlite_utils.Database,
    curated_dir: Path | None = DEFAULT_CURATED_DIR,
    progress: Callable[[str], None] = lambda _msg: None,
) -> SearchIndex:
    """Tokenize every passage once and store the index in `db` (called by ingest inside the atomic build).

    `curated_dir` holds dictionary.txt / synonyms.toml / query_words.toml / ranking.toml (the corpus folder)."""
    sources = {r["id"]: r for r in db["sources"].rows}
    rows = list(db.query("select rowid, source_id, section, para, text, is_heading from passages order by rowid"))
    texts = [normalize(r.pop("text")) for r in rows]  # the raw text is not needed again
    curated = Path(curated_dir) if curated_dir and Path(curated_dir).is_dir() else None
    lexicon = build_lexicon(texts, curated)
    config = load_config(curated / RANKING_FILE) if curated else RankingConfig()
    progress(f"建立检索索引：{len(rows)} 条语句，词典 {len(lexicon.user_words)} 个词 …")
    index = index_passages(rows, texts, sources, lexicon, config)
    db[TABLE].drop(ignore=True)
    db[TABLE].insert_all(({"name": k, "data": v} for k, v in index.to_blobs().items()), pk="name")
    return index


def _leads(rows: list[dict], texts: list[str]) -> list[str]:
    """Each passage's list lead-in ("" when it is no list item): an item says only what differs (原址重建或改建扩建
    住宅的); what it is a case of (…符合下列条件之一的，可以以户为单位申请宅基地：) is in the lead-in, whose words the
    item's context lends it as a heading's (test halves with vectors: R@1 misses 151 → 148 of batches 1–6, R@5 up
    on batches 10, 11, 13, 14; tuning R@1 +2)."""
    out: list[str] = []
    before: list[str] = []
    for i, (r, t) in enumerate(zip(rows, texts)):
        if i and (r["source_id"], r["section"]) != (rows[i - 1]["source_id"], rows[i - 1]["section"]):
            before = []
        found = lead_in(before, t)
        out.append(found[0] if found else "")
        before.append(t)
    return out


def index_passages(rows: list[dict], texts: list[str], sources: dict[str, dict], lexicon: Lexicon,
                   config: RankingConfig = RankingConfig()) -> SearchIndex:
    from assistant.search.abbreviations import AbbreviationMiner  # index time only: a searcher starts without it
    from assistant.search.slogans import mine_slogans

    base = new_jieba()
    user_words = user_word_entries(lexicon.user_words, base)
    tokenizer = Tokenizer(user_words, base=base)
    miner = AbbreviationMiner()

    def passage_words(source: str, text: str) -> list[str]:
        segments = tokenizer.segments(text)
        miner.add(source, text, segments)
        return tokenizer.with_parts(segments)

    words = build_field((passage_words(r["source_id"], t) for r, t in zip(rows, texts)), *BM25_PARAMS["words"])
    grams = build_field((bigrams(t) for t in texts), *BM25_PARAMS["bigrams"])
    source_ids = list(sources)
    source_no = {sid: i for i, sid in enumerate(source_ids)}
    # a passage's context: its source's title and its section path, the provisions it names (crossrefs.py) and,
    # for a list item, its lead-in
    named = referenced_texts([Row(r["source_id"], tuple(json.loads(r["section"])), r["para"], t)
                              for r, t in zip(rows, texts)])
    leads = _leads(rows, texts)
    contexts: dict[tuple[str, str, str, str], int] = {}
    sections: dict[tuple[str, str], int] = {}
    context_texts: list[str] = []
    context_section: list[int] = []
    passage_context = np.empty(len(rows), dtype=np.int32)
    for i, r in enumerate(rows):
        key = (r["source_id"], r["section"], named[i], leads[i])
        if key not in contexts:
            contexts[key] = len(contexts)
            src = sources[r["source_id"]]
            section = " ".join(json.loads(r["section"]))
            context_texts.append(normalize(" ".join(filter(None, (src["title"], src.get("publication"), section,
                                                                  named[i], leads[i])))))
            context_section.append(sections.setdefault(key[:2], len(sections)))
        passage_context[i] = contexts[key]
    section_of = np.array(context_section, dtype=np.int32)
    context = build_field((tokenizer.words(t) for t in context_texts), *BM25_PARAMS["context"])
    # what a penalty is for, when it says so only by number (违反本办法第四条规定的): searched by questions asking
    # about a penalty (engine.term_lists), as the passage's own words are
    cited = build_field((tokenizer.words(t) if t else [] for t in named), *BM25_PARAMS["cited"])

    seen_global: set[str] = set()
    seen_source: set[tuple[str, str]] = set()
    dup_global = np.zeros(len(rows), dtype=np.bool_)
    dup_in_source = np.zeros(len(rows), dtype=np.bool_)
    for i, (r, t) in enumerate(zip(rows, texts)):
        dup_global[i] = t in seen_global
        dup_in_source[i] = (r["source_id"], t) in seen_source
        seen_global.add(t)
        seen_source.add((r["source_id"], t))

    return SearchIndex(
        fields={"words": words, "bigrams": grams, "context": context, "cited": cited},
        passage_rows=np.array([r["rowid"] for r in rows], dtype=np.int64),
        source_ids=source_ids,
        passage_source=np.array([source_no[r["source_id"]] for r in rows], dtype=np.int32),
        passage_context=passage_context,
        context_section=section_of,
        is_heading=np.array([bool(r["is_heading"]) for r in rows], dtype=np.bool_),
        dup_global=dup_global,
        dup_in_source=dup_in_source,
        user_words=user_words,
        synonyms=dict(lexicon.synonyms),
        related={**miner.table(texts), **mine_slogans(((r["source_id"], t) for r, t in zip(rows, texts)),
                                                     tokenizer.segments)},
        terms=miner.terms(),
        query_words=lexicon.query_words,
        flags=section_flags(texts, section_of[passage_context]),
        contexts=context_texts,
        ranking=config,
    )


def load_index(conn: sqlite3.Connection) -> SearchIndex:
    """The index stored in a corpus database (`conn`: a connection, or anything with its `execute`)."""
    if not conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [TABLE]).fetchone():
        raise IndexMissing("其中没有检索索引")
    blobs = _Blobs(conn)
    if blobs.get("version", b"").decode() != INDEX_VERSION:
        raise IndexMissing("检索索引版本过旧")
    return SearchIndex.from_blobs(blobs)


class _Blobs(Mapping[str, bytes]):
    """The stored index's blobs, each read when asked for: a field's int32 document numbers are halved as it is
    loaded (bm25.Field), and read one at a time no two full copies are held at once (all read first, loading
    the index peaked 105 MB above its size at 100× the corpus)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._names = [name for (name,) in conn.execute(f"select name from {TABLE}")]

    def __getitem__(self, name: str) -> bytes:
        row = self._conn.execute(f"select data from {TABLE} where name = ?", [name]).fetchone()
        if row is None:
            raise KeyError(name)
        return row[0]

    def chunks(self, name: str, dtype: type, size: int = 1 << 22) -> Iterator[np.ndarray]:
        """The array stored under `name`, `size` bytes at a time (incremental blob I/O where the connection has
        it; the whole blob otherwise)."""
        row = self._conn.execute(f"select rowid from {TABLE} where name = ?", [name]).fetchone()
        if row is None:
            raise KeyError(name)
        opener = getattr(self._conn, "blobopen", None)
        if opener is None:
            yield np.frombuffer(self[name], dtype=dtype)
            return
        size -= size % np.dtype(dtype).itemsize
        with opener(TABLE, "data", row[0], readonly=True) as blob:
            while part := blob.read(size):
                yield np.frombuffer(part, dtype=dtype)

    def array(self, name: str, dtype: type) -> np.ndarray:
        """The array stored under `name`, read into place (no whole copy of the blob beside it)."""
        parts = self.chunks(name, dtype)
        row = self._conn.execute(f"select length(data) from {TABLE} where name = ?", [name]).fetchone()
        out = np.empty(row[0] // np.dtype(dtype).itemsize if row else 0, dtype=dtype)
        at = 0
        for part in parts:
            out[at : at + len(part)] = part
            at += len(part)
        out.flags.writeable = False  # (as the read-only view of a blob it replaces)
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
