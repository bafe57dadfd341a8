"""Questions every regulation is asked, put to each fixture law: is the first result the kind of sentence that answers?

Usage: python benchmarks/probe_templates.py --db DB [--lexical] [--only purpose effect …] [--misses 3]

DB must hold the fixture laws of tests/data/regulations (`python -m assistant add $(ls tests/data/regulations/*.md |
grep -v README) --corpus COPY --db DB`). Each template is asked of every law that has a sentence of the shape that
answers it (a purpose clause, a 施行 article, amendment lines, a definition …), worded as people word it; the first
result must have that shape and, where the template names the law, come from it. The labelled set asks few such
questions (its writers chose their own wording), so a wording no one tried can fail on every law at once:
X什么时候实施 quoted the 施行 article first for none of 67 laws until 2026-12, X修改过吗 for 1 of 21, 违反X第N条怎么处罚 the
penalty citing article N for none of 87. Printed: per
template and wording, how many laws it answered, and the first misses. The templates are general (written from
the shape of Chinese laws, not from the labelled queries); do not tune a rule to one law's miss.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from assistant.search.engine import Results, Searcher  # noqa: E402

REGULATIONS = ROOT / "tests" / "data" / "regulations"
ARTICLES_ASKED = 3  # articles of each law asked by number (drawn with a fixed seed)
ITEMS_ASKED = 2  # list items of each law asked by article and item number (drawn with a fixed seed)


@dataclass(frozen=True)
class Law:
    title: str  # without 中华人民共和国, as people name a national law
    text: str

    @property
    def bare(self) -> str | None:
        """The title without the 省/市 of its place (河南物业管理条例, 北京图书馆条例), None when it names none."""
        m = re.match(r"^(.{2,3}?)(?:省|市|经济特区)(.+)$", self.title)
        return m.group(1) + m.group(2) if m else None


@dataclass(frozen=True)
class Template:
    """Questions of one kind: `wordings` with {law} (and {term} for a definition), the shape of the sentence
    answering them (`answer`), and which laws can be asked (those holding a line of `holds`, default `answer`)."""

    name: str
    answer: str
    wordings: tuple[str, ...]
    holds: str = ""

    def askable(self, law: Law) -> bool:
        return re.search(self.holds or self.answer, law.text, re.M) is not None


TEMPLATES = (
    Template("purpose", r"^为了?[^。]*制定本", ("为什么要制定{law}", "{law}的立法目的是什么", "{law}的目的是什么",
                                              "{law}的宗旨是什么", "{law}出台的意义", "为什么要出台{law}", "国家为什么要专门出一个{law}",
                                              "出台{law}主要想解决什么问题"), holds=r"为了?[^。]*制定本"),
    Template("effect", r"起施行|施行之日|^\d{4}年\d{1,2}月\d{1,2}日\s*施行", (
        "{law}什么时候施行", "{law}什么时候实施", "{law}哪天起实施", "{law}何时实施", "{law}什么时候生效",
        "{law}什么时候执行"), holds=r"起施行"),
    Template("amended", r"修正|修订", ("{law}修改过吗", "{law}哪年修改的", "{law}最近一次修订是什么时候", "{law}一共改了几次"),
             holds=r"^(?:\d{4}年\d{1,2}月\d{1,2}日|根据).{0,80}(?:修正|修订)"),
    Template("scope", r"适用(?:于)?本|适用于|本(?:条例|法|办法|规定)适用|应当遵守本(?:条例|法|办法|规定)", (
        "{law}的适用范围", "{law}适用于谁", "{law}在什么范围内适用", "哪些人要遵守{law}")),
    Template("penalty", r"罚|警告|责令|处分|吊销|没收|拘留|追究", (
        "违反{law}会怎么处罚", "不遵守{law}有什么后果", "{law}里有哪些罚款规定", "违反{law}要担什么责任")),
    Template("bans", r"禁止|不得|严禁", ("{law}禁止哪些行为", "{law}里有哪些禁止性规定", "{law}不让做什么", "{law}严禁哪些行为")),
    Template("rights", r"权利|有权", ("{law}规定了哪些权利", "根据{law}我有哪些权利"), holds=r"享有下列权利|有权"),
    Template("overseer", r"(?:负责|主管|指导|监督|监管)[^。；]{0,40}?(?:工作|管理|监督)|是[^。；]{0,30}主管部门", (
        "{law}归哪个部门管", "{law}由谁负责监督")),
    Template("definition", r"", ("{term}是什么意思", "什么叫{term}", "{term}包括哪些", "{law}里说的{term}是指什么")),
    Template("duties", r"义务", ("{law}规定了哪些义务", "根据{law}要履行哪些义务"), holds=r"下列义务|的义务"),
    Template("adopted", r"^\d{4}年\d{1,2}月\d{1,2}日.{0,60}(?:通过|批准|公布|发布)$", (
        "{law}是什么时候通过的", "{law}哪年出台的", "{law}是哪天批准的", "{law}是哪一年颁布的"),
             holds=r"^\d{4}年.{0,60}会议(?:通过|批准)$"),
    Template("approved", r"^\d{4}年\d{1,2}月\d{1,2}日.{0,60}批准$", (  # a city's regulation: the province approves it
        "{law}是哪天批准的", "{law}省人大什么时候批准的"), holds=r"^\d{4}年.{0,60}会议批准$"),
    Template("conditions", r"条件", ("{subject}需要什么条件", "{subject}要满足哪些条件", "{subject}的条件是什么")),
    Template("penalty of", r"罚|警告|责令|处分|吊销|没收|拘留|追究", ("违反{law}第{n}条怎么处罚", "{law}第{n}条的罚则"),
             holds=r"违反本(?:条例|法|办法|规定)第[一二三四五六七八九十百]+条"),
)
_CITED = re.compile(r"违反本(?:条例|法|办法|规定)第([一二三四五六七八九十百]+)条(?:第[一二三四五六七八九十]+[款项])*规定")
_CONDITIONED = re.compile(  # who or what a list of conditions is for: 设立幼儿园，应当具备下列条件
    r"(?:^第[一二三四五六七八九十百零]+条\s*|[，。；]|^)([^，。；：:\s]{2,24}?)(?:（[^）]*）)?[，,]?(?:应当|必须)?(?:具备|符合)下列(?:基本)?条件",
    re.M)
_DEFINED = re.compile(r"所称([^，,。、“”（）()]{2,12})，(?:是)?指|（[一二三四五六七八九十]+）([^，,。、“”（）()]{2,10})，是指")


def laws() -> list[Law]:
    found = []
    for path in sorted(REGULATIONS.glob("*.md")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        found.append(Law(text.lstrip("# ").splitlines()[0].strip().removeprefix("中华人民共和国"), text))
    return found


def top(results: Results) -> tuple[str, str]:
    """(text, source title) of the first result, ("", "") when there is none."""
    if not results.hits:
        return "", ""
    return results.hits[0].passage.text, results.hits[0].source.title.removeprefix("中华人民共和国")


Asked = tuple[str, str, bool, str]  # (wording, question, answered by the right shape of sentence, first result)


def ask(searcher: Searcher, template: Template, law: Law) -> list[Asked]:
    """Each wording of `template` asked of `law` (of each term it defines, for a definition)."""
    out = []
    if template.name == "definition":
        for m in _DEFINED.finditer(law.text):
            term = m.group(1) or m.group(2)
            shape = re.compile(re.escape(term) + r"[^。]{0,3}，(?:是)?指|所称" + re.escape(term))
            for wording in template.wordings:
                text, _ = top(searcher.search(q := wording.format(law=law.title, term=term), k=3))
                out.append((wording, q, shape.search(text) is not None, text))
        return out
    if template.name == "conditions":  # each thing a law lists conditions for: the lead-in of that list, from that law
        for subject in dict.fromkeys(_CONDITIONED.findall(law.text)):
            if len(subject) < 4 or subject.startswith(("应当", "但是", "其")) or subject.endswith("且"):
                continue
            for wording in template.wordings:
                results = searcher.search(q := wording.format(subject=subject), k=3)
                hit = results.hits[0] if results.hits else None
                quote = hit.lead + hit.passage.text if hit else ""
                right = hit is not None and "下列" in quote and "条件" in quote and (
                    hit.source.title.removeprefix("中华人民共和国") == law.title)
                out.append((wording, q, right, quote))
        return out
    if template.name == "penalty of":  # each article a penalty cites: the penalty citing it, lead-in and list included
        for n in dict.fromkeys(_CITED.findall(law.text)):
            for wording in template.wordings:
                results = searcher.search(q := wording.format(law=law.title, n=n), k=3)
                hit = results.hits[0] if results.hits else None
                quote = hit.lead + hit.passage.text + hit.list if hit else ""
                out.append((wording, q, f"第{n}条" in quote and re.search(template.answer, quote) is not None, quote))
        return out
    for wording in template.wordings:
        text, title = top(searcher.search(q := wording.format(law=law.title), k=3))
        out.append((wording, q, re.search(template.answer, text, re.M) is not None and title == law.title, text))
    return out


def articles(searcher: Searcher, law: Law, rng: random.Random) -> list[Asked]:
    """Articles asked by number, the law named by its title and without the 省/市 of its place: the item itself."""
    numbers = re.findall(r"^第([一二三四五六七八九十百零]+)条", law.text, re.M)
    out = []
    for number in rng.sample(numbers, min(ARTICLES_ASKED, len(numbers))):
        for wording, name, form in (("{law}第N条", law.title, "第{}条"), ("{place}{law}第N条 (no 省/市)", law.bare, "第{}条"),
                                    ("{law}N条 (no 第)", law.title, "{}条")):
            if name is None:
                continue
            results = searcher.search(q := name + form.format(number), k=3)
            hit = results.hits[0] if results.hits else None
            right = (results.kind == "reference" and hit is not None and hit.passage.section_path.endswith(f"第{number}条")
                     and hit.source.title.removeprefix("中华人民共和国") == law.title)
            out.append((wording, q, right, hit.passage.text if hit else ""))
    return out


_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零]+)条")
_LISTED = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")


def listed_items(text: str) -> list[tuple[str, str]]:
    """(article, item) numbers of every list item of a law, in Chinese numerals, as its lines number them."""
    out, article = [], None
    for line in text.splitlines():
        if m := _ARTICLE.match(line):
            article = m.group(1)
        elif article and (m := _LISTED.match(line)):
            out.append((article, m.group(1)))
    return out


def items(searcher: Searcher, law: Law, rng: random.Random) -> list[Asked]:
    """List items asked by article and item number, in the three ways laws cite one: the item first (after its
    lead-in) among the first two results."""
    found = listed_items(law.text)
    out = []
    for article, item in rng.sample(found, min(ITEMS_ASKED, len(found))):
        for wording in ("{law}第N条第K项", "{law}第N条（K）", "{law}第N条第（K）项"):
            q = wording.replace("{law}", law.title).replace("N", article).replace("K", item)
            results = searcher.search(q, k=3)
            right = results.kind == "reference" and any(
                re.match(rf"[（(]{item}[）)]", h.passage.text) and h.passage.section_path.endswith(f"第{article}条")
                and h.source.title.removeprefix("中华人民共和国") == law.title for h in results.hits[:2])
            out.append((wording, q, right, results.hits[0].passage.text if results.hits else ""))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--lexical", action="store_true", help="words alone on an embedded corpus")
    p.add_argument("--only", nargs="+", default=[],
                   help="templates to ask (default: all, articles by number and list items by number: articles, items)")
    p.add_argument("--misses", type=int, default=3, help="misses shown per wording")
    a = p.parse_args()
    searcher = Searcher.open(a.db, semantic=not a.lexical)
    fixtures = laws()
    asked = [t for t in TEMPLATES if not a.only or t.name in a.only]
    for template in asked:
        rows = [row for law in fixtures if template.askable(law) for row in ask(searcher, template, law)]
        report(template.name, rows, a.misses)
    if not a.only or "articles" in a.only:
        rng = random.Random(7)
        report("articles", [row for law in fixtures for row in articles(searcher, law, rng)], a.misses)
    if not a.only or "items" in a.only:
        rng = random.Random(7)
        report("items", [row for law in fixtures for row in items(searcher, law, rng)], a.misses)


def report(name: str, rows: list[Asked], misses: int) -> None:
    """Per wording: answered / asked, and its first misses (question → first result)."""
    by_wording: dict[str, list[Asked]] = {}
    for row in rows:
        by_wording.setdefault(row[0], []).append(row)
    for wording, found in by_wording.items():
        right = sum(r for _, _, r, _ in found)
        shown = "; ".join([f"{q} → {t[:24]}" for _, q, r, t in found if not r][:misses])
        print(f"{name:<10} {wording:<26} {right:>3}/{len(found):<3} {shown}")


if __name__ == "__main__":
    main()
