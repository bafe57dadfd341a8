"""Ranking: the named features of a (query, passage) pair and their fitted weights (answered-or-not: answered.py).

A passage's score is F = s · exp(Σ βⱼ·fⱼ): s is the BM25 mass of the query's terms in the passage
(word field + character-bigram field, the user's words above their expansions, see engine.term_lists);
each feature fⱼ lies in [0, 1] and is computed from the index alone (no passage text), so the
candidate search (candidates.py) can bound F by s · exp(Σ max(βⱼ, 0)) and still return the exact top k.
Features are oriented so that their fitted weights come out negative (a passage is marked for what it
lacks): the bound is then s itself and pruning is as tight as for plain BM25.

The weights βⱼ live in ranking_weights.json, fitted by benchmarks/fit_ranking.py on the tuning queries,
log s held at weight 1: those of the order shown listwise (the share a softmax over log F gives the gold
passages of each query's shortlist, every βⱼ at most 0), those of the answered model's own ranking on pairs
of a gold and a non-gold passage (QueryRanker.reweighted). The authority prior of each source kind is data
too: corpus/ranking.toml.
"""
from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from copy import copy
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from itertools import accumulate
from pathlib import Path

import numpy as np

from assistant.ingest.lists import CLAUSE_CUT, LIST_ITEM
from assistant.search import _kernel
from assistant.search.bm25 import Field
from assistant.search.candidates import CoverBound
from assistant.search.places import provinces
from assistant.search.query import FUNCTION_CHARACTERS, ParsedQuery
from assistant.search.tokenizer import bigrams
from assistant.search.vectors import Meaning

RANKING_FILE = "ranking.toml"  # in the corpus folder: authority prior per source kind, @-groups of kinds
WEIGHTS_FILE = Path(__file__).with_name("ranking_weights.json")
FEATURES = (
    "uncovered",  # share of the idf mass of the user's words the passage and its title/section lack
    "outside_context",  # share of that mass not found in the passage's title/section path
    "apart",  # share of the user's consecutive word pairs not found adjacent in the passage
    "unmatched",  # like uncovered, a word counting as the share of its character pairs the passage holds (a part)
    "heading",  # the passage is a bare heading
    "no_figure",  # the question asks 多少/比例 and the passage states no figure
    "no_definition",  # the question asks what a term is and the passage defines nothing
    "not_this_year",  # the question says 今年/去年 … and the passage's document and title/section are of another
    # year: users saying 今年 mean the newest report. (A year written out needs no feature: it is a query word
    # that titles such as 2024年政府工作报告 cover; a separate weight for it fitted to 0.)
    "low_authority",  # 1 − the prior of the source's kind (决定/条例 high, magazine articles low)
    "no_time",  # the question asks 什么时候/何时 and the passage states no date or period
    "no_sanction",  # the question asks 怎么罚/会被怎么处理 and the passage (or its item list's lead-in) states no penalty
    "no_agent",  # the question asks 由谁/哪个部门 and the passage names no one in charge (由…负责, 属于, 主管部门);
    # asking who oversees a field (归哪个部门管), the passage assigns no body that duty (…负责…的监督管理工作)
    "off_document",  # like unmatched, over the passage's whole document (its text, titles and sections): the share
    # of the question the document lacks. A question about 物业费 belongs in the regulation on 物业 even when
    # the answering sentence shares few of its words, not in a sentence of another document sharing one.
    "no_permission",  # the question asks whether one may (能不能/可以…吗) and the passage (or its item list's
    # lead-in) neither permits nor forbids (可以/有权/不得/禁止): 能不能扣身份证 wants 不得扣押, not 应当核验身份证明
    "unasked_sanction",  # the passage (or its item list's lead-in) states a penalty the query does not ask about:
    # 办居住证要带什么材料 wants 应当提交…证明材料, not the fined (一)使用虚假证明材料骗领居住证. A question asking what
    # to do about a problem (怎么办/怎么处理) does not hold it against a passage: 单位不给开证明怎么办 is
    # answered by 未出具证明的，由…部门责令改正 as well as by the rule
    "no_purpose",  # the question asks why a rule was made and the passage is not a purpose clause (为了…，制定本条例)
    "dissimilar",  # how far the passage's meaning is from the question's (vectors.py: 1 − cosine of sentence
    # vectors, scaled from a near-paraphrase, 0, to a typical pair, 1); only when the corpus is embedded, and
    # only in the rescoring: its best, 0, is what the bounds assume, so top-k stays exact
    "dissimilar_sentence",  # the same of the passage's sentence alone (vectors.SENTENCE): the passages of one
    # document share its name and headings, which `dissimilar` embeds with each; this tells them apart
)
COVERAGE_FEATURES = (0, 1)  # uncovered, outside_context: each ≥ 1 − the share a passage covers (cover_bound)
TERM_FEATURES = 4  # the first features depend only on which query terms a passage holds (QueryRanker.upper_bound);
# the rest only on the passage and the query's intents (QueryRanker.lifts)
_F = {name: i for i, name in enumerate(FEATURES)}
# The features a query may turn off, in the order QueryRanker sets them (one array assignment, not sixteen)
_ACTIVE = np.array([_F[name] for name in ("uncovered", "outside_context", "apart", "heading", "no_figure",
                                          "no_definition", "not_this_year", "low_authority", "no_time", "no_sanction",
                                          "unmatched", "no_agent", "off_document", "no_permission", "unasked_sanction",
                                          "no_purpose", "dissimilar", "dissimilar_sentence")],
                   dtype=np.intp)
_MEANING = [_F["dissimilar"], _F["dissimilar_sentence"]]  # (in vectors.Meaning.both's order)
TERM_WEIGHT = 2.0  # a named term (quoted slogan, curated word) counts this much more than a plain word
DEFAULT_AUTHORITY = 0.5
SOURCE_MASK_BYTES = 16 << 20  # cache of PassageTable.sources_holding
SHARED_ABOVE = 256  # upper_bound computes the term features once per distinct (bits, title/section) above this many
_SEPARATOR = "\x00"  # between contexts when their character pairs are listed (PassageTable._context_pairs)
_SHIFT = 21  # a character pair's code: (first << 21) | second (code points fit 21 bits)

# Passage flags, computed once at index time from the text.
FIGURE, DEFINES, TIME, SANCTION, AGENT, PERMITS, OVERSEES, PURPOSE = 1, 2, 4, 8, 16, 32, 64, 128
INHERITED = FIGURE | TIME | SANCTION | PERMITS  # what a list item takes from the sentence that leads into its list
_FIGURE = re.compile(r"[0-9]|百分之|[一二两三四五六七八九十百千万亿半]+(?:个|项|家|倍|成|条|所|名|万|亿|元|公里|亩|批|类|大"
                     r"|日|天|周|月|年|小时|次|人|户|只|岁|米|吨|公斤|平方米)")
_DEFINES = re.compile(r"“[^”]{2,30}”[，,]?(?:是|即|指|就是)|是指|所称|(?<![立随当旋亦])即(?![可将使便时刻])|简称|也称|指的是|就是|意味着|内涵|本质")
# The term a defining passage defines, tried in turn: 本条例所称X，是指… / （一）X，是指… / “X”是指…
_DEFINED_TERM = (re.compile(r"所称“?([^，。、；“”]{2,16}?)”?，?(?:是指|指|包括|，)"),
                 re.compile(r"^(?:（[一二三四五六七八九十]+）|[0-9]+[.．、])?“?([^，。、；“”（）]{2,16}?)”?，?(?:是指|指的是)"),
                 re.compile(r"“([^”]{2,16})”，?(?:是指|即|就是)"))
_TIME = re.compile(r"[0-9零〇○一二三四五六七八九十半]+个?(?:年|月|日|天|小时|周|工作日)|之日|起施行|期限|以前|以后|之前|届满|期间|每年|每月")
_SANCTION = re.compile(r"罚|警告|责令|处分|吊销|没收|拘留|训诫|追究|通报批评|取消.{0,6}资格")
# Who is in charge, pays, owns: 由建设单位交纳, 由所有权人负责, 属于业主所有, 主管部门负责.
_AGENT = re.compile(r"由.{1,30}(?:负责|承担|交纳|支付|进行|组织|实施|审批|管理|清偿|制定|决定|确定|办理)|负责|属于"
                    r"|归.{1,10}所有|主管部门")
# Assigns a body the oversight of a field: …部门负责本行政区域内…的监督管理工作, 主管本市…工作, 指导、监督…工作,
# 对本辖区…工作进行监督, 是本市…行业的行政主管部门 (not 向主管部门交纳 nor 市场监督管理部门应当…, nor a list of departments
# ending in one, 民政、市场监督管理等部门…配合做好…工作: a department named, no duty given)
_OVERSEES = re.compile(r"(?:负责|主管|指导|监督|监管)(?!(?:管理)?等?(?:部门|机关|机构|局))[^。；]{0,40}?(?:工作|管理|监督)"
                       r"|对[^。；]{1,30}(?:进行|实施|实行)(?:监督|管理|指导)|是[^。；]{0,30}主管部门")
# States why the rule is made: 为了…，根据…，制定本条例; 本法的宗旨是…; a policy document's preamble, ending with what it
# goes on to set out: 为…，特制定…实施方案如下 / 全会…作出如下决定 / 为…，现提出如下意见
_PURPOSE = re.compile(r"^为了?[^。]{2,160}?制定本|(?:目的|宗旨)(?:是|为)"
                      r"|(?:制定|作出|提出)[^。，；]{0,30}如下(?:决定|意见|方案|规定|措施)?[。：:]?$")
# Permits or forbids: 可以/有权/即可/允许, 不得/禁止/不准/不受…限制, 只能 (只能约定一次试用期).
_PERMITS = re.compile(r"不得|禁止|严禁|不准|不许|可以|有权|即可|允许|只能|不受.{0,12}限制|有[^，。；]{0,20}权利")
_PLACE_SUFFIX = re.compile(r"(?<=..)(?:省|市|县)$")


# A numbered item named in the text (本条例第十条, 第二款): no figure and no period
_ITEM_REFERENCE = re.compile(r"第[0-9零〇○一二三四五六七八九十百千]+[编章节条款项目]")


def passage_flags(text: str) -> int:
    """Figure / definition / time / penalty / agent / permission cues of a normalised passage text, as bits."""
    plain = _ITEM_REFERENCE.sub("", text)
    return (FIGURE * bool(_FIGURE.search(plain)) | TIME * bool(_TIME.search(plain))
            | PERMITS * bool(_PERMITS.search(text)) | DEFINES * bool(_DEFINES.search(text))
            | SANCTION * bool(_SANCTION.search(text)) | AGENT * bool(_AGENT.search(text))
            | OVERSEES * bool(_OVERSEES.search(text)) | PURPOSE * bool(_PURPOSE.search(text)))


def defined_term(text: str) -> str:
    """The term a passage defines (所称网吧，是指… → 网吧), "" when it defines none."""
    return next((m.group(1) for pattern in _DEFINED_TERM if (m := pattern.search(text))), "")


def section_flags(texts: list[str], section_of: np.ndarray) -> np.ndarray:
    """passage_flags of each passage (in document order), a list item (（三）…) adding the INHERITED cues
    of the sentence that leads into its list in the same section: “有下列行为之一的，处…罚款：” states the
    penalty and the fine for every item under it — in all its clauses, when it was cut at ； (lists.sentence_start)."""
    out = np.zeros(len(texts), dtype=np.uint8)
    lead, lead_section = 0, -1
    for i, text in enumerate(texts):
        out[i] = passage_flags(text)
        if LIST_ITEM.match(text):
            if section_of[i] == lead_section:
                out[i] |= lead & INHERITED
        else:
            goes_on = i > 0 and section_of[i] == lead_section and CLAUSE_CUT.search(texts[i - 1]) is not None \
                and not LIST_ITEM.match(texts[i - 1])
            lead, lead_section = (lead if goes_on else 0) | int(out[i]), int(section_of[i])
    return out


@dataclass(frozen=True)
class RankingConfig:
    """corpus/ranking.toml: `[authority]` kind = prior in [0, 1]; `[groups]` @name = [kinds]."""

    authority: dict[str, float] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    home: str = ""  # the province whose users ask (浙江): a national rule answers its places (places.bound_places)

    def prior(self, kind: str) -> float:
        """The prior of the longest listed kind `kind` ends with: 实施意见 is an 意见, 行动方案 a 方案, 政府工作报告 a 报告
        (they had the default, below a commentary's neighbours)."""
        listed = _longest_ending(kind, self.authority)
        return self.authority[listed] if listed else self.authority.get("default", DEFAULT_AUTHORITY)

    def in_group(self, kind: str, kinds: tuple[str, ...]) -> bool:
        """Whether a source of `kind` is among `kinds` (an @group): by the longest listed kind it ends with, as prior."""
        return _longest_ending(kind, kinds) is not None

    def to_json(self) -> dict:
        return {"authority": self.authority, "groups": {k: list(v) for k, v in self.groups.items()}, "home": self.home}

    @classmethod
    def from_json(cls, data: dict) -> "RankingConfig":
        return cls({k: float(v) for k, v in data.get("authority", {}).items()},
                   {k: tuple(v) for k, v in data.get("groups", {}).items()}, str(data.get("home", "")))


def _longest_ending(kind: str, listed) -> str | None:
    return max((k for k in listed if k != "default" and kind.endswith(k)), key=len, default=None) if kind else None


def load_config(path: Path) -> RankingConfig:
    import tomllib  # here: only indexing reads TOML (a searcher starts without it)

    if not path.exists():
        return RankingConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} 格式错误：{exc}") from exc
    for kind, value in data.get("authority", {}).items():
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{path}：[authority] “{kind}”应为 0 到 1 之间的数")
    if data.get("home") and data["home"] not in provinces():
        raise ValueError(f"{path}：home “{data['home']}”应为省份名，如 浙江（见 search/places.txt）")
    return RankingConfig.from_json(data)


def load_weights(path: Path = WEIGHTS_FILE, semantic: bool = False) -> np.ndarray:
    """The feature weights β (in FEATURES order): those fitted with sentence vectors (the file's "semantic"
    entry) or without them; the "answered" entries are read by answered.py."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = data["semantic"] if semantic else data
    return np.array([float(entry["weights"].get(name, 0.0)) for name in FEATURES])


def cosine_scale(path: Path = WEIGHTS_FILE, entry: str = "cosine") -> tuple[float, float]:
    """The cosines `dissimilar` maps to 1 and 0 (vectors.Meaning), fitted with the semantic weights; with entry
    "sentence_cosine", those of `dissimilar_sentence`."""
    low, high = json.loads(path.read_text(encoding="utf-8"))["semantic"][entry]
    return float(low), float(high)


@dataclass
class PassageTable:
    """What the features read about every passage: index arrays plus per-source facts."""

    words: Field
    bigrams: Field
    flags: np.ndarray  # uint8 bits FIGURE | DEFINES | TIME | SANCTION | AGENT | PERMITS | OVERSEES (section_flags)
    is_heading: np.ndarray
    context_of: np.ndarray  # context number per passage
    contexts: list[str]  # title + section text of each context number
    source_of: np.ndarray  # source number per passage
    source_year: np.ndarray  # year of each source (0 unknown)
    source_prior: np.ndarray  # authority prior of each source's kind
    size: int
    user_words: frozenset[str]
    places: frozenset[str] = frozenset()  # place names (浙江, 杭州): the bare form of 浙江省, 杭州市
    bound: tuple[frozenset[str], ...] = ()  # per source, the places its rules bind beyond its title (places.py)
    _context_cache: dict[str, np.ndarray] = field(default_factory=dict)
    _members: tuple[np.ndarray, np.ndarray] | None = None
    _pairs: list[int] | None = None  # see _context_pairs
    _pairs_of: dict[str, tuple[tuple[str, ...], frozenset[str]]] = field(default_factory=dict)  # character_pairs
    _sources_of: dict[str, np.ndarray] = field(default_factory=dict)  # sources_holding
    _context_source: np.ndarray | None = None
    _class_source: np.ndarray | None = None  # see class_source
    _low_authority: np.ndarray | None = None  # see low_authority
    _lifts: dict[tuple, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # QueryRanker.lifts
    _classes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # see passage_classes
    _concepts: dict[tuple[str, ...], tuple[tuple[str, ...], float]] = field(default_factory=dict)  # _concept_weights
    _naming: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # naming
    _binding: dict[str, list[int]] | None = None  # see binding

    @property
    def n_sources(self) -> int:
        return len(self.source_prior)

    def low_authority(self) -> np.ndarray:
        """1 − the prior of each source (computed once)."""
        if self._low_authority is None:
            self._low_authority = 1 - self.source_prior
        return self._low_authority

    def context_source(self) -> np.ndarray:
        """The source of each context number (computed once; as positions, which take() uses unconverted)."""
        if self._context_source is None:
            self._context_source = np.zeros(len(self.contexts), dtype=np.intp)
            self._context_source[self.context_of] = self.source_of
        return self._context_source

    def class_source(self) -> np.ndarray:
        """The source of each class of passages (passage_classes; computed once, as positions): QueryRanker.lifts
        reads it per query, and gathering it from the passages cost ~50 µs at 100× corpus (28k classes)."""
        if self._class_source is None:
            self._class_source = self.source_of.take(self.passage_classes()[1]).astype(np.intp)
        return self._class_source

    def sources_holding(self, gram: str) -> np.ndarray:
        """Mask over sources of which some passage holds the character pair `gram` (cached: working it out reads
        the pair's whole posting list, ~0.3 ms a query at 100× when no pair is cached; the cache is bounded by
        size, SOURCE_MASK_BYTES, so a running bot keeps the pairs of many queries)."""
        mask = self._sources_of.get(gram)
        if mask is None:
            if len(self._sources_of) * self.n_sources > SOURCE_MASK_BYTES:
                self._sources_of.clear()
            mask = np.zeros(self.n_sources, dtype=np.bool_)
            post = self.bigrams.postings(gram)
            if post is not None:
                mask[self.source_of[post[0]]] = True
            self._sources_of[gram] = mask
        return mask

    def context_members(self) -> tuple[np.ndarray, np.ndarray]:
        """The passages of each context, sorted: members[starts[c]:starts[c + 1]] (computed once)."""
        if self._members is None:
            members = np.argsort(self.context_of, kind="stable")
            starts = np.searchsorted(self.context_of[members], np.arange(len(self.contexts) + 1))
            self._members = (members, starts)
        return self._members

    def passage_classes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Passages grouped by all that their own features read (heading, flags, source, context): the class of
        each passage, one passage of each class, and where each context's classes start (classes are ordered
        by context). Computed once; 100× corpus: ~2k classes of 231k passages."""
        if self._classes is None:
            key = (((self.context_of.astype(np.int64) * self.n_sources + self.source_of) << 9)
                   | (self.flags.astype(np.int64) << 1) | self.is_heading)
            _, first, klass = np.unique(key, return_index=True, return_inverse=True)
            starts = np.searchsorted(self.context_of[first], np.arange(len(self.contexts) + 1))
            self._classes = (klass.ravel().astype(np.intp), first.astype(np.int64), starts)
        return self._classes

    def in_contexts(self, text: str) -> np.ndarray:
        """Mask over context numbers whose title/section text contains `text` (cached)."""
        mask = self._context_cache.get(text)
        if mask is None:
            if len(self._context_cache) > 4096:
                self._context_cache.clear()
            mask = self._context_cache[text] = self._search_contexts(text)
        return mask

    def naming(self, variants: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Masks over contexts whose title/section holds any of a concept's variants, or whose document's rules bind
        a place it names, and over the sources of those contexts (cached: the same for every query holding the
        concept; per query they cost ~30 µs)."""
        found = self._naming.get(variants)
        if found is None:
            if len(self._naming) > 4096:
                self._naming.clear()
            contexts = reduce(np.logical_or, [self.in_contexts(v) for v in variants])
            sources = np.zeros(self.n_sources, dtype=np.bool_)
            sources[self.context_source()[contexts]] = True
            binding = [s for v in variants for s in self.binding().get(v, ())]
            if binding:  # a province's rule is of 杭州 as its title is of 浙江 (places.bound_places)
                sources[binding] = True
                contexts = contexts | sources.take(self.context_source())
            found = self._naming[variants] = (contexts, sources)
        return found

    def binding(self) -> dict[str, list[int]]:
        """Place → the sources whose rules bind it (`bound` inverted, computed once)."""
        if self._binding is None:
            self._binding = {}
            for source, places in enumerate(self.bound):
                for place in places:
                    self._binding.setdefault(place, []).append(source)
        return self._binding

    def character_pairs(self, text: str) -> tuple[tuple[str, ...], frozenset[str]]:
        """The character pairs a passage holding `text` holds, and those of them no passage holds (cached).

        A lone CJK character cut off by digits or Latin letters (the 县 of 山区26县) is no gram of a passage
        holding the text, where it pairs with its neighbour (县倾), so it is not among them."""
        found = self._pairs_of.get(text)
        if found is None:
            if len(self._pairs_of) > 4096:
                self._pairs_of.clear()
            grams = set(bigrams(text))
            if len(grams) > 1:
                grams = {g for g in grams if len(g) > 1 or g.isascii()}
            vocab = self.bigrams.vocab  # (a pair in the vocabulary is in some passage)
            found = self._pairs_of[text] = (tuple(grams), frozenset(g for g in grams if g not in vocab))
        return found

    def _search_contexts(self, text: str) -> np.ndarray:
        """`text in c` for every context c, tested only on the contexts holding the text's rarest character
        pair (testing every context in Python cost tens of µs a word; most words name few contexts)."""
        mask = np.zeros(len(self.contexts), dtype=np.bool_)
        if len(text) < 2:
            mask[:] = [text in c for c in self.contexts]
            return mask
        n, pairs = len(self.contexts), self._context_pairs()
        spans = []
        for i in range(len(text) - 1):
            code = (ord(text[i]) << _SHIFT | ord(text[i + 1])) * n
            spans.append((bisect_left(pairs, code), bisect_left(pairs, code + n)))
        low, high = min(spans, key=lambda span: span[1] - span[0])
        mask[[c for c in {code % n for code in pairs[low:high]} if text in self.contexts[c]]] = True
        return mask

    def _context_pairs(self) -> list[int]:
        """Sorted codes pair · n + context of each character pair of each context (computed once, ~2 ms)."""
        if self._pairs is None:
            n = len(self.contexts)
            codes = np.frombuffer(_SEPARATOR.join(self.contexts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
            owner = np.repeat(np.arange(n, dtype=np.int64), [len(c) + 1 for c in self.contexts])[: len(codes)]
            self._pairs = np.sort(((codes[:-1] << _SHIFT) | codes[1:]) * n + owner[:-1]).tolist()
        return self._pairs


class QueryRanker:
    """The features and score of one parsed query, over arrays of candidate passages given with the
    bits of the query's character pairs they hold (`gram_bits`: pair → bit, see candidates.TermList)."""

    def __init__(self, q: ParsedQuery, table: PassageTable, weights: np.ndarray, gram_bits: dict[str, int],
                 meaning: Meaning | None = None) -> None:
        self.q, self.t, self.beta, self.gram_bits = q, table, weights, gram_bits
        self.meaning = meaning  # the dissimilar feature of candidate passages (vectors.Meaning), or None
        self.concepts = self._concept_weights()
        self.total_weight = sum(w for _, w in self.concepts)
        self.concept_w = np.array([w for _, w in self.concepts]) / (self.total_weight or 1)
        # per concept: the required bits of each variant found in the corpus; the contexts naming one
        self.variants = [[r for v in vs if (r := self._required(v)) is not None] for vs, _ in self.concepts]
        self._variant_masks = np.array([r for rs in self.variants for r in rs], dtype=np.int64)  # (term_bits' groups
        self._variant_ends = np.array(list(accumulate(len(rs) for rs in self.variants)), dtype=np.int64)  # of masks:
        # one per concept; summed in Python: an array method on a handful of numbers costs more than the sums)
        self.variant_pairs = [[_single_bits(r) for r in rs] for rs in self.variants]
        # unmatched as one product: each form's share of its pairs held, from a (pair × form) matrix
        pairs = sorted({p for forms in self.variant_pairs for f in forms for p in f})
        column = {p: i for i, p in enumerate(pairs)}
        self._pair_masks = np.array(pairs, dtype=np.int64)
        forms = [(j, f) for j, fs in enumerate(self.variant_pairs) for f in fs]
        share = [[0.0] * len(forms) for _ in pairs]  # filled as lists: one array call, not a scatter
        for k, (_, f) in enumerate(forms):
            for p in f:
                share[column[p]][k] = 1 / len(f)
        self._form_share = np.array(share, dtype=np.float64).reshape(len(pairs), len(forms))
        self._form_full = np.array([0.0 if f else 1.0 for _, f in forms])  # beyond the tracked bits: held
        first_form: dict[int, int] = {}  # forms come grouped by concept, concepts in order
        for k, (j, _) in enumerate(forms):
            first_form.setdefault(j, k)
        self._has_forms = np.array(list(first_form), dtype=np.int64)
        self._form_starts = np.array(list(first_form.values()), dtype=np.int64)
        self._all_formed = len(first_form) == len(self.concepts)  # (then with one form each: the forms are the concepts)
        self._one_form = self._all_formed and len(forms) == len(self.concepts)
        named = [table.naming(vs)[0] for vs, _ in self.concepts]
        self.concept_ctx = np.array(named, dtype=np.bool_).reshape(len(self.concepts), len(table.contexts))
        self._context_concepts = self.concept_ctx.T.ravel()  # (context × concept, one C-ordered copy: term_bits)
        runs = _content_stretches(q.runs)
        pairs = [a + b for run in runs for a, b in zip(run, run[1:])]
        self.pairs = [r for p in pairs if (r := self._required(p)) is not None]
        self._word_pairs = np.array(self.pairs, dtype=np.int64)  # (term_bits counts those held)
        self.n_pairs = len(pairs)
        self.year_ctx = table.in_contexts(str(q.year)) if q.year_relative else None
        self.active = np.zeros(len(FEATURES), dtype=np.bool_)
        c = bool(self.concepts)
        self.active[_ACTIVE] = (c, c, self.n_pairs > 0, True, q.wants_number, q.wants_definition, q.year_relative,
                                True, q.wants_time, q.wants_sanction, c, q.wants_agent, c, q.wants_permission,
                                not (q.wants_sanction or q.wants_recourse), q.wants_purpose, meaning is not None,
                                meaning is not None)  # (in _ACTIVE's order)
        self.off_document = self._off_document() if self.concepts else None
        self._named: np.ndarray | None = None  # see _naming
        # the gain the features can add at most, and the features after the term ones (TERM_FEATURES)
        self.gain_bound, self.rest_gain = _gains(self.beta.tobytes(), self.active.tobytes())

    def reweighted(self, weights: np.ndarray, meaning: Meaning | None) -> "QueryRanker":
        """The same query ranked by other weights and scale of `dissimilar` (the answered model's ranking,
        answered.py): what the query and the table give is shared, the bounds are recomputed."""
        other = copy(self)
        other.beta, other.meaning = weights, meaning
        other.gain_bound, other.rest_gain = _gains(weights.tobytes(), self.active.tobytes())
        return other

    # -- scoring ----------------------------------------------------------------------------

    def rescore(self, cand: np.ndarray, s: np.ndarray, bits: np.ndarray) -> np.ndarray:
        return s * np.exp(self.features(cand, bits) @ self.beta)

    def upper_bound(self, cand: np.ndarray, s: np.ndarray, bits: np.ndarray, unknown: int = 0) -> np.ndarray:
        """F ≤ this for each candidate: the term features exactly (cheap: which query terms a passage and
        its context hold), the others at their best. Lets top-k skip full scoring of passages whose
        BM25 score is high but which miss most of the question. With `unknown` bits (pairs not yet looked up),
        a bound over whichever of them a passage holds: each term feature only falls as a passage holds more
        pairs, so it is least at bits | unknown and largest at bits.

        The term features depend only on a passage's bits and on which concepts its title/section names:
        many candidates share both, so each distinct pair is computed once."""
        if len(cand) > SHARED_ABOVE:
            naming = self._naming()
            if len(bits) and int(bits.max() | unknown) < (1 << 62) // (int(naming.max()) + 1):
                key = bits * (int(naming.max()) + 1) + naming.take(self.t.context_of.take(cand))
                # np.unique(key, return_index=True, return_inverse=True) by hashing: thousands of keys, a few distinct
                first, inverse = np.empty(len(key), dtype=np.intp), np.empty(len(key), dtype=np.intp)
                first = first[: _kernel.distinct(key, first, inverse)]
                return s * self._term_gain(cand[first], bits[first], unknown).take(inverse) * self.rest_gain
        return s * self._term_gain(cand, bits, unknown) * self.rest_gain

    def _term_gain(self, cand: np.ndarray, bits: np.ndarray, unknown: int) -> np.ndarray:
        beta = self.beta[:TERM_FEATURES]
        x = self._term_features(cand, bits | unknown)
        if unknown and (beta > 0).any():
            x = np.where(beta > 0, self._term_features(cand, bits), x)
        return np.exp(x @ beta)

    def _naming(self) -> np.ndarray:
        """Per context, a number standing for the set of concepts its title/section names (computed once)."""
        if self._named is None:
            if len(self.concepts) < 63:  # each context's set as one integer
                sets = (1 << np.arange(len(self.concepts), dtype=np.int64)) @ self.concept_ctx
                ordered = np.sort(sets)  # dense ranks, as np.unique(…, return_inverse=True) gives them in 4× the time
                self._named = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))].searchsorted(sets)
            else:  # (a pasted paragraph: each context's set as bytes; np.unique(…, axis=0) took ~0.25 s)
                packed = np.packbits(self.concept_ctx.T.astype(np.bool_), axis=1)
                rows = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
                self._named = np.unique(rows, return_inverse=True)[1].ravel()
        return self._named

    def cover_bound(self) -> CoverBound:
        """F ≤ s · exp(a + b·c) · tilt for a passage covering at most the share c of the query's concepts (in its
        text or title/section): `uncovered` ≥ 1 − c, `outside_context` = 1 − t (t the share its title/section
        covers, tilt = exp(−β·t) per context), `unmatched` ≥ 1 − c − r
        (r: the most a passage can hold of the concepts whose key it lacks, all but one pair of each form),
        the rest at their best. A concept's key: the rarest character pair of each of its forms (a passage
        whose text holds the concept holds one of them); a form beyond the tracked bits counts as held by
        every passage."""
        slope = -sum(min(float(self.beta[i]), 0.0) for i in COVERAGE_FEATURES) if self.concepts else 0.0
        part = -min(float(self.beta[_F["unmatched"]]), 0.0) if self.concepts else 0.0
        shares = self.concept_w.tolist()  # (Python floats: the same products and sums, without numpy scalars' cost)
        rest = sum(share * max((len(p) - 1) / len(p) for p in forms)
                   for share, forms in zip(shares, self.variant_pairs) if forms and all(forms))
        in_context = self.concept_w @ self.concept_ctx if self.concepts else np.zeros(len(self.t.contexts))
        base = in_context
        # outside_context is 1 − the share a passage's title/section covers, known per context: its part of the
        # slope goes to a per-context factor, tilt (a passage covering the query in its text alone gains less)
        outside = -min(float(self.beta[_F["outside_context"]]), 0.0) if self.concepts else 0.0
        tilt = np.exp(outside * in_context)
        df = {bit: self.t.bigrams.df(g) for g, bit in self.gram_bits.items()}
        keys = []
        for share, variants, forms in zip(shares, self.variants, self.variant_pairs):
            if any(r == 0 for r in variants):
                base = base + share
            else:  # (a form's pairs come lowest bit first: of equally rare ones, the lowest is its key)
                rarest = (min(pairs, key=lambda pair: df[pair.bit_length() - 1]) for pairs in forms)
                keys.append((share, sum(set(rarest))))
        lift, klass, context_lift = self.lifts()
        return CoverBound(math.log(self.gain_bound) - slope - part * (1 - rest), slope - outside + part, tuple(keys),
                          base, self.t.context_of, *self.t.context_members(), lift, klass, context_lift * tilt, tilt)

    def lifts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """exp(Σ βⱼ·fⱼ) over the features after TERM_FEATURES (the passage's own, whichever query terms it
        holds) divided by their best (rest_gain), as a product: of those under the query's intents, per class of
        passages (PassageTable.passage_classes: the passages these features cannot tell apart; cached per table
        and intents, a few kB each), times off_document per source (this query's); with the class of each
        passage, and per context the largest of its passages'. F ≤ upper_bound × a passage's lift (equal but
        for float32 rounding and `dissimilar`, which only lowers F), so a bound of F times it is still a bound, and a far tighter one for questions
        whose intent most passages fail."""
        klass, first, starts = self.t.passage_classes()
        key = (self.beta.tobytes(), self.active[TERM_FEATURES:].tobytes(), self.q.year if self.q.year_relative else 0)
        found = self.t._lifts.get(key)
        if found is None:
            if len(self.t._lifts) >= 256:
                self.t._lifts.clear()
            x = np.zeros((len(first), len(FEATURES)))
            self._passage_features(first, x)
            x[:, _F["off_document"]] = 0  # per source and query: below
            exact = np.exp(x[:, TERM_FEATURES:] @ self.beta[TERM_FEATURES:]) / self.rest_gain
            lift = np.nextafter(exact.astype(np.float32), np.float32(np.inf))  # rounded up: still a bound
            filled = np.diff(starts) > 0
            per_context = np.zeros(len(self.t.contexts), dtype=np.float32)
            per_context[filled] = np.maximum.reduceat(lift, starts[:-1][filled]) if len(lift) else 0
            found = self.t._lifts[key] = (lift, per_context)
        lift, per_context = found
        if self.off_document is None:
            return lift.astype(np.float64), klass, per_context.astype(np.float64)
        by_source = np.exp(self.beta[_F["off_document"]] * self.off_document)
        return (lift * by_source.take(self.t.class_source()), klass, per_context * by_source.take(self.t.context_source()))

    def features(self, cand: np.ndarray, bits: np.ndarray) -> np.ndarray:
        x = np.zeros((len(cand), len(FEATURES)))
        self._fill_term_features(cand, bits, x)
        self._passage_features(cand, x)
        if self.meaning is not None:
            x[:, _MEANING] = self.meaning.both(cand)
        return x

    def _passage_features(self, cand: np.ndarray, x: np.ndarray) -> None:
        """The features after TERM_FEATURES into x, in place: they depend on the passage and the query's
        intents (and off_document on the query's concepts per source), never on which query terms it holds
        (lifts() caches them per intent)."""
        t, q = self.t, self.q
        source = t.source_of.take(cand)  # (take: a few µs a call below fancy indexing)
        x[:, _F["heading"]] = t.is_heading.take(cand)
        flags = t.flags.take(cand)
        if q.wants_number:
            x[:, _F["no_figure"]] = (flags & FIGURE) == 0
        if q.wants_definition:
            x[:, _F["no_definition"]] = (flags & DEFINES) == 0
        if q.wants_time:
            x[:, _F["no_time"]] = (flags & TIME) == 0
        if q.wants_sanction:
            x[:, _F["no_sanction"]] = (flags & SANCTION) == 0
        if q.year_relative:  # the document's year, or the year in its title/section path
            x[:, _F["not_this_year"]] = (t.source_year.take(source) != q.year) & ~self.year_ctx.take(t.context_of.take(cand))
        if q.wants_agent:
            x[:, _F["no_agent"]] = (flags & (OVERSEES if q.wants_overseer else AGENT)) == 0
        if q.wants_permission:
            x[:, _F["no_permission"]] = (flags & PERMITS) == 0
        if q.wants_purpose:
            x[:, _F["no_purpose"]] = (flags & PURPOSE) == 0
        if not (q.wants_sanction or q.wants_recourse):
            x[:, _F["unasked_sanction"]] = (flags & SANCTION) != 0
        if self.off_document is not None:
            x[:, _F["off_document"]] = self.off_document.take(source)
        x[:, _F["low_authority"]] = t.low_authority().take(source)

    def _off_document(self) -> np.ndarray:
        """Per source: `_unmatched` of a passage holding every character pair of the query that some passage of
        the source holds, and whose title/section is any of the source's."""
        t = self.t
        # 1 where a context of the source names the concept
        held = np.array([t.naming(vs)[1] for vs, _ in self.concepts], dtype=np.float64)
        if len(self._form_full):
            inverse = {bit: g for g, bit in self.gram_bits.items()}
            in_source = np.array([t.sources_holding(inverse[m.bit_length() - 1]) for m in self._pair_masks.tolist()],
                                 dtype=np.float64).reshape(len(self._pair_masks), t.n_sources)
            shares = in_source.T @ self._form_share + self._form_full
            self._hold_best(held.T, self._best_form(shares))
        return 1 - self.concept_w @ held

    def _unmatched(self, named: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        """1 − Σ over concepts of its share × the largest share of a form's character pairs the passage holds
        (1 when its title/section names it, `named`; a form beyond the tracked bits counts as held, as for uncovered):
        a passage holding 亚运 holds half of 亚运会, one holding 犬牌 half of 犬牌丢. `pairs`: which of the
        character pairs of the forms (_pair_masks) each passage holds."""
        held = named.astype(np.float64)
        if len(self._form_full):
            self._hold_best(held, self._best_form(pairs @ self._form_share + self._form_full))
        return 1 - held @ self.concept_w

    def _best_form(self, shares: np.ndarray) -> np.ndarray:
        """Each concept's largest share of (row × form) shares, over the concepts that have a form."""
        return shares if self._one_form else np.maximum.reduceat(shares, self._form_starts, axis=1)

    def _hold_best(self, held: np.ndarray, best: np.ndarray) -> None:
        """held (row × concept) raised in place to `best` (row × concept with a form): a fancy-indexed update
        costs ~10 µs a call, when every concept has a form an in-place maximum does."""
        if self._all_formed:
            np.maximum(held, best, out=held)
        else:
            held[:, self._has_forms] = np.maximum(held[:, self._has_forms], best)

    def _term_features(self, cand: np.ndarray, bits: np.ndarray) -> np.ndarray:
        """uncovered, outside_context, apart: what depends only on the query terms a passage holds."""
        x = np.zeros((len(cand), TERM_FEATURES))
        self._fill_term_features(cand, bits, x)
        return x

    def _fill_term_features(self, cand: np.ndarray, bits: np.ndarray, x: np.ndarray) -> None:
        """_term_features into the first TERM_FEATURES columns of x, in place (rescoring's feature rows). Which
        concepts and pairs each passage holds comes from one compiled pass (_kernel.term_bits), where numpy took
        three calls per concept variant and per pair and some fifteen more; the products with the concepts' weights
        are numpy's, on the same boolean matrices."""
        if not (self.concepts or self.n_pairs):
            return
        n, concepts, pairs = len(cand), len(self.concepts), len(self._pair_masks)
        covered, named = np.empty((n, concepts), dtype=np.bool_), np.empty((n, concepts), dtype=np.bool_)
        held, apart = np.empty((n, pairs), dtype=np.bool_), np.empty(n if self.n_pairs else 0)
        _kernel.term_bits(bits, self.t.context_of.take(cand), self._context_concepts, self._variant_masks,
                          self._variant_ends, self._pair_masks, self._word_pairs, self.n_pairs, covered.reshape(-1),
                          named.reshape(-1), held.reshape(-1), apart)
        if self.concepts:
            x[:, _F["uncovered"]] = 1 - covered @ self.concept_w
            x[:, _F["outside_context"]] = 1 - named @ self.concept_w
            x[:, _F["unmatched"]] = self._unmatched(named, held)
        if self.n_pairs:
            x[:, _F["apart"]] = apart

    def _required(self, text: str) -> int | None:
        """The bits a passage holding `text` has (all its character pairs); None when the corpus lacks one."""
        grams, absent = self.t.character_pairs(text)
        if absent and any(g not in self.gram_bits for g in absent):
            return None
        required = 0
        for g in grams:
            bit = self.gram_bits.get(g)
            if bit is not None:
                required |= 1 << bit
            # else: a pair beyond the tracked bits (very long query) is not checked
        return required

    def _concept_weights(self) -> list[tuple[tuple[str, ...], float]]:
        """Each concept's variants with its idf: the word's own, or (not an indexed word) that of its
        rarest character pair, since the phrase is at most as common as that pair; a named term more.
        A place written with its 省/市/县 (浙江省) also stands in its bare name (浙江): titles and texts write it so."""
        n, known = self.t.size, self.t._concepts
        out = []
        for variants in self.q.concepts:
            found = known.get(variants)  # the same for every query holding the concept
            if found is None:
                if len(known) > 4096:
                    known.clear()
                key = variants
                df = self.t.words.df(variants[0]) or min((self.t.bigrams.df(g) for g in bigrams(variants[0])), default=0)
                weight = math.log((n + 1) / (df + 0.5))
                if variants[0] in self.t.user_words:
                    weight *= TERM_WEIGHT
                bare = _PLACE_SUFFIX.sub("", variants[0])
                if bare != variants[0] and bare in self.t.places:
                    variants = (*variants, bare)
                found = known[key] = (variants, weight)
            out.append(found)
        return out


@lru_cache(maxsize=256)
def _gains(beta: bytes, active: bytes) -> tuple[float, float]:
    """QueryRanker's gain_bound and rest_gain for these weights and active features (a few patterns recur)."""
    best = np.maximum(np.frombuffer(beta), 0) * np.frombuffer(active, dtype=np.bool_)
    return math.exp(float(np.sum(best))), math.exp(float(np.sum(best[TERM_FEATURES:])))


def _single_bits(mask: int) -> list[int]:
    """The set bits of a mask, each as a mask of its own, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low)
        mask ^= low
    return out


def _content_stretches(runs: tuple[tuple[str, ...], ...]) -> list[list[str]]:
    """The query's runs split at lone function characters (A的B asks about A and B, not about “AB”)."""
    out: list[list[str]] = [[]]
    for run in runs:
        for w in run:
            if w in FUNCTION_CHARACTERS:
                out.append([])
            else:
                out[-1].append(w)
        out.append([])
    return [r for r in out if r]
