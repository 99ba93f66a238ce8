"""US census (1990) first and last names, from the MIT-licensed `names` package; read once, offline."""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache

# The surname list has ~89k entries and its tail holds ordinary words (Street, Love, Paris);
# only the commoner part is trusted to confirm a surname next to a known first name.
SURNAME_RANK_LIMIT = 30000


def _read(filename: str, limit: int | None = None) -> frozenset[str]:
    spec = importlib.util.find_spec("names")
    if spec is None or spec.origin is None:
        raise RuntimeError("name lists not found: install 'names==0.3.0'")
    with open(os.path.join(os.path.dirname(spec.origin), filename), encoding="ascii") as f:
        words = [line.split()[0] for line in f if line.strip()]
    return frozenset(w.lower() for w in words[:limit])


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return _read("dist.male.first") | _read("dist.female.first")


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    return _read("dist.all.last", SURNAME_RANK_LIMIT)


# First names that are far more often places in a chatbot's replies ("I flew to Sydney");
# spaCy's small model is unreliable at telling these apart, so they are left to its NER.
PLACE_LIKE = frozenset("""
africa america asia austin brooklyn carolina charlotte chelsea china cleveland columbia dakota dallas denver
florence georgia houston india israel jackson jordan kent lincoln london madison milan montana nevada orlando
paris phoenix regina rio salem santiago savannah sydney tennessee troy victoria vienna virginia washington
""".split())
