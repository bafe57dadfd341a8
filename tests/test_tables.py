"""Tables in Word and Markdown documents: a plan's division of tasks (序号|重点任务|牵头单位|完成时限) is read
row by row, each row under its header row, so a question about a task finds its row and says which column is
which; numbered rows are never taken for a table of contents."""
from __future__ import annotations

from pathlib import Path

from docx import Document

from assistant.ingest.add import add
from assistant.ingest.formats import TABLE_HEAD, TABLE_ROW, markdown
from assistant.search.engine import Searcher
from assistant.storage import Corpus

HEADER = ("序号", "重点任务", "牵头单位", "完成时限")
TASKS = [
    ("1", "开展农村生活污水治理设施提升改造", "县农业农村局", "2025年底"),
    ("2", "推进城镇老旧小区改造", "县住房城乡建设局", "2026年6月"),
    ("3", "实施垃圾分类处理设施建设", "县综合行政执法局", "2025年9月"),
]


def _plan(path: Path) -> Path:
    doc = Document()
    doc.add_heading("某县推进城乡环境整治三年行动方案", 0)
    doc.add_paragraph("为持续改善城乡人居环境，制定本方案。")
    doc.add_paragraph("一、主要任务")
    doc.add_paragraph("各地各部门要按照职责分工抓好落实，具体任务分工见下表。")
    table = doc.add_table(rows=len(TASKS) + 2, cols=len(HEADER))
    title = table.cell(0, 0).merge(table.cell(0, len(HEADER) - 1))  # the table's title spans its width
    title.text = "重点任务分工表"
    for r, row in enumerate([HEADER, *TASKS], 1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    doc.add_paragraph("二、保障措施")
    doc.add_paragraph("各牵头单位要于每季度末报送工作进展情况。")
    doc.save(path)
    return path


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.toml").write_text('[[source]]\nfile = "seed.txt"\nid = "seed"\ntitle = "某某决定"\n', encoding="utf-8")
    (corpus / "seed.txt").write_text("某某决定\n全面推进各项工作，确保取得实效。\n", encoding="utf-8")
    return corpus


def test_a_task_table_is_read_row_by_row_under_its_header(tmp_path: Path):
    db = tmp_path / "a.db"
    add([_plan(tmp_path / "plan.docx")], _corpus(tmp_path), db)
    source = next(s for s in Corpus(db).sources() if s.id != "seed")
    passages = Corpus(db).passages(source.id)
    header = " | ".join(HEADER)
    rows = [p for p in passages if p.section[-1:] == (header,) and not p.is_heading]
    assert [p.text for p in rows] == ["|".join(t) for t in TASKS]  # numbered rows are not a table of contents
    assert all(p.section == ("一、主要任务", header) for p in rows)
    after = next(p for p in passages if p.text.startswith("各牵头单位"))
    assert after.section == ("二、保障措施",)  # the header heads its rows only
    title = next(p for p in passages if p.text == "重点任务分工表")
    assert title.section == ("一、主要任务",) and not title.is_heading

    searcher = Searcher.open(db)
    first = searcher.search("老旧小区改造由哪个部门牵头").hits[0].passage
    assert first.text == "|".join(TASKS[1])
    assert searcher.search("垃圾分类设施什么时候完成").hits[0].passage.text == "|".join(TASKS[2])


def test_markdown_names_the_header_row_by_its_separator(tmp_path: Path):
    path = tmp_path / "plan.md"
    path.write_text("# 某方案\n\n| 序号 | 重点任务 | 牵头单位 |\n|---|:---:|---|\n| 1 | 推进老旧小区改造 | 县住建局 |\n\n"
                    "| 不成表头的一行 | 说明 |\n", encoding="utf-8")
    kinds = [(e.text, e.table) for e in markdown.read(path) if e.table]
    assert kinds == [("序号 | 重点任务 | 牵头单位", TABLE_HEAD), ("1 | 推进老旧小区改造 | 县住建局", TABLE_ROW),
                     ("不成表头的一行 | 说明", TABLE_ROW)]
