"""User state of the study features in its own SQLite file, apart from the corpus database.

The corpus database is replaced wholesale on every re-ingest, so nothing a user did may live there:
subscriptions, what each chat has already been sent, saved quotes (stored with their text and citation,
not just a passage id), quizzes with their poll ids, answers and the send log all live here.
Schema changes go through sqlite-utils migrations, so an old state file upgrades in place.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from assistant.study.quotes import SHANGHAI, Quote

DEFAULT_STATE_DB = Path("data/state.db")

Clock = Callable[[], datetime]

migrations = Migrations("assistant-study-state")


@migrations()
def create_tables(db: sqlite_utils.Database) -> None:
    db["subscriptions"].create(
        {"chat_id": int, "time": str, "topic": str, "created_by": int, "updated_at": str}, pk="chat_id"
    )
    db["daily_sent"].create({"chat_id": int, "quote_key": str, "sent_at": str}, pk=("chat_id", "quote_key"))
    db["send_log"].create(
        {"id": int, "chat_id": int, "kind": str, "status": str, "detail": str, "text": str, "at": str}, pk="id"
    )
    db["send_log"].create_index(["chat_id", "at"])
    db["saved"].create(
        {
            "id": int, "user_id": int, "text": str, "title": str, "short": str, "section": str, "date": str,
            "publication": str, "passage_id": str, "source_id": str, "seq": int, "saved_at": str,
        },
        pk="id",
    )
    db["saved"].create_index(["user_id", "text", "title", "section"], unique=True)
    db["quizzes"].create(
        {
            "id": str, "chat_id": int, "poll_id": str, "question": str, "options": str, "correct": int,
            "quote": str, "created_at": str,
        },
        pk="id",
    )
    db["quizzes"].create_index(["poll_id"], unique=True)
    db["quiz_answers"].create(
        {"poll_id": str, "user_id": int, "user_name": str, "option": int, "correct": int, "answered_at": str},
        pk=("poll_id", "user_id"),
    )
    db["pending"].create({"token": str, "kind": str, "payload": str, "created_at": str}, pk="token")


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    time: str  # "HH:MM", Asia/Shanghai
    topic: str = ""
    created_by: int = 0
    updated_at: str = ""


@dataclass(frozen=True)
class SavedQuote:
    id: int
    user_id: int
    quote: Quote
    saved_at: str


@dataclass(frozen=True)
class QuizRecord:
    id: str
    chat_id: int
    poll_id: str | None
    question: str
    options: tuple[str, ...]
    correct: int
    quote: Quote


@dataclass(frozen=True)
class Score:
    user_id: int
    user_name: str
    correct: int
    answered: int


_QUOTE_FIELDS = [f.name for f in fields(Quote)]


def _quote(row: dict) -> Quote:
    return Quote(**{k: row[k] for k in _QUOTE_FIELDS if k in row and row[k] is not None})


class StateStore:
    """All per-chat and per-user state; every method is one small transaction, safe to call from handlers.

    The adapter calls handlers from worker threads, so each thread gets its own connection (WAL lets
    readers and one writer work side by side; a busy writer is waited for) instead of sharing one
    connection whose transactions would interleave.
    """

    def __init__(self, path: Path | str = DEFAULT_STATE_DB, now: Clock | None = None) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._now = now or (lambda: datetime.now(SHANGHAI))
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection, opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)  # closed by close() from any thread
            with self._lock:
                self._connections.append(conn)
            db = self._local.db = sqlite_utils.Database(conn)
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite_utils.Database]:
        """Several statements as one, holding the write lock from the start (BEGIN IMMEDIATE): a read
        followed by a write must not fail with "database is locked" when another thread wrote in between."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def _stamp(self) -> str:
        return self._now().isoformat(timespec="seconds")

    # -- daily quote subscriptions --------------------------------------------------------------

    def subscribe(self, chat_id: int, time: str, topic: str = "", created_by: int = 0) -> Subscription:
        sub = Subscription(chat_id, time, topic, created_by, self._stamp())
        self.db["subscriptions"].upsert(asdict(sub), pk="chat_id")
        return sub

    def unsubscribe(self, chat_id: int) -> bool:
        """Remove the chat's subscription; True if there was one."""
        with self._transaction():
            existed = self.subscription(chat_id) is not None
            self.db["subscriptions"].delete_where("chat_id = ?", [chat_id])
        return existed

    def subscription(self, chat_id: int) -> Subscription | None:
        rows = list(self.db["subscriptions"].rows_where("chat_id = ?", [chat_id]))
        return Subscription(**rows[0]) if rows else None

    def subscriptions(self) -> list[Subscription]:
        return [Subscription(**r) for r in self.db["subscriptions"].rows_where(order_by="chat_id")]

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its subscription and history follow it to the new id."""
        with self._transaction():
            for table in ("subscriptions", "daily_sent"):
                self.db.execute(f"update [{table}] set chat_id = ? where chat_id = ?", [new_chat_id, old_chat_id])

    def sent_keys(self, chat_id: int) -> set[str]:
        return {r["quote_key"] for r in self.db["daily_sent"].rows_where("chat_id = ?", [chat_id])}

    def mark_sent(self, chat_id: int, quote_key: str) -> None:
        self.db["daily_sent"].upsert({"chat_id": chat_id, "quote_key": quote_key, "sent_at": self._stamp()})

    def reset_sent(self, chat_id: int) -> None:
        """Start a new round once every quote of the pool has been sent to the chat."""
        self.db["daily_sent"].delete_where("chat_id = ?", [chat_id])

    def log_send(self, chat_id: int, kind: str, status: str, detail: str = "", text: str = "") -> None:
        self.db["send_log"].insert(
            {"chat_id": chat_id, "kind": kind, "status": status, "detail": detail, "text": text, "at": self._stamp()}
        )

    def send_log(self, chat_id: int | None = None) -> list[dict]:
        where, args = ("chat_id = ?", [chat_id]) if chat_id is not None else (None, None)
        return list(self.db["send_log"].rows_where(where, args, order_by="id"))

    # -- saved quotes ---------------------------------------------------------------------------

    def save_quote(self, user_id: int, quote: Quote) -> tuple[SavedQuote, bool]:
        """Save `quote` for the user; returns the saved entry and whether it is new (saving twice is harmless)."""
        with self._transaction():
            existing = self._find_saved(user_id, quote)
            if existing:
                return existing, False
            self.db["saved"].insert({**asdict(quote), "user_id": user_id, "saved_at": self._stamp()})
            return self._find_saved(user_id, quote), True

    def _find_saved(self, user_id: int, quote: Quote) -> SavedQuote | None:
        rows = list(
            self.db["saved"].rows_where(
                "user_id = ? and text = ? and title = ? and section = ?",
                [user_id, quote.text, quote.title, quote.section],
            )
        )
        return self._saved(rows[0]) if rows else None

    @staticmethod
    def _saved(row: dict) -> SavedQuote:
        return SavedQuote(row["id"], row["user_id"], _quote(row), row["saved_at"])

    def saved_quotes(self, user_id: int) -> list[SavedQuote]:
        return [self._saved(r) for r in self.db["saved"].rows_where("user_id = ?", [user_id], order_by="id")]

    def remove_saved(self, user_id: int, saved_id: int) -> bool:
        """Remove one of the user's saved quotes; False if it is not theirs or already gone."""
        with self._transaction():
            found = list(self.db["saved"].rows_where("id = ? and user_id = ?", [saved_id, user_id]))
            self.db["saved"].delete_where("id = ? and user_id = ?", [saved_id, user_id])
        return bool(found)

    # -- quizzes --------------------------------------------------------------------------------

    def add_quiz(self, chat_id: int, question: str, options: tuple[str, ...], correct: int, quote: Quote) -> QuizRecord:
        quiz = QuizRecord(secrets.token_hex(4), chat_id, None, question, tuple(options), correct, quote)
        self.db["quizzes"].insert(
            {
                "id": quiz.id, "chat_id": chat_id, "poll_id": None, "question": question,
                "options": json.dumps(list(options), ensure_ascii=False), "correct": correct,
                "quote": json.dumps(asdict(quote), ensure_ascii=False), "created_at": self._stamp(),
            }
        )
        return quiz

    def set_poll_id(self, quiz_id: str, poll_id: str) -> None:
        self.db["quizzes"].update(quiz_id, {"poll_id": poll_id})

    def quiz(self, quiz_id: str) -> QuizRecord | None:
        return self._quiz_where("id = ?", quiz_id)

    def quiz_by_poll(self, poll_id: str) -> QuizRecord | None:
        return self._quiz_where("poll_id = ?", poll_id)

    def _quiz_where(self, where: str, value: str) -> QuizRecord | None:
        rows = list(self.db["quizzes"].rows_where(where, [value]))
        if not rows:
            return None
        r = rows[0]
        return QuizRecord(
            r["id"], r["chat_id"], r["poll_id"], r["question"], tuple(json.loads(r["options"])), r["correct"],
            Quote(**json.loads(r["quote"])),
        )

    def record_answer(self, poll_id: str, user_id: int, user_name: str, option: int | None) -> bool | None:
        """Record a user's answer to a quiz poll; returns whether it was right, None if the poll is not ours.

        A retracted vote (`option` None) removes the answer, so it no longer counts.
        """
        quiz = self.quiz_by_poll(poll_id)
        if quiz is None:
            return None
        if option is None:
            self.db["quiz_answers"].delete_where("poll_id = ? and user_id = ?", [poll_id, user_id])
            return None
        right = option == quiz.correct
        self.db["quiz_answers"].upsert(
            {"poll_id": poll_id, "user_id": user_id, "user_name": user_name, "option": option,
             "correct": int(right), "answered_at": self._stamp()},
            pk=("poll_id", "user_id"),
        )
        return right

    def scores(self, chat_id: int) -> list[Score]:
        """Per-user results of the chat's quizzes, best first."""
        rows = self.db.query(
            """
            select a.user_id, max(a.user_name) as user_name, sum(a.correct) as correct, count(*) as answered
            from quiz_answers a join quizzes q on q.poll_id = a.poll_id
            where q.chat_id = ?
            group by a.user_id
            order by correct desc, answered asc, user_name
            """,
            [chat_id],
        )
        return [Score(**r) for r in rows]

    # -- short tokens for buttons ----------------------------------------------------------------

    def remember(self, kind: str, payload: dict) -> str:
        """Store `payload` under a short token, for button data that must fit in 64 bytes.

        The token is derived from the payload, so asking again for the same thing adds no row.
        """
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        token = hashlib.blake2b(f"{kind}\0{text}".encode(), digest_size=5).hexdigest()
        self.db["pending"].upsert(
            {"token": token, "kind": kind, "payload": text, "created_at": self._stamp()}, pk="token"
        )
        return token

    def recall(self, kind: str, token: str) -> dict | None:
        rows = list(self.db["pending"].rows_where("token = ? and kind = ?", [token, kind]))
        return json.loads(rows[0]["payload"]) if rows else None
