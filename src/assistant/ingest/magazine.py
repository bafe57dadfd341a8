"""A magazine issue is a container: split its lines into articles, each located by its opening words.

Titles in an issue are printed wherever the layout put them (often after the article's first page),
so the manifest lists each article with its verbatim opening words; the issue's own table of
contents is parsed to check that list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.cleaning import toc_blocks
from assistant.ingest.lines import Line
from assistant.ingest.manifest import Article, ManifestError
from assistant.ingest.removals import Removals
from assistant.records import book_title


@dataclass(frozen=True)
class TocEntry:
    page: int
    title: str
    authors: str  # as printed after "/", whitespace removed


def split_articles(
    lines: list[Line], articles: tuple[Article, ...], file: str, removals: Removals
) -> list[tuple[Article, list[Line]]]:
    """Each article's lines, from the line holding its opening words to the next article's start.

    Lines before the first article (a cover, a contents page) belong to no article: they are recorded
    as dropped front matter, so the ingest summary shows them rather than losing them silently.
    """
    starts = [_find_start(lines, a, file) for a in articles]
    order = sorted(range(len(articles)), key=lambda i: starts[i])
    if order != list(range(len(articles))):
        raise ManifestError(f"{file}：清单中文章的顺序与正文不一致")
    for ln in lines[: starts[0] if starts else len(lines)]:
        removals.drop("front_matter", ln.text)
    bounds = starts + [len(lines)]
    return [(a, lines[bounds[i] : bounds[i + 1]]) for i, a in enumerate(articles)]


def _find_start(lines: list[Line], article: Article, file: str) -> int:
    text, owner = _joined(lines)
    anchor = re.sub(r"\s+", "", article.start)
    at = text.find(anchor)
    if at < 0 or not anchor:
        raise ManifestError(f"{file}：找不到文章{book_title(article.title)}的开头“{article.start}”")
    if text.find(anchor, at + 1) >= 0:
        raise ManifestError(f"{file}：文章{book_title(article.title)}的开头“{article.start}”在正文中出现多次，请写长一些")
    return owner[at]


def _joined(lines: list[Line]) -> tuple[str, list[int]]:
    parts, owner = [], []
    for i, ln in enumerate(lines):
        t = ln.text.replace(" ", "")
        parts.append(t)
        owner.extend([i] * len(t))
    return "".join(parts), owner


def parse_toc(lines: list[Line]) -> list[TocEntry]:
    """The issue's table-of-contents entries (`26 湖州市：…/张志炜`); an author may sit on a later line."""
    entries: list[TocEntry] = []
    for block in toc_blocks(lines):
        for n, i in enumerate(block):
            m = re.match(r"^(\d{1,3})(.*)$", lines[i].text)
            title, _, authors = m.group(2).partition("/")
            following = range(i + 1, block[n + 1] if n + 1 < len(block) else min(i + 3, len(lines)))
            if not authors:
                authors = next((lines[j].text[1:] for j in following if lines[j].text.startswith("/")), "")
            entries.append(TocEntry(int(m.group(1)), title.strip(), authors.replace(" ", "")))
    return entries
