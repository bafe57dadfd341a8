"""A re-ingested corpus is picked up between requests, under load, without a failed request; a damaged one is refused."""
from __future__ import annotations

import gc
import logging
import os
import shutil
import threading
import time
import weakref

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


def test_reload_during_a_background_load_builds_one_corpus_not_two(db_path, tmp_path):
    live = tmp_path / "assistant.db"
    shutil.copy(db_path, live)
    opened, release = [], threading.Event()

    def reopen():
        opened.append(threading.current_thread().name)
        release.wait(30)  # a load that takes a while, as a real corpus does (~2 s)
        return Searcher.open(live)

    core = build_core(Searcher.open(live), reopen=reopen)
    switch = core.watch_corpus(live)
    switch.every = 0.0
    replace_with(live, content_from=db_path)  # a re-ingest ...
    core.handle_message(Request(1, 1, "山海协作"))  # ... noticed between requests: loading starts
    reload = threading.Thread(target=core.reload)  # ... and the admin sends /reload meanwhile
    reload.start()
    time.sleep(0.3)
    release.set()
    reload.join(30)
    assert opened == ["corpus-switch"] and switch.current is not None
    core.handle_message(Request(1, 1, "山海协作"))
    switch.wait(30)
    assert len(opened) == 1


def test_the_replaced_corpus_is_freed_at_the_switch(db_path, tmp_path):
    """Nothing derived from the old corpus keeps it alive (features' caches): it is freed when replaced."""
    from assistant.study.commands import StudyFeature
    from assistant.study.state import StateStore

    live = tmp_path / "assistant.db"
    shutil.copy(db_path, live)
    core = build_core(Searcher.open(live), reopen=lambda: Searcher.open(live))
    StudyFeature(core, StateStore(tmp_path / "state.db")).setup()
    core.watch_corpus(live)
    for text in ("/digest 共同富裕", "/quiz", "/daily 08:30 数字化改革"):  # fill the per-corpus caches
        core.handle_message(Request(7, 7, text))
    old = weakref.ref(core.searcher)
    replace_with(live, content_from=db_path)
    gc.disable()  # freed by its reference count, at once, not by a later collection
    try:
        core.reload()
        assert old() is None
    finally:
        gc.enable()
