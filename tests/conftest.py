"""Shared fixtures: the real corpus, ingested once per test session into a temporary database."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EVAL_DIR = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from assistant.ingest.pipeline import ingest

    path = tmp_path_factory.mktemp("db") / "assistant.db"
    ingest(CORPUS, path)
    return path


@pytest.fixture(scope="session")
def corpus(db_path: Path):
    from assistant.storage import Corpus

    return Corpus(db_path)
