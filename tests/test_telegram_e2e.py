"""End-to-end over HTTP: the real PTB Application (our adapter + core) polling a fake Bot API server."""
from __future__ import annotations

import html
import io
import logging
import re
import threading
import warnings
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from assistant.chat import Access, Reply, Text, build_core
from assistant.config import configure_logging, load_settings
from fake_bot_api import BOT_USER, DROP, TOKEN, FakeBotApi, running_bot, serving, searcher  # noqa: F401 (fixture)

from assistant.adapters.telegram import build_application, retry_seconds

USER, OTHER, GROUP = 1001, 1002, -100500
BOT = "@" + BOT_USER["username"]


def visible(markup: str) -> str:
    """What the user sees: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


class TagChecker(HTMLParser):
    """Fails on any tag Telegram's HTML mode would reject or on unbalanced tags."""

    ALLOWED = {"b", "blockquote"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag


def well_formed(markup: str) -> bool:
    checker = TagChecker()
    checker.feed(markup)
    checker.close()
    return not checker.stack


def to(chat_id: int):
    return lambda c: c.params.get("chat_id") == chat_id


@pytest.fixture
def core(searcher):
    return build_core(searcher)


def test_private_question_pages_and_context(core, db_path):
    with serving(core, db_path) as api:
        api.message("山海协作", user_id=USER)
        first = api.wait_for("sendMessage", to(USER))
        text = first.params["text"]
        assert first.params["parse_mode"] == "HTML" and well_formed(text)
        assert text.count("「") == 3 and "<b>山海协作</b>" in text and "——《" in text
        assert "第 1–3 处" in text
        assert all(len(b.get("callback_data", "").encode()) <= 64 for b in first.buttons())
        labels = [b["text"] for b in first.buttons()]
        assert {"上下文", "来源", "复制", "下一页", "②", "③"} <= set(labels)
        quoted = re.search(r"①「(.*?)」", visible(text)).group(1)
        copied = first.button("复制")["copy_text"]["text"]
        assert copied.startswith(f"“{quoted}”（《") and re.search(r"》，\d{4}年\d+月(\d+日)?）$", copied)  # title, date

        api.callback(first, first.button("下一页"), user_id=USER)
        page2 = api.wait_for("editMessageText", to(USER))
        assert "第 4–6 处" in page2.params["text"] and page2.params["message_id"] == first.result["message_id"]
        api.wait_for("answerCallbackQuery")
        api.callback(page2, page2.button("上一页"), user_id=USER)
        back = api.wait_for("editMessageText", to(USER), count=2)
        assert visible(back.params["text"]) == visible(text)

        api.callback(first, first.button("上下文"), user_id=USER)
        ctx = api.wait_for("sendMessage", to(USER), count=2)
        assert "<blockquote expandable>" in ctx.params["text"] and well_formed(ctx.params["text"])
        focus = re.search(r"<blockquote expandable>.*?<b>(.*?)</b>", ctx.params["text"], re.S).group(1)
        assert html.unescape(focus) == quoted

        api.callback(first, first.button("来源"), user_id=USER)
        src = api.wait_for("sendMessage", to(USER), count=3)
        assert "标题：《" in src.params["text"] and "日期：" in src.params["text"]


def test_buttons_keep_working_after_a_restart(searcher, db_path, tmp_path):
    state = tmp_path / "state.db"

    def run_bot(api):
        return running_bot(build_application(api.settings(db_path), build_core(searcher, state_db=state)))

    with FakeBotApi() as api:
        with run_bot(api):
            api.message("山海协作", user_id=USER)
            first = api.wait_for("sendMessage", to(USER))
            api.message("/s 山海协作", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")
            group = api.wait_for("sendMessage", to(GROUP))
        with run_bot(api):  # a fresh process: nothing in memory
            api.callback(first, first.button("下一页"), user_id=USER)
            page2 = api.wait_for("editMessageText", to(USER))
            assert "第 4–6 处" in page2.params["text"]
            api.callback(page2, page2.button("上一页"), user_id=USER)
            back = api.wait_for("editMessageText", to(USER), count=2)
            assert visible(back.params["text"]) == visible(first.params["text"])
            api.callback(first, first.button("来源"), user_id=USER)
            assert "标题：《" in api.wait_for("sendMessage", to(USER), count=2).params["text"]
            api.callback(group, group.button("下一页"), user_id=USER)  # still only the asker may page
            assert api.wait_for("answerCallbackQuery", lambda c: "只有提问者" in c.params.get("text", ""))
        assert not api.find("answerCallbackQuery", lambda c: "过期" in c.params.get("text", ""))


def test_start_help_sources_and_scope(core, db_path):
    with serving(core, db_path) as api:
        api.message("/start", user_id=USER)
        start = api.wait_for("sendMessage", to(USER))
        examples = [b for b in start.buttons() if "callback_data" in b]
        assert len(examples) == 3
        api.callback(start, examples[1], user_id=USER)
        answer = api.wait_for("sendMessage", to(USER), count=2)
        assert "「" in answer.params["text"]

        api.message("/help", user_id=USER)
        helped = api.wait_for("sendMessage", to(USER), count=3)
        assert "-排除词" in visible(helped.params["text"]) and "@文件简称" in visible(helped.params["text"])

        api.message("/sources", user_id=USER)
        listing = api.wait_for("sendMessage", to(USER), count=4)
        choice = listing.buttons()[1]
        label = choice["text"].split(". ", 1)[1]
        api.callback(listing, choice, user_id=USER)
        api.wait_for("answerCallbackQuery", lambda c: label in c.params.get("text", ""))
        api.wait_for("sendMessage", to(USER), count=5)
        api.message("/s 发展", user_id=USER)
        scoped = api.wait_for("sendMessage", to(USER), count=6)
        assert f"限《{label}》" in scoped.params["text"]
        assert set(re.findall(r"——《(.*?)》", visible(scoped.params["text"]))) == {label}
        assert api.find("setMyCommands")[0].params["commands"][0]["command"] == "start"


def test_group_answers_only_when_addressed(core, db_path):
    with serving(core, db_path) as api:
        api.message("大家好，今天学习共同富裕", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        api.message("/s@other_bot 共同富裕", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        api.message("/unknown", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        asked = api.message(f"/s{BOT} 山海协作", user_id=USER, chat_id=GROUP, chat_type="supergroup")
        answer = api.wait_for("sendMessage", to(GROUP))
        assert "山海协作" in answer.params["text"]
        assert answer.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]
        text, entities = api.mention("请问", " 数字化改革")
        api.message(text, user_id=OTHER, chat_id=GROUP, chat_type="supergroup", entities=entities)
        mentioned = api.wait_for("sendMessage", to(GROUP), count=2)
        assert "数字化改革" in mentioned.params["text"] and "「" in mentioned.params["text"]
        api.message("营商环境呢", user_id=OTHER, chat_id=GROUP, chat_type="supergroup", reply_to=mentioned.result)
        replied = api.wait_for("sendMessage", to(GROUP), count=3)
        assert "营商环境" in replied.params["text"]

        api.callback(answer, answer.button("下一页"), user_id=OTHER)
        refused = api.wait_for("answerCallbackQuery", lambda c: "只有提问者" in c.params.get("text", ""))
        assert refused and not api.find("editMessageText")
        api.callback(answer, answer.button("下一页"), user_id=USER)
        api.wait_for("editMessageText", to(GROUP))
        since = len(api.calls)
        quiet = api.wait_idle(since)
        assert not [c for c in quiet if c.method == "sendMessage"]
        assert len(api.find("sendMessage", to(GROUP))) == 3  # ordinary chat, other bots, unknown commands: silence


def test_inline_mode_pages(core, db_path):
    with serving(core, db_path) as api:
        api.inline("共同富裕", user_id=USER)
        first = api.wait_for("answerInlineQuery")
        results = first.params["results"]
        assert len(results) == 50 and first.params["next_offset"] == "50"
        assert all(len(r["id"].encode()) <= 64 for r in results)
        assert first.params["cache_time"] >= 300
        item = results[0]
        content = item["input_message_content"]
        # inserting a result pastes the quote in the standard form: “原文”（《real title》，date）
        assert "parse_mode" not in content and content["message_text"].startswith("“")
        assert content["message_text"].startswith("“" + item["description"].rstrip("…"))
        assert f"”（《{item['title']}》，" in content["message_text"] and item["title"] != "——"
        api.inline("共同富裕", offset="50", user_id=USER)
        second = api.wait_for("answerInlineQuery", count=2)
        assert not {r["id"] for r in results} & {r["id"] for r in second.params["results"]}

        api.inline("", user_id=USER)
        empty = api.wait_for("answerInlineQuery", count=3)
        assert empty.params["results"] and empty.params["button"]["start_parameter"] == "help"


def test_access_refusal(searcher, db_path):
    core = build_core(searcher, access=Access(users=frozenset({USER})))
    with serving(core, db_path) as api:
        api.message("共同富裕", user_id=OTHER)
        refusal = api.wait_for("sendMessage", to(OTHER))
        assert "授权" in refusal.params["text"] and "「" not in refusal.params["text"]
        assert not refusal.buttons()
        api.inline("共同富裕", user_id=OTHER)
        inline = api.wait_for("answerInlineQuery")
        assert inline.params["results"] == [] and inline.params["is_personal"] is True
        api.message("共同富裕", user_id=USER)
        assert "「" in api.wait_for("sendMessage", to(USER)).params["text"]
        api.inline("共同富裕", user_id=USER)
        allowed = api.wait_for("answerInlineQuery", count=2)
        assert allowed.params["results"] and allowed.params["is_personal"] is True  # no cache shared with others


BAD_INPUTS = [
    " ", "\u3000\t", "共" * 5000, "😀😂🎉", "<b>共同富裕</b> & *_[`", "\x00\x07共同\x1b富裕", "hello world",
    "<script>alert(1)</script>", "&amp; &lt;", "/s", "数字化改革" + "\u200b" * 50, "@不存在的文件 共同富裕", '"两个先行"',
]


def test_bad_inputs_get_sensible_answers(core, db_path):
    with serving(core, db_path) as api:
        for i, text in enumerate(BAD_INPUTS):
            api.message(text, user_id=USER + 10 + i)
        for i, text in enumerate(BAD_INPUTS):
            sent = api.wait_for("sendMessage", to(USER + 10 + i))
            body = sent.params["text"]
            assert well_formed(body) and len(body) <= 4096, text[:20]
            assert "出错" not in body, text[:20]
        api.push({"message": {"message_id": 1, "date": 0, "chat": api.chat(USER), "from": api.user(USER),
                              "location": {"latitude": 30.27, "longitude": 120.15}}})
        assert "请发送想查找的问题" in api.wait_for("sendMessage", to(USER)).params["text"]
        markup = api.wait_for("sendMessage", to(USER + 14)).params["text"]
        assert "&lt;b&gt;" in markup or "<b>共同富裕</b>" in markup
        assert "<script>" not in api.wait_for("sendMessage", to(USER + 17)).params["text"]
        assert "没有简称为“不存在的文件”的文件" in api.wait_for("sendMessage", to(USER + 21)).params["text"]
        assert api.wait_for("sendMessage", to(USER + 22)).params["text"].startswith("“两个先行”：第 1–3 处")


def test_flood_and_server_errors_are_survived(core, db_path):
    with serving(core, db_path) as api:
        api.fail("sendMessage", 429, retry_after=1)
        api.message("山海协作", user_id=USER)
        ok = api.wait_for("sendMessage", to(USER))
        assert api.find("sendMessage", status=429) and "「" in ok.params["text"]

        api.fail("sendMessage", 502, times=2)
        api.message("数字化改革", user_id=OTHER)
        api.wait_for("sendMessage", to(OTHER))
        assert len(api.find("sendMessage", status=502)) == 2

        api.fail("editMessageText", DROP)  # an edit may be repeated safely: retried
        api.callback(ok, ok.button("下一页"), user_id=USER)
        api.wait_for("editMessageText", to(USER))
        assert api.find("editMessageText", status=DROP)

        api.fail("getUpdates", 502)
        api.message("营商环境", user_id=USER)
        assert "营商环境" in api.wait_for("sendMessage", to(USER), count=2).params["text"]


def test_slow_command_does_not_stall_other_chats(core, db_path):
    started, release = threading.Event(), threading.Event()

    def slow(req):  # stands in for a cold /digest: blocks until the other chat has its answer
        started.set()
        release.wait(15)
        return Reply([Text("摘编已生成")])

    core.registry.command("slow", "测试用", slow, slow=True)
    assert core.is_slow("/slow@policy_bot x") and not core.is_slow("山海协作") and not core.is_slow("/help")
    with serving(core, db_path) as api:
        api.message("/slow", user_id=USER)
        assert started.wait(10)
        api.message("山海协作", user_id=OTHER)
        answer = api.wait_for("sendMessage", to(OTHER))
        release.set()
        done = api.wait_for("sendMessage", to(USER))
        assert "摘编已生成" in done.params["text"] and answer.at < done.at


def test_slow_handler_can_send_out_of_band(core, db_path):
    def later(req):  # runs in a worker thread; the scheduler must hand the send to the event loop
        core.scheduler.send(req.user_id, Reply([Text("另行发送")]))
        return Reply([Text("已安排")])

    core.registry.command("later", "测试用", later, slow=True)
    with serving(core, db_path) as api:
        api.message("/later", user_id=USER)
        texts = {api.wait_for("sendMessage", to(USER), count=n).params["text"] for n in (1, 2)}
        assert texts == {"另行发送", "已安排"}


def test_retry_after_read_as_seconds_without_warnings():
    from telegram.error import RetryAfter

    waits = [RetryAfter(2), RetryAfter(timedelta(seconds=1.5))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [retry_seconds(exc) for exc in waits] == [2.0, 1.5]


def test_handler_exception_gives_apology_and_traceback(core, db_path, caplog):
    def broken(req):
        raise RuntimeError("feature bug")

    core.registry.command("boom", "测试用", broken)
    with caplog.at_level(logging.ERROR), serving(core, db_path) as api:
        api.message("/boom", user_id=USER)
        apology = api.wait_for("sendMessage", to(USER))
        assert "抱歉" in apology.params["text"]
        api.message("山海协作", user_id=USER)
        assert "「" in api.wait_for("sendMessage", to(USER), count=2).params["text"]
    failure = [r for r in caplog.records if r.exc_info and "feature bug" in str(r.exc_info[1])]
    assert failure


def test_token_never_logged(core, db_path):
    stream = io.StringIO()
    with FakeBotApi() as api:
        configure_logging(load_settings({**api.env(), "LOG_LEVEL": "DEBUG"}, dotenv_path=None), stream)
        try:
            logging.getLogger("httpx").info("HTTP Request: POST %s/getMe", api.base_url + TOKEN)
            with serving(core, db_path, api=api):
                api.message("山海协作", user_id=USER)
                api.wait_for("sendMessage", to(USER))
        finally:
            logging.getLogger().handlers[:] = []
        logging.getLogger().setLevel(logging.WARNING)
    logged = stream.getvalue()
    assert "sendMessage" in logged or "getUpdates" in logged  # debug logging did happen
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


def test_documents_and_polls_from_a_feature(core, db_path):
    from assistant.chat import Document, Poll

    def export(req):
        return Reply([Text("摘编已生成")], documents=[Document("摘编.md", "# 摘编\n".encode(), "摘编")],
                     poll=Poll("共同富裕示范区建设到哪一年？", ("2025年", "2035年"), correct=0))

    core.registry.command("export", "测试用", export)
    with serving(core, db_path) as api:
        api.message("/export", user_id=USER)
        doc = api.wait_for("sendDocument", to(USER))
        assert doc.files["document"] == ("摘编.md", "# 摘编\n".encode())
        poll = api.wait_for("sendPoll", to(USER))
        assert poll.params["type"] == "quiz" and poll.params["correct_option_ids"] == [0]


def test_webhook_mode_registers_and_answers(core, db_path):
    import json
    import socket
    import time
    import urllib.error
    import urllib.request

    from assistant.adapters.telegram import build_application, retry_seconds, serve, webhook_secret
    from fake_bot_api import running_bot

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FakeBotApi() as api:
        settings = api.settings(db_path, webhook_url="https://bot.example.invalid/tg-hook", webhook_listen="127.0.0.1",
                                webhook_port=port)
        app = build_application(settings, core)
        with running_bot(app, run=lambda a: serve(a, settings, stop_signals=None, close_loop=False)):
            registered = api.wait_for("setWebhook")
            assert registered.params["url"] == settings.webhook_url
            secret = registered.params["secret_token"]
            assert secret == webhook_secret(TOKEN) and TOKEN not in secret

            def post(headers: dict) -> int:
                update = {"update_id": 1, "message": {"message_id": 5, "date": 0, "text": "山海协作",
                                                      "chat": {"id": USER, "type": "private"}, "from": api.user(USER)}}
                request = urllib.request.Request(f"http://127.0.0.1:{port}/tg-hook", json.dumps(update).encode(),
                                                 {"Content-Type": "application/json", **headers})
                deadline = time.monotonic() + 10
                while True:  # the webhook server starts listening right after setWebhook
                    try:
                        return urllib.request.urlopen(request, timeout=5).status
                    except urllib.error.HTTPError as exc:
                        return exc.code
                    except urllib.error.URLError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.02)

            assert post({"X-Telegram-Bot-Api-Secret-Token": "forged"}) == 403
            assert post({"X-Telegram-Bot-Api-Secret-Token": secret}) == 200
            assert "「" in api.wait_for("sendMessage", to(USER)).params["text"]
            assert len(api.find("sendMessage")) == 1
