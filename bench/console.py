"""Cost of a moderator sign-in and of a session check, on a real SQLite file.

    python bench/console.py [--runs 20]

Prints the scrypt hash time per cost n, sign-in time for a known name (wrong password), an unknown
name and a correct password, and one session check (what every review action pays). Compare ratios
within one run; absolute figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from review.auth import LoginPolicy, ModeratorAuth
from review.db import make_engine
from review.users import DEFAULT_SCRYPT_N, SCRYPT_P, SCRYPT_R


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for n in (2**14, 2**15, 2**16, 2**17):
        p50, p95 = timed(lambda n=n: hashlib.scrypt(b"password", salt=os.urandom(16), n=n, r=SCRYPT_R, p=SCRYPT_P,
                                                maxmem=256 * SCRYPT_R * n + 2**20, dklen=32), max(3, args.runs // 4))
        print(f"scrypt n=2**{n.bit_length() - 1:<3} ({128 * SCRYPT_R * n / 2**20:.0f} MiB): p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        auth = ModeratorAuth(engine, policy=LoginPolicy(max_failures=10**9, max_failures_per_ip=10**9))
        auth.bootstrap({"alice": "a long password"})
        rows = {
            "sign-in, known name, wrong password": lambda: auth.login("alice", "wrong"),
            "sign-in, unknown name": lambda: auth.login("nobody", "wrong"),
            "sign-in, correct": lambda: auth.login("alice", "a long password"),
        }
        results = {label: timed(fn, args.runs) for label, fn in rows.items()}
        token = auth.login("alice", "a long password")
        results["session check (every review action)"] = timed(lambda: auth.principal(token), args.runs * 10)
        print(f"\nat the default cost n=2**{DEFAULT_SCRYPT_N.bit_length() - 1}, SQLite file, {args.runs} runs:")
        for label, (p50, p95) in results.items():
            print(f"{label:<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        known, unknown = results["sign-in, known name, wrong password"][0], results["sign-in, unknown name"][0]
        print(f"unknown / known name time ratio: {unknown / known:.2f}")


if __name__ == "__main__":
    main()
