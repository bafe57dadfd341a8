"""The state store behind one interface: the same tests against SQLite and PostgreSQL (state_target),
then what only the SQLite file can suffer (corruption, truncation, a lost -wal)."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess

import processes
import pytest

from assistant.chat.sessions import Sessions
from assistant.state import StateError, connect
from assistant.state import sqlite as sqlite_module
from assistant.state.sqlite import SQLiteState, marker_path


def test_button_keys_made_on_one_replica_work_on_another(state_target):
    one, two = connect(state_target), connect(state_target)
    made = Sessions(one).new("山海协作", "s1", 7, -5)
    long_arg = "共同富裕" * 20
    key = Sessions(one).stash(long_arg)
    other = Sessions(two)
    assert other.get(made.id) == made and other.unstash(key) == long_arg
    assert other.get("nope") is None
    one.close(), two.close()


def test_a_lease_is_held_by_one_holder_until_it_expires_or_is_done(state_target):
    db = connect(state_target)
    assert db.claim("daily:1:2026-03-01", "a", 60, now=1000)
    assert not db.claim("daily:1:2026-03-01", "b", 60, now=1030)  # a holds it
    assert db.claim("daily:1:2026-03-01", "a", 60, now=1030)  # a renews
    assert db.claim("daily:1:2026-03-01", "b", 60, now=1100)  # a died: the lease ran out, b takes over
    db.complete("daily:1:2026-03-01", "a")  # a late report from the old holder changes nothing
    assert not db.lease_done("daily:1:2026-03-01")
    db.complete("daily:1:2026-03-01", "b")
    assert db.lease_done("daily:1:2026-03-01")
    assert not db.claim("daily:1:2026-03-01", "c", 60, now=9999)  # done: never again
    db.close()


def test_a_transaction_is_all_or_nothing(state_target):
    db = connect(state_target)
    with pytest.raises(ZeroDivisionError):
        with db.transaction() as tx:
            tx.execute("insert into pending (token, kind, payload, created_at) values ('t', 'k', '{}', 'now')")
            1 / 0
    assert db.one("select count(*) as n from pending")["n"] == 0
    db.close()


# -- the SQLite file ------------------------------------------------------------------------------


def _with_data(path):
    db = SQLiteState(path)
    Sessions(db).stash("收藏与订阅")
    db.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_state_file_is_refused_naming_it(tmp_path, damage):
    path = tmp_path / "state.db"
    _with_data(path)
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all" * 200)
    else:
        path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(StateError, match="已损坏") as err:
        SQLiteState(path)
    assert str(path) in str(err.value)


def test_a_directory_where_the_state_file_should_be_is_refused(tmp_path):
    (tmp_path / "state.db").mkdir()
    with pytest.raises(StateError, match="文件夹"):
        SQLiteState(tmp_path / "state.db")


@pytest.mark.parametrize("damage", ["zero bytes", "deleted", "replaced"])
def test_a_state_file_that_lost_its_data_does_not_start_empty(tmp_path, damage):
    path = tmp_path / "state.db"
    _with_data(path)
    if damage == "zero bytes":
        path.write_bytes(b"")
    elif damage == "deleted":
        path.unlink()
    else:
        SQLiteState(tmp_path / "other.db").close()
        shutil.copy(tmp_path / "other.db", path)
    with pytest.raises(StateError, match="曾保存过数据") as err:
        SQLiteState(path)
    assert str(marker_path(path)) in str(err.value)
    marker_path(path).unlink()  # the operator decides to start empty
    SQLiteState(path).close()


def test_a_lost_wal_loses_at_most_the_writes_since_the_last_checkpoint(tmp_path, monkeypatch):
    """The WAL is merged into the main file every CHECKPOINT_SECONDS of writes; copying the main file and
    the marker alone (the -wal lost) keeps what was written before the last checkpoint."""
    monkeypatch.setattr(sqlite_module, "CHECKPOINT_SECONDS", 0.0)
    path = tmp_path / "state.db"
    db = SQLiteState(path)
    keeper = sqlite3.connect(path)  # an open reader: closing `db` does not merge the WAL
    keeper.execute("select 1").fetchone()
    key = Sessions(db).stash("收藏")
    lost = tmp_path / "lost"
    lost.mkdir()
    shutil.copy(path, lost / "state.db")
    shutil.copy(marker_path(path), marker_path(lost / "state.db"))
    db.close(), keeper.close()
    assert Sessions(SQLiteState(lost / "state.db")).unstash(key) == "收藏"


# -- backup, and the processes that refuse a damaged state file ------------------------------------


def test_backup_copies_both_databases_while_in_use_and_restores(db_path, tmp_path):
    state = tmp_path / "data" / "state.db"
    db = SQLiteState(state)
    key = Sessions(db).stash("备份前的收藏")
    env = {"ASSISTANT_STATE_DB": str(state)}
    done = subprocess.run(processes.assistant("backup", str(tmp_path / "bak"), "--db", str(db_path)),
                          capture_output=True, text=True, env=processes.clean_env(**env), cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "bak" / "assistant.db").stat().st_size > 0 and "状态数据库" in done.stdout
    Sessions(db).stash("备份后的收藏")  # the bot writes on; the backup is the snapshot it took
    db.close()

    state.write_bytes(b"")  # disaster; the bot refuses to start on it
    command, bot_env = processes.bot_py(ASSISTANT_DB=str(db_path), **env)
    bot = subprocess.run(command, input="", capture_output=True, text=True, env=bot_env, cwd=tmp_path, timeout=120)
    assert bot.returncode == 2 and str(state) in bot.stderr and "Traceback" not in bot.stderr

    # Restore as docs/deploy.md says: the bot stopped, the copy put back, stale -wal/-shm removed.
    shutil.copy(tmp_path / "bak" / "state.db", state)
    for stale in ("state.db-wal", "state.db-shm"):
        (state.parent / stale).unlink(missing_ok=True)
    restored = SQLiteState(state)
    assert Sessions(restored).unstash(key) == "备份前的收藏"
    restored.close()


def test_the_cli_names_a_corrupt_state_file_and_exits_2(tmp_path):
    state = tmp_path / "state.db"
    state.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    done = subprocess.run(processes.assistant("stats"), capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env=processes.clean_env(ASSISTANT_STATE_DB=str(state)))
    assert done.returncode == 2 and str(state) in done.stderr and "Traceback" not in done.stderr
