"""The state schema, one portable definition for every backend.

`{id}`, `{bigint}` and `{real}` are filled with the backend's column types (StateDB.types); names of
tables and indexes match what earlier versions created through sqlite-utils, so an existing state.db
upgrades in place (`create … if not exists`). A new version appends statements to MIGRATIONS.
"""
from __future__ import annotations

import secrets
import uuid

from assistant.state.base import Tx

MIGRATIONS: list[list[str]] = [
    [  # 1: the study state and button keys of earlier versions, leases and the query log
        "create table if not exists button_keys (key text primary key, value text, at {real})",
        "create index if not exists idx_button_keys_at on button_keys (at)",
        "create table if not exists subscriptions (chat_id {bigint} primary key, time text, topic text, "
        "created_by {bigint}, updated_at text)",
        "create table if not exists daily_sent (chat_id {bigint}, quote_key text, sent_at text, "
        "primary key (chat_id, quote_key))",
        "create table if not exists send_log (id {id}, chat_id {bigint}, kind text, status text, detail text, "
        "text text, at text)",
        "create index if not exists idx_send_log_chat_id_at on send_log (chat_id, at)",
        "create table if not exists saved (id {id}, user_id {bigint}, text text, title text, short text, "
        "section text, date text, publication text, passage_id text, source_id text, seq integer, saved_at text)",
        "create unique index if not exists idx_saved_user_id_text_title_section on saved (user_id, text, title, section)",
        "create table if not exists quizzes (id text primary key, chat_id {bigint}, poll_id text, question text, "
        "options text, correct integer, quote text, created_at text)",
        "create unique index if not exists idx_quizzes_poll_id on quizzes (poll_id)",
        "create table if not exists quiz_answers (poll_id text, user_id {bigint}, user_name text, option integer, "
        "correct integer, answered_at text, primary key (poll_id, user_id))",
        "create table if not exists pending (token text primary key, kind text, payload text, created_at text)",
        "create table if not exists leases (name text primary key, holder text, expires {real}, done integer)",
        "create table if not exists query_log (id {id}, at {real}, day text, channel text, chat_kind text, "
        "user_hash text, query text, results integer, top_passage text, answered integer, latency_ms {real})",
        "create index if not exists idx_query_log_at on query_log (at)",
        "create index if not exists idx_query_log_day on query_log (day, channel)",
    ],
    [  # 2: the document a user scoped their next search to (/sources), shared by replicas
        "create table if not exists scopes (chat_id {bigint}, user_id {bigint}, source_id text, at {real}, "
        "primary key (chat_id, user_id))",
    ],
]


def apply(tx: Tx, types: dict[str, str]) -> None:
    """Bring the schema up to date and give a new database its identity (instance id, hashing salt)."""
    tx.execute("create table if not exists state_meta (key text primary key, value text)")
    row = tx.query("select value from state_meta where key = 'schema'")
    version = int(row[0]["value"]) if row else 0
    for statements in MIGRATIONS[version:]:
        for sql in statements:
            tx.execute(sql.format(**types))
    for key, make in (("instance", lambda: uuid.uuid4().hex), ("salt", lambda: secrets.token_hex(16))):
        tx.execute("insert into state_meta (key, value) values (?, ?) on conflict (key) do nothing", [key, make()])
    tx.execute(
        "insert into state_meta (key, value) values ('schema', ?) on conflict (key) do update set value = excluded.value",
        [str(len(MIGRATIONS))],
    )


def meta(tx: Tx, key: str) -> str:
    row = tx.query("select value from state_meta where key = ?", [key])
    return row[0]["value"] if row else ""
