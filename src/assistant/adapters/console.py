"""Console adapter: one question a line on standard input, plain-text answers on standard output.

Buttons are listed as numbered hints; typing "#N" presses button N of the last answer, and so does typing its
label (下一页, 来源), loosely as on DingTalk (下一条, 更多: chat.followups).
Out-of-band messages print immediately; scheduled jobs are not run (the console has no clock loop).
"""
from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from typing import Callable, TextIO

from assistant import streams
from assistant.chat.core import ChatCore, Request, parse_number
from assistant.chat.followups import typed_key
from assistant.chat.render import keyboard, plain_text
from assistant.chat.reply import Button, Reply

log = logging.getLogger(__name__)

BANNER = "浙江政策原文引用助手（控制台）。每行输入一个问题或关键词；输入 #编号 使用按钮；Ctrl-D 结束。"
APOLOGY = "抱歉，处理这条输入时出错了，请换个说法再试。"
CONSOLE_CHAT = 0  # the console is one private chat with one user


def terminal_safe(text: str) -> str:
    """`text` without control characters other than newline and tab: a query or corpus line carrying ESC
    or BEL must not reach the terminal, where it would recolour, retitle or ring it."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def button_hints(buttons: list[Button]) -> str:
    return "按钮：" + "  ".join(f"#{i} {b.label}" for i, b in enumerate(buttons, 1)) if buttons else ""


class ConsoleScheduler:
    """Sends print at once; jobs are remembered but never fire in a console session."""

    def __init__(self, chat: "ConsoleChat") -> None:
        self.chat = chat
        self.jobs: dict[str, int] = {}

    def daily(self, name: str, at: dt.time, chat_id: int, make: Callable[[], Reply | None]) -> None:
        self.jobs[name] = chat_id
        log.info("console: daily job %s at %s noted (not run in console mode)", name, at)

    def once(self, name: str, delay: float, chat_id: int, make: Callable[[], Reply | None]) -> None:
        self.jobs[name] = chat_id
        log.info("console: job %s noted (not run in console mode)", name)

    def cancel(self, name: str) -> bool:
        return self.jobs.pop(name, None) is not None

    def send(self, chat_id: int, reply: Reply) -> None:
        self.chat.show(reply)


class ConsoleChat:
    def __init__(self, core: ChatCore, stdin: TextIO, stdout: TextIO, user_id: int = CONSOLE_CHAT) -> None:
        self.core, self.stdin, self.stdout, self.user_id = core, stdin, stdout, user_id
        self.buttons: list[Button] = []

    def show(self, reply: Reply) -> None:
        parts = [plain_text(reply)]
        for doc in reply.documents:
            parts.append(f"[附件] {doc.filename}（{len(doc.data)} 字节）{doc.caption}")
        if reply.poll:
            options = "\n".join(f"  {i}. {o}" for i, o in enumerate(reply.poll.options, 1))
            parts.append(f"[投票] {reply.poll.question}\n{options}")
        buttons = [b for row in keyboard(reply) for b in row]
        if buttons:
            self.buttons = buttons
            parts.append(button_hints(buttons))
        print(terminal_safe("\n\n".join(p for p in parts if p)), file=self.stdout, flush=True)
        print(file=self.stdout, flush=True)

    def press(self, text: str) -> Reply:
        number = parse_number(text)
        if number is None or not 1 <= number <= len(self.buttons):
            return Reply(notice=f"没有按钮 #{text}。")
        button = self.buttons[number - 1]
        req = Request(CONSOLE_CHAT, self.user_id, channel="console")
        if button.url:
            return Reply(notice=f"链接：{button.url}")
        if button.copy:  # a messenger would put it on the clipboard; the console prints it to copy by hand
            return Reply(notice=button.copy)
        if button.switch_inline is not None:
            return self.core.handle_message(Request(CONSOLE_CHAT, self.user_id, button.switch_inline, channel="console")) or Reply()
        return self.core.handle_action(req, button.data)

    def handle(self, line: str) -> Reply | None:
        text = line.strip()
        if text.startswith("#") and text[1:].strip().isdigit():
            return self.press(text[1:].strip())
        typed = typed_key(text)
        labelled = [i for i, b in enumerate(self.buttons, 1) if typed and typed == typed_key(b.label)]
        if labelled:
            return self.press(str(labelled[0]))
        return self.core.handle_message(Request(CONSOLE_CHAT, self.user_id, text, channel="console"))

    def run(self) -> int:
        self.core.start(ConsoleScheduler(self))
        try:
            print(BANNER, file=self.stdout, flush=True)
            for line in self.stdin:
                try:
                    reply = self.handle(line)
                except BrokenPipeError:
                    raise
                except Exception:
                    log.exception("console input failed: %r", line[:100])
                    reply = Reply(notice=APOLOGY)
                if reply is not None and not (reply.empty and not reply.notice):
                    self.show(reply)
        except KeyboardInterrupt:
            print(file=self.stdout, flush=True)
        except BrokenPipeError:  # `bot.py | head`: the reader has what it wanted
            streams.discard(self.stdout)
        return 0


def run(core: ChatCore, stdin: TextIO, stdout: TextIO) -> int:
    """Chat over the given streams; undecodable input bytes become U+FFFD instead of an exception."""
    for stream in (stdin, stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    return ConsoleChat(core, stdin, stdout).run()
