"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary folder, a free
loopback port, no fsync; stopped and deleted afterwards.

PostgreSQL refuses to run as root, so when the tests run as root (CI containers) the server runs as
the `postgres` system user the Debian package creates (or `nobody`).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

USER = "assistant"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> str | None:
    """The user to run the server as: ourselves, unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name).pw_name
        except KeyError:
            continue
    return None


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int
    user: str | None

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([str(self.bin / args[0]), *args[1:]], check=True, capture_output=True, user=self.user,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, cwd=self.folder)

    def start(self) -> None:
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.folder} -h 127.0.0.1 -F -c max_connections=200", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def new_database(self) -> str:
        """A fresh empty database on the cluster; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"create database {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name


def start() -> Cluster:
    """Start a cluster (raises RuntimeError with the reason when that is impossible here)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server not installed (no /usr/lib/postgresql/*/bin/initdb; "
                           "apt-get install postgresql)")
    user = _run_as()
    if os.geteuid() == 0 and user is None:
        raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")
    folder = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    if user is not None:
        os.chown(folder, pwd.getpwnam(user).pw_uid, -1)
    cluster = Cluster(bin_dir, folder, _free_port(), user)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')} {log}") from None
    return cluster
