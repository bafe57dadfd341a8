"""Paragraphs, headings and section paths on small literal layouts."""
from assistant.ingest.lines import read_lines
from assistant.ingest.removals import Removals
from assistant.ingest.structure import blocks, paragraphs, section_paths, word_continues


def structure(text: str):
    items = blocks(paragraphs(read_lines(text, Removals())))
    return items, section_paths(items)


COLUMN = """一、全面深入学习领会党的二十大精神，坚定捍卫“两个确
立”、坚决做到“两个维护”
1.充分认识党的二十大的重大里程碑意义，深入学习领会党
的二十大精神的核心要义。党的二十大是在全党全国各族人民迈
上全面建设社会主义现代化国家新征程、向第二个百年奋斗目标
进军的关键时刻召开的一次十分重要的大会。
2.深刻领悟“两个确立”的决定性意义。党的二十大取得的所有
成果中最重要最根本的是，再次宣示“两个确立”，这是全党全国
各族人民的共同意志。
二、对标落实全面建设社会主义现代化国家系统部署
3.一以贯之忠实践行“八八战略”。始终把“八八战略”作为总纲，
推动全省上下一张蓝图绘到底，久久为功。
"""


def test_numbered_parts_and_items_nest_and_items_run_across_parts():
    items, paths = structure(COLUMN)
    headings = [(b.level, b.text) for b in items if b.is_heading]
    assert headings[0] == (1, "一、全面深入学习领会党的二十大精神，坚定捍卫“两个确立”、坚决做到“两个维护”")
    assert headings[1] == (3, "1.充分认识党的二十大的重大里程碑意义，深入学习领会党的二十大精神的核心要义。")
    item3 = next(i for i, b in enumerate(items) if b.text.startswith("3."))
    assert paths[item3] == ("二、对标落实全面建设社会主义现代化国家系统部署", "3. 一以贯之忠实践行“八八战略”")
    body = items[item3 + 1]
    assert not body.is_heading and body.text.startswith("始终把")
    assert paths[item3 + 1] == paths[item3]


def test_lead_sentence_is_heading_and_rest_of_paragraph_is_body():
    items, _ = structure(COLUMN)
    first_item = next(i for i, b in enumerate(items) if b.text.startswith("1."))
    assert items[first_item + 1].text.startswith("党的二十大是在全党")


MAGAZINE = """开展主题教育以来，浙江各地深入开展调查研
究，形成了一批成果。
●政治铸魂
“循迹溯源”学思践悟
宁波市委常委会率先作出“五个带头五
个表率”集体承诺，带头循迹溯源学思
想，召开理论学习中心组学习25次。
全面系统“深学”——
2023年4月23日至28日，省管
领导干部读书班开班，1200多名省管领
导分两期集中在省委党校研读书目。
顶层设计“立柱架梁”
国家标准化创新发展试点建
设启动之初，浙江做优顶层设计，为试
点“立柱架梁”，开展了大量工作。
"""


def test_bulleted_subhead_over_two_lines_is_one_heading_with_a_readable_label():
    items, paths = structure(MAGAZINE)
    heading = next(b for b in items if b.text.startswith("●"))
    assert heading.text == "●政治铸魂“循迹溯源”学思践悟"
    assert heading.label == "政治铸魂 “循迹溯源”学思践悟"


def test_unmarked_subheads_after_a_finished_sentence():
    items, paths = structure(MAGAZINE)
    labels = [b.label for b in items if b.is_heading]
    assert labels == ["政治铸魂 “循迹溯源”学思践悟", "全面系统“深学”", "顶层设计“立柱架梁”"]
    last = items[-1]
    assert last.text.startswith("国家标准化") and paths[-1] == ("政治铸魂 “循迹溯源”学思践悟", "顶层设计“立柱架梁”")


def test_a_word_running_over_the_line_break_keeps_a_heading_together():
    assert word_continues("二、2024年目标任务和重", "点工作")
    assert not word_continues("数字赋能全程高效管", "“完成！")
    items, _ = structure("二、2024年目标任务和重\n点工作\n2024年工作的总体要求是：坚持以习近平新时\n代中国特色社会主义思想为指导。")
    assert items[0].label == "二、2024年目标任务和重点工作"


def test_parenthetical_note_is_its_own_paragraph():
    items, _ = structure("（2022年12月19日全体会议通过）\n中国共产党浙江省第十五届委员会第二次全体会议，全面学\n习贯彻党的二十大精神，作出如下决定。")
    assert [b.text for b in items][0] == "（2022年12月19日全体会议通过）"
    assert not items[0].is_heading


def test_one_paragraph_per_line_when_lines_are_wider_than_any_column():
    para = "推进省域治理现代化，最根本的是贯彻新时代党的建设总要求，加强党对省域治理各领域各方面各环节的领导。" * 3
    items, paths = structure(f"一、落实和健全党的领导制度体系\n{para}\n{para}\n1.完善保障“两个维护”的制度机制。构建长效机制。")
    assert [b.para for b in items] == [0, 1, 2, 3, 3]
    assert paths[-1] == ("一、落实和健全党的领导制度体系", "1. 完善保障“两个维护”的制度机制")


def test_a_dash_list_item_starts_a_paragraph_even_after_a_full_line():
    text = "举全省之力筹办杭州亚运会，向世界奉献了一场精彩纷呈的体育文化盛会。\n——精心雕琢打磨开闭幕式、火炬传递等重大活动，彰显了\n“诗画江南、活力浙江”的独特韵味，留下了永恒经典。"
    items, _ = structure(text)
    assert [b.para for b in items] == [0, 1]


SPEECH = """二、2024年目标任务和重点工作
（九）聚焦聚力提升绿色发展水平。推进生态保护。
（十）聚焦聚力建设平安浙江。全面加强安全生产。
各位代表，民之所盼、政之所向。今年办好十方面民生实事。
1.医疗卫生。免费接种流感疫苗。
2.教育助学。建设示范食堂。
各位代表！实现目标任务，关键是实干。
"""


def test_an_address_to_the_audience_closes_the_sub_sections():
    items, paths = structure(SPEECH)
    by_text = {b.text: path for b, path in zip(items, paths)}
    assert by_text["1.医疗卫生。"] == ("二、2024年目标任务和重点工作", "1. 医疗卫生")
    assert by_text["各位代表，民之所盼、政之所向。今年办好十方面民生实事。"] == ("二、2024年目标任务和重点工作",)
    assert by_text["各位代表！实现目标任务，关键是实干。"] == ("二、2024年目标任务和重点工作",)
    assert by_text["全面加强安全生产。"][-1] == "（十）聚焦聚力建设平安浙江"


def test_an_em_space_indent_starts_a_paragraph_as_an_ideographic_one_does():
    """A PDF printed from a browser or office suite, and text copied from web pages (&emsp;&emsp;), indent
    with em spaces: after a line that ends no sentence (a table row), the indented heading and paragraph
    still start their own."""
    text = ("\u2003\u2003各地各部门要按照职责分工抓好落实，具体任务分工见\n下表。\n"
            "3 实施垃圾分类处理设施建设 县综合行政执法 局 2025年9 月\n"
            "\u2003\u2003二、保障措施\n"
            "\u2003\u2003各牵头单位要于每季度末报送工作进展情况，县整治办\n每半年开展一次督查。\n")
    items, paths = structure(text)
    assert (items[-2].text, items[-2].is_heading) == ("二、保障措施", True)
    assert items[-1].text == "各牵头单位要于每季度末报送工作进展情况，县整治办每半年开展一次督查。"
    assert paths[-1] == ("二、保障措施",)


def test_a_table_printed_in_a_pdf_is_read_row_by_row_under_its_header():
    """Extraction sets a printed table's cells apart by spaces: each row is a paragraph (a wrapped cell's next
    line joins it) under the first row's column names; one spaced-out line of body text is not a table."""
    text = ("\u2003\u2003各地各部门要按照职责分工抓好落实，具体任务分工见\n下表。\n"
            "序号 重点任务 牵头单位 完成时限\n"
            "1 开展农村生活污水治理设施提升 县农业农村局 2025年底\n改造\n"
            "2 推进城镇老旧小区改造 县住房城乡建设局 2026年6月\n"
            "\u2003\u2003二、保障措施\n"
            "\u2003\u20032023年 11月 29日，金华市举办培训班，各牵头单位要于每季\n度末报送工作进展情况。\n")
    items, paths = structure(text)
    header = "序号 重点任务 牵头单位 完成时限"
    rows = [b.text for b, path in zip(items, paths) if path[-1:] == (header,) and not b.is_heading]
    assert rows == ["1开展农村生活污水治理设施提升县农业农村局2025年底改造", "2推进城镇老旧小区改造县住房城乡建设局2026年6月"]
    assert items[-1].text == "2023年11月29日，金华市举办培训班，各牵头单位要于每季度末报送工作进展情况。"
    assert paths[-1] == ("二、保障措施",)
