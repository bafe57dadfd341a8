"""Several replicas on one state store: a daily quote is sent once, and two `bot.py` processes in webhook
mode behind one URL share buttons and saved quotes, and survive one of them being killed."""
from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

from fake_bot_api import TOKEN, FakeBotApi
from processes import bot_py
from study_support import RecordingScheduler, clock, open_searcher

from assistant.adapters.telegram import webhook_secret
from assistant.chat import build_core
from assistant.state import connect
from assistant.study import commands
from assistant.study.commands import StudyFeature
from assistant.study.quotes import SHANGHAI, today
from assistant.study.state import StateStore

CHAT = 4242


def replica(db_path, target, seed):
    core = build_core(open_searcher(db_path), state_db=connect(target))
    feature = StudyFeature(core, StateStore(core.state, now=clock), rng=random.Random(seed), now=clock)
    feature.setup()
    jobs = RecordingScheduler()
    core.start(jobs)
    return feature, jobs


def fire_together(*features):
    """Every replica's 08:00 job fires at the same moment."""
    replies = [None] * len(features)
    threads = [threading.Thread(target=lambda i=i, f=f: replies.__setitem__(i, f.daily_quote(CHAT)))
               for i, f in enumerate(features)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return replies


def test_a_daily_quote_due_on_two_replicas_is_sent_once(db_path, state_target):
    a, jobs_a = replica(db_path, state_target, 1)
    b, jobs_b = replica(db_path, state_target, 2)
    a.store.subscribe(CHAT, "08:00")
    replies = fire_together(a, b)
    sent = [r for r in replies if r is not None]
    assert len(sent) == 1
    sent[0].sent()  # the adapter delivered it
    retry = (jobs_b if replies[0] else jobs_a).jobs[f"daily-retry:{CHAT}"][2]
    assert retry() is None  # the other replica checks back after the lease: done, nothing to send
    assert [r["status"] for r in a.store.send_log(CHAT)] == ["sent"]


def test_a_replica_dying_mid_send_delays_the_quote_but_does_not_lose_it(db_path, state_target, monkeypatch):
    monkeypatch.setattr(commands, "LEASE_SECONDS", 3)  # ample for b's check right after a's on a loaded machine
    a, jobs_a = replica(db_path, state_target, 1)
    b, jobs_b = replica(db_path, state_target, 2)
    a.store.subscribe(CHAT, "08:00")
    assert a.daily_quote(CHAT) is not None  # a takes the send, then dies before delivering (no .sent())
    assert b.daily_quote(CHAT) is None and f"daily-retry:{CHAT}" in jobs_b.jobs
    time.sleep(3.1)
    late = jobs_b.jobs[f"daily-retry:{CHAT}"][2]()
    assert late is not None and late.quotes()
    late.sent()
    assert a.daily_quote(CHAT) is None  # a comes back: done is done


def test_replicas_pick_up_subscriptions_made_on_another(db_path, postgres_cluster):
    target = postgres_cluster.new_database()
    a, jobs_a = replica(db_path, target, 1)
    b, jobs_b = replica(db_path, target, 2)
    a.store.subscribe(CHAT, "07:45")
    jobs_b.jobs["daily-sync"][2]()  # b's periodic re-read
    assert jobs_b.jobs[f"daily:{CHAT}"][1] == CHAT
    a.store.unsubscribe(CHAT)
    jobs_b.jobs["daily-sync"][2]()
    assert f"daily:{CHAT}" not in jobs_b.jobs


# -- two bot.py processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, update: dict, timeout: float = 60) -> int:
    """What the load balancer in front of the replicas does with one of Telegram's webhook calls."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/tg-hook", json.dumps(update).encode(),
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": webhook_secret(TOKEN)})
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as exc:
            return exc.code
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def start_replica(api: FakeBotApi, db_path, url: str, port: int, cwd) -> subprocess.Popen:
    """`python bot.py` in webhook mode on `port`, its state in the PostgreSQL database `url`; stderr piped."""
    command, env = bot_py(**api.env(
        ASSISTANT_DB=str(db_path), ASSISTANT_STATE_URL=url, WEBHOOK_URL="https://bot.example.invalid/tg-hook",
        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), TELEGRAM_RATE_LIMIT="off"))
    return subprocess.Popen(command, env=env, cwd=cwd, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_two_bot_processes_in_webhook_mode_share_one_postgres_state(db_path, postgres_cluster, tmp_path):
    url = postgres_cluster.new_database()
    user, other = 501, 502
    with FakeBotApi() as api:
        ports = [free_port(), free_port()]
        procs = [start_replica(api, db_path, url, port, tmp_path) for port in ports]
        a, b = ports
        try:
            api.wait_for("setWebhook", count=2, timeout=90)
            # A question answered by replica A, its next-page button pressed on replica B.
            assert post(a, api.message("山海协作", user_id=user)) == 200
            first = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == user, timeout=60)
            assert post(b, api.callback(first, first.button("下一页"), user_id=user)) == 200
            turned = api.wait_for("editMessageText", lambda c: c.params["chat_id"] == user, timeout=30)
            assert "「" in turned.params["text"]
            # A quote saved on B is listed by A.
            assert post(b, api.callback(first, first.button("⭐"), user_id=user)) == 200
            assert "已收藏" in api.wait_for("answerCallbackQuery", lambda c: "收藏" in c.params.get("text", ""),
                                         timeout=30).params["text"]
            assert post(a, api.message("/saved", user_id=user)) == 200
            listed = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == user and "我的收藏" in c.params["text"],
                                  timeout=30)
            assert "共 1 条" in listed.params["text"]

            # Replica A dies; B answers everything, including buttons under A's answers.
            procs[0].kill()
            procs[0].wait(timeout=30)
            assert post(b, api.message("数字化改革", user_id=other)) == 200
            api.wait_for("sendMessage", lambda c: c.params["chat_id"] == other, timeout=30)
            before = len(api.find("editMessageText"))
            assert post(b, api.callback(first, first.button("下一页"), user_id=user)) == 200
            api.wait_for("editMessageText", count=before + 1, timeout=30)
            assert post(b, api.message("/saved", user_id=user)) == 200
            api.wait_for("sendMessage", lambda c: c.params["chat_id"] == user and "共 1 条" in c.params["text"],
                         count=2, timeout=30)
            expired = [c for c in api.find("answerCallbackQuery") if "过期" in c.params.get("text", "")]
            assert expired == []
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
            errors = [proc.communicate(timeout=30)[1] for proc in procs]
    assert procs[1].returncode == 0, errors[1][-2000:]
    assert "Traceback" not in errors[1]


def test_the_daily_job_of_two_telegram_applications_sends_once(db_path, state_target):
    """The real adapter path: both applications' JobQueues fire the 08:00 job; one message goes out, and its
    delivery completes the lease (Reply.sent called by TelegramScheduler)."""
    from fake_bot_api import running_bot

    from assistant.adapters.telegram import build_application

    with FakeBotApi() as api:
        api.chat(CHAT)
        apps = []
        features = []
        for seed in (1, 2):
            core = build_core(open_searcher(db_path), state_db=connect(state_target))
            feature = StudyFeature(core, StateStore(core.state, now=clock), rng=random.Random(seed), now=clock)
            feature.setup()
            features.append(feature)
            apps.append(build_application(api.settings(db_path, rate_limit=False), core))
        features[0].store.subscribe(CHAT, "08:00")
        with running_bot(apps[0]) as a, running_bot(apps[1]) as b:
            for app in (a, b):
                job = app.job_queue.get_jobs_by_name(f"daily:{CHAT}")[0]
                app.job_queue.run_once(job.callback, 0, data=job.data, chat_id=job.chat_id, name="daily-now")
            api.wait_for("sendMessage", lambda c: c.params["chat_id"] == CHAT, timeout=30)
            lease = f"daily:{CHAT}:{today(clock())}"
            deadline = time.monotonic() + 10
            while not features[0].store.db.lease_done(lease) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert features[0].store.db.lease_done(lease)
            time.sleep(0.5)
        assert len(api.find("sendMessage", lambda c: c.params["chat_id"] == CHAT)) == 1


class Log:
    """A child's stderr, read line by line in a thread, so a test can wait for a log line while it runs."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: any(text in line for line in self.lines), timeout)

    def text(self) -> str:
        self._thread.join(timeout=30)
        return "".join(self.lines)


def test_two_bot_processes_send_a_daily_quote_once(db_path, postgres_cluster, tmp_path):
    """The wall-clock job of a /daily subscription fires in both processes; the lease lets one send.

    The chat subscribes through replica A; B learns of it only by its periodic re-read (SYNC_SECONDS after
    its start-up), so the chosen minute is the first one after that re-read: a wait of 65–125 s."""
    url = postgres_cluster.new_database()
    with FakeBotApi() as api:
        ports = [free_port(), free_port()]
        procs = [start_replica(api, db_path, url, port, tmp_path) for port in ports]
        logs = [Log(proc) for proc in procs]
        try:
            api.wait_for("setWebhook", count=2, timeout=90)  # after post_init: both scheduled what was stored
            first_sync = time.time() + commands.SYNC_SECONDS
            due = datetime.fromtimestamp(max(first_sync + 5, time.time() + 15) // 60 * 60 + 60, SHANGHAI)
            assert post(ports[0], api.message(f"/daily {due:%H:%M}", user_id=CHAT)) == 200
            subscribed = api.wait_for("sendMessage", lambda c: c.params["chat_id"] == CHAT, timeout=60)
            assert "已订阅" in subscribed.params["text"]
            assert logs[1].wait_for("daily: 1 subscriptions scheduled", due.timestamp() - time.time() - 1), \
                "replica B did not pick the subscription up before it was due"

            def is_quote(call) -> bool:
                return call.params["chat_id"] == CHAT and "每日一句" in call.params["text"]

            api.wait_for("sendMessage", is_quote, timeout=due.timestamp() - time.time() + 30)
            assert time.time() >= due.timestamp(), "sent before its minute"
            lease, state = f"daily:{CHAT}:{today(due)}", connect(url)
            lost = f"daily: chat {CHAT} is another replica's"  # the other job fired too, and stood back
            try:
                deadline = time.monotonic() + 10
                while not (state.lease_done(lease) and any(log.wait_for(lost, 0) for log in logs)) \
                        and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(1)  # a second send would be here by now
                assert len(api.find("sendMessage", is_quote)) == 1
                assert state.lease_done(lease)
            finally:
                state.close()
            assert [log.wait_for(lost, 0) for log in logs].count(True) == 1
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            errors = [log.text() for log in logs]
    for proc, err in zip(procs, errors):
        assert proc.returncode == 0, err[-2000:]
        assert "Traceback" not in err, err[-2000:]
