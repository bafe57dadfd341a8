import pytest

from assistant.ingest.sentences import MAX_PASSAGE, split_clauses, split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("甲。乙！丙？", ["甲。", "乙！", "丙？"]),
        ("他说：“要干。”然后走了。", ["他说：“要干。”", "然后走了。"]),  # closing quote stays with its sentence
        ("（摘自某报告。）下文。", ["（摘自某报告。）", "下文。"]),  # so does a closing bracket
        ("增长8.5%，达到2.0版。", ["增长8.5%，达到2.0版。"]),  # decimals never split
        ("学习《决定。说明》全文。再读。", ["学习《决定。说明》全文。", "再读。"]),  # never inside 《…》
        ("由“趴睡”变“躺睡”……今年起推广。", ["由“趴睡”变“躺睡”……", "今年起推广。"]),
        ("没有句末标点的标题", ["没有句末标点的标题"]),
        ("“完成！这个项目办好了。”他说。", ["“完成！这个项目办好了。”他说。"]),  # not inside a short quotation
        ("“节约了时间。”杨海波说。下一句。", ["“节约了时间。”杨海波说。", "下一句。"]),  # a speaker tag closes the quote
        ("“省时又省力。”86岁的夏阿婆连连称赞。", ["“省时又省力。”86岁的夏阿婆连连称赞。"]),
        ("“方便多了。”参与“打捆”环评的公司负责人说。", ["“方便多了。”参与“打捆”环评的公司负责人说。"]),
        ("“好。”接下来我们做了三件事。", ["“好。”", "接下来我们做了三件事。"]),  # a sentence after a quote is not a tag
        ("各位代表！实干成就梦想。再见。", ["各位代表！实干成就梦想。", "再见。"]),  # a bare address joins its sentence
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_a_long_quotation_is_split_inside_after_all():
    quoted = "“" + "很长的一句话。" * 30 + "”"
    pieces = split_sentences(quoted)
    assert len(pieces) > 1 and "".join(pieces) == quoted


def test_split_sentences_reassembles_exactly():
    text = "第一句。“第二句！”第三句？（第四句。）……第五句没有结尾"
    assert "".join(split_sentences(text)) == text


def test_stray_closing_punctuation_joins_the_sentence_before():
    assert split_sentences("好。”") == ["好。”"]


def test_short_sentence_is_not_split_into_clauses():
    sentence = "甲；乙；丙。"
    assert split_clauses(sentence) == [sentence]


def test_long_sentence_splits_at_semicolons_and_merges_short_clauses():
    clause = "推进某项工作" * 10 + "；"  # 61 characters
    sentence = clause * 5 + "完成。"
    parts = split_clauses(sentence)
    assert "".join(parts) == sentence
    assert all(len(p) <= MAX_PASSAGE for p in parts)
    assert len(parts) == 3  # two clauses fit a screen together


def test_a_single_clause_longer_than_the_limit_stays_whole():
    sentence = "很长" * 120 + "。"
    assert split_clauses(sentence) == [sentence]


def test_a_speaker_tag_stays_apart_when_joining_would_pass_the_limit():
    quote = "“" + "很" * 20 + "。”"
    assert split_sentences(quote + "他说。", limit=20) == [quote, "他说。"]
