"""The chat core and its rendering, without any messenger."""
from __future__ import annotations

import html
import re

import pytest

from assistant.chat import Access, Button, Citation, Context, Quote, Reply, Request, Text, build_core
from assistant.chat.answers import REFERENCE_PAGE, bold_terms
from assistant.chat import sessions as sessions_module
from assistant.chat.core import MAX_QUERY_CHARS, clean_text, parse_command
from assistant.chat.sessions import Sessions
from assistant.state.sqlite import SQLiteState
from assistant.chat.render import (
    MAX_ENTITIES, MAX_MESSAGE_UNITS, highlight, html_messages, keyboard, plain_text, quote_html, units,
)
from fake_bot_api import searcher  # noqa: F401 (fixture)

ME = Request(chat_id=7, user_id=7)


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.fixture
def core(searcher):
    return build_core(searcher)


# Rendering ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, terms", [
    ("打造山海协作工程升级版，优化山区政策体系", ("山海", "协作", "山海协作工程")),
    ("<b>&amp;</b> 共同富裕 & 共同", ("共同", "共同富裕", "<b>")),
    ("abcabc", ("bc", "ca")),
    ("没有匹配", ("富裕",)),
])
def test_highlight_keeps_text_verbatim(text, terms):
    pieces = highlight(text, terms)
    assert "".join(p for p, _ in pieces) == text
    marked = quote_html(Quote(text, terms=terms)).html
    assert visible(marked) == f"「{text}」"
    bold = [p for p, b in pieces if b]
    assert all(any(t in p for t in terms) for p in bold)


def test_highlight_merges_overlaps_and_caps_entities():
    assert highlight("山海协作工程", ("山海协作", "协作工程")) == [("山海协作工程", True)]
    many = highlight("的" * 200, ("的",))
    assert sum(b for _, b in many) <= 20 and "".join(p for p, _ in many) == "的" * 200


def test_messages_split_between_quotes_within_limits():
    sentence = "浙江省推进共同富裕示范区建设，" * 20
    quotes = [Quote(f"{i}{sentence}", terms=("共同富裕", "浙江"), citation=Citation("——《简称》第一部分第2条（2021年）", "（《标题》，2021年）"))
              for i in range(60)]
    messages = html_messages(Reply([Text("标题"), *quotes]))
    assert len(messages) > 1
    for m in messages:
        assert units(m) <= MAX_MESSAGE_UNITS
        assert m.count("<b>") <= MAX_ENTITIES
        assert m.count("「") == m.count("」")  # no quote cut in two
    assert visible("\n\n".join(messages)).count("「") == 60


@pytest.mark.parametrize("text", ["<&>" * 3000, "开头\n" + "😀" * 5000 + "\n结尾", "\n".join(["一行字"] * 3000)])
def test_long_text_block_is_cut_to_fit_in_order(text):
    messages = html_messages(Reply([Text(text)]))
    assert len(messages) > 1 and all(units(m) <= MAX_MESSAGE_UNITS for m in messages)
    assert "".join(visible(m) for m in messages).replace("\n", "") == text.replace("\n", "")


def test_single_characters_are_bolded_only_alone():
    assert bold_terms(("建", "共同富裕", "示范区")) == ("共同富裕", "示范区")
    assert bold_terms(("建",)) == ("建",)


def test_keyboard_numbers_quote_buttons_then_reply_rows():
    q = Quote("甲", buttons=(Button("上下文", "ctx:1"), Button("⭐", "save:1")))
    rows = keyboard(Reply([Text("x"), q, q], [[Button("下一页", "pg:a:3")]]))
    assert [[b.label for b in r] for r in rows] == [["①上下文", "①⭐"], ["②上下文", "②⭐"], ["下一页"]]


def test_plain_text_has_no_markup_and_context_marks_focus():
    reply = Reply([Quote("<b>原文</b>", terms=("原文",), citation=Citation("——《简称》", "（《全称》）")),
                   Context(("前一句。", "本句。", "后一句。"), 1)])
    text = plain_text(reply)
    assert "「<b>原文</b>」\n——《简称》" in text and "▶ 本句。" in text


def test_button_rejects_long_callback_data_and_core_stashes_it(core):
    with pytest.raises(ValueError):
        Button("x", "a" * 65)
    data = core.callback_data("ask", "很长的问题" * 10)
    assert len(data.encode()) <= 64 and core.arg(data.split(":", 1)[1]) == "很长的问题" * 10


# Core ------------------------------------------------------------------------------------------


def test_clean_text_and_commands():
    assert clean_text(" 共同\x00富裕\u200b\t\n 示范区 ") == "共同 富裕 示范区"
    assert parse_command("/s@policy_bot 共同 富裕") == ("s", "共同 富裕")
    assert parse_command("/HELP") == ("help", "")
    assert parse_command("共同富裕") is None and parse_command("/") is None


def test_sessions_forget_oldest():
    sessions = Sessions(capacity=3)
    first = sessions.new("q0", None, 1, 1)
    keys = [sessions.stash(f"v{i}") for i in range(3)]
    assert sessions.get(first.id) is None and sessions.unstash(keys[-1]) == "v2"


def test_sessions_outlive_a_restart_and_are_pruned(tmp_path, monkeypatch):
    now = [1_000_000.0]
    path = tmp_path / "state.db"
    old = Sessions(SQLiteState(path), capacity=4, clock=lambda: now[0])
    session = old.new("山海协作", "s1", 7, -5)
    long_arg = "共同富裕" * 20
    key = old.stash(long_arg)
    old._db.close()

    again = Sessions(SQLiteState(path), capacity=4, clock=lambda: now[0])
    assert again.get(session.id) == session and again.unstash(key) == long_arg
    assert again.get(key) is None and again.unstash(session.id) is None and again.get("nope") is None

    monkeypatch.setattr(sessions_module, "PRUNE_EVERY", 1)
    now[0] += sessions_module.MAX_AGE_DAYS * 86400 + 1
    fresh = []
    for i in range(6):
        now[0] += 1
        fresh.append(again.stash(f"v{i}"))
    again._db.close()
    later = Sessions(SQLiteState(path), capacity=4, clock=lambda: now[0])
    assert later.get(session.id) is None and later.unstash(key) is None  # too old
    assert [later.unstash(k) for k in fresh] == [None, None, "v2", "v3", "v4", "v5"]  # newest 4 kept
    assert later._db.one("select count(*) as n from button_keys")["n"] == 4


def test_question_answer_has_three_cited_quotes_and_buttons(core):
    reply = core.handle_message(Request(7, 7, "山海协作"))
    quotes = reply.quotes()
    assert len(quotes) == 3
    for q in quotes:
        passage = core.searcher.corpus.passage(q.passage_id)
        assert q.text == passage.text and q.citation.line.startswith("——《")
        assert [b.label for b in q.buttons] == ["上下文", "来源", "复制"]
    assert [q.folded for q in quotes] == [False, True, True] and [q.number for q in quotes] == [1, 2, 3]
    rows = [[b.label for b in row] for row in keyboard(reply)]
    assert rows == [["上下文", "来源", "复制"], ["下一页", "②", "③"]]  # one quote's actions, then page and pick


def test_picking_another_quote_opens_it_and_moves_the_actions(core):
    reply = core.handle_message(Request(7, 7, "山海协作"))
    third = core.handle_action(ME, reply.buttons[-1][-1].data)
    assert third.edit and [q.folded for q in third.quotes()] == [True, True, False]
    assert [q.passage_id for q in third.quotes()] == [q.passage_id for q in reply.quotes()]
    rows = keyboard(third)
    assert rows[0] == list(third.quotes()[2].buttons) and [b.label for b in rows[1]] == ["下一页", "①", "②"]
    assert core.handle_action(Request(7, 8), reply.buttons[-1][-1].data).notice.startswith("只有提问者")


def test_paging_only_for_the_asker(core):
    reply = core.handle_message(Request(-5, 7, "山海协作", "group"))
    nxt = reply.buttons[-1][0].data
    assert core.handle_action(Request(-5, 8, chat_kind="group"), nxt).notice.startswith("只有提问者")
    page2 = core.handle_action(Request(-5, 7, chat_kind="group"), nxt)
    assert page2.edit and not {q.passage_id for q in page2.quotes()} & {q.passage_id for q in reply.quotes()}
    assert core.handle_action(ME, "pg:gone:3").notice


def test_a_capped_total_reads_100_plus_and_paging_goes_past_it(core):
    """A search's total stops counting at TOTAL_CAP: the header says 100+, and 下一页 stays while pages are full."""
    reply = core.handle_message(Request(7, 7, "共同富裕 示范区"))
    assert "第 1–3 处，共 100+ 处" in plain_text(reply)
    sid = next(b.data for row in reply.buttons for b in row if b.label == "下一页").split(":")[1]
    late = core.handle_action(ME, f"pg:{sid}:99")
    assert "第 100–102 处，共 100+ 处" in plain_text(late)
    assert "下一页" in [b.label for row in late.buttons for b in row]
    # an exact total: the last page offers no next one
    reply = core.handle_message(Request(7, 7, "浙里督"))
    total = int(re.search(r"共 (\d+) 处", plain_text(reply)).group(1))
    sid = next(b.data for row in reply.buttons for b in row if b.label == "下一页").split(":")[1]
    last = core.handle_action(ME, f"pg:{sid}:{total - 1}")
    assert f"第 {total}–{total} 处，共 {total} 处" in plain_text(last)
    assert "下一页" not in [b.label for row in last.buttons for b in row]


def test_reference_is_quoted_in_order(core):
    results = core.searcher.search("实施方案第31条", k=REFERENCE_PAGE)
    assert results.kind == "reference"
    reply = core.handle_message(Request(7, 7, "实施方案第31条"))
    assert "".join(q.text for q in reply.quotes()) == "".join(h.passage.text for h in results.hits)
    assert reply.blocks[-1].text.startswith("——《") and "共 " in reply.blocks[0].text


def test_nothing_found_says_so_without_quotes(core):
    reply = core.handle_message(Request(7, 7, "qwertyzxcv"))
    assert not reply.quotes() and "没有找到" in reply.blocks[0].text
    for row in reply.buttons:  # suggestions, if any, are words the corpus has
        for b in row:
            term = core.arg(b.data.split(":", 1)[1])
            assert core.searcher.search(term, k=1).hits


@pytest.mark.parametrize("text, kind", [
    ("你好", "greeting"), ("您好！", "greeting"), ("你是谁？", "greeting"), ("在吗", "greeting"), ("Hello", "greeting"),
    ("你好啊😀", "greeting"), ("哈哈哈", "greeting"), ("嗯嗯。", "greeting"), ("谢谢！", "thanks"), ("谢谢了", "thanks"), ("好的👌", "thanks"), ("再见", "thanks"),
    ("今天天气怎么样？", "everyday"), ("杭州明天会下雨吗", "everyday"), ("明天杭州天气", "everyday"), ("现在几点了", "everyday"), ("讲个笑话吧", "everyday"),
    ("今天星期几", "everyday"), ("感冒了吃什么药好得快", "everyday"), ("电动轮椅哪个牌子好", "everyday"), ("面试穿什么衣服合适", "everyday"), ("过年送什么礼物好", "everyday"),
    ("小区楼下最近的快递点在哪", "everyday"), ("附近哪家健身房便宜", "everyday"), ("周末带孩子去哪里玩", "everyday"),
    ("红烧肉怎么做才好吃", "everyday"), ("龙井怎么泡才好喝？", "everyday"), ("燃气灶和电磁炉哪个更省钱", "everyday"),
    ("现在买车划不划算", "everyday"),
    ("下一条", "action"), ("更多。", "action"), ("上一页", "action"), ("还有吗？", "action"), ("上下文 ②", "action"),
    ("来源1", "action"), ("收藏 1", "action"), ("摘编", "action"),
])
def test_a_greeting_thanks_or_everyday_request_gets_a_reply_not_quotes(core, text, kind):
    """你好 matched a magazine sentence and came back answered; 你是谁 quoted 晏子说“我是…”; 今天天气怎么样 quoted
    重污染天气全消除 as its answer."""
    reply = core.handle_message(Request(7, 7, text))
    assert not reply.quotes() and not reply.buttons
    said = reply.blocks[0].text
    opening = {"greeting": "您好！我是浙江政策原文引用助手", "thanks": "不客气", "everyday": "这个我帮不上忙：我只查找政策文件的原文",
               "action": "上一个回答下没有“"}
    assert said.startswith(opening[kind]) and ("/help" in said if kind == "greeting" else True)
    assert "例如：" in said if kind != "thanks" else True


@pytest.mark.parametrize("text", ["你好，共同富裕是什么", "谢谢你们对山区26县的支持", "感谢信", "好的营商环境",
                                  "重污染天气怎么治理", "极端天气预警", "讲好中国故事",
                                  "窗口工作人员上班要穿什么", "老年人买什么保险比较好", "最近有哪些惠民政策",
                                  "哪个部门负责优化营商环境", "营商环境哪里做得最好", "古树怎么养护才能长得好",
                                  "垃圾怎么分类才对"])
def test_a_greeting_within_a_question_is_still_a_search(core, text):
    assert core.handle_message(Request(7, 7, text)).quotes()


def test_odd_inputs_never_raise(core):
    for text in ["", " ", "😀" * 10, "<b>&*_[", "\x00\x01", "a" * 5000, "共" * (MAX_QUERY_CHARS + 50), "/s", "/nope"]:
        reply = core.handle_message(Request(7, 7, text))
        assert reply is not None and (reply.blocks or reply.notice)
    long = core.handle_message(Request(7, 7, "共同富裕" * 100))
    assert "只按前" in long.blocks[0].text


def test_group_ignores_unknown_commands(core):
    assert core.handle_message(Request(-5, 7, "/nope", "group")) is None
    assert core.handle_message(Request(7, 7, "/nope")).blocks


def test_access_and_admin_commands(searcher):
    core = build_core(searcher, access=Access(users=frozenset({1}), chats=frozenset({-9}), admins=frozenset({2})),
                      reopen=lambda: searcher)
    refusal = core.handle_message(Request(3, 3, "共同富裕"))
    assert "授权" in refusal.blocks[0].text and not refusal.quotes()
    assert core.handle_message(Request(-9, 3, "共同富裕", "group")).quotes()
    assert core.handle_action(Request(3, 3), "src:x").notice
    assert not core.handle_inline(Request(3, 3, "共同富裕"), "").items
    assert "管理员" in core.handle_message(Request(1, 1, "/reload")).blocks[0].text
    assert "已重新载入" in core.handle_message(Request(2, 2, "/reload")).blocks[0].text


def test_context_and_source_views(core):
    q = core.handle_message(Request(7, 7, "山海协作")).quotes()[0]
    ctx = core.handle_action(ME, q.buttons[0].data).blocks[0]
    assert isinstance(ctx, Context) and ctx.lines[ctx.focus] == q.text and len(ctx.lines) > 1
    source = core.handle_action(ME, q.buttons[1].data).blocks[0].text
    assert core.searcher.corpus.source(q.source_id).title in source


def test_sources_scope_the_next_search_once(core):
    listing = core.handle_message(Request(7, 7, "/sources"))
    sources = core.searcher.corpus.sources()
    documents = [s for s in sources if not s.publication]
    choices = [b for row in listing.buttons for b in row]
    assert len(choices) == len(documents) + 1 and len(listing.blocks[0].text.splitlines()) <= 12  # one screen
    issue = core.handle_action(ME, choices[-1].data)  # the magazine: one entry opening its articles
    articles = [b for row in issue.buttons for b in row]
    assert len(articles) == len(sources) - len(documents) and "加快发展新质生产力 扎实推进高质量发展" in issue.blocks[0].text
    target = sources[1]
    core.handle_action(ME, core.callback_data("scope", target.id))
    scoped = core.handle_message(Request(7, 7, "发展"))
    assert {q.source_id for q in scoped.quotes()} == {target.id}
    unscoped = core.handle_message(Request(7, 7, "发展"))
    assert "限《" not in plain_text(unscoped)
    core.handle_action(ME, articles[1].data)
    second_article = [s for s in sources if s.publication][1]
    assert {q.source_id for q in core.handle_message(Request(7, 7, "发展")).quotes()} == {second_article.id}


def test_inline_pages_and_featured(core):
    page = core.handle_inline(Request(7, 7, "共同富裕"), "")
    assert len(page.items) == 50 and page.next_offset == "50"
    nxt = core.handle_inline(Request(7, 7, "共同富裕"), page.next_offset)
    assert not {i.id for i in page.items} & {i.id for i in nxt.items}
    featured = core.handle_inline(Request(7, 7, "  "), "")
    assert featured.items and featured.help_text
    assert core.handle_inline(Request(7, 7, "共同富裕"), "junk").items[0].id == page.items[0].id


def test_feature_registration_through_the_registry(core):
    saved = []
    core.registry.command("saved", "收藏", lambda req: Reply([Text(f"{len(saved)} 条")]))
    core.registry.action("save", lambda req, pid: saved.append(pid) or Reply(notice="已收藏"))
    core.registry.quote_button(lambda q, req: Button("⭐", core.callback_data("save", q.passage_id)))
    core.registry.answer_button(lambda s, hits, req: Button(f"摘编 {len(hits)}", core.callback_data("dg", s.id)))
    reply = core.handle_message(Request(7, 7, "山海协作"))
    star = reply.quotes()[0].buttons[-2]
    assert star.label == "⭐" and reply.buttons[-1][-1].label == "摘编 12"
    assert core.handle_action(ME, star.data).notice == "已收藏" and saved == [reply.quotes()[0].passage_id]
    assert core.handle_message(Request(7, 7, "/saved")).blocks[0].text == "1 条"
    with pytest.raises(ValueError):
        core.registry.command("saved", "again", lambda req: None)
    assert "/saved" in plain_text(core.handle_message(Request(7, 7, "/help")))


def test_start_deep_link_from_inline_mode_shows_help(core):
    assert "查询写法" in plain_text(core.handle_message(Request(7, 7, "/start help")))
    assert len(core.handle_message(Request(7, 7, "/start")).buttons) == 4  # three examples and inline search


def test_core_answers_the_same_from_many_threads(searcher, tmp_path):
    """The Telegram adapter runs slow handlers in worker threads beside the loop: the shared corpus
    connection, the searcher and the sessions store must give every thread the answer it gets alone."""
    from concurrent.futures import ThreadPoolExecutor

    core = build_core(searcher, state_db=tmp_path / "state.db")
    questions = ["山海协作", "共同富裕", "数字化改革", "营商环境", "实施方案第31条", "八八战略"] * 4

    def answer(q: str) -> list[str]:
        reply = core.handle_message(Request(7, 7, q))
        sid = reply.buttons[-1][-1].data.split(":")[1] if q != "实施方案第31条" else None
        return [b.text for b in reply.blocks] + ([core.sessions.get(sid).query] if sid else [])

    alone = [answer(q) for q in questions]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(answer, questions)) == alone
