"""The docs stay navigable: every relative link in the README and docs/ resolves, and the README stays short.

The README is the front page (and the Hugging Face Space's page), so details live in docs/ and the README
links to them; a page moved or renamed without its links fails here, as does a heading whose anchor a link
uses. Needs nothing but the files (no models, no network).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_BYTES = 15_000

# Pages someone is writing while a link to them is already in: a link to one may run ahead of the file.
# Empty now that this release's pages are committed; add an entry (path, or a pattern) only for such a
# page, and remove it once the file is there (test_pending_pages_are_still_pending says when).
PENDING: tuple[str, ...] = ()
PENDING_PATTERNS: tuple[re.Pattern, ...] = ()

LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+).*?\1")


def pages() -> list[Path]:
    """The hand-written pages: README, the model card and docs/ (not the evaluation runs' own report.md)."""
    found = [ROOT / "README.md", ROOT / "model_card.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "docs" / "eval" / "experiments").glob("*.md"))]
    return [p for p in found if p.exists() and not p.name.endswith(".template.md")]


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every markdown link and image outside code."""
    out, in_fence = [], False
    for number, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for m in LINK.finditer(INLINE_CODE.sub("", line)):
            out.append((number, m.group(1)))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to hyphens."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    kept = "".join(c for c in text if c in " -" or unicodedata.category(c)[0] in "LNM" or c == "_")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out, in_fence = set(), False
    for line in path.read_text(encoding="utf-8").split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (m := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)):
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def _pending(relative: str) -> bool:
    return relative in PENDING or any(p.fullmatch(relative) for p in PENDING_PATTERNS)


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """Why each relative link of `page` does not resolve; [] when all do."""
    problems = []
    for number, target in links(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or "{{" in target:  # http:, mailto:; template fields
            continue
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page.resolve()
        where = f"{page.relative_to(root)}:{number}: {target}"
        try:
            relative = dest.relative_to(root.resolve()).as_posix()
        except ValueError:
            problems.append(f"{where} points outside the repository")
            continue
        if not dest.exists():
            if not _pending(relative):
                problems.append(f"{where} -> {relative} does not exist")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{where} -> no heading with anchor #{anchor} in {relative}")
    return problems


def test_every_relative_link_in_the_readme_and_docs_resolves():
    checked = pages()
    assert ROOT / "README.md" in checked and len(checked) > 5
    problems = [p for page in checked for p in broken_links(page)]
    assert not problems, "broken links (fix the link or the file it names):\n" + "\n".join(problems)


def test_the_readme_stays_short():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_MAX_BYTES, (f"README.md is {size:,} bytes, over {README_MAX_BYTES:,}: move the detail "
                                      "into a page under docs/ and link it from the README")


def test_pending_pages_are_still_pending():
    """A page listed as pending that now exists should be checked like any other: drop it from PENDING."""
    done = [p for p in PENDING if (ROOT / p).exists()]
    assert not done, f"these pages exist now; remove them from PENDING in {Path(__file__).name}: {done}"


def test_the_checker_finds_a_broken_link_a_missing_anchor_and_skips_code(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Several processes\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text("[ok](docs/a.md) [ok anchor](docs/a.md#several-processes) [web](https://example.org/x)\n"
                    "[gone](docs/b.md) [bad anchor](docs/a.md#nowhere)\n"
                    "`[in code](docs/c.md)`\n```\n[in a fence](docs/d.md)\n```\n", encoding="utf-8")
    problems = broken_links(page, tmp_path)
    assert len(problems) == 2, problems
    assert "docs/b.md does not exist" in problems[0]
    assert "#nowhere" in problems[1]


@pytest.mark.parametrize(("heading", "anchor"), [
    ("Hostile input, faults and abuse", "hostile-input-faults-and-abuse"),
    ("Figures (from `make evaluate`; details in [the card](../model_card.md))", "figures-from-make-evaluate-details-in-the-card"),
    ("The p95 target, run by run", "the-p95-target-run-by-run"),
    ("16 concurrent sessions (`bench/app_load.py`, MAX_NEW_TOKENS=64)", "16-concurrent-sessions-benchapp_loadpy-max_new_tokens64"),
])
def test_anchors_follow_githubs_rules(heading, anchor):
    assert slug(heading) == anchor


def test_the_model_card_names_the_chat_engine_the_app_runs_by_default():
    """The card is rendered, not written: after the default ENGINE changes, `make model-card` must be rerun."""
    from guardrails.model_card import ENGINE_WORDS, defaults
    from wiring.settings import Settings

    engine = defaults()["chat_engine"]
    assert engine["name"] in ENGINE_WORDS, f"say in ENGINE_WORDS (guardrails/model_card.py) how the card describes {engine['name']!r}"
    assert Settings.model_fields["engine"].default in (engine["name"], *_aliases_of(engine["name"]))
    card = (ROOT / "model_card.md").read_text(encoding="utf-8")
    assert f"{engine['words']} (`ENGINE={engine['name']}`, the default)" in card, "model_card.md is stale: run `make model-card`"


def _aliases_of(name: str) -> list[str]:
    from models import engines

    return [alias for alias, target in getattr(engines, "ALIASES", {}).items() if target == name]
