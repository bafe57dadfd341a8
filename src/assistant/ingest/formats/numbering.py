"""Word's automatic numbering rebuilt as the reader sees it.

A numbered paragraph's text is "养犬人应当…" while Word shows "第一条　养犬人应当…": the number lives in
numbering.xml (the paragraph's or its style's w:numPr → w:num → w:abstractNum level: w:numFmt, w:lvlText
such as "第%1条", w:start, w:lvlRestart; w:num's w:lvlOverride/w:startOverride). python-docx returns the
literal text only, so a regulation typed with Word's list numbering would lose its 章/条/项. `Numbering`
walks the paragraphs in document order and keeps one counter per abstract list and level, as Word does
(numbering instances that share an abstract list continue each other unless one overrides its start), so
structure detection sees the same text a reader sees. A .doc's list tables (doc.py) fill the same
definitions through `define` and `instance` and are counted by `number`, so both formats number alike.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
LEVELS = 9
_PLACEHOLDER = re.compile(r"%([1-9])")
_SUFFIX = {"tab": " ", "space": " ", "nothing": ""}


@dataclass(frozen=True)
class Level:
    fmt: str = "decimal"  # w:numFmt
    text: str = ""  # w:lvlText: "第%1条", "（%1）", "%1.%2"
    start: int = 1
    restart: int | None = None  # w:lvlRestart: restart after this 1-based level; None = any shallower; 0 = never
    suffix: str = " "  # what Word puts between the number and the text (a tab shows as a space)
    legal: bool = False  # w:isLgl: every level's number shown in decimal
    style: str = ""  # w:pStyle: the paragraph style bound to this level


@dataclass(frozen=True)
class Style:
    name: str
    based_on: str | None
    num_id: str | None  # the style's own numbering (a heading style linked to 第%1章)
    ilvl: int | None
    outline: int | None  # w:outlineLvl: 0 = a level-1 heading, 9 = body text


class Styles:
    """The paragraph styles of a document, with what each inherits through its basedOn chain."""

    def __init__(self, root: etree._Element | None):
        self.by_id: dict[str, Style] = {}
        self.default: str | None = None
        for s in root.iter(W + "style") if root is not None else ():
            if s.get(W + "type") not in ("paragraph", "numbering"):  # a numbering style defines a list
                continue
            sid = s.get(W + "styleId")
            num_pr = s.find(f"{W}pPr/{W}numPr")
            self.by_id[sid] = Style(_val(s, "name") or "", _val(s, "basedOn"), _val(num_pr, "numId"),
                                    _int(_val(num_pr, "ilvl")), _int(_val(s.find(W + "pPr"), "outlineLvl")))
            if s.get(W + "default") in ("1", "true") and s.get(W + "type") == "paragraph":
                self.default = sid

    def chain(self, style_id: str | None) -> Iterator[Style]:
        """The style and the styles it is based on, nearest first."""
        seen: set[str] = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            yield self.by_id[style_id]
            style_id = self.by_id[style_id].based_on

    def heading(self, style_id: str | None, by_name: Callable[[str], int]) -> int:
        """Heading level a style gives: by its name (Heading 1, 标题 1, Title) or outline level, inherited."""
        for style in self.chain(style_id):
            if level := by_name(style.name):
                return level
            if style.outline is not None and 0 <= style.outline < 9:
                return style.outline + 1
        return 0

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        """numId and ilvl a paragraph style gives (inherited through basedOn)."""
        num_id = ilvl = None
        for style in self.chain(style_id):
            num_id = num_id if num_id is not None else style.num_id
            ilvl = ilvl if ilvl is not None else style.ilvl
        return num_id, ilvl


@dataclass
class _Instance:
    """A w:num: the abstract list it counts in, and its w:lvlOverride start values and level definitions."""

    abstract: str
    starts: dict[int, int] = field(default_factory=dict)
    levels: dict[int, etree._Element | Level] = field(default_factory=dict)  # a .doc's LFO gives whole Levels


@dataclass
class _List:
    """Counters of one abstract list: the current value per level, None before its first use."""

    counts: list[int | None] = field(default_factory=lambda: [None] * LEVELS)
    starts: dict[int, int] = field(default_factory=dict)  # start overrides in force


def _val(el: etree._Element | None, child: str) -> str | None:
    if el is None:
        return None
    found = el.find(W + child)
    return None if found is None else found.get(W + "val")


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _level(lvl: etree._Element, base: Level | None = None) -> Level:
    base = base or Level()
    suffix = _val(lvl, "suff")
    return Level(
        fmt=_val(lvl, "numFmt") or base.fmt,
        text=_val(lvl, "lvlText") if lvl.find(W + "lvlText") is not None else base.text,
        start=_int(_val(lvl, "start"), base.start),
        restart=_int(_val(lvl, "lvlRestart"), base.restart),
        suffix=_SUFFIX.get(suffix, " ") if suffix else base.suffix,
        legal=lvl.find(W + "isLgl") is not None and _val(lvl, "isLgl") not in ("0", "false") or base.legal,
        style=_val(lvl, "pStyle") or base.style,
    )


class Numbering:
    """The numbering definitions of one document and the counters of a walk through its paragraphs."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None):
        self._abstract: dict[str, dict[int, Level]] = {}
        self._style_link: dict[str, str] = {}  # abstract id → numbering style it takes its levels from
        self._nums: dict[str, _Instance] = {}
        self.styles = Styles(styles)
        self._lists: dict[str, _List] = {}
        self._used: set[str] = set()
        if numbering is not None:
            self._read_numbering(numbering)

    def _read_numbering(self, root: etree._Element) -> None:
        for a in root.iter(W + "abstractNum"):
            aid = a.get(W + "abstractNumId")
            self._abstract[aid] = {_int(lvl.get(W + "ilvl"), 0): _level(lvl) for lvl in a.iter(W + "lvl")}
            if link := _val(a, "numStyleLink"):
                self._style_link[aid] = link
        for num in root.iter(W + "num"):
            instance = _Instance(_val(num, "abstractNumId") or "")
            for override in num.iter(W + "lvlOverride"):
                ilvl = _int(override.get(W + "ilvl"), 0)
                if (start := _int(_val(override, "startOverride"))) is not None:
                    instance.starts[ilvl] = start
                if (lvl := override.find(W + "lvl")) is not None:
                    instance.levels[ilvl] = lvl
            self._nums[num.get(W + "numId")] = instance

    def _levels(self, num_id: str) -> tuple[str, dict[int, Level]] | None:
        """The abstract list a numbering instance counts in, and its levels with the instance's overrides."""
        if num_id not in self._nums:
            return None
        aid = self._nums[num_id].abstract
        for _ in range(3):  # a list defined by a numbering style: follow the style to its list
            link = self._style_link.get(aid)
            linked = self.styles.numbering(link)[0] if link else None
            if not linked or linked not in self._nums:
                break
            aid = self._nums[linked].abstract
        if aid not in self._abstract:
            return None
        levels = dict(self._abstract[aid])
        for ilvl, lvl in self._nums[num_id].levels.items():
            levels[ilvl] = lvl if isinstance(lvl, Level) else _level(lvl, levels.get(ilvl))
        return aid, levels

    def label(self, p: etree._Element) -> str:
        """The number Word shows before paragraph `p` with its separator ("第一条 "), "" for none; advances
        the counters, so call it once per paragraph, in document order."""
        p_pr = p.find(W + "pPr")
        num_pr = p_pr.find(W + "numPr") if p_pr is not None else None
        style = _val(p_pr, "pStyle") or self.styles.default
        num_id, ilvl = _val(num_pr, "numId"), _int(_val(num_pr, "ilvl"))
        style_num, style_ilvl = self.styles.numbering(style)
        num_id = num_id if num_id is not None else style_num
        return self.number(num_id, ilvl if ilvl is not None else style_ilvl, style)

    def define(self, abstract_id: str, levels: dict[int, Level]) -> None:
        """Add an abstract list (a .doc's LSTF with its LVLs)."""
        self._abstract[abstract_id] = levels

    def instance(self, num_id: str, abstract_id: str, starts: dict[int, int] | None = None,
                 levels: dict[int, Level] | None = None) -> None:
        """Add a numbering instance of an abstract list (a .doc's LFO): its start and level overrides."""
        self._nums[num_id] = _Instance(abstract_id, dict(starts or {}), dict(levels or {}))

    def number(self, num_id: str | None, ilvl: int | None, style: str | None = None) -> str:
        """The label of a paragraph in numbering instance `num_id` at level `ilvl` (None: the level bound to
        paragraph style `style`, else 0), as `label`; advances the counters."""
        if not num_id or num_id == "0":
            return ""
        found = self._levels(num_id)
        if found is None:
            return ""
        aid, levels = found
        if ilvl is None:  # a style bound to a level of the list (w:pStyle in the level)
            ilvl = next((n for n, lvl in levels.items() if style and lvl.style == style), 0)
        ilvl = min(max(ilvl, 0), LEVELS - 1)
        state = self._lists.setdefault(aid, _List())
        if num_id not in self._used:  # an instance that restarts the list (Word's "restart numbering")
            self._used.add(num_id)
            for n, start in self._nums[num_id].starts.items():
                if 0 <= n < LEVELS:
                    state.counts[n] = None
                    state.starts[n] = start
        level = levels.get(ilvl, Level())
        self._advance(state, levels, ilvl)
        if level.fmt == "bullet":
            return ""  # a bullet is not text a reader would quote
        shown = _PLACEHOLDER.sub(lambda m: self._render(state, levels, int(m.group(1)) - 1, level.legal), level.text)
        if not shown.strip():
            return ""
        # Word's tab or space after the number; a number closed by punctuation (一、 （一） 1.) needs none in text
        return shown if unicodedata.category(shown[-1]).startswith("P") else shown + level.suffix

    def _start(self, state: _List, levels: dict[int, Level], n: int) -> int:
        return state.starts.get(n, levels.get(n, Level()).start)

    def _advance(self, state: _List, levels: dict[int, Level], ilvl: int) -> None:
        current = state.counts[ilvl]
        state.counts[ilvl] = self._start(state, levels, ilvl) if current is None else current + 1
        for deeper in range(ilvl + 1, LEVELS):
            restart = levels.get(deeper, Level()).restart
            if restart is None or (restart and ilvl + 1 <= restart):
                state.counts[deeper] = None
                state.starts.pop(deeper, None)

    def _render(self, state: _List, levels: dict[int, Level], n: int, legal: bool) -> str:
        value = state.counts[n]
        value = self._start(state, levels, n) if value is None else value
        fmt = levels.get(n, Level()).fmt
        return format_number(value, "decimal" if legal and fmt != "none" else fmt)


def paragraph_numbering(document) -> Numbering:
    """The numbering of a python-docx Document (empty when it has no numbering part)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    part = document.part
    numbering = next((r.target_part for r in part.rels.values() if r.reltype == RT.NUMBERING and not r.is_external),
                     None)
    if numbering is None:
        return Numbering(None, document.styles.element)
    root = numbering.element if hasattr(numbering, "element") else etree.fromstring(numbering.blob)
    return Numbering(root, document.styles.element)


_CN = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def chinese_counting(n: int, digits: str = _CN, units: str = "十百千", zero: str = "零", tens_alone: bool = True) -> str:
    """A number in Chinese counting: 十, 十一, 二十一, 一百零一, 一百一十, 一千二百六十 (with 万 above)."""
    if n <= 0:
        return digits[0]
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = "" if low == 0 else (zero if low < 1000 else "") + chinese_counting(low, digits, units, zero, False)
        return chinese_counting(high, digits, units, zero, tens_alone) + "万" + rest
    out, pending_zero = "", False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d = n // power % 10
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += zero
            pending_zero = False
        out += digits[d] + unit
    if tens_alone and 10 <= n < 20:
        out = out[1:]  # 十一, not 一十一
    return out


def format_number(n: int, fmt: str) -> str:
    """`n` as Word shows it in number format `fmt` (w:numFmt); an unknown format shows decimal, as in Word."""
    if fmt == "none":
        return ""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand"):
        return chinese_counting(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return chinese_counting(n, _CN_LEGAL, "拾佰仟", tens_alone=False)
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join(_CN[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12]
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt in ("upperLetter", "lowerLetter") and n >= 1:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and 1 <= n < 4000:
        roman = ""
        for value, symbol in _ROMAN:
            count, n = divmod(n, value)
            roman += symbol * count
        return roman if fmt == "upperRoman" else roman.lower()
    return str(n)

