"""Query understanding: from what a cadre types to weighted terms, filters and phrases.

Syntax: “…” or "…" or 「…」 = exact phrase; -词 = exclude passages containing 词; @简称 or @id = only that
source. Question scaffolding (什么/如何/多少/吗 …) is dropped, context words (今年/省里/政府工作报告 …)
are matched against document titles and section headings instead of the sentence, and curated
abbreviations (共富 → 共同富裕 …), mined ones, and the corpus terms a word no passage holds abbreviates
(物业费 → 物业服务费用) add their expansions at a weight below the user's own words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from assistant.search.lexicon import GAP, QueryWords
from assistant.search.normalize import normalize
from assistant.search.numerals import numeral_keys
from assistant.search.slogans import slogan_parts
from assistant.search.tokenizer import Tokenizer, bigrams

EXPANSION_WEIGHT = 0.6
MAX_GAP = 4  # characters of the question a gapped key (lexicon.GAP) lets stand between its parts
PASTED = 80  # characters beyond which a query is a pasted text: its quotation marks quote, they ask no exact phrase
NUMERAL_WEIGHT = 1.0
MAX_KEY = 12  # longest mined key looked up (characters)
MAX_SPELLED_OUT = 2  # corpus terms a word no passage holds may stand for (the most used)
YEAR_WEIGHT = 0.3

_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_PHRASE = re.compile(r"[“\"「『]([^”\"」』]+)[”\"」』]")
_SOURCE = re.compile(r"(?:^|\s)@(\S+)")
_EXCLUDE = re.compile(r"(?:^|\s)-(\S+)")
_YEAR = re.compile(r"(?:19|20)\d\d年?")
# Where a run of words ends in any case: words across a comma or a list's 、 are no phrase (在安吉，保姆…; 住房、教育)
_CLAUSE_BREAK = re.compile(r"[\s,，。;；:：?？!！、]+")
# An aspect particle inside a separable verb phrase (喝了酒, 吃过饭, 看过病): the phrase without it (喝酒) is
# the key a lexicon lists; keys are looked up in the text with and without such particles.
_ASPECT = re.compile(r"(?<=[\u4e00-\u9fff])[了过着](?=[\u4e00-\u9fff])")
# A question asking what a term is: its answer names the term in “…” (the sentence that states it).
_DEFINITION = re.compile(r"是啥|是什么|什么是|啥是|啥意思|什么意思|指什么|指哪|指的是|含义|内涵|定义|怎么界定|怎么理解|如何理解"
                         r"|什么叫|啥叫|何谓|指啥|咋理解"  # (什么叫医疗纠纷, 何谓家庭教育: the same question, worded so)
                         r"|包括谁|都有谁|指谁|包括哪些|包括什么|包括啥|包含哪些"  # (who or what a term covers: 近亲属包括谁 → 近亲属，是指父母、配偶…)
                         r"|算不算|属不属于"  # (whether a case falls under a term: 单位大院算不算道路 → 道路，是指…)
                         # (what qualifies as a term: 什么样的树能算名木, 哪些幼儿园算公办幼儿园 → 名木是指…, 公办幼儿园是指…)
                         r"|(?:什么样|怎样|怎么样|啥样|哪些|哪种|哪类)[^，。？?！!\s]{0,8}?(?:才|能|可以)?算(?![数账钱])")
# A question asking for several things: its answer enumerates them.
_LIST = re.compile(r"哪些|哪几|哪[两二三四五六七八九十]|有几|几[个项大条类种方面]|包括|分别|都有")
# A question asking when: its answer states a date or a period.
_TIME = re.compile(r"什么时候|啥时候|几时|何时|哪天|哪一天|哪年|几月|几号|什么时间|多久|多长时间|期限")
# A question asking when a rule takes effect (这个条例什么时候实施, 哪天起执行, 实施日期): laws state it one way,
# 本条例自…起施行, whichever verb the user says; the verb said gains that phrase as an expansion.
TAKES_EFFECT = re.compile(r"(?:什么时候|啥时候|何时|几时|哪天|哪一天|哪年|哪一年|几月|几号|什么时间|从哪|起)[^，。？?\s]{0,6}?"
                           r"(实施|执行|实行|施行|生效)|(实施|施行|生效)(?:的)?(?:日期|时间|日子)")
LAWS_SAY_EFFECT = "起施行"
# A question asking what a rule forbids (禁止哪些行为, 有哪些禁止性规定, 哪些事不能做, 不让干什么; not 能不能做, which
# asks whether one may): laws write 禁止 or 不得, one law the one, another the other; the word said gains both.
_FORBIDS = re.compile(r"禁止性|(?<![能可])不(?:能|让|许|准)(?:做|干)|(?:禁止|严禁)(?:做|干)?(?:哪些|哪几|什么|啥)")
LAWS_SAY_FORBIDDEN = ("禁止", "不得")
# A question asking what rights a rule gives (有哪些权利, 享有什么权利): laws grant them as 有权… or 享有…权利.
_RIGHTS = re.compile(r"(?:哪些|什么|啥|几项|哪几)权利|权利(?:有哪些|是什么|包括)")
LAWS_SAY_RIGHTS = ("有权", "享有")
# A question asking whether something costs the asker money (要交钱吗, 要自己掏钱吗, 能免费吗, 收不收费): laws say so as
# 收取…费用, 免费, 无偿 (不得收取任何费用, 免费予以更换), seldom in the asker's words.
# (花钱买…, 收钱怎么罚: money in an act asked about, not a fee asked of)
_FEES = re.compile(r"[交花掏给收付要]钱(?=[吗么嘛呢?？]|$)|要不要(?:自己)?[交花掏给收付]钱|收不收[费钱]|收费[吗么]|免费[吗么]|能免费"
                   r"|是否(?:收费|免费)|自费")
LAWS_SAY_FEES = ("费用", "收取", "免费", "无偿")
# A question asking what happens to whoever breaks a rule: its answer states the penalty.
# (违法吗/违不违法 asks whether an act is allowed, not what befalls it: _PERMISSION)
_SANCTION = re.compile(r"罚|处分|惩|追究|后果|法律责任|被.{0,3}处理|吊销|没收|拘留|坐牢|判刑"
                       r"|(?<!违不)(?<!是否)(?:违法|违规)(?![吗么嘛])"
                       r"|(?:违反|不遵守|不按)[^，。？?]{1,24}?(?:担|负|承担)[^，。？?]{0,4}责任")  # (违反X要担什么责任: its penalties)
# A question asking what to do about a problem (单位不给开证明怎么办, 装修扰民怎么处理): a penalty for whoever
# caused it (由…部门责令改正) answers it as well as a rule does (see ranking's unasked_sanction).
_RECOURSE = re.compile(r"怎么办(?!理)|咋办|怎么处理|如何处理|怎样处理|怎么解决|如何解决|管不管|有人管吗|没人管")
# A question asking who is in charge (由谁/哪个部门): its answer names them (由…负责, 属于…). (适用于谁 asks whom a
# law applies to, 谁要遵守 who must comply: its scope article, 适用本条例, names no one in charge.)
_AGENT = re.compile(r"(?<!适用于)谁(?!适用|(?:要|应当|应该|得|需要)?遵守)|哪个部门|哪些部门|什么部门|哪个单位|哪家|什么机构|哪个机构|归哪|哪级")
# A question asking who oversees a field (归哪个部门管, 由谁监督, 主管部门是哪个, 执法部门是谁, 归民政局管吗): its answer is the
# article assigning that duty (…部门负责本行政区域内…的监督管理工作), not any sentence naming a department.
_OVERSEER = re.compile(r"(?:哪个|哪些|什么|哪一个|哪级)(?:部门|单位|机构|机关)[^，。？?]{0,4}(?:管|监督|主管)|归哪|归[^，。？?]{1,8}管"
                       r"|谁[^，。？?]{0,6}(?:管(?!钱|理(?:条例|办法|规定|细则))|监督|主管)|(?:主管|监管|管理)部门(?:是|有)|执法(?:部门|机关|主体)")
# A question asking whether one may (能不能/可以…吗/准不准/不许…): its answer is the clause that permits or
# forbids (可以/有权/不得/禁止), not one that only mentions the same things.
# (合法吗/算违法吗 asks whether the act is allowed, answered by 不得/可以 as 能不能 is; 违法了怎么罚 asks a penalty)
_PERMISSION = re.compile(r"能不能|可不可以|行不行|让不让|准不准|许不许|能否|可否|能.{1,12}吗|可以.{1,12}吗|不准|不许|不让|不能|禁止|允许"
                         r"|(?:合法|违法|合规|违规)[吗么嘛]|合不合法|违不违法|合不合规|是否(?:合法|违法|合规|违规)")
# A question asking why a rule was made (为什么要出台这个条例, 重庆为啥要管放烟花, 立法目的是什么): its answer is the
# purpose clause (为了…，制定本条例), not a rule sharing its words.
_PURPOSE = re.compile(r"(?:为什么|为啥|为何|干嘛)要?(?:专门)?(?:出台|制定|立|出|颁布|搞|定|管)|(?:立法|出台|制定)(?:的)?(?:目的|初衷|原因)"
                      r"|(?:条例|法|办法|规定)[^，。？?]{0,6}(?:目的|宗旨|意图|初衷|意义)|是为了(?:什么|啥)|为了(?:什么|啥)(?:定|出台|制定)"
                      # (出台这个条例主要想解决什么问题, 出这个法想干什么: what making it was meant to do)
                      r"|(?:出台|制定|出|搞|立)[^，。？?]{0,16}?(?:条例|法|办法|规定)[^，。？?]{0,4}?(?:想|要|是)?(?:干什么|干嘛"
                      r"|解决什么|解决哪些|图什么|图啥)")
# What such a question calls the purpose (这个条例的目的是什么, 宗旨, 立法意图): it gains the words that end a purpose
# clause, as the register's 立法目的 does, and it asks no definition (目的是什么 is not 什么是目的).
_PURPOSE_NOUN = re.compile(r"目的|宗旨|意图|初衷|意义")
LAWS_SAY_PURPOSE = ("制定本条例", "制定本法", "制定本办法", "制定本规定", "如下")  # (如下: a policy document's preamble, 作出如下决定)
# Years named relative to the newest year the corpus states.
RELATIVE_YEARS = {"今年": 0, "去年": -1, "前年": -2, "明年": 1}
# A yes/no question (需要登记吗, 是否可以…): its modal verb is scaffolding, as the answer states the rule
# in the document's own modal (应当办理登记, 不得…), not in the asker's.
_YES_NO = re.compile(r"[吗么][?？!！。.\s]*$|是否|能否|可否")
MODALS = frozenset({"需要", "必须", "应该", "应当", "可以", "能", "能够", "会", "得"})
# A question asking for a quantity: its answer holds a figure. Not 哪几 (which ones: a list), nor 好几, 十几 (several,
# a figure the question states: 好几家单位用, 用了十几年), nor 几乎.
_QUANTITY = re.compile(r"多少|(?<![哪好十])几(?!乎)[个年项家名倍成次天月]?|多大|多长|多高|多快|多久|比例|百分之|排第|第几")


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    words: dict[str, float] = field(default_factory=dict)  # word-field terms → weight
    bigrams: dict[str, float] = field(default_factory=dict)  # bigram-field terms → weight
    context: dict[str, float] = field(default_factory=dict)  # title/section terms → weight
    runs: tuple[tuple[str, ...], ...] = ()  # the user's content words, in order, split at dropped words
    phrases: tuple[str, ...] = ()  # must appear verbatim (normalised)
    excluded: tuple[str, ...] = ()
    source: str | None = None
    highlight: tuple[str, ...] = ()  # words to bold in a hit when present
    wants_number: bool = False  # the question asks 多少/几/比例 …
    wants_definition: bool = False  # the question asks what a term is (是啥/什么是 …)
    wants_list: bool = False  # the question asks 有哪些/哪几个 …
    wants_time: bool = False  # the question asks 什么时候/何时 …
    wants_sanction: bool = False  # the question asks 怎么罚/会被怎么处理 …
    wants_agent: bool = False  # the question asks 由谁/哪个部门 …
    wants_overseer: bool = False  # … who oversees a field: 归哪个部门管, 由谁监督
    wants_permission: bool = False  # the question asks whether one may: 能不能/可以…吗/不准 …
    wants_recourse: bool = False  # the question asks what to do about a problem: 怎么办/怎么处理 …
    wants_purpose: bool = False  # the question asks why a rule was made: 为什么要出台…条例
    year: int | None = None  # the year asked about (2024年, or 今年 = the newest year the corpus states)
    year_relative: bool = False  # that year was said as 今年/去年 …, not written out
    # The user's content words (2+ characters) each with the expansions that stand for it: a passage
    # covers the word when it holds any of them (idf-weighted coverage, see engine._coverage).
    concepts: tuple[tuple[str, ...], ...] = ()
    own: frozenset[str] = frozenset()  # word and bigram terms of the user's own words (not expansions)
    # The parts of a numbered slogan the question asks to have spelled out (两个先行是什么, 三大差距有哪些 →
    # 共同富裕先行, 省域现代化先行): the sentence listing them answers it (slogans.py)
    parts: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.words or self.bigrams or self.phrases)


class QueryParser:
    def __init__(self, tokenizer: Tokenizer, synonyms: dict[str, tuple[str, ...]], query_words: QueryWords,
                 newest_year: int | None = None, related: Mapping[str, tuple[str, ...]] | None = None,
                 terms: Iterable[str] = (), holds: Callable[[str], bool] = lambda word: False) -> None:
        self.tokenizer = tokenizer
        self.newest_year = newest_year
        self.synonyms = synonyms
        self.related = related or {}  # mined at index time (abbreviations.py): key → corpus wordings
        self._terms: dict[str, list[str]] = {}  # the corpus's terms (abbreviations.py) by first character
        for t in terms:
            self._terms.setdefault(t[0], []).append(t)
        self._holds = holds  # whether some passage holds every character pair of a word (the index's answer)
        self._spelled: dict[str, tuple[str, ...]] = {}  # see _spelled_out
        self._phrase_terms: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # see _terms_of
        plain = [k for k in synonyms if GAP not in k]
        self._keys = {k: i for i, k in enumerate(sorted(plain, key=len, reverse=True))}  # key → its rank
        self._key_lengths = sorted({len(k) for k in plain})
        self._key_starts = {k[:2] for k in plain}  # (a key's first two characters, or a one-character key)
        # A phrase said with words between its parts (狗天天叫, 没跟我签合同): its parts in order, a few apart.
        self._gapped = [(re.compile(f".{{0,{MAX_GAP}}}?".join(map(re.escape, k.split(GAP)))), synonyms[k])
                        for k in synonyms if GAP in k]
        self.query_words = query_words

    def parse(self, raw: str, whole: str | None = None) -> ParsedQuery:
        """`whole`: the question `raw` is the rest of once the document it names is set aside (engine._titled); a
        purpose question is told by the document's kind in its title (这个条例的目的, 反家庭暴力法的宗旨), so it is read there."""
        text = normalize(raw)
        # A quoted single character (哪几个“区”) is emphasis, not an exact phrase: it stays a plain word; so is all a
        # pasted text quotes (“亩均论英雄” in a paragraph looked up: its sentences hold its quotations one by one).
        phrases = tuple(p.strip() for p in _PHRASE.findall(text) if len(p.strip()) > 1) if len(text) <= PASTED else ()
        if not phrases:
            text = _PHRASE.sub(lambda m: f" {m.group(1)} ", text)
        text = _PHRASE.sub(lambda m: m.group(0) if len(m.group(1).strip()) > 1 else f" {m.group(1)} ", text)
        text = _PHRASE.sub(" ", text)
        sources = _SOURCE.findall(text)
        text = _SOURCE.sub(" ", text)
        excluded = tuple(_EXCLUDE.findall(text))
        text = _EXCLUDE.sub(" ", text)

        runs, context_words = self._content_runs(" ".join((*phrases, text)))
        words: dict[str, float] = {}
        grams: dict[str, float] = {}
        context: dict[str, float] = {}
        for run in runs:
            joined = "".join(run)
            weight = YEAR_WEIGHT if _YEAR.fullmatch(joined) else 1.0
            _add(words, self.tokenizer.with_parts(run), weight)
            _add(grams, bigrams(joined), weight)
        for w in context_words:
            _add(context, self.tokenizer.words(w), 1.0)
        _add(context, words, 1.0)
        own = frozenset(words) | frozenset(grams)
        content = "".join("".join(r) for r in runs)
        keys = self._keys_in(runs, content)
        effect = TAKES_EFFECT.search(text)
        if effect and (verb := effect.group(1) or effect.group(2)) in content:
            keys.setdefault(verb, (LAWS_SAY_EFFECT,))
        for asked, wording in ((_FORBIDS, LAWS_SAY_FORBIDDEN), (_RIGHTS, LAWS_SAY_RIGHTS), (_FEES, LAWS_SAY_FEES)):
            if said := _said(asked.search(text), runs):
                keys.setdefault(said, wording)
        asked_why = _PURPOSE.search(normalize(whole) if whole else text)
        purpose = asked_why is not None
        if purpose and (noun := _PURPOSE_NOUN.search(content)) and not any(noun.group() in k for k in keys):
            keys[noun.group()] = LAWS_SAY_PURPOSE
        elif purpose and (said := _said(asked_why, runs)):  # 为什么要出台…: the verb said gains them
            keys.setdefault(said, LAWS_SAY_PURPOSE)
        figures = numeral_keys(content)
        keys = dict(sorted({**keys, **figures}.items(), key=lambda kv: -len(kv[0])))
        expansions = _expansions(f"{content} {_ASPECT.sub('', content)}", keys)
        phrases_said = self._phrases_in(content)  # on top of the words' own keys (狗天天叫: 犬吠 and 犬)
        expansions += [v for values in phrases_said.values() for v in values if v not in expansions]
        keys = {**phrases_said, **keys}
        concepts = self._concepts(runs, keys)
        for phrase in expansions:  # an expansion as a whole weighs about what one word of the user weighs
            tokens, phrase_grams = self._terms_of(phrase)
            _add(words, tokens, EXPANSION_WEIGHT / max(len(tokens), 1) ** 0.5)
            _add(grams, phrase_grams, EXPANSION_WEIGHT / max(len(phrase_grams), 1) ** 0.5)
        for phrase in {v for values in figures.values() for v in values}:  # the same figure: the user's weight
            _add(words, self.tokenizer.words(phrase), NUMERAL_WEIGHT)
            _add(grams, bigrams(phrase), NUMERAL_WEIGHT)
        highlight = tuple(dict.fromkeys([*(w for r in runs for w in r), *phrases, *expansions]))
        year = self._year(text)
        definition, listing = _DEFINITION.search(text) is not None and not purpose, _LIST.search(text) is not None
        overseer = _OVERSEER.search(text) is not None
        return ParsedQuery(
            raw=raw, words=words, bigrams=grams, context=context, runs=tuple(tuple(r) for r in runs),
            phrases=phrases, excluded=excluded, source=sources[-1] if sources else None, highlight=highlight,
            wants_number=_QUANTITY.search(text) is not None, wants_definition=definition, wants_list=listing,
            wants_time=_TIME.search(text) is not None or effect is not None,
            wants_sanction=_SANCTION.search(text) is not None, wants_agent=_AGENT.search(text) is not None or overseer,
            wants_overseer=overseer,
            wants_permission=_PERMISSION.search(text) is not None, wants_recourse=_RECOURSE.search(text) is not None,
            wants_purpose=purpose,
            year=year, year_relative=year is not None and _YEAR.search(text) is None,
            concepts=concepts, own=own,
            parts=slogan_parts(keys) if definition or listing else (),
        )

    def _year(self, text: str) -> int | None:
        """The year asked about: the last one written out, else 今年/去年 … counted from the newest year."""
        years = _YEAR.findall(text)
        if years:
            return int(years[-1][:4])
        if self.newest_year:
            for word, delta in RELATIVE_YEARS.items():
                if word in text:
                    return self.newest_year + delta
        return None

    def _content_runs(self, text: str) -> tuple[list[list[str]], list[str]]:
        """Split the query into runs of content words; scaffolding and context words end a run."""
        runs: list[list[str]] = [[]]
        context: list[str] = []
        qw = self.query_words
        modals = MODALS if _YES_NO.search(text) else frozenset()
        for chunk in _CLAUSE_BREAK.split(text):
            for w in self._merge_scaffolding(self.tokenizer.segments(chunk)):
                year = _YEAR.fullmatch(w) is not None
                if year or w in qw.context:
                    context.append(w)
                if year:
                    runs.append([w])  # a year describes the document, yet may still be in the sentence
                if year or w in qw.context or w in qw.scaffolding or w in modals:
                    runs.append([])
                else:
                    runs[-1].append(w)
            runs.append([])
        runs = [r for r in runs if r]
        if not runs and context:  # a query made only of context words still searches for them
            runs = [[w] for w in context]
        return runs, context

    def _merge_scaffolding(self, segments: list[str]) -> list[str]:
        """Rejoin scaffolding the segmenter split (是啥 → 是 + 啥), so it is dropped whole."""
        out: list[str] = []
        i = 0
        while i < len(segments):
            for n in (3, 2):
                joined = "".join(segments[i : i + n])
                if i + n <= len(segments) and joined in self.query_words.scaffolding:
                    out.append(joined)
                    i += n
                    break
            else:
                out.append(segments[i])
                i += 1
        return out

    def _keys_in(self, runs: list[list[str]], content: str) -> dict[str, tuple[str, ...]]:
        """The expansion keys the query holds, longest first: curated synonym keys anywhere in its content,
        mined ones (abbreviations.py) only as whole words of a run (2023年人均 holds no 年人均)."""
        found = {k: self.synonyms[k] for k in self.plain_keys_in((content, _ASPECT.sub("", content)))}
        for run in runs:
            for i in range(len(run)):
                key = ""
                for word in run[i:]:
                    key += word
                    if len(key) > MAX_KEY:
                        break
                    if key in self.related and key not in found:
                        found[key] = self.related[key]
            for w in _join_single_characters(run):
                if w not in found and (spelled := self._spelled_out(w)):
                    found[w] = spelled
        return dict(sorted(found.items(), key=lambda kv: -len(kv[0])))

    def plain_keys_in(self, texts: Iterable[str]) -> list[str]:
        """The synonym keys without a gap that any of `texts` holds, longest first (lexicon order among equals):
        the texts' substrings of a key's length that are keys (not every key tested: the lexicon is long), from
        the places where a key starts (its first two characters; most places start none)."""
        starts = self._key_starts
        held = {t[i : i + n] for t in set(texts) for i in range(len(t)) if t[i : i + 2] in starts or t[i] in starts
                for n in self._key_lengths if i + n <= len(t)} & self._keys.keys()
        return sorted(held, key=self._keys.__getitem__)

    def _phrases_in(self, content: str) -> dict[str, tuple[str, ...]]:
        """The gapped keys the content holds, each under the stretch of the content it spans."""
        out: dict[str, tuple[str, ...]] = {}
        for text in dict.fromkeys((content, _ASPECT.sub("", content))):
            for pattern, values in self._gapped:
                if m := pattern.search(text):
                    out[m.group(0)] = values
        return out

    def _terms_of(self, phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """An expansion's word tokens and character pairs, kept: queries share expansions (共同富裕 …), and
        segmenting one anew cost more than the rest of adding it."""
        found = self._phrase_terms.get(phrase)
        if found is None:
            if len(self._phrase_terms) > 4096:
                self._phrase_terms.clear()
            found = self._phrase_terms[phrase] = (tuple(self.tokenizer.words(phrase)), tuple(bigrams(phrase)))
        return found

    def _spelled_out(self, word: str) -> tuple[str, ...]:
        """_spell_out, kept per word: queries share words, and the corpus's answer does not change."""
        found = self._spelled.get(word)
        if found is None:
            if len(self._spelled) > 4096:
                self._spelled.clear()
            found = self._spelled[word] = self._spell_out(word)
        return found

    def _spell_out(self, word: str) -> tuple[str, ...]:
        """What a word no passage holds abbreviates: the corpus terms (most used first) that start with its
        first character and hold its others in order (物业费 → 物业服务费用, 交警 → 交通警察). A word some
        passage holds keeps its own meaning, and a numbered 第X条 is no abbreviation. Each pair must be in one
        passage: in a larger corpus every pair of a word is somewhere (业费 in 行业费率), the word still nowhere."""
        if not self._terms or not _CJK_WORD.fullmatch(word) or word.startswith("第") or self._holds(word):
            return ()
        out: list[str] = []
        for t in self._terms.get(word[0], ()):
            if len(t) > len(word) and _holds_in_order(t, word[1:]) and not any(o in t for o in out):
                out.append(t)  # 交通警察, not also 交通警察执行
                if len(out) == MAX_SPELLED_OUT:
                    break
        return tuple(out)

    def _concepts(self, runs: list[list[str]], keys: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
        """Each distinct content word of two or more characters (a lone character is too ambiguous to
        say whether a passage is on topic), with the expansions of keys overlapping it (a key inside
        the word is replaced within it: 共富工坊 → 共同富裕工坊, never 共同富裕 alone; a one-character key
        stands alone: 遛狗 → 犬, as 遛犬 is no document's wording). Lone
        characters the segmenter split from one corpus word (亩 + 均, 省 + 域) are rejoined into it."""
        out: dict[str, tuple[str, ...]] = {}
        for w in (w for run in runs for w in _join_single_characters(run)):
            if len(w) > 1 and w not in out:
                plain = w if any(k in w for k in keys) else _ASPECT.sub("", w)  # 喝了酒 holds 喝酒
                out[w] = tuple(dict.fromkeys((w, *(plain.replace(k, v) if k in plain and len(k) > 1 else v
                                                   for k, values in keys.items() if k in plain or w in k for v in values))))
        return tuple(out.values())


def _said(found: re.Match | None, runs: list[list[str]]) -> str | None:
    """The content word of `runs` (2+ characters) that a match of the question's wording falls in or holds."""
    if found is None:
        return None
    return next((w for run in runs for w in run if len(w) > 1 and (w in found.group() or found.group() in w)), None)


def _expansions(content: str, keys: dict[str, tuple[str, ...]]) -> list[str]:
    """Expansions of every key found in the content (longest keys first, no overlaps)."""
    out: list[str] = []
    for key, values in keys.items():
        if key in content:
            out.extend(v for v in values if v not in out)
            content = content.replace(key, " ")
    return out


def _holds_in_order(text: str, chars: str) -> bool:
    rest = iter(text)
    return all(c in rest for c in chars)


def _add(target: dict[str, float], terms, weight: float) -> None:
    for t in terms:
        if target.get(t, 0.0) < weight:
            target[t] = weight


# Function characters: a lone one is grammar, never part of a split-up content word.
FUNCTION_CHARACTERS = frozenset("的了在和与及要当被把将对是也都就而或之从向为以于让给有")


def _join_single_characters(run: list[str]) -> list[str]:
    """The run with each stretch of consecutive single-character content tokens joined into one word."""
    out: list[str] = []
    pending = ""
    for w in [*run, ""]:
        if len(w) == 1 and w not in FUNCTION_CHARACTERS:
            pending += w
            continue
        if pending:
            out.append(pending)
            pending = ""
        if w:
            out.append(w)
    return out
