"""Buttons pressed by typing, for channels without buttons (DingTalk, the console): what a user types for one.

People type a follow-up as they would say it on a phone: 下一条。 or 更多 for 下一页, 上下文 ② or 上下文 ２ for
上下文 2. typed_key maps such a text and the button's own word to one key, so either presses it.
"""
from __future__ import annotations

import re
import unicodedata

# What people type for paging instead of the listed word: taken as that word.
SAID_FOR = {
    "下一页": ("下一条", "下一个", "下页", "后一页", "往后", "更多", "还有吗", "还有呢", "继续", "接着"),
    "上一页": ("上一条", "上一个", "上页", "前一页", "往前"),
}
# A button label nobody can type, and the word typed for it.
LABEL_WORDS = {"⭐": "收藏"}
# The actions under an answer that people type on channels without buttons (with a quote's number or not).
ACTIONS = ("下一页", "上一页", "上下文", "更多上下文", "来源", "复制", "收藏", "摘编")
_SAID = {**{said: word for word, saids in SAID_FOR.items() for said in saids}, **LABEL_WORDS}
_LOOSE = re.compile(r"[\s。.，,、!！?？~～…]+")


def typed_key(text: str) -> str:
    """`text` as compared with a follow-up: without spaces and punctuation, full-width digits and circled numbers
    as digits (NFKC), an everyday paging word as the listed one (下一条 → 下一页), a label one cannot type as the
    word typed for it (⭐ → 收藏)."""
    key = _LOOSE.sub("", unicodedata.normalize("NFKC", text))
    word = key.rstrip("0123456789")
    return _SAID.get(word, word) + key[len(word):]


def is_follow_up(text: str) -> bool:
    """Whether the whole message types an action of an answer (下一条, 上下文 ②, 来源 1): said with no answer that
    offers it, it is still no question to search."""
    return typed_key(text).rstrip("0123456789") in ACTIONS
