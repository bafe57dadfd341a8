"""Button data and inline offsets come back from the client and can be forged: numbers are parsed strictly,
and a forged one reads as "expired", never as an error."""
from __future__ import annotations

import io
import random
import re

import pytest
from study_support import clock, open_searcher

from assistant.adapters.console import ConsoleChat
from assistant.chat import Reply, Request, Text, build_core
from assistant.chat.core import parse_number
from assistant.study.commands import StudyFeature
from assistant.study.state import StateStore

ME = Request(7, 7)
# Each passes str.isdigit() (or looks numeric) but is not a plain ASCII number int() reads as meant.
FORGED = ["²", "١٢", "９", "-1", "1_0", " 1", "9" * 5000, ""]


@pytest.fixture
def core(db_path, tmp_path):
    core = build_core(open_searcher(db_path))
    StudyFeature(core, StateStore(tmp_path / "state.db", now=clock), rng=random.Random(1), now=clock).setup()
    return core


def test_parse_number_takes_ascii_digits_only():
    assert parse_number("0") == 0 and parse_number("42") == 42
    assert all(parse_number(raw) is None for raw in FORGED)


def buttons(reply: Reply) -> list[str]:
    return [b.data for q in reply.quotes() for b in q.buttons] + [b.data for row in reply.buttons for b in row]


def forge(data: str, number: str) -> str:
    """The button data with its trailing number replaced."""
    return re.sub(r"[0-9]+$", lambda _: number, data)


def test_forged_page_numbers_in_buttons_read_as_expired(core):
    answer = core.handle_message(Request(7, 7, "共同富裕"))
    core.handle_message(Request(7, 7, "/digest 共同富裕"))
    digest = next(d for d in buttons(answer) if d.startswith("dg:"))
    turned = buttons(core.handle_action(ME, digest))
    core.handle_action(ME, next(d for d in buttons(answer) if d.startswith("save:")))
    saved = buttons(core.handle_message(Request(7, 7, "/saved")))
    numbered = [d for d in buttons(answer) + turned + saved if re.search(r":[0-9]+$", d)]
    assert {d.split(":")[0] for d in numbered} >= {"pg", "dg", "unsave"}
    for data in numbered:
        for number in FORGED:
            reply = core.handle_action(ME, forge(data, number))
            assert "过期" in reply.notice, (data, number)


def test_forged_inline_offsets_start_from_the_first_page(core):
    first = core.handle_inline(Request(7, 7, "共同富裕"), "")
    for offset in FORGED:
        assert core.handle_inline(Request(7, 7, "共同富裕"), offset).items == first.items


def test_console_buttons_take_plain_numbers_only(core):
    out = io.StringIO()
    ConsoleChat(core, io.StringIO("共同富裕\n#²\n#９\n"), out).run()
    assert "没有按钮 #²" in out.getvalue() and "没有按钮 #９" in out.getvalue()


def test_console_never_writes_terminal_control_characters(core):
    out = io.StringIO()
    chat = ConsoleChat(core, io.StringIO("\x1b]0;title\x07共同富裕\n\x1b[2J\n"), out)
    chat.run()
    chat.show(Reply([Text("\x1b[31m红色\x07\x9b2J")]))  # whatever a reply holds (corpus text, a file name)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out.getvalue())
    assert "红色" in out.getvalue()
