"""Web pages (.html, .htm) as users save them from government sites: the document's own text, read as Word's.

A portal page wraps one document in furniture: header and navigation, the breadcrumb (当前位置：首页 > …), the
metadata block (索引号, 发布机构, 发文字号, 成文日期 …), the share/print bar (【打印本页】, 字号：大 中 小),
related links (相关链接, 上一篇/下一篇) and the footer (主办单位, ICP备, 网站标识码). The document is found, not
the furniture listed away: its text is where the page's sentence punctuation (，。；、) is, outside links —
the deepest container holding most of it (`_content`) — and it runs from the document's title (a heading or
title element above that text, preferably one the <title> tag names: never the site's name) to the
end of that container, on through what follows it until the page's furniture begins (a title the text
repeats under the order promulgating a rule is read there instead: `elements`). Within that stretch
furniture is still dropped, by the tag, class or id that names it (nav, footer, share …), by its text
(当前位置, 打印本页, 版权所有 …), or as a block of links.

The metadata block goes: its lines (索引号：…, 发文字号：…, 成文日期：…) are labels the rest of the pipeline
reads as neither a title, header lines nor text — 发文字号：某政发〔2024〕1号 would be a passage and the block
above the title would be taken for it — and what it says (issuer, date, number) the text usually states again
(its issuing number, signature, header lines), where the pipeline reads it.

Paragraphs are the page's blocks (<p>, <div>, <li> …); a <br> inside one is a manual line break, split or
joined as in Word (docx.line_pieces: split where a sentence or legal unit begins). <h1>–<h6> are headings (the
title 1, headings in the text 2 or more); a table of several columns is read row by row as docx reads one
(TABLE_HEAD for its first row, colspan and rowspan repeated), a table that lays out the page as its blocks.
Scripts, styles, comments, forms' controls and hidden elements are no text.

Encoding (`_declared`): a byte-order mark; else UTF-8 when the bytes are valid UTF-8, whatever the page
declares (an editor that re-saves a page keeps its old meta; GBK text is never valid UTF-8 by chance); else the
page's <meta charset> (or http-equiv content type, or XML declaration); else GB18030. GB2312 and GBK are read
as GB18030, their superset (pages declaring gb2312 hold GBK characters), and a Latin charset on a page is taken
for a missing declaration. decode_text then decodes, as for text files.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
from lxml import etree

from assistant.ingest.formats import TABLE_CELL, TABLE_HEAD, TABLE_ROW, Element, FormatError, decode_text
from assistant.ingest.formats.docx import line_pieces as pieces, row_text

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([a-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_GB = {"gb2312", "gbk", "gb_2312-80", "gb_2312", "x-gbk", "cp936", "windows-936", "euc-cn", "csgb2312", "gb18030"}
_LATIN = {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252"}

# No text: dropped with their content (not their tail).
_DROP = ("script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "applet", "svg", "math",
         "canvas", "video", "audio", "map", "select", "option", "button", "input", "textarea", "head", "title")
_BLOCK = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "center", "pre",
    "address", "figure", "figcaption", "header", "footer", "nav", "aside", "table", "caption", "tbody", "thead",
    "tfoot", "tr", "td", "th", "form", "fieldset", "details", "summary", "hr", "body", "html",
    "h1", "h2", "h3", "h4", "h5", "h6",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CONTAINERS = _BLOCK - {"p", "li", "dt", "dd", "pre", "caption", "th", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
_FURNITURE_TAGS = {"nav", "header", "footer", "aside"}
# class and id words of page furniture (nav, mainNav, breadcrumb, footer, share, xglj = 相关链接 …)
_FURNITURE_ATTR = re.compile(
    r"nav|menu|breadcrumb|crumb|foot(?!note)|header|share|related|copyright|sidebar|toolbar|location|position|"
    r"dqwz|xglj|fenxiang|bshare|jiathis|qrcode|erweima|gotop|backtop|search|logo|login", re.I)
_ARTICLE_PART = re.compile(r"(?:article|detail|content|news|post|entry|doc|wz|xl)[-_]?(?:header|head)", re.I)
_ORDER = re.compile(r"^.{2,30}?(?:令|公告)(?:[（(]?第[0-9一二三四五六七八九十百零〇]+号[)）]?)?$")  # 某省人民政府令
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS = re.compile(r"[ \t\n\r\f\v]+")  # HTML whitespace; no-break and ideographic spaces are text (as in Word)
_PUNCT = re.compile(r"[，。；！？、]")  # a text's punctuation; not ：, which labels furniture (主办单位：, 当前位置：)
_CJK = re.compile(r"[\u3400-\u9fff]")
_SENTENCE = re.compile(r"[。！？；]")
_SITE_NAME = re.compile(r"(?:网|网站|门户|官网|平台|在线|政府)$")  # the part of a <title> naming the site
_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|--|——|\s-\s|\s—\s|-(?=[^\d]))\s*")

# Furniture by its text (a block's whole text, squeezed): breadcrumb, footer, share/print bar, related links,
# the line of counters under a title.
_BREADCRUMB = re.compile(r"^(?:当前位置|您的位置|您现在的位置|您当前的位置|现在位置|所在位置|当前页面)[：:]?|^首页[>›»/＞]")
_SITE = re.compile(r"ICP备|ICP证|网站标识码|版权所有|公网安备|Copyright|©|主办单位|承办单位|技术支持|网站地图|联系我们|"
                   r"主办[：:]|承办[：:]|网站纠错|欢迎访问|欢迎来到", re.I)
_TOOLS = re.compile(r"打印本页|打印此页|关闭窗口|关闭本页|【打印】|【关闭】|字号[：:]|字体[：:]|【大中小】|分享到|扫一扫|"
                    r"收藏本页|加入收藏|返回顶部|我要纠错")
_RELATED = re.compile(r"^(?:相关链接|相关文件|相关阅读|相关新闻|相关稿件|相关政策|相关解读|上一篇|下一篇|上一条|下一条)")
_COUNTERS = re.compile(r"浏览次数|阅读次数|点击数|点击量|访问量|访问次数|阅读量|责任编辑[：:]|"
                       r"^(?:发布时间|发布日期|信息来源|文章来源|来源|作者|编辑)[：:]")
_METADATA_LABELS = ("索引号", "发布机构", "发文机关", "发文字号", "文号", "成文日期", "发布日期", "主题分类", "公开方式",
                    "公开范围", "有效性", "组配分类", "体裁分类", "主题词", "信息分类", "生效日期")
FURNITURE_MAX = 300  # characters: a block longer than this is text whatever it mentions
TITLE_MAX = 100  # characters of a title
TITLE_AGAIN = 12  # elements: how far into the text a repeated title is taken for the document's own

NO_TEXT = ("网页 {name} 中没有正文文字（{why}）。请在浏览器中打开正文，复制文字另存为 .txt，"
           "或下载网页所附的 Word/PDF 文件，再添加")


def read(path: Path) -> list[Element]:
    path = Path(path)
    data = path.read_bytes()
    text = decode_text(path, data, _declared(data))
    if not re.search(r"<[a-zA-Z!?/]", text):
        raise FormatError(f"文件 {path.name} 中没有 HTML 标记，不像网页；如是纯文本，请把扩展名改为 .txt 再添加")
    try:
        root = lxml.html.document_fromstring(
            _XML_DECLARATION.sub("", text), parser=lxml.html.HTMLParser(remove_comments=True, remove_pis=True))
    except (etree.ParserError, ValueError) as exc:
        raise FormatError(f"无法作为网页读取：{path.name}（{exc}）") from exc
    if root.find(".//frameset") is not None or root.find(".//frame") is not None:
        raise FormatError(NO_TEXT.format(name=path.name, why="它是框架页，正文在另一个网页里"))
    head_title = " ".join(root.findtext(".//title", "").split())
    framed = root.find(".//iframe") is not None
    _clean(root)
    body = root.find("body")
    elements = _Page(body if body is not None else root, head_title).elements()
    text_chars = sum(len(_CJK.findall(e.text)) for e in elements if e.heading != 1)
    if not any(_SENTENCE.search(e.text) for e in elements if e.heading != 1) and text_chars < 20:
        why = ("正文可能在嵌入的框架（iframe）里" if framed else "只有标题和链接，或内容靠脚本加载" if elements
               else "可能是靠脚本加载内容的页面")
        raise FormatError(NO_TEXT.format(name=path.name, why=why))
    return elements


def _declared(data: bytes) -> str:
    """The encoding to read a page in, as Python names it: its byte-order mark, else what it declares, else
    UTF-8 (""), else GB18030 when its bytes are that. Markup outweighs text on a page, so an undeclared GBK
    page would fail decode_text's test of mostly-Chinese text: GB18030 is chosen here when the bytes decode."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return ""  # valid UTF-8 is UTF-8, whatever the meta says (an editor re-saved the page, not its meta)
    except UnicodeDecodeError:
        pass
    head = data[:4096]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    name = m.group(1).decode("ascii").lower() if m else ""
    if name in _GB:
        return "gb18030"
    if name and name not in _LATIN and not name.startswith("utf"):
        return name  # big5, …; a Latin charset on a Chinese page is a wrong declaration
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return ""


def _clean(root: etree._Element) -> None:
    """Remove what is never text: scripts, styles, embedded objects, form controls, hidden elements."""
    etree.strip_elements(root, *_DROP, with_tail=False)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if (el.get("hidden") is not None or el.get("aria-hidden") == "true"
                or _HIDDEN_STYLE.search(el.get("style", "")) or el.get("type", "").lower() == "hidden"):
            if el.getparent() is not None:
                el.drop_tree()  # keeps the text after it


def _flat(text: str) -> str:
    return "".join(text.split())


class _Page:
    """One page: where its document is, and the walk that reads it."""

    def __init__(self, body: etree._Element, head_title: str):
        self.body = body
        self.order = {el: n for n, el in enumerate(body.iter())}
        self.last = {}  # element → order of its last descendant
        self.score: dict[etree._Element, int] = {}
        self.size: dict[etree._Element, int] = {}  # element → characters of its text, whitespace aside
        self.links: dict[etree._Element, tuple[int, int]] = {}  # element → (links, characters in links)
        for el in reversed(list(body.iter())):
            children = [c for c in el if isinstance(c.tag, str)]
            self.last[el] = self.last[children[-1]] if children else self.order[el]
            in_link = el.tag == "a" or any(a.tag == "a" for a in el.iterancestors())
            own = (el.text or "") + "".join(c.tail or "" for c in el)
            self.score[el] = (0 if in_link else len(_PUNCT.findall(own))) + sum(self.score[c] for c in children)
            self.size[el] = len(_flat(own)) + sum(self.size[c] for c in children)
            n, chars = (1, self.size[el]) if el.tag == "a" else (0, 0)
            for c in children:
                n, chars = n + self.links[c][0], chars + self.links[c][1]
            self.links[el] = (n, chars)
        self.looks: dict[int, bool] = {}  # id → whether an element looks like furniture (_looks_like_furniture)
        self.content = self._content()
        # ids of the content container, the title and their ancestors: never furniture
        self.keep: set[int] = {id(a) for a in (self.content, *self.content.iterancestors())}
        self.title = self._title(head_title)
        if self.title is not None:
            self.keep |= {id(a) for a in (self.title, *self.title.iterancestors())}
        self.start = self.order[self.title] if self.title is not None else self.order[self.content]
        self.last_block = self._last_block()
        self.end = self.last[self.last_block]

    def _content(self) -> etree._Element:
        """The deepest container holding four fifths of the page's punctuation outside links."""
        node, total = self.body, self.score[self.body]
        while total:
            best = max((c for c in node if c.tag in _CONTAINERS), key=lambda c: self.score[c], default=None)
            if best is None or self.score[best] < 0.8 * total or not any(d.tag in _BLOCK or d.tag == "br" for d in best):
                break  # (a block of inline text only is a paragraph: its neighbours are the document's too)
            node = best
        return node

    def _title(self, head_title: str) -> etree._Element | None:
        """The document's title: of the headings and title elements above its first sentence, the first one the
        <title> tag names (the text may repeat it, under a document number), else the nearest <h1>–<h3> or element
        classed as a title (not a heading of the site's above it); never the site's name (the
        part of a <title> of several that names a site, …网 or …政府, else its last) nor anything in the furniture."""
        parts = [_flat(p) for p in _TITLE_SEPARATOR.split(head_title) if p.strip()]
        sites = ([p for p in parts if _SITE_NAME.search(p)] or parts[-1:]) if len(parts) > 1 else []
        named_parts = [p for p in parts if p not in sites]
        first = next((el for el in self.content.iter() if isinstance(el.tag, str) and _SENTENCE.search(_own(el))),
                     self.content)
        limit = self.order[first]
        named, styled = None, None
        for el in self.body.iter():
            if not isinstance(el.tag, str) or self.order[el] > limit:
                break
            if not 0 < self.size[el] <= TITLE_MAX:
                continue
            text = _flat(el.text_content())
            if text in sites or _SENTENCE.search(text):
                continue
            heading = el.tag in ("h1", "h2", "h3") or re.search(r"title|biaoti", _attrs(el), re.I)
            is_named = (heading or not any(c.tag in _BLOCK for c in el)) and (
                text in named_parts or any(len(text) >= 8 and text in part or len(part) >= 8 and part in text
                                           for part in named_parts))
            if not (is_named or heading) or self._inside_furniture(el):
                continue
            if is_named:
                named = named if named is not None else el
            elif not re.search(r"subtitle|sub-title", _attrs(el), re.I):
                styled = el
        title = named if named is not None else styled
        while title is not None and len(title) == 1 and _flat(title[0].text_content()) == _flat(title.text_content()):
            title = title[0]  # <div class="title"><h3>…</h3></div>: the innermost element of that text
        return title

    def _inside_furniture(self, el: etree._Element) -> bool:
        return any(self._furniture(a) for a in (el, *el.iterancestors()) if a is not self.body and a.tag != "html")

    def _last_block(self) -> etree._Element:
        """Where the document ends: its content container, or what follows it until the page's furniture."""
        node, last = self.content, self.content
        while node is not self.body and node.getparent() is not None:
            for sib in node.itersiblings():
                if not isinstance(sib.tag, str):
                    continue
                if self._furniture(sib) or self._links_only(sib):
                    return last
                if self.size[sib]:
                    last = sib
            node = node.getparent()
        return last

    def _furniture(self, el: etree._Element) -> bool:
        """Page furniture (see module doc); never what holds the document or its title."""
        if id(el) in self.keep:
            return False
        if id(el) not in self.looks:
            self.looks[id(el)] = self._looks_like_furniture(el)
        return self.looks[id(el)]

    def _looks_like_furniture(self, el: etree._Element) -> bool:
        """By tag, class/id or text: a part of the article (article-header, <header> in <article>) is judged by its
        text only."""
        article_part = _ARTICLE_PART.search(_attrs(el)) or el.tag == "header" and any(
            a.tag == "article" for a in el.iterancestors())
        if not article_part and (el.tag in _FURNITURE_TAGS or _FURNITURE_ATTR.search(_attrs(el))):
            return True
        if not self.size[el] or self.size[el] > FURNITURE_MAX:
            return False
        text = _flat(el.text_content())
        if sum(label in text for label in _METADATA_LABELS) >= 2 and "。" not in text:
            return True
        if any(c.tag in _BLOCK for c in el):
            return False  # a container: its blocks are judged one by one
        return bool(_BREADCRUMB.search(text) or _RELATED.search(text) or _COUNTERS.search(text)
                    or ("。" not in text and (_SITE.search(text) or _TOOLS.search(text))))

    def _links_only(self, el: etree._Element) -> bool:
        """A block of links (a menu, a list of related pages): three or more, over half its text."""
        n, chars = self.links[el]
        return n >= 3 and chars >= 0.5 * self.size[el]

    # The walk: the elements between the title and the document's end, furniture left out.

    def elements(self) -> list[Element]:
        """The document's elements; when its text opens with the order promulgating a rule and states the rule's
        title under it, the title is there, as in the document, not above the order where the page shows it:
        metadata.read_facts reads an order (its title, date, issuer) only where the document starts."""
        out = [e for e in self._blocks(self.body) if e.text.strip()]
        if len(out) > 1 and out[0].heading == 1 and _ORDER.match(_flat(out[1].text)):
            again = next((n for n, e in enumerate(out[1:TITLE_AGAIN], 1)
                          if not e.table and _flat(e.text) == _flat(out[0].text)), None)
            if again is not None:
                out = out[1:again] + [Element(out[again].text, heading=1)] + out[again + 1:]
        return out

    def _within(self, el: etree._Element) -> bool:
        return self.last[el] >= self.start and self.order[el] <= self.end

    def _tail_within(self, el: etree._Element) -> bool:
        """Whether the text after `el` is the document's: after its start, and before its end or inside its last
        block (the text after the last <br> of a content container)."""
        return self.start <= self.last[el] and (self.last[el] < self.end or any(
            a is self.last_block for a in el.iterancestors()))

    def _blocks(self, container: etree._Element) -> Iterator[Element]:
        """The paragraphs, headings and table rows inside `container`, in order."""
        para: list[str] = []

        def flush() -> Iterator[Element]:
            text = "".join(para)
            para.clear()
            yield from (Element(piece) for piece in pieces(text))

        if container.text and self.start <= self.order[container] <= self.end:
            para.append(_WS.sub(" ", container.text))
        for el in container:
            if isinstance(el.tag, str) and self._within(el) and not self._skipped(el):
                if el.tag == "br":
                    para.append("\n")
                elif el is self.title or el.tag in _HEADINGS:
                    yield from flush()
                    yield from self._heading(el)
                elif el.tag == "table" and not self._layout(el):
                    yield from flush()
                    yield from self._table(el)
                elif el.tag in _BLOCK or any(d.tag in _BLOCK for d in el.iterdescendants()):
                    yield from flush()
                    yield from self._blocks(el)  # (an inline element around blocks too: <font><p>…</p></font>)
                else:
                    para.extend(self._inline(el))
            if el.tail and self._tail_within(el):
                para.append(_WS.sub(" ", el.tail))
        yield from flush()

    def _skipped(self, el: etree._Element) -> bool:
        return id(el) not in self.keep and (self._furniture(el) or (el.tag in _CONTAINERS and self._links_only(el)))

    def _inline(self, el: etree._Element) -> list[str]:
        """An inline element's text (<span>, <a>, <strong> …), its <br>s as line breaks."""
        out = [_WS.sub(" ", el.text or "")]
        for child in el:
            if isinstance(child.tag, str):
                out.extend(["\n"] if child.tag == "br" else self._inline(child))
            out.append(_WS.sub(" ", child.tail or ""))
        return out

    def _heading(self, el: etree._Element) -> Iterator[Element]:
        """A heading in the text (level 2 or more: the title is the only 1); a bracketed header on a line of
        its own under it is text, as in Word."""
        lines = [line for line in "".join(self._inline(el)).split("\n") if line.strip()]
        k = next((n for n, line in enumerate(lines) if n and line.strip()[:1] in "（("), len(lines))
        if lines:
            level = 1 if el is self.title else _HEADINGS.get(el.tag, 1)
            yield Element(" ".join(" ".join(lines[:k]).split()), heading=max(level, 2) if el is not self.title
                          and self.title is not None else level)
        yield from (Element(piece) for piece in pieces("\n".join(lines[k:])))

    def _layout(self, table: etree._Element) -> bool:
        """A table that lays out the page or a frame around text: it holds the document, another table, or one
        cell a row."""
        if id(table) in self.keep or table.get("role") == "presentation" or table.find(".//table") is not None:
            return True
        return all(sum(1 for c in tr if c.tag in ("td", "th") and _flat(c.text_content())) <= 1 for tr in _rows(table))

    def _table(self, table: etree._Element) -> Iterator[Element]:
        caption = table.find("caption")
        if caption is not None and _flat(caption.text_content()):
            yield Element(" ".join(caption.text_content().split()))
        below: dict[int, tuple[str, int]] = {}  # grid column → (text, rows it still spans) of a rowspan cell
        out: list[Element] = []
        for tr in _rows(table):
            texts: list[str] = []
            cells = [c for c in tr if c.tag in ("td", "th")]
            column = 0
            while cells or column in below:
                if column in below:
                    text, left = below.pop(column)
                    if left > 1:
                        below[column] = (text, left - 1)
                    texts.append(text)
                    column += 1
                    continue
                cell = cells.pop(0)
                text = " ".join(" ".join(e.text for e in self._blocks(cell) if e.text.strip()).split())
                span, down = _span(cell, "colspan"), _span(cell, "rowspan")
                for c in range(column, column + span):
                    texts.append(text)
                    if down > 1:
                        below[c] = (text, down - 1)
                column += span
            if any(texts):
                out.append(Element(row_text(texts), table=TABLE_ROW))
        head = next((i for i, e in enumerate(out[:-1]) if TABLE_CELL in e.text), None)
        if head is not None:
            out[head] = Element(out[head].text, table=TABLE_HEAD)
        yield from out


def _rows(table: etree._Element) -> list[etree._Element]:
    """A table's own rows (not a nested table's), through thead/tbody/tfoot."""
    out = []
    for child in table:
        if child.tag == "tr":
            out.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            out.extend(tr for tr in child if tr.tag == "tr")
    return out


def _span(cell: etree._Element, name: str) -> int:
    value = re.match(r"\s*(\d+)", cell.get(name, "") or "")
    return max(1, min(int(value.group(1)), 100)) if value else 1


def _own(el: etree._Element) -> str:
    """An element's own text: before and between its children, not inside them."""
    return (el.text or "") + "".join(c.tail or "" for c in el)


def _attrs(el: etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}"
