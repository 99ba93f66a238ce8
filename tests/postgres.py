"""A throwaway PostgreSQL server for the tests: a new cluster in a temp folder, from Debian's packages.

`make test` installs the `postgresql` package (see the Makefile). initdb refuses to run as root, so
as root the cluster belongs to the `postgres` user the package creates; as anyone else it is yours.
It listens on 127.0.0.1 on a free port (trust authentication, nothing reachable from outside) and is
deleted when the test session ends.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.app.servers import free_port

INSTALL_HINT = "install it with `apt-get install postgresql` (make test does this), then run the tests again"


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise PostgresUnavailable(f"PostgreSQL's initdb is not in /usr/lib/postgresql/*/bin: {INSTALL_HINT}")
    return Path(found[-1]).parent


class PostgresServer:
    def __init__(self):
        self.bindir = _bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="guarded-chat-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(f"running as root and there is no 'postgres' user to own the test cluster: {INSTALL_HINT}") from None
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.user = "postgres"
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._started = False

    def _run(self, *args: str, timeout: float = 120) -> None:
        try:
            out = subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.dir, user=self.user, capture_output=True,
                                 text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"{args[0]} failed: {exc}") from None
        if out.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(f"{args[0]} failed ({out.returncode}):\n{out.stdout}{out.stderr}{log}")

    def start(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        # fsync off: a test cluster need not survive a power cut, and it is much faster on a busy disk.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self._started = True
        return self

    def new_database(self) -> str:
        """A new empty database on this server; returns its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        try:
            if self._started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
