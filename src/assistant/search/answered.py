"""Answered or not: whether the top passages directly answer the query.

A small logistic model over a few readable features of the query and its top ANSWERED_DEPTH passages,
fitted on the tuning queries by benchmarks/fit_ranking.py (the "answered" entry of ranking_weights.json).
The passages it reads are the top of its own ranking (the entry's "ranking" weights, fitted on pairs of
passages), not necessarily of the order shown: the shown order's weights are fitted to put a gold passage first
(listwise), which also lifts passages close in meaning for questions the documents cannot answer, and the features
below then tell those apart less well (held out: flagged 558 → 522 of 729 test-half questions when read there).
The features are few and general, chosen on how well they carry over to questions not fitted on (5-fold
cross-validation, leave-one-batch-out and leave-one-class-out, see fit_ranking.py --answered-cv): the first
score F, the score margin between the first two passages, whether those two come from one document (the
top passages agree on where the answer is), whether the first one's document is titled with a word of the query or
its leading part (the corpus holds a document on what was asked: 物业费 → 物业管理条例), the share of the words asked that the first
passage holds, how many words asked are pieces of colloquial wording (known neither to the corpus nor to jieba's
dictionary: their absence says nothing of the topic), and one *gap*: how much of the query's key concepts
one passage holds with its title/section, minus how much is left once that passage must also meet the
conditions the question states (the place it names, the year it writes out, the document it names, the figure
it asks for; coverage itself is in F already). A passage that covers the words but not the place (丽水's growth
rate for 广东省), the year, the document or the figure is not an answer. Everything is computed from the texts of
three passages, their scores and facts read once at load time (and jieba's word table, already loaded for places).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from assistant.search.dictionary import word_table
from assistant.search.normalize import normalize
from assistant.search.places import binds, listed_places, place_names, written_as, written_places
from assistant.search.query import ParsedQuery
from assistant.search.ranking import FEATURES, WEIGHTS_FILE

ANSWERED_DEPTH = 3  # top passages examined
ANSWER_FEATURES = (
    # (No feature for query words the corpus lacks: an absent topic (彩礼, 个税) and a paraphrase (老板, 饭店,
    # 爷爷奶奶) look alike there, and held-out batches and classes measured the model better without it; a
    # missing word lowers F already.)
    # ln F of the first passage, clipped: a weak match is rarely an answer
    "log_score",
    # coverage lost when one passage (with its document/section) must also meet every condition the question
    # states: name each place it names (江苏省, 北京市 …: another province's figures, or a regulation of another
    # city, answer nothing), be of the year it writes out (its document's year, or 2020 / 二○二○ in its
    # title/section or text; 今年/去年 are left to the ranking: users say 今年 of whatever is current) or of
    # the five-year plan it names (十三五: a document of 2016–2020, or one naming it or such a year), come
    # from the document it names (政府工作报告, 决定 …), and state a figure when it asks 多少/几/比例, in the unit
    # asked when one is (多少钱 → 元, 几个小时 → 小时), other than one the question states itself (一年没扣分 → 一年);
    # and, when it probes a document for a rule (对街头卖艺有规定吗), hold half the weight of the words its title does not;
    # and every clause of a compound question (裁员怎么补偿，失业金怎么申请) must be answered by one of the top passages.
    # One gap for all: each condition alone is met by too few tuning questions to weigh it apart
    # (cross-validation measured the single gap at least as good).
    "constraint_gap",
    # ln(F₁ / F₂), clipped at MARGIN_CAP: when the question's specific words found its answer, one passage
    # stands out; when only its generic words matched (推进, 建设 …), many passages score alike
    "margin",
    # 1 when the first passage's document is titled with a word of the question (养犬, 医院) or with the
    # leading part of one (物业费, 物业公司 → 物业管理条例; 医院警务室 → 医院…规定: a compound's head names its
    # topic): the corpus holds a document on what was asked. Paraphrased and wordy questions on a regulation
    # (物业费一直不交会怎么样) score a low F yet are answered there.
    "on_topic",
    # 1 when the first two passages are of one document: the top passages agree on where the answer is; a topic
    # the corpus lacks finds its words in passages of any document. (Until 2026-12 on_topic required this too;
    # apart, each measured better held out: leave-batch-4/5/6-out answered 92.0/90.2/85.6 → 95.5/93.9/86.7 %.)
    "same_document",
    # the share of the character pairs of the words asked (the user's own, not expansions) that the first
    # passage's text holds, each pair counting alike: an answer is written in much of the question's vocabulary
    # even where its rarest word is paraphrased (犬牌 → 犬只…牌), while a topic the corpus lacks meets a passage
    # on one or two rare words. F weighs words by rarity, so the two differ there less.
    "pair_share",
    # how many of the question's words neither the corpus (itself or by an expansion) nor jieba's dictionary
    # above its rarest entries knows: pieces the segmenter cut from colloquial wording (谁来罚, 查到罚, 卡出,
    # 该谁修) or a rare phrasing (预付卡, 剐蹭). Each lowers F as an unmatched word though it says nothing of the
    # topic; a word the corpus lacks that the dictionary knows well (火星, 瓷砖, 彩礼) is not counted: absent
    # topics are named so. (Every absent word counted alike measured no better held out: its weight came out
    # in favour of an answer, the colloquial pieces outweighing the absent topics.)
    "unlisted_words",
    # how many concepts the question holds (at most MAX_CONCEPTS): F is the lower the more of them a passage
    # lacks, and a wordy question (公司换了老板，以前签的合同还算数吗) leaves more of its words unsaid by the
    # answer than a short one: at one F, the more concepts, the likelier an answer
    "concepts",
)
RAREST_LISTED = 3  # frequency of the rarest entries of jieba's dictionary (200k of its 350k words are at 2 or 3)
SPLIT_REACH = 4  # characters between a long word's halves that still hold it (see _holds)
MAX_CONCEPTS = 8  # (queries of more are few: 15 of 1,187 answered-model tuning queries)
# A two-character name of jieba's place list that this share of the corpus's documents write is a word of their
# language, not a place a question names: 新建 (a county of 南昌 once, and 新建住宅 in 28 % of the documents), while
# the county and district names questions use (滕州, 朝阳, 普陀, 闵行 …) are in 2 % of them at most; a city or province
# of the table (places.py) is a place however often the documents write it (杭州).
COMMON_WORD_SHARE = 0.1
_NO_NAME = re.compile(r"^[一二两三四五六七八九十几][个棵只件张位名]|门口$")  # a count or a doorway, tagged a place
MARGIN_CAP = 3.0  # also the margin of a query with a single passage found
QUOTED_MIN = 6  # characters of a query that, found verbatim in the first passage, quote it (see quotes)
_NOT_WORD = re.compile(r"[\W_]+")

_NUMBER = r"(?:[0-9][0-9.,]*|[一二两三四五六七八九十百千万亿半]+)"
# The unit a quantity question asks in (after 多少/几/百分之), and how a passage states a figure in it.
# (好几户, 十几个, 几十人: 几 is "several" there, not asked.)
_ASKED_UNIT = re.compile(r"(?:多少|(?<![好十])几(?![十百千万]))(?:个)?(钱|元|分贝|亿|万|公里|千米|小时|分钟|秒|天|日|工作日|周|星期|岁|周岁|年|个月|月|平方米|亩|倍"
                         r"|次|辆|人|名|户|家|所|张|件|公斤|千克|吨|米|分|级|层|届|期|档|台|栋|座|点"
                         r"|棵|株|只|头|匹|本|册|盏|间|套|处|份|双|支|根|瓶|箱)"
                         r"|(百分之几|百分比|比例|占比|百分点|几折|几成)"
                         r"|(多久|多长时间)")
# The unit a quantity question implies by what it asks about (价格多少 → 元, 人口多少 → 人), unless it asks
# for a change or a rate (收入增长多少 → a percentage).
_IMPLIED_UNIT = (
    (re.compile(r"价格|价钱|票价|收费|费用|[^工]资金|工资|补贴|补助|奖励|预算|财政收入|金额"
                r"|罚款|罚金|罚多少|罚几|赔偿|赔多少|违约金|滞纳金|押金|手续费|[交缴付花]多少"), "钱"),  # (a fine in 元, or N倍 of a sum)
    (re.compile(r"人口|人数"), "人"),
    (re.compile(r"里程|距离"), "公里"),
    (re.compile(r"多高|多宽|多深|多远|多粗"), "长度"),  # (not 多长: 试用期多长 asks a period)
)
_AMOUNT_ASKED = re.compile(r"多少[呢啊呀？?\s]*$")  # 多少 ending the question: how much of what it names
_SUM_ENDS = ("金", "费")  # 供养金, 维修基金, 押金; 热费, 停车费, 物业费: sums of money
_NOT_SUMS = frozenset({"浪费", "消费", "免费"})
_CHANGE_OR_RATE = re.compile(r"增长|增速|增加|提高|上调|下降|降低|减少|比例|比重|占比|率|倍")
# (Laws state many sums as multiples: 支付二倍的工资, 违法所得一倍以上五倍以下的罚款; 多少钱 is answered so, and a fine
# as a share of a base: 预付款百分之一以下的罚款. Not any share: 维修基金不足百分之三十 is when to top the fund up, and
# 最低工资标准的百分之八十 leaves the wage itself unsaid.)
_FINE_CLAUSE = re.compile(r"[^，。；]*(?:罚款|罚金)[^，。；]*")  # a clause stating a fine
_FINE_AS_SHARE = re.compile(r"[百千万]分之[^，。；]{0,8}?(?:罚款|罚金)")
# A figure asked before asking who oversees it (民办养老院收多少钱政府管不管): what is asked is the oversight
_OVERSIGHT_ASKED = re.compile(r"有人管|管不管|谁管|谁来管|归谁管|能管吗")
_UNIT_IN_TEXT = {
    "钱": "元|倍", "元": "元|倍", "亿": "亿", "万": "万", "公里": "公里|千米", "千米": "公里|千米", "小时": "小时",
    "天": "天|日", "日": "天|日", "岁": "岁", "周岁": "岁", "年": "年", "个月": "个月|月", "月": "个月|月",
    "平方米": "平方米", "亩": "亩", "倍": "倍", "%": "%|分之|成|折|个百分点", "人": "人|名", "名": "人|名",
    "分钟": "分钟", "秒": "秒", "工作日": "工作日|日", "周": "周|星期|日|天", "星期": "周|星期|日|天", "次": "次",
    "辆": "辆", "户": "户", "家": "家", "所": "所", "张": "张", "件": "件", "公斤": "公斤|千克", "千克": "公斤|千克",
    "吨": "吨", "米": "米", "分": "分", "时长": "年|个月|月|日|天|小时|周|星期|分钟", "法定人数": "人|名|户",
    # grades, storeys, editions, phases, tiers, machines, buildings (几级 → 三级公路, 第几届 → 第七届; not 几种: kinds
    # are answered by naming them, 厨余垃圾、可回收物、有害垃圾、其他垃圾)
    **{unit: unit for unit in "级层届期档台栋座"}, "分贝": "分贝|dB|db",
    # things counted by their measure word (多少棵古树, 几只天鹅, 几间教室): a count in another unit (树龄一百年) is none
    **{unit: unit for unit in "只头匹盏间套处份双支根瓶箱"}, "棵": "棵|株", "株": "株|棵", "本": "本|册", "册": "册|本",
    "点": "点|(?<!小)时(?![间段限])", "长度": "米|公里|千米|厘米|毫米|公分",  # (几点: a time of day, 22时 or 晚上10点, not 8小时)
}
# Things counted whose count a rule may state by its name before the figure (参加人数一千以上, 户数达到三十):
# 多少人 is answered so as by 一千人
_COUNTED = ("人", "名", "户", "辆", "家", "所", "张", "件", "次", "法定人数")
_NOT_A_FIGURE = "(?![定些般切律致样旦起同并])"  # 一定数量, 一些: 一 heading a word, not a count
# How many must consent, vote or attend (要多少人同意, 多少人投票才有效, 几户到场才算数) asks a quorum, which a rule
# states as a share of the body as often as by a number (三分之二以上成员同意, 过半数投票); how many a body has
# (业主委员会由几个人组成) is a count, which no share answers.
_ASKED_QUORUM = re.compile(r"(?:多少|几)个?(?:人|名|户)[^，。？?！!]{0,6}?"
                           r"(?:同意|投票|通过|到场|出席|参加|联名|签名|签字|表决|赞成|提议)")
_QUORUM = "法定人数"  # the unit _asked_unit gives a quorum question
_SHARE_OF_BODY = re.compile(r"[一二三四五六七八九十0-9]+分之[一二三四五六七八九十0-9]+|过半数|半数以上|超过半数")
# A figure the question itself states (一年没扣分 → 一年, 60岁以上 → 60岁): a passage repeating it has not stated
# the figure asked (审验期能延长几年 is not answered by 一年内无累积记分). 百/千/万 begin no figure said (多少万元).
_SAID_FIGURE = re.compile(r"(?:[0-9][0-9.,]*|[一二两三四五六七八九十半][一二两三四五六七八九十百千万亿半]*)[^\s，。？?！!、多几]")
_FIGURE = re.compile(r"[0-9]|[一二三四五六七八九十百千]+分之|[一二两三四五六七八九十百千万亿]+(?:个|项|家|倍|成|条|所|名|万|亿|元|公里|亩|批|类|日|天|年|月|岁|周岁|小时|人|户)")
_COMPLEMENTS = ("来", "去")  # directional complements: no place name of the list ends in one but transliterations
_LAND = "地"  # jieba's list tags land by its kind as places (河滩地, 山坡地, 根据地, 黑土地): no place a rule is of
_ADMINISTRATIVE = ("省", "市", "县", "区", "国", "自治区", "特别行政区")
# Places outside the country that jieba lists without an administrative form (its 国 of old, 爱国 among them):
# named places all the same (在美国做志愿者, 香港坐救护车), as longer names (意大利, 新加坡) already are.
_ABROAD = frozenset("美国 英国 法国 德国 韩国 俄国 泰国 印度 越南 朝鲜 缅甸 老挝 蒙古 伊朗 巴西 埃及 希腊 瑞士 瑞典 荷兰 "
                    "波兰 芬兰 挪威 丹麦 智利 秘鲁 古巴 香港 欧洲 非洲 美洲 亚洲 澳洲 北美 南美 欧盟".split())
# A question framed by next year (明年宅基地审批有什么新政策, 明年起…), or asking whether something will happen next year
# (医保条例明年会不会修订, 北京明年的垃圾费会不会涨): only a text stating that year speaks of it, or one stating what holds
# for the next year as a rule does (下一年度的保险费率); 明年 as the time of an act asked about (烟花能留着明年再卖吗) frames
# nothing
_NEXT_YEAR = re.compile(r"^\s*明年|明年(?:的[^，。？?！!\s]{0,8})?(?:会不会|还会|会|要不要|是否)")
_NEXT_YEAR_FORMS = ("明年", "下一年", "次年", "来年")
# A document kind's word used as a verb, or as the object of one, names no document: after a modal or a
# preposition of the one it is addressed to (要向谁报告, 可以自己决定, 由谁决定, 给文章点赞), a few characters before it.
_VERB_USE = r"(?:向|给|跟|能|可以|要|应该|应当|自己|由|须|得)[^，。？?！!的]{{0,4}}{}"
# A five-year plan's period: 十一五 … 十九五 (the 11th plan began in 2006).
_PERIOD = re.compile(r"十([一二三四五六七八九])五")
# 对…有什么规定/有没有要求/有限制吗: a question probing a document for a rule on something
_PROBED = ("规定", "要求", "限制")  # (what is probed for: no topic word)
_PROBE = re.compile(rf"对.{{1,20}}?(?:有什么|有没有|有无|有哪些|有)(?:{'|'.join(_PROBED)})")
# A sentence repealing a document (本条例自…起施行，《广州市募捐条例》同时废止) answers whether or when that document still
# holds, not what it said: a question on its content (当年的广州市募捐条例规定募捐要不要审批) is not answered by it.
_REPEALS = re.compile(r"》(?:同时|予以|即行)?废止")
_ASKS_VALIDITY = re.compile(r"还有效|仍有效|有效吗|继续有效|管用|算数|作废|废止|失效|适用|还能用|还用|执行|生效|施行|什么时候|何时"
                            r"|哪天|哪年|修订|修改|取代|替代")
# …出台以前, 以前的…条例: what held before a document (汕头基层医疗条例出台以前家庭医生签约是怎么收费的) is in no text
# that came after it, and the corpus keeps no repealed text; only whether the old one still holds is answered
_BEFORE_DOCUMENT = re.compile(r"(?:出台|实施|施行|出来|颁布|公布|制定)(?:以前|之前)"
                              r"|(?:以前|原来|当年|旧|老)的.{0,12}?(?:条例|办法|规定|细则)")
_PLACE_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|新区|省|市|县|区|州)$")
# The home province said as the asker's own (我省高速公路限速多少): the corpus's home province (ranking.toml `home`) is
# named, as 浙江 is; 全省 only when no other place is (山东全省 is Shandong's)
_OUR_PROVINCE = re.compile(r"我省|本省|我们省|咱们省|咱省")
_WHOLE_PROVINCE = "全省"
# A compound question asks two things in two clauses (裁员怎么补偿，失业金怎么申请): each clause holds its own
# question word, and each must be answered by one of the top passages.
_ASKS = re.compile(r"吗|呢|什么|怎么|怎样|多少|多久|多长|(?<![好十])几(?![十百千万])|哪|有没有|要不要|能不能|可不可以|是否|如何|何时|谁")
_CLAUSE_END = re.compile(r"[\s，,；;、？?！!。]|以及|另外")


@dataclass(frozen=True)
class TopPassage:
    """One top passage as the decision reads it."""

    text: str  # folded passage text
    context: str  # its document title, publication and section path (normalised)
    year: int  # its document's year (0 unknown)
    source: int  # its document's number
    lead: str = ""  # a list item's lead-in (“有下列行为之一的，处…罚款：”): it states every item's figure
    # for a question asking the penalty, the texts of the provisions the passage names (违反本办法第四条规定的… →
    # 第四条's 禁止在楼道…停放电动自行车): a penalty states its breach by number, and 在楼梯口充电罚多少 asks it in words
    cited: str = ""


@dataclass(frozen=True)
class AnswerModel:
    """Weights (in ANSWER_FEATURES order), intercept and threshold on the logit; the ranking whose top passages
    it reads: its weights (in ranking.FEATURES order; None: the order shown) and, with sentence vectors, the
    cosines its `dissimilar` maps to 1 and 0 (None: the order's)."""

    weights: np.ndarray
    bias: float
    threshold: float
    ranking: np.ndarray | None = None
    cosine: tuple[float, float] | None = None

    @classmethod
    def from_json(cls, data: Mapping) -> "AnswerModel":
        ranking, cosine = data.get("ranking"), data.get("cosine")
        return cls(np.array([float(data["weights"].get(n, 0.0)) for n in ANSWER_FEATURES]), float(data["bias"]),
                   float(data["threshold"]),
                   None if ranking is None else np.array([float(ranking.get(n, 0.0)) for n in FEATURES]),
                   None if cosine is None else (float(cosine[0]), float(cosine[1])))

    def to_json(self) -> dict:
        data = {"weights": {n: round(float(w), 4) for n, w in zip(ANSWER_FEATURES, self.weights)},
                "bias": round(self.bias, 4), "threshold": round(self.threshold, 4)}
        if self.ranking is not None:
            data["ranking"] = {n: round(float(w), 4) for n, w in zip(FEATURES, self.ranking)}
        if self.cosine is not None:
            data["cosine"] = [round(v, 4) for v in self.cosine]
        return data

    def score(self, x: np.ndarray) -> float:
        return float(x @ self.weights + self.bias)


@lru_cache(maxsize=4096)
def general_frequency(word: str) -> int:
    """The word's frequency in jieba's dictionary (0 when it is not listed): how common it is in Chinese at large."""
    return word_table().entries([word]).get(word, 0)


class Answerer:
    """The corpus facts the features read, and the features of one query's top passages."""

    def __init__(self, titles: Sequence[str], kinds: Sequence[str] = (), bound: Sequence[frozenset[str]] = (),
                 document_share: Callable[[str], float] = lambda _word: 0.0, home: str = "") -> None:
        self.places = place_names()
        self.listed = listed_places()
        self.titles = tuple(titles)  # each source's title and short name (normalised), by source number
        self.kinds = tuple(kinds)  # the kinds of source (报告, 决定 …): a question may name one
        self.bound = tuple(bound)  # by source number, the places its rules bind beyond its title (places.py)
        self.document_share = document_share  # the share of the corpus's documents writing a two-character word
        self.home = home  # the province whose users ask (浙江): what 我省 names

    def named_places(self, q: ParsedQuery) -> list[str]:
        """Places the query's words name: a word, or the longest place its start spells (北京饭店 → 北京),
        each without its 省/市/县 suffix; jieba's places and the province table's (places.py). Whole words only:
        评上中国 holds no place 上中."""
        found = []
        for w in (w for run in q.runs for w in run):
            bare = _PLACE_SUFFIX.sub("", w)
            if bare in self.listed:  # the table's names are whole words: 大理石 names no 大理
                found.append(bare)
                continue
            place = next((w[:n] for n in range(len(w), 1, -1) if w[:n] in self.places and self._is_a_name(w[:n])), None)
            if place is not None:
                found.append(_PLACE_SUFFIX.sub("", place) if len(place) > 2 else place)
        raw = normalize(q.raw)
        written = written_places(raw)  # 商城县, 文登区: named as the table writes them
        named = list(dict.fromkeys([*(p for p in found if not written_as(p, written)), *written]))
        ours = _OUR_PROVINCE.search(raw) is not None or (_WHOLE_PROVINCE in raw and not named)
        return [*named, self.home] if self.home and ours and self.home not in named else named

    def _is_a_name(self, place: str) -> bool:
        """Whether a place of jieba's list is a name a question states: a two-character entry must also be
        listed in its administrative form (杭州 → 杭州市, 日本 → 日本国); the list also tags words such as 上门,
        城镇 and 爱国 (of 爱国主义), which name no place (and many 国 of old: 美国 is lost with them), and verb
        phrases ending in a directional complement (上门来), and words the corpus's documents commonly write (新建:
        COMMON_WORD_SHARE), and phrases: its rarest entries (挪作他用, 二房东 is not), a count (一棵树), a doorway
        (大门口)."""
        if place.endswith((*_COMPLEMENTS, _LAND)):  # 上门来, 迁回来: a verb and its direction, tagged a place
            return False
        if len(place) == 2 and place not in self.listed and self.document_share(place) >= COMMON_WORD_SHARE:
            return False  # (the province table's names are places however often written: 杭州 in a Zhejiang corpus)
        if len(place) > 2 and (general_frequency(place) <= RAREST_LISTED or _NO_NAME.search(place)):
            return False  # 挪作他用, 之日起, 花钱买: the rarest entries, phrases tagged by machine; 一棵树, 大门口
        return len(place) > 2 or place in _ABROAD or any(place + s in self.places for s in _ADMINISTRATIVE)

    def names_places_of(self, q: ParsedQuery, context: str) -> bool:
        """Whether `context` (a document's title …) names every place the query names."""
        return all(p in context for p in self.named_places(q))

    def _named_by_documents(self, places: Sequence[str], top: Sequence[TopPassage]) -> dict[int, set[str]]:
        """The places each top passage's document names: a place is the document's when any of its top passages
        names it (全市 in an article on 杭州's courts), or when the document is a rule binding it (杭州 and a 浙江省
        regulation, places.py)."""
        named: dict[int, set[str]] = {}
        for p in top:
            bound = self.bound[p.source] if p.source < len(self.bound) else frozenset()
            named[p.source] = named.get(p.source, set()) | {pl for pl in places
                                                            if pl in p.text or pl in p.context or binds(bound, pl)}
        return named

    def unnamed_places(self, q: ParsedQuery, top: Sequence[TopPassage]) -> list[str]:
        """The places the query names that none of the top passages' documents names: said to the user when the
        answer is not direct (the nearest quotes do not concern 苏州)."""
        places = self.named_places(q)
        named = set().union(*self._named_by_documents(places, top).values())
        return [pl for pl in places if pl not in named]

    def unanswered_clauses(self, q: ParsedQuery, concepts: Sequence[tuple[Sequence[str], float]],
                           in_corpus: Sequence[bool], top: Sequence[TopPassage]) -> list[str]:
        """The clauses of a compound question (裁员怎么补偿，失业金怎么申请) that none of the top passages answers:
        holds a third of the weight of the clause's words the corpus knows (a word it lacks, 带进 or 彩礼, tells no
        passage from another), and none answers a clause whose every word it lacks."""
        known = {vs for (vs, _), ok in zip(concepts, in_corpus) if ok}
        return [clause for clause, part in _asked_parts(q.raw, concepts)
                if not any(_holds_part(p.text, [c for c in part if c[0] in known]) for p in top)]

    def named_documents(self, q: ParsedQuery) -> list[str]:
        """Context words of the query that name a document of the corpus (政府工作报告, 决定), none inside another,
        and none the question uses as a verb (应该向谁报告, 能自己决定吗, 给文章点赞: _VERB_USE)."""
        raw = normalize(q.raw)
        words = [w for w in q.context
                 if w not in q.words and len(w) > 1 and any(w in t for t in (*self.titles, *self.kinds))
                 and not re.search(_VERB_USE.format(re.escape(w)), raw) and not self._of_another_thing(q, w)]
        return [w for w in words if not any(w != o and w in o for o in words)]

    def _of_another_thing(self, q: ParsedQuery, word: str) -> bool:
        """Whether the query writes a kind of document only after a word of its own that no title of that kind
        holds (检验报告, 体检报告: a report of some test, not the 政府工作报告; 省委决定 names the 省委…决定)."""
        raw = normalize(q.raw)
        before = [w for run in q.runs for w in run if f"{w}{word}" in raw]
        return len(before) > 0 and raw.count(word) == len(before) and not any(
            b in t and word in t for b in before for t in self.titles)

    def features(self, q: ParsedQuery, concepts: Sequence[tuple[Sequence[str], float]], in_corpus: Sequence[bool],
                 top: Sequence[TopPassage], scores: Sequence[float]) -> np.ndarray:
        """ANSWER_FEATURES of the query given its concepts (variants, idf weight), whether each is found in
        the corpus at all, its top passages and their scores F (best first)."""
        present = sum(w for (_, w), ok in zip(concepts, in_corpus) if ok) or 1.0
        cov = [sum(w for (vs, w), ok in zip(concepts, in_corpus)
                   if ok and any(_holds(p.text, v) or v in p.context or _holds(p.cited, v) for v in vs)) / present
           for p in top]
        places = self.named_places(q)
        docs = self.named_documents(q)
        wants_number = q.wants_number and not _OVERSIGHT_ASKED.search(q.raw)
        unit = _asked_unit(q) if wants_number else None
        span = _time_asked(q)
        years = span[2] if span else ()

        named = self._named_by_documents(places, top)

        said = _SAID_FIGURE.findall(normalize(q.raw)) if wants_number else []

        def states(text: str, u: str | None) -> bool:
            """Whether the text states a figure in the unit u, other than one the question states; a sum asked
            about anything but a penalty (举报奖励多少钱, 鉴定费多少钱) is not stated by a fine (处五万元以下罚款)."""
            if u in ("钱", "元") and not (q.wants_sanction or "罚" in q.raw):
                text = _FINE_CLAUSE.sub("", text)
            return _states_figure(_unsaid(text, said), u)

        probing = _PROBE.search(q.raw) is not None
        asks_validity = _ASKS_VALIDITY.search(q.raw) is not None
        before_document = _BEFORE_DOCUMENT.search(q.raw) is not None and not asks_validity
        parts_answered = not self.unanswered_clauses(q, concepts, in_corpus, top) and all(
            any(states(p.text, u) or states(p.lead, u) for p in top)
            for u in (_clause_units(q.raw) if wants_number else ()))

        def on_asked_topic(p: TopPassage) -> bool:
            """A question probing a document for a rule on something (河南文明行为条例对街头卖艺有规定吗) is answered only by
            a passage holding at least half the weight of the words its document's title does not."""
            title = self.titles[p.source] if p.source < len(self.titles) else ""
            rest = [(vs, w) for vs, w in concepts if vs[0] not in title and vs[0] not in _PROBED]
            held = sum(w for vs, w in rest if any(_holds(p.text, v) for v in vs))
            return held >= 0.5 * sum(w for _, w in rest)

        def meets(p: TopPassage) -> bool:
            """Whether the passage meets every condition the question states (plain Python: three passages)."""
            return (parts_answered and not before_document and len(named[p.source]) == len(places) and (not probing or on_asked_topic(p))
                    and (not span or span[0] <= p.year <= span[1] or any(y in p.text or y in p.context for y in years))
                    and all(d in p.context or d in p.text for d in docs)
                    and (asks_validity or not _REPEALS.search(p.text))
                    and (not wants_number or states(p.text, unit) or states(p.lead, unit)))

        gap = max(cov, default=0.0) - max((c for c, p in zip(cov, top) if meets(p)), default=0.0)
        best = scores[0] if scores else 0.0
        # (0 at least: a slogan's spelling-out is put first whatever its score, see Searcher._spelled_first)
        margin = max(math.log(best / scores[1]), 0.0) if len(scores) > 1 and scores[1] > 0 else MARGIN_CAP
        title = self.titles[top[0].source] if top and top[0].source < len(self.titles) else ""
        on_topic = bool(title) and any(_titled(v, title) for vs, _ in concepts for v in vs)
        same_document = len(top) > 1 and top[1].source == top[0].source
        asked = {vs[0][i : i + 2] for vs, _ in concepts for i in range(len(vs[0]) - 1)}
        pair_share = sum(g in top[0].text or g in top[0].cited for g in asked) / len(asked) if asked and top else 0.0
        unlisted = sum(not ok and general_frequency(vs[0]) <= RAREST_LISTED for (vs, _), ok in zip(concepts, in_corpus))
        return np.array([max(math.log(max(best, 1e-3)), -5.0), gap, min(margin, MARGIN_CAP), float(on_topic),
                         float(same_document), pair_share, float(unlisted), float(min(len(concepts), MAX_CONCEPTS))])


def quotes(query: str, text: str) -> bool:
    """Whether the query is the passage's own words, punctuation aside (木受绳则直人受谏则圣, 权随事转人随事转钱随事转): a
    user quoting the documents is answered by the sentence quoted, whatever the model makes of words that rare."""
    words = _NOT_WORD.sub("", normalize(query))
    return len(words) >= QUOTED_MIN and words in _NOT_WORD.sub("", normalize(text))


def _asked_parts(raw: str, concepts: Sequence[tuple[Sequence[str], float]]
                 ) -> list[tuple[str, list[tuple[Sequence[str], float]]]]:
    """Each clause of a compound question with its concepts (none when the question asks one thing). A word
    the clauses share (罢免村主任要多少人联名，罢免以后还能领补贴吗: 罢免) is the topic of both and tells neither
    answered: a clause with words of its own is answered by those."""
    clauses = [c for c in _CLAUSE_END.split(normalize(raw)) if _ASKS.search(c)]
    if len(clauses) < 2:
        return []
    parts = []
    words = [[vs for vs, _ in concepts if vs[0] in c] for c in clauses]
    for i, c in enumerate(clauses):
        part = [(vs, w) for vs, w in concepts if vs[0] in c]
        others = [v for j, ws in enumerate(words) if j != i for vs in ws for v in vs]
        own = [(vs, w) for vs, w in part if not any(vs[0] in o for j, o in enumerate(clauses) if j != i)
               and not any(o in v or v in o for v in vs for o in others)]
        parts.append((c, own or part))
    return [(c, part) for c, part in parts if part]


def _holds_part(text: str, part: Sequence[tuple[Sequence[str], float]]) -> bool:
    """Whether the text holds at least a third of the weight of the concepts (a clause is often paraphrased: 东西
    for 物品)."""
    return bool(part) and sum(w for vs, w in part if any(_holds(text, v) for v in vs)) >= sum(w for _, w in part) / 3


def _titled(word: str, title: str) -> bool:
    """Whether a title holds the word, or, for a word of three or more characters, its leading part of two or
    more (物业费 → 物业, 医院警务室 → 医院): a compound's head is what it is about."""
    return word in title or (len(word) >= 3 and any(word[:n] in title for n in range(len(word) - 1, 1, -1)))


def _holds(text: str, word: str) -> bool:
    """Whether the text holds the word, or, for a word of four or more characters, its two halves with at most
    SPLIT_REACH characters between them: 市场主体 is said 市场经营主体, 农村经济 农村集体经济."""
    if word in text:
        return True
    if len(word) < 4:
        return False
    head, tail = word[: len(word) // 2], word[len(word) // 2 :]
    start = text.find(head)
    while start >= 0:
        end = start + len(head)
        if tail in text[end : end + SPLIT_REACH + len(tail)]:
            return True
        start = text.find(head, start + 1)
    return False


def _time_asked(q: ParsedQuery) -> tuple[int, int, tuple[str, ...]] | None:
    """The years the question asks about, first and last, with the names a text states them by: a year written
    out (2020, not 今年: see constraint_gap), a five-year plan's period (十三五 = 2016–2020, written so), or the
    years before one (2012年以前校车是按什么规定管的: only a document older than 2012 says; a text naming 2012 does not)."""
    m = _PERIOD.search(q.raw)
    if m is not None:
        start = 2006 + 5 * "一二三四五六七八九".index(m.group(1))
        return start, start + 4, (*(f for y in range(start, start + 5) for f in _year_forms(y)), m.group(0))
    if q.year is not None and str(q.year) in normalize(q.raw):
        if re.search(f"{q.year}年(?:以前|之前)", normalize(q.raw)):
            return 0, q.year - 1, ()
        return q.year, q.year, _year_forms(q.year)
    if q.year is not None and _NEXT_YEAR.search(normalize(q.raw)):
        return q.year, q.year, (*_year_forms(q.year), *_NEXT_YEAR_FORMS)
    return None


def _year_forms(year: int) -> tuple[str, ...]:
    """A year as documents write it: 2020, 二○二○, 二〇二〇."""
    chinese = "".join("○一二三四五六七八九"[int(c)] for c in str(year))
    return str(year), chinese, chinese.replace("○", "〇")


def _asked_unit(q: ParsedQuery) -> str | None:
    if _ASKED_QUORUM.search(q.raw):
        return _QUORUM
    m = next((m for m in _ASKED_UNIT.finditer(q.raw) if not _heads_a_word(q, q.raw, m.start(1), m.group(1))), None)
    if m is not None:
        return m.group(1) or ("%" if m.group(2) else "时长")
    if _CHANGE_OR_RATE.search(q.raw):
        return None
    sums = [w for run in q.runs for w in run if len(w) > 1 and w.endswith(_SUM_ENDS) and w not in _NOT_SUMS]
    if sums and (_AMOUNT_ASKED.search(q.raw) or any(f"多少{w}" in q.raw for w in sums)):
        return "钱"  # 供养金每月多少, 减收多少热费: a sum of money (not 维修基金需要多少业主同意: owners counted)
    return next((unit for asks, unit in _IMPLIED_UNIT if asks.search(q.raw)), None)


def _clause_units(raw: str) -> list[str]:
    """The units a compound question asks in its clauses, when they ask two or more (出租银行卡罚多少钱，判刑判几年:
    元 and 年): each must be stated by a top passage, not only the first one's (which the first passage must state)."""
    clauses = [c for c in _CLAUSE_END.split(normalize(raw)) if _ASKS.search(c)]
    found = [m for c in clauses if (m := _ASKED_UNIT.search(c))]
    units = list(dict.fromkeys(m.group(1) or ("%" if m.group(2) else "时长") for m in found))
    return units if len(units) > 1 else []


def _heads_a_word(q: ParsedQuery, raw: str, at: int, unit: str | None) -> bool:
    """Whether the unit found at `at` is the first character of a longer word of the query (几个分类垃圾桶: 分类,
    not 分)."""
    return unit is not None and any(len(w) > len(unit) and w.startswith(unit) and raw.startswith(w, at)
                                    for run in q.runs for w in run)


def _unsaid(text: str, said: list[str]) -> str:
    """The text without the figures the question states, each as often as it states it: the text's next one is
    its own (一个小区能成立几个业主大会 is answered by 一个物业管理区域成立一个业主大会)."""
    for figure in said:
        text = text.replace(figure, "", 1)
    return text


def _states_figure(text: str, unit: str | None) -> bool:
    if unit is None:
        return _FIGURE.search(text) is not None
    if unit == _QUORUM and _SHARE_OF_BODY.search(text):
        return True
    if unit in ("钱", "元") and _FINE_AS_SHARE.search(text):
        return True
    units = _UNIT_IN_TEXT[unit]
    return (re.search(f"{_NUMBER}[^，。；、0-9]{{0,3}}?(?:{units})", text) is not None
            or (unit in _COUNTED and re.search(f"(?:{units})数[^，。；、0-9]{{0,4}}?{_NUMBER}{_NOT_A_FIGURE}", text)
                is not None))


def load_model(path: Path = WEIGHTS_FILE, semantic: bool = False) -> AnswerModel:
    """The "answered" entry of ranking_weights.json (of its "semantic" entry: fitted on rankings with sentence
    vectors, whose scores differ)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return AnswerModel.from_json((data["semantic"] if semantic else data)["answered"])
