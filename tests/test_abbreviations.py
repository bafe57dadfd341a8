"""Expansions a corpus brings itself: mined abbreviations and 简称, curated synonyms kept only where a passage
holds them, and how the query parser looks them up."""
from __future__ import annotations

from assistant.search.abbreviations import (AbbreviationMiner, abbreviations_of, mine_kinds, mine_short_names,
                                            pair_abbreviations)
from assistant.search.lexicon import QueryWords, held_by
from assistant.search.query import QueryParser
from assistant.search.normalize import normalize
from assistant.search.tokenizer import Tokenizer, bigrams, new_jieba


def mine_abbreviations(passages, general=None) -> dict[str, tuple[str, ...]]:
    """The table index_passages builds, for (source, text) pairs cut by the index's tokenizer."""
    tokenizer, miner = Tokenizer(), AbbreviationMiner(general)
    texts = []
    for source, text in passages:
        texts.append(normalize(text))
        miner.add(source, texts[-1], tokenizer.segments(texts[-1]))
    return miner.table(texts)


def test_an_abbreviation_takes_one_character_of_each_word():
    assert abbreviations_of(("公共", "租赁", "住房")) == {"公租住", "公租房"}
    assert "长护险" in abbreviations_of(("长期", "护理", "保险"))


def test_a_phrase_never_spans_punctuation():
    texts = [("a", "公共租赁，住房保障。"), ("b", "公共租赁，住房保障。")]
    assert not any(v == "公共租赁住房" for values in mine_abbreviations(texts).values() for v in values)


def test_an_abbreviation_the_corpus_writes_stands_for_its_phrase():
    texts = [("a", "符合条件的家政服务人员纳入公共租赁住房等住房保障范围。"), ("b", "扩大公租房供给。")]
    assert mine_abbreviations(texts)["公租房"] == ("公共租赁住房",)


def test_an_unwritten_abbreviation_needs_a_phrase_two_documents_use():
    one = [("a", "试点长期护理保险制度。"), ("a", "完善长期护理保险。")]
    two = [("a", "试点长期护理保险制度。"), ("b", "完善长期护理保险。")]
    assert "长护险" not in mine_abbreviations(one)
    assert mine_abbreviations(two)["长护险"] == ("长期护理保险",)  # 保险制度 is cut 保险|制度


def test_an_abbreviation_that_is_a_general_word_is_not_mined():
    texts = [("a", "纳入公共租赁住房。"), ("b", "扩大公租房供给。")]
    assert "公租房" in mine_abbreviations(texts)
    general = {**new_jieba().FREQ, "公租房": 1}
    assert "公租房" not in mine_abbreviations(texts, general)


def test_a_two_word_abbreviation_takes_first_characters_and_a_long_last_words_last():
    assert pair_abbreviations("安全", "检查") == {"安检"}
    assert pair_abbreviations("业主", "委员会") == {"业委", "业委会"}


HOSPITAL = ["进入医院的人员应当主动接受并配合安全检查。", "医院应当建立安全检查制度。",
            "拒不接受安全检查的，医院有权拒绝其进入。", "护士站、安检口等重点部位配备一键报警装置。"]


def test_a_two_word_abbreviation_needs_a_term_of_one_document_and_the_corpus_writing_it():
    assert mine_abbreviations(("h", t) for t in HOSPITAL)["安检"] == ("安全检查",)
    assert "安检" not in mine_abbreviations(("h", t) for t in HOSPITAL[:3])  # never written as a word
    assert "安检" not in mine_abbreviations(("h", t) for t in HOSPITAL[1:])  # the phrase used only twice
    spread = [(str(i), t) for i, t in enumerate(HOSPITAL)]  # three documents using it once each: no term
    assert "安检" not in mine_abbreviations(spread)


def test_a_two_character_abbreviation_that_is_a_far_commoner_general_word_is_not_mined():
    general = {**new_jieba().FREQ}
    assert "安检" in mine_abbreviations((("h", t) for t in HOSPITAL), general)
    general["安检"] = general["安全检查"] * 50
    assert "安检" not in mine_abbreviations((("h", t) for t in HOSPITAL), general)


def test_a_three_character_two_word_abbreviation_needs_no_dictionary_word():
    texts = ["业主委员会应当召开会议。", "业主委员会委员由业主担任。", "业主委员会执行业主大会的决定。",
             "推动社区、业委会、物业三方协同。"]
    assert mine_abbreviations(("p", t) for t in texts)["业委会"] == ("业主委员会",)


def test_declared_short_names_both_ways():
    texts = ["根据《中华人民共和国家庭教育促进法》（以下简称“家庭教育促进法”）制定。",
             "浙江省人民政府（简称省政府）负责。"]
    short = mine_short_names(texts)
    assert short["家庭教育促进法"] == {"中华人民共和国家庭教育促进法"}
    assert short["省政府"] == {"省人民政府"}
    mined = mine_abbreviations(("a", t) for t in texts)
    assert "中华人民共和国家庭教育促进法" in mined["家庭教育促进法"]
    assert "家庭教育促进法" in mined["中华人民共和国家庭教育促进法"]


def test_the_kinds_a_definition_lists_stand_for_the_term_it_defines():
    texts = [normalize(t) for t in (
        "本条例所称互联网上网服务营业场所，是指通过计算机等装置向公众提供互联网上网服务的网吧、电脑休闲室等营业性场所。",
        "本条例所称二次供水设施，是指为二次供水设置的供水管道、水池、水箱、水泵、阀门等。",
        "本条例所称养老服务，是指由政府和社会为老年人提供的生活照料、医疗保健、康复护理和临终关怀等服务。",
        # the means of an act (等方式), the parts of a fee (等费用): no kinds of the term
        "本法所称家庭暴力，是指家庭成员之间以殴打、捆绑、残害、限制人身自由以及经常性谩骂、恐吓等方式实施的侵害行为。",
        "本条所称免费用血，是指个人医疗临床用血时，不承担血液的采集、储存、分离、检验等费用。",
    )]
    kinds = mine_kinds(texts)
    assert kinds["网吧"] == kinds["电脑休闲室"] == {"互联网上网服务营业场所"}
    assert kinds["水箱"] == kinds["阀门"] == {"二次供水设施"}
    assert kinds["生活照料"] == kinds["临终关怀"] == {"养老服务"}  # the first after the clause's 的, the last after 和
    assert not {"政府", "殴打", "恐吓", "检验"} & set(kinds)
    mined = mine_abbreviations(("a", t) for t in texts)
    assert mined["网吧"] == ("互联网上网服务营业场所",) and "互联网上网服务营业场所" not in mined  # one way


def test_curated_values_no_passage_holds_are_dropped():
    synonyms = {"狗": ("犬",), "家长": ("父母", "监护人"), "医保": ("医疗保险",)}
    assert held_by(synonyms, ["养犬人应当为犬只办理登记。", "父母应当履行家庭教育责任。"]) == {
        "狗": ("犬",), "家长": ("父母",)}


def _parser(related, synonyms=None, texts=()) -> QueryParser:
    """A parser; given passages, with their terms (as index_passages mines them) and which words' character pairs
    one of them holds."""
    tokenizer, miner = Tokenizer(), AbbreviationMiner()
    for text in map(normalize, texts):
        miner.add("a", text, tokenizer.segments(text))
    return QueryParser(tokenizer, synonyms or {}, QueryWords(frozenset({"能不能", "申请", "怎么", "吗"})),
                       related=related, terms=miner.terms(),
                       holds=lambda word: any(set(bigrams(word)) <= set(bigrams(normalize(t))) for t in texts))


def test_a_mined_key_expands_below_the_users_words_only_as_whole_query_words():
    parser = _parser({"公租房": ("公共租赁住房",), "年人均": ("年龄人口平均",)})
    q = parser.parse("家政员工能不能申请公租房")
    assert "公共租赁住房" in q.highlight
    assert any("公共租赁住房" in c for c in q.concepts)
    assert max(q.bigrams[g] for g in ("共租", "赁住")) < 1.0
    # 年人均 is no word of this query (2023年 | 人均): a key straddling words is chance
    assert "年龄人口平均" not in parser.parse("2023年人均收入").highlight


def test_a_one_character_key_inside_a_word_stands_alone():
    q = _parser({}, {"狗": ("犬",)}).parse("遛狗")
    assert ("遛狗", "犬") in q.concepts


TRAFFIC = ["交通警察应当依法执行职务。", "交通警察发现违法行为，应当及时纠正。", "交通警察执勤时应当着装。",
           "交通信号灯由红灯、绿灯、黄灯组成。", "交通信号灯按照规定设置。", "交通信号灯应当保持清晰。"]


def test_the_corpus_terms_are_runs_a_document_uses_often_most_used_first():
    tokenizer, miner = Tokenizer(), AbbreviationMiner()
    for text in [*TRAFFIC, "交通警察到场。", "第十八条 第十八条 第十八条"]:
        miner.add("a", normalize(text), tokenizer.segments(normalize(text)))
    terms = miner.terms()
    assert terms.index("交通警察") < terms.index("交通信号灯")  # used four times, three times
    assert not any(t.startswith("第") for t in terms)


def test_a_word_no_passage_holds_stands_for_the_terms_it_abbreviates():
    parser = _parser({}, texts=TRAFFIC)
    q = parser.parse("交警能不能罚款")
    assert ("交警", "交通警察") in q.concepts
    assert q.words["交通警察"] < 1.0
    # a word some passage holds keeps its own meaning (信号 is no abbreviation of 交通信号灯)
    assert parser.parse("信号怎么设置").concepts == (("信号",), ("设置",))
    # the term must start with the word's first character: 警交 abbreviates nothing
    assert ("警交",) in parser.parse("警交怎么设置").concepts


def test_a_word_whose_character_pairs_are_only_apart_still_stands_for_a_term():
    """In a larger corpus each pair of an abbreviation turns up somewhere (业费 in 行业费率): the word itself does not."""
    texts = ["业主应当交纳物业服务费用。", "物业服务费用由建设单位交纳。", "逾期不交纳物业服务费用的，业主委员会应当督促。",
             "按照所属行业费率档次缴费。"]
    q = _parser({}, texts=texts).parse("物业费怎么交")
    assert ("物业费", "物业服务费用") in q.concepts
    texts.append("物业费由业主交纳。")  # now a passage holds it: it keeps its own meaning
    assert ("物业费",) in _parser({}, texts=texts).parse("物业费怎么交").concepts


def test_a_term_may_run_to_four_words_so_an_abbreviation_of_its_first_and_last_words_spells_out():
    """婚检 names 婚前 and 检查 of 婚前|孕前|医学|检查, a run of four words."""
    texts = [f"应当提供婚前孕前医学检查{v}。" for v in ("服务", "场所", "指导")]
    assert ("婚检", "婚前孕前医学检查") in _parser({}, texts=texts).parse("婚检要花钱吗").concepts


def test_an_abbreviated_word_stands_for_two_terms_at_most_none_holding_another():
    texts = [f"交通警察{v}。" for v in ("执行职务", "执行职务", "执行职务", "依法执勤", "着装上岗")]
    texts += [f"交通秩序警示{v}。" for v in ("标志", "标志", "标志")]
    assert dict((c[0], c[1:]) for c in _parser({}, texts=texts).parse("交警").concepts)["交警"] == (
        "交通警察", "交通秩序警示")  # not 交通警察执行 too
