"""The console chat: same core, plain text, numbered buttons, clean end at EOF."""
from __future__ import annotations

import io
import subprocess

from assistant.adapters.console import ConsoleChat
from assistant.chat import build_core
from fake_bot_api import searcher  # noqa: F401 (fixture)
from processes import bot_py


def run_console(core, lines: list[str]) -> str:
    out = io.StringIO()
    assert ConsoleChat(core, io.StringIO("".join(f"{line}\n" for line in lines)), out).run() == 0
    return out.getvalue()


def test_question_buttons_and_odd_input(searcher):
    out = run_console(build_core(searcher), ["山海协作", "#1", "#99", "", "<b>&*_[", "😀", "#", "/sources", "#2", "发展"])
    answers = out.split("\n\n")
    assert "①「" in out and "——《" in out and "<b>" not in out.replace("<b>&*_[", "")
    assert "按钮：#1 上下文" in out and "▶ " in out  # pressing #1 showed the context
    assert "没有按钮 #99" in out
    assert "请发送想查找的问题或关键词" in out
    assert "限《" in out  # #2 after /sources scoped the last search
    assert len(answers) > 8


def test_bot_py_without_token_is_a_console_chat(db_path, tmp_path):
    command, env = bot_py(ASSISTANT_DB=str(db_path))
    stdin = "共同富裕\n\n\x00\nqwertyzxcv\n".encode() + b"\xff\xfe\xc3\n"  # the last line is not UTF-8
    proc = subprocess.run(command, input=stdin, capture_output=True, env=env, cwd=tmp_path, timeout=120)
    proc.stdout, proc.stderr = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, proc.stderr
    assert "「" in proc.stdout and "没有找到与“qwertyzxcv”" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("请发送想查找的问题或关键词") == 3  # the empty, NUL-only and undecodable lines


def test_bot_py_reports_a_missing_database(tmp_path):
    command, env = bot_py(ASSISTANT_DB=str(tmp_path / "none.db"))
    proc = subprocess.run(command, input="", text=True, capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and "ingest" in proc.stderr and "Traceback" not in proc.stderr


def test_console_whose_reader_stops_early_exits_quietly(db_path, tmp_path):
    # `bot.py | head -1` in a clean environment: no "Exception ignored … BrokenPipeError", exit 0.
    command, env = bot_py(ASSISTANT_DB=str(db_path))
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate("共同富裕\n山海协作\n".encode(), timeout=120)
    assert proc.returncode == 0, err.decode()
    assert "BrokenPipe" not in err.decode() and "Traceback" not in err.decode()


def test_a_typed_button_label_presses_it_as_on_dingtalk(searcher):
    """下一页 typed (or 下一条。) pages like #N does; a question that only contains such a word is searched."""
    core = build_core(searcher)
    paged = run_console(core, ["共同富裕", "下一条。"])
    assert "第 1–3 处" in paged and "第 4–6 处" in paged
    assert run_console(core, ["共同富裕", "下一页"]).split("第 4–6 处")[1] == paged.split("第 4–6 处")[1]
    searched = run_console(core, ["共同富裕", "下一页在哪"])
    assert "第 4–6 处" not in searched and "下一页在哪" in searched


def test_an_action_no_answer_offers_says_so_instead_of_searching_it(searcher):
    """After an answer that fits one page, 下一条 has no button to press: it searched 下一条 and quoted passages that
    cite 第十一条; 上下文 3 under a single quote quoted a 题注."""
    core = build_core(searcher)
    out = run_console(core, ["“展示中国式现代化美好前景”", "下一条", "上下文 3"]).split("按钮：", 1)[-1]
    assert "上一个回答下没有“下一条”这一项" in out and "上一个回答下没有“上下文 3”这一项" in out and "「" not in out


def test_the_star_button_is_pressed_by_typing_the_word_for_it():
    """⭐ cannot be typed: 收藏 presses it, on the console as on DingTalk (one table, followups.LABEL_WORDS)."""
    from assistant.chat.followups import typed_key

    assert typed_key("⭐") == typed_key("收藏") == "收藏" and typed_key("收藏 ②") == "收藏2"
