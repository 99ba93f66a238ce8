"""Addresses by their layout and by the words that introduce them, where no street word is present.

Many streets have no "Street"/"Rd" in them ("Roheline 43", "Castelao 71", "Sokolská 1475"), so
the street patterns in address.py cannot see them. Two shapes give them away in any language:

- a postal block: a street line followed by short lines for unit, town and postcode, as written in
  letters, signatures and shipping details;
- an introducing phrase: "lives at", "my address is", "send it to", "meet me at" followed by words
  with a house number.

Both need more than a number next to a word: a block needs a unit or postcode line after the
street line, a cued span a capitalised (or street) word beside its number, and times, dates and
counts ("meet me at 5 pm", "send it to 3 people") are rejected.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from guardrails.recognizers.address import STREET_PREFIXES, STREET_SUFFIXES, STREET_TYPES, StreetAddressRecognizer

# Quote and list markers that may start every line of a pasted block ("> ", "??? ", "* ").
LINE_PREFIX = re.compile(r"^[ \t>?*•|·\-]*")
UNIT_WORDS = r"apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|box|postbox|postboks|postfach|apartado|pmb"
UNIT_LINE = re.compile(rf"^(?:{UNIT_WORDS})\.?[ \t]*#?[ \t]*\d{{1,6}}[a-z]?\.?$", re.I)
# Postcodes: 4-6 digits (most countries), NL 1234 AB, UK, Canada, US ZIP+4.
POSTCODE = (r"(?:\d{4,6}(?:-\d{3,4})?|\d{4}[ \t]?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|"
            r"\d{2}-\d{3}|\d{3}[ \t]\d{2})")
PLACE_WORD = r"[\p{L}][\p{L}'’.\-]*"
LOCALITY_LINE = re.compile(
    rf"^,?[ \t]*(?:(?:{PLACE_WORD}|{POSTCODE})[ \t]*,?[ \t]*){{1,7}}$")
POSTCODE_IN_LINE = re.compile(rf"(?<![\w-]){POSTCODE}(?![\w-])")
# A letter's salutation or closing ("Dear Mr. Russo,", "Best regards,") has the shape of a town line but ends a block.
LETTER_LINE = re.compile(r"^(?:dear|hi|hello|hey|greetings|regards|best|kind|warm|sincerely|yours|thanks|thank|cheers|respectfully)\b", re.I)
YEAR = re.compile(r"^(?:19|20)\d\d$")
# A street line: starts with a house number, or ends with one after a few words.
NUMBER_FIRST = re.compile(rf"(?:^|(?<=[ \t]))\d{{1,5}}[a-z]?[ \t]+(?:\S+[ \t]+){{0,5}}{PLACE_WORD}\.?$", re.I)
NUMBER_LAST = re.compile(rf"(?:(?<![\w])\d{{1,5}}[a-z]?[ \t]+)?(?:{PLACE_WORD}[ \t]+){{1,5}}\d{{1,5}}[a-z]?\.?$", re.I)
PHONE_LIKE = re.compile(r"(?:\d[ \t().\-]*){6,}\d(?![\p{L}\d])")
STREET_WORD = re.compile(rf"\b(?:{STREET_TYPES}|{STREET_PREFIXES})\b|\p{{L}}(?:{STREET_SUFFIXES})\b|\b(?:{UNIT_WORDS})\b", re.I)

CUE = re.compile(
    r"\b(?:(?:my|his|her|their|our|your|new|home|billing|shipping|delivery|mailing|postal|street|the)\s+address"
    r"(?:\s+(?:is|was|will\s+be|to|with|as))?\s*[:\-]?|address\s*:|live[sd]?\s+at|living\s+at|reside[sd]?\s+at|located\s+at|"
    r"based\s+at|moved\s+to|(?:send|ship|deliver|mail|post|return|forward|bring)(?:\s+(?:it|them|this|that|these|a\s+new\s+one|one|the\s+\w+))?\s+to|"
    r"(?:sent|shipped|delivered|mailed|returned|forwarded)\s+to|meet\s+(?:me|us|them|him|her)\s+at|arrived\s+at|find\s+(?:me|us)\s+at|"
    r"office\s+(?:is\s+)?at|corner\s+of)\s*",
    re.I,
)
# Words that end an address after its cue ("... 56 San Andrés 70 for post mail").
STOP_WORDS = frozenset("""
for if when because before after last next tomorrow today tonight yesterday please so but then i we you he she they it
is are was were will would can could should in on at by with from since until as or thanks thank my your our his her their
me us them this that these those there here where which who what how why did do does has have had be been being am asap
""".split())
TIME_WORDS = frozenset("""
am pm noon midnight oclock o'clock minutes minute hours hour seconds days day weeks week months month years year
january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday people persons items copies times dollars euros pounds percent
""".split())
ABBREVIATIONS = frozenset("st ave av rd blvd ln dr ct pl sq u apt no nr str ctra r λ".split())
TOKEN = re.compile(r"[^\s,]+|,")


def _result(entity: str, start: int, end: int, score: float, name: str, rid: str) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score, analysis_explanation=None,
                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: name,
                                                  RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: rid})


def _has_postcode(line: str) -> bool:
    return any(not YEAR.match(m.group()) for m in POSTCODE_IN_LINE.finditer(line))


class AddressBlockRecognizer(EntityRecognizer):
    """A street line and the unit/town/postcode lines below it, as one ADDRESS span."""

    SCORE = 0.65
    MAX_LINES_AFTER = 5

    def __init__(self):
        super().__init__(supported_entities=["ADDRESS"], name="AddressBlockRecognizer")
        # A unit alone ("Apartment 4B") is no street line: units come on the lines after the street.
        self._street_patterns = [re.compile(p.regex, re.I) for p in StreetAddressRecognizer().patterns if p.name != "unit"]

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if "ADDRESS" not in entities or "\n" not in text:
            return []
        lines, offset = [], 0
        for raw in text.split("\n"):
            prefix = LINE_PREFIX.match(raw).end()
            body = raw[prefix:].rstrip()
            lines.append((offset + prefix, body))
            offset += len(raw) + 1
        results, i = [], 0
        while i < len(lines):
            found = self._block_at(lines, i)
            if found is None:
                i += 1
                continue
            start, end, last = found
            results.append(_result("ADDRESS", start, end, self.SCORE, self.name, self.id))
            i = last + 1
        return results

    def _street_start(self, body: str) -> int | None:
        """Where the street part of a line begins, or None when the line has no street shape."""
        if not body or len(body) > 80 or PHONE_LIKE.search(body) or "@" in body:
            return None
        starts = [m.start() for m in (p.search(body) for p in self._street_patterns) if m]
        starts += [m.start() for m in (shape.search(body) for shape in (NUMBER_FIRST, NUMBER_LAST))
                   if m and re.search(r"\p{L}{3,}", m.group())]
        return min(starts, default=None)

    def _block_at(self, lines, i: int):
        line_start, body = lines[i]
        street = self._street_start(body)
        if street is None:
            return None
        strong = STREET_WORD.search(body[street:]) is not None
        evidence, last, blanks = False, None, 0
        for j in range(i + 1, min(len(lines), i + 1 + self.MAX_LINES_AFTER + 1)):
            _, nxt = lines[j]
            if not nxt:
                blanks += 1
                if blanks > 1:
                    break
                continue
            blanks = 0
            if UNIT_LINE.match(nxt):
                evidence, last = True, j
            elif (LOCALITY_LINE.match(nxt) and not PHONE_LIKE.search(nxt) and len(nxt.split()) <= 6
                  and not LETTER_LINE.match(nxt)):
                evidence = evidence or _has_postcode(nxt)
                last = j
            else:
                break
        if last is None or not (evidence or (strong and last > i)):
            return None
        end_start, end_body = lines[last]
        return line_start + street, end_start + len(end_body), last


class CuedAddressRecognizer(EntityRecognizer):
    """The words after "lives at", "my address is", "send it to" ..., when they hold a house number."""

    SCORE = 0.6
    MAX_TOKENS = 14

    def __init__(self):
        super().__init__(supported_entities=["ADDRESS"], name="CuedAddressRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if "ADDRESS" not in entities:
            return []
        lower_text = text == text.lower()
        spans = set()
        for cue in CUE.finditer(text):
            span = self._span_after(text, cue.end(), lower_text, corner=cue.group().lower().startswith("corner"))
            if span:
                spans.add(span)
        return [_result("ADDRESS", start, end, self.SCORE, self.name, self.id) for start, end in sorted(spans)]

    def _span_after(self, text: str, at: int, lower_text: bool, corner: bool):
        line_end = text.find("\n", at)
        segment = text[at: line_end if line_end >= 0 else len(text)]
        tokens = [(m.start() + at, m.group()) for m in TOKEN.finditer(segment)]
        kept: list[tuple[int, str]] = []
        for n, (pos, tok) in enumerate(tokens[: self.MAX_TOKENS]):
            word = tok.rstrip(".?!;:)\"'").lower()
            if n < 3 and word in ("the", "corner", "of"):
                corner = corner or word == "corner"
                kept.append((pos, tok))
                continue
            if word in STOP_WORDS or (word == "and" and not corner):
                break
            if tok.endswith(":") and n > 0:  # a label ends the span: "Bring the steak to room temperature: Take ..."
                break
            kept.append((pos, tok))
            # A sentence ends at ? ! ; and at a period that is not an abbreviation's or a house number's.
            if tok[-1:] in "?!;" or (tok.endswith(".") and word not in ABBREVIATIONS and not word.isdigit()):
                break
        while kept and (kept[-1][1] == "," or kept[-1][1].lower() in ("the", "of", "corner")):
            kept.pop()
        while kept and kept[0][1].lower() in ("the", "corner", "of"):
            kept.pop(0)
        if len(kept) < 2:
            return None
        words = [t.strip(".?!;:,()\"'") for _, t in kept]
        has_digit = any(re.search(r"\d", w) for w in words)
        street_word = STREET_WORD.search(" ".join(words)) is not None
        place_like = [w for w in words if re.fullmatch(r"\p{L}[\p{L}'’\-]{2,}", w) and w.lower() not in TIME_WORDS]
        named = [w for w in place_like if w[0].isupper() or lower_text]
        if not named or not (has_digit or (street_word and corner)):
            return None
        start, (last_pos, last_tok) = kept[0][0], kept[-1]
        end = last_pos + len(last_tok.rstrip("?!;:,)\"'"))
        if last_tok.endswith(".") and last_tok.rstrip(".").lower() not in ABBREVIATIONS:
            end -= 1
        return start, end


class UnknownStreetRecognizer(EntityRecognizer):
    """A street name no English vocabulary knows, then a house number: "Sorlaskeid 32", "Αλεξάνδρου 189".

    Most of the world's streets carry no "Street" word an English pattern could see, but their names
    are words spaCy's English vectors have never met, while the capitalised words English puts before a
    number are ones it has (Windows 10, Chapter 12, Route 66, Apollo 11, iPhone 14). So: one to three
    capitalised words, the last one outside spaCy's vocabulary of vectors, then a house number, maybe
    with a house number before them ("30 Veslebakken 48"). Alone that is weak (SCORE, under the guard's
    threshold); presidio's context words (live, address, meet, send, return ...) lift it over.
    """

    SCORE = 0.4
    # Words of addressing only: "home", "office" or "visit" also sit next to product names and versions.
    CONTEXT = ["address", "live", "lives", "living", "moved", "meet", "meeting", "return", "send", "sent", "ship",
               "shipping", "deliver", "delivery", "mail", "arrived", "located", "apartment", "residence", "street"]
    HOUSE_NUMBER = re.compile(r"^\d{1,4}[a-zA-Z]?\.?$")

    def __init__(self):
        super().__init__(supported_entities=["ADDRESS"], name="UnknownStreetRecognizer", context=self.CONTEXT)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if "ADDRESS" not in entities or nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        doc = nlp_artifacts.tokens
        out = []
        for i in range(1, len(doc)):
            number, last = doc[i], doc[i - 1]
            if not self.HOUSE_NUMBER.match(number.text) or not (self._unknown(last) or _initial(last.text)):
                continue
            # Back over the street's words: capitalised ones, initials and lower-case words no English
            # vocabulary knows ("Erzsébet tér", "Rolfsens vei", "Király u."); one must be a capitalised unknown.
            start = i - 1
            while start > 0 and i - start < 4 and (self._capitalised(doc[start - 1]) or _initial(doc[start - 1].text)
                                                   or self._unknown(doc[start - 1])):
                start -= 1
            if not any(self._capitalised(t) and self._unknown(t) for t in doc[start:i]):
                continue
            if start > 0 and self.HOUSE_NUMBER.match(doc[start - 1].text):
                start -= 1  # "30 Veslebakken 48"
            end = number.idx + len(number.text.rstrip("."))
            result = _result("ADDRESS", doc[start].idx, end, self.SCORE, self.name, self.id)
            # presidio's context enhancer writes the supporting word into the explanation.
            result.analysis_explanation = AnalysisExplanation(recognizer=self.name, original_score=self.SCORE)
            out.append(result)
        return out

    @staticmethod
    def _capitalised(tok) -> bool:
        return tok.text[:1].isupper() and tok.is_alpha and not tok.is_stop

    @staticmethod
    def _unknown(tok) -> bool:
        """A word of three letters or more that spaCy's English vectors do not have."""
        return (tok.is_alpha and len(tok.text) >= 3 and not tok.is_stop and not tok.text.isupper()
                and not tok.vocab.has_vector(tok.lower_) and tok.ent_type_ not in ("DATE", "TIME", "MONEY", "PERCENT"))


def _initial(word: str) -> bool:
    """An abbreviated first name or street word before a street name: "Ρ.", "B.", "u."."""
    return len(word) == 2 and word[0].isalpha() and word[1] == "."
