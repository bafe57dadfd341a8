"""`search --batch` over forked processes: the same lines as one process, in order, errors not swallowed."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.search import batch
from assistant.search.engine import Searcher
from processes import run_cli as run

LABELLED = Path(__file__).resolve().parent / "data" / "eval" / "all.jsonl"


@pytest.fixture(scope="module")
def searcher(db_path):
    return Searcher.open(db_path, semantic=False)


@pytest.fixture(scope="module")
def queries():
    """Labelled queries of every style, answerable or not, on the seed documents (the test database's)."""
    records = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    return [r["query"] for r in records if r["doc"] is None or r["doc"][:3].isdigit()][: 2 * batch.MIN_QUERIES]


class _Recording:
    """A searcher whose search writes, before running, the process it runs in (to a file a child can append to)."""

    def __init__(self, searcher: Searcher, log: Path, fail_on: str | None = None) -> None:
        self.searcher, self.log, self.fail_on = searcher, log, fail_on
        self.corpus, self.semantic = searcher.corpus, searcher.semantic

    def search(self, query: str, **kwargs):
        with self.log.open("a") as f:
            f.write(f"{os.getpid()}\n")
        if query == self.fail_on:
            raise ValueError(f"无法检索：{query}")
        return self.searcher.search(query, **kwargs)

    def embed_queries(self, queries: list[str]) -> None:
        self.searcher.embed_queries(queries)


def test_forked_processes_write_the_lines_one_process_writes_in_order(searcher, queries, tmp_path):
    log = tmp_path / "pids.txt"
    alone = list(batch.lines(searcher, queries, 5, None, 1))
    forked = list(batch.lines(_Recording(searcher, log), queries, 5, None, 2))
    assert forked == alone
    pids = log.read_text().split()
    assert len(pids) == len(queries) and len(set(pids)) == 2 and str(os.getpid()) not in pids
    assert [json.loads(line)["query"] for line in forked] == queries


def test_a_query_failing_in_a_child_stops_the_batch_after_the_lines_before_it(searcher, queries, tmp_path):
    failing = queries[batch.CHUNK + 3]
    lines = batch.lines(_Recording(searcher, tmp_path / "pids.txt", fail_on=failing), queries, 5, None, 2)
    written = []
    with pytest.raises(ValueError, match="无法检索"):
        for line in lines:
            written.append(line)
    assert [json.loads(line)["query"] for line in written] == queries[: batch.CHUNK + 3]


def test_short_batches_and_searches_by_meaning_stay_in_one_process(searcher, queries):
    assert batch.jobs(searcher, batch.MIN_QUERIES - 1) == 1
    assert batch.jobs(searcher, batch.MIN_QUERIES) == len(os.sched_getaffinity(0))
    meaning = _Recording(searcher, Path(os.devnull))
    meaning.semantic = True  # the embedding model runs on every core itself, and its threads do not survive a fork
    assert batch.jobs(meaning, len(queries)) == 1


def test_search_batch_command_answers_a_long_batch_in_order(db_path, queries, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("\n".join(queries) + "\n", encoding="utf-8")
    out = run("search", "--db", str(db_path), "--batch", str(path), "--lexical")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == queries
    assert lines == [json.loads(line) for line in batch.lines(Searcher.open(db_path, semantic=False), queries, 5, None, 1)]
