"""/stats for admins: the query log's statistics in the chat (the same text as `python -m assistant stats`)."""
from __future__ import annotations

from assistant.chat.core import ChatCore, Request
from assistant.chat.reply import Reply, Text
from assistant.state import stats

USAGE = "用法：/stats [天数]，例如 /stats 7（默认 7 天，最多 366 天）。"
SHOWN = 20  # most asked and unanswered questions listed in the chat; the command line lists all


def setup(core: ChatCore) -> None:
    def handler(req: Request) -> Reply:
        arg = req.text.strip()
        if arg and not (arg.isascii() and arg.isdigit() and 1 <= int(arg) <= 366):
            return Reply([Text(USAGE)])
        core.querylog.flush()  # include the questions of the last second
        report = stats.collect(core.state, days=int(arg or 7), top=SHOWN, unanswered=SHOWN)
        return Reply([Text(stats.render(report))])

    core.registry.command("stats", "查询统计（管理员）：/stats [天数]", handler, admin=True, menu=False, slow=True)
