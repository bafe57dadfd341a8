"""Splitting a magazine issue into articles by their opening words."""
import pytest

from assistant.ingest.lines import read_lines
from assistant.ingest.magazine import split_articles
from assistant.ingest.manifest import Article, ManifestError
from assistant.ingest.removals import Removals

ISSUE = """目录
2 卷首语
■ 张三
第一篇正文开头，第一句。
第一篇的结尾。
■ 李四
第二篇正文开
头。第二篇的结尾。
"""


def split(*starts: str):
    removals = Removals()
    articles = tuple(Article(key=f"a{i}", title=f"文{i}", start=s) for i, s in enumerate(starts))
    return split_articles(read_lines(ISSUE, Removals()), articles, "issue.txt", removals), removals


def test_each_article_runs_from_its_opening_to_the_next_one():
    parts, _ = split("■ 张三", "■李四")
    assert [[ln.text for ln in lines] for _, lines in parts] == [
        ["■张三", "第一篇正文开头，第一句。", "第一篇的结尾。"],
        ["■李四", "第二篇正文开", "头。第二篇的结尾。"],
    ]


def test_an_opening_may_run_across_a_line_break():
    parts, _ = split("■ 张三", "第二篇正文开头。")
    assert parts[1][1][0].text == "第二篇正文开"


def test_lines_before_the_first_article_are_recorded_as_front_matter():
    _, removals = split("■ 张三")
    assert removals.texts == [("front_matter", "目录"), ("front_matter", "2卷首语")]


@pytest.mark.parametrize(
    "starts, message",
    [
        (("■ 张三", "不存在的开头"), "找不到文章《文1》的开头“不存在的开头”"),
        (("的结尾。",), "在正文中出现多次"),
        (("■李四", "■张三"), "顺序与正文不一致"),
    ],
)
def test_a_wrong_opening_is_a_clear_chinese_error(starts, message):
    with pytest.raises(ManifestError, match=message):
        split(*starts)
