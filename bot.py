"""Entry point: runs the Telegram bot when TELEGRAM_BOT_TOKEN is set, else a console chat (first cut: search only)."""
from __future__ import annotations

import os
import sys

from assistant.search.engine import Searcher


def main() -> int:
    searcher = Searcher.open(os.environ.get("ASSISTANT_DB", "data/assistant.db"))
    print("请输入问题或关键词（Ctrl-D 结束）：", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        for h in searcher.search(line.strip(), k=3).hits:
            print(f"「{h.passage.text}」——《{h.source.label}》 {h.passage.section_path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
