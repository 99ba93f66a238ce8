"""Start the real app (`python -m app`) on a free local port, as a user would, and stop it afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODERATOR = ("alice", "correct horse battery staple")
SECOND_MODERATOR = ("bob", "another horse battery staple")
ADMIN = ("root", "an admin's long passphrase")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    module = "app"  # what `python -m` runs

    def __init__(self, workdir: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"app-{self.port}.log"
        self.db_path = workdir / f"app-{self.port}.db"
        full_env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{self.db_path}",
            "MODERATORS": f"{MODERATOR[0]}:{MODERATOR[1]},{SECOND_MODERATOR[0]}:{SECOND_MODERATOR[1]}",
            "ADMINS": f"{ADMIN[0]}:{ADMIN[1]}",
            "PASSWORD_SCRYPT_N": "16384",  # the bootstrap hashes each account at start-up
            "TEMPERATURE": "0",
            "MAX_NEW_TOKENS": "40",
            "POLL_SECONDS": "1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            **env,
        }
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", self.module], cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 600) -> AppServer:
        # Generous: several servers load their models at once, and a shared CI machine may be busy.
        return wait_until_serving(self, self.url + "/", "app", timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        stop_process(self.proc, self._log)


def wait_until_serving(server, url: str, what: str, timeout: float):
    """Poll `url` until it answers 200; fail with the server's log if its process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {server.proc.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)  # fine enough for bench/app_load.py to time start-up
    raise RuntimeError(f"{what} not ready after {timeout}s:\n{server.log()}")


def stop_process(proc: subprocess.Popen, log_file) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log_file.close()


def wait_for_pending(queue, user_message: str | None = None, timeout: float = 60.0):
    """The notice shows as soon as a sentence is flagged; the item is stored once the reply is finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = [i for i in queue.pending() if user_message in (None, i.user_message)]
        if items:
            return items[-1]
        time.sleep(0.5)
    raise TimeoutError("no held item appeared")
