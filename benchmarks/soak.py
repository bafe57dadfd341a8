"""Soak run: `python bot.py` as a process, mixed traffic from simulated users through the fake Bot API with faults.

    .venv/bin/python benchmarks/soak.py [--minutes 2] [--users 200] [--seed 12] [--bot-env NAME=VALUE …]

Loopback only and bounded in time (the issue's acceptance run is `--minutes 30`). Each simulated user acts one
step at a time — a question, a button under its last answer, an inline query, /digest, /quiz, /daily — and waits
for the answer (up to ANSWER_WAIT) before thinking 10–40 s and acting again. Injected faults, per Bot API call:
5% a 5xx answer, 1% an answer 6–7 s late, 1% a dropped connection; one unparsable update a minute; a re-ingest of
the corpus followed by an admin's /reload every 10 minutes (at mid-run when the run is shorter).

A dropped connection on a send (sendMessage/sendDocument/sendPoll) happens after the server took the request: it
acts on it and the answer is lost, the case that duplicated answers when clients resent. On other calls the
connection drops before the server acts (nothing happened; a retry is safe).

Printed: actions and answers by kind, unanswered, duplicate answers (the same message delivered twice to a chat
with no user action in between), the bot's RSS after warm-up and at the end, and its log lines at ERROR or
above grouped by message, each with the handled cause it is known to have or "UNEXPLAINED".
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_bot_api import DROP, LOST, SENDING, Call, FakeBotApi  # noqa: E402
from processes import bot_py  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_bot  # noqa: E402

# bench_bot's questions, plus an unanswerable one, markup, emoji and an ambiguous reference
QUESTIONS = [*bench_bot.QUESTIONS, "火星殖民计划", "<b>&*_[", "😀", "第31条"]
TOPICS = ["共同富裕", "数字化改革", "山海协作", "营商环境", "乡村振兴"]
ADMIN = 42
DELIVERING = {"sendMessage", "sendDocument", "sendPoll"}  # a new message each: a repeat is a duplicate
ANSWER_WAIT = 60.0  # seconds a user waits for an answer before counting it unanswered
# Log lines at ERROR or above that have a handled, injected cause.
KNOWN_CAUSES = {
    r"skipped update .* cannot be read": "the unparsable update injected each minute",
}


class SoakApi(FakeBotApi):
    """The fake server injecting faults at random into the calls it serves."""

    def __init__(self, rng: random.Random, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rng = rng
        self.injected: Counter[str] = Counter()
        self.faults_on = False

    def _take_faults(self, method: str) -> tuple[tuple[int, int | None] | None, float]:
        """This very call's fault, rolled when it arrives (queued faults would go to whichever call came next)."""
        queued = super()._take_faults(method)
        if not self.faults_on or queued != (None, 0.0):
            return queued
        roll = self.rng.random()
        if roll < 0.05:
            self.injected["5xx"] += 1
            return (self.rng.choice([500, 502, 503]), None), 0.0
        if roll < 0.06:
            self.injected["slow 6-7 s"] += 1
            return None, self.rng.uniform(6.0, 7.0)
        if roll < 0.07:
            self.injected["dropped"] += 1
            return (LOST if method in DELIVERING else DROP, None), 0.0
        return None, 0.0


@dataclass
class Action:
    kind: str
    user: int
    at: float
    key: str = ""  # inline query or callback query id
    answered_at: float | None = None


@dataclass
class User:
    id: int
    next_at: float
    pending: Action | None = None
    last_answer: Call | None = None
    daily_set: bool = False
    actions: list[Action] = field(default_factory=list)


def bad_update(api: FakeBotApi) -> None:
    """A poll answer without option_persistent_ids: PTB 22 cannot parse it (older Bot API servers omit it)."""
    api.push({"poll_answer": {"poll_id": "1", "user": api.user(7), "option_ids": [0]}})


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped by a full listen queue, all sockets since boot (Linux only):
    an overflow resets requests the bot already wrote, which the server never reads."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        counters = dict(zip(names.split(), values.split()))
        if names.startswith("TcpExt:") and "ListenOverflows" in counters:
            return int(counters["ListenOverflows"])
    return None


def memory_kb(pid: int, field: str = "VmRSS") -> int:
    """A /proc/PID/status memory figure in kB: VmRSS, or its parts RssAnon (heap: what a leak or the allocator
    grows) and RssFile (mapped files such as the word table, filled as pages are touched; bounded by their size)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.api = SoakApi(random.Random(args.seed + 1))
        self.users = [User(100_000 + i, 0.0) for i in range(args.users)]
        self.actions: list[Action] = []
        self.seen = 0  # calls examined so far
        self.by_chat_last_action: dict[int, float] = {}
        self.reloads_at: list[float] = []  # the admin's /reload commands: actions of that chat too
        self.admin_log: list[str] = []
        self.rss_after_reload: list[int] = []  # the bot's RSS (kB) after each re-ingest + /reload
        self.pid = 0
        self.bad_updates = 0
        self.started = 0.0
        self.rss_by_minute: list[int] = []
        self.anon_by_minute: list[int] = []  # RssAnon
        self.file_rss: list[int] = []  # RssFile after warm-up and at the end
        self.overflows_before = listen_overflows()

    # Traffic -----------------------------------------------------------------------------------

    def act(self, user: User, now: float) -> None:
        roll = self.rng.random()
        buttons = [b for b in (user.last_answer.buttons() if user.last_answer else []) if "callback_data" in b]
        if roll < 0.15 and buttons:
            action = Action("button", user.id, now)
            update = self.api.callback(user.last_answer, self.rng.choice(buttons), user_id=user.id)
            action.key = update["callback_query"]["id"]
        elif roll < 0.27:
            action = Action("inline", user.id, now)
            update = self.api.inline(self.rng.choice(QUESTIONS), user_id=user.id)
            action.key = update["inline_query"]["id"]
        elif roll < 0.32:
            action = Action("/digest", user.id, now)
            self.api.message(f"/digest {self.rng.choice(TOPICS)}", user_id=user.id)
        elif roll < 0.37:
            action = Action("/quiz", user.id, now)
            self.api.message(f"/quiz {self.rng.choice(TOPICS)}", user_id=user.id)
        elif roll < 0.40 and not user.daily_set:
            action = Action("/daily", user.id, now)
            user.daily_set = True
            self.api.message(f"/daily {self.rng.randrange(24):02d}:{self.rng.randrange(60):02d}", user_id=user.id)
        else:
            action = Action("question", user.id, now)
            self.api.message(self.rng.choice(QUESTIONS), user_id=user.id)
        user.pending = action
        self.by_chat_last_action[user.id] = now
        self.actions.append(action)

    def observe(self) -> None:
        """Mark actions answered from the calls that arrived since the last look."""
        with self.api._cond:
            calls = self.api.calls[self.seen:]
        self.seen += len(calls)
        users = {u.id: u for u in self.users}
        by_key = {u.pending.key: u for u in self.users if u.pending and u.pending.key}
        for call in calls:
            if call.status != 200:
                continue
            chat = call.params.get("chat_id")
            if call.method in SENDING and call.buttons() and chat in users:
                users[chat].last_answer = call  # the message whose buttons the user may press next
            if call.method in ("answerInlineQuery", "answerCallbackQuery"):
                user = by_key.get(call.params.get("inline_query_id") or call.params.get("callback_query_id"))
            elif call.method in DELIVERING:
                user = users.get(chat)
            else:
                continue
            if user is None or user.pending is None or (user.pending.key and call.method in DELIVERING):
                continue
            user.pending.answered_at = call.at
            user.pending = None
            user.next_at = time.monotonic() + self.rng.uniform(10, 40)

    def maintenance(self, db: Path) -> None:
        """Re-ingest the corpus over the live database, then /reload as the admin."""
        started = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(ROOT / "corpus"), "--db", str(db), "--lexical"],
                             capture_output=True, text=True, env=bot_py()[1], cwd=ROOT)
        self.admin_log.append(f"re-ingest exit {out.returncode} in {time.monotonic() - started:.0f} s")
        self.reloads_at.append(time.monotonic())
        update = self.api.message("/reload", user_id=ADMIN)
        try:
            reply = self.api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == ADMIN
                                      and c.at >= self.api.pushed_at(update["update_id"]), timeout=120)
            self.admin_log.append(f"/reload: {reply.params['text'][:60]}")
            self.rss_after_reload.append(memory_kb(self.pid))
        except TimeoutError:
            self.admin_log.append("/reload: UNANSWERED")

    # Run ---------------------------------------------------------------------------------------

    def run(self) -> int:
        work = Path(tempfile.mkdtemp(prefix="soak-"))  # the corpus database (re-ingested in place) and state
        db = work / "assistant.db"
        print(f"ingesting the corpus into {db} …", flush=True)
        subprocess.run([sys.executable, "-m", "assistant", "ingest", str(ROOT / "corpus"), "--db", str(db), "--lexical"],
                       check=True, capture_output=True, env=bot_py()[1], cwd=ROOT)
        log_path = work / "bot.log"
        with self.api, open(log_path, "w+") as log:
            command, env = bot_py(**self.api.env(ASSISTANT_DB=str(db), ASSISTANT_STATE_DB=str(work / "state.db"),
                                                 ADMIN_USER_IDS=str(ADMIN), LOG_LEVEL="INFO",
                                                 **dict(v.split("=", 1) for v in self.args.bot_env)))
            proc = subprocess.Popen(command, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=log)
            try:
                return self.drive(proc, db, log)
            finally:
                proc.terminate()
                proc.wait(timeout=60)

    def drive(self, proc: subprocess.Popen, db: Path, log) -> int:
        api = self.api
        self.pid = proc.pid
        api.wait_for("setMyCommands", timeout=120)
        for i, q in enumerate(QUESTIONS[:10]):  # warm-up, faults off
            api.message(q, user_id=9_000_000 + i)
        api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == 9_000_009, timeout=60)
        api.faults_on = True
        start = self.started = time.monotonic()
        end = start + self.args.minutes * 60
        every = min(600.0, self.args.minutes * 30)  # re-ingest + /reload; at mid-run in short runs
        next_maintenance, next_bad = start + every, start + 60
        for i, user in enumerate(self.users):  # spread the first actions over 20 s
            user.next_at = start + 20 * i / len(self.users)
        rss_base, rss_max, maintenance = 0, 0, None  # RSS in kB, taken once warm-up is done
        while time.monotonic() < end:
            now = time.monotonic()
            for user in self.users:
                if user.pending is None and now >= user.next_at:
                    self.act(user, now)
                elif user.pending and now - user.pending.at > ANSWER_WAIT:
                    user.pending = None  # counted unanswered; the user moves on
                    user.next_at = now
            self.observe()
            if now >= next_bad:
                bad_update(api)
                self.bad_updates += 1
                next_bad += 60
            if now - start >= 60 * len(self.rss_by_minute):
                self.rss_by_minute.append(memory_kb(proc.pid))
                self.anon_by_minute.append(memory_kb(proc.pid, "RssAnon"))
            if now >= next_maintenance and (maintenance is None or not maintenance.is_alive()):
                maintenance = threading.Thread(target=self.maintenance, args=(db,), daemon=True)
                maintenance.start()
                next_maintenance += every
            if not rss_base:
                rss_base = memory_kb(proc.pid)
                self.file_rss.append(memory_kb(proc.pid, "RssFile"))
            rss_max = max(rss_max, memory_kb(proc.pid))
            if proc.poll() is not None:
                print(f"bot exited with {proc.returncode}")
                break
            time.sleep(0.05)
        api.faults_on = False
        deadline = time.monotonic() + ANSWER_WAIT  # let the last actions finish
        while any(u.pending for u in self.users) and time.monotonic() < deadline:
            self.observe()
            time.sleep(0.1)
        if maintenance is not None:
            maintenance.join(180)
        rss_end = memory_kb(proc.pid)
        self.file_rss.append(memory_kb(proc.pid, "RssFile"))
        self.report(rss_base or rss_end, rss_end, rss_max, log, time.monotonic() - start)
        return 0

    # Report ------------------------------------------------------------------------------------

    def report_connections(self) -> None:
        """How the bot used its connections: new ones opened, requests per connection, who closed them."""
        conns = list(self.api.connections)
        by = Counter(c.closed_by or "open" for c in conns)
        print(f"connections: {len(conns)} accepted, {sum(c.requests for c in conns) / max(len(conns), 1):.1f} requests "
              f"each; closed by the client {by['client']}, by the server (dropped-connection faults) {by['server']}, "
              f"open at the end {by['open']}")
        after = listen_overflows()
        if after is not None and self.overflows_before is not None:
            print(f"listen-queue overflows (kernel, every socket on this machine) during the run: "
                  f"{after - self.overflows_before}")

    def duplicates(self) -> list[Call]:
        """Messages delivered twice to one chat with no user action in between."""
        actions_by_chat: dict[int, list[float]] = {ADMIN: list(self.reloads_at)}
        for a in self.actions:
            actions_by_chat.setdefault(a.user, []).append(a.at)
        seen: dict[tuple, float] = {}
        dups = []
        for call in self.api.find(status=200):
            if call.method not in DELIVERING:
                continue
            chat = call.params.get("chat_id")
            body = (call.method, chat, call.params.get("text") or call.params.get("caption") or
                    call.params.get("question"), json.dumps(call.params.get("reply_markup"), sort_keys=True))
            before = seen.get(body)
            if before is not None and not any(before < t < call.at for t in actions_by_chat.get(chat, [])):
                dups.append(call)
            seen[body] = call.at
        return dups

    def report(self, rss_base: int, rss_end: int, rss_max: int, log, seconds: float) -> None:
        kinds = Counter(a.kind for a in self.actions)
        answered = Counter(a.kind for a in self.actions if a.answered_at is not None)
        waits = sorted(a.answered_at - a.at for a in self.actions if a.answered_at is not None)
        dups = self.duplicates()
        print(f"\nsoak: {seconds / 60:.1f} min, {len(self.users)} users, {len(self.actions)} actions "
              f"({len(self.actions) / seconds:.1f}/s), {len(self.api.calls)} Bot API calls")
        print("injected faults:", dict(self.api.injected), f"+ {self.bad_updates} unparsable updates")
        for kind, n in kinds.most_common():
            print(f"  {kind:9} {answered[kind]:5}/{n:<5} answered")
        unanswered = sum(kinds.values()) - sum(answered.values())
        questions = [a for a in self.actions if a.kind != "button" and a.kind != "inline"]
        print(f"unanswered: {unanswered} (questions and commands: {sum(a.answered_at is None for a in questions)})")
        for a in (a for a in self.actions if a.answered_at is None):
            calls = self.api.find(None, lambda c, a=a: c.at >= a.at and a.user in (c.params.get("chat_id"),
                                  c.params.get("user_id")), status=None)
            print(f"  unanswered {a.kind} of user {a.user} at {a.at - self.started:.0f} s; calls to that chat after it: "
                  f"{[(c.method, c.status, round(c.at - a.at, 1)) for c in calls[:6]]}")
        if waits:
            print(f"answer wait: p50 {waits[len(waits) // 2] * 1000:.0f} ms, "
                  f"p99 {waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))] * 1000:.0f} ms, "
                  f"max {waits[-1]:.1f} s")
        print(f"duplicate answers: {len(dups)}")
        for call in dups[:5]:
            print(f"  {call.method} to {call.params.get('chat_id')}: {str(call.params.get('text'))[:60]}")
        growth = (rss_end - rss_base) / rss_base * 100 if rss_base else 0.0
        print(f"bot RSS: {rss_base / 1024:.0f} MB after warm-up, {rss_end / 1024:.0f} MB at the end "
              f"({growth:+.1f}%), max {rss_max / 1024:.0f} MB")
        print(f"  by minute: {' '.join(f'{r / 1024:.0f}' for r in self.rss_by_minute)} MB")
        print(f"  of which anonymous (heap) by minute: {' '.join(f'{r / 1024:.0f}' for r in self.anon_by_minute)} MB; "
              f"mapped files {self.file_rss[0] / 1024:.0f} -> {self.file_rss[-1] / 1024:.0f} MB")
        if self.rss_after_reload:
            first = self.rss_after_reload[0]
            print(f"  after each re-ingest + /reload: {', '.join(f'{r / 1024:.0f}' for r in self.rss_after_reload)} MB; "
                  f"end vs after the first: {(rss_end - first) / first * 100:+.1f}%")
        for line in self.admin_log:
            print(f"maintenance: {line}")
        self.report_connections()
        log.seek(0)
        errors: Counter[str] = Counter()
        for line in log:
            if re.search(r" (ERROR|CRITICAL) ", line):
                errors[re.sub(r"\d+", "N", line.split(" ", 3)[-1].strip())[:140]] += 1
        print(f"error lines: {sum(errors.values())}")
        for message, n in errors.most_common():
            cause = next((c for p, c in KNOWN_CAUSES.items() if re.search(p, message)), "UNEXPLAINED")
            print(f"  {n:5} × {message}\n          cause: {cause}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--bot-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the bot process (e.g. an allocator setting to compare)")
    return Soak(parser.parse_args()).run()


if __name__ == "__main__":
    raise SystemExit(main())
