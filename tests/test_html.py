"""Web pages saved from government sites (.html/.htm): the document's own text, read as a Word document is, end to
end through `add` or `ingest` into a database and search; page furniture never reaches a passage."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from html_support import (
    BR_TITLE, FURNITURE, GBK_SENTENCES, GBK_TITLE, H1_TITLE, NOTICE_SENTENCES, NOTICE_TITLE, RULE_TITLE, page,
    write_notice, write_pages,
)
from regulation_support import SEED, seed_corpus

from assistant.chat.citation import answer_line
from assistant.ingest import formats
from assistant.ingest.add import AddError, add
from assistant.ingest.formats import TABLE_HEAD, TABLE_ROW, html
from assistant.records import HEADNOTE
from assistant.search.engine import Searcher
from assistant.storage import Corpus

@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return seed_corpus(tmp_path)


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], dict[str, Path]]:
    """The five pages added to one corpus: (database, report per page name, page paths)."""
    root = tmp_path_factory.mktemp("html")
    pages = write_pages(root / "pages")
    pages["notice.htm"] = write_notice(root / "pages")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "manifest.toml").write_text(SEED, encoding="utf-8")
    (corpus / "seed.txt").write_text("某某决定\n全面推进各项工作，确保取得实效。\n", encoding="utf-8")
    reports = add(list(pages.values()), corpus, root / "a.db")
    return root / "a.db", {name: r for name, r in zip(pages, reports)}, pages


def _visible(path: Path) -> str:
    """A page's visible text, whitespace removed (what a reader could select and copy)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030")  # (not libxml2's reading of the page's gb2312: it loses 喆)
    root = lxml.html.document_fromstring(text)
    for el in root.xpath("//script|//style|//title|//*[contains(@style,'display:none')]"):
        el.drop_tree()
    return re.sub(r"\s+", "", root.text_content())


def test_a_portal_page_is_read_as_its_document(added):
    """Title from the page's title element (not the site name in the <title> or the breadcrumb), the rule dated and
    issued by the order that promulgates it, articles cited by number, and no furniture in any passage."""
    db, reports, _pages = added
    s = reports["rule.html"].source
    assert (s.title, s.kind, s.issuer) == (RULE_TITLE, "办法", "某省人民政府")
    assert (s.passed, s.promulgated, s.effective) == ("2024-03-01", "2024-03-10", "2024-05-01")
    ps = Corpus(db).passages(s.id)
    assert [p.text for p in ps if p.section == (HEADNOTE,)] == [
        "某省人民政府令 第999号",
        "《某省农村公路养护管理办法》已经2024年3月1日省人民政府第20次常务会议审议通过，现予公布，自2024年5月1日起施行。",
        "省长 某某 2024年3月10日"]
    fine = next(p for p in ps if p.text.startswith("违反规定的"))
    assert fine.text == "违反规定的，由县级交通运输主管部门责令改正，可以处五百元以下罚款。"  # &#65292; is a ，
    assert fine.section == ("第四条",) and "第四条" in answer_line(s, fine.section)
    assert reports["rule.html"].articles == 5 and not reports["rule.html"].warnings


def test_no_furniture_reaches_a_passage_and_every_passage_is_visible_text(added):
    db, reports, pages = added
    for name, report in reports.items():
        ps = Corpus(db).passages(report.source.id)
        texts = [p.text for p in ps]
        assert texts, name
        leaked = [(f, t) for t in texts for f in FURNITURE if f in t]
        assert not leaked, name
        visible = _visible(pages[name])
        # verbatim: each passage is a stretch of the page's visible text (a table row's cells joined by |, a header
        # line printed over two lines joined by a space)
        assert [t for t in texts if not all(piece in visible for piece in re.split(r"[| ]", t))] == [], name
        assert report.source.title not in texts  # the title is the source's name, not a passage


def test_a_table_in_the_text_is_read_row_by_row_and_found(added):
    db, reports, _pages = added
    s = reports["rule.html"].source
    rows = [p for p in Corpus(db).passages(s.id)
            if p.section[-1:] == ("公路类别 | 养护资金标准 | 资金来源",) and not p.is_heading]
    assert [p.text for p in rows] == [
        "县道|每公里每年不低于一万元|省级补助和县级财政",
        "乡道|每公里每年不低于五千元|省级补助和县级财政",  # a rowspan cell stands in each row it spans
        "村道|每公里每年不低于三千元，由县级财政安排",  # a colspan cell once
    ]
    assert all(p.section[0] == "第三条" for p in rows)
    hit = Searcher.open(db).search("村道养护资金标准是多少").hits[0].passage
    assert hit.text == rows[2].text


def test_a_gbk_page_declaring_gb2312_is_read_exactly(added):
    """<meta charset="gb2312"> over GBK bytes (喆 is no GB2312 character), &nbsp; and &#12288; indents, &ldquo;."""
    db, reports, pages = added
    assert b'charset="gb2312"' in pages["dogs.htm"].read_bytes()
    s = reports["dogs.htm"].source
    assert (s.title, s.kind, s.passed, s.approved, s.effective) == (
        GBK_TITLE, "规定", "2022-06-28", "2022-09-29", "2023-01-01")
    texts = [p.text for p in Corpus(db).passages(s.id)]
    for sentence in GBK_SENTENCES:
        assert sentence in texts
    assert not any("\xa0" in t or "\u3000" in t or "&" in t for t in texts)
    hit = Searcher.open(db).search("犬链长度").hits[0].passage
    assert hit.text == "携犬出户时，应当为犬只束犬链，犬链长度不得超过1.5米；在电梯等拥挤场合，应当收紧犬链。"
    assert hit.section == ("第三条",)


def test_articles_separated_by_br_are_paragraphs_of_their_own(added):
    """A <br> is a Word line break: it opens a paragraph where an article or item begins, and only wraps a
    sentence elsewhere (第四条 goes on after its break)."""
    db, reports, _pages = added
    s = reports["waste.html"].source
    assert (s.title, s.kind, s.effective) == (BR_TITLE, "办法", "2025-01-01")
    ps = Corpus(db).passages(s.id)
    assert [(p.section, p.text) for p in ps if p.section[:1] in (("第三条",), ("第四条",))] == [
        (("第三条",), "农村生活垃圾分为下列四类："),
        (("第三条",), "（一）可回收物；"), (("第三条",), "（二）有害垃圾；"), (("第三条",), "（三）易腐垃圾；"),
        (("第三条",), "（四）其他垃圾。"),
        (("第四条",), "村民委员会应当将垃圾分类要求纳入村规民约，引导村民自觉分类投放。"),
    ]
    assert reports["waste.html"].articles == 5


def test_an_h1_title_and_chapters_in_strong_paragraphs(added):
    db, reports, _pages = added
    r = reports["culture.html"]
    assert (r.source.title, r.source.kind, r.source.issuer) == (H1_TITLE, "条例", "某市人民代表大会常务委员会")
    assert r.outline == [("第一章 总则", 2), ("第二章 设施建设", 2), ("第三章 附则", 1)]
    hit = Searcher.open(db).search("公共图书馆每周开放多长时间").hits[0].passage
    assert hit.section == ("第二章 设施建设", "第三条") and hit.text.startswith("公共图书馆、文化馆应当免费向公众开放")


def test_an_old_table_layout_notice_keeps_its_signature_as_header(added):
    """A page laid out in nested tables (GB2312 by http-equiv): the notice's text, its addressees, signature and
    attachment list as an official document's apparatus (metadata, never quoted)."""
    db, reports, _pages = added
    s = reports["notice.htm"].source
    assert (s.title, s.kind, s.issuer, s.promulgated) == (NOTICE_TITLE, "通知", "某市人民政府办公室", "2025-04-01")
    texts = [p.text for p in Corpus(db).passages(s.id)]
    assert [t for t in NOTICE_SENTENCES[1:] if t not in texts] == []
    assert NOTICE_SENTENCES[0] not in texts and "2025年4月1日" not in texts and not any("附件" in t for t in texts)


def test_ingest_reads_html_and_htm_files_in_the_folder(corpus: Path, tmp_path: Path):
    pages = write_pages(corpus)
    proc = _cli("ingest", str(corpus), "--db", str(tmp_path / "i.db"))
    assert proc.returncode == 0 and "dogs.htm" in proc.stderr and "rule.html" in proc.stderr  # named as unlisted
    with open(corpus / "manifest.toml", "a", encoding="utf-8") as f:
        for n, name in enumerate(pages):
            f.write(f'\n[[source]]\nfile = "{name}"\nid = "page{n}"\ntitle = "网页{n}"\n')
    proc = _cli("ingest", str(corpus), "--db", str(tmp_path / "i.db"))
    assert proc.returncode == 0, proc.stderr
    texts = [p.text for p in Corpus(tmp_path / "i.db").passages("page1")]  # dogs.htm, GBK
    assert all(sentence in texts for sentence in GBK_SENTENCES)


def test_add_from_the_command_line(corpus: Path, tmp_path: Path):
    path = write_pages(tmp_path / "pages")["culture.html"]
    proc = _cli("add", str(path), "--corpus", str(corpus), "--db", str(tmp_path / "a.db"))
    assert proc.returncode == 0, proc.stderr
    assert H1_TITLE in proc.stdout + proc.stderr and (corpus / "culture.html").exists()


FRAMESET = ('<html><head><title>某市人民政府</title></head><frameset rows="120,*"><frame src="top.htm">'
            '<frame src="main.htm"></frameset></html>')
JS_SHELL = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>某省人民政府</title><script src="/app.js"></script>'
            '</head><body><div id="app"></div><noscript>您的浏览器不支持JavaScript，请开启后访问本网站。</noscript></body></html>')
LINKS_ONLY = page("关于印发某某办法的通知", '<h1>关于印发某某办法的通知</h1><div class="content"><p>附件：'
                  '<a href="/a.pdf">某某办法.pdf</a></p></div>')
BAD_PAGES = {
    "empty.html": (b"", "文件为空"),
    "blank.htm": (b"  \r\n\t ", "文件为空"),
    "frames.htm": (FRAMESET.encode(), "框架页"),
    "shell.html": (JS_SHELL.encode(), "没有正文文字"),
    "links.html": (LINKS_ONLY.encode(), "Word/PDF"),
    "iframe.html": (page("某某通知", '<iframe src="/content/1.html"></iframe>').encode(), "iframe"),
    "junk.html": (os.urandom(4096) + b"\x00\xff\x00", "二进制"),
    "text.html": ("第一条　这不是网页，是改了扩展名的文本。\n".encode(), ".txt"),
}


@pytest.mark.parametrize("name", sorted(BAD_PAGES))
def test_a_page_without_document_text_is_refused_with_a_reason(corpus: Path, tmp_path: Path, name: str):
    data, reason = BAD_PAGES[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(AddError, match=re.escape(reason)):
        add([path], corpus, tmp_path / "a.db")
    assert not (tmp_path / "a.db").exists() and sorted(p.name for p in corpus.iterdir()) == ["manifest.toml", "seed.txt"]


def test_a_bad_page_exits_2_from_the_command_line(corpus: Path, tmp_path: Path):
    (tmp_path / "frames.htm").write_text(FRAMESET, encoding="utf-8")
    proc = _cli("add", str(tmp_path / "frames.htm"), "--corpus", str(corpus), "--db", str(tmp_path / "a.db"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("错误：") and "Word/PDF" in proc.stderr


# The reader on small pages.

def _read(tmp_path: Path, body: str, head: str = '<meta charset="utf-8"><title>某办法</title>', encoding="utf-8",
          name: str = "p.html") -> list[tuple[int, str, str]]:
    path = tmp_path / name
    path.write_bytes(f"<html><head>{head}</head><body>{body}</body></html>".encode(encoding))
    return [(e.heading, e.table, e.text) for e in html.read(path)]


ARTICLE = "<h1>某办法</h1><div class='text'><p>第一条　为了规范管理，制定本办法。</p><p>第二条　本办法自公布之日起施行。</p></div>"


@pytest.mark.parametrize("head, encoding", [
    ('<meta charset="gb2312"><title>某办法</title>', "gb18030"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=GBK"><title>某办法</title>', "gb18030"),
    ('<title>某办法</title>', "gb18030"),  # undeclared GBK
    ('<meta charset="gb2312"><title>某办法</title>', "utf-8"),  # re-saved as UTF-8 under its old meta
    ('<meta charset="iso-8859-1"><title>某办法</title>', "gb18030"),  # a wrong Latin declaration
    ('<meta charset="utf-8"><title>某办法</title>', "utf-8-sig"),
    ('<meta charset="utf-16"><title>某办法</title>', "utf-16"),
])
def test_encodings(tmp_path: Path, head: str, encoding: str):
    assert _read(tmp_path, ARTICLE, head, encoding) == [
        (1, "", "某办法"), (0, "", "第一条\u3000为了规范管理，制定本办法。"), (0, "", "第二条\u3000本办法自公布之日起施行。")]


def test_scripts_styles_comments_and_hidden_elements_are_no_text(tmp_path: Path):
    body = ("<h1>某办法</h1><div><!-- 注释：旧版正文 --><p>第一条　为了规范管理，制定本办法。<script>var a = '脚本文字。';</script></p>"
            "<p style='display: none'>隐藏的段落。</p><p hidden>也是隐藏的。</p><style>p { color: red }</style>"
            "<p>第二条　本办法<span style='visibility:hidden'>隐藏</span>自公布之日起施行。</p></div>")
    assert [t for _h, _t, t in _read(tmp_path, body)] == [
        "某办法", "第一条\u3000为了规范管理，制定本办法。", "第二条\u3000本办法自公布之日起施行。"]


def test_the_metadata_block_and_the_counters_line_are_dropped(tmp_path: Path):
    body = ("<div class='xxgk'><ul><li>索引号：001/2024-0001</li><li>发布机构：某市人民政府</li>"
            "<li>发文字号：某政发〔2024〕1号</li><li>成文日期：2024年1月5日</li></ul></div>"
            "<h2 class='title'>某市人民政府关于推进某某工作的意见</h2><p class='info'>发布日期：2024-01-08　浏览次数：12</p>"
            "<div class='content'><p>各县（市、区）人民政府：</p><p>为推进某某工作，提出如下意见。</p>"
            "<p>一、加强组织领导。各地要建立工作机制。</p></div>")
    assert [(h, t) for h, _t, t in _read(tmp_path, body, "<title>某市人民政府关于推进某某工作的意见_某市人民政府网</title>")] == [
        (1, "某市人民政府关于推进某某工作的意见"), (0, "各县（市、区）人民政府："), (0, "为推进某某工作，提出如下意见。"),
        (0, "一、加强组织领导。各地要建立工作机制。")]


def test_tables_row_by_row_and_layout_tables_as_text(tmp_path: Path):
    body = ("<h1>某方案</h1><table><tr><td><p>为改善环境，制定本方案。</p><p>具体任务分工见下表。</p>"
            "<table border='1'><caption>重点任务分工表</caption><thead><tr><th>序号</th><th>任务</th><th>牵头单位</th></tr></thead>"
            "<tbody><tr><td>1</td><td>推进老旧小区改造</td><td rowspan='2'>县住建局</td></tr>"
            "<tr><td>2</td><td>实施雨污分流</td></tr></tbody></table></td></tr></table>")
    assert _read(tmp_path, body) == [
        (1, "", "某方案"), (0, "", "为改善环境，制定本方案。"), (0, "", "具体任务分工见下表。"), (0, "", "重点任务分工表"),
        (0, TABLE_HEAD, "序号 | 任务 | 牵头单位"), (0, TABLE_ROW, "1 | 推进老旧小区改造 | 县住建局"),
        (0, TABLE_ROW, "2 | 实施雨污分流 | 县住建局")]


def test_a_title_in_the_article_s_header_and_a_print_area_are_the_document(tmp_path: Path):
    """A class naming the article's header, or the printable area, is no page furniture; a site header is, and the
    site's name is no title even as the only heading."""
    body = ("<div class='header'><h1>某市人民政府网</h1></div><div class='article-header'><h2>某市节约用水办法</h2>"
            "<div class='info'>发布时间：2024-05-06</div></div><div id='printContent'><div class='TRS_Editor'>"
            "<p>第一条　为了节约用水，制定本办法。</p><p>第二条　本办法自2024年7月1日起施行。</p></div></div>")
    assert [(h, t) for h, _t, t in _read(tmp_path, body, "<title>某市节约用水办法-某市人民政府网</title>")] == [
        (1, "某市节约用水办法"), (0, "第一条\u3000为了节约用水，制定本办法。"), (0, "第二条\u3000本办法自2024年7月1日起施行。")]
    body = body.replace("<h2>某市节约用水办法</h2>", "")
    assert [(h, t) for h, _t, t in _read(tmp_path, body, "<title>某市人民政府网</title>")] == [
        (0, "第一条\u3000为了节约用水，制定本办法。"), (0, "第二条\u3000本办法自2024年7月1日起施行。")]


def test_a_short_notice_repeating_its_title_under_its_number(corpus: Path, tmp_path: Path):
    """A short text (its punctuation not far above the footer's) that repeats its title under its issuing number:
    the page's title element is the title, the number and the repeat are header lines, not passages."""
    title = "某市人民政府关于加强河道管理的通知"
    article = (f'<div class="title">{title}</div><div class="TRS_Editor"><p>某政发〔2024〕3号</p>'
               f'<p style="text-align:center">{title}</p><p>各区人民政府：</p><p>为加强河道管理，现通知如下。</p>'
               "<p>一、落实河长制。各区要落实责任。</p><p>某市人民政府</p><p>2024年3月1日</p></div>")
    path = tmp_path / "river.html"
    path.write_text(page(title, article), encoding="utf-8")
    (r,) = add([path], corpus, tmp_path / "a.db")
    assert (r.source.title, r.source.issuer, r.source.promulgated) == (title, "某市人民政府", "2024-03-01")
    assert "某政发〔2024〕3号" in Corpus(tmp_path / "a.db").source(r.source.id).history
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(r.source.id)] == [
        "为加强河道管理，现通知如下。", "一、落实河长制。", "各区要落实责任。"]


def test_a_metadata_table_holding_the_title_and_number_above_it(corpus: Path, tmp_path: Path):
    from html_support import GOVCN_PAGE, GOVCN_TITLE

    path = tmp_path / "opinion.html"
    path.write_text(GOVCN_PAGE, encoding="utf-8")
    (r,) = add([path], corpus, tmp_path / "a.db")
    s = Corpus(tmp_path / "a.db").source(r.source.id)
    assert (s.title, s.kind, s.issuer, s.promulgated) == (GOVCN_TITLE, "意见", "国务院办公厅", "2024-01-05")
    assert s.history.splitlines()[0] == "国办发〔2024〕1号"  # as the text states it, not the table's 发文字号：
    assert [p.text for p in Corpus(tmp_path / "a.db").passages(r.source.id)] == [
        "为进一步优化某某服务，经国务院同意，现提出以下意见。", "一、总体要求。", "坚持以人民为中心，提升服务效能。",
        "二、重点任务。", "推进服务事项网上办、掌上办。"]


def test_a_title_of_two_lines_keeps_its_bracketed_header_as_text(tmp_path: Path):
    body = ("<h1>某省某某条例<br>（2020年6月12日某省第十三届人民代表大会常务委员会第二十一次会议通过）</h1>"
            "<div><p>第一条　为了规范管理，制定本条例。</p><p>第二条　本条例自2020年10月1日起施行。</p></div>")
    assert [(h, t) for h, _t, t in _read(tmp_path, body, "<title>某省某某条例</title>")][:2] == [
        (1, "某省某某条例"), (0, "（2020年6月12日某省第十三届人民代表大会常务委员会第二十一次会议通过）")]


def test_an_htm_suffix_and_the_supported_list(tmp_path: Path):
    assert {".html", ".htm"} <= set(formats.SUFFIXES)
    (tmp_path / "a.mht").write_bytes(b"MIME-Version: 1.0")
    with pytest.raises(formats.FormatError, match=r"\.html"):
        formats.read(tmp_path / "a.mht")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=300)
