"""`python -m tests.robustness` (make robustness): run the robustness suite at full size, print its figures.

The figures are what the tests counted while they ran (tests/robustness/figures.py), not constants.
Exits non-zero if a test failed, an injected fault was not survived, anything acknowledged was lost,
or an unauthorized action succeeded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.robustness.figures import FILE_VARIABLE

ROOT = Path(__file__).resolve().parents[2]


def table(title: str, rows: dict[str, tuple], headers: tuple[str, ...]) -> list[str]:
    out = [f"\n{title}", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for name, values in sorted(rows.items()):
        out.append("| " + " | ".join([name, *(f"{v:,}" for v in values)]) + " |")
    totals = [sum(v[i] for v in rows.values()) for i in range(len(headers) - 1)]
    out.append("| **total** | " + " | ".join(f"**{t:,}**" for t in totals) + " |")
    return out


def main(argv: list[str]) -> int:
    env = {**os.environ, "ROBUSTNESS_SCALE": os.environ.get("ROBUSTNESS_SCALE", "1"), "HF_HUB_OFFLINE": "1",
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    with tempfile.TemporaryDirectory() as tmp:
        env[FILE_VARIABLE] = str(Path(tmp) / "figures.json")
        result = subprocess.run([sys.executable, "-m", "pytest", "tests/robustness", "-q", "-p", "no:cacheprovider", *argv],
                                cwd=ROOT, env=env)
        path = Path(env[FILE_VARIABLE])
        if not path.exists():
            print("no figures were written (the suite did not run)")
            return result.returncode or 1
        f = json.loads(path.read_text())
    inputs = {k: (v,) for k, v in f["inputs"].items()}
    faults = {k: (v, f["faults_survived"].get(k, 0)) for k, v in f["faults_injected"].items()}
    items = {k: (v, f["items_lost"].get(k, 0)) for k, v in f["items_checked"].items()}
    access = {k: (v, f["unauthorized_succeeded"].get(k, 0)) for k, v in f["unauthorized_tried"].items()}
    lines = ["", "=" * 72, f"Robustness figures (ROBUSTNESS_SCALE={env['ROBUSTNESS_SCALE']})"]
    lines += table("Generated inputs tried (hypothesis)", inputs, ("what", "inputs"))
    lines += table("Faults", faults, ("fault", "injected", "survived"))
    lines += table("Acknowledged items and decisions", items, ("what", "acknowledged", "lost"))
    lines += table("Unauthorized or abusive actions", access, ("what", "tried", "succeeded"))
    lost = sum(v[1] for v in items.values())
    broke_in = sum(v[1] for v in access.values())
    not_survived = sum(v[0] - v[1] for v in faults.values())
    lines += ["", f"inputs tried: {sum(v[0] for v in inputs.values()):,} | faults injected: "
                  f"{sum(v[0] for v in faults.values()):,}, survived: {sum(v[1] for v in faults.values()):,} | "
                  f"items lost: {lost} | unauthorized actions that succeeded: {broke_in} | "
                  f"tests: {'passed' if result.returncode == 0 else 'FAILED'}"]
    print("\n".join(lines))
    return 1 if (result.returncode or lost or broke_in or not_survived) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
