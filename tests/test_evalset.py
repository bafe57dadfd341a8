"""The labelled query set in tests/data/eval is well formed, its gold spans are verbatim, and its split holds."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "eval"
CORPUS = ROOT / "corpus"
REGULATIONS = ROOT / "tests" / "data" / "regulations"
STYLES = {"question", "keywords", "phrase", "abbrev", "inline"}


def load_split_module():
    spec = importlib.util.spec_from_file_location("evalset_split", EVAL / "split.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


split = load_split_module()
ALL = split.read(EVAL / "all.jsonl")
TUNE = split.read(EVAL / "tune.jsonl")
TEST = split.read(EVAL / "test.jsonl")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def document_text(doc: str) -> str:
    """A seed file or a regulation fixture, with every whitespace character deleted (FORMAT.md)."""
    path = CORPUS / doc if (CORPUS / doc).is_file() else REGULATIONS / doc
    return squeeze(path.read_text(encoding="utf-8"))


ANSWERABLE = [r for r in ALL if r["doc"] is not None]
UNANSWERABLE = [r for r in ALL if r["doc"] is None]


def test_records_have_the_format_fields():
    for record in ALL:
        assert set(record) <= {"id", "query", "style", "doc", "gold", "note"}, record
        assert record["id"].startswith("e-"), record
        assert record["style"] in STYLES, record
        assert record["query"].strip() == record["query"] and record["query"], record


def test_ids_and_queries_are_unique():
    assert not [i for i, n in Counter(r["id"] for r in ALL).items() if n > 1]
    assert not [q for q, n in Counter(r["query"] for r in ALL).items() if n > 1]


@pytest.mark.parametrize("record", ANSWERABLE, ids=[r["id"] for r in ANSWERABLE])
def test_gold_spans_are_verbatim_in_their_document(record):
    text = document_text(record["doc"])
    assert record["gold"], record
    for span in record["gold"]:
        assert span == squeeze(span), span
        assert 8 <= len(span) <= 40, span
        assert span in text, span


def test_unanswerable_lines_are_well_formed():
    assert len(UNANSWERABLE) >= 45
    for record in UNANSWERABLE:
        assert record["gold"] == [], record
        assert record["note"].strip(), record


def test_styles_follow_their_definitions():
    for record in ALL:
        if record["style"] == "keywords":
            assert 2 <= len(record["query"].split()) <= 4, record
        if record["style"] == "inline":
            assert 2 <= len(record["query"]) <= 6, record
    styles = Counter(r["style"] for r in ALL)
    assert set(styles) == STYLES
    assert styles["question"] * 2 >= len(ALL)


def test_regulation_queries_cover_every_fixture():
    asked = Counter(r["doc"] for r in ANSWERABLE if r["doc"].endswith(".md"))
    assert set(asked) == {p.name for p in REGULATIONS.glob("*.md") if p.name != "README.md"}
    assert sum(asked.values()) >= 80


def test_tune_and_test_are_disjoint_and_make_up_all():
    tune_ids = {r["id"] for r in TUNE}
    test_ids = {r["id"] for r in TEST}
    assert not tune_ids & test_ids
    by_id = {r["id"]: r for r in ALL}
    assert tune_ids | test_ids == set(by_id)
    assert len(TUNE) + len(TEST) == len(ALL)
    for record in TUNE + TEST:
        assert record == by_id[record["id"]]


def test_split_follows_the_hash_rule_and_halves_each_stratum():
    halves = split.assign(ALL)
    assert {r["id"] for r in TUNE} == {i for i, h in halves.items() if h == "tune"}
    for key in {split.stratum(r) for r in ALL}:
        tune = sum(1 for r in TUNE if split.stratum(r) == key)
        test = sum(1 for r in TEST if split.stratum(r) == key)
        if key[0] < split.BY_DOCUMENT:
            assert 0 <= tune - test <= 1, key
        else:  # strata by document: the odd one out goes to either half, and the batch as a whole is halved
            assert abs(tune - test) <= 1, key
    for number in {split.batch(r) for r in ALL if split.batch(r) >= split.BY_DOCUMENT}:
        tune = sum(1 for r in TUNE if split.batch(r) == number)
        test = sum(1 for r in TEST if split.batch(r) == number)
        assert abs(tune - test) <= 1, number


def test_no_query_repeats_the_held_out_sets():
    held_out = {
        json.loads(line)["query"]
        for path in (ROOT / "tests" / "data").glob("heldout*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert not held_out & {r["query"] for r in ALL}


def test_later_batches_bring_new_gold_spans():
    """From the batch first split by document on, no gold span equals, lies inside or holds a span of an earlier batch
    or of another query of its own batch: each such batch measures passages nobody labelled before. A line relabelled
    after later batches were written (its note opens with `relabelled:`, see split.DEALT_AS) got its span from a text
    those batches had already labelled, so it is left out on both sides."""
    written = [r for r in ALL if not r.get("note", "").startswith("relabelled:")]
    for number in sorted({split.batch(r) for r in written if split.batch(r) >= split.BY_DOCUMENT}):
        earlier = [s for r in written if split.batch(r) < number for s in r["gold"]]
        own = [(r["id"], s) for r in written if split.batch(r) == number for s in r["gold"]]
        for rid, span in own:
            assert not [s for s in earlier if span in s or s in span], (rid, span)
            assert not [s for other, s in own if other != rid and (span in s or s in span)], (rid, span)


def test_the_readme_counts_each_documents_queries():
    """The README's per-document line ("Per document: 000 125, …, 北京市图书馆条例 37.") is what all.jsonl holds: a
    seed by its number, a fixture by its title (its first line; 中华人民共和国 may be left off)."""
    readme = (EVAL / "README.md").read_text(encoding="utf-8")
    line = re.search(r"^Per document: (.*?)\.$", readme, re.M | re.S).group(1)
    stated = dict(re.fullmatch(r"(.+) (\d+)", part.strip()).groups() for part in re.split(r"[,;]\s*", line))
    titles = {f.read_text(encoding="utf-8").lstrip("# ").splitlines()[0].strip(): f.name for f in REGULATIONS.glob("*.md")}
    titles |= {t.removeprefix("中华人民共和国"): f for t, f in list(titles.items())}
    seeds = {p.name[:3]: p.name for p in CORPUS.glob("00*.txt")}
    counted = Counter(r["doc"] for r in ALL if r["doc"])
    assert {seeds.get(name) or titles[name]: int(n) for name, n in stated.items()} == dict(counted)


def test_relabelled_lines_are_dealt_as_before():
    """Every line whose note opens with `relabelled:` is listed in split.DEALT_AS, and nothing else is: the split
    deals it as it was dealt before its label changed."""
    relabelled = {r["id"] for r in ALL if r.get("note", "").startswith("relabelled:")}
    assert relabelled == set(split.DEALT_AS)
    for record in ALL:
        if record["id"] in split.DEALT_AS:
            assert record["doc"] is not None and record["gold"], record
