"""PERSON recognizers that add to spaCy's NER, which misses many names (lists, lower case, non-English).

None of these needs spaCy's dependency parser: they read tokens, part-of-speech tags and entity
types only, so the PII guard runs spaCy without it.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from guardrails.recognizers.names import (
    PLACE_LIKE,
    first_names,
    last_names,
    places_named_like_people,
    world_first_names,
    world_last_names,
)

# A first name inside one of these spaCy entities is a date, an amount or a people (May, Jan, American).
# GPE/FAC/ORG are not trusted: the small model gives them to many names (Georgina, Stephen).
NOT_A_PERSON = {"DATE", "TIME", "NORP", "EVENT", "LANGUAGE", "MONEY", "QUANTITY", "PERCENT", "CARDINAL", "ORDINAL"}
# Entity types that, on a word no name list knows, mean the word is not a person.
NAMED_THING = NOT_A_PERSON | {"GPE", "LOC", "ORG", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"}
PARTICLES = {"van", "von", "de", "der", "den", "da", "das", "del", "della", "di", "du", "la", "le", "bin", "al", "ter"}
FUNCTION_POS = {"AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "ADV", "NUM", "PUNCT", "SPACE", "INTJ"}
CONJUNCTIONS = {"and", "or", "&"}
# A place name after one of these is a place, even when it is also a name ("I flew to Córdoba").
LOCATIVE = {"in", "at", "to", "from", "near", "around", "via", "into", "across", "visit", "visited", "visiting"}
# Month names are also first names (June, April); in lower-case chat a lone one is a month.
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"}
# Words with diacritics that English borrows: a capital on them is a sentence start or a title, not a name.
LOANWORDS = frozenset("""
café cafés naïve naïveté résumé fiancé fiancée déjà señor señora señorita über crème brûlée jalapeño piñata
pokémon protégé cliché touché soufflé sauté décor façade entrée rosé mañana açaí doppelgänger führer
""".split())
# Endings that mark a word as a surname even where spaCy calls it an organisation or a place (Janković, Kowalski).
SURNAME_ENDINGS = ("ić", "ski", "ska", "wicz", "czyk", "escu", "enko", "dóttir", "sson", "poulos", "oğlu", "ová")


def _is_capitalised(text: str) -> bool:
    return text[:1].isupper() and not text.isupper() and text.replace("-", "").replace("'", "").isalpha()


def _has_diacritic(text: str) -> bool:
    return any(c.isalpha() and not c.isascii() for c in text)


def _foreign(doc) -> bool:
    """Mostly not English: three or more words, and over 20% of them, carry letters outside ASCII.

    The diacritics cue below assumes English text with a foreign name in it; in a Turkish prompt
    every other word has a diacritic and none of them is a name. A short line with one foreign name
    ("Szebasztián: Who are you?") is still English.
    """
    words = [t for t in doc if t.is_alpha]
    marked = sum(_has_diacritic(t.text) for t in words)
    return marked >= 3 and marked > 0.2 * len(words)


def _sentence_initial(doc, i: int) -> bool:
    """First word of a sentence, judged from punctuation (the parser, which sets sentences, is off)."""
    j = i - 1
    while j >= 0 and (doc[j].is_space or doc[j].text in ('"', "“", "'", "(")):
        if "\n" in doc[j].text:
            return True
        j -= 1
    return j < 0 or doc[j].text in (".", "!", "?", ":", "...", "…") or doc[j].text.endswith("\n")


class NameListRecognizer(EntityRecognizer):
    """Known first names (census list), extended over the surname that follows.

    A capitalised first name must also be tagged a proper noun and sit outside place/date
    entities; a lower-case one ("roberto yamamura") needs a known surname after it, since
    lower-case first names are often plain words (will, mark, june), unless the tagger
    already takes the first name for a proper noun. Then names with diacritics and lone
    names in lower-case chat (_lone_name), and names listed with a name (_list_items).
    """

    SCORE = 0.6

    def __init__(self):
        super().__init__(supported_entities=["PERSON"], name="NameListRecognizer")

    def load(self) -> None:
        self.first, self.last = first_names(), last_names()
        self.world_first, self.world_last = world_first_names(), world_last_names()
        self.places = places_named_like_people()

    def analyze(self, text, entities, nlp_artifacts=None):
        if nlp_artifacts is None or nlp_artifacts.tokens is None or "PERSON" not in entities:
            return []
        doc = nlp_artifacts.tokens
        lower_text = doc.text == doc.text.lower()
        foreign = _foreign(doc)
        spans, i = [], 0
        while i < len(doc):
            end = (self._name_end(doc, i) if self._starts_name(doc, i, foreign, lower_text)
                   else self._lone_name(doc, i, lower_text, foreign))
            if end is None:
                i += 1
                continue
            spans.append((i, end))
            i = end
        spans += self._list_items(doc, spans, lower_text)
        return [RecognizerResult("PERSON", doc[a].idx, doc[b - 1].idx + len(doc[b - 1]), self.SCORE,
                                 analysis_explanation=None,
                                 recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                       RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
                for a, b in spans]

    # -- names in lists ---------------------------------------------------------------------------

    def _item_end(self, doc, i: int, lower_text: bool) -> int | None:
        """One past a list item starting at i: a run of capitalised words (one word in lower-case text)."""
        tok = doc[i]
        if lower_text:
            if not tok.is_alpha or tok.is_stop or len(tok) < 2:
                return None
            nxt = doc[i + 1] if i + 1 < len(doc) else None
            surname = nxt is not None and nxt.is_alpha and not nxt.is_stop and nxt.lower_ in self.last
            return i + 2 if surname else i + 1  # "tina roelink, ..." is one item
        if not _is_capitalised(tok.text) or tok.is_stop:
            return None
        end = i + 1
        while end < len(doc) and end - i < 4:
            if doc[end].lower_ in PARTICLES and end + 1 < len(doc) and _is_capitalised(doc[end + 1].text):
                end += 2
            elif _is_capitalised(doc[end].text) and not doc[end].is_stop:
                end += 1
            else:
                break
        return end

    def _chains(self, doc, lower_text: bool) -> list[tuple[list[tuple[int, int]], bool]]:
        """Coordinated items: "A, B and C", "A or B", "A & B"; with whether a conjunction joins them."""
        chains, i = [], 0
        while i < len(doc):
            items, j, joined = [], i, False
            while j < len(doc):
                end = self._item_end(doc, j, lower_text)
                if end is None:
                    break
                items.append((j, end))
                k = end
                if k < len(doc) and doc[k].text == ",":
                    k += 1
                if k < len(doc) and doc[k].lower_ in CONJUNCTIONS:
                    k += 1
                    joined = True
                if k == end:
                    break
                j = k
            if len(items) >= 2:
                chains.append((items, joined))
            i = items[-1][1] if items else i + 1
        return chains

    def _list_item_is_name(self, doc, a: int, b: int, lower_text: bool) -> bool:
        tok = doc[a]
        if tok.lower_ in PLACE_LIKE or len(tok) < 2 or b - a > 3:
            return False
        # The census surname list holds plain words (Spring, State, Check); the world lists do not.
        known = tok.lower_ in self.first or tok.lower_ in self.world_last
        if lower_text:
            return known and tok.pos_ not in ("VERB", "AUX") and tok.lower_ not in MONTHS
        census = tok.pos_ == "PROPN" and tok.lower_ in self.last
        types = {doc[t].ent_type_ for t in range(a, b)} - {""}
        if types & NAMED_THING:
            # Ashley (GPE), April (DATE), Stephen (ORG) among names are names; spaCy also calls
            # surnames in a row a firm ("Schulz, Strickland and Matthews"), so there a census surname will do.
            return known or (types <= {"ORG", "PERSON"} and census)
        if census:
            return True  # a census surname the tagger takes for a proper noun
        # Title-case headings and bullet lists ("Tables, Links and Lists") are proper nouns to the
        # tagger, so being a proper noun is not enough: the item must be a known name, or carry
        # diacritics and be a proper noun (Árias).
        return known or (_has_diacritic(tok.text) and tok.pos_ in ("PROPN", "PRON", "X"))

    def _plainly_a_name(self, doc, a: int, b: int, lower_text: bool) -> bool:
        """A known first name or world surname in no spaCy entity: enough for a list with no person in it."""
        return (self._list_item_is_name(doc, a, b, lower_text)
                and (doc[a].lower_ in self.first or doc[a].lower_ in self.world_last)
                and not any(doc[t].ent_type_ in NAMED_THING for t in range(a, b)))

    def _list_items(self, doc, spans: list[tuple[int, int]], lower_text: bool) -> list[tuple[int, int]]:
        """Items coordinated with a person are people too ("Marie, Hannah, Megan and Ashley").

        Writers list like with like: when one item of "A, B and C" is a person (spaCy's or ours),
        the others are taken as people if they look like names: a known first or last name, or a
        proper noun with diacritics; a word spaCy puts in a place/date entity must be a first name or
        world surname (Ashley, April). Two items need a conjunction between them ("Hello, John" is
        not a list). With no person among them, three or more known names in no entity are taken as
        people ("smit, zhang and edwards"). This replaces the parser's conjuncts, which
        missed the last item of long lists, so spaCy runs without its parser.
        """
        covered = {t for a, b in spans for t in range(a, b)}
        covered |= {t.i for ent in doc.ents if ent.label_ == "PERSON" for t in ent}
        added: list[tuple[int, int]] = []
        for items, joined in self._chains(doc, lower_text):
            if not joined and len(items) < 3:
                continue
            seeded = any(t in covered for a, b in items for t in range(a, b))
            if not seeded and not (len(items) >= 3 and all(self._plainly_a_name(doc, a, b, lower_text) for a, b in items)):
                continue
            for a, b in items:
                if not any(t in covered for t in range(a, b)) and self._list_item_is_name(doc, a, b, lower_text):
                    added.append((a, b))
                    covered |= set(range(a, b))
        return added

    # -- single names -------------------------------------------------------------------------------

    def _lone_name(self, doc, i: int, lower_text: bool, foreign: bool) -> int | None:
        """A name no first-name rule found: a name with diacritics, or a lone name in lower-case chat.

        Capitalised: in English text, a known first or last name or a word ending like a surname
        (-ić, -ski, -sson) that has diacritics (Åström, Þórbergur, Janković): English words rarely
        have them and foreign names often do, so then spaCy's place/organisation tag and a tag other
        than proper noun are overruled, unless the word follows "in"/"to"/"from". Lower case: a known
        name with diacritics (söderberg, jäntti), or in all-lower-case text a known world first name
        addressed at the end of a clause ("thanks, anna!") or that the tagger takes for a proper noun,
        puts in no entity and that no adjective precedes ("red robin" is a restaurant); the world list
        has the names that are also common words taken out.
        """
        tok = doc[i]
        low = tok.lower_
        if len(tok) < 3 or tok.is_stop or low in PLACE_LIKE or low in LOANWORDS or not tok.is_alpha:
            return None
        known = low in self.first or low in self.last
        if _is_capitalised(tok.text):
            if not _has_diacritic(tok.text) or foreign or tok.pos_ not in ("PROPN", "NOUN", "ADJ", "PRON", "X"):
                return None
            if not (known or low.endswith(SURNAME_ENDINGS)):
                return None  # Glühwein, Beyoğlu: foreign words in English text are not all names
            if tok.ent_type_ in ("", "PERSON") or (
                    tok.ent_type_ in NAMED_THING - {"DATE", "TIME", "MONEY", "QUANTITY", "PERCENT", "CARDINAL", "ORDINAL"}
                    and not (i > 0 and doc[i - 1].lower_ in LOCATIVE)):
                return self._name_end(doc, i)
            return None
        if not tok.is_lower or tok.ent_type_ in NAMED_THING or (i > 0 and doc[i - 1].lower_ in LOCATIVE):
            return None
        if _has_diacritic(tok.text) and not foreign and (low in self.world_last or low in self.world_first):
            return i + 1
        if lower_text and low in self.world_first and low not in MONTHS and self._vocative(doc, i):
            return i + 1  # "don't go to town, carmen!"
        if lower_text and low in self.world_first and tok.pos_ == "PROPN" and low not in MONTHS \
                and not (i > 0 and doc[i - 1].pos_ in ("ADJ", "PROPN", "NUM")):  # "red robin", "ll bean": a brand
            return i + 1
        return None

    def _opens_as_subject(self, doc, i: int, lower_text: bool) -> bool:
        """A known first name opening a sentence as its subject or as the one addressed, whatever spaCy's
        entity tag: "Mateo lives next door." (GPE to spaCy), "Valtteri is very reliable." (NORP),
        "Clotilde, can I speak to your boss?".

        The tag is overruled only for a proper noun followed by a verb, or by a comma and a verb or
        pronoun, and never for a first name that is also a country, a region or a large city (Sofia,
        Lima, Chad: places_named_like_people). In all-lower-case text the word must be in the world
        list (common English words taken out) and spaCy must take it for a proper noun or a named thing.
        """
        tok, low = doc[i], doc[i].lower_
        if i + 2 >= len(doc) or len(tok) < 3 or low in PLACE_LIKE or low in self.places or low in MONTHS:
            return False
        nxt, after = doc[i + 1], doc[i + 2]
        if not (nxt.pos_ in ("VERB", "AUX") or (nxt.text == "," and after.pos_ in ("VERB", "AUX", "PRON", "INTJ"))):
            return False
        if not _sentence_initial(doc, i):
            return False
        if _is_capitalised(tok.text):
            return tok.pos_ == "PROPN" and low in self.first and tok.ent_type_ in ("", "GPE", "LOC", "NORP", "PERSON")
        return (tok.is_lower and lower_text and low in self.world_first
                and (tok.pos_ == "PROPN" or tok.ent_type_ in ("GPE", "LOC", "NORP", "ORG", "PERSON")))

    def _starts_name(self, doc, i: int, foreign: bool = False, lower_text: bool = False) -> bool:
        tok = doc[i]
        if not foreign and self._opens_as_subject(doc, i, lower_text):
            return True
        if tok.lower_ not in self.first or tok.lower_ in PLACE_LIKE or len(tok) < 3 or tok.ent_type_ in NOT_A_PERSON:
            return False
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if _is_capitalised(tok.text):
            if tok.ent_type_ in ("GPE", "LOC"):  # a lone "France" is a country; "Ernest Takuda" is not
                return (nxt is not None and _is_capitalised(nxt.text) and nxt.pos_ == "PROPN") or self._vocative(doc, i)
            if tok.pos_ in ("NOUN", "ADJ", "X") and not _sentence_initial(doc, i):
                # "Why is Iwao so impulsive?": a capitalised known name between lower-case words is a name
                # whatever the tagger says (a heading in Title Case has capitalised neighbours).
                prev = doc[i - 1]
                return (tok.text[1:].islower() and prev.is_lower  # not "APIs"
                        and (nxt is None or not _is_capitalised(nxt.text)))
            return tok.pos_ == "PROPN" or tok.ent_type_ == "PERSON"
        if tok.is_lower and not tok.is_stop and tok.pos_ not in FUNCTION_POS and nxt is not None and not foreign:
            return (nxt.is_lower and nxt.is_alpha and not nxt.is_stop and nxt.lower_ in self.last
                    and "PROPN" in (tok.pos_, nxt.pos_))
        return False

    @staticmethod
    def _vocative(doc, i: int) -> bool:
        """A known first name addressed at the end of a clause: "Don't go to town, Sherry!", "Thanks, Anna."."""
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        return i > 0 and doc[i - 1].text == "," and (nxt is None or nxt.text in ("!", "?", ".", ",", "..."))

    def _name_end(self, doc, i: int) -> int:
        """One past the last token of the name starting at i: following capitalised words and particles."""
        lower = doc[i].is_lower
        end = i + 1
        while end < len(doc) and end - i < 4:
            tok = doc[end]
            if tok.lower_ in PARTICLES and end + 1 < len(doc) and _is_capitalised(doc[end + 1].text):
                end += 2
            elif (lower and end == i + 1 and tok.pos_ not in FUNCTION_POS and tok.pos_ != "VERB") or (
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
            # "hi, my name is rafael": in lower case only a known first name counts (invalidate_result).
            Pattern("introduced_lower", r"(?<=\b(?i:my|his|her|their|your|full)[ \t]+(?i:name)[ \t]+(?i:is|was)[ \t]+)"
                    r"\p{Ll}[\p{Ll}'’-]+", 0.6),
            Pattern("called", r"(?<=\b(?i:call me|calls me|calling me|called|named|signed|regards|sincerely|yours)[,:]?\s+)" + self.NAME, 0.6),
            Pattern("greeting", r"(?<=\b(?:Dear|Hi|Hello|Hey)[ \t]+)" + self.NAME, 0.6),
            Pattern("field", r"(?<=\b(?i:name|contact person|patient|customer|employee)[ \t]*:[ \t]*)" + self.NAME, 0.65),
        ]
        # Case matters here: the capital letter is most of the evidence.
        super().__init__(supported_entity="PERSON", name="CuedNameRecognizer", patterns=patterns,
                         global_regex_flags=0)

    def invalidate_result(self, pattern_text: str) -> bool:
        if pattern_text[:1].islower() and " " not in pattern_text:  # introduced_lower
            return pattern_text not in first_names()
        return pattern_text.split()[-1].lower().strip(".") in self.NOT_NAMES
