"""A re-ingested corpus is picked up between requests, under load, without a failed request; a damaged one is refused."""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time

from assistant.chat import Request, build_core
from assistant.search.engine import Searcher


def replace_with(path, content_from=None, data: bytes | None = None):
    """What ingest does: write aside, rename over the live file."""
    tmp = path.with_name(".incoming")
    if data is None:
        shutil.copy(content_from, tmp)
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)


def test_a_new_corpus_is_switched_to_under_load_with_no_failed_request(db_path, tmp_path, caplog):
    live = tmp_path / "assistant.db"
    shutil.copy(db_path, live)
    core = build_core(Searcher.open(live), reopen=lambda: Searcher.open(live))
    switch = core.watch_corpus(live)
    switch.every = 0.0
    first = core.searcher
    failures, answered, stop = [], [0], threading.Event()

    def user(n: int) -> None:
        while not stop.is_set():
            try:
                reply = core.handle_message(Request(n, n, "共同富裕示范区"))
                assert reply.quotes(), "no quotes"
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 (counted and asserted below)
                failures.append(repr(exc))
            time.sleep(0.01)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        with caplog.at_level(logging.ERROR):
            replace_with(live, data=b"not a database" * 1000)  # a damaged file is refused ...
            deadline = time.time() + 20
            while switch._refused is None and time.time() < deadline:
                time.sleep(0.05)
        assert core.searcher is first and "refused" in caplog.text
        replace_with(live, content_from=db_path)  # ... a good one is switched to
        deadline = time.time() + 60
        while core.searcher is first and time.time() < deadline:
            time.sleep(0.05)
        before = answered[0]
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert core.searcher is not first and switch.current is not None
    assert failures == [] and answered[0] > before > 0


def test_reload_still_switches_at_once(db_path, tmp_path):
    live = tmp_path / "assistant.db"
    shutil.copy(db_path, live)
    core = build_core(Searcher.open(live), reopen=lambda: Searcher.open(live))
    switch = core.watch_corpus(live)
    replace_with(live, content_from=db_path)
    first = core.searcher
    core.reload()
    assert core.searcher is not first
    switch.every = 0.0
    core.handle_message(Request(1, 1, "山海协作"))
    switch.wait(30)
    assert switch._loading is None  # the file /reload opened is current: nothing to load again
