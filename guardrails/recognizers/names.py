"""First and last names, read once, offline.

US census (1990) first and last names from the MIT-licensed `names` package, and first names
popular in 105 countries from `names-dataset` (MIT), reduced by training/build_name_lists.py to
name_lists/first_names_world.txt, and world surnames the same way (name_lists/last_names_world.txt).
"""

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


WORLD_FIRST_NAMES = os.path.join(os.path.dirname(__file__), "name_lists", "first_names_world.txt")
WORLD_LAST_NAMES = os.path.join(os.path.dirname(__file__), "name_lists", "last_names_world.txt")
PLACE_NAMES = os.path.join(os.path.dirname(__file__), "name_lists", "places_named_like_people.txt")


def _read_list(path: str) -> frozenset[str]:
    with open(path, encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def world_first_names() -> frozenset[str]:
    """First names ranked in the top 1000 of some country, with names that are common English words dropped."""
    return _read_list(WORLD_FIRST_NAMES)


@lru_cache(maxsize=1)
def world_last_names() -> frozenset[str]:
    """Surnames ranked in the top 1000 of some country (names-dataset), common English words dropped.

    Unlike the census list, this one was filtered against ordinary lower-case English, so a lone
    capitalised word in it is a fair sign of a surname (places such as Paris or Jordan are still in
    it, and are told apart by spaCy's entity type and PLACE_LIKE).
    """
    return _read_list(WORLD_LAST_NAMES)


@lru_cache(maxsize=1)
def places_named_like_people() -> frozenset[str]:
    """First names that are also a country, a subdivision or a city of 100,000+ (Sofia, Lima, Chad, Tyler)."""
    return _read_list(PLACE_NAMES)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return _read("dist.male.first") | _read("dist.female.first") | world_first_names()


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    return _read("dist.all.last", SURNAME_RANK_LIMIT) | world_last_names()


# First names that are far more often places in a chatbot's replies ("I flew to Sydney");
# spaCy's small model is unreliable at telling these apart, so they are left to its NER.
PLACE_LIKE = frozenset("""
africa america asia austin brooklyn carolina charlotte chelsea china cleveland columbia dakota dallas denver
florence georgia houston india israel jackson jordan kent lincoln london madison milan montana nevada orlando
paris phoenix regina rio salem santiago savannah sydney tennessee troy victoria vienna virginia washington
""".split())
