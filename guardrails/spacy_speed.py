"""Ways the PII guard runs spaCy faster without changing what it finds.

Each keeps spaCy's output the same (tests/guardrails/test_spacy_speed.py compares tags, entities,
lemmas and morphology with and without it); bench/guards.py prints the time each saves.
"""

from __future__ import annotations

import logging
import re

from spacy.language import Language
from spacy.tokens._retokenize import set_token_attrs

log = logging.getLogger(__name__)

MATMULS = ("numpy", "blis")


def check_matmul(matmul: str) -> None:
    if matmul not in MATMULS:
        raise ValueError(f"SPACY_MATMUL must be one of {', '.join(MATMULS)}, not {matmul!r}")


def use_matmul(nlp, matmul: str, blas_threads: int) -> None:
    """Have spaCy's layers multiply matrices through numpy (OpenBLAS) instead of BLIS.

    thinc multiplies through BLIS by default, whose kernels for CPUs it does not recognise are
    generic: on this machine's AMD EPYC (Zen 4) a spaCy-sized product (82x288 by 288x288) takes
    0.55 ms in BLIS and 0.15 ms in OpenBLAS on one thread, and the PII guard's p50 on a 100-token
    reply falls from 18.0 to 13.4 ms (bench/guards.py). The results differ only in float rounding.

    OpenBLAS is held to `blas_threads` (process-wide: numpy has one BLAS). Its idle threads spin
    after each product, and on 2 cores they took the core the toxicity model runs on beside this
    guard: all guards' p50 was 37 ms with OpenBLAS's 2 threads, 22 ms with 1 (28 ms with BLIS).
    """
    check_matmul(matmul)
    from thinc.api import NumpyOps

    if matmul == "numpy" and blas_threads > 0:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=blas_threads, user_api="blas")
    ops = NumpyOps(use_blis=matmul == "blis")
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


def use_lookup_attribute_ruler(nlp) -> bool:
    """Swap spaCy's attribute_ruler for LookupAttributeRuler (same rules, dictionary lookups).

    A model whose rules test something the lookup cannot read keeps spaCy's ruler (returns False).
    """
    if "attribute_ruler" not in nlp.pipe_names or "lookup_attribute_ruler" in nlp.pipe_names:
        return False
    try:
        nlp.add_pipe("lookup_attribute_ruler", before="attribute_ruler")
    except ValueError as exc:
        log.info("keeping spaCy's attribute_ruler: %s", exc)
        return False
    nlp.disable_pipe("attribute_ruler")
    return True


class LookupAttributeRuler:
    """spaCy's attribute_ruler (tag -> part of speech and morphology, plus word exceptions), run as lookups.

    The ruler runs a Matcher over ~180 patterns for every token: 1.7 ms of a 100-token reply, more
    than the tagger that feeds it. Its patterns only test a token's TAG, LOWER, IS_SPACE and DEP, so
    each is indexed here by the tag or word it needs; a token is checked only against the patterns
    that could match it. Matches are applied in the ruler's order (a later rule wins), with the
    ruler's own stored attributes, so the result is the ruler's. DEP is read as the token has it:
    with the parser off it is empty, as the ruler sees it too.
    """

    def __init__(self, ruler):
        self.attrs, self.indices = ruler.attrs, ruler.indices
        # (rule id, token specs) under the first spec's tag, its word, or neither
        self.by_tag: dict[str, list] = {}
        self.by_lower: dict[str, list] = {}
        self.anywhere: list = []
        for rule, entry in enumerate(ruler.patterns):
            for pattern in entry["patterns"]:
                specs = [_compile(spec) for spec in pattern]
                first = pattern[0]
                # By the word where the rule names one: it is the rarer key (40 rules need a word and a tag).
                keys, index = _values(first.get("LOWER")), self.by_lower
                if keys is None:
                    keys, index = _values(first.get("TAG")), self.by_tag
                if keys is None:
                    self.anywhere.append((rule, specs))
                else:
                    for key in keys:
                        index.setdefault(key, []).append((rule, specs))

    def __call__(self, doc):
        matches = []
        n = len(doc)
        none: list = []
        for start, token in enumerate(doc):
            for candidates in (self.by_lower.get(token.lower_, none), self.by_tag.get(token.tag_, none), self.anywhere):
                for rule, specs in candidates:
                    if not specs[0](token):
                        continue
                    end = start + len(specs)
                    if end <= n and all(spec(doc[start + k]) for k, spec in enumerate(specs[1:], 1)):
                        matches.append((rule, start, end))
        for rule, start, end in sorted(set(matches)):
            set_token_attrs(doc[start:end][self.indices[rule]], self.attrs[rule])
        return doc


def _values(constraint) -> list[str] | None:
    """The values a str / {"IN": [...]} constraint accepts; None when it accepts open-ended values."""
    if isinstance(constraint, str):
        return [constraint]
    if isinstance(constraint, dict) and set(constraint) == {"IN"}:
        return list(constraint["IN"])
    return None


_ATTRS = {"TAG": lambda t: t.tag_, "LOWER": lambda t: t.lower_, "DEP": lambda t: t.dep_, "IS_SPACE": lambda t: t.is_space}


def _compile(spec: dict):
    """One token spec of a Matcher pattern as a predicate; refuses any key or operator it does not know."""
    tests = []
    for key, constraint in spec.items():
        if key not in _ATTRS:
            raise ValueError(f"LookupAttributeRuler cannot read {key!r} patterns; keep spaCy's attribute_ruler")
        get = _ATTRS[key]
        if not isinstance(constraint, dict):
            tests.append(lambda t, get=get, want=constraint: get(t) == want)
        elif set(constraint) == {"IN"}:
            tests.append(lambda t, get=get, want=frozenset(constraint["IN"]): get(t) in want)
        elif set(constraint) == {"NOT_IN"}:
            tests.append(lambda t, get=get, refuse=frozenset(constraint["NOT_IN"]): get(t) not in refuse)
        elif set(constraint) == {"REGEX"}:
            tests.append(lambda t, get=get, rx=re.compile(constraint["REGEX"]): rx.search(get(t)) is not None)
        else:
            raise ValueError(f"LookupAttributeRuler cannot read the operator(s) {sorted(constraint)}; keep spaCy's attribute_ruler")
    if len(tests) == 1:
        return tests[0]
    return lambda t: all(test(t) for test in tests)


@Language.factory("lookup_attribute_ruler", default_config={"source": "attribute_ruler"})
def _make_lookup_attribute_ruler(nlp, name: str, source: str) -> LookupAttributeRuler:
    return LookupAttributeRuler(nlp.get_pipe(source))
