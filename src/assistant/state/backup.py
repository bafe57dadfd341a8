"""`python -m assistant backup DIR`: consistent copies of the corpus and state databases while the bot runs.

SQLite's online backup API copies a live database page by page under its own locks, so the copy is a
consistent snapshot even while the bot writes (a plain `cp` of a WAL database may not be). Each copy
is written under a temporary name, checked, then renamed, so a folder never holds half a backup.
Restoring is copying the files back with the bot stopped (docs/deploy.md, “备份与恢复”).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def backup_file(source: Path, target: Path) -> int:
    """Copy the SQLite database `source` to `target` online; its size in bytes."""
    if not source.is_file():
        raise FileNotFoundError(f"找不到数据库文件 {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError(f"备份 {target} 校验失败")
    except sqlite3.DatabaseError as exc:
        dst.close()
        tmp.unlink(missing_ok=True)
        raise ValueError(f"无法备份 {source}（{exc}）：文件可能已损坏") from None
    finally:
        src.close()
    dst.close()
    os.replace(tmp, target)
    return target.stat().st_size
