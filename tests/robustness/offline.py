"""Run the app with every network connection refused except loopback: `python -m tests.robustness.offline`.

A Python audit hook sees every socket connect, bind, sendto and address lookup made through Python
(urllib, requests, httpx, huggingface_hub, torch.hub all use it) and refuses those that leave the
machine, writing each refused one to $OFFLINE_LOG. The app then starts as `python -m app` would.

Audit hooks are not inherited, so the app's worker processes (the chat workers, the PII guard's worker)
get the same hook from `offline_site/sitecustomize.py`, which the test puts first on PYTHONPATH: Python
runs it at every start while OFFLINE_LOG is set.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

LOG = os.environ.get("OFFLINE_LOG", "offline-refused.log")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _loopback(host) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): the wildcard for a local server socket's lookup
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%")[0].strip("[]")
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(what: str, host) -> None:
    with open(LOG, "a") as f:
        f.write(f"{what} {host}\n")
    raise OSError(101, f"network is unreachable (offline test refused {what} to {host})")


def _hook(event: str, args) -> None:
    if event == "socket.getaddrinfo":
        if not _loopback(args[0]):
            _refuse("getaddrinfo", args[0])
    elif event in ("socket.connect", "socket.sendto", "socket.bind"):
        sock, address = args[0], args[-1]
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _refuse(event.split(".")[1], address[0])


def install() -> None:
    """Refuse outside connections in this process; once, however often it is called."""
    if not getattr(sys, "_offline_test_hook", False):
        sys.addaudithook(_hook)
        sys._offline_test_hook = True


def main() -> int:
    install()
    from app.main import main as app_main

    return app_main([])


if __name__ == "__main__":
    sys.exit(main())
