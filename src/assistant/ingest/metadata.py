"""What a document states about itself: title, kind, issuer, dates, read from its first lines.

The title is the format's title heading (`# …`, Word Title/Heading 1) or the short unpunctuated lines the
text opens with. The header lines after it (`2020年12月24日浙江省第十三届人民代表大会常务委员会第二十六次
会议通过`, `（…通过　根据…修正）`, `…公布 自…起施行`) give the dates, each kept under its own event
(通过/批准/公布/施行/修订), and the issuer: the body that passed or issued the document, without its
term and session numbers. The kind is the title's ending (条例, 实施方案, 决定 …). Those lines are also the
document's history, quoted under 题注 (history_events) when someone asks when it was passed or amended.

An official document (公文, GB/T 9704) also carries an apparatus around its text: the issuing number
(`浙政办发〔2024〕12号`), the addressees (`各市、县（市、区）人民政府，省政府直属各单位：`), the signature
(issuer lines above a date line: 成文日期, its promulgation date), notes such as `（此件公开发布）` and the
closing block (`抄送：…`, `…2024年3月16日印发`). These are header lines too: metadata, never quoted. A notice that issues another
document (`…关于印发《X》的通知`) is cited by X, its short name, when X heads the text it carries.
A law or government rule may open with the order or announcement that promulgates it (公布令 or 公告: `某省人民政府令`
or `某省人民代表大会常务委员会公告`, `第999号`, `《某省…办法》已经…审议通过，现予公布，自…起施行。`, the signer `省长　某某`
or the organ, the date, then the rule's own title): the rule is what the file holds, so it is titled, kinded and dated by the order, its issuer is the
ordering organ (or, for a 主席令, the body that passed the law), and the order's lines are header lines.
Nothing is guessed: what the document does not state stays empty.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.ingest import legal
from assistant.ingest.kinds import KINDS
from assistant.ingest.cleaning import running_heads
from assistant.ingest.formats import Element

EVENTS = {  # verb → Facts field
    "通过": "passed", "批准": "approved", "公布": "promulgated", "发布": "promulgated", "印发": "promulgated",
    "施行": "effective", "实施": "effective", "修订": "revised", "修正": "revised", "修改": "revised",
}
_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
# A date, the body (words, or a bracketed title that may itself contain 修改), then the event's verb; not a verb
# qualifying what follows it (…批准的《…关于修改…的决定》修正: a city's amendment, dated by the province's approval)
_EVENT = re.compile(rf"{_DATE}((?:《[^》]*》|[^。；;《])*?)(?:第[一二三四五六七八九十]+次)?({'|'.join(EVENTS)})(?!的)")
_EFFECTIVE = re.compile(rf"本(?:{'|'.join(KINDS)})自{_DATE}起(?:施行|实施)")
# In force when promulgated, undated: a header line of its own (公布之日施行) or the closing article (本条例自公布之日起施行)
_ON_PROMULGATION = r"(?:自|从)?(?:公布|发布)之日起?(?:施行|实施|生效)"
_ON_PROMULGATION_LINE = re.compile(rf"^[（(]?{_ON_PROMULGATION}[)）]?$")
_ON_PROMULGATION_ARTICLE = re.compile(rf"本(?:{'|'.join(KINDS)}){_ON_PROMULGATION}")
_ORDER = re.compile(r"(?:令|公告)\s*[（(]?第\s*[0-9一二三四五六七八九十百]+\s*号")
_TAIL = re.compile(r"[（(](?:试行|草案|征求意见稿|\d{4}[—–-]\d{4}年|\d{4}年修订|\d{4}年修正)[)）]$")
_SENTENCE_PUNCT = re.compile(r"[。；！？!?]")
_DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,20}[〔［\[(（]\d{4}[〕］\])）]\d{1,5}号$")
_ORGAN = r"(?:人民政府|政府|办公厅|办公室|委员会|常委会|党委|党组|省委|市委|县委|区委|单位|部门|机构|[局厅委部院署办处])"
_ORGAN_LINE = re.compile(rf"^[\u4e00-\u9fff（）()、]{{2,30}}{_ORGAN}$")
_ADDRESSEES = re.compile(rf"^[^。；！？]{{2,100}}{_ORGAN}[：:]$")
_DATE_LINE = re.compile(rf"^{_DATE}$")
_ATTACHED = re.compile(r"^附件[:：]\S[^。；！？]{0,60}$")
_ATTACHED_MORE = re.compile(r"^[0-9０-９]{1,2}[.．、][^。；！？]{1,60}$")
_BARE_DATE = re.compile(rf"^[（(]{_DATE}[)）]$")
_SPEAKER = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")  # a name on a line of its own
# A speech's or report's occasion under its title (——2024年1月18日在某市第十四届人民代表大会第四次会议上), and the
# salutation its text opens with (各位代表：, 同志们：): neither is quoted.
_OCCASION = re.compile(rf"^[—－-]{{1,2}}(?:{_DATE})?在.{{2,60}}?上(?:的(讲话|报告|工作报告|发言|致辞))?$")
_CONGRESS_PLACE = re.compile(r"在(.{1,12}?[省市县区州])第")
_SALUTATION = re.compile(r"^(?:各位[\u4e00-\u9fff]{1,6}|同志们|朋友们|女士们、?先生们)[：:]$")
_CLOSING = re.compile(rf"^(?:(?:抄送|抄报|发送)[：:].*|.{{0,40}}{_DATE}印发|[（(]此(?:件|页)[^）)]{{2,12}}[）)]"
                      r"|[（(]联系人[：:][^）)]{2,60}[）)])$")
_PRINTED = re.compile(rf"^{_DATE}印发$")
_ISSUING = re.compile(r"(?:印发|转发|颁布)《?([^《》]{4,80}?)》?的通知$")
_TITLE_ISSUER = re.compile(rf"^(.{{2,30}}?{_ORGAN})关于")
# A promulgation order: the ordering organ's line (…令, its number on the same line or the next), the sentence
# promulgating 《the rule》, the signer (省长/总理/主席 … and a name), the date.
_ORDER_HEAD = re.compile(r"^(.{2,30}?)(?:令|公告)(?:[（(]?第[0-9一二三四五六七八九十百零〇]+号[)）]?)?$")
_ORDER_NUMBER = re.compile(r"^[（(]?第[0-9一二三四五六七八九十百零〇]+号[)）]?$")
_PROMULGATING = re.compile(r"^《([^》]{2,80})》.{0,160}?现予(?:公布|发布)")
# An official document's 版头 above its title (GB/T 9704): the masthead (某省人民政府文件, or the organ's name; a joint
# one names each organ on a line, 文件 beside them), the issuing number, and in a report to a superior 签发人：某某.
_MASTHEAD = re.compile(rf"^(?:[\u4e00-\u9fff（）()、]{{2,60}}?(?:{_ORGAN})(?:文件)?|文件)$")
_GAZETTE = re.compile(r"^[\u4e00-\u9fff]{2,30}公报$")
_SIGNED_BY = re.compile(r"签发人[：:]\S{0,20}$")
_SIGNER = re.compile(r"^.{0,12}?(?:代?(?:省长|市长|州长|县长|区长|主席|总理|部长|主任|署长|局长|院长))[\u4e00-\u9fff·]{2,6}$")
SIGNATURE_LINES = 3  # issuer lines above a signature's date: a joint document has several
TITLE_MAX = 80
TITLE_LINES = 4
HEADER_LINES = 24  # a law amended many times lists each amendment on a line of its own


@dataclass
class Facts:
    title: str = ""
    kind: str = ""
    issuer: str = ""
    date: str = ""
    passed: str = ""
    approved: str = ""
    promulgated: str = ""
    effective: str = ""
    revised: str = ""
    short: str = ""  # the name the document is cited by when its title is not it (a 印发 notice's X)
    history: list[str] = field(default_factory=list)  # header lines as printed


def kind_of(title: str) -> str:
    """The kind a title's ending names (`…优化营商环境条例` → 条例), ignoring `（试行）`-style tails."""
    core = _TAIL.sub("", re.sub(r"\s+", "", title))
    return next((k for k in KINDS if core.endswith(k)), "")


def issuer_of(body: str) -> str:
    """`上海市第十五届人民代表大会常务委员会第二十次会议` → `上海市人民代表大会常务委员会`."""
    body = re.sub(r"\s+", "", body).lstrip("由经在")
    body = re.sub(r"第[一二三四五六七八九十百0-9]+届", "", body)
    body = re.sub(r"第[一二三四五六七八九十百0-9]+次(?:全体|常务)?会议$", "", body)
    body = _ORDER.sub("", body)
    body = re.sub(r"(?:会议|全体会议)$", "", body)
    return body if 2 <= len(body) <= 40 and not re.search(r"[《》，,]", body) else ""


def _iso(m: re.Match) -> str:
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def read_events(text: str, facts: Facts) -> bool:
    """Fill `facts` from one header text; True when it held at least one dated event."""
    found = False
    for m in _EVENT.finditer(text):
        found = True
        name, date = EVENTS[m.group(5)], _iso(m)
        if name == "revised":
            facts.revised = max(facts.revised, date)
        elif not getattr(facts, name):
            setattr(facts, name, date)
        if name in ("passed", "promulgated") and not facts.issuer:
            facts.issuer = issuer_of(m.group(4))
    return found


def history_events(header: list[str] | tuple[str, ...]) -> list[str]:
    """The header lines recording a dated event of the document's life (…会议通过, …修正, …公布, …施行), as
    printed: its history, quoted (题注) when someone asks when it was passed or amended; so is the order that
    promulgated it, its number and its signature each one line even when printed on two (某省人民政府令 第999号:
    第几号令 asks for it; 省长 某某 2024年3月10日: when it was promulgated). Addressees, a 公文's signature and its
    closing block (…印发) stay metadata only."""
    flat = [(" ".join(h.split()), re.sub(r"\s+", "", h)) for h in header]
    out = []
    for n, (line, f) in enumerate(flat):
        after = flat[n + 1] if n + 1 < len(flat) else ("", "")
        if _ORDER_HEAD.match(f) and _ORDER_NUMBER.match(after[1]) or _SIGNER.match(f) and _DATE_LINE.match(after[1]):
            out.append(f"{line} {after[0]}")  # 某省人民政府令 第999号, 省长 某某 2024年3月10日
        elif (_EVENT.search(f) and not _CLOSING.match(f) or _ORDER_HEAD.match(f) and _ORDER.search(f)
              or _ON_PROMULGATION_LINE.match(f)):
            out.append(_balanced(line))
    return out


def leading_history(texts: list[str]) -> int:
    """How many of a document's opening paragraphs are history lines printed in its text (a 决定's
    `（2022年12月19日…全体会议通过）` under its title): each records a dated event and is no sentence (no ，。；！？
    outside 《》), as `2024年1月20日，省委常委会审议通过…` in an article's first line is."""
    n = 0
    while n < len(texts) and history_events([texts[n]]) and not re.search(r"[，,。；！？!?]", re.sub(r"《[^》]*》", "", texts[n])):
        n += 1
    return n


def _balanced(line: str) -> str:
    """A header line without the half of a bracket its neighbour line holds (`…会议批准）` of a `（…通过` above)."""
    if line[:1] in "（(" and not re.search(r"[）)]", line):
        line = line[1:]
    if line[-1:] in "）)" and not re.search(r"[（(]", line):
        line = line[:-1]
    return line


def is_header(text: str) -> bool:
    """A header line: dated events (通过/公布/施行 …), an order/announcement number or the undated 公布之日施行, not a
    body sentence."""
    flat = re.sub(r"\s+", "", text)
    if len(flat) > 400:
        return False
    return (bool(_EVENT.search(flat)) and not legal.ARTICLE.match(flat) or bool(_ORDER.search(flat) and len(flat) <= 60)
            or _ON_PROMULGATION_LINE.match(flat) is not None)


def _title_line(text: str) -> bool:
    flat = re.sub(r"\s+", "", text)
    return (
        0 < len(flat) <= TITLE_MAX and not _SENTENCE_PUNCT.search(flat) and not legal.starts_unit(flat)
        and not is_header(flat) and not _ADDRESSEES.match(flat)
    )


def _without_running_heads(elements: list[Element]) -> list[Element]:
    """The non-empty elements but a PDF's running headers and footers, which sit above the title; a head
    that is the title itself, printed again beside it, stays (the title lines below read it once)."""
    items, paged, page = [], [], 0
    for e in elements:
        page += e.page_start
        if e.text.strip():
            items.append(e)
            paged.append((page, e.text.strip()))
    texts = [text for _page, text in paged]

    def doubled(i: int) -> bool:
        return texts[i] in texts[max(i - 1, 0) : i] + texts[i + 1 : i + 2]

    doomed = {i for i in running_heads(paged) if not doubled(i)}
    return [e for i, e in enumerate(items) if i not in doomed]


def read_facts(elements: list[Element]) -> Facts:
    """Title, kind, dates, issuer and header lines of a document (see module doc)."""
    facts = Facts()
    items = _without_running_heads(elements)
    if _gazette_masthead(items):  # printed in a gazette: its name heads the page (a running head of one page only)
        facts.history.append(_flat(items[0].text))
        items = items[1:]
    i = _promulgation_order(items, facts) or _version_head(items, facts)  # (the order's title line is skipped below)
    order_lines = len(facts.history)
    head = i  # the title's lines start after the order or the 版头
    if not facts.title and any(e.heading == 1 for e in items[head : head + 3]):
        while i < len(items) and items[i].heading != 1:
            i += 1
        facts.title = " ".join(items[i].text.split())
        i += 1
        # a long title typed over several paragraphs of the title's style (…关于 / 加强…的决定): joined when the
        # paragraphs after it end in the kind it lacks (not a body heading of the same style under a kindless title)
        more = []
        while (len(more) < TITLE_LINES - 1 and not kind_of(facts.title + "".join(more)) and i + len(more) < len(items)
               and items[i + len(more)].heading == 1 and _title_line(items[i + len(more)].text)):
            more.append(" ".join(items[i + len(more)].text.split()))
        if more and kind_of(facts.title + "".join(more)):
            facts.title += "".join(more)
            i += len(more)
    elif not facts.title:
        lines = []
        while (i < min(len(items), head + TITLE_LINES) and _title_line(items[i].text) and not items[i].heading > 1
               and not (lines and _OCCASION.match(_flat(items[i].text)))):  # ——在…上的讲话 is no part of the title
            lines.append(items[i].text.strip())
            i += 1
            if kind_of(lines[-1]):
                break
        facts.title = re.sub(r"\s+", "", "".join(lines)) if lines else ""
    while i < len(items) and re.sub(r"\s+", "", items[i].text) == re.sub(r"\s+", "", facts.title):
        i += 1  # the title printed again (a PDF's running header above it)
    i, dated, spoken = _delivery(items, i, facts)
    start = i
    while i < min(len(items), start + HEADER_LINES):
        text = items[i].text.strip()
        opens_bracket = text.startswith(("（", "(")) and not text.endswith(("）", ")"))
        apparatus = _DOC_NUMBER.match(_flat(text)) or _ADDRESSEES.match(_flat(text))
        if not (is_header(text) or apparatus or opens_bracket or (facts.history and _continues(facts.history))):
            break
        _add_header_line(facts.history, items[i], joins=i > start)
        i += 1
    read_events("".join(facts.history[order_lines:]), facts)  # a PDF wraps a header line anywhere, even in 通|过
    _read_apparatus(items[i:], facts)
    if not facts.effective:  # 本条例自2021年3月1日起施行: the closing article states when it takes effect;
        # read across items, as a PDF line may end inside it (本意见自2025年3 | 月1日起施行)
        body = "".join(re.sub(r"\s+", "", e.text) for e in items)
        found = list(_EFFECTIVE.finditer(body))
        facts.effective = _iso(found[-1]) if found else ""
        if not facts.effective and (any(_ON_PROMULGATION_LINE.match(_flat(h)) for h in facts.history)
                                    or _ON_PROMULGATION_ARTICLE.search(body)):
            facts.effective = facts.promulgated  # (公布之日施行: in force the day it was promulgated)
    facts.kind = kind_of(facts.short or facts.title) or spoken
    facts.date = (facts.revised or facts.passed or facts.promulgated or facts.approved or facts.effective
                  or (_iso(dated) if dated and dated.group(1) else ""))
    return facts


def _promulgation_order(items: list[Element], facts: Facts) -> int:
    """The lines of the order promulgating the rule the file holds (see module doc), into `facts` (title, issuer,
    promulgation date, header lines); 0 when the file opens with no such order."""
    flats = [_flat(e.text) for e in items[:9]]
    head = _ORDER_HEAD.match(flats[0]) if flats else None
    if head is None:
        return 0
    i = 2 if len(flats) > 1 and _ORDER_NUMBER.match(flats[1]) else 1
    # the promulgating sentence, over several lines when a PDF wraps it
    end = next((j for j in range(i + 1, min(len(flats), i + 4) + 1) if "".join(flats[i:j]).endswith("。")), i + 1)
    rule = _PROMULGATING.match("".join(flats[i:end])) if i < len(flats) else None
    if rule is None:
        return 0
    sentence_end = end
    if end < len(flats) and (_SIGNER.match(flats[end]) or _ORGAN_LINE.match(flats[end])):  # 省长 某某, or the organ
        end += 1
    if end < len(flats) and _DATE_LINE.match(flats[end]):
        facts.promulgated = _iso(_DATE_LINE.match(flats[end]))
        end += 1
    facts.title = rule.group(1)
    organ = _ORDER_NUMBER.sub("", head.group(1))
    facts.issuer = organ if _ORGAN_LINE.match(organ) else ""  # 主席令: the law's passing body, from its header
    read_events("".join(flats[i:sentence_end]), facts)  # (alone: the signature's date would run into the next line)
    for n, e in enumerate(items[:end]):
        _add_header_line(facts.history, e, joins=i < n < sentence_end)
    return end


def _delivery(items: list[Element], i: int, facts: Facts) -> tuple[int, re.Match | None, str]:
    """The lines under a speech's, report's or article's title saying when, where and by whom it was delivered, in
    the order printed: its date （2024年2月18日）, its occasion (——2024年1月18日在某市…会议上, ——在全省…大会上的讲话),
    the speaker (某某, 某市市长 某某: the issuer of a speech or report) and the salutation (各位代表：): header lines.
    Returns where the text goes on, the match that dates it (None when none does) and the kind an occasion line
    names (讲话 of …大会上的讲话) for a title that names none."""
    dated, spoken = None, ""
    while i < len(items):
        flat, line = _flat(items[i].text), " ".join(items[i].text.split())
        when = _BARE_DATE.match(flat) or _OCCASION.match(flat)
        if when and not (dated and dated.group(1)):
            dated = when if when.group(1) or dated is None else dated
            if when.re is _OCCASION and when.group(4):
                spoken = spoken or when.group(4)
            facts.short = facts.short or _occasion_short(facts.title, when)
        elif (dated and not facts.issuer and (kind_of(facts.title) or spoken).endswith(("讲话", "报告"))
              and (_SPEAKER.match(flat) or _SIGNER.match(flat))):
            facts.issuer = line
        elif not (dated and _SALUTATION.match(flat)):
            break
        facts.history.append(line)
        i += 1
    return i, dated, spoken


def _occasion_short(title: str, occasion: re.Match) -> str:
    """A 简称 for a document titled by its kind alone (政府工作报告), from the year and the place of the congress it was
    delivered to (——2024年1月18日在某市第十四届人民代表大会…上 → 2024年某市政府工作报告): every city's report bears that
    title, and a question on the city's figures asks for the city's."""
    place = _CONGRESS_PLACE.search(occasion.group(0))
    if title != kind_of(title) or place is None or not occasion.group(1):
        return ""
    return f"{occasion.group(1)}年{place.group(1)}{title}"


def _gazette_masthead(items: list[Element]) -> bool:
    """Whether the first line names the gazette the document is printed in (某省人民代表大会常务委员会公报) above its
    title or promulgating order: a 公报 that is the document itself (…统计公报) has its text below it, not a title."""
    if len(items) < 2 or not _GAZETTE.match(_flat(items[0].text)) or not _title_line(items[1].text):
        return False
    below = _flat(items[1].text)
    return bool(kind_of(below) or _ORDER_HEAD.match(below))


def _version_head(items: list[Element], facts: Facts) -> int:
    """The lines of an official document's 版头 above its title (masthead, issuing number, 签发人) into the header
    lines, the masthead naming the issuer; 0 when no issuing number is found within its first lines under a
    masthead (a document opening with its title: its number, if any, is read with the apparatus)."""
    flats = [_flat(e.text) for e in items[:4]]
    number = next((n for n, f in enumerate(flats) if _DOC_NUMBER.match(_SIGNED_BY.sub("", f))), None)
    if not number or not all(_MASTHEAD.match(f) for f in flats[:number]):
        return 0
    end = number + 1 + bool(number + 1 < len(flats) and _SIGNED_BY.fullmatch(flats[number + 1]))
    facts.issuer = flats[0].removesuffix("文件")
    facts.history += [" ".join(e.text.split()) for e in items[:end]]
    return end


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _read_apparatus(body: list[Element], facts: Facts) -> None:
    """The official-document apparatus in the body (see module doc): issuing number, addressees, signature
    and closing block go to the header lines; the signature gives issuer and promulgation date when the
    header did not; the title of an issued document, heading the text it carries, becomes the short name."""
    flats = [_flat(e.text) for e in body]
    kept: set[int] = set()
    for i, flat in enumerate(flats):
        if _DOC_NUMBER.match(flat) or _CLOSING.match(flat) or i < 2 and _ADDRESSEES.match(flat):
            kept.add(i)
            if _PRINTED.match(flat) and i and _ORGAN_LINE.match(flats[i - 1]):
                kept.add(i - 1)  # the printing organ, printed apart from its date (a PDF's line split at the gap)
        elif _ATTACHED.match(flat) or i - 1 in kept and _ATTACHED.match(flats[i - 1]) and _ATTACHED_MORE.match(flat):
            kept.add(i)  # 附件：1.重点任务分工表 / 2.…: the list of what is attached, above the signature
        elif _DATE_LINE.match(flat) and i and _ORGAN_LINE.match(flats[i - 1]):
            signers = [j for j in range(i - 1, max(i - 1 - SIGNATURE_LINES, -1), -1) if _ORGAN_LINE.match(flats[j])]
            signers = signers[: next((n for n, j in enumerate(signers) if j != i - 1 - n), len(signers))]
            kept.update([i, *signers])
            facts.promulgated = facts.promulgated or _iso(_DATE_LINE.match(flat))
            facts.issuer = facts.issuer or flats[signers[-1]]
    issued = _ISSUING.search(_flat(facts.title))
    if issued:
        heading = next((i for i, flat in enumerate(flats) if flat.strip("《》") == issued.group(1)), None)
        if heading is not None:
            kept.add(heading)
            facts.short = issued.group(1)
    issuer = _TITLE_ISSUER.match(_flat(facts.title))
    facts.issuer = facts.issuer or (issuer.group(1) if issuer else "")
    facts.history += [" ".join(body[i].text.split()) for i in sorted(kept)]


def _add_header_line(history: list[str], item: Element, joins: bool) -> None:
    """One header line, as printed; a line of hard-wrapped text (PDF) that carries on the one before (its bracket
    still open, or the sentence it is part of: `joins`) is joined to it, so that the line is quoted whole."""
    text = " ".join(item.text.split())
    if item.wrapped and history and (joins or _continues(history[-1:])):
        history[-1] += text
    else:
        history.append(text)


def _continues(history: list[str]) -> bool:
    """An open bracket in the header so far: the next line still belongs to it."""
    text = "".join(history)
    return text.count("（") + text.count("(") > text.count("）") + text.count(")")
