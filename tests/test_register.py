"""The package's register lexicon (search/register.toml): everyday words reach the legal wording of any corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.search import lexicon
from assistant.search.engine import Searcher
from assistant.search.lexicon import (LexiconError, QueryWords, held_by, load_synonyms, merged_query_words,
                                      merged_synonyms)
from assistant.search.query import QueryParser
from assistant.search.tokenizer import Tokenizer
from regulation_support import CURATED, plan_with_regulations

# Made-up articles in the shape of a road traffic law: the answer says 饮酒后驾驶机动车 … 罚款, never 喝酒/开车.
TRAFFIC_MD = """# 某省道路交通安全条例

第一条 为了维护道路交通秩序，制定本条例。

第二条 饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证，并处一千元以上二千元以下罚款。

第三条 酒类经营者不得向未成年人销售酒。

第四条 行人应当在人行横道内通行。
"""
QUESTION = "喝了酒开车会怎么罚"
ANSWER = "饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证，并处一千元以上二千元以下罚款。"


def _first_hit(root: Path) -> str | None:
    regulation = root / "traffic.md"
    regulation.write_text(TRAFFIC_MD, encoding="utf-8")
    db = plan_with_regulations(root, "某某方案的正文。", [regulation])
    hits = Searcher.open(db).search(QUESTION).hits
    return hits[0].passage.text if hits else None


def test_a_colloquial_question_finds_the_article_through_the_register(tmp_path):
    assert _first_hit(tmp_path) == ANSWER


def test_without_the_register_the_same_question_misses_it(tmp_path, monkeypatch):
    empty = tmp_path / "empty.toml"
    empty.write_text("[synonyms]\n", encoding="utf-8")
    monkeypatch.setattr(lexicon, "REGISTER_FILE", empty)
    (tmp_path / "corpus_root").mkdir()
    assert _first_hit(tmp_path / "corpus_root") != ANSWER


def test_the_corpus_file_replaces_or_removes_a_register_entry(tmp_path):
    register = load_synonyms(lexicon.REGISTER_FILE)
    assert register["开车"] == ("驾驶", "驾驶机动车") and "老板" in register
    (tmp_path / "synonyms.toml").write_text('[synonyms]\n"开车" = []\n"老板" = ["雇主"]\n"共富" = "共同富裕"\n',
                                            encoding="utf-8")
    merged = merged_synonyms(tmp_path)
    assert "开车" not in merged and merged["老板"] == ("雇主",) and merged["共富"] == ("共同富裕",)
    assert merged["驾照"] == register["驾照"]  # untouched entries stay
    assert merged_synonyms(None) == {k: v for k, v in register.items() if v}


def test_a_malformed_value_names_the_file_and_line(tmp_path):
    bad = tmp_path / "synonyms.toml"
    bad.write_text('[synonyms]\n"共富" = ["共同富裕"]\n"老板" = [1, 2]\n', encoding="utf-8")
    with pytest.raises(LexiconError, match=r"synonyms\.toml 第 3 行：“老板”"):
        load_synonyms(bad)
    bad.write_text('[synonyms]\n"共富" = ["共同富裕"]\n"老板" = 用人单位\n', encoding="utf-8")
    with pytest.raises(LexiconError, match=r"synonyms\.toml.*line 3"):
        load_synonyms(bad)


def test_register_keys_are_content_words_the_parser_can_see():
    """A key made of question scaffolding or a context word is dropped before keys are looked up: it could
    never expand; a one-character key must not be a function character (it would match nearly every query)."""
    words = merged_query_words(CURATED)
    keys = load_synonyms(lexicon.REGISTER_FILE)
    assert not [k for k in keys if k in words.scaffolding or k in words.context]
    assert not [k for k in keys if len(k) == 1 and k in "的了在和与及要当被把将对是也都就而或之从向为以于让给有会能"]


def test_a_corpus_without_query_words_still_strips_how_people_ask(tmp_path):
    """Question scaffolding ships with the package: a corpus made by `add --new` has no query_words.toml, and its
    questions must not look for 什么/怎么办 in the sentences; a corpus's file adds its own words."""
    bare = lexicon.build_lexicon(["某某条例的正文。"], None).query_words
    assert {"什么", "怎么", "怎么办", "多少"} <= bare.scaffolding and {"今年", "报告"} <= bare.context
    regulation = tmp_path / "traffic.md"
    regulation.write_text(TRAFFIC_MD, encoding="utf-8")
    parser = Searcher.open(plan_with_regulations(tmp_path, "某某方案的正文。", [regulation])).parser
    assert set(parser.parse("酒后开车怎么办，会罚什么").words).isdisjoint({"怎么办", "怎么", "什么"})
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "query_words.toml").write_text('[context]\nwords = ["党刊"]\n', encoding="utf-8")
    added = merged_query_words(tmp_path / "extra")
    assert "党刊" in added.context and bare.scaffolding <= added.scaffolding


def test_an_aspect_particle_inside_a_phrase_does_not_hide_its_key(tmp_path):
    """喝了酒 is 喝酒 (→ 饮酒) with 了 inside: keys are looked up with and without such particles, and a key that
    holds one (过马路) is still found."""
    regulation = tmp_path / "traffic.md"
    regulation.write_text(TRAFFIC_MD, encoding="utf-8")
    parser = Searcher.open(plan_with_regulations(tmp_path, "某某方案的正文。", [regulation])).parser
    drunk = parser.parse("喝了酒开车会怎么罚")
    assert "饮酒" in drunk.words and ("喝了酒", "饮酒") in drunk.concepts
    assert "人行横道" in parser.parse("小孩过马路走哪里").words


def test_a_value_that_only_narrows_a_word_the_corpus_uses_otherwise_is_dropped():
    """物业 → 物业管理 would favour one compound when the corpus also says 物业用房, 物业费; where the corpus
    uses the key only inside the value (法院 only as 人民法院), the value stays."""
    texts = ["物业管理区域内的物业用房属于业主共有。", "物业服务人应当公示物业费。", "当事人可以向人民法院起诉。"]
    synonyms = {"物业": ("物业管理", "物业服务人"), "法院": ("人民法院",), "老板": ("物业服务人",)}
    assert held_by(synonyms, texts) == {"法院": ("人民法院",), "老板": ("物业服务人",)}


def test_a_phrase_key_matches_with_a_few_words_between_its_parts():
    """狗…叫 (… in the file) is said 狗天天叫: its value joins the words' own keys (狗 → 犬) and stands for the
    words it spans; parts too far apart are no phrase, and such a key never enters the segmenter's dictionary."""
    assert load_synonyms(lexicon.REGISTER_FILE)[f"狗{lexicon.GAP}叫"] == ("犬吠",)
    synonyms = {"狗": ("犬",), f"狗{lexicon.GAP}叫": ("犬吠",)}
    parser = QueryParser(Tokenizer(), synonyms, QueryWords(frozenset({"怎么办"})))
    q = parser.parse("邻居的狗天天叫怎么办")
    assert {"犬吠", "犬"} <= set(q.highlight) and ("天天", "犬吠") in q.concepts
    assert "犬吠" not in parser.parse("狗在小区里到处乱跑还叫").highlight
    assert not [w for w in lexicon.build_lexicon(["犬吠扰民的，由公安机关处理。"], None).user_words if lexicon.GAP in w]


WETLANDS_MD = """# 某市湿地保护条例

<!-- INFO END -->

第一条 为了加强湿地保护，维护湿地生态功能和生物多样性，制定本条例。

第二条 本条例适用于本市行政区域内湿地的保护、利用和管理活动。

第三条 本条例所称湿地保护，是指对湿地生态系统及其功能进行的保护、修复和管理活动。

第四条 市林业部门负责本市湿地保护的组织、协调、指导和监督工作。

第五条 禁止在湿地内开垦、填埋或者排干湿地。
"""


@pytest.mark.parametrize("query, article", [
    ("湿地保护条例的立法目的是什么", "第一条"),  # not the 本条例所称湿地保护 definition, which holds more of its words
    ("湿地保护条例立法宗旨", "第一条"),
    ("湿地保护条例的适用范围", "第二条"),
])
def test_a_regulation_s_purpose_and_scope_are_its_own_articles(tmp_path: Path, query: str, article: str):
    from tests.test_ranking import regulation_searcher

    searcher = regulation_searcher(tmp_path, "wetlands", WETLANDS_MD)
    assert searcher.search(query, k=1).hits[0].passage.section == (article,)


DOGS_MD = """# 某市养犬管理条例

<!-- INFO END -->

第一条 为了规范养犬行为，保障公民健康和人身安全，制定本条例。

第二条 区公安部门负责本区养犬登记和犬只收容工作。

第三条 犬只伤害他人的，养犬人应当立即将被伤害人送至医疗机构诊治，并先行支付医疗费用。

第四条 养犬人应当负责清除犬只在户外排泄的粪便。
"""


def test_a_bite_is_the_harm_a_regulation_speaks_of(tmp_path: Path):
    from tests.test_ranking import regulation_searcher

    searcher = regulation_searcher(tmp_path, "dogs", DOGS_MD)  # 狗咬人 → 犬 … 伤害他人, above the articles on 负责
    assert searcher.search("狗咬人了谁负责", k=1).hits[0].passage.section == ("第三条",)
