"""PERSON recognizers that add to spaCy's NER, which misses many names (lists, lower case, non-English)."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from guardrails.recognizers.names import PLACE_LIKE, first_names, last_names

# A first name inside one of these spaCy entities is a date, an amount or a people (May, Jan, American).
# GPE/FAC/ORG are not trusted: the small model gives them to many names (Georgina, Stephen).
NOT_A_PERSON = {"DATE", "TIME", "NORP", "EVENT", "LANGUAGE", "MONEY", "QUANTITY", "PERCENT", "CARDINAL", "ORDINAL"}
PARTICLES = {"van", "von", "de", "der", "den", "da", "das", "del", "della", "di", "du", "la", "le", "bin", "al", "ter"}
FUNCTION_POS = {"AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "ADV", "NUM", "PUNCT", "SPACE", "INTJ"}


def _is_capitalised(text: str) -> bool:
    return text[:1].isupper() and not text.isupper() and text.replace("-", "").replace("'", "").isalpha()


class NameListRecognizer(EntityRecognizer):
    """Known first names (census list), extended over the surname that follows.

    A capitalised first name must also be tagged a proper noun and sit outside place/date
    entities; a lower-case one ("roberto yamamura") needs a known surname after it, since
    lower-case first names are often plain words (will, mark, june), unless the tagger
    already takes the first name for a proper noun.
    """

    SCORE = 0.6

    def __init__(self):
        super().__init__(supported_entities=["PERSON"], name="NameListRecognizer")

    def load(self) -> None:
        self.first, self.last = first_names(), last_names()

    def analyze(self, text, entities, nlp_artifacts=None):
        if nlp_artifacts is None or nlp_artifacts.tokens is None or "PERSON" not in entities:
            return []
        doc = nlp_artifacts.tokens
        spans, i = [], 0
        while i < len(doc):
            end = self._name_end(doc, i) if self._starts_name(doc, i) else None
            if end is None:
                i += 1
                continue
            spans.append((i, end))
            i = end
        spans += self._conjuncts(doc, spans)
        return [RecognizerResult("PERSON", doc[a].idx, doc[b - 1].idx + len(doc[b - 1]), self.SCORE,
                                 analysis_explanation=None,
                                 recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                       RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
                for a, b in spans]

    def _conjuncts(self, doc, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Words coordinated with a name are names too ("Schulz, Strickland and Matthews").

        The parser links conjuncts; a conjunct of a person (spaCy's or ours) that is a proper noun,
        or a known first or last name, is taken as a person. Places, dates and the like stay out.
        """
        covered = {t for a, b in spans for t in range(a, b)}
        covered |= {t.i for ent in doc.ents if ent.label_ == "PERSON" for t in ent}
        seeds = sorted(covered)
        lower_text = doc.text == doc.text.lower()  # in mixed case a lower-case conjunct is a plain word
        added: list[tuple[int, int]] = []
        for s in seeds:
            for c in doc[s].conjuncts:
                if c.i in covered or len(c) < 2 or c.ent_type_ in NOT_A_PERSON or c.ent_type_ in ("GPE", "LOC"):
                    continue
                known = c.lower_ in self.first or c.lower_ in self.last
                if _is_capitalised(c.text):
                    ok = c.pos_ == "PROPN" and (c.ent_type_ in ("", "PERSON", "NORP") or known)
                else:
                    ok = lower_text and c.is_alpha and not c.is_stop and c.lower_ in self.first
                if ok and c.lower_ not in PLACE_LIKE:
                    end = self._name_end(doc, c.i) if _is_capitalised(c.text) else c.i + 1
                    added.append((c.i, end))
                    covered |= set(range(c.i, end))
        return added

    def _starts_name(self, doc, i: int) -> bool:
        tok = doc[i]
        if tok.lower_ not in self.first or tok.lower_ in PLACE_LIKE or len(tok) < 3 or tok.ent_type_ in NOT_A_PERSON:
            return False
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if _is_capitalised(tok.text):
            if tok.ent_type_ in ("GPE", "LOC"):  # a lone "France" is a country; "Ernest Takuda" is not
                return nxt is not None and _is_capitalised(nxt.text) and nxt.pos_ == "PROPN"
            return tok.pos_ == "PROPN" or tok.ent_type_ == "PERSON"
        if tok.is_lower and not tok.is_stop and tok.pos_ not in FUNCTION_POS and nxt is not None:
            return (nxt.is_lower and nxt.is_alpha and not nxt.is_stop and nxt.lower_ in self.last
                    and "PROPN" in (tok.pos_, nxt.pos_))
        return False

    def _name_end(self, doc, i: int) -> int:
        """One past the last token of the name starting at i: following capitalised words and particles."""
        lower = doc[i].is_lower
        end = i + 1
        while end < len(doc) and end - i < 4:
            tok = doc[end]
            if tok.lower_ in PARTICLES and end + 1 < len(doc) and _is_capitalised(doc[end + 1].text):
                end += 2
            elif (lower and end == i + 1) or (
                not lower and _is_capitalised(tok.text) and tok.pos_ == "PROPN" and tok.ent_type_ not in NOT_A_PERSON
            ):
                end += 1
            else:
                break
        return end


class CuedNameRecognizer(PatternRecognizer):
    """Capitalised words after a cue that introduces a person: a title, "my name is", a greeting."""

    NAME = r"\p{Lu}\p{Ll}[\p{Ll}'’-]*(?:[ \t]+(?:(?:van|von|de|da|di|del|le|la)[ \t]+)?\p{Lu}\p{Ll}[\p{Ll}'’-]*){0,2}"
    # Words that follow "Dear"/"Hello" without being a name.
    NOT_NAMES = {"sir", "madam", "sirs", "all", "team", "everyone", "there", "world", "customer", "friend",
                 "friends", "folks", "guys", "colleague", "colleagues", "user", "support", "hiring", "manager"}

    def __init__(self):
        patterns = [
            Pattern("title", r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam)\.?[ \t]+" + self.NAME, 0.7),
            # Lower-case chat ("mr. martin"): the period after the title is what marks it.
            Pattern("title_lower", r"\b(?i:mr|mrs|ms|dr|prof)\.[ \t]+\p{Ll}[\p{Ll}'’-]+", 0.6),
            Pattern("introduced", r"(?<=\b(?i:my|his|her|their|your|maiden|full)[ \t]+(?i:name)[ \t]+(?i:is|was)[ \t]+)"
                    + self.NAME, 0.65),
            Pattern("called", r"(?<=\b(?i:call me|called|named|signed|regards|sincerely|yours)[,:]?\s+)" + self.NAME, 0.6),
            Pattern("greeting", r"(?<=\b(?:Dear|Hi|Hello|Hey)[ \t]+)" + self.NAME, 0.6),
            Pattern("field", r"(?<=\b(?i:name|contact person|patient|customer|employee)[ \t]*:[ \t]*)" + self.NAME, 0.65),
        ]
        # Case matters here: the capital letter is most of the evidence.
        super().__init__(supported_entity="PERSON", name="CuedNameRecognizer", patterns=patterns,
                         global_regex_flags=0)

    def invalidate_result(self, pattern_text: str) -> bool:
        return pattern_text.split()[-1].lower().strip(".") in self.NOT_NAMES
