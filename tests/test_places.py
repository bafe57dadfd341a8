"""The province table: which places a document's rules bind beyond those its title names."""
from __future__ import annotations

import pytest

from assistant.search.places import binds, bound_places, cities, is_local, listed_places, provinces, written_places
from assistant.search.ranking import load_config


def test_a_provinces_rules_bind_its_cities_and_counties():
    for title, kind in (("浙江省电动自行车管理条例", "条例"), ("浙江省实施《中华人民共和国某某法》办法", "实施办法"),
                        ("浙江省某某管理规定", "规定")):
        assert {"杭州", "宁波", "义乌"} <= bound_places(title, kind)
    assert "深圳" in bound_places("广东省全民义务植树条例", "条例")
    assert "深圳" not in bound_places("浙江省电动自行车管理条例", "条例")


def test_a_zhejiang_citys_rules_bind_its_counties_and_districts():
    assert {"萧山", "余杭", "淳安"} <= bound_places("杭州市某某管理条例", "条例")
    assert "义乌" in bound_places("金华市某某办法", "办法") and "义乌" not in bound_places("杭州市某某管理条例", "条例")
    assert bound_places("杭州市政府工作报告", "政府工作报告") == frozenset()  # a city's report speaks of the city
    assert cities()["台州"] >= {"天台", "温岭"}  # (天台 is bound though never named by its bare name)
    # every county listed under a Zhejiang city is the province's
    zhejiang = [places for city, places in cities().items() if city in provinces()["浙江"]]
    assert set().union(*zhejiang) <= provinces()["浙江"] and len(set().union(*zhejiang)) == 90


def test_a_special_economic_zones_rules_are_its_citys():
    """深圳经济特区…条例 and 汕头经济特区…条例 are the city's own regulations: they bind its districts as a 深圳市… rule
    would (a question on 龙岗区 is answered by them), and never the home province."""
    assert "龙岗区" in bound_places("深圳经济特区矛盾纠纷多元化解条例", "条例")
    assert {"南澳县", "龙湖区"} <= bound_places("汕头经济特区警务辅助人员条例", "条例")
    assert "杭州" not in bound_places("深圳经济特区矛盾纠纷多元化解条例", "条例", "浙江")


def test_districts_made_after_the_generated_table_are_their_citys():
    """Divisions made 2016–2019 (GB2260 revision 201904) that the older generated lines lacked: a question on 龙华区
    named a place none of the documents binds."""
    assert {"龙华区", "坪山区", "光明区"} <= bound_places("深圳经济特区矛盾纠纷多元化解条例", "条例")
    assert {"即墨区", "莱西市"} <= bound_places("青岛市某某条例", "条例")
    assert "即墨区" in bound_places("山东省供热条例", "条例") and "即墨区" not in bound_places("广东省森林防火条例", "条例")


def test_another_provinces_city_binds_its_divisions_written_in_full():
    """信阳市's regulation binds 商城县 (its county), named as written: the bare 商城 is a mall, which no rule binds."""
    assert {"商城县", "罗山县", "浉河区", "新县"} <= bound_places("信阳市城市市容和环境卫生管理条例", "条例")
    assert "商城" not in bound_places("信阳市城市市容和环境卫生管理条例", "条例") and "商城" not in listed_places()
    assert "商城县" in bound_places("河南省物业管理条例", "条例") and "文登区" in bound_places("威海市停车管理和服务条例", "条例")
    assert written_places("商城县的店铺和罗山县城，主城区和郊区的新县") == ["商城县", "罗山县", "新县"]  # (城区, 郊区: no)
    assert is_local("商城县某某办法") and not is_local("公安部关于某某的规定")  # (公安县's bare name starts no title)


def test_a_municipalitys_rules_bind_its_districts_and_counties_named_in_full_or_bare():
    """渝北区的天然气归哪个部门管 is answered by 重庆市天然气管理条例, and 万州这边… (万州区 named bare) too."""
    gas = bound_places("重庆市天然气管理条例", "条例")
    assert {"渝北区", "万州区", "忠县"} <= gas and binds(gas, "渝北区") and binds(gas, "万州") and binds(gas, "忠县")
    assert not binds(gas, "万") and not binds(gas, "杭州") and not binds(bound_places("浙江省某某条例", "条例"), "万州")
    assert {"浦东新区", "闵行区"} <= bound_places("上海市养犬管理条例", "条例") and "朝阳区" in bound_places("北京市某某条例", "条例")
    assert bound_places("重庆市政府工作报告", "政府工作报告") == frozenset() and is_local("天津市某某条例")
    assert binds(bound_places("临沂市献血条例", "条例"), "郯城")  # (郯城县: a county named bare, in any province)
    # Zhejiang's divisions are listed bare: 杭州市 (杭州市区的马路) is bound as 杭州 is; a one-character stem is no place
    zhejiang = bound_places("浙江省某某条例", "条例")
    assert binds(zhejiang, "杭州市") and binds(zhejiang, "杭州") and not binds(zhejiang, "苏州市")


def test_a_national_rule_binds_the_home_province_and_its_places_only():
    for title, kind in (("中华人民共和国劳动合同法", "法"), ("物业管理条例", "条例"), ("城市市容和环境卫生管理条例", "条例")):
        assert not is_local(title) and {"浙江", "杭州", "义乌"} <= bound_places(title, kind, home="浙江")
        assert "广州" not in bound_places(title, kind, home="浙江") and bound_places(title, kind) == frozenset()
    for title in ("广州市幼儿园条例", "上海市养犬管理条例", "昆山市文明行为促进条例", "河南省物业管理条例", "某江省电动自行车管理条例"):
        assert is_local(title) and "杭州" not in bound_places(title, "条例", home="浙江")


def test_the_home_province_must_be_a_province_of_the_table(tmp_path):
    path = tmp_path / "ranking.toml"
    path.write_text('home = "浙江"\n', encoding="utf-8")
    assert load_config(path).home == "浙江"
    path.write_text('home = "杭州"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="home"):
        load_config(path)


def test_reports_plans_city_rules_and_national_laws_bind_no_place_beyond_their_title():
    # what a province's report says of the province is no figure of its cities; a city's rule is its own
    for title, kind in (("浙江省政府工作报告", "政府工作报告"), ("浙江省某某规划纲要", "纲要"), ("浙江省某某实施方案", "实施方案"),
                        ("广州市政府工作报告", "政府工作报告"), ("中华人民共和国道路交通安全法", "法")):
        assert bound_places(title, kind) == frozenset()


def test_the_table_lists_each_place_once_under_a_province():
    table = provinces()
    assert len(table) == 31 and all(len(places) >= 4 for places in table.values())  # (and 4 municipalities)
    assert not set(table) & set().union(*table.values())  # no province is also listed as a place in one
    assert {"浙江", "杭州", "萧山", "内蒙古", "鄂尔多斯"} <= listed_places()
    # a place that is also an everyday word is bound by its province's rules, never named by its bare name
    assert "天台" in bound_places("浙江省某某条例", "条例") and "天台" not in listed_places()
    assert not any(p.startswith("~") for places in table.values() for p in places)
