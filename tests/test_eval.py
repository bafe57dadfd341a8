"""The evaluation hit rule and metrics, and the `eval` command end to end."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.search.evaluation import EvalQuery, Outcome, first_hit, is_hit, metrics
from processes import run_cli


def test_hit_rule_follows_format_md():
    gold = ["市场主体总量达到1100万户"]
    assert is_hit("到2025年，市场主体总量达到1100万户。", gold)
    assert is_hit("市场主体 总量达到1100万户", gold)  # whitespace ignored
    assert is_hit("主体总量达到1100万", gold)  # passage (≥ 8 chars) inside the span
    assert not is_hit("1100万户", gold)  # too short to count
    assert first_hit(["无关", "市场主体总量达到1100万户。"], gold) == 2


def test_metrics_recall_and_mrr():
    q = EvalQuery("d-1", "x", "inline", ("g",))
    outcomes = [Outcome(q, 1), Outcome(q, 2), Outcome(q, None), Outcome(q, 5)]
    m = metrics(outcomes)
    assert m.recall == {1: 0.25, 3: 0.5, 5: 0.75}
    assert abs(m.mrr - (1 + 0.5 + 0.2) / 4) < 1e-9


def test_eval_command_prints_table_and_misses(db_path, tmp_path):
    path = tmp_path / "mini.jsonl"
    rows = [
        {"id": "t-1", "query": "浙里督", "style": "inline", "doc": "", "gold": ["积极运用“浙里督”推动“三服务”落到实处"]},
        {"id": "t-2", "query": "完全无关的火星殖民计划", "style": "question", "doc": "", "gold": ["火星殖民计划启动仪式"]},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = run_cli("eval", "--db", str(db_path), str(path), timeout=120)
    assert out.returncode == 0, out.stderr
    overall = next(line for line in out.stdout.splitlines() if line.startswith("overall"))
    assert overall.split()[1:4] == ["2", "0.50", "0.50"]
    assert "t-2" in out.stdout and "t-1" not in out.stdout


def test_eval_scores_answerable_lines_and_reports_answered_flag_rates(db_path, tmp_path):
    path = tmp_path / "mixed.jsonl"
    rows = [
        {"id": "t-1", "query": "浙里督", "style": "inline", "doc": "x.txt", "gold": ["积极运用“浙里督”推动“三服务”落到实处"]},
        {"id": "t-3", "query": "火星殖民计划", "style": "question", "doc": None, "gold": []},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = run_cli("eval", "--db", str(db_path), str(path), timeout=120)
    assert out.returncode == 0, out.stderr
    overall = next(line for line in out.stdout.splitlines() if line.startswith("overall"))
    assert overall.split()[1:3] == ["1", "1.00"]  # the unanswerable line is not a miss
    assert "无法回答的查询标为“无直接回答”：1/1" in out.stdout
    assert "可回答的查询标为“已回答”：1/1" in out.stdout


def test_eval_writes_each_querys_outcome_and_two_runs_compare(db_path, tmp_path):
    path, saved = tmp_path / "mixed.jsonl", tmp_path / "outcomes.jsonl"
    rows = [
        {"id": "t-1", "query": "浙里督", "style": "inline", "doc": "x.txt", "gold": ["积极运用“浙里督”推动“三服务”落到实处"]},
        {"id": "t-3", "query": "火星殖民计划", "style": "question", "doc": None, "gold": []},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = run_cli("eval", "--db", str(db_path), str(path), "--outcomes", str(saved), timeout=120)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    assert [(d["id"], d["answerable"], d["rank"], d["answered"]) for d in lines] == [("t-1", True, 1, True),
                                                                                    ("t-3", False, None, False)]
    assert "浙里督" in lines[0]["first"]
    changed = tmp_path / "changed.jsonl"
    changed.write_text(saved.read_text(encoding="utf-8").replace('"rank": 1', '"rank": 3'), encoding="utf-8")
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "compare_outcomes.py"
    compared = subprocess.run([sys.executable, str(script), str(saved), str(changed)], capture_output=True, text=True)
    assert "R@1 1.000 (1/1)" in compared.stdout and "R@1 0.000 (0/1)" in compared.stdout
    assert "t-1 浙里督  rank 1 → 3" in compared.stdout and "t-3" not in compared.stdout
