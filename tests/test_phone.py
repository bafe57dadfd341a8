"""Acceptance: the first answer fits one phone screen, rendered by headless Chromium at 390 px.

The messages are exactly what the Telegram adapter sends (chat.render's HTML and keyboard), placed in a
small page that mimics Telegram's bubble, expandable quotes (collapsed to three lines) and inline keyboard.
The page's script writes the bubble + keyboard height into the DOM, read back with --dump-dom; a PNG of
each answer at 390 × 844 is kept under build/phone/ (gitignored) to look at.
"""
from __future__ import annotations

import html
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.chat import Request, build_core
from assistant.chat.render import html_messages, keyboard
from assistant.study.commands import StudyFeature
from assistant.study.state import StateStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUT = Path(__file__).resolve().parent.parent / "build" / "phone"
PHONE = (390, 844)  # iPhone 12–15 CSS pixels
QUESTIONS = (  # everyday questions of several shapes, none taken from the evaluation sets
    "共同富裕示范区的主要目标是什么",
    "山海协作",
    "数字化改革",
    "新质生产力",
    "营商环境怎么优化",
    "山区26县",
    "两个先行是什么",
    "民生实事",
    "省域治理现代化 基层治理",
    "碳达峰碳中和",
)

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; width: {width}px; background: #8fb07f; font: 16px/1.3125 "Noto Sans CJK SC", sans-serif; }}
#screen {{ padding: 8px 8px 8px 8px; }}
.bubble {{ background: #fff; border-radius: 12px; padding: 6px 10px 8px; max-width: 340px; white-space: pre-wrap;
           word-break: break-all; }}
blockquote {{ margin: 4px 0; padding: 2px 8px; border-left: 3px solid #3390ec; background: #e8f1fc;
              border-radius: 4px; white-space: pre-wrap; }}
blockquote[expandable] {{ max-height: calc(3 * 1.3125em); overflow: hidden; position: relative; }}
blockquote[expandable]::after {{ content: "⌄"; position: absolute; right: 4px; bottom: 0; color: #3390ec; }}
.keyboard {{ max-width: 356px; margin-top: 4px; }}
.row {{ display: flex; gap: 4px; margin-top: 4px; }}
.key {{ flex: 1; height: 38px; line-height: 38px; text-align: center; background: rgba(0, 0, 0, .28); color: #fff;
        border-radius: 8px; font-size: 14px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis;
        padding: 0 4px; min-width: 0; }}
</style></head><body><div id="screen"><div id="answer"><div class="bubble">{message}</div>
<div class="keyboard">{keys}</div></div></div>
<script>document.body.setAttribute("data-height",
  Math.ceil(document.getElementById("answer").getBoundingClientRect().height));</script></body></html>"""


def page(message: str, rows) -> str:
    """The message in a bubble under its keyboard. Telegram draws a quote as a block and drops the line
    break right after it, so the page does too."""
    message = message.replace("</blockquote>\n", "</blockquote>")
    keys = "".join('<div class="row">' + "".join(f'<div class="key">{html.escape(b.label)}</div>' for b in row)
                   + "</div>" for row in rows)
    return PAGE.format(width=PHONE[0], message=message, keys=keys)


def chromium(*args: str, profile: Path) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars"]
    out = subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.fixture(scope="module")
def bot_core(db_path, tmp_path_factory):
    """The core as bot.py builds it: answers plus the study features (⭐ and 摘编 buttons)."""
    from assistant.search.engine import Searcher

    core = build_core(Searcher.open(db_path))
    StudyFeature(core, StateStore(tmp_path_factory.mktemp("state") / "state.db"), rng=random.Random(1)).setup()
    return core


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_first_answer_fits_one_phone_screen(bot_core, tmp_path):
    OUT.mkdir(parents=True, exist_ok=True)
    heights = {}
    for n, question in enumerate(QUESTIONS, 1):
        reply = bot_core.handle_message(Request(7, 7, question))
        messages, rows = html_messages(reply), keyboard(reply)
        assert len(messages) == 1, f"{question}: {len(messages)} messages"
        assert len(rows) <= 2, f"{question}: {len(rows)} keyboard rows"
        path = tmp_path / f"{n:02d}.html"
        path.write_text(page(messages[0], rows), encoding="utf-8")
        dom = chromium("--dump-dom", path.as_uri(), profile=tmp_path / "profile")
        heights[question] = int(re.search(r'data-height="(\d+)"', dom).group(1))
        chromium(f"--screenshot={OUT / f'{n:02d}.png'}", f"--window-size={PHONE[0]},{PHONE[1]}", path.as_uri(),
                 profile=tmp_path / "profile")
    (OUT / "heights.txt").write_text("".join(f"{h}\t{q}\n" for q, h in heights.items()), encoding="utf-8")
    too_tall = {q: h for q, h in heights.items() if h > PHONE[1]}
    assert not too_tall, f"taller than one phone screen ({PHONE[1]} px): {too_tall}"


def test_a_send_poll_reply_without_a_poll_becomes_a_text_quiz():
    """Some Bot API proxies answer sendPoll without the poll object: the quiz still reaches the chat, as text."""
    import asyncio
    import datetime as dt

    from telegram import Chat, Message

    from assistant.adapters.telegram import deliver
    from assistant.chat import Poll, Reply

    class NoPollBot:  # answers sendPoll like such a proxy; records what is sent
        def __init__(self):
            self.sent = []

        async def send_poll(self, chat_id, *args, **kwargs):
            return Message(1, dt.datetime.now(dt.timezone.utc), Chat(chat_id, "private"))

        async def send_message(self, chat_id, text, **kwargs):
            self.sent.append(text)
            return Message(2, dt.datetime.now(dt.timezone.utc), Chat(chat_id, "private"), text=text)

    bot = NoPollBot()
    poll = Poll("填空：坚持____，扎实推动共同富裕。", ("以人民为中心", "创新驱动", "数字赋能", "先行示范"), 0,
                "出处《共同富裕实施方案》", anonymous=False, key="q1")
    sent = asyncio.run(deliver(bot, 5, Reply(poll=poll)))
    assert len(sent) == 1 and bot.sent == [
        "填空：坚持____，扎实推动共同富裕。\nA. 以人民为中心\nB. 创新驱动\nC. 数字赋能\nD. 先行示范\n"
        "<tg-spoiler>答案：A。出处《共同富裕实施方案》</tg-spoiler>"]
