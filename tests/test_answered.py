"""Answered or not: each feature of the answered model on passages made for it, then the decision end to end
on a corpus holding one city's regulation (another city's questions are not answered by it)."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from regulation_support import REGULATIONS, plan_with_regulations

from assistant.chat import Request, build_core
from assistant.search.answered import ANSWER_FEATURES, MARGIN_CAP, AnswerModel, Answerer, TopPassage, load_model
from assistant.search.candidates import score_all
from assistant.search.engine import Searcher
from assistant.search.places import bound_places
from assistant.search.ranking import FEATURES, QueryRanker
from assistant.search.query import ParsedQuery

PLAN = "某某实施方案\n一、总体要求\n1.打造协作升级版。推进山海协作。\n"


def feature(x: np.ndarray, name: str) -> float:
    return float(x[ANSWER_FEATURES.index(name)])


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer(["某省政府工作报告", "某某决定"])


def passage(text: str, context: str = "某某决定", year: int = 2022, source: int = 0) -> TopPassage:
    return TopPassage(text, context, year, source)


GAP = "constraint_gap"


def test_a_place_neither_the_passage_nor_its_document_names_is_a_gap(answerer):
    q = ParsedQuery(raw="广东省的增长目标", runs=(("广东省", "增长", "目标"),))
    concepts = [(("广东省",), 5.0), (("增长",), 3.0), (("目标",), 2.0)]
    elsewhere = answerer.features(q, concepts, [True, True, True], [passage("丽水增长目标7%")], [1.0])
    assert feature(elsewhere, GAP) == pytest.approx(0.5)  # 增长 and 目标: half the weight, all lost
    named = answerer.features(q, concepts, [True, True, True], [passage("增长目标7%", context="广东省某某决定")], [1.0])
    assert feature(named, GAP) == 0
    national = ParsedQuery(raw="中国的增长目标", runs=(("中国", "增长", "目标"),))
    assert feature(answerer.features(national, concepts, [True] * 3, [passage("增长目标7%")], [1.0]), GAP) == 0


def test_a_question_probing_a_document_for_a_rule_needs_the_topic_in_the_passage():
    """河南文明行为条例对街头卖艺有规定吗: a passage of that document on something else is no answer, however well its
    title covers the question."""
    answerer = Answerer(["某省文明行为促进条例"])
    q = ParsedQuery(raw="文明行为条例对街头卖艺有规定吗", runs=(("文明行为", "条例"), ("街头", "卖艺")))
    concepts = [(("文明行为",), 3.0), (("条例",), 1.0), (("街头",), 4.0), (("卖艺",), 6.0)]
    other = passage("不在公共场所大声喧哗。", context="某省文明行为促进条例")
    assert feature(answerer.features(q, concepts, [True] * 4, [other], [1.0]), GAP) > 0
    on_it = passage("街头卖艺应当遵守公共秩序。", context="某省文明行为促进条例")
    assert feature(answerer.features(q, concepts, [True] * 4, [on_it], [1.0]), GAP) == 0
    # what is probed for (要求) is no topic word, and a word counts as the title's only as written (遛狗, not its 犬)
    dogs = Answerer(["某市养犬管理条例"])
    probe = ParsedQuery(raw="养犬条例对遛狗有什么要求", runs=(("养犬", "条例", "对", "遛狗", "有"), ("要求",)))
    words = [(("养犬",), 3.0), (("条例",), 1.0), (("遛狗", "携带犬只外出", "犬"), 5.0), (("要求",), 2.0)]
    rule = passage("养犬人携带犬只外出应当遵守下列规定：", context="某市养犬管理条例")
    assert feature(dogs.features(probe, words, [True] * 4, [rule], [1.0]), GAP) == 0
    # not probing: the title's coverage counts as before
    asked = ParsedQuery(raw="文明行为条例街头卖艺", runs=(("文明行为", "条例", "街头", "卖艺"),))
    assert feature(answerer.features(asked, concepts, [True] * 4, [other], [1.0]), GAP) == 0


def test_a_compound_question_needs_each_of_its_clauses_answered_by_a_top_passage(answerer):
    """裁员怎么补偿，失业金怎么申请: passages on 失业金 alone answer half of it; one passage per clause answers it all."""
    q = ParsedQuery(raw="裁员怎么补偿，失业金怎么申请", runs=(("裁员",), ("补偿",), ("失业金",), ("申请",)))
    concepts = [(("裁员", "经济性裁员"), 6.0), (("补偿", "经济补偿"), 4.0), (("失业金", "失业保险金"), 6.0), (("申请",), 2.0)]
    unemployment = passage("失业人员应当持本单位出具的终止劳动关系的证明，及时到指定的公共就业服务机构办理失业登记。"
                           "失业人员凭失业登记证明领取失业保险金。")
    half = answerer.features(q, concepts, [True] * 4, [unemployment], [1.0])
    assert feature(half, GAP) > 0
    layoff = passage("用人单位依照本法第四十一条第一款规定进行经济性裁员的，应当向劳动者支付经济补偿。")
    both = answerer.features(q, concepts, [True] * 4, [unemployment, layoff], [1.0, 0.9])
    assert feature(both, GAP) == 0
    # a word the corpus lacks (裁员 here) tells no passage from another; a clause of such words only is not answered
    rare = [(("裁员",), 12.0), *concepts[1:]]
    pay = passage("用人单位应当向劳动者支付经济补偿。")
    assert feature(answerer.features(q, rare, [True] * 4, [unemployment, pay], [1.0, 0.9]), GAP) > 0
    assert feature(answerer.features(q, rare, [False, True, True, True], [unemployment, pay], [1.0, 0.9]), GAP) == 0
    assert feature(answerer.features(q, concepts, [False, False, True, True], [unemployment], [1.0]), GAP) > 0
    # clauses typed apart with a space, the first asking 多久
    spaced = ParsedQuery(raw="失业金能领多久 裁员怎么补偿", runs=(("失业金", "领"), ("裁员", "补偿")))
    assert feature(answerer.features(spaced, concepts, [True] * 4, [unemployment], [1.0]), GAP) > 0
    # one question asked in two clauses' words (一个问号) is one part: 失业金 alone answers 失业金在哪里申请
    single = ParsedQuery(raw="失业金在哪里申请", runs=(("失业金", "申请"),))
    assert feature(answerer.features(single, concepts[2:], [True] * 2, [unemployment], [1.0]), GAP) == 0


def test_a_word_both_clauses_share_answers_neither_clause(answerer):
    """罢免村主任要多少人联名，罢免以后还能领补贴吗: 罢免 is the topic of both clauses, so a passage on the petition to
    recall answers the first only; the second is answered by a passage on the allowance. A clause with no word of
    its own (村主任怎么罢免，村主任怎么选) is read by all its words."""
    q = ParsedQuery(raw="罢免村主任要多少人联名，罢免以后还能领补贴吗", runs=(("罢免", "村主任", "联名"), ("罢免", "领", "补贴")))
    concepts = [(("罢免",), 6.0), (("村主任",), 5.0), (("联名",), 5.0), (("补贴",), 5.0)]
    petition = passage("本村五分之一以上有选举权的村民联名，可以提出罢免村民委员会成员的要求。")
    assert feature(answerer.features(q, concepts, [True] * 4, [petition], [1.0]), GAP) > 0
    allowance = passage("被罢免的村民委员会成员不再享受补贴。")
    assert feature(answerer.features(q, concepts, [True] * 4, [petition, allowance], [1.0, 0.9]), GAP) == 0
    alike = ParsedQuery(raw="村主任怎么罢免，村主任怎么选", runs=(("村主任", "罢免"), ("村主任", "选")))
    assert feature(answerer.features(alike, concepts[:2], [True] * 2, [passage("村主任的罢免由村民会议决定")], [1.0]),
                   GAP) == 0


def test_a_clause_s_own_words_leave_out_those_another_clause_holds_in_other_words(answerer):
    """户外广告审批要几天，广告牌能抵押贷款吗: 广告牌 is searched as 户外广告设施, the first clause's 户外广告, so the second
    clause is answered only by what it asks of its own (抵押); a clause saying 十几年 (a dozen years or so) asks nothing."""
    q = ParsedQuery(raw="户外广告审批要几天，广告牌能抵押贷款吗", runs=(("户外广告", "审批", "几天"), ("广告牌", "抵押", "贷款")),
                    wants_number=True)
    concepts = [(("户外广告",), 5.0), (("审批",), 4.0), (("广告牌", "户外广告设施"), 6.0), (("抵押",), 5.0)]
    days = passage("户外广告设施设置审批应当在三日内办结")
    assert feature(answerer.features(q, concepts, [True] * 4, [days], [1.0]), GAP) > 0
    years = ParsedQuery(raw="失业保险交了十几年，最多能领多久失业金", runs=(("失业保险", "交", "十几年"), ("最多", "领", "失业金")),
                        wants_number=True)
    fund = [(("失业保险",), 5.0), (("失业金", "失业保险金"), 6.0)]
    longest = passage("缴费十年以上的，领取失业保险金的期限最长为二十四个月")
    assert feature(answerer.features(years, fund, [True] * 2, [longest], [1.0]), GAP) == 0


def test_a_figure_in_another_unit_does_not_answer_how_much_money(answerer):
    q = ParsedQuery(raw="补贴发多少钱", runs=(("补贴",),), wants_number=True)
    concepts = [(("补贴",), 5.0)]
    no_money = answerer.features(q, concepts, [True], [passage("补贴覆盖3万户")], [1.0])
    money = answerer.features(q, concepts, [True], [passage("补贴覆盖3万户"), passage("每户补贴2000元")], [1.0, 0.9])
    assert feature(no_money, GAP) == 1 and feature(money, GAP) == 0


def test_a_grade_or_an_edition_asked_is_answered_in_its_measure_word(answerer):
    """几级 asks a grade, answered by 三级 (not by another figure: 三层), and 第几届 an edition, answered by 第七届."""
    grade = ParsedQuery(raw="乡道要按几级公路的标准来修", runs=(("乡道", "几级", "公路", "标准"),), wants_number=True)
    road = [(("乡道",), 5.0), (("公路",), 4.0)]
    assert feature(answerer.features(grade, road, [True] * 2, [passage("乡道建设一般不低于三级公路技术标准")], [1.0]), GAP) == 0
    assert feature(answerer.features(grade, road, [True] * 2, [passage("乡道等农村公路两侧建筑不得超过三层")], [1.0]), GAP) == 1
    edition = ParsedQuery(raw="今年举办第几届浙商大会", runs=(("今年", "举办", "第几届", "浙商", "大会"),), wants_number=True)
    meeting = [(("浙商",), 5.0), (("大会",), 3.0)]
    assert feature(answerer.features(edition, meeting, [True] * 2, [passage("成功举办第七届世界浙商大会")], [1.0]), GAP) == 0


def test_a_count_may_be_stated_by_the_name_of_what_is_counted(answerer):
    """多少人 is answered by 参加人数一千以上 (the count named before its figure) as by 一千人; not by another
    figure (七个工作日)."""
    crowd = ParsedQuery(raw="办演唱会多少人以上要审批", runs=(("演唱会", "多少", "人", "以上", "审批"),), wants_number=True)
    concert = [(("演唱会",), 5.0)]
    counted = passage("本市对单场次参加人数一千以上的演唱会实行安全许可")
    assert feature(answerer.features(crowd, concert, [True], [counted], [1.0]), GAP) == 0
    assert feature(answerer.features(crowd, concert, [True], [passage("演唱会许可七个工作日内办结")], [1.0]), GAP) == 1
    vague = passage("申请观看演唱会的人数达到一定数量的，应当审批")  # 一定 is no figure
    assert feature(answerer.features(crowd, concert, [True], [vague], [1.0]), GAP) == 1


def test_each_figure_a_compound_question_asks_must_be_stated(answerer):
    """出租银行卡罚多少钱，判刑判几年 asks a sum and a term: a passage stating the fine alone leaves the second unanswered;
    with a passage stating years among the top ones, both are."""
    q = ParsedQuery(raw="出租银行卡罚多少钱，判刑判几年", runs=(("出租", "银行卡", "罚", "多少", "钱"), ("判刑", "判", "几年")),
                    wants_number=True)
    card = [(("银行卡",), 5.0), (("判刑",), 4.0)]
    fine = passage("出租银行卡的，处二千元以下罚款；构成犯罪的，依法判刑")
    assert feature(answerer.features(q, card, [True] * 2, [fine], [1.0]), GAP) == 1
    term = passage("出租银行卡构成犯罪的，处三年以下有期徒刑")
    assert feature(answerer.features(q, card, [True] * 2, [fine, term], [1.0, 0.9]), GAP) == 0


def test_a_repeal_answers_whether_a_document_holds_not_what_it_said(answerer):
    """《广州市募捐条例》同时废止 answers whether the old regulation still holds, not whether it required approval."""
    repeal = passage("本条例自2021年9月1日起施行，《广州市募捐条例》同时废止。")
    old = [(("广州市募捐条例",), 8.0)]
    content = ParsedQuery(raw="当年的广州市募捐条例规定募捐要不要审批", runs=(("当年", "广州市募捐条例", "募捐", "审批"),))
    assert feature(answerer.features(content, old + [(("审批",), 3.0)], [True] * 2, [repeal], [1.0]), GAP) > 0
    valid = ParsedQuery(raw="广州市募捐条例现在还有效吗", runs=(("广州市募捐条例", "现在", "有效"),))
    assert feature(answerer.features(valid, old, [True], [repeal], [1.0]), GAP) == 0
    # a document's history line naming the State Council's decision 修改和废止… repeals nothing
    history = passage("2022年3月29日《国务院关于修改和废止部分行政法规的决定》第四次修订")
    assert feature(answerer.features(content, old, [True], [history], [1.0]), GAP) == 0


def test_what_held_before_a_document_is_not_answered_by_it(answerer):
    """汕头基层医疗条例出台以前…怎么收费的 asks about the time before the regulation, which its own fee rule does not
    describe; whether an old rule still holds (原来的管理办法还管用吗) is answered."""
    fee = passage("价格主管部门应当制定家庭医生签约服务包费用收费标准。")
    sign = [(("家庭医生",), 6.0), (("收费",), 4.0)]
    before = ParsedQuery(raw="汕头基层医疗条例出台以前家庭医生签约是怎么收费的", runs=(("汕头", "基层", "医疗", "条例", "出台",
                                                                   "以前", "家庭医生", "签约", "收费"),))
    assert feature(answerer.features(before, sign, [True] * 2, [fee], [1.0]), GAP) > 0
    now = ParsedQuery(raw="家庭医生签约是怎么收费的", runs=(("家庭医生", "签约", "收费"),))
    assert feature(answerer.features(now, sign, [True] * 2, [fee], [1.0]), GAP) == 0
    repeal = passage("《河南省食品小作坊和食品摊贩管理办法》同时废止。")
    still = ParsedQuery(raw="原来的食品摊贩管理办法还管用吗", runs=(("原来", "食品", "摊贩", "管理", "办法", "管用"),))
    assert feature(answerer.features(still, [(("食品摊贩",), 6.0)], [True], [repeal], [1.0]), GAP) == 0


def test_a_figure_asked_before_who_oversees_it_asks_the_oversight(answerer):
    """民办养老院收多少钱政府管不管 asks whether fees are overseen: the article saying who sets or checks them answers it
    without a sum in 元; 民办养老院收多少钱 alone asks the sum."""
    fee = passage("民办养老机构的收费项目和标准由经营者确定，价格主管部门加强监督检查")
    home = [(("养老院", "养老机构"), 6.0), (("收费",), 3.0)]
    overseen = ParsedQuery(raw="民办养老院收多少钱政府管不管", runs=(("民办", "养老院", "收", "多少", "钱", "政府", "管"),),
                           wants_number=True)
    assert feature(answerer.features(overseen, home, [True] * 2, [fee], [1.0]), GAP) == 0
    sum_asked = ParsedQuery(raw="民办养老院收多少钱", runs=(("民办", "养老院", "收", "多少", "钱"),), wants_number=True)
    assert feature(answerer.features(sum_asked, home, [True] * 2, [fee], [1.0]), GAP) > 0


def test_how_many_is_read_in_the_question_s_own_words(answerer):
    """好几户 (several households) asks nothing, the 几个人 after it does; 几个分类垃圾桶 asks a count of bins, not
    minutes (分), and 多少分贝 decibels; 几点 asks a time of day and 多高 a length, not any figure; a fine asked 罚多少
    is answered by a share of a base (预付款百分之一以下的罚款); 十八周岁 is a figure."""
    crowd = ParsedQuery(raw="好几户一起去上访，最多能去几个人", runs=(("好几户", "上访"), ("最多", "去", "几个", "人")),
                        wants_number=True)
    visit = [(("上访",), 5.0)]
    assert feature(answerer.features(crowd, visit, [True], [passage("上访代表人数不得超过五人")], [1.0]), GAP) == 0
    bins = ParsedQuery(raw="写字楼里要配几个分类垃圾桶", runs=(("写字楼", "配", "几个", "分类", "垃圾桶"),), wants_number=True)
    office = [(("写字楼",), 5.0)]
    assert feature(answerer.features(bins, office, [True], [passage("写字楼应当设置4组垃圾桶，并分别标识")], [1.0]), GAP) == 0
    fine = ParsedQuery(raw="开发商没拿预售证就卖房，会被罚多少", runs=(("开发商", "预售证", "卖房"), ("罚",)), wants_number=True)
    presale = [(("预售",), 5.0)]
    share = passage("未取得预售许可证明预售商品房的，处已收取预付款百分之一以下的罚款")
    assert feature(answerer.features(fine, presale, [True], [share], [1.0]), GAP) == 0
    assert feature(answerer.features(fine, presale, [True], [passage("不得预售商品房")], [1.0]), GAP) == 1
    noise = ParsedQuery(raw="夜里噪声不能超过多少分贝", runs=(("夜里", "噪声", "超过", "分贝"),), wants_number=True)
    loud = [(("噪声",), 5.0)]
    assert feature(answerer.features(noise, loud, [True], [passage("夜间噪声不得超过45分贝")], [1.0]), GAP) == 0
    assert feature(answerer.features(noise, loud, [True], [passage("夜间是指22时至次日6时，应当控制噪声")], [1.0]), GAP) == 1
    clock = ParsedQuery(raw="户外广告灯晚上几点必须关", runs=(("户外广告", "灯", "晚上", "几点", "关"),), wants_number=True)
    sign = [(("户外广告",), 5.0)]
    assert feature(answerer.features(clock, sign, [True], [passage("户外广告设置有效期不超过五年")], [1.0]), GAP) == 1
    assert feature(answerer.features(clock, sign, [True], [passage("户外广告每天亮灯不少于8小时")], [1.0]), GAP) == 1
    assert feature(answerer.features(clock, sign, [True], [passage("户外广告照明应当于二十三时关闭")], [1.0]), GAP) == 0
    height = ParsedQuery(raw="村道上的限高杆规定多高", runs=(("村道", "限高杆", "规定"),), wants_number=True)
    road = [(("村道",), 5.0)]
    assert feature(answerer.features(height, road, [True], [passage("村道上行驶的，处二百元罚款")], [1.0]), GAP) == 1
    assert feature(answerer.features(height, road, [True], [passage("村道限高杆高度不低于四点五米")], [1.0]), GAP) == 0
    age = ParsedQuery(raw="多大年纪可以献血", runs=(("多大", "年纪", "献血"),), wants_number=True)
    blood = [(("献血",), 5.0)]
    assert feature(answerer.features(age, blood, [True], [passage("提倡十八周岁至五十五周岁的健康公民自愿献血")], [1.0]),
                   GAP) == 0


def test_how_long_asks_for_a_duration_and_a_fund_asks_for_money(answerer):
    """多久 is answered by a period (十二个月), not by any figure; a sum named by a word ending in 金 or 费 (供养金,
    维修基金, 热费) asked 多少 is answered in 元, while 维修基金需要多少业主同意 counts owners."""
    long = ParsedQuery(raw="失业金能领多久", runs=(("失业金", "领"),), wants_number=True)
    fund = [(("失业金",), 5.0)]
    assert feature(answerer.features(long, fund, [True], [passage("领取失业金的期限最长为十二个月")], [1.0]), GAP) == 0
    assert feature(answerer.features(long, fund, [True], [passage("失业金不得低于3项标准")], [1.0]), GAP) == 1
    much = ParsedQuery(raw="首期维修基金每平方米交多少", runs=(("首期", "维修基金", "平方米", "交"),), wants_number=True)
    repair = [(("维修基金",), 5.0)]
    assert feature(answerer.features(much, repair, [True], [passage("维修基金不足百分之三十的应当续筹")], [1.0]), GAP) == 1
    assert feature(answerer.features(much, repair, [True], [passage("维修基金按每平方米30元交存")], [1.0]), GAP) == 0
    fee = ParsedQuery(raw="温度不达标减收多少热费", runs=(("温度", "不达标", "减收"), ("热费",)), wants_number=True)
    heat = [(("热费",), 5.0)]
    assert feature(answerer.features(fee, heat, [True], [passage("停止供热二十四小时以上的，减收热费")], [1.0]), GAP) == 1
    assert feature(answerer.features(fee, heat, [True], [passage("每日减收热费2元")], [1.0]), GAP) == 0
    owners = ParsedQuery(raw="动用维修基金需要多少业主同意", runs=(("动用", "维修基金", "业主", "同意"),), wants_number=True)
    assert feature(answerer.features(owners, repair, [True], [passage("动用维修基金应当经三分之二以上业主同意")], [1.0]),
                   GAP) == 0


def test_a_share_of_the_body_answers_how_many_people(answerer):
    """要多少人同意 / 多少人投票才有效 asks a quorum or a majority, which a rule states as a share of those counted
    (三分之二以上成员, 过半数); a passage with no figure does not answer it, nor does a share answer how many a body
    has (几个人组成: a count)."""
    q = ParsedQuery(raw="调整承包地要多少人同意", runs=(("调整", "承包地", "同意"),), wants_number=True)
    land = [(("承包地",), 5.0)]
    for text in ("调整承包地必须经村民会议三分之二以上成员同意", "调整承包地须有过半数村民投票同意"):
        assert feature(answerer.features(q, land, [True], [passage(text)], [1.0]), GAP) == 0
    assert feature(answerer.features(q, land, [True], [passage("调整承包地应当经村民会议同意")], [1.0]), GAP) == 1
    size = ParsedQuery(raw="业主委员会由几个人组成", runs=(("业主委员会", "组成"),), wants_number=True)
    board = [(("业主委员会",), 5.0)]
    assert feature(answerer.features(size, board, [True], [passage("经业主委员会三分之一以上组成人员提议")], [1.0]),
                   GAP) == 1
    assert feature(answerer.features(size, board, [True], [passage("业主委员会由五至十一人组成")], [1.0]), GAP) == 0


def test_a_sum_stated_as_a_multiple_answers_how_much_money(answerer):
    q = ParsedQuery(raw="不签合同要赔多少钱", runs=(("签", "合同", "赔"),), wants_number=True)
    concepts = [(("合同",), 5.0)]
    double = passage("未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。")
    assert feature(answerer.features(q, concepts, [True], [double], [1.0]), GAP) == 0
    months = passage("超过一个月不满一年未订立书面劳动合同的，视为已订立合同。")  # a figure, but no sum
    assert feature(answerer.features(q, concepts, [True], [months], [1.0]), GAP) == 1


def test_how_much_a_fine_is_asks_for_a_sum(answerer):
    q = ParsedQuery(raw="泄露信息罚款多少", runs=(("泄露", "信息", "罚款"),), wants_number=True)
    concepts = [(("泄露",), 5.0)]
    warned = passage("泄露信息的，予以警告，责令限期改正；逾期不改正的，责令停止活动三个月。")  # a figure, no sum
    assert feature(answerer.features(q, concepts, [True], [warned], [1.0]), GAP) == 1
    fined = passage("泄露信息的，处五千元以上二万元以下罚款。")
    assert feature(answerer.features(q, concepts, [True], [fined], [1.0]), GAP) == 0


def test_a_sum_asked_about_anything_but_a_penalty_is_not_stated_by_a_fine(answerer):
    q = ParsedQuery(raw="举报乱倒垃圾能拿多少奖励", runs=(("举报", "乱倒", "垃圾", "奖励"),), wants_number=True)
    concepts = [(("垃圾",), 5.0), (("奖励",), 3.0)]
    fined = passage("乱倒垃圾的，处二百元以上二千元以下罚款；举报属实的，给予奖励。")
    assert feature(answerer.features(q, concepts, [True] * 2, [fined], [1.0]), GAP) == 1
    rewarded = passage("举报乱倒垃圾经查证属实的，每件奖励五十元。")
    assert feature(answerer.features(q, concepts, [True] * 2, [rewarded], [1.0]), GAP) == 0
    penalty = ParsedQuery(raw="乱倒垃圾罚多少钱", runs=(("乱倒", "垃圾"),), wants_number=True, wants_sanction=True)
    assert feature(answerer.features(penalty, concepts[:1], [True], [fined], [1.0]), GAP) == 0


@pytest.mark.parametrize("raw, other, stated", [
    ("救护车几分钟内必须到", "救护车设置三条专线电话线路", "接到呼叫后三分钟内派出救护车"),
    ("全市有多少辆救护车", "救护车管理办法2016年7月22日通过", "全市配置救护车500辆"),
    ("救护车一年能查几次", "救护车检查期限为30日", "救护车每年检查不少于两次"),
    ("救护车司机每周要工作几个工作日", "救护车司机每日工作不超过8小时", "救护车司机每周工作五个工作日"),
    # things counted by their measure word: a tree count is not a tree's age
    ("救护车站旁边种了多少棵树", "救护车站旁百年以上的树木应当保护", "救护车站旁种植树木120株"),
    ("救护车站有几间休息室", "救护车站休息室面积不少于20平方米", "每个救护车站设休息室两间"),
])
def test_the_unit_a_quantity_question_names_is_the_unit_of_its_answer(answerer, raw: str, other: str, stated: str):
    q = ParsedQuery(raw=raw, runs=(("救护车",),), wants_number=True)
    concepts = [(("救护车",), 5.0)]
    assert feature(answerer.features(q, concepts, [True], [passage(other)], [1.0]), GAP) == 1
    assert feature(answerer.features(q, concepts, [True], [passage(stated)], [1.0]), GAP) == 0


def test_a_list_item_states_the_figure_its_lead_in_states(answerer):
    q = ParsedQuery(raw="出借居住证罚多少钱", runs=(("出借", "居住证"),), wants_number=True)
    concepts = [(("居住证",), 5.0)]
    item = passage("（二）出租、出借、转让居住证；")
    assert feature(answerer.features(q, concepts, [True], [item], [1.0]), GAP) == 1
    led = TopPassage(item.text, item.context, item.year, item.source, lead="有下列行为之一的，处200元以下罚款：")
    assert feature(answerer.features(q, concepts, [True], [led], [1.0]), GAP) == 0


def test_what_a_quantity_question_asks_about_sets_its_unit_unless_it_asks_for_a_change(answerer):
    concepts = [(("人口",), 5.0)]
    people = ParsedQuery(raw="人口有多少", runs=(("人口",),), wants_number=True)
    rate = passage("人口城镇化率达到75%")
    assert feature(answerer.features(people, concepts, [True], [rate], [1.0]), GAP) == 1
    assert feature(answerer.features(people, concepts, [True], [passage("人口达到6600万人")], [1.0]), GAP) == 0
    growth = ParsedQuery(raw="人口增长多少", runs=(("人口", "增长"),), wants_number=True)
    assert feature(answerer.features(growth, concepts, [True], [rate], [1.0]), GAP) == 0
    share = ParsedQuery(raw="试用期工资最少能打几折", runs=(("试用期", "工资"),), wants_number=True)  # a share, not 元
    pay = [(("工资",), 5.0)]
    assert feature(answerer.features(share, pay, [True], [passage("不得低于约定工资的百分之八十")], [1.0]), GAP) == 0
    assert feature(answerer.features(share, pay, [True], [passage("工资不得低于2000元")], [1.0]), GAP) == 1


def test_a_figure_the_question_states_itself_is_not_the_figure_asked(answerer):
    q = ParsedQuery(raw="一年没扣分审验期能延长几年", runs=(("一年", "没", "扣分"), ("审验期", "延长")), wants_number=True)
    concepts = [(("审验期",), 5.0), (("延长",), 3.0)]
    echo = passage("一年内无累积记分的，可以延长审验期。")
    assert feature(answerer.features(q, concepts, [True, True], [echo], [1.0]), GAP) == 1
    stated = passage("一年内无累积记分的，审验期延长二年。")
    assert feature(answerer.features(q, concepts, [True, True], [stated], [1.0]), GAP) == 0
    money = ParsedQuery(raw="补贴多少万元", runs=(("补贴",),), wants_number=True)  # 万元 is the unit asked, not said
    assert feature(answerer.features(money, [(("补贴",), 5.0)], [True], [passage("补贴2万元")], [1.0]), GAP) == 0
    # the figure said once is taken out once: the passage's second 一个 is its own answer
    one = ParsedQuery(raw="一个小区能成立几个业主大会", runs=(("一个", "小区"), ("成立", "业主大会")), wants_number=True)
    council = [(("业主大会",), 5.0), (("成立",), 2.0)]
    answer = passage("一个物业管理区域成立一个业主大会。")
    assert feature(answerer.features(one, council, [True, True], [answer], [1.0]), GAP) == 0
    assert feature(answerer.features(one, council, [True, True], [passage("一个业主大会应当依法成立。")], [1.0]), GAP) == 1


def test_a_long_word_said_with_a_word_inserted_is_covered(answerer):
    q = ParsedQuery(raw="给市场主体减负多少", runs=(("市场主体", "减负"),), wants_number=True)
    concepts = [(("市场主体",), 8.0), (("减负",), 4.0)]
    stated = passage("为市场经营主体减负3300亿元以上")  # 市场…主体: the figure's passage covers every word asked
    top = [stated, passage("建立市场主体减负长效机制")]
    assert feature(answerer.features(q, concepts, [True, True], top, [1.0, 0.9]), GAP) == 0
    apart = passage("市场准入放宽，各类所有制企业等主体减负3300亿元")  # halves too far apart
    assert feature(answerer.features(q, concepts, [True, True], [apart, top[1]], [1.0, 0.9]), GAP) == pytest.approx(2 / 3)


def test_the_year_and_the_document_asked_for_must_be_the_passages(answerer):
    q = ParsedQuery(raw="2019年政府工作报告 目标", runs=(("目标",),), context={"政府工作报告": 1.0}, year=2019)
    concepts = [(("目标",), 5.0)]
    assert feature(answerer.features(q, concepts, [True], [passage("目标任务", year=2022)], [1.0]), GAP) == 1
    report_of_another_year = passage("目标任务", context="某省政府工作报告", year=2022)
    assert feature(answerer.features(q, concepts, [True], [report_of_another_year], [1.0]), GAP) == 1
    decision_of_the_year = passage("目标任务", context="某某决定", year=2019)
    assert feature(answerer.features(q, concepts, [True], [decision_of_the_year], [1.0]), GAP) == 1
    right = answerer.features(q, concepts, [True], [passage("目标任务", context="某省政府工作报告", year=2019)], [1.0])
    assert feature(right, GAP) == 0
    stated = answerer.features(q, concepts, [True], [passage("到二○一九年的目标", context="某省政府工作报告")], [1.0])
    assert feature(stated, GAP) == 0  # the year written in Chinese numerals
    # 今年 is the newest year, yet users say it of whatever is current: no gap for it
    relative = ParsedQuery(raw="今年的目标", runs=(("目标",),), year=2019)
    assert feature(answerer.features(relative, concepts, [True], [passage("目标任务", year=2022)], [1.0]), GAP) == 0


def test_a_five_year_plan_named_is_a_span_of_years_the_passage_must_be_of(answerer):
    q = ParsedQuery(raw="十五五期间的目标", runs=(("目标",),))
    concepts = [(("目标",), 5.0)]
    for met in (passage("目标任务", year=2027), passage("“十五五”目标任务"), passage("到2030年的目标"),
                passage("目标任务", context="某某“十五五”规划")):
        assert feature(answerer.features(q, concepts, [True], [met], [1.0]), GAP) == 0
    for unmet in (passage("目标任务", year=2024), passage("“十四五”目标任务"), passage("到2035年的目标")):
        assert feature(answerer.features(q, concepts, [True], [unmet], [1.0]), GAP) == 1
    earlier = ParsedQuery(raw="十三五期间增长多少", runs=(("增长",),))  # 2016–2020
    assert feature(answerer.features(earlier, concepts, [True], [passage("目标任务", year=2019)], [1.0]), GAP) == 0


def test_the_years_before_one_asked_are_met_by_an_older_document_only(answerer):
    """2012年以前校车是按什么规定管的: the 2012 regulation, its 2012 header line naming the year, says nothing of before."""
    q = ParsedQuery(raw="2012年以前校车是按什么规定管的", runs=(("校车", "规定"),), year=2012)
    concepts = [(("校车",), 5.0)]
    for unmet in (passage("2012年4月5日国务院令第617号公布校车条例", year=2012), passage("校车管理", year=2020)):
        assert feature(answerer.features(q, concepts, [True], [unmet], [1.0]), GAP) == 1
    assert feature(answerer.features(q, concepts, [True], [passage("校车管理", year=2008)], [1.0]), GAP) == 0
    written = ParsedQuery(raw="2012年校车是按什么规定管的", runs=(("校车", "规定"),), year=2012)  # the year itself
    assert feature(answerer.features(written, concepts, [True], [passage("2012年校车条例", year=2020)], [1.0]), GAP) == 0


def test_a_question_framed_by_next_year_is_met_by_a_text_stating_that_year(answerer):
    """明年宅基地审批有什么新政策: no document states next year's policy unless it names the year."""
    concepts = [(("宅基地",), 5.0)]
    framed = ParsedQuery(raw="明年宅基地审批有什么新政策", runs=(("宅基地", "审批", "新", "政策"),), year=2025)
    assert feature(answerer.features(framed, concepts, [True], [passage("宅基地审批", year=2024)], [1.0]), GAP) == 1
    assert feature(answerer.features(framed, concepts, [True], [passage("2025年起宅基地审批", year=2024)], [1.0]), GAP) == 0
    inside = ParsedQuery(raw="宅基地能留着明年再批吗", runs=(("宅基地", "留着", "再批"),), year=2025)  # frames nothing
    assert feature(answerer.features(inside, concepts, [True], [passage("宅基地审批", year=2024)], [1.0]), GAP) == 0
    # whether something will happen next year: a prediction no rule states, unless it says what holds the next year
    will = ParsedQuery(raw="宅基地条例明年会不会修订", runs=(("宅基地", "条例", "修订"),), year=2025)
    assert feature(answerer.features(will, concepts, [True], [passage("宅基地审批", year=2024)], [1.0]), GAP) == 1
    fee = ParsedQuery(raw="超占了宅基地，明年的使用费会不会涨", runs=(("宅基地", "使用费"),), year=2025)
    yearly = passage("超占宅基地的，下一年度的使用费按超占面积加收", year=2024)
    assert feature(answerer.features(fee, concepts, [True], [yearly], [1.0]), GAP) == 0


def test_every_condition_must_be_met_by_one_passage(answerer):
    q = ParsedQuery(raw="广东省补贴多少钱", runs=(("广东省", "补贴"),), wants_number=True)
    concepts = [(("补贴",), 5.0)]
    # the place in one document, the figure in another
    apart = [passage("广东省补贴政策", source=1), passage("每户补贴2000元", source=2)]
    assert feature(answerer.features(q, concepts, [True], apart, [1.0, 0.9]), GAP) == 1
    together = [*apart, passage("广东省每户补贴2000元")]
    assert feature(answerer.features(q, concepts, [True], together, [1.0, 0.9, 0.8]), GAP) == 0


def test_a_place_another_top_passage_of_the_same_document_names_is_that_documents(answerer):
    q = ParsedQuery(raw="杭州办了多少件案件", runs=(("杭州", "办"), ("件", "案件")), wants_number=True)
    concepts = [(("杭州",), 3.0), (("案件",), 5.0)]
    figure, named = passage("全市共办理案件226件", source=3), passage("杭州市检察机关办理案件", source=3)
    # the figure passage meets the place: only the coverage its own text lacks (杭州) is lost
    assert feature(answerer.features(q, concepts, [True, True], [figure, named], [2.0, 1.0]), GAP) == 0.375
    other = passage("杭州市检察机关办理案件", source=4)
    assert feature(answerer.features(q, concepts, [True, True], [figure, other], [2.0, 1.0]), GAP) == 1


def test_a_provinces_rule_meets_a_place_in_the_province_its_text_never_names(answerer):
    q = ParsedQuery(raw="杭州电动自行车要上牌吗", runs=(("杭州", "电动自行车", "上牌"),))
    concepts = [(("杭州",), 3.0), (("电动自行车",), 5.0), (("上牌",), 2.0)]
    title = "浙江省电动自行车管理条例"
    rule = passage("电动自行车应当依法登记，上牌行驶。", context=title, source=2)
    bound = Answerer(["某省政府工作报告", "某某决定", title], (), [frozenset(), frozenset(), bound_places(title, "条例")])
    assert feature(bound.features(q, concepts, [True] * 3, [rule], [1.0]), GAP) == 0
    assert feature(answerer.features(q, concepts, [True] * 3, [rule], [1.0]), GAP) == 0.7  # not bound: all but 杭州 lost
    elsewhere = ParsedQuery(raw="苏州电动自行车要上牌吗", runs=(("苏州", "电动自行车", "上牌"),))
    assert feature(bound.features(elsewhere, concepts, [True] * 3, [rule], [1.0]), GAP) == 0.7


def test_the_province_table_names_cities_jiebas_list_tags_otherwise(answerer):
    # jieba tags only 嘉兴市 and 义乌市 as places, not 嘉兴 and 义乌
    q = ParsedQuery(raw="嘉兴和义乌的农村居民收入", runs=(("嘉兴", "和", "义乌"), ("农村居民", "收入")))
    assert answerer.named_places(q) == ["嘉兴", "义乌"]
    # whole words only (大理石 is no 大理); a name that is also an everyday word only with its 县 (天台 is a rooftop)
    for raw, runs, named in (("大理石台面", (("大理石", "台面"),), []), ("楼顶天台能搭棚吗", (("楼顶", "天台", "搭棚"),), []),
                             ("天台县的民宿", (("天台县", "的", "民宿"),), ["天台"])):
        assert answerer.named_places(ParsedQuery(raw=raw, runs=runs)) == named


def test_our_province_names_the_home_province():
    """我省/本省 name the corpus's home province (ranking.toml `home`), as 浙江 would; 全省 only when no other place is
    named (山东全省 is Shandong's); without a home they name nothing."""
    home = Answerer(["某某决定"], home="浙江")
    for raw, runs, named in (("我省农村建房要审批吗", (("我省", "农村", "建房"),), ["浙江"]),
                             ("咱们省的失业金怎么领", (("咱们", "省", "失业金"),), ["浙江"]),
                             ("全省养老机构有多少家", (("全省", "养老", "机构"),), ["浙江"]),
                             ("山东全省养老机构有多少家", (("山东", "全省", "养老", "机构"),), ["山东"]),
                             ("我省和山东的养老机构", (("我省", "和", "山东", "养老", "机构"),), ["山东", "浙江"]),
                             ("浙江全省养老机构", (("浙江", "全省", "养老", "机构"),), ["浙江"])):
        assert home.named_places(ParsedQuery(raw=raw, runs=runs)) == named
    assert Answerer(["某某决定"]).named_places(ParsedQuery(raw="我省农村建房", runs=(("我省", "农村", "建房"),))) == []


def test_a_listed_place_the_documents_commonly_write_as_a_word_is_no_place():
    """新建 is in jieba's place list (新建县, once of 南昌) and is a word policy documents write everywhere (新建住宅):
    where a tenth of the corpus's documents write it, a question saying 新建 names no place; 朝阳, which they
    do not write, still is one, and so is 杭州, a city of the province table, however often they write it."""
    shares = {"新建": 0.28, "朝阳": 0.01, "杭州": 0.3}
    answerer = Answerer(["某某决定"], document_share=lambda word: shares.get(word, 0.0))
    q = ParsedQuery(raw="朝阳新建小区要配幼儿园吗", runs=(("朝阳", "新建", "小区", "配", "幼儿园"),))
    assert answerer.named_places(q) == ["朝阳"]
    assert Answerer(["某某决定"]).named_places(q) == ["朝阳", "新建"]
    # a city of the province table is a place however many documents write it
    assert answerer.named_places(ParsedQuery(raw="杭州新建小区", runs=(("杭州", "新建", "小区"),))) == ["杭州"]


def test_only_names_count_as_places_and_a_document_may_be_named_in_the_text(answerer):
    # 上门 and 爱国 (of 爱国主义) are tagged places in jieba's list, but have no 上门市 or 爱国县
    for raw, runs in (("空巢老人有没有人上门探访", (("空巢", "老人"), ("人", "上门", "探访"))),
                      ("爱国主义教育法 学校", (("爱国主义", "教育法", "学校"),)),
                      ("快递能上门来取件吗", (("快递",), ("上门来", "取件"))),  # 上门来, a verb phrase, is listed too
                      ("城市建设能占河滩地吗", (("城市", "建设", "占", "河滩地"),))):  # land by its kind, tagged a place
        assert answerer.named_places(ParsedQuery(raw=raw, runs=runs)) == []
    assert answerer.named_places(ParsedQuery(raw="日本 杭州 新加坡", runs=(("日本", "杭州", "新加坡"),))) \
        == ["日本", "杭州", "新加坡"]
    # places abroad jieba lists without an administrative form (no 美国国, 香港市) are named all the same
    assert answerer.named_places(ParsedQuery(raw="在美国做志愿者", runs=(("美国", "做", "志愿者"),))) == ["美国"]
    assert answerer.named_places(ParsedQuery(raw="香港坐救护车", runs=(("香港", "坐", "救护车"),))) == ["香港"]
    # 报告 as a verb (要向谁报告) names no report, so a passage not saying 报告 answers it; as a noun it names the kind
    q = ParsedQuery(raw="重大决策出台前要向谁报告", runs=(("重大", "决策", "出台"),), context={"报告": 1.0})
    concepts = [(("决策",), 5.0)]
    unsaid = passage("重大决策出台前应当提请本级人大审议", context="某某决定")
    assert answerer.named_documents(q) == []
    assert feature(answerer.features(q, concepts, [True], [unsaid], [1.0]), GAP) == 0
    articles = Answerer(["某某决定 今日浙江文章"])
    for verb, kind in (("这事能自己决定吗", "决定"), ("由谁决定", "决定"), ("能要求给文章点赞吗", "文章")):
        assert articles.named_documents(ParsedQuery(raw=verb, runs=((verb,),), context={kind: 1.0})) == []
    noun = ParsedQuery(raw="政府工作报告里的重大决策", runs=(("重大", "决策"),), context={"报告": 1.0})
    assert answerer.named_documents(noun) == ["报告"]
    # after a word of the question's own that no title of the kind holds, it is another report (检验报告); 省委决定
    # names the 省委's 决定
    inspection = ParsedQuery(raw="出假的检验报告怎么罚", runs=(("假的", "检验"), ("罚",)), context={"报告": 1.0})
    assert answerer.named_documents(inspection) == []
    decision = ParsedQuery(raw="省委决定里的目标", runs=(("省委", "目标"),), context={"决定": 1.0})
    assert Answerer(["中共某省委关于某某的决定"]).named_documents(decision) == ["决定"]
    assert feature(answerer.features(noun, concepts, [True], [passage("重大决策")], [1.0]), GAP) == 1


def test_the_margin_is_how_far_the_first_passage_stands_above_the_second(answerer):
    q = ParsedQuery(raw="补贴", runs=(("补贴",),))
    concepts = [(("补贴",), 5.0)]
    two = [passage("补贴"), passage("补贴政策")]
    assert feature(answerer.features(q, concepts, [True], two, [2.0, 1.0]), "margin") == pytest.approx(math.log(2))
    assert feature(answerer.features(q, concepts, [True], two, [1.0, 1.0]), "margin") == 0
    assert feature(answerer.features(q, concepts, [True], two[:1], [1.0]), "margin") == MARGIN_CAP
    assert feature(answerer.features(q, concepts, [True], two, [1.0, 1e-6]), "margin") == MARGIN_CAP


def test_on_topic_when_the_first_passage_is_of_a_document_titled_with_a_word_asked():
    answerer = Answerer(["某市养犬管理条例 养犬条例", "某某决定"], ["条例", "决定"])
    q = ParsedQuery(raw="养犬登记怎么办", runs=(("养犬", "登记"),))
    concepts = [(("养犬",), 5.0), (("登记",), 3.0)]
    regulation = [passage("应当办理登记", source=0), passage("携带犬只出户", source=0)]
    assert feature(answerer.features(q, concepts, [True, True], regulation, [1.0, 0.9]), "on_topic") == 1
    assert feature(answerer.features(q, concepts, [True, True], regulation[:1], [1.0]), "on_topic") == 1
    untitled = [passage("养犬登记", source=1), passage("养犬", source=1)]  # 某某决定 names nothing asked
    assert feature(answerer.features(q, concepts, [True, True], untitled, [1.0, 0.9]), "on_topic") == 0


def test_on_topic_when_the_title_holds_the_leading_part_of_a_word_asked():
    # 物业费 is no word of 物业管理条例's title, its head 物业 is; 管理费 would be of 管理 (a head of two characters
    # at least), a word of two characters only whole (条件 is not 条例)
    answerer = Answerer(["物业管理条例", "某某决定"], ["条例", "决定"])
    answer = [passage("业主应当交纳物业服务费用", source=0), passage("物业服务收费", source=0)]
    q = ParsedQuery(raw="物业费一直不交会怎么样", runs=(("物业费", "一直", "不交"),))
    concepts = [(("物业费", "物业服务费用"), 9.0), (("一直",), 5.0), (("不交",), 6.0)]
    assert feature(answerer.features(q, concepts, [True, True, False], answer, [0.1, 0.09]), "on_topic") == 1
    q2 = ParsedQuery(raw="条件是什么", runs=(("条件",),))
    assert feature(answerer.features(q2, [(("条件",), 4.0)], [True], answer, [0.1, 0.09]), "on_topic") == 0
    q3 = ParsedQuery(raw="物流费怎么算", runs=(("物流费", "算"),))  # 物 alone is no head
    assert feature(answerer.features(q3, [(("物流费",), 4.0)], [True], answer, [0.1, 0.09]), "on_topic") == 0


def test_same_document_when_the_first_two_passages_are_of_one_document(answerer):
    q = ParsedQuery(raw="补贴标准", runs=(("补贴", "标准"),))
    concepts = [(("补贴",), 5.0), (("标准",), 3.0)]
    one = [passage("补贴标准", source=0), passage("补贴", source=0), passage("标准", source=1)]
    assert feature(answerer.features(q, concepts, [True, True], one, [1.0, 0.9, 0.8]), "same_document") == 1
    apart = [one[0], one[2], one[1]]  # the third passage does not count
    assert feature(answerer.features(q, concepts, [True, True], apart, [1.0, 0.9, 0.8]), "same_document") == 0
    assert feature(answerer.features(q, concepts, [True, True], one[:1], [1.0]), "same_document") == 0


def test_pair_share_counts_the_character_pairs_asked_that_the_first_passage_holds(answerer):
    q = ParsedQuery(raw="犬牌丢了能补办吗", runs=(("犬牌", "丢"), ("补办",)))
    concepts = [(("犬牌丢", "犬只牌证"), 9.0), (("补办",), 6.0)]  # an expansion's pairs do not count
    answer = passage("养犬人遗失犬牌的，应当及时补办。")  # 犬牌, 补办 of 犬牌, 牌丢, 补办
    assert feature(answerer.features(q, concepts, [False, True], [answer], [1.0]), "pair_share") == pytest.approx(2 / 3)
    elsewhere = [passage("补办相应手续"), answer]  # only the first passage counts
    assert feature(answerer.features(q, concepts, [False, True], elsewhere, [1.0, 0.9]), "pair_share") == pytest.approx(1 / 3)


def test_a_penalty_holds_the_words_of_the_provision_it_names_for_a_question_asking_the_penalty(answerer):
    q = ParsedQuery(raw="在电线杆上贴小广告罚多少钱", runs=(("电线杆", "贴", "小广告", "罚"),), wants_sanction=True)
    concepts = [(("电线杆",), 9.0), (("小广告",), 9.0)]
    penalty = "违反本条例第二十六条规定的，并处每处五十元以上二百元以下罚款。"  # its breach only by number
    alone = answerer.features(q, concepts, [True, True], [passage(penalty)], [1.0])
    named = TopPassage(penalty, "某某条例", 2022, 0, cited="任何单位和个人不得擅自在树木、电线杆上张贴宣传品。")
    with_rule = answerer.features(q, concepts, [True, True], [named], [1.0])
    assert feature(alone, "pair_share") == 0 and feature(with_rule, "pair_share") == pytest.approx(2 / 4)


def test_the_searcher_reads_the_provisions_a_penalty_names_only_for_a_question_asking_the_penalty(searcher):
    rows = searcher._rows(np.arange(searcher.index.size))
    penalty = np.array([next(d for d, (_, text) in rows.items() if text.startswith("违反本条例第十条规定"))])
    asked, other = (searcher._top_passages(penalty, rows, sanction) for sanction in (True, False))
    assert "狂犬病免疫" in asked[0].cited and other[0].cited == ""


def test_unlisted_words_count_the_absent_words_the_dictionary_does_not_know_either(answerer):
    q = ParsedQuery(raw="办卡店跑路了谁来罚", runs=(("办卡店", "跑路", "谁来罚"),))
    # 谁来罚: a piece of colloquial wording; 火星 is absent from the corpus but a word of the language; 跑路
    # is absent itself but held by an expansion (in_corpus True)
    concepts = [(("谁来罚",), 9.0), (("火星",), 9.0), (("跑路", "逃逸"), 6.0)]
    top = [passage("逃逸的，处罚款")]
    x = answerer.features(q, concepts, [False, False, True], top, [1.0])
    assert feature(x, "unlisted_words") == 1
    assert feature(answerer.features(q, concepts[1:], [False, True], top, [1.0]), "unlisted_words") == 0


def test_a_first_passage_holding_more_of_the_words_asked_is_likelier_an_answer():
    model = load_model()
    x = np.zeros(len(ANSWER_FEATURES))
    held = x.copy()
    held[ANSWER_FEATURES.index("pair_share")] = 1.0
    assert model.score(held) - model.score(x) > 0.5  # the fitted weight: as much as e of F and more


def test_the_stored_model_round_trips_and_thresholds_its_logit():
    model = load_model()
    assert AnswerModel.from_json(model.to_json()).to_json() == model.to_json()
    assert set(model.to_json()["weights"]) == set(ANSWER_FEATURES)
    assert set(model.to_json()["ranking"]) == set(FEATURES)  # the ranking whose top passages it reads


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return Searcher.open(plan_with_regulations(tmp_path_factory.mktemp("answered"), PLAN,
                                               [REGULATIONS / "shanghai-dog-keeping.md"]))


def test_the_answered_model_reads_the_top_of_its_own_ranking_whatever_the_order_shown(searcher, monkeypatch):
    """The order shown is fitted to put an answer first, the answered model on the top passages of the ranking it
    was fitted with (AnswerModel.ranking): another order shown leaves its features as they were; without a ranking
    of its own it reads the order shown."""
    query = "养犬登记怎么办理"
    stored = searcher.search(query)
    monkeypatch.setattr(searcher, "weights", np.zeros(len(FEATURES)))  # BM25 alone
    reordered = searcher.search(query)
    assert [h.passage.text for h in reordered.hits] != [h.passage.text for h in stored.hits]
    assert reordered.answer_features == stored.answer_features
    monkeypatch.setattr(searcher, "answer_model", replace(searcher.answer_model, ranking=None))
    assert searcher.search(query).answer_features != stored.answer_features


def test_another_citys_question_finds_the_regulation_but_is_not_answered(searcher):
    assert searcher.search("上海市养犬登记怎么办理").answered
    other = searcher.search("杭州市养犬登记怎么办理")
    assert not other.answered and other.hits  # the nearest quotes still follow
    assert feature(np.array(other.answer_features), GAP) > 0


def test_a_list_items_lead_in_is_the_sentence_before_its_list_in_its_section(searcher):
    rows = searcher._rows(np.arange(searcher.index.size))
    first, second = (next(d for d, (_, text) in rows.items() if words in text) for words in ("犬舍", "看管犬只的专门人员"))
    assert "应当具备下列条件" in searcher._lead(first) and searcher._lead(second) == searcher._lead(first)
    lead = next(d for d, (_, text) in rows.items() if "应当具备下列条件" in text)
    assert searcher._lead(lead) == ""  # the first passage of its article: nothing before it there


def test_an_article_of_another_citys_regulation_is_not_answered(searcher):
    assert searcher.search("上海市养犬管理条例第十三条").answered
    other = searcher.search("杭州市养犬管理条例第十三条")
    assert other.kind == "reference" and other.hits and not other.answered


def test_a_chapter_asked_of_a_document_without_chapters_is_shown_but_not_answered(searcher):
    chapter = searcher.search("某某实施方案第一章")  # the plan has parts (一、) and items (1.), no chapters
    assert chapter.kind == "reference" and chapter.hits and not chapter.answered
    assert searcher.search("某某实施方案第1条").answered  # an article asked of a plan is its numbered item
    assert searcher.search("上海市养犬管理条例第四章").answered


def test_the_chat_says_which_place_asked_of_the_nearest_quotes_do_not_concern(searcher):
    core = build_core(searcher)
    other = core.handle_message(Request(7, 7, "杭州市养犬登记怎么办理")).blocks[0].text
    assert other.startswith("资料库中没有直接回答这个问题") and other.endswith("以下是最接近的原文，未涉及“杭州”：")
    assert searcher.search("杭州市养犬登记怎么办理").untouched == ("杭州",)
    assert searcher.search("上海市养犬登记怎么办理").untouched == ()  # answered: nothing to say


def test_the_chat_says_which_article_asked_of_a_document_it_lacks(searcher):
    """上海市养犬管理条例第九十条: the regulation has no article 90; the nearest quotes (its own articles) are not it."""
    asked = searcher.search("上海市养犬管理条例第九十条")
    assert not asked.answered and asked.untouched == ("上海市养犬管理条例第九十条",)
    lead = build_core(searcher).handle_message(Request(7, 7, "上海市养犬管理条例第九十条")).blocks[0].text
    # how many it has, beside what it lacks: the quotes after are explained
    assert lead.endswith("以下是最接近的原文，未涉及“上海市养犬管理条例第九十条”（《上海市养犬管理条例》共六十一条）：")
    # nothing left to search once the title's words are taken (第90条 alone): the regulation's own lines, not
    # "try shorter words"
    reply = build_core(searcher).handle_message(Request(7, 7, "上海市养犬管理条例第90条")).blocks[0].text
    assert reply.endswith("以下是最接近的原文，未涉及“上海市养犬管理条例第90条”（《上海市养犬管理条例》共六十一条）：")
    assert {h.source.title for h in searcher.search("上海市养犬管理条例第90条").hits} == {"上海市养犬管理条例"}
    # no document has it: said so
    assert build_core(searcher).handle_message(Request(7, 7, "第200条")).blocks[0].text.startswith("资料库中没有“第200条”。")
    assert searcher.search("上海市养犬管理条例第十三条").untouched == ()  # found: nothing to say
    # the item missing is all there is to say (not 上海 too: the quotes after it are no answer to anything else)
    assert searcher.search("上海养犬条例第九十条").untouched == ("上海养犬条例第九十条",)
    assert searcher.search("上海市养犬管理条例第二章第九节").untouched == ("上海市养犬管理条例第二章第九节",)
    assert searcher.search("第九十条讲什么").untouched == ("第九十条",)  # (a question after it names nothing)


def test_the_chat_says_which_clause_of_a_compound_question_the_nearest_quotes_do_not_answer(searcher):
    asked = "养犬登记怎么办理，离婚财产怎么分"
    assert not searcher.search(asked).answered and searcher.search(asked).untouched == ("离婚财产怎么分",)
    lead = build_core(searcher).handle_message(Request(7, 7, asked)).blocks[0].text
    assert lead.endswith("以下是最接近的原文，未涉及“离婚财产怎么分”：")
    assert searcher.search("养犬登记怎么办理，要带什么材料").answered  # both clauses answered there


def test_the_chat_says_first_that_another_citys_article_is_not_what_was_asked(searcher):
    core = build_core(searcher)
    reply = core.handle_message(Request(7, 7, "杭州市养犬管理条例第十三条"))
    lead, header = reply.blocks[0].text, reply.blocks[1].text
    assert lead.startswith("资料库中没有直接回答这个问题") and "《上海市养犬管理条例》第十三条" in header
    asked = core.handle_message(Request(7, 7, "上海市养犬管理条例第十三条"))
    assert not asked.blocks[0].text.startswith("资料库中没有直接回答")


@pytest.mark.parametrize("regulation, asked, own, other, answer", [
    # a province's rule answers its cities' questions (济南), not another province's (南京)
    ("shandong-elderly-care-services.md", "的养老机构要向哪个部门备案", "济南", "南京", "备案"),
    # a city's rule answers its districts' questions, named in full (文登区 is 威海市's); 昆山市 is Jiangsu's
    ("weihai-parking.md", "路边要新划停车泊位，施划方案公示多长时间", "文登区", "昆山市", "公示时间不得少于十五日"),
])
def test_a_rule_answers_the_places_it_binds_not_others(tmp_path, regulation, asked, own, other, answer):
    searcher = Searcher.open(plan_with_regulations(tmp_path, PLAN, [REGULATIONS / regulation]))
    found = searcher.search(own + asked)
    assert found.answered and answer in found.hits[0].passage.text
    elsewhere = searcher.search(other + asked)
    assert not elsewhere.answered and elsewhere.untouched == (other,)
    assert elsewhere.hits[0].passage.text == found.hits[0].passage.text  # the nearest quotes still follow


def test_a_province_rules_binding_a_city_rank_as_naming_it(tmp_path):
    """The ranking counts 济南 as covered by a 山东省 regulation, as it counts 山东: a plan's sentence that merely
    names 济南 beside one word asked no longer outranks the article that answers."""
    plan = "某某实施方案\n一、总体要求\n1.济南养老机构床位数增加到一万张，济南养老服务体系更加完善。\n"
    searcher = Searcher.open(plan_with_regulations(tmp_path, plan, [REGULATIONS / "shandong-elderly-care-services.md"]))
    answer = searcher.search("济南养老机构要向哪个部门备案")
    assert answer.answered and "并向所在地县（市、区）人民政府民政部门备案" in answer.hits[0].passage.text
    # the place costs the rule's article no coverage: its text and title cover every word asked (济南 by the binding)
    q = searcher.parser.parse("济南养老机构要向哪个部门备案")
    lists, gram_bits = searcher.term_lists(q)
    s, bits = score_all(lists, searcher.index.size)
    texts = dict(searcher.corpus.db.execute("select rowid, text from passages").fetchall())
    article = np.array([i for i, row in enumerate(searcher.index.passage_rows.tolist())
                        if texts[row] == answer.hits[0].passage.text])
    x = QueryRanker(q, searcher.table, searcher.weights, gram_bits).features(article, bits[article])[0]
    assert s[article[0]] > 0 and [x[FEATURES.index(n)] for n in ("uncovered", "unmatched", "off_document")] == [0, 0, 0]


def test_a_national_law_answers_the_home_provinces_questions_not_another_places(tmp_path):
    """With the repository's ranking.toml (home = 浙江): 浙江/杭州 users ask of the law that binds them; 广州 is asked
    of Guangzhou's own rules, which the corpus lacks."""
    searcher = Searcher.open(plan_with_regulations(tmp_path, PLAN, [REGULATIONS / "labour-contract-law.md"],
                                                   curated=("ranking.toml",)))
    for place in ("浙江", "杭州"):  # (the score of this one-law corpus, words alone, is the model's to judge)
        answer = searcher.search(place + "试用期最长多久")
        assert "试用期不得超过" in answer.hits[0].passage.text and feature(np.array(answer.answer_features), GAP) == 0
    other = searcher.search("广州试用期最长多久")
    assert "试用期不得超过" in other.hits[0].passage.text and feature(np.array(other.answer_features), GAP) > 0
    assert not other.answered


def test_our_province_is_asked_of_the_home_provinces_rules_not_another_provinces(tmp_path):
    """我省 is the asker's province (home = 浙江 in the repository's ranking.toml): Shandong's rule on closing a care
    home is the nearest quote, not the answer, and the reply says that it does not concern 浙江; 山东 asked is
    answered by it."""
    searcher = Searcher.open(plan_with_regulations(tmp_path, PLAN, [REGULATIONS / "shandong-elderly-care-services.md"],
                                                   curated=("ranking.toml",)))
    ours = searcher.search("我省养老机构停办要提前多久报告")
    assert "六十日前" in ours.hits[0].passage.text and feature(np.array(ours.answer_features), GAP) > 0
    assert not ours.answered and ours.untouched == ("浙江",)
    theirs = searcher.search("山东养老机构停办要提前多久报告")
    assert "六十日前" in theirs.hits[0].passage.text and feature(np.array(theirs.answer_features), GAP) == 0


def test_an_everyday_request_is_not_answered_even_by_a_passage_stating_its_words(tmp_path):
    """今天天气怎么样 found 重污染天气全消除 and came back "answered"; a sentence holding every word of it is still no
    answer to a request for the weather (search.everyday), while the same words asked of the documents are."""
    plan = "某某实施方案\n一、总体要求\n1.今天天气晴好的时段，组织户外体育活动。遇重污染天气，暂停户外活动。\n"
    searcher = Searcher.open(plan_with_regulations(tmp_path, plan, []))
    weather = searcher.search("今天天气怎么样")
    assert weather.hits and "今天天气" in weather.hits[0].passage.text
    assert not weather.answered and weather.answer_score >= searcher.answer_model.threshold  # the words were found
    assert searcher.search("重污染天气怎么安排户外活动").answered


MOUNTAIN_MD = """# 某县山体保护条例

2021年5月20日某县人民代表大会常务委员会第八次会议通过

<!-- INFO END -->

第一条 为了保护山体资源，改善生态环境，制定本条例。

第二条 县自然资源部门负责本县山体保护的监督管理工作。

第三条 禁止在保护范围内开山采石。

第四条 在保护范围内开山采石的，由县自然资源部门责令停止，处一万元以上五万元以下罚款。

第五条 本条例自2021年7月1日起施行。
"""


def test_a_named_document_without_the_words_asked_shows_what_fits_the_question(tmp_path):
    """Its penalty says 由…责令停止，处…罚款, no 违反 nor 处罚: the words asked reach none of its passages. It showed its
    first lines with vectors and nothing at all without; now its penalty, first, though not as an answer."""
    rule = tmp_path / "mountain.md"
    rule.write_text(MOUNTAIN_MD, encoding="utf-8")
    searcher = Searcher.open(plan_with_regulations(tmp_path, PLAN, [rule]))
    found = searcher.search("违反某县山体保护条例会怎么处罚")
    assert found.hits and found.hits[0].passage.text.startswith("在保护范围内开山采石的，由县自然资源部门责令停止")
    assert not found.answered
    assert searcher.search("某县山体保护条例 开山采石 罚款").answered  # (its words found: an answer as before)


def test_a_sentence_quoted_is_answered_by_itself(db_path):
    """木受绳则直，人受谏则圣 typed as a phrase came back not answered (words that rare score low in the model): a query
    of QUOTED_MIN characters or more found verbatim in the first passage, punctuation aside, is answered by it."""
    from assistant.search.answered import quotes

    engine = Searcher.open(db_path)
    for query in ("木受绳则直人受谏则圣", "木受绳则直，人受谏则圣"):
        r = engine.search(query, k=3)
        assert "木受绳则直" in r.hits[0].passage.text and r.answered, query
    assert quotes("人受谏则圣", "木受绳则直，人受谏则圣。") is False  # (five characters: a phrase, not a quotation)
    assert quotes("木受绳则直 人受谏则圣", "木受绳则直，人受谏则圣。")


@pytest.mark.parametrize("query", ["认养了一棵树，这树就归我了吗", "公园大门口多少米以内不能摆摊", "停车场能挪作他用吗",
                                   "用人单位自用工之日起就和劳动者建立劳动关系"])
def test_phrases_jieba_tags_as_places_name_none(searcher, query):
    """jieba's place list tags phrases too: its rarest entries (挪作他用, 之日起), a count (一棵树), a doorway (大门口).
    Named as places, they asked every passage to name them, and answerable questions came back not answered."""
    assert searcher.answerer.named_places(searcher.parser.parse(query)) == []


def test_places_jieba_lists_stay_places(searcher):
    for query, place in (("新加坡的组屋政策怎么样", "新加坡"), ("香港市民能申请吗", "香港"), ("颐和园里能建过山车吗", "颐和园")):
        assert searcher.answerer.named_places(searcher.parser.parse(query)) == [place]
