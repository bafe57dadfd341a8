"""A Markdown compilation shows every text as typed: a topic or quote holding markup characters is escaped."""
from __future__ import annotations

import re

from assistant.study import document
from assistant.study.quotes import Quote

ODD = "<b>重点</b> *强调* _下划线_ [链接](http://x) `代码` # & | ~ \\"


def unescaped(markdown: str) -> str:
    """What a CommonMark renderer shows for backslash-escaped text."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_markdown_escapes_titles_headings_quotes_and_citations():
    quote = Quote(text=f"原文{ODD}。", title=f"文件{ODD}", date="2024-01-02")
    comp = document.from_quotes(f"关于“{ODD}”的论述摘编", "2026年3月1日", [quote])
    text = document.to_markdown(comp)
    assert "<b>" not in text and re.search(r"(?<!\\)[*_`\[<&|~]", text) is None
    lines = text.splitlines()
    assert unescaped(lines[0]) == f"# 关于“{ODD}”的论述摘编"
    assert unescaped(lines[4]).startswith(f"## 《文件{ODD}》")
    assert unescaped(lines[6]) == f"> 原文{ODD}。"
