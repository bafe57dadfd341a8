import json
import subprocess

from processes import assistant, clean_env
from processes import run_cli as run


def test_search_batch_prints_one_json_line_per_query(db_path, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("山海协作\n\n共同富裕 示范区\n", encoding="utf-8")
    out = run("search", "--db", str(db_path), "--batch", str(queries), "-k", "3")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["山海协作", "共同富裕 示范区"]
    first = lines[0]["results"][0]
    assert set(first) >= {"id", "text", "source", "source_id", "section", "score"}
    assert "山海协作" in first["text"]
    assert all(isinstance(line["answered"], bool) for line in lines) and lines[0]["answered"]


def test_search_json_says_when_the_documents_do_not_answer(db_path):
    out = run("search", "--db", str(db_path), "--json", "江苏省的GDP目标是多少")
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout)
    assert line["answered"] is False and line["results"]  # the nearest quotes still follow


def test_missing_database_is_a_clear_error_not_a_traceback(tmp_path):
    out = run("sources", "--db", str(tmp_path / "nope.db"))
    assert out.returncode == 2
    assert "ingest" in out.stderr and "Traceback" not in out.stderr


def test_a_reader_that_stops_early_is_not_an_error(db_path):
    # `python -m assistant search … | head`: every command exits quietly when its reader has gone.
    for args in (["search", "共同富裕"], ["export"]):
        proc = subprocess.Popen(assistant(*args, "--db", str(db_path)), env=clean_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0
        assert "错误" not in err and "Traceback" not in err


def test_counts_must_be_positive(db_path, tmp_path):
    out_file = str(tmp_path / "d.md")
    for args in (["search", "共同富裕", "-k", "-1"], ["search", "共同富裕", "-k", "0"], ["search", "共同富裕", "-k", "x"],
                 ["digest", "共同富裕", "--out", out_file, "--limit", "0"],
                 ["digest", "共同富裕", "--out", out_file, "--per-source", "-1"]):
        out = run(*args, "--db", str(db_path))
        assert out.returncode == 2 and "须为正整数" in out.stderr, args
        assert "Traceback" not in out.stderr
    assert run("search", "共同富裕", "-k", "1", "--db", str(db_path)).stdout.startswith("1. ")


def test_search_batch_starts_without_the_chat_core_ingest_sqlite_utils_or_jieba(db_path, tmp_path):
    """`search --batch` is timed end to end, start-up included: it loads the searcher and the JSON shape only."""
    queries, loaded = tmp_path / "q.txt", tmp_path / "modules.json"
    queries.write_text("山海协作\n共同富裕实施方案第31条\n", encoding="utf-8")
    child = ("import json, runpy, sys\n"
             f"sys.argv = ['assistant', 'search', '--batch', {str(queries)!r}, '--db', {str(db_path)!r}]\n"
             "try:\n    runpy.run_module('assistant', run_name='__main__')\n"
             f"finally:\n    open({str(loaded)!r}, 'w').write(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([*assistant()[:1], "-c", child], capture_output=True, text=True, env=clean_env())
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["query"] for line in out.stdout.splitlines()] == ["山海协作", "共同富裕实施方案第31条"]
    modules = set(json.loads(loaded.read_text()))
    assert "assistant.search.engine" in modules and "assistant.chat.citation" in modules
    unneeded = {"sqlite_utils", "assistant.chat.core", "assistant.chat.answers", "assistant.state.sqlite",
                "assistant.ingest.structure", "assistant.search.abbreviations", "jieba"}
    assert modules & unneeded == set()
