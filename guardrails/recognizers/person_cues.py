"""PERSON recognizers driven by the words around a name rather than by the name itself.

Chat transcripts, e-mails and support tickets name people in a few set places: as the speaker of
a line ("Jordan: I'm here"), as the answer to a question about a name ("what's the name on the
account?" / "heather pustivšek"), and as the owner of a relative or of contact details ("Mary's
daughter", "Božica's address"). There the surrounding words carry the evidence, so the name need
not be in any list, capitalised or tagged a proper noun. spaCy's tokens are used only to veto:
a word spaCy puts in a date, an organisation, a nationality and the like is left alone.
"""

from __future__ import annotations

from collections import Counter

import regex as re
from presidio_analyzer import EntityRecognizer, RecognizerResult

from guardrails.recognizers.names import PLACE_LIKE, first_names, last_names, world_last_names
from guardrails.recognizers.person import NOT_A_PERSON, _foreign, _has_diacritic

WORD = r"\p{L}[\p{L}'’.-]*"
# Entity types that veto a cued word: it is a date, an amount, a people, a company or a product.
VETO = NOT_A_PERSON | {"ORG", "PRODUCT", "WORK_OF_ART", "LAW", "FAC"}


class _CueRecognizer(EntityRecognizer):
    SCORE = 0.6

    def __init__(self):
        super().__init__(supported_entities=["PERSON"], name=type(self).__name__)

    def load(self) -> None:
        self.first, self.last, self.world_last = first_names(), last_names(), world_last_names()

    def _known(self, word: str) -> bool:
        return word.lower() in self.first or word.lower() in self.last

    def _vetoed(self, doc, start: int, end: int, veto=VETO) -> bool:
        """spaCy puts a token of text[start:end] in an entity that is not a person."""
        return doc is not None and any(t.ent_type_ in veto for t in doc if t.idx < end and start < t.idx + len(t))

    @staticmethod
    def _token_at(doc, char: int):
        return next((t for t in doc if t.idx <= char < t.idx + len(t)), None) if doc is not None else None

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult("PERSON", start, end, self.SCORE, analysis_explanation=None,
                                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})

    def analyze(self, text, entities, nlp_artifacts=None):
        if "PERSON" not in entities:
            return []
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        return [self._result(a, b) for a, b in self.spans(text, doc)]

    def spans(self, text: str, doc) -> list[tuple[int, int]]:
        raise NotImplementedError


class SpeakerLabelRecognizer(_CueRecognizer):
    """The speaker's name at the start of a line of dialogue: 'Jordan: "I'm Mary's daughter"', "carol: hi".

    A label is one to three words, then a colon, then speech. Generic roles (user, bot, agent, Q, Note)
    and stop words (When:, Where:) are left out; in mixed case every word of a label is capitalised.
    A label that is a known first name or world surname (not the census surnames, which hold Brand,
    Clear, Hands) is a name in a transcript (a few labels taking turns) or before quoted speech; an
    unknown capitalised proper noun counts only in a transcript and when it labels two or more lines.
    """

    LABEL = re.compile(r"(?m)^[ \t>*_-]*(" + WORD + r"(?:[ \t]+" + WORD + r"){0,2})[ \t]*:(?=[ \t]*\\?[\"“'‘]|[ \t]+\S)")
    NOT_SPEAKERS = frozenset("""
    user users bot assistant system agent customer client support operator moderator admin me you human ai
    chatbot model q a question answer note notes nb warning caution tip tips hint step example examples input
    output summary subject re fwd to from cc bcc date time day name email phone address title source update
    edit ps important reminder todo error result results response reply interviewer host guest narrator
    doctor patient nurse teacher student caller speaker everyone all team staff manager ticket status priority
    issue problem solution fix steps ingredients instructions method usage options option category tags tag
    prompt context task goal role rules rule format location price total cost description details reason
    comment comments feedback review rating pros cons yes no ok okay http https www url link
    """.split())

    def spans(self, text, doc):
        if doc is not None and _foreign(doc):
            return []  # a Turkish prompt's "Odak:" headings are not speakers
        labels = [m for m in self.LABEL.finditer(text)
                  if m.group(1).split()[0].lower().strip(".") not in self.NOT_SPEAKERS and not m.group(1).isupper()]
        # In a transcript a few speakers take turns, so an unknown speaker speaks more than once; many
        # different labels ("Tables:", "Effort:", "Timeframe:") are the fields of a structured text.
        counts = Counter(m.group(1) for m in labels)
        transcript = len(labels) >= 2 and len(counts) <= min(4, max(2, len(labels) // 2))
        lower_text = text == text.lower()
        out = []
        for m in labels:
            words = m.group(1).split()
            # "Jordan:" in a transcript is a speaker; a lone "Paris: rain expected" is a dateline.
            if (not transcript and any(w.lower() in PLACE_LIKE for w in words)) or self._vetoed(doc, m.start(1), m.end(1)):
                continue
            tok = self._token_at(doc, m.start(1))
            if tok is not None and tok.is_stop:  # "When:", "Where:" are form fields
                continue
            proper = all(w[:1].isupper() for w in words) and (tok is None or tok.pos_ == "PROPN")
            if not (lower_text or all(w[:1].isupper() for w in words)):
                continue  # "note: ..." or "Art style: ..." in mixed case is not a speaker
            # One labelled line is a speaker only when the speech is quoted: 'Jordan: "I'm here"'.
            quoted = text[m.end():m.end() + 3].lstrip(" \t\\")[:1] in ('"', "“", "'", "‘")
            if ((words[0].lower() in self.first or words[0].lower() in self.world_last) and (transcript or quoted)) or (
                    transcript and proper and counts[m.group(1)] >= 2):
                out.append((m.start(1), m.end(1)))
        return out


class NameAnswerRecognizer(_CueRecognizer):
    """The reply to a question asking for a person's name: "what's the name on the account? user: tina roelink".

    The question must ask for someone's name (your/his/her/their/full name, the name on an account,
    card, booking or order, "who am I speaking to"); the answer is the next one to three words, after an
    optional speaker label and "it's"/"I'm"/"this is", when they end the line or sentence.
    """

    PATTERN = re.compile(
        r"(?i)\b(?:(?:your|his|her|their|full|first|last|sur|maiden)[ \t]*name|name[ \t]+(?:on|for)[ \t]+(?:the|your|this)"
        r"[ \t]+(?:account|card|booking|reservation|order|ticket|policy)|who[ \t]+(?:am[ \t]+i|are[ \t]+you|is[ \t]+this)"
        r"(?:[ \t]+(?:speaking|talking|chatting)[ \t]+(?:to|with))?)[^?\n]{0,30}\?[ \t]*(?:\n[ \t]*)?"
        r"(?:\p{L}{1,12}[ \t]*:[ \t]*)?(?:(?:it'?s|i'?m|i[ \t]+am|this[ \t]+is|my[ \t]+name[ \t]+is|name'?s)[ \t]+)?"
        r"(\p{L}[\p{L}'’-]+(?:[ \t]+\p{L}[\p{L}'’-]+){0,2})(?=[ \t]*(?:[.!,;\n]|$))")
    NOT_ANSWERS = frozenset("sorry why what who no yes not none nothing hello hi hey thanks ok okay idk unknown "
                            "later".split())

    def spans(self, text, doc):
        out = []
        for m in self.PATTERN.finditer(text):
            words = m.group(1).split()
            if words[0].lower() in self.NOT_ANSWERS or self._vetoed(doc, m.start(1), m.end(1)):
                continue
            if doc is not None and any(t.is_stop for t in doc if m.start(1) <= t.idx < m.end(1)):
                continue  # "it is fine", "on my phone": a sentence, not a name
            out.append((m.start(1), m.end(1)))
        return out


class PossessiveRelationRecognizer(_CueRecognizer):
    """A name owning a relative or contact details: "I'm Mary's daughter", "here's Božica's address".

    Only people have daughters and husbands; companies have addresses too, so spaCy's organisation
    tag vetoes contact details only. The owner must look like a name: capitalised and a proper noun, a known name or a word
    with diacritics; in lower-case text a known name. A word spaCy calls a place must be a known name
    ("Božica"), so "Japan's sons" stays out.
    """

    KIN = (r"daughters?|sons?|wife|husband|mother|father|mom|mum|dad|sisters?|brothers?|siblings?|aunt|uncle|"
           r"cousins?|niece|nephew|grand(?:mother|father|ma|pa|daughter|son|children|kids)|boyfriend|girlfriend|"
           r"fianc[eé]e?|partner|spouse|widow(?:er)?|children|kids|baby|parents|in-laws|stepson|stepdaughter")
    DETAILS = (r"address|home address|phone(?: number)?|mobile(?: number)?|cell(?: number)?|e-?mail(?: address)?|"
               r"birthday|date of birth|passport|contact details|social security number")
    PATTERN = re.compile(r"(?<![\p{L}'’])(\p{L}[\p{L}-]*)\\?['’]s?[ \t]+(?:(?:late|ex-?|older|younger|elder|little|big|"
                         r"eldest|youngest|twin|new|own)[ \t]*)?(?:(" + KIN + r")|" + DETAILS + r")\b", re.IGNORECASE)
    NOT_OWNERS = frozenset("""
    my your his her its our their one someone somebody anyone everyone everybody nobody today tomorrow yesterday
    mother father mom mum dad sister brother wife husband daughter son aunt uncle cousin friend friends boss user
    customer client company business bank shop store hotel school university team family partner neighbour
    neighbor god world people person man woman child baby kid guy girl boy lady gentleman
    """.split())

    def spans(self, text, doc):
        lower_text = text == text.lower()
        out = []
        for m in self.PATTERN.finditer(text):
            word = m.group(1)
            low = word.lower()
            if len(word) < 2 or low in self.NOT_OWNERS or low in PLACE_LIKE:
                continue
            # Companies have addresses but no daughters: an organisation tag vetoes only contact details.
            if self._vetoed(doc, m.start(1), m.end(1), VETO - {"ORG"} if m.group(2) else VETO):
                continue
            tok = self._token_at(doc, m.start(1))
            if tok is not None and tok.is_stop:
                continue
            if word[:1].isupper():
                proper = tok is None or tok.pos_ == "PROPN"
                if tok is not None and tok.ent_type_ in ("GPE", "LOC"):
                    ok = self._known(word)
                else:
                    ok = proper or self._known(word) or _has_diacritic(word)
            else:
                ok = lower_text and self._known(word)
            if ok:
                out.append((m.start(1), m.end(1)))
        return out
