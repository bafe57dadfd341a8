"""Messages that are social formulas or everyday requests, not searches: a greeting, thanks, a farewell, 你是谁,
今天天气怎么样 (search.everyday), or an action of an answer (下一条, 更多, 上下文 1) that no answer offers.

Searched, 你好 matched a magazine sentence and came back "answered", and 你是谁 quoted 晏子说“我是一个不中用的人…”;
someone saying hello wants to know what the bot does, someone saying thanks wants nothing quoted. 下一条 typed
after the last page, and 上下文 1 after a choice of documents, reached here as questions and quoted passages
citing 第十一条 or a 题注. Only a whole message counts
(punctuation, emoji and trailing particles aside): 你好，共同富裕是什么 and 更多共同富裕 are searches. A message of
interjections alone (哈哈哈, 嗯嗯) is answered as a greeting, with what the bot does: searched, 哈哈哈 quoted three
magazine sentences as the nearest in meaning.
"""
from __future__ import annotations

import re

from assistant.chat.followups import is_follow_up
from assistant.search.everyday import is_everyday

_PLAIN = re.compile(r"[\W_]+")  # punctuation, spaces, emoji
_PARTICLES = "啊呀呢吧哈嘛哦噢啦了"
_INTERJECTIONS = _PARTICLES + "嗯呵嘿唉哎哼喔"  # a message of these alone (哈哈哈, 嗯嗯) says nothing to search
GREETINGS = frozenset({
    "你好", "您好", "嗨", "哈喽", "hello", "hi", "早", "早上好", "上午好", "中午好", "下午好", "晚上好", "在吗", "在不在",
    "有人吗", "你是谁", "你叫什么", "你叫什么名字", "你能做什么", "你能干什么", "你会什么", "你会干什么", "怎么用",
})
THANKS = frozenset({
    "谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "感谢你", "辛苦", "辛苦了", "好的", "好", "收到", "明白", "知道", "懂",
    "再见", "拜拜", "晚安", "ok", "okay", "thanks", "thankyou", "bye",
})


def small_talk(text: str) -> str | None:
    """"greeting", "thanks", "everyday" or "action" when the whole message is one of those, else None (a search).
    An action reaches here only when the last answer did not offer it (a channel without buttons presses it if it
    did) or on a channel whose buttons are pressed, not typed."""
    if is_follow_up(text):
        return "action"
    plain = _PLAIN.sub("", text).lower()
    bare = plain.rstrip(_PARTICLES) or plain
    if bare in GREETINGS or plain in GREETINGS or (plain and not plain.strip(_INTERJECTIONS)):
        return "greeting"
    if bare in THANKS or plain in THANKS:
        return "thanks"
    if is_everyday(text):
        return "everyday"
    return None
