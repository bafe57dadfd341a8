"""The corpus database as found on disk: corrupt, foreign, truncated, old or oddly named files."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from assistant.chat import Access, Request, build_core
from assistant.search.engine import Searcher
from assistant.storage import DatabaseMissing
from processes import bot_py, run_cli


def _not_sqlite(path: Path, good: Path) -> None:
    path.write_text("这不是数据库\n" * 100, encoding="utf-8")


def _truncated(path: Path, good: Path) -> None:
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])


def _directory(path: Path, good: Path) -> None:
    path.mkdir()


def _no_tables(path: Path, good: Path) -> None:
    sqlite3.connect(path).execute("create table other (x)").connection.close()


def _older_schema(path: Path, good: Path) -> None:
    shutil.copy(good, path)
    with sqlite3.connect(path) as conn:
        conn.execute("alter table passages drop column para")


def _no_index(path: Path, good: Path) -> None:
    shutil.copy(good, path)
    with sqlite3.connect(path) as conn:
        conn.execute("drop table search_index")


BAD = [_not_sqlite, _truncated, _directory, _no_tables, _older_schema, _no_index]


@pytest.mark.parametrize("make", BAD, ids=lambda f: f.__name__.strip("_"))
def test_a_bad_database_is_a_clear_error_naming_the_file(make, db_path, tmp_path):
    path = tmp_path / "bad.db"
    make(path, db_path)
    with pytest.raises(DatabaseMissing) as err:
        Searcher.open(path)
    assert str(path) in str(err.value) and "ingest" in str(err.value)
    out = run_cli("search", "共同富裕", "--db", str(path))
    assert out.returncode == 2 and str(path) in out.stderr and "重新建立" in out.stderr
    assert "Traceback" not in out.stderr


def test_bot_py_with_a_corrupt_database_exits_2_with_the_reason(db_path, tmp_path):
    path = tmp_path / "bad.db"
    _truncated(path, db_path)
    command, env = bot_py(ASSISTANT_DB=str(path))
    proc = subprocess.run(command, input="", text=True, capture_output=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2 and str(path) in proc.stderr and "Traceback" not in proc.stderr


def test_reload_onto_a_bad_database_tells_the_admin_and_keeps_serving(db_path, tmp_path):
    path = tmp_path / "live.db"
    shutil.copy(db_path, path)
    core = build_core(Searcher.open(path), access=Access(admins=frozenset({2})), reopen=lambda: Searcher.open(path))
    path.unlink()
    _not_sqlite(path, db_path)
    reply = core.handle_message(Request(2, 2, "/reload")).blocks[0].text
    assert "未能重新载入" in reply and str(path) in reply and "ingest" in reply
    assert core.handle_message(Request(2, 2, "共同富裕")).quotes()  # the old corpus still answers


@pytest.mark.parametrize("name", ["x#y.db", "a?mode=rwc.db", "100%25.db"])
def test_db_paths_are_paths_not_uris(name, db_path, tmp_path):
    path = tmp_path / name
    shutil.copy(db_path, path)
    before = set(tmp_path.iterdir())
    assert Searcher.open(path).search("共同富裕", k=1).hits
    assert set(tmp_path.iterdir()) == before  # nothing created beside it (`x#y.db` once made an empty `x`)
    missing = tmp_path / name.replace(".db", "-none.db")
    out = run_cli("sources", "--db", str(missing))
    assert out.returncode == 2 and str(missing) in out.stderr
    assert set(tmp_path.iterdir()) == before
