"""`search --batch` on every core: the searcher opened once, then forked, each child answering a run of queries.

A query's work (parse, candidates, ranking, the JSON line) is Python and holds the interpreter's lock, so threads
would not help; forked children share the parent's loaded index (copy-on-write: its arrays are only read, and
`gc.freeze()` keeps the collector from writing to the objects the parent built) and each opens its own read-only
connection, a SQLite connection being no thing to use across a fork. The lines come back in the order of the queries,
the same lines one process writes (tests/test_batch.py compares them).

With sentence vectors a batch stays in one process: the embedding model already runs on every core (OpenMP), and a
runtime's threads do not survive a fork.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from assistant.search.engine import Searcher
from assistant.search.output import results_text
from assistant.search.vectors import QUERY_BATCH

CHUNK = 64  # queries a child takes at a time: ~80 ms of work, against ~0.1 ms to send them and their lines back
MIN_QUERIES = 4 * CHUNK  # a shorter batch is done before a second process would have paid for itself


def jobs(searcher: Searcher, queries: int) -> int:
    """Processes for a batch of `queries`: one per core this process may run on, one with vectors or few queries."""
    if searcher.semantic or queries < MIN_QUERIES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, len(os.sched_getaffinity(0)))


_forked: dict = {}  # the child's searcher and the search's settings, set by the parent just before it forks


def lines(searcher: Searcher, queries: list[str], k: int, source_id: str | None, workers: int) -> Iterator[str]:
    """Each query's JSON line (output.results_text), in order, from `workers` processes."""
    if workers <= 1:
        yield from _lines(searcher, queries, k, source_id)
        return
    _forked.update(searcher=searcher, k=k, source_id=source_id)
    chunks = [queries[i : i + CHUNK] for i in range(0, len(queries), CHUNK)]
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_reconnect)
    try:
        for done, error in pool.map(_search, chunks):
            yield from done
            if error is not None:  # the lines before a failed query are still written, as in one process
                raise error
    finally:  # on an error, or a reader gone (`| head`), the runs not started are dropped, not searched
        pool.shutdown(cancel_futures=True)
        _forked.clear()


def _lines(searcher: Searcher, queries: list[str], k: int, source_id: str | None) -> Iterator[str]:
    for i, query in enumerate(queries):
        if i % QUERY_BATCH == 0:  # their meaning embedded QUERY_BATCH at a time (vectors.py)
            searcher.embed_queries(queries[i : i + QUERY_BATCH])
        yield results_text(query, searcher.search(query, k=k, source_id=source_id))


def _reconnect() -> None:
    """In the child: a connection of its own (the inherited one is kept, unused, so closing it touches nothing the
    parent holds)."""
    corpus = _forked["searcher"].corpus
    _forked["inherited"] = corpus.conn
    corpus.reconnect()


def _search(queries: list[str]) -> tuple[list[str], Exception | None]:
    """A run of queries' lines in the child, and the error that stopped it, if one did."""
    done: list[str] = []
    try:
        for line in _lines(_forked["searcher"], queries, _forked["k"], _forked["source_id"]):
            done.append(line)
    except Exception as exc:  # sent back with the lines before it: the parent writes those, then raises it
        return done, exc
    return done, None
