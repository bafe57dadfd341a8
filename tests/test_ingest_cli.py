"""The ingest, sources and export commands, including bad input."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import CORPUS
from processes import assistant, clean_env
from processes import run_cli as run


def tiny_corpus(tmp_path: Path, manifest: str, files: dict[str, bytes]) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.toml").write_text(manifest, encoding="utf-8")
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    return corpus


ONE = '[[source]]\nfile = "a.txt"\nid = "a"\ntitle = "甲文件"\n'


def test_ingest_builds_the_database_with_progress_and_a_summary(tmp_path):
    db = tmp_path / "out.db"
    out = run("ingest", str(CORPUS), "--db", str(db), "--lexical")  # embedding by default: tests/test_vectors.py
    assert out.returncode == 0, out.stderr
    assert "[1/5]" in out.stderr and "[5/5]" in out.stderr
    assert "30 个来源" in out.stdout and "清理规则 pull_quote" in out.stderr  # the report goes with the progress
    assert db.exists() and not list(tmp_path.glob(".out.db.building-*"))


def test_ingest_without_manifest_is_a_clear_error(tmp_path):
    out = run("ingest", str(tmp_path), "--db", str(tmp_path / "x.db"))
    assert out.returncode == 2
    assert "找不到清单文件" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_gbk_text_file_is_read_as_chinese(tmp_path):
    """Windows editors save Chinese text as GBK ("ANSI"); its sentences are quoted exactly as in UTF-8."""
    sentence = "城市供水企业应当建立健全水质检测制度，每日对出厂水进行检测。"
    text = f"第一条　为了加强城市供水管理，制定本条例。\n第二条　{sentence}\n第三条　本条例自2022年1月1日起施行。\n"
    corpus = tiny_corpus(tmp_path, ONE, {"a.txt": text.encode("gb18030")})
    db = tmp_path / "x.db"
    assert run("ingest", str(corpus), "--db", str(db)).returncode == 0
    out = run("search", "水质检测", "--json", "--db", str(db))
    assert json.loads(out.stdout)["results"][0]["text"] == sentence


def test_ingest_with_damaged_or_binary_text_is_a_clear_error(tmp_path):
    """UTF-8 with one bad byte is a damaged file, not GBK: read as GB18030 it would ingest as mojibake."""
    text = "第一条　城市供水企业应当建立健全水质检测制度，每日对出厂水进行检测。".encode() * 20
    for data in (text[:300] + b"\xff" + text[300:], bytes(range(256)) * 8):
        (tmp_path / str(len(data))).mkdir()
        corpus = tiny_corpus(tmp_path / str(len(data)), ONE, {"a.txt": data})
        out = run("ingest", str(corpus), "--db", str(tmp_path / "x.db"))
        assert out.returncode == 2, out.stdout
        assert "不是 UTF-8 或 GBK 文本" in out.stderr and "Traceback" not in out.stderr


def test_ingest_with_a_missing_corpus_file_is_a_clear_error(tmp_path):
    corpus = tiny_corpus(tmp_path, ONE, {})
    out = run("ingest", str(corpus), "--db", str(tmp_path / "x.db"))
    assert out.returncode == 2 and "文件不存在：a.txt" in out.stderr


def test_ingest_with_a_malformed_manifest_is_a_clear_error(tmp_path):
    corpus = tiny_corpus(tmp_path, '[[source]]\nfile = "a.txt"\nid = \n', {"a.txt": b""})
    out = run("ingest", str(corpus), "--db", str(tmp_path / "x.db"))
    assert out.returncode == 2 and "格式错误" in out.stderr and "Traceback" not in out.stderr


def test_magazine_article_that_cannot_be_found_is_a_clear_error(tmp_path):
    manifest = ONE.replace('"甲文件"', '"某刊"') + 'kind = "期刊"\n[[source.article]]\nkey = "x"\ntitle = "某文"\nstart = "不存在的开头"\n'
    corpus = tiny_corpus(tmp_path, manifest, {"a.txt": "正文第一句。\n".encode()})
    out = run("ingest", str(corpus), "--db", str(tmp_path / "x.db"))
    assert out.returncode == 2 and "找不到文章《某文》的开头" in out.stderr


def test_sources_lists_every_source_with_its_short_title_and_count(db_path):
    out = run("sources", "--db", str(db_path))
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert len(rows) == 30
    report = next(r for r in rows if r[0] == "magazine-2024-02-government-work-report")
    assert report[1:4] == ["2024年省政府工作报告", "政府工作报告", "2024-01-23"] and int(report[4]) > 200


def test_export_writes_every_passage_as_json_lines(db_path, corpus):
    out = run("export", "--db", str(db_path))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == sum(corpus.passage_counts().values())
    assert set(rows[0]) >= {"id", "source_id", "source", "section", "text", "is_heading"}
    item = next(r for r in rows if r["text"].startswith("31.打造山海协作工程升级版"))
    assert item["is_heading"] and item["section"].endswith(" › 31. 打造山海协作工程升级版")


def test_ingest_whose_reader_stops_early_still_tells_the_truth(tmp_path):
    # `ingest 2>&1 | head -1`: the report's reader leaving must not abort the build behind an exit status of 0.
    db = tmp_path / "out.db"
    proc = subprocess.Popen(assistant("ingest", str(CORPUS), "--db", str(db), "--lexical"), env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=300) == 0
    assert db.exists() and not list(tmp_path.glob(".out.db.building-*"))
