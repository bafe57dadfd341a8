"""Number forms: a figure typed in digits reaches the Chinese numerals laws write it in."""
from __future__ import annotations

import pytest

from assistant.search.lexicon import QueryWords
from assistant.search.numerals import numeral_keys, to_chinese
from assistant.search.query import QueryParser
from assistant.search.tokenizer import Tokenizer


@pytest.mark.parametrize("n, chinese", [(0, "零"), (6, "六"), (10, "十"), (15, "十五"), (30, "三十"), (105, "一百零五"),
                                        (110, "一百一十"), (200, "二百"), (1050, "一千零五十"), (20000, "二万"),
                                        (10500, "一万零五百")])
def test_digits_become_the_numerals_laws_write(n, chinese):
    assert to_chinese(n) == chinese


def test_figures_periods_and_spoken_forms_but_never_a_calendar_year():
    assert numeral_keys("30天内") == {"30天": ("三十日", "三十天")}
    assert numeral_keys("试用期6个月，罚款200元，超过3%") == {"6个月": ("六个月",), "200元": ("二百元",), "3%": ("百分之三",)}
    assert numeral_keys("两倍工资半年内") == {"两倍": ("二倍",), "半年": ("六个月",)}
    assert numeral_keys("2024年的目标") == {} and numeral_keys("三十日内") == {}


def test_the_parser_searches_the_figure_in_the_laws_form_at_the_users_weight():
    parser = QueryParser(Tokenizer(), {}, QueryWords(frozenset({"多久"})))
    q = parser.parse("工作满1年有多久年假")
    assert q.words.get("一年") == 1.0 and ("满1年", "满一年") in q.concepts
