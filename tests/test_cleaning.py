"""Each cleaning rule on small literal examples (the real seeds are covered in test_ingest.py)."""
from assistant.ingest import cleaning
from assistant.ingest.lines import display_width, read_lines, squeeze
from assistant.ingest.removals import Removals


def lines_of(text: str):
    return read_lines(text, Removals())


def kept(rule, text: str) -> tuple[list[str], Removals]:
    removals = Removals()
    return [ln.text for ln in rule(lines_of(text), removals)], removals


def test_squeeze_removes_letter_spacing_but_keeps_latin_words_apart():
    assert squeeze("居 民 消 费 价 格 上 涨") == ("居民消费价格上涨", 7)
    assert squeeze("  Hello World 2024 年 ") == ("Hello World2024年", 2)


def test_read_lines_keeps_layout_cues():
    lines = lines_of(" 新的一栏\n\n　　新段落\n普通行")
    assert [(ln.text, ln.column_start, ln.indent) for ln in lines] == [
        ("新的一栏", True, False),
        ("新段落", False, True),
        ("普通行", False, False),
    ]


def test_display_width_counts_cjk_double_and_punctuation_single():
    assert display_width("浙江，2024") == 2 * 2 + 1 + 4


def test_vertical_text_is_dropped():
    out, removals = kept(cleaning.drop_vertical_text, "巩\n固\n拓\n展\n正文一行。")
    assert out == ["正文一行。"]
    assert removals.chars["vertical_text"] == 4


def test_page_number_line_is_dropped():
    out, _ = kept(cleaning.drop_page_numbers, "保持全国领\n47\n先，地区差距")
    assert out == ["保持全国领", "先，地区差距"]


def test_doubled_caption_detection():
    assert cleaning.is_doubled("杭州市开展杭州市开展““公述民评公述民评””面对面问政活动面对面问政活动")
    assert cleaning.is_doubled("嘉善县政务服务中心嘉善县政务服务中心 吴祎蕾吴祎蕾 摄摄")
    assert not cleaning.is_doubled("人人享有尽展其才、梦想成真的发展机会")
    assert not cleaning.is_doubled("常常")  # too short to tell


def test_doubled_caption_glued_to_a_body_line_is_cut_off():
    out, removals = kept(cleaning.drop_doubled_tails, "低于18%。怀旧治疗室一角怀旧治疗室一角")
    assert out == ["低于18%。"]
    assert removals.chars["doubled_caption"] == 14


def test_undouble():
    assert cleaning.undouble("让让文学之花绽放之江大地绽放之江大地") == "让文学之花绽放之江大地"


def test_table_of_contents_block_is_dropped_with_its_labels_and_authors():
    toc = "26 湖州市：深学细悟/张志炜\n经 济\n28 嘉兴市：坚定信念/杨永昌\n30 温州大学：以实干担当\n/今 哲\n正文开始。"
    out, removals = kept(cleaning.drop_table_of_contents, toc)
    assert out == ["正文开始。"]
    assert removals.pieces["table_of_contents"] == 5


def test_a_lone_line_starting_with_a_number_is_body_text():
    body = "选树200名好支书和\n33 名“身边榜样”等一批身边典\n型，干事创业氛围持续浓厚。"
    out, _ = kept(cleaning.drop_table_of_contents, body)
    assert len(out) == 3


def test_sponsor_list_is_dropped():
    text = "成果转化。\n中共普陀区委 普陀区人民政府\n中共岱山县委 岱山县人民政府\n浙江民泰商业银行股份有限公司\n下文"
    out, _ = kept(cleaning.drop_sponsor_lists, text)
    assert out == ["成果转化。", "下文"]


def test_notice_box_is_dropped_back_to_the_start_of_its_column():
    text = "受到企业主的一致\n 根据有关通知要求，我\n社现将名单公示：\n张三、李四。\n公 示\n好评。"
    out, removals = kept(cleaning.drop_notices, text)
    assert out == ["受到企业主的一致", "好评。"]
    assert removals.pieces["notice"] == 4


def test_bylines_are_dropped_but_a_bulleted_sentence_is_not_a_byline():
    out, _ = kept(cleaning.drop_bylines, "■今 哲 李祖祥 项炳池\n本刊记者\n正文。")
    assert out == ["正文。"]
    assert not cleaning.is_byline("■必须牢记高质量发展是新时代的硬道理，")


def test_pull_quote_block_is_dropped_up_to_its_short_last_line():
    wide = "■必须牢记高质量发展是新时代的硬道理全面贯彻新发展理念把加快建设现代化经济体系\n" \
           "落实到位完善推动高质量发展的考核评价体系为推动高质量发展打牢基础发展新质生产力\n" \
           "推动新质生产力加快发展\n" \
           " 中共中央政治局就扎实推进"
    out, removals = kept(cleaning.drop_pull_quotes, wide)
    assert out == ["中共中央政治局就扎实推进"]
    assert removals.pieces["pull_quote"] == 3


def test_column_labels_are_dropped():
    rule = cleaning.column_label_rule(["领导要论", "生态文明"])
    out, _ = kept(rule, "领导要论\n生 态 文 明\n>>领导要论\n领导要论的正文。")
    assert out == ["领导要论的正文。"]


def test_title_pieces_split_at_colon_and_spaces():
    pieces = cleaning.title_pieces(["宁波市：凝心铸魂学思想 感恩奋进谱新篇"])
    assert {"宁波市", "凝心铸魂学思想", "感恩奋进谱新篇", "凝心铸魂学思想感恩奋进谱新篇"} <= pieces


def test_title_repeats_are_dropped_but_body_lines_sharing_words_are_kept():
    rule = cleaning.title_repeat_rule(
        ["在学懂弄通做实上争当排头兵", "——浙江扎实开展学习贯彻习近平新时代中国特色社会主义思想主题教育综述"]
    )
    text = "在学懂弄通做实上争当排头兵\n" + "正文一行，\n" * 12 + "学习贯彻习近平新时代\n中国特色社会主义思想主题教育\n读书班开班。"
    out, removals = kept(rule, text)
    assert "在学懂弄通做实上争当排头兵" not in out
    assert "中国特色社会主义思想主题教育" in out  # the middle of a title is not a title line
    assert removals.pieces["title_repeat"] == 1


def test_title_printed_over_two_lines_and_doubled_is_recognised():
    rule = cleaning.title_repeat_rule(["衢州市：在主题教育中谱写中国式现代化实践新篇章", "公益诉讼守护美好生活"])
    out, _ = kept(rule, "在主题教育中\n谱写中国式现代化实践新篇章\n衢州市\n公益诉讼守护美好生活守护美好生活\n正文。")
    assert out == ["正文。"]


def test_glyph_noise_is_dropped():
    out, _ = kept(cleaning.drop_glyph_noise, "？？\n正文？")
    assert out == ["正文？"]


def test_inline_artifacts():
    text = "（紧接7版）要争创试验区。\n用能权、本文来自网络，由某站收集整理，如有异议请联系我们！排污权\n杭州日报讯 中国共产党浙江省"
    out, removals = kept(cleaning.drop_inline_artifacts, text)
    assert out == ["要争创试验区。", "用能权、排污权", "中国共产党浙江省"]
    assert set(removals.chars) == {"continuation_marker", "scraped_notice", "dateline"}


def test_source_note_is_dropped_up_to_its_closing_bracket():
    text = "前列，为全国大局作出新的更大贡献！\n（摘自省委十四届九次全会报告和\n结束时的讲话）\n"
    lines, removals = kept(cleaning.drop_source_notes, text)
    assert lines == ["前列，为全国大局作出新的更大贡献！"]
    assert removals.pieces["source_note"] == 2


def test_a_parenthetical_that_is_not_a_source_note_is_kept():
    text = "（2022年12月19日中国共产党浙江省第十五届委员会第二次全体会议通过）\n（摘自某报告但括号一直没有\n闭合\n的情况\n"
    lines, _ = kept(cleaning.drop_source_notes, text)
    assert len(lines) == 4


def test_a_recurring_line_under_body_text_at_a_page_top_is_text_not_a_running_head():
    """Articles that all end 二百元以下罚款。 put that line second on several pages, under the line a page
    break cut: it finishes a sentence. Heads are what sits at the page's edge, or behind other heads."""
    topics = ["其他垃圾", "可回收物", "生活垃圾", "厨余垃圾"]
    paged = []
    for page, topic in enumerate(topics, 1):
        paged += [(page, f"人违反本条例规定投放{topic}的，处五十元以上"), (page, "二百元以下罚款。"),
                  (page, f"第{page}条　县级以上人民政府应当将{topic}工作纳入规划。"), (page, "垃圾分类条例"),
                  (page, f"{page}/4")]
    assert {paged[i][1] for i in cleaning.running_heads(paged)} == {"垃圾分类条例"} | {f"{p}/4" for p in range(1, 5)}


def test_a_recurring_sentence_at_the_page_top_is_text_not_a_running_head():
    """Articles of one pattern (a penalty clause, amounts aside) put the same line at the top of several pages:
    a line holding ， or 。 is a clause a page break cut, never a head, however often it recurs."""
    paged = []
    for page in range(1, 6):
        paged += [(page, "城市管理条例"), (page, f"依法处理。违反本条规定的，由综合行政执法部门责令改正，处{page}百元以"),
                  (page, "上五千元以下罚款。"), (page, f"第{page}条　执法部门应当建立巡查制度，发现违法行为的，应当及时制止并"),
                  (page, f"— {page} —")]
    assert {paged[i][1] for i in cleaning.running_heads(paged)} == {"城市管理条例"} | {f"— {p} —" for p in range(1, 6)}
