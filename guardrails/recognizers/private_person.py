"""Which names are a private person's personal data: PERSON_PRIVATE.

A name on its own is not a leak: assistant replies are full of famous, historical and fictional
people, and of the person's own friends whom they named in their message. What makes a name personal
data worth holding a reply for is what it is tied to (GDPR's "identifiable person" plus what is said
about them). A PERSON finding becomes PERSON_PRIVATE when either

1. a direct identifier (e-mail, phone, card, IBAN, SSN, address, ...) stands in the same record as the
   name: the same sentence or the next lines of a block, within IDENTIFIER_REACH characters, with no
   blank line and no sentence ending between ("Anna Lindqvist, email anna.lindqvist@telia.se"); or
2. a sensitive fact (health, sexuality, religion, politics, criminal record, finances, immigration
   status) is said in the name's sentence, and the text marks the person as private: a private
   relation or role before the name ("my neighbour Karen Whitfield", "our employee", "patient"), after
   it ("Karen, my colleague"), or an age apposition ("John Baxter, 42,"), the way case notes, gossip
   and HR records name people; and nothing marks them as public (a title such as President or Queen,
   a lifespan "(1879-1955)", a public role in the sentence: actor, physicist, CEO, ...).

Both rules leave out a name the person used themselves (it occurs in ScanContext.prompt): telling
someone about their own brother's illness discloses nothing to them.

3. In the person's own message only (ScanContext.own_message: the input mask), a name they give as
   their own ("I'm Maria Gonzalez", "my name is ...", "call me ..."), outside a quotation on its line:
   it is theirs, and the model and the database need it no more than their phone number. A reply that
   says "I am Sherlock Holmes" is role-play, not anyone's data, so replies never use this rule.

Public figures are judged from signals in the text, not from a list: no well-kept offline list of
public people ships on PyPI, and a list tuned to one set of replies would not reach the next.
The price is that rule 2 wants a private cue; a sensitive fact about a bare, unknown name is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IDENTIFIER_REACH = 80  # characters between a name and a direct identifier in the same record

SENSITIVE = re.compile(r"(?i)\b(?:" + "|".join([
    # health
    r"diagnos\w*", r"hiv", r"aids", r"cancer", r"tumou?r", r"chemo(?:therapy)?", r"depress(?:ion|ed)", r"anxiety",
    r"bipolar", r"schizophreni\w*", r"ptsd", r"adhd", r"autis\w*", r"dementia", r"alzheimer'?s", r"parkinson'?s",
    r"diabet\w*", r"epilep\w*", r"hepatitis", r"tuberculosis", r"std", r"sti", r"pregnan\w*", r"miscarriage",
    r"abortion", r"ivf", r"disabilit\w*", r"disabled", r"rehab", r"addict\w*", r"alcoholi\w*", r"overdos\w*",
    r"suicid\w*", r"self-harm", r"mental (?:health|illness)", r"psychiatric", r"therapy", r"medication",
    r"prescribed", r"surgery", r"treated for", r"hospitali[sz]ed", r"illness", r"terminal(?:ly)? ill",
    # sexuality and gender identity
    r"gay", r"lesbian", r"bisexual", r"transgender", r"trans woman", r"trans man", r"sexual orientation",
    r"came out", r"coming out", r"homosexual",
    # religion and beliefs, politics, unions
    r"muslim", r"jewish", r"christian", r"hindu", r"buddhist", r"sikh", r"atheist", r"converted to",
    r"religio\w*", r"voted for", r"party member", r"trade union", r"union member",
    # criminal record
    r"arrest\w*", r"convict\w*", r"criminal record", r"prison", r"jail\w*", r"parole", r"probation",
    r"charged with", r"indicted", r"sentenced", r"fraud", r"theft", r"assault\w*", r"dui",
    # finances
    r"debts?", r"bankrupt\w*", r"salary", r"earns", r"owes", r"in arrears", r"credit score", r"evict\w*",
    r"foreclos\w*", r"defaulted",
    # immigration status
    r"undocumented", r"asylum", r"deport\w*", r"illegal immigrant", r"visa status",
]) + r")\b")

# The words that mark a person as private, before the name ("my neighbour Karen", "patient John Doe")
# and after it ("Karen, my neighbour,", "Tomasz (our employee)"). One list each, used by the rules
# below and by could_be_private's quick look at the whole text.
RELATIONS = ("neighbou?r|friend|colleague|co-?worker|boss|manager|employee|staff member|patient|client|customer|tenant|"
             "landlord|flatmate|roommate|student|pupil|classmate|teacher|ex|partner|husband|wife|boyfriend|girlfriend|son|"
             "daughter|mother|father|mom|mum|dad|brother|sister|cousin|aunt|uncle|niece|nephew|grand\\w+|child|kid")
ROLES = "patient|employee|client|customer|tenant|applicant|candidate|member|inmate|defendant|suspect"
RELATIONS_AFTER = ("neighbou?r|friend|colleague|co-?worker|employee|patient|client|customer|tenant|student|relative|cousin|"
                   "classmate|flatmate|roommate")
PRIVATE_BEFORE = re.compile(r"(?i)(?:\b(?:my|our|your|his|her|their)\s+(?:\w+\s+)?(?:" + RELATIONS + r")"
                            r"|\b(?:" + ROLES + r")(?:\s+name)?\s*:?)\s*$")
PRIVATE_AFTER = re.compile(r"(?i)^\s*[,(]\s*(?:my|our|a|an|the)\s+(?:\w+\s+)?(?:" + RELATIONS_AFTER + r")\b")
AGE_AFTER = re.compile(r"^\s*(?:,\s*(?:aged?\s+)?\d{1,3}\s*(?:,|years?\b|y/?o\b)|\(\s*(?:age\s+)?\d{1,3}\s*\))")
# Public figures: a title before the name, a lifespan or birth year after it, a public role nearby.
PUBLIC_BEFORE = re.compile(r"(?i)\b(?:president|king|queen|prince|princess|emperor|empress|pope|saint|st\.|sir|dame|lord|"
                           r"senator|governor|chancellor|prime minister|minister|general|admiral|chairman|ceo|founder|"
                           r"professor|prof\.|author|singer|actor|actress|rapper|director|coach|captain)\s+$")
LIFESPAN_AFTER = re.compile(r"^\s*\(\s*(?:born\s+|b\.\s*|c\.\s*)?\d{3,4}\s*(?:[-–—]\s*\d{0,4}\s*)?\)")
PUBLIC_ROLE = re.compile(r"(?i)\b(?:actor|actress|singer|songwriter|rapper|musician|band|composer|painter|artist|author|"
                         r"novelist|poet|writer|playwright|physicist|chemist|mathematician|scientist|philosopher|inventor|"
                         r"president|prime minister|senator|politician|king|queen|emperor|pharaoh|pope|general|explorer|"
                         r"athlete|footballer|player|champion|olympic|ceo|founder|billionaire|celebrity|famous|legendary|"
                         r"renowned|historical|history|biography|album|film|movie|novel|nobel|oscar|grammy|character|"
                         r"fictional|novel's|protagonist|hero|villain|century|dynasty|reign(?:ed)?|\d{4}s?)\b")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")
# Between a name and an identifier, a sentence ending ("... telia.se. Albert Einstein ...") parts them;
# "Tel. 0171" or "St. 5" does not (no capital after it).
_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]*[ \t]+[\"'(\[]*[A-Z]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence around text[start:end], by punctuation and line breaks."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = _SENTENCE_END.search(text, end)
    return left, right.start() if right else len(text)


def used_by_the_person(name: str, prompt: str) -> bool:
    """The person wrote this name (or one of its words of three letters or more) in their message."""
    if not prompt:
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", name) if len(w) >= 3]
    low = prompt.lower()
    return any(re.search(r"(?<!\w)" + re.escape(w.lower()) + r"(?!\w)", low) for w in words)


def tied_to_identifier(text: str, name: Span, identifiers: list[Span], reach: int = IDENTIFIER_REACH) -> bool:
    """A direct identifier in the same record as the name: near it, with no blank line between."""
    for ident in identifiers:
        a, b = (name.end, ident.start) if name.end <= ident.start else (ident.end, name.start)
        gap = text[a:b]
        if b - a <= reach and "\n\n" not in gap and gap.count("\n") <= 2 and not _SENTENCE_BREAK.search(text[a:b + 1]):
            return True
    return False


def public_signals(text: str, name: Span) -> bool:
    before = text[max(0, name.start - 30):name.start]
    after = text[name.end:name.end + 30]
    if PUBLIC_BEFORE.search(before) or LIFESPAN_AFTER.search(after):
        return True
    left, right = _sentence(text, name.start, name.end)
    return PUBLIC_ROLE.search(text[left:right]) is not None


def private_cue(text: str, name: Span) -> bool:
    before = text[max(0, name.start - 50):name.start]
    after = text[name.end:name.end + 40]
    return bool(PRIVATE_BEFORE.search(before) or PRIVATE_AFTER.search(after) or AGE_AFTER.search(after))


def sensitive_fact(text: str, name: Span) -> bool:
    """A sensitive term in the name's sentence, outside the name itself ("my friend Christian" is no religion)."""
    left, right = _sentence(text, name.start, name.end)
    sentence = text[left:name.start] + " " * (name.end - name.start) + text[name.end:right]
    return SENSITIVE.search(sentence) is not None


# Rule 3: the words just before a name that make it the writer's own.
_OWN_NAME_CUE = r"(?i)\b(?:my (?:full |real )?name(?: is|'s|:)|i am|i'm|i’m|this is|call me|it's|it’s)\s+"
OWN_NAME_BEFORE = re.compile(_OWN_NAME_CUE + "$")
_ANY_OWN_NAME_CUE = re.compile(_OWN_NAME_CUE + r"[^\W\d_]")  # the cue anywhere, before any word


def given_as_own(text: str, name: Span) -> bool:
    """Rule 3: the writer introduces the name as theirs ("Hi, I'm Maria Gonzalez"), not inside a quotation on
    its line: 'display exactly: "Hello! I'm Lyra, ..."' is a line the writer wants said, not their name."""
    if OWN_NAME_BEFORE.search(text[max(0, name.start - 30):name.start]) is None:
        return False
    line = text[text.rfind("\n", 0, name.start) + 1:name.start]
    quotes = line.count('"') + line.count("“") + line.count("”")
    return quotes % 2 == 0


def could_give_own_name(text: str) -> bool:
    """Whether rule 3 could apply anywhere in `text`: a cue followed by a word. A superset, as could_be_private
    is for rule 2 (spaCy also tags lower-case names), so the lazy scan misses no name rule 3 would mask."""
    return _ANY_OWN_NAME_CUE.search(text) is not None


def is_private(text: str, name: Span, identifiers: list[Span], prompt: str = "",
               reach: int = IDENTIFIER_REACH, own_message: bool = False) -> bool:
    """Rule 1 or rule 2 of the module's docstring, for a name the person did not use themselves; and rule 3
    where `text` is the person's own message."""
    if own_message and given_as_own(text, name):
        return True
    if used_by_the_person(text[name.start:name.end], prompt):
        return False
    if tied_to_identifier(text, name, identifiers, reach):
        return True
    return sensitive_fact(text, name) and private_cue(text, name) and not public_signals(text, name)


# Rule 2's private cues looked for anywhere in a text: the relation and role words as words, and an
# age in the shape AGE_AFTER wants ("Baxter, 42," / "(age 42)") without its anchor.
_ANY_PRIVATE_CUE = re.compile(r"(?i)\b(?:" + RELATIONS + "|" + ROLES + "|" + RELATIONS_AFTER + r")\b"
                              r"|,\s*(?:aged?\s+)?\d{1,3}\s*(?:,|years?\b|y/?o\b)|\(\s*(?:age\s+)?\d{1,3}\s*\)")


def could_be_private(text: str) -> bool:
    """Whether rule 2 could make any name in `text` private, judged without knowing where the names are.

    Rule 2 needs a sensitive term in the name's sentence and a private cue next to the name; both are
    then somewhere in the text. So False here means no name of the text is private by rule 2, and the
    PII guard need not look for names at all unless a direct identifier (rule 1) was found
    (PIIGuard(lazy_names=True)). A cheap superset: on ordinary assistant replies it is True for about
    3% (tests/guardrails/test_pii_lazy_names.py checks it never says False where rule 2 fires).
    """
    return SENSITIVE.search(text) is not None and _ANY_PRIVATE_CUE.search(text) is not None
