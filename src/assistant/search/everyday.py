"""Everyday requests no policy document answers: the weather, the time or date, a joke, a song, what medicine to
take, which brand to buy, what to wear or give, where the nearest shop is, which one is best, where to go out.

Searched, 今天天气怎么样 matched 重污染天气全消除 and came back "answered", quoted as if it were the answer; 现在几点了
quoted a railway's new kilometres. Such a message is a request to a general assistant, not a question about the
documents: the search says it has no direct answer, and the chat says what the bot is for. Only a whole message
counts (punctuation, emoji and trailing particles aside): 重污染天气怎么治理 and 极端天气预警 are searches.
"""
from __future__ import annotations

import re

from assistant.search.places import place_names

_PLAIN = re.compile(r"[\W_]+")  # punctuation, spaces, emoji
_PARTICLES = "啊呀呢吧哈嘛哦噢啦了"
_WHEN = r"(?:今天|明天|后天|今晚|明早|明晚|今早|这几天|最近|周末|这周|本周|下周|现在|外面|这边|等会|待会)?"
EVERYDAY = re.compile("|".join((
    rf"{_WHEN}的?(?:天气|气温|温度)(?:怎么样|怎样|如何|好不好|好吗|热不热|冷不冷|多少度|几度|预报)?",
    rf"{_WHEN}(?:会|要|还会|会不会)?(?:下雨|下雪|刮台风|降温|升温)(?:吗|么|没有|不)?",
    rf"{_WHEN}(?:冷不冷|热不热|冷吗|热吗)",
    r"(?:现在|今天|今日|这会儿)?(?:几点|几点钟|什么时间|什么时候)(?:了)?",
    r"(?:今天|今日|明天)(?:是)?(?:几号|几月几号|几月几日|星期几|周几|礼拜几|什么日子)",
    r"(?:给我|给大家|你)?(?:讲|说|来)(?:一个|一段|个|段)?(?:笑话|段子|故事)(?:吧|听听)?",
    r"(?:给我|你)?(?:唱|来)(?:一首|首)?歌",
    r"你(?:几岁|多大|多大了|吃饭了吗|吃了吗|喜欢什么|是男是女|是机器人吗)",
    # what to take for an ailment, which brand to buy: a doctor's or a shop's advice, no rule's
    r"(?:感冒|发烧|咳嗽|头疼|头痛|牙疼|拉肚子|嗓子疼|失眠)了?(?:应该|要|该)?(?:吃|用|喝)(?:什么|啥)药?(?:好|好得快|管用|有效|比较好)?",
    r".{1,12}(?:哪个|哪种|哪家|什么|啥)(?:牌子|品牌)(?:的)?(?:好|最好|比较好|好用|靠谱|便宜)",
    # where the nearest one is, which shop is best, where to go out: a map's or a review site's answer, no rule's
    # (小区楼下最近的快递点在哪, 附近哪家健身房便宜, 周末带孩子去哪里玩)
    r".{0,16}(?:最近的|附近的?)[^，。？]{1,10}(?:在哪|在哪里|在哪儿|怎么走)",
    r".{0,16}(?:哪家|哪个|哪里|哪儿)[^，。？]{0,10}(?:好吃|最好吃|最便宜|便宜|比较便宜|好玩|最好玩|人少)",
    r".{0,10}去哪(?:儿|里)?(?:玩|泡温泉|吃|逛|旅游|度假|踏青)[^，。？]{0,4}",
    # what to wear, buy or give asked as a matter of taste (穿什么衣服合适, 买什么礼物好), not of a rule (窗口人员要穿什么:
    # 着装统一规范)
    r".{0,14}(?:(?:穿|送|贴|戴)(?:什么|啥)[^，。？]{0,6}?|买(?:什么|啥)(?:生日)?(?:礼物|衣服|鞋子?))"
    r"(?:好|合适|好看|得体|比较好|最好)",
    # how to cook, brew, pitch or shoot something well, which of two costs less, whether a deal pays: a matter of
    # craft or of money sense (凉皮怎么做才筋道, 帐篷怎么搭才稳当, 开电暖器和开空调哪个更省电, 提前还款划不划算)
    r".{1,12}(?:怎么|怎样|如何)(?:做|泡|煮|炒|烧|蒸|腌|拍|搭|练|弄|洗|养|种)才(?:能|会)?"
    r"(?:好吃|好喝|筋道|入味|香|嫩|脆|好看|上镜|漂亮|稳当|牢固|结实|舒服)",
    r".{1,16}哪(?:个|种|样)更(?:省电|省水|省钱|便宜|实惠|划算)",
    r".{1,16}(?:划不划算|划算吗|值不值|值得吗)",
)))


def is_everyday(text: str) -> bool:
    """Whether the whole message is an everyday request (EVERYDAY), not a question about the documents; a place
    in it (杭州明天会下雨吗, 明天杭州天气, 杭州市今天天气) is still the weather."""
    plain = _PLAIN.sub("", text)
    forms = {plain, plain.rstrip(_PARTICLES) or plain}
    return any(EVERYDAY.fullmatch(f) for f in forms | {p for f in forms for p in _without_a_place(f)})


def _without_a_place(text: str) -> list[str]:
    """`text` with a place name (and its 市/县/区) taken out near its start, where a request names it."""
    places = place_names()  # (once: each search tests 24 stretches)
    return [text[:i] + text[i + n :].lstrip("市县区") for i in range(0, 4) for n in range(2, 5)
            if text[i : i + n] in places]
