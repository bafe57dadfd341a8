"""The whole pipeline on small made-up corpora: a plain document and a two-article magazine issue."""
from assistant.ingest.pipeline import build

MANIFEST = """
[[source]]
file = "doc.txt"
id = "doc"
title = "某某决定"
short = "决定"

[[source]]
file = "issue.txt"
id = "issue"
title = "某刊 2024年1月"
kind = "期刊"
column_labels = ["本期关注"]

  [[source.article]]
  key = "a"
  title = "甲市：第一篇文章标题"
  author = "张三"
  start = "■张三"

  [[source.article]]
  key = "b"
  title = "第二篇文章标题"
  author = "李四"
  start = "■李四"
"""

DOC = "某某决定\n一、总体要求\n1.明确目标。到2025年，实现增长8.5%；完成2.0版建设。\n2.强化保障。加强组织领导！\n"

ISSUE = """■张三
开展工作以来，甲市推进各项任务取得明显成
效，群众满意度达到99%以
第一篇文章标题
现场活动现场活动 王五王五 摄摄
甲市
 上。全市上下凝心聚力。
本期关注
■李四
“完成！这个项目办好了。”负责人说。
"""


def test_small_corpus(tmp_path):
    (tmp_path / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "doc.txt").write_text(DOC, encoding="utf-8")
    (tmp_path / "issue.txt").write_text(ISSUE, encoding="utf-8")
    sources, passages, summary = build(tmp_path)

    assert [s.id for s in sources] == ["doc", "issue-a", "issue-b"]
    assert [s.publication for s in sources] == ["", "某刊 2024年1月", "某刊 2024年1月"]
    by_source = {s.id: [(p.text, p.section, p.is_heading) for p in passages if p.source_id == s.id] for s in sources}

    assert by_source["doc"] == [
        ("一、总体要求", ("一、总体要求",), True),
        ("1.明确目标。", ("一、总体要求", "1. 明确目标"), True),
        ("到2025年，实现增长8.5%；完成2.0版建设。", ("一、总体要求", "1. 明确目标"), False),
        ("2.强化保障。", ("一、总体要求", "2. 强化保障"), True),
        ("加强组织领导！", ("一、总体要求", "2. 强化保障"), False),
    ]
    assert [t for t, _, _ in by_source["issue-a"]] == [
        "开展工作以来，甲市推进各项任务取得明显成效，群众满意度达到99%以上。",
        "全市上下凝心聚力。",
    ]
    assert [t for t, _, _ in by_source["issue-b"]] == ["“完成！这个项目办好了。”负责人说。"]
    assert {"title_repeat", "doubled_caption", "byline", "column_label"} <= set(summary.removed_chars)
