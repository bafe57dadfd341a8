"""User state of the study features, kept in the state store (assistant.state), apart from the corpus.

The corpus database is replaced wholesale on every re-ingest, so nothing a user did may live there:
subscriptions, what each chat has already been sent, saved quotes (stored with their text and citation,
not just a passage id), quizzes with their poll ids, answers and the send log all live in the state
store: a SQLite file by default, PostgreSQL when replicas share it. Every method is one statement or
one transaction, and written so that two replicas doing the same thing at once agree (upserts, not
read-then-write).
"""
from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

from assistant.state import StateDB, connect
from assistant.study.quotes import SHANGHAI, Quote

DEFAULT_STATE_DB = Path("data/state.db")

Clock = Callable[[], datetime]


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
_SAVED_COLUMNS = ", ".join(_QUOTE_FIELDS)


def _quote(row: dict) -> Quote:
    return Quote(**{k: row[k] for k in _QUOTE_FIELDS if k in row and row[k] is not None})


class StateStore:
    """All per-chat and per-user state of the study features; safe to call from handlers' threads."""

    def __init__(self, db: StateDB | Path | str = DEFAULT_STATE_DB, now: Clock | None = None) -> None:
        self.db = connect(db)
        self._now = now or (lambda: datetime.now(SHANGHAI))

    def close(self) -> None:
        self.db.close()

    def _stamp(self) -> str:
        return self._now().isoformat(timespec="seconds")

    # -- daily quote subscriptions --------------------------------------------------------------

    def subscribe(self, chat_id: int, time: str, topic: str = "", created_by: int = 0) -> Subscription:
        sub = Subscription(chat_id, time, topic, created_by, self._stamp())
        self.db.execute(
            "insert into subscriptions (chat_id, time, topic, created_by, updated_at) values (?, ?, ?, ?, ?) "
            "on conflict (chat_id) do update set time = excluded.time, topic = excluded.topic, "
            "created_by = excluded.created_by, updated_at = excluded.updated_at",
            [sub.chat_id, sub.time, sub.topic, sub.created_by, sub.updated_at],
        )
        return sub

    def unsubscribe(self, chat_id: int) -> bool:
        """Remove the chat's subscription; True if there was one."""
        return self.db.execute("delete from subscriptions where chat_id = ?", [chat_id]) > 0

    def subscription(self, chat_id: int) -> Subscription | None:
        row = self.db.one("select * from subscriptions where chat_id = ?", [chat_id])
        return Subscription(**row) if row else None

    def subscriptions(self) -> list[Subscription]:
        return [Subscription(**r) for r in self.db.query("select * from subscriptions order by chat_id")]

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its subscription and history follow it to the new id."""
        with self.db.transaction() as tx:
            for table in ("subscriptions", "daily_sent"):
                tx.execute(f"update {table} set chat_id = ? where chat_id = ?", [new_chat_id, old_chat_id])

    def sent_keys(self, chat_id: int) -> set[str]:
        return {r["quote_key"] for r in self.db.query("select quote_key from daily_sent where chat_id = ?", [chat_id])}

    def mark_sent(self, chat_id: int, quote_key: str) -> None:
        self.db.execute(
            "insert into daily_sent (chat_id, quote_key, sent_at) values (?, ?, ?) "
            "on conflict (chat_id, quote_key) do update set sent_at = excluded.sent_at",
            [chat_id, quote_key, self._stamp()],
        )

    def reset_sent(self, chat_id: int) -> None:
        """Start a new round once every quote of the pool has been sent to the chat."""
        self.db.execute("delete from daily_sent where chat_id = ?", [chat_id])

    def log_send(self, chat_id: int, kind: str, status: str, detail: str = "", text: str = "") -> None:
        self.db.execute(
            "insert into send_log (chat_id, kind, status, detail, text, at) values (?, ?, ?, ?, ?, ?)",
            [chat_id, kind, status, detail, text, self._stamp()],
        )

    def send_log(self, chat_id: int | None = None) -> list[dict]:
        if chat_id is None:
            return self.db.query("select * from send_log order by id")
        return self.db.query("select * from send_log where chat_id = ? order by id", [chat_id])

    # -- saved quotes ---------------------------------------------------------------------------

    def save_quote(self, user_id: int, quote: Quote) -> tuple[SavedQuote, bool]:
        """Save `quote` for the user; returns the saved entry and whether it is new (saving twice is harmless)."""
        values = [getattr(quote, f) for f in _QUOTE_FIELDS]
        added = self.db.execute(
            f"insert into saved (user_id, {_SAVED_COLUMNS}, saved_at) values (?, {', '.join('?' * len(values))}, ?) "
            "on conflict (user_id, text, title, section) do nothing",
            [user_id, *values, self._stamp()],
        )
        row = self.db.one("select * from saved where user_id = ? and text = ? and title = ? and section = ?",
                          [user_id, quote.text, quote.title, quote.section])
        return self._saved(row), added > 0

    @staticmethod
    def _saved(row: dict) -> SavedQuote:
        return SavedQuote(row["id"], row["user_id"], _quote(row), row["saved_at"])

    def saved_quotes(self, user_id: int) -> list[SavedQuote]:
        return [self._saved(r) for r in self.db.query("select * from saved where user_id = ? order by id", [user_id])]

    def remove_saved(self, user_id: int, saved_id: int) -> bool:
        """Remove one of the user's saved quotes; False if it is not theirs or already gone."""
        return self.db.execute("delete from saved where id = ? and user_id = ?", [saved_id, user_id]) > 0

    # -- quizzes --------------------------------------------------------------------------------

    def add_quiz(self, chat_id: int, question: str, options: tuple[str, ...], correct: int, quote: Quote) -> QuizRecord:
        quiz = QuizRecord(secrets.token_hex(4), chat_id, None, question, tuple(options), correct, quote)
        self.db.execute(
            "insert into quizzes (id, chat_id, poll_id, question, options, correct, quote, created_at) "
            "values (?, ?, null, ?, ?, ?, ?, ?)",
            [quiz.id, chat_id, question, json.dumps(list(options), ensure_ascii=False), correct,
             json.dumps(asdict(quote), ensure_ascii=False), self._stamp()],
        )
        return quiz

    def set_poll_id(self, quiz_id: str, poll_id: str) -> None:
        self.db.execute("update quizzes set poll_id = ? where id = ?", [poll_id, quiz_id])

    def quiz(self, quiz_id: str) -> QuizRecord | None:
        return self._quiz_where("id", quiz_id)

    def quiz_by_poll(self, poll_id: str) -> QuizRecord | None:
        return self._quiz_where("poll_id", poll_id)

    def _quiz_where(self, column: str, value: str) -> QuizRecord | None:
        r = self.db.one(f"select * from quizzes where {column} = ?", [value])
        if r is None:
            return None
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
            self.db.execute("delete from quiz_answers where poll_id = ? and user_id = ?", [poll_id, user_id])
            return None
        right = option == quiz.correct
        self.db.execute(
            "insert into quiz_answers (poll_id, user_id, user_name, option, correct, answered_at) "
            "values (?, ?, ?, ?, ?, ?) on conflict (poll_id, user_id) do update set user_name = excluded.user_name, "
            "option = excluded.option, correct = excluded.correct, answered_at = excluded.answered_at",
            [poll_id, user_id, user_name, option, int(right), self._stamp()],
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
        return [Score(r["user_id"], r["user_name"], int(r["correct"]), int(r["answered"])) for r in rows]

    # -- short tokens for buttons ----------------------------------------------------------------

    def remember(self, kind: str, payload: dict) -> str:
        """Store `payload` under a short token, for button data that must fit in 64 bytes.

        The token is derived from the payload, so asking again for the same thing adds no row.
        """
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        token = hashlib.blake2b(f"{kind}\0{text}".encode(), digest_size=5).hexdigest()
        self.db.execute(
            "insert into pending (token, kind, payload, created_at) values (?, ?, ?, ?) "
            "on conflict (token) do update set created_at = excluded.created_at",
            [token, kind, text, self._stamp()],
        )
        return token

    def recall(self, kind: str, token: str) -> dict | None:
        row = self.db.one("select payload from pending where token = ? and kind = ?", [token, kind])
        return json.loads(row["payload"]) if row else None
