"""Number forms: a figure the user types in digits (30天, 6个月) is written in Chinese numerals in laws
(三十日, 六个月); 两/半 are how people say 二 and 六个月. The parser adds the law's forms of each figure in the
query at the weight of the user's own words. (Chinese numerals typed by the user are left alone: 未来五年 → 5年
cost a tuning query and gained none.)"""
from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ((1000, "千"), (100, "百"), (10, "十"))
# Units after which a figure is a period, an age, an amount or a count (never a calendar year: 2024年 is no 二千零二十四年).
_UNITS = "个工作日|工作日|个月|小时|分钟|周岁|天|日|周|年|岁|元|万元|亿元|万|倍|次|人|名|户|项|米|公里|平方米|%|％"
_DIGIT_FIGURE = re.compile(rf"(?<![\d.])(\d{{1,5}})({_UNITS})")
_TWO = re.compile(rf"两({_UNITS})")  # 两个月, 两倍: laws write 二个月, 二倍
# Units with a second written form in laws (天 → 日; a percentage is 百分之…).
_UNIT_FORMS = {"天": ("日", "天"), "日": ("日", "天"), "%": ("百分之",), "％": ("百分之",)}
_SPOKEN = {"半年": ("六个月",), "半个月": ("十五日",), "一年半": ("十八个月",), "两周": ("十四日",), "一周": ("七日",)}


def to_chinese(n: int) -> str:
    """0 ≤ n < 100000 in the numerals laws use: 十五, 三十, 一百零五, 二千, 二万。"""
    if n < 10:
        return DIGITS[n]
    if n >= 10000:
        high, rest = divmod(n, 10000)
        return to_chinese(high) + "万" + (("零" if rest < 1000 else "") + to_chinese(rest) if rest else "")
    out, pending_zero = "", False
    for value, unit in (*_SMALL_UNITS, (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if pending_zero else "") + DIGITS[digit] + unit
            pending_zero = False
        elif out:
            pending_zero = True
    return out[1:] if out.startswith("一十") else out  # 十五, not 一十五


def numeral_keys(text: str) -> dict[str, tuple[str, ...]]:
    """Each figure in the text mapped to the forms laws write it in (30天 → 三十日, 三十天; 两倍 → 二倍)."""
    out: dict[str, tuple[str, ...]] = {}
    for m in _DIGIT_FIGURE.finditer(text):
        number, unit = int(m.group(1)), m.group(2)
        if unit == "年" and number >= 1000:
            continue
        chinese = to_chinese(number)
        forms = [f"百分之{chinese}" if u == "百分之" else f"{chinese}{u}" for u in _UNIT_FORMS.get(unit, (unit,))]
        out[m.group(0)] = tuple(dict.fromkeys(forms))
    for m in _TWO.finditer(text):
        out[m.group(0)] = (f"二{m.group(1)}",)
    for spoken, forms in _SPOKEN.items():
        if spoken in text:
            out[spoken] = forms
    return out
