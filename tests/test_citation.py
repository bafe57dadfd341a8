"""The standard 出处 form and the short line under a quote, on literal sources and the real corpus."""
from __future__ import annotations

import pytest

from assistant.chat.citation import answer_line, cite, format_date, quote_with_citation, spoken_section
from assistant.chat.answers import citation
from assistant.records import Passage, Source

DECISION = Source("d", "中共浙江省委关于认真学习贯彻党的十九届四中全会精神高水平推进省域治理现代化的决定",
                  short="省域治理现代化决定", date="2019-11-22", kind="决定")
ARTICLE = Source("m-a", "加快发展新质生产力 扎实推进高质量发展", short="加快发展新质生产力", date="2024-02",
                 publication="今日浙江 2024年2月")
UNTITLED = Source("m-c", "卷首评论（原文未见标题）", short="卷首评论", publication="今日浙江 2024年2月")
LAW = Source("law", "中华人民共和国个人信息保护法", date="2021-08-20", kind="法律")


@pytest.mark.parametrize("iso, text", [("2022-12-19", "2022年12月19日"), ("2021-07", "2021年7月"), ("2019", "2019年"),
                                       ("", "")])
def test_dates_read_as_written(iso, text):
    assert format_date(iso) == text


def test_standard_form_for_document_article_and_law():
    assert quote_with_citation("坚持和加强党的全面领导。", DECISION) == (
        "“坚持和加强党的全面领导。”（《中共浙江省委关于认真学习贯彻党的十九届四中全会精神高水平推进省域治理现代化的决定》，"
        "2019年11月22日）")
    assert cite(ARTICLE) == "（《加快发展新质生产力 扎实推进高质量发展》，《今日浙江》2024年第2期）"
    assert cite(UNTITLED) == "（《今日浙江》2024年第2期卷首评论）"  # no stand-in label dressed as a title
    assert cite(LAW) == "（《中华人民共和国个人信息保护法》，2021年8月20日）"
    assert cite(Source("x", "无日期的文件")) == "（《无日期的文件》）"


def test_a_title_inside_a_title_is_marked_with_single_book_title_marks():
    """《浙江省实施《…法》办法》 reads as two titles, the first cut short; typeset Chinese nests them as 《…〈…〉…》."""
    rule = Source("r", "浙江省实施《中华人民共和国某某法》办法", date="2021-09-29", kind="办法")
    assert cite(rule) == "（《浙江省实施〈中华人民共和国某某法〉办法》，2021年9月29日）"
    assert answer_line(rule, ("第二章 管理", "第三条")) == "——《浙江省实施〈中华人民共和国某某法〉办法》第三条（2021年9月29日）"


@pytest.mark.parametrize("path, spoken", [
    ("三、实施居民收入和中等收入群体双倍增计划 › 12. 完善创新要素参与分配机制", "第三部分第12条"),
    ("二、2024年目标任务和重点工作 › （四）聚焦聚力科技创新塑造发展新优势", "第二部分第（四）条"),
    ("五、推进 › 3. 建设 › 第五，坚持", "第五部分第3条第五点"),  # every part has its own 3.
    ("二、部署 › （一）总体 › 1. 目标", "第二部分第（一）条第1项"),  # and its own （一）
    ("一、总体 › （一）目标 › 1. 指标 › 第一，就业", "第一部分第（一）条第1项第一点"),
    ("第四章 个人信息处理者的义务 › 第五十一条", "第五十一条"),
    ("第二章 › 第十三条 › （一）", "第十三条第（一）项"),
    ("一、全面细化落实发展目标", "第一部分"),
    ("附件 重点任务分工表", "附件"),  # an attachment's text is not the document's last part
    ("附件2 重点任务分工表 › （一）养老", "附件2第（一）条"),
    ("勇挑大梁 奋力先行 › 强力推进三个“一号工程”", ""),
    ("", ""),
])
def test_sections_as_people_say_them(path, spoken):
    assert spoken_section(path) == spoken
    assert "…" not in spoken_section(path)


def test_answer_line_names_the_short_title_or_the_article():
    assert answer_line(DECISION, ("一、总体要求", "2. 主要目标")) == "——《省域治理现代化决定》第一部分第2条（2019年11月22日）"
    assert answer_line(ARTICLE, ("一、",)) == "——《今日浙江》文章《加快发展新质生产力 扎实推进高质量发展》第一部分（2024年第2期）"
    assert answer_line(UNTITLED) == "——《今日浙江》卷首评论（2024年第2期）"
    # a table row is cited with its table's column names: 3|推进数字化改革|省发展改革委 says nothing alone
    assert answer_line(DECISION, ("一、总体要求", "序号 | 任务 | 牵头单位")) == \
        "——《省域治理现代化决定》第一部分（2019年11月22日），表头：序号 | 任务 | 牵头单位"
    section = ("一、总体要求", "序号 | 任务 | 牵头单位")
    row = Passage("r", "d", 2, 2, section, "3|推进数字化改革|省发展改革委")
    head = Passage("h", "d", 1, 1, section, "序号|任务|牵头单位", is_heading=True)
    assert citation(DECISION, row).line.endswith("表头：序号 | 任务 | 牵头单位")
    assert citation(DECISION, head).line == "——《省域治理现代化决定》第一部分（2019年11月22日）"  # not its own names


def test_every_corpus_source_cites_its_full_title(corpus):
    for s in corpus.sources():
        standard = cite(s)
        assert standard.startswith("（") and standard.endswith("）")
        if s.publication:
            assert "《今日浙江》2024年第2期" in standard and f"《{s.short}》" not in standard.replace(f"《{s.title}》", "")
        else:
            assert f"《{s.title}》" in standard and (not s.date or format_date(s.date) in standard)


def test_cli_search_cite_prints_pasteable_quotes(db_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "assistant", "search", "--db", str(db_path), "--cite", "-k", "2",
                          "省域治理现代化"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("“") and "”（《" in line and line.endswith("）") for line in lines)
