"""Shared fixtures: the real corpus, ingested once per test session into a temporary database."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EVAL_DIR = ROOT.parent / "shared" / "eval"


def pytest_configure(config: pytest.Config) -> None:
    """Every child process a test starts gets no PYTHON* variable from a developer shell (PYTHONUNBUFFERED hid
    a broken pipe at exit that CI's clean environment shows); tests/processes.py gives children CI's environment."""
    for name in [n for n in os.environ if n.startswith("PYTHON")]:
        del os.environ[name]


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


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL server for the whole session (tests/pg_cluster.py); skipped where impossible."""
    import pg_cluster

    try:
        cluster = pg_cluster.start()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_target(request, tmp_path):
    """Where a state store lives, once per backend: a SQLite file path, or a fresh PostgreSQL database's URL.
    Tests open it with assistant.state.connect(target) and may open it again to check what persisted."""
    if request.param == "sqlite":
        return tmp_path / "state.db"
    return request.getfixturevalue("postgres_cluster").new_database()
