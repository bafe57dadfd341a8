"""Ingestion of the real seeds: sources, structure, verbatim fidelity, artifacts, sentence lengths, ids."""
from __future__ import annotations

import json
import re
import statistics

import pytest

from assistant.ingest.lines import read_lines
from assistant.ingest.magazine import parse_toc
from assistant.ingest.manifest import load_manifest
from assistant.ingest.pipeline import build
from assistant.ingest.removals import Removals
from conftest import CORPUS, EVAL_DIR

ISSUE = "magazine-2024-02"
WS = re.compile(r"\s+")


@pytest.fixture(scope="module")
def built():
    sources, passages, summary = build(CORPUS)
    return {s.id: s for s in sources}, passages, summary


@pytest.fixture(scope="module")
def sources(built):
    return built[0]


@pytest.fixture(scope="module")
def passages(built):
    return built[1]


@pytest.fixture(scope="module")
def summary(built):
    return built[2]


def of(passages, source_id):
    return [p for p in passages if p.source_id == source_id]


def headings(passages, source_id):
    return [p for p in of(passages, source_id) if p.is_heading]


def section_of(passages, source_id, text):
    return next(p.section for p in of(passages, source_id) if text in p.text)


def raw(name: str) -> str:
    return WS.sub("", (CORPUS / name).read_text(encoding="utf-8"))


# --- sources ----------------------------------------------------------------------------------------


def test_every_magazine_article_is_its_own_source_with_the_issue_as_publication(sources):
    articles = [s for s in sources.values() if s.id.startswith(ISSUE)]
    assert len(articles) == 26
    assert all(s.publication == "今日浙江 2024年2月" and s.file.startswith("002_") for s in articles)
    assert all(s.title and s.short and len(s.short) <= 12 for s in articles)
    assert len(sources) == 30


def test_government_work_report_metadata(sources):
    report = sources[f"{ISSUE}-government-work-report"]
    assert (report.title, report.author, report.date, report.kind) == ("政府工作报告", "王浩", "2024-01-23", "报告")


CITY_REPORTS = ["杭州市", "宁波市", "温州市", "湖州市", "嘉兴市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市"]


def test_every_city_report_is_a_source_titled_city_and_title(sources):
    titles = [s.title for s in sources.values()]
    for city in CITY_REPORTS:
        assert sum(t.startswith(city + "：") for t in titles) == 1, city


def test_the_issue_table_of_contents_agrees_with_the_manifest():
    issue = next(e for e in load_manifest(CORPUS) if e.id == ISSUE)
    lines = read_lines((CORPUS / issue.file).read_text(encoding="utf-8"), Removals())
    toc = parse_toc(lines)
    assert [e.page for e in toc] == [*range(26, 47, 2), *range(50, 63, 2)]
    by_title = {WS.sub("", a.title): a for a in issue.articles}
    for entry in toc:
        article = by_title[entry.title]
        assert entry.authors.removeprefix("本刊记者") == WS.sub("", article.author)


# --- structure ----------------------------------------------------------------------------------------


def numbered(heads, pattern):
    return [int(m.group(1)) for p in heads if (m := re.match(pattern, p.text))]


def test_decision_2022_parts_and_items_running_across_parts(passages):
    heads = headings(passages, "decision-2022")
    assert [p.text[:2] for p in heads if re.match("[一二三]、", p.text)] == ["一、", "二、", "三、"]
    assert numbered(heads, r"(\d+)\.") == list(range(1, 19))
    item4 = next(p for p in heads if p.text.startswith("4."))
    assert item4.section[0].startswith("二、") and item4.section[1] == "4. 进一步明确推进“两个先行”的总体要求"
    assert section_of(passages, "decision-2022", "实施精准降碳、科技降碳")[0].startswith("二、")


def test_common_prosperity_plan_parts_and_measures(passages):
    heads = headings(passages, "common-prosperity-plan")
    assert [p.text[:2] for p in heads if re.match("[一二三四五六七八九]、", p.text)] == [
        f"{n}、" for n in "一二三四五六七八九"
    ]
    assert numbered(heads, r"(\d+)\.") == list(range(1, 53))
    assert section_of(passages, "common-prosperity-plan", "制定实施山区26县跨越式高质量发展实施方案") == (
        "五、拓宽先富带后富先富帮后富有效路径，推进城乡区域协调发展先行示范",
        "31. 打造山海协作工程升级版",
    )
    assert section_of(passages, "common-prosperity-plan", "实行更加开放的人才政策") == (
        "二、打好服务构建新发展格局组合拳，推进经济高质量发展先行示范",
        "4. 打造全球高端要素引力场",
    )


def test_governance_decision_2019_items_restart_in_every_part(passages):
    heads = headings(passages, "governance-decision-2019")
    parts = [p for p in heads if re.match("[一二三四五六七]、", p.text)]
    assert len(parts) == 7
    assert numbered(heads, r"(\d+)\.") == [1, 2, 3, 4, 1, 2, 3, 4, 5, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 1, 2, 3, 4, 1, 2, 3, 4]
    assert section_of(passages, "governance-decision-2019", "实现全省基本医疗保险就诊“一卡通”") == (
        "四、健全高质量发展制度体系",
        "6. 坚持和完善为民办实事长效机制",
    )


def test_newspaper_report_structure_and_its_leading_fragment(passages):
    ps = of(passages, "common-prosperity-report")
    assert ps[0].text.startswith("要争创教育综合改革试验区") and ps[0].section == ()  # kept verbatim, marker removed
    assert numbered([p for p in ps if p.is_heading], r"(\d+)\.") == [6, 7, 8, 1, 2, 3]
    assert section_of(passages, "common-prosperity-report", "建立“问需于民、问计于民”长效机制") == (
        "五、全面加强党的领导，以新理念新机制有力有效推动示范区建设",
        "3. 构建示范区建设新机制",
        "第五，建立民情通达机制",
    )


def test_government_work_report_sections(passages):
    source = f"{ISSUE}-government-work-report"
    assert section_of(passages, source, "新增“雄鹰”企业30家") == (
        "二、2024年目标任务和重点工作",
        "（三）聚焦聚力建设现代化产业体系",
    )


def test_the_ten_livelihood_projects_sit_under_part_two_not_under_its_last_sub_section(passages):
    """The speech turns to 各位代表 after （十）: the 民生实事 list and the closing belong to 二、 itself."""
    source = f"{ISSUE}-government-work-report"
    items = [p for p in headings(passages, source) if re.match(r"\d+\.", p.text)]
    assert [p.text for p in items][:2] == ["1.医疗卫生。", "2.教育助学。"] and len(items) == 10
    assert all(p.section == ("二、2024年目标任务和重点工作", p.section[-1]) for p in items)
    assert section_of(passages, source, "民之所盼、政之所向") == ("二、2024年目标任务和重点工作",)
    closing = next(p for p in of(passages, source) if "实现2024年各项目标任务" in p.text)
    assert closing.text.startswith("各位代表！") and closing.section == ("二、2024年目标任务和重点工作",)
    assert section_of(passages, source, "全面加强安全生产")[-1] == "（十）聚焦聚力建设更高水平平安浙江法治浙江"


def test_no_passage_is_a_bare_speaker_tag_or_address(passages):
    tag = re.compile(r"^[^，。！？；：]{1,30}(?:说|表示|介绍|称赞)。$|^各位代表！$")
    assert [p.text for p in passages if tag.match(p.text)] == []
    assert any(p.text.endswith("”杭州市人民检察院检察长叶伟忠说。") for p in passages)


def test_magazine_subheads(passages):
    assert [p.section[-1] for p in headings(passages, f"{ISSUE}-ningbo")] == [
        "政治铸魂 “循迹溯源”学思践悟", "惠民利民 “联入走访”调研破题", "实干担当 “五创争先”赋能发展", "自我革命 “闭环机制”真抓实改",
    ]
    assert [p.section[-1] for p in headings(passages, f"{ISSUE}-standardization")] == [
        "顶层设计“立柱架梁”", "制度供给“靶向发力”", "体系锻造“迭代升级”", "开放能级“跃迁有道”", "服务保障“夯基垒台”",
    ]
    assert "关键词 共同富裕" in [p.section[-1] for p in headings(passages, f"{ISSUE}-two-sessions-2024")]


def test_every_bulleted_subhead_in_the_issue_is_a_heading(passages):
    printed = [ln for ln in (CORPUS / "002_a0cbd14df70c814b.txt").read_text(encoding="utf-8").splitlines() if ln.strip().startswith("●")]
    bulleted = [p for p in passages if p.source_id.startswith(ISSUE) and p.is_heading and p.text.startswith("●")]
    assert len(bulleted) == len(printed) == 53
    assert [p.section[-1] for p in headings(passages, f"{ISSUE}-lishui")][0] == "紧扣主题主线推动学深悟透"


def test_headings_are_marked_and_carry_their_own_section(passages):
    heads = [p for p in passages if p.is_heading]
    assert len(heads) > 240
    assert all(p.section for p in heads)


# --- fidelity and artifacts ------------------------------------------------------------------------------


def _matches_with_gaps(text: str, raw_at: str, dropped: list[str]) -> bool:
    """`text` reads from the start of `raw_at`, skipping only whole pieces the cleaning dropped."""
    while text:
        i = 0
        while i < len(text) and i < len(raw_at) and text[i] == raw_at[i]:
            i += 1
        if i == len(text):
            return True
        if i == 0:
            return False
        text, raw_at = text[i:], raw_at[i:]
        while raw_at[:1] != text[:1] and (piece := next((d for d in dropped if raw_at.startswith(d)), "")):
            raw_at = raw_at[len(piece) :]  # longest dropped piece first
        if raw_at[:1] != text[:1]:
            return False
    return True


def test_every_passage_is_verbatim_source_text(sources, passages, summary):
    """Whitespace removed, each passage reads exactly as in its file; where a layout artifact was printed
    inside a sentence (a caption, a page header), the passage skips exactly that artifact."""
    raws = {s.file: raw(s.file) for s in sources.values()}
    dropped = sorted({WS.sub("", t) for _, t in summary.removals.texts if t.strip()}, key=len, reverse=True)
    substring, gapped, unexplained = 0, 0, []
    for p in passages:
        text, whole = WS.sub("", p.text), raws[sources[p.source_id].file]
        if text in whole:
            substring += 1
        elif any(_matches_with_gaps(text, whole[m.start() :], dropped) for m in re.finditer(re.escape(text[:2]), whole)):
            gapped += 1
        else:
            unexplained.append(p.text)
    assert unexplained == []
    assert gapped < 0.02 * len(passages)


def test_passages_keep_no_whitespace_except_between_latin_words(passages):
    for p in passages:
        assert not re.search(r"\s", WS.sub("", re.sub(r"(?<=[A-Za-z]) (?=[A-Za-z])", "", p.text))), p.text


ARTIFACTS = {
    "byline": re.compile(r"■|本刊记者"),
    "table of contents": re.compile(r"\d{2}(?:湖州市|嘉兴市|温州大学)：|/张志炜"),
    "sponsor list": re.compile(r"中共普陀区委|浙江民泰商业银行"),
    "公示 notice": re.compile(r"新闻记者证|我社对持有|监督电话"),
    "column label": re.compile(r"领导要论|本期关注|天才漫画"),
    "scraped-site notice": re.compile(r"本文来自网络|EESIA"),
    "continuation marker": re.compile(r"紧接\d+版"),
    "vertical text": re.compile(r"果本期关注|税汲取"),
    "page number": re.compile(r"领47先"),
    "glyph noise": re.compile(r"？？"),
    "source note": re.compile(r"摘自"),
}


@pytest.mark.parametrize("kind", sorted(ARTIFACTS))
def test_no_passage_contains_artifacts(passages, kind):
    assert [p.text for p in passages if ARTIFACTS[kind].search(p.text)] == []


def test_no_passage_contains_a_doubled_caption(passages):
    doubled = re.compile(r"([\u4e00-\u9fff]{6,})\1")
    assert [p.text for p in passages if doubled.search(p.text)] == []


def test_pull_quotes_and_title_repeats_are_not_passages(passages):
    texts = {p.text for p in passages}
    assert "以“头雁”标准省会担当走前列作示范" not in texts
    # the pull-quote repeats the body: the body sentence is there once
    assert sum("新质生产力本身就是绿色生产力" in t for t in texts) == 1


LINE_ARTIFACT_RULES = {"byline", "column_label", "doubled_caption", "title_repeat", "vertical_text", "page_number"}


def test_no_sentence_is_lost_with_a_dropped_line(summary):
    """Captions, titles, labels and bylines never end a sentence: a dropped line that does held body text."""
    lost = [(rule, t) for rule, t in summary.removals.texts if rule in LINE_ARTIFACT_RULES and re.search("[。！？]", t)]
    assert lost == []


def test_every_cleaning_rule_removed_something(summary):
    assert set(summary.removed_chars) >= {
        "byline", "column_label", "continuation_marker", "doubled_caption", "notice", "page_number", "pull_quote",
        "scraped_notice", "source_note", "sponsor_list", "table_of_contents", "title_repeat", "vertical_text", "letter_spacing",
    }
    assert summary.dropped == sum(summary.removals.pieces.values()) > 200


# --- sentences ---------------------------------------------------------------------------------------------


def test_body_passages_fit_a_phone_screen(passages):
    lengths = sorted(len(p.text) for p in passages if not p.is_heading)
    assert lengths[int(0.95 * len(lengths))] <= 160
    assert lengths[-1] <= 400
    assert statistics.median(lengths) < 80


def test_every_dev_gold_span_lies_inside_one_passage(passages):
    texts = [WS.sub("", p.text) for p in passages]
    missing = []
    for path in sorted(EVAL_DIR.glob("dev_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            missing += [(case["id"], g) for g in case["gold"] if not any(g in t for t in texts)]
    assert missing == []


# --- ids -----------------------------------------------------------------------------------------------------


def test_ids_are_stable_across_runs(passages, corpus):
    """The session database was built by a separate run: same input, same ids, same order."""
    assert [p.id for p in corpus.passages()] == [p.id for p in sorted(passages, key=lambda p: (p.source_id, p.seq))]
    assert len({p.id for p in passages}) == len(passages)


def test_paragraph_starts_are_found_in_narrow_columns(passages):
    """In the report on the study session every paragraph opens with 习近平强调/指出: each starts a paragraph."""
    ps = of(passages, f"{ISSUE}-xi-new-productive-forces")
    openers = [p for p in ps if re.match("习近平(强调|指出|在主持)", p.text)]
    assert len(openers) == 7
    for p in openers:
        before = ps[ps.index(p) - 1]
        assert p.para == before.para + 1


def test_sentences_interrupted_by_artifacts_are_rejoined(passages):
    texts = {p.text for p in passages}
    # the 公示 notice box sat between 一致 and 好评
    assert any(t.endswith("“组团”办理环境影响评价行政许可事项，受到企业主的一致好评。") for t in texts)
    # a title, a doubled caption and a city label sat between 277 and 个 (page break inside a sentence)
    assert any("推动解决问题277个；" in t for t in texts)
    # a page number sat between 领 and 先
    assert any("居民人均可支配收入保持全国领先" in t for t in texts)
