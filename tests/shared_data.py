"""The labelled public data in ../shared/data (beside the repository, never copied into it).

A clone without it still passes the suite: tests that need a file call `require(...)`, which skips them
with the reason, instead of failing with FileNotFoundError.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require(*names: str) -> Path:
    """The data folder, or skip the calling test when any of `names` is not in it."""
    missing = [n for n in names if not (DATA / n).is_file()]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} from the shared data folder ({DATA}), which this checkout lacks")
    return DATA
